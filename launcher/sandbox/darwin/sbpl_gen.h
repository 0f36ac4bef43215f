/* The profile generator's state, shared by its files (sbpl.c: the sections; sbpl_rules.c: the policy's deny and
 * protect rules; sbpl_net.c: the network). Not an interface: sbpl.h is. */
#ifndef GUARD_SBPL_GEN_H
#define GUARD_SBPL_GEN_H

#include <stdbool.h>
#include <stdio.h>

#include "sandbox/darwin/sbpl.h"

struct sbpl_gen {
	const struct guard_sbpl_input *in;
	FILE *out;
	size_t rules;
	bool failed;
	char *why;
	size_t whylen;
};

void sbpl_fail(struct sbpl_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The physical spelling of an absolute path (malloc'd). */
char *sbpl_physical(struct sbpl_gen *g, const char *path);
/* "\"path\"", or a failure for a path SBPL cannot spell (malloc'd either way). */
char *sbpl_string(struct sbpl_gen *g, const char *s);
/* "(KIND \"path\")" for literal / subpath; "(regex #\"RE\")". Malloc'd. */
char *sbpl_path_filter(struct sbpl_gen *g, const char *kind, const char *physical_path);
char *sbpl_regex_filter(struct sbpl_gen *g, const char *re);
/* "FILE:LINE" of an image rule (malloc'd). */
char *sbpl_origin(const struct sbpl_gen *g, const struct guard_image_rule *r);
/* One rule: "(ACTION OPS FILTERS (with message ORIGIN))". FILTERS may be NULL. */
void sbpl_rule(struct sbpl_gen *g, const char *action, const char *ops, const char *filters, const char *origin);
/* "; TEXT" on a line of its own, after an empty one. */
void sbpl_comment(struct sbpl_gen *g, const char *text);
/* The policy's deny and protect rules, the launch-time holes, the secrets' ancestors (sbpl_rules.c). */
void sbpl_section_denies(struct sbpl_gen *g);
/* The network: none, guard's proxy and the loopback services named, or open; host sockets (sbpl_net.c). */
void sbpl_section_network(struct sbpl_gen *g);

#endif
