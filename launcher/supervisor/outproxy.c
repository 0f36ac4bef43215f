/* The session's output through the masker: a pty proxy or pipes (see outproxy.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "lib/guard.h"
#include "supervisor/pty.h"
#include "supervisor/mask.h"
#include "supervisor/outproxy.h"

struct chan {
	int rfd;    /* supervisor reads here (-1: closed) */
	int wfd;    /* the command's end (-1: none, or closed in the supervisor) */
	int out_fd; /* where masked bytes go: 1 or 2 */
	struct guard_mask_stream *ms;
};

struct guard_outproxy {
	struct guard_masker *m;
	bool pty, in_tty, err_tty, raw;
	int master, slave;    /* pty mode */
	struct chan out, err; /* pty mode: out.rfd is the master; err used only when stderr is not a terminal */
	int selfpipe[2];
	struct termios saved, rawt;
	char inbuf[4096];
	size_t inlen, inoff;
	bool in_open;
};

static struct guard_outproxy *volatile active;

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k > 0) {
			p += k, n -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			struct pollfd w = {fd, POLLOUT, 0};
			poll(&w, 1, 1000);
		} else if (!(k < 0 && errno == EINTR)) {
			return; /* the reader is gone: drop it */
		}
	}
}

static void out_cb(void *ctx, const char *buf, size_t n)
{
	write_all(((struct chan *)ctx)->out_fd, buf, n);
}

static bool foreground(void)
{
	return tcgetpgrp(0) == getpgrp();
}

/* Async-signal-safe throughout. */
static void on_signal(int sig)
{
	int e = errno;
	struct guard_outproxy *o = active;
	if (o && sig == SIGTSTP) {
		/* Stopped from outside (kill -TSTP; ^Z itself is a byte for the inner terminal): hand the terminal
		 * back while stopped. */
		if (o->raw && foreground())
			tcsetattr(0, TCSADRAIN, &o->saved);
		struct sigaction dfl = {0}, mine = {0};
		dfl.sa_handler = SIG_DFL;
		mine.sa_handler = on_signal;
		mine.sa_flags = SA_RESTART;
		sigaction(SIGTSTP, &dfl, NULL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGTSTP);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(SIGTSTP);
		sigprocmask(SIG_BLOCK, &s, NULL);
		sigaction(SIGTSTP, &mine, NULL);
		sig = SIGCONT;
	}
	if (o && sig == SIGCONT && o->raw && foreground())
		tcsetattr(0, TCSADRAIN, &o->rawt);
	if (o && o->selfpipe[1] >= 0) {
		ssize_t unused = write(o->selfpipe[1], "w", 1);
		(void)unused;
	}
	errno = e;
}

static void restore_terminal(void)
{
	struct guard_outproxy *o = active;
	if (o && o->raw) {
		tcsetattr(0, TCSADRAIN, &o->saved);
		o->raw = false;
	}
}

static void sync_winsize(struct guard_outproxy *o)
{
	struct winsize ws;
	if (o->pty && ioctl(1, TIOCGWINSZ, &ws) == 0)
		ioctl(o->master, TIOCSWINSZ, &ws);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct guard_outproxy *guard_outproxy_open(struct guard_masker *m, char *why, size_t whylen)
{
	struct guard_outproxy *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->m = m;
	o->master = o->slave = -1;
	o->out = (struct chan){-1, -1, 1, NULL};
	o->err = (struct chan){-1, -1, 2, NULL};
	o->selfpipe[0] = o->selfpipe[1] = -1;
	o->pty = isatty(1);
	if (o->pty) {
		o->in_tty = isatty(0);
		o->err_tty = isatty(2);
		struct winsize ws = {0};
		ioctl(1, TIOCGWINSZ, &ws);
		bool have_t = tcgetattr(o->in_tty ? 0 : 1, &o->saved) == 0;
		if (guard_openpty(&o->master, &o->slave, have_t ? &o->saved : NULL, &ws) != 0) {
			snprintf(why, whylen, "opening a pseudo-terminal for mask_output: %s", strerror(errno));
			free(o);
			return NULL;
		}
		fcntl(o->master, F_SETFD, FD_CLOEXEC);
		fcntl(o->slave, F_SETFD, FD_CLOEXEC);
		fcntl(o->master, F_SETFL, fcntl(o->master, F_GETFL) | O_NONBLOCK);
		o->out.rfd = o->master;
		o->in_open = o->in_tty;
		if (o->in_tty) {
			o->rawt = o->saved;
			cfmakeraw(&o->rawt);
		}
	} else {
		int p[2];
		if (guard_pipe_cloexec(p, false) != 0) {
			snprintf(why, whylen, "pipe for mask_output: %s", strerror(errno));
			free(o);
			return NULL;
		}
		o->out.rfd = p[0], o->out.wfd = p[1];
	}
	if (!o->pty || !o->err_tty) {
		int p[2];
		if (guard_pipe_cloexec(p, false) != 0) {
			snprintf(why, whylen, "pipe for mask_output: %s", strerror(errno));
			guard_outproxy_close(o);
			return NULL;
		}
		o->err.rfd = p[0], o->err.wfd = p[1];
	}
	if (guard_pipe_cloexec(o->selfpipe, true) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		guard_outproxy_close(o);
		return NULL;
	}
	o->out.ms = guard_mask_stream_new(m, out_cb, &o->out);
	if (o->err.rfd >= 0)
		o->err.ms = guard_mask_stream_new(m, out_cb, &o->err);
	return o;
}

int guard_outproxy_slave(const struct guard_outproxy *o)
{
	return o->pty ? o->slave : -1;
}

int guard_outproxy_child(const struct guard_outproxy *o, char *why, size_t whylen)
{
	if (o->pty) {
		if (setsid() < 0 || ioctl(o->slave, TIOCSCTTY, 0) != 0) {
			snprintf(why, whylen, "mask_output: making the pseudo-terminal the command's terminal: %s",
				 strerror(errno));
			return -1;
		}
		if ((o->in_tty && dup2(o->slave, 0) < 0) || dup2(o->slave, 1) < 0 ||
		    dup2(o->err_tty ? o->slave : o->err.wfd, 2) < 0)
			goto fail;
		return 0;
	}
	if (dup2(o->out.wfd, 1) < 0 || dup2(o->err.wfd, 2) < 0)
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "mask_output: dup2: %s", strerror(errno));
	return -1;
}

void guard_outproxy_drop(const struct guard_outproxy *o)
{
	int fds[] = {o->master,  o->slave,   o->out.rfd,     o->out.wfd,
		     o->err.rfd, o->err.wfd, o->selfpipe[0], o->selfpipe[1]};
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

void guard_outproxy_start(struct guard_outproxy *o)
{
	close_fd(&o->slave);
	close_fd(&o->out.wfd);
	close_fd(&o->err.wfd);
	active = o;
	static bool registered;
	if (!registered) {
		registered = true;
		atexit(restore_terminal);
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (o->pty) {
		sigaction(SIGWINCH, &sa, NULL);
		sigaction(SIGTSTP, &sa, NULL);
		sigaction(SIGCONT, &sa, NULL);
	}
	if (o->in_tty && foreground() && tcsetattr(0, TCSADRAIN, &o->rawt) == 0)
		o->raw = true;
	sync_winsize(o);
}

int guard_outproxy_fds(struct guard_outproxy *o, struct pollfd *p)
{
	int n = 0;
	if (o->pty) {
		short ev = (o->out.rfd >= 0 ? POLLIN : 0) | (o->inlen ? POLLOUT : 0);
		if (o->master >= 0 && ev)
			p[n++] = (struct pollfd){o->master, ev, 0};
		if (o->in_open && !o->inlen)
			p[n++] = (struct pollfd){0, POLLIN, 0};
	} else if (o->out.rfd >= 0) {
		p[n++] = (struct pollfd){o->out.rfd, POLLIN, 0};
	}
	if (o->err.rfd >= 0)
		p[n++] = (struct pollfd){o->err.rfd, POLLIN, 0};
	if (o->selfpipe[0] >= 0)
		p[n++] = (struct pollfd){o->selfpipe[0], POLLIN, 0};
	return n;
}

/* Read what is there; false when the channel ended. */
static bool pump(struct chan *c)
{
	char buf[65536];
	ssize_t k = read(c->rfd, buf, sizeof buf);
	if (k > 0) {
		guard_mask_feed(c->ms, buf, (size_t)k, guard_mask_now_ms());
		return true;
	}
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	/* EOF, or EIO: every slave descriptor is closed. */
	guard_mask_flush(c->ms);
	return false;
}

void guard_outproxy_handle(struct guard_outproxy *o, const struct pollfd *p, int n)
{
	for (int i = 0; i < n; i++) {
		short r = p[i].revents;
		if (!r)
			continue;
		if (p[i].fd == o->selfpipe[0]) {
			char b[64];
			while (read(o->selfpipe[0], b, sizeof b) > 0)
				;
			sync_winsize(o);
		} else if (o->pty && p[i].fd == 0) {
			ssize_t k = read(0, o->inbuf, sizeof o->inbuf);
			if (k > 0)
				o->inlen = (size_t)k, o->inoff = 0;
			else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
				o->in_open = false;
				/* A terminal in raw mode reads 0 or EIO only when it hangs up: hang the command's up too
				 * (closing the master sends SIGHUP to its session). */
				o->out.rfd = -1;
				close_fd(&o->master);
			}
		} else if (p[i].fd == o->out.rfd || p[i].fd == o->err.rfd) {
			struct chan *c = p[i].fd == o->out.rfd ? &o->out : &o->err;
			if ((r & POLLOUT) && o->inlen) {
				ssize_t k = write(o->master, o->inbuf + o->inoff, o->inlen);
				if (k > 0)
					o->inoff += (size_t)k, o->inlen -= (size_t)k;
				else if (k < 0 && errno != EAGAIN && errno != EINTR)
					o->inlen = 0;
			}
			if ((r & (POLLIN | POLLHUP | POLLERR)) && !pump(c)) {
				if (c == &o->out && o->pty) {
					o->in_open = false, o->inlen = 0;
					c->rfd = -1; /* the master itself stays open until the end (winsize) */
				} else {
					close_fd(&c->rfd);
				}
			}
		}
	}
	uint64_t now = guard_mask_now_ms();
	if (o->out.ms)
		guard_mask_tick(o->out.ms, now);
	if (o->err.ms)
		guard_mask_tick(o->err.ms, now);
}

int guard_outproxy_timeout(struct guard_outproxy *o)
{
	uint64_t now = guard_mask_now_ms();
	int t = -1;
	struct chan *c[2] = {&o->out, &o->err};
	for (int i = 0; i < 2; i++)
		if (c[i]->ms && c[i]->rfd >= 0) {
			int k = guard_mask_timeout(c[i]->ms, now);
			if (k >= 0 && (t < 0 || k < t))
				t = k;
		}
	return t;
}

void guard_outproxy_drain(struct guard_outproxy *o)
{
	o->in_open = false, o->inlen = 0;
	for (int round = 0; round < 100000 && (o->out.rfd >= 0 || o->err.rfd >= 0); round++) {
		struct pollfd p[GUARD_OUTPROXY_MAXFDS];
		int n = guard_outproxy_fds(o, p);
		int rc = poll(p, (nfds_t)n, 200);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break; /* something outside still holds the command's end: stop waiting */
		guard_outproxy_handle(o, p, n);
	}
	if (o->out.ms)
		guard_mask_flush(o->out.ms);
	if (o->err.ms)
		guard_mask_flush(o->err.ms);
}

void guard_outproxy_close(struct guard_outproxy *o)
{
	if (!o)
		return;
	if (active == o) {
		restore_terminal();
		struct sigaction dfl = {0};
		dfl.sa_handler = SIG_DFL;
		if (o->pty) {
			sigaction(SIGTSTP, &dfl, NULL);
			sigaction(SIGCONT, &dfl, NULL);
			sigaction(SIGWINCH, &dfl, NULL);
		}
		active = NULL;
	}
	if (o->out.rfd == o->master)
		o->out.rfd = -1;
	close_fd(&o->master);
	close_fd(&o->slave);
	close_fd(&o->out.rfd);
	close_fd(&o->out.wfd);
	close_fd(&o->err.rfd);
	close_fd(&o->err.wfd);
	close_fd(&o->selfpipe[0]);
	close_fd(&o->selfpipe[1]);
	guard_mask_stream_free(o->out.ms);
	guard_mask_stream_free(o->err.ms);
	free(o);
}
