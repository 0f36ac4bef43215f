/* `guard report` for a terminal: the session's header, its denials first (what the user came for), then files,
 * processes, hosts, and what the log could not see. Every name goes through guard_fmt_* (report_fmt.c). */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define LIST_MAX 25        /* entries per file group; JSON lists all */
#define NAME_MAX_SHOWN 240 /* bytes of one name; JSON keeps them whole */

/* The rule of a denial as one phrase: files.deny ".env" (rules/default.yaml:14:7, profile). */
static void rule_phrase(struct guard_buf *b, const struct guard_rep_denial *d)
{
	if (!d->has_rule) {
		bool net = strcmp(d->op, "connect") == 0 || strcmp(d->op, "bind") == 0;
		if (net && d->reason) {
			guard_buf_puts(b, "network: ");
			guard_fmt_text(b, d->reason);
		} else {
			guard_buf_puts(b, net ? "network: no network rule allows this host"
					      : "none grants it (default deny)");
		}
		return;
	}
	if (d->kind && !strchr(d->kind, '.')) /* file rules are files.KIND; others ("network.allow") say it */
		guard_buf_puts(b, "files.");
	guard_fmt_text(b, d->kind ? d->kind : "?");
	guard_buf_puts(b, " \"");
	guard_fmt_text(b, d->pattern ? d->pattern : "?");
	guard_buf_puts(b, "\" (");
	guard_fmt_at(b, d->file, d->line, d->col);
	if (d->source) {
		guard_buf_puts(b, ", ");
		guard_fmt_text(b, d->source);
	}
	guard_buf_puts(b, ")");
}

static void header(FILE *out, const struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	struct guard_buf b = {0};
	char start[32], dur[32];
	guard_fmt_time(start, sizeof start, s->start);
	guard_fmt_duration(dur, sizeof dur, s->start, s->end);
	guard_buf_puts(&b, "guard report: session ");
	guard_fmt_text(&b, s->id);
	guard_buf_puts(&b, "\n  command   ");
	guard_fmt_argv(&b, s->argv, 0);
	guard_buf_puts(&b, "\n  project   ");
	guard_fmt_word(&b, s->project ? s->project : "?");
	guard_buf_puts(&b, "\n  profile   ");
	guard_fmt_text(&b, s->profile ? s->profile : "?");
	guard_buf_puts(&b, ", ");
	guard_fmt_text(&b, s->mode ? s->mode : "?");
	guard_buf_puts(&b, " mode");
	if (s->abi > 0)
		guard_buf_printf(&b, ", Landlock ABI %lld", s->abi);
	guard_buf_printf(&b, "\n  started   %s, ", start);
	if (s->finished)
		guard_buf_printf(&b, "ran %s, exit %lld", dur, s->exit);
	else
		guard_buf_puts(&b, "no end record (still running, or guard was killed)");
	guard_buf_printf(&b, "\n  observed  %s%s%s\n", s->shim ? "shim" : "", s->shim && s->observer ? " + " : "",
			 s->observer ? "kernel observer" : (s->shim ? "" : "nothing (neither shim nor observer)"));
	guard_buf_printf(&b, "  events    %lu: %lu allowed, %lu denied, %lu failed\n", r->events, r->allowed, r->denied,
			 r->failed);
	guard_buf_puts(&b, "  log       ");
	guard_fmt_word(&b, s->dir);
	guard_buf_puts(&b, "\n");
	/* passthroughs and --lockdown, as guard run applied them (passthrough.c) */
	const struct guard_json *pt = guard_json_get(guard_json_root(s->doc), "passthrough");
	for (size_t i = 0; pt && pt->type == GUARD_JSON_ARRAY && i < pt->len; i++)
		if (pt->items[i].type == GUARD_JSON_STRING) {
			guard_buf_puts(&b, i ? "            " : "  passed    ");
			guard_fmt_text(&b, pt->items[i].s);
			guard_buf_puts(&b, "\n");
		}
	fputs(b.p, out);
	guard_buf_free(&b);
}

static void denials(FILE *out, const struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	struct guard_buf b = {0}, tmp = {0};
	fprintf(out, "\nDenied (%zu)\n", r->denials.n);
	if (!r->denials.n)
		fprintf(out, "  nothing was denied\n");
	for (size_t i = 0; i < r->denials.n; i++) {
		const struct guard_rep_denial *d = &r->denials.v[i];
		b.len = 0;
		guard_buf_puts(&b, "  ");
		guard_fmt_text(&b, d->op);
		guard_buf_puts(&b, " ");
		guard_fmt_word_cut(&b, d->path ? guard_fmt_short(d->path, s->project, s->home, &tmp) : "?",
				   NAME_MAX_SHOWN);
		if (d->path2) {
			guard_buf_puts(&b, " -> ");
			guard_fmt_word_cut(&b, guard_fmt_short(d->path2, s->project, s->home, &tmp), NAME_MAX_SHOWN);
		}
		guard_buf_puts(&b, "  ");
		guard_fmt_text(&b, d->err ? d->err : "");
		guard_buf_puts(&b, "\n    rule  ");
		rule_phrase(&b, d);
		guard_buf_puts(&b, "\n    who   ");
		if (d->count > 1)
			guard_buf_printf(&b, "%u attempts, ", d->count);
		for (size_t k = 0; k < d->npids; k++) {
			if (d->pids[k] < 0) {
				/* No pid recorded: the proxy logs the request, not the process that sent it. */
				guard_buf_printf(&b, "%s%s", k ? ", " : "",
						 d->origin && !strcmp(d->origin, "proxy") ? "guard's proxy"
											  : "an unrecorded process");
				continue;
			}
			const struct guard_rep_proc *p = guard_report_proc(r, d->pids[k]);
			guard_buf_printf(&b, "%spid %lld", k ? ", " : "", d->pids[k]);
			if (p && p->argv[0]) {
				const char *base = strrchr(p->argv[0], '/');
				guard_buf_puts(&b, " (");
				guard_fmt_word(&b, base && base[1] ? base + 1 : p->argv[0]);
				guard_buf_puts(&b, ")");
			}
		}
		if (d->origin) {
			guard_buf_puts(&b, "\n    told by ");
			guard_fmt_text(&b, guard_fmt_origin(d->origin));
		}
		guard_buf_puts(&b, "\n");
		fputs(b.p, out);
	}
	if (r->denials.n)
		fprintf(out, "  why and how to allow one: guard explain PATH --session %s\n",
			strspn(s->id, "0123456789TZ-abcdef") == strlen(s->id) ? s->id : "ID");
	guard_buf_free(&b);
	guard_buf_free(&tmp);
}

static void files(FILE *out, const struct guard_report *r, int w)
{
	const struct guard_session_read *s = r->s;
	size_t total = 0;
	for (int g = 0; g < GUARD_REP_NGROUPS; g++)
		total += r->files[w][g].n;
	fprintf(out, "\nFiles %s (%zu)\n", w ? "written" : "read", total);
	struct guard_buf b = {0}, tmp = {0};
	for (int g = 0; g < GUARD_REP_NGROUPS; g++) {
		const struct guard_rep_files *f = &r->files[w][g];
		if (g == GUARD_REP_OTHER && !f->n)
			continue;
		b.len = 0;
		guard_buf_printf(&b, "  %s (%zu)", guard_rep_group_names[g], f->n);
		if (g == GUARD_REP_PROJECT && s->project) {
			guard_buf_puts(&b, "  ");
			guard_fmt_word(&b, s->project);
		} else if (g == GUARD_REP_TEMP) {
			guard_buf_puts(&b, "  ");
			guard_fmt_word(&b, r->tmpdir);
		}
		guard_buf_puts(&b, "\n");
		for (size_t i = 0; i < f->n && i < LIST_MAX; i++) {
			const struct guard_rep_file *e = &f->v[i];
			size_t mark = b.len;
			guard_buf_puts(&b, "    ");
			guard_fmt_word_cut(&b, guard_fmt_short(e->path, s->project, s->home, &tmp), NAME_MAX_SHOWN);
			size_t width = b.len - mark;
			guard_buf_printf(&b, "%*s", width < 52 ? (int)(52 - width) : 1, "");
			guard_buf_printf(&b, "%u", e->count);
			if (e->denied)
				guard_buf_printf(&b, ", %u denied", e->denied);
			if (e->failed)
				guard_buf_printf(&b, ", %u failed", e->failed);
			guard_buf_puts(&b, e->facts == e->count ? "  kernel"
					   : e->facts           ? "  kernel + self-reported"
								: "  self-reported");
			guard_buf_puts(&b, "\n");
		}
		if (f->n > LIST_MAX)
			guard_buf_printf(&b, "    ... and %zu more (guard report --format json lists all)\n",
					 f->n - LIST_MAX);
		fputs(b.p, out);
	}
	guard_buf_free(&b);
	guard_buf_free(&tmp);
}

static void show_node(FILE *out, const struct guard_report *r, const struct guard_rep_tree *t, bool *shown, size_t node,
		      struct guard_buf *prefix, bool last, int depth)
{
	struct guard_buf b = {0};
	const struct guard_rep_proc *p = &r->procs.v[t->first[node]];
	shown[node] = true;
	guard_buf_put(&b, prefix->p, prefix->len);
	if (depth > 0)
		guard_buf_puts(&b, last ? "`- " : "|- ");
	guard_buf_printf(&b, "%lld  ", p->pid);
	guard_fmt_argv(&b, (const char *const *)p->argv, 200);
	if (!p->fact)
		guard_buf_puts(&b, "  (self-reported)");
	for (size_t k = 1; k < t->count[node]; k++) {
		guard_buf_puts(&b, "  then: ");
		guard_fmt_argv(&b, (const char *const *)r->procs.v[t->first[node] + k].argv, 120);
	}
	guard_buf_puts(&b, "\n");
	fputs(b.p, out);
	guard_buf_free(&b);
	if (depth >= GUARD_REP_TREE_DEPTH)
		return;
	size_t saved = prefix->len, lastkid = t->n;
	if (depth > 0)
		guard_buf_puts(prefix, last ? "   " : "|  ");
	for (size_t i = t->kid_start[node]; i < t->kid_start[node + 1]; i++)
		if (!shown[t->kids[i]])
			lastkid = t->kids[i];
	for (size_t i = t->kid_start[node]; i < t->kid_start[node + 1]; i++)
		if (!shown[t->kids[i]])
			show_node(out, r, t, shown, t->kids[i], prefix, t->kids[i] == lastkid, depth + 1);
	prefix->len = saved;
	prefix->p[saved] = 0;
}

static void processes(FILE *out, const struct guard_report *r)
{
	struct guard_rep_tree t;
	guard_rep_tree_build(&t, r);
	bool *shown = guard_xmalloc((t.n + 1) * sizeof *shown);
	memset(shown, 0, (t.n + 1) * sizeof *shown);
	fprintf(out, "\nProcesses (%zu)\n", t.n);
	if (!t.n)
		fprintf(out, "  no exec was logged\n");
	struct guard_buf prefix = {0};
	guard_buf_puts(&prefix, "  ");
	/* Roots first (parent outside the log), then anything a cycle left unshown. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < t.n; k++)
			if (!shown[k] && (pass == 1 || t.parent[k] == t.n))
				show_node(out, r, &t, shown, k, &prefix, true, 0);
	guard_buf_free(&prefix);
	free(shown);
	guard_rep_tree_free(&t);
}

static void hosts(FILE *out, const struct guard_report *r)
{
	fprintf(out, "\nHosts contacted (%zu)\n", r->hosts.n);
	if (!r->hosts.n)
		fprintf(out, "  none logged\n");
	struct guard_buf b = {0};
	for (size_t i = 0; i < r->hosts.n; i++) {
		b.len = 0;
		guard_buf_puts(&b, "  ");
		guard_fmt_word_cut(&b, r->hosts.v[i].host, NAME_MAX_SHOWN);
		guard_buf_printf(&b, "  %u", r->hosts.v[i].count);
		if (r->hosts.v[i].denied)
			guard_buf_printf(&b, ", %u denied", r->hosts.v[i].denied);
		guard_buf_puts(&b, "\n");
		fputs(b.p, out);
	}
	guard_buf_free(&b);
}

/* Self-reported events whose sender the kernel names otherwise: forged, shown as such and never as facts. */
static void contradicted(FILE *out, const struct guard_report *r)
{
	if (!r->contradicted.n)
		return;
	fprintf(out, "\nContradicted by the kernel (%zu): forged self-reports, not what happened\n", r->contradicted.n);
	struct guard_buf b = {0};
	for (size_t i = 0; i < r->contradicted.n && i < LIST_MAX; i++) {
		const struct guard_rep_claim *c = &r->contradicted.v[i];
		b.len = 0;
		guard_buf_printf(&b, "  pid %lld claimed to be pid %lld: ", c->pid, c->claimed);
		guard_fmt_text(&b, c->op);
		guard_buf_puts(&b, " ");
		guard_fmt_word_cut(&b, c->path ? c->path : "?", NAME_MAX_SHOWN);
		if (c->count > 1)
			guard_buf_printf(&b, "  %u times", c->count);
		guard_buf_puts(&b, "\n");
		fputs(b.p, out);
	}
	if (r->contradicted.n > LIST_MAX)
		fprintf(out, "  ... and %zu more (guard report --format json lists all)\n",
			r->contradicted.n - LIST_MAX);
	guard_buf_free(&b);
}

void guard_report_text(FILE *out, const struct guard_report *r)
{
	header(out, r);
	denials(out, r);
	contradicted(out, r);
	files(out, r, 0);
	files(out, r, 1);
	processes(out, r);
	hosts(out, r);
	fprintf(out, "\nNot observed\n");
	struct guard_buf b = {0};
	for (size_t i = 0; i < r->unobserved.n; i++) {
		b.len = 0;
		guard_buf_puts(&b, "  - ");
		guard_fmt_text(&b, r->unobserved.v[i]);
		guard_buf_puts(&b, "\n");
		fputs(b.p, out);
	}
	guard_buf_free(&b);
}
