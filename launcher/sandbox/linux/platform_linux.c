/* The Linux backend behind sandbox/platform.h: probe the kernel, plan (plan_linux.c), print the Linux part of a
 * dry run, free; the run itself is sandbox_linux.c. */
#include <stdio.h>
#include <stdlib.h>

#include "policy/limits_plan.h"
#include "policy/policy_api.h"
#include "sandbox/kernel_api.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/platform.h"
#include "sandbox/probe_api.h"

void guard_platform_probe(struct guard_platform_caps *caps, char *why, size_t whylen)
{
	caps->abi = guard_probe_landlock_abi(why, whylen);
	caps->port_rules = guard_landlock_abi_caps(caps->abi).net != 0;
	caps->observer = guard_probe_seccomp_notify();
}

bool guard_platform_kernel_verdict(pid_t guard_pid, const char *path, bool *read_denied, bool *write_denied, char *why,
				   size_t whylen)
{
	/* Landlock answers no questions: explain's verdict is the policy's, which the boundary was built from. */
	(void)guard_pid, (void)path, (void)read_denied, (void)write_denied;
	if (whylen)
		why[0] = 0;
	return false;
}

bool guard_platform_probe_namespaces(char *why, size_t whylen)
{
	return guard_probe_userns(why, whylen);
}

void guard_platform_plan(struct guard_plan *plan, const struct guard_plan_input *in)
{
	guard_linux_plan(plan, in);
}

void guard_platform_plan_free(struct guard_plan *plan)
{
	guard_linux_plan_free(plan);
}

static void origin(const struct guard_plan *plan, const struct guard_image_rule *r, const char *why)
{
	if (r)
		printf("  %s:%u:%u (%s)", guard_image_str(&plan->image, r->file), r->line, r->col,
		       guard_source_name(r->source));
	if (why)
		printf("  [%s]", why);
	printf("\n");
}

static const char *mount_kind(enum guard_mount_kind k)
{
	static const char *const names[] = {
		[GUARD_MNT_TMPFS] = "tmpfs",
		[GUARD_MNT_REBIND] = "bind",
		[GUARD_MNT_STATE_COPY] = "state-copy",
		[GUARD_MNT_MIRROR] = "mirror",
		[GUARD_MNT_SELF_BIND] = "self-bind",
		[GUARD_MNT_BIND_RO] = "bind-ro",
		[GUARD_MNT_COVER_SOURCES] = "cover-src",
		[GUARD_MNT_PIN] = "pin",
		[GUARD_MNT_COVER_FILE] = "cover-file",
		[GUARD_MNT_COVER_DIR] = "cover-dir",
		[GUARD_MNT_READONLY] = "read-only",
		[GUARD_MNT_STUB] = "exec-stub",
		[GUARD_MNT_LOCK_RUN] = "lock-run",
		[GUARD_MNT_REST_READONLY] = "rest-ro",
	};
	return (size_t)k < sizeof names / sizeof *names && names[k] ? names[k] : "?";
}

static void print_boundary(const struct guard_plan *plan)
{
	const struct guard_os_plan *os = plan->os;
	printf("\nLandlock rules (%zu), everything else denied:\n", os->grants.n);
	for (size_t i = 0; i < os->grants.n; i++) {
		const struct guard_grant *g = &os->grants.v[i];
		printf("  %-11s %s", guard_access_name(g->access, os->handled_fs), g->path);
		origin(plan, g->rule, g->why);
	}
	if (plan->mode != GUARD_MODE_NAMESPACES)
		return;
	printf("\nMounts (%zu):\n", os->mounts.n);
	for (size_t i = 0; i < os->mounts.n; i++) {
		const struct guard_mount *m = &os->mounts.v[i];
		printf("  %-11s %s", mount_kind(m->kind), m->path);
		if (m->kind == GUARD_MNT_BIND_RO)
			printf("  from %s", m->src);
		origin(plan, m->kind == GUARD_MNT_REBIND || m->kind == GUARD_MNT_STATE_COPY ? NULL : m->rule, m->why);
	}
}

static void seccomp_line(void *ctx, const char *text)
{
	(void)ctx;
	printf("  %s\n", text);
}

void guard_platform_plan_print(const struct guard_plan *plan, enum guard_plan_part part)
{
	switch (part) {
	case GUARD_PART_MODE:
		if (plan->mode == GUARD_MODE_NAMESPACES)
			printf("mode: namespaces (user, mount, pid, ipc, uts%s) + Landlock ABI %d + seccomp\n",
			       plan->net_isolated ? ", net" : "", plan->abi);
		else
			printf("mode: Landlock-only (no user namespaces) + Landlock ABI %d + seccomp\n", plan->abi);
		break;
	case GUARD_PART_BOUNDARY:
		print_boundary(plan);
		break;
	case GUARD_PART_SYSCALLS:
		printf("\nseccomp:\n");
		guard_seccomp_describe(&plan->seccomp, seccomp_line, NULL);
		break;
	case GUARD_PART_PROCESS:
		guard_limits_print(plan); /* memory, cpu, passthroughs (limits_linux.c) */
		printf("capabilities: all dropped (bounding, ambient, inheritable, permitted, effective)\n");
		break;
	}
}
