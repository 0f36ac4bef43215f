/* The compiled policy: one flat, pointer-free, read-only image written by the launcher and read by the launcher
 * (planning, explain), the shim (explaining denials in every process) and the observer. Offsets only, so it can
 * be mapped from a file; everything is validated once by guard_image_load, after which readers index without
 * further checks. */
#ifndef GUARD_IMAGE_H
#define GUARD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard/policy.h"

#define GUARD_IMAGE_MAGIC "GUARDIM1"
#define GUARD_IMAGE_VERSION 1
#define GUARD_IMAGE_MAX_SIZE (64u << 20)

enum {
	GUARD_IMAGE_QUIET = 1u << 0,      /* --quiet: the shim prints nothing */
	GUARD_IMAGE_NAMESPACES = 1u << 1, /* namespaces mode (else Landlock-only) */
	GUARD_IMAGE_AGENT = 1u << 2,      /* the command is an agent (its profile says so): the terminal is its TUI */
	GUARD_IMAGE_NET_OPEN = 1u << 3,   /* network.allow ["*"]: the host's network, its failures are not guard's */
};

struct guard_image_header {
	char magic[8];
	uint32_t version;
	uint32_t size;          /* the whole image in bytes */
	uint64_t session_magic; /* the shim passes it in an unused syscall argument: the observer lets those through */
	uint32_t nrules, rules_off;
	uint32_t strings_off, strings_len;
	/* string offsets */
	uint32_t project, home, tmpdir, session_id, event_socket;
	uint32_t flags;
	uint32_t abi;
	uint32_t nexec, exec_off; /* the exec table: exec.deny entries, kind GUARD_EXEC_DENY, in rule order */
	uint32_t reserved[3];
};

enum {
	GUARD_IRULE_NEGATED = 1u << 0,
	GUARD_IRULE_NAME_ONLY = 1u << 1, /* matched against names at any depth of scanned trees */
	GUARD_IRULE_DIR_ONLY = 1u << 2,  /* trailing '/' */
	GUARD_IRULE_STATE = 1u << 3,     /* a profile's `state:` entry (the agent's own file or directory) */
};

struct guard_image_rule {
	uint32_t pattern; /* resolved: absolute, or a name pattern; may end in '/' */
	uint32_t written; /* as written in its file, without '!' */
	uint32_t file;    /* where it was written */
	uint32_t line, col;
	uint8_t kind;   /* enum guard_rule_kind */
	uint8_t source; /* enum guard_source */
	uint8_t flags;  /* GUARD_IRULE_* */
	uint8_t pad;
};

struct guard_image {
	const char *base;
	size_t size;
	const struct guard_image_header *h;
	const struct guard_image_rule *rules;
	const struct guard_image_rule *exec; /* h->nexec entries; pattern: the words, one space between */
	const char *str;
};

/* Validate and wrap an image (buf must stay alive and 8-byte aligned). 0, or -1 when malformed. */
int guard_image_load(struct guard_image *img, const void *buf, size_t len);

static inline const char *guard_image_str(const struct guard_image *img, uint32_t off)
{
	return img->str + off;
}

/* The last rule of `kind` matching `path` itself (no ancestors); name rules only when `names`. */
const struct guard_image_rule *guard_image_last_match(const struct guard_image *img, enum guard_rule_kind kind,
						      const char *path, bool is_dir, bool names);
/* A rule as a walk asks it about every entry: its index, and the two characters that reject most names at once
 * (the pattern's literal first and last character, 0 when it has none there). */
struct guard_rule_probe {
	uint32_t idx;
	uint8_t kind, flags; /* the rule's */
	char first, last;
};
/* For walks of one tree: the rules (in rule order) that may match `root` or a path below it, that is every rule
 * but the anchored ones whose literal beginning disagrees with root's; `out` has room for nrules. Returns how
 * many. guard_image_last_match_in then asks only those, with the same answer as guard_image_last_match for any
 * path in the tree. */
size_t guard_image_rules_under(const struct guard_image *img, const char *root, struct guard_rule_probe *out);
const struct guard_image_rule *guard_image_last_match_in(const struct guard_image *img,
							 const struct guard_rule_probe *probes, size_t n,
							 enum guard_rule_kind kind, const char *path, bool is_dir,
							 bool names);
/* The deny or protect rule that decides `path` with gitignore semantics (last match wins, '!' re-allows, nothing
 * below an excluded directory is re-allowed), or NULL. */
const struct guard_image_rule *guard_image_decide(const struct guard_image *img, enum guard_rule_kind kind,
						  const char *path, bool is_dir);
/* The same answer for an entry of a directory for which guard_image_decide (with is_dir) was NULL, for walks:
 * only the entry itself is left to ask. */
const struct guard_image_rule *guard_image_decide_entry(const struct guard_image *img, enum guard_rule_kind kind,
							const char *path, bool is_dir);
/* The read or write rule whose tree holds `path` (the last such rule), or NULL. */
const struct guard_image_rule *guard_image_grant(const struct guard_image *img, enum guard_rule_kind kind,
						 const char *path, bool is_dir);

/* The exec.deny entry deciding a program about to run (last match wins; the caller checks
 * GUARD_IRULE_NEGATED), or NULL. `file`: the path being executed (may be NULL); argv as given to execve (may be
 * NULL). A rule's first word is compared with the base names of file and argv[0]; its other words must appear
 * in order among argv[1..]. libc-free: safe between vfork and exec. */
const struct guard_image_rule *guard_image_exec_match(const struct guard_image *img, const char *file,
						      char *const argv[]);
/* Is the command `name` denied whatever its arguments (a whole-command exec.deny entry decides it)? The
 * launcher covers such programs' files. */
const struct guard_image_rule *guard_image_exec_denies_name(const struct guard_image *img, const char *name);
/* The dynamic loader run as a program (ld-linux-x86-64.so.2 [--options] PROG ARGS): the index of PROG in argv,
 * judged as the program that really runs; 0 when `file` is not the loader. libc-free. */
size_t guard_exec_loader_program(const char *file, char *const argv[]);
/* guard's one-line message for a denied program ("guard: curl is denied by exec.deny \"curl\" (FILE:LINE:COL) —
 * sandbox policy, don't retry\n"), NUL-terminated, cut to fit; returns its length. libc-free. */
size_t guard_image_exec_message(const struct guard_image *img, const struct guard_image_rule *r, char *buf, size_t cap);

#endif
