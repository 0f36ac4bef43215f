/* `guard explain`'s words: the verdict, the rule, the enforcing layer, and the exact change that would allow
 * an access (a flag for one run, the YAML for every run). cmd_explain.c decides what to explain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/explain.h"
#include "report/explain.h"
#include "policy/policy_api.h"
#include "report/report.h"
#include "lib/fileio.h"

/* ---- the verdict --------------------------------------------------------------------------------------- */

void guard_explain_rule(struct guard_buf *b, const struct guard_image *img, const struct guard_image_rule *r)
{
	guard_buf_printf(b, "files.%s \"%s", guard_rule_kind_name((enum guard_rule_kind)r->kind),
			 (r->flags & GUARD_IRULE_NEGATED) ? "!" : "");
	guard_fmt_text(b, guard_image_str(img, r->written));
	guard_buf_puts(b, "\"  ");
	guard_fmt_at(b, guard_image_str(img, r->file), r->line, r->col);
	guard_buf_printf(b, " (%s)", guard_source_name((enum guard_source)r->source));
}

const char *guard_explain_layer(const struct guard_image *img, const struct guard_verdict *v, const char *path)
{
	bool ns = img->h->flags & GUARD_IMAGE_NAMESPACES;
	if (v->allowed)
		return "Landlock: the tree rule above is a Landlock grant";
	if (!ns)
		return "Landlock (Landlock-only mode: grants are split around denied paths)";
	if (v->winner && v->winner->kind == GUARD_DENY)
		return v->tree ? "cover (empty mode-000 mount): the sandbox sees an unreadable empty stand-in, and "
				 "Landlock keeps it from being unmounted"
			       : "Landlock: no grant reaches it";
	if (v->winner && v->winner->kind == GUARD_PROTECT)
		return v->tree && v->tree->kind == GUARD_WRITE
			       ? "read-only bind: the path is mounted read-only inside the writable tree"
			       : "Landlock: its tree is read-only";
	const char *home = guard_image_str(img, img->h->home);
	if (!v->tree && home[0] && guard_path_within(path, home))
		return "Landlock; and the sandbox's home is an empty tmpfs with only granted entries bound in, so the "
		       "path does not even exist there";
	return "Landlock: no grant reaches it";
}

void guard_explain_verdict(struct guard_buf *b, const struct guard_verdict *v)
{
	if (v->allowed)
		guard_buf_puts(b, "allowed");
	else if (v->winner && v->winner->kind == GUARD_DENY)
		guard_buf_puts(b, "denied (files.deny: neither readable nor writable)");
	else if (v->winner && v->winner->kind == GUARD_PROTECT)
		guard_buf_puts(b, "denied (files.protect: readable, never writable)");
	else if (v->write && v->tree)
		guard_buf_puts(b, "denied (read-only: no write rule covers it)");
	else
		guard_buf_puts(b, "denied (no rule grants it: default deny)");
}

/* ---- how to allow it ----------------------------------------------------------------------------------- */

/* A path as a policy pattern: "~/x" inside the home, else absolute. */
static char *as_pattern(const struct guard_image *img, const char *path, bool dir)
{
	const char *home = guard_image_str(img, img->h->home);
	const char *slash = dir && strcmp(path, "/") != 0 ? "/" : "";
	if (home[0] && strcmp(home, "/") != 0 && guard_path_within(path, home))
		return guard_xasprintf("~%s%s", path + strlen(home), slash);
	return guard_xasprintf("%s%s", path, slash);
}

/* A YAML double-quoted scalar: \" \\ and \xNN for control bytes. */
static void yaml_quote(struct guard_buf *b, const char *s)
{
	guard_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			guard_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			guard_buf_printf(b, "\\x%02x", *p);
		else
			guard_buf_put(b, p, 1);
	}
	guard_buf_puts(b, "\"");
}

struct change {
	const char *kind; /* "deny", "protect", "read", "write" */
	char *pattern;    /* as it goes in the flag / YAML list (with '!' when re-allowing) */
};

void guard_explain_advice(struct guard_buf *b, const struct guard_image *img, const char *path,
			  const struct guard_verdict *v, bool is_dir, bool exists, const char *const *argv)
{
	struct change ch[3];
	size_t n = 0;
	char at[4096];
	if (v->allowed) {
		guard_buf_puts(b, "  to deny   guard run --deny ");
		char *p = as_pattern(img, path, false);
		guard_fmt_word(b, p);
		guard_buf_puts(b, " -- ...\n");
		free(p);
		return;
	}
	if (v->winner && v->winner->source == GUARD_SRC_BUILTIN) {
		/* guard's own rules come after every policy file and flag: no '!' re-allows what they deny. */
		guard_buf_puts(b, "  to allow  nothing can: ");
		guard_buf_puts(b, guard_explain_builtin_reason(guard_image_str(img, v->winner->file)));
		guard_buf_puts(b, "\n");
		return;
	}
	/* Re-allow at the level where the path was excluded: below an excluded directory nothing comes back. */
	enum guard_rule_kind kinds[2] = {GUARD_DENY, GUARD_PROTECT};
	for (int k = 0; k < (v->write ? 2 : 1); k++) {
		guard_verdict_excluded_at(img, kinds[k], path, is_dir, at, sizeof at);
		if (!at[0])
			continue;
		bool dir = strcmp(at, path) != 0 || is_dir;
		char *p = as_pattern(img, at, dir);
		ch[n].kind = k ? "protect" : "deny";
		ch[n++].pattern = guard_xasprintf("!%s", p);
		free(p);
	}
	bool broad = false;
	if (!v->tree || (v->write && v->tree->kind != GUARD_WRITE)) {
		/* Granting a file that does not exist yet grants nothing: name its directory then; but in the private
		 * home of namespaces mode guard lets the file be created by its own name (the narrowest grant). */
		char *target = guard_xstrdup(path);
		char *slash = strrchr(target, '/');
		const char *home = guard_image_str(img, img->h->home);
		bool by_name = (img->h->flags & GUARD_IMAGE_NAMESPACES) && home[0] && guard_path_within(path, home) &&
			       strcmp(path, home) != 0 && !is_dir;
		if (!exists && !by_name && slash && slash != target)
			*slash = 0;
		broad = strcmp(target, "/") == 0 || (home[0] && guard_path_within(home, target));
		ch[n].kind = v->write ? "write" : "read";
		ch[n++].pattern = as_pattern(img, target, false);
		free(target);
	}
	guard_buf_puts(b, "  to allow  guard run");
	for (size_t i = 0; i < n; i++) {
		bool grant = ch[i].kind[0] == 'r' || ch[i].kind[0] == 'w';
		guard_buf_printf(b, " --%s%s ", grant ? "allow-" : "", ch[i].kind);
		guard_fmt_word(b, ch[i].pattern);
	}
	guard_buf_puts(b, " -- ");
	if (argv && argv[0])
		guard_fmt_argv(b, argv, 60);
	else
		guard_buf_puts(b, "CMD");
	guard_buf_puts(b, "\n");
	if (broad)
		guard_buf_puts(b,
			       "            careful: that grants your whole home directory (every secret not denied by "
			       "name); grant the one entry the command needs instead\n");

	/* The lasting change. A rule written in the project's .guard.yaml or on the command line comes after the
	 * user config, so a '!' there would not win: say where the rule is instead. */
	const struct guard_image_rule *w = v->winner;
	if (w && (w->source == GUARD_SRC_PROJECT || w->source == GUARD_SRC_FLAG)) {
		guard_buf_puts(b, w->source == GUARD_SRC_FLAG ? "            or drop the flag "
							      : "            or remove ");
		guard_buf_printf(b, "\"%s", (w->flags & GUARD_IRULE_NEGATED) ? "!" : "");
		guard_fmt_text(b, guard_image_str(img, w->written));
		guard_buf_puts(b, "\"");
		if (w->source == GUARD_SRC_PROJECT) {
			guard_buf_puts(b, " from ");
			guard_fmt_at(b, guard_image_str(img, w->file), w->line, w->col);
		}
		guard_buf_puts(b, "\n");
	}
	char cfg[4096];
	if (guard_config_dir(cfg, sizeof cfg) != 0)
		snprintf(cfg, sizeof cfg, "~/.config/guard");
	char *cfgfile = guard_path_join(cfg, "config.yaml");
	char *shown = as_pattern(img, cfgfile, false);
	guard_buf_puts(b, "            or for every run, in ");
	guard_fmt_word(b, shown);
	guard_buf_puts(b, ":\n              files:\n");
	for (size_t i = 0; i < n; i++) {
		bool same = false;
		for (size_t k = 0; k < i; k++)
			same |= strcmp(ch[k].kind, ch[i].kind) == 0;
		if (!same)
			guard_buf_printf(b, "                %s:\n", ch[i].kind);
		guard_buf_puts(b, "                  - ");
		yaml_quote(b, ch[i].pattern);
		guard_buf_puts(b, "\n");
	}
	free(cfgfile);
	free(shown);
	for (size_t i = 0; i < n; i++)
		free(ch[i].pattern);
}

/* A program's file name, as exec.deny names match it. */
static const char *exec_base(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

void guard_explain_exec(struct guard_buf *b, const struct guard_image *img, const char *path)
{
	const struct guard_image_rule *r = guard_image_exec_denies_name(img, exec_base(path));
	char *real = r ? NULL : realpath(path, NULL);
	if (real)
		r = guard_image_exec_denies_name(img, exec_base(real));
	free(real);
	size_t sub = 0;
	for (uint32_t i = 0; i < img->h->nexec; i++) {
		const char *w = guard_image_str(img, img->exec[i].pattern);
		const char *sp = strchr(w, ' ');
		if (sp && (size_t)(sp - w) == strlen(exec_base(path)) &&
		    !strncmp(w, exec_base(path), (size_t)(sp - w)) && !(img->exec[i].flags & GUARD_IRULE_NEGATED))
			sub++;
	}
	if (!r && !sub)
		return;
	guard_buf_puts(b, "guard explain: ");
	guard_fmt_word(b, path);
	if (r) {
		guard_buf_printf(
			b,
			" (exec)\n  verdict   denied: exec.deny \"%s\"\n  decided   exec.deny \"%s\"  %s:%u:%u (%s)\n",
			guard_image_str(img, r->written), guard_image_str(img, r->written),
			guard_image_str(img, r->file), r->line, r->col,
			guard_source_name((enum guard_source)r->source));
		guard_buf_printf(b, "  layer     %s\n",
				 (img->h->flags & GUARD_IMAGE_NAMESPACES)
					 ? "its files on PATH and in the system directories are covered by a stub that "
					   "exits 126; the shim refuses it by name before exec"
					 : "the shim refuses it by name before exec (Landlock-only mode: no covers)");
		guard_buf_printf(b, "  to allow  guard allow exec %s   (or remove the entry)\n",
				 guard_image_str(img, r->written));
	} else {
		guard_buf_printf(
			b,
			" (exec)\n  verdict   allowed, but %zu exec.deny subcommand rule%s name%s it (the shim "
			"refuses those argument words; `guard policy` lists them)\n",
			sub, sub == 1 ? "" : "s", sub == 1 ? "s" : "");
	}
}
