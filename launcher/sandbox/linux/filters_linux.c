/* filters.h: the command's seccomp programs, compiled by a supervisor thread into a mapping the sandbox shares. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "sandbox/linux/filters.h"
#include "sandbox/linux/observer.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/linux/state_names.h"

struct guard_filters {
	/* written by the thread, read after the join (supervisor) or after init's go-ahead (command) */
	int status; /* 0: both compiled; -1: why */
	char why[512];
	bool observer;
	struct guard_bpf boundary, watch;
	/* the supervisor's own: the thread and what it compiles from */
	pthread_t thread;
	bool started;
	const struct guard_plan *plan;
	const struct guard_supervision *sup;
};

struct guard_filters *guard_filters_map(void)
{
	void *p = mmap(NULL, sizeof(struct guard_filters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void *compile(void *arg)
{
	struct guard_filters *f = arg;
	const struct guard_plan *plan = f->plan;
	const struct guard_supervision *sup = f->sup;
	f->status = guard_seccomp_compile(&plan->seccomp, &f->boundary, f->why, sizeof f->why);
	if (f->status == 0 && f->observer)
		f->status = guard_observer_compile(sup->magic, guard_state_names_needed(plan),
						   sup->image && sup->image->h->nexec > 0, plan->os->loader_sites,
						   plan->os->nloader_sites, &f->watch, f->why, sizeof f->why);
	return NULL;
}

int guard_filters_start(struct guard_filters *f, const struct guard_plan *plan, const struct guard_supervision *sup,
			char *why, size_t whylen)
{
	f->status = -1;
	snprintf(f->why, sizeof f->why, "seccomp: the filters were never compiled");
	f->observer = sup->observer_sock[1] >= 0;
	f->plan = plan;
	f->sup = sup;
	int e = pthread_create(&f->thread, NULL, compile, f);
	if (e != 0) {
		snprintf(why, whylen, "seccomp: starting the thread that compiles the filters: %s", strerror(e));
		return -1;
	}
	f->started = true;
	return 0;
}

int guard_filters_finish(struct guard_filters *f, char *why, size_t whylen)
{
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = false;
	if (f->status != 0)
		snprintf(why, whylen, "%s", f->why);
	return f->status;
}

int guard_filters_load(const struct guard_filters *f, int obs_sock, char *why, size_t whylen)
{
	if (f->status != 0) { /* init went ahead without them: never run the command unfiltered */
		snprintf(why, whylen, "%s", f->why);
		return -1;
	}
	if (guard_seccomp_load(&f->boundary, why, whylen) != 0)
		return -1;
	if (f->observer && (obs_sock < 0 || guard_observer_load(obs_sock, &f->watch, why, whylen) != 0)) {
		if (obs_sock < 0)
			snprintf(why, whylen, "observer: no socket to hand its listener over");
		return -1;
	}
	return 0;
}
