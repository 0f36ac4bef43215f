/* Output masking: the compiled masker and its streams (see mask.h); the presets and the policy section are
 * policy/mask_policy.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/guard.h"
#include "supervisor/mask.h"
#include "policy/mask_policy.h"

/* ---- the masker ---------------------------------------------------------------------------------------------- */

struct alt {
	const char *label; /* preset name, or NULL: a pattern */
	int show_prefix;
};

struct guard_masker {
	pcre2_code *code;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	struct alt *alts;
	size_t nalts;
};

struct guard_masker *guard_masker_new(const struct guard_policy *p, char *why, size_t whylen)
{
	size_t npresets;
	const struct guard_mask_preset *presets = guard_mask_presets(&npresets);
	bool *want = guard_xmalloc(npresets * sizeof *want);
	memset(want, 0, npresets * sizeof *want);
	size_t npat = 0;
	if (why && whylen)
		why[0] = 0;
	for (size_t i = 0; i < p->nmask; i++) {
		const struct guard_mask_rule *r = &p->mask[i];
		if (r->regex)
			npat++;
		for (size_t k = 0; r->preset && k < npresets; k++)
			if (!strcmp(r->preset, "all") || !strcmp(r->preset, presets[k].name))
				want[k] = true;
	}
	struct guard_masker *m = calloc(1, sizeof *m);
	if (!m) {
		free(want);
		return NULL;
	}
	m->alts = guard_xmalloc((npresets + npat + 1) * sizeof *m->alts);
	size_t cap = 64, len = 0;
	char *re = guard_xmalloc(cap);
	re[0] = 0;
	for (size_t k = 0; k < npresets + p->nmask; k++) {
		const char *body;
		bool ci = false;
		if (k < npresets) {
			if (!want[k])
				continue;
			body = presets[k].regex;
			m->alts[m->nalts] = (struct alt){presets[k].name, 0};
		} else {
			const struct guard_mask_rule *r = &p->mask[k - npresets];
			if (!r->regex)
				continue;
			body = r->regex;
			ci = r->case_insensitive;
			m->alts[m->nalts] = (struct alt){NULL, r->show_prefix};
		}
		char *piece =
			guard_xasprintf("%s(?%s:%s)(*MARK:%zu)", m->nalts ? "|" : "", ci ? "i" : "", body, m->nalts);
		size_t pl = strlen(piece);
		while (len + pl + 1 > cap)
			cap *= 2;
		re = guard_xrealloc(re, cap);
		memcpy(re + len, piece, pl + 1);
		len += pl;
		free(piece);
		m->nalts++;
	}
	free(want);
	if (!m->nalts) {
		free(re);
		guard_masker_free(m);
		return NULL;
	}
	m->code = guard_mask_compile(re, false, why, whylen);
	free(re);
	if (!m->code) {
		guard_masker_free(m);
		return NULL;
	}
	/* JIT when available (complete and hard-partial matching); the interpreter otherwise. */
	pcre2_jit_compile(m->code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	m->mctx = pcre2_match_context_create(NULL);
	m->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (m->jstack)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jstack);
	/* Bounded work per start position: a pathological pattern fails closed instead of hanging the session. */
	pcre2_set_match_limit(m->mctx, 200000);
	pcre2_set_depth_limit(m->mctx, 10000);
	pcre2_set_heap_limit(m->mctx, 20000); /* KiB */
	return m;
}

void guard_masker_free(struct guard_masker *m)
{
	if (!m)
		return;
	pcre2_code_free(m->code);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jstack);
	free(m->alts);
	free(m);
}

/* ---- streams ------------------------------------------------------------------------------------------------- */

#define CONTEXT 64 /* bytes already passed on, kept before the pending ones for \b and lookbehinds */

struct guard_mask_stream {
	struct guard_masker *m;
	pcre2_match_data *md;
	guard_mask_out_fn out;
	void *ctx;
	char *buf; /* [0, keep): context already passed on; [keep, len): pending */
	size_t keep, len, cap;
	char *obuf;
	size_t olen, ocap;
	bool holding;
	uint64_t held_since;
};

uint64_t guard_mask_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct guard_mask_stream *guard_mask_stream_new(struct guard_masker *m, guard_mask_out_fn out, void *ctx)
{
	struct guard_mask_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->m = m, s->out = out, s->ctx = ctx;
	s->md = pcre2_match_data_create_from_pattern(m->code, NULL);
	return s;
}

void guard_mask_stream_free(struct guard_mask_stream *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	free(s->buf);
	free(s->obuf);
	free(s);
}

static void emit(struct guard_mask_stream *s, const char *p, size_t n)
{
	if (!n)
		return;
	if (s->olen + n > s->ocap) {
		size_t c = s->ocap ? s->ocap : 4096;
		while (c < s->olen + n)
			c *= 2;
		s->obuf = guard_xrealloc(s->obuf, c);
		s->ocap = c;
	}
	memcpy(s->obuf + s->olen, p, n);
	s->olen += n;
}

static void emit_masked(struct guard_mask_stream *s, const char *p, size_t n)
{
	const char *mark = (const char *)pcre2_get_mark(s->md);
	size_t k = mark ? strtoul(mark, NULL, 10) : 0;
	const struct alt *a = &s->m->alts[k < s->m->nalts ? k : 0];
	char tag[64];
	if (a->label) {
		snprintf(tag, sizeof tag, "[MASKED:%s]", a->label);
		emit(s, tag, strlen(tag));
		return;
	}
	size_t show = (size_t)a->show_prefix;
	if (show > n / 2)
		show = n / 2; /* never most of it */
	emit(s, p, show);
	emit(s, "****", 4);
}

/* Match what is pending; pass on all that is decided; hold a partial match unless `final`. */
static void process(struct guard_mask_stream *s, bool final, uint64_t now)
{
	size_t start = s->keep, old_keep = s->keep;
	bool hold = false;
	if (!s->buf)
		return; /* nothing ever came */
	while (start < s->len) {
		uint32_t opts = final ? 0 : PCRE2_PARTIAL_HARD;
		int rc = pcre2_match(s->m->code, (PCRE2_SPTR)s->buf, s->len, start, opts, s->md, s->m->mctx);
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		if (rc == PCRE2_ERROR_NOMATCH) {
			emit(s, s->buf + start, s->len - start);
			start = s->len;
			break;
		}
		if (rc == PCRE2_ERROR_PARTIAL) {
			size_t p = ov[0] < start ? start : ov[0];
			if (s->len - p > GUARD_MASK_HOLD_MAX) {
				final = true; /* too long to be a secret still coming: decide it as it is */
				continue;
			}
			emit(s, s->buf + start, p - start);
			start = p;
			hold = true;
			break;
		}
		if (rc < 0) {
			/* Match/depth/heap limit or worse: fail closed. */
			static const char tag[] = "[MASKED:match-limit]";
			emit(s, tag, sizeof tag - 1);
			start = s->len;
			break;
		}
		size_t b = ov[0], e = ov[1];
		if (b < start || e < b) /* \K oddities: mask the whole span */
			b = start < e ? start : e, e = e < b ? b : e;
		if (e == b) { /* cannot happen (empty matches are refused), but never loop */
			size_t step = b + 1 - start;
			emit(s, s->buf + start, step);
			start += step;
			continue;
		}
		emit(s, s->buf + start, b - start);
		emit_masked(s, s->buf + b, e - b);
		start = e;
	}
	/* Keep some context before what is pending. */
	size_t ctx = start < CONTEXT ? start : CONTEXT;
	memmove(s->buf, s->buf + start - ctx, s->len - start + ctx);
	s->len = s->len - start + ctx;
	s->keep = ctx;
	if (hold && (!s->holding || start != old_keep))
		s->held_since = now;
	s->holding = hold;
	if (s->olen) {
		s->out(s->ctx, s->obuf, s->olen);
		s->olen = 0;
	}
}

void guard_mask_feed(struct guard_mask_stream *s, const char *buf, size_t n, uint64_t now_ms)
{
	if (!n)
		return;
	if (s->len + n > s->cap) {
		size_t c = s->cap ? s->cap : 8192;
		while (c < s->len + n)
			c *= 2;
		s->buf = guard_xrealloc(s->buf, c);
		s->cap = c;
	}
	memcpy(s->buf + s->len, buf, n);
	s->len += n;
	process(s, false, now_ms);
}

int guard_mask_timeout(const struct guard_mask_stream *s, uint64_t now_ms)
{
	if (!s->holding)
		return -1;
	uint64_t due = s->held_since + GUARD_MASK_HOLD_MS;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}

void guard_mask_tick(struct guard_mask_stream *s, uint64_t now_ms)
{
	if (s->holding && guard_mask_timeout(s, now_ms) == 0)
		process(s, true, now_ms);
}

void guard_mask_flush(struct guard_mask_stream *s)
{
	process(s, true, 0);
	s->len = s->keep = 0;
}
