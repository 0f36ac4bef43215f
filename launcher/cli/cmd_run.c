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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "hooks/agent_hook.h"
#include "hooks/claude_resume.h"
#include "plan/env.h"
#include "policy/implicit_rules.h"
#include "policy/limits_plan.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "policy/passthrough.h"
#include "policy/profile.h"
#include "sandbox/platform.h"
#include "supervisor/mask.h"
#include "supervisor/session_setup.h"
#include "lib/cloexec.h"
#include "lib/fileio.h"
#include "lib/proc.h"

extern char **environ;

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
static char **shim_overrides(const char *tmpdir, const char *shim, const char *image, const char *id, uint64_t magic,
			     struct guard_strv *keep)
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
	bool port_rules, observer;
	char *shim, *id;
	uint64_t magic;
	char *const *guard_args; /* guard's own options as given (after `run`, before the command) */
	size_t nguard_args;
	struct guard_log_limits log; /* the session log's bounds */
};

/* The session log's bounds: --log-cap / --log-free-margin, else limits.log / limits.log_free_margin, else the
 * defaults (session_limit.h). A bad flag value ends guard before anything runs. */
static struct guard_log_limits log_limits(const struct guard_options *o, const struct guard_policy *p)
{
	struct guard_log_limits l = {0};
	long long cap = p->log.set ? p->log.value : 0, margin = p->log_free_margin.value;
	bool margin_set = p->log_free_margin.set;
	const char *why = "";
	if (o->log_cap && guard_parse_log_cap(o->log_cap, &cap, &why) != 0)
		guard_die("write a size: --log-cap 64M (K, M, G, T are powers of 1024; at least 64K)",
			  "--log-cap \"%s\" is not a log size: %s", o->log_cap, why);
	if (o->log_free_margin) {
		if (guard_parse_log_margin(o->log_free_margin, &margin, &why) != 0)
			guard_die(
				"write a size (--log-free-margin 1G, or 0 for none) or a share (--log-free-margin 5%)",
				"--log-free-margin \"%s\" is not a free-space margin: %s", o->log_free_margin, why);
		margin_set = true;
	}
	l.cap = (unsigned long long)cap;
	l.margin_set = margin_set;
	l.margin_is_percent = margin_set && margin < 0;
	l.margin = (unsigned long long)(margin < 0 ? -margin : margin);
	return l;
}

/* One attempt's own files: where they are on the host, and where the sandbox finds them. */
struct run_paths {
	char *tmp_host; /* Landlock-only: the private temp dir; NULL in namespaces mode */
	char *rundir;   /* the private run dir (image, event socket, hook settings) */
	char *sock_host, *img_host;
	char *sock_in, *img_in, *shim_in;
	int cleanup_fd;        /* the watcher that removes rundir and tmp_host if guard is killed (session_setup.c) */
	pid_t cleanup_starter; /* the child that started it, reaped with the paths */
};

/* Made on the host before the plan (the plan names them) and removed however guard leaves, a planning error's
 * exit included: one attempt's at a time, and only by the process that made them. A forked child that exits
 * shares the atexit list, and in a new PID namespace even its pid can equal ours, so the namespace is compared
 * too. */
static struct run_paths *pending_paths;
static pid_t pending_owner;
static unsigned long long pending_pidns;

static void remove_paths(struct run_paths *p)
{
	if (p->rundir)
		guard_remove_rundir(p->rundir);
	if (p->tmp_host)
		nftw(p->tmp_host, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(p->tmp_host), free(p->rundir), free(p->sock_host), free(p->img_host), free(p->sock_in), free(p->img_in);
	free(p->shim_in);
	if (p->cleanup_fd >= 0)
		close(p->cleanup_fd);
	/* it has long exited (or a subreaper's loop reaped it already: ECHILD) */
	while (p->cleanup_starter > 0 && waitpid(p->cleanup_starter, NULL, 0) < 0 && errno == EINTR)
		;
	memset(p, 0, sizeof *p);
	p->cleanup_fd = -1;
}

static void remove_pending_paths(void)
{
	if (pending_paths && pending_owner == getpid() && pending_pidns != 0 &&
	    pending_pidns == guard_proc_pid_namespace())
		remove_paths(pending_paths);
	pending_paths = NULL;
}

static void make_paths(const struct run_ctx *c, bool ns, struct run_paths *p)
{
	static bool registered;
	memset(p, 0, sizeof *p);
	p->cleanup_fd = -1;
	if (!registered && atexit(remove_pending_paths) != 0)
		guard_die(NULL, "out of memory");
	registered = true;
	pending_paths = p;
	pending_owner = getpid();
	pending_pidns = guard_proc_pid_namespace();
	p->tmp_host = ns ? NULL : make_private_tmp();
	p->rundir = guard_make_rundir();
	char *const made[] = {p->rundir, p->tmp_host};
	p->cleanup_fd = guard_cleanup_watch(made, 2, &p->cleanup_starter);
	p->sock_host = guard_path_join(p->rundir, "events.sock");
	p->img_host = guard_path_join(p->rundir, "policy.img");
	p->sock_in = ns ? guard_xstrdup(GUARD_RUN_DIR "/events.sock") : guard_xstrdup(p->sock_host);
	p->img_in = ns ? guard_xstrdup(GUARD_RUN_DIR "/policy.img") : guard_xstrdup(p->img_host);
	/* LD_PRELOAD splits on spaces and colons, with no escape: a shim under such a path (a checkout in "~/my
	 * src") is named through a symlink in the run directory (write_own_files), which Landlock resolves to the
	 * shim's own rule. */
	if (!c->shim)
		p->shim_in = NULL;
	else if (ns)
		p->shim_in = guard_xstrdup(GUARD_RUN_DIR "/libguard.so");
	else if (strpbrk(c->shim, " :"))
		p->shim_in = guard_path_join(p->rundir, "libguard.so");
	else
		p->shim_in = guard_xstrdup(c->shim);
}

static void drop_paths(struct run_paths *p)
{
	remove_paths(p);
	pending_paths = NULL;
}

/* guard's own files are policy like any other, so Landlock, the observer's verdicts and `guard explain` agree
 * about them. */
static void grant_own_files(struct run_ctx *c, bool ns, const struct run_paths *p)
{
	struct guard_origin own = {guard_policy_intern(&c->pol, "(guard: its own files)"), 0, 0, GUARD_SRC_PROFILE};
	struct guard_error err;
	if (guard_policy_add_rule(&c->pol, GUARD_READ, ns ? GUARD_RUN_DIR : p->rundir, own, &err) != 0 ||
	    (!ns && c->shim && guard_policy_add_rule(&c->pol, GUARD_READ, c->shim, own, &err) != 0))
		guard_die(NULL, "internal error: %s", err.message);
}

/* Claude Code and Codex: guard's hook on their command line (agent_hook.c); the hook runs guard itself, bound at
 * GUARD_RUN_DIR/guard (namespaces) or granted where it lies. Returns the argv to run; *exe: guard's own path when
 * the hook needs it (malloc'd), else NULL. */
static char *const *hook_agent(struct run_ctx *c, bool ns, const struct run_paths *p, struct guard_strv *hooked,
			       char **exe)
{
	char *const *argv = c->o.argv;
	enum guard_hook_agent agent = guard_agent_hook_wanted(&c->pol);
	*exe = agent != GUARD_AGENT_NONE ? guard_proc_self_exe() : NULL;
	if (!*exe)
		return argv;
	char *settings_host = guard_path_join(p->rundir, GUARD_CLAUDE_SETTINGS);
	const char *settings_in = ns ? GUARD_RUN_DIR "/" GUARD_CLAUDE_SETTINGS : settings_host;
	if (guard_agent_hook_argv(agent, c->o.argv, settings_host, settings_in, ns ? GUARD_RUN_DIR "/guard" : *exe,
				  c->o.dry_run, hooked)) {
		argv = hooked->v;
		struct guard_origin own = {guard_policy_intern(&c->pol, "(guard: its own files)"), 0, 0,
					   GUARD_SRC_PROFILE};
		struct guard_error err;
		if (!ns && guard_policy_add_rule(&c->pol, GUARD_READ, *exe, own, &err) != 0)
			guard_die(NULL, "internal error: %s", err.message);
	} else {
		free(*exe);
		*exe = NULL;
	}
	free(settings_host);
	return argv;
}

static void build_plan(struct run_ctx *c, enum guard_mode mode, const struct run_paths *p, const char *exe,
		       struct guard_plan *plan)
{
	struct guard_plan_input in = {
		.policy = &c->pol,
		.home = c->home,
		.project = c->project,
		.project_explicit = c->o.project != NULL,
		.cwd = c->cwd,
		.mode = mode,
		.abi = c->abi,
		.port_rules = c->port_rules,
		.tmp_host = p->tmp_host,
		.quiet = c->o.quiet,
		.agent = guard_profile_is_agent(c->pol.profile),
		.session_id = c->id,
		.event_socket = p->sock_in,
		.session_magic = c->magic,
		.rundir = p->rundir,
		.shim = c->shim,
		.exe = mode == GUARD_MODE_NAMESPACES ? exe : NULL,
		.allow_degraded = c->o.allow_degraded,
		.observer = c->observer,
	};
	guard_plan_build(plan, &in);
	guard_platform_plan(plan, &in);
}

/* The sandbox's environment: scrubbed, with the network's and the shim's variables. */
static char **sandbox_env(const struct run_ctx *c, const struct guard_plan *plan, const struct run_paths *p,
			  struct guard_strv *ov, char ***dropped)
{
	/* env.set first: guard's own variables, pushed after them, win */
	for (size_t i = 0; i < c->pol.nset; i++)
		guard_strv_push(ov, guard_xstrdup(c->pol.env_set[i].name));
	guard_net_env(plan, ov); /* proxy variables, kept host-socket variables (net_plan.c) */
	char **lockdown_env = c->o.lockdown ? guard_lockdown_environ(environ) : NULL;
	char **env = guard_env_build(lockdown_env ? lockdown_env : environ, &c->pol,
				     shim_overrides(plan->tmpdir, p->shim_in, p->img_in, c->id, c->magic, ov), dropped);
	free(lockdown_env);
	return env;
}

/* What the sandbox reads of guard's own files: the image, and empty mount points for the shim and guard. */
static void write_own_files(const struct run_ctx *c, const struct guard_plan *plan, const struct run_paths *p,
			    bool bind_exe)
{
	guard_write_file(p->img_host, plan->image_buf, plan->image_len, 0644);
	if (c->shim) {
		char *stub = guard_path_join(p->rundir, "libguard.so");
		if (strcmp(p->shim_in, stub) != 0)
			guard_write_file(stub, "", 0, 0644);
		else if (symlink(c->shim, stub) != 0)
			guard_die_errno(NULL, "linking the shim into %s", p->rundir);
		free(stub);
	}
	if (bind_exe) {
		char *stub = guard_path_join(p->rundir, "guard");
		guard_write_file(stub, "", 0, 0644);
		free(stub);
	}
}

/* What runs may have guard's hook in it; the log keeps the command as the user wrote it, so the advice built from
 * it (guard explain, the report) works when copied. */
static struct guard_session *open_session_log(const struct run_ctx *c, const struct guard_plan *plan)
{
	struct guard_session_info info = {
		.id = c->id,
		.argv = c->o.argv,
		.cwd = c->cwd,
		.project = c->project,
		.home = c->home,
		.profile = c->pol.profile ? c->pol.profile : "default",
		.mode = plan->mode == GUARD_MODE_NAMESPACES ? "namespaces" : "landlock-only",
		.abi = c->abi,
		.shim = c->shim != NULL,
		.observer = c->observer,
		.passthrough = guard_passthrough_applied()->v,
		.log = c->log,
		.unobserved = c->observer
				      ? plan->unobserved
				      : "calls that bypass libc (static binaries, raw syscalls): the observer was off",
	};
	char swhy[512];
	struct guard_session *s = guard_session_create(&info, plan->image_buf, plan->image_len, swhy, sizeof swhy);
	if (!s)
		guard_note("no session log: %s", swhy);
	return s;
}

static void close_session_log(struct guard_session *s, int rc)
{
	if (!s)
		return;
	if (rc == GUARD_SANDBOX_NO_USERNS) {
		/* Nothing ran: the Landlock-only attempt logs under the same id. */
		char *dir = guard_xstrdup(guard_session_dir(s));
		guard_session_finish(s, GUARD_EXIT_ERROR);
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(dir);
		return;
	}
	char held[768];
	bool limited = guard_session_limited(s, held, sizeof held);
	unsigned denied = guard_session_finish(s, rc);
	if (denied)
		guard_note("%u access%s denied — run: guard report", denied, denied == 1 ? "" : "es");
	if (limited)
		guard_note("session log: %s — see: guard report", held);
}

/* The session around the sandbox: event socket, observer channel, log, masker; then the platform's run. */
static int run_session(struct run_ctx *c, struct guard_plan *plan, const struct run_paths *p, char *const *argv,
		       char *const *env, char *why, size_t whylen)
{
	struct guard_supervision sup = {
		.event_fd = guard_event_socket(p->sock_host),
		.observer_sock = {-1, -1},
		.magic = c->magic,
		.image = &plan->image,
	};
	if (c->observer && guard_socketpair_cloexec(AF_UNIX, SOCK_SEQPACKET, 0, sup.observer_sock) != 0)
		guard_die_errno(NULL, "socketpair");
	sup.session = open_session_log(c, plan);
	char mwhy[512];
	sup.mask = guard_masker_new(&c->pol, mwhy, sizeof mwhy);
	if (!sup.mask && mwhy[0])
		guard_die(NULL, "mask_output: %s", mwhy);
	int rc = guard_platform_run(plan, argv, env, &sup, why, whylen);
	guard_masker_free(sup.mask);
	close(sup.event_fd);
	for (int i = 0; i < 2; i++)
		if (sup.observer_sock[i] >= 0)
			close(sup.observer_sock[i]);
	close_session_log(sup.session, rc);
	return rc;
}

/* Claude Code's own resume hint names guard's settings file, which exists only in the session: after an
 * interactive session that Claude saved, say the command that resumes it under guard. */
static void resume_hint(const struct run_ctx *c, time_t start)
{
	char id[80];
	if (isatty(0) && isatty(2) && guard_claude_session_saved(c->home, start - 1, id, sizeof id))
		guard_claude_resume_hint(c->guard_args, c->nguard_args, c->o.argv[0], id);
}

/* One attempt in one mode: paths for the mode, the plan, pre-launch checks, the session and its run, teardown.
 * Returns guard's exit status, or GUARD_SANDBOX_NO_USERNS. */
static int run_in_mode(struct run_ctx *c, enum guard_mode mode, char *why, size_t whylen)
{
	bool ns = mode == GUARD_MODE_NAMESPACES;
	struct run_paths paths;
	make_paths(c, ns, &paths);
	grant_own_files(c, ns, &paths);
	struct guard_strv hooked = {0};
	char *exe;
	char *const *argv = hook_agent(c, ns, &paths, &hooked, &exe);
	struct guard_plan plan;
	build_plan(c, mode, &paths, exe, &plan);
	if (!c->o.dry_run && guard_exec_prelaunch_denied(&plan, c->o.argv))
		exit(GUARD_EXIT_NOT_EXECUTABLE); /* exec.deny names the command itself: refused before anything starts */
	struct guard_strv ov = {0};
	char **dropped = NULL;
	char **env = sandbox_env(c, &plan, &paths, &ov, &dropped);
	int rc = 0;
	if (c->o.dry_run) {
		guard_plan_print(&plan, argv, dropped);
	} else {
		write_own_files(c, &plan, &paths, exe && ns);
		time_t start = time(NULL);
		rc = run_session(c, &plan, &paths, argv, env, why, whylen);
		if (rc != GUARD_SANDBOX_NO_USERNS && hooked.n && guard_agent_hook_wanted(&c->pol) == GUARD_AGENT_CLAUDE)
			resume_hint(c, start);
	}
	guard_strv_free(env);
	guard_strv_free(dropped);
	guard_strv_clear(&ov);
	guard_strv_clear(&hooked);
	free(exe);
	guard_platform_plan_free(&plan);
	guard_plan_free(&plan);
	drop_paths(&paths);
	return rc;
}

int guard_cmd_run(int argc, char **argv)
{
	struct run_ctx c = {0};
	char why[512] = "";
	guard_parse_options(argc, argv, &c.o, true);
	c.guard_args = argv + 1;
	c.nguard_args = (size_t)(c.o.argv - (argv + 1));
	guard_locate(&c.o, &c.home, &c.cwd, &c.project);
	guard_load_policy(&c.o, c.home, c.project, &c.pol); /* with guard's implicit rules (implicit_rules.c) */
	c.log = log_limits(&c.o, &c.pol);
	/* The agent's state, before the plan; not for a command that is not there (nothing to keep state for). */
	if (c.o.dry_run || guard_command_found(c.o.argv[0]))
		guard_profile_prepare_state(&c.pol, c.home, c.o.dry_run);
	guard_own_state_create(); /* guard's own, so that they can be covered */

	struct guard_platform_caps caps;
	guard_platform_probe(&caps, why, sizeof why);
	c.abi = caps.abi;
	c.port_rules = caps.port_rules;
	if (c.abi < 1) {
		if (!c.o.allow_degraded)
			guard_die("run `guard doctor`; --allow-degraded runs with namespaces and seccomp only",
				  "Landlock is not available (%s): refusing to run without the file-system boundary",
				  why);
		guard_note("Landlock unavailable (%s): running with --allow-degraded, without it", why);
		c.abi = 0;
		c.port_rules = false;
	}
	enum guard_mode mode = c.o.no_userns ? GUARD_MODE_LANDLOCK_ONLY : GUARD_MODE_NAMESPACES;
	if (mode == GUARD_MODE_LANDLOCK_ONLY && c.abi < 1)
		guard_die("run `guard doctor`", "no sandbox is possible: no user namespaces requested and no Landlock");
	c.observer = !c.o.no_observer && caps.observer;
	if (!c.observer && !c.o.no_observer)
		guard_note("seccomp user notification unavailable: calls that bypass libc are not logged");
	c.shim = c.o.no_shim ? NULL : guard_find_shim();
	c.id = guard_session_new_id();
	c.magic = guard_session_magic();

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
