/**
 * @file hal/user.h
 * @brief User mode: the user half of an address space, the way into user
 *        mode and back (system calls, interrupts and faults taken from it),
 *        and the kernel's only access to user memory.
 *
 * The portable kernel (kernel/user/) owns processes, the ELF loader, the
 * system calls and signals; it builds a process's page tables with the
 * same walker as the kernel's (kernel/vm.h, MMU_USER leaves) and needs from
 * the arch only what differs between CPUs, declared here.
 *
 * The user frame. Each thread that runs in user mode has a kernel stack
 * whose top KSTACK (its highest address, `kstack_top`) the arch is told of
 * (hal_user_kstack_set()). Every entry from user mode, a system call, an
 * interrupt or a fault, saves the user's registers in one `struct uregs`
 * (defined by the arch in <arch/uregs.h>, see hal/uregs.h) at `kstack_top - sizeof(struct
 * uregs)`, and every return to user mode restores them from there; the
 * portable code reads and changes that frame through the accessors below
 * (a system call's number, arguments and result; fork's copy; execve's new
 * pc and sp; later a signal frame).
 *
 * What the arch's entry code calls, in the kernel (kernel/user.h):
 *  - user_syscall(frame) for a system call; it returns, and the arch
 *    returns to user mode with the frame as it is then;
 *  - user_fault(frame, sig, code, addr) for an exception in user mode
 *    (a page fault the kernel does not resolve, an undefined instruction,
 *    a division by zero, ...): the process gets the signal; it returns only
 *    if the process goes on;
 *  - user_return(frame) last, with interrupts masked, before every return
 *    to user mode (after a system call, an interrupt or a fault): it
 *    reschedules and acts on a kill; it may switch threads and come back.
 *
 * Kernel faults on user memory: the copy routines below put their loads and
 * stores of user memory in the exception table (section `.ex_table`, pairs
 * { faulting instruction, continuation } of absolute addresses, bounded by
 * the linker script's __ex_table_start / __ex_table_end); the arch's fault
 * handler, for a fault in kernel mode, asks extable_fixup(pc) first and
 * continues there if it answers.
 *
 * Hardware isolation is on from the first user instruction: the kernel
 * never executes user pages (SMEP, PXN, riscv64 by construction) and
 * touches user memory only inside the copy routines (SMAP's stac/clac,
 * PAN, sstatus.SUM set only there).
 */

/**
 * @defgroup hal_user HAL: user
 * @brief What an architecture provides for hal/user.h. Required: <arch/uregs.h> (struct uregs and its accessors, hal/uregs.h; struct ustate), <arch/user_abi.h>, every function below except hal_user_kstack_set() (optional), MMU_USER in hal_pte_leaf()/hal_pte_prot(), the `.ex_table` section in the linker script, and calls of user_syscall(), user_fault() and user_return() from its entry code.
 * @{
 */
#ifndef HAL_USER_H
#define HAL_USER_H

#include <stddef.h>
#include <stdint.h>

struct uregs; /* <arch/uregs.h> */

/* The frame's accessors (static inline, <arch/uregs.h>) are in hal/uregs.h. */

/* ---- address spaces ---- */

/**
 * @brief The first address above user space: user addresses are
 *        [PAGE_SIZE, hal_user_top()). Fixed once hal_mmu_init() returned
 *        (riscv64: by the paging mode the boot hart chose).
 */
uintptr_t hal_user_top(void);

/**
 * @brief The auxiliary vector's AT_HWCAP for a program: what this CPU
 *        gives user mode, in the bits Linux uses on the arch (x86_64:
 *        CPUID leaf 1's EDX; arm64: HWCAP_*; riscv64: a bit per extension
 *        letter), only the ones that are true.
 */
uint64_t hal_elf_hwcap(void);

/**
 * @brief The auxiliary vector's AT_HWCAP2: the arch's second word of such
 *        bits, as Linux defines them (0 where none is true). Only where
 *        the arch's arch/user_abi.h defines ARCH_ELF_HWCAP2: Linux gives
 *        no AT_HWCAP2 at all on an arch without one (riscv64).
 */
uint64_t hal_elf_hwcap2(void);

/**
 * @brief Prepare the fresh, zeroed root table at @p root_pa of a new user
 *        address space: whatever the kernel's half needs in it (x86_64 and
 *        riscv64 share the kernel's top-level entries; aarch64 translates
 *        the kernel through TTBR1 and needs nothing).
 *
 * @p root_pa is a level-0 table of the portable 4-level walker
 * (kernel/mm/pagetable.c, 512 GiB an entry), which maps user pages into it
 * below hal_user_top(). An arch whose hardware starts lower (riscv64 in
 * Sv39: satp names a table of 1 GiB entries) creates here the level-1
 * table under entry 0, which covers all of its user space, puts the
 * kernel's entries in that table's upper half and loads it in
 * hal_uspace_switch(). The portable kernel frees, when the space dies,
 * the tables below the user range and the level-1 tables of root entries
 * inside it, then the root: what this added outside the user range is
 * shared and never freed.
 * @retval 0 done
 * @retval -ENOMEM a table page could not be allocated
 * @note Thread context. The kernel's own top-level entries never change
 *       after hal_mmu_init(), so copies made here stay true.
 */
int hal_uspace_init(uint64_t root_pa);

/**
 * @brief How many address-space identifiers (ASIDs, x86's PCIDs) this
 *        CPU's TLB tags entries with: they are 0 .. n - 1. 1 (or 0) when it
 *        has none, and then every hal_uspace_switch() flushes.
 * @note The same on every CPU; asked by each CPU on its first switch, after
 *       hal_mmu_init() and the arch's own start of that CPU.
 */
unsigned hal_uspace_asids(void);

/**
 * @brief Translate user addresses on this CPU through the tables rooted
 *        at @p root_pa from now on, under ASID @p asid; root 0: no user
 *        space, always with ASID 0 (a kernel thread runs on the space its
 *        CPU had, and is given none only before that space's tables go or
 *        when it copies user memory: kernel/sched.h).
 *
 * With @p flush set, this CPU's TLB entries (and walk caches) tagged @p asid
 * go first, and none of them is used for the new space: the ASID held
 * another space, or this space changed while it was not loaded here. With
 * it clear, the entries this CPU kept under @p asid are the space's own and
 * still true, and stay. The kernel's half is global and never flushed here.
 * An arch without ASIDs (hal_uspace_asids() <= 1) is asked only for ASID 0
 * and flushes on every switch to a user space and with @p flush on the
 * switch to none.
 * @note Interrupts masked; called by the scheduler when the next user
 *       thread's address space differs from the one loaded or changed since
 *       (kernel/asid.h chooses the ASID and the flush).
 */
void hal_uspace_switch(uint64_t root_pa, unsigned asid, int flush);

/* ---- entering user mode ---- */

/**
 * @brief Tell this CPU the kernel stack top of the thread about to run,
 *        where the next entry from user mode builds its frame (x86_64:
 *        TSS.RSP0 and the SYSCALL path's stack). Optional (weak default:
 *        nothing, for arches whose exception entry finds the stack as it
 *        was left).
 * @note Called by the scheduler before it switches to a thread that has a
 *       user part, interrupts masked.
 */
void hal_user_kstack_set(uintptr_t kstack_top);

/**
 * @brief Leave the kernel for user mode with the registers of @p frame,
 *        which must be the thread's frame at `kstack_top - sizeof(struct
 *        uregs)`: the stack below it is abandoned.
 * @note Thread context, the thread's user space loaded; never returns.
 */
__attribute__((noreturn)) void hal_user_enter(struct uregs *frame);

/* ---- a user thread's state beyond the frame ---- */

/*
 * What a user thread owns besides its frame: the FP/SIMD registers and the
 * thread pointer where the frame has no place for it (x86_64's FS base,
 * aarch64's TPIDR_EL0; riscv64's tp is a frame register). struct ustate is
 * the arch's (<arch/uregs.h>, 16-aligned, its size checked against
 * USTATE_RESERVE, hal/uregs.h). The kernel itself never uses these
 * registers (it is built without FP/SIMD code), so a user thread's values
 * stay in the CPU while it is in the kernel, and only a switch between
 * threads moves them: the scheduler saves the outgoing user thread's state
 * and loads the incoming one's unless that CPU still holds it.
 */
struct ustate;

/** @brief A fresh thread's state (execve): FP/SIMD registers zero with the ABI's default control word(s), thread pointer 0. */
void hal_ustate_init(struct ustate *s);

/**
 * @brief Store this CPU's live user state into @p s (the thread's own,
 *        running or just switched out here). May skip the registers when
 *        the CPU says they did not change since the last load or save.
 * @note Interrupts masked.
 */
void hal_ustate_save(struct ustate *s);

/** @brief Load @p s into this CPU, for the thread about to run. @note Interrupts masked. */
void hal_ustate_load(const struct ustate *s);

/**
 * @brief Set the user thread pointer (clone's CLONE_SETTLS, x86_64's
 *        arch_prctl(ARCH_SET_FS)) in @p frame or @p s, whichever holds it.
 *        The caller then loads @p s if it is the running thread's.
 */
void hal_ustate_set_tls(struct uregs *frame, struct ustate *s, uintptr_t tls);

/** @brief The user thread pointer @p frame or @p s holds. */
uintptr_t hal_ustate_tls(const struct uregs *frame, const struct ustate *s);

/* ---- signal frames ---- */

/*
 * A signal handler runs on a frame the kernel writes on the user stack, in
 * the layout the arch's Linux ABI gives programs (struct rt_sigframe: the
 * siginfo, a ucontext with the interrupted registers, FP/SIMD state and
 * blocked set), and returns through rt_sigreturn, which reads it back. The
 * portable kernel (kernel/user/signal.c) decides which signal, which stack
 * and which mask; the arch writes and reads the frame.
 */

/** @brief Linux's stack_t (sigaltstack(), a ucontext's uc_stack): the same on every arch here. */
struct linux_stack {
    uint64_t sp;   /**< ss_sp: the base */
    int32_t flags; /**< ss_flags: SS_ONSTACK, SS_DISABLE */
    int32_t pad;   /**< (alignment) */
    uint64_t size; /**< ss_size */
};

/** @brief What hal_signal_push() needs to enter a handler. */
struct hal_sigframe_args {
    int sig;            /**< the signal number, the handler's first argument */
    const void *info;   /**< 128 bytes: its Linux siginfo, built by the kernel */
    uintptr_t handler;  /**< where the handler starts */
    uintptr_t restorer; /**< where it returns to: sa_restorer, or the vDSO's signal return (kernel/vdso.h) */
    uintptr_t sp;       /**< the stack to build below: the interrupted one or the alternate stack's top */
    uintptr_t limit;    /**< the frame must not reach below this (the alternate stack's base), or 0 */
    uint64_t mask;      /**< the blocked set rt_sigreturn restores (uc_sigmask) */
    struct linux_stack stack; /**< uc_stack: the alternate stack */
};

/**
 * @brief Write the frame for @p a below @p a->sp (the arch's red zone and
 *        alignment kept) with the registers of @p frame and the FP/SIMD
 *        state of @p s (saved by the caller), through copy_to_user(), then
 *        set @p frame to enter the handler: pc, sp, the arguments (signal,
 *        &info, &ucontext) and the return address.
 * @retval 0 done
 * @retval -EFAULT the stack cannot take it, or the frame would reach below
 *         @p a->limit (the kernel then kills the process with SIGSEGV)
 * @note Thread context, the thread's own frame and state.
 */
int hal_signal_push(struct uregs *frame, const struct ustate *s, const struct hal_sigframe_args *a);

/**
 * @brief rt_sigreturn: read back the frame hal_signal_push() wrote, found
 *        from the user sp in @p frame as the handler's return left it, into
 *        @p frame (registers, pc, sp; what user mode may not set is
 *        sanitised on the way out, as for any frame) and @p s (FP/SIMD
 *        state, with bits the CPU would fault on cleared); *@p mask gets the
 *        saved blocked set.
 * @retval 0 done
 * @retval -EFAULT the frame cannot be read, or is not one (bad magic, misaligned)
 * @retval -ENOMEM no memory for a copy of it
 */
int hal_signal_pop(struct uregs *frame, struct ustate *s, uint64_t *mask);

/* ---- user memory ---- */

/**
 * @brief Copy @p n bytes between kernel and user memory (either direction:
 *        the caller has checked which side is user and that it lies below
 *        hal_user_top()), recovering from a fault on the user side.
 * @return the number of bytes NOT copied: 0 when all were
 * @note Thread context; may take page faults on user memory.
 */
size_t hal_copy_user(void *dst, const void *src, size_t n);

/**
 * @brief Copy the NUL-terminated user string @p src, at most @p n bytes
 *        including its NUL, to @p dst.
 * @return its length without the NUL (then dst is terminated), @p n if no
 *         NUL came within @p n bytes (dst not terminated), or -EFAULT
 */
long hal_strncpy_user(char *dst, const char *src, size_t n);

/** @} */

#endif
