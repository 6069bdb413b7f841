/**
 * @file arch/private.h
 * @brief x86_64 functions called from another arch file or from assembly
 *        (entry.S, isr.S): declared once, so every definition has a
 *        prototype in scope (-Wmissing-prototypes) and a caller cannot
 *        disagree with it. Not part of the HAL; nothing outside arch/x86_64
 *        includes this.
 */
#ifndef ARCH_X64_PRIVATE_H
#define ARCH_X64_PRIVATE_H

#include <stdint.h>

struct x64_frame;
struct uregs;

/**
 * @brief The C entry (platform.c): from entry.S in long mode, running high,
 *        with a stack and zeroed .bss; never returns.
 * @param magic EAX at entry (MB2_BOOTLOADER_MAGIC from a Multiboot2 loader)
 * @param info physical address of the Multiboot2 information (EBX)
 * @param tsc0 the TSC at the first instruction
 */
__attribute__((noreturn)) void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0);

/** @brief The 64-bit TSS (SDM vol. 3A, 8.7): RSP0 (the stack of an entry
 *         from ring 3, hal_user_kstack_set()) and the IST stacks. */
struct x64_tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct x64_tss) == 104, "TSS layout (SDM 8.7)");

/**
 * @brief One CPU's GDT (null, kernel code 0x08, kernel data 0x10, TSS
 *        0x18-0x20, null 0x28, user data 0x30, user code 0x38: the order
 *        SYSCALL/SYSRET need, arch/entry_defs.h) and TSS. The GDT comes
 *        first: the GDTR's base is the struct (user.c reads it so).
 */
struct x64_cpu_tables {
    uint64_t gdt[8];
    struct x64_tss tss;
};

#define X64_IST_SIZE 8192 /**< bytes of each IST stack */
#define X64_IST_COUNT 4   /**< IST1 #DF, IST2 #PF, IST3 NMI, IST4 #MC */

/** @brief Build the IDT and load the boot CPU's tables (cpu.c; from x64_main). */
void x64_cpu_init(void);

/**
 * @brief Fill @p t (IST1-4 at the tops of @p ist[0..3]) and load it and the
 *        shared IDT on this CPU (cpu.c; x64_cpu_init() and smp.c).
 */
void x64_cpu_load_tables(struct x64_cpu_tables *t, uint8_t (*ist)[X64_IST_SIZE]);

/**
 * @brief This CPU's part of user mode (user.c): SYSCALL's MSRs, SMEP and
 *        SMAP, its TSS noted in its struct cpu. After x64_cpu_load_tables()
 *        and the GS base (x64_main(), x64_ap_main()).
 */
void x64_user_cpu_init(void);

/** @brief W^X for the image, the MMIO window, no identity map (mmu.c; from x64_main). */
void x64_mmu_init(void);

/**
 * @brief Every CPU exception (exceptions.c; from isr.S): one from ring 3
 *        becomes the process's signal (or a resolved page fault), one in a
 *        user-memory access routine continues at its fixup; any other
 *        reports and halts. Returns only to resume @p f.
 */
void x64_exception(struct x64_frame *f);
/** @brief NMI entry (isr.S, vector 2): reports the interrupted registers and returns. */
void x64_nmi(struct x64_frame *f);

/** @brief Log whether SMEP and SMAP are on (user.c; once, from hal_platform_init()). */
void x64_user_log(void);

/** @brief The si_code for a ring-3 #MF (@p vector 16) or #XM (19), from this CPU's x87 or SSE status (user.c). */
int x64_fpe_code(unsigned vector);

/** @brief This CPU's GS base is the kernel's (not a user value a SWAPGS has not yet swapped out). */
int x64_gs_is_kernel(void);

/**
 * @brief Make @p r safe to load in ring 3 (user.c): user selectors, user
 *        RFLAGS bits only, a canonical RIP (a process whose RIP is not gets
 *        SIGSEGV). Interrupts masked.
 * @return 1 if SYSRET restores @p r exactly, 0 if it needs IRETQ
 */
int x64_user_prepare(struct uregs *r);

/** @brief 1 once CR4.SMAP is on (user.c): the entry code's CLAC and the copy routines' STAC/CLAC run only then. */
extern unsigned char x64_smap_on;
#endif
