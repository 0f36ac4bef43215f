/* `guard profiles` (which profiles exist, what each is for, which commands choose it) and
 * `guard profiles show NAME` (one profile's rules with provenance, what it extends included). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/builtin_rules.h"
#include "cli/cli.h"
#include "lib/guard.h"
#include "lib/json_write.h"
#include "policy/profile.h"

/* Every profile name: the built-in ones, then any other installed rules/NAME.yaml, "default" first. */
static void profile_names(struct guard_strv *out)
{
	guard_strv_push(out, guard_xstrdup("default"));
	for (const struct guard_agent *a = guard_agents; a->profile; a++)
		guard_strv_push(out, guard_xstrdup(a->profile));
	char dir[PATH_MAX];
	struct guard_strv extra = {0};
	for (const struct guard_builtin_rules *b = guard_builtin_rules; b->name; b++)
		guard_strv_push(&extra, guard_xstrdup(b->name));
	DIR *d = guard_profile_dir(dir, sizeof dir) == 0 ? opendir(dir) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n > 5 && e->d_name[0] != '.' && strcmp(e->d_name + n - 5, ".yaml") == 0)
			guard_strv_push(&extra, guard_xasprintf("%.*s", (int)(n - 5), e->d_name));
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < extra.n; i++) {
		bool seen = false;
		for (size_t k = 0; k < out->n && !seen; k++)
			seen = strcmp(out->v[k], extra.v[i]) == 0;
		if (!seen)
			guard_strv_push(out, guard_xstrdup(extra.v[i]));
	}
	guard_strv_clear(&extra);
}

/* The `description:` key, else the profile's first comment line. */
static char *describe(const char *name)
{
	char *buf;
	size_t len;
	struct guard_error err;
	if (guard_profile_text(name, &buf, &len, &err) < 0)
		return guard_xasprintf("(cannot read: %s)", err.message);
	struct guard_policy p;
	guard_policy_init(&p);
	char *desc = NULL;
	if (guard_policy_parse_yaml(&p, name, buf, len, GUARD_SRC_PROFILE, NULL, &err) < 0)
		desc = guard_xasprintf("(does not load: %u:%u: %s)", err.line, err.col, err.message);
	else if (p.description)
		desc = guard_xstrdup(p.description);
	else if (buf[0] == '#') {
		const char *s = buf + 1 + strspn(buf + 1, " ");
		desc = guard_xasprintf("%.*s", (int)strcspn(s, "\n"), s);
	}
	guard_policy_free(&p);
	free(buf);
	return desc ? desc : guard_xstrdup("");
}

static char *selected_by(const char *name)
{
	if (strcmp(name, "default") == 0)
		return guard_xstrdup("any other command");
	for (const struct guard_agent *a = guard_agents; a->profile; a++) {
		if (strcmp(a->profile, name) != 0)
			continue;
		char out[256] = "";
		size_t used = 0;
		for (const char *const *c = a->commands; *c; c++)
			used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? ", " : "", *c);
		/* Packages run through npx, uvx, node...; those named like the command add nothing. */
		for (const char *const *p = a->packages; *p && used < sizeof out; p++) {
			bool same = false;
			for (const char *const *c = a->commands; *c; c++)
				same |= strcmp(*c, *p) == 0;
			if (!same)
				used += (size_t)snprintf(out + used, sizeof out - used, ", package %s", *p);
		}
		return guard_xstrdup(out);
	}
	return guard_xstrdup("--profile only");
}

/* Stable, versioned (guard(1) JSON OUTPUT): members are only added within a version. */
static int list_json(void)
{
	struct guard_strv names = {0};
	struct guard_buf b = {0};
	profile_names(&names);
	guard_buf_puts(&b, "{\"version\":1,\"profiles\":[");
	for (size_t i = 0; i < names.n; i++) {
		char *sel = selected_by(names.v[i]), *desc = describe(names.v[i]);
		guard_buf_puts(&b, i ? ",\n  {\"name\":" : "\n  {\"name\":");
		guard_json_str(&b, names.v[i]);
		guard_buf_puts(&b, ",\"selected_by\":");
		guard_json_str(&b, sel);
		guard_buf_puts(&b, ",\"description\":");
		guard_json_str(&b, desc);
		guard_buf_puts(&b, "}");
		free(sel), free(desc);
	}
	guard_buf_puts(&b, names.n ? "\n]}\n" : "]}\n");
	fwrite(b.p, 1, b.len, stdout);
	guard_buf_free(&b);
	guard_strv_clear(&names);
	if (fflush(stdout) != 0)
		guard_die_errno(NULL, "writing the list");
	return 0;
}

static int list(void)
{
	struct guard_strv names = {0};
	profile_names(&names);
	printf("%-12s  %-44s  %s\n", "PROFILE", "SELECTED BY", "DESCRIPTION");
	for (size_t i = 0; i < names.n; i++) {
		char *sel = selected_by(names.v[i]), *desc = describe(names.v[i]);
		printf("%-12s  %-44s  %s\n", names.v[i], sel, desc);
		free(sel), free(desc);
	}
	printf("\nguard run --profile NAME -- CMD chooses one; guard profiles show NAME prints its rules.\n");
	guard_strv_clear(&names);
	return 0;
}

static int show(const char *name)
{
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if (guard_policy_load_profile(&p, name, &err) < 0) {
		guard_error_print(&err);
		return GUARD_EXIT_ERROR;
	}
	char *desc = describe(name), *sel = selected_by(name);
	printf("# %s: %s\n# selected by: %s\n", name, desc, sel);
	free(desc), free(sel);
	bool any = false;
	for (size_t i = 0; i < p.nrules; i++)
		if (p.rules[i].create) {
			printf("%s%s", any ? ", " : "# state (read-write, created before a run if missing): ",
			       p.rules[i].pattern);
			any = true;
		}
	if (any)
		printf("\n");
	guard_policy_print(stdout, &p);
	guard_policy_free(&p);
	return 0;
}

int guard_cmd_profiles(int argc, char **argv)
{
	if (argc == 1)
		return list();
	if (argc == 2 && (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "--format=json") == 0))
		return list_json();
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return show(argv[2]);
	guard_die("usage: guard profiles [--json] [show NAME]", "unexpected arguments");
}
