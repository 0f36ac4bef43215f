/* See shim_note_darwin.h. libSystem calls only: the dylib runs in every process of a macOS session that dyld
 * lets it into (not SIP-protected binaries, not hardened ones without the DYLD entitlement: README "macOS"). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guard/explain.h"
#include "guard/path.h"
#include "shim_note_darwin.h"

static struct {
	bool active, quiet;
	struct guard_image img;
	struct sockaddr_un ev_addr;
	socklen_t ev_addrlen;
} shim;

bool shim_darwin_active(void)
{
	return shim.active;
}

const struct guard_image *shim_darwin_image(void)
{
	return &shim.img;
}

static int load_image(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	void *map = NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (size_t)st.st_size <= GUARD_IMAGE_MAX_SIZE)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (!map || map == MAP_FAILED)
		return -1;
	if (guard_image_load(&shim.img, map, (size_t)st.st_size) != 0) {
		munmap(map, (size_t)st.st_size);
		return -1;
	}
	return 0;
}

__attribute__((constructor)) static void shim_darwin_init(void)
{
	int saved = errno;
	const char *policy = getenv("GUARD_POLICY");
	/* setuid and setgid programs: stay out entirely (dyld drops DYLD_* for them anyway). */
	if (!issetugid() && policy && *policy && load_image(policy) == 0) {
		const char *q = getenv("GUARD_QUIET");
		shim.quiet = (shim.img.h->flags & GUARD_IMAGE_QUIET) || (q && strcmp(q, "1") == 0);
		const char *sock = guard_image_str(&shim.img, shim.img.h->event_socket);
		size_t n = strlen(sock);
		if (n && n < sizeof shim.ev_addr.sun_path) {
			shim.ev_addr.sun_family = AF_UNIX;
			memcpy(shim.ev_addr.sun_path, sock, n + 1);
			shim.ev_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		}
		shim.active = true;
	}
	errno = saved;
}

/* dirfd + path as an absolute, lexically normalized path; false when it cannot be had. */
static bool absolute(int dirfd, const char *path, char *out, size_t cap)
{
	if (!path)
		return false;
	char base[MAXPATHLEN];
	if (path[0] == '/')
		base[0] = 0;
	else if (dirfd == AT_FDCWD ? !getcwd(base, sizeof base) : fcntl(dirfd, F_GETPATH, base) == -1)
		return false;
	if (guard_lexpath_join(out, cap, path[0] == '/' ? "/" : base, path) != 0)
		return false;
	guard_lexpath_normalize(out);
	return true;
}

static void facts_of(const char *path, bool *exists, bool *is_dir)
{
	struct stat st;
	*exists = lstat(path, &st) == 0;
	*is_dir = *exists && S_ISDIR(st.st_mode);
}

static void say(const char *msg, size_t len)
{
	while (len) {
		ssize_t r = write(2, msg, len);
		if (r <= 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		msg += r;
		len -= (size_t)r;
	}
}

static void send_event(const struct guard_facts *f, const struct guard_refusal *v, bool told, char *const *argv)
{
	if (!shim.ev_addrlen)
		return;
	struct guard_event ev = {
		.op = f->op,
		.origin = GUARD_ORIGIN_SHIM,
		.flags = told ? GUARD_EVF_EXPLAINED : 0,
		.err = f->err,
		.pid = getpid(),
		.ppid = getppid(),
		.rule = guard_rule_number(&shim.img, v->rule),
		.path = f->path,
		.path2 = f->path2,
		.cwd = f->cwd,
	};
	char buf[GUARD_EVENT_MAX];
	size_t n = guard_event_encode(buf, sizeof buf, &ev, argv);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (n)
		sendto(fd, buf, n, 0, (const struct sockaddr *)&shim.ev_addr, shim.ev_addrlen);
	close(fd);
}

static void explain(struct guard_facts *f, char *const *argv)
{
	struct guard_refusal v = {0};
	guard_explain_decide(&shim.img, f, &v);
	bool told = false;
	if (v.why != GUARD_WHY_NONE && !shim.quiet && !(shim.img.h->flags & GUARD_IMAGE_AGENT)) {
		char msg[1024];
		size_t n = guard_explain_format(&shim.img, f, &v, msg, sizeof msg);
		say(msg, n);
		told = n > 0;
	}
	send_event(f, &v, told, argv);
}

void shim_darwin_note(enum guard_op op, int err, int dirfd, const char *path, int dirfd2, const char *path2)
{
	if (!shim.active || !guard_err_explainable(err))
		return;
	int saved = errno;
	char abs1[MAXPATHLEN], abs2[MAXPATHLEN], cwd[MAXPATHLEN];
	if (absolute(dirfd, path, abs1, sizeof abs1)) {
		struct guard_facts f = {.op = op, .err = err, .path = abs1, .cwd = getcwd(cwd, sizeof cwd) ? cwd : ""};
		facts_of(abs1, &f.exists, &f.is_dir);
		if (path2 && absolute(dirfd2, path2, abs2, sizeof abs2)) {
			f.path2 = abs2;
			facts_of(abs2, &f.exists2, &f.is_dir2);
		}
		explain(&f, NULL);
	}
	errno = saved;
}

void shim_darwin_note_connect(int err, const struct sockaddr *addr, socklen_t len)
{
	if (!shim.active || !guard_err_explainable(err) || !addr)
		return;
	int saved = errno;
	char target[INET6_ADDRSTRLEN + 16] = "", host[INET6_ADDRSTRLEN] = "";
	if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(target, sizeof target, "%s:%u", host, ntohs(in->sin_port));
	} else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(target, sizeof target, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
	if (target[0]) {
		char cwd[MAXPATHLEN];
		/* lo_only: Seatbelt has no namespace, but the effect is the same: nothing leaves but the proxy. */
		struct guard_facts f = {.op = GUARD_OP_CONNECT,
					.err = err,
					.target = target,
					.lo_only = true,
					.cwd = getcwd(cwd, sizeof cwd) ? cwd : ""};
		explain(&f, NULL);
	}
	errno = saved;
}

const struct guard_image_rule *shim_darwin_exec_denied(const char *file, char *const argv[])
{
	if (!shim.active)
		return NULL;
	const struct guard_image_rule *r = guard_image_exec_match(&shim.img, file, argv);
	if (!r || (r->flags & GUARD_IRULE_NEGATED))
		return NULL;
	if (!shim.quiet) {
		char msg[1024];
		say(msg, guard_image_exec_message(&shim.img, r, msg, sizeof msg));
	}
	char cwd[MAXPATHLEN];
	struct guard_facts f = {
		.op = GUARD_OP_EXEC, .err = EACCES, .path = file, .cwd = getcwd(cwd, sizeof cwd) ? cwd : ""};
	/* The event names no rule: its number indexes files rules, and exec.deny entries live in their own table. */
	struct guard_refusal v = {.why = GUARD_WHY_DENY};
	send_event(&f, &v, !shim.quiet, argv);
	return r;
}
