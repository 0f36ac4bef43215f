/* The kernel-side observer: a seccomp user-notification filter on the calls that open, execute or connect,
 * which lets through every call carrying the session magic (the shim's, already logged by the shim) and sends
 * the others to the supervisor: static binaries, Go, Bun's raw syscalls, the dynamic loader's own opens.
 *
 * The observer only logs. It reads the target from the process's memory, records the policy's verdict and tells
 * the kernel to continue; Landlock and the covers decide. (What it reads can change after it looks, so it could
 * never safely decide anyway.) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/guard.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "sandbox/linux/observer.h"
#include "sandbox/linux/proc_path.h"
#include "sandbox/linux/state_names.h"

/* Where each watched call keeps its target, its flags, and the argument slot the shim fills with the magic
 * (an argument the call does not have, so the kernel ignores it). */
static const struct watched {
	const char *name;
	int path_arg;  /* pointer to the path (or sockaddr for connect) */
	int flags_arg; /* open flags, or -1 */
	int magic_arg;
	enum guard_op op; /* GUARD_OP_READ: decided by the flags */
} watched[] = {
	{"open", 0, 1, 3, GUARD_OP_READ},       {"creat", 0, -1, 2, GUARD_OP_WRITE},
	{"openat", 1, 2, 4, GUARD_OP_READ},     {"openat2", 1, -1, 4, GUARD_OP_READ},
	{"execve", 0, -1, 3, GUARD_OP_EXEC},    {"execveat", 1, -1, 5, GUARD_OP_EXEC},
	{"connect", 1, -1, 3, GUARD_OP_CONNECT},
};

int guard_observer_install(int sock, uint64_t magic, bool state_names, char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1, fd = -1;
	if (!ctx) {
		snprintf(why, whylen, "observer: seccomp_init failed");
		return -1;
	}
	/* no_new_privs is already set by the caller; libseccomp must not touch it behind our back. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The observer watches the native ABI only; the main filter already covers 32-bit entry points, so a 32-bit
	 * call must pass here, not be killed. */
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
		int nr = seccomp_syscall_resolve_name(watched[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int e = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					 SCMP_CMP64((unsigned)watched[i].magic_arg, SCMP_CMP_NE, magic));
		if (e < 0) {
			snprintf(why, whylen, "observer: rule for %s: %s", watched[i].name, strerror(-e));
			goto out;
		}
	}
	if (state_names && guard_state_names_rules(ctx, why, whylen) != 0)
		goto out;
	int e = seccomp_load(ctx);
	if (e < 0) {
		snprintf(why, whylen, "observer: loading the notification filter: %s", strerror(-e));
		goto out;
	}
	fd = seccomp_notify_fd(ctx);
	if (fd < 0) {
		snprintf(why, whylen, "observer: no listener fd");
		goto out;
	}
	if (guard_fd_send(sock, 'L', fd) != 0) {
		snprintf(why, whylen, "observer: handing the listener to the supervisor: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	/* The filter stays loaded; only the context's memory goes (exec is next anyway). */
	seccomp_release(ctx);
	return rc;
}

/* Read a NUL-terminated string of the stopped process at addr. */
static int read_string(int mem, uint64_t addr, char *buf, size_t len)
{
	ssize_t n = pread(mem, buf, len - 1, (off_t)addr);
	if (n <= 0) {
		/* The string may end near the end of a mapping: retry byte-wise up to a page. */
		size_t i = 0;
		for (; i < len - 1 && i < 4096; i++)
			if (pread(mem, buf + i, 1, (off_t)(addr + i)) != 1 || buf[i] == 0)
				break;
		buf[i] = 0;
		return i ? 0 : -1;
	}
	buf[n] = 0;
	buf[strnlen(buf, (size_t)n)] = 0;
	return 0;
}

static void read_argv(int mem, uint64_t addr, char *out, size_t len, unsigned *nargv)
{
	size_t used = 0;
	*nargv = 0;
	for (unsigned i = 0; i < 64 && addr; i++) {
		uint64_t p;
		char arg[512];
		if (pread(mem, &p, sizeof p, (off_t)(addr + 8 * i)) != (ssize_t)sizeof p || !p)
			break;
		if (read_string(mem, p, arg, sizeof arg) != 0)
			break;
		size_t n = strlen(arg) + 1;
		if (used + n > len)
			break;
		memcpy(out + used, arg, n);
		used += n;
		(*nargv)++;
	}
}

static void describe_sockaddr(int mem, uint64_t addr, uint64_t alen, char *out, size_t len)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (alen > sizeof ss)
		alen = sizeof ss;
	snprintf(out, len, "?");
	if (alen < sizeof(sa_family_t) || pread(mem, &ss, alen, (off_t)addr) != (ssize_t)alen)
		return;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t n = alen - offsetof(struct sockaddr_un, sun_path);
		if (n > 0 && un->sun_path[0] == 0)
			snprintf(out, len, "unix:@%.*s", (int)strnlen(un->sun_path + 1, n - 1), un->sun_path + 1);
		else
			snprintf(out, len, "unix:%.*s", (int)strnlen(un->sun_path, n), un->sun_path);
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(out, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(out, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(out, len, "family %u", ss.ss_family);
	}
}

/* Make `path` absolute the way the kernel resolves it: against the directory fd or cwd, through /proc's magic
 * links (proc_path.h); lexically against the cwd when a link cannot be read. */
static char *absolute_path(pid_t pid, int dirfd_arg, long dirfd, const char *path, char **cwd_out)
{
	char *r = guard_proc_path(pid, dirfd_arg, dirfd, path, cwd_out);
	if (r)
		return r;
	if (path[0] == '/' || !*path)
		return guard_path_normalize(path[0] ? path : "/");
	return guard_xstrdup(path);
}

/* The policy's verdict on an attempt: the deciding rule, and the errno it predicts (0: allowed). */
static const struct guard_image_rule *verdict(const struct guard_plan *plan, const struct guard_image *img,
					      enum guard_op op, const char *path, bool is_dir, int *err)
{
	const struct guard_image_rule *r;
	*err = 0;
	if (op == GUARD_OP_CONNECT) {
		/* unix sockets, the sandbox's own loopback, guard's proxy, an open network (net_linux.c) */
		if (!guard_net_connect_expected(plan, path))
			*err = EACCES;
		return NULL;
	}
	if ((r = guard_image_decide(img, GUARD_DENY, path, is_dir))) {
		*err = EACCES;
		return r;
	}
	if (op == GUARD_OP_WRITE && (r = guard_image_decide(img, GUARD_PROTECT, path, is_dir))) {
		*err = EROFS;
		return r;
	}
	if ((r = guard_image_grant(img, GUARD_WRITE, path, is_dir)))
		return r;
	if (op != GUARD_OP_WRITE && (r = guard_image_grant(img, GUARD_READ, path, is_dir)))
		return r;
	*err = EACCES; /* not granted */
	return NULL;
}

/* The parent as the supervisor's pid namespace sees it, read while the caller is still stopped in its call. */
static int parent_of(pid_t pid)
{
	char path[64], line[256];
	int ppid = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	if (f)
		fclose(f);
	return ppid;
}

/* What the stopped caller of w asks for, read from its memory while it waits: the target (path or address), an
 * exec's argv, and whether an open writes (*op) or wants a directory. */
static void read_call(const struct seccomp_notif *req, const struct watched *w, char *target, size_t tlen,
		      char *argv, size_t alen, unsigned *nargv, enum guard_op *op, bool *is_dir)
{
	char memp[64];
	snprintf(memp, sizeof memp, "/proc/%u/mem", req->pid);
	int mem = open(memp, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return;
	uint64_t a = req->data.args[w->path_arg];
	if (*op == GUARD_OP_CONNECT)
		describe_sockaddr(mem, a, req->data.args[2], target, tlen);
	else
		read_string(mem, a, target, tlen);
	if (*op == GUARD_OP_EXEC)
		read_argv(mem, req->data.args[w->path_arg + 1], argv, alen, nargv);
	if (w->flags_arg >= 0) {
		uint64_t fl = req->data.args[w->flags_arg];
		if ((fl & O_ACCMODE) != O_RDONLY || (fl & (O_CREAT | O_TRUNC)))
			*op = GUARD_OP_WRITE;
		*is_dir = fl & O_DIRECTORY;
	} else if (strcmp(w->name, "openat2") == 0) {
		uint64_t fl = 0;
		if (pread(mem, &fl, sizeof fl, (off_t)req->data.args[2]) == (ssize_t)sizeof fl &&
		    ((fl & O_ACCMODE) != O_RDONLY || (fl & (O_CREAT | O_TRUNC))))
			*op = GUARD_OP_WRITE;
	}
	close(mem);
}

/* The observer's part of the supervisor's loop. */
struct observer {
	struct guard_supervision *sup;
	const struct guard_plan *plan;
	struct guard_dedup *seen;
	bool serving; /* the slot's fd is the listener (else still the socketpair) */
	bool state_names; /* the filter stops calls that make names (state_names.h) */
};

/* Serve one notification on `notify_fd`: log the attempt, let the kernel continue. Returns -1 when the listener is
 * gone (every watched process exited). */
static int observer_serve(int notify_fd, const struct observer *o)
{
	struct guard_supervision *sup = o->sup;
	static struct seccomp_notif *req;
	static struct seccomp_notif_resp *resp;
	if (!req && seccomp_notify_alloc(&req, &resp) != 0)
		return -1;
	memset(req, 0, sizeof *req);
	int e = seccomp_notify_receive(notify_fd, req);
	if (e < 0)
		return e == -ENOENT || e == -EINTR ? 0 : -1; /* the caller died meanwhile, or a signal */

	char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	const struct watched *w = NULL;
	for (size_t i = 0; name && i < sizeof watched / sizeof *watched; i++)
		if (strcmp(name, watched[i].name) == 0)
			w = &watched[i];
	/* A name in a state file's private directory (state_names.h): decided here, before the call goes on. */
	int name_err = o->state_names && name ? guard_state_names_check(o->plan, sup->image, req, name) : 0;
	free(name);

	char target[4096] = "", argv[4096];
	unsigned nargv = 0;
	enum guard_op op = w ? w->op : GUARD_OP_READ;
	bool is_dir = false;
	if (w)
		read_call(req, w, target, sizeof target, argv, sizeof argv, &nargv, &op, &is_dir);
	/* exec.deny for an exec the shim did not see (exec_rules.c): refused here */
	const struct guard_image_rule *xr =
		op == GUARD_OP_EXEC && target[0] && sup->image
			? guard_exec_observed_denied(sup->image, (pid_t)req->pid,
						     w->path_arg == 1 ? (int)req->data.args[0] : AT_FDCWD, target, argv,
						     nargv)
			: NULL;
	/* Where the target is, and whether it exists, must be read while the caller is still stopped in its call: a
	 * short-lived process is gone (with its /proc/<pid>/cwd and root) right after we let it continue. */
	char *cwd = NULL, *path = NULL;
	bool missing = false;
	if (w && target[0]) {
		path = op == GUARD_OP_CONNECT
			       ? guard_xstrdup(target)
			       : absolute_path((pid_t)req->pid, w->path_arg == 1, (long)req->data.args[0], target, &cwd);
		/* A lookup of something that doesn't exist, as the process sees its file system, is not an access
		 * (PATH searches, locale probing): it stays out of the log. Nor is one that the user's own file
		 * permissions keep out of reach on the host too (a PATH entry in another user's home): the
		 * supervisor runs as that user, and guard did not decide it. */
		if (op != GUARD_OP_CONNECT && op != GUARD_OP_WRITE) {
			struct stat st;
			char *inview = guard_xasprintf("/proc/%u/root%s", req->pid, path);
			bool found = lstat(inview, &st) == 0;
			missing = !found &&
				  (errno == ENOENT || (errno == EACCES && lstat(path, &st) != 0 && errno == EACCES));
			/* Judged as the kernel sees the target, not from the text: a directory matches a rule written
			 * for directories (~/.claude/) however it was named (~/.claude, ~/.claude/., fd/N/..). */
			if (found && S_ISDIR(st.st_mode))
				is_dir = true;
			free(inview);
		}
		size_t tl = strlen(target);
		if (op != GUARD_OP_CONNECT && tl && target[tl - 1] == '/')
			is_dir = true; /* the kernel resolves a trailing '/' only to a directory */
	}
	/* What was read is only trustworthy if the call is still the one we were told about (no pid reuse). */
	bool valid = seccomp_notify_id_valid(notify_fd, req->id) == 0;
	resp->id = req->id;
	resp->error = 0;
	resp->val = 0;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (xr && valid) {
		resp->error = -EACCES;
		resp->flags = 0;
		guard_exec_say(sup->image, xr);
	} else if (name_err && valid) {
		resp->error = -name_err;
		resp->flags = 0;
	}
	seccomp_notify_respond(notify_fd, resp);
	if (!w || !valid || !target[0] || !sup->session || missing)
		goto done;
	if (guard_dedup_first(o->seen, (pid_t)req->pid, op, path)) {
		int err;
		const struct guard_image_rule *r = verdict(o->plan, sup->image, op, path, is_dir, &err);
		struct guard_event ev = {
			.op = op,
			.origin = GUARD_ORIGIN_OBSERVER,
			.err = xr ? EACCES : err,
			.pid = (int)req->pid,
			.ppid = parent_of((pid_t)req->pid),
			.rule = r ? (uint32_t)(r - sup->image->rules) + 1 : 0,
			.path = path,
			.cwd = cwd,
			.argv = nargv ? argv : NULL,
			.nargv = nargv,
		};
		guard_session_event(sup->session, &ev, sup->image, (pid_t)req->pid);
	}
done:
	free(path);
	free(cwd);
	return 0;
}

/* First the listener arrives over the socketpair (or the child failed before sending it: -1, the slot is done);
 * then each readable moment is one notification. */
static void observer_handle(struct guard_supervision_slot *slot, short revents)
{
	struct observer *o = slot->ctx;
	if (!o->serving) {
		int *sock = &o->sup->observer_sock[0];
		guard_fd_recv(*sock, &slot->fd);
		close(*sock);
		*sock = -1;
		o->serving = true;
		return;
	}
	if (((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN)) || observer_serve(slot->fd, o) < 0) {
		close(slot->fd);
		slot->fd = -1;
	}
}

static void observer_close(struct guard_supervision_slot *slot)
{
	struct observer *o = slot->ctx;
	if (o->serving && slot->fd >= 0)
		close(slot->fd); /* the socketpair, when the listener never came, is the session's to close */
	slot->fd = -1;
	guard_dedup_free(o->seen);
	free(o);
}

void guard_observer_attach(struct guard_supervision *sup, const struct guard_plan *plan)
{
	if (sup->observer_sock[1] >= 0) { /* the command's end: it has its copy */
		close(sup->observer_sock[1]);
		sup->observer_sock[1] = -1;
	}
	if (sup->observer_sock[0] < 0)
		return;
	struct observer *o = guard_xmalloc(sizeof *o);
	*o = (struct observer){sup, plan, guard_dedup_new(), false, guard_state_names_needed(plan)};
	struct guard_supervision_slot slot = {sup->observer_sock[0], POLLIN, observer_handle, observer_close, o};
	guard_supervision_add(sup, &slot);
}
