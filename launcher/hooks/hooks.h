/* The agent hooks guard answers (`guard hook claude-code`, `guard hook codex`): each reads the agent's call as JSON
 * on stdin and answers on stdout with guard's explanation of what the policy refused (hook_explain.h). */
#ifndef GUARD_HOOKS_H
#define GUARD_HOOKS_H

int guard_hook_claude_code(void); /* hook_claude.c */
int guard_hook_codex(void);       /* hook_codex.c */

#endif
