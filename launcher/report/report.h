/* `guard report`: what one session did, aggregated from its log (report_model.c), printed for people (text,
 * HTML) or tools (JSON). Shared display helpers (report_fmt.c) are also used by `explain` and `sessions`. */
#ifndef GUARD_REPORT_H
#define GUARD_REPORT_H

#include <stdio.h>

#include "lib/json_write.h"
#include "log/session_read.h"

enum guard_rep_group {
	GUARD_REP_PROJECT,
	GUARD_REP_SYSTEM,
	GUARD_REP_HOME,
	GUARD_REP_TEMP,
	GUARD_REP_OTHER,
	GUARD_REP_NGROUPS
};
extern const char *const guard_rep_group_names[GUARD_REP_NGROUPS]; /* "project", "system", ... */

struct guard_rep_file {
	char *path; /* absolute when it could be resolved */
	unsigned count, denied, failed;
	unsigned facts; /* of count, the events the kernel observer saw (the rest the process only claimed) */
};

struct guard_rep_files {
	struct guard_rep_file *v;
	size_t n, cap;
};

struct guard_rep_proc {
	long long pid, ppid, t;
	char **argv; /* NULL-terminated */
	char *cwd, *exe;
	bool truncated;
	bool dropped; /* while building: a failure for the same pid and file followed (see report_model.c) */
	bool fact;    /* the kernel observer saw the exec (else the process's own shim told it) */
};

/* A shim datagram whose claimed pid the kernel contradicted (SCM_CREDENTIALS named another sender). */
struct guard_rep_claim {
	long long pid, claimed; /* the kernel's sender, the pid it claimed */
	char *op, *path;
	unsigned count; /* occurrences: the log counts repeats of one forged line */
};

struct guard_rep_host {
	char *host;
	unsigned count, denied;
};

struct guard_rep_denial {
	char *op, *path, *path2, *err, *origin;
	char *reason; /* the proxy's words, for network denials */
	bool has_rule;
	char *kind, *pattern, *file, *source;
	long long line, col;
	unsigned count;
	long long first_t, last_t;
	long long pids[8];
	size_t npids;
};

struct guard_report {
	struct guard_session_read *s;
	const char *tmpdir;                                 /* the session's temp dir as the sandbox saw it */
	struct guard_rep_files files[2][GUARD_REP_NGROUPS]; /* [0] read, [1] written */
	struct {
		struct guard_rep_proc *v;
		size_t n, cap;
	} procs;           /* successful execs, by pid then time */
	size_t nprocesses; /* distinct pids among them */
	struct {
		struct guard_rep_host *v;
		size_t n, cap;
	} hosts;
	struct {
		struct guard_rep_denial *v;
		size_t n, cap;
	} denials;                                     /* one per (op, path, path2), by first attempt */
	unsigned long events, allowed, denied, failed; /* occurrences: a line with "count":N counts N */
	/* distinct items past the report's memory bounds (report_model.c): counted, not listed */
	unsigned long unlisted_files, unlisted_hosts, unlisted_procs, unlisted_denials, unlisted_claims;
	struct guard_session_read_stats stats;
	bool events_unreadable;
	struct guard_strv unobserved; /* what the log cannot show, one sentence each */
	struct {
		struct guard_rep_claim *v;
		size_t n, cap;
		unsigned long events; /* occurrences, listed or not */
	} contradicted;               /* lies about the sender, one per line of the log, in log order */
};

void guard_report_build(struct guard_report *r, struct guard_session_read *s);
void guard_report_free(struct guard_report *r);
/* The first exec's argv of pid (the program the process ran), or NULL. */
const struct guard_rep_proc *guard_report_proc(const struct guard_report *r, long long pid);

/* The process tree over r->procs: one node per pid (its execs in order, r->procs.v[first[k] ..+count[k]]),
 * nodes in pid order; parent[k] is the node of its parent pid, or n for a root; children of k are
 * kids[kid_start[k] .. kid_start[k + 1]). Pid reuse can make cycles: printers stop at GUARD_REP_TREE_DEPTH and
 * show whatever a cycle left unreached as extra roots. */
#define GUARD_REP_TREE_DEPTH 40
struct guard_rep_tree {
	size_t n;
	size_t *first, *count, *parent, *kids, *kid_start;
};
void guard_rep_tree_build(struct guard_rep_tree *t, const struct guard_report *r);
void guard_rep_tree_free(struct guard_rep_tree *t);

void guard_report_text(FILE *out, const struct guard_report *r);
void guard_report_json(FILE *out, const struct guard_report *r);
void guard_report_html(FILE *out, const struct guard_report *r);

/* ---- display helpers (report_fmt.c) ---- */

/* A word safe to show in a terminal and to paste into a shell: as is when plain, else '...' quoted, else (control
 * characters, invalid UTF-8, C1 and bidi controls) bash's $'...' with \xNN escapes. Appended to b. */
void guard_fmt_word(struct guard_buf *b, const char *s);
/* guard_fmt_word cut to at most max bytes (on a character boundary) with "…": for names in human-facing lists,
 * where a 4 KiB path would drown the rest (JSON keeps every name whole). */
void guard_fmt_word_cut(struct guard_buf *b, const char *s, size_t max);
/* Free text (patterns, notes) with dangerous characters and invalid UTF-8 as \xNN, nothing quoted. */
void guard_fmt_text(struct guard_buf *b, const char *s);
/* argv joined by spaces, each word as above; with max (0: unlimited), the words that fit in max bytes, then "…". */
void guard_fmt_argv(struct guard_buf *b, const char *const *argv, size_t max);
/* "2h 05m", "3m 12s", "12.3s", "850ms"; "?" when either end is unknown (< 0). */
void guard_fmt_duration(char *out, size_t len, long long start_ms, long long end_ms);
/* Local time "2026-11-22 07:05:01" of a millisecond timestamp; "?" when < 0. */
void guard_fmt_time(char *out, size_t len, long long ms);
/* Who told an event, for people: "the kernel (observer)", "guard's proxy", "the process itself (shim,
 * self-reported)"; a merged "shim, observer" names both. */
const char *guard_fmt_origin(const char *origin);
/* "rules/default.yaml:14:7" (or just the file for flags, whose line is 0). */
void guard_fmt_at(struct guard_buf *b, const char *file, long long line, long long col);
/* Text with & < > " ' escaped for HTML (input is already display-safe). */
void guard_fmt_html(struct guard_buf *b, const char *s);
/* Write what b holds to out once it passes 64 KiB, and empty it: formatters that build a report in a buffer call
 * it between items, so their memory does not grow with the report (issue 13). */
void guard_fmt_spill(struct guard_buf *b, FILE *out);
/* Path as shown in reports: "src/x" inside the project, "~/x" inside home, else as is. */
const char *guard_fmt_short(const char *path, const char *project, const char *home, struct guard_buf *tmp);

#endif
