/* See agent_hook.h. */
#include <stdlib.h>
#include <string.h>

#include "hooks/agent_hook.h"
#include "lib/guard.h"
#include "lib/json_write.h"
#include "policy/policy_api.h"
#include "policy/profile.h"

#define HOOK_TIMEOUT 10 /* seconds an agent waits for guard's hook */

static const struct {
	const char *profile, *prog, *name;
} agents[] = {
	[GUARD_AGENT_CLAUDE] = {"claude-code", "claude", "Claude Code"},
	[GUARD_AGENT_CODEX] = {"codex", "codex", "Codex"},
};

enum guard_hook_agent guard_agent_hook_wanted(const struct guard_policy *p)
{
	const char *off = getenv("GUARD_AGENT_HOOK");
	if ((off && strcmp(off, "0") == 0) || !p->profile)
		return GUARD_AGENT_NONE;
	for (enum guard_hook_agent a = GUARD_AGENT_CLAUDE; a <= GUARD_AGENT_CODEX; a++)
		if (strcmp(p->profile, agents[a].profile) == 0)
			return a;
	return GUARD_AGENT_NONE;
}

int guard_agent_args(enum guard_hook_agent a, char *const *argv)
{
	int at = -1;
	const char *profile = guard_profile_for_command(argv, NULL, 0, &at);
	bool same = profile && a != GUARD_AGENT_NONE && strcmp(profile, agents[a].profile) == 0;
	return same ? at : -1;
}

/* The hook's shell command: GUARD_IN single-quoted ('\'' for a quote in it), then `hook AGENT`. */
static char *hook_command(const char *guard_in, const char *agent)
{
	struct guard_buf q = {0};
	guard_buf_puts(&q, "'");
	for (const char *c = guard_in; *c; c++)
		guard_buf_puts(&q, *c == '\'' ? "'\\''" : (char[]){*c, 0});
	guard_buf_puts(&q, "'");
	char *cmd = guard_xasprintf("%s hook %s", q.p, agent);
	guard_buf_free(&q);
	return cmd;
}

/* Does the user's command line already set what guard would? Claude Code: --settings; Codex: -c hooks... */
static bool user_has_own(enum guard_hook_agent a, char *const *argv, int at)
{
	for (int k = at; argv[k]; k++) {
		const char *w = argv[k], *v = NULL;
		if (a == GUARD_AGENT_CLAUDE) {
			if (strcmp(w, "--") == 0)
				return false;
			if (strcmp(w, "--settings") == 0 || strncmp(w, "--settings=", 11) == 0)
				return true;
			continue;
		}
		if (strcmp(w, "-c") == 0 || strcmp(w, "--config") == 0)
			v = argv[k + 1];
		else if (strncmp(w, "--config=", 9) == 0)
			v = w + 9;
		else if (strncmp(w, "-c", 2) == 0)
			v = w + 2;
		while (v && (*v == ' ' || *v == '\t'))
			v++;
		if (v && strncmp(v, "hooks", 5) == 0 && (v[5] == '.' || v[5] == '=' || v[5] == ' '))
			return true;
	}
	return false;
}

bool guard_codex_hook_hash(const char *event_label, const char *matcher, const char *command, int timeout, char out[72])
{
	/* Codex hashes serde_json's compact output of the identity with keys sorted; for printable ASCII that
	 * is exactly what guard_json_str writes (only " and \ escaped). */
	for (const char *s[] = {event_label, matcher, command}, **p = s; p < s + 3; p++)
		for (const char *c = *p; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				return false;
	struct guard_buf b = {0};
	guard_buf_puts(&b, "{\"event_name\":");
	guard_json_str(&b, event_label);
	guard_buf_puts(&b, ",\"hooks\":[{\"async\":false,\"command\":");
	guard_json_str(&b, command);
	char *rest = guard_xasprintf(",\"timeout\":%d,\"type\":\"command\"}],\"matcher\":", timeout);
	guard_buf_puts(&b, rest);
	free(rest);
	guard_json_str(&b, matcher);
	guard_buf_puts(&b, "}");
	char hex[65];
	guard_sha256_hex(b.p, b.len, hex);
	guard_buf_free(&b);
	snprintf(out, 72, "sha256:%s", hex);
	return true;
}

/* Claude Code's settings file: {"disableDeepLinkRegistration":"disable","hooks":{"PostToolUseFailure":[{"matcher":
 * "*","hooks":[{"type":"command","command":"...","timeout":N}]}]}}. Its claude-cli:// handler is a .desktop file
 * in ~/.local/share/applications whose Exec= the desktop runs later, outside the sandbox: guard refuses it (never
 * granted), so the session asks Claude Code not to try. */
static void write_claude_settings(const char *path, const char *command)
{
	struct guard_buf b = {0};
	guard_buf_puts(&b, "{\"disableDeepLinkRegistration\":\"disable\","
			   "\"hooks\":{\"PostToolUseFailure\":[{\"matcher\":\"*\",\"hooks\":[{\"type\":\"command\","
			   "\"command\":");
	guard_json_str(&b, command);
	char *rest = guard_xasprintf(",\"timeout\":%d}]}]}}\n", HOOK_TIMEOUT);
	guard_buf_puts(&b, rest);
	free(rest);
	guard_write_file(path, b.p, b.len, 0644);
	guard_buf_free(&b);
}

/* Codex's `-c` value: both hooks in the session-flags layer, and the trust entries (keyed by that layer's
 * synthetic path, event label, group and handler index) that let exactly these run. NULL when the command
 * can't be hashed. */
static char *codex_hooks_config(const char *command)
{
	static const struct {
		const char *event, *label, *matcher;
	} hooks[] = {
		{"PreToolUse", "pre_tool_use", "^apply_patch$"},
		{"PostToolUse", "post_tool_use", "^Bash$"},
	};
	char hash[2][72];
	for (size_t i = 0; i < 2; i++)
		if (!guard_codex_hook_hash(hooks[i].label, hooks[i].matcher, command, HOOK_TIMEOUT, hash[i]))
			return NULL;
	/* A TOML basic string: printable ASCII here (checked by the hash), so only " and \ need escaping. */
	struct guard_buf q = {0};
	for (const char *c = command; *c; c++)
		guard_buf_puts(&q, *c == '"' ? "\\\"" : *c == '\\' ? "\\\\" : (char[]){*c, 0});
	struct guard_buf b = {0};
	guard_buf_puts(&b, "hooks={");
	for (size_t i = 0; i < 2; i++) {
		char *h = guard_xasprintf("%s=[{matcher=\"%s\",hooks=[{type=\"command\",command=\"%s\",timeout=%d}]}],",
					  hooks[i].event, hooks[i].matcher, q.p, HOOK_TIMEOUT);
		guard_buf_puts(&b, h);
		free(h);
	}
	guard_buf_puts(&b, "state={");
	for (size_t i = 0; i < 2; i++) {
		char *h = guard_xasprintf("%s\"/<session-flags>/config.toml:%s:0:0\"={trusted_hash=\"%s\"}",
					  i ? "," : "", hooks[i].label, hash[i]);
		guard_buf_puts(&b, h);
		free(h);
	}
	guard_buf_puts(&b, "}}");
	guard_buf_free(&q);
	return b.p;
}

char **guard_agent_hook_argv(enum guard_hook_agent a, char *const *argv, const char *settings_host,
			     const char *settings_in, const char *guard_in, bool dry_run, struct guard_strv *out)
{
	int at = guard_agent_args(a, argv);
	if (at < 0) {
		guard_note(
			"%s's hook not added (guard's explanations of denials by its own tools): could not tell where "
			"%s's arguments start in this command line; run `guard run -- %s ...`",
			agents[a].name, agents[a].prog, agents[a].prog);
		return NULL;
	}
	char *cmd = hook_command(guard_in, a == GUARD_AGENT_CLAUDE ? "claude-code" : "codex");
	if (user_has_own(a, argv, at)) {
		if (a == GUARD_AGENT_CLAUDE)
			guard_note("your --settings replaces guard's: Claude Code's own tools (Read, Write, Edit) "
				   "won't get "
				   "guard's explanation of a denial; to keep it, add to your settings a "
				   "PostToolUseFailure command hook running: %s",
				   cmd);
		else
			guard_note(
				"your -c hooks... replaces guard's: Codex's own patches won't get guard's explanation "
				"of a denial; to keep it, add PreToolUse (apply_patch) and PostToolUse (Bash) command "
				"hooks running: %s",
				cmd);
		free(cmd);
		return NULL;
	}
	/* Codex's own config keys (its config reference) for what cannot work in here and must not: its update
	 * check (api.github.com), its analytics and metrics (ab.chatgpt.com), and plugins, whose start-up sync
	 * fetches OpenAI's curated marketplace (git from github.com, api.github.com): plugins are hooks and servers
	 * it runs later, also outside guard. These hosts stay closed (the profile's network.allow); a later -c of
	 * the user's wins. */
	static const char *const codex_off[] = {"check_for_update_on_startup=false", "analytics.enabled=false",
						"features.plugins=false"};
	char *insert[3 + 2 * sizeof codex_off / sizeof *codex_off] = {NULL};
	if (a == GUARD_AGENT_CLAUDE) {
		if (!dry_run)
			write_claude_settings(settings_host, cmd);
		insert[0] = guard_xstrdup("--settings");
		insert[1] = guard_xstrdup(settings_in);
	} else {
		char *config = codex_hooks_config(cmd);
		if (!config) {
			guard_note("Codex's hook not added: guard's path (%s) holds characters Codex's hook trust "
				   "can't be "
				   "matched for; install guard under a plain ASCII path",
				   guard_in);
			free(cmd);
			return NULL;
		}
		insert[0] = guard_xstrdup("-c");
		insert[1] = config;
		for (size_t i = 0; i < sizeof codex_off / sizeof *codex_off; i++) {
			insert[2 + 2 * i] = guard_xstrdup("-c");
			insert[3 + 2 * i] = guard_xstrdup(codex_off[i]);
		}
	}
	free(cmd);
	for (int k = 0;; k++) {
		if (k == at)
			for (char **w = insert; *w; w++)
				guard_strv_push(out, *w);
		if (!argv[k])
			break;
		guard_strv_push(out, guard_xstrdup(argv[k]));
	}
	return out->v;
}
