/* `guard hook claude-code`: Claude Code's PostToolUseFailure hook, run inside the sandbox as a child of claude.
 *
 * Claude Code's own tools (Read, Write, Edit...) open files with raw system calls: the shim never sees them, so
 * its one-line explanation never reaches the model. Claude Code runs this hook after a failed tool call
 * (DESIGN.md §1): stdin carries {"hook_event_name":"PostToolUseFailure","tool_name","tool_input","error","cwd",
 * "session_id",...}; the answer {"hookSpecificOutput":{"hookEventName":"PostToolUseFailure","additionalContext":
 * "..."}} reaches the model as a system reminder next to the failed result. The text is the shim's, built by the
 * same code (preload/shim_explain.c) from the session's compiled policy ($GUARD_POLICY).
 *
 * Never in the agent's way: exit 0 always, nothing on stdout unless guard explains a denial, input bounded. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../preload/shim_explain.h"
#include "../preload/shim_path.h"
#include "cli.h"
#include "guard.h"
#include "json_read.h"
#include "json_write.h"
#include "session_read.h"

#define HOOK_MAX_INPUT (1u << 20)
#define HOOK_PATH 4096

/* Which errno the tool's error text names: Node's "EACCES: permission denied, open '/p/.env'", or the words. */
static int error_errno(const char *e)
{
	static const struct {
		const char *word;
		int err;
	} words[] = {
		{"EACCES", EACCES},
		{"permission denied", EACCES},
		{"Permission denied", EACCES},
		{"EPERM", EPERM},
		{"operation not permitted", EPERM},
		{"Operation not permitted", EPERM},
		{"EROFS", EROFS},
		{"read-only file system", EROFS},
		{"Read-only file system", EROFS},
		{"ENOENT", ENOENT},
		{"does not exist", ENOENT},
		{"No such file or directory", ENOENT},
	};
	for (size_t i = 0; e && i < sizeof words / sizeof *words; i++)
		if (strstr(e, words[i].word))
			return words[i].err;
	return 0;
}

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

/* Absolute, normalized, the parent's symbolic links resolved (as the kernel checked it). */
static bool canonical(const char *path, const char *cwd, char *out, size_t cap)
{
	char joined[HOOK_PATH], dir[HOOK_PATH], real[HOOK_PATH];
	if (shim_path_join(joined, sizeof joined, cwd, path) != 0 || joined[0] != '/')
		return false;
	snprintf(out, cap, "%s", joined);
	const char *name = shim_path_split(joined, dir, sizeof dir);
	if (!name || !*name || !realpath(dir, real))
		return true;
	if (strcmp(real, "/") == 0)
		return snprintf(out, cap, "/%s", name) < (int)cap;
	return snprintf(out, cap, "%s/%s", real, name) < (int)cap;
}

/* The explanation of one failed tool call, or 0 when guard has nothing to say. */
static size_t explain_call(const struct guard_image *img, const struct guard_json *in, char *msg, size_t cap)
{
	const char *tool = guard_json_str_of(in, "tool_name");
	const char *error = guard_json_str_of(in, "error");
	const struct guard_json *ti = guard_json_get(in, "tool_input");
	const char *cwd = guard_json_str_of(in, "cwd");
	char here[HOOK_PATH], path[HOOK_PATH], canon[HOOK_PATH];
	if (!tool || !error)
		return 0;
	if (!cwd || cwd[0] != '/')
		cwd = getcwd(here, sizeof here) ? here : "/";
	enum guard_op op;
	const char *given = NULL;
	if (strcmp(tool, "Read") == 0) {
		op = GUARD_OP_READ;
		given = guard_json_str_of(ti, "file_path");
	} else if (!strcmp(tool, "Write") || !strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit")) {
		op = GUARD_OP_WRITE;
		given = guard_json_str_of(ti, "file_path");
	} else if (strcmp(tool, "NotebookEdit") == 0) {
		op = GUARD_OP_WRITE;
		given = guard_json_str_of(ti, "notebook_path");
		if (!given)
			given = guard_json_str_of(ti, "file_path");
	} else {
		/* Bash and the rest: the shim already printed guard's line into the output when a program was
		 * refused; only an error naming a path the shim did not explain is worth a word. */
		if (strstr(error, "guard: "))
			return 0;
		op = GUARD_OP_READ;
	}
	/* The path the error names wins (Edit's mkdir of a parent, a symlink the tool followed), except the
	 * temporary sibling Write and Edit replace the file through (FILE.tmp.PID.RANDOM): that is the file. */
	if (error_path(error, path, sizeof path) &&
	    !(given && strncmp(path, given, strlen(given)) == 0 && strncmp(path + strlen(given), ".tmp.", 5) == 0))
		given = path;
	else if (op == GUARD_OP_READ && strcmp(tool, "Read") != 0)
		return 0;
	if (!given || !given[0])
		return 0;
	int err = error_errno(error);
	if (!err || !canonical(given, cwd, canon, sizeof canon))
		return 0;
	struct stat st;
	struct shim_facts f = {.op = error_op(error, op), .err = err, .path = canon, .cwd = cwd};
	f.exists = lstat(canon, &st) == 0;
	f.is_dir = f.exists && S_ISDIR(st.st_mode);
	if (op == GUARD_OP_WRITE && !f.exists && f.op == GUARD_OP_WRITE)
		f.op = GUARD_OP_CREATE;
	if (err == ENOENT) {
		/* A hidden tree (namespaces mode) looks empty from inside: explain it only when the policy denies
		 * the path, so a real typo stays a typo. */
		f.err = EACCES;
		struct shim_verdict v;
		shim_explain_decide(img, &f, &v);
		if (v.why != SHIM_WHY_DENY && v.why != SHIM_WHY_NOT_GRANTED)
			return 0;
	}
	struct shim_verdict v;
	shim_explain_decide(img, &f, &v);
	size_t n = shim_explain_format(img, &f, &v, msg, cap);
	if (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	return n;
}

static int hook_claude_code(void)
{
	const char *image_path = getenv("GUARD_POLICY");
	struct guard_image img;
	void *img_buf = NULL;
	char why[256], msg[2048];
	/* Read all of stdin (Claude Code waits for the pipe to drain), keep the first MiB. */
	char *in = guard_xmalloc(HOOK_MAX_INPUT);
	size_t len = 0;
	bool whole = true;
	for (;;) {
		char sink[4096];
		char *dst = len < HOOK_MAX_INPUT ? in + len : sink;
		size_t room = len < HOOK_MAX_INPUT ? HOOK_MAX_INPUT - len : sizeof sink;
		ssize_t r = read(0, dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst == sink)
			whole = false;
		else
			len += (size_t)r;
	}
	size_t n = 0;
	struct guard_json_limits lim = {.max_len = HOOK_MAX_INPUT, .depth = 64, .max_nodes = 1u << 16};
	struct guard_json_doc *doc = whole ? guard_json_parse(in, len, &lim, why, sizeof why) : NULL;
	const struct guard_json *root = doc ? guard_json_root(doc) : NULL;
	const char *event = root ? guard_json_str_of(root, "hook_event_name") : NULL;
	if (root && root->type == GUARD_JSON_OBJECT && (!event || strcmp(event, "PostToolUseFailure") == 0) &&
	    image_path && image_path[0] && guard_image_read(image_path, &img, &img_buf, why, sizeof why) == 0)
		n = explain_call(&img, root, msg, sizeof msg);
	if (n) {
		struct guard_buf b = {0};
		guard_buf_puts(&b, "{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUseFailure\",\"additionalContext\":");
		guard_json_str(&b, msg);
		guard_buf_puts(&b, "}}\n");
		fwrite(b.p, 1, b.len, stdout);
		fflush(stdout);
		guard_buf_free(&b);
	}
	if (doc)
		guard_json_free(doc);
	free(img_buf);
	free(in);
	return 0;
}

int guard_cmd_hook(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "claude-code") == 0)
		return hook_claude_code();
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: guard hook claude-code   (Claude Code's PostToolUseFailure hook: JSON on stdin)\n");
		return 0;
	}
	/* Run by an agent, not a person: a usage note on stderr, and still out of the agent's way. */
	fprintf(stderr, "usage: guard hook claude-code\n");
	return 0;
}
