/* See shim_fmode.h. Follows glibc 2.36 libio/fileops.c: the first character decides the access; then at most six
 * more characters are looked at: '+' read-write, 'x' O_EXCL, 'e' O_CLOEXEC, 'm' mmap, 'b' 'c' and anything else
 * ignored; ",ccs=NAME" anywhere makes a wide stream. */
#include <fcntl.h>
#include <string.h>

#include "shim_fmode.h"

int shim_fopen_mode(const char *mode, struct shim_fmode *out)
{
	memset(out, 0, sizeof *out);
	int acc, extra;
	switch (mode[0]) {
	case 'r':
		acc = O_RDONLY, extra = 0;
		break;
	case 'w':
		acc = O_WRONLY, extra = O_CREAT | O_TRUNC;
		break;
	case 'a':
		acc = O_WRONLY, extra = O_CREAT | O_APPEND;
		break;
	default:
		return -1;
	}
	bool plus = false, mmap = false;
	for (int i = 1; i < 7 && mode[i]; i++) {
		switch (mode[i]) {
		case '+':
			plus = true;
			break;
		case 'x':
			extra |= O_EXCL;
			break;
		case 'e':
			extra |= O_CLOEXEC;
			break;
		case 'm':
			mmap = true;
			break;
		default:
			break;
		}
	}
	if (plus)
		acc = O_RDWR;
	out->oflags = acc | extra;
	int k = 0;
	out->fdmode[k++] = mode[0];
	if (mmap)
		out->fdmode[k++] = 'm';
	if (plus)
		out->fdmode[k++] = '+';
	out->fdmode[k] = 0;
	out->seek_end = mode[0] == 'a' && !plus;
	out->use_real = strstr(mode, ",ccs=") != NULL;
	return 0;
}

int shim_popen_mode(const char *mode, bool *reading, bool *cloexec)
{
	bool r = false, w = false;
	*cloexec = false;
	for (; *mode; mode++) {
		switch (*mode) {
		case 'r':
			r = true;
			break;
		case 'w':
			w = true;
			break;
		case 'e':
			*cloexec = true;
			break;
		default:
			return -1;
		}
	}
	if (r == w)
		return -1;
	*reading = r;
	return 0;
}
