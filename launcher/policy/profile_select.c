/* Choosing a profile from the command line: `guard run -- claude` runs Claude Code with its state granted,
 * without the user having to know that profiles exist. Only names are compared (nothing is executed or
 * resolved on PATH): a wrong guess costs at most the agent's own state dirs, never a secret, and --profile
 * always wins. */
#include <stdio.h>
#include <string.h>

#include "lib/guard.h"
#include "policy/profile.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct guard_agent guard_agents[] = {
	{"claude-code", LIST("claude"), LIST("@anthropic-ai/claude-code")},
	{"codex", LIST("codex"), LIST("@openai/codex")},
	{"aider", LIST("aider"), LIST("aider-chat", "aider")}, /* "aider": python -m aider */
	{"gemini", LIST("gemini"), LIST("@google/gemini-cli")},
	{"opencode", LIST("opencode"), LIST("opencode-ai")},
	{"cursor", LIST("cursor-agent"), LIST("cursor-agent")}, /* not on a registry: installed by its script */
	{NULL, NULL, NULL},
};

bool guard_profile_is_agent(const char *profile)
{
	for (const struct guard_agent *a = guard_agents; profile && a->profile; a++)
		if (strcmp(a->profile, profile) == 0)
			return true;
	return false;
}

/* How a launcher names what it runs. */
enum how { PACKAGE, SCRIPT, MODULE, COMMAND };

static const struct {
	const char *words[3]; /* argv[0]'s name, then literal subcommands */
	enum how how;
} launchers[] = {
	{{"npx"}, PACKAGE},
	{{"bunx"}, PACKAGE},
	{{"pnpx"}, PACKAGE},
	{{"npm", "exec"}, PACKAGE},
	{{"npm", "x"}, PACKAGE},
	{{"pnpm", "dlx"}, PACKAGE},
	{{"yarn", "dlx"}, PACKAGE},
	{{"bun", "x"}, PACKAGE},
	{{"uvx"}, PACKAGE},
	{{"pipx", "run"}, PACKAGE},
	{{"uv", "tool", "run"}, PACKAGE},
	{{"bun", "run"}, SCRIPT},
	{{"deno", "run"}, SCRIPT},
	{{"node"}, SCRIPT},
	{{"nodejs"}, SCRIPT},
	{{"bun"}, SCRIPT},
	{{"python"}, MODULE},
	{{"env"}, COMMAND},
};

/* Options of those launchers that take a separate value: skipping them keeps the value from being taken for
 * the package or script. Options that name the package are handled apart (package_option). */
static const char *const valued[] = {"-r",         "--require",    "--import", "--loader", "--experimental-loader",
				     "-C",         "--conditions", "--python", "--with",   "-X",
				     "-W",         "-u",           "--unset",  "--chdir",  "--cache",
				     "--registry", "--userconfig", NULL};

static bool in(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* python3.12 and python3 are python; everything else is compared as is. */
static void program_name(const char *arg0, char *out, size_t len)
{
	const char *b = base(arg0);
	if (strncmp(b, "python", 6) == 0 && b[6 + strspn(b + 6, "0123456789.")] == '\0')
		b = "python";
	snprintf(out, len, "%s", b);
}

/* "@scope/name@1.2" → "@scope/name", "aider-chat==0.8" → "aider-chat", "npm:pkg@latest" → "pkg". */
static void package_name(const char *spec, char *out, size_t len)
{
	if (strncmp(spec, "npm:", 4) == 0)
		spec += 4;
	size_t n = strcspn(spec + (spec[0] == '@'), "@=<>~![ ,;") + (spec[0] == '@');
	snprintf(out, len, "%.*s", (int)n, spec);
}

static const struct guard_agent *by_command(const char *name)
{
	for (const struct guard_agent *a = guard_agents; a->profile; a++)
		if (in(name, a->commands))
			return a;
	return NULL;
}

static const struct guard_agent *by_package(const char *spec)
{
	char name[256];
	package_name(spec, name, sizeof name);
	for (const struct guard_agent *a = guard_agents; a->profile; a++)
		if (in(name, a->packages))
			return a;
	return NULL;
}

/* A script run by node/bun/deno: by the package directory it lies in (.../@google/gemini-cli/bundle/gemini.js),
 * by a deno "npm:" specifier, else by its own name without extension (~/.npm-global/bin/claude). */
static const struct guard_agent *by_script(const char *path)
{
	if (strncmp(path, "npm:", 4) == 0)
		return by_package(path);
	for (const struct guard_agent *a = guard_agents; a->profile; a++)
		for (const char *const *p = a->packages; *p; p++) {
			char dir[300];
			snprintf(dir, sizeof dir, "/%s/", *p);
			if (strstr(path, dir) || strncmp(path, dir + 1, strlen(dir + 1)) == 0)
				return a;
		}
	char name[256];
	snprintf(name, sizeof name, "%s", base(path));
	char *dot = strrchr(name, '.');
	if (dot && (!strcmp(dot, ".js") || !strcmp(dot, ".mjs") || !strcmp(dot, ".cjs") || !strcmp(dot, ".ts")))
		*dot = '\0';
	return by_command(name);
}

/* npx -p PKG, --package=PKG, uvx --from PKG, pipx run --spec PKG. */
static const char *package_option(char *const *argv, int *i)
{
	static const char *const opts[] = {"-p", "--package", "--from", "--spec", NULL};
	const char *a = argv[*i];
	for (const char *const *o = opts; *o; o++) {
		size_t n = strlen(*o);
		if (strncmp(a, *o, n) == 0 && a[n] == '=')
			return a + n + 1;
		if (strcmp(a, *o) == 0 && argv[*i + 1])
			return argv[++*i];
	}
	return NULL;
}

static const struct guard_agent *select_in(char *const *argv, int depth, char *why, size_t whylen, int *at);

/* The index after the first word from i on that is not an option ("--" skipped): where the program a package
 * option named (npx -p PKG CMD) takes its arguments. -1 when there is none. */
static int after_command_word(char *const *argv, int i)
{
	for (; argv[i]; i++)
		if (strcmp(argv[i], "--") != 0 && argv[i][0] != '-')
			return i + 1;
	return -1;
}

/* argv[0] is the launcher's first word, `skip` its subcommand words. *at: where the agent's own arguments
 * start. */
static const struct guard_agent *through_launcher(char *const *argv, int skip, enum how how, int depth, char *why,
						  size_t whylen, int *at)
{
	const char *explicit_pkg = NULL;
	int i = 1 + skip;
	for (; argv[i]; i++) {
		const char *a = argv[i];
		const char *pkg = how == PACKAGE ? package_option(argv, &i) : NULL;
		if (pkg) {
			explicit_pkg = pkg;
			if (by_package(pkg)) {
				snprintf(why, whylen, "the package \"%s\" run by %s", pkg, base(argv[0]));
				*at = after_command_word(argv, i + 1);
				return by_package(pkg);
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (how == MODULE && strcmp(a, "-m") == 0 && argv[i + 1]) {
			char mod[256];
			snprintf(mod, sizeof mod, "%s", argv[i + 1]);
			mod[strcspn(mod, ".")] = '\0'; /* aider.main → aider */
			snprintf(why, whylen, "the module \"%s\" run by %s", argv[i + 1], base(argv[0]));
			*at = i + 2;
			return by_package(mod);
		}
		if (how == SCRIPT && (!strcmp(a, "-e") || !strcmp(a, "--eval") || !strcmp(a, "-p") ||
				      !strcmp(a, "--print") || !strcmp(a, "-c")))
			return NULL; /* code on the command line: no script to go by */
		if (how == COMMAND && strchr(a, '=') && a[0] != '-')
			continue; /* env NAME=VALUE */
		if (a[0] != '-')
			break;
		/* -u: env's variable to unset, python's unbuffered flag. */
		if (in(a, valued) && argv[i + 1] && !(how == MODULE && strcmp(a, "-u") == 0))
			i++;
	}
	const char *target = argv[i];
	if (!target)
		return NULL;
	const struct guard_agent *found = NULL;
	switch (how) {
	case COMMAND:
		found = select_in(argv + i, depth + 1, why, whylen, at);
		if (found && *at >= 0)
			*at += i;
		return found;
	case SCRIPT:
		found = by_script(target);
		break;
	case MODULE:
		found = by_script(target);
		break; /* python ~/.local/bin/aider */
	case PACKAGE:
		found = by_package(target);
		/* With -p PKG the word after the options is a command of that package: npx -p PKG claude. */
		if (!found && explicit_pkg)
			found = by_command(target);
		break;
	}
	if (found) {
		snprintf(why, whylen, "the %s \"%s\" run by %s", how == PACKAGE ? "package" : "script", target,
			 base(argv[0]));
		*at = i + 1;
	}
	return found;
}

static const struct guard_agent *select_in(char *const *argv, int depth, char *why, size_t whylen, int *at)
{
	char prog[256];
	*at = -1;
	if (!argv || !argv[0] || depth > 4)
		return NULL;
	program_name(argv[0], prog, sizeof prog);
	const struct guard_agent *a = by_command(prog);
	if (a) {
		snprintf(why, whylen, "the command name \"%s\"", prog);
		*at = 1;
		return a;
	}
	for (size_t k = 0; k < sizeof launchers / sizeof *launchers; k++) {
		if (strcmp(prog, launchers[k].words[0]) != 0)
			continue;
		int skip = 0;
		while (skip < 2 && launchers[k].words[skip + 1] && argv[skip + 1] &&
		       strcmp(argv[skip + 1], launchers[k].words[skip + 1]) == 0)
			skip++;
		if (skip + 1 < 3 && launchers[k].words[skip + 1])
			continue; /* "npm" without "exec": some other npm command */
		return through_launcher(argv, skip, launchers[k].how, depth, why, whylen, at);
	}
	return NULL;
}

const char *guard_profile_for_command(char *const *argv, char *why, size_t whylen, int *args_at)
{
	char scratch[8];
	int at_scratch;
	if (!why)
		why = scratch, whylen = sizeof scratch;
	if (!args_at)
		args_at = &at_scratch;
	why[0] = '\0';
	const struct guard_agent *a = select_in(argv, 0, why, whylen, args_at);
	if (!a) {
		why[0] = '\0';
		*args_at = -1;
	}
	return a ? a->profile : NULL;
}
