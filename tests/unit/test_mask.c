/* mask_output: presets match real-looking keys, a secret split at any chunk boundary is still masked, ordinary
 * code is left alone, show_prefix and case_insensitive, YAML validation, pathological patterns stay bounded. */
#include <string.h>
#include <time.h>

#include "lib/guard.h"
#include "supervisor/mask.h"
#include "policy/policy_api.h"
#include "tap.h"

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_cb(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->buf = guard_xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = 0;
}

/* got == want; on a difference, the text got as a TAP diagnostic with newlines escaped. */
static bool same(const char *got, const char *want)
{
	if (!strcmp(got, want))
		return true;
	printf("#   got: ");
	for (const char *c = got; *c; c++)
		*c == '\n' ? printf("\\n") : putchar(*c);
	printf("\n");
	return false;
}

static struct guard_masker *masker_yaml(const char *yaml)
{
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if (guard_policy_load_yaml(&p, "test.yaml", yaml, strlen(yaml), GUARD_SRC_USER, &err) != 0) {
		printf("# yaml: %s\n", err.message);
		return NULL;
	}
	char why[256];
	struct guard_masker *m = guard_masker_new(&p, why, sizeof why);
	if (!m && why[0])
		printf("# masker: %s\n", why);
	guard_policy_free(&p);
	return m;
}

/* Feed `in` in chunks (0: one piece; 1: byte by byte; else random sizes up to chunk), then end the stream. */
static char *run(struct guard_masker *m, const char *in, size_t chunk, unsigned seed)
{
	struct sink s = {0};
	sink_cb(&s, "", 0);
	struct guard_mask_stream *st = guard_mask_stream_new(m, sink_cb, &s);
	size_t n = strlen(in), off = 0;
	srand(seed);
	while (off < n) {
		size_t k = chunk == 0 ? n - off : chunk == 1 ? 1 : 1 + (size_t)rand() % chunk;
		if (k > n - off)
			k = n - off;
		guard_mask_feed(st, in + off, k, 1000);
		off += k;
	}
	guard_mask_flush(st);
	guard_mask_stream_free(st);
	return s.buf;
}

static const char *const KEYS[][2] = {
	{"openai", "sk-proj-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9eFg1hIj3kLm5n"},
	{"openai", "sk-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9eFg1h"},
	{"anthropic", "sk-ant-api03-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9eFg1hIj3kLm5nOp7qRs9tUv1wXy3z-Ab3dEfAA"},
	{"aws", "AKIAIOSFODNN7EXAMPLE"},
	{"github", "ghp_Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9e"},
	{"github", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"},
	{"slack", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
	{"stripe", "sk_live_51HAbCdEfGhIjKlMnOpQrStUv"},
	{"google", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"},
	{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
	{"gitlab", "glpat-Ab3dEf5hIj7lMn9pQr1s"},
	{"huggingface", "hf_Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd"},
};

static const char CODE[] =
	"#include <stdio.h>\n"
	"int main(int argc, char **argv) { const char *task = \"risk-assessment-for-the-whole-project\";\n"
	"\tprintf(\"skipping %s\\n\", argv[0]); /* sk- prefix handling, ask-for-help-when-needed-here */\n"
	"\treturn desk_lamp_controller_initialisation(argc);\n}\n"
	"headers['Authorization'] = 'Bearer ' + token  # Bearer authentication is described in RFC 6750\n"
	"AKIA is the prefix of AWS access keys; ghp_ and github_pat_ prefixes; eyJ starts base64 JSON.\n"
	"const slackChannel = 'xox'; func askQuestion_about_the_config_values() {}\n"
	"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
	"https://example.com/path/to/resource?query=value&other=thing_with_underscores_1234567890\n";

int main(void)
{
	struct guard_masker *m = masker_yaml("mask_output:\n  presets: [all]\n");
	TAP_OK(m != NULL, "presets: [all] compiles");
	if (!m)
		return tap_done();

	/* Every preset on a real-looking key, alone, in a line and split at every byte. */
	for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++) {
		char in[512], want[512];
		snprintf(in, sizeof in, "export KEY=%s\nnext line\n", KEYS[i][1]);
		snprintf(want, sizeof want, "export KEY=[MASKED:%s]\nnext line\n", KEYS[i][0]);
		char *one = run(m, in, 0, 0), *bytes = run(m, in, 1, 0);
		TAP_OK(same(one, want), "%s: %.12s... masked in one write", KEYS[i][0], KEYS[i][1]);
		TAP_OK(same(bytes, want), "%s: masked when fed byte by byte", KEYS[i][0]);
		bool all = true;
		for (unsigned seed = 1; seed <= 50; seed++) {
			char *r = run(m, in, 1 + seed % 17, seed);
			all = all && same(r, want);
			free(r);
		}
		TAP_OK(all, "%s: masked at 50 random chunkings", KEYS[i][0]);
		free(one), free(bytes);
	}

	/* AWS secret key after its name; bearer tokens keep the word; private key blocks whole. */
	char *r = run(m, "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", 1, 0);
	TAP_OK(same(r, "aws_secret_access_key = [MASKED:aws]\n"), "aws secret key after its name");
	free(r);
	r = run(m, "curl -H 'Authorization: Bearer abcDEF123456ghiJKL789mno' x\n", 3, 7);
	TAP_OK(same(r, "curl -H 'Authorization: Bearer [MASKED:bearer]' x\n"), "bearer token");
	free(r);
	r = run(m,
		"before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabcdef==\n-----END RSA PRIVATE "
		"KEY-----\nafter\n",
		5, 3);
	TAP_OK(same(r, "before\n[MASKED:private-key]\nafter\n"), "private key block");
	free(r);

	/* No false positives on ordinary code. */
	r = run(m, CODE, 0, 0);
	TAP_OK(same(r, CODE), "ordinary code passes unchanged");
	free(r);
	r = run(m, CODE, 1, 0);
	TAP_OK(same(r, CODE), "ordinary code passes unchanged byte by byte");
	free(r);

	/* Binary-ish data passes intact, NULs included. */
	{
		char bin[4096];
		for (size_t i = 0; i < sizeof bin; i++)
			bin[i] = (char)(i * 7 + (i >> 3));
		struct sink s = {0};
		struct guard_mask_stream *st = guard_mask_stream_new(m, sink_cb, &s);
		for (size_t i = 0; i < sizeof bin; i += 100)
			guard_mask_feed(st, bin + i, sizeof bin - i < 100 ? sizeof bin - i : 100, 1000);
		guard_mask_flush(st);
		TAP_OK(s.len == sizeof bin && !memcmp(s.buf, bin, sizeof bin), "binary data passes byte for byte");
		guard_mask_stream_free(st);
		free(s.buf);
	}

	/* Streaming: what cannot start a secret goes at once; a partial key is held, then decided by time. */
	{
		struct sink s = {0};
		struct guard_mask_stream *st = guard_mask_stream_new(m, sink_cb, &s);
		guard_mask_feed(st, "$ ls", 4, 1000);
		TAP_OK(s.len == 4, "a prompt without a newline is passed on at once");
		guard_mask_feed(st, " sk-proj-Ab3dEf5h", 17, 1000);
		TAP_OK(s.len == 5, "a partial key is held (%zu bytes out)", s.len);
		TAP_OK(guard_mask_timeout(st, 1000) == GUARD_MASK_HOLD_MS, "it is held for GUARD_MASK_HOLD_MS");
		guard_mask_feed(st, "Ij7lMn9pQr1sTu3vWx5y more", 25, 1100);
		TAP_OK(s.buf && !strncmp(s.buf, "$ ls [MASKED:openai] more", s.len) && s.len == 25,
		       "its rest, 100 ms later, completes the match");
		guard_mask_feed(st, " sk-", 4, 2000);
		guard_mask_tick(st, 2000 + GUARD_MASK_HOLD_MS - 1);
		TAP_OK(s.len == 25 + 1, "not yet due: still held");
		guard_mask_tick(st, 2000 + GUARD_MASK_HOLD_MS);
		TAP_OK(s.len == 25 + 4, "due: the held tail goes as it is");
		guard_mask_stream_free(st);
		free(s.buf);
	}
	guard_masker_free(m);

	/* Patterns: show_prefix, case_insensitive, presets absent. */
	m = masker_yaml("mask_output:\n  patterns:\n    - {regex: \"tok_[a-z0-9]{8,}\", show_prefix: 4}\n"
			"    - {regex: \"password=\\\\S+\", case_insensitive: true}\n");
	TAP_OK(m != NULL, "patterns compile");
	if (m) {
		r = run(m, "a tok_abcd1234xyz b PASSWORD=hunter2 sk-proj-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7b\n", 1, 0);
		TAP_OK(same(r, "a tok_**** b **** sk-proj-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7b\n"),
		       "show_prefix 4, case_insensitive, unlisted presets not applied");
		free(r);
		r = run(m, "TOK_ABCD1234XYZ\n", 0, 0);
		TAP_OK(same(r, "TOK_ABCD1234XYZ\n"), "case-sensitive unless asked");
		free(r);
		guard_masker_free(m);
	}

	/* Nothing configured: no masker at all (the command inherits stdio). */
	m = masker_yaml("files:\n  read: [\"~/x\"]\n");
	TAP_OK(m == NULL, "no mask_output: no masker");

	/* Validation. */
	struct guard_policy p;
	struct guard_error err;
	const char *bad[][2] = {
		{"mask_output:\n  presets: [opnai]\n", "unknown preset"},
		{"mask_output:\n  patterns:\n    - {regex: \"(unclosed\"}\n", "bad regex"},
		{"mask_output:\n  patterns:\n    - {regex: \"a*\"}\n", "empty string"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		guard_policy_init(&p);
		int rc = guard_policy_load_yaml(&p, "t.yaml", bad[i][0], strlen(bad[i][0]), GUARD_SRC_USER, &err);
		TAP_OK(rc != 0 && strstr(err.message, bad[i][1]), "refused: %s (%s)", bad[i][1],
		       rc ? err.message : "accepted");
		guard_policy_free(&p);
	}

	/* Pathological: catastrophic backtracking on hostile output stays bounded and fails closed. */
	m = masker_yaml("mask_output:\n  patterns:\n    - {regex: \"(a+)+[bc]\"}\n    - {regex: \"(x|xx)+[yz]\"}\n");
	TAP_OK(m != NULL, "pathological patterns compile");
	if (m) {
		char in[20000];
		memset(in, 'a', 10000);
		memset(in + 10000, 'x', 9998);
		in[19998] = '\n', in[19999] = 0;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = run(m, in, 4096, 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		TAP_OK(secs < 10, "20 KB of hostile input in %.2f s (bounded)", secs);
		TAP_OK(strstr(r, "[MASKED:match-limit]") != NULL,
		       "the match limit was hit and the output failed closed");
		free(r);
		guard_masker_free(m);
	}
	return tap_done();
}
