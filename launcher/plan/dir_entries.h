/* Reading a directory's entries with their type and inode, as fast as the kernel allows: the scan for denied
 * names walks whole trees (Linux: getdents64 in 64 KiB batches; macOS: readdir). */
#ifndef GUARD_DIR_ENTRIES_H
#define GUARD_DIR_ENTRIES_H

#include <sys/types.h>

/* Call fn for each entry of the open directory fd ("." and ".." included), in the directory's order; fd stays
 * open and owned by the caller. */
void guard_dir_entries(int fd, void (*fn)(const char *name, unsigned char type, ino_t ino, void *ctx), void *ctx);

#endif
