/* The observer's verdict cache (supervisor/verdict_cache.c): a remembered verdict comes back for exactly the same
 * (op, is_dir, path), a different op or kind of path is not answered from it, an overlong path is never kept, and
 * a flood of distinct paths keeps the newest answer right (the table replaces, never grows). */
#include <stdio.h>
#include <string.h>

#include "supervisor/verdict_cache.h"
#include "tap.h"

int main(void)
{
	struct guard_verdict_cache *c = guard_verdict_cache_new();
	uint32_t rule = 99;
	int err = 99;
	TAP_OK(!guard_verdict_cache_get(c, 1, false, "/etc/ld.so.cache", &rule, &err),
	       "an empty cache answers nothing");

	guard_verdict_cache_put(c, 1, false, "/etc/ld.so.cache", 7, 0);
	guard_verdict_cache_put(c, 1, false, "/p/.env", 3, 13);
	TAP_OK(guard_verdict_cache_get(c, 1, false, "/etc/ld.so.cache", &rule, &err) && rule == 7 && err == 0,
	       "a remembered allowed read comes back with its rule");
	TAP_OK(guard_verdict_cache_get(c, 1, false, "/p/.env", &rule, &err) && rule == 3 && err == 13,
	       "a remembered denial comes back with its errno");
	TAP_OK(!guard_verdict_cache_get(c, 2, false, "/p/.env", &rule, &err), "another op is not answered from it");
	TAP_OK(!guard_verdict_cache_get(c, 1, true, "/p/.env", &rule, &err), "the path as a directory is not either");
	TAP_OK(!guard_verdict_cache_get(c, 1, false, "/p/.env2", &rule, &err), "nor a longer path");

	char big[2048];
	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = 0;
	guard_verdict_cache_put(c, 1, false, big, 5, 0);
	TAP_OK(!guard_verdict_cache_get(c, 1, false, big, &rule, &err), "an overlong path is not kept");

	char p[64];
	int wrong = 0;
	for (int i = 0; i < 20000; i++) {
		snprintf(p, sizeof p, "/flood/%d", i);
		guard_verdict_cache_put(c, 1, false, p, (uint32_t)i, i % 2 ? 13 : 0);
		if (!guard_verdict_cache_get(c, 1, false, p, &rule, &err) || rule != (uint32_t)i ||
		    err != (i % 2 ? 13 : 0))
			wrong++;
	}
	TAP_OK(wrong == 0, "after each of 20000 distinct paths the newest answer is right (%d wrong)", wrong);
	int kept = 0;
	for (int i = 0; i < 20000; i++) {
		snprintf(p, sizeof p, "/flood/%d", i);
		if (guard_verdict_cache_get(c, 1, false, p, &rule, &err)) {
			kept++;
			if (rule != (uint32_t)i)
				wrong++;
		}
	}
	TAP_OK(kept <= 1024 && wrong == 0, "the table stays bounded (%d of 20000 kept) and what it keeps is right",
	       kept);
	guard_verdict_cache_free(c);
	return tap_done();
}
