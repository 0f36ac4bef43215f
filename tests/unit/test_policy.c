/* The policy model and its sources: the default profile with provenance, every YAML error with its position,
 * suggestions, all-or-nothing loading, the order of sources, and the trust gate for project files.
 *
 * Expected positions come from the YAML text itself: error cases mark the spot with '@' (never valid in YAML
 * content, removed before parsing), and profile provenance is checked against the profile's own bytes. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy/builtin_rules.h"
#include "policy/policy_api.h"
#include "tap.h"

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------------------------------------- */

/* Copy `marked` without its '@' into out; line and col receive the marker's 1-based position. */
static void unmark(const char *marked, char *out, size_t len, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	size_t n = 0;
	*line = *col = 0;
	for (const char *s = marked; *s && n + 1 < len; s++) {
		if (*s == '@') {
			*line = l;
			*col = c;
			continue;
		}
		out[n++] = *s;
		if (*s == '\n')
			l++, c = 1;
		else
			c++;
	}
	out[n] = '\0';
}

/* Byte offset of 1-based line:col in text, or -1. */
static long offset_of(const char *text, size_t len, unsigned line, unsigned col)
{
	size_t i = 0;
	for (unsigned l = 1; l < line; l++) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			return -1;
		i = (size_t)(nl - text) + 1;
	}
	return i + col - 1 < len ? (long)(i + col - 1) : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static const struct guard_rule *find_rule(const struct guard_policy *p, enum guard_rule_kind k, bool neg,
					  const char *pat)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == k && p->rules[i].negated == neg && !strcmp(p->rules[i].pattern, pat))
			return &p->rules[i];
	return NULL;
}

static int load(struct guard_policy *p, const char *yaml, struct guard_error *e)
{
	return guard_policy_load_yaml(p, "t.yaml", yaml, strlen(yaml), GUARD_SRC_USER, e);
}

/* A YAML text with '@' where the error must point; message and hint must contain the given parts. */
static void expect_err(const char *name, const char *marked, const char *msg, const char *hint)
{
	char yaml[4096];
	unsigned line, col;
	unmark(marked, yaml, sizeof yaml, &line, &col);
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = load(&p, yaml, &e);
	TAP_OK(rc == -1 && !strcmp(e.file, "t.yaml") && e.line == line && e.col == col && strstr(e.message, msg) &&
		       (!hint || strstr(e.hint, hint)) && p.nrules == 0,
	       "%s → %s:%u:%u: %s (%s) [want %u:%u]", name, e.file, e.line, e.col, e.message, e.hint, line, col);
	guard_policy_free(&p);
}

static void expect_ok(const char *name, const char *yaml, size_t nrules)
{
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = load(&p, yaml, &e);
	TAP_OK(rc == 0 && p.nrules == nrules, "%s loads (%zu rules) %s", name, p.nrules, rc ? e.message : "");
	guard_policy_free(&p);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* ---- the default profile ------------------------------------------------------------------------------- */

static void test_default_profile(void)
{
	const struct guard_builtin_rules *b = guard_builtin_rules;
	while (b->name && strcmp(b->name, "default"))
		b++;
	TAP_OK(b->name && !strcmp(b->display, "rules/default.yaml"), "default profile is built in");
	if (!b->name)
		return;
	const char *text = b->start;
	size_t len = (size_t)(b->end - b->start);

	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = guard_policy_load_profile(&p, "default", &e);
	TAP_OK(rc == 0, "default profile loads %s", rc ? e.message : "");
	TAP_OK(p.profile && !strcmp(p.profile, "default"), "policy remembers profile name");

	/* Every rule's line:col must point at its own text in the file. */
	size_t bad = 0;
	for (size_t i = 0; i < p.nrules; i++) {
		const struct guard_rule *r = &p.rules[i];
		long off = offset_of(text, len, r->at.line, r->at.col);
		char want[256];
		/* a quoted entry's position is its opening quote */
		if (off >= 0 && text[off] == '"')
			off++;
		snprintf(want, sizeof want, "%s%s", r->negated ? "!" : "", r->pattern);
		if (strcmp(r->at.file, "rules/default.yaml") || r->at.source != GUARD_SRC_PROFILE || off < 0 ||
		    strncmp(text + off, want, strlen(want))) {
			bad++;
			printf("# bad provenance for %s at %u:%u\n", r->pattern, r->at.line, r->at.col);
		}
	}
	TAP_OK(p.nrules > 50 && bad == 0, "all %zu default rules point at their text (%zu wrong)", p.nrules, bad);

	/* And one computed by hand from the text: the "- /usr" line. */
	const char *usr = strstr(text, "- /usr\n");
	unsigned line = 1;
	for (const char *c = text; usr && c < usr; c++)
		line += *c == '\n';
	const char *bol = usr ? (const char *)memrchr(text, '\n', (size_t)(usr - text)) + 1 : NULL;
	unsigned col = usr ? (unsigned)(usr + 2 - bol) + 1 : 0;
	const struct guard_rule *r = find_rule(&p, GUARD_READ, false, "/usr");
	TAP_OK(r && r->at.line == line && r->at.col == col, "/usr at rules/default.yaml:%u:%u (got %u:%u)", line, col,
	       r ? r->at.line : 0, r ? r->at.col : 0);

	long off = offset_of(text, len, p.processes.at.line, p.processes.at.col);
	char num[32];
	snprintf(num, sizeof num, "%lld", p.processes.value);
	TAP_OK(p.processes.set && off >= 0 && !strncmp(text + off, num, strlen(num)) && p.core_dumps.set &&
		       p.core_dumps.value == 0 && p.open_files.set,
	       "default limits with provenance (processes %lld, core dumps off)", p.processes.value);

	static const char *const reads[] = {"/usr",
					    "/bin",
					    "/sbin",
					    "/lib",
					    "/lib32",
					    "/lib64",
					    "/libx32",
					    "/etc",
					    "/opt",
					    "/nix/store",
					    "/snap",
					    "/proc",
					    "/sys",
					    "/dev/null",
					    "/dev/zero",
					    "/dev/full",
					    "/dev/random",
					    "/dev/urandom",
					    "/dev/tty",
					    "/dev/pts",
					    "/dev/ptmx",
					    "/dev/fd",
					    "/dev/stdin",
					    "/dev/stdout",
					    "/dev/stderr",
					    "$PROJECT",
					    "~/.gitconfig",
					    "~/.config/git",
					    "~/.bashrc",
					    "~/.zshrc",
					    "~/.profile",
					    "~/.inputrc",
					    "~/.ssh/known_hosts",
					    "~/.ssh/config",
					    "~/.ssh/*.pub",
					    "~/.local/bin",
					    "~/.local/lib",
					    "~/.cargo/bin",
					    "~/.rustup",
					    "~/.pyenv",
					    "~/.nvm",
					    "~/.volta",
					    "~/.bun",
					    "~/.sdkman",
					    "~/.asdf",
					    NULL};
	static const char *const writes[] = {"$PROJECT",
					     "$TMP",
					     "/dev/null",
					     "/dev/tty",
					     "/dev/pts",
					     "/dev/ptmx",
					     "/dev/full",
					     "/dev/zero",
					     "/dev/shm",
					     "~/.cache",
					     "~/.npm",
					     "~/.cargo/registry",
					     "~/.cargo/git",
					     "~/go/pkg/mod",
					     "~/.m2/repository",
					     "~/.gradle/caches",
					     "~/.yarn",
					     "~/.pnpm-store",
					     "~/.local/share/pnpm",
					     "~/.bun/install/cache",
					     NULL};
	static const char *const denies[] = {".env",
					     ".env.*",
					     "*.pem",
					     "*.key",
					     "*.p12",
					     "*.pfx",
					     "id_rsa",
					     "id_ecdsa",
					     "id_ed25519",
					     "id_dsa",
					     "secrets/",
					     "credentials/",
					     ".git-credentials",
					     ".netrc",
					     ".npmrc",
					     ".pypirc",
					     "*.tfstate",
					     "*.tfvars",
					     "~/.ssh/*",
					     "~/.aws/",
					     "~/.gnupg/",
					     "~/.kube/",
					     "~/.docker/config.json",
					     "~/.config/gh/hosts.yml",
					     "~/.cargo/credentials",
					     "~/.cargo/credentials.toml",
					     "~/.m2/settings.xml",
					     "~/.gradle/gradle.properties",
					     "~/.azure/",
					     "~/.config/gcloud/",
					     "~/.password-store/",
					     "~/.local/share/keyrings/",
					     "~/.mozilla/",
					     "~/.config/google-chrome/",
					     "~/.config/chromium/",
					     "~/.config/BraveSoftware/",
					     "~/snap/",
					     "/etc/shadow",
					     "/etc/gshadow",
					     "/etc/sudoers",
					     "/etc/sudoers.d/",
					     "/etc/ssh/ssh_host_*_key",
					     "/etc/ssl/private/",
					     NULL};
	static const char *const reallow[] = {
		".env.example", ".env.sample", ".env.template", "~/.ssh/known_hosts", "~/.ssh/config",
		"~/.ssh/*.pub", NULL};
	static const char *const protects[] = {".git/hooks/", ".git/config", ".guard.yaml", NULL};
	const char *missing = NULL;
	for (const char *const *s = reads; *s; s++)
		if (!find_rule(&p, GUARD_READ, false, *s))
			missing = *s;
	for (const char *const *s = writes; *s; s++)
		if (!find_rule(&p, GUARD_WRITE, false, *s))
			missing = *s;
	for (const char *const *s = denies; *s; s++)
		if (!find_rule(&p, GUARD_DENY, false, *s))
			missing = *s;
	for (const char *const *s = reallow; *s; s++)
		if (!find_rule(&p, GUARD_DENY, true, *s))
			missing = *s;
	for (const char *const *s = protects; *s; s++)
		if (!find_rule(&p, GUARD_PROTECT, false, *s))
			missing = *s;
	TAP_OK(!missing, "default profile has every entry of the issue's lists (missing: %s)", missing ? missing : "-");

	/* gitignore order: a re-allow must come after the deny it undoes. */
	const struct guard_rule *ssh = find_rule(&p, GUARD_DENY, false, "~/.ssh/*");
	const struct guard_rule *kh = find_rule(&p, GUARD_DENY, true, "~/.ssh/known_hosts");
	const struct guard_rule *env = find_rule(&p, GUARD_DENY, false, ".env.*");
	const struct guard_rule *ex = find_rule(&p, GUARD_DENY, true, ".env.example");
	TAP_OK(ssh && kh && env && ex && kh > ssh && ex > env, "re-allows follow the denies they undo");
	TAP_OK(!find_rule(&p, GUARD_DENY, false, "~/.ssh/"), "~/.ssh/ itself is not denied as a directory");
	guard_policy_free(&p);

	guard_policy_init(&p);
	rc = guard_policy_load_profile(&p, "defualt", &e);
	TAP_OK(rc == -1 && strstr(e.message, "unknown profile \"defualt\"") &&
		       strstr(e.hint, "did you mean \"default\"") && strstr(e.hint, "known profiles: default") &&
		       p.nrules == 0,
	       "unknown profile: %s (%s)", e.message, e.hint);
	rc = guard_policy_load_profile(&p, "../../etc/passwd", &e);
	TAP_OK(rc == -1 && strstr(e.message, "unknown profile"), "a profile name cannot be a path");
	guard_policy_free(&p);
}

/* An installed rules/NAME.yaml beside the binary wins over the built-in table, with the same provenance. */
static void test_installed_profile(void)
{
	char exe[4096], dir[4200], file[4300];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		TAP_SKIP("no /proc/self/exe", "installed profile");
		return;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	const char *parts[] = {"/../share", "/../share/guard", "/../share/guard/rules"};
	bool made[3] = {false, false, false};
	for (int i = 0; i < 3; i++) {
		snprintf(dir, sizeof dir, "%s%s", exe, parts[i]);
		if (mkdir(dir, 0755) == 0)
			made[i] = true;
		else if (errno != EEXIST) {
			TAP_SKIP("cannot create a share dir beside the test binary", "installed profile");
			goto clean;
		}
	}
	char name[32];
	snprintf(name, sizeof name, "t%ld", (long)getpid());
	snprintf(file, sizeof file, "%s/%s.yaml", dir, name);
	write_file(file, "files:\n  deny:\n    - zzz\n");
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc = guard_policy_load_profile(&p, name, &e);
	char disp[64];
	snprintf(disp, sizeof disp, "rules/%s.yaml", name);
	TAP_OK(rc == 0 && p.nrules == 1 && !strcmp(p.rules[0].at.file, disp) && p.rules[0].at.line == 3 &&
		       p.rules[0].at.col == 7,
	       "installed profile loads with provenance %s:3:7", disp);
	guard_policy_free(&p);
	unlink(file);
clean:
	for (int i = 2; i >= 0; i--)
		if (made[i]) {
			snprintf(dir, sizeof dir, "%s%s", exe, parts[i]);
			rmdir(dir);
		}
}

/* ---- YAML errors --------------------------------------------------------------------------------------- */

static void test_errors(void)
{
	/* malformed YAML: libyaml's problem at its mark */
	expect_err("tab indentation", "files:\n@\tread: []\n", "malformed YAML", "tabs");
	expect_err("unclosed flow list", "files: {read: [/a, /b@}\n", "malformed YAML", NULL);
	expect_err("unquoted *.pem", "files:\n  deny:\n    - @*.pem\n", "malformed YAML", "quoted, like \"*.pem\"");
	expect_err("invalid UTF-8", "files: {read: [\"/a@\xff\"]}\n", "malformed YAML", "UTF-8");
	expect_err("second document", "files: {}\n@---\nenv: {}\n", "more than one YAML document", "one policy");

	/* unknown keys, with the nearest known one */
	expect_err("unknown top key", "@fils:\n  read: []\n", "unknown key \"fils\"", "did you mean \"files\"?");
	expect_err("unknown nested key", "files:\n  @raed: [/a]\n", "unknown key \"raed\" in files",
		   "did you mean \"read\"?");
	expect_err("unknown key, nothing close", "@zzzzzz: 1\n", "unknown key \"zzzzzz\"",
		   "known keys: files, env, limits, exec, network, mask_output");
	expect_err("unknown limits key", "limits:\n  @procs: 5\n", "unknown key \"procs\" in limits", NULL);
	expect_err("unknown network key", "network:\n  @allwo: [x]\n", "in network", "did you mean \"allow\"?");
	expect_err("unknown mask_output key", "mask_output:\n  patterns:\n    - {@rgex: x}\n", "rgex",
		   "did you mean \"regex\"?");

	/* wrong types */
	expect_err("top level a list", "@- /a\n", "the top level must be a mapping", NULL);
	expect_err("top level a word", "@hello\n", "the top level must be a mapping", NULL);
	expect_err("files a list", "files: @[/a]\n", "files must be a mapping", NULL);
	expect_err("read a string", "files:\n  read: @/usr\n", "files.read must be a list of strings",
		   "read: [\"/usr\"]");
	expect_err("read a mapping", "files:\n  read: @{a: b}\n", "files.read must be a list of strings", NULL);
	expect_err("read item a mapping", "files:\n  read:\n    - @a: b\n", "files.read must be a list of strings",
		   "contain \": \"");
	expect_err("env.pass a string", "env:\n  pass: @FOO\n", "env.pass must be a list of strings", NULL);
	expect_err("non-scalar key", "files:\n  @[a]: b\n", "a key must be a plain word", NULL);

	/* patterns */
	expect_err("bad glob", "files:\n  deny:\n    - /ok\n    - @\"[abc\"\n", "bad pattern \"[abc\"", "globs");
	expect_err("! in read", "files:\n  read: [@\"!/etc\"]\n",
		   "'!' re-allows only within files.deny and files.protect", "remove the '!'");
	expect_err("! in write", "files:\n  write:\n    - @\"!$PROJECT/x\"\n", "'!' re-allows only", NULL);
	expect_err("bare name in read", "files:\n  read:\n    - @\"*.txt\"\n", "\"*.txt\" is not a path",
		   "only meaningful in deny and protect");
	expect_err("dir name in write", "files:\n  write: [@build/]\n", "\"build/\" is not a path", NULL);
	expect_err("unknown variable", "files:\n  deny: [@$PROJCT/secret]\n", "unknown variable $PROJCT",
		   "did you mean $PROJECT? known: ~, $HOME, $PROJECT, $TMP");
	expect_err("unknown variable, nothing close", "files:\n  read: [@$XYZZY/a]\n", "unknown variable $XYZZY",
		   "known: ~, $HOME, $PROJECT, $TMP");
	expect_err("braced variable", "files:\n  read: [@\"${HOME}/a\"]\n", "expected a variable name",
		   "without braces");
	expect_err("variable glued to text", "files:\n  read: [@$HOME.bak]\n", "followed by '/'", NULL);
	expect_err("~user", "files:\n  read: [@~bob/x]\n", "~user is not supported", NULL);
	expect_err("empty entry", "files:\n  deny: [@\"\"]\n", "empty entry", NULL);
	expect_err("lone !", "files:\n  deny: [@\"!\"]\n", "'!' alone", NULL);
	expect_err("spaces around", "files:\n  deny: [@\" .env\"]\n", "starts or ends with a space", NULL);
	expect_err("NUL escape", "files:\n  deny: [@\"a\\0b\"]\n", "NUL character", NULL);
	expect_err("env name with =", "env:\n  drop: [@\"A=B\"]\n", "is not a variable name", NULL);

	/* duplicate keys */
	expect_err("duplicate top key", "files: {}\nenv: {}\n@files: {}\n", "duplicate key \"files\"",
		   "first set at 1:1");
	expect_err("duplicate nested key", "files:\n  read: []\n  @read: []\n", "duplicate key \"read\" in files",
		   "first set at 2:3");

	/* anchors, aliases, tags */
	expect_err("anchor", "files:\n  read: @&r [/a]\n", "YAML anchor \"&r\" is not supported", "keep configs plain");
	expect_err("alias", "files:\n  deny:\n    - @*secret\n", "YAML alias \"*secret\" is not supported",
		   "must be quoted");
	expect_err("unquoted !pattern is a tag", "files:\n  deny:\n    - @!.env.example\n",
		   "\"!.env.example\" is read as a YAML tag", "must be quoted");
	expect_err("explicit tag", "limits:\n  processes: @!!int 5\n", "YAML tag", NULL);

	/* limits */
	expect_err("processes a word", "limits:\n  processes: @ten\n", "limits.processes must be an integer",
		   "from 1 to");
	expect_err("processes quoted", "limits:\n  processes: @\"5\"\n", "must be an integer", "without quotes");
	expect_err("processes zero", "limits:\n  processes: @0\n", "limits.processes: 0 is out of range", NULL);
	expect_err("processes negative", "limits:\n  processes: @-3\n", "-3 is out of range", NULL);
	expect_err("open_files huge", "limits:\n  open_files: @99999999999999999999999\n", "is out of range", NULL);
	expect_err("processes a float", "limits:\n  processes: @1.5\n", "must be an integer", NULL);
	expect_err("core_dumps yes", "limits:\n  core_dumps: @yes\n", "limits.core_dumps must be true or false", NULL);
	expect_err("limits a list", "limits: @[1]\n", "limits must be a mapping", NULL);

	/* reserved keys: validated by shape */
	expect_err("exec.deny a string", "exec:\n  deny: @rm\n", "exec.deny must be a list of strings", NULL);
	expect_err("exec.deny bad glob", "exec:\n  deny: [@\"[x\"]\n", "bad pattern", NULL);
	expect_err("publish not a port", "network:\n  publish: [80, @http]\n", "network.publish must be an integer",
		   NULL);
	expect_err("publish out of range", "network:\n  publish: [@70000]\n", "70000 is out of range", NULL);
	expect_err("host_sockets item a list", "network:\n  host_sockets:\n    - @[a]\n", "must be a list of strings",
		   NULL);
	expect_err("mask pattern without regex", "mask_output:\n  patterns:\n    - @{show_prefix: 4}\n",
		   "needs a regex", NULL);
	expect_err("mask pattern a string", "mask_output:\n  patterns:\n    - @ghp_.*\n", "list of mappings", NULL);
	expect_err("mask show_prefix", "mask_output:\n  patterns:\n    - {regex: x, show_prefix: @-1}\n",
		   "out of range", NULL);
	expect_err("mask case_insensitive", "mask_output:\n  patterns:\n    - {regex: x, case_insensitive: @maybe}\n",
		   "true or false", NULL);
	/* The top-level mapping is depth 0, so the 33rd '[' is the first node past the limit of 32. */
	char deep[256] = "files: ";
	size_t n = strlen(deep);
	for (int i = 0; i < 40; i++) {
		if (i == 32)
			deep[n++] = '@';
		deep[n++] = '[';
	}
	memset(deep + n, ']', 40);
	deep[n + 40] = '\0';
	expect_err("nested too deeply", deep, "nested too deeply", NULL);
}

static void test_valid(void)
{
	expect_ok("empty file", "", 0);
	expect_ok("comments only", "# nothing here\n\n", 0);
	expect_ok("empty document", "---\n", 0);
	expect_ok("empty document with end", "---\n...\n", 0);
	expect_ok("empty mapping", "{}\n", 0);
	expect_ok("empty sections", "files:\nenv:\nlimits:\n", 0);
	expect_ok("empty lists", "files:\n  read: []\n  deny:\n", 0);
	expect_ok("all rule kinds",
		  "files:\n  read: [/a, ~/b, ./c]\n  write: [$TMP/x, $HOME/y]\n"
		  "  deny: [x, \"!x.ok\", \"*.pem\"]\n  protect: [.git/hooks/, \"!.git/hooks/ok\"]\n",
		  10);

	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	int rc =
		load(&p,
		     "env:\n  pass: [GIT_*, HOME]\n  drop: [\"*_SECRET\"]\n"
		     "limits: {processes: 100, open_files: 2048, core_dumps: true}\n"
		     "exec:\n  deny: [rm]\nnetwork:\n  allow: [github.com]\n  publish: [8080]\n"
		     "mask_output:\n  presets: [aws]\n  patterns:\n    - {regex: \"ghp_[A-Za-z0-9]+\", show_prefix: 4, "
		     "case_insensitive: false}\n",
		     &e);
	TAP_OK(rc == 0 && p.npass == 2 && p.ndrop == 1 && !strcmp(p.env_pass[0].name, "GIT_*") &&
		       p.env_pass[1].at.line == 2 && p.env_pass[1].at.col == 17 &&
		       !strcmp(p.env_drop[0].name, "*_SECRET"),
	       "env.pass/drop with positions %s", rc ? e.message : "");
	TAP_OK(p.processes.set && p.processes.value == 100 && p.processes.at.line == 4 && p.processes.at.col == 21 &&
		       p.open_files.value == 2048 && p.core_dumps.value == 1,
	       "limits parsed with the value's position");
	TAP_OK(p.reserved_set[GUARD_RESERVED_EXEC] && p.reserved_at[GUARD_RESERVED_EXEC].line == 5 &&
		       p.reserved_set[GUARD_RESERVED_NETWORK] && p.reserved_at[GUARD_RESERVED_NETWORK].line == 7 &&
		       p.reserved_set[GUARD_RESERVED_MASK_OUTPUT] && p.reserved_at[GUARD_RESERVED_MASK_OUTPUT].col == 1,
	       "reserved keys recorded where they are set");
	guard_policy_free(&p);

	guard_policy_init(&p);
	rc = load(&p, "exec: {}\nnetwork:\n", &e);
	TAP_OK(rc == 0 && !p.reserved_set[GUARD_RESERVED_EXEC] && !p.reserved_set[GUARD_RESERVED_NETWORK],
	       "empty reserved sections set nothing");
	guard_policy_free(&p);

	guard_policy_init(&p);
	struct guard_origin net;
	const char *nety = "network:\n  publish: [8080]\n  allow: [x]\n";
	rc = guard_policy_parse_yaml(&p, "n.yaml", nety, strlen(nety), GUARD_SRC_PROJECT, &net, &e);
	TAP_OK(rc == 0 && net.line == 2 && net.col == 13 && !strcmp(net.file, "n.yaml"),
	       "parse reports the first network grant (%u:%u)", net.line, net.col);
	guard_policy_free(&p);
}

static void test_suggest(void)
{
	static const char *const keys[] = {"files", "env", "limits", "exec", "network", "mask_output", NULL};
	static const char *const vars[] = {"HOME", "PROJECT", "TMP", NULL};
	const char *s;
	TAP_OK((s = guard_suggest("fils", keys)) && !strcmp(s, "files"), "fils → files");
	TAP_OK((s = guard_suggest("fiels", keys)) && !strcmp(s, "files"), "fiels (transposition) → files");
	TAP_OK((s = guard_suggest("Files", keys)) && !strcmp(s, "files"), "Files → files");
	TAP_OK((s = guard_suggest("limit", keys)) && !strcmp(s, "limits"), "limit → limits");
	TAP_OK((s = guard_suggest("mask-output", keys)) && !strcmp(s, "mask_output"), "mask-output → mask_output");
	TAP_OK((s = guard_suggest("PROJCT", vars)) && !strcmp(s, "PROJECT"), "PROJCT → PROJECT");
	TAP_OK((s = guard_suggest("project", vars)) && !strcmp(s, "PROJECT"), "project → PROJECT");
	TAP_OK(!guard_suggest("xyz", keys), "xyz → nothing");
	TAP_OK(!guard_suggest("networkingstuff", keys), "far longer word → nothing");
	TAP_OK(!guard_suggest("", keys), "empty word → nothing");
	TAP_OK(!guard_suggest("q", vars), "one letter → nothing");
}

/* ---- all or nothing, flags, printing ------------------------------------------------------------------ */

static void test_all_or_nothing(void)
{
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	load(&p, "files: {deny: [a]}\nenv: {drop: [X]}\nlimits: {processes: 10}\n", &e);
	size_t nrules = p.nrules, ninterned = p.ninterned;
	const char *bad = "files:\n  deny: [b, c]\n  read: [/x]\nenv: {pass: [Y]}\nlimits: {processes: 20, "
			  "core_dumps: true}\nnetwork: {allow: [h]}\nfiles: {}\n";
	int rc = guard_policy_load_yaml(&p, "bad.yaml", bad, strlen(bad), GUARD_SRC_USER, &e);
	TAP_OK(rc == -1 && e.line == 7 && p.nrules == nrules && p.npass == 0 && p.ndrop == 1 &&
		       p.processes.value == 10 && !p.core_dumps.set && !p.reserved_set[GUARD_RESERVED_NETWORK] &&
		       p.ninterned == ninterned,
	       "a file with an error at its end changes nothing (%s)", e.message);
	rc = load(&p, "files: {deny: [d]}\n", &e);
	TAP_OK(rc == 0 && p.nrules == nrules + 1 && !strcmp(p.rules[nrules].pattern, "d"),
	       "the next good file still adds");
	guard_policy_free(&p);
	guard_policy_free(&p); /* free leaves an empty policy: twice is harmless */
}

static void test_flags_and_print(void)
{
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	struct guard_origin at = {.file = "--allow-read", .source = GUARD_SRC_FLAG};
	int rc = guard_policy_add_rule(&p, GUARD_READ, "~/src", at, &e);
	TAP_OK(rc == 0 && p.rules[0].at.file != at.file && !strcmp(p.rules[0].at.file, "--allow-read"),
	       "flag rule added with its interned flag name");
	rc = guard_policy_add_rule(&p, GUARD_READ, "notes.txt", at, &e);
	TAP_OK(rc == -1 && !strcmp(e.file, "--allow-read") && e.line == 0 &&
		       !strncmp(e.message, "\"notes.txt\" is not", 18),
	       "bad flag pattern names the flag: %s", e.message);
	at.file = "--deny";
	rc = guard_policy_add_rule(&p, GUARD_DENY, "!x", at, &e);
	TAP_OK(rc == 0 && p.rules[1].negated && !strcmp(p.rules[1].pattern, "x"), "'!' stripped and kept as negated");

	load(&p, "files:\n  protect: [.guard.yaml]\nnetwork:\n  allow: [example.org]\n", &e);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	guard_policy_print(f, &p);
	fclose(f);
	TAP_OK(strstr(buf, "deny > protect > write > read > default deny") && strstr(buf, "files.read:\n  ~/src") &&
		       strstr(buf, "--allow-read (flag)") && strstr(buf, "!x") &&
		       strstr(buf, "t.yaml:2:13 (user config)") && strstr(buf, "network.allow: these hosts only") &&
		       strstr(buf, "t.yaml:4:11 (user config)") &&
		       !strstr(buf, "network: accepted, applied in a later version") &&
		       strstr(buf, "env.pass:\n  (none)"),
	       "guard policy output groups entries with provenance");
	if (!strstr(buf, "t.yaml:2:13"))
		printf("# %s", buf);
	free(buf);

	/* guard_error_print's one-line format */
	guard_error_set(&e, "f.yaml", 3, 5, "do this", "that is %s", "wrong");
	fflush(stderr);
	int saved = dup(2);
	FILE *cap = tmpfile();
	dup2(fileno(cap), 2);
	guard_error_print(&e);
	guard_error_set(&e, "--deny", 0, 0, "", "no hint");
	guard_error_print(&e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char out[256] = "";
	rewind(cap);
	size_t got = fread(out, 1, sizeof out - 1, cap);
	out[got] = '\0';
	fclose(cap);
	TAP_OK(!strcmp(out, "guard: f.yaml:3:5: that is wrong (do this)\nguard: --deny: no hint\n"),
	       "error format: guard: FILE:LINE:COL: message (hint)");
	guard_policy_free(&p);
}

/* ---- assemble and the trust gate ------------------------------------------------------------------------ */

static char project[256], userconf[256];

static int assemble(struct guard_policy *p, struct guard_error *e, const struct guard_flag_rule *flags, size_t n)
{
	struct guard_sources s = {.project_file = project, .flags = flags, .nflags = n};
	return guard_policy_assemble(p, &s, e);
}

static void test_assemble(void)
{
	write_file(userconf, "files:\n  deny: [user-secret]\nlimits:\n  processes: 20000\n");
	write_file(project, "files:\n  deny: [project-secret]\nlimits:\n  processes: 10000\n");
	const struct guard_flag_rule flags[] = {{GUARD_READ, "~/notes", "--allow-read"},
						{GUARD_DENY, "x.log", "--deny"}};
	struct guard_policy p;
	struct guard_error e = {0};
	int rc = assemble(&p, &e, flags, 2);
	TAP_OK(rc == 0, "assemble: profile, user config (from XDG_CONFIG_HOME), project, flags %s",
	       rc ? e.message : "");
	bool ordered = p.nrules > 4;
	for (size_t i = 1; i < p.nrules; i++)
		ordered &= p.rules[i - 1].at.source <= p.rules[i].at.source;
	const struct guard_rule *u = find_rule(&p, GUARD_DENY, false, "user-secret");
	const struct guard_rule *pr = find_rule(&p, GUARD_DENY, false, "project-secret");
	TAP_OK(ordered && u && pr && u->at.source == GUARD_SRC_USER && !strcmp(u->at.file, userconf) &&
		       pr->at.source == GUARD_SRC_PROJECT && p.rules[p.nrules - 1].at.source == GUARD_SRC_FLAG &&
		       !strcmp(p.rules[p.nrules - 2].pattern, "~/notes"),
	       "rules in source order, each with its source");
	TAP_OK(p.processes.value == 10000 && p.processes.at.source == GUARD_SRC_PROJECT,
	       "project may lower a limit the user raised (10000 < 20000)");
	guard_policy_free(&p);

	const struct guard_flag_rule bad[] = {{GUARD_WRITE, "*.o", "--allow-write"}};
	rc = assemble(&p, &e, bad, 1);
	TAP_OK(rc == -1 && !strcmp(e.file, "--allow-write") && p.nrules == 0,
	       "bad flag fails assemble, out left empty");
	struct guard_sources s = {.profile = "nope"};
	rc = guard_policy_assemble(&p, &s, &e);
	TAP_OK(rc == -1 && strstr(e.message, "unknown profile"), "unknown profile fails assemble");
	write_file(userconf, "files:\n  reed: []\n");
	rc = assemble(&p, &e, NULL, 0);
	TAP_OK(rc == -1 && !strcmp(e.file, userconf) && e.line == 2 && e.col == 3, "user config errors carry its path");
	unlink(userconf);
	unlink(project);
	rc = assemble(&p, &e, NULL, 0);
	TAP_OK(rc == 0 && p.nrules > 50, "missing user config and project file are fine");
	guard_policy_free(&p);
}

/* The project file (marked) must be refused at '@' with `what` in the message. */
static void expect_refused(const char *name, const char *marked, const char *what)
{
	char yaml[2048];
	unsigned line, col;
	unmark(marked, yaml, sizeof yaml, &line, &col);
	write_file(project, yaml);
	struct guard_policy p;
	struct guard_error e = {0};
	int rc = assemble(&p, &e, NULL, 0);
	char how[320];
	snprintf(how, sizeof how, "run: guard trust %s", project);
	TAP_OK(rc == -1 && !strcmp(e.file, project) && e.line == line && e.col == col && strstr(e.message, what) &&
		       strstr(e.message, "an untrusted project file may only tighten") && strstr(e.hint, how) &&
		       p.nrules == 0,
	       "untrusted %s refused → %u:%u: %s (%s) [want %u:%u]", name, e.line, e.col, e.message, e.hint, line, col);
	guard_policy_free(&p);
}

static void expect_loads(const char *name, const char *yaml)
{
	write_file(project, yaml);
	struct guard_policy p;
	struct guard_error e = {0};
	int rc = assemble(&p, &e, NULL, 0);
	TAP_OK(rc == 0, "untrusted project that only tightens loads: %s %s", name, rc ? e.message : "");
	guard_policy_free(&p);
}

static void test_trust_gate(void)
{
	expect_loads("deny/protect", "files:\n  deny: [\"*.sql\"]\n  protect: [Makefile]\n");
	expect_loads("env.drop", "env:\n  drop: [DATABASE_URL]\n");
	expect_loads("lower limits", "limits: {processes: 100, open_files: 256, core_dumps: false}\n");
	expect_loads("exec and mask_output", "exec: {deny: [curl]}\nmask_output: {presets: [aws]}\nnetwork: {}\n");

	expect_refused("files.read", "files:\n  deny: [x]\n  read:\n    - @/opt/extra\n", "files.read \"/opt/extra\"");
	expect_refused("files.write", "files:\n  write: [@~/.aws]\n", "files.write \"~/.aws\" grants access");
	expect_refused("re-allow in deny", "files:\n  deny:\n    - y\n    - @\"!.env.local\"\n",
		       "files.deny \"!.env.local\" re-allows");
	expect_refused("re-allow in protect", "files:\n  protect: [@\"!.git/hooks/pre-commit\"]\n", "re-allows");
	expect_refused("env.pass", "env:\n  drop: [FOO]\n  pass: [@GITHUB_TOKEN]\n", "env.pass \"GITHUB_TOKEN\"");
	expect_refused("higher processes", "limits:\n  processes: @9000\n",
		       "limits.processes 9000 raises the limit of 8192");
	expect_refused("higher open_files", "limits:\n  open_files: @100000\n", "limits.open_files");
	expect_refused("core dumps on", "limits:\n  core_dumps: @true\n", "core dumps on");
	expect_refused("network.allow", "network:\n  allow: [@example.org]\n", "network entry grants access");
	expect_refused("network.host_sockets", "network:\n  host_sockets: [@/run/docker.sock]\n",
		       "network entry grants access");
	expect_refused("network.publish", "network:\n  publish: [@3000]\n", "network entry grants access");
	/* Rules are checked before env and limits, yet the earliest line is the one reported. */
	expect_refused("earliest of several", "env:\n  drop: [B]\n  pass: [@A]\nfiles:\n  read: [/x]\n",
		       "env.pass \"A\"");
	expect_refused("earliest across sections", "limits: {core_dumps: @true}\nfiles:\n  read: [/x]\n", "core dumps");

	/* Syntax and schema come before trust: an untrusted file with an error gets the error. */
	write_file(project, "files:\n  read: [/x]\n  raed: []\n");
	struct guard_policy q;
	struct guard_error qe = {0};
	TAP_OK(assemble(&q, &qe, NULL, 0) == -1 && strstr(qe.message, "unknown key \"raed\""),
	       "a broken project file reports its error, not the trust gate");
	guard_policy_free(&q);

	/* Trust it, and it loads; edit it, and it is refused again. */
	struct guard_error e = {0};
	const char *loose = "files:\n  read:\n    - /opt/extra\n";
	write_file(project, loose);
	int rc = guard_trust_add(NULL, project, &e);
	struct guard_policy p;
	int rc2 = assemble(&p, &e, NULL, 0);
	const struct guard_rule *r = rc2 == 0 ? find_rule(&p, GUARD_READ, false, "/opt/extra") : NULL;
	TAP_OK(rc == 0 && rc2 == 0 && r && r->at.source == GUARD_SRC_PROJECT && r->at.line == 3,
	       "trusted loosening project file loads %s", rc2 ? e.message : "");
	guard_policy_free(&p);
	char store[256];
	snprintf(store, sizeof store, "%s/cfg/guard/trusted", tmpdir);
	TAP_OK(access(store, F_OK) == 0, "trust went to $XDG_CONFIG_HOME/guard/trusted");

	write_file(project, "files:\n  read:\n    - /opt/extra\n# edited\n");
	rc = assemble(&p, &e, NULL, 0);
	TAP_OK(rc == -1 && e.line == 3 && strstr(e.hint, "changed since you trusted it"),
	       "edited after trust → refused again: %s", e.hint);
	guard_policy_free(&p);
	write_file(project, loose);
	rc = assemble(&p, &e, NULL, 0);
	TAP_OK(rc == 0, "the exact trusted bytes load again");
	guard_policy_free(&p);
	unlink(project);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/guard-test-policy-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	char cfg[96], guarddir[128];
	snprintf(cfg, sizeof cfg, "%s/cfg", tmpdir);
	snprintf(guarddir, sizeof guarddir, "%s/guard", cfg);
	mkdir(cfg, 0700);
	mkdir(guarddir, 0700);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	snprintf(userconf, sizeof userconf, "%s/config.yaml", guarddir);
	snprintf(project, sizeof project, "%s/.guard.yaml", tmpdir);

	test_default_profile();
	test_installed_profile();
	test_errors();
	test_valid();
	test_suggest();
	test_all_or_nothing();
	test_flags_and_print();
	test_assemble();
	test_trust_gate();

	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
