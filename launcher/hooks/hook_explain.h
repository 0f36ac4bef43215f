/* What every agent hook shares (`guard hook claude-code`, `guard hook codex`): the call read from stdin, the
 * session's compiled policy, guard's explanation of a denied path, and the answer on stdout.
 *
 * A hook runs inside the sandbox as a child of the agent, after (or before) one of the agent's tool calls. The
 * text it hands the model is the shim's, built by the same code (preload/core/explain.c) from $GUARD_POLICY. A
 * hook never gets in the agent's way: it always exits 0, says nothing when guard has nothing to explain (a real
 * typo stays a typo), and never blames guard for a refusal the policy does not explain. */
#ifndef GUARD_HOOK_EXPLAIN_H
#define GUARD_HOOK_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "guard/event.h"
#include "guard/image.h"
#include "lib/json_read.h"
#include "lib/json_write.h"

#define GUARD_HOOK_MAX_INPUT (1u << 20) /* bytes of stdin kept; a longer call is not looked at */
#define GUARD_HOOK_MAX_LINES 3          /* explanations in one answer */

struct guard_hook_call {
	const struct guard_json *in; /* the call: a JSON object */
	const char *event, *tool;    /* hook_event_name (else the hook's default), tool_name; may be NULL */
	const char *cwd;             /* the call's cwd (absolute), else the hook's own */
	struct guard_image img;
	char cwd_buf[4096];
	struct guard_json_doc *doc;
	void *img_buf;
};

/* One hook's explanations of a call: lines appended to out (guard_hook_add_line). */
typedef void guard_hook_explain_fn(const struct guard_hook_call *c, struct guard_buf *out);

/* A hook's whole run: read the call from stdin (all of it: the agent waits for the pipe to drain) and the
 * session's policy, let `explain` say what guard has to say, answer under the call's event (default_event when
 * it names none). Says nothing when there is nothing to work with (no sandbox, bad JSON, input over
 * GUARD_HOOK_MAX_INPUT). Returns 0, always. */
int guard_hook_run(const char *default_event, guard_hook_explain_fn *explain);

/* Guard's line for one refused access (no trailing newline) into msg, or 0. The path is taken relative to cwd;
 * its parent's symbolic links are resolved as the kernel did. ENOENT is explained only when the policy denies
 * the path (a hidden tree looks empty from inside); other errors only when the policy accounts for them. */
size_t guard_hook_explain_access(const struct guard_image *img, enum guard_op op, int err, const char *path,
				 const char *cwd, char *msg, size_t cap);

/* Explain the refusals a program's output reports ("cat: .env: Permission denied", Node's "EACCES: permission
 * denied, open '/p/.env'", Go's "open /p/.env: permission denied", Python's "[Errno 13] ...: '.env'") that no
 * `guard:` line in that output explains already (the shim's, when the program was dynamically linked). A line
 * that does not say whether it read or wrote is explained only as a read. Appends lines to out; returns how
 * many (at most `room`). */
unsigned guard_hook_explain_output(const struct guard_image *img, const char *text, const char *cwd,
				   struct guard_buf *out, unsigned room);

/* Append msg to out as a line of its own, unless out holds that line already; true when appended. */
bool guard_hook_add_line(struct guard_buf *out, const char *msg);

/* The errno an error text names ("EACCES", "Permission denied", ...), else 0. */
int guard_hook_error_errno(const char *text);

#endif
