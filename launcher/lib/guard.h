/* Launcher-wide basics: fatal errors with guard's exit codes, growable string vectors, path helpers. */
#ifndef GUARD_GUARD_H
#define GUARD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses of `guard run` besides the command's own. */
enum {
	GUARD_EXIT_ERROR = 125, /* guard's own failure: bad config, a required layer unavailable */
	GUARD_EXIT_NOT_EXECUTABLE = 126,
	GUARD_EXIT_NOT_FOUND = 127,
};

/* Print "guard: MESSAGE" (and "Hint: HINT" when non-NULL) and exit 125. */
__attribute__((noreturn, format(printf, 2, 3))) void guard_die(const char *hint, const char *fmt, ...);
/* Like guard_die with ": strerror(errno)" appended. */
__attribute__((noreturn, format(printf, 2, 3))) void guard_die_errno(const char *hint, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void guard_note(const char *fmt, ...); /* "guard: ..." unless quiet */
extern bool guard_quiet;

void *guard_xmalloc(size_t n);
void *guard_xrealloc(void *p, size_t n);
/* realloc of n elements of `elem` bytes; dies on overflow or exhaustion like every guard_x*. */
void *guard_xreallocarray(void *p, size_t n, size_t elem);
/* arr with room for `need` elements of `elem` bytes: *cap doubles (from 16) until it fits. */
void *guard_grow(void *arr, size_t *cap, size_t need, size_t elem);
char *guard_xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *guard_xasprintf(const char *fmt, ...);

/* The closest word to `word` among `candidates` (NULL-terminated) by edit distance, or NULL if none is close
 * (suggest.c). */
const char *guard_suggest(const char *word, const char *const *candidates);
/* SHA-256 of data as 64 lowercase hex digits and a NUL (sha256.c). */
void guard_sha256_hex(const void *data, size_t len, char out[65]);
/* The symbolic name of an errno value ("EACCES"), or "E<number>" for one this libc does not name; buf holds
 * at least 16 bytes (json_write.c). */
const char *guard_errno_name(int err, char *buf, size_t len);

/* A load or validation error (struct guard_error, include/guard/policy.h): err filled by every loader (err may be
 * NULL), printed as `guard: FILE:LINE:COL: message (hint)` on stderr (error.c). */
struct guard_error;
void guard_error_set(struct guard_error *err, const char *file, unsigned line, unsigned col, const char *hint,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void guard_error_print(const struct guard_error *e);

/* A growable array of `type` (v, n, cap); GUARD_VEC_PUSH appends. */
#define GUARD_VEC(type)                                                                                                \
	struct {                                                                                                       \
		type *v;                                                                                               \
		size_t n, cap;                                                                                         \
	}
#define GUARD_VEC_PUSH(vec, item)                                                                                      \
	do {                                                                                                           \
		if ((vec).n == (vec).cap) {                                                                            \
			(vec).cap = (vec).cap ? (vec).cap * 2 : 16;                                                    \
			(vec).v = guard_xrealloc((vec).v, (vec).cap * sizeof *(vec).v);                                \
		}                                                                                                      \
		(vec).v[(vec).n++] = (item);                                                                           \
	} while (0)

struct guard_strv {
	char **v;
	size_t n, cap;
};
void guard_strv_push(struct guard_strv *s, char *owned);
void guard_strv_clear(struct guard_strv *s);

/* Lexically normalize an absolute path: collapse "//", drop ".", resolve ".." textually, no trailing '/'. */
char *guard_path_normalize(const char *path);
/* Is `path` equal to `root` or beneath it? (both normalized) */
bool guard_path_within(const char *path, const char *root);
/* Write `text` to an existing file in one write(2) (procfs, cgroupfs: partial writes mean failure). 0 or -1. */
int guard_write_text(const char *path, const char *text);
/* Create `path` (it must not exist) holding len bytes of data, or die. */
void guard_write_file(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p: create `path` and its missing parents with `mode`. 0, or -1 with errno. */
int guard_mkdir_p(const char *path, mode_t mode);
/* A literal path as a pattern: glob metacharacters and backslashes escaped (malloc'd). */
char *guard_glob_escape(const char *path);
/* Join dir and name with exactly one '/'. */
char *guard_path_join(const char *dir, const char *name);
/* Would `cmd` be found and executable: a path as it is, a name in $PATH (the sandbox's environment keeps it). */
bool guard_command_found(const char *cmd);

#endif
