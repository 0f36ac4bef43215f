/* The in-place policy editor (launcher/yaml_edit.c): exact results for every shape it splices, the rewrite
 * fallback for shapes it does not, and refusal of what is not a policy. Expected texts are spelled out in full so
 * a changed comment or indent shows up as a failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_api.h"
#include "tap.h"
#include "policy/yaml_edit.h"

static struct guard_yedit_result R;

static int run(const char *text, const char *section, const char *key, enum guard_yedit_op op, const char *value)
{
	free(R.text);
	struct guard_yedit e = {section, key, op, value};
	return guard_yaml_edit(text, strlen(text), &e, &R);
}

static int add(const char *text, const char *section, const char *key, const char *value)
{
	return run(text, section, key, GUARD_YEDIT_ADD, value);
}

static int del(const char *text, const char *section, const char *key, const char *value)
{
	return run(text, section, key, GUARD_YEDIT_REMOVE, value);
}

/* The edit succeeded in place and produced exactly `want`. */
static void expect(const char *name, int rc, const char *want)
{
	bool ok = rc == 0 && R.text && !R.rewritten && strcmp(R.text, want) == 0;
	TAP_OK(ok, "%s", name);
	if (!ok)
		printf("#   rc=%d rewritten=%d why=%s\n#   got:\n%s\n#   want:\n%s\n", rc, R.rewritten, R.why,
		       R.text ? R.text : "(null)", want);
}

static bool loads(const char *text)
{
	struct guard_policy p;
	struct guard_error e;
	guard_policy_init(&p);
	int rc = guard_policy_parse_yaml(&p, "t", text, strlen(text), GUARD_SRC_USER, NULL, &e);
	guard_policy_free(&p);
	return rc == 0;
}

static void test_block_lists(void)
{
	const char *base = "# my policy\n"
			   "files:\n"
			   "  deny:\n"
			   "    - .env     # secrets\n"
			   "    - \"*.pem\"\n"
			   "  # trailing comment of files\n"
			   "\n"
			   "limits:\n"
			   "  processes: 100\n";
	expect("add to a block list: after its last item, same indent, comments kept",
	       add(base, "files", "deny", "x.db"),
	       "# my policy\nfiles:\n  deny:\n    - .env     # secrets\n    - \"*.pem\"\n    - x.db\n"
	       "  # trailing comment of files\n\nlimits:\n  processes: 100\n");
	TAP_OK(R.changed, "... reports a change");
	expect("a pattern YAML would misread is quoted", add(base, "files", "deny", "*.key"),
	       "# my policy\nfiles:\n  deny:\n    - .env     # secrets\n    - \"*.pem\"\n    - \"*.key\"\n"
	       "  # trailing comment of files\n\nlimits:\n  processes: 100\n");
	expect("an entry already there: nothing changes", add(base, "files", "deny", "*.pem"), base);
	TAP_OK(!R.changed, "... and says so");
	expect("remove a block item with its comment, nothing else", del(base, "files", "deny", ".env"),
	       "# my policy\nfiles:\n  deny:\n    - \"*.pem\"\n  # trailing comment of files\n\nlimits:\n  processes: "
	       "100\n");
	expect("remove an entry that is not there: nothing changes", del(base, "files", "deny", "nope"), base);
	TAP_OK(!R.changed, "... and says so");
	expect("remove the last item: the key stays, empty", del("files:\n  deny:\n    - a\n", "files", "deny", "a"),
	       "files:\n  deny:\n");
	expect("remove every copy", del("files:\n  deny:\n    - a\n    - b\n    - a\n", "files", "deny", "a"),
	       "files:\n  deny:\n    - b\n");
	expect("an indentless list keeps its style", add("files:\n  deny:\n  - a\n", "files", "deny", "b"),
	       "files:\n  deny:\n  - a\n  - b\n");
	expect("new key in an existing section, after its last entry", add(base, "files", "read", "~/notes"),
	       "# my policy\nfiles:\n  deny:\n    - .env     # secrets\n    - \"*.pem\"\n  read:\n    - ~/notes\n"
	       "  # trailing comment of files\n\nlimits:\n  processes: 100\n");
	expect("new section at the end, after a blank line", add(base, "env", "drop", "DATABASE_URL"),
	       "# my policy\nfiles:\n  deny:\n    - .env     # secrets\n    - \"*.pem\"\n  # trailing comment of "
	       "files\n\n"
	       "limits:\n  processes: 100\n\nenv:\n  drop:\n    - DATABASE_URL\n");
	expect("a last line without a newline", add("files:\n  deny:\n    - a", "files", "deny", "b"),
	       "files:\n  deny:\n    - a\n    - b\n");
}

static void test_empty_values(void)
{
	const char *starter = "files:\n"
			      "  # Neither readable nor writable.\n"
			      "  deny:\n"
			      "    # - \"*.sqlite3\"\n"
			      "  protect:\n"
			      "    # - Makefile\n";
	expect("an empty key with commented examples: the item goes right below it",
	       add(starter, "files", "deny", "a.db"),
	       "files:\n  # Neither readable nor writable.\n  deny:\n    - a.db\n    # - \"*.sqlite3\"\n  protect:\n"
	       "    # - Makefile\n");
	expect("the second empty key", add(starter, "files", "protect", "Makefile"),
	       "files:\n  # Neither readable nor writable.\n  deny:\n    # - \"*.sqlite3\"\n  protect:\n    - "
	       "Makefile\n"
	       "    # - Makefile\n");
	expect("an empty section", add("files:\n# nothing yet\n", "files", "deny", "a"),
	       "files:\n  deny:\n    - a\n# nothing yet\n");
	expect("an explicit null becomes a flow list", add("files:\n  deny: ~  # none\n", "files", "deny", "a"),
	       "files:\n  deny: [a]  # none\n");
	expect("an empty file", add("", "network", "allow", "api.example.com"),
	       "network:\n  allow:\n    - api.example.com\n");
	expect("a file of comments only", add("# just a comment\n", "files", "deny", "a"),
	       "# just a comment\n\nfiles:\n  deny:\n    - a\n");
}

static void test_flow_lists(void)
{
	expect("add to a flow list", add("files:\n  deny: [a, \"b c\"]  # x\n", "files", "deny", "d"),
	       "files:\n  deny: [a, \"b c\", d]  # x\n");
	expect("add to an empty flow list", add("files:\n  deny: []\n", "files", "deny", "d"), "files:\n  deny: [d]\n");
	expect("add to a flow list over several lines",
	       add("files:\n  deny: [\n    a,\n    b\n  ]\n", "files", "deny", "c"),
	       "files:\n  deny: [\n    a,\n    b, c\n  ]\n");
	expect("remove the first flow item", del("files:\n  deny: [a, b, c]\n", "files", "deny", "a"),
	       "files:\n  deny: [b, c]\n");
	expect("remove a middle flow item", del("files:\n  deny: [a, b, c]\n", "files", "deny", "b"),
	       "files:\n  deny: [a, c]\n");
	expect("remove the last flow item", del("files:\n  deny: [a, b, c]\n", "files", "deny", "c"),
	       "files:\n  deny: [a, b]\n");
	expect("remove the only flow item", del("files:\n  deny: [a]\n", "files", "deny", "a"), "files:\n  deny: []\n");
	expect("a quoted flow item matches by value", del("files:\n  deny: [\"!x\", y]\n", "files", "deny", "!x"),
	       "files:\n  deny: [y]\n");
}

static void test_rewrite_and_refusal(void)
{
	int rc = add("{files: {deny: [a]}}\n", "files", "deny", "b");
	TAP_OK(rc == 0 && R.rewritten && R.changed && loads(R.text) && strstr(R.text, "a") && strstr(R.text, "b"),
	       "a flow top level is rewritten whole, content kept (%s)", R.why);
	rc = add("files:\r\n  deny:\r\n    - a\r\n", "files", "deny", "b");
	TAP_OK(rc == 0 && R.rewritten && loads(R.text) && strstr(R.text, "- b"), "CRLF line breaks: rewritten (%s)",
	       R.why);
	rc = del("files: {deny: [a, b], read: [~/x]}\n", "files", "deny", "a");
	TAP_OK(rc == 0 && !R.rewritten && loads(R.text) && !strstr(R.text, "a,"),
	       "flow section: item removed in place");
	rc = add("files:\n  deny: [a\n", "files", "deny", "b");
	TAP_OK(rc == -1 && R.why[0], "malformed YAML is refused (%s)", R.why);
	rc = add("- a\n- b\n", "files", "deny", "b");
	TAP_OK(rc == -1, "a top level that is a list is refused (%s)", R.why);
	rc = add("files:\n  deny: .env\n", "files", "deny", "b");
	TAP_OK(rc == -1, "a list written as a scalar is refused (%s)", R.why);
	rc = add("files:\n  deny:\n    - a\n", "files", "deny", "quote\"back\\slash");
	TAP_OK(rc == 0 && strstr(R.text, "- \"quote\\\"back\\\\slash\"\n") && loads(R.text),
	       "quotes and backslashes escaped");
	unsigned line = 0, col = 0;
	TAP_OK(guard_yaml_locate(R.text, R.len, "files", "deny", "quote\"back\\slash", &line, &col) && line == 4 &&
		       col == 7,
	       "locate finds the new entry at 4:7 (got %u:%u)", line, col);
	rc = add("# é ü\nfiles:\n  deny: [\"é\", b]\n", "files", "deny", "ü");
	TAP_OK(rc == 0 && !R.rewritten && !strcmp(R.text, "# é ü\nfiles:\n  deny: [\"é\", b, \"ü\"]\n"),
	       "multi-byte characters before the splice point");
}

static void test_quote(void)
{
	static const char *const plain[] = {".env", "~/x/y", "$PROJECT/build", "api.example.com", "host:8080",
					    "a*b",  NULL};
	static const char *const quoted[] = {"*.pem", "!x", "x:", "a b", "#c", "-x", "[x]", "a,b", "", NULL};
	for (int i = 0; plain[i]; i++) {
		char *q = guard_yaml_quote(plain[i]);
		TAP_OK(!strcmp(q, plain[i]), "plain: %s", plain[i]);
		free(q);
	}
	for (int i = 0; quoted[i]; i++) {
		char *q = guard_yaml_quote(quoted[i]);
		TAP_OK(q[0] == '"', "quoted: '%s' → %s", quoted[i], q);
		free(q);
	}
}

int main(void)
{
	test_block_lists();
	test_empty_values();
	test_flow_lists();
	test_rewrite_and_refusal();
	test_quote();
	free(R.text);
	return tap_done();
}
