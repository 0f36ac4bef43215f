/* Where the dynamic loader opens libraries: loader_sites.h. */
#include <elf.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/linux/loader_sites.h"

#if defined(__x86_64__)
/* The loader every x86-64 glibc program names as its interpreter (PT_INTERP). */
#define LOADER "/lib64/ld-linux-x86-64.so.2"

/* `mov $257,%eax` (openat) followed, within a few instructions that load the other arguments, by `syscall`. */
static const unsigned char mov_openat[] = {0xb8, 0x01, 0x01, 0x00, 0x00};
#define SYSCALL_WITHIN 24

static size_t scan(const unsigned char *text, size_t len, uint64_t vaddr, uint16_t *offs, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i + sizeof mov_openat < len && n < max; i++) {
		if (memcmp(text + i, mov_openat, sizeof mov_openat) != 0)
			continue;
		for (size_t j = i + sizeof mov_openat; j + 1 < len && j < i + SYSCALL_WITHIN; j++) {
			if (text[j] != 0x0f || text[j + 1] != 0x05)
				continue;
			/* The kernel reports the address after the instruction; a mapping keeps the page offset. */
			uint16_t off = (uint16_t)((vaddr + j + 2) & 0xfff);
			bool known = false;
			for (size_t k = 0; k < n; k++)
				known |= offs[k] == off;
			if (!known)
				offs[n++] = off;
			break;
		}
	}
	return n;
}

size_t guard_loader_open_sites(uint16_t *offs, size_t max)
{
	int fd = open(LOADER, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	unsigned char *img = NULL;
	size_t n = 0;
	/* A loader is a few hundred KiB; anything far larger is not the file this scan understands. */
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr) || st.st_size > (16 << 20) ||
	    !(img = malloc((size_t)st.st_size)) || pread(fd, img, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	size_t size = (size_t)st.st_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		goto out;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum && n < max; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X) || ph[i].p_offset > size ||
		    ph[i].p_filesz > size - ph[i].p_offset)
			continue;
		n += scan(img + ph[i].p_offset, ph[i].p_filesz, ph[i].p_vaddr, offs + n, max - n);
	}
out:
	free(img);
	close(fd);
	return n;
}
#else
size_t guard_loader_open_sites(uint16_t *offs, size_t max)
{
	(void)offs;
	(void)max;
	return 0; /* only x86-64's loader is known: every open stops, as before */
}
#endif
