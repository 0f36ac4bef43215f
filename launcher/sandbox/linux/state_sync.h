/* A profile's state file in the private $HOME (GUARD_MNT_STATE_COPY), kept by the sandbox's init.
 *
 * Claude Code replaces ~/.claude.json by creating ~/.claude.json.tmp.<pid>.<hex> and renaming it over the file,
 * under a ~/.claude.json.lock directory; it has no in-place fallback. A file bound into the private home from the
 * host cannot be renamed over (EBUSY: it is a mount point), and the host's home must stay closed. So the file is
 * a plain copy in the private home, its directory admits only its own names (the observer), and init writes the
 * copy back to the host each time it is closed after writing or renamed into place, the same way the agent
 * would have (a temporary file beside it, renamed over it), and once more when the session ends. */
#ifndef GUARD_STATE_SYNC_H
#define GUARD_STATE_SYNC_H

#include <stddef.h>

struct guard_state_sync;

struct guard_state_sync *guard_state_sync_new(void);
/* Before anything covers the host's home: keep a detached clone of the directory holding `path` (the host's,
 * writable whatever the sandbox's mounts become). Returns the entry's index, or -1 with why. */
int guard_state_sync_open(struct guard_state_sync *s, const char *path, char *why, size_t whylen);
/* Once the private home exists: copy entry `idx` in from the host (absent stays absent) and watch its
 * directory. 0, or -1 with why. */
int guard_state_sync_copy_in(struct guard_state_sync *s, int idx, char *why, size_t whylen);
/* The descriptor init polls (-1: nothing to watch); on POLLIN, guard_state_sync_handle saves what changed. */
int guard_state_sync_fd(const struct guard_state_sync *s);
void guard_state_sync_handle(struct guard_state_sync *s);
/* Save every entry back (the session ends). */
void guard_state_sync_flush(struct guard_state_sync *s);

#endif
