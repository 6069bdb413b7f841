/**
 * @file uaccess.S
 * @brief The kernel's only access to user memory (hal/user.h):
 *
 *   size_t hal_copy_user(void *dst, const void *src, size_t n);
 *   long hal_strncpy_user(char *dst, const char *src, size_t n);
 *
 * Assembly because every load and store that may touch user memory must be
 * a known instruction, listed in the exception table (section .ex_table:
 * pairs of .8byte { that instruction, where to continue }); the kernel's
 * page-fault path (traps.c, user.c) tries user_page_fault() for a fault at
 * a user address from one of them, and when that cannot resolve it,
 * continues at the listed address with the registers as they were at the
 * fault. A fault at a kernel address, even from a listed instruction, is
 * the kernel's bug and still panics.
 *
 * sstatus.SUM, without which S-mode faults on every U page, is set for the
 * duration of each routine only (privileged spec, "Memory Privilege in
 * sstatus Register"). A trap inside clears it on entry and the return
 * restores it (trap.S); the fault path that continues at a fixup clears it
 * in the frame, and each fixup clears it again. The kernel never executes a
 * U page, SUM or not.
 */
#define SSTATUS_SUM 0x40000
#define EFAULT 14 /* kernel/errno.h */
    .option norelax

    /* One user access, listed in the exception table with its fixup. */
    .macro uaccess fixup, insn:vararg
99: \insn
    .pushsection .ex_table, "a"
    .balign 8
    .8byte  99b, \fixup
    .popsection
    .endm

/*
 * size_t hal_copy_user(void *dst, const void *src, size_t n)
 * Either side may be the user one (the caller checked which, and its
 * range), so loads and stores are all listed. When dst and src are
 * equally aligned: 64 bytes a step (eight loads, eight stores: a fraction
 * of the instructions per byte of a single word's step), then 8, else
 * bytes. Returns the bytes not copied: a0 advances only past what was
 * stored, so at a fault a3 (the end of dst) - a0 is that count; a fault in
 * a 64-byte step goes back to the step's start byte by byte (.Lredo), so
 * the byte that faults is found again by a byte access.
 */
    .section .text
    .globl  hal_copy_user
    .balign 4
hal_copy_user:
    li      t6, SSTATUS_SUM
    add     a3, a0, a2
    csrs    sstatus, t6
    xor     t0, a0, a1
    andi    t0, t0, 7
    bnez    t0, .Lbytes
.Lhead:                        /* bytes until dst (and so src) is 8-aligned */
    andi    t0, a0, 7
    beqz    t0, .Lsteps
    beq     a0, a3, .Lcopied
    uaccess .Lcopy_fault, lbu t1, 0(a1)
    uaccess .Lcopy_fault, sb t1, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    j       .Lhead
.Lsteps:
    sub     t0, a3, a0
    li      t1, 64
    bltu    t0, t1, .Lwords
    uaccess .Lredo, ld t0, 0(a1)
    uaccess .Lredo, ld t1, 8(a1)
    uaccess .Lredo, ld t2, 16(a1)
    uaccess .Lredo, ld t3, 24(a1)
    uaccess .Lredo, ld t4, 32(a1)
    uaccess .Lredo, ld t5, 40(a1)
    uaccess .Lredo, ld a4, 48(a1)
    uaccess .Lredo, ld a5, 56(a1)
    uaccess .Lredo, sd t0, 0(a0)
    uaccess .Lredo, sd t1, 8(a0)
    uaccess .Lredo, sd t2, 16(a0)
    uaccess .Lredo, sd t3, 24(a0)
    uaccess .Lredo, sd t4, 32(a0)
    uaccess .Lredo, sd t5, 40(a0)
    uaccess .Lredo, sd a4, 48(a0)
    uaccess .Lredo, sd a5, 56(a0)
    addi    a0, a0, 64
    addi    a1, a1, 64
    j       .Lsteps
.Lwords:
    andi    a4, a3, -8
    bgeu    a0, a4, .Lbytes
1:  uaccess .Lcopy_fault, ld t1, 0(a1)
    uaccess .Lcopy_fault, sd t1, 0(a0)
    addi    a0, a0, 8
    addi    a1, a1, 8
    bltu    a0, a4, 1b
.Lbytes:
    bgeu    a0, a3, .Lcopied
2:  uaccess .Lcopy_fault, lbu t1, 0(a1)
    uaccess .Lcopy_fault, sb t1, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    bltu    a0, a3, 2b
.Lcopied:
    csrc    sstatus, t6
    li      a0, 0
    ret
.Lredo:                        /* the fault path cleared SUM: set it again, then bytes */
    li      t6, SSTATUS_SUM
    csrs    sstatus, t6
    j       .Lbytes
.Lcopy_fault:
    li      t6, SSTATUS_SUM
    csrc    sstatus, t6
    sub     a0, a3, a0
    ret

/*
 * long hal_strncpy_user(char *dst, const char *src, size_t n)
 * Byte by byte: only the loads are user accesses (dst is the kernel's).
 * Returns the length without the NUL, n if none came within n bytes, or
 * -EFAULT.
 */
    .globl  hal_strncpy_user
    .balign 4
hal_strncpy_user:
    li      t6, SSTATUS_SUM
    li      a3, 0              /* bytes copied */
    csrs    sstatus, t6
1:  beq     a3, a2, .Lstr_long
    add     t0, a1, a3
    uaccess .Lstr_fault, lbu t1, 0(t0)
    add     t2, a0, a3
    sb      t1, 0(t2)
    beqz    t1, .Lstr_done
    addi    a3, a3, 1
    j       1b
.Lstr_done:
    csrc    sstatus, t6
    mv      a0, a3
    ret
.Lstr_long:
    csrc    sstatus, t6
    mv      a0, a2
    ret
.Lstr_fault:
    li      t6, SSTATUS_SUM
    csrc    sstatus, t6
    li      a0, -EFAULT
    ret
