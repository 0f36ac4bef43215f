/* Environment scrubbing: built-in secret names, URL passwords in values, env.pass / env.drop, overrides. */
#include <string.h>

#include "plan/env.h"
#include "tap.h"

static const char *value_of(char **env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static int count(char **env, const char *name)
{
	int c = 0;
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && ((*env)[n] == '=' || (*env)[n] == 0))
			c++;
	return c;
}

static struct guard_policy policy(struct guard_name *pass, size_t npass, struct guard_name *drop, size_t ndrop)
{
	struct guard_policy p;
	memset(&p, 0, sizeof p);
	p.env_pass = pass;
	p.npass = npass;
	p.env_drop = drop;
	p.ndrop = ndrop;
	return p;
}

static void test_names(void)
{
	static const char *const secret[] = {
		"GITHUB_TOKEN",
		"GH_TOKEN",
		"NPM_TOKEN",
		"github_token",
		"NODE_AUTH_TOKEN",
		"CLAUDE_CODE_OAUTH_TOKEN",
		"MY_SECRET_THING",
		"client_secret",
		"DB_PASSWORD",
		"PGPASSWORD",
		"LDAP_PASSWD",
		"GPG_PASSPHRASE",
		"MYSQL_PWD",
		"SMTP_PASS",
		"OPENAI_API_KEY",
		"ANTHROPIC_API_KEY",
		"GEMINI_APIKEY",
		"STRIPE_SECRET_KEY",
		"DEPLOY_KEY",
		"SIGNING_PRIVATE_KEY",
		"MINIO_ACCESS_KEY",
		"AWS_ACCESS_KEY_ID",
		"AWS_REGION",
		"AZURE_CLIENT_ID",
		"GOOGLE_APPLICATION_CREDENTIALS",
		"SSH_AUTH_SOCK",
		"GITHUB_PAT",
		"NPM_CONFIG__AUTH",
		"KRB5CCNAME",
		"GPG_AGENT_INFO",
		"AZURE_STORAGE_CONNECTION_STRING",
		"VAULT_TOKEN",
	};
	static const char *const plain[] = {
		"PATH",
		"HOME",
		"PWD",
		"OLDPWD",
		"TERM",
		"LANG",
		"LC_ALL",
		"SHELL",
		"USER",
		"KEYTIMEOUT",
		"KEYMAP",
		"EDITOR",
		"TOKENIZERS_PARALLELISM",
		"CLAUDE_CODE_MAX_OUTPUT_TOKENS",
		"SIGNING_PUBLIC_KEY",
		"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY",
		"CLASSPATH",
		"GOPATH",
		"XDG_RUNTIME_DIR",
		"SSH_CONNECTION",
		"SSH_TTY",
		"DISPLAY",
		"HISTFILE",
		"PASSAGE_DIR",
		"NO_BYPASS",
		"SHLVL",
	};
	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		TAP_OK(guard_env_looks_secret(secret[i]), "%s looks secret", secret[i]);
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		TAP_OK(!guard_env_looks_secret(plain[i]), "%s does not look secret", plain[i]);
}

static char *const base_env[] = {
	"PATH=/usr/bin:/bin",
	"HOME=/home/u",
	"GITHUB_TOKEN=ghp_x",
	"DATABASE_URL=postgres://app:hunter2@db:5432/x",
	"PLAIN_URL=https://example.com/a@b:c",
	"NOPASS_URL=postgres://app@db/x",
	"EMPTY_PW=redis://app:@cache",
	"PIP_EXTRA_INDEX_URL=https://pypi.org/simple https://me:tok@pkgs.example/simple",
	"ALL_PROXY=http://user:secret@proxy:3128",
	"AZ=DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc==",
	"AWS_REGION=eu-west-1",
	"AWS_SECRET_ACCESS_KEY=s3",
	"KEYTIMEOUT=1",
	"MALFORMED",
	"=novalue",
	"PATH=/evil",
	"MY_VAR=1",
	"PROJECT_NAME=p",
	"EDITOR=vi",
	NULL,
};

static void test_build_default(void)
{
	char **dropped = NULL;
	char **env = guard_env_build(base_env, NULL, NULL, &dropped);
	TAP_OK(env != NULL && dropped != NULL, "build with no policy");
	if (!env || !dropped)
		return;
	TAP_OK(value_of(env, "PATH") && strcmp(value_of(env, "PATH"), "/usr/bin:/bin") == 0 && count(env, "PATH") == 1,
	       "PATH kept once, the first copy");
	TAP_OK(value_of(env, "HOME") && value_of(env, "KEYTIMEOUT") && value_of(env, "MY_VAR") &&
		       value_of(env, "EDITOR"),
	       "ordinary variables kept");
	TAP_OK(!value_of(env, "GITHUB_TOKEN") && count(dropped, "GITHUB_TOKEN") == 1,
	       "GITHUB_TOKEN dropped and reported");
	TAP_OK(!value_of(env, "DATABASE_URL") && count(dropped, "DATABASE_URL") == 1, "URL with a password dropped");
	TAP_OK(!value_of(env, "PIP_EXTRA_INDEX_URL"), "a password in the second URL of a list is found");
	TAP_OK(!value_of(env, "ALL_PROXY"), "proxy URL with credentials dropped");
	TAP_OK(!value_of(env, "AZ"), "connection string with AccountKey= dropped");
	TAP_OK(value_of(env, "PLAIN_URL") != NULL, "'@' after the host is not a password");
	TAP_OK(value_of(env, "NOPASS_URL") != NULL, "URL with a user and no password kept");
	TAP_OK(value_of(env, "EMPTY_PW") != NULL, "URL with an empty password kept");
	TAP_OK(!value_of(env, "AWS_REGION") && !value_of(env, "AWS_SECRET_ACCESS_KEY"), "AWS_* dropped");
	TAP_OK(count(env, "MALFORMED") == 0 && count(dropped, "MALFORMED") == 0, "entry without '=' left out silently");
	int n = 0;
	for (char **e = env; *e; e++)
		n++;
	TAP_OK(n == 9, "9 variables remain (got %d)", n);
	TAP_OK(strcmp(env[0], "PATH=/usr/bin:/bin") == 0 && strcmp(env[1], "HOME=/home/u") == 0, "order kept");
	for (char **d = dropped; *d; d++)
		TAP_OK(!strchr(*d, '='), "dropped list holds names only: %s", *d);
	guard_strv_free(env);
	guard_strv_free(dropped);
}

static void test_pass_drop(void)
{
	struct guard_name pass[] = {{.name = "GITHUB_TOKEN"}, {.name = "AWS_*"}, {.name = "DATABASE_URL"}};
	struct guard_name drop[] = {{.name = "EDITOR"}, {.name = "MY_*"}, {.name = "P*"}, {.name = "AWS_REGION"}};
	struct guard_policy p = policy(pass, 3, drop, 4);
	char **env = guard_env_build(base_env, &p, NULL, NULL);
	TAP_OK(env != NULL, "build with pass and drop, no dropped list");
	if (!env)
		return;
	TAP_OK(value_of(env, "GITHUB_TOKEN") != NULL, "env.pass keeps GITHUB_TOKEN");
	TAP_OK(value_of(env, "AWS_SECRET_ACCESS_KEY") != NULL, "env.pass glob AWS_* keeps AWS_SECRET_ACCESS_KEY");
	TAP_OK(value_of(env, "DATABASE_URL") != NULL, "env.pass beats the value check");
	TAP_OK(!value_of(env, "AWS_REGION"), "env.drop beats env.pass");
	TAP_OK(!value_of(env, "EDITOR"), "env.drop by exact name removes even an essential variable");
	TAP_OK(!value_of(env, "MY_VAR") && !value_of(env, "PROJECT_NAME"), "env.drop globs drop");
	TAP_OK(value_of(env, "PATH") != NULL, "a glob in env.drop spares PATH");
	TAP_OK(!value_of(env, "ALL_PROXY"), "built-in rules still apply to the rest");
	guard_strv_free(env);
}

static void test_overrides(void)
{
	char *const over[] = {
		"TMPDIR=/tmp/guard.1", "HOME=/sandbox", "EDITOR", "NEW=1", "NEW=2", "GUARD_TOKEN=t", NULL};
	char **dropped = NULL;
	char **env = guard_env_build(base_env, NULL, over, &dropped);
	TAP_OK(env != NULL, "build with overrides");
	if (!env)
		return;
	TAP_OK(value_of(env, "TMPDIR") && strcmp(value_of(env, "TMPDIR"), "/tmp/guard.1") == 0, "override adds TMPDIR");
	TAP_OK(count(env, "HOME") == 1 && strcmp(value_of(env, "HOME"), "/sandbox") == 0, "override replaces HOME");
	TAP_OK(count(env, "EDITOR") == 0 && count(dropped, "EDITOR") == 0, "override without '=' removes EDITOR");
	TAP_OK(count(env, "NEW") == 1 && strcmp(value_of(env, "NEW"), "2") == 0, "the last override of a name wins");
	TAP_OK(value_of(env, "GUARD_TOKEN") != NULL, "overrides are never scrubbed");
	guard_strv_free(env);
	guard_strv_free(dropped);
}

static void test_empty(void)
{
	char **dropped = NULL;
	char **env = guard_env_build(NULL, NULL, NULL, &dropped);
	TAP_OK(env && !env[0] && dropped && !dropped[0], "empty input gives empty arrays");
	guard_strv_free(env);
	guard_strv_free(dropped);
	guard_strv_free(NULL);
	TAP_OK(1, "guard_strv_free(NULL) is a no-op");
}

int main(void)
{
	test_names();
	test_build_default();
	test_pass_drop();
	test_overrides();
	test_empty();
	return tap_done();
}
