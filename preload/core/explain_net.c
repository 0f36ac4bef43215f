/* Network refusals, explained (guard/explain.h): a connect or a name lookup that failed because of the sandbox's
 * network policy, never a real network failure. What the policy allows comes from the image's flags (open or
 * not, namespaces or not) and from the environment guard sets for the sandbox (the proxy's URL and network.allow's
 * entries), which the caller passes in. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "guard/explain.h"

/* "127.0.0.1:5432", "[::1]:80", "[::ffff:127.0.0.1]:80": the loopback. */
static bool loopback_target(const char *t)
{
	return strncmp(t, "127.", 4) == 0 || strncmp(t, "[::1]:", 6) == 0 || strncmp(t, "[::ffff:127.", 12) == 0;
}

/* Does network.allow's entry e (len bytes; "api.example.com", "*.example.com", "host:443", "*") name host? */
static bool entry_names(const char *e, size_t len, const char *host)
{
	if (len && e[0] != '[') {
		const char *colon = memchr(e, ':', len);
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - e)))
			len = (size_t)(colon - e); /* drop the port: a lookup has none */
	}
	size_t hl = strlen(host);
	if (len == 1 && e[0] == '*')
		return true;
	if (len > 2 && e[0] == '*' && e[1] == '.')
		return hl > len - 1 && strncasecmp(host + hl - (len - 1), e + 1, len - 1) == 0;
	return hl == len && strncasecmp(host, e, len) == 0;
}

void guard_explain_net_decide(const struct guard_image *img, const struct guard_facts *f, struct guard_refusal *v)
{
	if (!f->target || (img->h->flags & GUARD_IMAGE_NET_OPEN))
		return; /* the host's network: its failures are its own */
	bool ns = img->h->flags & GUARD_IMAGE_NAMESPACES;
	bool proxy = f->proxy && *f->proxy;
	if (f->lookup) {
		/* No resolver works inside: namespaces have no DNS server, Landlock-only mode refuses UDP. */
		v->why = proxy ? GUARD_WHY_PROXY_ONLY : GUARD_WHY_NO_NETWORK;
		for (const char *e = f->allow; proxy && e && *e;) {
			size_t n = strcspn(e, ",");
			if (entry_names(e, n, f->target)) {
				v->allowed_by = e;
				v->allowed_len = n;
				break;
			}
			e += n + (e[n] == ',');
		}
		return;
	}
	if (f->err == ECONNREFUSED && ns && f->lo_only && loopback_target(f->target)) {
		v->why = GUARD_WHY_OWN_LOOPBACK;
		return;
	}
	/* A connection that left for an IP from a namespace without interfaces, or one Landlock refused (its
	 * TCP rules let only the proxy's port and the named ports through). */
	bool ours = f->lo_only ? f->err == ENETUNREACH || f->err == EHOSTUNREACH || f->err == EACCES || f->err == EPERM
			       : !ns && (f->err == EACCES || f->err == EPERM);
	if (ours)
		v->why = proxy ? GUARD_WHY_PROXY_ONLY : GUARD_WHY_NO_NETWORK;
}

struct text {
	char *b;
	size_t cap, len;
};

static void add(struct text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] && t->len + 1 < t->cap; i++)
		t->b[t->len++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	t->b[t->len] = 0;
}

static void put(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

/* The host alone: "1.2.3.4:443" → "1.2.3.4", "[::1]:80" → "[::1]"; a name is already alone. */
static void put_host(struct text *t, const struct guard_facts *f)
{
	const char *c = f->lookup ? NULL : strrchr(f->target, ':');
	add(t, f->target, c ? (size_t)(c - f->target) : strlen(f->target));
}

size_t guard_explain_net_format(const struct guard_facts *f, const struct guard_refusal *v, char *buf, size_t cap)
{
	struct text t = {buf, cap, 0};
	if (cap)
		buf[0] = 0;
	put(&t, f->lookup ? "guard: name lookup of " : "guard: connect to ");
	put(&t, f->target);
	if (v->why == GUARD_WHY_OWN_LOOPBACK) {
		put(&t, " refused: nothing listens there on the sandbox's own loopback, and a service on the host's "
			"loopback answers inside only when network.allow names its address and port — if it is the "
			"host's, don't retry. To allow: guard run --allow-net ");
		put(&t, f->target);
		put(&t, " …");
		return t.len;
	}
	if (v->why == GUARD_WHY_NO_NETWORK) {
		put(&t, " failed: this sandbox has no network (network.allow is empty) — sandbox policy, not a "
			"connectivity problem; don't retry. To allow: guard run --allow-net ");
		put_host(&t, f);
		put(&t, " …");
		return t.len;
	}
	if (v->allowed_by) {
		put(&t, " failed: there is no DNS inside the sandbox; network.allow \"");
		add(&t, v->allowed_by, v->allowed_len);
		put(&t, "\" lets it be reached through guard's proxy ");
		put(&t, f->proxy);
		put(&t, " (HTTPS_PROXY and ALL_PROXY name it), which resolves names itself — use the proxy; don't "
			"retry the lookup");
		return t.len;
	}
	put(&t, f->lookup ? " refused" : " failed");
	put(&t, ": the sandbox reaches only network.allow's hosts (");
	add(&t, f->allow ? f->allow : "", f->allow ? strlen(f->allow) : 0);
	put(&t, "), through guard's proxy ");
	put(&t, f->proxy);
	put(&t, " — sandbox policy, not a connectivity problem; don't retry. To allow: guard run --allow-net ");
	put_host(&t, f);
	put(&t, " …");
	return t.len;
}
