/* `guard report [ID|--last] [--format text|json|html]`: what a session did (report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pager.h"
#include "report/report.h"

#define USAGE "usage: guard report [ID|--last] [--format text|json|html]"

/* The text report, through $PAGER when it is taller than the terminal (pager.c). */
static void page_text(const struct guard_report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		guard_die_errno(NULL, "writing the report");
	guard_report_text(m, r);
	if (fclose(m) != 0 || guard_page_out(text, len) != 0)
		guard_die_errno(NULL, "writing the report");
	free(text);
}

int guard_cmd_report(int argc, char **argv)
{
	const char *id = NULL, *format = "text";
	bool last = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--last") == 0) {
			last = true;
		} else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
			if (a[8] == '=')
				format = a + 9;
			else if (i + 1 < argc)
				format = argv[++i];
			else
				guard_die(USAGE, "--format needs a value: text, json or html");
		} else if (strcmp(a, "--json") == 0) {
			format = "json";
		} else if (strcmp(a, "--html") == 0) {
			format = "html";
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("%s\n", USAGE);
			return 0;
		} else if (a[0] == '-') {
			guard_die(USAGE, "unknown option %s", a);
		} else if (id) {
			guard_die(USAGE, "more than one session named (%s, %s)", id, a);
		} else {
			id = a;
		}
	}
	if (last && id)
		guard_die(USAGE, "name a session or --last, not both");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "html") != 0)
		guard_die(USAGE, "unknown format \"%s\": text, json or html", format);

	char why[768];
	bool none;
	char *dir = guard_session_read_find(id, &none, why, sizeof why);
	if (!dir)
		guard_die(none ? "sessions are recorded by `guard run`" : "`guard sessions` lists them", "%s", why);
	struct guard_session_read s;
	if (guard_session_read_open(&s, dir, why, sizeof why) != 0)
		guard_die("the session directory is damaged; `guard sessions` lists the others", "%s", why);
	free(dir);

	struct guard_report r;
	guard_report_build(&r, &s);
	if (strcmp(format, "json") == 0)
		guard_report_json(stdout, &r);
	else if (strcmp(format, "html") == 0)
		guard_report_html(stdout, &r);
	else
		page_text(&r);
	guard_report_free(&r);
	guard_session_read_close(&s);
	if (fflush(stdout) != 0 || ferror(stdout))
		guard_die_errno(NULL, "writing the report");
	return 0;
}
