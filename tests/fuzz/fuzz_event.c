/* libFuzzer target for preload/event.c. The supervisor decodes every datagram the sandbox sends, and a
 * compromised sandbox can send anything: guard_event_decode must accept or refuse without reading past `len`,
 * and what it accepts must be well-formed (each string NUL-terminated inside the datagram, argv holding exactly
 * nargv strings). Round trip: encode(decode(x)) decodes to the same fields, and is x itself but for the padding.
 * The other direction too: whatever event and buffer size the encoder is given, it writes a datagram the
 * decoder accepts, with each string the same or (flagged truncated) a prefix.
 *
 * Input: the datagram. For the encoder property the same bytes are read as: cap (2 bytes), op, origin, flags,
 * then NUL-separated path, path2, cwd and argv strings ("\x01" for an absent field). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "EVENT PROPERTY FAILED: %s\n", what);
	abort();
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Same string, or (when truncated) a prefix of the original. */
static bool prefix_str(const char *got, const char *want, bool truncated)
{
	if (same_str(got, want))
		return true;
	if (!truncated || !want)
		return false;
	return !got || strncmp(got, want, strlen(got)) == 0;
}

static bool in(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len;
}

/* An accepted event points into the datagram, each string ending inside it. */
static void check_decoded(const struct guard_event *ev, const char *buf, size_t len)
{
	const char *s[] = {ev->path, ev->path2, ev->cwd};
	for (int i = 0; i < 3; i++)
		if (s[i] && (!in(s[i], buf, len) || !memchr(s[i], 0, (size_t)(buf + len - s[i]))))
			fail("string outside the datagram");
	if (ev->op <= 0 || ev->op >= GUARD_OP_MAX || strcmp(guard_op_name(ev->op), "?") == 0)
		fail("op out of range");
	if (ev->origin != GUARD_ORIGIN_SHIM && ev->origin != GUARD_ORIGIN_OBSERVER)
		fail("origin out of range");
	if (!ev->argv != !ev->nargv)
		fail("argv and nargv disagree");
	const char *a = ev->argv;
	for (unsigned i = 0; i < ev->nargv; i++) {
		if (!in(a, buf, len))
			fail("argv outside the datagram");
		const char *z = memchr(a, 0, (size_t)(buf + len - a));
		if (!z)
			fail("argv string not terminated");
		a = z + 1;
	}
}

/* argv blob → NULL-terminated vector (pointers into the blob). */
static char **argv_vec(const char *blob, unsigned n)
{
	char **v = malloc((n + 1) * sizeof *v);
	for (unsigned i = 0; i < n; i++) {
		v[i] = (char *)blob;
		blob += strlen(blob) + 1;
	}
	v[n] = NULL;
	return v;
}

static void roundtrip(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct guard_event ev;
	if (guard_event_decode(buf, size, &ev) != 0) {
		free(buf);
		return;
	}
	check_decoded(&ev, buf, size);
	char **argv = argv_vec(ev.argv, ev.nargv);
	char *out = malloc(GUARD_EVENT_MAX);
	size_t n = guard_event_encode(out, GUARD_EVENT_MAX, &ev, ev.nargv ? argv : NULL);
	struct guard_event ev2;
	if (n != size)
		fail("re-encoded size differs");
	if (guard_event_decode(out, n, &ev2) != 0)
		fail("re-encoded event refused");
	if (ev2.op != ev.op || ev2.origin != ev.origin || ev2.flags != ev.flags || ev2.err != ev.err ||
	    ev2.pid != ev.pid || ev2.ppid != ev.ppid || ev2.rule != ev.rule || ev2.nargv != ev.nargv ||
	    !same_str(ev2.path, ev.path) || !same_str(ev2.path2, ev.path2) || !same_str(ev2.cwd, ev.cwd))
		fail("round trip changed a field");
	size_t av = 0;
	for (unsigned i = 0; i < ev.nargv; i++)
		av += strlen(argv[i]) + 1;
	if (ev.nargv && memcmp(ev2.argv, ev.argv, av) != 0)
		fail("round trip changed argv");
	/* Byte for byte, but for the three padding fields the decoder ignores. */
	struct guard_event_hdr h1, h2;
	memcpy(&h1, buf, sizeof h1);
	memcpy(&h2, out, sizeof h2);
	h1.pad = h2.pad = 0;
	h1.pad2 = h2.pad2 = 0;
	h1.pad3 = h2.pad3 = 0;
	if (memcmp(&h1, &h2, sizeof h1) != 0 || memcmp(buf + sizeof h1, out + sizeof h1, size - sizeof h1) != 0)
		fail("round trip is not byte-identical");
	free(argv);
	free(out);
	free(buf);
}

/* Next NUL-separated field of the input; "\x01" alone means absent (NULL). */
static const char *field(const char **p, const char *end, char *store)
{
	if (*p >= end)
		return NULL;
	const char *z = memchr(*p, 0, (size_t)(end - *p));
	size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
	memcpy(store, *p, n);
	store[n] = 0;
	*p += n + (z != NULL);
	return n == 1 && store[0] == 1 ? NULL : store;
}

static void encode_any(const uint8_t *data, size_t size)
{
	if (size < 5)
		return;
	size_t cap = (size_t)(data[0] | data[1] << 8) % (GUARD_EVENT_MAX + 64);
	struct guard_event ev = {.op = (enum guard_op)(1 + data[2] % (GUARD_OP_MAX - 1)),
				 .origin = data[3] & 1 ? GUARD_ORIGIN_OBSERVER : GUARD_ORIGIN_SHIM,
				 .flags = data[4] & GUARD_EVF_EXPLAINED,
				 .err = 13,
				 .pid = 4242,
				 .ppid = 1,
				 .rule = 7};
	const char *p = (const char *)data + 5, *end = (const char *)data + size;
	char *store = malloc(4 * (size + 1));
	char *s1 = store, *s2 = store + size + 1, *s3 = store + 2 * (size + 1), *argstore = store + 3 * (size + 1);
	ev.path = field(&p, end, s1);
	ev.path2 = field(&p, end, s2);
	ev.cwd = field(&p, end, s3);
	/* The rest: argv strings. */
	size_t rest = (size_t)(end - p);
	memcpy(argstore, p, rest);
	argstore[rest] = 0;
	unsigned nargv = 0;
	for (size_t i = 0; i < rest; i++)
		nargv += argstore[i] == 0;
	nargv += rest && argstore[rest - 1] != 0;
	char **argv = argv_vec(argstore, nargv);

	/* The encoder must stay inside cap, whatever cap is. */
	char *buf = malloc(cap ? cap : 1);
	size_t n = guard_event_encode(buf, cap, &ev, argv);
	if (n > cap || n > GUARD_EVENT_MAX)
		fail("encoder wrote past cap");
	if (n == 0) {
		if (cap >= sizeof(struct guard_event_hdr) + 1)
			fail("encoder gave up with room to spare");
	} else {
		struct guard_event d;
		if (guard_event_decode(buf, n, &d) != 0)
			fail("decoder refused what the encoder wrote");
		check_decoded(&d, buf, n);
		bool tr = d.flags & GUARD_EVF_TRUNCATED;
		if (d.op != ev.op || d.origin != ev.origin || d.err != ev.err || d.pid != ev.pid || d.ppid != ev.ppid ||
		    d.rule != ev.rule || (d.flags & ~(unsigned)GUARD_EVF_TRUNCATED) != ev.flags)
			fail("encode/decode changed a header field");
		if (!prefix_str(d.path, ev.path, tr) || !prefix_str(d.path2, ev.path2, tr) ||
		    !prefix_str(d.cwd, ev.cwd, tr))
			fail("encode/decode changed a string (or cut it without saying so)");
		if (d.nargv > nargv || (!tr && d.nargv != nargv))
			fail("encode/decode lost argv without saying so");
		const char *a = d.argv;
		for (unsigned i = 0; i < d.nargv; i++, a += strlen(a) + 1)
			if (strcmp(a, argv[i]) != 0)
				fail("encode/decode changed an argv string");
		/* Truncation is only ever needed when the whole thing did not fit. */
		size_t need = sizeof(struct guard_event_hdr);
		const char *s[] = {ev.path, ev.path2, ev.cwd};
		for (int i = 0; i < 3; i++)
			need += s[i] ? strlen(s[i]) + 1 : 0;
		for (unsigned i = 0; i < nargv; i++)
			need += strlen(argv[i]) + 1;
		size_t room = cap < GUARD_EVENT_MAX ? cap : GUARD_EVENT_MAX;
		if (tr && need <= room)
			fail("truncated although everything fit");
	}
	free(buf);
	free(argv);
	free(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * GUARD_EVENT_MAX)
		return 0;
	roundtrip(data, size);
	encode_any(data, size);
	return 0;
}
