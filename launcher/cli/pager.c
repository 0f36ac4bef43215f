/* A long text on a terminal goes through the user's pager, as git and man do; anything else is written as is.
 * Only a terminal gets a pager: scripts, pipes and tests read exactly what they always did. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/pager.h"

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;
	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		n++;
	return n;
}

static int write_all(FILE *f, const char *text, size_t len)
{
	return fwrite(text, 1, len, f) == len && fflush(f) == 0 ? 0 : -1;
}

int guard_page_out(const char *text, size_t len)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
	    count_lines(text, len) < ws.ws_row)
		return write_all(stdout, text, len);
	const char *pager = getenv("PAGER");
	if (!pager)
		pager = "less -R";
	if (!*pager || strcmp(pager, "cat") == 0)
		return write_all(stdout, text, len);
	fflush(stdout);
	FILE *p = popen(pager, "w");
	if (!p)
		return write_all(stdout, text, len);
	/* Quitting the pager early is not an error: the write gets EPIPE, not a fatal SIGPIPE. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	(void)write_all(p, text, len);
	int st = pclose(p);
	sigaction(SIGPIPE, &old, NULL);
	/* The pager could not start (sh says 127): the text must still reach the user. */
	if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 127))
		return write_all(stdout, text, len);
	return 0;
}
