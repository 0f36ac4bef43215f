/* "Once per session and audience": whether guard's line about a path has already reached the reader of this
 * process's stderr in this session. The audience is the open file behind fd 2 (device and inode, and when the
 * node was made, as inode numbers come back): the processes of one build writing into one pipe share a reader,
 * who is told once; each command an agent runs gets an output of its own (a new pipe, file or pty), whose reader
 * (the model, through that tool's result) is told again. */
#ifndef GUARD_SHIM_TOLD_H
#define GUARD_SHIM_TOLD_H

#include <stdbool.h>
#include <stddef.h>

/* True when this session already told fd 2's reader about key (an explained path); otherwise records that it
 * is being told now and returns false. Shared by every process of the session through marker directories in
 * the session's private temp dir (created atomically: mkdir's EEXIST), made with raw system calls. When the
 * markers cannot be made (no temp dir, a full disk), false: explaining twice beats not explaining. */
bool shim_told_before(const char *key, size_t len);

#endif
