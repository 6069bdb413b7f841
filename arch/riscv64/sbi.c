/**
 * @file sbi.c
 * @brief Calls into the Supervisor Binary Interface (the SBI firmware,
 *        OpenSBI under QEMU): extension probing, IPIs, remote fences.
 *
 * SBI spec v1.0, "Binary Encoding": a7 = extension id, a6 = function id,
 * arguments in a0-a5; `ecall`; a0 = error, a1 = value. Every other register
 * is preserved. Which extensions exist is probed once (sbi_init()), so a
 * firmware without HSM or RFENCE is reported and the kernel runs without
 * what it lacks.
 */
#include <arch/private.h>
#include <kernel/errno.h>
#include <kernel/log.h>

/* SBI error codes (spec v1.0, table "Standard SBI Errors"). */
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED (-7)
#define SBI_ERR_ALREADY_STOPPED (-8)

struct sbi_ret sbi_call(uint32_t eid, uint32_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3)
{
    register uint64_t r0 __asm__("a0") = a0;
    register uint64_t r1 __asm__("a1") = a1;
    register uint64_t r2 __asm__("a2") = a2;
    register uint64_t r3 __asm__("a3") = a3;
    register uint64_t r6 __asm__("a6") = fid;
    register uint64_t r7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
    return (struct sbi_ret){(long)r0, (long)r1};
}

int sbi_errno(long err)
{
    switch (err) {
    case 0: return 0;
    case SBI_ERR_NOT_SUPPORTED: return -ENOSYS;
    case SBI_ERR_INVALID_PARAM:
    case SBI_ERR_INVALID_ADDRESS: return -EINVAL;
    case SBI_ERR_DENIED: return -EPERM;
    case SBI_ERR_ALREADY_AVAILABLE:
    case SBI_ERR_ALREADY_STARTED: return -EBUSY;
    default: return -EIO;
    }
}

/* Bit per extension of the ones below, set by sbi_init(). */
static const uint32_t probed[] = {SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM,
                                  SBI_EXT_SRST};
static unsigned present;
static int probed_done;

static int probe(uint32_t eid)
{
    struct sbi_ret r = sbi_call(SBI_EXT_BASE, 3 /* probe_extension */, eid, 0, 0, 0);
    return r.error == 0 && r.value != 0;
}

int sbi_has(uint32_t eid)
{
    if (!probed_done)
        return probe(eid);
    for (unsigned i = 0; i < sizeof probed / sizeof probed[0]; i++)
        if (probed[i] == eid)
            return (present >> i) & 1;
    return probe(eid);
}

void sbi_init(void)
{
    struct sbi_ret spec = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0);
    struct sbi_ret impl = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0, 0);
    struct sbi_ret ver = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0, 0);
    if (spec.error) {
        pr_warn("riscv64: the SBI answers no Base extension call (error %ld): a pre-0.2 SBI",
                spec.error);
        probed_done = 1;
        return;
    }
    for (unsigned i = 0; i < sizeof probed / sizeof probed[0]; i++)
        if (probe(probed[i]))
            present |= 1u << i;
    probed_done = 1;
    const char *name = impl.value == 1 ? "OpenSBI" : "an SBI";
    pr_info("riscv64: SBI %ld.%ld, %s %lu.%lu; TIME %s, IPI %s, RFENCE %s, HSM %s, SRST %s",
            (spec.value >> 24) & 0x7f, spec.value & 0xffffff, name,
            (unsigned long)ver.value >> 16, (unsigned long)ver.value & 0xffff,
            present & 1 ? "yes" : "no", present & 2 ? "yes" : "no", present & 4 ? "yes" : "no",
            present & 8 ? "yes" : "no", present & 16 ? "yes" : "no");
}

int sbi_ipi(uint64_t hartid)
{
    /* hart_mask bit 0 with hart_mask_base = hartid: exactly that hart. */
    struct sbi_ret r = sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0, 0);
    return sbi_errno(r.error);
}

int sbi_remote_fence_i(void)
{
    if (!sbi_has(SBI_EXT_RFENCE))
        return -ENOSYS;
    /* hart_mask_base = -1: every hart (the caller's own fence.i is local). */
    struct sbi_ret r = sbi_call(SBI_EXT_RFENCE, 0, 0, (uint64_t)-1, 0, 0);
    return sbi_errno(r.error);
}
