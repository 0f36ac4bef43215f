/* Showing a long text through $PAGER on a terminal (pager.c). */
#ifndef GUARD_CLI_PAGER_H
#define GUARD_CLI_PAGER_H

#include <stddef.h>

/* Write TEXT to stdout; when stdout is a terminal and TEXT is taller than it, through $PAGER (default
 * "less -R"; empty or "cat": none). 0, or -1 when writing failed. */
int guard_page_out(const char *text, size_t len);

#endif
