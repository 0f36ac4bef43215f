/* The macOS boundary as text: the plan (plan/plan.h) becomes a Seatbelt profile (SBPL). A pure function of its
 * input, with no Darwin header, so that every platform's build compiles it and its tests run on Linux too (the
 * golden profiles, the invariants, the differential test against the matcher). Only the apply and the run
 * (seatbelt_darwin.c, platform_darwin.c) need a Mac.
 *
 * What the profile says, in the order Seatbelt needs (the last matching rule wins, and a rule naming an operation
 * outright beats one reaching it through a wildcard):
 *   (deny default); processes, sysctl, IPC, the mach-lookup allow-list, pty and /dev;
 *   the macOS system trees (sbpl_base.c) and every tree the plan grants, read or read-write;
 *   the policy's deny and protect rules, as regexes over physical paths, so files created later are covered too
 *   (name patterns inside the project and user-granted trees, anchored ones where they point), gitignore's
 *   re-allows ('!') folded into each deny as exceptions; then what the launch-time scan found (hard links);
 *   file-write-unlink and file-write-create denied on every secret's ancestors, so that renaming a directory
 *   cannot carry a secret out from under its rule; then the network (none, or guard's proxy port on loopback and
 *   the loopback services network.allow names with their port).
 * Every rule carries `(with message "FILE:LINE")`: a kernel denial report maps back to the policy line. */
#ifndef GUARD_SBPL_H
#define GUARD_SBPL_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/plan.h"

enum guard_sbpl_net {
	GUARD_SBPL_NET_NONE,  /* no network at all (Seatbelt has no private loopback to offer instead) */
	GUARD_SBPL_NET_PROXY, /* TCP to guard's proxy on the host's loopback only */
	GUARD_SBPL_NET_OPEN,  /* network.allow ["*"] */
};

/* A service on the host's loopback that a network.allow rule names with its port (127.0.0.1:11434, [::1]:5432,
 * localhost:8080): with no network namespace the sandbox reaches it directly, as in Linux's Landlock-only mode. */
struct guard_sbpl_port {
	unsigned port;
	const char *origin; /* "FILE:LINE" of the rule */
};

struct guard_sbpl_input {
	const struct guard_plan *plan; /* the image (rules and where each was written), trees, holes, project */
	enum guard_sbpl_net net;
	unsigned proxy_port; /* GUARD_SBPL_NET_PROXY: the port guard's proxy listens on (127.0.0.1) */
	const struct guard_sbpl_port *loopback; /* GUARD_SBPL_NET_PROXY: the host's loopback services named */
	size_t nloopback;
	const char *const *host_sockets; /* network.host_sockets, resolved; NULL-terminated (may be NULL) */
	const char *shim;                /* the DYLD shim, readable and mappable (NULL: none) */
	const char *tty; /* the terminal guard was started on (ttyname(0)): read, write, ioctl (may be NULL) */
	bool keychain;   /* the keychain's mach services are reachable (a passthrough opened them) */
	const char *tag; /* appended to every message, e.g. the session id, so a log line names its session */
	/* The physical spelling of an absolute, normalized path (Seatbelt matches resolved paths: /tmp is
	 * /private/tmp): on a Mac the realpath of its longest existing prefix; a fixed table in tests. Returns a
	 * malloc'd string. NULL: paths are already physical. */
	char *(*physical)(const char *path, void *ctx);
	void *ctx;
};

/* The network part of the input as the plan decides it (plan/net.h): the mode, the proxy's port on the host's
 * loopback, the loopback services network.allow names (their origins malloc'd into *owned, released by
 * guard_sbpl_net_input_free). */
void guard_sbpl_net_input(struct guard_sbpl_input *in, const struct guard_plan *plan, struct guard_sbpl_port **owned);
void guard_sbpl_net_input_free(struct guard_sbpl_input *in, struct guard_sbpl_port *owned);

/* Seatbelt's documented limits, with margin: a string literal longer than about 1025 bytes is refused, and
 * sandbox_init fails beyond about 17,770 rules. */
#define GUARD_SBPL_MAX_STRING 900
#define GUARD_SBPL_MAX_RULES 10000

/* The profile (malloc'd), or NULL with `why` when the plan cannot be expressed: a path with a character SBPL
 * strings cannot carry, a literal past Seatbelt's size limit, too many rules. The caller refuses the run (fail
 * closed). */
char *guard_sbpl_generate(const struct guard_sbpl_input *in, char *why, size_t whylen);

/* The trees every profile makes readable for the system itself (dyld, frameworks, the toolchains), whatever
 * the policy says, as the profile names them: physical paths, NULL-terminated. */
extern const char *const guard_sbpl_system_trees[];
/* The mach services every profile may look up (logging, directory services, preferences, TLS trust); the
 * keychain's come only with guard_sbpl_input.keychain. NULL-terminated. */
extern const char *const guard_sbpl_mach_base[];
extern const char *const guard_sbpl_mach_keychain[];

/* A glob of guard's matcher (include/guard/match.h: '*', '?', classes, '\\x', '**' components) as a regex body
 * in the syntax Seatbelt's regex accepts (POSIX ERE subset: no anchors added here). Returns malloc'd, or NULL
 * when the glob cannot be translated (a malformed class, a character the profile cannot carry). */
char *guard_sbpl_glob_regex(const char *glob, size_t len);
/* `s` with regex metacharacters escaped (malloc'd). */
char *guard_sbpl_regex_quote(const char *s, size_t len);

#endif
