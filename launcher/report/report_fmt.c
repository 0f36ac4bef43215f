/* Display helpers for report, explain and sessions (see report.h). Everything a sandboxed program named (paths,
 * argv) is untrusted: escape sequences in a file name must not drive the user's terminal, and a right-to-left
 * override must not make one name look like another. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/report.h"

/* Characters that must not reach a terminal raw: 0 when c at s (k bytes, valid UTF-8) is fine. */
static bool dangerous(const unsigned char *s, size_t k)
{
	if (k == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	if (k == 2)
		return s[0] == 0xc2 && s[1] < 0xa0; /* C1 controls U+0080..U+009F: 0x9b is CSI on some terminals */
	if (k == 3 && s[0] == 0xe2 && s[1] == 0x80)
		return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae) || s[2] == 0xa8 ||
		       s[2] == 0xa9; /* LRM RLM, LRE..RLO, line/paragraph separators */
	if (k == 3 && s[0] == 0xe2 && s[1] == 0x81)
		return s[2] >= 0xa6 && s[2] <= 0xa9; /* LRI RLI FSI PDI */
	return false;
}

void guard_fmt_word(struct guard_buf *b, const char *s)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-~";
	size_t n = strlen(s);
	if (n && strspn(s, plain) == n) {
		guard_buf_put(b, s, n);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	bool ansi = false;
	for (size_t i = 0; i < n;) {
		size_t k = guard_utf8_seq(p + i, n - i);
		if (!k || dangerous(p + i, k)) {
			ansi = true;
			break;
		}
		i += k;
	}
	if (!ansi) {
		guard_buf_put(b, "'", 1);
		for (const char *q = s; *q; q++)
			if (*q == '\'')
				guard_buf_puts(b, "'\\''");
			else
				guard_buf_put(b, q, 1);
		guard_buf_put(b, "'", 1);
		return;
	}
	guard_buf_puts(b, "$'");
	for (size_t i = 0; i < n;) {
		size_t k = guard_utf8_seq(p + i, n - i);
		if (k && !dangerous(p + i, k)) {
			if (p[i] == '\'' || p[i] == '\\')
				guard_buf_put(b, "\\", 1);
			guard_buf_put(b, p + i, k);
			i += k;
			continue;
		}
		/* Each byte of a dangerous or invalid sequence as \xNN: exact, and bash reads it back as bytes. */
		size_t m = k ? k : 1;
		for (size_t j = 0; j < m; j++) {
			unsigned c = p[i + j];
			if (c == '\n')
				guard_buf_puts(b, "\\n");
			else if (c == '\t')
				guard_buf_puts(b, "\\t");
			else if (c == '\r')
				guard_buf_puts(b, "\\r");
			else
				guard_buf_printf(b, "\\x%02x", c);
		}
		i += m;
	}
	guard_buf_put(b, "'", 1);
}

/* Cut what was written since `start` to `max` bytes, not inside a UTF-8 character, and mark the cut. */
static void cut_marked(struct guard_buf *b, size_t start, size_t max)
{
	size_t cut = start + max;
	while (cut > start && ((unsigned char)b->p[cut] & 0xc0) == 0x80)
		cut--;
	b->len = cut;
	b->p[cut] = 0;
	guard_buf_puts(b, "…");
}

void guard_fmt_word_cut(struct guard_buf *b, const char *s, size_t max)
{
	size_t start = b->len;
	guard_fmt_word(b, s);
	if (b->len - start > max)
		cut_marked(b, start, max);
}

void guard_fmt_text(struct guard_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t k = guard_utf8_seq(p + i, n - i);
		if (k && !dangerous(p + i, k)) {
			guard_buf_put(b, p + i, k);
			i += k;
			continue;
		}
		for (size_t j = 0; j < (k ? k : 1); j++)
			guard_buf_printf(b, "\\x%02x", p[i + j]);
		i += k ? k : 1;
	}
}

void guard_fmt_argv(struct guard_buf *b, const char *const *argv, size_t max)
{
	size_t start = b->len;
	/* Whole words only, so what is shown still pastes into a shell; only a first word longer than max is cut. */
	for (size_t i = 0; argv && argv[i]; i++) {
		struct guard_buf w = {0};
		guard_fmt_word(&w, argv[i]);
		if (max && i > 0 && b->len - start + 1 + w.len > max) {
			/* Cut this word to the room left (when there is some worth showing): `sh -c …` says nothing. */
			size_t room = max - (b->len - start) - 1;
			if (room >= 16) {
				while (room > 0 && ((unsigned char)w.p[room] & 0xc0) == 0x80)
					room--;
				guard_buf_put(b, " ", 1);
				guard_buf_put(b, w.p, room);
			}
			guard_buf_free(&w);
			guard_buf_puts(b, room >= 16 ? "…" : " …");
			return;
		}
		if (i)
			guard_buf_put(b, " ", 1);
		guard_buf_put(b, w.p, w.len);
		guard_buf_free(&w);
		if (max && b->len - start > max) {
			cut_marked(b, start, max);
			return;
		}
	}
}

void guard_fmt_duration(char *out, size_t len, long long start, long long end)
{
	if (start < 0 || end < 0 || end < start) {
		snprintf(out, len, "?");
		return;
	}
	long long ms = end - start, s = ms / 1000;
	if (ms < 1000)
		snprintf(out, len, "%lldms", ms);
	else if (s < 60)
		snprintf(out, len, "%lld.%llds", s, (ms % 1000) / 100);
	else if (s < 3600)
		snprintf(out, len, "%lldm %02llds", s / 60, s % 60);
	else
		snprintf(out, len, "%lldh %02lldm", s / 3600, (s / 60) % 60);
}

void guard_fmt_time(char *out, size_t len, long long ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	if (ms < 0 || !localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, len, "?");
}

const char *guard_fmt_origin(const char *origin)
{
	if (!origin)
		return "unknown";
	if (strcmp(origin, "observer") == 0)
		return "the kernel (observer)";
	if (strcmp(origin, "proxy") == 0)
		return "guard's proxy";
	if (strcmp(origin, "shim") == 0)
		return "the process itself (shim, self-reported)";
	if (strcmp(origin, "shim, observer") == 0)
		return "the kernel (observer) and the process itself (shim)";
	return origin;
}

void guard_fmt_at(struct guard_buf *b, const char *file, long long line, long long col)
{
	guard_fmt_word(b, file ? file : "?");
	if (line > 0)
		guard_buf_printf(b, ":%lld:%lld", line, col > 0 ? col : 0);
}

void guard_fmt_html(struct guard_buf *b, const char *s)
{
	size_t run = 0;
	for (const char *q = s;; q++) {
		const char *e = NULL;
		switch (*q) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '"':
			e = "&quot;";
			break;
		case '\'':
			e = "&#39;";
			break;
		case 0:
			break;
		default:
			run++;
			continue;
		}
		guard_buf_put(b, q - run, run);
		run = 0;
		if (!e)
			return;
		guard_buf_puts(b, e);
	}
}

const char *guard_fmt_short(const char *path, const char *project, const char *home, struct guard_buf *tmp)
{
	tmp->len = 0;
	if (project && guard_path_within(path, project) && strcmp(project, "/") != 0) {
		const char *rest = path + strlen(project);
		guard_buf_puts(tmp, *rest ? rest + 1 : ".");
		return tmp->p;
	}
	if (home && guard_path_within(path, home) && strcmp(home, "/") != 0) {
		guard_buf_puts(tmp, "~");
		guard_buf_puts(tmp, path + strlen(home));
		return tmp->p;
	}
	return path;
}

void guard_fmt_spill(struct guard_buf *b, FILE *out)
{
	if (b->len < (64u << 10))
		return;
	fwrite(b->p, 1, b->len, out);
	b->len = 0;
	b->p[0] = 0;
}
