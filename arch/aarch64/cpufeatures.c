/*
 * What user mode learns of the CPU, as Linux's arm64 ABI gives it: the
 * auxiliary vector's AT_HWCAP and AT_HWCAP2 (the bits of Linux's uapi
 * asm/hwcap.h), and the ID registers a program reads with MRS once
 * HWCAP_CPUID says it may (Linux's cpu-feature-registers ABI).
 *
 * EL0 may not read the ID registers: the MRS is UNDEFINED (EC 0) or, with
 * FEAT_IDST, a trapped system-register access (EC 0x18). The kernel
 * emulates the reads of Op0=3, Op1=0, CRn=0, CRm=0 and 2-7, as Linux does,
 * and gives each register's "visible" fields, the ones that describe what
 * user mode may use, with this CPU's values; every other field reads as
 * its feature missing. MIDR_EL1 is the CPU's own, MPIDR_EL1 a fixed value
 * (bit 31, RES1: which CPU a thread runs on is not a program's to rely
 * on), REVIDR_EL1 0. A field is visible here only for a feature the kernel
 * lets user mode use: not SVE, SME (their state is not kept: CPACR_EL1
 * traps them), pointer authentication (no keys), BTI (no guarded pages)
 * or MTE, though Linux shows those where it enables them. The CPUs are
 * taken to be alike: each read is of the CPU the thread runs on, where
 * Linux gives the safe value over all of them.
 *
 * The values where Linux fixes a field (the hidden ones the architecture
 * wants non-zero to mean "missing", ID_AA64PFR0's EL0 and EL1 "AArch64
 * only") were checked against Debian's Linux 6.1 in the same QEMU:
 * tests/qemu/hwcap_linux_test.py compares /bin/ucpu's output of both.
 */
#include <arch/private.h>
#include <hal/user.h>
#include <hal/uregs.h>
#include <kernel/uaccess.h>
#include <stddef.h>
#include <stdint.h>

#define F(shift) (0xfull << (shift)) /* a 4-bit ID field */

struct idreg {
    uint8_t crm, op2;
    uint64_t visible; /* the CPU's own value in these fields */
    uint64_t fixed;   /* and these bits set elsewhere */
};

/* Op0=3, Op1=0, CRn=0: every register of CRm 0 and 2-7 not listed reads
 * as 0 (a feature register with every feature missing, or a reserved
 * encoding). */
static const struct idreg idregs[] = {
    {0, 0, ~0ull, 0},     /* MIDR_EL1 */
    {0, 5, 0, 1ull << 31}, /* MPIDR_EL1 */
    /* AArch32's, described for AArch64 programs too. ID_ISAR5: CRC32,
     * SHA2, SHA1, AES. MVFR0: FPDP. MVFR1: SIMDFMAC, SIMDSP, SIMDInt,
     * SIMDLS. */
    {2, 5, F(16) | F(12) | F(8) | F(4), 0},
    {3, 0, F(8), 0},
    {3, 1, F(28) | F(16) | F(12) | F(8), 0},
    /* ID_AA64PFR0: DIT, AdvSIMD, FP; EL1 and EL0 "AArch64 only". */
    {4, 0, F(48) | F(20) | F(16), 1ull << 4 | 1ull << 0},
    {4, 1, F(4), 0}, /* ID_AA64PFR1: SSBS */
    {5, 0, 0, 6},    /* ID_AA64DFR0: DebugVer "Armv8 debug", the least */
    /* ID_AA64ISAR0: RNDR, TS, FHM, DP, SM4, SM3, SHA3, RDM, Atomic, CRC32,
     * SHA2, SHA1, AES. */
    {6, 0, F(60) | F(52) | F(48) | F(44) | F(40) | F(36) | F(32) | F(28) | F(20) | F(16) | F(12) |
               F(8) | F(4),
     0},
    /* ID_AA64ISAR1: I8MM, DGH, BF16, SB, FRINTTS, LRCPC, FCMA, JSCVT, DPB. */
    {6, 1, F(52) | F(48) | F(44) | F(36) | F(32) | F(20) | F(16) | F(12) | F(0), 0},
    /* ID_AA64MMFR0: TGran4 and TGran64 "not implemented" (0xf), the three
     * TGran*_2 "not at stage 2" (1). */
    {7, 0, 0, 0x00000111ff000000ull},
    {7, 2, F(32), 0}, /* ID_AA64MMFR2: AT */
};

#define MRS_ID(crm, op2) ({ uint64_t v_; __asm__ volatile("mrs %0, s3_0_c0_c" #crm "_" #op2 : "=r"(v_)); v_; })

/* The CPU's own value of a register the table names. */
static uint64_t idreg_raw(unsigned crm, unsigned op2)
{
    switch (crm << 3 | op2) {
    case 0 << 3 | 0: return MRS_ID(0, 0);
    case 2 << 3 | 5: return MRS_ID(2, 5);
    case 3 << 3 | 0: return MRS_ID(3, 0);
    case 3 << 3 | 1: return MRS_ID(3, 1);
    case 4 << 3 | 0: return MRS_ID(4, 0);
    case 4 << 3 | 1: return MRS_ID(4, 1);
    case 6 << 3 | 0: return MRS_ID(6, 0);
    case 6 << 3 | 1: return MRS_ID(6, 1);
    case 7 << 3 | 2: return MRS_ID(7, 2);
    default: return 0;
    }
}

/* What user mode reads of register (CRm, Op2) of the emulated space. */
static uint64_t idreg_user(unsigned crm, unsigned op2)
{
    for (size_t i = 0; i < sizeof idregs / sizeof idregs[0]; i++)
        if (idregs[i].crm == crm && idregs[i].op2 == op2)
            return (idregs[i].visible ? idregs[i].visible & idreg_raw(crm, op2) : 0) | idregs[i].fixed;
    return 0;
}

static unsigned field(uint64_t reg, unsigned shift) { return (unsigned)(reg >> shift) & 0xf; }
/* FP and AdvSIMD count from 0 (implemented) and 0xf is "not implemented". */
static int sfield(uint64_t reg, unsigned shift) { return ((int)field(reg, shift) ^ 8) - 8; }

/* HWCAP_* and HWCAP2_*, each from the field and value Linux derives it
 * from (Documentation/arch/arm64/elf_hwcaps.rst). */
static void hwcaps(uint64_t *cap, uint64_t *cap2)
{
    uint64_t pfr0 = idreg_user(4, 0), pfr1 = idreg_user(4, 1), isar0 = idreg_user(6, 0),
             isar1 = idreg_user(6, 1), mmfr2 = idreg_user(7, 2);
    uint64_t h = 0, h2 = 0;
#define CAP(bit, cond) (h |= (cond) ? 1ull << (bit) : 0)
#define CAP2(bit, cond) (h2 |= (cond) ? 1ull << (bit) : 0)
    CAP(0, sfield(pfr0, 16) >= 0);  /* FP */
    CAP(1, sfield(pfr0, 20) >= 0);  /* ASIMD */
    /* EVTSTRM: Linux turns on the timer's event stream so that a WFE
     * waiting on nothing still wakes. Here EL0's WFE traps and returns at
     * once (user_sync()): it never waits longer. */
    CAP(2, 1);
    CAP(3, field(isar0, 4) >= 1);   /* AES */
    CAP(4, field(isar0, 4) >= 2);   /* PMULL */
    CAP(5, field(isar0, 8) >= 1);   /* SHA1 */
    CAP(6, field(isar0, 12) >= 1);  /* SHA2 */
    CAP(7, field(isar0, 16) >= 1);  /* CRC32 */
    CAP(8, field(isar0, 20) >= 2);  /* ATOMICS */
    CAP(9, sfield(pfr0, 16) >= 1);  /* FPHP */
    CAP(10, sfield(pfr0, 20) >= 1); /* ASIMDHP */
    CAP(11, 1);                     /* CPUID: a64_emulate_mrs() */
    CAP(12, field(isar0, 28) >= 1); /* ASIMDRDM */
    CAP(13, field(isar1, 12) >= 1); /* JSCVT */
    CAP(14, field(isar1, 16) >= 1); /* FCMA */
    CAP(15, field(isar1, 20) >= 1); /* LRCPC */
    CAP(16, field(isar1, 0) >= 1);  /* DCPOP: DC CVAP, SCTLR_EL1.UCI lets EL0 */
    CAP(17, field(isar0, 32) >= 1); /* SHA3 */
    CAP(18, field(isar0, 36) >= 1); /* SM3 */
    CAP(19, field(isar0, 40) >= 1); /* SM4 */
    CAP(20, field(isar0, 44) >= 1); /* ASIMDDP */
    CAP(21, field(isar0, 12) >= 2); /* SHA512 */
    CAP(23, field(isar0, 48) >= 1); /* ASIMDFHM */
    CAP(24, field(pfr0, 48) >= 1);  /* DIT */
    CAP(25, field(mmfr2, 32) >= 1); /* USCAT */
    CAP(26, field(isar1, 20) >= 2); /* ILRCPC */
    CAP(27, field(isar0, 52) >= 1); /* FLAGM */
    CAP(28, field(pfr1, 4) >= 2);   /* SSBS: MSR SSBS from EL0 */
    CAP(29, field(isar1, 36) >= 1); /* SB */
    CAP2(0, field(isar1, 0) >= 2);  /* DCPODP */
    CAP2(7, field(isar0, 52) >= 2); /* FLAGM2 */
    CAP2(8, field(isar1, 32) >= 1); /* FRINT */
    CAP2(13, field(isar1, 52) >= 1); /* I8MM */
    CAP2(14, field(isar1, 44) >= 1); /* BF16 */
    CAP2(15, field(isar1, 48) >= 1); /* DGH */
    CAP2(16, field(isar0, 60) >= 1); /* RNG */
#undef CAP
#undef CAP2
    *cap = h;
    *cap2 = h2;
}

/* Both words, worked out on the first exec and kept: the CPUs are alike
 * and their ID registers do not change. Two first execs at once both
 * compute the same values. */
static uint64_t hwcap_words[2];
static int hwcap_known;

static const uint64_t *hwcap_get(void)
{
    if (!__atomic_load_n(&hwcap_known, __ATOMIC_ACQUIRE)) {
        uint64_t h, h2;
        hwcaps(&h, &h2);
        __atomic_store_n(&hwcap_words[0], h, __ATOMIC_RELAXED);
        __atomic_store_n(&hwcap_words[1], h2, __ATOMIC_RELAXED);
        __atomic_store_n(&hwcap_known, 1, __ATOMIC_RELEASE);
    }
    return hwcap_words;
}

uint64_t hal_elf_hwcap(void) { return __atomic_load_n(&hwcap_get()[0], __ATOMIC_RELAXED); }

uint64_t hal_elf_hwcap2(void) { return __atomic_load_n(&hwcap_get()[1], __ATOMIC_RELAXED); }

/* An MRS whose encoding fields are these, from EL0: emulated (1) or not
 * ours to answer (0, and the caller's SIGILL stands). */
static int emulate_read(struct uregs *f, unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                        unsigned op2, unsigned rt)
{
    if (op0 != 3 || op1 != 0 || crn != 0 || crm == 1)
        return 0;
    if (rt != 31) /* XZR: the value goes nowhere */
        f->x[rt] = idreg_user(crm, op2);
    f->pc += 4;
    return 1;
}

int a64_emulate_mrs(struct uregs *f, unsigned ec, uint64_t esr)
{
    if (ec == 0x18) { /* FEAT_IDST: the ISS names the access */
        if (!(esr & 1)) /* an MSR: a write */
            return 0;
        return emulate_read(f, (esr >> 20) & 3, (esr >> 14) & 7, (esr >> 10) & 15, (esr >> 1) & 15,
                            (esr >> 17) & 7, (esr >> 5) & 31);
    }
    uint32_t insn;
    if (copy_from_user(&insn, (const void *)f->pc, sizeof insn) != 0)
        return 0;
    /* MRS Xt, S<op0>_<op1>_C<n>_C<m>_<op2>: 1101 0101 0011 o0 op1 CRn CRm op2 Rt. */
    if ((insn & 0xfff00000u) != 0xd5300000u)
        return 0;
    return emulate_read(f, 2 + ((insn >> 19) & 1), (insn >> 16) & 7, (insn >> 12) & 15, (insn >> 8) & 15,
                        (insn >> 5) & 7, insn & 31);
}
