/* `guard policy --json` (policy_json.c). */
#ifndef GUARD_CLI_POLICY_JSON_H
#define GUARD_CLI_POLICY_JSON_H

#include <stdio.h>
#include "policy/policy_api.h"

/* The effective policy as one JSON object ({"version":1,...}): each entry with file, line, col and source. */
void guard_policy_json(FILE *out, const struct guard_policy *p, const char *project, const char *home);

#endif
