/* vfork: the child borrows the parent's memory and stack until it execs or exits, so the shim must not take a
 * lock, allocate, or record anything there (its tables, its socket fd: all the parent's). Our vfork marks the
 * calling thread (shim_tls_vfork, in the TLS the child shares), makes the system call, and only the parent
 * clears the mark when it resumes; the shim's code reads the mark and sticks to the stack.
 *
 * Written in assembly because a C wrapper's frame would be reused by the child and then returned through by the
 * parent. Like glibc's: the return address is kept in a register across the system call, never on the shared
 * stack. On other architectures vfork is not interposed (the child then uses the normal paths). */
#include <errno.h>

#include "shim_event.h"
#include "shim_state.h"

/* Called from the assembly on failure: sets errno, returns -1. */
__attribute__((used)) long shim_vfork_error(long err);
__attribute__((used)) long shim_vfork_error(long err)
{
	errno = (int)err;
	return -1;
}

/* The event socket, made in the parent before the child borrows its memory (shim_event.h). */
__attribute__((used, visibility("hidden"))) void shim_event_prepare_hidden(void);
__attribute__((used, visibility("hidden"))) void shim_event_prepare_hidden(void)
{
	shim_event_prepare();
}

#if defined(__x86_64__)
#include <sys/syscall.h>
_Static_assert(SYS_vfork == 58, "the number in the assembly");
__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	".globl __vfork\n"
	".type __vfork, @function\n"
	".p2align 4\n"
	"vfork:\n"
	"__vfork:\n"
	"	subq $8, %rsp\n" /* the call below wants the stack 16-byte aligned */
	"	call shim_event_prepare_hidden\n"
	"	addq $8, %rsp\n"
	"	movq shim_tls_vfork@gottpoff(%rip), %rcx\n"
	"	movl $1, %fs:(%rcx)\n"
	"	popq %rdi\n"      /* the return address, out of the stack the child will scribble on */
	"	movl $58, %eax\n" /* SYS_vfork */
	"	syscall\n"
	"	pushq %rdi\n"
	"	testq %rax, %rax\n"
	"	jz 1f\n" /* the child keeps the mark until it execs or exits */
	"	movq shim_tls_vfork@gottpoff(%rip), %rcx\n"
	"	movl $0, %fs:(%rcx)\n"
	"	cmpq $-4095, %rax\n"
	"	jae 2f\n"
	"1:	ret\n"
	"2:	movq %rax, %rdi\n"
	"	negq %rdi\n"
	"	subq $8, %rsp\n"
	"	call shim_vfork_error\n"
	"	addq $8, %rsp\n"
	"	ret\n"
	".size vfork, .-vfork\n"
	".size __vfork, .-__vfork\n");
#endif
