/* limits.memory and limits.cpu: their written forms (limits.c) and how a session applies them (cgroup_linux.c,
 * rlimits.c). */
#ifndef GUARD_LIMITS_H
#define GUARD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#define GUARD_MEMORY_MIN (4LL << 20)
#define GUARD_MEMORY_MAX (1LL << 60)
#define GUARD_CPU_MIN_MILLI 10LL
#define GUARD_CPU_MAX_MILLI 4096000LL

/* The session log's bounds (limits.log, limits.log_free_margin; `guard run --log-cap`, `--log-free-margin`;
 * log/session_limit.h applies them). */
#define GUARD_LOG_CAP_DEFAULT (64ull << 20)
#define GUARD_LOG_CAP_MIN (64ull << 10)             /* room for the notes and a few denials */
#define GUARD_LOG_MARGIN_DEFAULT_BYTES (1ull << 30) /* the default margin: the smaller of 1 GiB ... */
#define GUARD_LOG_MARGIN_DEFAULT_PERCENT 5          /* ... and 5 % of the filesystem */

/* "2G", "1.5M", "0" → bytes, any size. 0, or -1 with a static reason. */
int guard_parse_bytes(const char *text, long double *bytes, const char **why);
/* "2G" → bytes of memory (at least GUARD_MEMORY_MIN). 0, or -1 with a static reason. */
int guard_parse_size(const char *text, long long *bytes, const char **why);
/* "50%" / "1.5" → millicpus (seconds = -1); "10m" → seconds (millicpus = -1). 0, or -1 with a static reason. */
int guard_parse_cpu(const char *text, long long *millicpus, long long *seconds, const char **why);
/* limits.log: a size of at least GUARD_LOG_CAP_MIN. 0, or -1 with a static reason. */
int guard_parse_log_cap(const char *text, long long *bytes, const char **why);
/* limits.log_free_margin: a size ("1G", "0": bytes >= 0) or a share of the filesystem ("5%": -5). */
int guard_parse_log_margin(const char *text, long long *value, const char **why);
char *guard_format_size(long long bytes, char *buf, size_t len);
char *guard_format_cpu(long long millicpus, char *buf, size_t len);

struct guard_plan;
struct guard_cgroup;
/* Before the sandbox starts (limits_linux.c): create the session's cgroups for what the plan limits (processes
 * when root, memory, cpu share). One that can't be made ends guard (125), unless allow_degraded: then it is
 * noted, and memory falls back to RLIMIT_DATA in plan->rlimits. true when `cg` holds something. */
bool guard_limits_cgroup(struct guard_plan *plan, struct guard_cgroup *cg, const char *id, bool allow_degraded);
/* --dry-run: how memory and cpu limits are applied here (lines on stdout). */
void guard_limits_print(const struct guard_plan *plan);
/* `guard doctor`: how limits.memory, limits.cpu and limits.processes apply here (static strings). */
void guard_limits_doctor(const char **memory, const char **cpu, const char **processes);

#endif
