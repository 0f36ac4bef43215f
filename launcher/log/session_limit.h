/* The session log's bounds (issue 13): what may still be written in detail, what is only counted, and the words
 * that say so. One limiter per session, used under the writer's lock (session_store.c).
 *
 * events.jsonl never grows past its cap. Past three quarters of the cap, or once the filesystem holding the log
 * has less free space than the margin (checked every MiB written, more often near the floor), allowed and failed
 * events are counted, not written (the counts of lines already written still are, in a sixteenth of the cap):
 * denials are what the user must see, and they keep the rest. A denial that would pass the cap, or arrives once
 * the filesystem has less than a floor (128K) left for session.json's last rewrite, or fails to be written, is
 * counted under its (op, origin, rule): never dropped, never written. Each change of regime is said once, in a
 * note line of the log, and every count goes to session.json's "log" object. */
#ifndef GUARD_SESSION_LIMIT_H
#define GUARD_SESSION_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/guard.h"
#include "log/session.h"

struct guard_log_limiter;

enum guard_log_admit {
	GUARD_LOG_WRITE,     /* write the line */
	GUARD_LOG_COUNT,     /* an allowed or failed event past the detail limit: guard_log_count_allowed */
	GUARD_LOG_SUMMARISE, /* a denial past the cap: guard_log_summarise */
};

/* fd: events.jsonl (its filesystem is the one measured); bytes: its size now. */
struct guard_log_limiter *guard_log_limiter_new(const struct guard_log_limits *lim, int fd, unsigned long long bytes);
void guard_log_limiter_free(struct guard_log_limiter *l);

/* The fate of a line of len bytes; is_count: it carries the count of a line's repeats (session_repeat.h), which
 * past the detail limit still has a sixteenth of the cap of its own, so the repeats of an event written in detail
 * stay counted under it. note (notelen bytes) receives the sentence of a note line to write first, or "" (a note
 * always fits: the cap keeps room for them). */
enum guard_log_admit guard_log_admit(struct guard_log_limiter *l, bool denied, bool is_count, size_t len, char *note,
				     size_t notelen);
void guard_log_wrote(struct guard_log_limiter *l, size_t len);
void guard_log_count_allowed(struct guard_log_limiter *l, unsigned long long n);
/* The filesystem is full, or nearly (a write failed; or less than the room kept for session.json's last rewrite
 * is free): from here denials are summarised and allowed events counted, as past the cap. */
void guard_log_out_of_space(struct guard_log_limiter *l);
/* key: the denial's `"op":...,"origin":...,"rule":...` JSON members (the summary's identity and its text). */
void guard_log_summarise(struct guard_log_limiter *l, const char *key, unsigned long long n);
void guard_log_repeated(struct guard_log_limiter *l);

/* session.json's "log" object (no trailing comma). */
void guard_log_limiter_json(const struct guard_log_limiter *l, struct guard_buf *b);
/* One sentence when anything was held back; false when nothing was. */
bool guard_log_limiter_summary(const struct guard_log_limiter *l, char *out, size_t len);

#endif
