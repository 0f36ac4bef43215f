/* Writes the binary seed corpora of the fuzz targets from the real encoders, so the seeds follow the formats:
 *   tests/fuzz/corpus/image/      images from guard_image_build (default profile; a small policy with every flag and
 *                                 exec.deny entries; an empty one)
 *   tests/fuzz/corpus/image_mut/  edit scripts for fuzz_image_mut.c
 *   tests/fuzz/corpus/event/      datagrams from guard_event_encode, as the shim and the observer send them
 * `make fuzz-seeds` rebuilds and reruns it (after a format change: GUARD_IMAGE_VERSION, GUARD_EVENT_VERSION). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "guard/event.h"
#include "guard/image.h"
#include "plan/image_build.h"
#include "policy/policy_api.h"

static const char *outdir;

static void put(const char *sub, const char *name, const void *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", outdir, sub);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof path, "%s/%s/%s", outdir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void image(const char *name, const char *profile, const char *yaml, uint32_t flags)
{
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if ((profile && guard_policy_load_profile(&p, profile, &err) < 0) ||
	    (yaml && guard_policy_load_yaml(&p, ".guard.yaml", yaml, strlen(yaml), GUARD_SRC_PROJECT, &err) < 0)) {
		guard_error_print(&err);
		exit(1);
	}
	struct guard_image_params prm = {.home = "/home/u",
					 .project = "/home/u/proj",
					 .tmpdir = "/tmp/guard-s1",
					 .session_id = "20240101-000000-s1",
					 .event_socket = "/run/guard/s1/events",
					 .session_magic = 0x1234567890abcdefull,
					 .flags = flags,
					 .abi = 3};
	void *img;
	size_t len;
	guard_image_build(&p, &prm, &img, &len);
	put("image", name, img, len);
	free(img);
	guard_policy_free(&p);
}

static void event(const char *name, enum guard_op op, enum guard_event_origin origin, unsigned flags, int err,
		  const char *path, const char *path2, const char *cwd, char *const *argv, size_t cap)
{
	struct guard_event ev = {.op = op,
				 .origin = origin,
				 .flags = flags,
				 .err = err,
				 .pid = 4242,
				 .ppid = 4241,
				 .rule = 3,
				 .path = path,
				 .path2 = path2,
				 .cwd = cwd};
	char buf[GUARD_EVENT_MAX];
	size_t n = guard_event_encode(buf, cap, &ev, argv);
	struct guard_event check;
	if (!n || guard_event_decode(buf, n, &check) != 0) {
		fprintf(stderr, "gen_seeds: event %s does not round-trip\n", name);
		exit(1);
	}
	put("event", name, buf, n);
}

int main(int argc, char **argv)
{
	outdir = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	image("default", "default", NULL, GUARD_IMAGE_NAMESPACES);
	image("flags", NULL,
	      "files:\n"
	      "  read: [/usr, ~/.config/**/settings, $PROJECT/vendor/]\n"
	      "  write: [$PROJECT, $TMP]\n"
	      "  deny: [.env, \"*.pem\", secrets/, ~/.ssh, \"!.env.example\", \"/etc/sha[d]ow\"]\n"
	      "  protect: [.git/hooks, \"!.git/hooks/ok\", ~/.bashrc]\n"
	      "exec:\n"
	      "  deny: [curl, git push, \"!git push --dry-run\", rm -rf /]\n",
	      GUARD_IMAGE_QUIET);
	image("empty", NULL, "", 0);

	/* Edit scripts for fuzz_image_mut.c: byte 0 picks the base, then [op a b c] edits. */
	static const unsigned char mut[][13] = {
		{0},                                       /* the default image untouched */
		{1, 1, 2, 5, 0},                           /* rule 2's pattern → the 5th string */
		{0, 7, 0, 40, 2, 9, 1, 3, 0},              /* a '*' in the strings; swap rules 1 and 3 */
		{1, 4, 0, 0xff, 0, 5, 0, 16, 0},           /* nrules = 0xffffffff; cut 16 bytes */
		{0, 2, 4, 2, 2, 6, 0, 64, 1, 3, 0, 0, 15}, /* flags of rule 4; grow by 64; project → last string */
	};
	static const size_t mut_len[] = {1, 5, 9, 9, 13};
	for (size_t i = 0; i < sizeof mut / sizeof *mut; i++) {
		char name[16];
		snprintf(name, sizeof name, "edits%zu", i);
		put("image_mut", name, mut[i], mut_len[i]);
	}

	char *const git[] = {"git", "commit", "-m", "wip", NULL};
	char *const cat[] = {"cat", ".env", NULL};
	char *const none[] = {NULL};
	char *const empty_args[] = {"sh", "", "-c", "", NULL};
	event("read_denied", GUARD_OP_READ, GUARD_ORIGIN_SHIM, GUARD_EVF_EXPLAINED, 13, "/home/u/proj/.env", NULL,
	      "/home/u/proj", cat, GUARD_EVENT_MAX);
	event("exec", GUARD_OP_EXEC, GUARD_ORIGIN_SHIM, 0, 0, "/usr/bin/git", NULL, "/home/u/proj", git,
	      GUARD_EVENT_MAX);
	event("rename", GUARD_OP_RENAME, GUARD_ORIGIN_SHIM, 0, 1, "/home/u/proj/a", "/home/u/.bashrc", "/home/u/proj",
	      NULL, GUARD_EVENT_MAX);
	event("connect_observer", GUARD_OP_CONNECT, GUARD_ORIGIN_OBSERVER, 0, 1, "10.0.0.1:443", NULL, NULL, NULL,
	      GUARD_EVENT_MAX);
	event("no_strings", GUARD_OP_TRUNCATE, GUARD_ORIGIN_OBSERVER, 0, 0, NULL, NULL, NULL, none, GUARD_EVENT_MAX);
	event("empty_args", GUARD_OP_EXEC, GUARD_ORIGIN_SHIM, 0, 0, "/bin/sh", "", "/", empty_args, GUARD_EVENT_MAX);
	event("truncated", GUARD_OP_LINK, GUARD_ORIGIN_SHIM, 0, 1, "/home/u/proj/some/long/path/to/a/file", "/tmp/x",
	      "/home/u/proj", git, 64);
	return 0;
}
