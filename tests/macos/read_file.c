/* Reads one file to stdout, or exits 1 with strerror: a program the DYLD shim can enter on a Mac (/bin/cat is
 * SIP-protected, and dyld drops DYLD_INSERT_LIBRARIES for it), for the enforcement suite's explanation checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "read_file: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	close(fd);
	return n < 0;
}
