/* The process tree of a session:
 *
 *   guard (supervisor, outside) ── init (pid 1 of new namespaces: mounts, reaping, signal forwarding)
 *                                     └── command (caps dropped, rlimits, Landlock, seccomp, exec)
 *
 * In Landlock-only mode there are no namespaces and no such init; a keeper takes its place between the
 * supervisor and the command (run_keeper): the subreaper of everything the session starts, ending it all when the
 * command ends or when guard dies. Everything between fork and exec stays single-threaded. Children report to the supervisor through one pipe of fixed-size records, so
 * an exec failure or a setup failure turns into guard's exit status and message, and a command's death by signal
 * turns into 128+N. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/net.h"
#include "policy/limits_plan.h"
#include "sandbox/kernel_api.h"
#include "sandbox/linux/cgroup.h"
#include "sandbox/linux/descendants.h"
#include "sandbox/linux/filters.h"
#include "sandbox/linux/late_covers.h"
#include "sandbox/linux/observer.h"
#include "sandbox/linux/state_names.h"
#include "sandbox/linux/state_sync.h"
#include "sandbox/linux/terminals.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/platform.h"
#include "supervisor/sandbox_record.h"
#include "supervisor/supervise.h"
#include "supervisor/mask.h"
#include "supervisor/outproxy.h"

static volatile pid_t forward_to;

/* Signals sent to guard by someone (kill, a process manager) are passed on; signals the terminal sends reach
 * the whole foreground process group, the command included, and are not sent twice. */
static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (forward_to > 0 && si->si_code != SI_KERNEL)
		kill(forward_to, sig);
}

static const int forwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static void set_forwarding(bool on)
{
	struct sigaction sa = {0};
	if (on) {
		sa.sa_sigaction = forward;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
	} else {
		sa.sa_handler = SIG_DFL;
	}
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		sigaction(forwarded[i], &sa, NULL);
}

static void send_record(int fd, char type, int code, int status, const char *msg)
{
	struct guard_record r;
	memset(&r, 0, sizeof r); /* the padding too: the whole struct goes down the pipe */
	r.type = type, r.code = code, r.status = status;
	if (msg)
		snprintf(r.msg, sizeof r.msg, "%s", msg);
	ssize_t unused = write(fd, &r, sizeof r);
	(void)unused;
}

__attribute__((noreturn)) static void child_fail(int fd, int code, const char *fmt, ...)
{
	char msg[480];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	send_record(fd, 'E', code, 0, msg);
	_exit(code);
}

/* The caller's open descriptors must not leak into the sandbox (an fd on a secret is a way around every path
 * rule): close everything above 2 but `a` and `b` (-1: none). */
static void close_fds_except(int a, int b, int c)
{
	int keep[3] = {a, b, c};
	for (int i = 0; i < 3; i++) /* sorted, so the ranges between them go up */
		for (int k = i + 1; k < 3; k++)
			if (keep[k] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[k];
				keep[k] = t;
			}
	unsigned from = 3;
	for (int i = 0; i < 3; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0U);
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0U) != 0)
		for (int fd = (int)from; fd < 65536; fd++)
			close(fd);
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* execvpe() searches the caller's PATH; the command's must be the sandbox environment's. */
static void exec_command(int fd, char *const *argv, char *const *env)
{
	const char *cmd = argv[0];
	int err = ENOENT;
	if (strchr(cmd, '/')) {
		execve(cmd, argv, env);
		err = errno;
	} else {
		const char *path = env_get(env, "PATH");
		if (!path)
			path = "/usr/local/bin:/usr/bin:/bin";
		bool eacces = false;
		for (const char *p = path;; p++) {
			const char *e = strchrnul(p, ':');
			char buf[4096];
			int n = snprintf(buf, sizeof buf, "%.*s/%s", (int)(e - p), e == p ? "." : p, cmd);
			if (n > 0 && (size_t)n < sizeof buf) {
				execve(buf, argv, env);
				if (errno == EACCES)
					eacces = true;
				else if (errno != ENOENT && errno != ENOTDIR)
					err = errno;
			}
			if (!*e)
				break;
			p = e;
		}
		if (eacces && err == ENOENT)
			err = EACCES;
	}
	if (err == ENOENT)
		child_fail(fd, GUARD_EXIT_NOT_FOUND, "guard: %s: command not found", cmd);
	child_fail(fd, GUARD_EXIT_NOT_EXECUTABLE, "guard: %s: cannot execute: %s%s", cmd, strerror(err),
		   err == EACCES ? " (is it inside a tree the policy grants? see: guard run --dry-run)" : "");
}

/* The command's seccomp programs (filters.h), mapped before the clone or fork so that every process of the sandbox
 * sees what the supervisor compiles. */
static struct guard_filters *filters;

/* The command's side: from here on only what the boundary allows. */
__attribute__((noreturn)) static void run_command(const struct guard_plan *plan, char *const *argv, char *const *env,
						  int fd, const struct guard_supervision *sup)
{
	char why[512];
	int obs = sup->observer_sock[1];
	set_forwarding(false);
	/* A parent that dies (init or keeper, SIGKILLed) takes the command along. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* mask_output: stdio becomes the supervisor's pty or pipes (setsid + TIOCSCTTY here, in the command). */
	if (sup->outproxy && guard_outproxy_child(sup->outproxy, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	close_fds_except(fd, obs, -1);
	if (chdir(plan->cwd) != 0 && chdir(plan->project) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: cannot enter %s inside the sandbox: %s", plan->cwd,
			   strerror(errno));
	if (guard_rlimits_apply(&plan->rlimits, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	if (guard_caps_drop_all(why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	/* Landlock and seccomp both need it; and nothing exec'd inside may gain privileges (setuid, file caps). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: no_new_privs: %s", strerror(errno));
	if (guard_landlock_apply(plan, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	if (guard_filters_load(filters, obs, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	if (obs >= 0)
		close(obs);
	exec_command(fd, argv, env);
	_exit(GUARD_EXIT_ERROR);
}

static int bring_up_loopback(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	int rc = -1;
	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

/* Scrub what init inherited from guard's own environment: /proc/1/environ shows it to anyone who may read it. */
static void wipe_environment(void)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++)
		memset(*e, 0, strlen(*e));
}

/* Init's and the keeper's fork of the command: the child unblocks `blocked` (the parent's signalfd set, sfd) and
 * closes what only the parent keeps (`own`, -1: none); the parent holds no end of the command's terminal or pipes. */
static pid_t start_command(const struct guard_plan *plan, char *const *argv, char *const *env, int fd,
			   const struct guard_supervision *sup, const sigset_t *blocked, const int own[2], int sfd)
{
	pid_t cmd = fork();
	if (cmd < 0 || sfd < 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: starting the command: %s", strerror(errno));
	if (cmd == 0) {
		sigprocmask(SIG_UNBLOCK, blocked, NULL);
		if (own[0] >= 0)
			close(own[0]);
		if (own[1] >= 0)
			close(own[1]);
		run_command(plan, argv, env, fd, sup);
	}
	if (sup->outproxy)
		guard_outproxy_drop(sup->outproxy);
	return cmd;
}

/* Secrets that appear after launch inside name-scanned trees (late_covers_linux.c), started here only: by init
 * with the cover sources in namespaces mode, by the supervisor without covers (protected arrivals are still moved
 * aside) in Landlock-only mode. */
static struct guard_watch *start_late_covers(const struct guard_plan *plan, const int cover_fds[2])
{
	return guard_watch_start(plan, cover_fds);
}

/* Something protected appeared and could be neither moved aside nor removed (late_covers_linux.c said which):
 * the session ends rather than leave it for git outside. Leaving pid 1 ends every process of the sandbox. */
__attribute__((noreturn)) static void end_for_plant(int fd)
{
	child_fail(fd, GUARD_EXIT_ERROR,
		   "guard: ended the session: a protected path it created could not be "
		   "moved aside or removed");
}

__attribute__((noreturn)) static void run_init(const struct guard_plan *plan, char *const *argv, char *const *env,
					       int fd, int sync_fd, const struct guard_supervision *sup)
{
	char why[512], go;
	int cover_fds[2] = {-1, -1};
	set_forwarding(false);
	/* A supervisor that dies (kill -9) ends the session: init's death as PID 1 takes every process of the
	 * namespace with it, so nothing runs on unobserved, unlogged and without its proxy. A death before this call
	 * closes the sync pipe, and the read below ends us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (read(sync_fd, &go, 1) != 1)
		_exit(GUARD_EXIT_ERROR); /* the supervisor could not map our ids: it reports why */
	struct guard_state_sync *state = guard_state_sync_new();
	if (guard_mounts_apply(plan, cover_fds, state, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: mounting a fresh /proc for the sandbox: %s", strerror(errno));
	if (plan->net_isolated && bring_up_loopback() != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: bringing up the sandbox's loopback: %s", strerror(errno));
	/* The proxy's listening socket, opened here inside the namespace and handed out (net_linux.c). */
	if (guard_net_init_setup(plan, why, sizeof why) != 0)
		child_fail(fd, GUARD_EXIT_ERROR, "guard: %s", why);

	/* SIGCHLD through a descriptor, so one poll serves children and late covers. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	/* The watch is in place, and its first walk done, before anything of the command runs: what that walk
	 * finds was there before the session could write, and nothing the command makes can precede a watch. */
	struct guard_watch *watch = start_late_covers(plan, cover_fds);
	/* The command inherits init's cgroup: fork it only once the supervisor has moved us there. */
	if (read(sync_fd, &go, 1) != 1 || go != 'c')
		_exit(GUARD_EXIT_ERROR);
	close(sync_fd);
	pid_t cmd = start_command(plan, argv, env, fd, sup, &chld, cover_fds, sfd);
	forward_to = cmd;
	set_forwarding(true);
	wipe_environment();
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		int nfd = guard_net_init_fd(plan); /* sockets made inside for network.publish; -1: none */
		struct pollfd p[4] = {{sfd, POLLIN, 0},
				      {guard_watch_fd(watch), POLLIN, 0},
				      {nfd, POLLIN, 0},
				      {guard_state_sync_fd(state), POLLIN, 0}};
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[3].revents & POLLIN)
			guard_state_sync_handle(state);
		if (watch && (p[1].revents & POLLIN) && guard_watch_handle(watch) != 0)
			end_for_plant(fd);
		if (nfd >= 0 && p[2].revents)
			guard_net_init_serve(plan);
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof si) > 0)
			;
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == cmd) {
				/* The session ends with its command; leaving pid 1 kills whatever it left behind. What
				 * it planted last is still to be moved aside: end the rest first, so that no flood
				 * keeps the last round going; the agent's state is saved once they are gone. */
				if (watch)
					kill(-1, SIGKILL);
				guard_state_sync_flush(state);
				if (watch && guard_watch_finish(watch) != 0)
					end_for_plant(fd);
				send_record(fd, 'S', 0, st, NULL);
				_exit(0);
			}
		if (w < 0 && errno == ECHILD)
			break;
	}
	guard_state_sync_flush(state);
	send_record(fd, 'S', 0, 0, NULL);
	_exit(0);
}

/* The keeper's parent-death signal: catchable (SIGKILL would leave the keeper's descendants running), and told
 * from the same signal sent by hand because by then the keeper has a new parent. From guard itself it means: end
 * the session (a protected arrival that could not be removed). */
#define KEEPER_SIGNAL SIGRTMAX

/* Landlock-only mode: what init is to namespaces mode, without namespaces. The subreaper of everything the command
 * starts (a daemon, a setsid escape), so whatever ends the session ends all of it: the command's exit, guard's
 * request, or guard's death (kill -9), after which nothing of the session runs on unobserved and unlogged. It
 * stays outside the Landlock domain, so the sandbox can neither signal (Landlock ABI 6) nor trace it. */
__attribute__((noreturn)) static void run_keeper(const struct guard_plan *plan, char *const *argv, char *const *env,
						 int fd, int sync_fd, const struct guard_supervision *sup)
{
	char go;
	pid_t guard = getppid();
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, KEEPER_SIGNAL);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	prctl(PR_SET_PDEATHSIG, KEEPER_SIGNAL, 0, 0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* A guard dead before PR_SET_PDEATHSIG closed the sync pipe: both reads fail and nothing has started. */
	if (read(sync_fd, &go, 1) != 1 || read(sync_fd, &go, 1) != 1 || go != 'c')
		_exit(GUARD_EXIT_ERROR);
	close(sync_fd);
	static const int none[2] = {-1, -1};
	pid_t cmd = start_command(plan, argv, env, fd, sup, &mask, none, sfd);
	if (sup->observer_sock[1] >= 0)
		close(sup->observer_sock[1]);
	forward_to = cmd;
	set_forwarding(true);
	wipe_environment();
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int st = 0;
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t k = read(sfd, &si, sizeof si);
		if (k < 0 && errno == EINTR)
			continue;
		if (k != (ssize_t)sizeof si || (int)si.ssi_signo == KEEPER_SIGNAL) {
			if (k == (ssize_t)sizeof si && getppid() == guard && (pid_t)si.ssi_pid != guard)
				continue; /* not guard's: someone else's signal */
			guard_end_descendants(cmd, &st);
			if (getppid() != guard)
				_exit(GUARD_EXIT_ERROR); /* guard is gone: nobody to tell */
			break;
		}
		pid_t w;
		int wst;
		bool ended = false;
		while (!ended && (w = waitpid(-1, &wst, WNOHANG)) > 0)
			if (w == cmd)
				ended = true, st = wst;
		if (ended) {
			guard_end_descendants(-1, NULL); /* what the command left behind ends with it */
			break;
		}
	}
	send_record(fd, 'S', 0, st, NULL);
	_exit(0);
}

static int write_proc(pid_t pid, const char *name, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	return guard_write_text(path, text);
}

static int map_ids(pid_t pid)
{
	char map[64];
	if (geteuid() == 0) {
		/* Root keeps every id as it is, so file ownership inside looks as it does outside. */
		return write_proc(pid, "uid_map", "0 0 4294967295\n") || write_proc(pid, "gid_map", "0 0 4294967295\n");
	}
	if (write_proc(pid, "setgroups", "deny\n") != 0 && errno != ENOENT)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)geteuid(), (unsigned)geteuid());
	if (write_proc(pid, "uid_map", map) != 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)getegid(), (unsigned)getegid());
	return write_proc(pid, "gid_map", map);
}

/* The sandbox's first process will not be told to go on: it ends before anything of the command ran (errno kept,
 * for the caller's message). */
static void end_unstarted(pid_t pid, int sync_fd)
{
	int err = errno;
	close(sync_fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	errno = err;
}

static void start_filters(pid_t pid, const struct guard_plan *plan, const struct guard_supervision *sup, int sync_fd)
{
	char why[512];
	if (guard_filters_start(filters, plan, sup, why, sizeof why) != 0) {
		end_unstarted(pid, sync_fd);
		guard_die(NULL, "%s", why);
	}
}

/* Two bytes on `sync_fd`: "g" once the child's ids are mapped (namespaces: it sets up its mounts meanwhile),
 * "c" once it is in the session's cgroup and the command's seccomp programs are compiled (filters.h), which it
 * waits for before anything of the command runs. Moving a task into a cgroup v1 hierarchy waits for an RCU grace
 * period (~10 ms): overlapped with the mounts that way, as is the compiling. A cgroup the session has but cannot
 * enter is a limit the policy asked for and would not get: refused; so is a filter that cannot be compiled. */
static void release_child(pid_t pid, const struct guard_supervision *sup, int sync_fd)
{
	char why[512];
	forward_to = pid;
	if (write(sync_fd, "g", 1) != 1)
		guard_die_errno(NULL, "starting the sandbox");
	if (sup->cgroup && guard_cgroup_add(sup->cgroup, pid) != 0) {
		end_unstarted(pid, sync_fd);
		guard_die_errno("see `guard doctor` for how limits apply here",
				"moving the sandbox into its cgroup (limits.processes/memory/cpu)");
	}
	if (guard_filters_finish(filters, why, sizeof why) != 0) {
		end_unstarted(pid, sync_fd);
		guard_die(NULL, "%s", why);
	}
	if (write(sync_fd, "c", 1) != 1)
		guard_die_errno(NULL, "starting the sandbox");
	close(sync_fd);
}

/* Landlock-only mode: protected arrivals are watched from the supervisor's loop (namespaces: init watches). */
struct supervisor_watch {
	struct guard_watch *w;
	pid_t keeper; /* told to end the session when a protected arrival can be neither moved aside nor removed */
};

static void watch_handle(struct guard_supervision_slot *slot, short revents)
{
	struct supervisor_watch *sw = slot->ctx;
	if ((revents & POLLIN) && guard_watch_handle(sw->w) != 0 && sw->keeper > 0) {
		fprintf(stderr, "guard: ending the session: a protected path it created could not be moved aside or "
				"removed\n");
		kill(sw->keeper, KEEPER_SIGNAL);
	}
}

/* After the command and what it left behind have ended (guard_supervise): the last arrivals. */
static void watch_close(struct guard_supervision_slot *slot)
{
	struct supervisor_watch *sw = slot->ctx;
	guard_watch_finish(sw->w);
	guard_watch_free(sw->w);
	free(sw);
}

static struct supervisor_watch *watch_from_supervisor(const struct guard_plan *plan, struct guard_supervision *sup)
{
	static const int no_covers[2] = {-1, -1};
	struct guard_watch *w = start_late_covers(plan, no_covers);
	if (!w)
		return NULL;
	struct supervisor_watch *sw = guard_xrealloc(NULL, sizeof *sw);
	*sw = (struct supervisor_watch){w, -1};
	struct guard_supervision_slot slot = {guard_watch_fd(w), POLLIN, watch_handle, watch_close, sw};
	guard_supervision_add(sup, &slot);
	return sw;
}

static int sandbox_run(const struct guard_plan *plan, char *const *argv, char *const *env,
		       struct guard_supervision *sup, char *why, size_t whylen)
{
	int rec[2], sync[2] = {-1, -1};
	if (pipe2(rec, O_CLOEXEC) != 0)
		guard_die_errno(NULL, "pipe");
	fflush(NULL);
	set_forwarding(true);

	if (pipe2(sync, O_CLOEXEC) != 0)
		guard_die_errno(NULL, "pipe");
	if (!filters && !(filters = guard_filters_map()))
		guard_die_errno(NULL, "mapping memory for the seccomp filters");
	if (plan->mode == GUARD_MODE_LANDLOCK_ONLY) {
		/* No PID namespace whose end takes everything with it: the keeper ends the session's processes, and
		 * guard is the subreaper of what a keeper killed early would leave behind (guard_supervise). */
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		struct supervisor_watch *sw = watch_from_supervisor(plan, sup);
		pid_t pid = fork();
		if (pid < 0)
			guard_die_errno(NULL, "fork");
		if (pid == 0) {
			close(rec[0]);
			close(sync[1]);
			run_keeper(plan, argv, env, rec[1], sync[0], sup);
		}
		close(rec[1]);
		close(sync[0]);
		if (sw)
			sw->keeper = pid;
		start_filters(pid, plan, sup, sync[1]);
		release_child(pid, sup, sync[1]);
		guard_net_start(plan, sup->session); /* the proxy's threads: after the fork */
		guard_observer_attach(sup, plan);
		int rc = guard_supervise(pid, rec[0], true, sup);
		guard_net_stop(plan);
		close(rec[0]);
		return rc;
	}

	long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		     (plan->net_isolated ? CLONE_NEWNET : 0); /* network.allow ["*"]: the host's network */
	guard_watch_prepare(plan);
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		guard_watch_release();
		snprintf(why, whylen, "creating user namespaces: %s", strerror(errno));
		close(rec[0]), close(rec[1]), close(sync[0]), close(sync[1]);
		return GUARD_SANDBOX_NO_USERNS;
	}
	if (pid == 0) {
		close(rec[0]);
		close(sync[1]);
		run_init(plan, argv, env, rec[1], sync[0], sup);
	}
	close(rec[1]);
	close(sync[0]);
	start_filters(pid, plan, sup, sync[1]);
	if (map_ids(pid) != 0) {
		snprintf(why, whylen, "mapping user ids into the new user namespace: %s", strerror(errno));
		close(rec[0]);
		end_unstarted(pid, sync[1]);
		char ended[1]; /* the thread is done before a retry in Landlock-only mode reuses the mapping */
		guard_filters_finish(filters, ended, sizeof ended);
		guard_watch_release();
		return GUARD_SANDBOX_NO_USERNS;
	}
	release_child(pid, sup, sync[1]);
	guard_net_start(plan, sup->session); /* the proxy's threads: after the clone */
	guard_observer_attach(sup, plan);
	int rc = guard_supervise(pid, rec[0], false, sup);
	guard_watch_release();
	guard_net_stop(plan);
	close(rec[0]);
	return rc;
}

/* The session's cgroups (processes as root: RLIMIT_NPROC does not bind uid 0; memory; cpu share; limits_linux.c:
 * one that cannot be made refuses the run unless --allow-degraded), and mask_output: the command's stdout/stderr
 * go through the supervisor (outproxy.c), for this run only. The shim learns which terminals are the session's
 * (terminals.h) once that pty exists. */
int guard_platform_run(struct guard_plan *plan, char *const *argv, char *const *env, struct guard_supervision *sup,
		       char *why, size_t whylen)
{
	struct guard_cgroup cg = {0};
	if (guard_limits_cgroup(plan, &cg, plan->session_id ? plan->session_id : "run", plan->allow_degraded))
		sup->cgroup = &cg;
	if (sup->mask && !sup->outproxy) {
		sup->outproxy = guard_outproxy_open(sup->mask, why, whylen);
		if (!sup->outproxy) {
			guard_cgroup_destroy(&cg);
			guard_die(NULL, "%s", why);
		}
	}
	char **tenv = guard_terminals_env(env, sup->outproxy ? guard_outproxy_slave(sup->outproxy) : -1);
	int rc = sandbox_run(plan, argv, tenv, sup, why, whylen);
	guard_terminals_env_free(tenv);
	guard_outproxy_close(sup->outproxy);
	sup->outproxy = NULL;
	sup->cgroup = NULL;
	guard_cgroup_destroy(&cg);
	return rc;
}
