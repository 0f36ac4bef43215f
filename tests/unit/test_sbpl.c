/* The macOS profile generator (sandbox/darwin/sbpl.c), on any host: golden profiles for every built-in profile
 * (tests/golden/sbpl/NAME.sb, reviewed like code; GOLDEN_UPDATE=1 rewrites them), the invariants every profile
 * keeps, the glob translation against the matcher, and the cases that must refuse. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbpl_eval.h"
#include "plan/net.h"
#include "sbpl_fixture.h"
#include "tap.h"

static char *generate(struct fx_world *w)
{
	char why[512];
	char *text = guard_sbpl_generate(&w->in, why, sizeof why);
	if (!text)
		printf("# refused: %s\n", why);
	return text;
}

/* --- the glob translation means what the matcher means --- */

static bool regex_says(const char *glob, const char *s)
{
	char *body = guard_sbpl_glob_regex(glob, strlen(glob));
	if (!body)
		return false;
	char *re = guard_xasprintf("^%s$", body);
	regex_t r;
	bool ok = regcomp(&r, re, REG_EXTENDED | REG_NOSUB) == 0;
	bool m = ok && regexec(&r, s, 0, NULL, 0) == 0;
	if (ok)
		regfree(&r);
	free(re);
	free(body);
	return m;
}

static void glob_translation(void)
{
	static const char *const globs[] = {"*.pem",        ".env.*",  "id_rsa", "[ab]?.txt", "[!a]x",
					    "x[[:digit:]]", "/u/**/k", "/u/**",  "/u/*/c",    "a\\*b",
					    "a.b+c(d)",     "[]]x",    "[a-]z",  "x^y$",      "*",
					    "**",           "a**b",    "[^.]*",  NULL};
	static const char *const strs[] = {
		"a.pem",    ".env.local", ".env", "id_rsa",   "ax.txt",   "bb.txt", "cx.txt",  "ax",     "bx",
		"x5",       "xa",         "/u/k", "/u/a/k",   "/u/a/b/k", "/u",     "/u/a",    "/u/a/b", "/u/a/c",
		"/u/a/b/c", "a*b",        "axb",  "a.b+c(d)", "abbc(d)",  "]x",     "-z",      "az",     "x^y$",
		"",         "ab",         "a/b",  "axxb",     ".hidden",  "vis",    "a.pem/x", NULL};
	size_t bad = 0, n = 0;
	for (size_t g = 0; globs[g]; g++)
		for (size_t s = 0; strs[s]; s++, n++) {
			bool want = guard_glob(globs[g], strlen(globs[g]), strs[s], strlen(strs[s]), true);
			if (regex_says(globs[g], strs[s]) != want) {
				bad++;
				printf("#   glob %s on \"%s\": matcher %d, regex %d\n", globs[g], strs[s], want, !want);
			}
		}
	TAP_OK(bad == 0, "globs as Seatbelt regexes agree with the matcher (%zu glob/string pairs)", n);
	char *q = guard_sbpl_glob_regex("a\"b", 3);
	TAP_OK(q == NULL, "a glob with a '\"' is refused, not guessed at");
	free(q);
	q = guard_sbpl_glob_regex("[\\\\]x", 5);
	TAP_OK(q == NULL, "a class holding '\\' is refused (engines read it differently)");
	free(q);
}

/* --- invariants of one generated profile --- */

static const char *const known_ops[] = {
	"default",
	"file-read*",
	"file-read-data",
	"file-read-metadata",
	"file-write*",
	"file-write-data",
	"file-write-unlink",
	"file-write-create",
	"file-ioctl",
	"file-map-executable",
	"process-fork",
	"process-exec*",
	"process-info*",
	"signal",
	"sysctl-read",
	"ipc-posix-sem",
	"ipc-posix-shm",
	"mach-lookup",
	"pseudo-tty",
	"network*",
	"network-outbound",
	"system-socket",
	NULL,
};
static const char *const known_filters[] = {
	"literal", "subpath",   "regex",       "vnode-type", "require-all",   "require-any", "require-not",
	"target",  "extension", "global-name", "remote",     "socket-domain", "with",        NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

struct inv {
	size_t strings, long_strings, bad_paths, lexical_paths, unknown, untagged, local_ip, bad_regex;
	char first_bad[256];
};

static void note_bad(struct inv *v, const char *what)
{
	if (!v->first_bad[0])
		snprintf(v->first_bad, sizeof v->first_bad, "%s", what);
}

static void walk_filter(struct sx *f, struct inv *v)
{
	if (f->kind == SX_STR || f->kind == SX_REGEX) {
		v->strings++;
		if (strlen(f->text) > GUARD_SBPL_MAX_STRING)
			v->long_strings++;
		return;
	}
	if (f->kind != SX_LIST || !f->n)
		return;
	const char *h = f->kids[0]->text;
	if (!in_list(known_filters, h)) {
		v->unknown++;
		note_bad(v, h);
	}
	if ((!strcmp(h, "literal") || !strcmp(h, "subpath")) && f->n > 1) {
		const char *p = f->kids[1]->text;
		if (p[0] != '/' || strstr(p, "/../") || strstr(p, "/./") ||
		    (strlen(p) > 1 && p[strlen(p) - 1] == '/') || strstr(p, "//")) {
			v->bad_paths++;
			note_bad(v, p);
		}
		if (!strncmp(p, "/tmp", 4) || !strncmp(p, "/var/", 5) || !strcmp(p, "/var") || !strncmp(p, "/etc", 4)) {
			v->lexical_paths++;
			note_bad(v, p);
		}
	}
	if (!strcmp(h, "regex") && f->n > 1) {
		const char *r = f->kids[1]->text;
		if (r[0] != '^' || strstr(r, "^/tmp/") || strstr(r, "^/var/") || strstr(r, "^/etc/") ||
		    strstr(r, "\\.\\./")) {
			v->bad_regex++;
			note_bad(v, r);
		}
		sx_regex_match(f->kids[1], "/");
		if (f->kids[1]->bad_re) {
			v->bad_regex++;
			note_bad(v, r);
		}
	}
	if (!strcmp(h, "remote") || !strcmp(h, "local")) {
		if (!strcmp(h, "local"))
			v->local_ip++;
	}
	for (size_t i = 1; i < f->n; i++)
		walk_filter(f->kids[i], v);
}

static void invariants(const char *name, const char *text)
{
	struct sbpl_profile pr;
	if (sbpl_parse(&pr, text) != 0) {
		TAP_OK(0, "%s: the profile parses (%s)", name, pr.error);
		sbpl_free(&pr);
		return;
	}
	struct inv v = {0};
	size_t rules = 0, last_file_allow = 0, first_policy_deny = 0;
	bool deny_default_first = false;
	for (size_t i = 0; i < pr.root->n; i++) {
		struct sx *f = pr.root->kids[i];
		bool a = sx_head(f, "allow"), d = sx_head(f, "deny");
		if (!a && !d)
			continue;
		if (++rules == 1)
			deny_default_first = d && f->n > 1 && sx_is(f->kids[1], "default");
		size_t k = 1;
		bool file_wild = false;
		for (; k < f->n && f->kids[k]->kind == SX_SYM; k++) {
			if (!in_list(known_ops, f->kids[k]->text)) {
				v.unknown++;
				note_bad(&v, f->kids[k]->text);
			}
			file_wild |=
				!strcmp(f->kids[k]->text, "file-read*") || !strcmp(f->kids[k]->text, "file-write*");
		}
		if (a && file_wild)
			last_file_allow = rules;
		if (d && file_wild && !first_policy_deny)
			first_policy_deny = rules;
		bool tagged = false;
		for (; k < f->n; k++) {
			tagged |= sx_head(f->kids[k], "with");
			walk_filter(f->kids[k], &v);
		}
		if (!tagged)
			v.untagged++;
	}
	TAP_OK(deny_default_first, "%s: (deny default) comes first", name);
	TAP_OK(v.untagged == 0, "%s: every rule carries its provenance (with message)", name);
	TAP_OK(first_policy_deny > last_file_allow,
	       "%s: every file deny comes after every file allow (last match wins)", name);
	TAP_OK(v.local_ip == 0, "%s: no (local ...) network filter (it admits every outbound connection)", name);
	TAP_OK(v.bad_paths == 0 && v.lexical_paths == 0 && v.bad_regex == 0,
	       "%s: every path absolute, normalized and physical (/private/tmp, not /tmp); every regex anchored and "
	       "valid%s%s",
	       name, v.first_bad[0] ? ": " : "", v.first_bad);
	TAP_OK(v.unknown == 0, "%s: only operations and filters Seatbelt knows%s%s", name, v.first_bad[0] ? ": " : "",
	       v.first_bad);
	TAP_OK(v.long_strings == 0 && rules < GUARD_SBPL_MAX_RULES,
	       "%s: under Seatbelt's limits (%zu rules, %zu strings, none over %d bytes)", name, rules, v.strings,
	       GUARD_SBPL_MAX_STRING);
	sbpl_free(&pr);
}

/* --- golden profiles --- */

static void golden(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "tests/golden/sbpl/%s.sb", name);
	const char *update = getenv("GOLDEN_UPDATE");
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "w");
		TAP_OK(f && fputs(text, f) >= 0 && fclose(f) == 0, "golden sbpl/%s.sb (written)", name);
		return;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		TAP_OK(0, "golden sbpl/%s.sb: no expected file (GOLDEN_UPDATE=1 %s, then review the diff)", name,
		       "build/tests/test_sbpl");
		return;
	}
	char *want = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&want, &len);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	fclose(f);
	bool same = strcmp(want, text) == 0;
	if (!same) {
		/* The first line that differs, to start the review from. */
		const char *a = want, *b = text;
		unsigned line = 1;
		while (*a && *a == *b) {
			line += *a == '\n';
			a++;
			b++;
		}
		printf("#   first difference at line %u:\n#   expected: %.160s\n#   actual:   %.160s\n", line, a, b);
	}
	TAP_OK(same, "golden sbpl/%s.sb matches (GOLDEN_UPDATE=1 build/tests/test_sbpl to rewrite, then review)", name);
	free(want);
}

static void profiles(void)
{
	static const char *const names[] = {"default", "aider",  "claude-code", "codex",
					    "cursor",  "gemini", "opencode",    NULL};
	for (size_t i = 0; names[i]; i++) {
		struct fx_world w;
		if (fx_world_init(&w, names[i], NULL) != 0) {
			TAP_OK(0, "%s: the fixture world loads", names[i]);
			continue;
		}
		char *text = generate(&w);
		TAP_OK(text != NULL, "%s: a profile is generated", names[i]);
		if (text) {
			golden(names[i], text);
			invariants(names[i], text);
		}
		free(text);
		fx_world_free(&w);
	}
}

/* --- decisions that matter, asked of the evaluator --- */

static bool decide(const char *text, const char *op, const char *path, bool is_dir, const char **msg)
{
	struct sbpl_profile pr;
	if (sbpl_parse(&pr, text) != 0)
		return false;
	struct sbpl_query q = {op, path, is_dir};
	const struct sx *by = NULL;
	bool allow = sbpl_decide(&pr, &q, &by);
	static char last[256];
	snprintf(last, sizeof last, "%s", sbpl_message(by));
	if (msg)
		*msg = last;
	sbpl_free(&pr);
	return allow;
}

static void decisions(void)
{
	struct fx_world w;
	if (fx_world_init(&w, "default", NULL) != 0) {
		TAP_OK(0, "default world loads");
		return;
	}
	char *t = generate(&w);
	if (!t) {
		TAP_OK(0, "default profile generated");
		fx_world_free(&w);
		return;
	}
	const char *msg;
	TAP_OK(!decide(t, "file-read-data", FX_PROJECT "/.env", false, &msg) && strstr(msg, "rules/default.yaml:"),
	       "the project's .env is unreadable, and the denial names its line (%s)", msg);
	TAP_OK(decide(t, "file-read-data", FX_PROJECT "/.env.example", false, NULL),
	       "the project's .env.example is readable ('!.env.example')");
	TAP_OK(!decide(t, "file-read-data", FX_PROJECT "/sub/deeper/.env.production", false, NULL),
	       ".env.* at any depth of the project is unreadable, also when created after launch");
	TAP_OK(decide(t, "file-write-data", FX_PROJECT "/src/main.c", false, NULL), "the project is writable");
	TAP_OK(!decide(t, "file-write-data", FX_PROJECT "/.git/hooks/pre-commit", false, NULL),
	       ".git/hooks is read-only");
	TAP_OK(decide(t, "file-read-data", FX_PROJECT "/.git/hooks/pre-commit", false, NULL), ".git/hooks is readable");
	TAP_OK(!decide(t, "file-read-data", FX_HOME "/.ssh/id_ed25519", false, NULL), "~/.ssh's key is unreadable");
	TAP_OK(decide(t, "file-read-data", FX_HOME "/.ssh/id_ed25519.pub", false, NULL),
	       "~/.ssh's public key is readable");
	TAP_OK(!decide(t, "file-read-data", FX_HOME "/Documents/notes.txt", false, NULL),
	       "the rest of home is unreadable (deny default)");
	TAP_OK(!decide(t, "file-read-data", FX_PROJECT "/backup/key", false, &msg) && strstr(msg, "hard link of"),
	       "a hard link to a key found at launch is denied by path, its note in the message");
	TAP_OK(!decide(t, "file-write-unlink", FX_HOME "/.ssh", true, NULL) &&
		       !decide(t, "file-write-unlink", FX_HOME, true, NULL) &&
		       !decide(t, "file-write-unlink", FX_PROJECT, true, NULL),
	       "a secret's directories cannot be renamed or removed (~/.ssh, ~, the project)");
	TAP_OK(decide(t, "file-write-unlink", FX_PROJECT "/src/main.c", false, NULL),
	       "other files of the project can be removed");
	TAP_OK(decide(t, "file-write-data", "/private/var/folders/zz/T/guard-501-session/x", false, NULL) &&
		       !decide(t, "file-write-data", "/private/tmp/x", false, NULL),
	       "the private temp dir is writable in its physical spelling, the shared /tmp is not");
	TAP_OK(!decide(t, "file-read-data", "/private/etc/sudoers", false, NULL) &&
		       decide(t, "file-read-data", "/private/etc/hosts", false, NULL),
	       "/etc's rules apply at /private/etc");
	TAP_OK(decide(t, "file-read-data", "/usr/local/lib/guard/libguard.dylib", false, NULL) &&
		       decide(t, "file-map-executable", "/usr/local/lib/guard/libguard.dylib", false, NULL),
	       "the shim is readable and mappable");
	TAP_OK(!strstr(t, "com.apple.SecurityServer") && strstr(t, "com.apple.trustd.agent"),
	       "the keychain's services are closed, trustd (TLS) is open");
	TAP_OK(!strstr(t, "network-outbound") && !strstr(t, "network*") && !strstr(t, "com.apple.dnssd.service"),
	       "network none: no network rule at all, no resolver");
	free(t);

	w.in.net = GUARD_SBPL_NET_PROXY;
	w.in.proxy_port = 40123;
	w.in.keychain = true;
	w.in.tag = "guard-session-1";
	t = generate(&w);
	TAP_OK(t && strstr(t, "(allow network-outbound (remote tcp \"localhost:40123\")") && !strstr(t, "network*"),
	       "proxy mode: outbound TCP to the proxy's loopback port only");
	TAP_OK(t && strstr(t, "com.apple.SecurityServer"), "a keychain passthrough opens the keychain's services");
	TAP_OK(t && strstr(t, "(with message \"guard: deny default guard-session-1\")"),
	       "the session tag ends every message (log stream can filter on it)");
	free(t);
	w.in.proxy_port = 0;
	char why[256];
	t = guard_sbpl_generate(&w.in, why, sizeof why);
	TAP_OK(!t && strstr(why, "proxy"), "proxy mode without a port is refused (%s)", why);
	free(t);
	fx_world_free(&w);

	/* A path SBPL cannot spell refuses the run. */
	if (fx_world_init(&w, "default", "files:\n  read:\n    - \"/Users/dev/we\\\"ird\"\n") == 0) {
		t = guard_sbpl_generate(&w.in, why, sizeof why);
		TAP_OK(!t && strstr(why, "cannot spell"), "a granted path with a '\"' refuses the run (%s)", why);
		free(t);
		fx_world_free(&w);
	} else {
		TAP_OK(0, "the quote fixture loads");
	}
}

/* Name patterns apply below the project and user-granted trees only, and the deepest root decides: a project
 * kept in ~/work/secrets/app is not a secret. */
static void name_scope(void)
{
	struct fx_world w;
	if (fx_world_init(&w, "default", "files:\n  read:\n    - ~/work\n") != 0) {
		TAP_OK(0, "scope fixture loads");
		return;
	}
	free(w.plan.project);
	w.plan.project = guard_xstrdup(FX_HOME "/work/secrets/app");
	/* The image carries the project too: rebuild it for this project. The plan's trees point at rules of the
	 * old image: the same policy compiles to the same rules in the same order, so they move to the new one. */
	void *old_buf = w.plan.image_buf;
	const struct guard_image_rule *old_rules = w.plan.image.rules;
	struct guard_image_params prm = {.home = FX_HOME,
					 .project = FX_HOME "/work/secrets/app",
					 .tmpdir = FX_TMP,
					 .session_id = "",
					 .event_socket = ""};
	guard_image_build(&w.policy, &prm, &w.plan.image_buf, &w.plan.image_len);
	guard_image_load(&w.plan.image, w.plan.image_buf, w.plan.image_len);
	for (size_t i = 0; i < w.plan.trees.n; i++)
		if (w.plan.trees.v[i].rule)
			w.plan.trees.v[i].rule = &w.plan.image.rules[w.plan.trees.v[i].rule - old_rules];
	free(old_buf);
	for (size_t i = 0; i < w.plan.holes.n; i++) {
		free(w.plan.holes.v[i].path);
		free(w.plan.holes.v[i].note);
	}
	w.plan.holes.n = 0; /* the fixture's holes were the other project's */
	char *t = generate(&w);
	TAP_OK(t && decide(t, "file-read-data", FX_HOME "/work/secrets/app/src/x.c", false, NULL),
	       "a project inside a 'secrets' directory of a granted tree is readable (the deepest root decides)");
	TAP_OK(t && !decide(t, "file-read-data", FX_HOME "/work/secrets/other.txt", false, NULL),
	       "the 'secrets' directory itself stays denied elsewhere in the granted tree");
	TAP_OK(t && !decide(t, "file-read-data", FX_HOME "/work/secrets/app/secrets/x", false, NULL),
	       "a 'secrets' directory inside the project is denied");
	free(t);
	fx_world_free(&w);
}

/* Disagreements the differential test found, each kept as a case of its own. */
static void found_by_diff(void)
{
	struct fx_world w;
	if (fx_world_init(&w, "default",
			  "files:\n  read:\n    - ~\n  deny:\n    - vault/\n    - \"!vault/public.txt\"\n") != 0) {
		TAP_OK(0, "diff fixture loads");
		return;
	}
	char *t = generate(&w);
	/* A '!' emitted as an allow after the denies re-opened this (gitignore never re-allows below an excluded
	 * directory); the generator folds re-allows into each deny instead. */
	TAP_OK(t && !decide(t, "file-read-data", FX_PROJECT "/vault/public.txt", false, NULL),
	       "'!vault/public.txt' does not re-allow below the excluded vault/");
	TAP_OK(t && decide(t, "file-read-data", FX_PROJECT "/.env.example", false, NULL) &&
		       !decide(t, "file-read-data", FX_PROJECT "/.env.example/.env.local", false, NULL),
	       "'!.env.example' re-allows the file, not a denied name below it");
	/* The reference first granted by lexical prefix: a grant of ~ does not reach what a symlink in ~ points to
	 * (Landlock holds inodes, Seatbelt resolved paths). */
	TAP_OK(t && !decide(t, "file-read-data", "/private/tmp/dev/x", false, NULL),
	       "a grant of ~ does not reach /private/tmp/dev through ~/tmp-link");
	free(t);
	fx_world_free(&w);
}

/* --- network.allow with hosts: the plan's network part as on Linux without namespaces --- */

static bool connects(const char *text, const char *proto, bool own_host, unsigned port)
{
	struct sbpl_profile pr;
	if (sbpl_parse(&pr, text) != 0)
		return true; /* unparsable: report it as the worst case */
	struct sbpl_query q = {.op = "network-outbound", .proto = proto, .own_host = own_host, .port = port};
	bool allow = sbpl_decide(&pr, &q, NULL);
	sbpl_free(&pr);
	return allow;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The allow-list reaches the network only through guard's proxy on the host's loopback (net_plan.c plans it as in
 * Linux's Landlock-only mode); the host's loopback services a rule names with a port are reached directly, as
 * Landlock lets them through there; an address elsewhere (10.0.0.5:5432) goes through the proxy like a name. */
static void network_allow_list(void)
{
	struct fx_world w;
	if (fx_world_init(
		    &w, "default",
		    "network:\n  allow:\n    - api.example.com\n    - \"*.github.com\"\n    - 10.0.0.5:5432\n"
		    "    - 127.0.0.1:11434\n    - localhost:5432\n    - \"[::1]:8080\"\n    - \"localhost:*\"\n") !=
	    0) {
		TAP_OK(0, "the allow-list fixture loads");
		return;
	}
	struct guard_plan_input pin = {.policy = &w.policy,
				       .home = FX_HOME,
				       .project = FX_PROJECT,
				       .cwd = FX_PROJECT,
				       .mode = GUARD_MODE_LANDLOCK_ONLY,
				       .port_rules = true};
	guard_net_plan_build(&w.plan, &pin);
	struct guard_sbpl_port *owned;
	guard_sbpl_net_input(&w.in, &w.plan, &owned);
	TAP_OK(w.in.net == GUARD_SBPL_NET_PROXY && w.in.proxy_port > 0 && w.in.nloopback == 3,
	       "the plan: guard's proxy on the host's loopback (port %u) and 3 loopback services", w.in.proxy_port);
	unsigned proxy = w.in.proxy_port;
	w.in.proxy_port = 40123; /* the kernel picked the port: a fixed one for the golden profile */
	char *t = generate(&w);
	TAP_OK(t != NULL, "the allow-list's profile is generated");
	if (!t) {
		guard_sbpl_net_input_free(&w.in, owned);
		fx_world_free(&w);
		return;
	}
	golden("default-net", t);
	invariants("default-net", t);
	TAP_OK(connects(t, "tcp", true, 40123), "TCP to guard's proxy on this host is allowed");
	TAP_OK(connects(t, "tcp", true, 11434) && connects(t, "tcp", true, 5432) && connects(t, "tcp", true, 8080),
	       "TCP to the loopback services the list names (11434, 5432, 8080) is allowed");
	TAP_OK(strstr(t, "(allow network-outbound (remote tcp \"localhost:11434\") (with message \"fixture.yaml:"),
	       "a loopback service's rule names the line that allowed it");
	TAP_OK(!connects(t, "tcp", true, 22) && !connects(t, "tcp", true, proxy == 40123 ? 40124 : proxy),
	       "TCP to other ports of this host is denied");
	TAP_OK(!connects(t, "tcp", false, 443) && !connects(t, "tcp", false, 5432) && !connects(t, "tcp", false, 40123),
	       "TCP elsewhere is denied, also to a named address's port (10.0.0.5:5432 goes through the proxy) and "
	       "to the proxy's port on another host");
	TAP_OK(!connects(t, "udp", false, 53) && !connects(t, "udp", true, 53) && !connects(t, "udp", true, 5432) &&
		       !connects(t, "udp", true, 40123),
	       "no UDP at all: no DNS, the proxy resolves names");
	TAP_OK(count_of(t, "(allow network-outbound") == 4 && !strstr(t, "network*") && !strstr(t, "system-socket") &&
		       !strstr(t, "10.0.0.5") && !strstr(t, "github"),
	       "exactly four outbound rules (the proxy, three services); no host name or remote address in the "
	       "profile");
	TAP_OK(!strstr(t, "com.apple.dnssd.service"),
	       "no resolver inside: mDNSResponder's service is closed (the proxy resolves names, as on Linux)");
	free(t);
	w.in.net = GUARD_SBPL_NET_OPEN;
	t = generate(&w);
	TAP_OK(t && strstr(t, "(allow mach-lookup (global-name \"com.apple.dnssd.service\")"),
	       "the open network (network.allow [\"*\"]) has the resolver");
	free(t);
	/* Linux's rule for a loopback entry with :* (net_plan.c): reached only through the proxy, not a port range. */
	TAP_OK(w.plan.notes.n > 0 && strstr(w.plan.notes.v[w.plan.notes.n - 1], "localhost:*"),
	       "localhost:* is not opened directly: the plan says it goes through the proxy");
	guard_sbpl_net_input_free(&w.in, owned);
	fx_world_free(&w);
}

int main(void)
{
	glob_translation();
	profiles();
	decisions();
	name_scope();
	found_by_diff();
	network_allow_list();
	return tap_done();
}
