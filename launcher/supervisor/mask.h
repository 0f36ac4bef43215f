/* Output masking (mask_output): secrets in the session's stdout/stderr replaced before they reach the terminal
 * or the file guard writes to. The matching is PCRE2's (one JIT-compiled alternation of every preset and
 * pattern); this file's part is the streaming around it, so a secret split across writes is still found:
 *
 *   - what cannot be the start of a secret is passed on at once (interactive echo stays immediate);
 *   - a tail that is a partial match (PCRE2_PARTIAL_HARD) is held until more data decides it, or until
 *     GUARD_MASK_HOLD_MS pass without more, or it grows past GUARD_MASK_HOLD_MAX bytes; then it is matched as
 *     it is and passed on;
 *   - a complete match becomes "[MASKED:preset]" or, for a pattern, its first show_prefix bytes then "****".
 *
 * A match that hits PCRE2's match or depth limit (a pathological pattern on hostile output) fails closed: the
 * rest of that buffer is replaced by "[MASKED:match-limit]". */
#ifndef GUARD_MASK_H
#define GUARD_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard/policy.h"

#define GUARD_MASK_HOLD_MS 400
#define GUARD_MASK_HOLD_MAX (64 * 1024)

/* The compiled masker: NULL when the policy masks nothing (or on error, with why set). */
struct guard_masker;
struct guard_masker *guard_masker_new(const struct guard_policy *p, char *why, size_t whylen);
void guard_masker_free(struct guard_masker *m);

/* One output stream (stdout, stderr) through a masker: masked bytes go to `out`. */
typedef void (*guard_mask_out_fn)(void *ctx, const char *buf, size_t n);
struct guard_mask_stream;
struct guard_mask_stream *guard_mask_stream_new(struct guard_masker *m, guard_mask_out_fn out, void *ctx);
void guard_mask_feed(struct guard_mask_stream *s, const char *buf, size_t n, uint64_t now_ms);
/* Milliseconds until the held tail must go (0: now), or -1 when nothing is held. */
int guard_mask_timeout(const struct guard_mask_stream *s, uint64_t now_ms);
void guard_mask_tick(struct guard_mask_stream *s, uint64_t now_ms); /* pass the held tail on if its time is up */
void guard_mask_flush(struct guard_mask_stream *s);                 /* end of stream: everything goes */
void guard_mask_stream_free(struct guard_mask_stream *s);
uint64_t guard_mask_now_ms(void); /* CLOCK_MONOTONIC */

#endif
