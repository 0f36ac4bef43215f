/* Passthroughs: host resources a session may be given, each off by default and turned on with one line
 * (`passthrough: [gpu, docker, display, ssh-agent, git-worktrees]` or --gpu --docker --display --ssh-agent), and
 * --lockdown. Each passthrough becomes ordinary policy entries (files.write grants, network.host_sockets, env.pass)
 * with an origin that names it, so --dry-run, `guard explain` and the session log show where access came from.
 *
 *   gpu            /dev/nvidia*, /dev/dri, /dev/kfd read-write (Landlock write rights include device ioctls);
 *                  /sys is readable in every profile already (drivers read /sys/class/drm, /sys/bus/pci, ...).
 *   docker         the Docker socket (/var/run/docker.sock, or $DOCKER_HOST's unix path) bound in; warned:
 *                  root-equivalent.
 *   display        X11: /tmp/.X11-unix/X<N> for $DISPLAY bound into the private /tmp, DISPLAY kept, $XAUTHORITY
 *                  (default ~/.Xauthority) readable and kept. Wayland: $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY bound,
 *                  WAYLAND_DISPLAY and XDG_RUNTIME_DIR kept.
 *   ssh-agent      $SSH_AUTH_SOCK bound in and the variable kept (env scrubbing drops it otherwise).
 *   git-worktrees  automatic: when $PROJECT/.git is a file "gitdir: X/worktrees/NAME", the common dir X is granted
 *                  read-write with its hooks, config and commondir files protected like the project's own.
 *
 * --lockdown: the project read-only (write grants on, in or above it turned into read grants), no network (network.allow, host_sockets and publish
 * emptied), no passthroughs (not even the worktree's write grant: it is read-only), and an environment of PATH,
 * HOME, TERM, LANG, TZ and USER only (plus guard's own variables). */
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/guard.h"
#include "policy/passthrough.h"
#include "policy/policy_api.h"

static const char *const NAMES[GUARD_PT_COUNT] = {"gpu", "docker", "display", "ssh-agent", "git-worktrees"};
static struct guard_strv applied; /* "gpu: /dev/dri read-write", ... for --dry-run and the session log */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		guard_strv_push(&applied, s);
}

const struct guard_strv *guard_passthrough_applied(void)
{
	return &applied;
}

static struct guard_origin origin_of(struct guard_policy *pol, int k, bool flag)
{
	if (!flag && (pol->passthrough & (1u << k)))
		return pol->passthrough_at[k];
	char name[64];
	snprintf(name, sizeof name, k == GUARD_PT_WORKTREES ? "(passthrough: %s, automatic)" : "--%s", NAMES[k]);
	return (struct guard_origin){guard_policy_intern(pol, name), 0, 0, GUARD_SRC_FLAG};
}

static void rule(struct guard_policy *pol, enum guard_rule_kind kind, const char *path, struct guard_origin at)
{
	struct guard_error err;
	char *pat = guard_glob_escape(path);
	if (guard_policy_add_rule(pol, kind, pat, at, &err) != 0)
		guard_note("passthrough: %s", err.message);
	free(pat);
}

static void pass(struct guard_policy *pol, const char *name, struct guard_origin at)
{
	struct guard_error err;
	if (guard_policy_add_name(pol, true, name, at, &err) != 0)
		guard_note("passthrough: %s", err.message);
}

static void sock(struct guard_policy *pol, const char *text, struct guard_origin at)
{
	struct guard_error err;
	if (guard_policy_add_host_socket(pol, text, at, &err) != 0)
		guard_note("passthrough: %s", err.message);
}

static bool is_sock(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void gpu(struct guard_policy *pol, struct guard_origin at)
{
	static const char *const pats[] = {"/dev/nvidia*", "/dev/dri", "/dev/kfd", NULL};
	size_t n = 0;
	for (const char *const *p = pats; *p; p++) {
		glob_t g;
		if (glob(*p, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			rule(pol, GUARD_WRITE, g.gl_pathv[i], at);
			say("gpu: %s read-write (device ioctls included)", g.gl_pathv[i]);
			n++;
		}
		globfree(&g);
	}
	if (!n)
		say("gpu: no GPU device here (/dev/nvidia*, /dev/dri, /dev/kfd): nothing granted");
}

static void docker(struct guard_policy *pol, struct guard_origin at)
{
	const char *dh = getenv("DOCKER_HOST");
	char *path = dh && !strncmp(dh, "unix://", 7) ? guard_xstrdup(dh + 7) : guard_xstrdup("/var/run/docker.sock");
	if (is_sock(path)) {
		sock(pol, path, at);
		if (dh)
			pass(pol, "DOCKER_HOST", at);
		say("docker: %s bound in (root-equivalent: whatever runs inside can start a privileged container)",
		    path);
		const char *base = strrchr(path, '/');
		if (!strstr(base ? base + 1 : path, "docker")) /* else net_plan.c's host-socket warning says it */
			guard_note("warning: passthrough docker: %s is root-equivalent: the sandbox can start a "
				   "privileged "
				   "container that mounts the host's / and escapes every rule guard applies",
				   path);
	} else {
		say("docker: %s is not a socket here: nothing bound", path);
	}
	free(path);
}

static void display(struct guard_policy *pol, const char *home, struct guard_origin at)
{
	bool any = false;
	const char *d = getenv("DISPLAY");
	if (d && d[0] == ':') {
		int n = atoi(d + 1);
		char x[64];
		snprintf(x, sizeof x, "/tmp/.X11-unix/X%d", n);
		if (is_sock(x)) {
			sock(pol, x, at);
			pass(pol, "DISPLAY", at);
			say("display: X11 %s bound in, DISPLAY=%s kept", x, d);
			any = true;
			const char *xa = getenv("XAUTHORITY");
			char *auth = xa && xa[0] == '/' ? guard_xstrdup(xa) : guard_path_join(home, ".Xauthority");
			if (access(auth, R_OK) == 0) {
				rule(pol, GUARD_READ, auth, at);
				if (xa)
					pass(pol, "XAUTHORITY", at);
				say("display: %s readable (X11 cookie)", auth);
			}
			free(auth);
		} else {
			say("display: DISPLAY=%s but %s is not a socket (TCP displays are not passed)", d, x);
		}
	}
	const char *w = getenv("WAYLAND_DISPLAY"), *xdg = getenv("XDG_RUNTIME_DIR");
	if (w && *w) {
		char *p = w[0] == '/' ? guard_xstrdup(w) : xdg && xdg[0] == '/' ? guard_path_join(xdg, w) : NULL;
		if (p && is_sock(p)) {
			sock(pol, p, at);
			pass(pol, "WAYLAND_DISPLAY", at);
			if (xdg)
				pass(pol, "XDG_RUNTIME_DIR", at);
			say("display: Wayland %s bound in, WAYLAND_DISPLAY and XDG_RUNTIME_DIR kept", p);
			any = true;
		} else {
			say("display: WAYLAND_DISPLAY=%s but no socket at %s", w, p ? p : "(XDG_RUNTIME_DIR unset)");
		}
		free(p);
	}
	if (!any && !(d && d[0] == ':') && !(w && *w))
		say("display: neither DISPLAY nor WAYLAND_DISPLAY is set: nothing bound");
}

static void ssh_agent(struct guard_policy *pol, struct guard_origin at)
{
	const char *s = getenv("SSH_AUTH_SOCK");
	if (s && s[0] == '/' && is_sock(s)) {
		sock(pol, "$SSH_AUTH_SOCK", at);
		/* Agents put their socket under ~/.ssh or /tmp/ssh-*: re-allow the socket itself if a deny covers it. */
		char *pat = guard_glob_escape(s);
		char *neg = guard_xasprintf("!%s", pat);
		struct guard_error err;
		guard_policy_add_rule(pol, GUARD_DENY, neg, at, &err);
		free(neg);
		free(pat);
		say("ssh-agent: %s bound in, SSH_AUTH_SOCK kept (the agent signs for the sandbox; keys stay outside)",
		    s);
	} else {
		say("ssh-agent: SSH_AUTH_SOCK is %s: nothing bound", s ? "not a socket" : "not set");
	}
}

/* The common git dir of a worktree project, or NULL. */
static char *worktree_common(const char *project)
{
	char *dotgit = guard_path_join(project, ".git");
	struct stat st;
	char buf[4096] = "";
	FILE *f = lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode) ? fopen(dotgit, "re") : NULL;
	free(dotgit);
	if (!f)
		return NULL;
	bool ok = fgets(buf, sizeof buf, f) != NULL;
	fclose(f);
	if (!ok || strncmp(buf, "gitdir: ", 8) != 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = 0;
	char *gitdir = buf[8] == '/' ? guard_xstrdup(buf + 8) : guard_path_join(project, buf + 8);
	char *real = realpath(gitdir, NULL);
	free(gitdir);
	if (!real)
		return NULL;
	char *common = NULL;
	char *cd = guard_path_join(real, "commondir");
	FILE *c = fopen(cd, "re");
	free(cd);
	if (c) {
		char line[4096];
		if (fgets(line, sizeof line, c)) {
			line[strcspn(line, "\r\n")] = 0;
			char *j = line[0] == '/' ? guard_xstrdup(line) : guard_path_join(real, line);
			common = realpath(j, NULL);
			free(j);
		}
		fclose(c);
	}
	if (!common) {
		/* X/worktrees/NAME → X */
		char *slash = strrchr(real, '/');
		if (slash && slash > real) {
			*slash = 0;
			char *up = strrchr(real, '/');
			if (up && !strcmp(up + 1, "worktrees")) {
				*up = 0;
				common = guard_xstrdup(real);
			}
		}
	}
	free(real);
	if (common && guard_path_within(common, project)) {
		free(common); /* already inside the project: nothing to add */
		return NULL;
	}
	return common;
}

static void worktrees(struct guard_policy *pol, const char *project, bool lockdown, struct guard_origin at)
{
	char *common = worktree_common(project);
	if (!common)
		return;
	rule(pol, lockdown ? GUARD_READ : GUARD_WRITE, common, at);
	static const char *const prot[] = {"hooks/",
					   "config",
					   "commondir",
					   "config.worktree",
					   "worktrees/*/config.worktree",
					   "worktrees/*/commondir",
					   "modules/**/hooks/",
					   "modules/**/config",
					   NULL};
	char *esc = guard_glob_escape(common);
	for (const char *const *p = prot; *p; p++) {
		char *pat = guard_xasprintf("%s/%s", esc, *p);
		struct guard_error err;
		if (guard_policy_add_rule(pol, GUARD_PROTECT, pat, at, &err) != 0)
			guard_note("passthrough: %s", err.message);
		free(pat);
	}
	free(esc);
	say("git-worktrees: %s (the worktree's common .git) %s; its hooks/, config and commondir protected", common,
	    lockdown ? "read-only (--lockdown)" : "read-write");
	free(common);
}

/* Every write grant on the project, inside it, or above it becomes a read grant. */
static void project_read_only(struct guard_policy *pol, const char *home, const char *project)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		struct guard_rule *r = &pol->rules[i];
		if (r->kind != GUARD_WRITE)
			continue;
		const char *p = r->pattern;
		char *abs = NULL;
		if (!strncmp(p, "$PROJECT", 8) && (p[8] == 0 || p[8] == '/'))
			abs = guard_xasprintf("%s%s", project, p + 8);
		else if (!strncmp(p, "$HOME", 5) && (p[5] == 0 || p[5] == '/'))
			abs = guard_xasprintf("%s%s", home, p + 5);
		else if (p[0] == '~' && (p[1] == 0 || p[1] == '/'))
			abs = guard_xasprintf("%s%s", home, p + 1);
		else if (p[0] == '/')
			abs = guard_xstrdup(p);
		else if (p[0] != '$')
			abs = guard_path_join(project, p); /* relative: starts at $PROJECT */
		if (!abs)
			continue;
		char *n = guard_path_normalize(abs);
		if (guard_path_within(n, project) || guard_path_within(project, n))
			r->kind = GUARD_READ;
		free(n);
		free(abs);
	}
}

static void free_net(struct guard_policy *pol)
{
	for (size_t i = 0; i < pol->nnet_allow; i++) {
		free(pol->net_allow[i].written);
		free(pol->net_allow[i].host);
	}
	for (size_t i = 0; i < pol->nhost_sockets; i++)
		free(pol->host_sockets[i].written);
	pol->nnet_allow = pol->nhost_sockets = pol->npublish = 0;
}

void guard_passthrough_apply(struct guard_policy *pol, unsigned flags, bool lockdown, const char *home,
			     const char *project)
{
	guard_strv_clear(&applied);
	unsigned want = pol->passthrough | flags;
	if (lockdown) {
		project_read_only(pol, home, project);
		free_net(pol);
		if (want & ~(1u << GUARD_PT_WORKTREES))
			guard_note("--lockdown: passthroughs asked for are not applied");
		guard_note(
			"--lockdown: project read-only, network closed (no hosts, host sockets or published ports), no "
			"passthroughs, environment reduced to PATH HOME TERM LANG TZ USER");
		say("lockdown: project read-only, network closed, no passthroughs, minimal environment");
		worktrees(pol, project, true, origin_of(pol, GUARD_PT_WORKTREES, false));
		pol->passthrough = 0;
		return;
	}
	for (int k = 0; k < GUARD_PT_COUNT; k++) {
		if (k == GUARD_PT_WORKTREES) {
			worktrees(pol, project, false, origin_of(pol, k, false));
			continue;
		}
		if (!(want & (1u << k)))
			continue;
		struct guard_origin at = origin_of(pol, k, (flags & (1u << k)) != 0);
		switch (k) {
		case GUARD_PT_GPU:
			gpu(pol, at);
			break;
		case GUARD_PT_DOCKER:
			docker(pol, at);
			break;
		case GUARD_PT_DISPLAY:
			display(pol, home, at);
			break;
		case GUARD_PT_SSH_AGENT:
			ssh_agent(pol, at);
			break;
		default:
			break;
		}
	}
}

char **guard_lockdown_environ(char **env)
{
	static const char *const keep[] = {"PATH=", "HOME=", "TERM=", "LANG=", "TZ=", "USER=", NULL};
	size_t n = 0;
	for (char **e = env; *e; e++)
		n++;
	char **out = guard_xmalloc((n + 1) * sizeof *out);
	size_t k = 0;
	for (char **e = env; *e; e++)
		for (const char *const *p = keep; *p; p++)
			if (!strncmp(*e, *p, strlen(*p))) {
				out[k++] = *e;
				break;
			}
	out[k] = NULL;
	return out;
}
