/* fork handlers of the shim's modules, registered once with pthread_atfork (shim_fork.c). */
#ifndef GUARD_SHIM_FORK_H
#define GUARD_SHIM_FORK_H

void shim_fork_init(void);
void shim_spawn_child(void); /* shim_spawn.c */

#endif
