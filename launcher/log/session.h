/* The session log: written only by the supervisor, outside the sandbox, under
 * $XDG_STATE_HOME/guard/sessions/<id>/ (default ~/.local/state). The sandbox can neither read nor change it.
 *
 *   session.json   what ran and how it ended (rewritten at the end)
 *   events.jsonl   one JSON object per attempt, appended and flushed as it arrives (SIGKILL loses nothing)
 *   policy.img     the compiled policy of the session (include/guard/image.h), for report and explain
 *
 * events.jsonl line (keys always in this order; absent values are null):
 *   {"t":1732262400123,"origin":"shim"|"observer","pid":123,"ppid":100,"op":"read","path":"/p/.env",
 *    "path2":null,"cwd":"/p","result":"denied"|"allowed"|"failed","errno":"EACCES"|null,
 *    "rule":{"kind":"deny","pattern":".env","file":"rules/default.yaml","line":14,"col":7,"source":"profile"}|null,
 *    "argv":["cat",".env"]|null,"truncated":false[,"claimed_pid":4242]}
 * "origin" says who tells: "observer" (the kernel stopped the call: a fact), "proxy" (guard's proxy made or refused
 * the connection: a fact), "shim" (the process itself sent it: a claim, made by code that runs in the sandbox).
 * "pid" is always the kernel's word (SCM_CREDENTIALS for the shim's datagrams); "claimed_pid" is present when the
 * datagram named another pid: its sender lied about who it is.
 * "denied": the call failed with EACCES/EPERM/EXDEV/EROFS/EBUSY and the policy explains it (rule is the rule that
 * decided); "failed": it failed for another reason; "allowed": it succeeded.
 *
 * The log is bounded (issue 13; session_limit.h): a line identical to one already written (everything but "t")
 * is counted, not written again, and the count follows as one more copy of the line with "count":N (N more
 * occurrences, "t" the last one). events.jsonl never grows past its cap: past three quarters of it (or when its
 * filesystem has less than the free-space margin left), allowed and failed events are only counted; denials are
 * written until the cap and past it counted per (op, origin, rule). guard says so in a line of its own,
 *   {"t":...,"origin":"guard",...,"op":"note","result":"note",...,"note":"the log reached ..."}
 * and the counts go to session.json's "log" object. */
#ifndef GUARD_SESSION_H
#define GUARD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guard/event.h"
#include "guard/image.h"
#include "guard/policy.h"
#include "policy/limits_plan.h"

struct guard_session;

/* events.jsonl's bounds (`guard run --log-cap`, `--log-free-margin`; limits.log, limits.log_free_margin; the
 * defaults are in policy/limits_plan.h). */
struct guard_log_limits {
	unsigned long long cap; /* bytes; 0: GUARD_LOG_CAP_DEFAULT */
	bool margin_set;        /* else the default margin */
	bool margin_is_percent;
	unsigned long long margin; /* bytes, or a percentage of the filesystem's size (0..100) */
};

struct guard_session_info {
	const char *id;
	char *const *argv;
	const char *cwd, *project, *home, *profile;
	const char *mode; /* "namespaces" or "landlock-only" */
	int abi;
	bool shim;              /* LD_PRELOAD shim injected */
	bool observer;          /* seccomp observer running */
	const char *unobserved; /* what could not be seen, or NULL */
	char *const
		*passthrough; /* passthroughs and --lockdown applied, one line each (NULL-terminated; may be NULL) */
	struct guard_log_limits log;
};

/* $XDG_STATE_HOME/guard/sessions (malloc'd). */
char *guard_session_root(void);
/* A fresh id: UTC time + random suffix, e.g. "20261122T070501Z-3fa2c1" (malloc'd). */
char *guard_session_new_id(void);
/* Create the session directory (0700) and write session.json and policy.img. NULL with why on failure. */
struct guard_session *guard_session_create(const struct guard_session_info *info, const void *image, size_t image_len,
					   char *why, size_t whylen);
/* The parent (host numbering) of the process the host numbers pid and it numbers own_pid, read by the caller from
 * /proc: the next events of that process use it instead of reading /proc again. */
void guard_session_note_parent(struct guard_session *s, pid_t pid, int own_pid, long parent);
/* Append one event (already decoded and validated). `pid` is the kernel's word for the sender (host pid
 * namespace) or the event's own when unknown. */
void guard_session_event(struct guard_session *s, const struct guard_event *ev, const struct guard_image *img,
			 pid_t pid);
/* One decision of the network proxy (launcher/net/proxy_server.c), written as an events.jsonl line with
 * "origin":"proxy", "op":"connect", "path":"host:port", "pid":null, the allow rule that matched as "rule"
 * ({"kind":"network.allow",...}; null when denied), and a "net" object:
 *   "net":{"via":"http"|"connect"|"socks5","addr":"140.82.112.3:443"|null,"up":123,"down":4567,"ms":89,
 *          "requests":1,"reason":"not in network.allow"|null}
 * Safe to call from the proxy's threads (one write per line; counters updated atomically). */
struct guard_net_event {
	const char *host; /* normalized, IPv6 without brackets */
	unsigned port;
	const char *via;                   /* "http", "connect", "socks5" */
	const char *result;                /* "allowed", "denied", "failed" */
	const char *err;                   /* errno name ("ECONNREFUSED") or NULL */
	const char *reason;                /* why denied or failed, or NULL */
	const char *addr;                  /* the address connected to, or NULL */
	unsigned long long up, down;       /* bytes sandbox → host, host → sandbox */
	long long ms;                      /* duration */
	unsigned requests;                 /* HTTP requests carried (1 for tunnels) */
	const struct guard_net_rule *rule; /* the network.allow entry that matched, or NULL */
	pid_t pid, ppid;                   /* the client process as the kernel names it; 0: unknown */
	const char *exe;                   /* its program, or NULL */
};
void guard_session_net(struct guard_session *s, const struct guard_net_event *ev);

/* One sentence when the log's bounds held anything back ("1234 allowed events not recorded in detail after the
 * log reached ..."), for the summary guard prints at exit; false when nothing was. For the end of a session:
 * the repeats still counted in memory are written first, so the numbers are final. */
bool guard_session_limited(struct guard_session *s, char *out, size_t len);

/* Record how the session ended (exit status as guard returns it), rewrite session.json, free s. Returns the
 * number of denials recorded. */
unsigned guard_session_finish(struct guard_session *s, int exit_status);
const char *guard_session_dir(const struct guard_session *s);

#endif
