/* See terminals.h. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/terminal.h"
#include "lib/guard.h"
#include "sandbox/linux/terminals.h"

/* The terminal fd writes to, named by its own node: TIOCGDEV says which terminal it is even when fd is /dev/tty
 * or /dev/console, whose node is not that terminal's; then /dev/pts/N is, when the numbers agree. */
static void add_terminal(char *list, size_t cap, int fd)
{
	unsigned int real;
	struct stat st;
	if (fd < 0 || ioctl(fd, TIOCGDEV, &real) != 0 || !guard_rdev_is_pts(real) || fstat(fd, &st) != 0)
		return;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != real) {
		char node[32];
		snprintf(node, sizeof node, "/dev/pts/%u", guard_pts_index(real));
		if (stat(node, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != real)
			return;
	}
	guard_terminals_add(list, cap, st.st_dev, st.st_rdev);
}

char **guard_terminals_env(char *const *env, int session_pty)
{
	char list[512] = ""; /* room for the five */
	for (int fd = 0; fd < 3; fd++)
		add_terminal(list, sizeof list, fd);
	int ctty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	add_terminal(list, sizeof list, ctty);
	if (ctty >= 0)
		close(ctty);
	add_terminal(list, sizeof list, session_pty);

	size_t n = 0, len = strlen(GUARD_TERMINALS_VAR);
	while (env && env[n])
		n++;
	char **out = guard_xmalloc((n + 2) * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], GUARD_TERMINALS_VAR, len) != 0 || env[i][len] != '=')
			out[k++] = env[i];
	out[k++] = guard_xasprintf("%s=%s", GUARD_TERMINALS_VAR, list);
	out[k] = NULL;
	return out;
}

void guard_terminals_env_free(char **env)
{
	if (!env)
		return;
	size_t n = 0;
	while (env[n])
		n++;
	free(env[n - 1]);
	free(env);
}
