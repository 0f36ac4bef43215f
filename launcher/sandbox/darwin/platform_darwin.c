/* The macOS backend behind sandbox/platform.h: the plan becomes a Seatbelt profile (sbpl.c), printed by --dry-run
 * and applied by the forked child to itself before it execs the command with the DYLD shim (seatbelt_darwin.c).
 * No namespaces, no system-call filter: Seatbelt mediates operations itself, and the neutral plan runs in its
 * Landlock-only shape (a private temp dir made on the host, the proxy on the host's loopback).
 *
 * Compiled and linked for macOS here (make macos); it has not run on a Mac yet (README, "macOS"). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/net.h"
#include "policy/limits_plan.h"
#include "sandbox/darwin/sbpl.h"
#include "sandbox/darwin/seatbelt.h"
#include "sandbox/kernel_api.h"
#include "sandbox/platform.h"
#include "supervisor/sandbox_record.h"

struct guard_os_plan {
	char *profile;
	char **host_sockets;
	struct guard_sbpl_input sbpl;  /* what the profile was made from */
	struct guard_sbpl_port *ports; /* its loopback services (guard_sbpl_net_input) */
};

void guard_platform_probe(struct guard_platform_caps *caps, char *why, size_t whylen)
{
	/* Seatbelt cannot be probed without applying it; what can be known is whether it is already applied, and
	 * then macOS refuses a second profile. */
	bool nested = guard_seatbelt_active();
	caps->abi = nested ? 0 : 1;
	caps->port_rules = true; /* network-outbound to one loopback port */
	caps->observer = false;
	if (nested)
		snprintf(why, whylen, "guard runs inside a Seatbelt sandbox already, and macOS refuses a nested one");
	else if (whylen)
		why[0] = 0;
}

/* The resolved spelling Seatbelt matches: realpath of the longest prefix that exists, the rest appended. */
static char *physical(const char *path, void *ctx)
{
	(void)ctx;
	char *head = guard_xstrdup(path);
	char resolved[PATH_MAX];
	for (;;) {
		if (realpath(head[0] ? head : "/", resolved)) {
			char *out = guard_xasprintf("%s%s",
						    strcmp(resolved, "/") == 0 && path[strlen(head)] ? "" : resolved,
						    path + strlen(head));
			free(head);
			return out;
		}
		char *slash = strrchr(head, '/');
		if (!slash) {
			free(head);
			return guard_xstrdup(path);
		}
		*slash = 0;
	}
}

/* No cgroups on macOS: a memory limit can only be RLIMIT_DATA per process and a CPU share not at all. As on
 * Linux without a writable cgroup, that is refused unless the user accepted less (--allow-degraded). */
static void lower_limits(struct guard_plan *plan)
{
	struct guard_rlimits *r = &plan->rlimits;
	if ((r->memory > 0 || r->cpu_milli > 0) && !plan->allow_degraded)
		guard_die(
			"drop limits.memory and a limits.cpu share, or accept per-process limits with --allow-degraded",
			"limits.%s cannot be enforced for the whole session on macOS (no cgroups)",
			r->memory > 0 ? "memory" : "cpu");
	if (r->memory > 0) {
		guard_note("limits.memory is enforced per process (RLIMIT_DATA), not for the whole session");
		r->data = r->memory;
		r->memory = -1;
	}
	if (r->cpu_milli > 0) {
		guard_note("limits.cpu as a share is not enforced on macOS");
		r->cpu_milli = -1;
	}
}

void guard_platform_plan(struct guard_plan *plan, const struct guard_plan_input *in)
{
	(void)in;
	struct guard_os_plan *os = calloc(1, sizeof *os);
	if (!os)
		guard_die(NULL, "out of memory");
	plan->os = os;
	size_t nsock = guard_net_host_socket_count(plan);
	os->host_sockets = guard_xmalloc((nsock + 1) * sizeof *os->host_sockets);
	for (size_t i = 0; i < nsock; i++)
		os->host_sockets[i] = guard_xstrdup(guard_net_host_socket_path(plan, i));
	os->host_sockets[nsock] = NULL;
	if (guard_net_publish_count(plan))
		guard_die("remove network.publish, or run on Linux",
			  "network.publish cannot be enforced on macOS yet: Seatbelt cannot scope inbound by port");
	lower_limits(plan);
	const char *tty = isatty(0) ? ttyname(0) : NULL;
	os->sbpl = (struct guard_sbpl_input){
		.plan = plan,
		.host_sockets = (const char *const *)os->host_sockets,
		.shim = plan->shim,
		.tty = tty,
		.keychain = false,
		.tag = plan->session_id,
		.physical = physical,
	};
	/* The proxy listens on the host's loopback (net_plan.c, as in Linux's Landlock-only mode); the profile lets
	 * the sandbox's TCP reach its port and refuses the run when there is none. */
	guard_sbpl_net_input(&os->sbpl, plan, &os->ports);
	char why[512];
	os->profile = guard_sbpl_generate(&os->sbpl, why, sizeof why);
	if (!os->profile)
		guard_die(NULL, "the policy cannot be expressed as a Seatbelt profile: %s", why);
}

void guard_platform_plan_free(struct guard_plan *plan)
{
	if (!plan->os)
		return;
	free(plan->os->profile);
	for (size_t i = 0; plan->os->host_sockets && plan->os->host_sockets[i]; i++)
		free(plan->os->host_sockets[i]);
	free(plan->os->host_sockets);
	guard_sbpl_net_input_free(&plan->os->sbpl, plan->os->ports);
	free(plan->os);
	plan->os = NULL;
}

void guard_platform_plan_print(const struct guard_plan *plan, enum guard_plan_part part)
{
	switch (part) {
	case GUARD_PART_MODE:
		printf("mode: Seatbelt (applied by guard itself) + DYLD shim\n");
		break;
	case GUARD_PART_BOUNDARY:
		printf("\nSeatbelt profile:\n%s", plan->os->profile);
		break;
	case GUARD_PART_SYSCALLS:
		printf("\nsystem calls: no filter on macOS (Seatbelt mediates the operations it knows)\n");
		break;
	case GUARD_PART_PROCESS:
		guard_limits_print(plan);
		break;
	}
}

static void send_record(int fd, char type, int code, int status, const char *msg)
{
	struct guard_record r;
	memset(&r, 0, sizeof r);
	r.type = type, r.code = code, r.status = status;
	if (msg)
		snprintf(r.msg, sizeof r.msg, "%s", msg);
	ssize_t unused = write(fd, &r, sizeof r);
	(void)unused;
}

int guard_platform_run(struct guard_plan *plan, char *const *argv, char *const *env, struct guard_supervision *sup,
		       char *why, size_t whylen)
{
	(void)why, (void)whylen;
	int rec[2];
	/* No pipe2 on macOS; nothing else runs in this process between the two calls. */
	if (pipe(rec) != 0 || fcntl(rec[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(rec[1], F_SETFD, FD_CLOEXEC) != 0)
		guard_die_errno(NULL, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		guard_die_errno(NULL, "fork");
	if (pid == 0) {
		close(rec[0]);
		char msg[480];
		if (guard_rlimits_apply(&plan->rlimits, msg, sizeof msg) != 0) {
			send_record(rec[1], 'E', 125, 0, msg);
			_exit(125);
		}
		int code = guard_seatbelt_exec(plan->os->profile, plan->shim, argv, env, msg, sizeof msg);
		send_record(rec[1], 'E', code, 0, msg);
		_exit(code);
	}
	close(rec[1]);
	guard_net_start(plan, sup->session);
	int rc = guard_supervise(pid, rec[0], true, sup);
	guard_net_stop(plan);
	close(rec[0]);
	return rc;
}
