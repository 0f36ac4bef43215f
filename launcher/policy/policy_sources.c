/* Where a policy comes from, in order (profile → user config → project file → flags), and the gate that keeps
 * a project file from loosening the policy until the user has trusted its exact content: a repository the user
 * just cloned must not be able to grant the agent ~/.aws by shipping a .guard.yaml. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy/builtin_rules.h"
#include "policy/limits_plan.h"
#include "policy/policy_api.h"
#include "lib/fileio.h"

#define MAX_POLICY_BYTES (4u << 20) /* far beyond any hand-written policy; bounds a stray huge file */

int guard_policy_load_file(struct guard_policy *p, const char *path, enum guard_source src, struct guard_error *err)
{
	char *buf;
	size_t len;
	int rc = guard_read_file(path, MAX_POLICY_BYTES, &buf, &len);
	if (rc == 1)
		return 1;
	if (rc < 0) {
		guard_error_set(err, path, 0, 0, "fix the file's permissions, or remove it", "cannot read: %s",
				strerror(errno));
		return -1;
	}
	rc = guard_policy_load_yaml(p, path, buf, len, src, err);
	free(buf);
	return rc;
}

/* ---- profiles ----------------------------------------------------------------------------------------- */

static int unknown_profile(const char *name, struct guard_error *err)
{
	const char *names[64];
	char known[512] = "", hint[640];
	size_t n = 0, used = 0;
	/* "default" first: the one to fall back on, then the agents in table order. */
	for (int pass = 0; pass < 2; pass++)
		for (const struct guard_builtin_rules *b = guard_builtin_rules; b->name && n < 63; b++) {
			if ((strcmp(b->name, "default") == 0) != (pass == 0))
				continue;
			names[n++] = b->name;
			used += (size_t)snprintf(known + used, used < sizeof known ? sizeof known - used : 0, "%s%s",
						 used ? ", " : "", b->name);
		}
	names[n] = NULL;
	const char *s = guard_suggest(name, names);
	if (s)
		snprintf(hint, sizeof hint, "did you mean \"%s\"? known profiles: %s", s, known);
	else
		snprintf(hint, sizeof hint, "known profiles: %s", known);
	guard_error_set(err, "", 0, 0, hint, "unknown profile \"%s\"", name);
	return -1;
}

int guard_profile_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	n = snprintf(out, len, "%s/../share/guard/rules", exe);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The installed copy wins, so an administrator can adjust a profile without rebuilding guard. */
static int installed_profile(const char *name, char **buf, size_t *len)
{
	char dir[PATH_MAX], path[PATH_MAX + 80];
	if (guard_profile_dir(dir, sizeof dir) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/%s.yaml", dir, name);
	return guard_read_file(path, MAX_POLICY_BYTES, buf, len);
}

int guard_profile_text(const char *name, char **buf, size_t *len, struct guard_error *err)
{
	/* The name becomes part of a path: no '/', no "..". */
	if (!*name || strlen(name) > 64 ||
	    name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_-")])
		return unknown_profile(name, err);
	int rc = installed_profile(name, buf, len);
	if (rc < 0) {
		guard_error_set(err, "", 0, 0, "fix the installation's permissions",
				"cannot read the installed profile rules/%s.yaml: %s", name, strerror(errno));
		return -1;
	}
	if (rc == 0)
		return 0;
	const struct guard_builtin_rules *b = guard_builtin_rules;
	while (b->name && strcmp(b->name, name) != 0)
		b++;
	if (!b->name)
		return unknown_profile(name, err);
	*len = (size_t)(b->end - b->start);
	if (!(*buf = malloc(*len + 1))) {
		fputs("guard: out of memory\n", stderr);
		exit(125);
	}
	memcpy(*buf, b->start, *len);
	(*buf)[*len] = '\0';
	return 0;
}

#define MAX_EXTENDS 8

/* Parse NAME, load what it extends first (so its own entries come after and its limits win), then merge it.
 * Each file keeps its own provenance. `chain` holds the names on the way down, to name a cycle. Nothing is
 * merged before every file of the chain has parsed, so a profile loads whole or not at all. */
static int load_profile(struct guard_policy *p, const char *name, const char **chain, int depth,
			struct guard_error *err)
{
	char display[96], *buf;
	size_t len;
	if (guard_profile_text(name, &buf, &len, err) < 0)
		return -1;
	snprintf(display, sizeof display, "rules/%s.yaml", name);
	struct guard_policy tmp;
	guard_policy_init(&tmp);
	int rc = guard_policy_parse_yaml(&tmp, display, buf, len, GUARD_SRC_PROFILE, NULL, err);
	free(buf);
	chain[depth] = name;
	if (rc == 0 && tmp.extends) {
		const struct guard_origin at = tmp.extends_at;
		bool cycle = false;
		for (int i = 0; i <= depth; i++)
			cycle |= strcmp(chain[i], tmp.extends) == 0;
		if (cycle || depth + 1 >= MAX_EXTENDS) {
			guard_error_set(err, at.file, at.line, at.col,
					"end the chain with a profile that extends nothing", "profile \"%s\" %s", name,
					cycle ? "extends itself through a cycle" : "extends too long a chain");
			rc = -1;
		} else if ((rc = load_profile(p, tmp.extends, chain, depth + 1, err)) < 0 && !err->line) {
			/* An unknown or unreadable parent: point at the line that names it. */
			snprintf(err->file, sizeof err->file, "%s", at.file);
			err->line = at.line;
			err->col = at.col;
		}
	}
	if (rc == 0)
		guard_policy_merge(p, &tmp);
	else
		guard_policy_free(&tmp);
	return rc;
}

int guard_policy_load_profile(struct guard_policy *p, const char *name, struct guard_error *err)
{
	const char *chain[MAX_EXTENDS];
	int rc = load_profile(p, name, chain, 0, err);
	if (rc == 0 && !p->profile && !(p->profile = strdup(name))) {
		fputs("guard: out of memory\n", stderr);
		exit(125);
	}
	return rc;
}

/* ---- the trust gate ----------------------------------------------------------------------------------- */

struct loosening {
	bool found;
	struct guard_origin at;
	char what[256];
};

/* The first loosening entry in file order is the one to show: the user reads the file top-down. */
static void consider(struct loosening *l, struct guard_origin at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void consider(struct loosening *l, struct guard_origin at, const char *fmt, ...)
{
	if (l->found && (at.line > l->at.line || (at.line == l->at.line && at.col >= l->at.col)))
		return;
	l->found = true;
	l->at = at;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->what, sizeof l->what, fmt, ap);
	va_end(ap);
}

/* What `add` (a project file) would loosen in `cur` (the policy so far). Only grants count: deny, protect,
 * env.drop, lower limits, exec and mask_output can only take away. */
static void find_loosening(const struct guard_policy *cur, const struct guard_policy *add,
			   const struct guard_origin *net, struct loosening *l)
{
	for (size_t i = 0; i < add->nrules; i++) {
		const struct guard_rule *r = &add->rules[i];
		if (r->kind == GUARD_READ || r->kind == GUARD_WRITE)
			consider(l, r->at, "files.%s \"%s\" grants access", guard_rule_kind_name(r->kind), r->pattern);
		else if (r->negated)
			consider(l, r->at, "files.%s \"!%s\" re-allows what is %s", guard_rule_kind_name(r->kind),
				 r->pattern, r->kind == GUARD_DENY ? "denied" : "protected");
	}
	for (size_t i = 0; i < add->nexec; i++)
		if (add->exec_deny[i].negated)
			consider(l, add->exec_deny[i].at, "exec.deny \"!%s\" re-allows a denied program",
				 add->exec_deny[i].written);
	for (size_t i = 0; i < add->npass; i++)
		consider(l, add->env_pass[i].at, "env.pass \"%s\" keeps variables that guard drops",
			 add->env_pass[i].name);
	for (size_t i = 0; i < add->nset; i++)
		consider(l, add->env_set[i].at, "env.set \"%s\" changes what the sandbox's programs are told",
			 add->env_set[i].name);
	if (add->processes.set && cur->processes.set && add->processes.value > cur->processes.value)
		consider(l, add->processes.at, "limits.processes %lld raises the limit of %lld", add->processes.value,
			 cur->processes.value);
	if (add->open_files.set && cur->open_files.set && add->open_files.value > cur->open_files.value)
		consider(l, add->open_files.at, "limits.open_files %lld raises the limit of %lld",
			 add->open_files.value, cur->open_files.value);
	if (add->memory.set && cur->memory.set && add->memory.value > cur->memory.value)
		consider(l, add->memory.at, "limits.memory %lld raises the limit of %lld bytes", add->memory.value,
			 cur->memory.value);
	if (add->cpu.set && cur->cpu.set && add->cpu.value > cur->cpu.value)
		consider(l, add->cpu.at, "limits.cpu raises the CPU share");
	if (add->cpu_time.set && cur->cpu_time.set && add->cpu_time.value > cur->cpu_time.value)
		consider(l, add->cpu_time.at, "limits.cpu raises the CPU-time budget");
	/* The log's bounds protect the user's disk: a project may lower them, not raise them. */
	long long cap = cur->log.set ? cur->log.value : (long long)GUARD_LOG_CAP_DEFAULT;
	if (add->log.set && add->log.value > cap)
		consider(l, add->log.at, "limits.log %lld raises the session log's cap of %lld bytes", add->log.value,
			 cap);
	if (add->log_free_margin.set) /* bytes and shares do not compare: any change is the user's to make */
		consider(l, add->log_free_margin.at, "limits.log_free_margin sets the free space the log must leave");
	for (int k = 0; k < GUARD_PT_COUNT; k++)
		if ((add->passthrough & (1u << k)) && !(cur->passthrough & (1u << k)))
			consider(l, add->passthrough_at[k], "passthrough lets a host resource in");
	/* Core dumps are off unless some source turned them on. */
	if (add->core_dumps.set && add->core_dumps.value && !(cur->core_dumps.set && cur->core_dumps.value))
		consider(l, add->core_dumps.at, "limits.core_dumps: true turns core dumps on");
	if (net->line)
		consider(l, *net, "this network entry grants access");
}

int guard_project_loosening(const struct guard_policy *cur, const char *path, const char *buf, size_t len,
			    struct guard_origin *at, char *what, size_t whatlen, struct guard_error *err)
{
	struct guard_policy tmp;
	struct guard_origin net;
	struct loosening l = {0};
	guard_policy_init(&tmp);
	int rc = guard_policy_parse_yaml(&tmp, path, buf, len, GUARD_SRC_PROJECT, &net, err);
	if (rc == 0) {
		find_loosening(cur, &tmp, &net, &l);
		rc = l.found;
		if (l.found) {
			*at = l.at;
			at->file = path; /* l.at.file lives in tmp */
			snprintf(what, whatlen, "%s", l.what);
		}
	}
	guard_policy_free(&tmp);
	return rc;
}

static int load_project(struct guard_policy *p, const char *path, const char *store, struct guard_error *err)
{
	char *buf;
	size_t len;
	int rc = guard_read_file(path, MAX_POLICY_BYTES, &buf, &len);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		guard_error_set(err, path, 0, 0, "fix the file's permissions, or remove it", "cannot read: %s",
				strerror(errno));
		return -1;
	}
	struct guard_policy tmp;
	struct guard_origin net;
	struct loosening l = {0};
	guard_policy_init(&tmp);
	rc = guard_policy_parse_yaml(&tmp, path, buf, len, GUARD_SRC_PROJECT, &net, err);
	if (rc == 0)
		find_loosening(p, &tmp, &net, &l);
	/* Hash the very bytes that were parsed: no window for the file to change in between. */
	if (rc == 0 && l.found && !guard_trust_is_trusted(store, path, buf, len)) {
		char hint[PATH_MAX + 128];
		snprintf(hint, sizeof hint, "%sreview it, then run: guard trust %s",
			 guard_trust_has_path(store, path) ? "the file changed since you trusted it; " : "", path);
		guard_error_set(err, l.at.file, l.at.line, l.at.col, hint,
				"%s, but an untrusted project file may only tighten the policy", l.what);
		rc = -1;
	}
	if (rc == 0)
		guard_policy_merge(p, &tmp);
	guard_policy_free(&tmp);
	free(buf);
	return rc;
}

int guard_policy_assemble(struct guard_policy *out, const struct guard_sources *src, struct guard_error *err)
{
	char user[PATH_MAX];
	guard_policy_init(out);
	if (guard_policy_load_profile(out, src->profile ? src->profile : "default", err) < 0)
		goto fail;
	const char *uc = src->user_config;
	if (!uc && guard_config_dir(user, sizeof user - sizeof "/config.yaml") == 0)
		uc = strcat(user, "/config.yaml");
	/* No home at all: there is no user config to read. */
	if (uc && guard_policy_load_file(out, uc, GUARD_SRC_USER, err) < 0)
		goto fail;
	if (src->project_file && load_project(out, src->project_file, src->trust_store, err) < 0)
		goto fail;
	for (size_t i = 0; i < src->nflags; i++) {
		const struct guard_flag_rule *f = &src->flags[i];
		struct guard_origin at = {.file = f->flag, .source = GUARD_SRC_FLAG};
		if (guard_policy_add_rule(out, f->kind, f->pattern, at, err) < 0)
			goto fail;
	}
	for (size_t i = 0; i < src->nnet_flags; i++) {
		struct guard_origin at = {.file = "--allow-net", .source = GUARD_SRC_FLAG};
		if (guard_policy_add_net_allow(out, src->net_flags[i], at, err) < 0)
			goto fail;
	}
	if (src->allow_private)
		out->allow_private = (struct guard_limit){
			.set = true, .value = 1, .at = {.file = "--allow-private-net", .source = GUARD_SRC_FLAG}};
	for (size_t i = 0; i < src->nexec_flags; i++) {
		struct guard_origin at = {.file = "--deny-exec", .source = GUARD_SRC_FLAG};
		if (guard_policy_add_exec(out, src->exec_flags[i], at, err) < 0)
			goto fail;
	}
	return 0;
fail:
	guard_policy_free(out);
	return -1;
}
