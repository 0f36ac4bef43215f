/* The macOS enforcement suite's profile (tests/macos/enforce.sh): the Seatbelt profile guard generates for a
 * built-in profile in a real home and project, printed. It builds the plan the way plan.c does (resolve, grant
 * the trees that exist, a hole for each hard link the suite names) but without plan.c's scan, which is not
 * ported to macOS yet (MACOS_PENDING in the Makefile).
 *
 *   sbpl_print PROFILE.yaml HOME PROJECT TMPDIR SHIM [HOLE...]  (a HOLE: a path to deny by name, e.g. a hard link)
 *
 * PROFILE.yaml is read as a file (rules/default.yaml): the profiles compiled into guard are an assembler blob
 * built for ELF, and this program's table of them is empty.
 *
 * With GUARD_IMAGE_OUT=FILE the compiled policy is written there too, for the shim (GUARD_POLICY=FILE). With
 * SBPL_NET_ALLOW="host,127.0.0.1:PORT,..." the profile is network.allow's with those entries, and SBPL_PROXY_PORT
 * names the port the suite's stand-in for guard's proxy listens on.
 *
 * Built natively on a Mac by `make macos-enforce`; compiled (not linked) for macOS here by `make macos`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "guard/match.h"
#include "plan/image_build.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "policy/builtin_rules.h"
#include "policy/policy_api.h"
#include "sandbox/darwin/sbpl.h"

const struct guard_builtin_rules guard_builtin_rules[] = {{0, 0, 0, 0}};

static char *physical(const char *path, void *ctx)
{
	(void)ctx;
	char *head = guard_xstrdup(path), resolved[PATH_MAX];
	for (;;) {
		if (realpath(*head ? head : "/", resolved)) {
			char *out = guard_xasprintf("%s%s", strcmp(resolved, "/") ? resolved : "", path + strlen(head));
			free(head);
			return *out ? out : (free(out), guard_xstrdup("/"));
		}
		char *slash = strrchr(head, '/');
		if (!slash)
			break;
		*slash = 0;
	}
	free(head);
	return guard_xstrdup(path);
}

static void grant(struct guard_plan *plan, const struct guard_image_rule *r, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || guard_image_decide(&plan->image, GUARD_DENY, path, S_ISDIR(st.st_mode)))
		return;
	for (size_t i = 0; i < plan->trees.n; i++) /* one tree per path, writable when any grant says so */
		if (strcmp(plan->trees.v[i].path, path) == 0) {
			plan->trees.v[i].write |= r->kind == GUARD_WRITE;
			return;
		}
	struct guard_tree t = {guard_xstrdup(path), S_ISDIR(st.st_mode), r->kind == GUARD_WRITE, r, NULL};
	GUARD_VEC_PUSH(plan->trees, t);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: sbpl_print PROFILE.yaml HOME PROJECT TMPDIR SHIM [HOLE...]\n");
		return 2;
	}
	struct guard_policy policy;
	guard_policy_init(&policy);
	struct guard_error err = {0};
	if (guard_policy_load_file(&policy, argv[1], GUARD_SRC_PROFILE, &err) != 0) {
		guard_error_print(&err);
		return 2;
	}
	struct guard_plan plan = {.mode = GUARD_MODE_LANDLOCK_ONLY};
	plan.home = guard_path_normalize(argv[2]);
	plan.project = guard_path_normalize(argv[3]);
	plan.tmpdir = guard_path_normalize(argv[4]);
	struct guard_image_params prm = {.home = plan.home,
					 .project = plan.project,
					 .tmpdir = plan.tmpdir,
					 .session_id = "",
					 .event_socket = ""};
	guard_image_build(&policy, &prm, &plan.image_buf, &plan.image_len);
	if (guard_image_load(&plan.image, plan.image_buf, plan.image_len) != 0)
		return 2;
	for (uint32_t i = 0; i < plan.image.h->nrules; i++) {
		const struct guard_image_rule *r = &plan.image.rules[i];
		const char *p = guard_image_str(&plan.image, r->pattern);
		if ((r->kind == GUARD_READ || r->kind == GUARD_WRITE) && !(r->flags & GUARD_IRULE_NAME_ONLY) &&
		    !guard_pattern_has_glob(p)) {
			char *n = guard_path_normalize(p);
			grant(&plan, r, n);
			free(n);
		}
	}
	for (int i = 6; i < argc; i++) {
		struct guard_hole h = {guard_path_normalize(argv[i]), false, true, NULL,
				       guard_xstrdup("named by the suite")};
		GUARD_VEC_PUSH(plan.holes, h);
	}
	struct guard_sbpl_input in = {.plan = &plan, .net = GUARD_SBPL_NET_NONE, .shim = argv[5], .physical = physical};
	struct guard_sbpl_port *ports = NULL;
	const char *allow = getenv("SBPL_NET_ALLOW");
	if (allow && *allow) {
		/* network.allow as the user's config gives it, planned as guard plans it on macOS (the proxy's socket
		 * on the host's loopback, net_plan.c). The suite runs a stand-in for the proxy: SBPL_PROXY_PORT. */
		char *yaml = guard_xasprintf("network:\n  allow: [%s]\n", allow);
		if (guard_policy_load_yaml(&policy, "suite.yaml", yaml, strlen(yaml), GUARD_SRC_USER, &err) != 0) {
			guard_error_print(&err);
			return 2;
		}
		free(yaml);
		struct guard_plan_input pin = {.policy = &policy,
					       .home = plan.home,
					       .project = plan.project,
					       .cwd = plan.project,
					       .mode = GUARD_MODE_LANDLOCK_ONLY,
					       .port_rules = true};
		guard_net_plan_build(&plan, &pin);
		guard_sbpl_net_input(&in, &plan, &ports);
		const char *port = getenv("SBPL_PROXY_PORT");
		if (port && *port)
			in.proxy_port = (unsigned)strtoul(port, NULL, 10);
	}
	char why[512];
	char *text = guard_sbpl_generate(&in, why, sizeof why);
	if (!text) {
		fprintf(stderr, "sbpl_print: %s\n", why);
		return 125;
	}
	fputs(text, stdout);
	free(text);
	const char *image = getenv("GUARD_IMAGE_OUT");
	FILE *f = image ? fopen(image, "wb") : NULL;
	if (image && (!f || fwrite(plan.image_buf, 1, plan.image_len, f) != plan.image_len || fclose(f) != 0)) {
		perror(image);
		return 2;
	}
	return 0;
}
