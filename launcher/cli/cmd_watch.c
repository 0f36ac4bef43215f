/* `guard watch [ID|--last]`: a running session's denials as they happen, from another terminal (issue 11: zero
 * guard lines inside an agent's TUI; the human follows here instead). Reads the session's events.jsonl from its
 * start and follows it until the session ends (its end record, or its guard process gone), one line per denial:
 * time, process, operation, path, and the rule that decided. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "log/session_read.h"
#include "report/report.h"

#define USAGE "usage: guard watch [ID|--last]"
#define LINE_MAX_BYTES (1u << 20) /* an events.jsonl line longer than this is skipped, like the reader does */

/* One denial, one line. Everything in it came from the sandbox (a path can hold escape sequences): shown through
 * the report's display helpers, never raw. */
static void print_denial(const struct guard_session_read_event *ev)
{
	char when[16] = "--:--:--";
	if (ev->t > 0) {
		time_t secs = (time_t)(ev->t / 1000);
		struct tm tm;
		if (localtime_r(&secs, &tm))
			strftime(when, sizeof when, "%H:%M:%S", &tm);
	}
	struct guard_buf b = {0};
	guard_buf_printf(&b, "%s  pid %-7lld ", when, ev->pid);
	guard_fmt_text(&b, ev->op ? ev->op : "?");
	guard_buf_puts(&b, "  ");
	guard_fmt_word(&b, ev->abs ? ev->abs : ev->path ? ev->path : "?");
	if (ev->err) {
		guard_buf_puts(&b, "  ");
		guard_fmt_text(&b, ev->err);
	}
	if (ev->has_rule && ev->rule.pattern) {
		guard_buf_puts(&b, "  by ");
		guard_fmt_text(&b, ev->rule.kind ? ev->rule.kind : "?");
		guard_buf_puts(&b, " \"");
		guard_fmt_text(&b, ev->rule.pattern);
		guard_buf_puts(&b, "\" (");
		guard_fmt_at(&b, ev->rule.file ? ev->rule.file : "?", ev->rule.line, ev->rule.col);
		guard_buf_puts(&b, ")");
	} else if (ev->net_reason) {
		guard_buf_puts(&b, "  (");
		guard_fmt_text(&b, ev->net_reason);
		guard_buf_puts(&b, ")");
	}
	if (ev->count > 1) /* a repeat line: the log counted these instead of writing each */
		guard_buf_printf(&b, "  (%llu more times)", ev->count);
	printf("%s\n", b.p);
	fflush(stdout);
	guard_buf_free(&b);
}

/* Every complete line from *off on; a partial last line waits for the next round. Returns the denials shown. */
static unsigned follow(FILE *f, long *off)
{
	unsigned shown = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	fseek(f, *off, SEEK_SET);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* being written */
		*off += n;
		if ((size_t)n > LINE_MAX_BYTES)
			continue;
		struct guard_session_read_event ev;
		struct guard_json_doc *doc = NULL;
		if (guard_session_read_event_parse(line, (size_t)n - 1, &ev, &doc) != 0)
			continue;
		if (ev.result && strcmp(ev.result, "denied") == 0) {
			print_denial(&ev);
			shown++;
		} else if (ev.origin && strcmp(ev.origin, "guard") == 0 && strcmp(ev.result, "note") == 0) {
			const char *note = guard_json_str_of(guard_json_root(doc), "note");
			struct guard_buf b = {0};
			guard_fmt_text(&b, note ? note : "");
			printf("guard: %s\n", b.p ? b.p : "");
			fflush(stdout);
			guard_buf_free(&b);
		}
		guard_session_read_event_free(&ev, doc);
	}
	clearerr(f);
	free(line);
	return shown;
}

/* Ended: session.json has its end record, or the guard process that ran it is gone. */
static bool session_over(const char *dir)
{
	struct guard_session_read s;
	char why[512];
	if (guard_session_read_open(&s, dir, why, sizeof why) != 0)
		return true;
	bool over = s.finished || (s.guard_pid > 0 && kill((pid_t)s.guard_pid, 0) != 0 && errno == ESRCH);
	guard_session_read_close(&s);
	return over;
}

int guard_cmd_watch(int argc, char **argv)
{
	const char *id = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("%s\nFollows a session's denials as they happen (default: the newest session), until it "
			       "ends.\n",
			       USAGE);
			return 0;
		}
		if (!strcmp(argv[i], "--last"))
			continue;
		if (argv[i][0] == '-' || id)
			guard_die(USAGE, "unexpected argument %s", argv[i]);
		id = argv[i];
	}
	char why[768];
	bool none;
	char *dir = guard_session_read_find(id, &none, why, sizeof why);
	if (!dir)
		guard_die(none ? "sessions are recorded by `guard run`" : "`guard sessions` lists them", "%s", why);
	struct guard_session_read s;
	if (guard_session_read_open(&s, dir, why, sizeof why) != 0)
		guard_die("the session directory is damaged; `guard sessions` lists the others", "%s", why);
	printf("watching session %s:", s.id ? s.id : "?");
	for (size_t i = 0; i < s.nargv && i < 8; i++)
		printf(" %s", s.argv[i]);
	printf("%s\n", s.nargv > 8 ? " …" : "");
	fflush(stdout);
	guard_session_read_close(&s);

	char *events = guard_path_join(dir, "events.jsonl");
	long off = 0;
	unsigned total = 0;
	for (;;) {
		/* Decided before reading: what was written until the end is read once more below. */
		bool over = session_over(dir);
		FILE *f = fopen(events, "re");
		if (f) {
			total += follow(f, &off);
			fclose(f);
		}
		if (over)
			break;
		struct timespec nap = {0, 200 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	printf("session ended: %u denial%s\n", total, total == 1 ? "" : "s");
	free(events);
	free(dir);
	return 0;
}
