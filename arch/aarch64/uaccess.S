/**
 * @file uaccess.S
 * @brief The kernel's only loads and stores of user memory (hal/user.h):
 *
 *   size_t hal_copy_user(void *dst, const void *src, size_t n);
 *   long hal_strncpy_user(char *dst, const char *src, size_t n);
 *
 * Assembly because each user access must be one known instruction, listed
 * in the exception table (.ex_table: { instruction, continuation }) that
 * a64_user_access_fault() (user.c) consults when it faults.
 *
 * The user side is reached with LDTR/STTR only: unprivileged accesses,
 * checked against EL0's permissions (Arm ARM C6.2, "LDTR"), so a kernel
 * address passed as a user one faults like an unmapped page, and PAN, which
 * refuses EL1's ordinary accesses to user pages, does not apply to them
 * (unless PSTATE.UAO, which the kernel never sets). The kernel side uses
 * ordinary loads and stores: a fault there is the kernel's bug.
 *
 * Which side is user: an address below 1 << 48 (hal_user_top()); kernel
 * addresses are all 0xffff... (TTBR1). The caller checked that one side
 * lies in user space; if neither does, the source is treated as user, so
 * the copy faults rather than reading kernel memory on a user's behalf.
 */
#define EFAULT 14 /* kernel/errno.h */

    /* A user access: the instruction, and where it continues if it faults. */
    .macro uacc fixup, insn:vararg
9999: \insn
    .pushsection .ex_table, "a"
    .balign 8
    .quad   9999b, \fixup
    .popsection
    .endm

    /*
     * The copy loop for one pairing of load and store (byte and 64-bit
     * forms; an `u` prefix marks the user side, reached through `uacc`).
     * \align is the user pointer: bytes until it is 8-byte aligned, then
     * 64 bytes a step (eight loads, eight stores: a fraction of the
     * instructions per byte of a single word's step, which is what TCG and
     * -icount count), then 8 bytes a step, then the tail. x0 dst, x1 src,
     * x2 bytes left, which falls only after a step's stores completed.
     * A fault in a 64-byte step (\redo_ forms) goes back to its start byte
     * by byte, so the byte that faults is found again by a byte access; at
     * a fault elsewhere x2 is exactly what was not copied (an aligned
     * 8-byte user access never crosses a page, so it faults whole or not at
     * all; with both sides user, the store side may be misaligned: then up
     * to 7 bytes more are counted as not copied than were).
     */
    .macro copy_loop ldb, stb, ldx, stx, ldr_, str_, align, redo
1:  tst     \align, #7
    b.eq    2f
    cbz     x2, 9f
    \ldb    w3, [x1]
    \stb    w3, [x0]
    add     x0, x0, #1
    add     x1, x1, #1
    sub     x2, x2, #1
    b       1b
2:  cmp     x2, #64
    b.lo    4f
    .irp    n, 3, 4, 5, 6, 7, 8, 9, 10
    \ldr_   x\n, [x1, #(\n - 3) * 8]
    .endr
    .irp    n, 3, 4, 5, 6, 7, 8, 9, 10
    \str_   x\n, [x0, #(\n - 3) * 8]
    .endr
    add     x0, x0, #64
    add     x1, x1, #64
    sub     x2, x2, #64
    b       2b
4:  cmp     x2, #8
    b.lo    3f
    \ldx    x3, [x1]
    \stx    x3, [x0]
    add     x0, x0, #8
    add     x1, x1, #8
    sub     x2, x2, #8
    b       4b
\redo:
3:  cbz     x2, 9f
    \ldb    w3, [x1]
    \stb    w3, [x0]
    add     x0, x0, #1
    add     x1, x1, #1
    sub     x2, x2, #1
    b       3b
9:  mov     x0, x2
    ret
    .endm

    /* The user forms, each its own table entry. */
    .macro ldtrb_ r, a
    uacc    copy_fault, ldtrb \r, \a
    .endm
    .macro ldtr_ r, a:vararg
    uacc    copy_fault, ldtr \r, \a
    .endm
    .macro sttrb_ r, a
    uacc    copy_fault, sttrb \r, \a
    .endm
    .macro sttr_ r, a:vararg
    uacc    copy_fault, sttr \r, \a
    .endm
    /* ... and in a 64-byte step, where a fault redoes the step by bytes. */
    .macro ldtr_to r, a:vararg
    uacc    to_redo, ldtr \r, \a
    .endm
    .macro sttr_to r, a:vararg
    uacc    to_redo, sttr \r, \a
    .endm
    .macro ldtr_from r, a:vararg
    uacc    from_redo, ldtr \r, \a
    .endm
    .macro ldtr_in r, a:vararg
    uacc    in_redo, ldtr \r, \a
    .endm
    .macro sttr_in r, a:vararg
    uacc    in_redo, sttr \r, \a
    .endm

    .section .text
    .globl hal_copy_user
hal_copy_user:
    lsr     x4, x0, #48
    cbnz    x4, copy_from_user_ /* dst is kernel: src is user */
    lsr     x4, x1, #48
    cbz     x4, copy_in_user_   /* both user */
    /* fall through: dst user, src kernel */
copy_to_user_:
    copy_loop ldrb, sttrb_, ldr, sttr_, ldr, sttr_to, x0, to_redo
copy_from_user_:
    copy_loop ldtrb_, strb, ldtr_, str, ldtr_from, str, x1, from_redo
copy_in_user_:
    copy_loop ldtrb_, sttrb_, ldtr_, sttr_, ldtr_in, sttr_in, x1, in_redo

/* A user access faulted and could not be resolved: x2 bytes were not copied. */
copy_fault:
    mov     x0, x2
    ret

/* x0 dst, x1 src (user), x2 n; x3 = bytes copied so far. */
    .globl hal_strncpy_user
hal_strncpy_user:
    mov     x3, #0
1:  cmp     x3, x2
    b.hs    2f                  /* n bytes and no NUL: return n */
    uacc    strncpy_fault, ldtrb w4, [x1]
    strb    w4, [x0, x3]
    cbz     w4, 3f
    add     x3, x3, #1
    add     x1, x1, #1
    b       1b
2:  mov     x0, x2
    ret
3:  mov     x0, x3              /* the length, without the NUL */
    ret

strncpy_fault:
    mov     x0, #-EFAULT
    ret
