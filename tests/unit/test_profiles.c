/* Agent profiles: every built-in one loads on top of the default profile with per-file provenance; `extends`
 * chains, cycles and unknown parents; `state:` entries (validation, creation); the command → profile choice. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/builtin_rules.h"
#include "lib/guard.h"
#include "policy/policy_api.h"
#include "policy/profile.h"
#include "tap.h"

static void test_builtin_profiles(void)
{
	for (const struct guard_agent *a = guard_agents; a->profile; a++) {
		struct guard_policy p;
		struct guard_error e = {0};
		guard_policy_init(&p);
		int rc = guard_policy_load_profile(&p, a->profile, &e);
		TAP_OK(rc == 0, "%s loads %s", a->profile, rc ? e.message : "");
		if (rc)
			continue;
		char own[64];
		snprintf(own, sizeof own, "rules/%s.yaml", a->profile);
		size_t from_default = 0, from_own = 0, state = 0, first_own = p.nrules, last_default = 0;
		for (size_t i = 0; i < p.nrules; i++) {
			if (!strcmp(p.rules[i].at.file, "rules/default.yaml"))
				from_default++, last_default = i;
			if (!strcmp(p.rules[i].at.file, own)) {
				from_own++;
				if (i < first_own)
					first_own = i;
			}
			state += p.rules[i].create && p.rules[i].kind == GUARD_WRITE && p.rules[i].pattern[0] == '~';
		}
		TAP_OK(!strcmp(p.profile, a->profile), "%s: the policy is named after it, not after what it extends",
		       a->profile);
		TAP_OK(from_default > 50 && from_own > 0 && last_default < first_own,
		       "%s: default's rules first, then its own, each with its file (%zu + %zu)", a->profile,
		       from_default, from_own);
		TAP_OK(state > 0, "%s: state entries under ~ (%zu)", a->profile, state);
		TAP_OK(p.npass > 0 && p.nnet_allow > 0, "%s: API keys passed (%zu) and hosts allowed (%zu)", a->profile,
		       p.npass, p.nnet_allow);
		TAP_OK(p.processes.set && !strcmp(p.processes.at.file, "rules/default.yaml"),
		       "%s: inherits the default limits", a->profile);
		guard_policy_free(&p);
	}
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = guard_policy_load_profile(&p, "nope", &e);
	TAP_OK(rc < 0 && strstr(e.hint, "known profiles: default, "), "unknown profile: default listed first (%s)",
	       e.hint);
	guard_policy_free(&p);
}

/* ---- installed profiles: extends chains ---------------------------------------------------------------- */

static char share[4200];
static bool made[3];

static bool make_share(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	const char *parts[] = {"/../share", "/../share/guard", "/../share/guard/rules"};
	for (int i = 0; i < 3; i++) {
		snprintf(share, sizeof share, "%s%s", exe, parts[i]);
		if (mkdir(share, 0755) == 0)
			made[i] = true;
		else if (errno != EEXIST)
			return false;
	}
	return true;
}

static void drop_share(void)
{
	for (int i = 2; i >= 0; i--) {
		if (made[i])
			rmdir(share);
		char *slash = strrchr(share, '/');
		if (slash)
			*slash = '\0';
	}
}

static void put_profile(const char *name, const char *text)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s.yaml", share, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_profile(const char *name)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s.yaml", share, name);
	unlink(path);
}

static void test_extends(void)
{
	if (!make_share()) {
		TAP_SKIP("cannot create a share dir beside the test binary", "extends chains");
		drop_share();
		return;
	}
	char a[32], b[32], c[32], text[256];
	snprintf(a, sizeof a, "ta%ld", (long)getpid());
	snprintf(b, sizeof b, "tb%ld", (long)getpid());
	snprintf(c, sizeof c, "tc%ld", (long)getpid());
	snprintf(text, sizeof text, "files:\n  deny: [from-a]\nlimits:\n  processes: 10\n");
	put_profile(a, text);
	snprintf(text, sizeof text,
		 "# b\nextends: %s\ndescription: B\nfiles:\n  deny: [from-b]\nlimits:\n  processes: 20\n", a);
	put_profile(b, text);
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = guard_policy_load_profile(&p, b, &e);
	TAP_OK(rc == 0 && p.nrules == 2 && !strcmp(p.rules[0].pattern, "from-a") &&
		       !strcmp(p.rules[1].pattern, "from-b"),
	       "extends: the parent's rules first %s", rc ? e.message : "");
	char da[64], db[64];
	snprintf(da, sizeof da, "rules/%s.yaml", a);
	snprintf(db, sizeof db, "rules/%s.yaml", b);
	TAP_OK(rc == 0 && !strcmp(p.rules[0].at.file, da) && p.rules[0].at.line == 2 &&
		       !strcmp(p.rules[1].at.file, db) && p.rules[1].at.line == 5,
	       "extends: each rule keeps its own file and line");
	TAP_OK(rc == 0 && p.processes.value == 20 && !strcmp(p.processes.at.file, db),
	       "extends: the child's limits win");
	TAP_OK(rc == 0 && p.profile && !strcmp(p.profile, b), "extends: the policy carries the child's name");
	guard_policy_free(&p);

	/* a cycle: a → c → b → a */
	snprintf(text, sizeof text, "extends: %s\n", c);
	put_profile(a, text);
	snprintf(text, sizeof text, "\nextends: %s\n", b);
	put_profile(c, text);
	guard_policy_init(&p);
	rc = guard_policy_load_profile(&p, a, &e);
	TAP_OK(rc < 0 && strstr(e.message, "cycle") && p.nrules == 0, "a cycle is an error, nothing loaded (%s)",
	       e.message);
	guard_policy_free(&p);

	snprintf(text, sizeof text, "files:\n  deny: [x]\nextends: no-such-parent\n");
	put_profile(a, text);
	guard_policy_init(&p);
	rc = guard_policy_load_profile(&p, a, &e);
	TAP_OK(rc < 0 && strstr(e.message, "unknown profile") && !strcmp(e.file, da) && e.line == 3 && e.col == 10 &&
		       p.nrules == 0,
	       "an unknown parent points at the extends line: %s:%u:%u", e.file, e.line, e.col);
	guard_policy_free(&p);

	snprintf(text, sizeof text, "extends: [a, b]\n");
	put_profile(a, text);
	guard_policy_init(&p);
	rc = guard_policy_load_profile(&p, a, &e);
	TAP_OK(rc < 0 && strstr(e.message, "extends must be a string") && e.line == 1, "extends must name one profile");
	guard_policy_free(&p);
	rm_profile(a), rm_profile(b), rm_profile(c);
	drop_share();
}

/* ---- profile-only keys and state entries --------------------------------------------------------------- */

static int parse(const char *text, enum guard_source src, struct guard_policy *p, struct guard_error *e)
{
	guard_policy_init(p);
	return guard_policy_parse_yaml(p, "t.yaml", text, strlen(text), src, NULL, e);
}

static void test_state_keys(void)
{
	struct guard_policy p;
	struct guard_error e;
	int rc = parse("state:\n  - ~/.tool/\n  - $HOME/.tool.json\n", GUARD_SRC_PROFILE, &p, &e);
	TAP_OK(rc == 0 && p.nrules == 2 && p.rules[0].kind == GUARD_WRITE && p.rules[0].create && p.rules[1].create &&
		       p.rules[0].at.line == 2 && p.rules[0].at.col == 5,
	       "state entries are write rules marked for creation, with their position");
	guard_policy_free(&p);
	static const char *const bad[] = {"state: [/etc/x]",
					  "state: [~/.x/*]",
					  "state: [~/../etc]",
					  "state: [~/a/./b]",
					  "state: [\"~/\"]",
					  "state: [~x]",
					  NULL};
	for (int i = 0; bad[i]; i++) {
		rc = parse(bad[i], GUARD_SRC_PROFILE, &p, &e);
		TAP_OK(rc < 0 && e.line == 1 && e.col == 9, "refused: %s (%s)", bad[i], e.message);
		guard_policy_free(&p);
	}
	static const char *const profile_only[] = {"extends: default", "description: x", "state: [~/.x/]", NULL};
	for (int i = 0; profile_only[i]; i++) {
		rc = parse(profile_only[i], GUARD_SRC_PROJECT, &p, &e);
		TAP_OK(rc < 0 && strstr(e.message, "only for profiles") && strstr(e.hint, "--profile"),
		       "a project file may not use %s", profile_only[i]);
		guard_policy_free(&p);
		rc = parse(profile_only[i], GUARD_SRC_USER, &p, &e);
		TAP_OK(rc < 0, "nor the user config");
		guard_policy_free(&p);
	}
}

static void test_prepare_state(void)
{
	char home[] = "/tmp/guard-test-home-XXXXXX";
	if (!mkdtemp(home)) {
		TAP_SKIP("mkdtemp", "state creation");
		return;
	}
	struct guard_policy p;
	struct guard_error e;
	parse("state:\n  - ~/.a/\n  - ~/.config/b/c/\n  - ~/.d.json\n  - ~/.e/\n", GUARD_SRC_PROFILE, &p, &e);
	char path[256], keep[256];
	snprintf(keep, sizeof keep, "%s/.e", home);
	mkdir(keep, 0755);
	guard_quiet = true;
	guard_profile_prepare_state(&p, home, true);
	snprintf(path, sizeof path, "%s/.a", home);
	TAP_OK(access(path, F_OK) != 0, "dry run creates nothing");
	guard_profile_prepare_state(&p, home, false);
	struct stat st;
	TAP_OK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
	       "~/.a/ created as a 0700 dir");
	snprintf(path, sizeof path, "%s/.config/b/c", home);
	TAP_OK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "~/.config/b/c/ created with its parents");
	snprintf(path, sizeof path, "%s/.config", home);
	TAP_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700, "missing parents are 0700");
	snprintf(path, sizeof path, "%s/.d.json", home);
	TAP_OK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3 && (st.st_mode & 07777) == 0600,
	       "~/.d.json created as a 0600 file holding {} (an empty file is not JSON)");
	TAP_OK(stat(keep, &st) == 0 && (st.st_mode & 07777) == 0755, "an existing entry is left as it is");
	guard_policy_free(&p);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", home);
}

/* ---- command → profile ------------------------------------------------------------------------------- */

/* want: the profile (NULL: none); why_part: in the reason; at: where the agent's own arguments start. */
static void expect(const char *want, const char *why_part, int at, ...)
{
	char *argv[16];
	va_list ap;
	va_start(ap, at);
	int n = 0;
	for (char *a; n < 15 && (a = va_arg(ap, char *));)
		argv[n++] = a;
	argv[n] = NULL;
	va_end(ap);
	char why[300];
	int got_at = -2;
	const char *got = guard_profile_for_command(argv, why, sizeof why, &got_at);
	bool ok = want ? got && !strcmp(got, want) && strstr(why, why_part) : !got && !why[0];
	TAP_OK(ok && got_at == at, "%s%s → %s, its arguments at %d (got %s: %s, at %d)", argv[0], n > 1 ? " ..." : "",
	       want ? want : "none", at, got ? got : "none", why, got_at);
}

static void test_select(void)
{
	expect("claude-code", "command name \"claude\"", 1, "claude", NULL);
	expect("claude-code", "command name", 1, "/home/u/.local/bin/claude", "-p", "x", NULL);
	expect("codex", "package \"@openai/codex@0.1\" run by npx", 3, "npx", "--yes", "@openai/codex@0.1", NULL);
	expect("codex", "package", 3, "npx", "--package=@openai/codex", "codex", NULL);
	expect("gemini", "script", 4, "node", "--require", "x.js",
	       "/usr/lib/node_modules/@google/gemini-cli/dist/index.js", NULL);
	expect("opencode", "package", 3, "bun", "x", "opencode-ai", NULL);
	expect("opencode", "package", 3, "pnpm", "dlx", "opencode-ai@latest", NULL);
	expect("aider", "package", 6, "uv", "tool", "run", "--from", "aider-chat", "aider", NULL);
	expect("aider", "module", 3, "python3.12", "-m", "aider", NULL);
	expect("cursor", "command name", 1, "cursor-agent", NULL);
	expect("claude-code", "\"npm:@anthropic-ai/claude-code\" run by deno", 4, "deno", "run", "-A",
	       "npm:@anthropic-ai/claude-code", NULL);
	expect("codex", "command name", 5, "env", "-u", "HOME", "A=1", "codex", NULL);
	expect("claude-code", "package", 3, "npx", "-y", "@anthropic-ai/claude-code", "-p", "hi", NULL);
	expect("codex", "script", 2, "node", "/x/node_modules/@openai/codex/bin/codex.js", "exec", "hi", NULL);
	expect(NULL, "", -1, "npx", "claude", NULL); /* the npm package "claude" is not Anthropic's */
	expect(NULL, "", -1, "npm", "run", "claude", NULL);
	expect(NULL, "", -1, "node", "-e", "1", NULL);
	expect(NULL, "", -1, "python3", "-c", "import aider", NULL);
	expect(NULL, "", -1, "claudette", NULL);
	expect(NULL, "", -1, "env", NULL);
	char *none[] = {NULL};
	TAP_OK(!guard_profile_for_command(none, NULL, 0, NULL), "an empty command selects nothing");
	TAP_OK(!guard_profile_for_command(NULL, NULL, 0, NULL), "no command selects nothing");
}

int main(void)
{
	test_builtin_profiles();
	test_extends();
	test_state_keys();
	test_prepare_state();
	test_select();
	return tap_done();
}
