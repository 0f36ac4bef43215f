/* Aggregating a session's events into a report (see report.h): files by group with counts, the process tree's
 * nodes, hosts, denials merged per (op, path), and what the log could not see. Events are streamed and merged as
 * they come (a hash index per table), so memory follows the distinct items, not the lines: a log of a million
 * repeats of one read costs one entry. What is kept is bounded too (REPORT_KEEP_MAX, REPORT_DENIALS_MAX): past
 * that, new items are counted and the report says how many it could not list (issue 13). */
#include <stdlib.h>
#include <string.h>

#include "lib/hash_index.h"
#include "report/report.h"
#include "policy/limits_plan.h"
#include "policy/verdict.h"

#define REPORT_KEEP_MAX (16u << 20)    /* bytes of names kept for files, processes and hosts */
#define REPORT_DENIALS_MAX (96u << 20) /* bytes kept for distinct denials (a capped log holds far fewer) */

const char *const guard_rep_group_names[GUARD_REP_NGROUPS] = {"project", "system", "home", "temp", "other"};

struct agg_file {
	char *path;
	bool write;
	unsigned count, denied, failed, facts; /* facts: of count, the events the kernel or the proxy told */
};

struct builder {
	struct guard_report *r;
	GUARD_VEC(struct agg_file) files;
	struct guard_hash_index files_ix, hosts_ix, denials_ix;
	size_t kept, denials_kept; /* bytes of names held, against the budgets above */
	/* the item being looked up, for the index's equality callbacks */
	const char *k_path, *k_path2, *k_op;
	bool k_write;
};

static char *dup_or_null(const char *s)
{
	return s ? guard_xstrdup(s) : NULL;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static size_t cost(const char *s)
{
	return (s ? strlen(s) + 1 : 0) + 32; /* the string and its share of the entry */
}

/* Seen by the kernel or by guard's proxy, not only told by the process itself. */
static bool is_fact(const struct guard_session_read_event *ev)
{
	return ev->origin && (strcmp(ev->origin, "observer") == 0 || strcmp(ev->origin, "proxy") == 0);
}

static bool same_file(void *ctx, size_t pos)
{
	struct builder *b = ctx;
	return b->files.v[pos].write == b->k_write && strcmp(b->files.v[pos].path, b->k_path) == 0;
}

static void add_file(struct builder *b, const char *path, bool write, const struct guard_session_read_event *ev,
		     unsigned long long n)
{
	if (!path)
		return;
	uint64_t h = guard_hash_str(GUARD_HASH_SEED ^ write, path);
	b->k_path = path, b->k_write = write;
	size_t at = guard_hash_index_find(&b->files_ix, h, same_file, b);
	if (at == SIZE_MAX) {
		if (b->kept + cost(path) > REPORT_KEEP_MAX) {
			b->r->unlisted_files++;
			return;
		}
		b->kept += cost(path);
		struct agg_file f = {guard_xstrdup(path), write, 0, 0, 0, 0};
		GUARD_VEC_PUSH(b->files, f);
		at = b->files.n - 1;
		guard_hash_index_add(&b->files_ix, h, at);
	}
	struct agg_file *f = &b->files.v[at];
	f->count += (unsigned)n;
	f->denied += strcmp(ev->result, "denied") == 0 ? (unsigned)n : 0;
	f->failed += strcmp(ev->result, "failed") == 0 ? (unsigned)n : 0;
	f->facts += is_fact(ev) ? (unsigned)n : 0;
}

/* A forged self-report: one entry per line of the log (whose repeats it counts), kept within the names' budget. */
static void add_claim(struct builder *b, const struct guard_session_read_event *ev)
{
	struct guard_report *r = b->r;
	size_t c = cost(ev->op) + cost(ev->path) + 32;
	r->contradicted.events += ev->count;
	if (b->kept + c > REPORT_KEEP_MAX) {
		r->unlisted_claims++;
		return;
	}
	b->kept += c;
	struct guard_rep_claim claim = {ev->pid, ev->claimed_pid, guard_xstrdup(ev->op), dup_or_null(ev->path),
					(unsigned)ev->count};
	GUARD_VEC_PUSH(r->contradicted, claim);
}

static bool same_host(void *ctx, size_t pos)
{
	struct builder *b = ctx;
	return strcmp(b->r->hosts.v[pos].host, b->k_path) == 0;
}

static void add_host(struct builder *b, const char *host, bool denied, unsigned long long n)
{
	uint64_t h = guard_hash_str(GUARD_HASH_SEED, host);
	b->k_path = host;
	size_t at = guard_hash_index_find(&b->hosts_ix, h, same_host, b);
	if (at == SIZE_MAX) {
		if (b->kept + cost(host) > REPORT_KEEP_MAX) {
			b->r->unlisted_hosts++;
			return;
		}
		b->kept += cost(host);
		struct guard_rep_host e = {guard_xstrdup(host), 0, 0};
		GUARD_VEC_PUSH(b->r->hosts, e);
		at = b->r->hosts.n - 1;
		guard_hash_index_add(&b->hosts_ix, h, at);
	}
	b->r->hosts.v[at].count += (unsigned)n;
	b->r->hosts.v[at].denied += denied ? (unsigned)n : 0;
}

static bool same_denial(void *ctx, size_t pos)
{
	struct builder *b = ctx;
	const struct guard_rep_denial *d = &b->r->denials.v[pos];
	return strcmp(d->op, b->k_op) == 0 && cmp_str(d->path, b->k_path) == 0 && cmp_str(d->path2, b->k_path2) == 0;
}

static void add_denial(struct builder *b, const struct guard_session_read_event *ev)
{
	const char *path = ev->abs ? ev->abs : ev->path, *path2 = ev->abs2 ? ev->abs2 : ev->path2;
	uint64_t h = guard_hash_str(guard_hash_str(guard_hash_str(GUARD_HASH_SEED, ev->op), path), path2);
	b->k_op = ev->op, b->k_path = path, b->k_path2 = path2;
	size_t at = guard_hash_index_find(&b->denials_ix, h, same_denial, b);
	if (at != SIZE_MAX) {
		struct guard_rep_denial *d = &b->r->denials.v[at];
		d->count += (unsigned)ev->count;
		d->last_t = ev->t > d->last_t ? ev->t : d->last_t;
		bool known = false;
		for (size_t k = 0; k < d->npids; k++)
			known |= d->pids[k] == ev->pid;
		if (!known && d->npids < sizeof d->pids / sizeof *d->pids)
			d->pids[d->npids++] = ev->pid;
		if (ev->origin && d->origin && strcmp(ev->origin, d->origin) != 0 && !strchr(d->origin, ',')) {
			free(d->origin);
			d->origin = guard_xstrdup("shim, observer");
		}
		if (!d->has_rule && ev->has_rule) { /* keep the explained attempt's rule */
			d->has_rule = true;
			d->kind = dup_or_null(ev->rule.kind);
			d->pattern = dup_or_null(ev->rule.pattern);
			d->file = dup_or_null(ev->rule.file);
			d->source = dup_or_null(ev->rule.source);
			d->line = ev->rule.line;
			d->col = ev->rule.col;
		}
		return;
	}
	size_t c = cost(ev->op) + cost(path) + cost(path2) + cost(ev->err) + cost(ev->origin) + cost(ev->net_reason) +
		   (ev->has_rule ? cost(ev->rule.pattern) + cost(ev->rule.file) + 64 : 0) + 64;
	if (b->denials_kept + c > REPORT_DENIALS_MAX) {
		b->r->unlisted_denials += ev->count;
		return;
	}
	b->denials_kept += c;
	struct guard_rep_denial d = {
		.op = guard_xstrdup(ev->op),
		.path = dup_or_null(path),
		.path2 = dup_or_null(path2),
		.err = dup_or_null(ev->err),
		.origin = dup_or_null(ev->origin),
		.reason = dup_or_null(ev->net_reason),
		.has_rule = ev->has_rule,
		.count = (unsigned)ev->count,
		.first_t = ev->t,
		.last_t = ev->t,
		.pids = {ev->pid},
		.npids = 1,
	};
	if (ev->has_rule) {
		d.kind = dup_or_null(ev->rule.kind);
		d.pattern = dup_or_null(ev->rule.pattern);
		d.file = dup_or_null(ev->rule.file);
		d.source = dup_or_null(ev->rule.source);
		d.line = ev->rule.line;
		d.col = ev->rule.col;
	}
	GUARD_VEC_PUSH(b->r->denials, d);
	guard_hash_index_add(&b->denials_ix, h, b->r->denials.n - 1);
}

static bool on_event(const struct guard_session_read_event *ev, void *ctx)
{
	struct builder *b = ctx;
	struct guard_report *r = b->r;
	enum guard_op op = guard_op_from_name(ev->op);
	bool denied = strcmp(ev->result, "denied") == 0;
	unsigned long long n = ev->count;
	r->events += n;
	if (ev->claimed_pid >= 0)
		add_claim(b, ev);
	if (denied)
		r->denied += n;
	else if (strcmp(ev->result, "failed") == 0)
		r->failed += n;
	else
		r->allowed += n;

	if (op == GUARD_OP_EXEC && strcmp(ev->result, "allowed") != 0) {
		/* The shim logs an exec before making it (after a successful one there is nobody left to tell), and
		 * logs again when it fails: execvp trying each PATH entry. Such an attempt was no process start. */
		for (size_t i = r->procs.n, k = 0; i-- > 0 && k < 64; k++) {
			struct guard_rep_proc *p = &r->procs.v[i];
			if (p->pid == ev->pid && !p->dropped && p->exe && ev->path && strcmp(p->exe, ev->path) == 0) {
				p->dropped = true;
				break;
			}
		}
	}
	if (op == GUARD_OP_EXEC && strcmp(ev->result, "allowed") == 0) {
		size_t na = ev->argv ? ev->nargv : 0, c = cost(ev->cwd) + cost(ev->path) + 64;
		for (size_t i = 0; i < na; i++)
			c += cost(ev->argv[i]);
		if (b->kept + c > REPORT_KEEP_MAX) {
			r->unlisted_procs++;
		} else {
			b->kept += c;
			struct guard_rep_proc p = {
				ev->pid,       ev->ppid, ev->t,      NULL, dup_or_null(ev->cwd), dup_or_null(ev->path),
				ev->truncated, false,    is_fact(ev)};
			p.argv = guard_xmalloc((na + 2) * sizeof *p.argv);
			for (size_t i = 0; i < na; i++)
				p.argv[i] = guard_xstrdup(ev->argv[i]);
			if (na == 0 && ev->path) /* an exec seen without argv: name it by its path */
				p.argv[na++] = guard_xstrdup(ev->path);
			p.argv[na] = NULL;
			GUARD_VEC_PUSH(r->procs, p);
		}
	} else if (op == GUARD_OP_CONNECT && ev->path) {
		add_host(b, ev->path, denied, n);
	} else if (op == GUARD_OP_READ) {
		/* Execs are not listed as files: successful ones are processes, denied ones denials, and failed
		 * ones mostly PATH lookups (ENOENT) that would only be noise. */
		add_file(b, ev->abs ? ev->abs : ev->path, false, ev, n);
	} else if (guard_op_is_write(op)) {
		add_file(b, ev->abs ? ev->abs : ev->path, true, ev, n);
		if (op == GUARD_OP_RENAME || op == GUARD_OP_LINK)
			add_file(b, ev->abs2 ? ev->abs2 : ev->path2, true, ev, n);
	}
	if (denied)
		add_denial(b, ev);
	return true;
}

/* The most specific place wins: a project under $HOME is "project", a home under /var/tmp is "home". */
static enum guard_rep_group group_of(const struct guard_report *r, const char *path)
{
	const struct guard_session_read *s = r->s;
	if (!path || path[0] != '/')
		return GUARD_REP_OTHER;
	const struct {
		const char *root;
		enum guard_rep_group g;
	} places[] = {
		{s->project, GUARD_REP_PROJECT}, {r->tmpdir, GUARD_REP_TEMP},  {"/tmp", GUARD_REP_TEMP},
		{"/var/tmp", GUARD_REP_TEMP},    {"/dev/shm", GUARD_REP_TEMP}, {s->home, GUARD_REP_HOME},
	};
	enum guard_rep_group best = GUARD_REP_SYSTEM;
	size_t best_len = 0;
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		const char *root = places[i].root;
		if (root && root[0] == '/' && strcmp(root, "/") != 0 && strlen(root) > best_len &&
		    guard_path_within(path, root)) {
			best = places[i].g;
			best_len = strlen(root);
		}
	}
	return best;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct guard_rep_file *)a)->path, ((const struct guard_rep_file *)b)->path);
}

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct guard_rep_host *)a)->host, ((const struct guard_rep_host *)b)->host);
}

static void place_files(struct builder *b)
{
	for (size_t i = 0; i < b->files.n; i++) {
		struct agg_file *f = &b->files.v[i];
		struct guard_rep_file out = {f->path, f->count, f->denied, f->failed, f->facts};
		GUARD_VEC_PUSH(b->r->files[f->write][group_of(b->r, f->path)], out);
	}
	free(b->files.v);
	for (int w = 0; w < 2; w++)
		for (int g = 0; g < GUARD_REP_NGROUPS; g++)
			if (b->r->files[w][g].n)
				qsort(b->r->files[w][g].v, b->r->files[w][g].n, sizeof *b->r->files[w][g].v, cmp_file);
	if (b->r->hosts.n)
		qsort(b->r->hosts.v, b->r->hosts.n, sizeof *b->r->hosts.v, cmp_host);
}

static int cmp_denial_time(const void *a, const void *b)
{
	const struct guard_rep_denial *x = a, *y = b;
	if (x->first_t != y->first_t)
		return (x->first_t > y->first_t) - (x->first_t < y->first_t);
	return cmp_str(x->path, y->path);
}

static void denial_free(struct guard_rep_denial *d)
{
	free(d->op), free(d->path), free(d->path2), free(d->err), free(d->origin), free(d->reason);
	free(d->kind), free(d->pattern), free(d->file), free(d->source);
}

static void proc_free(struct guard_rep_proc *p)
{
	for (char **a = p->argv; *a; a++)
		free(*a);
	free(p->argv);
	free(p->cwd);
	free(p->exe);
}

static int cmp_proc(const void *a, const void *b)
{
	const struct guard_rep_proc *x = a, *y = b;
	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->t > y->t) - (x->t < y->t);
}

/* A denial counted past the log's cap, as one line of the report: "12 denied read by files.deny ".env"
 * (rules/default.yaml:14:7), shim". */
static char *summary_line(const struct guard_json *e)
{
	long long count = 0;
	guard_json_int_of(e, "count", &count);
	const char *op = guard_json_str_of(e, "op"), *origin = guard_json_str_of(e, "origin");
	const char *host = guard_json_str_of(e, "path");
	const struct guard_json *rule = guard_json_get(e, "rule");
	struct guard_buf b = {0};
	guard_buf_printf(&b, "%lld denied %s", count, op ? op : "?");
	if (host) {
		guard_buf_puts(&b, " of ");
		guard_fmt_word(&b, host);
	}
	if (rule && rule->type == GUARD_JSON_OBJECT) {
		long long line = 0, col = 0;
		guard_json_int_of(rule, "line", &line);
		guard_json_int_of(rule, "col", &col);
		const char *kind = guard_json_str_of(rule, "kind"), *pat = guard_json_str_of(rule, "pattern");
		/* file rules are files.KIND; others ("exec.deny", "network.allow") say it */
		guard_buf_printf(&b, " by %s%s \"", kind && strchr(kind, '.') ? "" : "files.", kind ? kind : "?");
		guard_fmt_text(&b, pat ? pat : "");
		guard_buf_puts(&b, "\" (");
		guard_fmt_at(&b, guard_json_str_of(rule, "file"), line, col);
		guard_buf_puts(&b, ")");
	} else if (!host) {
		guard_buf_puts(&b, " (no rule grants it: default deny)");
	}
	if (origin)
		guard_buf_printf(&b, ", from the %s", origin);
	char *out = guard_xstrdup(b.p ? b.p : "");
	guard_buf_free(&b);
	return out;
}

static const char *size(long long bytes, char *buf)
{
	return bytes < 0 ? "?" : guard_format_size(bytes, buf, 32);
}

/* What the log's bounds held back (session.json "log", the note lines) and what the report could not list. */
static void note_log_bounds(struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	struct guard_strv *u = &r->unobserved;
	char t[32], d1[32], d2[32];
	if (s->log.present && s->log.allowed_unrecorded > 0) {
		guard_fmt_time(t, sizeof t, s->log.limited_at);
		bool full = s->log.summarised_why && strcmp(s->log.summarised_why, "free space") == 0;
		const char *denials =
			!s->log.summarised ? "every denial was still recorded"
			: full             ? "denials were still recorded until the filesystem was nearly full (below)"
					   : "denials were still recorded up to the cap (below)";
		if (s->log.limited && strcmp(s->log.limited, "free space") == 0)
			guard_strv_push(u,
					guard_xasprintf("%lld allowed events not recorded in detail after free space "
							"for the log fell below its margin (%s) at %s; %s",
							s->log.allowed_unrecorded,
							s->log.free_margin ? s->log.free_margin : "?", t, denials));
		else
			guard_strv_push(u, guard_xasprintf("%lld allowed events not recorded in detail after the log "
							   "reached its cap (%s of %s) at %s; %s",
							   s->log.allowed_unrecorded, size(s->log.detail, d1),
							   size(s->log.cap, d2), t, denials));
	}
	if (s->log.present && s->log.summarised > 0) {
		if (s->log.summarised_why && strcmp(s->log.summarised_why, "free space") == 0)
			guard_strv_push(u,
					guard_xasprintf("%lld denials came once the filesystem holding the log was "
							"nearly full and were counted per operation and rule, not "
							"recorded one by one (their paths are not known); they were:",
							s->log.summarised));
		else
			guard_strv_push(u,
					guard_xasprintf("%lld denials past the log's cap of %s were counted per "
							"operation and rule, not recorded one by one (their paths are "
							"not known); they were:",
							s->log.summarised, size(s->log.cap, d2)));
		for (size_t i = 0; s->log.summary && i < s->log.summary->len; i++)
			guard_strv_push(u, summary_line(&s->log.summary->items[i]));
		if (s->log.summarised_other)
			guard_strv_push(u, guard_xasprintf("%lld denied by yet other rules", s->log.summarised_other));
	}
	/* An unfinished session's counts are not in session.json yet: the note lines say what happened. */
	if (!s->finished)
		for (unsigned long i = 0; i < r->stats.notes && i < sizeof r->stats.note / sizeof *r->stats.note; i++)
			guard_strv_push(u, guard_xasprintf("the log says: %s", r->stats.note[i]));
	if (r->unlisted_denials)
		guard_strv_push(u, guard_xasprintf("%lu denials of paths beyond the report's memory bound are counted "
						   "but not listed",
						   r->unlisted_denials));
	if (r->unlisted_claims)
		guard_strv_push(u, guard_xasprintf("%lu forged self-reports beyond the report's memory bound are "
						   "counted but not listed under 'Contradicted'",
						   r->unlisted_claims));
	if (r->unlisted_files || r->unlisted_procs || r->unlisted_hosts)
		guard_strv_push(u,
				guard_xasprintf("beyond the report's memory bound, %lu files, %lu process starts and "
						"%lu hosts are counted but not listed",
						r->unlisted_files, r->unlisted_procs, r->unlisted_hosts));
}

static void note_unobserved(struct guard_report *r)
{
	const struct guard_session_read *s = r->s;
	struct guard_strv *u = &r->unobserved;
	if (s->unobserved && s->unobserved[0])
		guard_strv_push(u, guard_xstrdup(s->unobserved));
	if (!s->shim)
		guard_strv_push(u, guard_xstrdup("no shim: opens, execs and connects made through libc were not logged "
						 "by dynamically linked programs"));
	if (!s->observer)
		guard_strv_push(u, guard_xstrdup("no kernel observer: static binaries and raw system calls (e.g. "
						 "Claude Code's Read tool) were not logged"));
	if (!s->finished)
		guard_strv_push(u, guard_xstrdup("the session has no end record: it is still running, or guard was "
						 "killed (exit status and duration unknown)"));
	if (r->events_unreadable)
		guard_strv_push(u, guard_xstrdup("events.jsonl could not be read"));
	else if (r->stats.missing)
		guard_strv_push(u, guard_xstrdup("events.jsonl is missing"));
	if (r->stats.malformed)
		guard_strv_push(u, guard_xasprintf("%lu line(s) of events.jsonl were not valid events and were skipped",
						   r->stats.malformed));
	if (s->lost > 0)
		guard_strv_push(u, guard_xasprintf("%lld event(s) could not be written to the log", s->lost));
	note_log_bounds(r);
	if (r->contradicted.events)
		guard_strv_push(u, guard_xasprintf("%lu self-reported event(s) named a sender the kernel contradicts: "
						   "a process in the sandbox forged them (see 'Contradicted')",
						   r->contradicted.events));
	guard_strv_push(u, guard_xstrdup("events told by the process itself (shim) are its claims: a process can "
					 "forge or withhold them; the kernel observer's and the proxy's are facts"));
	guard_strv_push(
		u, guard_xstrdup(
			   "each process's shim logs its first attempt per operation and path (the log counts "
			   "repeats of an event it already holds); stat, access, readlink and chdir are not logged"));
}

void guard_report_build(struct guard_report *r, struct guard_session_read *s)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->tmpdir = s->have_image ? guard_image_str(&s->img, s->img.h->tmpdir) : "/tmp";
	if (!r->tmpdir[0])
		r->tmpdir = "/tmp";
	struct builder b = {r};
	r->events_unreadable = guard_session_read_events(s, on_event, &b, &r->stats) != 0;
	place_files(&b);
	guard_hash_index_free(&b.files_ix);
	guard_hash_index_free(&b.hosts_ix);
	guard_hash_index_free(&b.denials_ix);
	if (r->denials.n)
		qsort(r->denials.v, r->denials.n, sizeof *r->denials.v, cmp_denial_time);
	if (s->log.present) { /* what the log's bounds counted without a line: still events of the session */
		r->allowed += (unsigned long)s->log.allowed_unrecorded;
		r->denied += (unsigned long)s->log.summarised;
		r->events += (unsigned long)(s->log.allowed_unrecorded + s->log.summarised);
	}
	size_t kept = 0;
	for (size_t i = 0; i < r->procs.n; i++) {
		if (r->procs.v[i].dropped)
			proc_free(&r->procs.v[i]);
		else
			r->procs.v[kept++] = r->procs.v[i];
	}
	r->procs.n = kept;
	if (r->procs.n)
		qsort(r->procs.v, r->procs.n, sizeof *r->procs.v, cmp_proc);
	for (size_t i = 0; i < r->procs.n; i++)
		r->nprocesses += i == 0 || r->procs.v[i].pid != r->procs.v[i - 1].pid;
	note_unobserved(r);
}

const struct guard_rep_proc *guard_report_proc(const struct guard_report *r, long long pid)
{
	size_t lo = 0, hi = r->procs.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->procs.v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->procs.n && r->procs.v[lo].pid == pid ? &r->procs.v[lo] : NULL;
}

void guard_report_free(struct guard_report *r)
{
	for (int w = 0; w < 2; w++)
		for (int g = 0; g < GUARD_REP_NGROUPS; g++) {
			for (size_t i = 0; i < r->files[w][g].n; i++)
				free(r->files[w][g].v[i].path);
			free(r->files[w][g].v);
		}
	for (size_t i = 0; i < r->procs.n; i++)
		proc_free(&r->procs.v[i]);
	free(r->procs.v);
	for (size_t i = 0; i < r->hosts.n; i++)
		free(r->hosts.v[i].host);
	free(r->hosts.v);
	for (size_t i = 0; i < r->denials.n; i++)
		denial_free(&r->denials.v[i]);
	free(r->denials.v);
	guard_strv_clear(&r->unobserved);
	for (size_t i = 0; i < r->contradicted.n; i++)
		free(r->contradicted.v[i].op), free(r->contradicted.v[i].path);
	free(r->contradicted.v);
	memset(r, 0, sizeof *r);
}
