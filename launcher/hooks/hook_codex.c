/* `guard hook codex`: Codex's PreToolUse (apply_patch) and PostToolUse (Bash) hook, run inside the sandbox as a
 * child of codex (agent_hook.c adds it to codex's command line).
 *
 * Codex is a static binary: it applies patches itself, where no shim sees them, and codex reports a refused one
 * as "Failed to write file PATH" with no reason; a failed patch runs no PostToolUse hook. So guard looks at the
 * patch before it is applied: stdin {"hook_event_name":"PreToolUse","tool_name":"apply_patch","tool_input":
 * {"command":"*** Begin Patch\n*** Update File: PATH\n..."},"cwd",...}; for each file the policy will refuse,
 * guard's line goes back as {"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"..."}},
 * which codex hands the model next to the call. The kernel still decides (the patch is not blocked here).
 * After a shell command ("PostToolUse", "Bash", tool_response = its output) the refusals its output reports
 * that no `guard:` line explains (a static program: no shim inside it) are explained the same way. */
#include <errno.h>
#include <string.h>

#include "hooks/hook_explain.h"
#include "hooks/hooks.h"

#define HOOK_PATH 4096

/* The files a patch touches and how: "*** Add File: P", "*** Update File: P" (with "*** Move to: Q" the old
 * name goes and Q is created), "*** Delete File: P". */
static void explain_patch(const struct guard_hook_call *c, const char *patch, struct guard_buf *out)
{
	static const struct {
		const char *head;
		enum guard_op op;
		bool moves; /* the updated file's old name goes too */
	} heads[] = {
		{"*** Add File: ", GUARD_OP_CREATE, false},
		{"*** Update File: ", GUARD_OP_WRITE, false},
		{"*** Delete File: ", GUARD_OP_REMOVE, false},
		{"*** Move to: ", GUARD_OP_CREATE, true},
	};
	char updated[HOOK_PATH] = "", msg[2048];
	unsigned added = 0;
	for (const char *p = patch; p && *p && added < GUARD_HOOK_MAX_LINES;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		p = nl ? nl + 1 : NULL;
		for (size_t h = 0; h < sizeof heads / sizeof *heads; h++) {
			size_t hl = strlen(heads[h].head);
			if (len <= hl || strncmp(line, heads[h].head, hl) != 0)
				continue;
			char path[HOOK_PATH];
			size_t pl = len - hl;
			while (pl && (line[hl + pl - 1] == ' ' || line[hl + pl - 1] == '\r'))
				pl--;
			if (!pl || pl >= sizeof path)
				break;
			memcpy(path, line + hl, pl);
			path[pl] = 0;
			const char *targets[2] = {path, NULL};
			enum guard_op ops[2] = {heads[h].op, GUARD_OP_REMOVE};
			if (heads[h].op == GUARD_OP_WRITE)
				memcpy(updated, path, pl + 1);
			else if (heads[h].moves && updated[0])
				targets[1] = updated;
			for (int k = 0; k < 2 && targets[k] && added < GUARD_HOOK_MAX_LINES; k++) {
				size_t n = guard_hook_explain_access(&c->img, ops[k], EACCES, targets[k], c->cwd, msg,
								     sizeof msg);
				if (n && guard_hook_add_line(out, msg))
					added++;
			}
			break;
		}
	}
}

/* A shell command's output: a string (codex 0.169), or an object holding it. */
static void explain_shell(const struct guard_hook_call *c, struct guard_buf *out)
{
	const struct guard_json *r = guard_json_get(c->in, "tool_response");
	if (r && r->type == GUARD_JSON_STRING) {
		guard_hook_explain_output(&c->img, r->s, c->cwd, out, GUARD_HOOK_MAX_LINES);
		return;
	}
	static const char *const fields[] = {"output", "aggregated_output", "stderr", "stdout", NULL};
	for (const char *const *f = fields; *f; f++) {
		const char *s = guard_json_str_of(r, *f);
		if (s && guard_hook_explain_output(&c->img, s, c->cwd, out, GUARD_HOOK_MAX_LINES))
			return;
	}
}

static void explain_call(const struct guard_hook_call *c, struct guard_buf *out)
{
	if (!c->event || !c->tool)
		return;
	if (strcmp(c->event, "PreToolUse") == 0 && strcmp(c->tool, "apply_patch") == 0)
		explain_patch(c, guard_json_str_of(guard_json_get(c->in, "tool_input"), "command"), out);
	else if (strcmp(c->event, "PostToolUse") == 0 && strcmp(c->tool, "Bash") == 0)
		explain_shell(c, out);
}

int guard_hook_codex(void)
{
	return guard_hook_run(NULL, explain_call);
}
