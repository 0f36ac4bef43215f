/* The supervisor's own counters (issue 14): how many events each observation layer brought into a session and
 * what serving them cost, so `make bench` can say where a session's time goes. Counting costs two clock reads per
 * event; the counters are written only when GUARD_STATS names a file. */
#ifndef GUARD_SUPERVISOR_STATS_H
#define GUARD_SUPERVISOR_STATS_H

#include <stdint.h>

struct guard_session;

struct guard_sup_stats {
	uint64_t shim_events, shim_ns;       /* datagrams taken from the shim, time to decode and log them */
	uint64_t notifs, stopped_ns;         /* observer notifications; receive to answer (the caller waits) */
	uint64_t after_ns;                   /* observer work after the answer (verdict, log line) */
	uint64_t verdict_hits, verdict_miss; /* the observer's verdict cache */
};

uint64_t guard_stats_now_ns(void);

/* At the end of a session: append one line of counters to the file GUARD_STATS names, if it does. */
void guard_stats_write(const struct guard_sup_stats *st, const struct guard_session *session);

#endif
