/* GUARD_STATS=FILE: the supervisor's counters at the end of a session, one line (stats.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "log/session.h"
#include "supervisor/stats.h"

uint64_t guard_stats_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double us_each(uint64_t ns, uint64_t n)
{
	return n ? (double)ns / 1e3 / (double)n : 0;
}

void guard_stats_write(const struct guard_sup_stats *st, const struct guard_session *session)
{
	const char *file = getenv("GUARD_STATS");
	if (!file || !*file)
		return;
	long long log_bytes = -1;
	const char *dir = session ? guard_session_dir(session) : NULL;
	if (dir) {
		char path[4096];
		struct stat sb;
		snprintf(path, sizeof path, "%s/events.jsonl", dir);
		if (stat(path, &sb) == 0)
			log_bytes = (long long)sb.st_size;
	}
	struct rusage ru = {0};
	getrusage(RUSAGE_SELF, &ru); /* ru_maxrss: the supervisor's peak resident memory, KiB */
	FILE *f = fopen(file, "ae");
	if (!f)
		return;
	fprintf(f,
		"shim events %llu (%.1f us each to log); observer notifications %llu (caller stopped %.1f us each, "
		"then %.1f us of logging; verdict cache %llu hits, %llu misses); log %lld KiB; peak memory %ld KiB\n",
		(unsigned long long)st->shim_events, us_each(st->shim_ns, st->shim_events),
		(unsigned long long)st->notifs, us_each(st->stopped_ns, st->notifs), us_each(st->after_ns, st->notifs),
		(unsigned long long)st->verdict_hits, (unsigned long long)st->verdict_miss,
		log_bytes < 0 ? -1 : log_bytes / 1024, ru.ru_maxrss);
	fclose(f);
}
