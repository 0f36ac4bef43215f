/* `guard report --format html`: one self-contained page for people. Inline CSS, no scripts, no external
 * resources (it must open anywhere, offline, and a hostile name must not be able to load anything). Every
 * string from the log passes guard_fmt_word/guard_fmt_text (display-safe) and then guard_fmt_html. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static const char css[] =
	":root{--fg:#1c2230;--muted:#5d6678;--line:#e2e5eb;--bg:#f5f6f8;--card:#fff;--deny:#b42318;"
	"--deny-bg:#fff1f0;--ok:#067647;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,\"DejaVu Sans Mono\","
	"monospace}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
	"color:var(--fg);background:var(--bg)}\n"
	"main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}\n"
	"h1{font-size:21px;margin:0 0 2px}h2{font-size:16px;margin:30px 0 10px}\n"
	".sub{color:var(--muted);margin:0 0 16px}\n"
	".card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:5px 18px;margin:0}dt{color:var(--muted)}"
	"dd{margin:0}\n"
	"code,.mono{font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}\n"
	".stats{display:flex;gap:12px;flex-wrap:wrap;margin-top:14px}\n"
	".stat{flex:1;min-width:130px;background:var(--card);border:1px solid var(--line);border-radius:10px;"
	"padding:10px 14px}.stat b{display:block;font-size:24px;line-height:1.2}.stat span{color:var(--muted)}\n"
	".stat.bad{border-color:#f4b4ae;background:var(--deny-bg)}.stat.bad b{color:var(--deny)}\n"
	"table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);"
	"border:1px solid var(--line);border-radius:10px;overflow:hidden}\n"
	"th,td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"tr:last-child td{border-bottom:0}\n"
	"th{background:#eef0f4;font-weight:600;font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;"
	"color:var(--muted)}\n"
	"td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;width:1%}\n"
	"tr.bad td{background:var(--deny-bg)}\n"
	".tag{display:inline-block;padding:0 7px;border-radius:5px;font-size:12px;background:#eef0f4;"
	"white-space:nowrap}.tag.bad{background:var(--deny);color:#fff}\n"
	".rule{color:var(--muted);font-size:12.5px}\n"
	"details{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:8px 0;"
	"padding:8px 14px}\n"
	"details table{border:0;border-radius:0}summary{cursor:pointer;font-weight:600;padding:2px 0}\n"
	"ul.tree{list-style:none;margin:0;padding:0}ul.tree ul{list-style:none;margin:0 0 0 10px;"
	"padding-left:14px;border-left:1px solid var(--line)}ul.tree li{padding:2px 0}\n"
	".pid{color:var(--muted);font-family:var(--mono);font-size:12px;margin-right:8px}\n"
	".empty{color:var(--muted);font-style:italic}\n"
	"ul.notes{margin:0;padding-left:20px}ul.notes li{margin:3px 0}\n"
	"footer{margin-top:36px;color:var(--muted);font-size:12px}\n";

/* Display-safe then HTML-escaped: a word (quoted like a shell word when needed) or free text. */
static void h_word(struct guard_buf *b, const char *s)
{
	struct guard_buf t = {0};
	guard_fmt_word(&t, s ? s : "?");
	guard_fmt_html(b, t.p);
	guard_buf_free(&t);
}

static void h_text(struct guard_buf *b, const char *s)
{
	struct guard_buf t = {0};
	guard_buf_puts(&t, "");
	guard_fmt_text(&t, s ? s : "?");
	guard_fmt_html(b, t.p);
	guard_buf_free(&t);
}

static void h_path(struct guard_buf *b, const struct guard_report *r, const char *path)
{
	struct guard_buf t = {0}, w = {0};
	guard_fmt_word_cut(&w, path ? guard_fmt_short(path, r->s->project, r->s->home, &t) : "?", 400);
	guard_fmt_html(b, w.p);
	guard_buf_free(&t);
	guard_buf_free(&w);
}

static void h_argv(struct guard_buf *b, const char *const *argv, size_t max)
{
	struct guard_buf t = {0};
	guard_buf_puts(&t, "");
	guard_fmt_argv(&t, argv, max);
	guard_fmt_html(b, t.p);
	guard_buf_free(&t);
}

static void stat_box(struct guard_buf *b, const char *label, unsigned long n, bool bad)
{
	guard_buf_printf(b, "<div class=\"stat%s\"><b>%lu</b><span>%s</span></div>\n", bad && n ? " bad" : "", n,
			 label);
}

static void header(struct guard_buf *b, const struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	char start[32], dur[32];
	guard_fmt_time(start, sizeof start, s->start);
	guard_fmt_duration(dur, sizeof dur, s->start, s->end);
	guard_buf_puts(b, "<h1>guard report</h1>\n<p class=\"sub\">session <code>");
	h_text(b, s->id);
	guard_buf_puts(b, "</code></p>\n<div class=\"card\"><dl>\n<dt>Command</dt><dd><code>");
	h_argv(b, s->argv, 0);
	guard_buf_puts(b, "</code></dd>\n<dt>Project</dt><dd><code>");
	h_word(b, s->project);
	guard_buf_puts(b, "</code></dd>\n<dt>Policy</dt><dd>profile <b>");
	h_text(b, s->profile);
	guard_buf_puts(b, "</b>, ");
	h_text(b, s->mode);
	guard_buf_puts(b, " mode");
	if (s->abi > 0)
		guard_buf_printf(b, ", Landlock ABI %lld", s->abi);
	guard_buf_printf(b, "</dd>\n<dt>Started</dt><dd>%s</dd>\n<dt>Duration</dt><dd>%s</dd>\n<dt>Exit</dt><dd>",
			 start, s->finished ? dur : "unknown");
	if (s->finished)
		guard_buf_printf(b, "%lld", s->exit);
	else
		guard_buf_puts(b, "<span class=\"empty\">no end record (still running, or guard was killed)</span>");
	guard_buf_printf(b, "</dd>\n<dt>Observed by</dt><dd>%s%s%s</dd>\n", s->shim ? "shim" : "",
			 s->shim && s->observer ? " + " : "",
			 s->observer ? "kernel observer" : (s->shim ? "" : "nothing"));
	guard_buf_puts(b, "<dt>Log</dt><dd><code>");
	h_word(b, s->dir);
	guard_buf_puts(b, "</code></dd>\n</dl></div>\n<div class=\"stats\">\n");
	size_t nread = 0, nwritten = 0;
	for (int g = 0; g < GUARD_REP_NGROUPS; g++)
		nread += r->files[0][g].n, nwritten += r->files[1][g].n;
	stat_box(b, "denied", r->denied, true);
	stat_box(b, "events", r->events, false);
	stat_box(b, "files read", nread, false);
	stat_box(b, "files written", nwritten, false);
	stat_box(b, "processes", r->nprocesses, false);
	stat_box(b, "hosts", r->hosts.n, false);
	guard_buf_puts(b, "</div>\n");
}

static void denials(struct guard_buf *b, FILE *out, const struct guard_report *r)
{
	guard_buf_printf(b, "<h2 id=\"denied\">Denied (%zu)</h2>\n", r->denials.n);
	if (!r->denials.n) {
		guard_buf_puts(b, "<p class=\"empty\">Nothing was denied.</p>\n");
		return;
	}
	guard_buf_puts(b, "<table><tr><th>Operation</th><th>Path</th><th style=\"width:26%\">Rule</th><th>By</th>"
			  "<th class=\"n\">Attempts</th></tr>\n");
	for (size_t i = 0; i < r->denials.n; i++) {
		const struct guard_rep_denial *d = &r->denials.v[i];
		guard_buf_puts(b, "<tr class=\"bad\"><td><span class=\"tag bad\">");
		h_text(b, d->op);
		guard_buf_puts(b, "</span></td><td><code>");
		h_path(b, r, d->path);
		if (d->path2) {
			guard_buf_puts(b, " &rarr; ");
			h_path(b, r, d->path2);
		}
		guard_buf_puts(b, "</code>");
		if (d->err) {
			guard_buf_puts(b, " <span class=\"tag\">");
			h_text(b, d->err);
			guard_buf_puts(b, "</span>");
		}
		guard_buf_puts(b, "</td><td>");
		if (d->has_rule) {
			if (d->kind && !strchr(d->kind, '.'))
				guard_buf_puts(b, "files.");
			h_text(b, d->kind);
			guard_buf_puts(b, " <code>");
			h_text(b, d->pattern);
			guard_buf_puts(b, "</code><br><span class=\"rule\">");
			struct guard_buf at = {0};
			guard_buf_puts(&at, "");
			guard_fmt_at(&at, d->file, d->line, d->col);
			guard_fmt_html(b, at.p);
			guard_buf_free(&at);
			if (d->source) {
				guard_buf_puts(b, " &middot; ");
				h_text(b, d->source);
			}
			guard_buf_puts(b, "</span>");
		} else {
			bool net = strcmp(d->op, "connect") == 0 || strcmp(d->op, "bind") == 0;
			guard_buf_puts(b, "<span class=\"rule\">");
			if (net && d->reason) {
				guard_buf_puts(b, "network: ");
				h_text(b, d->reason);
			} else {
				guard_buf_puts(b, net ? "network: no network rule allows this host"
						      : "no rule grants it (default deny)");
			}
			guard_buf_puts(b, "</span>");
		}
		guard_buf_puts(b, "</td><td>");
		for (size_t k = 0; k < d->npids; k++) {
			const struct guard_rep_proc *p = guard_report_proc(r, d->pids[k]);
			const char *base = p && p->argv[0] ? strrchr(p->argv[0], '/') : NULL;
			guard_buf_printf(b, "%s<span class=\"pid\">%lld</span>", k ? "<br>" : "", d->pids[k]);
			if (p && p->argv[0])
				h_word(b, base && base[1] ? base + 1 : p->argv[0]);
		}
		guard_buf_puts(b, "<br><span class=\"rule\">told by ");
		h_text(b, guard_fmt_origin(d->origin));
		guard_buf_printf(b, "</span></td><td class=\"n\">%u</td></tr>\n", d->count);
		guard_fmt_spill(b, out);
	}
	guard_buf_puts(b, "</table>\n");
}

static void files(struct guard_buf *b, FILE *out, const struct guard_report *r, int w)
{
	size_t total = 0;
	for (int g = 0; g < GUARD_REP_NGROUPS; g++)
		total += r->files[w][g].n;
	guard_buf_printf(b, "<h2 id=\"files-%s\">Files %s (%zu)</h2>\n", w ? "written" : "read", w ? "written" : "read",
			 total);
	for (int g = 0; g < GUARD_REP_NGROUPS; g++) {
		const struct guard_rep_files *f = &r->files[w][g];
		if (g == GUARD_REP_OTHER && !f->n)
			continue;
		unsigned denied = 0;
		for (size_t i = 0; i < f->n; i++)
			denied += f->v[i].denied;
		/* Small groups and groups with denials start open: that is where people look. */
		guard_buf_printf(b, "<details%s><summary>%s (%zu)", f->n && (f->n <= 40 || denied) ? " open" : "",
				 guard_rep_group_names[g], f->n);
		if (g == GUARD_REP_PROJECT && r->s->project) {
			guard_buf_puts(b, " <code>");
			h_word(b, r->s->project);
			guard_buf_puts(b, "</code>");
		}
		if (denied)
			guard_buf_printf(b, " <span class=\"tag bad\">%u denied</span>", denied);
		guard_buf_puts(b, "</summary>\n");
		if (!f->n) {
			guard_buf_puts(b, "<p class=\"empty\">none</p></details>\n");
			continue;
		}
		guard_buf_puts(b, "<table><tr><th>Path</th><th class=\"n\">Attempts</th><th class=\"n\">Denied</th>"
				  "<th class=\"n\">Failed</th></tr>\n");
		for (size_t i = 0; i < f->n; i++) {
			const struct guard_rep_file *e = &f->v[i];
			guard_buf_printf(b, "<tr%s><td><code>", e->denied ? " class=\"bad\"" : "");
			h_path(b, r, e->path);
			guard_buf_printf(b,
					 "</code> <span class=\"tag\">%s</span></td><td class=\"n\">%u</td>"
					 "<td class=\"n\">%u</td><td class=\"n\">%u</td></tr>\n",
					 e->facts == e->count ? "kernel"
					 : e->facts           ? "kernel + self-reported"
							      : "self-reported",
					 e->count, e->denied, e->failed);
			guard_fmt_spill(b, out);
		}
		guard_buf_puts(b, "</table></details>\n");
	}
}

static void tree_node(struct guard_buf *b, const struct guard_report *r, const struct guard_rep_tree *t, bool *shown,
		      size_t node, int depth)
{
	shown[node] = true;
	const struct guard_rep_proc *p = &r->procs.v[t->first[node]];
	guard_buf_printf(b, "<li><span class=\"pid\">%lld</span><code>", p->pid);
	h_argv(b, (const char *const *)p->argv, 400);
	for (size_t k = 1; k < t->count[node]; k++) {
		guard_buf_puts(b, "</code> <span class=\"rule\">then</span> <code>");
		h_argv(b, (const char *const *)r->procs.v[t->first[node] + k].argv, 200);
	}
	guard_buf_puts(b, "</code>");
	bool open = false;
	for (size_t i = t->kid_start[node]; depth < GUARD_REP_TREE_DEPTH && i < t->kid_start[node + 1]; i++) {
		if (shown[t->kids[i]])
			continue;
		if (!open)
			guard_buf_puts(b, "\n<ul>");
		open = true;
		tree_node(b, r, t, shown, t->kids[i], depth + 1);
	}
	guard_buf_puts(b, open ? "</ul></li>\n" : "</li>\n");
}

static void processes(struct guard_buf *b, const struct guard_report *r)
{
	struct guard_rep_tree t;
	guard_rep_tree_build(&t, r);
	bool *shown = guard_xmalloc((t.n + 1) * sizeof *shown);
	memset(shown, 0, (t.n + 1) * sizeof *shown);
	guard_buf_printf(b, "<h2 id=\"processes\">Processes (%zu)</h2>\n<div class=\"card\">", t.n);
	if (!t.n)
		guard_buf_puts(b, "<p class=\"empty\">No exec was logged.</p>");
	else
		guard_buf_puts(b, "<ul class=\"tree\">\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < t.n; k++)
			if (!shown[k] && (pass == 1 || t.parent[k] == t.n))
				tree_node(b, r, &t, shown, k, 0);
	guard_buf_puts(b, t.n ? "</ul></div>\n" : "</div>\n");
	free(shown);
	guard_rep_tree_free(&t);
}

static void hosts(struct guard_buf *b, const struct guard_report *r)
{
	guard_buf_printf(b, "<h2 id=\"hosts\">Hosts contacted (%zu)</h2>\n", r->hosts.n);
	if (!r->hosts.n) {
		guard_buf_puts(b, "<p class=\"empty\">None logged.</p>\n");
		return;
	}
	guard_buf_puts(b, "<table><tr><th>Host</th><th class=\"n\">Attempts</th><th class=\"n\">Denied</th></tr>\n");
	for (size_t i = 0; i < r->hosts.n; i++) {
		guard_buf_printf(b, "<tr%s><td><code>", r->hosts.v[i].denied ? " class=\"bad\"" : "");
		h_word(b, r->hosts.v[i].host);
		guard_buf_printf(b, "</code></td><td class=\"n\">%u</td><td class=\"n\">%u</td></tr>\n",
				 r->hosts.v[i].count, r->hosts.v[i].denied);
	}
	guard_buf_puts(b, "</table>\n");
}

static void contradicted(struct guard_buf *b, FILE *out, const struct guard_report *r)
{
	if (!r->contradicted.n)
		return;
	guard_buf_printf(
		b,
		"<h2 id=\"contradicted\">Contradicted by the kernel (%zu)</h2>\n<p>Forged self-reports, not "
		"what happened: the kernel names another sender than the pid they claim.</p>\n<table><tr>"
		"<th>Sender (kernel)</th><th>Claimed pid</th><th>Operation</th><th>Path</th><th>Count</th></tr>\n",
		r->contradicted.n);
	for (size_t i = 0; i < r->contradicted.n; i++) {
		const struct guard_rep_claim *c = &r->contradicted.v[i];
		guard_buf_printf(b, "<tr class=\"bad\"><td>%lld</td><td>%lld</td><td>", c->pid, c->claimed);
		h_text(b, c->op);
		guard_buf_puts(b, "</td><td><code>");
		h_path(b, r, c->path);
		guard_buf_printf(b, "</code></td><td class=\"n\">%u</td></tr>\n", c->count);
		guard_fmt_spill(b, out);
	}
	guard_buf_puts(b, "</table>\n");
}

void guard_report_html(FILE *out, const struct guard_report *r)
{
	struct guard_buf b = {0};
	guard_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			   "style-src 'unsafe-inline'\">\n<title>guard report ");
	h_text(&b, r->s->id);
	guard_buf_printf(&b, "</title>\n<style>\n%s</style></head>\n<body><main>\n", css);
	header(&b, r);
	denials(&b, out, r);
	contradicted(&b, out, r);
	files(&b, out, r, 0);
	files(&b, out, r, 1);
	processes(&b, r);
	hosts(&b, r);
	guard_buf_puts(&b, "<h2 id=\"unobserved\">Not observed</h2>\n<div class=\"card\"><ul class=\"notes\">\n");
	for (size_t i = 0; i < r->unobserved.n; i++) {
		guard_buf_puts(&b, "<li>");
		h_text(&b, r->unobserved.v[i]);
		guard_buf_puts(&b, "</li>\n");
	}
	guard_buf_puts(&b, "</ul></div>\n<footer>Written by <code>guard report --format html</code> from the "
			   "session log. Paths inside the project are shown relative to it; <code>~</code> is the "
			   "home directory.</footer>\n</main></body></html>\n");
	fwrite(b.p, 1, b.len, out);
	guard_buf_free(&b);
}
