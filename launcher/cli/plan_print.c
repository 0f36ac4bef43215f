/* `guard run --dry-run`: the plan as it would be applied, each piece with the rule that asked for it. The
 * platform prints its own parts (sandbox/platform.h): the mode, the file boundary, the system-call filter. */
#include <stdio.h>
#include <string.h>

#include "plan/net_state.h"
#include "plan/plan.h"
#include "policy/policy_api.h"
#include "sandbox/platform.h"

static void origin(const struct guard_plan *plan, const struct guard_image_rule *r, const char *why)
{
	if (r)
		printf("  %s:%u:%u (%s)", guard_image_str(&plan->image, r->file), r->line, r->col,
		       guard_source_name(r->source));
	if (why)
		printf("  [%s]", why);
	printf("\n");
}

/* The network section: the mode, the proxy and its allow-list, host sockets, published ports (net_plan.c). */
static void print_network(const struct guard_plan *plan)
{
	const struct guard_net *n = plan->net;
	if (!n)
		return;
	switch (n->mode) {
	case GUARD_NET_OPEN:
		printf("network: open (network.allow \"*\"): the host's network, no proxy\n");
		break;
	case GUARD_NET_NONE:
		printf("network: none (%s)\n",
		       n->isolated ? "own network namespace: loopback only"
				   : "Landlock TCP rules where the ABI has them; seccomp refuses IP "
				     "sockets");
		break;
	case GUARD_NET_PROXY:
		printf("network: only through guard's proxy at 127.0.0.1:%u (%s), to:\n", n->proxy_port,
		       n->isolated ? "inside the sandbox's own network namespace"
				   : "on the host's loopback; Landlock lets TCP connect reach that port only, seccomp "
				     "refuses UDP and raw sockets");
		for (size_t i = 0; i < n->nrules; i++) {
			const struct guard_net_rule *r = &n->rules[i].r;
			printf("  %-40s %s:%u:%u (%s)\n", r->written, r->at.file, r->at.line, r->at.col,
			       guard_source_name(r->at.source));
		}
		printf("  (a name without :PORT allows ports 80 and 443; loopback, link-local and cloud metadata "
		       "addresses only when a rule names the address)\n");
		break;
	}
	for (size_t i = 0; i < guard_net_forward_count(plan); i++) {
		const struct net_forward *f = &n->fwd[i];
		char a4[16];
		snprintf(a4, sizeof a4, "%u.%u.%u.%u", f->addr4[0], f->addr4[1], f->addr4[2], f->addr4[3]);
		printf("host service: %s%s%s port %u (%s, %s:%u): %s\n", f->v4 ? a4 : "", f->v4 && f->v6 ? " and " : "",
		       f->v6 ? "[::1]" : "", f->port, f->rule->r.written, f->rule->r.at.file, f->rule->r.at.line,
		       n->isolated ? "answers at the same address inside the sandbox, forwarded to the host's loopback"
				   : "the host's loopback is the sandbox's; Landlock lets TCP connect reach this port "
				     "(on any "
				     "address)");
	}
	for (size_t i = 0; i < n->nsocks; i++)
		printf("host socket: %s (%s)%s\n", n->socks[i].path, n->socks[i].written,
		       n->sandbox == GUARD_MODE_NAMESPACES ? ": bound in" : "");
	for (size_t i = 0; i < n->npub; i++)
		printf("publish: port %u (%s:%u): %s\n", n->pub[i].port, n->pub[i].at.file, n->pub[i].at.line,
		       n->isolated                 ? "the host's 127.0.0.1 forwarded to the sandbox's loopback"
		       : n->mode == GUARD_NET_OPEN ? "the host's own port"
						   : "the sandbox may bind it on the host (Landlock)");
}

void guard_plan_print(const struct guard_plan *plan, char *const *argv, char *const *env_dropped)
{
	printf("guard: dry run, nothing is executed\n");
	guard_platform_plan_print(plan, GUARD_PART_MODE);
	printf("project: %s\nhome: %s\nworking directory: %s\nTMPDIR: %s%s\n", plan->project, plan->home, plan->cwd,
	       plan->tmpdir, plan->mode == GUARD_MODE_NAMESPACES ? " (private tmpfs)" : " (private, removed at exit)");
	print_network(plan);
	guard_platform_plan_print(plan, GUARD_PART_BOUNDARY);
	printf("\nDenied or protected inside granted trees (%zu; %zu entries scanned):\n", plan->holes.n,
	       plan->scanned_entries);
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		printf("  %-11s %s%s  by \"%s%s\"", h->deny ? "deny" : "protect", h->path, h->is_dir ? "/" : "",
		       (h->rule->flags & GUARD_IRULE_NEGATED) ? "!" : "",
		       guard_image_str(&plan->image, h->rule->written));
		origin(plan, h->rule, h->note);
	}
	guard_platform_plan_print(plan, GUARD_PART_SYSCALLS);
	printf("\nlimits: processes %s, open files %s, core dumps %s\n",
	       plan->rlimits.processes < 0 ? "unchanged" : "limited",
	       plan->rlimits.open_files < 0 ? "unchanged" : "limited", plan->rlimits.core_dumps ? "on" : "off");
	if (plan->rlimits.processes >= 0 || plan->rlimits.open_files >= 0)
		printf("  (processes %lld, open files %lld)\n", plan->rlimits.processes, plan->rlimits.open_files);
	guard_platform_plan_print(plan, GUARD_PART_PROCESS);
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
