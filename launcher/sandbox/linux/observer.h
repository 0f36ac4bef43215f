/* The kernel observer (observer_linux.c): a seccomp user-notification filter in the command, served by the
 * supervisor's loop through a slot. */
#ifndef GUARD_OBSERVER_H
#define GUARD_OBSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "supervisor/supervise.h"

struct guard_bpf;

/* The observer's filter, compiled ahead (filters.h): it stops the watched calls; with state_names also the calls
 * that make names (state_names.h); with every_exec (the policy has exec.deny entries) also the execs that carry the
 * magic. The loader's opens from the nsites call sites pass unstopped (loader_sites.h). 0, or -1 with why. */
int guard_observer_compile(uint64_t magic, bool state_names, bool every_exec, const uint16_t *sites, size_t nsites,
			   struct guard_bpf *out, char *why, size_t whylen);

/* In the command's child, right before exec: load it and hand its listener to the supervisor over `sock`.
 * 0, or -1 with why. */
int guard_observer_load(int sock, const struct guard_bpf *p, char *why, size_t whylen);

/* Supervisor, after the fork: a slot in sup's loop that takes the listener the command's child hands over
 * sup->observer_sock[0], then serves each notification (log the attempt under the plan's policy and network, let
 * the kernel continue) until every watched process has exited. Nothing when the session has no observer. */
void guard_observer_attach(struct guard_supervision *sup, const struct guard_plan *plan);

#endif
