/* The DYLD shim's state and its one job after a refused call (shim_note_darwin.c): find the policy's reason, print
 * guard's one-line explanation, send the event to the session's socket, in the same formats as the Linux shim
 * (guard/explain.h, guard/event.h). Seatbelt decides; the shim only explains. */
#ifndef GUARD_SHIM_NOTE_DARWIN_H
#define GUARD_SHIM_NOTE_DARWIN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "guard/event.h"
#include "guard/image.h"

/* Loaded once, at the dylib's constructor, from GUARD_POLICY (the compiled image); false: stay out. */
bool shim_darwin_active(void);
const struct guard_image *shim_darwin_image(void);

/* After a call failed with errno `err`: explain a refusal of op on path (relative to dirfd) and, for renames and
 * links, path2 (relative to dirfd2; may be NULL). Keeps errno. */
void shim_darwin_note(enum guard_op op, int err, int dirfd, const char *path, int dirfd2, const char *path2);
/* A refused connect: the address as the program gave it. Keeps errno. */
void shim_darwin_note_connect(int err, const struct sockaddr *addr, socklen_t len);
/* exec.deny: the rule refusing this program (printed, event sent), or NULL to let the kernel decide. */
const struct guard_image_rule *shim_darwin_exec_denied(const char *file, char *const argv[]);

#endif
