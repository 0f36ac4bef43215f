/* limits.memory and limits.cpu: written forms, YAML errors with their place, merge, and passthrough names. */
#include <stdio.h>
#include <string.h>

#include "policy/limits_plan.h"
#include "policy/policy_api.h"
#include "tap.h"

static int load(struct guard_policy *p, const char *yaml, struct guard_error *e)
{
	guard_policy_init(p);
	return guard_policy_load_yaml(p, "t.yaml", yaml, strlen(yaml), GUARD_SRC_USER, e);
}

int main(void)
{
	const char *why;
	long long v, m, s;
	static const struct {
		const char *text;
		long long bytes; /* -1: refused */
	} sizes[] = {{"2G", 2LL << 30},
		     {"512M", 512LL << 20},
		     {"8192K", 8192LL << 10},
		     {"1.5G", 3LL << 29},
		     {"2GiB", 2LL << 30},
		     {"2gb", 2LL << 30},
		     {"268435456", 268435456},
		     {"1T", 1LL << 40},
		     {"lots", -1},
		     {"2X", -1},
		     {"", -1},
		     {"-1G", -1},
		     {"1K", -1 /* < 4M */},
		     {"2M", -1},
		     {"4M", 4LL << 20},
		     {"G", -1}};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		v = 0;
		int rc = guard_parse_size(sizes[i].text, &v, &why);
		if (sizes[i].bytes < 0)
			TAP_OK(rc < 0, "size \"%s\" refused", sizes[i].text);
		else
			TAP_OK(rc == 0 && v == sizes[i].bytes, "size \"%s\" = %lld (got %lld)", sizes[i].text,
			       sizes[i].bytes, v);
	}
	static const struct {
		const char *text;
		long long milli, secs; /* both -1: refused */
	} cpus[] = {{"50%", 500, -1}, {"250%", 2500, -1}, {"1.5", 1500, -1},   {"2", 2000, -1},     {"0.25", 250, -1},
		    {"10m", -1, 600}, {"30s", -1, 30},    {"1h30m", -1, 5400}, {"1d", -1, 86400},   {"0%", -1, -1},
		    {"fast", -1, -1}, {"10x", -1, -1},    {"", -1, -1},        {"5000000", -1, -1}, {"0s", -1, -1}};
	for (size_t i = 0; i < sizeof cpus / sizeof *cpus; i++) {
		int rc = guard_parse_cpu(cpus[i].text, &m, &s, &why);
		if (cpus[i].milli < 0 && cpus[i].secs < 0)
			TAP_OK(rc < 0, "cpu \"%s\" refused", cpus[i].text);
		else
			TAP_OK(rc == 0 && m == cpus[i].milli && s == cpus[i].secs, "cpu \"%s\" = %lld milli / %lld s",
			       cpus[i].text, cpus[i].milli, cpus[i].secs);
	}

	struct guard_policy p;
	struct guard_error e;
	TAP_OK(load(&p, "limits:\n  memory: 2G\n  cpu: \"50%\"\n", &e) == 0 && p.memory.set &&
		       p.memory.value == 2LL << 30 && p.cpu.set && p.cpu.value == 500 && !p.cpu_time.set,
	       "YAML: memory 2G, cpu 50%%");
	guard_policy_free(&p);
	TAP_OK(load(&p, "limits:\n  cpu: 10m\n", &e) == 0 && !p.cpu.set && p.cpu_time.set && p.cpu_time.value == 600,
	       "YAML: cpu 10m is a CPU-time budget");
	guard_policy_free(&p);
	TAP_OK(load(&p, "limits:\n  memory: lots\n", &e) != 0 && e.line == 2 && e.col == 11 &&
		       strstr(e.message, "limits.memory"),
	       "YAML: a bad memory value names its place (%u:%u %s)", e.line, e.col, e.message);
	guard_policy_free(&p);
	TAP_OK(load(&p, "limits:\n  cpu: [1]\n", &e) != 0 && e.line == 2 && strstr(e.message, "limits.cpu"),
	       "YAML: a list for cpu is refused (%s)", e.message);
	guard_policy_free(&p);
	TAP_OK(load(&p, "passthrough: [gpu, ssh-agent]\n", &e) == 0 &&
		       p.passthrough == ((1u << GUARD_PT_GPU) | (1u << GUARD_PT_SSH_AGENT)) &&
		       p.passthrough_at[GUARD_PT_SSH_AGENT].line == 1,
	       "YAML: passthrough names");
	guard_policy_free(&p);
	TAP_OK(load(&p, "passthrough: [gpus]\n", &e) != 0 && e.line == 1 && e.col == 15 && strstr(e.hint, "gpu"),
	       "YAML: an unknown passthrough, with a suggestion (%u:%u %s / %s)", e.line, e.col, e.message, e.hint);
	guard_policy_free(&p);
	char b[64];
	TAP_OK(!strcmp(guard_format_size(2LL << 30, b, sizeof b), "2G"), "format 2G (%s)", b);
	TAP_OK(!strcmp(guard_format_size(3LL << 29, b, sizeof b), "1536M"), "format 1536M, exact (%s)", b);
	return tap_done();
}
