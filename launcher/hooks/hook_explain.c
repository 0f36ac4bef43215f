/* See hook_explain.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/explain.h"
#include "guard/path.h"
#include "lib/guard.h"
#include "hooks/hook_explain.h"
#include "lib/image_file.h"

#define HOOK_PATH 4096
#define HOOK_LINE 8192         /* longer output lines are not looked at */
#define HOOK_MAX_CANDIDATES 64 /* paths looked up per output */

static void guard_hook_call_close(struct guard_hook_call *c);

static bool guard_hook_call_open(struct guard_hook_call *c, const char *default_event)
{
	memset(c, 0, sizeof *c);
	char *in = guard_xmalloc(GUARD_HOOK_MAX_INPUT);
	size_t len = 0;
	bool whole = true;
	for (;;) {
		char sink[4096];
		char *dst = len < GUARD_HOOK_MAX_INPUT ? in + len : sink;
		size_t room = len < GUARD_HOOK_MAX_INPUT ? GUARD_HOOK_MAX_INPUT - len : sizeof sink;
		ssize_t r = read(0, dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst == sink)
			whole = false;
		else
			len += (size_t)r;
	}
	const char *image_path = getenv("GUARD_POLICY");
	char why[256];
	struct guard_json_limits lim = {.max_len = GUARD_HOOK_MAX_INPUT, .depth = 64, .max_nodes = 1u << 16};
	if (whole && image_path && image_path[0])
		c->doc = guard_json_parse(in, len, &lim, why, sizeof why);
	free(in);
	c->in = c->doc ? guard_json_root(c->doc) : NULL;
	if (!c->in || c->in->type != GUARD_JSON_OBJECT ||
	    guard_image_read(image_path, &c->img, &c->img_buf, why, sizeof why) != 0) {
		guard_hook_call_close(c);
		return false;
	}
	c->event = guard_json_str_of(c->in, "hook_event_name");
	if (!c->event)
		c->event = default_event;
	c->tool = guard_json_str_of(c->in, "tool_name");
	c->cwd = guard_json_str_of(c->in, "cwd");
	if (!c->cwd || c->cwd[0] != '/')
		c->cwd = getcwd(c->cwd_buf, sizeof c->cwd_buf) ? c->cwd_buf : "/";
	return true;
}

static void guard_hook_call_close(struct guard_hook_call *c)
{
	if (c->doc)
		guard_json_free(c->doc);
	free(c->img_buf);
	c->doc = NULL;
	c->img_buf = NULL;
	c->in = NULL;
}

/* Error names (exact) and phrases (any case). */
static const struct {
	const char *word;
	int err;
	bool exact;
} error_words[] = {
	{"EACCES", EACCES, true},
	{"permission denied", EACCES, false},
	{"EPERM", EPERM, true},
	{"operation not permitted", EPERM, false},
	{"EROFS", EROFS, true},
	{"read-only file system", EROFS, false},
	{"ENOENT", ENOENT, true},
	{"no such file or directory", ENOENT, false},
	{"does not exist", ENOENT, false},
};

/* The error word that comes first in text ("Permission denied (EACCES)": the phrase): its errno, and where it
 * starts. */
static int find_error(const char *text, const char **at)
{
	const char *first = NULL;
	int err = 0;
	for (size_t i = 0; text && i < sizeof error_words / sizeof *error_words; i++) {
		const char *p = error_words[i].exact ? strstr(text, error_words[i].word)
						     : strcasestr(text, error_words[i].word);
		if (p && (!first || p < first)) {
			first = p;
			err = error_words[i].err;
		}
	}
	if (at)
		*at = first;
	return err;
}

int guard_hook_error_errno(const char *text)
{
	return find_error(text, NULL);
}

/* Absolute, normalized, the parent's symbolic links resolved (as the kernel checked it). */
static bool canonical(const char *path, const char *cwd, char *out, size_t cap)
{
	char joined[HOOK_PATH], dir[HOOK_PATH], real[HOOK_PATH];
	if (guard_lexpath_join(joined, sizeof joined, cwd, path) != 0 || joined[0] != '/')
		return false;
	snprintf(out, cap, "%s", joined);
	const char *name = guard_lexpath_split(joined, dir, sizeof dir);
	if (!name || !*name || !realpath(dir, real))
		return true;
	if (strcmp(real, "/") == 0)
		return snprintf(out, cap, "/%s", name) < (int)cap;
	return snprintf(out, cap, "%s/%s", real, name) < (int)cap;
}

size_t guard_hook_explain_access(const struct guard_image *img, enum guard_op op, int err, const char *path,
				 const char *cwd, char *msg, size_t cap)
{
	char canon[HOOK_PATH];
	if (!path || !path[0] || !err || !canonical(path, cwd, canon, sizeof canon))
		return 0;
	struct stat st;
	struct guard_facts f = {.op = op, .err = err, .path = canon, .cwd = cwd};
	f.exists = lstat(canon, &st) == 0;
	f.is_dir = f.exists && S_ISDIR(st.st_mode);
	if (f.op == GUARD_OP_WRITE && !f.exists)
		f.op = GUARD_OP_CREATE;
	struct guard_refusal v;
	if (err == ENOENT) {
		f.err = EACCES;
		guard_explain_decide(img, &f, &v);
		if (v.why != GUARD_WHY_DENY && v.why != GUARD_WHY_NOT_GRANTED)
			return 0;
	} else if (!guard_err_explainable(err)) {
		return 0;
	} else {
		guard_explain_decide(img, &f, &v);
	}
	size_t n = guard_explain_format(img, &f, &v, msg, cap);
	if (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	return n;
}

/* What a line says it was doing, from the wording of common tools (coreutils, git, sed, Node, codex); reads
 * unless a line says otherwise: guard is never blamed for a write that may have been a read. */
static enum guard_op line_op(const char *line, int err)
{
	static const char *const removes[] = {"cannot remove", "unlink", "rmdir", "failed to remove", NULL};
	static const char *const creates[] = {"cannot create directory", "mkdir", "cannot make directory", NULL};
	static const char *const writes[] = {"cannot create",
					     "cannot touch",
					     "cannot overwrite",
					     "for writing",
					     "failed to write",
					     "unable to write",
					     "cannot write",
					     "unable to create",
					     "couldn't open temporary",
					     "couldn't edit",
					     NULL};
	for (const char *const *w = removes; *w; w++)
		if (strcasestr(line, *w))
			return GUARD_OP_REMOVE;
	for (const char *const *w = creates; *w; w++)
		if (strcasestr(line, *w))
			return GUARD_OP_CREATE;
	for (const char *const *w = writes; *w; w++)
		if (strcasestr(line, *w))
			return GUARD_OP_WRITE;
	return err == EROFS ? GUARD_OP_WRITE : GUARD_OP_READ;
}

struct candidates {
	char *v[HOOK_MAX_CANDIDATES];
	unsigned n;
};

static void add_candidate(struct candidates *c, const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (!len || len >= HOOK_PATH || c->n >= HOOK_MAX_CANDIDATES || memchr(s, 0, len))
		return;
	c->v[c->n++] = guard_xasprintf("%.*s", (int)len, s);
}

/* Quoted names in a line: '...', "...", `...`, and the ‘...’ of UTF-8 locales. */
static void quoted_candidates(const char *line, struct candidates *c)
{
	static const struct {
		const char *open, *close;
	} quotes[] = {{"'", "'"}, {"\"", "\""}, {"`", "`"}, {"\xe2\x80\x98", "\xe2\x80\x99"}};
	for (size_t q = 0; q < sizeof quotes / sizeof *quotes; q++) {
		size_t ol = strlen(quotes[q].open);
		for (const char *p = strstr(line, quotes[q].open); p; p = strstr(p, quotes[q].open)) {
			const char *start = p + ol, *end = strstr(start, quotes[q].close);
			if (!end)
				break;
			add_candidate(c, start, (size_t)(end - start));
			p = end + strlen(quotes[q].close);
		}
	}
}

/* "PROGRAM: NAME: Permission denied": the field before the error; of a field with spaces, its last word (Go's
 * "open NAME: permission denied"; tools quote names with spaces, and quoted names are taken apart). */
static void field_candidates(const char *line, const char *err_at, struct candidates *c)
{
	if (err_at - line < 3 || err_at[-2] != ':' || err_at[-1] != ' ')
		return;
	const char *end = err_at - 2, *start = line;
	for (const char *p = line; p + 1 < end; p++)
		if (p[0] == ':' && p[1] == ' ')
			start = p + 2;
	for (const char *p = start; p < end; p++)
		if (*p == ' ')
			start = p + 1;
	add_candidate(c, start, (size_t)(end - start));
}

/* The part of a message the shim prints before its provenance: present in the output means already said. */
static bool already_said(const char *text, const char *msg)
{
	const char *paren = strstr(msg, " (");
	size_t n = paren ? (size_t)(paren - msg) : strlen(msg);
	char *head = guard_xasprintf("%.*s", (int)n, msg);
	bool said = strstr(text, head) != NULL;
	free(head);
	return said;
}

bool guard_hook_add_line(struct guard_buf *out, const char *msg)
{
	size_t n = strlen(msg);
	for (const char *p = out->p; p && (p = strstr(p, msg)); p++)
		if ((p == out->p || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return false;
	if (out->len)
		guard_buf_puts(out, "\n");
	guard_buf_puts(out, msg);
	return true;
}

unsigned guard_hook_explain_output(const struct guard_image *img, const char *text, const char *cwd,
				   struct guard_buf *out, unsigned room)
{
	unsigned added = 0, looked = 0;
	char line[HOOK_LINE], msg[2048];
	for (const char *p = text; p && *p && added < room && looked < HOOK_MAX_CANDIDATES;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *next = nl ? nl + 1 : NULL;
		if (len >= sizeof line || strncmp(p, "guard: ", 7) == 0) {
			p = next;
			continue;
		}
		memcpy(line, p, len);
		line[len] = 0;
		p = next;
		const char *err_at = NULL;
		int err = find_error(line, &err_at);
		if (!err)
			continue;
		struct candidates c = {.n = 0};
		quoted_candidates(line, &c);
		field_candidates(line, err_at, &c);
		enum guard_op op = line_op(line, err);
		for (unsigned i = 0; i < c.n; i++, looked++) {
			size_t n = added < room ? guard_hook_explain_access(img, op, err, c.v[i], cwd, msg, sizeof msg)
						: 0;
			if (n && !already_said(text, msg) && guard_hook_add_line(out, msg))
				added++;
			free(c.v[i]);
		}
	}
	return added;
}

int guard_hook_run(const char *default_event, guard_hook_explain_fn *explain)
{
	struct guard_hook_call c;
	if (!guard_hook_call_open(&c, default_event))
		return 0;
	struct guard_buf out = {0};
	explain(&c, &out);
	if (out.len && c.event) {
		struct guard_buf b = {0};
		guard_buf_puts(&b, "{\"hookSpecificOutput\":{\"hookEventName\":");
		guard_json_str(&b, c.event);
		guard_buf_puts(&b, ",\"additionalContext\":");
		guard_json_str(&b, out.p);
		guard_buf_puts(&b, "}}\n");
		fwrite(b.p, 1, b.len, stdout);
		fflush(stdout);
		guard_buf_free(&b);
	}
	guard_buf_free(&out);
	guard_hook_call_close(&c);
	return 0;
}
