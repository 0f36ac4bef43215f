/* See guard/path.h. */
#include <string.h>

#include "guard/path.h"

size_t guard_lexpath_normalize(char *p)
{
	bool abs = p[0] == '/';
	char *w = p + abs;  /* where the next component goes; components are only ever copied down */
	size_t fixed = abs; /* prefix ".." cannot remove: the root, or a relative path's leading "../.." */
	const char *r = p;
	while (*r) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		const char *c = r;
		while (*r && *r != '/')
			r++;
		size_t len = (size_t)(r - c);
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if ((size_t)(w - p) > fixed) {
				char *q = w;
				while (q > p + fixed && q[-1] != '/')
					q--;
				if (q > p && q[-1] == '/' && !(abs && q - 1 == p))
					q--;
				w = q;
			} else if (!abs) {
				if (w > p)
					*w++ = '/';
				w[0] = '.', w[1] = '.';
				w += 2;
				fixed = (size_t)(w - p);
			}
			continue; /* "/.." is "/" */
		}
		if (w > p + abs)
			*w++ = '/';
		memmove(w, c, len);
		w += len;
	}
	if (w == p)
		*w++ = '.';
	*w = 0;
	return (size_t)(w - p);
}

int guard_lexpath_join(char *out, size_t cap, const char *base, const char *rel)
{
	size_t bl, rl = strlen(rel);
	if (rel[0] == '/' || !base) {
		if (rl + 1 > cap)
			return -1;
		memcpy(out, rel, rl + 1);
	} else {
		bl = strlen(base);
		if (bl + 1 + rl + 1 > cap)
			return -1;
		memcpy(out, base, bl);
		out[bl] = '/';
		memcpy(out + bl + 1, rel, rl + 1);
	}
	guard_lexpath_normalize(out);
	return 0;
}

bool guard_lexpath_under(const char *path, const char *dir)
{
	size_t dl = strlen(dir);
	if (dl == 0)
		return false;
	if (dl == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, dl) == 0 && (path[dl] == 0 || path[dl] == '/');
}

const char *guard_lexpath_display(const char *abs, const char *cwd, const char *project)
{
	if (!project || !*project || !cwd || !*cwd || !guard_lexpath_under(abs, project) ||
	    !guard_lexpath_under(abs, cwd))
		return abs;
	size_t cl = strlen(cwd);
	if (cl == 1) /* cwd "/": only when the project is "/" itself */
		return abs[1] ? abs + 1 : ".";
	return abs[cl] ? abs + cl + 1 : ".";
}

const char *guard_lexpath_split(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t dl;
	const char *d;
	if (!slash) {
		d = ".", dl = 1;
	} else if (slash == path) {
		d = "/", dl = 1;
	} else {
		d = path, dl = (size_t)(slash - path);
	}
	if (dl + 1 > cap)
		return NULL;
	memcpy(dir, d, dl);
	dir[dl] = 0;
	return slash ? slash + 1 : path;
}
