/* libguard.so, the shim: its pure parts linked directly (path resolution, fopen/popen modes, environment
 * re-injection, the explanation), then the real thing: real programs (cat, sh, python3, git, make, gcc and
 * tests/bin/shim_ops) run with LD_PRELOAD=libguard.so and GUARD_POLICY naming an image written here, under a
 * Landlock ruleset applied in the forked child so that refusals are the kernel's own EACCES/EXDEV. Events are
 * received on a datagram socket of our own and decoded with the supervisor's decoder.
 *
 * Needs build/libguard.so and build/tests/bin/shim_ops (`make tests`); missing ones fail, they do not skip. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include "guard/landlock_compat.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../preload/shim_envp.c"
#include "../../preload/core/explain.c"
#include "../../preload/shim_fmode.c"
#include "../../preload/core/path.c"
#include "../../preload/shim_table.h"
#include "guard/event.h"
#include "guard/terminal.h"
#include "plan/image_build.h"
#include "policy/policy_api.h"
#include "tap.h"

#define MAGIC 0x5eed0123456789abULL

static char T[256], proj[512], home[512], tmpd[512], imgdir[512], img[600], img_quiet[600], sockp[600];
static char build[PATH_MAX], lib[PATH_MAX + 64], ops[PATH_MAX + 64];

/* ------------------------------------------------------------------------------------------------------------ */
/* small utilities */

static void die(const char *what)
{
	perror(what);
	exit(99);
}

static void put_file(const char *dir, const char *name, const char *content, mode_t mode)
{
	char p[8192];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		die(p);
	close(fd);
	chmod(p, mode);
}

static void mk(const char *dir, const char *name)
{
	char p[8192];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		die(p);
}

static int count_sub(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The first line of text containing needle (copied), or "". */
static const char *line_with(const char *text, const char *needle)
{
	static char out[4096];
	out[0] = 0;
	const char *p = strstr(text, needle);
	if (!p)
		return out;
	while (p > text && p[-1] != '\n')
		p--;
	size_t n = strcspn(p, "\n");
	if (n >= sizeof out)
		n = sizeof out - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return out;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* the policy image */

struct trule {
	enum guard_rule_kind kind;
	const char *pattern;
	unsigned line, col;
};
static const struct trule test_rules[] = {
	{GUARD_READ, "/usr", 3, 7},
	{GUARD_READ, "/bin", 4, 7},
	{GUARD_READ, "/lib", 5, 7},
	{GUARD_READ, "/lib64", 6, 7},
	{GUARD_READ, "/etc", 7, 7},
	{GUARD_READ, "/proc", 8, 7},
	{GUARD_READ, "/dev", 9, 7},
	{GUARD_READ, "$PROJECT", 10, 7},
	{GUARD_WRITE, "$PROJECT", 13, 7},
	{GUARD_WRITE, "$TMP", 14, 7},
	{GUARD_DENY, ".env", 20, 7},
	{GUARD_DENY, "secrets/", 21, 7},
	{GUARD_PROTECT, ".git/config", 30, 7},
};
#define RULE_ENV 11 /* 1 + index of ".env" */
#define RULE_PROTECT 13

static void *build_image(const char *hm, const char *pj, const char *tp, const char *sock, uint32_t flags, size_t *len)
{
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	for (size_t i = 0; i < sizeof test_rules / sizeof test_rules[0]; i++) {
		struct guard_origin at = {guard_policy_intern(&p, "rules/test.yaml"), test_rules[i].line,
					  test_rules[i].col, GUARD_SRC_PROFILE};
		if (guard_policy_add_rule(&p, test_rules[i].kind, test_rules[i].pattern, at, &err) != 0) {
			guard_error_print(&err);
			exit(99);
		}
	}
	struct guard_image_params prm = {hm, pj, tp, "test-session", sock, MAGIC, flags, 7};
	void *buf;
	guard_image_build(&p, &prm, &buf, len);
	guard_policy_free(&p);
	return buf;
}

static void write_image(const char *path, uint32_t flags)
{
	size_t len;
	void *buf = build_image(home, proj, tmpd, sockp, flags, &len);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		die(path);
	close(fd);
	free(buf);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* the supervisor's side: a datagram socket, drained by a thread */

struct rec {
	size_t len;
	unsigned char data[GUARD_EVENT_MAX];
};
static struct rec *recs;
static size_t nrecs, caprecs;
static int nbad;
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static int recv_fd;

static void *receiver(void *arg)
{
	(void)arg;
	static unsigned char buf[65536];
	for (;;) {
		ssize_t n = recv(recv_fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		struct guard_event ev;
		pthread_mutex_lock(&rec_lock);
		if (guard_event_decode(buf, (size_t)n, &ev) != 0 || (size_t)n > GUARD_EVENT_MAX) {
			nbad++;
		} else {
			if (nrecs == caprecs) {
				caprecs = caprecs ? caprecs * 2 : 1024;
				recs = realloc(recs, caprecs * sizeof *recs);
				if (!recs)
					die("realloc");
			}
			recs[nrecs].len = (size_t)n;
			memcpy(recs[nrecs].data, buf, (size_t)n);
			nrecs++;
		}
		pthread_mutex_unlock(&rec_lock);
	}
}

static void start_receiver(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(sockp) >= sizeof sun.sun_path)
		die("socket path too long");
	memcpy(sun.sun_path, sockp, strlen(sockp) + 1);
	recv_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int big = 8 << 20;
	setsockopt(recv_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (recv_fd < 0 || bind(recv_fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		die("bind event socket");
	chmod(sockp, 0777);
	pthread_t t;
	pthread_create(&t, NULL, receiver, NULL);
}

static size_t ev_mark(void)
{
	pthread_mutex_lock(&rec_lock);
	size_t n = nrecs;
	pthread_mutex_unlock(&rec_lock);
	return n;
}

/* Wait until nothing has arrived for 150 ms (events are sent synchronously; this only absorbs scheduling). */
static void ev_settle(void)
{
	size_t last = ev_mark();
	for (int quiet = 0, i = 0; quiet < 3 && i < 100; i++) {
		usleep(50 * 1000);
		size_t now = ev_mark();
		quiet = now == last ? quiet + 1 : 0;
		last = now;
	}
}

/* Matching events since `from`: op (0 any), path (NULL any), err (-1 any), pid (0 any). The last match is
 * copied to *out (its strings point into the stored record, valid until the array grows). */
static int ev_count(size_t from, enum guard_op op, const char *path, int err, int pid, struct guard_event *out)
{
	int n = 0;
	pthread_mutex_lock(&rec_lock);
	for (size_t i = from; i < nrecs; i++) {
		struct guard_event ev;
		if (guard_event_decode(recs[i].data, recs[i].len, &ev) != 0)
			continue;
		if ((op && ev.op != op) || (path && (!ev.path || strcmp(ev.path, path) != 0)) ||
		    (err >= 0 && ev.err != err) || (pid && ev.pid != pid))
			continue;
		n++;
		if (out)
			*out = ev;
	}
	pthread_mutex_unlock(&rec_lock);
	return n;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Landlock for the child: what `guard run` would enforce, roughly (the kernel's refusals, not ours) */

static int ll_add(int rs, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return path[0] == '/' && errno == ENOENT ? 0 : -1; /* /lib64 may not exist */
	struct stat st;
	fstat(fd, &st);
	if (!S_ISDIR(st.st_mode))
		access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
			  LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	long r = syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	return r == 0 ? 0 : -1;
}

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

static int apply_landlock(void)
{
	int abi = landlock_abi();
	if (abi < 3)
		return -1;
	uint64_t all = (LANDLOCK_ACCESS_FS_TRUNCATE << 1) - 1; /* every right up to ABI 3 */
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	struct landlock_ruleset_attr ra = {.handled_access_fs = all};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0);
	if (rs < 0)
		return -1;
	const uint64_t rx = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE;
	const uint64_t rw_file =
		LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
	const uint64_t make = LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |
			      LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			      LANDLOCK_ACCESS_FS_MAKE_SYM;
	const uint64_t no_refer = all & ~LANDLOCK_ACCESS_FS_REFER;
	char p[8192];
	int bad = 0;
	const char *sys[] = {"/usr", "/bin", "/lib", "/lib64", "/etc", "/proc", "/sys", NULL};
	for (int i = 0; sys[i]; i++)
		bad |= ll_add(rs, sys[i], rx);
	bad |= ll_add(rs, "/dev", rx | rw_file | (abi >= 5 ? LANDLOCK_ACCESS_FS_IOCTL_DEV : 0));
	bad |= ll_add(rs, build, rx);
	bad |= ll_add(rs, imgdir, rx);
	bad |= ll_add(rs, proj, make); /* the project tree: list, create, remove; file rights one by one below */
	snprintf(p, sizeof p, "%s/ok.txt", proj);
	bad |= ll_add(rs, p, rw_file);
	snprintf(p, sizeof p, "%s/sub", proj);
	bad |= ll_add(rs, p, no_refer);
	snprintf(p, sizeof p, "%s/many", proj);
	bad |= ll_add(rs, p, rx);
	snprintf(p, sizeof p, "%s/.git", proj);
	bad |= ll_add(rs, p, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR); /* protected: no write */
	snprintf(p, sizeof p, "%s/plain000", proj);
	bad |= ll_add(rs, p, rw_file);
	bad |= ll_add(rs, tmpd, no_refer);
	/* nothing for home, .env, secrets/ or locked.txt */
	if (bad || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		return -1;
	close(rs);
	return 0;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* running a program */

struct run {
	int status;
	pid_t pid;
	char out[65536], err[65536];
};

struct opts {
	bool landlock, nobody, no_preload, no_policy;
	const char *cwd;
	const char *policy;     /* default: img */
	const char *const *env; /* extra NAME=value (replacing) */
	bool clean_env;         /* nothing but PATH, LD_PRELOAD, GUARD_POLICY and env */
};

static void build_env(const struct opts *o, char **env, size_t cap, char *store, size_t storecap)
{
	size_t n = 0, used = 0;
#define ADD(...)                                                                                                       \
	do {                                                                                                           \
		int k_ = snprintf(store + used, storecap - used, __VA_ARGS__);                                         \
		env[n++] = store + used;                                                                               \
		used += (size_t)k_ + 1;                                                                                \
	} while (0)
	ADD("PATH=/usr/bin:/bin");
	if (!o->clean_env) {
		ADD("HOME=%s", home);
		ADD("LANG=C");
		ADD("TMPDIR=%s", tmpd);
	}
	if (!o->no_preload)
		ADD("LD_PRELOAD=%s", lib);
	if (!o->no_policy)
		ADD("GUARD_POLICY=%s", o->policy ? o->policy : img);
	for (size_t i = 0; o->env && o->env[i] && n + 1 < cap; i++) {
		size_t nl = strcspn(o->env[i], "=");
		size_t j;
		for (j = 0; j < n; j++)
			if (strncmp(env[j], o->env[i], nl + 1) == 0)
				break;
		if (j < n) {
			env[j] = (char *)o->env[i];
		} else {
			env[n++] = (char *)o->env[i];
		}
	}
	env[n] = NULL;
#undef ADD
}

static void run(struct run *r, const struct opts *o, const char *const argv[])
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		die("pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (chdir(o->cwd ? o->cwd : proj) != 0)
			_exit(97);
		if (o->landlock && apply_landlock() != 0) {
			fprintf(stderr, "landlock failed\n");
			_exit(96);
		}
		if (o->nobody && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(95);
		char *env[64];
		char store[16384];
		build_env(o, env, 64, store, sizeof store);
		execve(argv[0], (char *const *)argv, env);
		_exit(94);
	}
	close(po[1]);
	close(pe[1]);
	size_t no = 0, ne = 0;
	struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
	int open_ = 2;
	while (open_) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char *b = i ? r->err : r->out;
			size_t *len = i ? &ne : &no;
			size_t cap = i ? sizeof r->err : sizeof r->out;
			char tmp[4096];
			ssize_t k = read(pf[i].fd, tmp, sizeof tmp);
			if (k <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_--;
				continue;
			}
			size_t take = (size_t)k < cap - 1 - *len ? (size_t)k : cap - 1 - *len;
			memcpy(b + *len, tmp, take);
			*len += take;
		}
	}
	r->out[no] = 0;
	r->err[ne] = 0;
	r->pid = pid;
	waitpid(pid, &r->status, 0);
}

static bool exited(const struct run *r, int code)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

static struct run R; /* big: one at a time */

static void sh_run(const struct opts *o, const char *script)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	run(&R, o, argv);
}

/* shim_ops with operations */
#define OPS(o, ...)                                                                                                    \
	do {                                                                                                           \
		const char *argv_[] = {ops, __VA_ARGS__, NULL};                                                        \
		run(&R, (o), argv_);                                                                                   \
	} while (0)

/* ------------------------------------------------------------------------------------------------------------ */
/* pure parts */

static void test_paths(void)
{
	struct {
		const char *in, *out;
	} cases[] = {
		{"/", "/"},
		{"/a/b/", "/a/b"},
		{"//a//b", "/a/b"},
		{"/a/./b/.", "/a/b"},
		{"/a/../b", "/b"},
		{"/../..", "/"},
		{"/a/b/../../..", "/"},
		{"a/../..", ".."},
		{"./a/b/..", "a"},
		{"../a/../../b", "../../b"},
		{"", "."},
		{".", "."},
		{"a//b/", "a/b"},
		{"/p/.env", "/p/.env"},
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char b[256];
		snprintf(b, sizeof b, "%s", cases[i].in);
		size_t n = guard_lexpath_normalize(b);
		if (strcmp(b, cases[i].out) != 0 || n != strlen(b)) {
			printf("# normalize(\"%s\") = \"%s\", want \"%s\"\n", cases[i].in, b, cases[i].out);
			ok = false;
		}
	}
	TAP_OK(ok, "path: lexical normalization (., .., //, trailing /, relative)");

	char out[64];
	TAP_OK(guard_lexpath_join(out, sizeof out, "/p/sub", "../x/./y") == 0 && strcmp(out, "/p/x/y") == 0 &&
		       guard_lexpath_join(out, sizeof out, "/p", "/abs//z") == 0 && strcmp(out, "/abs/z") == 0 &&
		       guard_lexpath_join(out, 8, "/longer", "name") == -1,
	       "path: join relative/absolute, refuses what does not fit");
	TAP_OK(guard_lexpath_under("/p/a", "/p") && guard_lexpath_under("/p", "/p") &&
		       !guard_lexpath_under("/pa", "/p") && guard_lexpath_under("/x", "/") &&
		       !guard_lexpath_under("/x", ""),
	       "path: under respects component boundaries");
	TAP_OK(strcmp(guard_lexpath_display("/p/.env", "/p", "/p"), ".env") == 0 &&
		       strcmp(guard_lexpath_display("/p/a/b", "/p/a", "/p"), "b") == 0 &&
		       strcmp(guard_lexpath_display("/p", "/p", "/p"), ".") == 0 &&
		       strcmp(guard_lexpath_display("/p/.env", "/q", "/p"), "/p/.env") == 0 &&
		       strcmp(guard_lexpath_display("/h/x", "/h", "/p"), "/h/x") == 0,
	       "path: shown relative to the cwd only inside the project");
	char dir[16];
	const char *base = guard_lexpath_split("/a/b", dir, sizeof dir);
	bool s1 = base && strcmp(base, "b") == 0 && strcmp(dir, "/a") == 0;
	base = guard_lexpath_split("/b", dir, sizeof dir);
	bool s2 = base && strcmp(base, "b") == 0 && strcmp(dir, "/") == 0;
	base = guard_lexpath_split("b", dir, sizeof dir);
	TAP_OK(s1 && s2 && base && strcmp(dir, ".") == 0, "path: split into directory and last component");
}

static void test_fmode(void)
{
	struct {
		const char *mode;
		int flags;
		const char *fd;
		bool seek;
	} cases[] = {
		{"r", O_RDONLY, "r", false},
		{"rb", O_RDONLY, "r", false},
		{"r+", O_RDWR, "r+", false},
		{"w", O_WRONLY | O_CREAT | O_TRUNC, "w", false},
		{"wx", O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, "w", false},
		{"w+bx", O_RDWR | O_CREAT | O_TRUNC | O_EXCL, "w+", false},
		{"a", O_WRONLY | O_CREAT | O_APPEND, "a", true},
		{"a+", O_RDWR | O_CREAT | O_APPEND, "a+", false},
		{"re", O_RDONLY | O_CLOEXEC, "r", false},
		{"rme", O_RDONLY | O_CLOEXEC, "rm", false},
		{"r+m", O_RDWR, "rm+", false},
		{"rbbbbbb+", O_RDONLY, "r", false}, /* glibc looks at six characters after the first */
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct shim_fmode fm;
		if (shim_fopen_mode(cases[i].mode, &fm) != 0 || fm.oflags != cases[i].flags ||
		    strcmp(fm.fdmode, cases[i].fd) != 0 || fm.seek_end != cases[i].seek || fm.use_real) {
			printf("# fopen mode \"%s\": flags %#o fdmode \"%s\"\n", cases[i].mode, fm.oflags, fm.fdmode);
			ok = false;
		}
	}
	struct shim_fmode fm;
	TAP_OK(ok, "fopen mode: access, O_CREAT/O_TRUNC/O_APPEND, 'x' O_EXCL, 'e' O_CLOEXEC, 'm', glibc's 7 chars");
	TAP_OK(shim_fopen_mode("q", &fm) == -1 && shim_fopen_mode("", &fm) == -1 && shim_fopen_mode("+r", &fm) == -1,
	       "fopen mode: an unknown first character is EINVAL");
	TAP_OK(shim_fopen_mode("r,ccs=UTF-8", &fm) == 0 && fm.use_real, "fopen mode: ,ccs= goes to libc's fopen");
	bool rd, ce;
	TAP_OK(shim_popen_mode("r", &rd, &ce) == 0 && rd && !ce && shim_popen_mode("we", &rd, &ce) == 0 && !rd && ce &&
		       shim_popen_mode("er", &rd, &ce) == 0 && rd && ce && shim_popen_mode("rw", &rd, &ce) == -1 &&
		       shim_popen_mode("", &rd, &ce) == -1 && shim_popen_mode("rb", &rd, &ce) == -1,
	       "popen mode: r or w, optional e, nothing else");
}

static void test_envp(void)
{
	struct shim_envsnap s = {.ld_preload = "LD_PRELOAD=/g/libguard.so",
				 .self = "/g/libguard.so",
				 .self_given = "build/libguard.so",
				 .keep = {"GUARD_POLICY=/s/img", "GUARD_QUIET=1"},
				 .nkeep = 2};
	char *out[16];
	char scratch[256];

	char *const *e = shim_envp_fix(NULL, &s, out, scratch, sizeof scratch);
	TAP_OK(e == out && shim_envp_count(e) == 3 && strcmp(e[0], "LD_PRELOAD=/g/libguard.so") == 0 &&
		       strcmp(e[1], "GUARD_POLICY=/s/img") == 0 && strcmp(e[2], "GUARD_QUIET=1") == 0,
	       "envp: an empty environment (env -i) gets LD_PRELOAD and GUARD_* back");

	char *full[] = {"A=1", "LD_PRELOAD=/x.so:/g/libguard.so", "GUARD_POLICY=/other", "GUARD_QUIET=0", NULL};
	e = shim_envp_fix(full, &s, out, scratch, sizeof scratch);
	TAP_OK(e == full, "envp: nothing missing: the caller's array itself, values untouched");

	char *given[] = {"LD_PRELOAD=build/libguard.so", "GUARD_POLICY=/s/img", "GUARD_QUIET=1", NULL};
	TAP_OK(shim_envp_fix(given, &s, out, scratch, sizeof scratch) == given,
	       "envp: the shim named as the loader was given it counts");

	char *other[] = {"B=2", "LD_PRELOAD=/x.so", "C=3", NULL};
	e = shim_envp_fix(other, &s, out, scratch, sizeof scratch);
	TAP_OK(e == out && shim_envp_count(e) == 5 && strcmp(e[0], "B=2") == 0 &&
		       strcmp(e[1], "LD_PRELOAD=/g/libguard.so:/x.so") == 0 && strcmp(e[2], "C=3") == 0 &&
		       strcmp(e[3], "GUARD_POLICY=/s/img") == 0,
	       "envp: a program's own LD_PRELOAD is kept, with the shim first; order preserved");

	char *emptyld[] = {"LD_PRELOAD=", NULL};
	e = shim_envp_fix(emptyld, &s, out, scratch, sizeof scratch);
	TAP_OK(e == out && strcmp(e[0], "LD_PRELOAD=/g/libguard.so") == 0, "envp: an emptied LD_PRELOAD is refilled");
	char tiny[8];
	e = shim_envp_fix(other, &s, out, tiny, sizeof tiny);
	TAP_OK(e == out && strcmp(e[1], "LD_PRELOAD=/x.so") == 0, "envp: no room to rebuild: left as is, not cut");
}

/* The session's terminals as the launcher names them to the shim (guard/terminal.h). */
static void test_terminals(void)
{
	uint64_t pts5 = 136 << 8 | 5, pts300 = (136 << 8) | (300 & 0xff) | ((uint64_t)(300 >> 8) << 20);
	uint64_t pts_big = (uint64_t)(137 << 8) | 7; /* the kernel's pty 2^20 + 7 */
	TAP_OK(guard_rdev_is_pts(pts5) && guard_rdev_is_pts(pts300) && guard_rdev_is_pts(pts_big) &&
		       !guard_rdev_is_pts(5 << 8 | 0) && !guard_rdev_is_pts(5 << 8 | 1) &&
		       !guard_rdev_is_pts(4 << 8 | 1) && !guard_rdev_is_pts(0),
	       "terminals: only pty slaves (136-143) name the terminal they are; not /dev/tty, /dev/console, tty1");
	TAP_OK(guard_pts_index(pts5) == 5 && guard_pts_index(pts300) == 300 &&
		       guard_pts_index(pts_big) == (1u << 20) + 7,
	       "terminals: the N of /dev/pts/N from the device number");

	char list[64] = "";
	bool added = guard_terminals_add(list, sizeof list, 0x19, pts5) &&
		     guard_terminals_add(list, sizeof list, 0x19, pts5) &&
		     guard_terminals_add(list, sizeof list, 0x2a, pts5);
	TAP_OK(added && strcmp(list, "19:8805,2a:8805") == 0, "terminals: the list, hex, without repeats (%s)", list);
	TAP_OK(guard_terminals_has(list, 0x19, pts5) && guard_terminals_has(list, 0x2a, pts5) &&
		       !guard_terminals_has(list, 0x19, pts300) && !guard_terminals_has(list, 0x1a, pts5) &&
		       !guard_terminals_has("", 0x19, pts5),
	       "terminals: a pty is the session's only with both numbers: another devpts may reuse its number");
	TAP_OK(!guard_terminals_add(list, 20, 0x3b, pts300) && strcmp(list, "19:8805,2a:8805") == 0,
	       "terminals: no room: refused, the list unchanged");
	TAP_OK(guard_terminals_has("19:8805,zz", 0x77, 1) && guard_terminals_has("19", 0x77, 1) &&
		       guard_terminals_has("19:8805;2a:1", 0x77, 1) &&
		       guard_terminals_has("11111111111111111:1", 0x77, 1),
	       "terminals: a garbled list names every terminal (the shim then stays quiet)");
}

/* An image in memory for the explanation tests: project /p, home /h, tmp /t. */
static struct guard_image mem_img;
static void *mem_buf;

static void explain_case(enum guard_op op, int err, const char *path, bool exists, const char *path2, bool same_fs,
			 struct guard_refusal *v, char *msg, size_t cap)
{
	struct guard_facts f = {.op = op,
				.err = err,
				.path = path,
				.exists = exists,
				.path2 = path2,
				.exists2 = false,
				.same_fs = same_fs,
				.cwd = "/p"};
	guard_explain_decide(&mem_img, &f, v);
	msg[0] = 0;
	guard_explain_format(&mem_img, &f, v, msg, cap);
}

static bool one_line(const char *m)
{
	size_t n = strlen(m);
	return n > 0 && m[n - 1] == '\n' && strchr(m, '\n') == m + n - 1;
}

static void test_explain(void)
{
	size_t len;
	mem_buf = build_image("/h", "/p", "/t", "", 0, &len);
	TAP_OK(guard_image_load(&mem_img, mem_buf, len) == 0, "explain: test image loads");
	struct guard_refusal v;
	char m[1024];

	explain_case(GUARD_OP_READ, EACCES, "/p/.env", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_DENY && guard_rule_number(&mem_img, v.rule) == RULE_ENV &&
		       strcmp(m, "guard: denied read of .env by files.deny \".env\" (rules/test.yaml:20:7) — sandbox "
				 "policy, not a file permission problem; don't retry. To allow: guard run --deny "
				 "'!/p/.env' …, or add \"!/p/.env\" under files.deny in .guard.yaml (then: guard "
				 "trust)\n") == 0,
	       "explain: deny rule, provenance file:line:col, path relative to the cwd, how to allow");
	printf("# %s", m);
	TAP_OK(strlen(m) < 300 && one_line(m), "explain: one line, under 300 characters (%zu)", strlen(m));

	explain_case(GUARD_OP_READ, EACCES, "/p/a/secrets/k", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_DENY && strstr(m, "'!/p/a/secrets/'") && strstr(m, "denied read of a/secrets/k"),
	       "explain: under a denied directory, re-allow the directory (gitignore)");

	explain_case(GUARD_OP_WRITE, EROFS, "/p/.git/config", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_PROTECT && guard_rule_number(&mem_img, v.rule) == RULE_PROTECT &&
		       strstr(m, "guard: denied write of .git/config by files.protect \".git/config\" "
				 "(rules/test.yaml:30:7) — read-only by policy") &&
		       strstr(m, "--protect '!/p/.git/config'"),
	       "explain: protect rule on a write (EROFS of a read-only cover)");

	explain_case(GUARD_OP_READ, EACCES, "/p/.git/config", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE && !m[0], "explain: a read of a protected file is not guard's refusal");

	explain_case(GUARD_OP_READ, EACCES, "/h/x", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NOT_GRANTED &&
		       strstr(m, "guard: denied read of /h/x — not granted by the policy (home is deny-by-default)") &&
		       strstr(m, "To allow: guard run --allow-read /h/x …"),
	       "explain: home not granted");

	explain_case(GUARD_OP_CREATE, EACCES, "/h/newdir", false, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NOT_GRANTED && strstr(m, "not granted for writing") &&
		       strstr(m, "--allow-write /h …"),
	       "explain: creating where nothing is writable suggests the directory");

	explain_case(GUARD_OP_WRITE, EACCES, "/usr/x", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_READ_ONLY && strstr(m, "read-only: files.read \"/usr\" (rules/test.yaml:3:7)") &&
		       strstr(m, "--allow-write /usr/x"),
	       "explain: read-only tree names the read grant");

	explain_case(GUARD_OP_READ, EACCES, "/p/ok.txt", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: EACCES on a granted path is not blamed on guard");
	explain_case(GUARD_OP_WRITE, EPERM, "/p/ok.txt", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: EPERM in a writable tree is not guard's");
	explain_case(GUARD_OP_READ, EPERM, "/h/x", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: only EACCES/EROFS say 'not granted' (EPERM: no)");
	explain_case(GUARD_OP_READ, ENOENT, "/p/.env", false, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: ENOENT is never explained");
	explain_case(GUARD_OP_READ, EACCES, "/etc/x/.env", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: a name rule outside project and home is not applied");
	explain_case(GUARD_OP_REMOVE, EBUSY, "/p/.env", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_DENY && strstr(m, "denied remove of .env"), "explain: EBUSY on a covered secret");

	explain_case(GUARD_OP_RENAME, EXDEV, "/p/a", true, "/t/a", true, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_REFER && strstr(m, "guard: rename of a to /t/a refused (EXDEV)") && one_line(m),
	       "explain: EXDEV on one filesystem is Landlock's");
	explain_case(GUARD_OP_RENAME, EXDEV, "/p/a", true, "/t/a", false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: EXDEV across filesystems is the disks'");
	explain_case(GUARD_OP_RENAME, EACCES, "/p/a", true, "/p/.git/config", true, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_PROTECT && v.second && strstr(m, "denied rename of .git/config"),
	       "explain: a rename is explained at the end the policy refuses");

	struct guard_facts f = {.op = GUARD_OP_CONNECT, .err = ENETUNREACH, .target = "1.1.1.1:443", .lo_only = true};
	guard_explain_decide(&mem_img, &f, &v);
	guard_explain_format(&mem_img, &f, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NO_NETWORK && strstr(m, "guard: connect to 1.1.1.1:443 failed: this sandbox has no "
							  "network"),
	       "explain: no network");
	f.lo_only = false;
	guard_explain_decide(&mem_img, &f, &v);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain: a real network failure is not guard's");
	explain_case(GUARD_OP_READ, EACCES, "/p/x\ny/.env", true, NULL, false, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_DENY && one_line(m), "explain: a newline in a path cannot break the line");
	char small[40];
	explain_case(GUARD_OP_READ, EACCES, "/p/.env", true, NULL, false, &v, small, sizeof small);
	TAP_OK(strlen(small) == sizeof small - 1 && small[sizeof small - 2] == '\n',
	       "explain: cut to the buffer, still a line");
}

/* Network refusals (explain_net.c): a lookup or connect the policy accounts for gets a line; the host's network's
 * own failures (an open network, a real ECONNREFUSED outside namespaces) get none. */
static void test_explain_net(void)
{
	size_t len;
	struct guard_image ns_img, open_img, ll_img;
	void *b1 = build_image("/h", "/p", "/t", "", GUARD_IMAGE_NAMESPACES, &len);
	guard_image_load(&ns_img, b1, len);
	void *b2 = build_image("/h", "/p", "/t", "", GUARD_IMAGE_NAMESPACES | GUARD_IMAGE_NET_OPEN, &len);
	guard_image_load(&open_img, b2, len);
	void *b3 = build_image("/h", "/p", "/t", "", 0, &len);
	guard_image_load(&ll_img, b3, len);
	struct guard_refusal v;
	char m[1024];
	const char *px = "http://127.0.0.1:3128";

	struct guard_facts f = {
		.op = GUARD_OP_CONNECT, .err = ENOENT, .target = "example.com", .lookup = true, .lo_only = true};
	guard_explain_decide(&ns_img, &f, &v);
	guard_explain_format(&ns_img, &f, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_NO_NETWORK && one_line(m) &&
		       strstr(m, "guard: name lookup of example.com failed: this sandbox has no network") &&
		       strstr(m, "To allow: guard run --allow-net example.com"),
	       "explain net: a lookup without network says so, with the flag that allows it");
	f.proxy = px;
	f.allow = "api.anthropic.com,*.github.com:443";
	guard_explain_decide(&ns_img, &f, &v);
	guard_explain_format(&ns_img, &f, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_PROXY_ONLY && !v.allowed_by && strstr(m, "example.com refused") &&
		       strstr(m, "(api.anthropic.com,*.github.com:443)") && strstr(m, "--allow-net example.com"),
	       "explain net: a lookup of a host network.allow does not name: refused, the list, the flag");
	f.target = "API.GitHub.com";
	guard_explain_decide(&ns_img, &f, &v);
	guard_explain_format(&ns_img, &f, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_PROXY_ONLY && v.allowed_by && strstr(m, "network.allow \"*.github.com:443\"") &&
		       strstr(m, "through guard's proxy http://127.0.0.1:3128") && one_line(m),
	       "explain net: a lookup of an allowed host points at the proxy, naming the entry");
	f.target = "github.com";
	guard_explain_decide(&ns_img, &f, &v);
	TAP_OK(v.why == GUARD_WHY_PROXY_ONLY && !v.allowed_by, "explain net: *.github.com does not name github.com");
	guard_explain_decide(&open_img, &f, &v);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain net: an open network's lookup failures are not guard's");

	struct guard_facts c = {.op = GUARD_OP_CONNECT,
				.err = ENETUNREACH,
				.target = "1.2.3.4:443",
				.lo_only = true,
				.proxy = px,
				.allow = "api.anthropic.com"};
	guard_explain_decide(&ns_img, &c, &v);
	guard_explain_format(&ns_img, &c, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_PROXY_ONLY &&
		       strstr(m, "guard: connect to 1.2.3.4:443 failed: the sandbox reaches "
				 "only network.allow's hosts") &&
		       strstr(m, "--allow-net 1.2.3.4 "),
	       "explain net: a direct connect with a proxy names the proxy and the host to allow");
	c.lo_only = false;
	c.err = EACCES;
	guard_explain_decide(&ll_img, &c, &v);
	TAP_OK(v.why == GUARD_WHY_PROXY_ONLY, "explain net: Landlock-only: EACCES on connect is the TCP rule's");
	c.err = ECONNREFUSED;
	c.target = "127.0.0.1:5432";
	guard_explain_decide(&ll_img, &c, &v);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain net: Landlock-only: the host's loopback refusing is the host's");
	c.lo_only = true;
	guard_explain_decide(&ns_img, &c, &v);
	guard_explain_format(&ns_img, &c, &v, m, sizeof m);
	TAP_OK(v.why == GUARD_WHY_OWN_LOOPBACK && strstr(m, "sandbox's own loopback") &&
		       strstr(m, "--allow-net 127.0.0.1:5432 "),
	       "explain net: ECONNREFUSED on the sandbox's own loopback: how the host's service gets in");
	c.target = "10.0.0.5:5432";
	guard_explain_decide(&ns_img, &c, &v);
	TAP_OK(v.why == GUARD_WHY_NONE, "explain net: ECONNREFUSED elsewhere is not explained");
	char small[48];
	guard_explain_decide(&ns_img, &f, &v);
	guard_explain_format(&ns_img, &f, &v, small, sizeof small);
	TAP_OK(strlen(small) == sizeof small - 1 && small[sizeof small - 2] == '\n',
	       "explain net: cut to the buffer, still a line");
	free(b1);
	free(b2);
	free(b3);
}

static void test_table(void)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	int missing = 0, n = 0;
#define SHIM_X_CHECK(gen, name, ...)                                                                                   \
	n++;                                                                                                           \
	if (!h || !dlsym(h, #name)) {                                                                                  \
		printf("# not exported: %s\n", #name);                                                                 \
		missing++;                                                                                             \
	}
	SHIM_TABLE(SHIM_X_CHECK)
#undef SHIM_X_CHECK
	TAP_OK(h && missing == 0, "table: all %d symbols of the X-macro table are exported by libguard.so", n);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* real programs */

static char okp[4096], envp_[4096];

static void test_basic_events(void)
{
	struct opts o = {0};
	size_t m = ev_mark();
	const char *argv[] = {"/bin/cat", "ok.txt", NULL};
	run(&R, &o, argv);
	ev_settle();
	struct guard_event ev;
	TAP_OK(exited(&R, 0) && strcmp(R.out, "fine\n") == 0 && R.err[0] == 0, "cat under the shim: output, status");
	TAP_OK(ev_count(m, GUARD_OP_READ, okp, 0, R.pid, &ev) == 1 && ev.origin == GUARD_ORIGIN_SHIM && ev.rule == 0 &&
		       ev.ppid == getpid(),
	       "event: read of ok.txt, absolute path, pid and ppid, origin shim");

	m = ev_mark();
	OPS(&o, "open:ok.txt", "openat:ok.txt", "open:./ok.txt", "open64:sub/../ok.txt", "fopen:ok.txt:r");
	ev_settle();
	TAP_OK(exited(&R, 0) && ev_count(m, GUARD_OP_READ, okp, 0, R.pid, NULL) == 1,
	       "event: one per (process, op, target, result) — five opens of one file, one event");
	TAP_OK(strstr(R.out, "line fine") != NULL, "fopen through our open + fdopen reads the file");

	/* fopen's mode string: our open + fdopen must behave exactly like glibc's fopen */
	struct opts bare = {.no_preload = true, .no_policy = true};
	static char out_bare[65536];
	char x1[4200];
	snprintf(x1, sizeof x1, "%s/sub/x1.txt", proj);
	unlink(x1);
	put_file(proj, "sub/a.txt", "a\n", 0644);
	OPS(&bare, "unlink:sub/x1.txt", "fopen:sub/x1.txt:wx", "fopen:sub/x1.txt:wx", "fopen:ok.txt:re",
	    "fopen:sub/a.txt:a", "fopen:sub/a.txt:r+", "fopen:sub/a.txt:a+", "fopen:ok.txt:q", "fopen:nodir/x:w");
	snprintf(out_bare, sizeof out_bare, "%s", R.out);
	unlink(x1);
	put_file(proj, "sub/a.txt", "a\n", 0644);
	OPS(&o, "unlink:sub/x1.txt", "fopen:sub/x1.txt:wx", "fopen:sub/x1.txt:wx", "fopen:ok.txt:re",
	    "fopen:sub/a.txt:a", "fopen:sub/a.txt:r+", "fopen:sub/a.txt:a+", "fopen:ok.txt:q", "fopen:nodir/x:w");
	TAP_OK(strcmp(R.out, out_bare) == 0 && strstr(R.out, "fopen sub/x1.txt = -1 errno 17") &&
		       strstr(R.out, "cloexec 1") && strstr(R.out, "fopen ok.txt = -1 errno 22"),
	       "fopen 'x', 'e', 'a', 'r+', 'a+', a bad mode, a missing dir: same results, positions and flags as "
	       "glibc's");
	if (strcmp(R.out, out_bare) != 0)
		printf("# glibc:\n%s# shim:\n%s# status %#x err %s\n", out_bare, R.out, R.status, R.err);

	m = ev_mark();
	OPS(&o, "open:missing.txt", "open:missing.txt", "write:ok.txt");
	ev_settle();
	char miss[4200];
	snprintf(miss, sizeof miss, "%s/missing.txt", proj);
	TAP_OK(ev_count(m, GUARD_OP_READ, miss, ENOENT, R.pid, NULL) == 1 &&
		       ev_count(m, GUARD_OP_WRITE, okp, 0, R.pid, NULL) == 1 && R.err[0] == 0,
	       "event: failures recorded with their errno (once), writes as write; no message for ENOENT");
}

static void test_denials(void)
{
	struct opts ll = {.landlock = true};
	size_t m = ev_mark();
	const char *argv[] = {"/bin/cat", ".env", NULL};
	run(&R, &ll, argv);
	ev_settle();
	struct guard_event ev;
	TAP_OK(exited(&R, 1) && count_sub(R.err, "guard: ") == 1 &&
		       strstr(R.err,
			      "guard: denied read of .env by files.deny \".env\" (rules/test.yaml:20:7) — sandbox "
			      "policy, not a file permission problem; don't retry.") &&
		       strstr(R.err, "cat: .env: Permission denied"),
	       "cat .env under Landlock: guard's line, then cat's own error");
	printf("# %s\n", line_with(R.err, "guard:"));
	TAP_OK(ev_count(m, GUARD_OP_READ, envp_, EACCES, R.pid, &ev) == 1 && ev.rule == RULE_ENV &&
		       (ev.flags & GUARD_EVF_EXPLAINED),
	       "event: the denial, with the deciding rule and the explained flag");

	char hd[4300];
	snprintf(hd, sizeof hd, "opendir:%s", home);
	OPS(&ll, "open:.env", "fopen:.env:r", "openat:.env", "open:./.env", "errno-kept:.env", "errno-kept:ok.txt", hd,
	    "fopen:secrets/key.txt:r", "open:secrets/key.txt");
	TAP_OK(count_sub(R.err, "guard: denied read of .env ") == 1, "once per process and path (5 attempts, 1 line)");
	TAP_OK(strstr(R.out, "open .env = -1 errno 13") && strstr(R.out, "fopen .env = -1 errno 13") &&
		       strstr(R.out, "errno-kept .env = -1 errno 13") &&
		       strstr(R.out, "errno-kept ok.txt = 3 errno 33") && strstr(R.out, " = -1 errno 13") &&
		       strstr(R.out, "fopen secrets/key.txt = -1 errno 13"),
	       "errno: EACCES after refusals, the caller's errno (EDOM) kept across a success");
	TAP_OK(count_sub(R.err, "denied read of secrets/key.txt by files.deny \"secrets/\"") == 1 &&
		       strstr(R.err, "'!") && strstr(R.err, "/proj/secrets/' …"),
	       "below a denied directory: explained once, re-allow the directory");
	snprintf(hd, sizeof hd, "guard: denied read of %s — not granted by the policy (home is deny-by-default)", home);
	TAP_OK(count_sub(R.err, hd) == 1, "opendir of home: not granted");

	m = ev_mark();
	const char *locked[] = {"/bin/cat", "locked.txt", NULL};
	run(&R, &ll, locked);
	ev_settle();
	char lp[4200];
	snprintf(lp, sizeof lp, "%s/locked.txt", proj);
	TAP_OK(exited(&R, 1) && strstr(R.err, "Permission denied") && !strstr(R.err, "guard:") &&
		       ev_count(m, GUARD_OP_READ, lp, EACCES, R.pid, &ev) == 1 && !(ev.flags & GUARD_EVF_EXPLAINED) &&
		       ev.rule == 0,
	       "a refusal the policy does not explain: no message, an unexplained failure event");

	if (geteuid() == 0) {
		struct opts nb = {.nobody = true};
		const char *plain[] = {"/bin/cat", "plain000", NULL};
		m = ev_mark();
		run(&R, &nb, plain);
		ev_settle();
		TAP_OK(exited(&R, 1) && strstr(R.err, "Permission denied") && !strstr(R.err, "guard:") &&
			       ev_count(m, GUARD_OP_READ, NULL, EACCES, R.pid, NULL) == 1,
		       "chmod 000 as an ordinary user: plain EACCES, not blamed on guard (event only)");
	} else {
		const char *plain[] = {"/bin/cat", "plain000", NULL};
		struct opts o = {0};
		run(&R, &o, plain);
		TAP_OK(exited(&R, 1) && !strstr(R.err, "guard:"),
		       "chmod 000 as an ordinary user: plain EACCES, not blamed on guard");
	}

	sh_run(&ll, "echo x >> .git/config");
	TAP_OK(!exited(&R, 0) && strstr(R.err, "guard: denied write of .git/config by files.protect \".git/config\" "
					       "(rules/test.yaml:30:7) — read-only by policy"),
	       "sh redirection into a protected file: explained");
	printf("# %s\n", line_with(R.err, "guard:"));

	char priv[4200], cmd[8400];
	snprintf(priv, sizeof priv, "%s/private.txt", home);
	const char *hargv[] = {"/bin/cat", priv, NULL};
	run(&R, &ll, hargv);
	snprintf(cmd, sizeof cmd, "guard: denied read of %s — not granted by the policy (home is deny-by-default)",
		 priv);
	TAP_OK(exited(&R, 1) && strstr(R.err, cmd) && strstr(R.err, "--allow-read"),
	       "reading home: not granted, home is deny-by-default");

	snprintf(cmd, sizeof cmd, "mkdir:%s/newdir", home);
	OPS(&ll, cmd);
	TAP_OK(strstr(R.out, "= -1 errno 13") && strstr(R.err, "guard: denied create of ") &&
		       strstr(R.err, "not granted for writing"),
	       "mkdir in home: explained as a create that is not granted");

	char a[4200], b[4200];
	snprintf(a, sizeof a, "rename:sub/moveme:%s/moved", tmpd);
	m = ev_mark();
	OPS(&ll, a);
	ev_settle();
	snprintf(a, sizeof a, "%s/sub/moveme", proj);
	snprintf(b, sizeof b, "%s/moved", tmpd);
	TAP_OK(strstr(R.out, "rename sub/moveme = -1 errno 18") && strstr(R.err, "guard: rename of sub/moveme to ") &&
		       strstr(R.err, "refused (EXDEV)") && ev_count(m, GUARD_OP_RENAME, a, EXDEV, R.pid, &ev) == 1 &&
		       ev.path2 && strcmp(ev.path2, b) == 0,
	       "rename across directories: Landlock's EXDEV explained; event with both paths");

	struct opts q = {.landlock = true, .env = (const char *const[]){"GUARD_QUIET=1", NULL}};
	m = ev_mark();
	run(&R, &q, argv);
	ev_settle();
	TAP_OK(exited(&R, 1) && !strstr(R.err, "guard:") && ev_count(m, GUARD_OP_READ, envp_, EACCES, R.pid, NULL) == 1,
	       "GUARD_QUIET=1: no message, the event still goes");
	struct opts qi = {.landlock = true, .policy = img_quiet};
	m = ev_mark();
	run(&R, &qi, argv);
	ev_settle();
	TAP_OK(exited(&R, 1) && !strstr(R.err, "guard:") && ev_count(m, GUARD_OP_READ, envp_, EACCES, R.pid, NULL) == 1,
	       "--quiet in the image: no message, the event still goes");

	char homebin[4200];
	snprintf(homebin, sizeof homebin, "%s/bin/tool", home);
	snprintf(cmd, sizeof cmd, "exec:%s", homebin);
	OPS(&ll, cmd);
	snprintf(cmd, sizeof cmd, "guard: denied exec of %s — not granted by the policy", homebin);
	TAP_OK(strstr(R.out, "= -1 errno 13") && strstr(R.err, cmd), "exec of a program in home: explained");
}

static void test_exec(void)
{
	struct opts o = {0};
	ev_settle(); /* the last test's late events (a refused exec sends two) must not count here */
	size_t m = ev_mark();
	const char *argv[] = {"/bin/sh", "-c", "cat ok.txt >/dev/null; exit 3", NULL};
	run(&R, &o, argv);
	ev_settle();
	struct guard_event ev;
	int n = ev_count(m, GUARD_OP_EXEC, NULL, 0, 0, &ev);
	int exec_pid = ev.pid;
	bool argv_ok = n == 1 && ev.nargv == 2 && strcmp(ev.argv, "cat") == 0 && strcmp(ev.argv + 4, "ok.txt") == 0 &&
		       ev.cwd && strcmp(ev.cwd, proj) == 0 && ev.ppid == R.pid && strstr(ev.path, "/cat");
	TAP_OK(exited(&R, 3) && argv_ok, "exec event from sh's child: path, argv, cwd, pid, ppid; exit status kept");
	TAP_OK(ev_count(m, GUARD_OP_READ, okp, 0, 0, &ev) == 1 && ev.pid == exec_pid && ev.ppid == R.pid,
	       "the exec'd cat is shimmed too (its read, same pid as the exec, parent = sh)");

	m = ev_mark();
	const char *envi[] = {"/usr/bin/env", "-i", "/bin/cat", "ok.txt", NULL};
	run(&R, &o, envi);
	ev_settle();
	TAP_OK(exited(&R, 0) && ev_count(m, GUARD_OP_READ, okp, 0, 0, &ev) == 1,
	       "env -i: LD_PRELOAD and GUARD_POLICY put back, cat still reports");

	/* More GUARD_* than the shim's small store holds (4 KiB): its copy goes to a mapping of its own, and a program
	 * that clears its environment still passes every one on. */
	static char big[6][1100];
	const char *bigenv[7] = {0};
	for (int i = 0; i < 6; i++) {
		int k = snprintf(big[i], sizeof big[i], "GUARD_BIG%d=", i);
		memset(big[i] + k, 'a' + i, sizeof big[i] - (size_t)k - 1);
		big[i][sizeof big[i] - 1] = 0;
		bigenv[i] = big[i];
	}
	struct opts ob = {.env = bigenv};
	const char *envi_big[] = {"/usr/bin/env", "-i", "/usr/bin/printenv", "GUARD_BIG0", "GUARD_BIG5", NULL};
	run(&R, &ob, envi_big);
	TAP_OK(exited(&R, 0) && strstr(R.out, big[0] + 11) && strstr(R.out, big[5] + 11),
	       "env -i with 6.6 KiB of GUARD_* variables: every one put back");

	const char *ops_list[][2] = {
		{"execle-empty:/bin/cat", "execle with an empty environment"},
		{"strip-exec:cat", "a program that unset LD_PRELOAD, then execvp"},
		{"system:cat ok.txt", "system() after LD_PRELOAD was unset"},
		{"popen:cat ok.txt", "popen() after LD_PRELOAD was unset"},
		{"spawn-noenv:/bin/cat", "posix_spawn with an environment of its own"},
		{"fexecve:/bin/cat", "fexecve"},
		{"execveat:/bin/cat", "execveat"},
		{"syscall-execve:/bin/cat", "syscall(SYS_execve)"},
	};
	for (size_t i = 0; i < sizeof ops_list / sizeof ops_list[0]; i++) {
		m = ev_mark();
		/* shim_ops itself never opens ok.txt in these: a read of it is the new program's (cat ok.txt) */
		const char *a[] = {ops, ops_list[i][0], NULL};
		run(&R, &o, a);
		ev_settle();
		int execs = ev_count(m, GUARD_OP_EXEC, NULL, 0, 0, NULL);
		int reads = ev_count(m, GUARD_OP_READ, okp, 0, 0, NULL);
		TAP_OK(exited(&R, 0) && execs >= 1 && reads == 1 && strstr(R.out, "fine"),
		       "%s: the new program is shimmed (exec events %d, its read %d)", ops_list[i][1], execs, reads);
	}
	TAP_OK(strstr(R.out, "fine") != NULL, "output of the last exec'd program reached us");

	m = ev_mark();
	OPS(&o, "popen:echo hi; exit 7");
	TAP_OK(strstr(R.out, "popen echo hi; exit 7 = 1792 errno 0") && strstr(R.out, "popen-out hi"),
	       "popen/pclose: output and the shell's status (7 << 8)");
	OPS(&o, "system:exit 5");
	TAP_OK(strstr(R.out, "system exit 5 = 1280 errno 0"), "system(): the shell's status (5 << 8)");

	/* Python: subprocess with close_fds and an environment of its own */
	m = ev_mark();
	const char *py[] = {"/usr/bin/python3", "-c",
			    "import subprocess,os\n"
			    "r = subprocess.run(['/bin/cat', 'ok.txt'], close_fds=True, env={}, capture_output=True)\n"
			    "print(r.returncode, r.stdout.decode().strip())\n"
			    "os.close(3) if False else None\n",
			    NULL};
	run(&R, &o, py);
	ev_settle();
	TAP_OK(exited(&R, 0) && strstr(R.out, "0 fine") && ev_count(m, GUARD_OP_READ, okp, 0, 0, &ev) == 1 &&
		       ev.pid != R.pid,
	       "python3 subprocess (close_fds, env={}): the child's read is reported");
	TAP_OK(ev_count(m, GUARD_OP_EXEC, "/bin/cat", 0, 0, &ev) == 1 && ev.nargv == 2,
	       "python3 subprocess: the exec event with argv");
}

static void test_processes(void)
{
	struct opts o = {0};
	struct guard_event ev;
	size_t m = ev_mark();
	OPS(&o, "fork-open:ok.txt");
	ev_settle();
	int child = 0;
	const char *cl = strstr(R.out, "child-open ok.txt = 1 errno ");
	if (cl)
		child = atoi(cl + strlen("child-open ok.txt = 1 errno "));
	TAP_OK(child > 0 && ev_count(m, GUARD_OP_READ, okp, 0, R.pid, NULL) == 1 &&
		       ev_count(m, GUARD_OP_READ, okp, 0, child, &ev) == 1 && ev.ppid == R.pid,
	       "fork: the child reports the file its parent already reported (fresh table)");

	m = ev_mark();
	OPS(&o, "vfork-open-exec:ok.txt");
	ev_settle();
	int vchild = 0;
	const char *vl = strstr(R.out, "vfork-open-exec ok.txt = ");
	if (vl)
		vchild = atoi(vl + strlen("vfork-open-exec ok.txt = "));
	TAP_OK(vl && strstr(vl, "errno 0") && vchild > 0 && ev_count(m, GUARD_OP_READ, okp, 0, vchild, NULL) == 1 &&
		       ev_count(m, GUARD_OP_EXEC, "/bin/true", 0, vchild, NULL) == 1,
	       "vfork: the child's open and exec are reported from the stack");
	TAP_OK(ev_count(m, GUARD_OP_READ, okp, 0, R.pid, NULL) == 1,
	       "vfork: the parent's own later open is still reported (the child stored nothing)");

	m = ev_mark();
	OPS(&o, "open:ok.txt", "closeall", "open:sub/a.txt");
	ev_settle();
	char sa[4200];
	snprintf(sa, sizeof sa, "%s/sub/a.txt", proj);
	TAP_OK(ev_count(m, GUARD_OP_READ, sa, 0, R.pid, NULL) == 1,
	       "close_range over every fd: the socket is re-created, the next event arrives");

	char trap[4200], cmd[4300];
	snprintf(trap, sizeof trap, "%s/trap.txt", tmpd);
	snprintf(cmd, sizeof cmd, "dup2sock:%s", trap);
	m = ev_mark();
	OPS(&o, "open:ok.txt", cmd, "open:sub/a.txt", "open:many/f1");
	ev_settle();
	struct stat st;
	char f1[4200];
	snprintf(f1, sizeof f1, "%s/many/f1", proj);
	TAP_OK(strstr(R.out, "dup2sock") && strstr(R.out, "= 0 errno") && stat(trap, &st) == 0 && st.st_size == 0 &&
		       ev_count(m, GUARD_OP_READ, sa, 0, R.pid, NULL) == 1 &&
		       ev_count(m, GUARD_OP_READ, f1, 0, R.pid, NULL) == 1,
	       "dup2 over the socket fd: nothing written into the program's file, events still arrive");

	m = ev_mark();
	OPS(&o, "open:ok.txt", "daemon-open:many/f2");
	ev_settle();
	char f2[4200], dpath[4300], line[256] = "";
	snprintf(f2, sizeof f2, "%s/many/f2", proj);
	snprintf(dpath, sizeof dpath, "%s.daemon", f2);
	FILE *df = fopen(dpath, "r");
	if (df) {
		if (!fgets(line, sizeof line, df))
			line[0] = 0;
		fclose(df);
		unlink(dpath);
	}
	TAP_OK(ev_count(m, GUARD_OP_READ, f2, 0, 0, &ev) == 1 && ev.pid != R.pid && strstr(line, "fd 1 devnull0 1"),
	       "a daemon that closed every fd: reports, and still gets fds 0 and 1 where it expects them");

	m = ev_mark();
	OPS(&o, "threads:many:50");
	ev_settle();
	int distinct = 0, dup = 0;
	for (int i = 0; i < 50; i++) {
		char p[4200];
		snprintf(p, sizeof p, "%s/many/f%d", proj, i);
		int c = ev_count(m, GUARD_OP_READ, p, 0, R.pid, NULL);
		distinct += c >= 1;
		dup += c > 1;
	}
	TAP_OK(strstr(R.out, "threads many = 0 errno 0") && distinct == 50 && dup == 0,
	       "8 threads x 400 opens of 50 files: 50 events, no duplicate (%d, %d)", distinct, dup);

	/* 200 concurrent processes, 5 events each, into a queue of 10 datagrams */
	m = ev_mark();
	int bad0 = nbad;
	pid_t pids[200];
	for (int i = 0; i < 200; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] == 0) {
			int dn = open("/dev/null", O_WRONLY);
			dup2(dn, 1);
			dup2(dn, 2);
			if (chdir(proj) != 0)
				_exit(97);
			char a[5][64];
			for (int k = 0; k < 5; k++)
				snprintf(a[k], sizeof a[k], "open:many/f%d", (i + k * 7) % 50);
			char pre[4200], pol[4200];
			snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lib);
			snprintf(pol, sizeof pol, "GUARD_POLICY=%s", img);
			char *env[] = {pre, pol, NULL};
			char *av[] = {ops, a[0], a[1], a[2], a[3], a[4], NULL};
			execve(ops, av, env);
			_exit(94);
		}
	}
	int all_ok = 1;
	for (int i = 0; i < 200; i++) {
		int s;
		waitpid(pids[i], &s, 0);
		all_ok &= WIFEXITED(s) && WEXITSTATUS(s) == 0;
	}
	ev_settle();
	int complete = 0;
	for (int i = 0; i < 200; i++)
		complete += ev_count(m, GUARD_OP_READ, NULL, 0, pids[i], NULL) == 5;
	TAP_OK(all_ok && complete == 200 && nbad == bad0,
	       "200 concurrent processes: every one's 5 events arrived (%d/200), none corrupt (%d bad)", complete,
	       nbad - bad0);

	m = ev_mark();
	struct opts ko = {0};
	int po[2];
	if (pipe(po) != 0)
		die("pipe");
	pid_t k = fork();
	if (k == 0) {
		dup2(po[1], 1);
		close(po[0]);
		if (chdir(proj) != 0)
			_exit(97);
		char pre[4200], pol[4200];
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lib);
		snprintf(pol, sizeof pol, "GUARD_POLICY=%s", img);
		char *env[] = {pre, pol, NULL};
		char *av[] = {ops, "open:many/f3", "pause", NULL};
		execve(ops, av, env);
		_exit(94);
	}
	(void)ko;
	close(po[1]);
	char buf[256];
	ssize_t got = read(po[0], buf, sizeof buf); /* "open ... = N" printed after the open returned */
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	close(po[0]);
	ev_settle();
	char f3[4200];
	snprintf(f3, sizeof f3, "%s/many/f3", proj);
	TAP_OK(got > 0 && ev_count(m, GUARD_OP_READ, f3, 0, k, NULL) == 1,
	       "SIGKILL right after a call: its event was already sent");
}

static void test_magic(void)
{
	char mg[64], conn[4300];
	snprintf(mg, sizeof mg, "%#llx", (unsigned long long)MAGIC);
	struct opts o = {0}, bare = {.no_preload = true};
	char tmpl[4300], cr[4300];
	snprintf(tmpl, sizeof tmpl, "mkstemp:%s/tXXXXXX", tmpd);
	snprintf(cr, sizeof cr, "creat:%s/created", tmpd);
	char sec[128];
	snprintf(sec, sizeof sec, "seccomp:openat:%s", mg);

	OPS(&o, sec, "open:ok.txt", "open64:ok.txt", "openat:ok.txt", "fopen:ok.txt:r", "opendir:.",
	    "syscall-open:ok.txt", "syscall-openat:ok.txt", tmpl, cr, "open:missing", "open:sub/a.txt");
	TAP_OK(exited(&R, 0) && count_sub(R.out, "errno 0") >= 9 && strstr(R.out, "mode 600"),
	       "seccomp kills openat without the magic in args[4]: the shim's opens all pass");
	if (!exited(&R, 0))
		printf("# status %#x out: %s err: %s\n", R.status, R.out, R.err);
	OPS(&bare, sec, "open:ok.txt");
	TAP_OK(WIFSIGNALED(R.status) && WTERMSIG(R.status) == SIGSYS,
	       "control: the same open without the shim is killed");
	OPS(&o, sec, "open:ok.txt", "raw-openat:ok.txt");
	TAP_OK(WIFSIGNALED(R.status) && WTERMSIG(R.status) == SIGSYS && strstr(R.out, "open ok.txt = 3"),
	       "control: with the shim, a raw openat (no libc) is still killed");

	struct opts ll = {.landlock = true};
	if (landlock_abi() >= 1) { /* not under valgrind (`make valgrind`): it lacks the Landlock calls */
		OPS(&ll, sec, "open:.env", "opendir:secrets", "open:many/../.env");
		TAP_OK(exited(&R, 0) && strstr(R.err, "guard: denied read of .env"),
		       "explaining a refusal (O_PATH lookups of the parent) also carries the magic");
	} else {
		TAP_SKIP("Landlock unavailable",
			 "explaining a refusal (O_PATH lookups of the parent) also carries the magic");
	}

	snprintf(sec, sizeof sec, "seccomp:openat2:%s", mg);
	OPS(&o, sec, "syscall-openat2:ok.txt");
	TAP_OK(exited(&R, 0) && strstr(R.out, "syscall-openat2 ok.txt = 3"),
	       "openat2 (via syscall()): magic in args[4]");
	OPS(&bare, sec, "syscall-openat2:ok.txt");
	TAP_OK(WIFSIGNALED(R.status), "control: openat2 without the shim is killed");

	snprintf(sec, sizeof sec, "seccomp:execve:%s", mg);
	OPS(&o, sec, "exec:/bin/true");
	TAP_OK(exited(&R, 0), "execve: magic in args[3]");
	OPS(&bare, sec, "exec:/bin/true");
	TAP_OK(WIFSIGNALED(R.status), "control: execve without the shim is killed");
	OPS(&o, sec, "strip-exec:true");
	TAP_OK(exited(&R, 0), "execvp's PATH search: every attempt carries the magic");
	OPS(&o, sec, "syscall-execve:/bin/true");
	TAP_OK(exited(&R, 0), "syscall(SYS_execve): magic in args[3]");

	snprintf(sec, sizeof sec, "seccomp:execveat:%s", mg);
	OPS(&o, sec, "execveat:/bin/true");
	TAP_OK(exited(&R, 0), "execveat: magic in args[5]");
	OPS(&o, sec, "fexecve:/bin/true");
	TAP_OK(exited(&R, 0), "fexecve (execveat AT_EMPTY_PATH): magic in args[5]");
	OPS(&bare, sec, "execveat:/bin/true");
	TAP_OK(WIFSIGNALED(R.status), "control: execveat without the shim is killed");

	snprintf(sec, sizeof sec, "seccomp:connect:%s", mg);
	snprintf(conn, sizeof conn, "connect-unix:%s", sockp);
	size_t m = ev_mark();
	OPS(&o, sec, conn, "open:ok.txt");
	ev_settle();
	TAP_OK(exited(&R, 0) && strstr(R.out, "= 0 errno 0") && ev_count(m, GUARD_OP_READ, okp, 0, R.pid, NULL) == 1,
	       "connect: magic in args[3], the program's and the shim's own (event socket)");
	OPS(&bare, sec, conn);
	TAP_OK(WIFSIGNALED(R.status), "control: connect without the shim is killed");
}

static void test_network(void)
{
	struct opts o = {0};
	size_t m = ev_mark();
	char conn[4300];
	snprintf(conn, sizeof conn, "connect-unix:%s", sockp);
	OPS(&o, "unshare-net", "connect-inet:1.1.1.1:443", "connect-inet:1.1.1.1:443", conn);
	if (!strstr(R.out, "unshare-net  = 0")) {
		TAP_SKIP("cannot unshare the network namespace", "network: no network explained");
		return;
	}
	ev_settle();
	TAP_OK(strstr(R.out, "connect-inet 1.1.1.1 = -1 errno 101") &&
		       count_sub(R.err, "guard: connect to 1.1.1.1:443 failed: this sandbox has no network") == 1,
	       "connect to an IP in a namespace with only lo: explained once");
	TAP_OK(ev_count(m, GUARD_OP_CONNECT, "1.1.1.1:443", ENETUNREACH, R.pid, NULL) == 1 &&
		       ev_count(m, GUARD_OP_CONNECT, NULL, 0, R.pid, NULL) == 1 && count_sub(R.err, "guard:") == 1,
	       "connect events: the refused IP (once) and the unix socket (not explained)");
}

static void test_inactive(void)
{
	size_t m = ev_mark();
	struct opts none = {.no_policy = true};
	const char *argv[] = {"/bin/cat", "ok.txt", NULL};
	run(&R, &none, argv);
	char junk[4200];
	snprintf(junk, sizeof junk, "%s/junk.img", imgdir);
	put_file(imgdir, "junk.img", "GUARDIM1 but not really an image", 0644);
	struct opts bad = {.policy = junk};
	bool first = exited(&R, 0) && strcmp(R.out, "fine\n") == 0;
	run(&R, &bad, argv);
	struct opts ll_none = {.no_policy = true, .landlock = true};
	const char *env_argv[] = {"/bin/cat", ".env", NULL};
	bool second = exited(&R, 0) && strcmp(R.out, "fine\n") == 0;
	run(&R, &ll_none, env_argv);
	ev_settle();
	TAP_OK(first && second && !strstr(R.err, "guard:") && ev_mark() == m,
	       "no GUARD_POLICY, or a malformed image: the shim does nothing at all");
}

/* Real programs under the shim (no sandbox): same status and output as without it, no guard line. */
static void test_smoke(void)
{
	char dir[4200], cmd[16384];
	snprintf(dir, sizeof dir, "%s/smoke", T);
	mk(T, "smoke");
	put_file(dir, "a.c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", 0644);
	put_file(dir, "Makefile", "all: out.txt\nout.txt:\n\techo made > out.txt\n", 0644);
	struct {
		const char *what, *script;
	} progs[] = {
		{"git status", "git init -q . && git add a.c && git status --porcelain && git log -1 2>&1 | head -1"},
		{"python3 -c", "/usr/bin/python3 -c 'import os,json; print(json.dumps(sorted(os.listdir(\".\"))))'"},
		{"make", "rm -f out.txt; make -s && cat out.txt"},
		{"gcc", "gcc -O1 -o a.out a.c && ./a.out; rm -f a.out"},
		{"failing command", "ls /nonexistent-dir-here; cat nonexistent; exit 4"},
	};
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		struct opts bare = {.no_preload = true, .no_policy = true, .cwd = dir};
		struct opts shim = {.cwd = dir};
		snprintf(cmd, sizeof cmd, "rm -rf .git; %s", progs[i].script);
		sh_run(&bare, cmd);
		int st0 = R.status;
		static char out0[65536];
		snprintf(out0, sizeof out0, "%s", R.out);
		sh_run(&shim, cmd);
		bool same = R.status == st0 && strcmp(R.out, out0) == 0;
		TAP_OK(same && !strstr(R.err, "guard:"), "%s under the shim: same status (%d) and output, no message",
		       progs[i].what, WIFEXITED(R.status) ? WEXITSTATUS(R.status) : -1);
		if (!same)
			printf("# bare: %s\n# shim: %s\n# err: %s\n", out0, R.out, R.err);
	}
}

/* ------------------------------------------------------------------------------------------------------------ */

/* The shim is loaded from a copy beside the images (world-readable, granted like them under Landlock): as root the
 * test also runs programs as uid 65534, which cannot load it from a checkout under a 0700 home. A build without
 * the shim leaves lib naming the missing copy, and the "built" check fails. */
static void copy_shim(void)
{
	char src[sizeof lib];
	snprintf(src, sizeof src, "%s", lib);
	snprintf(lib, sizeof lib, "%s/libguard.so", imgdir);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return;
	int out = open(lib, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	char buf[65536];
	ssize_t n;
	while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("copying the shim");
	close(in);
	if (out < 0 || close(out) != 0)
		die("copying the shim");
}

static void setup(void)
{
	const char *b = getenv("BUILD") ? getenv("BUILD") : "build";
	if (!realpath(b, build))
		die(b);
	snprintf(lib, sizeof lib, "%s/libguard.so", build);
	snprintf(ops, sizeof ops, "%s/tests/bin/shim_ops", build);
	snprintf(T, sizeof T, "/tmp/guard-shim.XXXXXX");
	if (!mkdtemp(T))
		die("mkdtemp");
	chmod(T, 0755);
	snprintf(proj, sizeof proj, "%s/proj", T);
	snprintf(home, sizeof home, "%s/home", T);
	snprintf(tmpd, sizeof tmpd, "%s/tmp", T);
	snprintf(imgdir, sizeof imgdir, "%s/img", T);
	snprintf(img, sizeof img, "%s/policy.img", imgdir);
	snprintf(img_quiet, sizeof img_quiet, "%s/quiet.img", imgdir);
	snprintf(sockp, sizeof sockp, "%s/ev.sock", T);
	mk(T, "proj");
	mk(T, "home");
	mk(T, "tmp");
	mk(T, "img");
	copy_shim();
	chmod(tmpd, 0777);
	put_file(proj, "ok.txt", "fine\n", 0644);
	put_file(proj, ".env", "SECRET=1\n", 0644);
	put_file(proj, "locked.txt", "locked\n", 0644);
	put_file(proj, "plain000", "nope\n", 0000);
	mk(proj, ".git");
	put_file(proj, ".git/config", "[core]\n", 0644);
	mk(proj, "secrets");
	put_file(proj, "secrets/key.txt", "k\n", 0644);
	mk(proj, "sub");
	chmod(proj, 0777);
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/sub", proj);
	chmod(sub, 0777);
	put_file(proj, "sub/a.txt", "a\n", 0644);
	put_file(proj, "sub/moveme", "m\n", 0644);
	mk(proj, "many");
	for (int i = 0; i < 50; i++) {
		char n[32];
		snprintf(n, sizeof n, "many/f%d", i);
		put_file(proj, n, "x\n", 0644);
	}
	char many[4200];
	snprintf(many, sizeof many, "%s/many", proj);
	chmod(many, 0777);
	put_file(home, "private.txt", "mine\n", 0644);
	mk(home, "bin");
	char tool[4200];
	snprintf(tool, sizeof tool, "cp /bin/true %s/bin/tool", home);
	if (system(tool) != 0)
		die("cp");
	snprintf(okp, sizeof okp, "%s/ok.txt", proj);
	snprintf(envp_, sizeof envp_, "%s/.env", proj);
	write_image(img, 0);
	write_image(img_quiet, GUARD_IMAGE_QUIET);
	start_receiver();
}

static void cleanup(void)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_paths();
	test_fmode();
	test_envp();
	test_terminals();
	setup();
	test_explain();
	test_explain_net();
	bool have = access(lib, R_OK) == 0 && access(ops, X_OK) == 0;
	TAP_OK(have, "built: %s and %s (make tests)", lib, ops);
	if (have) {
		test_table();
		test_basic_events();
		if (landlock_abi() >= 3)
			test_denials();
		else
			TAP_SKIP("Landlock ABI >= 3 unavailable", "denials under Landlock");
		test_exec();
		test_processes();
		test_magic();
		test_network();
		test_inactive();
		test_smoke();
	}
	cleanup();
	return tap_done();
}
