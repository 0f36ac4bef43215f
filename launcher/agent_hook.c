/* See agent_hook.h. */
#include <stdlib.h>
#include <string.h>

#include "agent_hook.h"
#include "guard.h"
#include "json_write.h"
#include "session_setup.h"

bool guard_agent_hook_wanted(const struct guard_policy *p)
{
	const char *off = getenv("GUARD_AGENT_HOOK");
	if (off && strcmp(off, "0") == 0)
		return false;
	return p->profile && strcmp(p->profile, "claude-code") == 0;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool is_claude_package(const char *spec)
{
	static const char pkg[] = "@anthropic-ai/claude-code";
	if (strncmp(spec, "npm:", 4) == 0)
		spec += 4;
	size_t n = strlen(pkg);
	return strncmp(spec, pkg, n) == 0 && (spec[n] == 0 || spec[n] == '@');
}

int guard_agent_claude_args(char *const *argv)
{
	int i = 0;
	if (!argv || !argv[0])
		return -1;
	if (strcmp(base(argv[0]), "env") == 0) {
		/* env [-i] [NAME=VALUE...] CMD: options with a value are rare enough to give up on. */
		for (i = 1; argv[i] && (argv[i][0] == '-' || (strchr(argv[i], '=') && argv[i][0] != '/')); i++)
			if (strcmp(argv[i], "-u") == 0 || strcmp(argv[i], "-C") == 0 || strcmp(argv[i], "-S") == 0)
				return -1;
		if (!argv[i])
			return -1;
	}
	const char *prog = base(argv[i]);
	if (strcmp(prog, "claude") == 0)
		return i + 1;
	bool package = !strcmp(prog, "npx") || !strcmp(prog, "bunx") || !strcmp(prog, "pnpx");
	bool script = !strcmp(prog, "node") || !strcmp(prog, "nodejs") || !strcmp(prog, "bun");
	if (!package && !script)
		return -1;
	/* The first word that is not an option: the package or the script (options with values: give up). */
	for (int k = i + 1; argv[k]; k++) {
		const char *a = argv[k];
		if (strcmp(a, "--") == 0)
			continue;
		if (a[0] == '-') {
			if (strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0 || strcmp(a, "--no-install") == 0 ||
			    strcmp(a, "--no") == 0 || strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
				continue;
			return -1;
		}
		if (package)
			return is_claude_package(a) ? k + 1 : -1;
		return strstr(a, "/@anthropic-ai/claude-code/") ? k + 1 : -1;
	}
	return -1;
}

char **guard_agent_hook_argv(char *const *argv, const char *settings_host, const char *settings_in,
			     const char *guard_in, bool dry_run, struct guard_strv *out)
{
	int at = guard_agent_claude_args(argv);
	if (at < 0) {
		guard_note("Claude Code's hook not added (guard's explanations of denials by its own tools): could not "
			   "tell where claude's arguments start in this command line; run `guard run -- claude ...`");
		return NULL;
	}
	for (int k = at; argv[k]; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--settings") == 0 || strncmp(argv[k], "--settings=", 11) == 0) {
			guard_note("your --settings replaces guard's: Claude Code's own tools (Read, Write, Edit) won't "
				   "get guard's explanation of a denial; to keep it, add to your settings a "
				   "PostToolUseFailure command hook running: %s hook claude-code",
				   guard_in);
			return NULL;
		}
	}
	if (!dry_run) {
		/* {"hooks":{"PostToolUseFailure":[{"matcher":"*","hooks":[{"type":"command","command":"..."}]}]}} */
		struct guard_buf b = {0};
		/* Run by a shell: the path single-quoted ('\'' for a quote in it). */
		struct guard_buf q = {0};
		guard_buf_puts(&q, "'");
		for (const char *c = guard_in; *c; c++)
			guard_buf_puts(&q, *c == '\'' ? "'\\''" : (char[]){*c, 0});
		guard_buf_puts(&q, "'");
		char *cmd = guard_xasprintf("%s hook claude-code", q.p);
		guard_buf_free(&q);
		guard_buf_puts(&b, "{\"hooks\":{\"PostToolUseFailure\":[{\"matcher\":\"*\",\"hooks\":[{\"type\":"
				   "\"command\",\"command\":");
		guard_json_str(&b, cmd);
		guard_buf_puts(&b, ",\"timeout\":10}]}]}}\n");
		guard_write_file(settings_host, b.p, b.len, 0644);
		guard_buf_free(&b);
		free(cmd);
	}
	for (int k = 0; argv[k]; k++) {
		if (k == at) {
			guard_strv_push(out, guard_xstrdup("--settings"));
			guard_strv_push(out, guard_xstrdup(settings_in));
		}
		guard_strv_push(out, guard_xstrdup(argv[k]));
	}
	if (!argv[at]) {
		guard_strv_push(out, guard_xstrdup("--settings"));
		guard_strv_push(out, guard_xstrdup(settings_in));
	}
	return out->v;
}
