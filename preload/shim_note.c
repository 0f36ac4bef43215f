/* See shim_note.h. The cheap part (lexical path, one hash lookup) runs on every call; everything else only for a
 * target this process has not reported yet, and the explanation only for a refusal. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "shim_dedup.h"
#include "shim_event.h"
#include "guard/explain.h"
#include "shim_note.h"
#include "guard/path.h"
#include "shim_resolve.h"
#include "shim_state.h"
#include "shim_sys.h"
#include "shim_told.h"
#include "shim_tty.h"

#define PATH_CAP 4096

/* The message goes straight to fd 2: the program may have closed or redirected its stdio. */
static void say(const char *msg, size_t len)
{
	while (len) {
		long r = shim_sys3(SYS_write, 2, msg, len);
		if (r == -EINTR)
			continue;
		if (shim_sys_failed(r) || r == 0)
			return;
		msg += r;
		len -= (size_t)r;
	}
}

/* Is there a reader on fd 2 who can act on guard's line? A pipe or a file: yes, that is a tool's output that
 * the agent (or a log) captures. A terminal in raw mode: no, a full-screen program draws over whatever lands
 * there. A pty a process of the session made for a tool (shim_tty.h): yes, the process that made it captures what
 * it shows (an agent's shell tool gives it to the model). The session's own terminal: only a plain command's; in
 * an agent's session it is the agent's TUI, whose human gets the exit summary and `guard report` instead, and its
 * model the agent's hook. */
static bool reader_on_stderr(void)
{
	struct termios t; /* glibc's is larger than the kernel's: TCGETS fills a prefix of it */
	if (shim_sys_failed(shim_sys3(SYS_ioctl, 2, TCGETS, &t)))
		return true;
	if (!(t.c_lflag & ICANON))
		return false;
	return !(shim.img.h->flags & GUARD_IMAGE_AGENT) || shim_tty_tools();
}

/* Print the verdict's message unless quiet, unread, or already printed for this key to this reader in this
 * session (shim_told.h). True when the reader of the program's stderr has guard's explanation of `key`. */
static bool tell(const struct guard_facts *f, const struct guard_refusal *v, const char *key)
{
	if (shim.quiet || !reader_on_stderr())
		return false;
	if (!shim_tls_vfork && !shim_dedup_add(SHIM_DEDUP_MESSAGES, key, strlen(key) + 1))
		return true;
	if (shim_told_before(key, strlen(key) + 1))
		return true; /* another process of the session told this reader */
	char msg[1024];
	size_t n = guard_explain_format(&shim.img, f, v, msg, sizeof msg);
	say(msg, n);
	return n > 0;
}

static void facts_of(const char *path, bool dir_hint, bool *exists, bool *is_dir)
{
	struct stat st;
	*exists = !shim_sys_failed(shim_sys4(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW));
	*is_dir = dir_hint || (*exists && S_ISDIR(st.st_mode));
}

/* Both parents on one filesystem? (an EXDEV there is Landlock's, not the disks') */
static bool same_fs(const char *a, const char *b)
{
	char da[PATH_CAP], db[PATH_CAP];
	struct stat sa, sb;
	return guard_lexpath_split(a, da, sizeof da) && guard_lexpath_split(b, db, sizeof db) &&
	       !shim_sys_failed(shim_sys4(SYS_newfstatat, AT_FDCWD, da, &sa, 0)) &&
	       !shim_sys_failed(shim_sys4(SYS_newfstatat, AT_FDCWD, db, &sb, 0)) && sa.st_dev == sb.st_dev;
}

/* A refusal: gather the facts (kernel-resolved parents, existence, cwd), ask the policy, maybe print, and send
 * the event, which then names the canonical paths. Out of line: its buffers stay off the common path's stack. */
__attribute__((noinline)) static void explain_emit(const struct shim_call *c, struct shim_ev *ev)
{
	char canon[PATH_CAP], canon2[PATH_CAP], cwd[PATH_CAP];
	struct guard_facts f = {.op = c->op, .err = c->err, .cwd = ""};
	struct guard_refusal v;
	shim_canonical_path(c->dirfd, c->path, canon, PATH_CAP);
	facts_of(canon, c->dir_hint, &f.exists, &f.is_dir);
	f.path = canon;
	ev->path = canon;
	if (c->path2 && c->dirfd2 != SHIM_CONTENT_FD) {
		shim_canonical_path(c->dirfd2, c->path2, canon2, PATH_CAP);
		facts_of(canon2, false, &f.exists2, &f.is_dir2);
		f.path2 = canon2;
		ev->path2 = canon2;
		if (c->err == EXDEV)
			f.same_fs = same_fs(canon, canon2);
	}
	if (shim_getcwd(cwd, PATH_CAP) >= 0)
		f.cwd = cwd;
	guard_explain_decide(&shim.img, &f, &v);
	if (v.why == GUARD_WHY_DENY || v.why == GUARD_WHY_PROTECT)
		ev->rule = guard_rule_number(&shim.img, v.rule);
	if (v.why != GUARD_WHY_NONE && tell(&f, &v, v.second ? canon2 : canon))
		ev->flags |= GUARD_EVF_EXPLAINED;
	shim_event_emit(ev);
}

void shim_note_file(const struct shim_call *c)
{
	if (c->err == EFAULT)
		return; /* the path itself may be unreadable */
	int saved = errno;
	shim_tls_busy++;
	/* key: op, errno, path, NUL, path2 — built in place, the paths resolved straight into it. */
	char key[5 + 2 * PATH_CAP];
	key[0] = (char)c->op;
	memcpy(key + 1, &c->err, 4);
	char *abs = key + 5, *abs2 = NULL;
	shim_abs_path(c->dirfd, c->path, abs, PATH_CAP);
	size_t klen = 5 + strlen(abs) + 1;
	if (c->path2) {
		abs2 = key + klen;
		if (c->dirfd2 == SHIM_CONTENT_FD) {
			size_t n = strnlen(c->path2, PATH_CAP - 1);
			memcpy(abs2, c->path2, n);
			abs2[n] = 0;
		} else {
			shim_abs_path(c->dirfd2, c->path2, abs2, PATH_CAP);
		}
		klen += strlen(abs2) + 1;
	}
	if (shim_tls_vfork || shim_dedup_add(SHIM_DEDUP_EVENTS, key, klen)) {
		struct shim_ev ev = {.op = c->op, .err = c->err, .path = abs, .path2 = abs2};
		if (c->err && guard_err_explainable(c->err))
			explain_emit(c, &ev);
		else
			shim_event_emit(&ev);
	}
	shim_tls_busy--;
	errno = saved;
}

void shim_note_exec(int dirfd, const char *path, char *const argv[], int err)
{
	int saved = errno;
	shim_tls_busy++;
	char abs[PATH_CAP], cwd[PATH_CAP];
	shim_abs_path(dirfd, path, abs, sizeof abs);
	struct shim_ev ev = {.op = GUARD_OP_EXEC, .err = err, .path = abs, .argv = argv};
	if (shim_getcwd(cwd, sizeof cwd) >= 0)
		ev.cwd = cwd;
	struct shim_call c = {.op = GUARD_OP_EXEC, .dirfd = dirfd, .path = path, .err = err};
	if (err && guard_err_explainable(err))
		explain_emit(&c, &ev);
	else
		shim_event_emit(&ev);
	shim_tls_busy--;
	errno = saved;
}

/* Does this network namespace have any interface but lo? Read once per process (and not remembered from a
 * vfork child). /proc/net/dev lists one interface per line after two header lines. */
static int lo_only_cache; /* 0 unknown, 1 only lo, 2 more */
static bool lo_only(void)
{
	int c = __atomic_load_n(&lo_only_cache, __ATOMIC_RELAXED);
	if (c)
		return c == 1;
	char buf[4096];
	long fd = shim_sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/net/dev", O_RDONLY | O_CLOEXEC, 0, (long)shim.magic,
			    0);
	if (shim_sys_failed(fd))
		return false;
	long n = shim_sys3(SYS_read, fd, buf, sizeof buf - 1);
	shim_sys1(SYS_close, fd);
	if (shim_sys_failed(n) || n <= 0)
		return false;
	buf[n] = 0;
	int others = 0, lines = 0;
	for (char *p = buf; *p; lines++) {
		char *nl = strchr(p, '\n');
		if (lines >= 2) {
			while (*p == ' ')
				p++;
			if (strncmp(p, "lo:", 3) != 0 && *p && *p != '\n')
				others++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	c = others ? 2 : 1;
	if (!shim_tls_vfork)
		__atomic_store_n(&lo_only_cache, c, __ATOMIC_RELAXED);
	return c == 1;
}

/* The network facts every explanation of a connect or a lookup needs. */
static void net_facts(struct guard_facts *f)
{
	f->lo_only = lo_only();
	f->proxy = shim_started_env("GUARD_PROXY");
	f->allow = shim_started_env("GUARD_NET_ALLOW");
}

/* "unix:/run/x.sock", "unix:@abstract", "1.2.3.4:443", "[::1]:80"; false for other families. */
static bool format_target(const struct sockaddr *sa, socklen_t len, char *out, size_t cap, bool *inet)
{
	*inet = false;
	if (!sa || len < sizeof sa->sa_family)
		return false;
	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *u = (const struct sockaddr_un *)sa;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		if (len <= offsetof(struct sockaddr_un, sun_path) || n > sizeof u->sun_path)
			return false;
		bool abstract = u->sun_path[0] == 0;
		size_t i = 0, o = 0;
		const char *pre = abstract ? "unix:@" : "unix:";
		while (*pre && o + 1 < cap)
			out[o++] = *pre++;
		for (i = abstract ? 1 : 0; i < n && (abstract || u->sun_path[i]) && o + 1 < cap; i++)
			out[o++] = (unsigned char)u->sun_path[i] < 0x20 ? '?' : u->sun_path[i];
		out[o] = 0;
		return true;
	}
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		if (!inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip))
			return false;
		port = ntohs(in->sin_port);
		*inet = true;
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (!inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip))
			return false;
		port = ntohs(in6->sin6_port);
		*inet = true;
	} else {
		return false;
	}
	char digits[8];
	int nd = 0;
	do
		digits[nd++] = (char)('0' + port % 10);
	while ((port /= 10) && nd < 7);
	size_t o = 0;
	bool v6 = sa->sa_family == AF_INET6;
	if (v6 && o + 1 < cap)
		out[o++] = '[';
	for (const char *p = ip; *p && o + 1 < cap; p++)
		out[o++] = *p;
	if (v6 && o + 1 < cap)
		out[o++] = ']';
	if (o + 1 < cap)
		out[o++] = ':';
	while (nd && o + 1 < cap)
		out[o++] = digits[--nd];
	out[o] = 0;
	return true;
}

void shim_note_net(enum guard_op op, const struct sockaddr *sa, socklen_t len, int err)
{
	if (err == EFAULT)
		return;
	int saved = errno;
	char key[5 + 256];
	bool inet;
	key[0] = (char)op;
	memcpy(key + 1, &err, 4);
	char *target = key + 5;
	if (!format_target(sa, len, target, sizeof key - 5, &inet)) {
		errno = saved;
		return;
	}
	shim_tls_busy++;
	if (shim_tls_vfork || shim_dedup_add(SHIM_DEDUP_EVENTS, key, 5 + strlen(target) + 1)) {
		struct shim_ev ev = {.op = op, .err = err, .path = target};
		if (inet && err) {
			struct guard_facts f = {.op = op, .err = err, .target = target, .cwd = ""};
			struct guard_refusal v;
			net_facts(&f);
			guard_explain_decide(&shim.img, &f, &v);
			if (v.why != GUARD_WHY_NONE && tell(&f, &v, target))
				ev.flags |= GUARD_EVF_EXPLAINED;
		}
		shim_event_emit(&ev);
	}
	shim_tls_busy--;
	errno = saved;
}

/* A failed lookup is explained, not recorded: the session log has the connects, and the proxy's decisions. The
 * key is the name, so one process says it once. */
void shim_note_lookup(const char *name)
{
	if (!name || !*name || shim.quiet)
		return;
	int saved = errno;
	shim_tls_busy++;
	char key[1 + 256];
	size_t n = strnlen(name, sizeof key - 2);
	key[0] = 'L';
	memcpy(key + 1, name, n);
	key[1 + n] = 0;
	struct guard_facts f = {.op = GUARD_OP_CONNECT, .err = ENOENT, .target = key + 1, .lookup = true, .cwd = ""};
	struct guard_refusal v;
	net_facts(&f);
	guard_explain_decide(&shim.img, &f, &v);
	if (v.why != GUARD_WHY_NONE)
		tell(&f, &v, key);
	shim_tls_busy--;
	errno = saved;
}
