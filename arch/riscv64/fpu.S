/*
 * riscv64's user FP state (hal/user.h): hal_ustate_save() and
 * hal_ustate_load() move f0-f31 and fcsr between the CPU and a struct
 * ustate (arch/uregs.h: f[32] at 0, fcsr at 256).
 *
 * The kernel has no F/D code (ARCH_CFLAGS), so a user thread's registers
 * stay in the CPU while it is in the kernel; only this file is assembled
 * with F and D (CMakeLists.txt). sstatus.FS tells whether they changed:
 * a load leaves FS Clean, the hardware makes it Dirty at the first write,
 * and a save stores only a Dirty state, then marks it Clean again. FS is
 * never Off once a user thread has been loaded here, so U-mode may use
 * the registers (trap.S leaves FS as it is on the way out).
 */
#define SSTATUS_FS 0x6000
#define SSTATUS_FS_CLEAN 0x4000
#define SSTATUS_FS_DIRTY 0x6000
#define U_FCSR 256

    .option norelax
    .text

/* void hal_ustate_save(struct ustate *s) */
    .globl  hal_ustate_save
    .balign 4
hal_ustate_save:
    csrr    t0, sstatus
    li      t1, SSTATUS_FS
    and     t0, t0, t1
    bne     t0, t1, 1f         /* not Dirty: s already holds these values */
    fsd     f0, 0(a0)
    fsd     f1, 8(a0)
    fsd     f2, 16(a0)
    fsd     f3, 24(a0)
    fsd     f4, 32(a0)
    fsd     f5, 40(a0)
    fsd     f6, 48(a0)
    fsd     f7, 56(a0)
    fsd     f8, 64(a0)
    fsd     f9, 72(a0)
    fsd     f10, 80(a0)
    fsd     f11, 88(a0)
    fsd     f12, 96(a0)
    fsd     f13, 104(a0)
    fsd     f14, 112(a0)
    fsd     f15, 120(a0)
    fsd     f16, 128(a0)
    fsd     f17, 136(a0)
    fsd     f18, 144(a0)
    fsd     f19, 152(a0)
    fsd     f20, 160(a0)
    fsd     f21, 168(a0)
    fsd     f22, 176(a0)
    fsd     f23, 184(a0)
    fsd     f24, 192(a0)
    fsd     f25, 200(a0)
    fsd     f26, 208(a0)
    fsd     f27, 216(a0)
    fsd     f28, 224(a0)
    fsd     f29, 232(a0)
    fsd     f30, 240(a0)
    fsd     f31, 248(a0)
    frcsr   t0
    sd      t0, U_FCSR(a0)
    li      t0, SSTATUS_FS_CLEAN ^ SSTATUS_FS_DIRTY
    csrc    sstatus, t0        /* Dirty (11) -> Clean (10) */
1:  ret

/* void hal_ustate_load(const struct ustate *s) */
    .globl  hal_ustate_load
    .balign 4
hal_ustate_load:
    li      t0, SSTATUS_FS
    csrs    sstatus, t0        /* on (Dirty) for the loads */
    fld     f0, 0(a0)
    fld     f1, 8(a0)
    fld     f2, 16(a0)
    fld     f3, 24(a0)
    fld     f4, 32(a0)
    fld     f5, 40(a0)
    fld     f6, 48(a0)
    fld     f7, 56(a0)
    fld     f8, 64(a0)
    fld     f9, 72(a0)
    fld     f10, 80(a0)
    fld     f11, 88(a0)
    fld     f12, 96(a0)
    fld     f13, 104(a0)
    fld     f14, 112(a0)
    fld     f15, 120(a0)
    fld     f16, 128(a0)
    fld     f17, 136(a0)
    fld     f18, 144(a0)
    fld     f19, 152(a0)
    fld     f20, 160(a0)
    fld     f21, 168(a0)
    fld     f22, 176(a0)
    fld     f23, 184(a0)
    fld     f24, 192(a0)
    fld     f25, 200(a0)
    fld     f26, 208(a0)
    fld     f27, 216(a0)
    fld     f28, 224(a0)
    fld     f29, 232(a0)
    fld     f30, 240(a0)
    fld     f31, 248(a0)
    ld      t1, U_FCSR(a0)
    fscsr   t1
    li      t0, SSTATUS_FS_CLEAN ^ SSTATUS_FS_DIRTY
    csrc    sstatus, t0        /* Clean: equal to s */
    ret
