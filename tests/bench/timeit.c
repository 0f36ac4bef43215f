/* Times one command for tests/bench/workloads.sh.
 *
 *   timeit CMD [ARG...]   runs CMD (stdin, stdout and stderr as given), prints "WALL_MS CPU_MS STATUS" on fd 3
 *                         when it is open, else on stderr: wall time, the CPU time (user + system) of CMD and
 *                         every descendant it waited for (a guard session's supervisor included), its exit status
 *
 * The CPU time is the steadier number on a machine shared with other jobs; the wall time is what a user feels.
 * Built by tests/bench/run with the system compiler; not part of `make check`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: timeit CMD [ARG...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		if (fcntl(3, F_GETFD) >= 0)
			close(3); /* the report channel is ours */
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *out = fcntl(3, F_GETFD) >= 0 ? fdopen(3, "w") : stderr;
	fprintf(out ? out : stderr, "%.2f %.2f %d\n", wall, ms(&ru.ru_utime) + ms(&ru.ru_stime), code);
	return code;
}
