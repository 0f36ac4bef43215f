/* exec.deny: parsing and validation (exec_policy.c), the image's exec table, matching (preload/image.c:
 * guard_image_exec_match), the loader's program and the message. */
#include <string.h>

#include "guard/image.h"
#include "plan/image_build.h"
#include "policy/policy_api.h"
#include "tap.h"

static int load(struct guard_policy *p, const char *yaml, struct guard_error *err)
{
	guard_policy_init(p);
	return guard_policy_load_yaml(p, "t.yaml", yaml, strlen(yaml), GUARD_SRC_USER, err);
}

static const char *verdict(const struct guard_image *img, const char *file, char *const argv[])
{
	const struct guard_image_rule *r = guard_image_exec_match(img, file, argv);
	if (!r)
		return "none";
	return (r->flags & GUARD_IRULE_NEGATED) ? "allowed" : guard_image_str(img, r->written);
}

int main(void)
{
	struct guard_policy p;
	struct guard_error err;
	int rc = load(&p,
		      "exec:\n  deny:\n    - curl\n    - \"git   push  --force\"\n    - kubectl delete\n    - wget\n"
		      "    - \"!wget\"\n",
		      &err);
	TAP_OK(rc == 0 && p.nexec == 5, "five exec.deny entries parsed");
	TAP_OK(p.nexec == 5 && strcmp(p.exec_deny[1].written, "git push --force") == 0 && p.exec_deny[1].at.line == 4 &&
		       p.exec_deny[1].at.col == 7,
	       "words normalized, provenance kept (t.yaml:4:7)");
	TAP_OK(p.nexec == 5 && p.exec_deny[4].negated && strcmp(p.exec_deny[4].written, "wget") == 0, "'!' re-allows");
	TAP_OK(p.reserved_set[GUARD_RESERVED_EXEC], "the exec section is still recorded as set");

	struct guard_image_params prm = {"/home/u", "/home/u/p", "/tmp", "s", "", 1, 0, 7};
	void *buf;
	size_t len;
	guard_image_build(&p, &prm, &buf, &len);
	struct guard_image img;
	TAP_OK(guard_image_load(&img, buf, len) == 0 && img.h->nexec == 5, "the image carries the exec table");
	TAP_OK(img.h->nexec == 5 && img.exec[0].kind == GUARD_EXEC_DENY && img.exec[0].line == 3,
	       "exec rules have their kind and line in the image");

	char *curl[] = {"curl", "--version", NULL};
	char *other0[] = {"x", NULL};
	char *gitpf[] = {"git", "push", "--force", "origin", NULL};
	char *gitc[] = {"git", "-C", "d", "push", "origin", "--force", NULL};
	char *gitf[] = {"git", "push", "-f", NULL};
	char *gitl[] = {"git", "push", "--force-with-lease", NULL};
	char *gitrev[] = {"git", "--force", "push", NULL};
	char *kd[] = {"kubectl", "delete", "pod", "x", NULL};
	char *kg[] = {"kubectl", "get", "pods", NULL};
	char *wg[] = {"wget", "x", NULL};
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/curl", curl), "curl"), "curl by path");
	TAP_OK(!strcmp(verdict(&img, "curl", curl), "curl"), "curl by name");
	TAP_OK(!strcmp(verdict(&img, "/tmp/x", curl), "curl"), "argv[0] names curl");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/curl", other0), "curl"), "the file names curl whatever argv[0]");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/curly", other0), "none"), "curly is another name");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/git", gitpf), "git push --force"), "git push --force origin");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/git", gitc), "git push --force"), "git -C d push origin --force");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/git", gitf), "none"), "git push -f: another word");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/git", gitl), "none"), "--force-with-lease: another word");
	TAP_OK(!strcmp(verdict(&img, "/usr/bin/git", gitrev), "none"), "words out of order do not match");
	TAP_OK(!strcmp(verdict(&img, "kubectl", kd), "kubectl delete"), "kubectl delete pod x");
	TAP_OK(!strcmp(verdict(&img, "kubectl", kg), "none"), "kubectl get pods");
	TAP_OK(!strcmp(verdict(&img, "wget", wg), "allowed"), "a later '!wget' re-allows");
	TAP_OK(guard_image_exec_denies_name(&img, "curl") && !guard_image_exec_denies_name(&img, "git") &&
		       !guard_image_exec_denies_name(&img, "wget"),
	       "whole-command denial by name: curl yes, git (subcommand only) and wget (re-allowed) no");
	TAP_OK(!strcmp(verdict(&img, NULL, NULL), "none"), "NULL file and argv match nothing");

	char *ld1[] = {"/lib64/ld-linux-x86-64.so.2", "/usr/bin/curl", "--version", NULL};
	char *ld2[] = {"ld-linux-x86-64.so.2", "--library-path", "/x", "--argv0=y", "curl", NULL};
	char *ld3[] = {"ld-linux-x86-64.so.2", "--list", NULL};
	TAP_OK(guard_exec_loader_program("/lib64/ld-linux-x86-64.so.2", ld1) == 1,
	       "ld.so PROG: the program is argv[1]");
	TAP_OK(guard_exec_loader_program("/lib64/ld-linux-x86-64.so.2", ld2) == 4, "ld.so options skipped");
	TAP_OK(guard_exec_loader_program("/lib64/ld-linux-x86-64.so.2", ld3) == 0, "ld.so without a program");
	TAP_OK(guard_exec_loader_program("/usr/bin/env", ld1) == 0, "not the loader");

	char msg[512];
	guard_image_exec_message(&img, &img.exec[0], msg, sizeof msg);
	TAP_OK(!strcmp(msg,
		       "guard: curl is denied by exec.deny \"curl\" (t.yaml:3:7) \xe2\x80\x94 sandbox policy, don't "
		       "retry\n"),
	       "the message: %s", msg);
	char small[16];
	size_t n = guard_image_exec_message(&img, &img.exec[0], small, sizeof small);
	TAP_OK(n < sizeof small && small[n] == 0 && small[n - 1] == '\n', "a cut message still ends the line");
	free(buf);
	guard_policy_free(&p);

	static const char *const bad[] = {"exec:\n  deny: [/usr/bin/curl]\n", "exec:\n  deny: [\"cu*\"]\n",
					  "exec:\n  deny: [\"!\"]\n", "exec:\n  deny: [\"  \"]\n",
					  "exec:\n  deny: [\"..\"]\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rc = load(&p, bad[i], &err);
		TAP_OK(rc < 0 && err.line == 2 && p.nexec == 0, "bad entry %zu refused with its line", i);
		guard_policy_free(&p);
	}
	return tap_done();
}
