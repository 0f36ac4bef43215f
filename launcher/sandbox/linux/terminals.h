/* The session's own terminals for the shim (guard/terminal.h): the terminal guard was started on (its stdio, its
 * controlling terminal) and mask_output's pty, the one its supervisor gives the command. */
#ifndef GUARD_TERMINALS_H
#define GUARD_TERMINALS_H

/* env with GUARD_TERMINALS=... added (replacing one already there); session_pty: the slave of the supervisor's
 * pty, or -1. The array is new, the other entries are env's; free both with guard_terminals_env_free. */
char **guard_terminals_env(char *const *env, int session_pty);
void guard_terminals_env_free(char **env);

#endif
