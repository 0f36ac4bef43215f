/* `guard report --format json`: the report for tools. Keys are stable and always present (null when unknown);
 * lists are complete (the text form truncates, this one never does). Shape:
 *   {"version":1,
 *    "session":{"id","dir","argv":[],"cwd","project","home","profile","mode","abi","shim","observer",
 *               "start","end","duration_ms","exit","finished"},
 *    "counts":{"events","allowed","denied","failed","malformed_lines"},
 *    "denials":[{"op","path","path2","errno","rule":{"kind","pattern","file","line","col","source"}|null,
 *                "count","first_t","last_t","pids":[],"programs":[],"reason","origin"}],
 *    "files":{"read":{"project":[{"path","count","denied","failed","kernel"}],"system":[],"home":[],"temp":[],
 *             "other":[]},
 *             "written":{...}},
 *    "processes":[{"pid","ppid","t","exe","argv":[],"cwd","truncated","origin"}],
 *    "contradicted":[{"pid","claimed_pid","op","path","count"}],
 *    "hosts":[{"host","count","denied"}],
 *    "unobserved":["..."]}
 * "origin" is who told it: "observer" (the kernel: a fact), "proxy" (guard's proxy: a fact), "shim" (the process
 * itself: a claim); "kernel" counts a file's events the observer saw. "contradicted": self-reported events whose
 * claimed pid the kernel's sender credentials contradict (forged). */
#include <string.h>

#include "report/report.h"

static void kv_str(struct guard_buf *b, const char *key, const char *val, bool comma)
{
	guard_buf_printf(b, "\"%s\":", key);
	guard_json_str(b, val);
	if (comma)
		guard_buf_puts(b, ",");
}

static void kv_int(struct guard_buf *b, const char *key, long long val, bool comma)
{
	if (val < 0)
		guard_buf_printf(b, "\"%s\":null%s", key, comma ? "," : "");
	else
		guard_buf_printf(b, "\"%s\":%lld%s", key, val, comma ? "," : "");
}

static void str_array(struct guard_buf *b, const char *const *v)
{
	guard_buf_puts(b, "[");
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			guard_buf_puts(b, ",");
		guard_json_str(b, v[i]);
	}
	guard_buf_puts(b, "]");
}

static void session(struct guard_buf *b, const struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	guard_buf_puts(b, "\"session\":{");
	kv_str(b, "id", s->id, true);
	kv_str(b, "dir", s->dir, true);
	guard_buf_puts(b, "\"argv\":");
	str_array(b, s->argv);
	guard_buf_puts(b, ",");
	kv_str(b, "cwd", s->cwd, true);
	kv_str(b, "project", s->project, true);
	kv_str(b, "home", s->home, true);
	kv_str(b, "profile", s->profile, true);
	kv_str(b, "mode", s->mode, true);
	kv_int(b, "abi", s->abi, true);
	guard_buf_printf(b, "\"shim\":%s,\"observer\":%s,", s->shim ? "true" : "false", s->observer ? "true" : "false");
	kv_int(b, "start", s->start, true);
	kv_int(b, "end", s->end, true);
	kv_int(b, "duration_ms", s->finished && s->start >= 0 && s->end >= s->start ? s->end - s->start : -1, true);
	/* exit is null until the session has its end record; any number (even negative) is passed on as is. */
	if (s->finished)
		guard_buf_printf(b, "\"exit\":%lld,", s->exit);
	else
		guard_buf_puts(b, "\"exit\":null,");
	guard_buf_printf(b, "\"finished\":%s}", s->finished ? "true" : "false");
}

static void denial(struct guard_buf *b, const struct guard_report *r, const struct guard_rep_denial *d)
{
	guard_buf_puts(b, "{");
	kv_str(b, "op", d->op, true);
	kv_str(b, "path", d->path, true);
	kv_str(b, "path2", d->path2, true);
	kv_str(b, "errno", d->err, true);
	guard_buf_puts(b, "\"rule\":");
	if (d->has_rule) {
		guard_buf_puts(b, "{");
		kv_str(b, "kind", d->kind, true);
		kv_str(b, "pattern", d->pattern, true);
		kv_str(b, "file", d->file, true);
		kv_int(b, "line", d->line, true);
		kv_int(b, "col", d->col, true);
		kv_str(b, "source", d->source, false);
		guard_buf_puts(b, "}");
	} else {
		guard_buf_puts(b, "null");
	}
	guard_buf_printf(b, ",\"count\":%u,", d->count);
	kv_int(b, "first_t", d->first_t, true);
	kv_int(b, "last_t", d->last_t, true);
	guard_buf_puts(b, "\"pids\":[");
	for (size_t k = 0; k < d->npids; k++)
		guard_buf_printf(b, "%s%lld", k ? "," : "", d->pids[k]);
	guard_buf_puts(b, "],\"programs\":[");
	for (size_t k = 0; k < d->npids; k++) {
		const struct guard_rep_proc *p = guard_report_proc(r, d->pids[k]);
		guard_buf_puts(b, k ? "," : "");
		guard_json_str(b, p ? p->argv[0] : NULL);
	}
	guard_buf_puts(b, "],");
	kv_str(b, "reason", d->reason, true);
	kv_str(b, "origin", d->origin, false);
	guard_buf_puts(b, "}");
}

static void files(struct guard_buf *b, FILE *out, const struct guard_report *r, int w)
{
	guard_buf_printf(b, "\"%s\":{", w ? "written" : "read");
	for (int g = 0; g < GUARD_REP_NGROUPS; g++) {
		const struct guard_rep_files *f = &r->files[w][g];
		guard_buf_printf(b, "%s\"%s\":[", g ? "," : "", guard_rep_group_names[g]);
		for (size_t i = 0; i < f->n; i++) {
			guard_buf_puts(b, i ? ",\n    {" : "\n    {");
			kv_str(b, "path", f->v[i].path, true);
			guard_buf_printf(b, "\"count\":%u,\"denied\":%u,\"failed\":%u,\"kernel\":%u}", f->v[i].count,
					 f->v[i].denied, f->v[i].failed, f->v[i].facts);
			guard_fmt_spill(b, out);
		}
		guard_buf_puts(b, "]");
	}
	guard_buf_puts(b, "}");
}

void guard_report_json(FILE *out, const struct guard_report *r)
{
	struct guard_buf b = {0};
	guard_buf_puts(&b, "{\"version\":1,\n");
	session(&b, r);
	guard_buf_printf(&b,
			 ",\n\"counts\":{\"events\":%lu,\"allowed\":%lu,\"denied\":%lu,\"failed\":%lu,"
			 "\"malformed_lines\":%lu},\n",
			 r->events, r->allowed, r->denied, r->failed, r->stats.malformed);
	guard_buf_puts(&b, "\"denials\":[");
	for (size_t i = 0; i < r->denials.n; i++) {
		guard_buf_puts(&b, i ? ",\n  " : "\n  ");
		denial(&b, r, &r->denials.v[i]);
		guard_fmt_spill(&b, out);
	}
	guard_buf_puts(&b, "],\n\"files\":{");
	files(&b, out, r, 0);
	guard_buf_puts(&b, ",\n");
	files(&b, out, r, 1);
	guard_buf_puts(&b, "},\n\"processes\":[");
	for (size_t i = 0; i < r->procs.n; i++) {
		const struct guard_rep_proc *p = &r->procs.v[i];
		guard_buf_printf(&b, "%s{\"pid\":%lld,", i ? ",\n  " : "\n  ", p->pid);
		kv_int(&b, "ppid", p->ppid, true);
		kv_int(&b, "t", p->t, true);
		kv_str(&b, "exe", p->exe, true);
		guard_buf_puts(&b, "\"argv\":");
		str_array(&b, (const char *const *)p->argv);
		guard_buf_puts(&b, ",");
		kv_str(&b, "cwd", p->cwd, true);
		guard_buf_printf(&b, "\"truncated\":%s,\"origin\":\"%s\"}", p->truncated ? "true" : "false",
				 p->fact ? "observer" : "shim");
		guard_fmt_spill(&b, out);
	}
	guard_buf_puts(&b, "],\n\"contradicted\":[");
	for (size_t i = 0; i < r->contradicted.n; i++) {
		const struct guard_rep_claim *c = &r->contradicted.v[i];
		guard_buf_printf(&b, "%s{\"pid\":%lld,\"claimed_pid\":%lld,", i ? ",\n  " : "\n  ", c->pid, c->claimed);
		kv_str(&b, "op", c->op, true);
		kv_str(&b, "path", c->path, true);
		guard_buf_printf(&b, "\"count\":%u}", c->count);
		guard_fmt_spill(&b, out);
	}
	guard_buf_puts(&b, "],\n\"hosts\":[");
	for (size_t i = 0; i < r->hosts.n; i++) {
		guard_buf_puts(&b, i ? "," : "");
		guard_buf_puts(&b, "{");
		kv_str(&b, "host", r->hosts.v[i].host, true);
		guard_buf_printf(&b, "\"count\":%u,\"denied\":%u}", r->hosts.v[i].count, r->hosts.v[i].denied);
	}
	guard_buf_puts(&b, "],\n\"unobserved\":");
	str_array(&b, (const char *const *)r->unobserved.v);
	guard_buf_puts(&b, "}\n");
	fwrite(b.p, 1, b.len, out);
	guard_buf_free(&b);
}
