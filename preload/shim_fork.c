/* fork: the child is a new process for "once per process" (empty tables), and inherits no lock that another
 * thread of the parent happened to hold. vfork is shim_vfork.c's business; posix_spawn's child runs no shim code. */
#include <pthread.h>

#include "shim_dedup.h"
#include "shim_event.h"
#include "shim_fork.h"

static void prepare(void)
{
	shim_dedup_prepare();
}

static void parent(void)
{
	shim_dedup_parent();
}

static void child(void)
{
	shim_dedup_child();
	shim_event_child();
	shim_spawn_child();
}

void shim_fork_init(void)
{
	pthread_atfork(prepare, parent, child);
}
