/* See guard/terminal.h. */
#include <string.h>

#include "guard/terminal.h"

/* Linux's dev_t as stat(2) returns it: minor bits 0-7 and 20-31 (then 44-63), major bits 8-19 (then 32-43). */
static uint64_t dev_major(uint64_t d)
{
	return ((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffULL);
}

static uint64_t dev_minor(uint64_t d)
{
	return (d & 0xff) | ((d >> 12) & ~0xffULL);
}

bool guard_rdev_is_pts(uint64_t rdev)
{
	uint64_t m = dev_major(rdev);
	return m >= 136 && m <= 143;
}

unsigned guard_pts_index(uint64_t rdev)
{
	/* The kernel numbers pty N as (136, 0) + N, its minors 20 bits wide. */
	return (unsigned)(((dev_major(rdev) - 136) << 20) | dev_minor(rdev));
}

static size_t put_hex(char *out, uint64_t v)
{
	char tmp[16];
	size_t n = 0;
	do
		tmp[n++] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

bool guard_terminals_add(char *list, size_t cap, uint64_t dev, uint64_t rdev)
{
	if (guard_terminals_has(list, dev, rdev))
		return true;
	char item[2 + 16 + 1 + 16 + 1];
	size_t n = 0, len = strlen(list);
	if (len)
		item[n++] = ',';
	n += put_hex(item + n, dev);
	item[n++] = ':';
	n += put_hex(item + n, rdev);
	if (len + n + 1 > cap)
		return false;
	memcpy(list + len, item, n);
	list[len + n] = 0;
	return true;
}

/* One hex number up to a separator; NULL when there is none or it is too long. */
static const char *get_hex(const char *p, uint64_t *v)
{
	int n = 0;
	*v = 0;
	for (;; p++, n++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (n == 16)
			return NULL;
		*v = *v << 4 | (uint64_t)d;
	}
	return n ? p : NULL;
}

bool guard_terminals_has(const char *list, uint64_t dev, uint64_t rdev)
{
	const char *p = list;
	while (p && *p) {
		uint64_t d, r;
		p = get_hex(p, &d);
		if (!p || *p++ != ':' || !(p = get_hex(p, &r)))
			return true;
		if (d == dev && r == rdev)
			return true;
		if (*p == ',')
			p++;
		else if (*p)
			return true;
	}
	return false;
}
