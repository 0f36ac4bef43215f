/* What a sandbox backend implements: exactly one is linked (sandbox/linux/, or sandbox/darwin/ in the macOS
 * build; neither touches anything neutral). The neutral planner (plan/) decides what the sandbox may do; the
 * platform decides how its kernel enforces that, prints it for --dry-run, and runs the command under it. */
#ifndef GUARD_PLATFORM_H
#define GUARD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plan/plan.h"
#include "supervisor/supervise.h"

struct guard_platform_caps {
	int abi;         /* the file boundary's version (Landlock ABI); 0: unavailable, -1: the probe failed (why) */
	bool port_rules; /* TCP ports can be limited without a network namespace */
	bool observer;   /* the kernel observer (seccomp user notification) can be had */
};

/* What this kernel and process allow; `why` says why the file boundary is missing (may be empty). */
void guard_platform_probe(struct guard_platform_caps *caps, char *why, size_t whylen);

/* Can the sandbox get namespaces of its own (the stronger mode)? Tried for real; `why` says why not. */
bool guard_platform_probe_namespaces(char *why, size_t whylen);

/* `guard doctor`: this machine's findings on stdout, as text or as one JSON object (guard(1) JSON OUTPUT).
 * Returns false when no sandbox is possible here. */
bool guard_platform_doctor(bool json, bool no_userns);

/* Fill plan->os from the neutral plan (guard_plan_build first). Dies on what cannot be applied. */
void guard_platform_plan(struct guard_plan *plan, const struct guard_plan_input *in);
void guard_platform_plan_free(struct guard_plan *plan);

/* --dry-run: the platform's parts of the plan, each printed where plan_print.c puts it. */
enum guard_plan_part {
	GUARD_PART_MODE,     /* one "mode: ..." line */
	GUARD_PART_BOUNDARY, /* the file boundary: rules, mounts */
	GUARD_PART_SYSCALLS, /* the system-call filter */
	GUARD_PART_PROCESS,  /* limits applied outside rlimits, privileges */
};
void guard_platform_plan_print(const struct guard_plan *plan, enum guard_plan_part part);

/* `guard explain`: ask the running kernel boundary itself whether it denies reading and writing `path`, without
 * acting (macOS: sandbox_check). The sandbox asked is the calling process's when guard_pid is 0 (explain run
 * inside the sandbox), else the command of the live session whose supervisor is guard_pid. true with
 * *read_denied and *write_denied set; false when the kernel cannot be asked (`why` says why, or is empty when
 * the platform has no such question: Landlock's). */
bool guard_platform_kernel_verdict(pid_t guard_pid, const char *path, bool *read_denied, bool *write_denied, char *why,
				   size_t whylen);

/* Returned by guard_platform_run when the kernel refused to create the namespaces (the caller may replan for
 * Landlock-only mode); `why` says what failed. */
#define GUARD_SANDBOX_NO_USERNS (-2)

/* Run argv under the plan with environment env, supervised. Returns the exit status guard should exit with (the
 * command's, 128+signal, 125/126/127), or GUARD_SANDBOX_NO_USERNS. A limit the platform can only hold through a
 * fallback (plan->allow_degraded) is lowered onto it in plan->rlimits. */
int guard_platform_run(struct guard_plan *plan, char *const *argv, char *const *env, struct guard_supervision *sup,
		       char *why, size_t whylen);

#endif
