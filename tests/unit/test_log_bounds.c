/* The session log's bounds (issue 13; log/session_limit.h, log/session_repeat.h): the cap holds whatever comes,
 * allowed events stop being recorded in detail past three quarters of it while denials go on, denials past the cap
 * are counted per rule, repeats are counted and written back with their count, the free-space margin stops the
 * detail, note lines and session.json's "log" say what happened, the reader passes counts and keeps notes out of
 * the events, a forged self-report (claimed_pid) is a line of its own to the repeat count and reaches the report's
 * 'Contradicted' list with its count, and the written forms of limits.log / limits.log_free_margin are parsed or refused with a reason.
 * Everything happens in a private temp dir used as XDG_STATE_HOME. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/event.h"
#include "log/session.h"
#include "log/session_read.h"
#include "plan/image_build.h"
#include "policy/limits_plan.h"
#include "policy/policy_api.h"
#include "report/report.h"
#include "supervisor/supervise.h"
#include "tap.h"

static char root[256], project[300];

static const char policy_yaml[] = "files:\n  read: [/usr]\n  write: [$PROJECT]\n  deny: [.env]\n";

static void build_image(void **img, size_t *len, struct guard_image *out)
{
	struct guard_policy p;
	struct guard_error e;
	guard_policy_init(&p);
	if (guard_policy_load_yaml(&p, "test.yaml", policy_yaml, strlen(policy_yaml), GUARD_SRC_PROFILE, &e) != 0) {
		printf("Bail out! test policy: %s\n", e.message);
		exit(1);
	}
	struct guard_image_params prm = {.home = root,
					 .project = project,
					 .tmpdir = "/var/guard-test-no-tmp",
					 .flags = GUARD_IMAGE_NAMESPACES,
					 .abi = 6};
	guard_image_build(&p, &prm, img, len);
	guard_policy_free(&p);
	if (guard_image_load(out, *img, *len) != 0) {
		printf("Bail out! test image does not load\n");
		exit(1);
	}
}

static struct guard_event ev_of(const char *path, int err)
{
	return (struct guard_event){.op = GUARD_OP_READ,
				    .origin = GUARD_ORIGIN_SHIM,
				    .err = err,
				    .pid = 7,
				    .ppid = 1,
				    .path = path,
				    .cwd = project};
}

static long long file_size(const char *dir, const char *name)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

struct tally {
	unsigned long long allowed, denied, same, lines;
	unsigned markers;
};

static bool tally(const struct guard_session_read_event *ev, void *ctx)
{
	struct tally *t = ctx;
	t->lines++;
	if (strcmp(ev->result, "denied") == 0)
		t->denied += ev->count;
	else
		t->allowed += ev->count;
	if (ev->path && strcmp(ev->path, "/usr/same") == 0)
		t->same += ev->count;
	if (ev->path && strncmp(ev->path, "/usr/marker-", 12) == 0 && strcmp(ev->result, "denied") != 0)
		t->markers++;
	return true;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* A session with a 64K cap: 5000 repeats of one read, 600 distinct reads of 200-byte paths (past the detail
 * limit), 20 distinct denials (after it), then 2000 denials (past the cap). */
static void test_cap(const struct guard_image *img, const void *buf, size_t len)
{
	char why[256], dir[1024], path[1200];
	char *argv[] = {"flood", NULL};
	struct guard_session_info info = {.id = "20260101T000000Z-cap000",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = root,
					  .profile = "t",
					  .mode = "namespaces",
					  .log = {.cap = 64 << 10, .margin_set = true, .margin = 0}};
	struct guard_session *s = guard_session_create(&info, buf, len, why, sizeof why);
	TAP_OK(s != NULL, "session with a 64K cap created (%s)", s ? "" : why);
	if (!s)
		exit(1);
	snprintf(dir, sizeof dir, "%s", guard_session_dir(s));
	for (int i = 0; i < 5000; i++) {
		struct guard_event e = ev_of("/usr/same", 0);
		guard_session_event(s, &e, img, 7);
	}
	TAP_OK(file_size(dir, "events.jsonl") < 65 * 400,
	       "5000 identical reads: at most 65 lines written so far (%lld bytes)", file_size(dir, "events.jsonl"));
	char pad[201];
	memset(pad, 'p', 200);
	pad[200] = 0;
	for (int i = 0; i < 600; i++) {
		snprintf(path, sizeof path, "/usr/marker-%d-%s", i, pad);
		struct guard_event e = ev_of(path, 0);
		guard_session_event(s, &e, img, 7);
	}
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof path, "%s/denied-%d/.env", project, i);
		struct guard_event e = ev_of(path, EACCES);
		guard_session_event(s, &e, img, 7);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof path, "%s/flood-%d-%s/.env", project, i, pad);
		struct guard_event e = ev_of(path, EACCES);
		guard_session_event(s, &e, img, 7);
	}
	char held[768];
	TAP_OK(guard_session_limited(s, held, sizeof held) &&
		       strstr(held, "allowed events not recorded in detail after the log reached its cap") &&
		       strstr(held, "denials past the log's cap of 64K counted per rule"),
	       "the exit summary says what was held back: %s", held);
	unsigned denials = guard_session_finish(s, 0);
	TAP_OK(denials == 2020, "every denial is counted, written or not (%u)", denials);
	long long size = file_size(dir, "events.jsonl");
	TAP_OK(size > 0 && size <= 64 << 10, "events.jsonl stays under its cap (%lld bytes)", size);

	struct guard_session_read r;
	TAP_OK(guard_session_read_open(&r, dir, why, sizeof why) == 0 && r.log.present && r.log.cap == 64 << 10 &&
		       r.log.limited && strcmp(r.log.limited, "cap") == 0,
	       "session.json has the log's bounds (\"limited\":\"cap\")");
	struct tally t = {0};
	struct guard_session_read_stats st;
	guard_session_read_events(&r, tally, &t, &st);
	TAP_OK(t.same == 5000, "the repeats are counted in the log: 5000 reads of one path (%llu)", t.same);
	TAP_OK(st.notes == 2 && strstr(st.note[0], "three quarters of its 64K cap") &&
		       strstr(st.note[1], "reached its cap of 64K"),
	       "two note lines say when detail stopped and when denials began to be counted (%lu)", st.notes);
	TAP_OK(t.markers > 0 && t.markers < 600, "allowed reads past the detail limit are not all written (%u of 600)",
	       t.markers);
	TAP_OK(t.allowed + (unsigned long long)r.log.allowed_unrecorded == 5600,
	       "written + not recorded = every allowed read (%llu + %lld)", t.allowed, r.log.allowed_unrecorded);
	TAP_OK(t.denied + (unsigned long long)r.log.summarised == 2020 && r.log.summarised > 0,
	       "denials written + counted past the cap = every denial (%llu + %lld)", t.denied, r.log.summarised);
	const struct guard_json *e0 = r.log.summary && r.log.summary->len ? &r.log.summary->items[0] : NULL;
	const struct guard_json *rule = e0 ? guard_json_get(e0, "rule") : NULL;
	TAP_OK(rule && guard_json_str_of(rule, "pattern") && strcmp(guard_json_str_of(rule, "pattern"), ".env") == 0,
	       "the denials past the cap are counted under their rule (files.deny \".env\")");
	bool all_kept = true;
	for (int i = 0; i < 20; i++) {
		char needle[600], p2[1100];
		snprintf(needle, sizeof needle, "\"path\":\"%s/denied-%d/.env\"", project, i);
		snprintf(p2, sizeof p2, "%s/events.jsonl", dir);
		FILE *f = fopen(p2, "r");
		char line[8192];
		bool found = false;
		while (f && !found && fgets(line, sizeof line, f))
			found = strstr(line, needle) != NULL;
		if (f)
			fclose(f);
		all_kept &= found;
	}
	TAP_OK(all_kept, "the 20 denials made after the detail limit are all in the log in detail");
	guard_session_read_close(&r);
}

/* A margin of 100 %: no filesystem has that much free, so detail stops at the first allowed event. */
static void test_margin(const struct guard_image *img, const void *buf, size_t len)
{
	char why[256], dir[1024];
	char *argv[] = {"x", NULL};
	struct guard_session_info info = {.id = "20260101T000000Z-margin",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = root,
					  .profile = "t",
					  .mode = "namespaces",
					  .log = {.margin_set = true, .margin_is_percent = true, .margin = 100}};
	struct guard_session *s = guard_session_create(&info, buf, len, why, sizeof why);
	if (!s)
		exit(1);
	snprintf(dir, sizeof dir, "%s", guard_session_dir(s));
	struct guard_event a = ev_of("/usr/a", 0), d = ev_of(".env", EACCES);
	guard_session_event(s, &a, img, 7);
	guard_session_event(s, &d, img, 7);
	guard_session_finish(s, 0);
	struct guard_session_read r;
	guard_session_read_open(&r, dir, why, sizeof why);
	struct tally t = {0};
	struct guard_session_read_stats st;
	guard_session_read_events(&r, tally, &t, &st);
	TAP_OK(r.log.limited && strcmp(r.log.limited, "free space") == 0 && r.log.allowed_unrecorded == 1 &&
		       t.allowed == 0 && t.denied == 1,
	       "below the free-space margin: the allowed read is counted, the denial still written");
	TAP_OK(st.notes == 1 && strstr(st.note[0], "less than its margin (100 % of the filesystem)"),
	       "a note line says so (%s)", st.notes ? st.note[0] : "none");
	guard_session_read_close(&r);
}

static long peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* The supervisor's per-event state stays bounded: a million distinct events through the log (with its default
 * cap: the repeat table fills, lines are formatted and counted) and ten million distinct opens through the
 * observer's deduplication table. */
static void test_memory(const struct guard_image *img, const void *buf, size_t len)
{
	char why[256], path[64];
	char *argv[] = {"x", NULL};
	struct guard_session_info info = {.id = "20260101T000000Z-memory",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = root,
					  .profile = "t",
					  .mode = "namespaces",
					  .log = {.cap = 1 << 20, .margin_set = true, .margin = 0}};
	/* Under memcheck (make valgrind) a hundredth: every code path still runs, and valgrind's own memory makes the
	 * bound meaningless there. */
	bool valgrind = getenv("GUARD_UNDER_VALGRIND") != NULL;
	int events = valgrind ? 10000 : 1000000, opens = valgrind ? 100000 : 10000000;
	long before = peak_kib();
	struct guard_session *s = guard_session_create(&info, buf, len, why, sizeof why);
	if (!s)
		exit(1);
	for (int i = 0; i < events; i++) {
		snprintf(path, sizeof path, "/usr/m/%d", i);
		struct guard_event e = ev_of(path, 0);
		guard_session_event(s, &e, img, 7);
	}
	guard_session_finish(s, 0);
	struct guard_dedup *d = guard_dedup_new();
	unsigned long first = 0;
	for (int i = 0; i < opens; i++) {
		snprintf(path, sizeof path, "/p/%d", i);
		first += guard_dedup_first(d, 7, GUARD_OP_READ, path);
	}
	guard_dedup_free(d);
	long grew = peak_kib() - before;
	TAP_OK(first == (unsigned long)opens, "every distinct open is reported as first (%lu)", first);
#ifdef __SANITIZE_ADDRESS__
	(void)grew, (void)valgrind;
	TAP_SKIP("built with ASan, whose quarantine keeps freed memory resident (make san)",
		 "a million events logged and ten million opens deduplicated: bounded peak memory");
#else
	if (valgrind)
		TAP_SKIP("under valgrind, whose own memory is in the peak (make valgrind)",
			 "a million events logged and ten million opens deduplicated: bounded peak memory");
	else
		TAP_OK(grew < 32 << 10,
		       "a million events logged and ten million opens deduplicated: peak memory grew %ld KiB "
		       "(bound 32 MiB)",
		       grew);
#endif
}

struct forged_tally {
	unsigned long long honest, forged, forged_lines;
	bool wrong_claim;
};

static bool tally_forged(const struct guard_session_read_event *ev, void *ctx)
{
	struct forged_tally *t = ctx;
	if (ev->claimed_pid < 0) {
		t->honest += ev->count;
	} else {
		t->forged += ev->count;
		t->forged_lines++;
		t->wrong_claim |= ev->claimed_pid != 4242 || ev->pid != 7;
	}
	return true;
}

/* 300 reads of one path by pid 7, interleaved with 300 of the same read whose datagram claimed pid 4242: the
 * claim is part of the line, so neither counts as a repeat of the other, and the report lists the forged line
 * with its repeats counted. */
static void test_forged(const struct guard_image *img, const void *buf, size_t len)
{
	char why[256], dir[1024];
	char *argv[] = {"forge", NULL};
	struct guard_session_info info = {.id = "20260101T000000Z-forged",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = root,
					  .profile = "t",
					  .mode = "namespaces",
					  .log = {.cap = 64 << 20, .margin_set = true, .margin = 0}};
	struct guard_session *s = guard_session_create(&info, buf, len, why, sizeof why);
	TAP_OK(s != NULL, "session for forged self-reports created (%s)", s ? "" : why);
	if (!s)
		exit(1);
	snprintf(dir, sizeof dir, "%s", guard_session_dir(s));
	for (int i = 0; i < 300; i++) {
		struct guard_event honest = ev_of("/usr/forged-or-not", 0), forged = honest;
		forged.pid = 4242;
		forged.flags = GUARD_EVF_PID_CONTRADICTED;
		guard_session_event(s, &honest, img, 7);
		guard_session_event(s, &forged, img, 7);
	}
	guard_session_finish(s, 0);
	struct guard_session_read r;
	TAP_OK(guard_session_read_open(&r, dir, why, sizeof why) == 0, "the forged session reads back (%s)", why);
	struct forged_tally t = {0};
	guard_session_read_events(&r, tally_forged, &t, NULL);
	TAP_OK(t.honest == 300 && t.forged == 300 && !t.wrong_claim,
	       "honest and forged lines are counted apart: %llu honest, %llu forged (kernel pid 7, claimed 4242)",
	       t.honest, t.forged);
	TAP_OK(t.forged_lines > 0 && t.forged_lines < 300, "the forged line's repeats are counted (%llu lines)",
	       t.forged_lines);
	struct guard_report rep;
	guard_report_build(&rep, &r);
	unsigned long listed = 0;
	bool right = true;
	for (size_t i = 0; i < rep.contradicted.n; i++) {
		listed += rep.contradicted.v[i].count;
		right &= rep.contradicted.v[i].pid == 7 && rep.contradicted.v[i].claimed == 4242;
	}
	TAP_OK(rep.contradicted.events == 300 && listed == 300 && right && rep.contradicted.n == t.forged_lines,
	       "the report's 'Contradicted' list holds every forged read with its count (%lu of %lu, %zu entries)",
	       listed, rep.contradicted.events, rep.contradicted.n);
	const struct guard_rep_files *sys = &rep.files[0][GUARD_REP_SYSTEM];
	TAP_OK(sys->n == 1 && sys->v[0].count == 600 && sys->v[0].facts == 0,
	       "the file counts all 600 reads, none of them the kernel's (%u, kernel %u)", sys->n ? sys->v[0].count : 0,
	       sys->n ? sys->v[0].facts : 0);
	guard_report_free(&rep);
	guard_session_read_close(&r);
}

static void test_parse(void)
{
	long long v = 0;
	const char *why = "";
	TAP_OK(guard_parse_log_cap("64M", &v, &why) == 0 && v == 64 << 20, "limits.log: 64M");
	TAP_OK(guard_parse_log_cap("1K", &v, &why) != 0 && strstr(why, "at least 64K"), "limits.log: 1K refused (%s)",
	       why);
	TAP_OK(guard_parse_log_cap("lots", &v, &why) != 0, "limits.log: a word refused (%s)", why);
	TAP_OK(guard_parse_log_margin("5%", &v, &why) == 0 && v == -5, "limits.log_free_margin: 5%%");
	TAP_OK(guard_parse_log_margin("2G", &v, &why) == 0 && v == 2LL << 30, "limits.log_free_margin: 2G");
	TAP_OK(guard_parse_log_margin("0", &v, &why) == 0 && v == 0, "limits.log_free_margin: 0 (none)");
	TAP_OK(guard_parse_log_margin("150%", &v, &why) != 0 && strstr(why, "0% to 100%"),
	       "limits.log_free_margin: 150%% refused (%s)", why);
	TAP_OK(guard_parse_log_margin("5%%", &v, &why) != 0, "limits.log_free_margin: 5%%%% refused");

	struct guard_policy p;
	struct guard_error e;
	guard_policy_init(&p);
	const char *bad = "limits:\n  log: 10\n";
	TAP_OK(guard_policy_load_yaml(&p, "c.yaml", bad, strlen(bad), GUARD_SRC_USER, &e) != 0 && e.line == 2 &&
		       strstr(e.message, "limits.log"),
	       "limits.log: 10 is refused with file and line (%s:%u: %s)", e.file, e.line, e.message);
	guard_policy_free(&p);
	guard_policy_init(&p);
	const char *good = "limits:\n  log: 8M\n  log_free_margin: \"10%\"\n";
	TAP_OK(guard_policy_load_yaml(&p, "c.yaml", good, strlen(good), GUARD_SRC_USER, &e) == 0 && p.log.set &&
		       p.log.value == 8 << 20 && p.log_free_margin.value == -10,
	       "limits.log: 8M and limits.log_free_margin: \"10%%\" are loaded");
	guard_policy_free(&p);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/guard-test-logbounds-XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(project, sizeof project, "%s/proj", root);
	mkdir(project, 0700);
	char state[400];
	snprintf(state, sizeof state, "%s/state", root);
	setenv("XDG_STATE_HOME", state, 1);
	void *buf;
	size_t len;
	struct guard_image img;
	build_image(&buf, &len, &img);
	test_parse();
	test_cap(&img, buf, len);
	test_margin(&img, buf, len);
	test_forged(&img, buf, len);
	test_memory(&img, buf, len);
	free(buf);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
