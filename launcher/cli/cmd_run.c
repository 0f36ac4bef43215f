/* `guard run`: options → policy → plan → sandbox, choosing the strongest mode this kernel allows, with the
 * session log, the shim and the observer around it. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks/agent_hook.h"
#include "cli/cli.h"
#include "sandbox/kernel_api.h"
#include "sandbox/linux/cgroup.h"
#include "policy/limits_plan.h"
#include "policy/implicit_rules.h"
#include "policy/passthrough.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "sandbox/probe_api.h"
#include "policy/profile.h"
#include "sandbox/sandbox.h"
#include "supervisor/mask.h"
#include "supervisor/session_setup.h"
#include "lib/fileio.h"

extern char **environ;

static void warn_reserved(const struct guard_policy *p)
{
	static const char *const what[GUARD_RESERVED_COUNT] = {
		[GUARD_RESERVED_EXEC] = NULL,    /* applied: exec_rules.c, preload/shim_exec.c */
		[GUARD_RESERVED_NETWORK] = NULL, /* applied: net_plan.c */
		[GUARD_RESERVED_MASK_OUTPUT] = NULL, /* applied: mask.c, outproxy.c */
	};
	for (int i = 0; i < GUARD_RESERVED_COUNT; i++)
		if (p->reserved_set[i] && what[i])
			guard_note("%s:%u:%u: %s", p->reserved_at[i].file, p->reserved_at[i].line,
				   p->reserved_at[i].col, what[i]);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Landlock-only mode has no private /tmp: the session gets its own directory, removed at exit. */
static char *make_private_tmp(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	char *dir = guard_xasprintf("%s/guard-%u-XXXXXX", base, (unsigned)getuid());
	if (!mkdtemp(dir))
		guard_die_errno("set TMPDIR to a writable directory", "creating a private temp dir in %s", base);
	return dir;
}

/* LD_PRELOAD (ours first) for the shim; GUARD_POLICY and GUARD_SESSION for the shim and for `guard explain`
 * inside the sandbox. */
static char **shim_overrides(const char *tmpdir, const char *shim, const char *image, const char *id,
			     uint64_t magic, struct guard_strv *keep)
{
	guard_strv_push(keep, guard_xasprintf("TMPDIR=%s", tmpdir));
	if (shim) {
		const char *old = getenv("LD_PRELOAD");
		guard_strv_push(keep, old && *old ? guard_xasprintf("LD_PRELOAD=%s:%s", shim, old)
						  : guard_xasprintf("LD_PRELOAD=%s", shim));
	}
	guard_strv_push(keep, guard_xasprintf("GUARD_POLICY=%s", image));
	/* The shim's first open (the image itself) can then carry the magic too; an agent that reads it can hide
	 * from the log, never from the boundary (DESIGN §1). */
	guard_strv_push(keep, guard_xasprintf("GUARD_MAGIC=%016llx", (unsigned long long)magic));
	guard_strv_push(keep, guard_xasprintf("GUARD_SESSION=%s", id));
	return keep->v;
}

struct run_ctx {
	struct guard_options o;
	struct guard_policy pol;
	char *home, *cwd, *project;
	int abi;
	bool observer;
	char *shim, *id;
	uint64_t magic;
};

/* guard_die() exits from anywhere (a limit that cannot be applied, a refused command): the attempt's run and temp
 * directories must go with it, or every refusal leaves one in /tmp. Only the process that made them removes them:
 * a forked child that exits shares the atexit list, and in a new PID namespace even its pid can equal ours, so the
 * PID namespace is compared too. */
static struct {
	pid_t pid;
	ino_t pidns;
	char *rundir, *tmp_host;
} attempt;

static ino_t pid_namespace(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? st.st_ino : 0;
}

static void remove_attempt_dirs(void)
{
	if (!attempt.rundir || attempt.pid != getpid() || attempt.pidns == 0 || attempt.pidns != pid_namespace())
		return;
	guard_remove_rundir(attempt.rundir);
	if (attempt.tmp_host)
		nftw(attempt.tmp_host, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	attempt.rundir = attempt.tmp_host = NULL;
}

/* One attempt in one mode; returns guard's exit status, or GUARD_SANDBOX_NO_USERNS. */
static int run_in_mode(struct run_ctx *c, enum guard_mode mode, char *why, size_t whylen)
{
	char *tmp_host = mode == GUARD_MODE_LANDLOCK_ONLY ? make_private_tmp() : NULL;
	char *rundir = guard_make_rundir();
	attempt.pid = getpid(), attempt.pidns = pid_namespace(), attempt.rundir = rundir, attempt.tmp_host = tmp_host;
	bool ns = mode == GUARD_MODE_NAMESPACES;
	char *sock_host = guard_path_join(rundir, "events.sock");
	char *img_host = guard_path_join(rundir, "policy.img");
	char *sock_in = ns ? guard_xstrdup(GUARD_RUN_DIR "/events.sock") : guard_xstrdup(sock_host);
	char *img_in = ns ? guard_xstrdup(GUARD_RUN_DIR "/policy.img") : guard_xstrdup(img_host);
	char *shim_in = !c->shim ? NULL : ns ? guard_xstrdup(GUARD_RUN_DIR "/libguard.so") : guard_xstrdup(c->shim);
	/* guard's own files are policy like any other, so Landlock, the observer's verdicts and `guard explain`
	 * agree about them. */
	struct guard_origin own = {guard_policy_intern(&c->pol, "(guard: its own files)"), 0, 0, GUARD_SRC_PROFILE};
	struct guard_error err;
	if (guard_policy_add_rule(&c->pol, GUARD_READ, ns ? GUARD_RUN_DIR : rundir, own, &err) != 0 ||
	    (!ns && c->shim && guard_policy_add_rule(&c->pol, GUARD_READ, c->shim, own, &err) != 0))
		guard_die(NULL, "internal error: %s", err.message);
	/* Claude Code and Codex: guard's hook on their command line (agent_hook.c); the hook runs guard itself,
	 * bound at GUARD_RUN_DIR/guard (namespaces) or granted where it lies. */
	struct guard_strv hooked = {0};
	char *const *argv = c->o.argv;
	enum guard_hook_agent agent = guard_agent_hook_wanted(&c->pol);
	char *exe = agent != GUARD_AGENT_NONE ? realpath("/proc/self/exe", NULL) : NULL;
	if (exe) {
		char *settings_host = guard_path_join(rundir, GUARD_CLAUDE_SETTINGS);
		const char *settings_in = ns ? GUARD_RUN_DIR "/" GUARD_CLAUDE_SETTINGS : settings_host;
		if (guard_agent_hook_argv(agent, c->o.argv, settings_host, settings_in,
					  ns ? GUARD_RUN_DIR "/guard" : exe, c->o.dry_run, &hooked)) {
			argv = hooked.v;
			if (!ns && guard_policy_add_rule(&c->pol, GUARD_READ, exe, own, &err) != 0)
				guard_die(NULL, "internal error: %s", err.message);
		} else {
			free(exe);
			exe = NULL;
		}
		free(settings_host);
	}
	struct guard_plan plan;
	struct guard_plan_input in = {
		.policy = &c->pol,
		.home = c->home,
		.project = c->project,
		.project_explicit = c->o.project != NULL,
		.cwd = c->cwd,
		.mode = mode,
		.abi = c->abi,
		.tmp_host = tmp_host,
		.quiet = c->o.quiet,
		.agent = guard_profile_is_agent(c->pol.profile),
		.session_id = c->id,
		.event_socket = sock_in,
		.session_magic = c->magic,
		.rundir = rundir,
		.shim = c->shim,
		.exe = ns ? exe : NULL,
		.allow_degraded = c->o.allow_degraded,
	};
	guard_plan_build(&plan, &in);
	if (!c->o.dry_run && guard_exec_prelaunch_denied(&plan, c->o.argv)) {
		/* exec.deny names the command itself: refused before anything starts */
		guard_plan_free(&plan);
		exit(GUARD_EXIT_NOT_EXECUTABLE); /* remove_attempt_dirs() */
	}
	struct guard_strv ov = {0};
	guard_net_env(&plan, &ov); /* proxy variables, kept host-socket variables (net_plan.c) */
	char **dropped = NULL;
	char **lockdown_env = c->o.lockdown ? guard_lockdown_environ(environ) : NULL;
	char **env = guard_env_build(lockdown_env ? lockdown_env : environ, &c->pol,
				     shim_overrides(plan.tmpdir, shim_in, img_in, c->id, c->magic, &ov), &dropped);
	free(lockdown_env);
	int rc;
	if (c->o.dry_run) {
		guard_plan_print(&plan, argv, dropped);
		rc = 0;
	} else {
		guard_write_file(img_host, plan.image_buf, plan.image_len, 0644);
		if (c->shim) {
			char *stub = guard_path_join(rundir, "libguard.so");
			guard_write_file(stub, "", 0, 0644);
			free(stub);
		}
		if (exe && ns) {
			char *stub = guard_path_join(rundir, "guard");
			guard_write_file(stub, "", 0, 0644);
			free(stub);
		}
		struct guard_supervision sup = {
			.event_fd = guard_event_socket(sock_host),
			.observer_sock = {-1, -1},
			.magic = c->magic,
			.image = &plan.image,
		};
		if (c->observer && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sup.observer_sock) != 0)
			guard_die_errno(NULL, "socketpair");
		struct guard_session_info info = {
			.id = c->id,
			.argv = argv,
			.cwd = c->cwd,
			.project = c->project,
			.home = c->home,
			.profile = c->pol.profile ? c->pol.profile : "default",
			.mode = ns ? "namespaces" : "landlock-only",
			.abi = c->abi,
			.shim = c->shim != NULL,
			.observer = c->observer,
			.passthrough = guard_passthrough_applied()->v,
			.unobserved = c->observer ? NULL
						  : "calls that bypass libc (static binaries, raw syscalls): the "
						    "observer was off",
		};
		/* The session's cgroups: processes as root (RLIMIT_NPROC does not bind uid 0), memory, cpu share
		 * (limits_linux.c; one that cannot be made refuses the run unless --allow-degraded). */
		struct guard_cgroup cg = {0};
		if (guard_limits_cgroup(&plan, &cg, c->id, c->o.allow_degraded))
			sup.cgroup = &cg;
		char swhy[512];
		sup.session = guard_session_create(&info, plan.image_buf, plan.image_len, swhy, sizeof swhy);
		if (!sup.session)
			guard_note("no session log: %s", swhy);
		char mwhy[512];
		sup.mask = guard_masker_new(&c->pol, mwhy, sizeof mwhy);
		if (!sup.mask && mwhy[0])
			guard_die(NULL, "mask_output: %s", mwhy);
		rc = guard_sandbox_run(&plan, argv, env, &sup, why, whylen);
		guard_masker_free(sup.mask);
		guard_cgroup_destroy(&cg);
		close(sup.event_fd);
		for (int i = 0; i < 2; i++)
			if (sup.observer_sock[i] >= 0)
				close(sup.observer_sock[i]);
		if (sup.session && rc == GUARD_SANDBOX_NO_USERNS) {
			/* Nothing ran: the Landlock-only attempt logs under the same id. */
			char *dir = guard_xstrdup(guard_session_dir(sup.session));
			guard_session_finish(sup.session, GUARD_EXIT_ERROR);
			nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
			free(dir);
		} else if (sup.session) {
			unsigned denied = guard_session_finish(sup.session, rc);
			if (denied)
				guard_note("%u access%s denied — run: guard report", denied, denied == 1 ? "" : "es");
		}
	}
	guard_strv_free(env);
	guard_strv_free(dropped);
	guard_strv_clear(&ov);
	guard_strv_clear(&hooked);
	free(exe);
	guard_plan_free(&plan);
	remove_attempt_dirs();
	free(tmp_host), free(rundir), free(sock_host), free(img_host), free(sock_in), free(img_in), free(shim_in);
	return rc;
}

int guard_cmd_run(int argc, char **argv)
{
	struct run_ctx c = {0};
	char why[512] = "";
	guard_parse_options(argc, argv, &c.o, true);
	guard_locate(&c.o, &c.home, &c.cwd, &c.project);
	guard_load_policy(&c.o, c.home, c.project, &c.pol); /* with guard's implicit rules (implicit_rules.c) */
	guard_profile_prepare_state(&c.pol, c.home, c.o.dry_run); /* the agent's state dirs, before the plan */
	guard_own_state_create();                                 /* guard's own, so that they can be covered */
	warn_reserved(&c.pol);

	c.abi = guard_probe_landlock_abi(why, sizeof why);
	if (c.abi < 1) {
		if (!c.o.allow_degraded)
			guard_die("run `guard doctor`; --allow-degraded runs with namespaces and seccomp only",
				  "Landlock is not available (%s): refusing to run without the file-system boundary", why);
		guard_note("Landlock unavailable (%s): running with --allow-degraded, without it", why);
		c.abi = 0;
	}
	enum guard_mode mode = c.o.no_userns ? GUARD_MODE_LANDLOCK_ONLY : GUARD_MODE_NAMESPACES;
	if (mode == GUARD_MODE_LANDLOCK_ONLY && c.abi < 1)
		guard_die("run `guard doctor`", "no sandbox is possible: no user namespaces requested and no Landlock");
	c.observer = !c.o.no_observer && guard_probe_seccomp_notify();
	if (!c.observer && !c.o.no_observer)
		guard_note("seccomp user notification unavailable: calls that bypass libc are not logged");
	c.shim = c.o.no_shim ? NULL : guard_find_shim();
	c.id = guard_session_new_id();
	c.magic = guard_session_magic();
	atexit(remove_attempt_dirs);

	int rc = run_in_mode(&c, mode, why, sizeof why);
	if (rc == GUARD_SANDBOX_NO_USERNS) {
		if (c.abi < 1)
			guard_die("run `guard doctor`", "no sandbox is possible: %s, and Landlock is unavailable", why);
		guard_note("user namespaces unavailable (%s): Landlock-only mode (see `guard doctor`)", why);
		rc = run_in_mode(&c, GUARD_MODE_LANDLOCK_ONLY, why, sizeof why);
	}
	guard_policy_free(&c.pol);
	free(c.o.flags);
	free(c.o.allow_net);
	free(c.o.deny_exec);
	free(c.home), free(c.cwd), free(c.project), free(c.shim), free(c.id);
	return rc;
}
