/* exec.deny entries (include/guard/policy.h): validation, normalization, merging. */
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "policy/policy_api.h"

#define EXEC_MAX_WORDS 16

static int bad(struct guard_error *err, struct guard_origin at, const char *hint, const char *what, const char *text)
{
	guard_error_set(err, at.file ? at.file : "", at.line, at.col, hint, "exec.deny: %s \"%s\"", what, text);
	return -1;
}

int guard_policy_add_exec(struct guard_policy *p, const char *text, struct guard_origin at, struct guard_error *err)
{
	const char *s = text;
	bool neg = *s == '!';
	if (neg)
		s++;
	/* words separated by blanks, joined by one space */
	size_t len = strlen(s);
	char *norm = guard_xrealloc(NULL, len + 1);
	size_t n = 0, words = 0;
	for (const char *q = s; *q;) {
		q += strspn(q, " \t");
		size_t wl = strcspn(q, " \t");
		if (!wl)
			break;
		for (size_t i = 0; i < wl; i++)
			if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f) {
				free(norm);
				return bad(err, at, "write the command and its words in plain text",
					   "control character in", text);
			}
		if (n)
			norm[n++] = ' ';
		memcpy(norm + n, q, wl);
		n += wl;
		q += wl;
		words++;
	}
	norm[n] = 0;
	const char *hint = "name a command (curl) and optionally its subcommand words (\"git push --force\")";
	if (!words) {
		free(norm);
		return bad(err, at, hint, neg ? "'!' alone is not a command:" : "empty entry", text);
	}
	if (words > EXEC_MAX_WORDS) {
		free(norm);
		return bad(err, at, "at most 16 words", "too many words in", text);
	}
	size_t first = strcspn(norm, " ");
	if (memchr(norm, '/', first) || !strncmp(norm, ".", first) || !strncmp(norm, "..", first)) {
		free(norm);
		return bad(
			err, at,
			"name the command without a directory (curl, not /usr/bin/curl): every path of it on PATH and "
			"in the system directories is covered",
			"not a command name:", text);
	}
	if (strcspn(norm, "*?[\\") < first) {
		free(norm);
		return bad(err, at, "exec rules compare names exactly; list each command",
			   "bad pattern (globs are not supported):", text);
	}
	if (p->nexec + 1 > p->capexec) {
		p->capexec = p->capexec ? p->capexec * 2 : 8;
		p->exec_deny = guard_xrealloc(p->exec_deny, p->capexec * sizeof *p->exec_deny);
	}
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->exec_deny[p->nexec++] = (struct guard_exec_rule){.written = norm, .negated = neg, .at = at};
	return 0;
}

void guard_exec_policy_merge(struct guard_policy *dst, struct guard_policy *src)
{
	for (size_t i = 0; i < src->nexec; i++) {
		if (dst->nexec + 1 > dst->capexec) {
			dst->capexec = dst->capexec ? dst->capexec * 2 : 8;
			dst->exec_deny = guard_xrealloc(dst->exec_deny, dst->capexec * sizeof *dst->exec_deny);
		}
		src->exec_deny[i].at.file = guard_policy_intern(dst, src->exec_deny[i].at.file);
		dst->exec_deny[dst->nexec++] = src->exec_deny[i];
	}
	src->nexec = 0; /* the strings moved */
}

void guard_exec_policy_free(struct guard_policy *p)
{
	for (size_t i = 0; i < p->nexec; i++)
		free(p->exec_deny[i].written);
	free(p->exec_deny);
	p->exec_deny = NULL;
	p->nexec = p->capexec = 0;
}
