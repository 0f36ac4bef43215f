/* See shim_envp.h. */
#include <string.h>

#include "shim_envp.h"

size_t shim_envp_count(char *const *envp)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

/* Length of the name in "NAME=value" (the whole string when there is no '='). */
static size_t name_len(const char *e)
{
	const char *eq = strchr(e, '=');
	return eq ? (size_t)(eq - e) : strlen(e);
}

static char *const *find(char *const *envp, const char *entry)
{
	size_t n = name_len(entry);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, entry, n) == 0 && (*envp)[n] == '=')
			return envp;
	return NULL;
}

static int element_is(const char *el, size_t len, const char *name)
{
	return name && *name && strlen(name) == len && memcmp(el, name, len) == 0;
}

int shim_envp_preload_has(const char *value, const struct shim_envsnap *snap)
{
	const char *p = value;
	while (*p) {
		size_t len = strcspn(p, ": ");
		if (len && (element_is(p, len, snap->self) || element_is(p, len, snap->self_given)))
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

char *const *shim_envp_fix(char *const *envp, const struct shim_envsnap *snap, char **out, char *scratch,
			   size_t scratchlen)
{
	size_t n = shim_envp_count(envp), k = n;
	const char *replace = NULL; /* new LD_PRELOAD entry for an existing one */
	char *const *ld = NULL;
	int changed = 0;

	if (snap->ld_preload) {
		ld = find(envp, "LD_PRELOAD=");
		if (!ld) {
			out[k++] = (char *)snap->ld_preload;
			changed = 1;
		} else if (!shim_envp_preload_has(*ld + 11, snap) && snap->self && *snap->self) {
			/* The program set its own LD_PRELOAD: keep it, ours first (as `guard run` does). */
			size_t sl = strlen(snap->self), vl = strlen(*ld + 11);
			if (11 + sl + 1 + vl + 1 <= scratchlen) {
				memcpy(scratch, "LD_PRELOAD=", 11);
				memcpy(scratch + 11, snap->self, sl);
				scratch[11 + sl] = vl ? ':' : 0;
				memcpy(scratch + 11 + sl + 1, *ld + 11, vl + 1);
				replace = scratch;
				changed = 1;
			}
		}
	}
	for (size_t i = 0; i < snap->nkeep; i++)
		if (!find(envp, snap->keep[i])) {
			out[k++] = (char *)snap->keep[i];
			changed = 1;
		}
	if (!changed)
		return envp;
	/* The caller's entries first, in order, then the additions already placed at out[n..k). */
	for (size_t i = 0; i < n; i++)
		out[i] = envp + i == ld && replace ? (char *)replace : envp[i];
	out[k] = NULL;
	return out;
}
