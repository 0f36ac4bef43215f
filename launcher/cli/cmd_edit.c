/* `guard deny KIND PATTERN...` and `guard allow KIND PATTERN...` (as in aigate): edit the project's .guard.yaml,
 * or with --global the user config, instead of asking people to learn the schema first.
 *
 * deny and allow are each other's undo: `deny` adds the restriction and removes this file's own grant or
 * re-allow of the same pattern; `allow` removes this file's own restriction if there is one, else re-allows
 * ("!pattern") what an earlier source restricts and grants the path. All patterns of one command are applied to
 * the text in memory and written once, or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config_file.h"
#include "lib/guard.h"
#include "guard/match.h"
#include "policy/yaml_edit.h"

enum kind { K_READ, K_WRITE, K_EXEC, K_NET };
static const char *const kinds[] = {"read", "write", "exec", "net", NULL};

struct edit {
	struct guard_cfgfile f;
	char *text;
	size_t len;
	bool changed, rewritten;
	char rewrite_why[256];
	struct guard_policy eff; /* the policy as it stands, this file included, trusted or not */
};

static void usage_die(const char *cmd, const char *msg)
{
	char hint[200];
	snprintf(hint, sizeof hint,
		 "usage: guard %s [--global] [--project DIR] [--profile NAME] read|write|exec|net PATTERN...", cmd);
	guard_die(hint, "%s", msg);
}

/* --name VALUE or --name=VALUE at argv[*i]: the value, or NULL when argv[*i] is another option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* read and write grants name paths; a bare name (".env", "*.pem", "secrets/") matches at any depth. */
static bool is_path(const char *p)
{
	const char *slash = strchr(p, '/');
	return p[0] == '/' || p[0] == '~' || p[0] == '$' || (slash && slash[1]);
}

/* The entry checked on its own first, by the policy loader itself, so a typo is reported as the user typed it. */
static void validate(const char *section, const char *key, const char *value)
{
	char *q = guard_yaml_quote(value);
	char *doc = guard_xasprintf("%s:\n  %s:\n    - %s\n", section, key, q);
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	int rc = guard_policy_parse_yaml(&p, "", doc, strlen(doc), GUARD_SRC_USER, NULL, &err);
	guard_policy_free(&p);
	free(doc);
	free(q);
	if (rc < 0)
		guard_die(err.hint[0] ? err.hint : NULL, "%s (nothing was written)", err.message);
}

/* Apply one edit to the text in memory; true when it changed something. */
static bool edit(struct edit *c, enum guard_yedit_op op, const char *section, const char *key, const char *value)
{
	struct guard_yedit e = {section, key, op, value};
	struct guard_yedit_result r;
	if (guard_yaml_edit(c->text, c->len, &e, &r) < 0)
		guard_die("edit the file by hand; `guard policy` checks the result",
			  "cannot edit %s: %s (nothing was written)", c->f.path, r.why);
	free(c->text);
	c->text = r.text;
	c->len = r.len;
	if (r.rewritten && !c->rewritten)
		snprintf(c->rewrite_why, sizeof c->rewrite_why, "%s", r.why);
	c->rewritten |= r.rewritten;
	c->changed |= r.changed;
	unsigned line = 0, col = 0;
	guard_yaml_locate(c->text, c->len, section, key, value, &line, &col);
	if (op == GUARD_YEDIT_ADD && r.changed)
		printf("guard: added \"%s\" to %s.%s (%s:%u:%u)\n", value, section, key, c->f.path, line, col);
	else if (op == GUARD_YEDIT_ADD)
		printf("guard: \"%s\" is already in %s.%s (%s:%u:%u)\n", value, section, key, c->f.path, line, col);
	else if (r.changed)
		printf("guard: removed \"%s\" from %s.%s (%s)\n", value, section, key, c->f.path);
	return r.changed;
}

/* How a restricting rule reaches p, both as written (same anchors: ~/..., $PROJECT/..., /...; no resolution):
 * 0 not at all, 1 by matching p itself (as written, by glob, or by p's name), 2 by being a directory above p. */
static int reaches(const char *rule, size_t rlen, bool rule_dir, const char *p, size_t plen)
{
	const char *base = p + plen;
	while (base > p && base[-1] != '/')
		base--;
	if (!memchr(rule, '/', rlen)) /* a name: p's last component */
		return guard_glob(rule, rlen, base, (size_t)(p + plen - base), false) ? 1 : 0;
	if (guard_glob(rule, rlen, p, plen, true))
		return 1;
	for (size_t i = 1; rule_dir && i < plen; i++)
		if (p[i] == '/' && guard_glob(rule, rlen, p, i, true))
			return 2;
	return 0;
}

/* Re-allow, in files.`key` ("deny" or "protect"), what earlier rules of that kind take from p: "!p" for a rule
 * that matches p (~/.ssh/\* for ~/.ssh/config2, *.pem for config/server.pem), "!DIR/" for a denied directory
 * above it (gitignore: nothing inside an excluded directory can be re-included). Whether anything restricts p. */
static bool reallow(struct edit *c, enum guard_rule_kind kind, const char *key, const char *p)
{
	size_t plen = strlen(p);
	bool p_dir = plen > 1 && p[plen - 1] == '/';
	while (plen > 1 && p[plen - 1] == '/')
		plen--;
	bool found = false, self = false;
	for (size_t i = 0; i < c->eff.nrules; i++) {
		const struct guard_rule *r = &c->eff.rules[i];
		if (r->kind != kind || r->negated)
			continue;
		size_t rlen = strlen(r->pattern);
		bool dir = rlen > 1 && r->pattern[rlen - 1] == '/';
		bool exact = rlen - dir == plen && strncmp(r->pattern, p, plen) == 0;
		int how = reaches(r->pattern, rlen - dir, dir, p, plen);
		/* A directory-only rule restricts no file: p written without '/' names one, unless it is the rule. */
		if (!how || (how == 1 && dir && !p_dir && !exact) || (how == 1 && self))
			continue;
		self |= how == 1;
		/* The rule's own words where they name p or a directory above it: "!~/.aws/" re-allows what
		 * "~/.aws/" denies, beneath it too; "!~/.aws" would not. */
		char *neg = how == 2 || exact ? guard_xasprintf("!%s", r->pattern)
					      : guard_xasprintf("!%.*s%s", (int)plen, p, p_dir ? "/" : "");
		validate("files", key, neg);
		edit(c, GUARD_YEDIT_ADD, "files", key, neg);
		free(neg);
		found = true;
	}
	return found;
}

/* An absolute path the shell expanded from ~ or . is written back as ~/... or $PROJECT/..., so the file means the
 * same on another machine or in another checkout. */
static char *portable(const struct edit *c, const char *p)
{
	if (p[0] != '/' || guard_pattern_has_glob(p))
		return guard_xstrdup(p);
	size_t n = strlen(p);
	bool dir = n > 1 && p[n - 1] == '/';
	char *norm = guard_path_normalize(p), *out;
	size_t plen = strlen(c->f.project), hlen = strlen(c->f.home);
	if (guard_path_within(norm, c->f.project))
		out = guard_xasprintf("$PROJECT%s%s", norm + plen, dir ? "/" : "");
	else if (guard_path_within(norm, c->f.home) && strcmp(c->f.home, "/") != 0)
		out = guard_xasprintf("~%s%s", norm + hlen, dir ? "/" : "");
	else
		out = guard_xasprintf("%s%s", norm, dir && strcmp(norm, "/") ? "/" : "");
	free(norm);
	return out;
}

static void deny_one(struct edit *c, enum kind k, const char *p)
{
	char *neg = guard_xasprintf("!%s", p);
	switch (k) {
	case K_READ:
	case K_WRITE: {
		const char *key = k == K_READ ? "deny" : "protect"; /* deny write = readable, never writable */
		validate("files", key, p);
		edit(c, GUARD_YEDIT_REMOVE, "files", key, neg);
		edit(c, GUARD_YEDIT_REMOVE, "files", "write", p);
		if (k == K_READ)
			edit(c, GUARD_YEDIT_REMOVE, "files", "read", p);
		edit(c, GUARD_YEDIT_ADD, "files", key, p);
		break;
	}
	case K_EXEC:
		validate("exec", "deny", p);
		edit(c, GUARD_YEDIT_REMOVE, "exec", "deny", neg);
		edit(c, GUARD_YEDIT_ADD, "exec", "deny", p);
		break;
	case K_NET:
		validate("network", "allow", p);
		if (edit(c, GUARD_YEDIT_REMOVE, "network", "allow", p))
			break;
		printf("guard: \"%s\" is not in %s's network.allow: hosts are unreachable unless a network.allow "
		       "entry names them\n",
		       p, c->f.path);
		for (size_t i = 0; i < c->eff.nnet_allow; i++)
			if (strcmp(c->eff.net_allow[i].written, p) == 0)
				printf("guard: note: %s:%u:%u (%s) allows it; a later file cannot take a host "
				       "back: choose another profile (--profile) or edit that file\n",
				       c->eff.net_allow[i].at.file, c->eff.net_allow[i].at.line,
				       c->eff.net_allow[i].at.col, guard_source_name(c->eff.net_allow[i].at.source));
		break;
	}
	free(neg);
}

static void allow_one(struct edit *c, enum kind k, const char *p)
{
	switch (k) {
	case K_READ:
	case K_WRITE: {
		bool removed = edit(c, GUARD_YEDIT_REMOVE, "files", "deny", p);
		if (k == K_WRITE)
			removed |= edit(c, GUARD_YEDIT_REMOVE, "files", "protect", p);
		if (removed)
			break; /* this file's own restriction: undone */
		bool restricted = reallow(c, GUARD_DENY, "deny", p);
		if (k == K_WRITE)
			restricted |= reallow(c, GUARD_PROTECT, "protect", p);
		if (is_path(p)) {
			validate("files", kinds[k], p);
			edit(c, GUARD_YEDIT_ADD, "files", kinds[k], p);
		} else if (!restricted) {
			printf("guard: nothing in the policy %s \"%s\": %s follows the directories it is in\n",
			       k == K_READ ? "denies" : "denies or protects", p,
			       k == K_READ ? "reading it" : "writing it");
		}
		break;
	}
	case K_EXEC: {
		char *neg = guard_xasprintf("!%s", p);
		validate("exec", "deny", p);
		if (!edit(c, GUARD_YEDIT_REMOVE, "exec", "deny", p))
			edit(c, GUARD_YEDIT_ADD, "exec", "deny", neg);
		free(neg);
		break;
	}
	case K_NET:
		validate("network", "allow", p);
		edit(c, GUARD_YEDIT_ADD, "network", "allow", p);
		break;
	}
}

/* The policy as it stands: profile, user config (unless it is the file being edited), and the file itself as
 * written, without the trust gate (an untrusted file's re-allows are still what `allow` should not repeat). */
static void load_effective(struct edit *c, const char *profile)
{
	struct guard_error err;
	struct guard_sources src = {.profile = profile};
	if (guard_policy_assemble(&c->eff, &src, &err) < 0) {
		guard_error_print(&err);
		exit(GUARD_EXIT_ERROR);
	}
	if (c->f.global)
		return; /* the user config is the file being edited: assembled already */
	struct guard_policy self;
	guard_policy_init(&self);
	if (guard_policy_parse_yaml(&self, c->f.path, c->f.text, c->f.len, GUARD_SRC_PROJECT, NULL, &err) < 0) {
		guard_error_print(&err);
		exit(GUARD_EXIT_ERROR);
	}
	guard_policy_merge(&c->eff, &self);
}

/* What the trust gate will make of the new project file, said now rather than at the next run. */
static void report_trust(struct edit *c, bool allow, const char *profile)
{
	struct guard_policy cur;
	struct guard_error err;
	struct guard_origin at;
	char what[256];
	struct guard_sources src = {.profile = profile};
	if (guard_policy_assemble(&cur, &src, &err) < 0)
		return;
	bool was_trusted = c->f.exists && guard_trust_is_trusted(NULL, c->f.path, c->f.text, c->f.len);
	int loose = guard_project_loosening(&cur, c->f.path, c->text, c->len, &at, what, sizeof what, &err);
	guard_policy_free(&cur);
	if (loose == 0) {
		printf("guard: %s only tightens the policy: it applies without `guard trust`\n", c->f.path);
	} else if (loose == 1 && was_trusted && !allow) {
		/* Tighter than content the user already reviewed: keep it trusted rather than break their runs. */
		if (guard_trust_add(NULL, c->f.path, &err) == 0)
			printf("guard: %s stays trusted: this edit only tightens what you trusted\n", c->f.path);
		else
			guard_error_print(&err);
	} else if (loose == 1) {
		printf("guard: %s loosens the policy (%s, at line %u:%u), so `guard run` refuses it until you "
		       "review it and run: guard trust\n",
		       c->f.path, what, at.line, at.col);
	}
}

int guard_cmd_edit(int argc, char **argv, bool allow)
{
	const char *cmd = allow ? "allow" : "deny";
	struct guard_options o = {0};
	bool global = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v;
		char msg[300];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--global"))
			global = true;
		else if ((v = opt_value(argc, argv, &i, "--project")))
			o.project = v;
		else if ((v = opt_value(argc, argv, &i, "--profile")))
			o.profile = v;
		else {
			snprintf(msg, sizeof msg, "unknown option %s", a);
			usage_die(cmd, msg);
		}
	}
	char msg[300];
	if (i >= argc) {
		snprintf(msg, sizeof msg, "what to %s? a kind and patterns", cmd);
		usage_die(cmd, msg);
	}
	int k = 0;
	while (kinds[k] && strcmp(kinds[k], argv[i]) != 0)
		k++;
	if (!kinds[k]) {
		const char *s = guard_suggest(argv[i], kinds);
		snprintf(msg, sizeof msg, "unknown kind \"%s\"%s%s%s: expected read, write, exec or net", argv[i],
			 s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
		usage_die(cmd, msg);
	}
	if (++i >= argc) {
		snprintf(msg, sizeof msg, "guard %s %s needs at least one pattern", cmd, argv[i - 1]);
		usage_die(cmd, msg);
	}

	struct edit c = {0};
	guard_cfgfile_open(&c.f, &o, global);
	c.text = guard_xmalloc(c.f.len + 1);
	memcpy(c.text, c.f.text, c.f.len + 1);
	c.len = c.f.len;
	if (!c.f.exists) {
		free(c.text);
		c.text = guard_xstrdup(
			global ? "# guard: your own rules, added to every run (`guard policy` shows the result).\n"
			       : "# guard: this project's rules, added to the profile's (`guard policy` shows "
				 "the result).\n# `guard init` writes a commented starter.\n");
		c.len = strlen(c.text);
	}
	load_effective(&c, o.profile);
	for (; i < argc; i++) {
		char *p = k == K_READ || k == K_WRITE ? portable(&c, argv[i]) : guard_xstrdup(argv[i]);
		(allow ? allow_one : deny_one)(&c, (enum kind)k, p);
		free(p);
	}

	struct guard_error err;
	if (c.changed && c.rewritten && c.f.exists) {
		/* The lossy path: keep what the user wrote. */
		char *bak = guard_xasprintf("%s.bak", c.f.path);
		if (guard_write_atomic(bak, c.f.text, c.f.len, 0644, false, &err) < 0) {
			guard_error_print(&err);
			exit(GUARD_EXIT_ERROR);
		}
		printf("guard: note: %s was rewritten whole (%s), so its comments and layout were lost; the previous "
		       "version is %s\n",
		       c.f.path, c.rewrite_why, bak);
		free(bak);
	}
	if (c.changed && guard_write_atomic(c.f.path, c.text, c.len, 0644, global, &err) < 0) {
		guard_error_print(&err);
		exit(GUARD_EXIT_ERROR);
	}
	if (c.changed && !global)
		report_trust(&c, allow, o.profile);
	guard_policy_free(&c.eff);
	free(c.text);
	guard_cfgfile_close(&c.f);
	return 0;
}
