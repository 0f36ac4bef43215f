/* `guard policy --json`: the effective policy for programs, every entry with where it came from. Stable and
 * versioned (guard(1) JSON OUTPUT): within "version":1 members are only added. */
#include <stdio.h>

#include "cli/policy_json.h"
#include "lib/json_write.h"

static void origin(struct guard_buf *b, struct guard_origin at)
{
	guard_buf_puts(b, "\"file\":");
	guard_json_str(b, at.file ? at.file : "");
	guard_buf_printf(b, ",\"line\":%u,\"col\":%u,\"source\":", at.line, at.col);
	guard_json_str(b, guard_source_name(at.source));
}

/* {"KEY":"TEXT"[,"negated":N],ORIGIN} */
static void item(struct guard_buf *b, bool first, const char *key, const char *text, int negated,
		 struct guard_origin at)
{
	guard_buf_printf(b, "%s{\"%s\":", first ? "" : ",", key);
	guard_json_str(b, text);
	if (negated >= 0)
		guard_buf_printf(b, ",\"negated\":%s", negated ? "true" : "false");
	guard_buf_puts(b, ",");
	origin(b, at);
	guard_buf_puts(b, "}");
}

static void limit(struct guard_buf *b, const char *name, const struct guard_limit *l, bool first)
{
	guard_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
	if (!l->set) {
		guard_buf_puts(b, "null");
		return;
	}
	guard_buf_printf(b, "{\"value\":%lld,", l->value);
	origin(b, l->at);
	guard_buf_puts(b, "}");
}

static void files(struct guard_buf *b, const struct guard_policy *p)
{
	guard_buf_puts(b, ",\"files\":{");
	for (int k = GUARD_READ; k <= GUARD_PROTECT; k++) {
		guard_buf_printf(b, "%s\"%s\":[", k == GUARD_READ ? "" : ",",
				 guard_rule_kind_name((enum guard_rule_kind)k));
		bool first = true;
		for (size_t i = 0; i < p->nrules; i++)
			if ((int)p->rules[i].kind == k) {
				item(b, first, "pattern", p->rules[i].pattern, p->rules[i].negated, p->rules[i].at);
				first = false;
			}
		guard_buf_puts(b, "]");
	}
	guard_buf_puts(b, "}");
}

static void names(struct guard_buf *b, const char *key, const struct guard_name *v, size_t n)
{
	guard_buf_printf(b, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		item(b, i == 0, "name", v[i].name, -1, v[i].at);
	guard_buf_puts(b, "]");
}

static void network(struct guard_buf *b, const struct guard_policy *p)
{
	guard_buf_puts(b, ",\"network\":{\"allow\":[");
	for (size_t i = 0; i < p->nnet_allow; i++)
		item(b, i == 0, "host", p->net_allow[i].written, -1, p->net_allow[i].at);
	guard_buf_puts(b, "],\"host_sockets\":[");
	for (size_t i = 0; i < p->nhost_sockets; i++)
		item(b, i == 0, "path", p->host_sockets[i].written, -1, p->host_sockets[i].at);
	guard_buf_puts(b, "],\"publish\":[");
	for (size_t i = 0; i < p->npublish; i++) {
		guard_buf_printf(b, "%s{\"port\":%u,", i ? "," : "", p->publish[i].port);
		origin(b, p->publish[i].at);
		guard_buf_puts(b, "}");
	}
	guard_buf_puts(b, "]");
	limit(b, "allow_private", &p->allow_private, false);
	guard_buf_puts(b, "}");
}

static void mask(struct guard_buf *b, const struct guard_policy *p)
{
	guard_buf_puts(b, ",\"mask_output\":[");
	for (size_t i = 0; i < p->nmask; i++) {
		const struct guard_mask_rule *m = &p->mask[i];
		guard_buf_puts(b, i ? ",{" : "{");
		if (m->preset) {
			guard_buf_puts(b, "\"preset\":");
			guard_json_str(b, m->preset);
		} else {
			guard_buf_puts(b, "\"regex\":");
			guard_json_str(b, m->regex ? m->regex : "");
			guard_buf_printf(b, ",\"show_prefix\":%d,\"case_insensitive\":%s", m->show_prefix,
					 m->case_insensitive ? "true" : "false");
		}
		guard_buf_puts(b, ",");
		origin(b, m->at);
		guard_buf_puts(b, "}");
	}
	guard_buf_puts(b, "]");
}

void guard_policy_json(FILE *out, const struct guard_policy *p, const char *project, const char *home)
{
	static const char *const pt[GUARD_PT_COUNT] = {"gpu", "docker", "display", "ssh-agent", "git-worktrees"};
	struct guard_buf b = {0};
	guard_buf_puts(&b, "{\"version\":1,\"project\":");
	guard_json_str(&b, project);
	guard_buf_puts(&b, ",\"home\":");
	guard_json_str(&b, home);
	guard_buf_puts(&b, ",\"profile\":");
	guard_json_str(&b, p->profile ? p->profile : "default");
	files(&b, p);
	guard_buf_puts(&b, ",\"env\":{");
	names(&b, "pass", p->env_pass, p->npass);
	guard_buf_puts(&b, ",");
	names(&b, "drop", p->env_drop, p->ndrop);
	guard_buf_puts(&b, ",");
	names(&b, "set", p->env_set, p->nset);
	guard_buf_puts(&b, "},\"limits\":{"); /* null: not set */
	limit(&b, "processes", &p->processes, true);
	limit(&b, "open_files", &p->open_files, false);
	limit(&b, "memory", &p->memory, false);
	limit(&b, "cpu", &p->cpu, false);
	limit(&b, "cpu_time", &p->cpu_time, false);
	limit(&b, "core_dumps", &p->core_dumps, false);
	guard_buf_puts(&b, "},\"passthrough\":[");
	bool first = true;
	for (int k = 0; k < GUARD_PT_COUNT; k++)
		if (p->passthrough & (1u << k)) {
			item(&b, first, "name", pt[k], -1, p->passthrough_at[k]);
			first = false;
		}
	guard_buf_puts(&b, "],\"exec\":{\"deny\":[");
	for (size_t i = 0; i < p->nexec; i++)
		item(&b, i == 0, "command", p->exec_deny[i].written, p->exec_deny[i].negated, p->exec_deny[i].at);
	guard_buf_puts(&b, "]}");
	network(&b, p);
	mask(&b, p);
	guard_buf_puts(&b, "}\n");
	fwrite(b.p, 1, b.len, out);
	guard_buf_free(&b);
}
