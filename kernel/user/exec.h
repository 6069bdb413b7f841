/**
 * @file exec.h
 * @brief execve() (exec.c): finding the program, loading an ELF executable
 *        into a user address space and building its first stack (the
 *        System V ABI's process entry: argc, argv, envp, the auxiliary
 *        vector), and replacing the process's program. Private to
 *        kernel/user/.
 */
#ifndef KERNEL_USER_EXEC_H
#define KERNEL_USER_EXEC_H

#include "uspace.h"
#include <stddef.h>
#include <stdint.h>

struct exec_image; /* <kernel/proc.h> */
struct proc;

/** @brief The system call (syscall.c's table). */
long sys_execve(const uint64_t a[6]);


/** @brief An execve() another thread of @p p made and left for the first
 *  thread (proc_exec_takeover()), freed unrun: an exit overtook it. */
void proc_exec_drop(struct proc *p);

/** @brief Where a loaded program starts. */
struct exec_info {
    uintptr_t entry;    /**< first instruction */
    uintptr_t sp;       /**< initial stack pointer (at argc) */
    uintptr_t brk;      /**< first byte past the highest segment, page-aligned */
    uintptr_t sigtramp; /**< the vDSO's signal return code (kernel/vdso.h) */
};

struct cred;

/**
 * @brief Map the executable @p img into the empty space @p us, with its
 *        interpreter if it names one (PT_INTERP), and a stack holding @p
 *        argv, @p envp and the auxiliary vector (@p path is AT_EXECFN;
 *        the ids are @p cred's as execve leaves them, NULL: root's): from
 *        its file where it has one (struct exec_image), copied otherwise.
 *        ET_DYN programs and interpreters go at random addresses, and the
 *        stack's top and the mmap base (@p us->mmap_top) lower by random
 *        offsets, unless proc_randomize_va_space is 0.
 * @retval 0 loaded, *out filled
 * @retval -ENOEXEC malformed or not for this machine (@p err says what)
 * @retval -ENOENT, -EACCES, -EIO, -ELIBBAD the interpreter is missing,
 *         not executable, too short, or not an ELF one of this machine
 * @retval -EIO (or the file system's error) a read of the program's or the
 *         interpreter's file failed: exec reads only what it needs of them
 * @retval -E2BIG too many or too long arguments
 * @retval -ENOMEM out of memory (what was mapped stays in @p us, for
 *         uspace_destroy())
 */
int exec_load(struct uspace *us, const struct exec_image *img, const char *path,
              const struct cred *cred, char *const argv[], char *const envp[], struct exec_info *out,
              char *err, size_t errlen);

/** @brief The span kept below the stack's top for it to grow into (uspace_map_stack(), up to
 *  RLIMIT_STACK): mmap places nothing there unasked, as Linux keeps its mmap_base at least
 *  128 MiB below the stack. */
#define EXEC_STACK_GAP (128u << 20)
/** @brief Bytes of the initial stack mapping beyond what its strings and pointers take (Linux's
 *  first stack is as large); it grows from there. */
#define EXEC_STACK_INITIAL (128u * 1024)
/** @brief The top of what segments may use: below the stack's span, a guard
 *  page, then room for the vDSO below (kernel/vdso.h). */
#define EXEC_SEGMENTS_TOP(top) ((top) - PAGE_SIZE - EXEC_STACK_GAP - 3 * PAGE_SIZE)
/** @brief Where mmap() without an address starts looking, top-down: 16
 *  pages below the stack's span (uspace.mmap_top before exec_load() sets it,
 *  lower with randomisation on). */
#define EXEC_MMAP_TOP(top) ((top) - EXEC_STACK_GAP - 16 * PAGE_SIZE)

/* proc.c's, for execve: the process's threads and what /proc shows of it. */
/** @brief Keep @p argv as /proc/<pid>/cmdline shows it, and @p path as /proc/<pid>/exe. */
void proc_set_cmdline(struct proc *p, const char *path, char *const argv[]);
/** @brief @p us becomes @p p's space, under the lock /proc/PID/maps reads it with (proc_maps_of()). */
void proc_set_us(struct proc *p, struct uspace *us);
/** @brief Wait (not for a signal) until the current thread is its process's last. */
void proc_wait_last_thread(struct proc *p);
/** @brief End every other thread of the current process @p p and wait for them. */
void proc_end_other_threads(struct proc *p);

#endif
