/* `guard run --dry-run`: the plan as it would be applied, each piece with the rule that asked for it. */
#include <stdio.h>
#include <string.h>

#include "policy/limits_plan.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "policy/policy_api.h"

static void origin(const struct guard_plan *plan, const struct guard_image_rule *r, const char *why)
{
	if (r)
		printf("  %s:%u:%u (%s)", guard_image_str(&plan->image, r->file), r->line, r->col,
		       guard_source_name(r->source));
	if (why)
		printf("  [%s]", why);
	printf("\n");
}

static void seccomp_line(void *ctx, const char *text)
{
	(void)ctx;
	printf("  %s\n", text);
}

static const char *mount_kind(enum guard_mount_kind k)
{
	switch (k) {
	case GUARD_MNT_TMPFS:
		return "tmpfs";
	case GUARD_MNT_REBIND:
		return "bind";
	case GUARD_MNT_PIN:
		return "pin";
	case GUARD_MNT_COVER_FILE:
		return "cover-file";
	case GUARD_MNT_COVER_DIR:
		return "cover-dir";
	case GUARD_MNT_READONLY:
		return "read-only";
	}
	return "?";
}

void guard_plan_print(const struct guard_plan *plan, char *const *argv, char *const *env_dropped)
{
	printf("guard: dry run, nothing is executed\n");
	if (plan->mode == GUARD_MODE_NAMESPACES)
		printf("mode: namespaces (user, mount, pid, ipc, uts%s) + Landlock ABI %d + seccomp\n",
		       plan->net_isolated ? ", net" : "", plan->abi);
	else
		printf("mode: Landlock-only (no user namespaces) + Landlock ABI %d + seccomp\n", plan->abi);
	printf("project: %s\nhome: %s\nworking directory: %s\nTMPDIR: %s%s\n", plan->project, plan->home, plan->cwd,
	       plan->tmpdir, plan->mode == GUARD_MODE_NAMESPACES ? " (private tmpfs)" : " (private, removed at exit)");
	guard_net_plan_print(plan); /* net_plan.c */

	printf("\nLandlock rules (%zu), everything else denied:\n", plan->grants.n);
	for (size_t i = 0; i < plan->grants.n; i++) {
		const struct guard_grant *g = &plan->grants.v[i];
		printf("  %-11s %s", guard_access_name(g->access, plan->handled_fs), g->path);
		origin(plan, g->rule, g->why);
	}
	if (plan->mode == GUARD_MODE_NAMESPACES) {
		printf("\nMounts (%zu):\n", plan->mounts.n);
		for (size_t i = 0; i < plan->mounts.n; i++) {
			const struct guard_mount *m = &plan->mounts.v[i];
			printf("  %-11s %s", mount_kind(m->kind), m->path);
			origin(plan, m->kind == GUARD_MNT_REBIND ? NULL : m->rule, m->why);
		}
		for (size_t i = 0; i < plan->exec_stubs.n; i++) /* exec_rules.c */
			printf("  %-11s %s  (exec.deny: guard's stub, exits 126)\n", "exec-stub", plan->exec_stubs.v[i]);
	}
	printf("\nDenied or protected inside granted trees (%zu; %zu entries scanned):\n", plan->holes.n,
	       plan->scanned_entries);
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		printf("  %-11s %s%s  by \"%s%s\"", h->deny ? "deny" : "protect", h->path, h->is_dir ? "/" : "",
		       (h->rule->flags & GUARD_IRULE_NEGATED) ? "!" : "", guard_image_str(&plan->image, h->rule->written));
		origin(plan, h->rule, h->note);
	}
	printf("\nseccomp:\n");
	guard_seccomp_describe(&plan->seccomp, seccomp_line, NULL);
	printf("\nlimits: processes %s, open files %s, core dumps %s\n",
	       plan->rlimits.processes < 0 ? "unchanged" : "limited",
	       plan->rlimits.open_files < 0 ? "unchanged" : "limited", plan->rlimits.core_dumps ? "on" : "off");
	if (plan->rlimits.processes >= 0 || plan->rlimits.open_files >= 0)
		printf("  (processes %lld, open files %lld)\n", plan->rlimits.processes, plan->rlimits.open_files);
	guard_limits_print(plan); /* memory, cpu, passthroughs (limits_linux.c) */
	printf("capabilities: all dropped (bounding, ambient, inheritable, permitted, effective)\n");
	printf("environment: dropped");
	if (!env_dropped || !*env_dropped)
		printf(" nothing");
	for (; env_dropped && *env_dropped; env_dropped++)
		printf(" %s", *env_dropped);
	printf("\n");
	for (size_t i = 0; i < plan->notes.n; i++)
		printf("note: %s\n", plan->notes.v[i]);
	printf("\ncommand:");
	for (; *argv; argv++)
		printf(" %s", *argv);
	printf("\n");
}
