/* The log's bounds (session_limit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/json_write.h"
#include "log/session_limit.h"
#include "policy/limits_plan.h"

#define NOTE_ROOM 4096           /* kept below the cap for the (at most three) note lines */
#define SPACE_CHECK (1ull << 20) /* free space is measured again after each MiB written, or sooner near the floor */
#define FLOOR (128ull << 10)     /* free space no line takes: session.json's last rewrite and the notes need it */
#define SUMMARY_MAX 256          /* distinct (op, origin, rule) of counted denials; the rest in one count */

struct summary {
	char *key;
	unsigned long long count;
};

struct guard_log_limiter {
	struct guard_log_limits lim;
	int fd;
	unsigned long long cap, detail, bytes, next_check;
	unsigned long long margin_bytes; /* the margin as last measured */
	const char *limited;             /* NULL, "cap" or "free space": why allowed events stopped being written */
	long long limited_at;
	unsigned long long free_left; /* what the filesystem had left when free space stopped the detail */
	bool ceiling;                 /* denials are being counted */
	const char *ceiling_why;      /* "cap" or "free space" */
	bool out_of_space;            /* no line is written any more (guard_log_out_of_space) */
	unsigned long long allowed_unrecorded, repeats, summarised, summarised_other;
	struct summary sum[SUMMARY_MAX];
	size_t nsum;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *size_text(unsigned long long n, char *buf, size_t len)
{
	return guard_format_size((long long)n, buf, len);
}

static void margin_text(const struct guard_log_limits *lim, char *buf, size_t len)
{
	char a[32];
	if (!lim->margin_set)
		snprintf(buf, len, "the smaller of %s and %d %% of the filesystem",
			 size_text(GUARD_LOG_MARGIN_DEFAULT_BYTES, a, sizeof a), GUARD_LOG_MARGIN_DEFAULT_PERCENT);
	else if (lim->margin_is_percent)
		snprintf(buf, len, "%llu %% of the filesystem", lim->margin);
	else
		snprintf(buf, len, "%s", size_text(lim->margin, a, sizeof a));
}

struct guard_log_limiter *guard_log_limiter_new(const struct guard_log_limits *lim, int fd, unsigned long long bytes)
{
	struct guard_log_limiter *l = guard_xmalloc(sizeof *l);
	memset(l, 0, sizeof *l);
	l->lim = *lim;
	l->fd = fd;
	l->cap = lim->cap ? lim->cap : GUARD_LOG_CAP_DEFAULT;
	if (l->cap < GUARD_LOG_CAP_MIN)
		l->cap = GUARD_LOG_CAP_MIN;
	l->detail = l->cap / 4 * 3;
	l->bytes = bytes;
	l->free_left = ~0ull; /* not measured yet */
	return l;
}

void guard_log_limiter_free(struct guard_log_limiter *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nsum; i++)
		free(l->sum[i].key);
	free(l);
}

/* Free space where the log lives (l->free_left, l->margin_bytes), measured when the log is created and after each
 * SPACE_CHECK bytes written; nearer the floor, after half of what is left above it, since the log's own lines are
 * what fill it. */
static void measure(struct guard_log_limiter *l)
{
	if (l->bytes < l->next_check)
		return;
	struct statvfs st;
	if (fstatvfs(l->fd, &st) != 0) {
		l->next_check = l->bytes + SPACE_CHECK;
		return;
	}
	unsigned long long unit = st.f_frsize ? st.f_frsize : st.f_bsize;
	unsigned long long avail = (unsigned long long)st.f_bavail * unit,
			   size = (unsigned long long)st.f_blocks * unit;
	unsigned long long margin, step = avail > FLOOR ? (avail - FLOOR) / 2 : 1;
	l->next_check = l->bytes + (step < SPACE_CHECK ? step : SPACE_CHECK);
	if (!l->lim.margin_set) {
		margin = size / 100 * GUARD_LOG_MARGIN_DEFAULT_PERCENT;
		if (margin > GUARD_LOG_MARGIN_DEFAULT_BYTES)
			margin = GUARD_LOG_MARGIN_DEFAULT_BYTES;
	} else {
		margin = l->lim.margin_is_percent ? size / 100 * l->lim.margin : l->lim.margin;
	}
	l->free_left = avail;
	l->margin_bytes = margin;
}

enum guard_log_admit guard_log_admit(struct guard_log_limiter *l, bool denied, bool is_count, size_t len, char *note,
				     size_t notelen)
{
	char a[32], b[32], m[96];
	note[0] = 0;
	measure(l);
	bool low = l->free_left < l->margin_bytes || (l->margin_bytes > 0 && l->free_left == 0);
	if (l->free_left < FLOOR && !l->ceiling) {
		guard_log_out_of_space(l);
		snprintf(note, notelen,
			 "the filesystem holding the log has %s free, less than the %s kept for the session's "
			 "record: from here denials are counted per operation, origin and rule (session.json "
			 "\"log\"), not written one by one, and allowed events are not recorded in detail",
			 size_text(l->free_left, a, sizeof a), size_text(FLOOR, b, sizeof b));
	}
	if (denied) {
		if (!l->ceiling && l->bytes + len + NOTE_ROOM <= l->cap)
			return GUARD_LOG_WRITE;
		if (!l->ceiling)
			snprintf(note, notelen,
				 "the log reached its cap of %s: from here denials are counted per operation, origin "
				 "and rule (session.json \"log\"), not written one by one",
				 size_text(l->cap, a, sizeof a));
		if (!l->ceiling)
			l->ceiling_why = "cap";
		l->ceiling = true;
		return GUARD_LOG_SUMMARISE;
	}
	if (!l->limited) {
		if (l->bytes + len > l->detail) {
			l->limited = "cap";
			snprintf(
				note, notelen,
				"the log reached %s, three quarters of its %s cap: from here allowed and failed events "
				"are counted, not recorded in detail; denials still are",
				size_text(l->detail, a, sizeof a), size_text(l->cap, b, sizeof b));
		} else if (low) {
			l->limited = "free space";
			margin_text(&l->lim, m, sizeof m);
			snprintf(note, notelen,
				 "the filesystem holding the log has %s free, less than its margin (%s): from here "
				 "allowed and failed events are counted, not recorded in detail; denials still are",
				 size_text(l->free_left, a, sizeof a), m);
		}
		if (l->limited)
			l->limited_at = now_ms();
	}
	if (l->limited && is_count && !l->out_of_space && l->bytes + len <= l->detail + l->cap / 16)
		return GUARD_LOG_WRITE; /* a count of repeats of a line already written: it has room of its own */
	return l->limited ? GUARD_LOG_COUNT : GUARD_LOG_WRITE;
}

void guard_log_wrote(struct guard_log_limiter *l, size_t len)
{
	l->bytes += len;
}

void guard_log_out_of_space(struct guard_log_limiter *l)
{
	if (!l->ceiling)
		l->ceiling_why = "free space";
	l->ceiling = true;
	l->out_of_space = true;
	if (!l->limited) {
		l->limited = "free space";
		l->limited_at = now_ms();
	}
}

void guard_log_count_allowed(struct guard_log_limiter *l, unsigned long long n)
{
	l->allowed_unrecorded += n;
}

void guard_log_repeated(struct guard_log_limiter *l)
{
	l->repeats++;
}

void guard_log_summarise(struct guard_log_limiter *l, const char *key, unsigned long long n)
{
	l->summarised += n;
	for (size_t i = 0; i < l->nsum; i++)
		if (strcmp(l->sum[i].key, key) == 0) {
			l->sum[i].count += n;
			return;
		}
	if (l->nsum == SUMMARY_MAX) {
		l->summarised_other += n;
		return;
	}
	l->sum[l->nsum++] = (struct summary){guard_xstrdup(key), n};
}

void guard_log_limiter_json(const struct guard_log_limiter *l, struct guard_buf *b)
{
	char m[96];
	margin_text(&l->lim, m, sizeof m);
	guard_buf_printf(b, "\"log\":{\"cap\":%llu,\"detail\":%llu,\"free_margin\":", l->cap, l->detail);
	guard_json_str(b, m);
	guard_buf_printf(b, ",\"bytes\":%llu,\"limited\":", l->bytes);
	guard_json_str(b, l->limited);
	if (l->limited)
		guard_buf_printf(b, ",\"limited_at\":%lld", l->limited_at);
	else
		guard_buf_puts(b, ",\"limited_at\":null");
	guard_buf_printf(b, ",\"allowed_unrecorded\":%llu,\"repeats\":%llu,\"summarised\":%llu,\"summary\":[",
			 l->allowed_unrecorded, l->repeats, l->summarised);
	for (size_t i = 0; i < l->nsum; i++)
		guard_buf_printf(b, "%s{%s,\"count\":%llu}", i ? "," : "", l->sum[i].key, l->sum[i].count);
	guard_buf_printf(b, "],\"summarised_other\":%llu,\"summarised_why\":", l->summarised_other);
	guard_json_str(b, l->summarised ? l->ceiling_why : NULL);
	guard_buf_puts(b, "}");
}

bool guard_log_limiter_summary(const struct guard_log_limiter *l, char *out, size_t len)
{
	char a[32], m[96];
	out[0] = 0;
	size_t n = 0;
	if (l->allowed_unrecorded) {
		if (l->limited && strcmp(l->limited, "cap") == 0) {
			n += (size_t)snprintf(out, len,
					      "%llu allowed events not recorded in detail after the log "
					      "reached its cap (%s of %s)",
					      l->allowed_unrecorded, size_text(l->detail, a, sizeof a),
					      size_text(l->cap, m, sizeof m));
		} else {
			margin_text(&l->lim, m, sizeof m);
			n += (size_t)snprintf(out, len,
					      "%llu allowed events not recorded in detail after free space "
					      "for the log fell below its margin (%s)",
					      l->allowed_unrecorded, m);
		}
	}
	if (l->summarised && n < len && l->ceiling_why && strcmp(l->ceiling_why, "cap") != 0)
		snprintf(out + n, len - n,
			 "%s%llu denials counted per rule, not recorded one by one, once the filesystem "
			 "holding the log had less than %s free",
			 n ? "; " : "", l->summarised, size_text(FLOOR, a, sizeof a));
	else if (l->summarised && n < len)
		snprintf(out + n, len - n,
			 "%s%llu denials past the log's cap of %s counted per rule, not recorded "
			 "one by one",
			 n ? "; " : "", l->summarised, size_text(l->cap, a, sizeof a));
	return out[0] != 0;
}
