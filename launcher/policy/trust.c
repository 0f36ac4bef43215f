/* The trust store: which project files the user has reviewed, by the hash of their exact bytes (like direnv).
 * Lines are "HEX  ABSPATH", one per file; any edit changes the hash, so the file is untrusted again until the
 * user looks at it. The store is rewritten whole with guard_write_atomic (temporary file, rename, directory
 * fsync), so a crash or a concurrent reader never sees half a store. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/guard.h"
#include "policy/policy_api.h"
#include "lib/fileio.h"

#define MAX_STORE_BYTES (16u << 20)
#define MAX_TRUSTED_FILE (4u << 20) /* same bound as policy files: anything bigger is not a policy */

static int store_path(const char *store, char *out, size_t len)
{
	int n = store ? snprintf(out, len, "%s", store) : -1;
	if (!store) {
		if (guard_config_dir(out, len) < 0)
			return -1;
		size_t used = strlen(out);
		n = snprintf(out + used, len - used, "/trusted");
		n = n < 0 ? n : (int)(used + (size_t)n);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Same file, same record, however it was named: symlinks resolved. A file that is gone (remove after delete)
 * is named by its absolute path as given. */
static int abs_path(const char *path, char out[PATH_MAX])
{
	if (realpath(path, out))
		return 0;
	if (path[0] == '/')
		return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX ? 0 : -1;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	return snprintf(out, PATH_MAX, "%s/%s", cwd, path) < PATH_MAX ? 0 : -1;
}

/* Split a store line; false for anything malformed (kept as is on rewrite, ignored on lookup). */
static bool parse_line(const char *line, size_t n, const char **path, size_t *plen)
{
	if (n < 67 || line[64] != ' ' || line[65] != ' ')
		return false;
	for (int i = 0; i < 64; i++)
		if (!line[i] || !strchr("0123456789abcdef", line[i]))
			return false;
	*path = line + 66;
	*plen = n - 66;
	return true;
}

/* Calls fn on every well-formed line until it returns true; returns whether it did. */
static bool scan(const char *buf, size_t len, bool (*fn)(const char *hex, const char *path, size_t plen, void *ctx),
		 void *ctx)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		const char *path;
		size_t plen;
		if (parse_line(buf + i, n, &path, &plen) && fn(buf + i, path, plen, ctx))
			return true;
		i += n + 1;
	}
	return false;
}

struct want {
	const char *hex; /* NULL: any content */
	const char *path;
};

static bool matches(const char *hex, const char *path, size_t plen, void *ctx)
{
	const struct want *w = ctx;
	return strlen(w->path) == plen && memcmp(w->path, path, plen) == 0 && (!w->hex || memcmp(w->hex, hex, 64) == 0);
}

static bool lookup(const char *store, const char *path, const char *hex)
{
	char sp[PATH_MAX], ap[PATH_MAX], *buf;
	size_t len;
	if (store_path(store, sp, sizeof sp) < 0 || abs_path(path, ap) < 0 ||
	    guard_read_file(sp, MAX_STORE_BYTES, &buf, &len) != 0)
		return false;
	struct want w = {hex, ap};
	bool found = scan(buf, len, matches, &w);
	free(buf);
	return found;
}

int guard_trust_is_trusted(const char *store, const char *path, const char *buf, size_t len)
{
	char hex[65];
	guard_sha256_hex(buf, len, hex);
	return lookup(store, path, hex);
}

bool guard_trust_has_path(const char *store, const char *path)
{
	return lookup(store, path, NULL);
}

/* The store without any record of `abs`, plus `add` (may be NULL). *removed counts the dropped records. */
static char *rewrite(const char *old, size_t oldlen, const char *abs, const char *add, size_t *outlen, int *removed)
{
	size_t addlen = add ? strlen(add) : 0;
	char *out = malloc(oldlen + addlen + 2);
	if (!out) {
		fputs("guard: out of memory\n", stderr);
		exit(125);
	}
	size_t n = 0;
	struct want w = {NULL, abs};
	*removed = 0;
	for (size_t i = 0; i < oldlen;) {
		const char *nl = memchr(old + i, '\n', oldlen - i);
		size_t ln = nl ? (size_t)(nl - (old + i)) : oldlen - i;
		const char *path;
		size_t plen;
		if (parse_line(old + i, ln, &path, &plen) && matches(old + i, path, plen, &w)) {
			(*removed)++;
		} else if (ln) {
			memcpy(out + n, old + i, ln);
			n += ln;
			out[n++] = '\n';
		}
		i += ln + 1;
	}
	memcpy(out + n, add ? add : "", addlen);
	*outlen = n + addlen;
	return out;
}

static int update(const char *store, const char *path, bool add, struct guard_error *err)
{
	char sp[PATH_MAX], ap[PATH_MAX], line[PATH_MAX + 72];
	if (store_path(store, sp, sizeof sp) < 0) {
		guard_error_set(err, "", 0, 0, "set HOME or XDG_CONFIG_HOME", "cannot find the trust store");
		return -1;
	}
	if (abs_path(path, ap) < 0) {
		guard_error_set(err, path, 0, 0, "name the file by a shorter path", "cannot resolve: %s",
				strerror(errno));
		return -1;
	}
	if (add) {
		char *content;
		size_t clen;
		int rc = guard_read_file(ap, MAX_TRUSTED_FILE, &content, &clen);
		if (rc != 0) {
			guard_error_set(err, path, 0, 0, "name an existing policy file", "cannot trust: %s",
					rc == 1 ? strerror(ENOENT) : strerror(errno));
			return -1;
		}
		char hex[65];
		guard_sha256_hex(content, clen, hex);
		free(content);
		/* One record per line: a newline in the path would forge a second record. */
		if (strchr(ap, '\n')) {
			guard_error_set(err, path, 0, 0, "rename the file or its directory",
					"cannot trust a path that contains a newline");
			return -1;
		}
		snprintf(line, sizeof line, "%s  %s\n", hex, ap);
	}
	char *old = NULL;
	size_t oldlen = 0;
	int rc = guard_read_file(sp, MAX_STORE_BYTES, &old, &oldlen);
	if (rc < 0) {
		guard_error_set(err, sp, 0, 0, "fix its permissions, or remove it", "cannot read the trust store: %s",
				strerror(errno));
		return -1;
	}
	size_t newlen;
	int removed = 0;
	char *data = rc == 1 && !add ? NULL : rewrite(old ? old : "", oldlen, ap, add ? line : NULL, &newlen, &removed);
	free(old);
	if (!add && !removed) {
		/* Filled too, for callers that print every non-zero result. */
		guard_error_set(err, ap, 0, 0, "nothing to do", "was not trusted");
		rc = 1;
	} else {
		/* Durable like a policy file (the directory fsync'd too): a revoked trust must not come back after a
		 * crash. Private: it says which of the user's projects exist and were reviewed. */
		rc = guard_write_atomic(sp, data, newlen, 0600, true, err);
	}
	free(data);
	return rc;
}

int guard_trust_add(const char *store, const char *path, struct guard_error *err)
{
	return update(store, path, true, err);
}

int guard_trust_remove(const char *store, const char *path, struct guard_error *err)
{
	return update(store, path, false, err);
}
