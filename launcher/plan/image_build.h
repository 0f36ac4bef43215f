/* Writing the compiled policy image. */
#ifndef GUARD_IMAGE_BUILD_H
#define GUARD_IMAGE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "guard/image.h"
#include "guard/policy.h"

struct guard_image_params {
	const char *home, *project, *tmpdir; /* as the sandbox sees them */
	const char *session_id, *event_socket;
	uint64_t session_magic;
	uint32_t flags;
	int abi;
};

/* Resolve every rule (dies with FILE:LINE:COL on an unknown variable) and lay out the image; *out is malloc'd
 * and 8-byte aligned. */
void guard_image_build(const struct guard_policy *p, const struct guard_image_params *prm, void **out, size_t *outlen);

#endif
