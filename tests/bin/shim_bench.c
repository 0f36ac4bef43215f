/* shim_bench: N open+close of one file, prints ns per pair. Run with and without LD_PRELOAD=libguard.so to get
 * the shim's per-open cost (`make bench` material, not a test). Usage: shim_bench FILE [N] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: shim_bench FILE [N]\n");
		return 2;
	}
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	struct timespec a, b;
	for (int i = 0; i < 1000; i++) /* warm up (first events, caches) */
		close(open(argv[1], O_RDONLY));
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
	printf("%.1f ns per open+close (%ld)\n", ns, n);
	return 0;
}
