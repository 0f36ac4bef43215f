/* `guard explain PATH [--op OP] [--session ID | --last]`, `guard explain --last`: why the policy allows or denies
 * an access, which layer enforces it, what the log recorded, and the exact change that would allow it.
 *
 * The policy comes from, in order: the named session's policy.img; inside a sandbox, $GUARD_POLICY (the running
 * session's image: the log itself is out of reach there, by design); else the current policy compiled as
 * `guard run` would (same sources, same home/project). Attempts come from the named session, else from the
 * newest session of the same project. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/explain.h"
#include "plan/image_build.h"
#include "policy/policy_api.h"
#include "sandbox/platform.h"
#include "report/report.h"
#include "lib/image_file.h"
#include "log/session.h"
#include "policy/verdict.h"

#define USAGE                                                                                                          \
	"usage: guard explain PATH [--op read|write|exec] [--session ID | --last] [--profile NAME] [--project DIR]\n"  \
	"       guard explain --last | --session ID   (the most recent denial of that session)"
#define ATTEMPTS_SHOWN 10

struct explain {
	const char *path_arg, *session_id, *profile, *project_opt;
	enum guard_op op;
	bool op_given, last;
	/* the policy */
	struct guard_image img;
	void *img_buf;
	struct guard_session_read sess; /* the session, when one is used (for the image and/or the attempts) */
	bool have_sess, inside;
	char *source; /* where the policy came from, for the header */
	char *path;   /* absolute, normalized */
	char *orig;   /* the path as the log spells it (when it came from a denial) */
	char *reason; /* the proxy's reason, when that denial was a connection */
};

/* ---- choosing the session and the policy ---------------------------------------------------------------- */

static void open_session(struct explain *x, const char *id)
{
	char why[768];
	bool none;
	char *dir = guard_session_read_find(id, &none, why, sizeof why);
	if (!dir && getenv("GUARD_POLICY"))
		guard_die("inside the sandbox the session log is out of reach by design: name a path without --session "
			  "or --last (guard explain PATH) to explain it from this sandbox's policy",
			  "%s", why);
	if (!dir)
		guard_die(none ? "sessions are recorded by `guard run`" : "`guard sessions` lists them", "%s", why);
	if (guard_session_read_open(&x->sess, dir, why, sizeof why) != 0)
		guard_die("`guard sessions` lists the others", "%s", why);
	free(dir);
	x->have_sess = true;
}

/* The newest session of `project`, for its attempts (none is fine). */
static void find_project_session(struct explain *x, const char *project)
{
	char *root = guard_session_root();
	struct guard_strv ids = {0};
	guard_session_read_list(root, &ids);
	for (size_t i = 0; i < ids.n && i < 64 && !x->have_sess; i++) {
		char *dir = guard_path_join(root, ids.v[i]), why[256];
		struct guard_session_read s;
		if (guard_session_read_open(&s, dir, why, sizeof why) == 0) {
			if (s.project && strcmp(s.project, project) == 0) {
				x->sess = s;
				x->have_sess = true;
			} else {
				guard_session_read_close(&s);
			}
		}
		free(dir);
	}
	guard_strv_clear(&ids);
	free(root);
}

/* Compile the policy `guard run` would use here (same sources, home and project; namespaces mode unless this
 * kernel refuses user namespaces). */
static void compile_current(struct explain *x)
{
	struct guard_options o = {.profile = x->profile, .project = x->project_opt};
	struct guard_policy pol;
	char *home, *cwd, *project, why[256];
	guard_locate(&o, &home, &cwd, &project);
	guard_load_policy(&o, home, project, &pol);
	bool ns = guard_platform_probe_namespaces(why, sizeof why);
	struct guard_platform_caps caps;
	guard_platform_probe(&caps, why, sizeof why);
	struct guard_image_params prm = {
		.home = home,
		.project = project,
		.tmpdir = "/tmp",
		.flags = ns ? GUARD_IMAGE_NAMESPACES : 0,
		.abi = caps.abi,
	};
	size_t len;
	guard_image_build(&pol, &prm, &x->img_buf, &len);
	if (guard_image_load(&x->img, x->img_buf, len) != 0)
		guard_die(NULL, "internal error: the compiled policy does not validate");
	x->source = guard_xasprintf("the current policy (profile %s, %s mode)", pol.profile ? pol.profile : "default",
				    ns ? "namespaces" : "Landlock-only");
	find_project_session(x, project);
	guard_policy_free(&pol);
	free(home), free(cwd), free(project);
}

static void choose_policy(struct explain *x)
{
	const char *env = getenv("GUARD_POLICY");
	char why[512];
	if (x->session_id || x->last) {
		open_session(x, x->session_id);
		if (!x->sess.have_image)
			guard_die("the session directory is incomplete", "session %s has no readable policy.img",
				  x->sess.id);
		x->img = x->sess.img;
		x->source = guard_xasprintf("session %s (its policy.img)", x->sess.id);
	} else if (env && env[0] && access(env, R_OK) == 0) {
		if (guard_image_read(env, &x->img, &x->img_buf, why, sizeof why) != 0)
			guard_die(NULL, "GUARD_POLICY: %s", why);
		x->inside = true;
		const char *id = getenv("GUARD_SESSION");
		x->source = guard_xasprintf("this sandbox's policy (%s%s%sGUARD_POLICY=%s)", id ? "session " : "",
					    id ? id : "", id ? ", " : "", env);
	} else {
		compile_current(x);
	}
}

/* ---- the most recent denial ------------------------------------------------------------------------------ */

struct last_denial {
	char *path, *orig, *op, *reason;
};

static bool keep_denial(const struct guard_session_read_event *ev, void *ctx)
{
	struct last_denial *d = ctx;
	if (strcmp(ev->result, "denied") != 0 || !ev->path)
		return true;
	free(d->path), free(d->orig), free(d->op), free(d->reason);
	d->reason = ev->net_reason ? guard_xstrdup(ev->net_reason) : NULL;
	d->path = guard_xstrdup(ev->abs ? ev->abs : ev->path);
	d->orig = guard_xstrdup(ev->path);
	d->op = guard_xstrdup(ev->op);
	return true;
}

/* ---- attempts ----------------------------------------------------------------------------------------- */

struct attempt {
	long long t, pid;
	char *op, *result, *err, *origin;
};

#define PROG_SLOTS 4096 /* programs remembered by pid, the latest exec per slot: memory stays bounded */

struct attempts {
	const char *path;
	struct attempt v[ATTEMPTS_SHOWN]; /* a ring of the latest */
	size_t total;                     /* lines */
	unsigned long long occurrences;   /* what they stand for (repeats counted in the log) */
	struct {
		long long pid;
		char *prog;
	} progs[PROG_SLOTS];
};

static bool collect(const struct guard_session_read_event *ev, void *ctx)
{
	struct attempts *a = ctx;
	if (strcmp(ev->op, "exec") == 0 && strcmp(ev->result, "allowed") == 0 && ev->argv && ev->argv[0]) {
		size_t k = (unsigned long long)ev->pid % PROG_SLOTS;
		free(a->progs[k].prog);
		a->progs[k].pid = ev->pid;
		a->progs[k].prog = guard_xstrdup(ev->argv[0]);
	}
	bool hit = (ev->abs && strcmp(ev->abs, a->path) == 0) || (ev->abs2 && strcmp(ev->abs2, a->path) == 0);
	if (!hit)
		return true;
	a->occurrences += ev->count;
	struct attempt *t = &a->v[a->total++ % ATTEMPTS_SHOWN];
	free(t->op), free(t->result), free(t->err), free(t->origin);
	t->t = ev->t;
	t->pid = ev->pid;
	t->op = guard_xstrdup(ev->op);
	t->result = guard_xstrdup(ev->result);
	t->err = ev->err ? guard_xstrdup(ev->err) : NULL;
	t->origin = ev->origin ? guard_xstrdup(ev->origin) : NULL;
	return true;
}

static const char *prog_of(const struct attempts *a, long long pid)
{
	size_t k = (unsigned long long)pid % PROG_SLOTS;
	const char *p = a->progs[k].pid == pid ? a->progs[k].prog : NULL; /* its latest exec in the log */
	if (!p)
		return NULL;
	const char *base = strrchr(p, '/');
	return base && base[1] ? base + 1 : p;
}

/* Replace invalid UTF-8 by U+FFFD, as the log did: so a path with odd bytes still finds its attempts. */
static char *as_logged(const char *s)
{
	struct guard_buf b = {0};
	size_t n = strlen(s);
	guard_buf_puts(&b, "");
	for (size_t i = 0; i < n;) {
		size_t k = guard_utf8_seq((const unsigned char *)s + i, n - i);
		guard_buf_put(&b, k ? s + i : "\xef\xbf\xbd", k ? k : 3);
		i += k ? k : 1;
	}
	return b.p;
}

/* What the kernel boundary itself answers, where it can be asked (macOS: Seatbelt's sandbox_check on the
 * sandbox explain runs in, or on a live session's command). Nothing on Linux: Landlock has no such question. */
static void show_kernel(struct guard_buf *b, struct explain *x)
{
	pid_t guard_pid = 0;
	if (!x->inside) {
		if (!x->have_sess || x->sess.finished || x->sess.guard_pid <= 0 ||
		    kill((pid_t)x->sess.guard_pid, 0) != 0)
			return;
		guard_pid = (pid_t)x->sess.guard_pid;
	}
	bool rd = false, wr = false;
	char why[256];
	if (guard_platform_kernel_verdict(guard_pid, x->path, &rd, &wr, why, sizeof why)) {
		guard_buf_printf(b, "  kernel    read %s, write %s (asked the running sandbox%s)\n",
				 rd ? "denied" : "allowed", wr ? "denied" : "allowed",
				 guard_pid ? ", session's command" : ", this process's");
	} else if (why[0]) {
		guard_buf_puts(b, "  kernel    ");
		guard_fmt_text(b, why);
		guard_buf_puts(b, "\n");
	}
}

static void show_attempts(struct guard_buf *b, struct explain *x)
{
	if (x->inside) {
		guard_buf_puts(b, "  attempts  not visible from inside the sandbox (the session log lives outside it, "
				  "out of the sandbox's reach); run `guard explain` outside for them\n");
		return;
	}
	if (!x->have_sess) {
		guard_buf_puts(b, "  attempts  no session of this project has been recorded\n");
		return;
	}
	static struct attempts a; /* large (the program table): not on the stack */
	memset(&a, 0, sizeof a);
	char *logged = as_logged(x->path);
	a.path = logged;
	struct guard_session_read_stats st;
	guard_session_read_events(&x->sess, collect, &a, &st);
	guard_buf_printf(b, "  attempts  %llu in session ", a.occurrences);
	guard_fmt_text(b, x->sess.id);
	guard_buf_puts(b, a.total ? "" : " (the log has none for this path)");
	if (a.total > ATTEMPTS_SHOWN)
		guard_buf_printf(b, ", the latest %d:", ATTEMPTS_SHOWN);
	guard_buf_puts(b, "\n");
	size_t shown = a.total < ATTEMPTS_SHOWN ? a.total : ATTEMPTS_SHOWN;
	for (size_t k = 0; k < shown; k++) {
		const struct attempt *t = &a.v[(a.total - shown + k) % ATTEMPTS_SHOWN];
		char when[32];
		guard_fmt_time(when, sizeof when, t->t);
		guard_buf_printf(b, "            %s  pid %lld", when, t->pid);
		const char *prog = prog_of(&a, t->pid);
		if (prog) {
			guard_buf_puts(b, " (");
			guard_fmt_word(b, prog);
			guard_buf_puts(b, ")");
		}
		guard_buf_puts(b, "  ");
		guard_fmt_text(b, t->op);
		guard_buf_puts(b, " ");
		guard_fmt_text(b, t->result);
		if (t->err) {
			guard_buf_puts(b, " ");
			guard_fmt_text(b, t->err);
		}
		if (t->origin) {
			guard_buf_puts(b, "  [");
			guard_fmt_text(b, t->origin);
			guard_buf_puts(b, "]");
		}
		guard_buf_puts(b, "\n");
	}
	for (size_t k = 0; k < ATTEMPTS_SHOWN; k++)
		free(a.v[k].op), free(a.v[k].result), free(a.v[k].err), free(a.v[k].origin);
	for (size_t i = 0; i < PROG_SLOTS; i++)
		free(a.progs[i].prog);
	free(logged);
}

/* ---- the command ---------------------------------------------------------------------------------------- */

static void parse(struct explain *x, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		const char *opts[] = {"--op", "--session", "--profile", "--project"};
		for (size_t k = 0; k < 4 && !val; k++) {
			size_t n = strlen(opts[k]);
			if (strncmp(a, opts[k], n) == 0 && a[n] == '=')
				val = a + n + 1;
			else if (strcmp(a, opts[k]) == 0) {
				if (i + 1 >= argc)
					guard_die(USAGE, "%s needs a value", a);
				val = argv[++i];
			}
			if (val) {
				if (k == 0) {
					x->op = guard_op_from_name(val);
					x->op_given = true;
					if (!guard_op_is_path(x->op))
						guard_die(USAGE, "unknown --op \"%s\": read, write or exec", val);
				} else if (k == 1) {
					x->session_id = val;
				} else if (k == 2) {
					x->profile = val;
				} else {
					x->project_opt = val;
				}
			}
		}
		if (val)
			continue;
		if (strcmp(a, "--last") == 0)
			x->last = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("%s\n", USAGE);
			exit(0);
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && !x->path_arg)
			x->path_arg = argv[++i];
		else if (a[0] == '-')
			guard_die(USAGE, "unknown option %s", a);
		else if (x->path_arg)
			guard_die(USAGE, "one path at a time (got %s and %s)", x->path_arg, a);
		else
			x->path_arg = a;
	}
	if (x->last && x->session_id)
		guard_die(USAGE, "--session and --last both name a session: pick one");
	if (!x->path_arg && !x->last && !x->session_id)
		guard_die(USAGE, "what should be explained? name a PATH, or --last for the most recent denial");
	if ((x->session_id || x->last) && (x->profile || x->project_opt))
		guard_die(USAGE, "--profile and --project choose the current policy; a session has its own");
	if (!x->op_given)
		x->op = GUARD_OP_READ;
}

/* Which path and op: the one named, or the session's most recent denial. Returns false when there is none. */
static bool choose_path(struct explain *x)
{
	if (x->path_arg) {
		char cwd[4096];
		if (x->path_arg[0] != '/' && !getcwd(cwd, sizeof cwd))
			guard_die_errno(NULL, "cannot read the working directory");
		char *j = x->path_arg[0] == '/' ? guard_xstrdup(x->path_arg) : guard_path_join(cwd, x->path_arg);
		x->path = guard_path_normalize(j);
		free(j);
		return true;
	}
	struct last_denial d = {0};
	guard_session_read_events(&x->sess, keep_denial, &d, NULL);
	if (!d.path)
		return false;
	x->path = d.path;
	x->orig = d.orig;
	x->reason = d.reason;
	if (!x->op_given)
		x->op = guard_op_from_name(d.op);
	free(d.op);
	return true;
}

int guard_cmd_explain(int argc, char **argv)
{
	struct explain x = {0};
	parse(&x, argc, argv);
	choose_policy(&x);
	struct guard_buf b = {0};
	guard_buf_puts(&b, "");
	if (!choose_path(&x)) {
		guard_buf_puts(&b, "guard explain: session ");
		guard_fmt_text(&b, x.sess.id);
		guard_buf_puts(&b, " recorded no denial\n");
	} else if (!guard_op_is_path(x.op)) {
		/* The latest denial was a connection: not a file-policy question. */
		guard_buf_puts(&b, "guard explain: the most recent denial is ");
		guard_fmt_text(&b, guard_op_name(x.op));
		guard_buf_puts(&b, " to ");
		guard_fmt_word(&b, x.orig ? x.orig : x.path);
		if (x.reason) {
			guard_buf_puts(&b, " (");
			guard_fmt_text(&b, x.reason);
			guard_buf_puts(&b, ")");
		}
		guard_buf_puts(&b,
			       ": a network decision, not a file one; the hosts a sandbox may reach are listed under "
			       "network.allow (`guard policy` shows them with their FILE:LINE)\n");
	} else {
		struct stat st;
		bool exists = stat(x.path, &st) == 0;
		bool is_dir = exists && S_ISDIR(st.st_mode);
		struct guard_verdict v;
		guard_verdict_of(&x.img, x.op, x.path, is_dir, &v);
		if (!exists && v.allowed) {
			/* Unknown type: a directory rule ("secrets/") only matches directories; say the stricter. */
			struct guard_verdict d;
			guard_verdict_of(&x.img, x.op, x.path, true, &d);
			if (!d.allowed)
				v = d, is_dir = true;
		}
		if (x.op == GUARD_OP_EXEC)
			guard_explain_exec(&b, &x.img,
					   x.path); /* exec.deny first: it refuses whatever the file rules say */
		guard_buf_puts(&b, "guard explain: ");
		guard_fmt_word(&b, x.path);
		guard_buf_printf(&b, " (%s%s)\n  verdict   ", guard_op_name(x.op), is_dir ? ", a directory" : "");
		guard_explain_verdict(&b, &v);
		guard_buf_puts(&b, "\n  decided   ");
		if (v.winner)
			guard_explain_rule(&b, &x.img, v.winner);
		else
			guard_buf_puts(&b, "no rule: what no read/write rule grants is denied");
		guard_buf_puts(&b, "\n  tree      ");
		if (v.tree) {
			guard_explain_rule(&b, &x.img, v.tree);
			guard_buf_puts(&b, v.tree->kind == GUARD_WRITE ? ": readable and writable" : ": readable");
		} else {
			guard_buf_puts(&b, "no read or write rule covers it");
		}
		if (v.reallow) {
			guard_buf_puts(&b, "\n  re-allow  ");
			guard_explain_rule(&b, &x.img, v.reallow);
		}
		guard_buf_puts(&b,
			       "\n            precedence: deny > protect > write > read > default deny\n  layer     ");
		guard_buf_puts(&b, guard_explain_layer(&x.img, &v, x.path));
		guard_buf_puts(&b, "\n  policy    ");
		guard_fmt_text(&b, x.source);
		guard_buf_puts(&b, "\n");
		char *target = realpath(x.path, NULL);
		if (target && strcmp(target, x.path) != 0) {
			/* Landlock and the covers act on what a path resolves to, not on the name used. */
			guard_buf_puts(&b, "  note      a symbolic link on the way resolves it to ");
			guard_fmt_word(&b, target);
			guard_buf_puts(&b, ": the kernel checks that; see guard explain ");
			guard_fmt_word(&b, target);
			guard_buf_puts(&b, "\n");
		}
		free(target);
		show_kernel(&b, &x);
		show_attempts(&b, &x);
		guard_explain_advice(&b, &x.img, x.path, &v, is_dir, exists, x.have_sess ? x.sess.argv : NULL);
	}
	fwrite(b.p, 1, b.len, stdout);
	guard_buf_free(&b);
	free(x.path), free(x.orig), free(x.reason), free(x.source), free(x.img_buf);
	if (x.have_sess)
		guard_session_read_close(&x.sess);
	return fflush(stdout) == 0 ? 0 : GUARD_EXIT_ERROR;
}
