/* The policy as one aggregate: init, free and merge over the store (policy_store.c) and every section
 * (net_policy.c, exec_policy.c, mask_policy.c). */
#include <stdlib.h>
#include <string.h>
#include "lib/guard.h"
#include "policy/mask_policy.h"
#include "policy/policy_api.h"

void guard_policy_init(struct guard_policy *p)
{
	memset(p, 0, sizeof *p);
}

void guard_policy_free(struct guard_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].pattern);
	for (size_t i = 0; i < p->npass; i++)
		free(p->env_pass[i].name);
	for (size_t i = 0; i < p->ndrop; i++)
		free(p->env_drop[i].name);
	for (size_t i = 0; i < p->nset; i++)
		free(p->env_set[i].name);
	guard_net_policy_free(p);
	guard_exec_policy_free(p);
	guard_mask_policy_free(p);
	for (size_t i = 0; i < p->ninterned; i++)
		free(p->interned[i]);
	free(p->rules);
	free(p->env_pass);
	free(p->env_drop);
	free(p->env_set);
	free(p->interned);
	free(p->profile);
	free(p->extends);
	free(p->description);
	guard_policy_init(p);
}

static void merge_names(struct guard_policy *dst, struct guard_name **darr, size_t *dn, size_t *dcap,
			struct guard_name *sarr, size_t sn)
{
	*darr = guard_grow(*darr, dcap, *dn + sn, sizeof **darr);
	for (size_t i = 0; i < sn; i++) {
		sarr[i].at.file = guard_policy_intern(dst, sarr[i].at.file);
		(*darr)[(*dn)++] = sarr[i];
	}
}

static void merge_limit(struct guard_policy *dst, struct guard_limit *d, const struct guard_limit *s)
{
	if (!s->set)
		return;
	*d = *s;
	d->at.file = guard_policy_intern(dst, s->at.file);
}

void guard_policy_merge(struct guard_policy *dst, struct guard_policy *src)
{
	dst->rules = guard_grow(dst->rules, &dst->caprules, dst->nrules + src->nrules, sizeof *dst->rules);
	for (size_t i = 0; i < src->nrules; i++) {
		src->rules[i].at.file = guard_policy_intern(dst, src->rules[i].at.file);
		dst->rules[dst->nrules++] = src->rules[i];
	}
	merge_names(dst, &dst->env_pass, &dst->npass, &dst->capass, src->env_pass, src->npass);
	merge_names(dst, &dst->env_drop, &dst->ndrop, &dst->capdrop, src->env_drop, src->ndrop);
	merge_names(dst, &dst->env_set, &dst->nset, &dst->capset, src->env_set, src->nset);
	guard_net_policy_merge(dst, src);
	guard_mask_policy_merge(dst, src);
	guard_exec_policy_merge(dst, src);
	/* Ownership of the strings moved: forget them in src before freeing it. */
	src->nrules = src->npass = src->ndrop = src->nset = 0;

	merge_limit(dst, &dst->processes, &src->processes);
	merge_limit(dst, &dst->open_files, &src->open_files);
	merge_limit(dst, &dst->core_dumps, &src->core_dumps);
	merge_limit(dst, &dst->memory, &src->memory);
	merge_limit(dst, &dst->cpu, &src->cpu);
	merge_limit(dst, &dst->cpu_time, &src->cpu_time);
	merge_limit(dst, &dst->log, &src->log);
	merge_limit(dst, &dst->log_free_margin, &src->log_free_margin);
	merge_limit(dst, &dst->allow_private, &src->allow_private);
	for (int k = 0; k < GUARD_PT_COUNT; k++)
		if (src->passthrough & (1u << k)) {
			dst->passthrough |= 1u << k;
			dst->passthrough_at[k] = src->passthrough_at[k];
			dst->passthrough_at[k].file = guard_policy_intern(dst, src->passthrough_at[k].file);
		}
	for (int r = 0; r < GUARD_RESERVED_COUNT; r++)
		if (src->reserved_set[r]) {
			dst->reserved_set[r] = true;
			dst->reserved_at[r] = src->reserved_at[r];
			dst->reserved_at[r].file = guard_policy_intern(dst, src->reserved_at[r].file);
		}
	if (!dst->profile && src->profile) {
		dst->profile = src->profile;
		src->profile = NULL;
	}
	guard_policy_free(src);
}
