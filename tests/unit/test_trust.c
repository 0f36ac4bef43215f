/* SHA-256 against FIPS 180-4's vectors and the padding boundaries; the trust store's add/remove round trip,
 * its file format, modes and atomic rewrite. XDG_CONFIG_HOME points into a temp dir: no real config is touched. */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy/policy_api.h"
#include "tap.h"
#include "lib/fileio.h"

static char tmpdir[64];

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

static char *slurp(const char *path)
{
	char *buf;
	size_t len;
	return guard_read_file(path, 1 << 20, &buf, &len) == 0 ? buf : NULL;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void test_sha256(void)
{
	static const struct {
		const char *name, *msg, *hex;
	} v[] = {
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"448 bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"896 bits",
		 "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopq"
		 "rst"
		 "nopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	char hex[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		guard_sha256_hex(v[i].msg, strlen(v[i].msg), hex);
		TAP_OK(!strcmp(hex, v[i].hex), "sha256 %s", v[i].name);
	}

	/* Padding edges: 55 bytes fit one block with the length, 56..63 need a second, 64 fills one exactly. */
	static const struct {
		size_t n;
		const char *hex;
	} a[] = {
		{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
		{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
		{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
		{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
		{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
		{119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
		{120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
	};
	char as[128];
	memset(as, 'a', sizeof as);
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
		guard_sha256_hex(as, a[i].n, hex);
		TAP_OK(!strcmp(hex, a[i].hex), "sha256 of %zu 'a's", a[i].n);
	}

	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	guard_sha256_hex(million, 1000000, hex);
	free(million);
	TAP_OK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	       "sha256 one million 'a's");

	/* Binary data, NULs included: the hash covers exact bytes, not a C string. */
	const char bin[] = {'a', '\0', 'b'};
	char h1[65], h2[65];
	guard_sha256_hex(bin, 3, h1);
	guard_sha256_hex(bin, 1, h2);
	TAP_OK(strcmp(h1, h2) != 0 && strlen(h1) == 64, "bytes after a NUL count");
}

static void test_store(void)
{
	char storedir[96], store[128], a[128], b[128], line[256];
	snprintf(storedir, sizeof storedir, "%s/cfg/guard", tmpdir);
	snprintf(store, sizeof store, "%s/trusted", storedir);
	snprintf(a, sizeof a, "%s/proj-a/.guard.yaml", tmpdir);
	snprintf(b, sizeof b, "%s/proj-b/.guard.yaml", tmpdir);
	snprintf(line, sizeof line, "%s/proj-a", tmpdir);
	mkdir(line, 0755);
	snprintf(line, sizeof line, "%s/proj-b", tmpdir);
	mkdir(line, 0755);
	const char *ca = "files:\n  read: [/opt]\n", *cb = "env:\n  pass: [X]\n";
	write_file(a, ca);
	write_file(b, cb);

	struct guard_error e = {0};
	TAP_OK(!guard_trust_is_trusted(NULL, a, ca, strlen(ca)) && !guard_trust_has_path(NULL, a),
	       "nothing trusted without a store");
	TAP_OK(guard_trust_remove(NULL, a, &e) == 1, "remove without a store: not present");

	int rc = guard_trust_add(NULL, a, &e);
	struct stat st, sd;
	TAP_OK(rc == 0 && stat(store, &st) == 0 && stat(storedir, &sd) == 0,
	       "add creates $XDG_CONFIG_HOME/guard/trusted %s", rc ? e.message : "");
	TAP_OK((st.st_mode & 0777) == 0600 && (sd.st_mode & 0777) == 0700, "store 0600 in a 0700 dir (%o, %o)",
	       st.st_mode & 0777, sd.st_mode & 0777);
	char hex[65], want[512];
	guard_sha256_hex(ca, strlen(ca), hex);
	snprintf(want, sizeof want, "%s  %s\n", hex, a);
	char *text = slurp(store);
	TAP_OK(text && !strcmp(text, want), "store line is \"HEX  ABSPATH\"");
	free(text);
	TAP_OK(guard_trust_is_trusted(store, a, ca, strlen(ca)) == 1, "trusted: same path, same bytes");
	TAP_OK(!guard_trust_is_trusted(store, a, "x", 1), "not trusted: other bytes");
	TAP_OK(!guard_trust_is_trusted(store, b, ca, strlen(ca)), "not trusted: same bytes at another path");

	/* Relative names and symlinks reach the same record. */
	char cwd[4096], link[160];
	if (!getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	snprintf(line, sizeof line, "%s/proj-a", tmpdir);
	if (chdir(line) == 0) {
		TAP_OK(guard_trust_is_trusted(NULL, ".guard.yaml", ca, strlen(ca)) == 1, "relative path resolves");
		if (chdir(cwd) != 0)
			perror("chdir");
	}
	snprintf(link, sizeof link, "%s/link.yaml", tmpdir);
	if (symlink(a, link) == 0)
		TAP_OK(guard_trust_is_trusted(NULL, link, ca, strlen(ca)) == 1, "symlink resolves to the trusted file");
	else
		TAP_SKIP("cannot symlink", "symlink resolves");

	TAP_OK(guard_trust_add(store, b, &e) == 0, "add a second file");
	text = slurp(store);
	TAP_OK(count_lines(text) == 2, "two records");
	free(text);

	/* Re-trusting after an edit replaces the record instead of adding one. */
	const char *ca2 = "files:\n  read: [/opt, /srv]\n";
	write_file(a, ca2);
	TAP_OK(!guard_trust_is_trusted(store, a, ca2, strlen(ca2)) && guard_trust_has_path(store, a),
	       "edited: untrusted, but known");
	TAP_OK(guard_trust_add(store, a, &e) == 0 && guard_trust_is_trusted(store, a, ca2, strlen(ca2)) &&
		       !guard_trust_is_trusted(store, a, ca, strlen(ca)),
	       "re-trust replaces the old hash");
	text = slurp(store);
	TAP_OK(count_lines(text) == 2, "still two records");
	free(text);

	/* Lines the store does not understand survive a rewrite (a newer guard may write them). */
	FILE *f = fopen(store, "a");
	fputs("# a comment\n", f);
	fclose(f);
	TAP_OK(guard_trust_remove(store, a, &e) == 0, "remove a record");
	text = slurp(store);
	TAP_OK(text && !strstr(text, a) && strstr(text, b) && strstr(text, "# a comment\n") && count_lines(text) == 2,
	       "remove keeps the others and unknown lines");
	free(text);
	TAP_OK(!guard_trust_is_trusted(store, a, ca2, strlen(ca2)), "removed file is untrusted");
	memset(&e, 0, sizeof e);
	TAP_OK(guard_trust_remove(store, a, &e) == 1 && strstr(e.message, "was not trusted") && !strcmp(e.file, a),
	       "second remove: not present, and err says so");

	/* A deleted file can still be removed by its name. */
	unlink(b);
	TAP_OK(guard_trust_remove(store, b, &e) == 0 && !guard_trust_has_path(store, b),
	       "remove after the file is gone");

	/* No temporary files left behind. */
	DIR *d = opendir(storedir);
	int entries = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		entries += de->d_name[0] != '.';
	if (d)
		closedir(d);
	TAP_OK(entries == 1, "only the store in its dir (%d entries)", entries);

	TAP_OK(guard_trust_add(store, b, &e) == -1 && strstr(e.message, "cannot trust"),
	       "trusting a missing file fails");

	char nl[160];
	snprintf(nl, sizeof nl, "%s/bad\nname.yaml", tmpdir);
	write_file(nl, "{}\n");
	TAP_OK(guard_trust_add(store, nl, &e) == -1 && strstr(e.message, "newline"),
	       "a path with a newline is refused");

	/* A forged line cannot be made by a path: the store format is checked, not just searched. */
	write_file(store, "nothex  /x\n");
	TAP_OK(!guard_trust_has_path(store, "/x"), "malformed lines are ignored on lookup");

	char blocked[160];
	snprintf(blocked, sizeof blocked, "%s/file-not-dir", tmpdir);
	write_file(blocked, "");
	snprintf(line, sizeof line, "%s/sub/trusted", blocked);
	write_file(a, ca);
	TAP_OK(guard_trust_add(line, a, &e) == -1 && e.message[0], "unwritable store location reports: %s", e.message);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/guard-test-trust-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	char cfg[96];
	snprintf(cfg, sizeof cfg, "%s/cfg", tmpdir);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	test_sha256();
	test_store();
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
