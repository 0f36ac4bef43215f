/* `guard hook claude-code`: Claude Code's PostToolUseFailure hook, run inside the sandbox as a child of claude.
 *
 * Claude Code's own tools (Read, Write, Edit...) open files with raw system calls: the shim never sees them, so
 * its one-line explanation never reaches the model. Claude Code runs this hook after a failed tool call
 * (DESIGN.md §1): stdin carries {"hook_event_name":"PostToolUseFailure","tool_name","tool_input","error","cwd",
 * "session_id",...}; the answer {"hookSpecificOutput":{"hookEventName":"PostToolUseFailure","additionalContext":
 * "..."}} reaches the model as a system reminder next to the failed result. */
#include <string.h>

#include "hooks/hook_explain.h"
#include "hooks/hooks.h"

#define HOOK_PATH 4096

/* The first '...'-quoted absolute path in Node's error text ("open '/p/.env'"), copied into out. */
static bool error_path(const char *e, char *out, size_t cap)
{
	for (const char *q = e ? strstr(e, " '/") : NULL; q; q = strstr(q + 1, " '/")) {
		const char *start = q + 2, *end = strchr(start, '\'');
		if (end && (size_t)(end - start) < cap) {
			memcpy(out, start, (size_t)(end - start));
			out[end - start] = 0;
			return true;
		}
	}
	return false;
}

/* Node's syscall name in the error text: "mkdir '/x'" creates, "open" and the rest follow the tool. */
static enum guard_op error_op(const char *e, enum guard_op tool_op)
{
	if (e && (strstr(e, ", mkdir '") || strstr(e, ", mkdtemp '")))
		return GUARD_OP_CREATE;
	if (e && (strstr(e, ", unlink '") || strstr(e, ", rmdir '")))
		return GUARD_OP_REMOVE;
	return tool_op;
}

/* The explanation of one failed call of a file tool, or 0. */
static size_t explain_file_tool(const struct guard_hook_call *c, const char *tool, const char *error, char *msg,
				size_t cap)
{
	const struct guard_json *ti = guard_json_get(c->in, "tool_input");
	enum guard_op op = GUARD_OP_WRITE;
	const char *given = guard_json_str_of(ti, "file_path");
	if (strcmp(tool, "Read") == 0)
		op = GUARD_OP_READ;
	else if (strcmp(tool, "NotebookEdit") == 0 && guard_json_str_of(ti, "notebook_path"))
		given = guard_json_str_of(ti, "notebook_path");
	/* The path the error names wins (Edit's mkdir of a parent, a symlink the tool followed), except the
	 * temporary sibling Write and Edit replace the file through (FILE.tmp.PID.RANDOM): that is the file. */
	char path[HOOK_PATH];
	if (error_path(error, path, sizeof path) &&
	    !(given && strncmp(path, given, strlen(given)) == 0 && strncmp(path + strlen(given), ".tmp.", 5) == 0))
		given = path;
	return guard_hook_explain_access(&c->img, error_op(error, op), guard_hook_error_errno(error), given, c->cwd,
					 msg, cap);
}

static void explain_failure(const struct guard_hook_call *c, struct guard_buf *out)
{
	const char *error = guard_json_str_of(c->in, "error");
	if (strcmp(c->event, "PostToolUseFailure") != 0 || !c->tool || !error)
		return;
	static const char *const file_tools[] = {"Read", "Write", "Edit", "MultiEdit", "NotebookEdit", NULL};
	bool file_tool = false;
	for (const char *const *t = file_tools; *t; t++)
		file_tool |= strcmp(c->tool, *t) == 0;
	char msg[2048];
	if (file_tool && explain_file_tool(c, c->tool, error, msg, sizeof msg))
		guard_hook_add_line(out, msg);
	else if (!file_tool) /* Bash and the rest: the refusals its output reports that no guard: line did */
		guard_hook_explain_output(&c->img, error, c->cwd, out, GUARD_HOOK_MAX_LINES);
}

int guard_hook_claude_code(void)
{
	return guard_hook_run("PostToolUseFailure", explain_failure);
}
