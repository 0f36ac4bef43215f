/* A relay's direction as a buffer between recv and send (relay_stage.h): macOS has no splice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/relay_stage.h"

#define RELAY_BUF (256 * 1024) /* fewer system calls per megabyte; one per direction of an open tunnel */

struct relay_stage {
	size_t off, len; /* bytes [off, len) of buf are waiting */
	char buf[RELAY_BUF];
};

struct relay_stage *relay_stage_open(void)
{
	struct relay_stage *s = malloc(sizeof *s);
	if (s)
		s->off = s->len = 0;
	return s;
}

void relay_stage_close(struct relay_stage *s)
{
	free(s);
}

size_t relay_stage_room(const struct relay_stage *s)
{
	return RELAY_BUF - (s->len - s->off);
}

size_t relay_stage_pending(const struct relay_stage *s)
{
	return s->len - s->off;
}

ssize_t relay_stage_fill(struct relay_stage *s, int src)
{
	if (s->len == RELAY_BUF && s->off > 0) { /* the tail is full, the head was sent */
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	ssize_t k = recv(src, s->buf + s->len, RELAY_BUF - s->len, MSG_DONTWAIT);
	if (k > 0)
		s->len += (size_t)k;
	return k;
}

ssize_t relay_stage_drain(struct relay_stage *s, int dst)
{
	ssize_t k = send(dst, s->buf + s->off, s->len - s->off, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k > 0) {
		s->off += (size_t)k;
		if (s->off == s->len)
			s->off = s->len = 0;
	}
	return k;
}
