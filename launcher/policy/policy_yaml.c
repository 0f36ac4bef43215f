/* YAML policy files → guard_policy.
 *
 * yaml_doc.c reads the text into a tree that keeps each node's line:col (refusing anchors, aliases, tags, NUL
 * characters and more than one document on the way); here the tree is checked against the schema and its
 * entries are added to a temporary policy. Only a file that passes whole reaches the caller's policy, so a
 * half-applied config can never run. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guard/match.h"
#include "policy/limits_plan.h"
#include "lib/guard.h"
#include "policy/policy_api.h"
#include "policy/mask_policy.h"
#include "lib/yaml_doc.h"

#define MAX_PROCESSES 4194304LL /* PID_MAX_LIMIT */
#define MAX_OPEN_FILES 1073741824LL

struct yload {
	struct guard_policy *p;
	const char *file; /* interned in p */
	enum guard_source src;
	struct guard_origin *net;
	struct guard_error *err;
};

static int yfail(struct yload *L, unsigned line, unsigned col, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int yfail(struct yload *L, unsigned line, unsigned col, const char *hint, const char *fmt, ...)
{
	char msg[sizeof L->err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	guard_error_set(L->err, L->file, line, col, hint, "%s", msg);
	return -1;
}

#define NFAIL(L, node, hint, ...) yfail((L), (node)->start.line, (node)->start.col, (hint), __VA_ARGS__)

/* extends, description and state describe a profile (rules/NAME.yaml): see profile_section(). */
static const char *const TOP_KEYS[] = {"files",   "env",         "limits", "exec",        "network", "mask_output",
				       "extends", "description", "state",  "passthrough", NULL};
static const char *const FILES_KEYS[] = {"read", "write", "deny", "protect", NULL}; /* guard_rule_kind order */
static const char *const ENV_KEYS[] = {"pass", "drop", "set", NULL};
static const char *const LIMITS_KEYS[] = {"processes",  "open_files", "memory",          "cpu",
					  "core_dumps", "log",        "log_free_margin", NULL};
static const char *const PASSTHROUGH_NAMES[] = {"gpu", "docker", "display", "ssh-agent", "git-worktrees", NULL};
static const char *const EXEC_KEYS[] = {"deny", NULL};
static const char *const NETWORK_KEYS[] = {"allow", "host_sockets", "publish", "allow_private", NULL};
static const char *const MASK_KEYS[] = {"presets", "patterns", NULL};
static const char *const MASK_PATTERN_KEYS[] = {"regex", "show_prefix", "case_insensitive", NULL};

static int key_index(const char *const *keys, const char *k)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

static void key_list(const char *const *keys, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; keys[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i]);
}

static struct guard_origin origin(const struct yload *L, const struct yd_node *n)
{
	return (struct guard_origin){.file = L->file, .line = n->start.line, .col = n->start.col, .source = L->src};
}

/* A mapping (or nothing) whose keys are all known, each once. `path` names it in messages ("" at the top). */
static int check_map(struct yload *L, const struct yd_node *map, const char *path, const char *const *known)
{
	char keys[256], hint[384];
	key_list(known, keys, sizeof keys);
	if (yd_is_null(map))
		return 0;
	if (map->type != YD_MAP) {
		snprintf(hint, sizeof hint, "write \"key: value\" lines with keys among: %s", keys);
		if (!*path)
			return NFAIL(L, map, hint, "the top level must be a mapping of sections (%s)", keys);
		return NFAIL(L, map, hint, "%s must be a mapping", path);
	}
	for (size_t i = 0; i < map->n; i += 2) {
		const struct yd_node *k = map->kid[i];
		if (k->type != YD_SCALAR)
			return NFAIL(L, k, "write keys as plain words, like \"read:\"",
				     "%s%sa key must be a plain word", path, *path ? ": " : "");
		if (key_index(known, k->text) < 0) {
			const char *s = guard_suggest(k->text, known);
			if (s)
				snprintf(hint, sizeof hint, "did you mean \"%s\"?", s);
			else
				snprintf(hint, sizeof hint, "known keys%s%s: %s", *path ? " in " : "", path, keys);
			return NFAIL(L, k, hint, "unknown key \"%s\"%s%s", k->text, *path ? " in " : "", path);
		}
		for (size_t j = 0; j < i; j += 2)
			if (strcmp(map->kid[j]->text, k->text) == 0) {
				snprintf(hint, sizeof hint, "first set at %u:%u; keep one and merge their values",
					 map->kid[j]->start.line, map->kid[j]->start.col);
				return NFAIL(L, k, hint, "duplicate key \"%s\"%s%s", k->text, *path ? " in " : "",
					     path);
			}
	}
	return 0;
}

typedef int (*item_fn)(struct yload *L, const struct yd_node *item, const char *path, int arg);

/* A list (or nothing) of strings; every plain scalar counts as a string here ("~" is the home directory, not
 * null), since entries are patterns and names, never numbers or booleans. */
static int each_string(struct yload *L, const struct yd_node *list, const char *path, item_fn fn, int arg)
{
	char hint[384];
	if (yd_is_null(list) && !(list && list->type == YD_SCALAR && !strcmp(list->text, "~")))
		return 0;
	const char *key = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
	if (list->type != YD_SEQ) {
		if (list->type == YD_SCALAR)
			snprintf(hint, sizeof hint, "write a list, like %s: [\"%s\"], or one \"- %s\" per line", key,
				 list->text, list->text);
		else
			snprintf(hint, sizeof hint, "write one \"- entry\" per line");
		return NFAIL(L, list, hint, "%s must be a list of strings", path);
	}
	for (size_t i = 0; i < list->n; i++) {
		const struct yd_node *it = list->kid[i];
		if (it->type != YD_SCALAR)
			return NFAIL(L, it,
				     "each entry is one string; quote entries that contain \": \" or start with { or [",
				     "%s must be a list of strings", path);
		if (fn(L, it, path, arg) < 0)
			return -1;
	}
	return 0;
}

static int int_value(struct yload *L, const struct yd_node *n, const char *path, long long lo, long long hi,
		     long long *out)
{
	char hint[128];
	snprintf(hint, sizeof hint, "use a whole number from %lld to %lld, without quotes", lo, hi);
	const char *t = n->type == YD_SCALAR ? n->text : "";
	const char *digits = t + (t[0] == '-');
	if (n->type != YD_SCALAR || !n->plain || !*digits || strspn(digits, "0123456789") != strlen(digits))
		return NFAIL(L, n, hint, "%s must be an integer", path);
	long long v = 0;
	for (const char *d = digits; *d; d++) {
		if (v > hi)
			break; /* already out of range: stop before overflowing */
		v = v * 10 + (*d - '0');
	}
	if (t[0] == '-')
		v = -v;
	if (v < lo || v > hi)
		return NFAIL(L, n, hint, "%s: %s is out of range", path, t);
	*out = v;
	return 0;
}

static int bool_value(struct yload *L, const struct yd_node *n, const char *path, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", NULL}, *const no[] = {"false", "False", "FALSE",
											NULL};
	if (n->type == YD_SCALAR && n->plain && (key_index(yes, n->text) >= 0 || key_index(no, n->text) >= 0)) {
		*out = key_index(yes, n->text) >= 0;
		return 0;
	}
	return NFAIL(L, n, "write true or false, without quotes", "%s must be true or false", path);
}

static int rule_item(struct yload *L, const struct yd_node *it, const char *path, int kind)
{
	(void)path;
	return guard_policy_add_rule(L->p, (enum guard_rule_kind)kind, it->text, origin(L, it), L->err);
}

static int name_item(struct yload *L, const struct yd_node *it, const char *path, int pass)
{
	(void)path;
	return guard_policy_add_name(L->p, pass, it->text, origin(L, it), L->err);
}

/* Reserved keys are applied by later work, which will bring its own checks; for now: well-formed strings. */
enum { SHAPE_TEXT, SHAPE_PATTERN, SHAPE_NET };
static int shape_item(struct yload *L, const struct yd_node *it, const char *path, int how)
{
	if (!it->text[0] || strspn(it->text, " \t") == strlen(it->text))
		return NFAIL(L, it, "remove the empty entry", "%s: empty entry", path);
	const char *why = how == SHAPE_PATTERN ? guard_pattern_error(it->text) : NULL;
	if (why)
		return NFAIL(L, it, "globs: * ? [abc] [a-z] [!x], \\x escapes x", "%s: bad pattern \"%s\": %s", path,
			     it->text, why);
	if (how == SHAPE_NET && !L->net->line)
		*L->net = origin(L, it);
	return 0;
}

/* network.allow (allow=1) and network.host_sockets entries: validated and kept (net_policy.c). */
static int net_item(struct yload *L, const struct yd_node *it, const char *path, int allow)
{
	int rc = allow ? guard_policy_add_net_allow(L->p, it->text, origin(L, it), L->err)
		       : guard_policy_add_host_socket(L->p, it->text, origin(L, it), L->err);
	if (rc == 0 && !L->net->line)
		*L->net = origin(L, it);
	(void)path;
	return rc;
}

/* exec.deny entries: validated and kept (exec_policy.c). */
static int exec_item(struct yload *L, const struct yd_node *it, const char *path, int unused)
{
	(void)path, (void)unused;
	return guard_policy_add_exec(L->p, it->text, origin(L, it), L->err);
}

static void reserve(struct yload *L, enum guard_reserved r, const struct yd_node *key, const struct yd_node *val)
{
	if (!yd_is_null(val) && val->n) {
		L->p->reserved_set[r] = true;
		L->p->reserved_at[r] = origin(L, key);
	}
}

static int files_section(struct yload *L, const struct yd_node *v)
{
	if (check_map(L, v, "files", FILES_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2) {
		char path[64];
		snprintf(path, sizeof path, "files.%s", v->kid[i]->text);
		if (each_string(L, v->kid[i + 1], path, rule_item, key_index(FILES_KEYS, v->kid[i]->text)) < 0)
			return -1;
	}
	return 0;
}

/* env.set: a map of variable names to the values the sandbox gets, whatever the caller's environment holds. */
static int env_set_section(struct yload *L, const struct yd_node *v)
{
	if (yd_is_null(v))
		return 0;
	if (v->type != YD_MAP)
		return NFAIL(L, v, "write one \"NAME: value\" per line", "env.set must be a map of names to values");
	for (size_t i = 0; i < v->n; i += 2) {
		const struct yd_node *val = v->kid[i + 1];
		if (val->type != YD_SCALAR)
			return NFAIL(L, val, "write the value as one string (quoted: \"1\")",
				     "env.set: the value of %s must be a string", v->kid[i]->text);
		if (guard_policy_add_env_set(L->p, v->kid[i]->text, val->text, origin(L, v->kid[i]), L->err) < 0)
			return -1;
	}
	return 0;
}

static int env_section(struct yload *L, const struct yd_node *v)
{
	if (check_map(L, v, "env", ENV_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2) {
		if (!strcmp(v->kid[i]->text, "set")) {
			if (env_set_section(L, v->kid[i + 1]) < 0)
				return -1;
			continue;
		}
		bool pass = strcmp(v->kid[i]->text, "pass") == 0;
		if (each_string(L, v->kid[i + 1], pass ? "env.pass" : "env.drop", name_item, pass) < 0)
			return -1;
	}
	return 0;
}

/* limits.memory ("2G") and limits.cpu ("50%", 1.5, "10m"): launcher/limits.c. */
static int memory_cpu_value(struct yload *L, const char *k, const struct yd_node *val)
{
	const char *why = "a scalar value";
	long long n = 0, milli = -1, secs = -1;
	bool mem = !strcmp(k, "memory");
	if (val->type == YD_SCALAR &&
	    (mem ? guard_parse_size(val->text, &n, &why) : guard_parse_cpu(val->text, &milli, &secs, &why)) == 0) {
		struct guard_origin at = origin(L, val);
		if (mem)
			L->p->memory = (struct guard_limit){.set = true, .value = n, .at = at};
		else if (milli > 0)
			L->p->cpu = (struct guard_limit){.set = true, .value = milli, .at = at};
		else
			L->p->cpu_time = (struct guard_limit){.set = true, .value = secs, .at = at};
		return 0;
	}
	return NFAIL(L, val,
		     mem ? "write a size: 512M, 2G (K, M, G, T are powers of 1024)"
			 : "write a share of CPUs (\"50%\", 1.5 cores) or a CPU-time budget (30s, 10m, 1h)",
		     "limits.%s: \"%s\" is not a %s: %s", k, val->type == YD_SCALAR ? val->text : "",
		     mem ? "size" : "CPU limit", why);
}

static int passthrough_item(struct yload *L, const struct yd_node *it, const char *path, int arg)
{
	(void)arg;
	int k = key_index(PASSTHROUGH_NAMES, it->text);
	if (k < 0) {
		char hint[256], names[160];
		key_list(PASSTHROUGH_NAMES, names, sizeof names);
		const char *s = guard_suggest(it->text, PASSTHROUGH_NAMES);
		if (s)
			snprintf(hint, sizeof hint, "did you mean \"%s\"?", s);
		else
			snprintf(hint, sizeof hint, "known: %s", names);
		return NFAIL(L, it, hint, "%s: unknown passthrough \"%s\"", path, it->text);
	}
	L->p->passthrough |= 1u << k;
	L->p->passthrough_at[k] = origin(L, it);
	return 0;
}

/* limits.log ("64M") and limits.log_free_margin ("1G", "5%"): launcher/log/session_limit.h. */
static int log_value(struct yload *L, const char *k, const struct yd_node *val)
{
	const char *why = "a scalar value";
	long long n = 0;
	bool cap = !strcmp(k, "log");
	if (val->type == YD_SCALAR &&
	    (cap ? guard_parse_log_cap(val->text, &n, &why) : guard_parse_log_margin(val->text, &n, &why)) == 0) {
		*(cap ? &L->p->log : &L->p->log_free_margin) =
			(struct guard_limit){.set = true, .value = n, .at = origin(L, val)};
		return 0;
	}
	return NFAIL(L, val,
		     cap ? "write a size: 64M, 1G (K, M, G, T are powers of 1024; at least 64K)"
			 : "write a size (1G, 0 for none) or a share of the filesystem (5%)",
		     "limits.%s: \"%s\" is not a %s: %s", k, val->type == YD_SCALAR ? val->text : "",
		     cap ? "log size" : "free-space margin", why);
}

static int limits_section(struct yload *L, const struct yd_node *v)
{
	if (check_map(L, v, "limits", LIMITS_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2) {
		const char *k = v->kid[i]->text;
		const struct yd_node *val = v->kid[i + 1];
		char path[64];
		snprintf(path, sizeof path, "limits.%s", k);
		if (!strcmp(k, "memory") || !strcmp(k, "cpu")) {
			if (memory_cpu_value(L, k, val) < 0)
				return -1;
			continue;
		}
		if (!strcmp(k, "log") || !strcmp(k, "log_free_margin")) {
			if (log_value(L, k, val) < 0)
				return -1;
			continue;
		}
		struct guard_limit *lim = !strcmp(k, "processes")    ? &L->p->processes
					  : !strcmp(k, "open_files") ? &L->p->open_files
								     : &L->p->core_dumps;
		long long n = 0;
		bool b = false;
		if (lim == &L->p->core_dumps) {
			if (bool_value(L, val, path, &b) < 0)
				return -1;
			n = b;
		} else if (int_value(L, val, path, 1, lim == &L->p->processes ? MAX_PROCESSES : MAX_OPEN_FILES, &n) <
			   0) {
			return -1;
		}
		*lim = (struct guard_limit){.set = true, .value = n, .at = origin(L, val)};
	}
	return 0;
}

static int exec_section(struct yload *L, const struct yd_node *key, const struct yd_node *v)
{
	if (check_map(L, v, "exec", EXEC_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2)
		if (each_string(L, v->kid[i + 1], "exec.deny", exec_item, 0) < 0)
			return -1;
	reserve(L, GUARD_RESERVED_EXEC, key, v);
	return 0;
}

/* network.allow_private: true opens the LAN to every allowed name (DNS rebinding's target), so only the user
 * decides it: a project file (trusted or not) or a profile may only say false. */
static int allow_private_value(struct yload *L, const struct yd_node *val)
{
	bool on = false;
	if (bool_value(L, val, "network.allow_private", &on) < 0)
		return -1;
	if (on && L->src != GUARD_SRC_USER)
		return NFAIL(
			L, val,
			"set it in your own config (~/.config/guard/config.yaml) or run guard with "
			"--allow-private-net; or allow the one address by a rule that names it (network.allow: "
			"[\"10.0.0.5:8080\"])",
			"network.allow_private: true may be set only by the user's own config or a flag, not by %s",
			L->src == GUARD_SRC_PROJECT ? "a project file" : "a profile");
	L->p->allow_private = (struct guard_limit){.set = true, .value = on, .at = origin(L, val)};
	return 0;
}

static int network_section(struct yload *L, const struct yd_node *key, const struct yd_node *v)
{
	if (check_map(L, v, "network", NETWORK_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2) {
		const char *k = v->kid[i]->text;
		const struct yd_node *val = v->kid[i + 1];
		char path[64];
		snprintf(path, sizeof path, "network.%s", k);
		if (strcmp(k, "allow_private") == 0) {
			if (allow_private_value(L, val) < 0)
				return -1;
			continue;
		}
		if (strcmp(k, "publish") != 0) {
			if (each_string(L, val, path, net_item, strcmp(k, "allow") == 0) < 0)
				return -1;
			continue;
		}
		if (yd_is_null(val))
			continue;
		if (val->type != YD_SEQ)
			return NFAIL(L, val, "write a list of port numbers, like publish: [8080]",
				     "network.publish must be a list of ports");
		for (size_t j = 0; j < val->n; j++) {
			long long port;
			if (int_value(L, val->kid[j], "network.publish", 1, 65535, &port) < 0 ||
			    guard_policy_add_publish(L->p, port, origin(L, val->kid[j]), L->err) < 0)
				return -1;
			if (!L->net->line)
				*L->net = origin(L, val->kid[j]);
		}
	}
	reserve(L, GUARD_RESERVED_NETWORK, key, v);
	return 0;
}

static int mask_preset_item(struct yload *L, const struct yd_node *it, const char *path, int unused)
{
	(void)unused;
	if (shape_item(L, it, path, SHAPE_TEXT) < 0)
		return -1;
	return guard_policy_add_mask(L->p, it->text, NULL, 0, false, origin(L, it), L->err);
}

static int mask_pattern(struct yload *L, const struct yd_node *e)
{
	const char *path = "mask_output.patterns entry";
	if (!yd_is_null(e) && e->type != YD_MAP)
		return NFAIL(L, e, "write each entry like: - {regex: \"ghp_[A-Za-z0-9]+\", show_prefix: 4}",
			     "mask_output.patterns must be a list of mappings");
	if (check_map(L, e, path, MASK_PATTERN_KEYS) < 0)
		return -1;
	bool has_regex = false, ci = false;
	const struct yd_node *regex = NULL;
	long long show = 0;
	for (size_t i = 0; e && e->type == YD_MAP && i < e->n; i += 2) {
		const char *k = e->kid[i]->text;
		const struct yd_node *val = e->kid[i + 1];
		long long n = 0;
		bool b = false;
		if (!strcmp(k, "regex")) {
			if (val->type != YD_SCALAR || !val->text[0])
				return NFAIL(L, val, "quote the regular expression",
					     "mask_output.patterns regex must be a "
					     "non-empty string");
			has_regex = true;
			regex = val;
		} else if (!strcmp(k, "show_prefix")) {
			if (int_value(L, val, "mask_output.patterns show_prefix", 0, 1024, &n) < 0)
				return -1;
			show = n;
		} else if (bool_value(L, val, "mask_output.patterns case_insensitive", &b) < 0) {
			return -1;
		} else {
			ci = b;
		}
	}
	if (!has_regex)
		return NFAIL(L, e, "add regex: \"...\"", "a mask_output.patterns entry needs a regex");
	return guard_policy_add_mask(L->p, NULL, regex->text, (int)show, ci, origin(L, regex), L->err);
}

static int mask_section(struct yload *L, const struct yd_node *key, const struct yd_node *v)
{
	if (check_map(L, v, "mask_output", MASK_KEYS) < 0)
		return -1;
	for (size_t i = 0; v && v->type == YD_MAP && i < v->n; i += 2) {
		const struct yd_node *val = v->kid[i + 1];
		if (!strcmp(v->kid[i]->text, "presets")) {
			if (each_string(L, val, "mask_output.presets", mask_preset_item, 0) < 0)
				return -1;
			continue;
		}
		if (yd_is_null(val))
			continue;
		if (val->type != YD_SEQ)
			return NFAIL(L, val, "write one \"- {regex: ...}\" per line",
				     "mask_output.patterns must be a list");
		for (size_t j = 0; j < val->n; j++)
			if (mask_pattern(L, val->kid[j]) < 0)
				return -1;
	}
	reserve(L, GUARD_RESERVED_MASK_OUTPUT, key, v);
	return 0;
}

/* A `state:` entry: the agent's own file, or directory with a trailing '/', under $HOME. Granted like files.write
 * and created before a run when missing, so an agent's first run under guard can keep its login and transcripts
 * (the sandbox's home admits no new entries). Only plain paths: guard creates exactly what is written. */
static int state_item(struct yload *L, const struct yd_node *it, const char *path, int unused)
{
	(void)path, (void)unused;
	const char *t = it->text;
	const char *rest = !strncmp(t, "~/", 2) ? t + 2 : !strncmp(t, "$HOME/", 6) ? t + 6 : NULL;
	bool plain = rest && *rest && *rest != '/' && !guard_pattern_has_glob(rest) && !strstr(rest, "//");
	for (const char *c = rest; plain && c && *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		plain = strncmp(c, "./", 2) && strcmp(c, ".") && strncmp(c, "../", 3) && strcmp(c, "..");
	if (!plain)
		return NFAIL(L, it, "a path under your home, no globs: ~/.tool/ (a directory) or ~/.tool.json",
			     "state: \"%s\" must be a plain path under ~", t);
	if (guard_policy_add_rule(L->p, GUARD_WRITE, t, origin(L, it), L->err) < 0)
		return -1;
	L->p->rules[L->p->nrules - 1].create = true;
	return 0;
}

/* Keys that only a profile may carry: a user or project file that says `extends: x` most likely wants
 * `guard run --profile x`, so say that instead of accepting a second way to choose the profile. */
static int profile_section(struct yload *L, const struct yd_node *key, const struct yd_node *v)
{
	bool ext = !strcmp(key->text, "extends");
	if (L->src != GUARD_SRC_PROFILE)
		return NFAIL(L, key, "choose a profile with: guard run --profile NAME (guard profiles lists them)",
			     "\"%s\" is only for profiles (rules/NAME.yaml)", key->text);
	if (!strcmp(key->text, "state"))
		return each_string(L, v, "state", state_item, 0);
	if (yd_is_null(v) || v->type != YD_SCALAR || !v->text[0])
		return NFAIL(L, v, ext ? "name one profile, like: extends: default" : "write one line of text",
			     "%s must be a string", key->text);
	char **dst = ext ? &L->p->extends : &L->p->description;
	size_t n = strlen(v->text) + 1;
	*dst = memcpy(guard_xreallocarray(NULL, n, 1), v->text, n);
	if (ext)
		L->p->extends_at = origin(L, v);
	return 0;
}

static int walk(struct yload *L, const struct yd_node *root)
{
	if (check_map(L, root, "", TOP_KEYS) < 0)
		return -1;
	for (size_t i = 0; root && root->type == YD_MAP && i < root->n; i += 2) {
		const struct yd_node *k = root->kid[i], *v = root->kid[i + 1];
		int rc;
		switch (key_index(TOP_KEYS, k->text)) {
		case 0:
			rc = files_section(L, v);
			break;
		case 1:
			rc = env_section(L, v);
			break;
		case 2:
			rc = limits_section(L, v);
			break;
		case 3:
			rc = exec_section(L, k, v);
			break;
		case 4:
			rc = network_section(L, k, v);
			break;
		case 5:
			rc = mask_section(L, k, v);
			break;
		case 9:
			rc = each_string(L, v, "passthrough", passthrough_item, 0);
			break;
		default:
			rc = profile_section(L, k, v);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int guard_policy_parse_yaml(struct guard_policy *out, const char *display, const char *buf, size_t len,
			    enum guard_source src, struct guard_origin *net, struct guard_error *err)
{
	struct guard_origin none;
	struct yload L = {
		.p = out, .file = guard_policy_intern(out, display), .src = src, .net = net ? net : &none, .err = err};
	*L.net = (struct guard_origin){.file = L.file, .source = src};
	struct yd_doc doc;
	struct yd_error why;
	int rc = yd_read(buf, len, YD_REFUSE_NUL, &doc, &why);
	if (rc < 0)
		yfail(&L, why.line, why.col, why.hint, "%s", why.message);
	else
		rc = walk(&L, doc.root);
	yd_free(&doc);
	return rc;
}

int guard_policy_load_yaml(struct guard_policy *p, const char *display, const char *buf, size_t len,
			   enum guard_source src, struct guard_error *err)
{
	struct guard_policy tmp;
	guard_policy_init(&tmp);
	if (guard_policy_parse_yaml(&tmp, display, buf, len, src, NULL, err) < 0) {
		guard_policy_free(&tmp);
		return -1;
	}
	guard_policy_merge(p, &tmp);
	return 0;
}
