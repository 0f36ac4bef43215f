/* `guard policy`: the effective policy as the user wrote it, grouped by section, every entry with where it came
 * from, so "why is this allowed?" is answered by a file:line the user can open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/guard.h"
#include "policy/policy_api.h"

#define MAX_WIDTH 44 /* longer entries push their origin further right instead of widening every line */

static void origin(FILE *out, struct guard_origin at)
{
	if (at.line)
		fprintf(out, "%s:%u:%u (%s)\n", at.file, at.line, at.col, guard_source_name(at.source));
	else
		fprintf(out, "%s (%s)\n", at.file, guard_source_name(at.source));
}

static void entry(FILE *out, int width, const char *neg, const char *text, struct guard_origin at)
{
	int len = (int)(strlen(neg) + strlen(text));
	fprintf(out, "  %s%s%*s  ", neg, text, len < width ? width - len : 0, "");
	origin(out, at);
}

static void names(FILE *out, int width, const char *title, const struct guard_name *v, size_t n)
{
	fprintf(out, "%s:\n", title);
	for (size_t i = 0; i < n; i++)
		entry(out, width, "", v[i].name, v[i].at);
	if (!n)
		fprintf(out, "  (none)\n");
}

static void limit(FILE *out, int width, const char *name, const struct guard_limit *l, const char *unset)
{
	char text[64];
	if (!l->set) {
		if (unset)
			fprintf(out, "  %s: %s\n", name, unset);
		return;
	}
	if (!strcmp(name, "memory"))
		snprintf(text, sizeof text, "%s: %lld bytes", name, l->value);
	else if (!strcmp(name, "cpu"))
		snprintf(text, sizeof text, "cpu: %lld.%03lld CPUs", l->value / 1000, l->value % 1000);
	else if (!strcmp(name, "cpu_time"))
		snprintf(text, sizeof text, "cpu: %llds of CPU time", l->value);
	else if (strcmp(name, "core_dumps") != 0)
		snprintf(text, sizeof text, "%s: %lld", name, l->value);
	else
		snprintf(text, sizeof text, "%s: %s", name, l->value ? "true" : "false");
	entry(out, width, "", text, l->at);
}

static int width_of(const struct guard_policy *p)
{
	size_t w = 24;
	for (size_t i = 0; i < p->nrules; i++)
		if (strlen(p->rules[i].pattern) + p->rules[i].negated > w)
			w = strlen(p->rules[i].pattern) + p->rules[i].negated;
	for (size_t i = 0; i < p->npass; i++)
		if (strlen(p->env_pass[i].name) > w)
			w = strlen(p->env_pass[i].name);
	for (size_t i = 0; i < p->ndrop; i++)
		if (strlen(p->env_drop[i].name) > w)
			w = strlen(p->env_drop[i].name);
	for (size_t i = 0; i < p->nset; i++)
		if (strlen(p->env_set[i].name) > w)
			w = strlen(p->env_set[i].name);
	return w > MAX_WIDTH ? MAX_WIDTH : (int)w;
}

void guard_policy_print(FILE *out, const struct guard_policy *p)
{
	static const char *const reserved[GUARD_RESERVED_COUNT] = {"exec", "network", "mask_output"};
	int width = width_of(p);
	if (p->profile)
		fprintf(out, "# profile: %s\n", p->profile);
	fprintf(out, "# precedence: deny > protect > write > read > default deny\n");
	for (int k = GUARD_READ; k <= GUARD_PROTECT; k++) {
		size_t n = 0;
		fprintf(out, "files.%s:\n", guard_rule_kind_name((enum guard_rule_kind)k));
		for (size_t i = 0; i < p->nrules; i++)
			if ((int)p->rules[i].kind == k) {
				entry(out, width, p->rules[i].negated ? "!" : "", p->rules[i].pattern, p->rules[i].at);
				n++;
			}
		if (!n)
			fprintf(out, "  (none)\n");
	}
	names(out, width, "env.pass", p->env_pass, p->npass);
	names(out, width, "env.drop", p->env_drop, p->ndrop);
	if (p->nset)
		names(out, width, "env.set", p->env_set, p->nset);
	fprintf(out, "limits:\n");
	limit(out, width, "processes", &p->processes, "(not set: inherited)");
	limit(out, width, "open_files", &p->open_files, "(not set: inherited)");
	limit(out, width, "memory", &p->memory, "(not set: unlimited)");
	if (p->cpu_time.set)
		limit(out, width, "cpu_time", &p->cpu_time, "");
	limit(out, width, "cpu", &p->cpu, p->cpu_time.set ? NULL : "(not set: unlimited)");
	limit(out, width, "core_dumps", &p->core_dumps, "false (not set)");
	if (p->passthrough) {
		static const char *const pt[GUARD_PT_COUNT] = {"gpu", "docker", "display", "ssh-agent",
							       "git-worktrees"};
		fprintf(out, "passthrough:\n");
		for (int k = 0; k < GUARD_PT_COUNT; k++)
			if (p->passthrough & (1u << k))
				entry(out, width, "", pt[k], p->passthrough_at[k]);
	}
	fprintf(out, "exec.deny:\n");
	for (size_t i = 0; i < p->nexec; i++)
		entry(out, width, p->exec_deny[i].negated ? "!" : "", p->exec_deny[i].written, p->exec_deny[i].at);
	if (!p->nexec)
		fprintf(out, "  (none)\n");
	if (p->nmask)
		fprintf(out, "mask_output:\n");
	for (size_t i = 0; i < p->nmask; i++) {
		const struct guard_mask_rule *m = &p->mask[i];
		char *text = m->preset ? guard_xasprintf("preset %s", m->preset)
				       : guard_xasprintf("/%s/%s show_prefix=%d", m->regex,
							 m->case_insensitive ? "i" : "", m->show_prefix);
		entry(out, width, "", text, m->at);
		free(text);
	}
	guard_net_policy_print(out, p, width);
	for (int r = 0; r < GUARD_RESERVED_COUNT; r++)
		if (p->reserved_set[r] && r != GUARD_RESERVED_NETWORK && r != GUARD_RESERVED_EXEC &&
		    r != GUARD_RESERVED_MASK_OUTPUT) {
			char text[96];
			snprintf(text, sizeof text, "%s: accepted, applied in a later version", reserved[r]);
			fprintf(out, "%s  ", text);
			origin(out, p->reserved_at[r]);
		}
}
