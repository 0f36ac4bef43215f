/* Minimal TAP producer for unit tests: `ok N - name` / `not ok N - name`, plan at the end.
 * tests/run aggregates every test program's TAP into the final "N passed, N failed" line. */
#ifndef GUARD_TAP_H
#define GUARD_TAP_H
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                                                              \
	do {                                                                                                           \
		int tap_c_ = !!(cond);                                                                                 \
		printf("%sok %d - ", tap_c_ ? "" : "not ", ++tap_n);                                                   \
		printf(__VA_ARGS__);                                                                                   \
		printf("\n");                                                                                          \
		if (!tap_c_) {                                                                                         \
			tap_failed++;                                                                                  \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                                \
		}                                                                                                      \
	} while (0)

#define TAP_SKIP(reason, ...)                                                                                          \
	do {                                                                                                           \
		printf("ok %d - ", ++tap_n);                                                                           \
		printf(__VA_ARGS__);                                                                                   \
		printf(" # SKIP %s\n", reason);                                                                        \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
