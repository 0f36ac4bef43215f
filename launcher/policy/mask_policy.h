/* mask_output as policy (mask_policy.c): the presets, the check a pattern passes when it is loaded, and the
 * section's storage. The masker that applies it to a session's output is supervisor/mask.h. */
#ifndef GUARD_MASK_POLICY_H
#define GUARD_MASK_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "guard/policy.h"

/* A named secret format: name → PCRE2 regex (byte-oriented, no UTF mode). In match order: at one position the
 * first alternative wins, so the narrower presets come first. "all" stands for every preset. */
struct guard_mask_preset {
	const char *name, *regex;
};
const struct guard_mask_preset *guard_mask_presets(size_t *n);
const char *guard_mask_preset_regex(const char *name); /* NULL when unknown */
const char *const *guard_mask_preset_names(void);      /* NULL-terminated, without "all" */

/* Does `regex` compile (and is it usable: it must not match the empty string)? 0, or -1 with why. */
int guard_mask_regex_check(const char *regex, bool case_insensitive, char *why, size_t whylen);
/* The one compile behind that check and the masker: PCRE2 code that cannot match the empty string, or NULL with
 * why. The type is pcre2_code (PCRE2_CODE_UNIT_WIDTH 8), named here without pulling pcre2.h into the policy;
 * free it with pcre2_code_free. */
struct pcre2_real_code_8;
struct pcre2_real_code_8 *guard_mask_compile(const char *regex, bool case_insensitive, char *why, size_t whylen);

/* The mask_output section of a policy (policy_yaml.c adds, policy.c merges and frees). */
struct guard_error;
int guard_policy_add_mask(struct guard_policy *p, const char *preset, const char *regex, int show_prefix,
			  bool case_insensitive, struct guard_origin at, struct guard_error *err);
void guard_mask_policy_merge(struct guard_policy *dst, struct guard_policy *src);
void guard_mask_policy_free(struct guard_policy *p);

#endif
