/* Unit tests for preload/match.c (include/guard/match.h): glob syntax, '**', the two pattern forms with
 * dir-only and ancestor matching, the root, syntax errors, and inputs built to make a naive matcher explode. */
#include "guard/match.h"
#include "tap.h"

#include <string.h>

static bool glob(const char *pat, const char *str, bool pathname)
{
	return guard_glob(pat, strlen(pat), str, strlen(str), pathname);
}

struct glob_case {
	const char *pat, *str;
	bool pathname, want;
};

static const struct glob_case glob_cases[] = {
	/* literals */
	{"abc", "abc", true, true},
	{"abc", "abd", true, false},
	{"abc", "ab", true, false},
	{"ab", "abc", true, false},
	{"", "", true, true},
	{"", "a", true, false},
	{"ABC", "abc", false, false}, /* case-sensitive, like the filesystem */
	/* '*' */
	{"*.pem", "key.pem", true, true},
	{"*.pem", "key.pem.bak", true, false},
	{"*", "", true, true},
	{"*", ".env", true, true}, /* no special leading dot */
	{"*rc", ".bashrc", true, true},
	{".*", ".env", true, true},
	{"*", "a/b", true, false},
	{"*", "a/b", false, true},
	{"a*b*c", "aXXbYYc", true, true},
	{"a*b*c", "aXXbYY", true, false},
	{"a*b", "ab", true, true},
	{"*a*", "bab", false, true},
	{"a*", "a/x", true, false},
	{"a*c", "abcbc", true, true}, /* '*' must give back to let the final 'c' match */
	/* '?' */
	{"?", "a", true, true},
	{"?", "", true, false},
	{"?", "ab", true, false},
	{"a?b", "a/b", true, false},
	{"a?b", "a/b", false, true},
	/* classes */
	{"[abc]", "b", true, true},
	{"[abc]", "d", true, false},
	{"[a-z]", "m", true, true},
	{"[a-z]", "M", true, false},
	{"[a-cx-z]", "y", true, true},
	{"[a-cx-z]", "m", true, false},
	{"[!x]", "y", true, true},
	{"[!x]", "x", true, false},
	{"[^x]", "y", true, true},
	{"[^x]", "x", true, false},
	{"[!x]", "", true, false},
	{"[]]", "]", true, true},
	{"[]a]", "a", true, true},
	{"[!]]", "a", true, true},
	{"[!]]", "]", true, false},
	{"[a-]", "-", true, true},
	{"[-a]", "-", true, true},
	{"[\\]]", "]", true, true},
	{"[\\-a]", "b", true, false},
	{"[[:digit:]]x", "5x", true, true},
	{"[[:digit:]]", "a", true, false},
	{"[[:alpha:][:digit:]_]", "_", true, true},
	{"[![:space:]]", " ", true, false},
	{"[![:space:]]", "a", true, true},
	{"[[:upper:]]", "\xc9", true, false}, /* ASCII classes whatever the locale */
	{"[\x80-\xff]", "\xe9", true, true},  /* bytes compare unsigned */
	{"a[!x]b", "a/b", true, false},       /* no class matches '/' in pathname mode */
	{"a[!x]b", "a/b", false, true},
	{"[z-a]", "m", true, false},
	/* escapes */
	{"\\*", "*", true, true},
	{"\\*", "a", true, false},
	{"\\?", "?", true, true},
	{"\\?", "x", true, false},
	{"\\[a]", "[a]", true, true},
	{"\\[a]", "a", true, false},
	{"a\\\\b", "a\\b", true, true},
	{"\\a", "a", true, true},
	{"\\**", "*.x", true, true},
	{"\\**", "x", true, false},
	/* malformed patterns match nothing, not even themselves */
	{"[abc", "[abc", true, false},
	{"[abc", "a", false, false},
	{"abc\\", "abc\\", true, false},
	{"abc\\", "abc", false, false},
	/* '**' */
	{"/a/**", "/a/x", true, true},
	{"/a/**", "/a/x/y", true, true},
	{"/a/**", "/a", true, false},
	{"/a/**", "/ab/x", true, false},
	{"/a/**", "/a/", true, true},
	{"/a/**/b", "/a/b", true, true},
	{"/a/**/b", "/a/x/b", true, true},
	{"/a/**/b", "/a/x/y/b", true, true},
	{"/a/**/b", "/a/x/c", true, false},
	{"/a/**/b", "/a/xb", true, false},
	{"/a/**/b", "/b", true, false},
	{"**/foo", "foo", true, true},
	{"**/foo", "/foo", true, true},
	{"**/foo", "/x/y/foo", true, true},
	{"**/foo", "/x/foob", true, false},
	{"**/foo", "/x/foo/y", true, false},
	{"**", "/any/thing", true, true},
	{"**", "", true, true},
	{"/a/**/b/**/c", "/a/x/b/y/z/c", true, true},
	{"/a/**/b/**/c", "/a/b/c", true, true},
	{"/a/**/b/**/c", "/a/c/b", true, false},
	{"/**/a/b", "/a/a/a/b", true, true}, /* the first 'a' tried is not the one that works */
	{"/**/x/**/x", "/x/x", true, true},
	{"/**/x/**/x", "/x", true, false},
	{"/a/*/c", "/a/b/c", true, true},
	{"/a/*/c", "/a/b/x/c", true, false},
	{"a**b", "axxb", true, true}, /* not a whole component: just '*' */
	{"a**b", "a/b", true, false},
	{"a**b", "a/x/b", false, true}, /* without pathname '**' is '*' */
	{"/a/**", "/a", false, false},
	{"/a/**/b", "/a/b", false, false},
	{"\\*\\*/x", "**/x", true, true}, /* escaped stars are no '**' */
	{"\\*\\*/x", "a/x", true, false},
	{"*/**", "a/b", true, true},
};

struct match_case {
	const char *pat, *path;
	bool is_dir, want;
};

static const struct match_case match_cases[] = {
	/* name patterns: last component, or any ancestor */
	{".env", "/p/.env", false, true},
	{".env", "/p/a/.env", false, true},
	{".env", "/p/.env/x", false, true},
	{".env", "/p/.envrc", false, false},
	{".env", "/p/x.env", false, false},
	{".env", "/.env", false, true},
	{".ENV", "/p/.env", false, false},
	{".env.*", "/p/.env.local", false, true},
	{".env.*", "/p/.env", false, false},
	{"*.pem", "/p/x/key.pem", false, true},
	{"*.pem", "/p/x/key.pem.txt", false, false},
	{"*.pem", "/p/certs.pem/README", false, true},
	{"secrets/", "/p/secrets", false, false},
	{"secrets/", "/p/secrets", true, true},
	{"secrets/", "/p/secrets/a", false, true},
	{"secrets/", "/p/secrets/a/b", true, true},
	{"secrets/", "/p/mysecrets/a", false, false},
	{"id_*", "/home/u/.ssh/id_ed25519", false, true},
	{"node_modules", "/p/node_modules", true, true},
	{"*", "/x", false, true},
	{"**", "/x/y", false, true},
	{".env", "/p/.env/", false, true}, /* a trailing '/' on the path is ignored */
	/* anchored patterns: the whole path, or any ancestor */
	{"/home/u/.ssh/*.pub", "/home/u/.ssh/id_rsa.pub", false, true},
	{"/home/u/.ssh/*.pub", "/home/u/.ssh/id_rsa", false, false},
	{"/home/u/.ssh/*.pub", "/home/u/.ssh", true, false},
	{"/home/u/.ssh/*.pub", "/home/u/.ssh/sub/x.pub", false, false},
	{"/home/u/.aws", "/home/u/.aws/credentials", false, true},
	{"/home/u/.aws", "/home/u/.aws", true, true},
	{"/home/u/.aws", "/home/u/.aws", false, true},
	{"/home/u/.aws", "/home/u/.awsx", false, false},
	{"/home/u/.aws", "/home/u", true, false},
	{"/home/u/.aws/", "/home/u/.aws", false, false},
	{"/home/u/.aws/", "/home/u/.aws", true, true},
	{"/p/.git/hooks/", "/p/.git/hooks/pre-commit", false, true},
	{"/p/.git/hooks/", "/p/.git/hooks", true, true},
	{"/p/.git/hooks/", "/p/.git/hooksx", true, false},
	{"/p/*.d", "/p/x.d/y", false, true},
	{"/p/*/", "/p/a", true, true},
	{"/p/*/", "/p/a", false, false},
	{"/p/*/", "/p/a/b", false, true},
	{"/a/**", "/a", true, false},
	{"/a/**", "/a/x", false, true},
	{"/a/**/", "/a/x", false, false},
	{"/a/**/", "/a/x", true, true},
	{"/a/**/", "/a/x/y", false, true},
	{"/p/**/node_modules", "/p/a/node_modules/x/y", false, true},
	{"/p/**/node_modules", "/p/a/node_modulesx/y", false, false},
	{"/p/.env", "/p/.envrc", false, false},
	{"/p/.env", "/q/p/.env", false, false},
	/* the root */
	{"/", "/", true, true},
	{"/", "/etc/passwd", false, true},
	{"/*", "/", true, false},
	{"/**", "/", true, false},
	{"/*", "/etc", true, true},
	{"/*", "/etc/passwd", false, true},
	{"*", "/", true, false},
	/* malformed: nothing */
	{"[abc", "/p/[abc", false, false},
	{"/p/x\\", "/p/x\\", false, false},
};

static void test_glob_table(void)
{
	for (size_t i = 0; i < sizeof glob_cases / sizeof glob_cases[0]; i++) {
		const struct glob_case *c = &glob_cases[i];
		TAP_OK(glob(c->pat, c->str, c->pathname) == c->want, "glob \"%s\" %s \"%s\"%s", c->pat,
		       c->want ? "matches" : "does not match", c->str, c->pathname ? "" : " (no pathname)");
	}
}

static void test_match_table(void)
{
	for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		const struct match_case *c = &match_cases[i];
		TAP_OK(guard_pattern_matches(c->pat, c->path, c->is_dir) == c->want, "pattern \"%s\" %s %s \"%s\"",
		       c->pat, c->want ? "matches" : "does not match", c->is_dir ? "dir" : "file", c->path);
	}
}

static void test_lengths(void)
{
	/* Lengths, not NULs, delimit both strings. */
	TAP_OK(guard_glob("abcXYZ", 3, "abc", 3, true), "glob stops at plen");
	TAP_OK(!guard_glob("abcXYZ", 6, "abc", 3, true), "glob reads up to plen");
	TAP_OK(guard_glob("a*", 2, "abc/def", 3, true), "glob stops at slen");
	TAP_OK(guard_glob("a?c", 3, "a\0c", 3, false), "NUL is an ordinary byte inside the lengths");
	TAP_OK(!guard_glob("[ab", 3, "[ab]", 3, true), "a class unterminated within plen is malformed");
}

static void test_has_glob(void)
{
	TAP_OK(!guard_pattern_has_glob("/home/u/.aws"), "plain path has no glob");
	TAP_OK(!guard_pattern_has_glob(""), "empty has no glob");
	TAP_OK(guard_pattern_has_glob("/a/*.c"), "'*' is a glob");
	TAP_OK(guard_pattern_has_glob("a?"), "'?' is a glob");
	TAP_OK(guard_pattern_has_glob("[x]"), "'[' is a glob");
	TAP_OK(guard_pattern_has_glob("/a/**"), "'**' is a glob");
	TAP_OK(!guard_pattern_has_glob("a\\*b\\?\\["), "escaped metacharacters are no glob");
	TAP_OK(guard_pattern_has_glob("a\\\\*"), "'*' after an escaped backslash is a glob");
	TAP_OK(!guard_pattern_has_glob("abc\\"), "trailing backslash is no glob");
	TAP_OK(!guard_pattern_has_glob("a]b"), "']' alone is no glob");
}

static bool error_is(const char *pat, const char *want)
{
	const char *why = guard_pattern_error(pat);
	return why && strstr(why, want);
}

static void test_errors(void)
{
	static const char *const valid[] = {
		"**",          "/a/**", "**/x",           "/a/**/b", "*.pem",  "[]]",      "[!]]",
		"\\*",         "a\\\\", "[a-]",           "/",       "~/.ssh", "secrets/", "AWS_*",
		"[[:alpha:]]", "a*b*c", "/p/.git/hooks/", "[\\]]",   "**/**",  ".env",     "/a/*/**",
		"$HOME/x",     "[x-x]",
	};
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
		TAP_OK(guard_pattern_error(valid[i]) == NULL, "\"%s\" is valid", valid[i]);

	TAP_OK(error_is("", "empty"), "empty pattern");
	TAP_OK(error_is("[abc", "unterminated '[' class"), "unterminated class");
	TAP_OK(error_is("/a/[", "unterminated '[' class"), "lone '['");
	TAP_OK(error_is("[]", "unterminated '[' class"), "']' first is literal, so \"[]\" is unterminated");
	TAP_OK(error_is("[!]", "unterminated '[' class"), "\"[!]\" is unterminated");
	TAP_OK(error_is("[a\\]", "unterminated '[' class"), "escaped ']' does not close");
	TAP_OK(error_is("abc\\", "trailing '\\'"), "trailing backslash");
	TAP_OK(guard_pattern_error("abc\\\\") == NULL, "escaped trailing backslash is fine");
	TAP_OK(error_is("a**b", "'**' must be a whole path component"), "a**b");
	TAP_OK(error_is("**b", "'**' must be a whole path component"), "**b");
	TAP_OK(error_is("a**", "'**' must be a whole path component"), "a**");
	TAP_OK(error_is("/a/***/b", "'**' must be a whole path component"), "***");
	TAP_OK(error_is("/a**/b", "'**' must be a whole path component"), "/a**/b");
	TAP_OK(error_is("[x]**", "'**' must be a whole path component"), "[x]**");
	TAP_OK(error_is("[[:foo:]]", "unknown"), "unknown named class");
	TAP_OK(error_is("[z-a]", "reversed range"), "reversed range");
	TAP_OK(error_is("a\\/b", "'/' cannot be escaped"), "escaped slash");
	TAP_OK(error_is("a[/]b", "'/' cannot appear"), "slash in class");
}

/* Inputs that take exponential time in a naive backtracking matcher. They only have to finish. */
static void test_pathological(void)
{
	enum { N = 10000 };
	static char pat[2 * N + 2], str[N + 1], deep[2 * N + 1];
	size_t n = 0;
	for (int i = 0; i < N / 2; i++)
		pat[n++] = 'a', pat[n++] = '*';
	pat[n++] = 'b';
	pat[n] = 0;
	memset(str, 'a', N);
	str[N] = 0;
	TAP_OK(!guard_glob(pat, n, str, N, true), "a*a*...b against a...a completes (pathname)");
	TAP_OK(!guard_glob(pat, n, str, N, false), "a*a*...b against a...a completes (no pathname)");
	pat[n - 1] = 'a';
	TAP_OK(guard_glob(pat, n, str, N, false), "a*a*...a against a...a matches");

	/* "**" components against a deep path that ends wrong. */
	n = 0;
	for (int i = 0; i < N / 4; i++)
		memcpy(pat + n, "**/a/", 5), n += 5;
	memcpy(pat + n, "b", 2), n += 1;
	size_t dn = 0;
	for (int i = 0; i < N / 2; i++)
		deep[dn++] = '/', deep[dn++] = 'a';
	deep[dn] = 0;
	TAP_OK(!guard_glob(pat, n, deep, dn, true), "**/a/**/a/...b against /a/a/... completes");
	TAP_OK(!guard_pattern_matches("/**/a/**/a/**/a/**/a/**/b", deep, false), "anchored '**' over a deep path");
	TAP_OK(guard_pattern_matches("/**/a/**/a/**/a/**/a", deep, false), "anchored '**' over a deep path matches");
	TAP_OK(!guard_pattern_matches("*a*a*a*a*a*a*a*a*b", str, false), "name pattern over a long component");
}

int main(void)
{
	test_glob_table();
	test_match_table();
	test_lengths();
	test_has_glob();
	test_errors();
	test_pathological();
	return tap_done();
}
