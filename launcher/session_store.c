/* The session log writer (session.h). Only the supervisor writes, outside the sandbox.
 *
 * Durability without fsync: every event line is one write(2) on an O_APPEND descriptor, so the kernel has it
 * the moment the call returns (a SIGKILL of the supervisor or of any sandboxed process loses nothing), and
 * appends from several writers never interleave within a line (the inode lock serializes O_APPEND writes to a
 * regular file). session.json is replaced by rename(2), so a reader sees the old or the new one, never half. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "json_write.h"
#include "session.h"
#include "verdict.h"

struct guard_session {
	char *dir;
	int dirfd, events_fd;
	struct guard_buf head; /* session.json up to (not including) the end fields, for the final rewrite */
	long long start;
	unsigned events, denials, lost;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *guard_session_root(void)
{
	const char *x = getenv("XDG_STATE_HOME");
	if (x && x[0] == '/')
		return guard_path_join(x, "guard/sessions");
	const char *h = getenv("HOME");
	if (!h || h[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		h = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/";
	}
	return guard_path_join(h, ".local/state/guard/sessions");
}

char *guard_session_new_id(void)
{
	unsigned char r[3] = {0};
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
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
	guard_buf_printf(&b, "\"events\":%u,\n\"denials\":%u,\n\"lost\":%u}\n", s->events, s->denials, s->lost);
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

struct guard_session *guard_session_create(const struct guard_session_info *info, const void *image,
					   size_t image_len, char *why, size_t whylen)
{
	char *root = guard_session_root();
	char *own_id = info->id ? NULL : guard_session_new_id();
	const char *id = info->id ? info->id : own_id;
	struct guard_session *s = guard_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->dirfd = s->events_fd = -1;
	s->start = now_ms();
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
	s->events_fd = openat(s->dirfd, "events.jsonl", O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			      0600);
	if (s->events_fd < 0)
		goto fail;
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
 * namespace, while `pid` is the host's: the process tree must use one numbering, so ask /proc. */
static long host_ppid(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/%ld/status", (long)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *l = strstr(buf, "\nPPid:");
	return l ? strtol(l + 6, NULL, 10) : 0;
}

static bool denial_errno(int err)
{
	return err == EACCES || err == EPERM || err == EXDEV || err == EROFS || err == EBUSY;
}

/* The verdict on the event's path (resolved against its cwd), trying it as a file and then as a directory:
 * the log does not know which it was, and a directory rule ("secrets/") only matches directories. */
static bool verdict_for(const struct guard_image *img, enum guard_op op, const char *path, const char *cwd,
			struct guard_verdict *v)
{
	memset(v, 0, sizeof *v);
	char *joined = path[0] == '/' ? NULL : cwd && cwd[0] == '/' ? guard_path_join(cwd, path) : NULL;
	if (path[0] != '/' && !joined)
		return false; /* relative to an unknown directory: no verdict */
	char *norm = guard_path_normalize(joined ? joined : path);
	guard_verdict_of(img, op, norm, false, v);
	if (v->allowed) {
		struct guard_verdict d;
		guard_verdict_of(img, op, norm, true, &d);
		if (!d.allowed && d.winner)
			*v = d;
	}
	free(norm);
	free(joined);
	return true;
}

static void rule_json(struct guard_buf *b, const struct guard_image *img, const struct guard_image_rule *r)
{
	if (!r) {
		guard_buf_puts(b, "null");
		return;
	}
	static const char *const kinds[] = {"read", "write", "deny", "protect"};
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

void guard_session_event(struct guard_session *s, const struct guard_event *ev, const struct guard_image *img,
			 pid_t pid)
{
	if (!s || s->events_fd < 0)
		return;
	/* The deciding rule: the sender's when it names one in the image (it may know more, e.g. that the path
	 * is a directory), else the image's own verdict. "denied" needs a denial errno that the policy explains:
	 * a deny/protect rule, or no grant for this access (default deny). EACCES on a granted path is a file
	 * mode, not guard: "failed". */
	const struct guard_image_rule *sender = NULL;
	struct guard_verdict v = {0};
	bool path_op = guard_op_is_path(ev->op) && ev->path;
	bool judged = img && path_op && verdict_for(img, ev->op, ev->path, ev->cwd, &v);
	if (img && ev->rule >= 1 && ev->rule <= img->h->nrules)
		sender = &img->rules[ev->rule - 1];
	const struct guard_image_rule *rule = sender ? sender : v.winner;
	const char *result = "allowed";
	if (ev->err != 0) {
		bool sender_denies = sender && (sender->kind == GUARD_DENY || sender->kind == GUARD_PROTECT) &&
				     !(sender->flags & GUARD_IRULE_NEGATED);
		bool policy_denies = path_op ? judged && !v.allowed
					     : ev->err == EACCES || ev->err == EPERM; /* network: off unless allowed */
		result = "failed";
		if (denial_errno(ev->err) && (sender_denies || policy_denies)) {
			result = "denied";
			if (!sender_denies)
				rule = v.winner;
		}
	}

	long ppid = ev->ppid;
	if ((ppid <= 0 || pid != ev->pid) && pid > 0)
		ppid = host_ppid(pid);

	struct guard_buf b = {0};
	char eb[16];
	guard_buf_printf(&b, "{\"t\":%lld,\"origin\":\"%s\",\"pid\":%ld,\"ppid\":%ld,\"op\":", now_ms(),
			 ev->origin == GUARD_ORIGIN_OBSERVER ? "observer" : "shim", (long)pid, ppid);
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
	rule_json(&b, img, rule);
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
	guard_buf_printf(&b, ",\"truncated\":%s}\n", (ev->flags & GUARD_EVF_TRUNCATED) ? "true" : "false");

	/* One write per line: see the top of this file. A short write (disk full) is finished with a newline so
	 * the next line starts clean; readers skip the torn one. */
	ssize_t k;
	do
		k = write(s->events_fd, b.p, b.len);
	while (k < 0 && errno == EINTR);
	if (k != (ssize_t)b.len) {
		s->lost++;
		if (k > 0)
			(void)!write(s->events_fd, "\n", 1);
	} else {
		s->events++;
		if (strcmp(result, "denied") == 0)
			s->denials++;
	}
	guard_buf_free(&b);
}

unsigned guard_session_finish(struct guard_session *s, int exit_status)
{
	if (!s)
		return 0;
	unsigned denials = s->denials;
	write_session_json(s, true, exit_status);
	session_free(s);
	return denials;
}

const char *guard_session_dir(const struct guard_session *s)
{
	return s ? s->dir : NULL;
}
