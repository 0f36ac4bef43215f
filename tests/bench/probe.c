/* Benchmark probe (dynamically linked on purpose: the shim must be able to see it).
 *
 *   probe open PATH N   open(PATH, O_RDONLY) + close, up to N times in 5 rounds; prints the median round's CPU
 *                       and wall time per pair, in ns
 *   probe rss           prints this process's VmRSS in KiB
 *
 * Built by tests/bench/run with the system compiler; not part of `make check`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Orders rounds by their first double (CPU time). */
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int open_n(const char *path, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Up to n pairs in 5 rounds; a round is cut to about 0.3 s where calls are slow (a loaded or virtual machine), so
 * the whole stays within a few seconds. Prints the median round's CPU time per pair (this thread's: what the
 * kernel's checks and the shim cost, whatever else the machine runs) and its wall time (which would also show
 * waiting, e.g. for the observer). */
static int open_loop(const char *path, long n)
{
	enum { ROUNDS = 5 };
	struct {
		double cpu, wall;
	} per[ROUNDS];
	long calib = 2000, round = n / ROUNDS;
	double t0 = now_ns();
	if (open_n(path, calib) != 0) /* also warms up: dentry cache, the shim's lazy setup */
		return 1;
	double one = (now_ns() - t0) / (double)calib;
	if (round > (long)(0.3e9 / one))
		round = (long)(0.3e9 / one);
	if (round < calib)
		round = calib;
	for (int r = 0; r < ROUNDS; r++) {
		double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		t0 = now_ns();
		if (open_n(path, round) != 0)
			return 1;
		per[r].wall = (now_ns() - t0) / (double)round;
		per[r].cpu = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)round;
	}
	qsort(per, ROUNDS, sizeof *per, cmp);
	printf("%.1f %.1f\n", per[ROUNDS / 2].cpu, per[ROUNDS / 2].wall);
	return 0;
}

static int rss(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0) {
			printf("%ld\n", strtol(line + 6, NULL, 10));
			fclose(f);
			return 0;
		}
	fprintf(stderr, "probe: no VmRSS in /proc/self/status\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return open_loop(argv[2], atol(argv[3]));
	if (argc == 2 && strcmp(argv[1], "rss") == 0)
		return rss();
	fprintf(stderr, "usage: probe open PATH N | probe rss\n");
	return 2;
}
