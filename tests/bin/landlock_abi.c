/* landlock_abi: prints the running kernel's Landlock ABI version (0 when Landlock is unavailable or disabled).
 * tests/lib.sh's landlock_abi() asks the kernel through this, not through guard: a test must not let the program
 * under test decide whether it runs, and the probe must not depend on python3 being installed. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define LANDLOCK_CREATE_RULESET_VERSION 1U

int main(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	printf("%ld\n", abi > 0 ? abi : 0);
	return 0;
}
