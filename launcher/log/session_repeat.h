/* Repeats of one log line counted instead of written again (issue 13: a flood of one event costs a counter).
 * A direct-mapped table of the last distinct lines seen: a line whose body (everything after its time stamp)
 * is held in its slot is a repeat. The first REPEAT_WRITE_FIRST repeats are still written line by line: an
 * ordinary session's few retries stay in the log the moment they happen (a SIGKILL of guard loses nothing);
 * only past that, in a flood, are they counted in memory. Any other line takes the slot, and the slot's former line, if it was
 * repeated, is handed back to be written with its count. Memory is bounded: REPEAT_SLOTS bodies of at most
 * REPEAT_BODY_MAX bytes each (a longer line is never aggregated: it is written, and the log's cap bounds it). */
#ifndef GUARD_SESSION_REPEAT_H
#define GUARD_SESSION_REPEAT_H

#include <stdbool.h>
#include <stddef.h>

struct guard_repeats;

/* A line held back: its body, how many more times it came, when it came last, and what the writer told put. */
struct guard_repeat_line {
	char *body; /* malloc'd; the receiver frees it */
	size_t len;
	unsigned long long count;
	long long last_t;
	void *tag; /* the writer's own word about the line (session_store.c: its summary key) */
};

struct guard_repeats *guard_repeats_new(void);
void guard_repeats_free(struct guard_repeats *r);

enum guard_repeat_seen {
	GUARD_REPEAT,          /* it repeats the line in its slot, which counted it: nothing to write */
	GUARD_REPEAT_WRITE,    /* one of the first repeats: write it as usual (tag stays the caller's) */
	GUARD_REPEAT_NEW_HELD, /* new, and now held (with tag, which the table owns from here) */
	GUARD_REPEAT_NEW,      /* new, too long to hold: tag stays the caller's */
};
/* A line about to be written. When it takes a slot whose line was repeated, *evicted receives that line
 * (count > 0) to be written now; else evicted->body is NULL. */
enum guard_repeat_seen guard_repeats_seen(struct guard_repeats *r, const char *body, size_t len, long long t, void *tag,
					  struct guard_repeat_line *evicted);
/* The next held line that was repeated (removing it), or false when none is left: for the end of a session. */
bool guard_repeats_take(struct guard_repeats *r, struct guard_repeat_line *out);

#endif
