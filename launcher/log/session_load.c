/* Reading sessions back (see session_read.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/session.h"
#include "log/session_read.h"
#include "lib/image_file.h"
#include "policy/verdict.h"

#define SESSION_JSON_MAX (1u << 20)
#define EVENT_LINE_MAX (1u << 20) /* a line is at most ~6 x GUARD_EVENT_MAX; anything far longer is garbage */

/* Read a whole small file (at most max bytes) opened without following a final symlink. */
static int slurp(const char *path, size_t max, char **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : (size_t)st.st_size > max ? EFBIG : 0;
	if (e) {
		close(fd);
		errno = e;
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = guard_xmalloc(cap);
	for (;;) {
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		if (len == cap) /* grew since fstat: keep what was there */
			break;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

static long long int_or(const struct guard_json *o, const char *key, long long dflt)
{
	long long v;
	return guard_json_int_of(o, key, &v) ? v : dflt;
}

/* A string array (NULL-terminated copy of the pointers), or NULL when the value is not one. */
static const char **str_array(const struct guard_json *v, size_t *n)
{
	*n = 0;
	if (!v || v->type != GUARD_JSON_ARRAY)
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i].type != GUARD_JSON_STRING)
			return NULL;
	const char **a = guard_xmalloc((v->len + 1) * sizeof *a);
	for (size_t i = 0; i < v->len; i++)
		a[i] = v->items[i].s;
	a[v->len] = NULL;
	*n = v->len;
	return a;
}

int guard_session_read_open(struct guard_session_read *s, const char *dir, char *why, size_t whylen)
{
	memset(s, 0, sizeof *s);
	char *path = guard_path_join(dir, "session.json"), *buf;
	size_t len;
	char err[160];
	if (slurp(path, SESSION_JSON_MAX, &buf, &len) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	s->doc = guard_json_parse(buf, len, NULL, err, sizeof err);
	free(buf);
	const struct guard_json *r = guard_json_root(s->doc);
	const char *id = guard_json_str_of(r, "id");
	if (!s->doc || !id) {
		snprintf(why, whylen, "%s: %s", path, s->doc ? "no session id" : err);
		guard_json_free(s->doc);
		s->doc = NULL;
		free(path);
		return -1;
	}
	free(path);
	s->dir = guard_xstrdup(dir);
	s->id = guard_xstrdup(id);
	s->argv = str_array(guard_json_get(r, "argv"), &s->nargv);
	if (!s->argv) {
		s->argv = guard_xmalloc(sizeof *s->argv);
		s->argv[0] = NULL;
	}
	s->cwd = guard_json_str_of(r, "cwd");
	s->project = guard_json_str_of(r, "project");
	s->home = guard_json_str_of(r, "home");
	s->profile = guard_json_str_of(r, "profile");
	s->mode = guard_json_str_of(r, "mode");
	s->unobserved = guard_json_str_of(r, "unobserved");
	s->abi = int_or(r, "abi", -1);
	s->guard_pid = int_or(r, "guard_pid", -1);
	s->start = int_or(r, "start", -1);
	s->end = int_or(r, "end", -1);
	s->exit = int_or(r, "exit", -1);
	s->events = int_or(r, "events", -1);
	s->denials = int_or(r, "denials", -1);
	s->lost = int_or(r, "lost", -1);
	const struct guard_json *log = guard_json_get(r, "log");
	if (log && log->type == GUARD_JSON_OBJECT) {
		s->log.present = true;
		s->log.cap = int_or(log, "cap", -1);
		s->log.detail = int_or(log, "detail", -1);
		s->log.bytes = int_or(log, "bytes", -1);
		s->log.limited_at = int_or(log, "limited_at", -1);
		s->log.allowed_unrecorded = int_or(log, "allowed_unrecorded", 0);
		s->log.repeats = int_or(log, "repeats", 0);
		s->log.summarised = int_or(log, "summarised", 0);
		s->log.summarised_other = int_or(log, "summarised_other", 0);
		s->log.limited = guard_json_str_of(log, "limited");
		s->log.summarised_why = guard_json_str_of(log, "summarised_why");
		s->log.free_margin = guard_json_str_of(log, "free_margin");
		const struct guard_json *sum = guard_json_get(log, "summary");
		s->log.summary = sum && sum->type == GUARD_JSON_ARRAY ? sum : NULL;
	}
	guard_json_bool_of(r, "shim", &s->shim);
	guard_json_bool_of(r, "observer", &s->observer);
	s->finished = s->end >= 0;

	char *img = guard_path_join(dir, "policy.img");
	char ignored[256];
	s->have_image = guard_image_read(img, &s->img, &s->image_buf, ignored, sizeof ignored) == 0;
	free(img);
	return 0;
}

void guard_session_read_close(struct guard_session_read *s)
{
	free(s->dir);
	free(s->id);
	free(s->argv);
	free(s->image_buf);
	guard_json_free(s->doc);
	memset(s, 0, sizeof *s);
}

/* A string or null member: false when present with another type (the line is then not a valid event). */
static bool opt_str(const struct guard_json *o, const char *key, const char **out)
{
	const struct guard_json *v = guard_json_get(o, key);
	*out = v && v->type == GUARD_JSON_STRING ? v->s : NULL;
	return !v || v->type == GUARD_JSON_NULL || v->type == GUARD_JSON_STRING;
}

static bool opt_int(const struct guard_json *o, const char *key, long long *out)
{
	const struct guard_json *v = guard_json_get(o, key);
	*out = -1;
	if (v && v->type == GUARD_JSON_NUMBER && v->is_int)
		*out = v->i;
	return !v || v->type == GUARD_JSON_NULL || (v->type == GUARD_JSON_NUMBER && v->is_int);
}

static char *absolute(const char *path, const char *cwd)
{
	if (!path || !path[0])
		return NULL;
	if (path[0] == '/')
		return guard_path_normalize(path);
	if (!cwd || cwd[0] != '/')
		return NULL;
	char *j = guard_path_join(cwd, path);
	char *n = guard_path_normalize(j);
	free(j);
	return n;
}

void guard_session_read_event_free(struct guard_session_read_event *ev, struct guard_json_doc *doc)
{
	free(ev->argv);
	free(ev->abs);
	free(ev->abs2);
	guard_json_free(doc);
	memset(ev, 0, sizeof *ev);
}

int guard_session_read_event_parse(const char *line, size_t len, struct guard_session_read_event *ev,
				   struct guard_json_doc **docp)
{
	static const struct guard_json_limits lim = {.max_len = EVENT_LINE_MAX, .depth = 4, .max_nodes = 1u << 16};
	memset(ev, 0, sizeof *ev);
	*docp = NULL;
	struct guard_json_doc *doc = guard_json_parse(line, len, &lim, NULL, 0);
	const struct guard_json *o = guard_json_root(doc), *rule, *argv;
	bool ok = o && o->type == GUARD_JSON_OBJECT;
	ok = ok && opt_int(o, "t", &ev->t) && opt_int(o, "pid", &ev->pid) && opt_int(o, "ppid", &ev->ppid) &&
	     opt_int(o, "claimed_pid", &ev->claimed_pid);
	ok = ok && opt_str(o, "origin", &ev->origin) && opt_str(o, "op", &ev->op) && opt_str(o, "path", &ev->path) &&
	     opt_str(o, "path2", &ev->path2) && opt_str(o, "cwd", &ev->cwd) && opt_str(o, "result", &ev->result) &&
	     opt_str(o, "errno", &ev->err);
	ok = ok && ev->op && ev->result; /* the two fields every use needs */
	long long count = 1;
	ok = ok && opt_int(o, "count", &count);
	ev->count = count > 0 ? (unsigned long long)count : 1;
	if (ok && (rule = guard_json_get(o, "rule")) && rule->type != GUARD_JSON_NULL) {
		struct guard_session_read_rule *r = &ev->rule;
		ok = rule->type == GUARD_JSON_OBJECT && opt_str(rule, "kind", &r->kind) &&
		     opt_str(rule, "pattern", &r->pattern) && opt_str(rule, "file", &r->file) &&
		     opt_str(rule, "source", &r->source) && opt_int(rule, "line", &r->line) &&
		     opt_int(rule, "col", &r->col) && r->kind && r->pattern;
		ev->has_rule = ok;
	}
	if (ok && (argv = guard_json_get(o, "argv")) && argv->type != GUARD_JSON_NULL) {
		ev->argv = str_array(argv, &ev->nargv);
		ok = ev->argv != NULL;
	}
	const struct guard_json *tr = guard_json_get(o, "truncated");
	ev->truncated = tr && tr->type == GUARD_JSON_TRUE;
	ev->net_reason = guard_json_str_of(guard_json_get(o, "net"), "reason");
	if (!ok) {
		guard_session_read_event_free(ev, doc);
		return -1;
	}
	if (guard_op_is_path(guard_op_from_name(ev->op))) {
		ev->abs = absolute(ev->path, ev->cwd);
		ev->abs2 = absolute(ev->path2, ev->cwd);
	}
	*docp = doc;
	return 0;
}

/* guard's own words in the log (session.h): the log's bounds took effect. */
static bool is_note(const struct guard_session_read_event *ev)
{
	return ev->origin && strcmp(ev->origin, "guard") == 0 && strcmp(ev->result, "note") == 0;
}

int guard_session_read_events(const struct guard_session_read *s, guard_session_read_event_fn fn, void *ctx,
			      struct guard_session_read_stats *st)
{
	struct guard_session_read_stats dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	char *path = guard_path_join(s->dir, "events.jsonl");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd < 0) {
		st->missing = errno == ENOENT;
		return st->missing ? 0 : -1;
	}
	/* Lines are assembled in `line` (bounded); a longer one is dropped up to its newline. */
	char *chunk = guard_xmalloc(65536), *line = guard_xmalloc(EVENT_LINE_MAX);
	size_t ll = 0;
	bool skipping = false, stop = false;
	for (;;) {
		ssize_t k = read(fd, chunk, 65536);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (size_t i = 0; i < (size_t)k && !stop;) {
			char *nl = memchr(chunk + i, '\n', (size_t)k - i);
			size_t n = nl ? (size_t)(nl - (chunk + i)) : (size_t)k - i;
			if (!skipping && ll + n <= EVENT_LINE_MAX) {
				memcpy(line + ll, chunk + i, n);
				ll += n;
			} else {
				skipping = true;
			}
			i += n + (nl ? 1 : 0);
			if (!nl)
				break;
			st->lines++;
			struct guard_session_read_event ev;
			struct guard_json_doc *doc;
			if (skipping || guard_session_read_event_parse(line, ll, &ev, &doc) != 0) {
				st->malformed++;
			} else if (is_note(&ev)) {
				if (st->notes < sizeof st->note / sizeof *st->note)
					snprintf(st->note[st->notes], sizeof st->note[0], "%s",
						 guard_json_str_of(guard_json_root(doc), "note") ?: "");
				st->notes++;
				guard_session_read_event_free(&ev, doc);
			} else {
				ev.lineno = st->lines;
				stop = !fn(&ev, ctx);
				guard_session_read_event_free(&ev, doc);
			}
			ll = 0;
			skipping = false;
		}
		if (stop)
			break;
	}
	if (!stop && (ll > 0 || skipping))
		st->partial = true;
	free(chunk);
	free(line);
	close(fd);
	return 0;
}

/* ---- finding sessions ---------------------------------------------------------------------------------- */

struct listed {
	char *name;
	long long start;
};

static int newest_first(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? 1 : -1;
	return -strcmp(x->name, y->name);
}

/* The start time from session.json, cheaply; -1 when unreadable. */
static long long start_of(const char *root, const char *name)
{
	char *dir = guard_path_join(root, name), *path = guard_path_join(dir, "session.json"), *buf;
	size_t len;
	long long start = -1;
	if (slurp(path, SESSION_JSON_MAX, &buf, &len) == 0) {
		struct guard_json_doc *doc = guard_json_parse(buf, len, NULL, NULL, 0);
		guard_json_int_of(guard_json_root(doc), "start", &start);
		guard_json_free(doc);
		free(buf);
	}
	free(dir);
	free(path);
	return start;
}

int guard_session_read_list(const char *root, struct guard_strv *ids)
{
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	struct listed *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *dir = guard_path_join(root, e->d_name);
		struct stat st;
		bool is_dir = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
		free(dir);
		if (!is_dir)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = guard_xrealloc(v, cap * sizeof *v);
		}
		v[n].name = guard_xstrdup(e->d_name);
		v[n].start = start_of(root, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof *v, newest_first);
	for (size_t i = 0; i < n; i++)
		guard_strv_push(ids, v[i].name);
	free(v);
	return 0;
}

char *guard_session_read_find(const char *id, bool *none, char *why, size_t whylen)
{
	char *root = guard_session_root(), *found = NULL;
	struct guard_strv ids = {0};
	*none = false;
	if (guard_session_read_list(root, &ids) != 0) {
		snprintf(why, whylen, "cannot read %s: %s", root, strerror(errno));
	} else if (ids.n == 0) {
		*none = true;
		snprintf(why, whylen, "no sessions recorded yet (in %s)", root);
	} else if (!id) {
		found = guard_path_join(root, ids.v[0]);
	} else if (!id[0] || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
		snprintf(why, whylen, "\"%.200s\" is not a session id", id);
	} else {
		size_t matches = 0, n = strlen(id);
		const char *hit = NULL;
		for (size_t i = 0; i < ids.n; i++) {
			if (strcmp(ids.v[i], id) == 0) {
				hit = ids.v[i];
				matches = 1;
				break;
			}
			if (strncmp(ids.v[i], id, n) == 0)
				hit = ids.v[i], matches++;
		}
		if (matches == 1)
			found = guard_path_join(root, hit);
		else
			snprintf(why, whylen, "%s session \"%.200s\" in %s", matches ? "more than one" : "no", id,
				 root);
	}
	guard_strv_clear(&ids);
	free(root);
	return found;
}
