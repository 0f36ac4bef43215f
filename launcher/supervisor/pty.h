/* A pseudo-terminal pair (openpty(3), declared in <pty.h> on Linux and <util.h> on macOS). */
#ifndef GUARD_PTY_H
#define GUARD_PTY_H

struct termios;
struct winsize;

/* 0, or -1 with errno; the descriptors are not yet close-on-exec. */
int guard_openpty(int *master, int *slave, const struct termios *t, const struct winsize *ws);

#endif
