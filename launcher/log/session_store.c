/* The session log writer (session.h). Only the supervisor writes, outside the sandbox.
 *
 * Durability without fsync: every event line is one write(2) on an O_APPEND descriptor, so the kernel has it
 * the moment the call returns (a SIGKILL of the supervisor or of any sandboxed process loses nothing), and
 * appends from several writers never interleave within a line (the inode lock serializes O_APPEND writes to a
 * regular file). session.json is replaced by rename(2), so a reader sees the old or the new one, never half. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/guard.h"
#include "lib/json_write.h"
#include "log/session.h"
#include "log/session_limit.h"
#include "log/session_repeat.h"
#include "policy/verdict.h"
#include "lib/fileio.h"
#include "lib/proc.h"
#include "lib/random.h"

struct guard_session {
	char *dir;
	int dirfd, events_fd;
	struct guard_buf head; /* session.json up to (not including) the end fields, for the final rewrite */
	long long start;
	/* The supervisor's loop and the proxy's threads write: one lock around the bounds, the repeat table and the
	 * counters (uncontended but for the proxy). */
	pthread_mutex_t lock;
	struct guard_log_limits limits;
	struct guard_log_limiter *limiter;
	struct guard_repeats *repeats;
	unsigned events, denials;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *guard_session_root(void)
{
	char *state = guard_state_dir();
	char *root = guard_path_join(state, "sessions");
	free(state);
	return root;
}

char *guard_session_new_id(void)
{
	unsigned char r[3] = {0};
	if (guard_random_bytes(r, sizeof r, false) != 0) {
		/* Only uniqueness matters here (mkdir fails on a clash), not secrecy. */
		unsigned x = (unsigned)getpid() ^ (unsigned)now_ms();
		r[0] = (unsigned char)x, r[1] = (unsigned char)(x >> 8), r[2] = (unsigned char)(x >> 16);
	}
	time_t t = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	return guard_xasprintf("%s-%02x%02x%02x", stamp, r[0], r[1], r[2]);
}

/* mkdir -p with 0700 for what it creates: the log is private (existing directories are left as they are). */
static int make_dirs(const char *path)
{
	char *p = guard_xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write a new file in the session directory: a temporary name, then rename, so readers never see half. */
static int put_file(int dirfd, const char *name, const void *data, size_t len)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, len);
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0)
		rc = renameat(dirfd, tmp, dirfd, name);
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

static void json_key_str(struct guard_buf *b, const char *key, const char *val)
{
	guard_buf_printf(b, "\"%s\":", key);
	guard_json_str(b, val);
	guard_buf_puts(b, ",\n");
}

/* session.json's fields known at the start (the end fields follow; see write_session_json). */
static void session_head(struct guard_session *s, const struct guard_session_info *info, const char *id)
{
	struct guard_buf *b = &s->head;
	guard_buf_printf(b, "{\"version\":1,\n");
	json_key_str(b, "id", id);
	guard_buf_puts(b, "\"argv\":[");
	for (size_t i = 0; info->argv && info->argv[i]; i++) {
		if (i)
			guard_buf_puts(b, ",");
		guard_json_str(b, info->argv[i]);
	}
	guard_buf_puts(b, "],\n");
	json_key_str(b, "cwd", info->cwd);
	json_key_str(b, "project", info->project);
	json_key_str(b, "home", info->home);
	json_key_str(b, "profile", info->profile);
	json_key_str(b, "mode", info->mode);
	guard_buf_printf(b, "\"abi\":%d,\n\"shim\":%s,\n\"observer\":%s,\n", info->abi, info->shim ? "true" : "false",
			 info->observer ? "true" : "false");
	json_key_str(b, "unobserved", info->unobserved);
	guard_buf_puts(b, "\"passthrough\":[");
	for (size_t i = 0; info->passthrough && info->passthrough[i]; i++) {
		if (i)
			guard_buf_puts(b, ",");
		guard_json_str(b, info->passthrough[i]);
	}
	guard_buf_puts(b, "],\n");
	guard_buf_printf(b, "\"guard_pid\":%ld,\n\"start\":%lld,\n", (long)getpid(), s->start);
}

static int write_session_json(struct guard_session *s, bool finished, int exit_status)
{
	struct guard_buf b = {0};
	guard_buf_put(&b, s->head.p, s->head.len);
	if (finished)
		guard_buf_printf(&b, "\"end\":%lld,\n\"exit\":%d,\n", now_ms(), exit_status);
	else
		guard_buf_puts(&b, "\"end\":null,\n\"exit\":null,\n");
	/* "lost": 0 since a line that cannot be written is counted (session_limit.h); older guards wrote more. */
	guard_buf_printf(&b, "\"events\":%u,\n\"denials\":%u,\n\"lost\":0", s->events, s->denials);
	if (s->limiter) {
		guard_buf_puts(&b, ",\n");
		guard_log_limiter_json(s->limiter, &b);
	}
	guard_buf_puts(&b, "}\n");
	int rc = put_file(s->dirfd, "session.json", b.p, b.len);
	guard_buf_free(&b);
	return rc;
}

static void session_free(struct guard_session *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->events_fd >= 0)
		close(s->events_fd);
	guard_buf_free(&s->head);
	guard_log_limiter_free(s->limiter);
	guard_repeats_free(s->repeats);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 128 || id[0] == '.')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

struct guard_session *guard_session_create(const struct guard_session_info *info, const void *image, size_t image_len,
					   char *why, size_t whylen)
{
	char *root = guard_session_root();
	char *own_id = info->id ? NULL : guard_session_new_id();
	const char *id = info->id ? info->id : own_id;
	struct guard_session *s = guard_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->dirfd = s->events_fd = -1;
	s->start = now_ms();
	pthread_mutex_init(&s->lock, NULL);
	s->limits = info->log;
	s->dir = guard_path_join(root, id);
	const char *step = "creating";
	const char *what = root;

	if (!valid_id(id)) {
		errno = EINVAL;
		what = id;
		goto fail;
	}
	if (make_dirs(root) != 0)
		goto fail;
	what = s->dir;
	if (mkdir(s->dir, 0700) != 0)
		goto fail;
	step = "opening";
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0)
		goto fail;
	step = "writing policy.img in";
	if (image && put_file(s->dirfd, "policy.img", image, image_len) != 0)
		goto fail;
	session_head(s, info, id);
	step = "writing session.json in";
	if (write_session_json(s, false, 0) != 0)
		goto fail;
	step = "creating events.jsonl in";
	s->events_fd =
		openat(s->dirfd, "events.jsonl", O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->events_fd < 0)
		goto fail;
	s->limiter = guard_log_limiter_new(&s->limits, s->events_fd, 0);
	s->repeats = guard_repeats_new();
	free(root);
	free(own_id);
	return s;
fail:
	snprintf(why, whylen, "%s %s: %s", step, what, strerror(errno));
	session_free(s);
	free(root);
	free(own_id);
	return NULL;
}

/* The parent as the host sees it. A process in the sandbox's PID namespace reports its parent in that
 * namespace, while `pid` is the host's: the process tree must use one numbering, so ask /proc. A process sends
 * many events: remember the answer per (host pid, own pid) pair, which a reused pid is unlikely to repeat, and
 * take a fresh one (`known`) when the caller has it: every exec is asked afresh, so a pid reused by a new
 * program never keeps its predecessor's parent. */
static struct {
	pid_t pid; /* host */
	int own;   /* as the process numbers itself */
	long ppid; /* host */
} cache[256];

static void remember(pid_t pid, int own_pid, long ppid)
{
	unsigned slot = (unsigned)pid % 256;
	cache[slot].pid = pid;
	cache[slot].own = own_pid;
	cache[slot].ppid = ppid;
}

static long host_ppid(pid_t pid, int own_pid, long known)
{
	unsigned slot = (unsigned)pid % 256;
	if (known <= 0 && cache[slot].pid == pid && cache[slot].own == own_pid && cache[slot].ppid > 0)
		return cache[slot].ppid;
	long ppid = known > 0 ? known : guard_proc_parent(pid);
	if (ppid <= 0)
		return 0;
	remember(pid, own_pid, ppid);
	return ppid;
}

/* The host pid of the process that numbers itself `own`, among those seen (cache); 0 when none. */
static long host_pid_of_own(int own)
{
	for (size_t i = 0; i < sizeof cache / sizeof *cache; i++)
		if (cache[i].own == own && cache[i].pid > 0)
			return cache[i].pid;
	return 0;
}

void guard_session_note_parent(struct guard_session *s, pid_t pid, int own_pid, long parent)
{
	if (s && pid > 0 && parent > 0)
		host_ppid(pid, own_pid, parent);
}

static bool denial_errno(int err)
{
	return err == EACCES || err == EPERM || err == EXDEV || err == EROFS || err == EBUSY;
}

/* The event's path made absolute (against its cwd) and normalized; NULL when relative to an unknown directory. */
static char *event_path(const char *path, const char *cwd)
{
	if (path[0] == '/')
		return guard_path_normalize(path);
	if (!cwd || cwd[0] != '/')
		return NULL;
	char *joined = guard_path_join(cwd, path);
	char *norm = guard_path_normalize(joined);
	free(joined);
	return norm;
}

/* The verdict, tried as a file and then as a directory: the log does not know which the path was, and a
 * directory rule ("secrets/") only matches directories. */
static void verdict_any(const struct guard_image *img, enum guard_op op, const char *path, struct guard_verdict *v)
{
	guard_verdict_of(img, op, path, false, v);
	if (v->allowed) {
		struct guard_verdict d;
		guard_verdict_of(img, op, path, true, &d);
		if (!d.allowed && d.winner)
			*v = d;
	}
}

static void rule_json(struct guard_buf *b, const struct guard_image *img, const struct guard_image_rule *r)
{
	if (!r) {
		guard_buf_puts(b, "null");
		return;
	}
	static const char *const kinds[] = {"read", "write", "deny", "protect", "exec.deny"};
	static const char *const sources[] = {"profile", "user", "project", "flag"};
	char written[4100];
	snprintf(written, sizeof written, "%s%s", (r->flags & GUARD_IRULE_NEGATED) ? "!" : "",
		 guard_image_str(img, r->written));
	guard_buf_printf(b, "{\"kind\":\"%s\",\"pattern\":", kinds[r->kind]);
	guard_json_str(b, written);
	guard_buf_puts(b, ",\"file\":");
	guard_json_str(b, guard_image_str(img, r->file));
	guard_buf_printf(b, ",\"line\":%u,\"col\":%u,\"source\":\"%s\"}", r->line, r->col, sources[r->source]);
}

/* ---- writing under the log's bounds (session_limit.h, session_repeat.h); the caller holds s->lock ---- */

/* A tag kept with a line in the repeat table: whether it was a denial, and its summary key. */
struct line_tag {
	bool denied;
	char key[];
};

static struct line_tag *make_tag(bool denied, const char *key)
{
	size_t n = key ? strlen(key) : 0;
	struct line_tag *t = guard_xmalloc(sizeof *t + n + 1);
	t->denied = denied;
	memcpy(t->key, key ? key : "", n + 1);
	return t;
}

static bool write_line(struct guard_session *s, const char *p, size_t n)
{
	/* One write per line: see the top of this file. A short write (disk full) is finished with a newline so
	 * the next line starts clean; readers skip the torn one. */
	ssize_t k;
	do
		k = write(s->events_fd, p, n);
	while (k < 0 && errno == EINTR);
	if (k > 0)
		guard_log_wrote(s->limiter, (size_t)k);
	if (k == (ssize_t)n)
		return true;
	if (k > 0 && write(s->events_fd, "\n", 1) == 1)
		guard_log_wrote(s->limiter, 1);
	return false;
}

static void write_note(struct guard_session *s, const char *note)
{
	struct guard_buf b = {0};
	guard_buf_printf(&b,
			 "{\"t\":%lld,\"origin\":\"guard\",\"pid\":null,\"ppid\":null,\"op\":\"note\",\"path\":null,"
			 "\"path2\":null,\"cwd\":null,\"result\":\"note\",\"errno\":null,\"rule\":null,\"argv\":null,"
			 "\"truncated\":false,\"note\":",
			 now_ms());
	guard_json_str(&b, note);
	guard_buf_puts(&b, "}\n");
	write_line(s, b.p, b.len);
	guard_buf_free(&b);
	write_session_json(s, false, 0); /* the counts so far, should guard not reach the end */
}

static void flush_repeats(struct guard_session *s);

/* One line ({"t":T, then body, which ends in "}\n"), standing for `count` occurrences: written, or counted when
 * the log's bounds say so. */
static void emit(struct guard_session *s, const char *body, size_t blen, unsigned long long count, long long t,
		 const struct line_tag *tag)
{
	struct guard_buf line = {0};
	guard_buf_printf(&line, "{\"t\":%lld,", t);
	if (count > 1) {
		guard_buf_put(&line, body, blen - 2);
		guard_buf_printf(&line, ",\"count\":%llu}\n", count);
	} else {
		guard_buf_put(&line, body, blen);
	}
	char note[512];
	enum guard_log_admit a = guard_log_admit(s->limiter, tag->denied, count > 1, line.len, note, sizeof note);
	if (note[0]) {
		write_note(s, note);
		/* Detail just stopped: the repeats counted so far belong to lines written in detail, write them now. */
		if (!tag->denied)
			flush_repeats(s);
	}
	if (a == GUARD_LOG_WRITE && !write_line(s, line.p, line.len)) {
		/* The filesystem is full after all (someone else filled it): what could not be written is counted
		 * like past the cap, never dropped unsaid, and nothing more is tried. */
		guard_log_out_of_space(s->limiter);
		a = tag->denied ? GUARD_LOG_SUMMARISE : GUARD_LOG_COUNT;
	}
	s->events += (unsigned)count;
	s->denials += tag->denied ? (unsigned)count : 0;
	if (a == GUARD_LOG_COUNT)
		guard_log_count_allowed(s->limiter, count);
	else if (a == GUARD_LOG_SUMMARISE)
		guard_log_summarise(s->limiter, tag->key, count);
	guard_buf_free(&line);
}

/* A line held in the repeat table comes back with the number of its repeats: one more copy carries it. */
static void write_repeat(struct guard_session *s, struct guard_repeat_line *rl)
{
	emit(s, rl->body, rl->len, rl->count, rl->last_t, rl->tag);
	free(rl->body);
	free(rl->tag);
}

/* The repeats still held: each written as one more line with its count (caller holds the lock). */
static void flush_repeats(struct guard_session *s)
{
	struct guard_repeat_line rl;
	while (s->repeats && guard_repeats_take(s->repeats, &rl))
		write_repeat(s, &rl);
}

/* body: the line after its time stamp, from "origin" to "}\n". key: the summary key of a denial. */
static void log_line(struct guard_session *s, const struct guard_buf *body, bool denied, const char *key)
{
	long long t = now_ms();
	struct line_tag *tag = make_tag(denied, key);
	struct guard_repeat_line evicted;
	pthread_mutex_lock(&s->lock);
	enum guard_repeat_seen seen = guard_repeats_seen(s->repeats, body->p, body->len, t, tag, &evicted);
	if (seen == GUARD_REPEAT) {
		guard_log_repeated(s->limiter);
	} else {
		if (evicted.body)
			write_repeat(s, &evicted);
		emit(s, body->p, body->len, 1, t, tag);
	}
	pthread_mutex_unlock(&s->lock);
	if (seen != GUARD_REPEAT_NEW_HELD)
		free(tag);
}

/* The exec.deny entry that refuses this exec (its path and argv as the sender gave them), or NULL: the file rules
 * alone would call an exec.deny refusal of a readable program a mere failure. */
static const struct guard_image_rule *exec_rule(const struct guard_image *img, const struct guard_event *ev)
{
	if (!img || (ev->err != EACCES && ev->err != EPERM))
		return NULL;
	char *argv[65];
	unsigned n = 0;
	for (const char *a = ev->argv; a && n < ev->nargv && n < 64; a += strlen(a) + 1)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	const struct guard_image_rule *r = guard_image_exec_match(img, ev->path, n ? argv : NULL);
	return r && !(r->flags & GUARD_IRULE_NEGATED) ? r : NULL;
}

void guard_session_event(struct guard_session *s, const struct guard_event *ev, const struct guard_image *img,
			 pid_t pid)
{
	if (!s || s->events_fd < 0)
		return;
	/* The deciding rule: the sender's when it names one in the image (it may know more, e.g. that the path
	 * is a directory), else the image's own verdict. "denied" needs a denial errno that the policy explains:
	 * a deny/protect rule, or no grant for this access (default deny); EACCES on a granted path is a file
	 * mode, not guard: "failed". The full verdict walks the policy once per path component and the supervisor
	 * serves the observer in the same loop, so it is computed only for a denial errno; any other call gets
	 * the grant that covers it (two passes over the rules), unless the sender named the rule. */
	const struct guard_image_rule *sender = NULL, *rule = NULL;
	bool path_op = guard_op_is_path(ev->op) && ev->path;
	if (img && ev->rule >= 1 && ev->rule <= img->h->nrules)
		sender = &img->rules[ev->rule - 1];
	char *abs = img && path_op && (denial_errno(ev->err) || !sender) ? event_path(ev->path, ev->cwd) : NULL;
	const char *result = ev->err == 0 ? "allowed" : "failed";
	if (denial_errno(ev->err)) {
		bool sender_denies = sender && (sender->kind == GUARD_DENY || sender->kind == GUARD_PROTECT) &&
				     !(sender->flags & GUARD_IRULE_NEGATED);
		struct guard_verdict v = {0};
		if (abs)
			verdict_any(img, ev->op, abs, &v);
		bool policy_denies = path_op ? abs && !v.allowed
					     : ev->err == EACCES || ev->err == EPERM; /* network: off unless allowed */
		rule = sender ? sender : v.winner;
		if (sender_denies || policy_denies) {
			result = "denied";
			rule = sender_denies ? sender : v.winner;
		}
		const struct guard_image_rule *by_exec = ev->op == GUARD_OP_EXEC ? exec_rule(img, ev) : NULL;
		if (by_exec) { /* exec.deny refused it, whatever the file's grants say */
			result = "denied";
			rule = by_exec;
		}
	} else if (sender) {
		rule = sender;
	} else if (abs) {
		rule = guard_image_grant(img, GUARD_WRITE, abs, false);
		if (!rule && !guard_op_is_write(ev->op))
			rule = guard_image_grant(img, GUARD_READ, abs, false);
	}
	free(abs);

	/* A parent the observer read from /proc (at an exec) is the host's: it refreshes the memory for the opens
	 * that follow. */
	long ppid = ev->ppid;
	if (pid > 0 && pid == ev->pid && ppid > 0)
		host_ppid(pid, ev->pid, ppid);
	else if (pid > 0) {
		ppid = host_ppid(pid, ev->pid, 0);
		/* Ended before we looked (a `cat` whose datagram waited behind a busy machine): its own word for its
		 * parent, in the numbers of a process seen before (alive, or ended like it), places it in the tree; like
		 * every shim event, a claim. */
		if (ppid <= 0 && ev->origin == GUARD_ORIGIN_SHIM && !(ev->flags & GUARD_EVF_PID_CONTRADICTED)) {
			if (ev->ppid > 0)
				ppid = host_pid_of_own(ev->ppid);
			remember(pid, ev->pid, ppid); /* so that its own children, also ended, find it */
		}
	}

	struct guard_buf b = {0}, rj = {0}, key = {0};
	char eb[16];
	const char *origin = ev->origin == GUARD_ORIGIN_OBSERVER ? "observer" : "shim";
	rule_json(&rj, img, rule);
	guard_buf_printf(&b, "\"origin\":\"%s\",\"pid\":%ld,\"ppid\":%ld,\"op\":", origin, (long)pid, ppid);
	guard_json_str(&b, guard_op_name(ev->op));
	guard_buf_puts(&b, ",\"path\":");
	guard_json_str(&b, ev->path);
	guard_buf_puts(&b, ",\"path2\":");
	guard_json_str(&b, ev->path2);
	guard_buf_puts(&b, ",\"cwd\":");
	guard_json_str(&b, ev->cwd);
	guard_buf_printf(&b, ",\"result\":\"%s\",\"errno\":", result);
	guard_json_str(&b, ev->err ? guard_errno_name(ev->err, eb, sizeof eb) : NULL);
	guard_buf_puts(&b, ",\"rule\":");
	guard_buf_put(&b, rj.p, rj.len);
	guard_buf_puts(&b, ",\"argv\":");
	if (ev->argv && ev->nargv) {
		const char *a = ev->argv;
		guard_buf_puts(&b, "[");
		for (unsigned i = 0; i < ev->nargv; i++) {
			guard_buf_puts(&b, i ? "," : "");
			guard_json_str(&b, a);
			a += strlen(a) + 1;
		}
		guard_buf_puts(&b, "]");
	} else {
		guard_buf_puts(&b, "null");
	}
	guard_buf_printf(&b, ",\"truncated\":%s", (ev->flags & GUARD_EVF_TRUNCATED) ? "true" : "false");
	/* Inside the body, so a forged line is its own line to the repeat table: its repeats are never counted
	 * against an honest line's. */
	if (ev->flags & GUARD_EVF_PID_CONTRADICTED)
		guard_buf_printf(&b, ",\"claimed_pid\":%d", ev->pid);
	guard_buf_puts(&b, "}\n");
	bool denied = strcmp(result, "denied") == 0;
	if (denied) {
		guard_buf_printf(&key, "\"op\":\"%s\",\"origin\":\"%s\",\"rule\":", guard_op_name(ev->op), origin);
		guard_buf_put(&key, rj.p, rj.len);
	}
	log_line(s, &b, denied, denied ? key.p : NULL);
	guard_buf_free(&b);
	guard_buf_free(&rj);
	guard_buf_free(&key);
}

void guard_session_net(struct guard_session *s, const struct guard_net_event *ev)
{
	if (!s || s->events_fd < 0)
		return;
	struct guard_buf b = {0};
	char path[320];
	if (strchr(ev->host, ':'))
		snprintf(path, sizeof path, "[%s]:%u", ev->host, ev->port);
	else
		snprintf(path, sizeof path, "%s:%u", ev->host, ev->port);
	if (ev->pid > 0)
		guard_buf_printf(&b, "\"origin\":\"proxy\",\"pid\":%ld,\"ppid\":%ld,", (long)ev->pid, (long)ev->ppid);
	else
		guard_buf_puts(&b, "\"origin\":\"proxy\",\"pid\":null,\"ppid\":null,");
	guard_buf_puts(&b, "\"op\":\"connect\",\"path\":");
	guard_json_str(&b, path);
	guard_buf_puts(&b, ",\"path2\":null,\"cwd\":null,\"result\":");
	guard_json_str(&b, ev->result);
	guard_buf_puts(&b, ",\"errno\":");
	guard_json_str(&b, ev->err);
	guard_buf_puts(&b, ",\"rule\":");
	if (ev->rule) {
		static const char *const sources[] = {"profile", "user", "project", "flag"};
		guard_buf_puts(&b, "{\"kind\":\"network.allow\",\"pattern\":");
		guard_json_str(&b, ev->rule->written);
		guard_buf_puts(&b, ",\"file\":");
		guard_json_str(&b, ev->rule->at.file);
		guard_buf_printf(&b, ",\"line\":%u,\"col\":%u,\"source\":\"%s\"}", ev->rule->at.line, ev->rule->at.col,
				 sources[ev->rule->at.source & 3]);
	} else {
		guard_buf_puts(&b, "null");
	}
	guard_buf_puts(&b, ",\"argv\":null,\"truncated\":false,\"net\":{\"via\":");
	guard_json_str(&b, ev->via);
	guard_buf_puts(&b, ",\"addr\":");
	guard_json_str(&b, ev->addr);
	guard_buf_printf(&b, ",\"up\":%llu,\"down\":%llu,\"ms\":%lld,\"requests\":%u,\"reason\":", ev->up, ev->down,
			 ev->ms, ev->requests);
	guard_json_str(&b, ev->reason);
	guard_buf_puts(&b, ",\"exe\":");
	guard_json_str(&b, ev->exe);
	guard_buf_puts(&b, "}}\n");
	bool denied = strcmp(ev->result, "denied") == 0;
	struct guard_buf key = {0};
	if (denied) { /* counted past the cap per destination: a refused host is what the user must see */
		guard_buf_puts(&key, "\"op\":\"connect\",\"origin\":\"proxy\",\"rule\":null,\"path\":");
		guard_json_str(&key, path);
	}
	log_line(s, &b, denied, denied ? key.p : NULL);
	guard_buf_free(&key);
	guard_buf_free(&b);
}

unsigned guard_session_finish(struct guard_session *s, int exit_status)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	flush_repeats(s);
	unsigned denials = s->denials;
	pthread_mutex_unlock(&s->lock);
	write_session_json(s, true, exit_status);
	session_free(s);
	return denials;
}

bool guard_session_limited(struct guard_session *s, char *out, size_t len)
{
	if (!s || !s->limiter)
		return false;
	pthread_mutex_lock(&s->lock);
	flush_repeats(s);
	bool r = guard_log_limiter_summary(s->limiter, out, len);
	pthread_mutex_unlock(&s->lock);
	return r;
}

const char *guard_session_dir(const struct guard_session *s)
{
	return s ? s->dir : NULL;
}
