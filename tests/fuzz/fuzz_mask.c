/* libFuzzer target for launcher/mask.c: the session's output is untrusted, so the streaming masker must neither
 * crash nor corrupt it. Input: one byte of chunk size, then the output. Properties: the masker never grows the
 * output beyond its replacements' bound, and when the one-shot pass changes nothing (no secret, no partial), the
 * same bytes fed in chunks of the given size come out unchanged too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "supervisor/mask.h"
#include "policy/policy_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_cb(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = guard_xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static struct guard_masker *masker(void)
{
	static struct guard_masker *m;
	if (m)
		return m;
	struct guard_policy p;
	struct guard_error err;
	static const char yaml[] = "mask_output:\n  presets: [all]\n  patterns:\n"
				   "    - {regex: \"tok_[a-z0-9]{8,}\", show_prefix: 4}\n"
				   "    - {regex: \"pass(word)?=\\\\S+\", case_insensitive: true}\n";
	guard_policy_init(&p);
	if (guard_policy_load_yaml(&p, "fuzz.yaml", yaml, sizeof yaml - 1, GUARD_SRC_USER, &err) != 0)
		abort();
	char why[256];
	m = guard_masker_new(&p, why, sizeof why);
	guard_policy_free(&p);
	if (!m)
		abort();
	return m;
}

static struct sink run(const char *in, size_t n, size_t chunk)
{
	struct sink s = {0};
	struct guard_mask_stream *st = guard_mask_stream_new(masker(), sink_cb, &s);
	for (size_t off = 0; off < n;) {
		size_t k = chunk && chunk < n - off ? chunk : n - off;
		guard_mask_feed(st, in + off, k, 1000);
		off += k;
	}
	guard_mask_flush(st);
	guard_mask_stream_free(st);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = data[0] % 64 + 1;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	struct sink whole = run(in, n, 0);
	/* Each replacement is at most 32 bytes for a match of at least one byte. */
	if (whole.len > n * 32 + 32)
		abort();
	if (whole.len == n && (n == 0 || !memcmp(whole.buf, in, n))) {
		struct sink parts = run(in, n, chunk);
		if (parts.len != n || (n && memcmp(parts.buf, in, n)))
			abort();
		free(parts.buf);
	}
	free(whole.buf);
	return 0;
}
