/* Reading the session log back (for report, explain, sessions): finding sessions, session.json, events.jsonl
 * one line at a time, policy.img. Everything read is validated: a malformed line is counted and skipped, a
 * missing or unreadable piece is reported, nothing crashes. See session.h for the format. */
#ifndef GUARD_SESSION_READ_H
#define GUARD_SESSION_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/guard.h"
#include "guard/image.h"
#include "lib/json_read.h"

struct guard_session_read {
	char *dir, *id;
	struct guard_json_doc *doc; /* session.json; the strings below point into it */
	const char **argv;          /* NULL-terminated */
	size_t nargv;
	const char *cwd, *project, *home, *profile, *mode, *unobserved;    /* NULL when absent */
	long long abi, guard_pid, start, end, exit, events, denials, lost; /* -1 when absent */
	bool shim, observer, finished; /* finished: session.json has its end record */
	bool have_image;
	/* session.json's "log" object (session.h, session_limit.h): the log's bounds and what they held back.
	 * log_summary points into doc: [{"op","origin","rule"|"path","count"}], denials counted past the cap. */
	struct {
		bool present;
		long long cap, detail, bytes, limited_at, allowed_unrecorded, repeats, summarised, summarised_other;
		const char *limited, *free_margin; /* NULL when absent */
		const char *summarised_why;        /* "cap" or "free space" (denials counted); NULL when absent */
		const struct guard_json *summary;
	} log;
	struct guard_image img; /* policy.img, when have_image */
	void *image_buf;
};

struct guard_session_read_rule {
	const char *kind, *pattern, *file, *source;
	long long line, col;
};

struct guard_session_read_event {
	unsigned long lineno;
	long long t, pid, ppid; /* -1 when absent */
	long long claimed_pid;  /* -1, or the pid a shim datagram claimed when the kernel named another sender */
	const char *origin, *op, *path, *path2, *cwd, *result, *err; /* NULL when absent */
	bool has_rule;
	struct guard_session_read_rule rule;
	const char **argv; /* NULL-terminated, NULL when absent */
	size_t nargv;
	bool truncated;
	unsigned long long count; /* occurrences the line stands for: 1, or its "count" (repeats counted) */
	const char *net_reason;   /* proxy lines: "net":{"reason":...}, why a connection was denied or failed */
	char *abs, *abs2;         /* path/path2 made absolute (against cwd) and normalized; NULL when not a file path */
};

struct guard_session_read_stats {
	unsigned long lines, malformed; /* malformed: not a valid event line (torn, garbage, too long) */
	bool partial;                   /* the last line had no newline yet (a session still being written) */
	bool missing;                   /* no events.jsonl */
	unsigned long notes;            /* guard's own note lines (the log's bounds), not passed to the callback */
	char note[4][512];              /* the first four notes' text */
};

/* $XDG_STATE_HOME/guard/sessions: session directories there, newest first (by start time, then name). Returns
 * 0 (also for a missing root: none), -1 with errno when the root can't be read. */
int guard_session_read_list(const char *root, struct guard_strv *ids);

/* The directory of session `id` (exact, or a unique prefix), or of the newest session when id is NULL.
 * NULL with a reason (and *none set when there are no sessions at all). */
char *guard_session_read_find(const char *id, bool *none, char *why, size_t whylen);

/* Load session.json (and policy.img when present). -1 with why when session.json is missing or malformed. */
int guard_session_read_open(struct guard_session_read *s, const char *dir, char *why, size_t whylen);
void guard_session_read_close(struct guard_session_read *s);

/* Call fn for each valid line of events.jsonl, in file order; the event and its strings live during the call
 * only. fn returns false to stop. st (may be NULL) receives counts. Returns -1 with errno when unreadable. */
typedef bool (*guard_session_read_event_fn)(const struct guard_session_read_event *ev, void *ctx);
int guard_session_read_events(const struct guard_session_read *s, guard_session_read_event_fn fn, void *ctx,
			      struct guard_session_read_stats *st);

/* Parse one events.jsonl line (no newline). 0, or -1 when it is not a valid event. Free with
 * guard_session_read_event_free. */
int guard_session_read_event_parse(const char *line, size_t len, struct guard_session_read_event *ev,
				   struct guard_json_doc **doc);
void guard_session_read_event_free(struct guard_session_read_event *ev, struct guard_json_doc *doc);

#endif
