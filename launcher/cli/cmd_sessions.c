/* `guard sessions [--json]`: the recorded sessions, newest first: id, start, duration, exit, denials, project,
 * command. A session without an end record is "running" while its guard process lives, else "killed". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "log/session.h"

#define USAGE "usage: guard sessions [--json]"

static bool count_denied(const struct guard_session_read_event *ev, void *ctx)
{
	if (strcmp(ev->result, "denied") == 0)
		*(long long *)ctx += (long long)ev->count;
	return true;
}

/* Denials: from the end record, else counted in the log (the session may still be running). */
static long long denials_of(const struct guard_session_read *s)
{
	if (s->finished && s->denials >= 0)
		return s->denials;
	long long n = 0;
	guard_session_read_events(s, count_denied, &n, NULL);
	return n;
}

static const char *status_of(const struct guard_session_read *s)
{
	if (s->finished)
		return "finished";
	if (s->guard_pid > 0 && (kill((pid_t)s->guard_pid, 0) == 0 || errno == EPERM))
		return "running";
	return "killed";
}

static void row_text(struct guard_buf *b, const struct guard_session_read *s)
{
	char start[32], dur[32], exit[16];
	struct guard_buf tmp = {0};
	guard_fmt_time(start, sizeof start, s->start);
	const char *status = status_of(s);
	if (s->finished) {
		guard_fmt_duration(dur, sizeof dur, s->start, s->end);
		snprintf(exit, sizeof exit, "%lld", s->exit);
	} else {
		snprintf(dur, sizeof dur, "-");
		snprintf(exit, sizeof exit, "%s", status);
	}
	size_t mark = b->len;
	guard_fmt_text(b, s->id);
	size_t w = b->len - mark;
	guard_buf_printf(b, "%*s %-19s  %8s  %7s  %6lld  ", w < 24 ? (int)(24 - w) : 0, "", start, dur, exit,
			 denials_of(s));
	mark = b->len;
	guard_fmt_word(b, s->project ? guard_fmt_short(s->project, NULL, s->home, &tmp) : "?");
	w = b->len - mark;
	guard_buf_printf(b, "%*s  ", w < 24 ? (int)(24 - w) : 0, "");
	guard_fmt_argv(b, s->argv, 60);
	guard_buf_puts(b, "\n");
	guard_buf_free(&tmp);
}

static void num_or_null(struct guard_buf *b, const char *key, bool known, long long v)
{
	if (known)
		guard_buf_printf(b, ",\"%s\":%lld", key, v);
	else
		guard_buf_printf(b, ",\"%s\":null", key);
}

static void row_json(struct guard_buf *b, const struct guard_session_read *s, bool first)
{
	/* An array since before JSON output was versioned, so each entry carries the version (guard(1) JSON
	 * OUTPUT: stable, members only added within a version). */
	guard_buf_puts(b, first ? "\n  {\"version\":1,\"id\":" : ",\n  {\"version\":1,\"id\":");
	guard_json_str(b, s->id);
	guard_buf_puts(b, ",\"dir\":");
	guard_json_str(b, s->dir);
	guard_buf_printf(b, ",\"status\":\"%s\"", status_of(s));
	num_or_null(b, "start", s->start >= 0, s->start);
	num_or_null(b, "end", s->finished, s->end);
	num_or_null(b, "exit", s->finished, s->exit);
	guard_buf_printf(b, ",\"denials\":%lld,\"project\":", denials_of(s));
	guard_json_str(b, s->project);
	guard_buf_puts(b, ",\"argv\":[");
	for (size_t i = 0; s->argv[i]; i++) {
		guard_buf_puts(b, i ? "," : "");
		guard_json_str(b, s->argv[i]);
	}
	guard_buf_puts(b, "]}");
}

int guard_cmd_sessions(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--format=json") == 0)
			json = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("%s\n", USAGE);
			return 0;
		} else
			guard_die(USAGE, "unexpected argument %s", argv[i]);
	}
	char *root = guard_session_root();
	struct guard_strv ids = {0};
	if (guard_session_read_list(root, &ids) != 0)
		guard_die_errno(NULL, "reading %s", root);
	struct guard_buf b = {0};
	guard_buf_puts(&b, "");
	if (json) {
		guard_buf_puts(&b, "[");
	} else if (!ids.n) {
		guard_buf_puts(&b, "no sessions yet: `guard run` records them in ");
		guard_fmt_word(&b, root);
		guard_buf_puts(&b, "\n");
	} else {
		guard_buf_printf(&b, "%-24s %-19s  %8s  %7s  %6s  %-24s  %s\n", "ID", "STARTED", "DURATION", "EXIT",
				 "DENIED", "PROJECT", "COMMAND");
	}
	bool first = true;
	for (size_t i = 0; i < ids.n; i++) {
		char *dir = guard_path_join(root, ids.v[i]), why[512];
		struct guard_session_read s;
		if (guard_session_read_open(&s, dir, why, sizeof why) == 0) {
			if (json)
				row_json(&b, &s, first);
			else
				row_text(&b, &s);
			first = false;
			guard_session_read_close(&s);
		} else if (!json) {
			guard_fmt_text(&b, ids.v[i]);
			guard_buf_puts(&b, "  (unreadable: ");
			guard_fmt_text(&b, why);
			guard_buf_puts(&b, ")\n");
		}
		free(dir);
		/* Print as we go: a long history should not wait for the last row. */
		fwrite(b.p, 1, b.len, stdout);
		b.len = 0;
	}
	if (json)
		guard_buf_puts(&b, first ? "]\n" : "\n]\n");
	fwrite(b.p, 1, b.len, stdout);
	guard_buf_free(&b);
	guard_strv_clear(&ids);
	free(root);
	if (fflush(stdout) != 0)
		guard_die_errno(NULL, "writing the list");
	return 0;
}
