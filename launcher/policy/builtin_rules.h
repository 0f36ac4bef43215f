/* Profiles compiled into the binary from the rules directory (see the Makefile); name NULL ends the table. */
#ifndef GUARD_BUILTIN_RULES_H
#define GUARD_BUILTIN_RULES_H
struct guard_builtin_rules {
	const char *name;    /* "default" */
	const char *display; /* "rules/default.yaml": the provenance shown for its rules */
	const char *start, *end;
};
extern const struct guard_builtin_rules guard_builtin_rules[];
#endif
