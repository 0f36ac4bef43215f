/* guard_rename_noreplace (fileio.h). */
#include <fcntl.h>
#include <stdio.h>

#include "lib/fileio.h"

int guard_rename_noreplace(const char *from, const char *to)
{
	return renameatx_np(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCL);
}
