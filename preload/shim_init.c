/* Loading the policy at process start: GUARD_POLICY names the compiled image, mapped read-only for the life of
 * the process. Anything wrong (no variable, unreadable, malformed, a secure-exec program) leaves the shim off:
 * every interposer then just calls the real function. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_fork.h"
#include "guard/path.h"
#include "shim_resolve.h"
#include "shim_state.h"
#include "shim_sys.h"

struct shim_state shim;
__thread int shim_tls_busy __attribute__((tls_model("initial-exec")));
__thread int shim_tls_vfork __attribute__((tls_model("initial-exec")));
int shim_ready;

/* LD_PRELOAD and GUARD_* as they were at start, and our own file's names, copied: the program may change its
 * environ later. Every program the sandbox starts pays a page fault for each page of ours it touches (tens of
 * microseconds on a VM), so the copies go into one small arena beside the rest of our state; only an unusually
 * large environment takes a mapping of its own. */
#define STORE_SMALL 4096
#define STORE_MAX (16384 + 2 * 4096)
static char store_small[STORE_SMALL];

struct store {
	char *base;
	size_t used, size;
};

static const char *keep_copy(struct store *st, const char *s, size_t n)
{
	if (st->used + n + 1 > st->size)
		return NULL;
	char *p = st->base + st->used;
	memcpy(p, s, n);
	p[n] = 0;
	st->used += n + 1;
	return p;
}

static bool kept_name(const char *e)
{
	return strncmp(e, "LD_PRELOAD=", 11) == 0 || (strncmp(e, "GUARD_", 6) == 0 && strchr(e, '='));
}

static void snapshot_env(void)
{
	/* Our own file, as the loader was given it and absolute (a relative LD_PRELOAD breaks after chdir). */
	const char *given = "";
	char abs[4096];
	abs[0] = 0;
	Dl_info info;
	if (dladdr((void *)snapshot_env, &info) && info.dli_fname && *info.dli_fname) {
		given = info.dli_fname; /* the loader's, for as long as we are loaded */
		char cwd[4096];
		if (given[0] == '/')
			guard_lexpath_join(abs, sizeof abs, NULL, given);
		else if (shim_getcwd(cwd, sizeof cwd) < 0 || guard_lexpath_join(abs, sizeof abs, cwd, given))
			abs[0] = 0;
	}
	size_t need = strlen(given) + strlen(abs) + 2;
	for (char **e = environ; e && *e; e++)
		if (kept_name(*e))
			need += strlen(*e) + 1;
	struct store st = {store_small, 0, sizeof store_small};
	if (need > st.size) {
		size_t len = need < STORE_MAX ? need : STORE_MAX;
		long r = shim_sys6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!shim_sys_failed(r))
			st = (struct store){(char *)r, 0, len};
	}
	shim.env.self_given = keep_copy(&st, given, strlen(given));
	shim.env.self = keep_copy(&st, abs, strlen(abs));
	for (char **e = environ; e && *e; e++) {
		if (!kept_name(*e))
			continue;
		if (**e == 'L') {
			if (!shim.env.ld_preload)
				shim.env.ld_preload = keep_copy(&st, *e, strlen(*e));
		} else if (shim.env.nkeep < SHIM_ENV_KEEP_MAX) {
			const char *k = keep_copy(&st, *e, strlen(*e));
			if (k)
				shim.env.keep[shim.env.nkeep++] = k;
		}
	}
}

const char *shim_started_env(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < shim.env.nkeep; i++)
		if (strncmp(shim.env.keep[i], name, n) == 0 && shim.env.keep[i][n] == '=')
			return shim.env.keep[i] + n + 1;
	return NULL;
}

/* The session magic before the image is read: guard exports it (GUARD_MAGIC, hex) so that even this first open
 * carries it past the observer. A wrong or missing value only costs that one round trip. */
static unsigned long env_magic(void)
{
	const char *m = getenv("GUARD_MAGIC");
	unsigned long v = 0;
	for (int i = 0; m && m[i] && i < 16; i++) {
		char c = m[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		v = v << 4 | (unsigned long)d;
	}
	return v;
}

/* Map the image; 0 when it is valid. */
static int load_image(const char *path)
{
	long fd = shim_sys5(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, env_magic());
	if (shim_sys_failed(fd))
		return -1;
	struct stat st;
	void *map = NULL;
	if (!shim_sys_failed(shim_sys2(SYS_fstat, fd, &st)) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size <= GUARD_IMAGE_MAX_SIZE) {
		long r = shim_sys6(SYS_mmap, 0, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (!shim_sys_failed(r))
			map = (void *)r;
	}
	shim_sys1(SYS_close, fd);
	if (!map)
		return -1;
	if (guard_image_load(&shim.img, map, (size_t)st.st_size) != 0) {
		shim_sys2(SYS_munmap, map, st.st_size);
		return -1;
	}
	return 0;
}

static void event_address(void)
{
	const char *sock = guard_image_str(&shim.img, shim.img.h->event_socket);
	size_t n = strlen(sock);
	if (n == 0 || n >= sizeof shim.ev_addr.sun_path)
		return; /* no logging (or an address that cannot be a unix socket path) */
	shim.ev_addr.sun_family = AF_UNIX;
	memcpy(shim.ev_addr.sun_path, sock, n + 1);
	shim.ev_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	shim.logging = true;
}

static void init_once(void)
{
	int saved = errno;
	shim_tls_busy++;
	const char *policy = getenv("GUARD_POLICY");
	/* Secure-exec (setuid, file capabilities): stay out entirely. */
	if (!getauxval(AT_SECURE) && policy && *policy && load_image(policy) == 0) {
		shim.magic = shim.img.h->session_magic;
		const char *q = getenv("GUARD_QUIET");
		shim.quiet = (shim.img.h->flags & GUARD_IMAGE_QUIET) || (q && strcmp(q, "1") == 0);
		shim.project = guard_image_str(&shim.img, shim.img.h->project);
		shim.home = guard_image_str(&shim.img, shim.img.h->home);
		event_address();
		snapshot_env();
		shim_fork_init();
		shim.active = true;
	}
	__atomic_store_n(&shim_ready, 1, __ATOMIC_RELEASE);
	shim_tls_busy--;
	errno = saved;
}

void shim_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

/* At load, before main: the common case needs no lazy path. (An interposer called earlier, from another
 * library's constructor, runs shim_init itself.) */
__attribute__((constructor)) static void shim_constructor(void)
{
	shim_init();
}
