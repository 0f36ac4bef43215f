/* The plan as a Seatbelt profile (sbpl.h): the sections in the order the profile needs them. The policy's deny and
 * protect rules are translated in sbpl_rules.c, the network in sbpl_net.c, the text of one rule is written by
 * sbpl_text.c, and what every profile grants the system is sbpl_base.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "sandbox/darwin/sbpl.h"
#include "sandbox/darwin/sbpl_gen.h"

/* Processes, system calls Seatbelt mediates, IPC and the mach services: what a process needs to run at all. */
static void section_process(struct sbpl_gen *g)
{
	const char *o = "guard: processes (sandbox/darwin/sbpl.c)";
	sbpl_comment(g, "processes: fork and exec (exec only of readable files, below), signals and process info only "
			"within the sandbox");
	sbpl_rule(g, "allow", "process-fork", NULL, o);
	sbpl_rule(g, "allow", "signal", "(target same-sandbox)", o);
	sbpl_rule(g, "allow", "process-info*", "(target same-sandbox)", o);
	sbpl_rule(g, "allow", "sysctl-read", NULL, o);
	sbpl_rule(g, "allow", "ipc-posix-sem ipc-posix-shm", NULL, o);

	sbpl_comment(g,
		     "mach services: logging, directory services, preferences, TLS trust (trustd); the keychain only "
		     "when a passthrough opens it");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (size_t i = 0; guard_sbpl_mach_base[i]; i++)
		fprintf(f, "%s(global-name \"%s\")", i ? " " : "", guard_sbpl_mach_base[i]);
	fclose(f);
	sbpl_rule(g, "allow", "mach-lookup", buf, "guard: system services (sandbox/darwin/sbpl_base.c)");
	free(buf);
	if (g->in->keychain) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		for (size_t i = 0; guard_sbpl_mach_keychain[i]; i++)
			fprintf(f, "%s(global-name \"%s\")", i ? " " : "", guard_sbpl_mach_keychain[i]);
		fclose(f);
		sbpl_rule(g, "allow", "mach-lookup", buf, "guard: keychain passthrough");
		free(buf);
	}
}

/* Terminals and /dev: ptys the sandbox opens carry Seatbelt's pty extension; the terminal guard was started on is
 * named (a regex over every /dev/ttys* would hand out TIOCSTI on the user's other terminals). */
static void section_dev(struct sbpl_gen *g)
{
	const char *o = "guard: terminals and /dev (sandbox/darwin/sbpl.c)";
	sbpl_comment(g, "terminals and /dev");
	sbpl_rule(g, "allow", "pseudo-tty", NULL, o);
	sbpl_rule(g, "allow", "file-read* file-write* file-ioctl", "(literal \"/dev/ptmx\") (literal \"/dev/tty\")", o);
	sbpl_rule(g, "allow", "file-read* file-write* file-ioctl",
		  "(require-all (regex #\"^/dev/ttys[0-9]+$\") (extension \"com.apple.sandbox.pty\"))", o);
	if (g->in->tty) {
		char *t = sbpl_path_filter(g, "literal", g->in->tty);
		sbpl_rule(g, "allow", "file-read* file-write* file-ioctl", t,
			  "guard: the terminal guard was started on");
		free(t);
	}
	sbpl_rule(g, "allow", "file-read* file-write-data",
		  "(literal \"/dev/null\") (literal \"/dev/zero\") (literal \"/dev/dtracehelper\")", o);
	sbpl_rule(g, "allow", "file-read*",
		  "(literal \"/dev/random\") (literal \"/dev/urandom\") (subpath \"/dev/fd\")", o);
}

static void add_ancestors(struct guard_strv *set, const char *path)
{
	char *p = guard_xstrdup(path);
	for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
		*(slash == p ? slash + 1 : slash) = 0;
		bool seen = false;
		for (size_t i = 0; i < set->n && !seen; i++)
			seen = strcmp(set->v[i], p) == 0;
		if (!seen)
			guard_strv_push(set, guard_xstrdup(p));
		if (slash == p)
			break;
	}
	free(p);
}

/* Every granted tree's ancestors may be looked at (stat, realpath, a shell's cd): metadata only. */
static void section_traverse(struct sbpl_gen *g, const struct guard_strv *granted)
{
	struct guard_strv anc = {0};
	for (size_t i = 0; i < granted->n; i++)
		add_ancestors(&anc, granted->v[i]);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (size_t i = 0; i < anc.n; i++) {
		char *lit = sbpl_path_filter(g, "literal", anc.v[i]);
		fprintf(f, "%s%s", i ? " " : "", lit);
		free(lit);
	}
	fclose(f);
	sbpl_comment(g, "the ancestors of every granted tree: metadata only (stat, realpath, cd)");
	if (anc.n)
		sbpl_rule(g, "allow", "file-read-metadata", buf, "guard: ancestors of granted trees");
	free(buf);
	guard_strv_clear(&anc);
}

static const char *const READ_OPS = "file-read* file-map-executable process-exec*";
static const char *const WRITE_OPS = "file-read* file-write* file-map-executable process-exec*";

static void grant(struct sbpl_gen *g, struct guard_strv *granted, const char *path, bool is_dir, bool write,
		  const char *origin)
{
	char *phys = sbpl_physical(g, path);
	char *f = sbpl_path_filter(g, is_dir ? "subpath" : "literal", phys);
	sbpl_rule(g, "allow", write ? WRITE_OPS : READ_OPS, f, origin);
	guard_strv_push(granted, phys);
	free(f);
}

/* The system's trees, then every tree the plan grants, with the rule that granted it. */
static void section_grants(struct sbpl_gen *g, struct guard_strv *granted)
{
	sbpl_comment(g, "the system's own trees (dyld, frameworks, toolchains): read and map");
	for (size_t i = 0; guard_sbpl_system_trees[i]; i++)
		grant(g, granted, guard_sbpl_system_trees[i], true, false,
		      "guard: macOS system trees (sandbox/darwin/sbpl_base.c)");
	sbpl_comment(g, "the trees the policy grants (read, or read and write)");
	const struct guard_plan *plan = g->in->plan;
	for (size_t i = 0; i < plan->trees.n; i++) {
		const struct guard_tree *t = &plan->trees.v[i];
		char *origin =
			t->rule ? sbpl_origin(g, t->rule) : guard_xasprintf("guard: %s", t->why ? t->why : "tree");
		grant(g, granted, t->path, t->is_dir, t->write, origin);
		free(origin);
	}
	if (g->in->shim)
		grant(g, granted, g->in->shim, false, false, "guard: the DYLD shim");
}

char *guard_sbpl_generate(const struct guard_sbpl_input *in, char *why, size_t whylen)
{
	struct sbpl_gen g = {.in = in, .why = why, .whylen = whylen};
	char *buf = NULL;
	size_t len = 0;
	g.out = open_memstream(&buf, &len);
	if (!g.out)
		guard_die(NULL, "out of memory");
	if (whylen)
		why[0] = 0;
	fputs("(version 1)\n", g.out);
	fputs("; generated by guard from the session's plan. Seatbelt: the last matching rule wins, and a rule naming\n"
	      "; an operation outright beats one reaching it through a wildcard. Every path is physical "
	      "(/private/tmp).\n",
	      g.out);
	sbpl_rule(&g, "deny", "default", NULL, "guard: deny default");
	section_process(&g);
	section_dev(&g);
	struct guard_strv granted = {0};
	section_grants(&g, &granted);
	section_traverse(&g, &granted);
	guard_strv_clear(&granted);
	sbpl_section_denies(&g);
	sbpl_section_network(&g);
	fclose(g.out);
	if (g.failed) {
		free(buf);
		return NULL;
	}
	return buf;
}
