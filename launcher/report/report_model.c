/* Aggregating a session's events into a report (see report.h): files by group with counts, the process tree's
 * nodes, hosts, denials merged per (op, path), and what the log could not see. Events are streamed; each kept
 * item is copied, then everything is sorted and merged once at the end. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "policy/verdict.h"

const char *const guard_rep_group_names[GUARD_REP_NGROUPS] = {"project", "system", "home", "temp", "other"};

struct raw_file {
	char *path;
	bool write, denied, failed, fact;
};

struct builder {
	struct guard_report *r;
	struct {
		struct raw_file *v;
		size_t n, cap;
	} files;
	struct {
		struct guard_rep_host *v;
		size_t n, cap;
	} hosts;
	struct {
		struct guard_rep_denial *v;
		size_t n, cap;
	} denials;
};

static char *dup_or_null(const char *s)
{
	return s ? guard_xstrdup(s) : NULL;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Seen by the kernel or by guard's proxy, not only told by the process itself. */
static bool is_fact(const struct guard_session_read_event *ev)
{
	return ev->origin && (strcmp(ev->origin, "observer") == 0 || strcmp(ev->origin, "proxy") == 0);
}

static void add_file(struct builder *b, const char *path, bool write, const struct guard_session_read_event *ev)
{
	if (!path)
		return;
	const char *result = ev->result;
	struct raw_file f = {guard_xstrdup(path), write, strcmp(result, "denied") == 0, strcmp(result, "failed") == 0,
			     is_fact(ev)};
	GUARD_VEC_PUSH(b->files, f);
}

static bool on_event(const struct guard_session_read_event *ev, void *ctx)
{
	struct builder *b = ctx;
	struct guard_report *r = b->r;
	enum guard_op op = guard_op_from_name(ev->op);
	bool denied = strcmp(ev->result, "denied") == 0;
	r->events++;
	if (ev->claimed_pid >= 0) {
		struct guard_rep_claim c = {ev->pid, ev->claimed_pid, guard_xstrdup(ev->op), dup_or_null(ev->path)};
		GUARD_VEC_PUSH(r->contradicted, c);
	}
	if (denied)
		r->denied++;
	else if (strcmp(ev->result, "failed") == 0)
		r->failed++;
	else
		r->allowed++;

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
		struct guard_rep_proc p = {
			ev->pid,       ev->ppid, ev->t,      NULL, dup_or_null(ev->cwd), dup_or_null(ev->path),
			ev->truncated, false,    is_fact(ev)};
		size_t n = ev->argv ? ev->nargv : 0;
		p.argv = guard_xmalloc((n + 2) * sizeof *p.argv);
		for (size_t i = 0; i < n; i++)
			p.argv[i] = guard_xstrdup(ev->argv[i]);
		if (n == 0 && ev->path) /* an exec seen without argv: name it by its path */
			p.argv[n++] = guard_xstrdup(ev->path);
		p.argv[n] = NULL;
		GUARD_VEC_PUSH(r->procs, p);
	} else if (op == GUARD_OP_CONNECT && ev->path) {
		struct guard_rep_host h = {guard_xstrdup(ev->path), 1, denied};
		GUARD_VEC_PUSH(b->hosts, h);
	} else if (op == GUARD_OP_READ) {
		/* Execs are not listed as files: successful ones are processes, denied ones denials, and failed
		 * ones mostly PATH lookups (ENOENT) that would only be noise. */
		add_file(b, ev->abs ? ev->abs : ev->path, false, ev);
	} else if (guard_op_is_write(op)) {
		add_file(b, ev->abs ? ev->abs : ev->path, true, ev);
		if (op == GUARD_OP_RENAME || op == GUARD_OP_LINK)
			add_file(b, ev->abs2 ? ev->abs2 : ev->path2, true, ev);
	}

	if (denied) {
		struct guard_rep_denial d = {
			.op = guard_xstrdup(ev->op),
			.path = dup_or_null(ev->abs ? ev->abs : ev->path),
			.path2 = dup_or_null(ev->abs2 ? ev->abs2 : ev->path2),
			.err = dup_or_null(ev->err),
			.origin = dup_or_null(ev->origin),
			.reason = dup_or_null(ev->net_reason),
			.has_rule = ev->has_rule,
			.count = 1,
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
		GUARD_VEC_PUSH(b->denials, d);
	}
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

static int cmp_raw_file(const void *a, const void *b)
{
	const struct raw_file *x = a, *y = b;
	if (x->write != y->write)
		return x->write - y->write;
	return strcmp(x->path, y->path);
}

static void merge_files(struct builder *b)
{
	if (b->files.n)
		qsort(b->files.v, b->files.n, sizeof *b->files.v, cmp_raw_file);
	for (size_t i = 0; i < b->files.n;) {
		struct raw_file *f = &b->files.v[i];
		struct guard_rep_file out = {f->path, 0, 0, 0, 0};
		size_t j = i;
		for (; j < b->files.n && b->files.v[j].write == f->write && strcmp(b->files.v[j].path, f->path) == 0;
		     j++) {
			out.count++;
			out.denied += b->files.v[j].denied;
			out.failed += b->files.v[j].failed;
			out.facts += b->files.v[j].fact;
			if (j > i)
				free(b->files.v[j].path);
		}
		GUARD_VEC_PUSH(b->r->files[f->write][group_of(b->r, f->path)], out);
		i = j;
	}
	free(b->files.v);
}

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct guard_rep_host *)a)->host, ((const struct guard_rep_host *)b)->host);
}

static void merge_hosts(struct builder *b)
{
	if (b->hosts.n)
		qsort(b->hosts.v, b->hosts.n, sizeof *b->hosts.v, cmp_host);
	for (size_t i = 0; i < b->hosts.n;) {
		struct guard_rep_host h = b->hosts.v[i];
		size_t j = i + 1;
		for (; j < b->hosts.n && strcmp(b->hosts.v[j].host, h.host) == 0; j++) {
			h.count += b->hosts.v[j].count;
			h.denied += b->hosts.v[j].denied;
			free(b->hosts.v[j].host);
		}
		GUARD_VEC_PUSH(b->r->hosts, h);
		i = j;
	}
	free(b->hosts.v);
}

static int cmp_denial_key(const void *a, const void *b)
{
	const struct guard_rep_denial *x = a, *y = b;
	int c = strcmp(x->op, y->op);
	if (!c)
		c = cmp_str(x->path, y->path);
	if (!c)
		c = cmp_str(x->path2, y->path2);
	if (!c)
		c = (x->first_t > y->first_t) - (x->first_t < y->first_t);
	return c;
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

static void merge_denials(struct builder *b)
{
	if (b->denials.n)
		qsort(b->denials.v, b->denials.n, sizeof *b->denials.v, cmp_denial_key);
	for (size_t i = 0; i < b->denials.n;) {
		struct guard_rep_denial d = b->denials.v[i];
		size_t j = i + 1;
		for (; j < b->denials.n && strcmp(b->denials.v[j].op, d.op) == 0 &&
		       cmp_str(b->denials.v[j].path, d.path) == 0 && cmp_str(b->denials.v[j].path2, d.path2) == 0;
		     j++) {
			struct guard_rep_denial *e = &b->denials.v[j];
			d.count++;
			d.last_t = e->last_t > d.last_t ? e->last_t : d.last_t;
			bool known = false;
			for (size_t k = 0; k < d.npids; k++)
				known |= d.pids[k] == e->pids[0];
			if (!known && d.npids < sizeof d.pids / sizeof *d.pids)
				d.pids[d.npids++] = e->pids[0];
			if (e->origin && d.origin && strcmp(e->origin, d.origin) != 0 && !strchr(d.origin, ',')) {
				free(d.origin);
				d.origin = guard_xstrdup("shim, observer");
			}
			if (!d.has_rule && e->has_rule) { /* keep the explained attempt's rule */
				struct guard_rep_denial t = d;
				d.has_rule = true;
				d.kind = e->kind, d.pattern = e->pattern, d.file = e->file, d.source = e->source;
				d.line = e->line, d.col = e->col;
				e->kind = t.kind, e->pattern = t.pattern, e->file = t.file, e->source = t.source;
			}
			denial_free(e);
		}
		GUARD_VEC_PUSH(b->r->denials, d);
		i = j;
	}
	free(b->denials.v);
	if (b->r->denials.n)
		qsort(b->r->denials.v, b->r->denials.n, sizeof *b->r->denials.v, cmp_denial_time);
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
	if (r->contradicted.n)
		guard_strv_push(u, guard_xasprintf("%zu self-reported event(s) named a sender the kernel contradicts: "
						   "a process in the sandbox forged them (see 'Contradicted')",
						   r->contradicted.n));
	guard_strv_push(u, guard_xstrdup("events told by the process itself (shim) are its claims: a process can "
					 "forge or withhold them; the kernel observer's and the proxy's are facts"));
	guard_strv_push(u, guard_xstrdup("each process logs the first attempt per operation and path (repeats are "
					 "not counted); stat, access, readlink and chdir are not logged"));
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
	merge_files(&b);
	merge_hosts(&b);
	merge_denials(&b);
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
