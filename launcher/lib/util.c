/* Small helpers shared by every launcher module (see guard.h). */
#include "lib/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard/path.h"

bool guard_quiet;

static void vreport(const char *fmt, va_list ap, int err)
{
	fputs("guard: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void guard_die(const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap, 0);
	va_end(ap);
	if (hint)
		fprintf(stderr, "Hint: %s\n", hint);
	exit(GUARD_EXIT_ERROR);
}

void guard_die_errno(const char *hint, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap, err);
	va_end(ap);
	if (hint)
		fprintf(stderr, "Hint: %s\n", hint);
	exit(GUARD_EXIT_ERROR);
}

void guard_note(const char *fmt, ...)
{
	if (guard_quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap, 0);
	va_end(ap);
}

void *guard_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		guard_die(NULL, "out of memory");
	return p;
}

void *guard_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		guard_die(NULL, "out of memory");
	return p;
}

void *guard_xreallocarray(void *p, size_t n, size_t elem)
{
	if (elem && n > SIZE_MAX / elem)
		guard_die(NULL, "out of memory");
	return guard_xrealloc(p, n * elem);
}

void *guard_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	*cap = n;
	return guard_xreallocarray(arr, n, elem);
}

char *guard_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		guard_die(NULL, "out of memory");
	return d;
}

char *guard_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		guard_die(NULL, "out of memory");
	return s;
}

void guard_strv_push(struct guard_strv *s, char *owned)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = guard_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

void guard_strv_clear(struct guard_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

char *guard_path_normalize(const char *path)
{
	/* Every path is taken as absolute ("a/b" is "/a/b"); then the shim's lexical rules, the matcher's. */
	char *out = guard_xasprintf("%s%s", path[0] == '/' ? "" : "/", path);
	guard_lexpath_normalize(out);
	return out;
}

bool guard_path_within(const char *path, const char *root)
{
	if (!root[0]) /* as before the shared helper: an empty root holds every absolute path */
		return path[0] == '/' || !path[0];
	return guard_lexpath_under(path, root);
}

char *guard_path_join(const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);
	if (d && dir[d - 1] == '/')
		d--;
	/* No printf here: the scans join a path for every entry they visit. */
	char *p = guard_xmalloc(d + n + 2);
	memcpy(p, dir, d);
	p[d] = '/';
	memcpy(p + d + 1, name, n + 1);
	return p;
}

int guard_write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

char *guard_glob_escape(const char *path)
{
	char *out = guard_xmalloc(strlen(path) * 2 + 1), *w = out;
	for (const char *p = path; *p; p++) {
		if (*p == '*' || *p == '?' || *p == '[' || *p == '\\')
			*w++ = '\\';
		*w++ = *p;
	}
	*w = 0;
	return out;
}

int guard_mkdir_p(const char *path, mode_t mode)
{
	char *p = guard_xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (!c || rc)
			break;
	}
	int err = errno;
	free(p);
	errno = err;
	return rc;
}

void guard_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
		guard_die_errno(NULL, "writing %s", path);
}

bool guard_command_found(const char *cmd)
{
	if (!cmd || !*cmd)
		return false;
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		char *f = guard_xasprintf("%.*s/%s", (int)(e - p), e == p ? "." : p, cmd);
		struct stat st;
		bool ok = stat(f, &st) == 0 && S_ISREG(st.st_mode) && access(f, X_OK) == 0;
		free(f);
		if (ok)
			return true;
		if (!*e)
			return false;
		p = e;
	}
}
