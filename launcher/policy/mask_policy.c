/* mask_output as policy: the presets, the check a pattern passes when it is loaded, and the section's storage
 * (add, merge, free). The masker that applies it to a session's output is supervisor/mask.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "policy/mask_policy.h"
#include "policy/policy_api.h"

/* Order matters: at one position the first alternative wins, so the narrower presets come first (anthropic's
 * sk-ant- before openai's sk-). Regexes are byte-oriented (no UTF mode: output may be anything). */
static const struct guard_mask_preset PRESETS[] = {
	{"anthropic", "\\bsk-ant-(?:api|admin|oat|ort)?[0-9]{0,2}-?[A-Za-z0-9_-]{20,}"},
	{"openai", "\\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}"},
	{"aws", "\\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\\b"
		"|(?i:aws_?secret_?(?:access_?)?key)[\"']?\\s*[:=]\\s*[\"']?\\K[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"},
	{"github", "\\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\\b|\\bgithub_pat_[A-Za-z0-9_]{22,255}\\b"},
	{"gitlab", "\\bglpat-[A-Za-z0-9_-]{20,}"},
	{"slack",
	 "\\bxox[abposre]-[A-Za-z0-9-]{10,}|https://hooks\\.slack\\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}"},
	{"stripe", "\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|\\bwhsec_[A-Za-z0-9]{24,}"},
	{"google", "\\bAIza[0-9A-Za-z_-]{35}|\\bya29\\.[0-9A-Za-z_-]{20,}|\\bGOCSPX-[0-9A-Za-z_-]{20,}"},
	{"huggingface", "\\bhf_[A-Za-z0-9]{30,}"},
	{"npm", "\\bnpm_[A-Za-z0-9]{36}\\b"},
	{"private-key",
	 "-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?-----END[A-Z0-9 ]{0,40} PRIVATE "
	 "KEY(?: BLOCK)?-----"},
	{"jwt", "\\beyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*"},
	{"bearer", "(?i:\\bbearer)\\s+\\K(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/-]{16,}=*"},
};
#define NPRESETS (sizeof PRESETS / sizeof *PRESETS)

const struct guard_mask_preset *guard_mask_presets(size_t *n)
{
	*n = NPRESETS;
	return PRESETS;
}

const char *guard_mask_preset_regex(const char *name)
{
	for (size_t i = 0; i < NPRESETS; i++)
		if (!strcmp(PRESETS[i].name, name))
			return PRESETS[i].regex;
	return NULL;
}

const char *const *guard_mask_preset_names(void)
{
	static const char *names[NPRESETS + 1];
	for (size_t i = 0; i < NPRESETS; i++)
		names[i] = PRESETS[i].name;
	return names;
}

struct pcre2_real_code_8 *guard_mask_compile(const char *regex, bool ci, char *why, size_t whylen)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c =
		pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, ci ? PCRE2_CASELESS : 0, &err, &off, NULL);
	if (!c) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		snprintf(why, whylen, "%s at offset %zu", (const char *)msg, (size_t)off);
		return NULL;
	}
	uint32_t minlen = 0;
	pcre2_pattern_info(c, PCRE2_INFO_MINLENGTH, &minlen);
	if (minlen == 0) {
		snprintf(why, whylen, "it can match the empty string");
		pcre2_code_free(c);
		return NULL;
	}
	return c;
}

int guard_mask_regex_check(const char *regex, bool ci, char *why, size_t whylen)
{
	/* Checked as it will be used: one alternative of the combined expression. */
	char *wrapped = guard_xasprintf("(?:%s)", regex);
	pcre2_code *c = guard_mask_compile(wrapped, ci, why, whylen);
	free(wrapped);
	if (!c)
		return -1;
	pcre2_code_free(c);
	return 0;
}

/* ---- policy storage ----------------------------------------------------------------------------------------- */

int guard_policy_add_mask(struct guard_policy *p, const char *preset, const char *regex, int show_prefix, bool ci,
			  struct guard_origin at, struct guard_error *err)
{
	char why[300];
	if (preset && strcmp(preset, "all") && !guard_mask_preset_regex(preset)) {
		char names[512] = "all";
		for (size_t i = 0; i < NPRESETS; i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), ", %s", PRESETS[i].name);
		guard_error_set(err, at.file, at.line, at.col, names, "mask_output.presets: unknown preset \"%s\"",
				preset);
		return -1;
	}
	if (regex && guard_mask_regex_check(regex, ci, why, sizeof why) != 0) {
		guard_error_set(err, at.file, at.line, at.col, "PCRE2 syntax, e.g. \"ghp_[A-Za-z0-9]{36}\"",
				"mask_output.patterns: bad regex \"%s\": %s", regex, why);
		return -1;
	}
	if (p->nmask == p->capmask) {
		p->capmask = p->capmask ? p->capmask * 2 : 8;
		p->mask = guard_xrealloc(p->mask, p->capmask * sizeof *p->mask);
	}
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->mask[p->nmask++] = (struct guard_mask_rule){
		.preset = preset ? guard_xstrdup(preset) : NULL,
		.regex = regex ? guard_xstrdup(regex) : NULL,
		.show_prefix = show_prefix,
		.case_insensitive = ci,
		.at = at,
	};
	return 0;
}

void guard_mask_policy_merge(struct guard_policy *dst, struct guard_policy *src)
{
	for (size_t i = 0; i < src->nmask; i++) {
		if (dst->nmask == dst->capmask) {
			dst->capmask = dst->capmask ? dst->capmask * 2 : 8;
			dst->mask = guard_xrealloc(dst->mask, dst->capmask * sizeof *dst->mask);
		}
		src->mask[i].at.file = guard_policy_intern(dst, src->mask[i].at.file);
		dst->mask[dst->nmask++] = src->mask[i];
	}
	src->nmask = 0; /* the strings moved */
}

void guard_mask_policy_free(struct guard_policy *p)
{
	for (size_t i = 0; i < p->nmask; i++) {
		free(p->mask[i].preset);
		free(p->mask[i].regex);
	}
	free(p->mask);
	p->mask = NULL;
	p->nmask = p->capmask = 0;
}
