/**
 * @file exec_elf.h
 * @brief Checking an executable's ELF headers before anything is mapped:
 *        what the loader (exec.c) maps, where, with which rights, and
 *        where the program starts. Private to kernel/user/.
 *
 * Split from the loader so the part that reads untrusted bytes runs on its
 * own, in a host unit test (tests/host/test_exec_elf.c) and under libFuzzer
 * (tests/fuzz/fuzz_exec_elf.c): it reads only the file, through the
 * caller's reader (struct exec_elf_src: the kernel reads a file's headers,
 * never its every byte), and what it is given (the machine, the top of user
 * space), and writes only the caller's struct, so it needs no address
 * space, no heap and no arch header.
 */
#ifndef KERNEL_USER_EXEC_ELF_H
#define KERNEL_USER_EXEC_ELF_H

#include <kernel/elf.h>
#include <stddef.h>
#include <stdint.h>

/** @brief The most program headers an executable may have (static
 *  programs have under a dozen). */
#define EXEC_ELF_MAX_PHNUM 64
/** @brief The longest interpreter path (PT_INTERP) taken, its NUL included (Linux's PATH_MAX). */
#define EXEC_ELF_INTERP_MAX 4096

/** @brief One loadable segment, as mapped. */
struct exec_elf_seg {
    uintptr_t start, end; /**< its pages [start, end), biased */
    unsigned prot;        /**< MMU_WRITE and/or MMU_EXEC */
    const Elf64_Phdr *ph; /**< its header, in the same struct exec_elf's ph[] */
};

/**
 * @brief An executable, checked. About 5 KiB: the kernel allocates it
 *        rather than put it on a thread's stack. It points into itself
 *        (exec_elf_seg::ph), so it is not to be copied.
 */
struct exec_elf {
    Elf64_Ehdr eh;                                /**< the file header (a copy) */
    Elf64_Phdr ph[EXEC_ELF_MAX_PHNUM];            /**< the program headers, eh.e_phnum of them */
    struct exec_elf_seg seg[EXEC_ELF_MAX_PHNUM]; /**< the PT_LOAD segments, by address */
    unsigned nseg;                                /**< entries of seg[], at least 1 */
    uintptr_t bias;  /**< added to every address of the file: 0 for ET_EXEC */
    uintptr_t entry; /**< the first instruction, biased: inside an executable segment */
    uintptr_t phdr;  /**< the program headers' user address (AT_PHDR), 0 if no segment maps them */
    uint64_t interp_off; /**< the interpreter's path (PT_INTERP) at this file offset ... */
    size_t interp_len;   /**< ... of this many bytes, its NUL the last; 0: no interpreter */
};

/**
 * @brief Where exec_elf_parse_from() reads an executable: a file of @c len
 *        bytes, read piece by piece (the ELF header, the program header
 *        table wherever it is, the byte ending PT_INTERP's path).
 */
struct exec_elf_src {
    uint64_t len; /**< the file's length: no read goes past it */
    /** Copy the @p n bytes at @p off (inside the file: checked before) to
     *  @p buf; 0, or a negative errno (an I/O error), which the parse returns. */
    int (*read)(const struct exec_elf_src *src, uint64_t off, void *buf, size_t n);
    const void *ctx; /**< the reader's own (exec_elf_parse()'s: the bytes) */
};

/**
 * @brief exec_elf_parse() of the file @p src reads: the same checks, made
 *        before each read, so no read leaves the file.
 * @retval 0 *out describes the program
 * @retval -ENOEXEC refused, @p err says why
 * @retval other a read failed with it (@p err says which)
 */
int exec_elf_parse_from(const struct exec_elf_src *src, unsigned machine, uintptr_t user_top,
                        struct exec_elf *out, char *err, size_t errlen);

/**
 * @brief Check the @p len bytes at @p f as an ELF64
 *        executable for @p machine, to run in user space [0, @p user_top),
 *        and describe how to load it.
 *
 * Every field is distrusted: offsets and sizes are checked against @p len
 * without overflow; segments against page 0, against EXEC_SEGMENTS_TOP(@p
 * user_top) and against each other (page granularity); rights against W^X;
 * the entry point against the executable segments; an interpreter's path
 * (PT_INTERP, the first one) against the file and for its closing NUL. An
 * ET_DYN file gets a bias of two thirds of @p user_top, on a 2 MiB
 * boundary (exec_elf_move() puts it elsewhere).
 *
 * @param f the file; may be only byte-aligned (the headers are copied out)
 * @param len bytes at @p f
 * @param machine the e_machine to accept (ARCH_ELF_MACHINE)
 * @param user_top the end of user space (hal_user_top())
 * @param out filled on success; partly written on failure
 * @param err on failure, a sentence saying what is wrong (may be NULL)
 * @param errlen bytes at @p err
 * @retval 0 *out describes the program
 * @retval -ENOEXEC refused, @p err says why
 * @note Pure: no allocation, no lock, no access outside @p f, @p out and @p err.
 */
int exec_elf_parse(const uint8_t *f, size_t len, unsigned machine, uintptr_t user_top,
                   struct exec_elf *out, char *err, size_t errlen);

/**
 * @brief Move a checked ET_DYN file @p x so its first page is at @p start:
 *        its segments, bias, entry point and AT_PHDR address.
 * @retval 0 moved
 * @retval -ENOMEM not ET_DYN, @p start not page-aligned, or the segments
 *         would leave [PAGE_SIZE, EXEC_SEGMENTS_TOP(@p user_top)); @p x unchanged
 */
int exec_elf_move(struct exec_elf *x, uintptr_t start, uintptr_t user_top);

#endif
