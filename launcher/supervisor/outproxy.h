/* The session's output through the masker (mask_output only; without it the command inherits guard's stdio).
 *
 *   stdout a terminal: a pty proxy. The command gets a new pty (its controlling terminal; stdin too when guard's
 *     stdin is a terminal; stderr too when guard's stderr is one, else a pipe). The supervisor puts the user's
 *     terminal in raw mode, relays input unchanged and output through the masker, passes resizes on, and gives the
 *     terminal back as it found it when it ends or is stopped (re-raw on SIGCONT).
 *   otherwise: pipes for stdout and stderr, masked on their way to guard's own; stdin is inherited. */
#ifndef GUARD_OUTPROXY_H
#define GUARD_OUTPROXY_H

#include <poll.h>
#include <stddef.h>

struct guard_masker;
struct guard_outproxy;

/* Before the fork: the channels. NULL with why on failure. */
struct guard_outproxy *guard_outproxy_open(struct guard_masker *m, char *why, size_t whylen);
/* The pty's slave, which the command gets as its terminal; -1 in pipe mode. Open until guard_outproxy_start. */
int guard_outproxy_slave(const struct guard_outproxy *o);
/* In the command's process before its descriptors are closed: stdio becomes the channels (setsid + TIOCSCTTY in
 * pty mode). 0, or -1 with why. */
int guard_outproxy_child(const struct guard_outproxy *o, char *why, size_t whylen);
/* In any other process forked off the supervisor (init): drop every descriptor of the proxy. */
void guard_outproxy_drop(const struct guard_outproxy *o);
/* Supervisor, after the fork: close the command's ends, raw mode, signal handling. */
void guard_outproxy_start(struct guard_outproxy *o);
/* The supervisor's poll loop: add descriptors (returns how many, at most GUARD_OUTPROXY_MAXFDS), then handle them. */
#define GUARD_OUTPROXY_MAXFDS 6
int guard_outproxy_fds(struct guard_outproxy *o, struct pollfd *p);
void guard_outproxy_handle(struct guard_outproxy *o, const struct pollfd *p, int n);
int guard_outproxy_timeout(struct guard_outproxy *o); /* poll timeout in ms, -1: none */
/* The command is gone: pass on what is still buffered (bounded wait), flush the masker. */
void guard_outproxy_drain(struct guard_outproxy *o);
/* Restore the terminal, close, free. NULL is fine. */
void guard_outproxy_close(struct guard_outproxy *o);

#endif
