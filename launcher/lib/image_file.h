/* A compiled policy image read back from its file by the launcher's readers (the session log, `guard explain`,
 * the agent hooks). The shim maps the image instead; both validate it with guard_image_load. */
#ifndef GUARD_IMAGE_FILE_H
#define GUARD_IMAGE_FILE_H

#include <stddef.h>

#include "guard/image.h"

/* Read a policy image file into an 8-byte aligned buffer (*buf, freed by the caller) and validate it. 0, or -1
 * with why. */
int guard_image_read(const char *path, struct guard_image *img, void **buf, char *why, size_t whylen);

#endif
