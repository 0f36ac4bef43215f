/* libFuzzer target for preload/image.c on arbitrary bytes: the compiled policy is read by the shim inside every
 * sandboxed process and by the observer, from a file the sandbox cannot write, but guard_image_load is the one
 * place that validates it, and everything after indexes without checks. So: whatever the bytes, load must accept
 * or refuse without reading outside them, and an accepted image must be safe for every verdict (image_check.h).
 * Seeds: real images written by guard_image_build (tests/fuzz/gen_seeds.c). See fuzz_image_mut.c for mutations
 * of a valid image that keep it mostly well-formed.
 *
 *   make fuzz FUZZ_TARGETS=image */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard/image.h"
#include "image_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	/* An exact-size heap copy (malloc is 16-byte aligned): ASan sees any read past `size`. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct guard_image img;
	if (guard_image_load(&img, buf, size) == 0) {
		if (img.base != buf || img.size != size)
			abort();
		image_exercise(&img, image_seed(data, size), 0);
	}
	/* The size field must equal the length: when it does not, try again with it fixed, so that length-changing
	 * mutations still reach the checks behind it. */
	uint32_t len32 = (uint32_t)size, stored;
	if (size >= sizeof(struct guard_image_header) &&
	    (memcpy(&stored, buf + offsetof(struct guard_image_header, size), 4), stored != len32)) {
		memcpy(buf + offsetof(struct guard_image_header, size), &len32, 4);
		if (guard_image_load(&img, buf, size) == 0)
			image_exercise(&img, image_seed(data, size), 0);
	}
	/* A misaligned buffer is refused whatever it holds. */
	if (size > 1) {
		char *mis = malloc(size + 1);
		memcpy(mis + 1, buf, size);
		if (guard_image_load(&img, mis + 1, size) == 0)
			abort();
		free(mis);
	}
	free(buf);
	return 0;
}
