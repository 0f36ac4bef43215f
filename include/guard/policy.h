/* The policy model: rules as the user wrote them, each with where it was written.
 *
 * Every source (built-in profile, user config, project file, command-line flag, then guard's own rules) adds to
 * one guard_policy in order; nothing is resolved here (no ~, no $PROJECT): that happens when a plan is built, so
 * `guard policy` can print what was written. */
#ifndef GUARD_POLICY_H
#define GUARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum guard_source {
	GUARD_SRC_PROFILE, /* built-in or installed rules/NAME.yaml */
	GUARD_SRC_USER,    /* $XDG_CONFIG_HOME/guard/config.yaml */
	GUARD_SRC_PROJECT, /* $PROJECT/.guard.yaml */
	GUARD_SRC_FLAG,    /* guard run --allow-read ... */
	GUARD_SRC_BUILTIN, /* guard's own rules (launcher/policy/implicit_rules.c), added after every other source for
			    * every command, so no policy file or flag overrides them */
};

/* The origins of guard's own rules (GUARD_SRC_BUILTIN), as the shim and `guard explain` print them. */
#define GUARD_ORIGIN_OWN_STATE "guard: its own state"
#define GUARD_ORIGIN_ROOT_ONLY "guard: owner-only file, and guard runs as root"

/* Where a rule was written. `file` is interned in the policy (see guard_policy_intern) and lives as long as it. */
struct guard_origin {
	const char *file;   /* "rules/default.yaml", "/home/u/.config/guard/config.yaml", "--deny" */
	unsigned line, col; /* 1-based; 0 for flags */
	enum guard_source source;
};

/* GUARD_EXEC_DENY is never in guard_policy.rules: exec.deny entries live in guard_policy.exec_deny and in the
 * image's exec table (guard_image.exec); the kind marks those image rules. */
enum guard_rule_kind { GUARD_READ, GUARD_WRITE, GUARD_DENY, GUARD_PROTECT, GUARD_EXEC_DENY };

/* files.read / files.write / files.deny / files.protect entry. */
struct guard_rule {
	enum guard_rule_kind kind;
	bool negated;  /* "!pattern": re-allows within its list (deny, protect) */
	char *pattern; /* as written, without the leading '!' */
	struct guard_origin at;
	bool create; /* a write rule from a profile's `state:` list: created in $HOME before a run if missing */
};

/* env.pass / env.drop entry: a variable name or a glob over names (AWS_*). */
struct guard_name {
	char *name;
	struct guard_origin at;
};

struct guard_limit {
	bool set;
	long long value; /* core_dumps: 0 or 1 */
	struct guard_origin at;
};

/* network.allow entry: a host pattern (launcher/policy/net_host.c parses and matches it, for the loader and the
 * proxy alike). */
#define GUARD_NET_PORT_WEB 0     /* no port written: 80 and 443 */
#define GUARD_NET_PORT_ANY 65536 /* "host:*" */
struct guard_net_rule {
	char *written; /* as written: "api.anthropic.com", "*.github.com:22", "[::1]:8080", "*" */
	char *host;    /* normalized: lowercase name without trailing dot, "*.suffix", "*", or a canonical IP */
	unsigned port; /* 1..65535, GUARD_NET_PORT_WEB or GUARD_NET_PORT_ANY */
	struct guard_origin at;
};

/* network.host_sockets entry ("$SSH_AUTH_SOCK", "/var/run/docker.sock", "~/x.sock") and network.publish port. */
struct guard_net_socket {
	char *written;
	struct guard_origin at;
};
struct guard_net_port {
	unsigned port;
	struct guard_origin at;
};

enum guard_passthrough {
	GUARD_PT_GPU,
	GUARD_PT_DOCKER,
	GUARD_PT_DISPLAY,
	GUARD_PT_SSH_AGENT,
	GUARD_PT_WORKTREES,
	GUARD_PT_COUNT
};

/* exec.deny entry (launcher/exec_policy.c): a command name and optional subcommand words, "git push --force".
 * A program is denied when its name (the file's or argv[0]'s base name) is the first word and the other words
 * appear in order among its arguments; the last matching entry decides, '!' re-allows. */
struct guard_exec_rule {
	char *written; /* normalized: the words separated by one space, without the '!' */
	bool negated;
	struct guard_origin at;
};

/* mask_output entry: a preset name ("openai", "all") or a PCRE2 pattern (launcher/mask.c). */
struct guard_mask_rule {
	char *preset; /* or NULL */
	char *regex;  /* or NULL */
	int show_prefix;
	bool case_insensitive;
	struct guard_origin at;
};

/* Keys accepted now but applied by later work; `guard run` says so when one is set. */
enum guard_reserved { GUARD_RESERVED_EXEC, GUARD_RESERVED_NETWORK, GUARD_RESERVED_MASK_OUTPUT, GUARD_RESERVED_COUNT };

struct guard_policy {
	struct guard_rule *rules;
	size_t nrules, caprules;
	struct guard_name *env_pass, *env_drop;
	size_t npass, capass, ndrop, capdrop;
	/* env.set: "NAME=value" each, in source order (a later source's value for a name wins) */
	struct guard_name *env_set;
	size_t nset, capset;
	struct guard_limit processes, open_files, core_dumps;
	/* limits.memory (bytes), limits.cpu as a share ("50%", "1.5": value in thousandths of one CPU) or as a
	 * duration ("10m": cpu_time, seconds of CPU time, RLIMIT_CPU); see launcher/limits.c. */
	struct guard_limit memory, cpu, cpu_time;
	/* limits.log: the session log's cap in bytes; limits.log_free_margin: bytes (>= 0) or a share of the
	 * filesystem as -percent (launcher/log/session_limit.h). */
	struct guard_limit log, log_free_margin;
	/* passthrough: [gpu, docker, display, ssh-agent, git-worktrees] (launcher/passthrough.c); bit 1 << enum
	 * guard_passthrough. */
	unsigned passthrough;
	struct guard_origin passthrough_at[8];
	/* network: empty allow = no network; see launcher/net.h */
	struct guard_net_rule *net_allow;
	size_t nnet_allow, capnet_allow;
	struct guard_net_socket *host_sockets;
	size_t nhost_sockets, caphost_sockets;
	struct guard_net_port *publish;
	size_t npublish, cappublish;
	/* network.allow_private (value 0/1): names may resolve into private networks (RFC 1918, CGNAT, ULA). Only the
	 * user's config or --allow-private-net may turn it on; a project file may only turn it off. */
	struct guard_limit allow_private;
	struct guard_exec_rule *exec_deny;
	size_t nexec, capexec;
	struct guard_mask_rule *mask; /* mask_output: launcher/mask.c */
	size_t nmask, capmask;
	bool reserved_set[GUARD_RESERVED_COUNT];
	struct guard_origin reserved_at[GUARD_RESERVED_COUNT];
	char *profile; /* name of the profile loaded first */
	/* Profile metadata, only in rules/NAME.yaml: the profile it builds on and a one-line description. Not
	 * merged: they describe one file, and the loader consumes `extends`. */
	char *extends, *description;
	struct guard_origin extends_at;
	char **interned;
	size_t ninterned, capinterned;
};

/* A load or validation error: `guard: FILE:LINE:COL: message (hint)`. */
struct guard_error {
	char file[512];
	unsigned line, col;
	char message[512];
	char hint[512];
};

const char *guard_rule_kind_name(enum guard_rule_kind kind); /* "read", "write", "deny", "protect" */
/* "profile", "user config", "project", "flag", "implicit" */
const char *guard_source_name(enum guard_source src);

#endif
