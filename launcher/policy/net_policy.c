/* The network part of the policy model: network.allow host patterns, network.host_sockets, network.publish, each
 * kept with where it was written; validation with a message and a hint; merge, free, and `guard policy` output. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_api.h"
#include "policy/net_host.h"

static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *q = n > SIZE_MAX / elem ? NULL : realloc(arr, n * elem);
	if (!q) {
		fputs("guard: out of memory\n", stderr);
		exit(125);
	}
	*cap = n;
	return q;
}

static char *dup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fputs("guard: out of memory\n", stderr);
		exit(125);
	}
	return d;
}

/* YAML entries name their key; a flag's message starts with the flag. */
static const char *prefix(struct guard_origin at, const char *key, char *buf, size_t len)
{
	if (at.source == GUARD_SRC_FLAG)
		buf[0] = 0; /* guard_error_print names the flag */
	else
		snprintf(buf, len, "%s: ", key);
	return buf;
}

int guard_policy_add_net_allow(struct guard_policy *p, const char *text, struct guard_origin at,
			       struct guard_error *err)
{
	char why[256], hint[384], pre[64];
	struct net_host h;
	prefix(at, "network.allow", pre, sizeof pre);
	if (net_host_pattern_parse(text, &h, why, sizeof why, hint, sizeof hint) != 0) {
		guard_error_set(err, at.file, at.line, at.col, hint, "%s\"%s\": %s", pre, text, why);
		return -1;
	}
	char norm[PROXY_HOST_MAX + 8];
	if (h.kind == NET_HOST_WILDCARD)
		snprintf(norm, sizeof norm, "*.%s", h.name);
	else
		snprintf(norm, sizeof norm, "%s", h.name);
	p->net_allow = grow(p->net_allow, &p->capnet_allow, p->nnet_allow + 1, sizeof *p->net_allow);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->net_allow[p->nnet_allow++] = (struct guard_net_rule){dup(text), dup(norm), h.port, at};
	return 0;
}

int guard_policy_add_host_socket(struct guard_policy *p, const char *text, struct guard_origin at,
				 struct guard_error *err)
{
	char pre[64];
	prefix(at, "network.host_sockets", pre, sizeof pre);
	const char *hint = "name a socket by absolute path (/var/run/docker.sock), ~/path, or an environment variable "
			   "that holds its path ($SSH_AUTH_SOCK)";
	bool ok = text[0] == '/' || (text[0] == '~' && text[1] == '/');
	if (text[0] == '$') {
		size_t n = 1;
		while (isalnum((unsigned char)text[n]) || text[n] == '_')
			n++;
		ok = n > 1 && !isdigit((unsigned char)text[1]) && (text[n] == 0 || text[n] == '/');
	}
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			ok = false;
	if (!ok) {
		guard_error_set(err, at.file, at.line, at.col, hint, "%s\"%s\" is not a socket path", pre, text);
		return -1;
	}
	p->host_sockets = grow(p->host_sockets, &p->caphost_sockets, p->nhost_sockets + 1, sizeof *p->host_sockets);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->host_sockets[p->nhost_sockets++] = (struct guard_net_socket){dup(text), at};
	return 0;
}

int guard_policy_add_publish(struct guard_policy *p, long long port, struct guard_origin at, struct guard_error *err)
{
	if (port < 1 || port > 65535) {
		guard_error_set(err, at.file, at.line, at.col, "a port is a number from 1 to 65535",
				"network.publish: %lld is out of range", port);
		return -1;
	}
	p->publish = grow(p->publish, &p->cappublish, p->npublish + 1, sizeof *p->publish);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->publish[p->npublish++] = (struct guard_net_port){(unsigned)port, at};
	return 0;
}

void guard_net_policy_merge(struct guard_policy *dst, struct guard_policy *src)
{
	dst->net_allow =
		grow(dst->net_allow, &dst->capnet_allow, dst->nnet_allow + src->nnet_allow, sizeof *dst->net_allow);
	for (size_t i = 0; i < src->nnet_allow; i++) {
		src->net_allow[i].at.file = guard_policy_intern(dst, src->net_allow[i].at.file);
		dst->net_allow[dst->nnet_allow++] = src->net_allow[i];
	}
	dst->host_sockets = grow(dst->host_sockets, &dst->caphost_sockets, dst->nhost_sockets + src->nhost_sockets,
				 sizeof *dst->host_sockets);
	for (size_t i = 0; i < src->nhost_sockets; i++) {
		src->host_sockets[i].at.file = guard_policy_intern(dst, src->host_sockets[i].at.file);
		dst->host_sockets[dst->nhost_sockets++] = src->host_sockets[i];
	}
	dst->publish = grow(dst->publish, &dst->cappublish, dst->npublish + src->npublish, sizeof *dst->publish);
	for (size_t i = 0; i < src->npublish; i++) {
		src->publish[i].at.file = guard_policy_intern(dst, src->publish[i].at.file);
		dst->publish[dst->npublish++] = src->publish[i];
	}
	src->nnet_allow = src->nhost_sockets = src->npublish = 0; /* the strings moved */
}

void guard_net_policy_free(struct guard_policy *p)
{
	for (size_t i = 0; i < p->nnet_allow; i++) {
		free(p->net_allow[i].written);
		free(p->net_allow[i].host);
	}
	for (size_t i = 0; i < p->nhost_sockets; i++)
		free(p->host_sockets[i].written);
	free(p->net_allow);
	free(p->host_sockets);
	free(p->publish);
	p->net_allow = NULL;
	p->host_sockets = NULL;
	p->publish = NULL;
	p->nnet_allow = p->capnet_allow = p->nhost_sockets = p->caphost_sockets = p->npublish = p->cappublish = 0;
}

static void origin(FILE *out, struct guard_origin at)
{
	if (at.line)
		fprintf(out, "%s:%u:%u (%s)\n", at.file, at.line, at.col, guard_source_name(at.source));
	else
		fprintf(out, "%s (%s)\n", at.file, guard_source_name(at.source));
}

static void entry(FILE *out, int width, const char *text, struct guard_origin at)
{
	int len = (int)strlen(text);
	fprintf(out, "  %s%*s  ", text, len < width ? width - len : 0, "");
	origin(out, at);
}

void guard_net_policy_print(FILE *out, const struct guard_policy *p, int width)
{
	bool open = false;
	for (size_t i = 0; i < p->nnet_allow; i++)
		open |= !strcmp(p->net_allow[i].host, "*") && p->net_allow[i].port == GUARD_NET_PORT_ANY;
	fprintf(out, "network.allow: %s\n",
		open            ? "open (\"*\": the host's network, no proxy)"
		: p->nnet_allow ? "these hosts only, through guard's proxy"
				: "(none: no network)");
	for (size_t i = 0; i < p->nnet_allow; i++) {
		const struct guard_net_rule *r = &p->net_allow[i];
		char text[PROXY_HOST_MAX + 64];
		if (r->port == GUARD_NET_PORT_WEB && strcmp(r->host, "*") != 0)
			snprintf(text, sizeof text, "%s (ports 80, 443)", r->written);
		else
			snprintf(text, sizeof text, "%s", r->written);
		entry(out, width, text, r->at);
	}
	fprintf(out, "network.allow_private: ");
	if (p->allow_private.set && p->allow_private.value) {
		fprintf(out, "true (allowed names may resolve to private addresses)\n");
		entry(out, width, "true", p->allow_private.at);
	} else if (p->allow_private.set) {
		fprintf(out, "false (a name resolving to a private address is refused)\n");
		entry(out, width, "false", p->allow_private.at);
	} else {
		fprintf(out, "false (not set: a name resolving to a private address is refused unless a rule names "
			     "the address)\n");
	}
	fprintf(out, "network.host_sockets:\n");
	for (size_t i = 0; i < p->nhost_sockets; i++)
		entry(out, width, p->host_sockets[i].written, p->host_sockets[i].at);
	if (!p->nhost_sockets)
		fprintf(out, "  (none: host unix sockets stay hidden)\n");
	fprintf(out, "network.publish:\n");
	for (size_t i = 0; i < p->npublish; i++) {
		char text[32];
		snprintf(text, sizeof text, "%u", p->publish[i].port);
		entry(out, width, text, p->publish[i].at);
	}
	if (!p->npublish)
		fprintf(out, "  (none)\n");
}
