/* Load and validation errors as one value (struct guard_error, include/guard/policy.h): every loader fills one,
 * the command that called it prints it once as `guard: FILE:LINE:COL: message (hint)`. */
#include <stdarg.h>
#include <stdio.h>

#include "guard/policy.h"
#include "lib/guard.h"

void guard_error_set(struct guard_error *err, const char *file, unsigned line, unsigned col, const char *hint,
		     const char *fmt, ...)
{
	if (!err)
		return;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	snprintf(err->hint, sizeof err->hint, "%s", hint ? hint : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

void guard_error_print(const struct guard_error *e)
{
	if (e->file[0] && e->line)
		fprintf(stderr, "guard: %s:%u:%u: %s", e->file, e->line, e->col, e->message);
	else if (e->file[0])
		fprintf(stderr, "guard: %s: %s", e->file, e->message);
	else
		fprintf(stderr, "guard: %s", e->message);
	if (e->hint[0])
		fprintf(stderr, " (%s)", e->hint);
	fputc('\n', stderr);
}
