/* state_save_static FILE TEXT: save TEXT into FILE the way Claude Code 2.1 saves ~/.claude.json, with no in-place
 * fallback: take the lock directory FILE.lock, write FILE.tmp.<pid>.<hex>, rename it over FILE, drop the lock.
 *
 * Statically linked like the agent's own runtime (Bun's raw calls): no shim sees these calls, only the kernel and
 * guard's observer. Prints "saved FILE" and exits 0; on failure "state_save_static: STEP PATH: <strerror>" on
 * stderr and exit 1; bad usage: exit 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *step, const char *path)
{
	fprintf(stderr, "state_save_static: %s %s: %s\n", step, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: state_save_static FILE TEXT\n");
		return 2;
	}
	const char *file = argv[1], *text = argv[2];
	char lock[4096], tmp[4096];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(lock, sizeof lock, "%s.lock", file);
	snprintf(tmp, sizeof tmp, "%s.tmp.%d.%lx", file, (int)getpid(), (unsigned long)ts.tv_nsec);
	if (mkdir(lock, 0700) != 0)
		return fail("mkdir", lock);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail("create", tmp);
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
		return fail("write", tmp);
	close(fd);
	if (rename(tmp, file) != 0)
		return fail("rename", tmp);
	if (rmdir(lock) != 0)
		return fail("rmdir", lock);
	printf("saved %s\n", file);
	return 0;
}
