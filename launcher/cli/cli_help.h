/* guard's help texts and version (cli_help.c). */
#ifndef GUARD_CLI_HELP_H
#define GUARD_CLI_HELP_H

#include <stdio.h>

extern const char guard_version[]; /* "0.1.0", or git describe's answer at build time */

/* The overview of every command (`guard help`; on stderr for a bare `guard`). */
void guard_usage(FILE *out);
/* The command names, NULL-terminated, in the order of the overview. */
const char *const *guard_command_names(void);
/* Print NAME's usage and options on stdout: from the table, or by calling self_help(NAME) for a command that
 * prints its own (`guard NAME --help`). Its exit status; -1 when there is no such command. */
int guard_command_help(const char *name, int (*self_help)(const char *name));

#endif
