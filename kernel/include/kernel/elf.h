/**
 * @file kernel/elf.h
 * @brief ELF64 structures and constants (System V gABI; the x86_64,
 *        AArch64 and BPF psABIs for machine and relocation numbers), for
 *        the loaders of eBPF objects and kernel modules.
 *
 * The names and layouts are the specification's own, so they are not
 * documented again here (and are left out of the generated docs): see the
 * gABI's "Object Files" chapter for each field.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdint.h>

/** @cond ELF_SPEC */

/** @brief The file header. */
typedef struct {
    unsigned char e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

/** @brief A section header. */
typedef struct {
    uint32_t sh_name, sh_type;
    uint64_t sh_flags, sh_addr, sh_offset, sh_size;
    uint32_t sh_link, sh_info;
    uint64_t sh_addralign, sh_entsize;
} Elf64_Shdr;

/** @brief A program header (a segment of an executable). */
typedef struct {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

/** @brief A symbol. */
typedef struct {
    uint32_t st_name;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
    uint64_t st_value, st_size;
} Elf64_Sym;

/** @brief A relocation without addend (SHT_REL). */
typedef struct {
    uint64_t r_offset, r_info;
} Elf64_Rel;

/** @brief A relocation with addend (SHT_RELA). */
typedef struct {
    uint64_t r_offset, r_info;
    int64_t r_addend;
} Elf64_Rela;

/** @name e_ident and header values */
/** @{ */
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243
#define EM_BPF 247
/** @} */

/** @name Sections */
/** @{ */
#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_WRITE 0x1
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2
/** @} */

/** @name Symbols */
/** @{ */
#define ELF64_ST_BIND(i) ((i) >> 4)
#define ELF64_ST_TYPE(i) ((i) & 0xf)
#define STB_LOCAL 0
#define STB_GLOBAL 1
#define STB_WEAK 2
#define STT_NOTYPE 0
#define STT_OBJECT 1
#define STT_FUNC 2
#define STT_SECTION 3
/** @} */

/** @name Relocations */
/** @{ */
#define ELF64_R_SYM(i) ((uint32_t)((i) >> 32))
#define ELF64_R_TYPE(i) ((uint32_t)(i))
#define R_BPF_64_64 1  /**< lddw: the address of a symbol (maps) */
#define R_BPF_64_32 10 /**< call: a function in another section */
/** @} */

/** @endcond */

#endif
