/* The sandbox's environment: the caller's, minus what looks like a credential.
 *
 * Decisions (kept here because they are judgement calls):
 * - Names are matched case-insensitively against the table below; env.pass and env.drop entries are exact names or
 *   fnmatch globs, case-sensitive like the variables themselves.
 * - env.drop beats env.pass (a project file may only tighten, and a drop is a tightening); env.pass beats the
 *   built-in guesses, including the value check.
 * - *_KEY is taken as a credential (API, secret, access, signing, deploy keys) except *PUBLIC_KEY and
 *   *PUBLISHABLE_KEY, which are public by design. Names merely containing KEY (KEYTIMEOUT, KEYMAP) stay.
 * - *_PWD drops MYSQL_PWD but not PWD/OLDPWD; AWS_* and AZURE_* go whole (AWS_REGION too: pass it if wanted).
 * - A value holding scheme://user:password@ (a database URL, a proxy with credentials) drops its variable, whatever
 *   the name; so do key=value connection strings with Password= or AccountKey=. A token used as the bare user
 *   name (https://TOKEN@host) is not recognised.
 * - Variables every program relies on (PATH, HOME, TERM, LANG, LC_*, ...) are never dropped by the built-in rules
 *   or by a glob; only an exact name in env.drop removes one.
 * - An entry without '=' (malformed) is dropped silently; of duplicate names only the first is kept, as getenv
 *   would see it, so no later copy reaches a libc that reads the other one.
 * - An override "NAME=value" replaces or adds; an override "NAME" without '=' removes NAME. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/env.h"

enum where { SUFFIX, CONTAINS, PREFIX, EXACT };

static const struct {
	enum where where;
	const char *text;
} secret_names[] = {
	{SUFFIX, "TOKEN"}, /* GITHUB_TOKEN, GH_TOKEN, NPM_TOKEN, *_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN */
	{SUFFIX, "_KEY"},  /* OPENAI_API_KEY, STRIPE_SECRET_KEY, DEPLOY_KEY (see exceptions) */
	{SUFFIX, "_PAT"},  /* personal access tokens */
	{SUFFIX, "_PASS"}, /* SMTP_PASS, DB_PASS */
	{SUFFIX, "_PWD"},  /* MYSQL_PWD */
	{SUFFIX, "_AUTH"}, /* NPM_CONFIG__AUTH */
	{CONTAINS, "SECRET"},
	{CONTAINS, "PASSWORD"},
	{CONTAINS, "PASSWD"},
	{CONTAINS, "PASSPHRASE"},
	{CONTAINS, "CREDENTIAL"}, /* GOOGLE_APPLICATION_CREDENTIALS */
	{CONTAINS, "APIKEY"},
	{CONTAINS, "API_KEY"},
	{CONTAINS, "PRIVATE_KEY"},
	{CONTAINS, "ACCESS_KEY"},
	{CONTAINS, "CONNECTION_STRING"},
	{PREFIX, "AWS_"},
	{PREFIX, "AZURE_"},
	{EXACT, "SSH_AUTH_SOCK"}, /* the agent socket signs as the user */
	{EXACT, "GPG_AGENT_INFO"},
	{EXACT, "KRB5CCNAME"},   /* Kerberos ticket cache */
	{EXACT, "BW_SESSION"},   /* unlocked Bitwarden vault */
	{PREFIX, "OP_SESSION_"}, /* unlocked 1Password account */
	{SUFFIX, "AUTH_CONFIG"}, /* DOCKER_AUTH_CONFIG: registry credentials */
	/* issue 13: */
	{SUFFIX, "TOKENS"},    /* GITHUB_TOKENS, API_TOKENS (counts such as MAX_TOKENS excepted below) */
	{CONTAINS, "JWT"},     /* CI_JOB_JWT, CI_JOB_JWT_V2 (GitLab's job identity), *_JWT */
	{CONTAINS, "COOKIE"},  /* SESSION_COOKIE, a browser's cookies handed to a scraper */
	{CONTAINS, "WEBHOOK"}, /* SLACK_WEBHOOK_URL, DISCORD_WEBHOOK: whoever has the URL may post */
	{SUFFIX, "DSN"},       /* SENTRY_DSN (its key is in the URL), DATABASE_DSN */
};

/* Names ending in TOKENS that count tokens (CLAUDE_CODE_MAX_OUTPUT_TOKENS, MAX_THINKING_TOKENS) */
static const char *const token_counts[] = {"MAX", "OUTPUT_TOKENS", "INPUT_TOKENS", "THINKING_TOKENS", "CONTEXT_TOKENS"};

static const char *const public_suffixes[] = {"PUBLIC_KEY", "PUBLISHABLE_KEY"};

static const char *const essential[] = {
	"PATH", "HOME",   "USER",    "LOGNAME",         "SHELL",   "TERM",  "COLORTERM", "LANG",   "LANGUAGE", "TZ",
	"PWD",  "TMPDIR", "DISPLAY", "WAYLAND_DISPLAY", "COLUMNS", "LINES", "EDITOR",    "VISUAL", "PAGER",
};

static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

static bool contains_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static bool name_looks_secret(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof public_suffixes / sizeof public_suffixes[0]; i++)
		if (ends_with_ci(name, n, public_suffixes[i]))
			return false;
	for (size_t i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++) {
		const char *t = secret_names[i].text;
		size_t k = strlen(t);
		bool hit = false;
		switch (secret_names[i].where) {
		case SUFFIX:
			hit = ends_with_ci(name, n, t);
			for (size_t c = 0;
			     hit && !strcmp(t, "TOKENS") && c < sizeof token_counts / sizeof *token_counts; c++)
				hit = !contains_ci(name, n, token_counts[c]);
			break;
		case CONTAINS:
			hit = contains_ci(name, n, t);
			break;
		case PREFIX:
			hit = n >= k && strncasecmp(name, t, k) == 0;
			break;
		case EXACT:
			hit = n == k && strncasecmp(name, t, k) == 0;
			break;
		}
		if (hit)
			return true;
	}
	return false;
}

bool guard_env_looks_secret(const char *name)
{
	return name_looks_secret(name, strlen(name));
}

static bool is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
	       c == '.';
}

/* scheme://user:password@host anywhere in the value (URL lists, proxies), with a non-empty password. */
static bool value_has_url_password(const char *v)
{
	for (const char *p = strstr(v, "://"); p; p = strstr(p + 1, "://")) {
		if (p == v || !is_scheme_char(p[-1]))
			continue;
		const char *auth = p + 3;
		size_t alen = strcspn(auth, "/?# \t\n,;");
		const char *at = NULL;
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i;
		if (!at)
			continue;
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon && colon + 1 < at)
			return true;
	}
	return false;
}

/* jdbc:oracle:thin:user/password@host: the password before the '@', after a '/' */
static bool value_has_oracle_password(const char *v)
{
	const char *p = strstr(v, "jdbc:oracle:thin:");
	if (!p)
		return false;
	p += strlen("jdbc:oracle:thin:");
	const char *at = strchr(p, '@'), *slash = strchr(p, '/');
	return at && slash && slash < at && slash + 1 < at;
}

static bool value_looks_secret(const char *v)
{
	size_t n = strlen(v);
	return value_has_url_password(v) || contains_ci(v, n, "password=") || contains_ci(v, n, "accountkey=") ||
	       contains_ci(v, n, "sharedaccesskey=") || value_has_oracle_password(v) ||
	       /* webhooks: the URL is the credential (issue 13) */
	       contains_ci(v, n, "hooks.slack.com/services/") || contains_ci(v, n, "discord.com/api/webhooks/") ||
	       contains_ci(v, n, "discordapp.com/api/webhooks/") ||
	       /* a Sentry DSN: https://KEY@oNNN.ingest.sentry.io/ID */
	       (contains_ci(v, n, "sentry.io/") && strchr(v, '@'));
}

static bool is_essential(const char *name)
{
	if (strncmp(name, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; i < sizeof essential / sizeof essential[0]; i++)
		if (strcmp(name, essential[i]) == 0)
			return true;
	return false;
}

/* Does the list name this variable? Globs do not reach essential variables. */
static bool listed(const struct guard_name *list, size_t n, const char *name, bool globs_spare_essential)
{
	for (size_t i = 0; i < n; i++) {
		const char *pat = list[i].name;
		if (strcmp(pat, name) == 0)
			return true;
		if (globs_spare_essential && is_essential(name))
			continue;
		if (strpbrk(pat, "*?[") && fnmatch(pat, name, 0) == 0)
			return true;
	}
	return false;
}

/* Length of the name part of "NAME=value" or "NAME". */
static size_t name_len(const char *entry)
{
	return strcspn(entry, "=");
}

static bool same_name(const char *a, const char *b)
{
	size_t n = name_len(a);
	return n == name_len(b) && strncmp(a, b, n) == 0;
}

static bool in_vector(char *const *v, size_t n, const char *entry)
{
	for (size_t i = 0; i < n; i++)
		if (same_name(v[i], entry))
			return true;
	return false;
}

void guard_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **guard_env_build(char *const *in, const struct guard_policy *p, char *const *overrides, char ***dropped)
{
	size_t nin = strv_len(in), nov = strv_len(overrides), nout = 0, ndrop = 0;
	char **out = calloc(nin + nov + 1, sizeof *out);
	char **gone = calloc(nin + 1, sizeof *gone);
	if (dropped)
		*dropped = NULL;
	if (!out || !gone)
		goto oom;
	for (size_t i = 0; i < nin; i++) {
		const char *e = in[i];
		size_t n = name_len(e);
		if (n == 0 || e[n] != '=')
			continue;
		if (in_vector(out, nout, e) || in_vector(gone, ndrop, e) || in_vector(overrides, nov, e))
			continue;
		char *name = strndup(e, n);
		if (!name)
			goto oom;
		bool drop;
		if (p && listed(p->env_drop, p->ndrop, name, true))
			drop = true;
		else if (p && listed(p->env_pass, p->npass, name, false))
			drop = false;
		else
			drop = !is_essential(name) && (name_looks_secret(name, n) || value_looks_secret(e + n + 1));
		if (drop) {
			gone[ndrop++] = name;
			continue;
		}
		free(name);
		if (!(out[nout++] = strdup(e)))
			goto oom;
	}
	for (size_t i = 0; i < nov; i++) {
		const char *e = overrides[i];
		if (!strchr(e, '=') || in_vector(overrides + i + 1, nov - i - 1, e))
			continue; /* a removal, or overridden again later */
		if (!(out[nout++] = strdup(e)))
			goto oom;
	}
	if (dropped)
		*dropped = gone;
	else
		guard_strv_free(gone);
	return out;
oom:
	guard_strv_free(out);
	guard_strv_free(gone);
	errno = ENOMEM;
	return NULL;
}
