/* Writing the compiled policy image (include/guard/image.h) from a policy and the session's resolved places. */
#include <stdlib.h>
#include <string.h>

#include "plan/image_build.h"
#include "plan/plan.h"
#include "policy/policy_api.h"

struct strtab {
	char *buf;
	size_t len, cap;
};

static uint32_t put(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1;
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 256;
		t->buf = guard_xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return (uint32_t)(t->len - n);
}

void guard_image_build(const struct guard_policy *p, const struct guard_image_params *prm, void **out, size_t *outlen)
{
	struct strtab t = {0};
	size_t nrules = p->nrules;
	struct guard_image_rule *rules = guard_xmalloc(nrules * sizeof *rules);
	struct guard_image_header h = {.version = GUARD_IMAGE_VERSION};
	memcpy(h.magic, GUARD_IMAGE_MAGIC, 8);
	put(&t, ""); /* offset 0: the empty string */
	h.project = put(&t, prm->project);
	h.home = put(&t, prm->home);
	h.tmpdir = put(&t, prm->tmpdir);
	h.session_id = put(&t, prm->session_id ? prm->session_id : "");
	h.event_socket = put(&t, prm->event_socket ? prm->event_socket : "");
	h.session_magic = prm->session_magic;
	h.flags = prm->flags;
	h.abi = (uint32_t)prm->abi;

	for (size_t i = 0; i < nrules; i++) {
		const struct guard_rule *r = &p->rules[i];
		struct guard_resolved res;
		struct guard_error err;
		if (guard_resolve_pattern(r, prm->home, prm->project, prm->tmpdir, &res, &err) != 0) {
			guard_error_print(&err);
			exit(GUARD_EXIT_ERROR);
		}
		rules[i] = (struct guard_image_rule){
			.pattern = put(&t, res.pattern),
			.written = put(&t, r->pattern),
			.file = put(&t, r->at.file ? r->at.file : "?"),
			.line = r->at.line,
			.col = r->at.col,
			.kind = (uint8_t)r->kind,
			.source = (uint8_t)r->at.source,
			.flags = (uint8_t)((r->negated ? GUARD_IRULE_NEGATED : 0) |
					   (res.name_only ? GUARD_IRULE_NAME_ONLY : 0) |
					   (res.dir_only ? GUARD_IRULE_DIR_ONLY : 0) |
					   (r->create ? GUARD_IRULE_STATE : 0)),
		};
		free(res.pattern);
	}
	size_t nexec = p->nexec;
	struct guard_image_rule *exec = guard_xmalloc((nexec + 1) * sizeof *exec);
	for (size_t i = 0; i < nexec; i++) {
		const struct guard_exec_rule *e = &p->exec_deny[i];
		uint32_t w = put(&t, e->written);
		exec[i] = (struct guard_image_rule){
			.pattern = w,
			.written = w,
			.file = put(&t, e->at.file ? e->at.file : "?"),
			.line = e->at.line,
			.col = e->at.col,
			.kind = GUARD_EXEC_DENY,
			.source = (uint8_t)e->at.source,
			.flags = (uint8_t)(e->negated ? GUARD_IRULE_NEGATED : 0),
		};
	}
	h.nrules = (uint32_t)nrules;
	h.rules_off = (uint32_t)((sizeof h + 7) & ~(size_t)7);
	h.nexec = (uint32_t)nexec;
	h.exec_off = (uint32_t)(h.rules_off + nrules * sizeof *rules);
	h.strings_off = (uint32_t)(h.exec_off + nexec * sizeof *exec);
	h.strings_len = (uint32_t)t.len;
	h.size = (uint32_t)((h.strings_off + t.len + 7) & ~(size_t)7);
	char *img = calloc(1, h.size);
	if (!img)
		guard_die(NULL, "out of memory");
	memcpy(img, &h, sizeof h);
	memcpy(img + h.rules_off, rules, nrules * sizeof *rules);
	memcpy(img + h.exec_off, exec, nexec * sizeof *exec);
	memcpy(img + h.strings_off, t.buf, t.len);
	free(exec);
	/* The size includes alignment padding past the strings; make the header say so. */
	free(rules);
	free(t.buf);
	*out = img;
	*outlen = h.size;
}
