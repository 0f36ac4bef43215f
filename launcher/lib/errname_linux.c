/* guard_errno_name (guard.h): glibc knows every errno's symbolic name. */
#include <stdio.h>
#include <string.h>

#include "lib/guard.h"

const char *guard_errno_name(int err, char *buf, size_t len)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;
	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}
