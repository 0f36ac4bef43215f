/* `guard doctor` on Linux: what this kernel lets guard do (Landlock ABI, user namespaces, seccomp, AppArmor's
 * userns restriction), which mode `guard run` will use, and how to fix what is missing. Everything is probed live
 * (probe_linux.c); nothing is changed. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "policy/limits_plan.h"
#include "guard/landlock_compat.h"
#include "sandbox/platform.h"
#include "sandbox/probe_api.h"

/* What each Landlock ABI adds, in order: ABI n is features[n - 1]. */
static const struct {
	const char *key, *text;
} landlock_features[GUARD_LANDLOCK_ABI_MAX] = {
	{"filesystem", "filesystem access rights"}, {"refer", "moving and linking files across directories (REFER)"},
	{"truncate", "truncation (TRUNCATE)"},      {"tcp", "TCP bind and connect by port"},
	{"ioctl_dev", "ioctl on device files"},     {"scopes", "scoping of signals and abstract unix sockets"},
	{"audit", "audit logging of denials"},
};

enum mode { MODE_NAMESPACES, MODE_LANDLOCK_ONLY, MODE_NONE };

struct findings {
	struct utsname uts;
	int abi, kernel_abi;
	char abi_note[256];
	bool userns, userns_forced_off;
	char userns_why[512];
	int apparmor; /* -1: no such sysctl */
	bool seccomp, notify;
	char seccomp_why[256];
	enum mode mode;
	const char *mode_why;     /* why not the full mode */
	const char *mode_detail;  /* ...and the probe's own words, or "" */
	char fix[PATH_MAX + 768]; /* commands that would enable user namespaces, or "" */
};

static const char landlock_only_differs[] =
	"no mount covers (secrets fenced by Landlock rules alone), host processes visible, /tmp shared, network "
	"closed by seccomp instead of a namespace";

/* kernel.apparmor_restrict_unprivileged_userns: 1, 0, or -1 when this kernel has no such sysctl. Tests point
 * GUARD_DOCTOR_SYSCTL_DIR at a directory standing in for /proc/sys (read by doctor only; guard(1)). */
static int apparmor_restricted(void)
{
	const char *dir = getenv("GUARD_DOCTOR_SYSCTL_DIR");
	if (!dir || !*dir)
		return guard_probe_apparmor_userns_restricted();
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/kernel/apparmor_restrict_unprivileged_userns", dir);
	long v = guard_read_sysctl(path, -1);
	return v < 0 ? -1 : v != 0;
}

/* Does FILE hold an AppArmor profile for the binary EXE? */
static bool profile_names(const char *file, const char *exe)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen(file, "r");
	bool found = false;
	while (f && !found && fgets(line, sizeof line, f)) {
		const char *at = strstr(line, exe);
		found = strncmp(line + strspn(line, " \t"), "profile ", 8) == 0 && at &&
			strchr(" \"\t{", at[strlen(exe)]);
	}
	if (f)
		fclose(f);
	return found;
}

#define APPARMOR_PROFILE "/etc/apparmor.d/guard"

/* How the network is closed in a mode, and what that mode cannot stop (static strings). */
static void net_doctor(bool namespaces, int abi, const char **how, const char **cannot)
{
	if (namespaces) {
		*how = "own network namespace per session (loopback only); network.allow through guard's proxy (HTTP "
		       "CONNECT, absolute URIs, SOCKS5) at the sandbox's 127.0.0.1:3128, names resolved outside; host "
		       "unix "
		       "sockets hidden (private /run, /tmp, $HOME; the others bound at launch covered) unless "
		       "network.host_sockets names them; network.publish forwards the host's 127.0.0.1:PORT in";
		*cannot = "a host unix socket bound after launch outside /run, /tmp and $HOME, or bound in another "
			  "network namespace, is reachable (those found in /proc/net/unix at launch are covered; "
			  "Landlock "
			  "covers unix sockets from ABI 9)";
	} else if (abi >= 4) {
		*how = "no namespace: Landlock (ABI 4) lets TCP connect reach only guard's proxy port on the host's "
		       "127.0.0.1 (and published ports); seccomp refuses UDP, raw and other sockets, so no DNS from "
		       "inside; names are resolved by the proxy";
		*cannot =
			"a TCP connect to ANY address on the proxy's (or a published) port number (Landlock filters "
			"ports, not addresses: a server elsewhere listening on that port is reachable); the host's "
			"pathname unix sockets (docker.sock, ssh-agent, D-Bus: /run and /tmp are shared; Landlock "
			"covers "
			"them from ABI 9); other local users' programs using the proxy on 127.0.0.1; a published port "
			"bound on every interface (0.0.0.0), not just loopback";
	} else {
		*how = "no namespace and no Landlock TCP rules (ABI < 4): seccomp refuses IP sockets, the network is "
		       "closed; network.allow and publish need ABI 4 or user namespaces (--allow-degraded keeps the "
		       "network closed instead of failing)";
		*cannot = "the host's pathname unix sockets (docker.sock, ssh-agent, D-Bus) stay reachable";
	}
}

static void suggest_userns_fix(struct findings *f)
{
	if (f->userns || geteuid() == 0)
		return;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		n = (ssize_t)strlen(strcpy(exe, "/usr/local/bin/guard"));
	exe[n] = 0;
	if (f->apparmor == 1 && profile_names(APPARMOR_PROFILE, exe)) {
		/* Installed (make install, the package) but not loaded: load it. */
		snprintf(f->fix, sizeof f->fix, "sudo apparmor_parser -r " APPARMOR_PROFILE);
	} else if (f->apparmor == 1) {
		/* Another guard's profile may own the name "guard" and the file: this binary gets its own. */
		bool taken = access(APPARMOR_PROFILE, F_OK) == 0;
		const char *file = taken ? APPARMOR_PROFILE "-local" : APPARMOR_PROFILE;
		snprintf(f->fix, sizeof f->fix,
			 "allow guard alone (an AppArmor profile; the restriction stays for everything else):\n"
			 "sudo tee %s >/dev/null <<'EOF'\n"
			 "abi <abi/4.0>,\n"
			 "include <tunables/global>\n"
			 "profile %s \"%s\" flags=(unconfined) {\n"
			 "  userns,\n"
			 "}\n"
			 "EOF\n"
			 "sudo apparmor_parser -r %s\n"
			 "or lift the restriction for the whole machine:\n"
			 "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
			 file, taken ? "guard-local" : "guard", exe, file);
	} else if (guard_read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", -1) == 0)
		snprintf(f->fix, sizeof f->fix, "sudo sysctl -w kernel.unprivileged_userns_clone=1");
	else if (guard_read_sysctl("/proc/sys/user/max_user_namespaces", -1) == 0)
		snprintf(f->fix, sizeof f->fix, "sudo sysctl -w user.max_user_namespaces=10000");
}

static void probe_all(struct findings *f, bool no_userns)
{
	memset(f, 0, sizeof *f);
	if (uname(&f->uts) < 0)
		strcpy(f->uts.release, "unknown");
	f->abi = guard_probe_landlock_abi(f->abi_note, sizeof f->abi_note);
	f->kernel_abi = guard_probe_landlock_kernel_abi();
	f->userns = guard_probe_userns(f->userns_why, sizeof f->userns_why);
	f->userns_forced_off = no_userns;
	f->apparmor = apparmor_restricted();
	f->seccomp = guard_probe_seccomp(f->seccomp_why, sizeof f->seccomp_why);
	f->notify = f->seccomp && guard_probe_seccomp_notify();
	suggest_userns_fix(f);

	f->mode_why = f->mode_detail = "";
	if (f->abi <= 0) {
		f->mode = MODE_NONE;
		f->mode_why = "no Landlock";
		f->mode_detail = f->abi_note;
	} else if (!f->seccomp) {
		f->mode = MODE_NONE;
		f->mode_why = "no seccomp filter";
		f->mode_detail = f->seccomp_why;
	} else if (f->userns && !no_userns) {
		f->mode = MODE_NAMESPACES;
	} else {
		f->mode = MODE_LANDLOCK_ONLY;
		f->mode_why = no_userns ? "forced by --no-userns" : "no user namespaces";
	}
}

static void print_text(const struct findings *f)
{
	printf("kernel: Linux %s (%s)\n", f->uts.release, f->uts.machine);
	if (f->abi > 0) {
		printf("landlock: ABI %d", f->abi);
		if (f->kernel_abi != f->abi)
			printf(" (kernel: ABI %d)", f->kernel_abi);
		printf("\n");
		for (int i = 0; i < GUARD_LANDLOCK_ABI_MAX; i++)
			printf("  %s ABI %d: %s\n", i < f->abi ? "yes" : "no ", i + 1, landlock_features[i].text);
	} else {
		printf("landlock: unavailable\n");
	}
	if (*f->abi_note)
		printf("  note: %s\n", f->abi_note);
	if (f->userns)
		printf("user namespaces: yes (user, mount and PID; tmpfs and a fresh /proc mount)%s\n",
		       f->userns_forced_off ? ", not used: --no-userns" : "");
	else
		printf("user namespaces: no: %s\n", f->userns_why);
	if (f->apparmor >= 0)
		printf("  kernel.apparmor_restrict_unprivileged_userns = %d%s\n", f->apparmor,
		       f->apparmor == 1 && f->userns && geteuid() != 0
			       ? " (guard's AppArmor profile lets it create user namespaces)"
			       : "");
	if (*f->fix)
		printf("  fix: %s\n", f->fix);
	if (f->seccomp)
		printf("seccomp: yes (user notification: %s)%s%s\n", f->notify ? "yes" : "no",
		       *f->seccomp_why ? "; " : "", f->seccomp_why);
	else
		printf("seccomp: no: %s\n", f->seccomp_why);
	switch (f->mode) {
	case MODE_NAMESPACES:
		printf("mode: namespaces + Landlock + seccomp\n");
		break;
	case MODE_LANDLOCK_ONLY:
		printf("mode: Landlock-only (%s): %s\n", f->mode_why, landlock_only_differs);
		break;
	case MODE_NONE:
		printf("mode: no sandbox possible here (%s%s%s)\n", f->mode_why, *f->mode_detail ? ": " : "",
		       f->mode_detail);
		break;
	}
	if (f->mode != MODE_NONE) {
		const char *how, *cannot;
		net_doctor(f->mode == MODE_NAMESPACES, f->abi, &how, &cannot);
		printf("network: %s\n  cannot stop: %s\n", how, cannot);
	}
	const char *lm, *lc, *lp;
	guard_limits_doctor(&lm, &lc, &lp);
	printf("limits: memory: %s\n  cpu: %s\n  processes: %s\n", lm, lc, lp);
}

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else if (*p == '\t')
			printf("\\t");
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

static void print_json(const struct findings *f)
{
	static const char *const modes[] = {"namespaces", "landlock-only", "none"};
	printf("{\"version\":1,\"kernel\":{\"release\":"); /* stable, versioned: guard(1) JSON OUTPUT */
	json_str(f->uts.release);
	printf(",\"machine\":");
	json_str(f->uts.machine);
	printf("},\"landlock\":{\"abi\":%d,\"kernel_abi\":%d,\"features\":[", f->abi > 0 ? f->abi : 0,
	       f->kernel_abi > 0 ? f->kernel_abi : 0);
	for (int i = 0; i < f->abi && i < GUARD_LANDLOCK_ABI_MAX; i++)
		printf("%s\"%s\"", i ? "," : "", landlock_features[i].key);
	printf("],\"note\":");
	json_str(f->abi_note);
	printf("},\"userns\":{\"available\":%s,\"used\":%s,\"reason\":", json_bool(f->userns),
	       json_bool(f->userns && !f->userns_forced_off));
	json_str(f->userns_forced_off ? "--no-userns" : f->userns_why);
	printf(",\"apparmor_restrict_unprivileged_userns\":%s,\"fix\":",
	       f->apparmor < 0 ? "null" : json_bool(f->apparmor == 1));
	json_str(f->fix);
	printf("},\"seccomp\":{\"available\":%s,\"user_notif\":%s,\"note\":", json_bool(f->seccomp),
	       json_bool(f->notify));
	json_str(f->seccomp_why);
	printf("},\"mode\":\"%s\",\"mode_reason\":", modes[f->mode]);
	json_str(f->mode_why);
	printf(",\"mode_detail\":");
	json_str(f->mode_detail);
	printf(",\"differs\":");
	json_str(f->mode == MODE_LANDLOCK_ONLY ? landlock_only_differs : "");
	const char *how = "", *cannot = "";
	if (f->mode != MODE_NONE)
		net_doctor(f->mode == MODE_NAMESPACES, f->abi, &how, &cannot);
	printf(",\"network\":{\"how\":");
	json_str(how);
	printf(",\"cannot_stop\":");
	json_str(cannot);
	printf("}");
	const char *lm, *lc, *lp;
	guard_limits_doctor(&lm, &lc, &lp);
	printf(",\"limits\":{\"memory\":");
	json_str(lm);
	printf(",\"cpu\":");
	json_str(lc);
	printf(",\"processes\":");
	json_str(lp);
	printf("}");
	printf(",\"sandbox_possible\":%s}\n", json_bool(f->mode != MODE_NONE));
}

bool guard_platform_doctor(bool json, bool no_userns)
{
	struct findings f;
	probe_all(&f, no_userns);
	if (json)
		print_json(&f);
	else
		print_text(&f);
	return f.mode != MODE_NONE;
}
