/* A relay's direction as a pipe between two splices (relay_stage.h): the bytes stay in the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "net/relay_stage.h"

#define RELAY_PIPE (1 << 20) /* pipe capacity asked for: fewer splices per megabyte */

struct relay_stage {
	int p[2];
	size_t cap, pend;
};

struct relay_stage *relay_stage_open(void)
{
	struct relay_stage *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	if (guard_pipe_cloexec(s->p, true) != 0) {
		free(s);
		return NULL;
	}
	int sz = fcntl(s->p[1], F_GETPIPE_SZ);
	s->cap = sz > 0 ? (size_t)sz : 65536;
	s->pend = 0;
	return s;
}

void relay_stage_close(struct relay_stage *s)
{
	if (!s)
		return;
	close(s->p[0]);
	close(s->p[1]);
	free(s);
}

size_t relay_stage_room(const struct relay_stage *s)
{
	return s->cap - s->pend;
}

size_t relay_stage_pending(const struct relay_stage *s)
{
	return s->pend;
}

ssize_t relay_stage_fill(struct relay_stage *s, int src)
{
	ssize_t k = splice(src, NULL, s->p[1], NULL, s->cap - s->pend, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (k <= 0)
		return k;
	s->pend += (size_t)k;
	/* A bulk transfer: a bigger pipe means fewer splices per megabyte. Small exchanges never pay for it. */
	if (s->pend == s->cap && s->cap < RELAY_PIPE) {
		int sz = fcntl(s->p[1], F_SETPIPE_SZ, RELAY_PIPE);
		if (sz > 0)
			s->cap = (size_t)sz;
	}
	return k;
}

ssize_t relay_stage_drain(struct relay_stage *s, int dst)
{
	ssize_t k = splice(s->p[0], NULL, dst, NULL, s->pend, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (k > 0)
		s->pend -= (size_t)k;
	return k;
}
