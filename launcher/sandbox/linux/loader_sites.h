/* The dynamic loader's own opens, recognised by where they are made (issue 14).
 *
 * Every dynamic program starts with its loader (ld.so) opening the library cache, the shim and each library it
 * needs, through raw system calls made before any shim runs: without the session magic, each was a round trip
 * to the observer, three or more for every program started. The observer's filter lets an openat through
 * unstopped when it comes from one of the loader's own call sites: an x86-64 openat(AT_FDCWD, path,
 * O_RDONLY|O_CLOEXEC) whose return address has one of the page offsets found here, in the mmap area (where the
 * kernel places the loader; a main program, static or PIE, sits below it).
 *
 * What that costs, said in every report ("Not observed"): the loader's library opens are not logged, also
 * when the boundary refuses one (the program then fails to start, saying which library it could not open).
 * Like the session magic, it saves work and never decides: Landlock and the covers still judge every open, and
 * a process that places its own openat at such an address can hide allowed reads from the log (README, threat
 * model), as it already could with the magic. */
#ifndef GUARD_LOADER_SITES_H
#define GUARD_LOADER_SITES_H

#include <stddef.h>
#include <stdint.h>

#define GUARD_LOADER_SITES_MAX 8

/* The page offsets (address & 0xfff, as the kernel reports it: after the instruction) of the native loader's
 * openat call sites, up to max; 0 when the loader is missing, not understood, or not x86-64's. */
size_t guard_loader_open_sites(uint16_t *offs, size_t max);

#endif
