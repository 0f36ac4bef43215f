/* libFuzzer target for launcher/hook_explain.c's output scanner: what `guard hook claude-code|codex` reads is a
 * tool's output, which the model and any program it ran control. Input: one byte for how many lines the answer
 * may hold, then the output text. Properties: no crash, no out-of-bounds access (ASan), at most that many lines
 * added, each of them guard's own line ("guard: denied ...") and none of them twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "hooks/hook_explain.h"
#include "plan/image_build.h"
#include "policy/policy_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *out)
{
	fprintf(stderr, "HOOK PROPERTY FAILED: %s\n---\n%s\n---\n", what, out ? out : "");
	abort();
}

/* The default profile, compiled as a session would see it. */
static const struct guard_image *image(void)
{
	static struct guard_image img;
	static void *buf;
	if (buf)
		return &img;
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if (guard_policy_load_profile(&p, "default", &err) != 0)
		fail("the default profile does not load", err.message);
	struct guard_image_params prm = {.home = "/home/u",
					 .project = "/home/u/proj",
					 .tmpdir = "/tmp/guard-s1",
					 .session_id = "s1",
					 .event_socket = "/run/guard/s1/ev",
					 .abi = 7};
	size_t len;
	guard_image_build(&p, &prm, &buf, &len);
	guard_policy_free(&p);
	if (guard_image_load(&img, buf, len) != 0)
		fail("the default profile's image does not load", NULL);
	return &img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return 0;
	unsigned room = data[0] % 8;
	char *text = guard_xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	struct guard_buf out = {0};
	unsigned n = guard_hook_explain_output(image(), text, "/home/u/proj", &out, room);
	unsigned lines = 0;
	for (const char *p = out.p; p && *p; lines++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (strncmp(p, "guard: denied ", 14) != 0)
			fail("a line that is not guard's", out.p);
		for (const char *q = nl ? nl + 1 : NULL; q && *q;) {
			const char *qn = strchr(q, '\n');
			size_t ql = qn ? (size_t)(qn - q) : strlen(q);
			if (ql == len && memcmp(p, q, len) == 0)
				fail("a line twice", out.p);
			q = qn ? qn + 1 : NULL;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (n != lines || n > room)
		fail("the count of lines added", out.p);
	guard_buf_free(&out);
	free(text);
	return 0;
}
