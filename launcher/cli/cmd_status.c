/* `guard status`: the policy at a glance, before running anything: which profile and why, the project, whether
 * its .guard.yaml is trusted, how many rules each file adds, and the mode `guard run` would use. Exit 0 when
 * `guard run` would start, 1 when it would refuse (a policy error, an untrusted loosening project file, no
 * sandbox possible here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/guard.h"
#include "sandbox/platform.h"
#include "policy/implicit_rules.h"
#include "policy/profile.h"
#include "lib/fileio.h"

#define MAX_POLICY_BYTES (4u << 20)

enum col { C_READ, C_WRITE, C_DENY, C_PROTECT, C_PASS, C_DROP, C_NET, NCOL };
static const char *const col_names[NCOL] = {"read", "write", "deny", "protect", "env.pass", "env.drop", "net.allow"};

struct row {
	const char *file;
	enum guard_source src;
	unsigned n[NCOL];
};

static void count(struct row *rows, size_t *nrows, struct guard_origin at, enum col c)
{
	size_t i = 0;
	while (i < *nrows && strcmp(rows[i].file, at.file) != 0)
		i++;
	if (i == *nrows)
		rows[(*nrows)++] = (struct row){.file = at.file, .src = at.source};
	rows[i].n[c]++;
}

static void print_counts(const struct guard_policy *p)
{
	size_t cap = p->nrules + p->npass + p->ndrop + p->nnet_allow + 1, nrows = 0;
	struct row *rows = guard_xmalloc(cap * sizeof *rows), total = {.file = "total"};
	static const enum col by_kind[] = {
		[GUARD_READ] = C_READ, [GUARD_WRITE] = C_WRITE, [GUARD_DENY] = C_DENY, [GUARD_PROTECT] = C_PROTECT};
	for (size_t i = 0; i < p->nrules; i++)
		count(rows, &nrows, p->rules[i].at, by_kind[p->rules[i].kind]);
	for (size_t i = 0; i < p->npass; i++)
		count(rows, &nrows, p->env_pass[i].at, C_PASS);
	for (size_t i = 0; i < p->ndrop; i++)
		count(rows, &nrows, p->env_drop[i].at, C_DROP);
	for (size_t i = 0; i < p->nnet_allow; i++)
		count(rows, &nrows, p->net_allow[i].at, C_NET);
	printf("rules:\n  %-40s", "");
	for (int c = 0; c < NCOL; c++)
		printf(" %9s", col_names[c]);
	printf("\n");
	for (size_t i = 0; i <= nrows; i++) {
		const struct row *r = i < nrows ? &rows[i] : &total;
		char label[512];
		snprintf(label, sizeof label, "%s%s%s%s", r->file, i < nrows ? " (" : "",
			 i < nrows ? guard_source_name(r->src) : "", i < nrows ? ")" : "");
		printf("  %-40s", label);
		for (int c = 0; c < NCOL; c++) {
			printf(" %9u", r->n[c]);
			total.n[c] += i < nrows ? r->n[c] : 0;
		}
		printf("\n");
	}
	free(rows);
}

/* One line on the project file; false when it would stop `guard run`. */
static bool project_file_state(const char *path, const struct guard_policy *without)
{
	char *buf;
	size_t len;
	int rc = guard_read_file(path, MAX_POLICY_BYTES, &buf, &len);
	if (rc == 1) {
		printf("project file: %s: absent (guard init writes a commented starter)\n", path);
		return true;
	}
	if (rc < 0) {
		printf("project file: %s: unreadable\n", path);
		return false;
	}
	struct guard_origin at;
	struct guard_error err;
	char what[256];
	int loose = guard_project_loosening(without, path, buf, len, &at, what, sizeof what, &err);
	bool ok = true;
	if (loose < 0) {
		printf("project file: %s: does not load: %u:%u: %s\n", path, err.line, err.col, err.message);
		ok = false;
	} else if (loose == 0) {
		printf("project file: %s: only tightens the policy, applies without guard trust\n", path);
	} else if (guard_trust_is_trusted(NULL, path, buf, len)) {
		printf("project file: %s: loosens the policy, trusted (this exact content)\n", path);
	} else {
		printf("project file: %s: UNTRUSTED: it loosens the policy (%s, line %u:%u)%s, so guard run "
		       "refuses it;\n              review it, then run: guard trust\n",
		       path, what, at.line, at.col,
		       guard_trust_has_path(NULL, path) ? " and changed since you trusted it" : "");
		ok = false;
	}
	free(buf);
	return ok;
}

static bool print_mode(bool no_userns)
{
	char why[512] = "", uwhy[512] = "";
	struct guard_platform_caps caps;
	guard_platform_probe(&caps, why, sizeof why);
	int abi = caps.abi;
	bool userns = !no_userns && guard_platform_probe_namespaces(uwhy, sizeof uwhy);
	if (abi < 1) {
		printf("mode:         none: Landlock is unavailable (%s); guard run refuses (see guard doctor)\n", why);
		return false;
	}
	if (userns)
		printf("mode:         namespaces (user, mount, PID namespaces; Landlock ABI %d; seccomp)\n", abi);
	else
		printf("mode:         landlock-only (Landlock ABI %d; %s)\n", abi,
		       no_userns ? "--no-userns"
		       : uwhy[0] ? uwhy
				 : "no user namespaces");
	return true;
}

int guard_cmd_status(int argc, char **argv)
{
	struct guard_options o;
	char *home, *cwd, *project;
	guard_parse_options(argc, argv, &o, false);
	guard_locate(&o, &home, &cwd, &project);
	char why[300] = "";
	const char *chosen = o.profile ? NULL : guard_profile_for_command(o.argv, why, sizeof why, NULL);
	const char *profile = o.profile ? o.profile : chosen ? chosen : "default";
	bool ok = true;

	if (o.profile)
		printf("profile:      %s (--profile)\n", profile);
	else if (chosen)
		printf("profile:      %s (chosen by %s)\n", profile, why);
	else
		printf("profile:      default (%s)\n",
		       o.argv && o.argv[0] ? "no agent profile for this command"
					   : "no command given: guard status -- CMD shows its profile");
	printf("project:      %s%s\n", project,
	       !o.project && (!strcmp(project, home) || !strcmp(project, "/")) ? " (guard run refuses it as a project)"
									       : "");

	/* Everything but the project file first: the trust question is about what that file adds to it. */
	struct guard_policy without, full;
	struct guard_error err;
	struct guard_sources src = {.profile = profile,
				    .flags = o.flags,
				    .nflags = o.nflags,
				    .net_flags = o.allow_net,
				    .nnet_flags = o.nallow_net,
				    .allow_private = o.allow_private};
	if (guard_policy_assemble(&without, &src, &err) < 0) {
		guard_error_print(&err);
		return 1;
	}
	char cfg[4096];
	if (guard_config_dir(cfg, sizeof cfg - 16) == 0) {
		strcat(cfg, "/config.yaml");
		printf("user config:  %s%s\n", cfg, access(cfg, F_OK) == 0 ? "" : " (absent)");
	}
	char *pf = guard_path_join(project, ".guard.yaml");
	ok &= project_file_state(pf, &without);
	src.project_file = pf;
	if (guard_policy_assemble(&full, &src, &err) < 0) {
		printf("(rules without the project file:)\n");
		print_counts(&without);
	} else {
		/* Counted like `guard run` will apply them: with guard's implicit rules. */
		struct guard_implicit in = {home, project, o.passthrough, o.lockdown};
		guard_policy_add_implicit(&full, &in);
		print_counts(&full);
		guard_policy_free(&full);
	}
	ok &= print_mode(o.no_userns);
	guard_policy_free(&without);
	free(pf);
	free(o.flags);
	free(o.allow_net);
	free(o.deny_exec);
	free(home), free(cwd), free(project);
	return ok ? 0 : 1;
}
