/* The session log: written only by the supervisor, outside the sandbox, under
 * $XDG_STATE_HOME/guard/sessions/<id>/ (default ~/.local/state). The sandbox can neither read nor change it.
 *
 *   session.json   what ran and how it ended (rewritten at the end)
 *   events.jsonl   one JSON object per attempt, appended and flushed as it arrives (SIGKILL loses nothing)
 *   policy.img     the compiled policy of the session (include/guard/image.h), for report and explain
 *
 * events.jsonl line (keys always in this order; absent values are null):
 *   {"t":1732262400123,"origin":"shim"|"observer","pid":123,"ppid":100,"op":"read","path":"/p/.env",
 *    "path2":null,"cwd":"/p","result":"denied"|"allowed"|"failed","errno":"EACCES"|null,
 *    "rule":{"kind":"deny","pattern":".env","file":"rules/default.yaml","line":14,"col":7,"source":"profile"}|null,
 *    "argv":["cat",".env"]|null,"truncated":false}
 * "denied": the call failed with EACCES/EPERM/EXDEV/EROFS/EBUSY and the policy explains it (rule is the rule that
 * decided); "failed": it failed for another reason; "allowed": it succeeded. */
#ifndef GUARD_SESSION_H
#define GUARD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guard/event.h"
#include "guard/image.h"

struct guard_session;

struct guard_session_info {
	const char *id;
	char *const *argv;
	const char *cwd, *project, *home, *profile;
	const char *mode; /* "namespaces" or "landlock-only" */
	int abi;
	bool shim;     /* LD_PRELOAD shim injected */
	bool observer; /* seccomp observer running */
	const char *unobserved; /* what could not be seen, or NULL */
};

/* $XDG_STATE_HOME/guard/sessions (malloc'd). */
char *guard_session_root(void);
/* A fresh id: UTC time + random suffix, e.g. "20261122T070501Z-3fa2c1" (malloc'd). */
char *guard_session_new_id(void);
/* Create the session directory (0700) and write session.json and policy.img. NULL with why on failure. */
struct guard_session *guard_session_create(const struct guard_session_info *info, const void *image,
					   size_t image_len, char *why, size_t whylen);
/* Append one event (already decoded and validated). `pid` is the kernel's word for the sender (host pid
 * namespace) or the event's own when unknown. */
void guard_session_event(struct guard_session *s, const struct guard_event *ev, const struct guard_image *img,
			 pid_t pid);
/* Record how the session ended (exit status as guard returns it), rewrite session.json, free s. Returns the
 * number of denials recorded. */
unsigned guard_session_finish(struct guard_session *s, int exit_status);
const char *guard_session_dir(const struct guard_session *s);

#endif
