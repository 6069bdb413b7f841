/**
 * @file kernel/module.h
 * @brief Loadable modules: ELF relocatable objects (ET_REL, built by our
 *        clang with the kernel's flags) linked at run time against the
 *        kernel's exports, in code memory from kernel/jit.h.
 *
 *     KEXPORT(kprintf);                       // kernel side: make it linkable
 *
 *     // module side (modules/hello/hello.c)
 *     const char module_name[] = "hello";
 *     int module_init(void) { kprintf("hello\n"); return 0; }
 *     void module_exit(void) { }
 *
 * A module reaches the kernel only through KEXPORT()ed symbols (an
 * undefined symbol that is not exported is an error naming it). Its
 * sections are placed by their flags in one region: code read+execute,
 * read-only data read-only, data and bss read+write and never executable,
 * each group on its own pages. Its functions are named "<module>:<func>"
 * for faults and backtraces.
 *
 * Names: a module is known (to `lsmod`, `modunload`, module_find()) by its
 * `module_name` string, or without one by the name the loader is given (the
 * file's). A name is 1 to MODULE_NAME_MAX - 1 bytes of printable ASCII
 * without spaces, so it can be typed as one shell word, and unique among
 * loaded modules; anything else is refused. module_name is read from the
 * object's bytes before relocation and must be a NUL-terminated string
 * inside its object and a loaded section with contents (not NOBITS); a
 * relocation that would write into it is refused.
 *
 * Relocations: x86_64 R_X86_64_64, PC32, PLT32, 32, 32S, PC64; aarch64
 * ABS64/32/16, PREL64/32/16, CALL26/JUMP26 (through a veneer in the
 * module's text when the target is beyond +-128 MiB), ADR_PREL_PG_HI21
 * (and _NC), ADR_PREL_LO21, ADD_ABS_LO12_NC, LDST8/16/32/64/128_ABS_LO12_NC,
 * CONDBR19, TSTBR14, MOVW_UABS_G0-G3 (and _NC). Anything else is refused
 * with its number.
 */
#ifndef KERNEL_MODULE_H
#define KERNEL_MODULE_H

#include <stddef.h>
#include <stdint.h>

/** @brief One exported kernel symbol (the .kexports section). */
struct kexport {
    const char *name; /**< the C name */
    const void *addr; /**< its address */
};

/** @brief Make the kernel symbol @p sym linkable from modules. */
#define KEXPORT(sym)                                                                        \
    static const struct kexport kexport_##sym __attribute__((used, section(".kexports"), \
                                                              aligned(8))) = {#sym, (const void *)&(sym)}

/** @name What a module defines (the loader finds them by name)
 *  @{ */
extern const char module_name[]; /**< its name, for `lsmod` and modunload (optional: else the file's); see Names */
int module_init(void);           /**< run at load; nonzero: the load fails and the module is unloaded */
void module_exit(void);          /**< run at unload (optional) */
/** @} */

/** @brief The address of the exported kernel symbol @p name, or NULL. */
const void *kexport_lookup(const char *name);

/** @brief The export whose name comes next after @p after in strcmp() order
 *  ("" for the first), or NULL after the last: `ksyms --exports` walks it. */
const char *kexport_next(const char *after);

#define MODULE_NAME_MAX 32 /**< module names, NUL included: a name has at most 31 characters */

/** @brief A loaded module. */
struct module {
    char name[MODULE_NAME_MAX];  /**< from its `module_name` string, or the file name */
    struct jit_region *region;   /**< its code and data (NULL for a host-linked image) */
    uintptr_t base;              /**< where it runs */
    size_t text_size;            /**< bytes of code (page multiple, veneers included) */
    size_t ro_size;              /**< bytes of read-only data (page multiple) */
    size_t rw_size;              /**< bytes of data and bss (page multiple) */
    unsigned nveneers;           /**< aarch64 branch veneers made */
    int (*init)(void);           /**< module_init, or NULL */
    void (*exit)(void);          /**< module_exit, or NULL */
    struct module *next;         /**< the list of loaded modules */
    void *syms;                  /**< its global symbols, for module_symbol() */
    uint32_t nsyms;              /**< entries of syms */
};

struct module_arch;

/** @brief How to load: what the kernel provides a module. */
struct module_opts {
    /** The architecture whose objects it takes (kernel/module_arch.h; NULL: none) */
    const struct module_arch *arch;
    /** The address an undefined symbol resolves to, or NULL (an error). */
    const void *(*resolve)(const char *name);
    const char *name;   /**< the name if the module has no `module_name` (e.g. the file's; NULL: "module") */
    int force_veneers;  /**< aarch64: every call to a symbol outside the module through a veneer (tests) */
};

/**
 * @brief Load, link and start a module.
 * @param elf the object file (not kept)
 * @param size its bytes
 * @param opts the architecture and the symbol resolver
 * @param out receives the module
 * @param log receives a message on every failure ("undefined symbol 'foo'",
 *        "out of memory for ...", ...); never left empty when refusing
 * @param logsz its size
 * @retval 0 loaded, module_init returned 0
 * @retval -ENOEXEC not an ET_REL object for this machine, or malformed
 *         (module_name included: see Names)
 * @retval -EINVAL no module_name, and opts->name is not a valid name
 * @retval -ENOENT an undefined symbol that is not exported
 * @retval -ERANGE a relocation's value does not fit
 * @retval -EEXIST a module of that name is loaded
 * @retval -ENOMEM no memory
 * @retval other what module_init returned
 * @note Thread context. On failure nothing stays mapped or allocated.
 */
int module_load(const void *elf, size_t size, const struct module_opts *opts, struct module **out, char *log,
                size_t logsz);

/**
 * @brief Run module_exit, unlink, unmap.
 * @retval 0 unloaded
 * @retval -ENOENT no such module
 */
int module_unload(const char *name);

/** @brief The loaded module called @p name, or NULL. */
struct module *module_find(const char *name);

/** @brief Iterate the loaded modules: module_next(NULL) is the first. */
struct module *module_next(const struct module *prev);

/** @brief The address of global symbol @p name defined in @p m, or NULL. */
void *module_symbol(const struct module *m, const char *name);

/** @brief This kernel's module options: its architecture's relocations and kexport_lookup(). */
const struct module_opts *module_kernel_opts(void);

/**
 * @brief Link a module into @p image as if it ran at @p run_base, without
 *        mapping or starting it: what module_load() does before it maps the
 *        pages, exposed so host tests check every relocation of either
 *        architecture. @p image must hold module_image_size() bytes.
 * @param elf the object file, 8-byte aligned (-EINVAL with a message
 *        otherwise; module_load() takes any alignment)
 * @param size its bytes
 * @param opts the architecture and the symbol resolver
 * @param image where the module's bytes go
 * @param run_base the address the module will run at
 * @param m receives the name (checked as module_load() checks it, except
 *        for uniqueness), the layout (base, sizes, veneers) and the symbols;
 *        free its symbols with module_release()
 * @param log receives a message on failure
 * @param logsz its size
 * @return as module_load()
 */
int module_link(const void *elf, size_t size, const struct module_opts *opts, uint8_t *image, uintptr_t run_base,
                struct module *m, char *log, size_t logsz);

/** @brief Bytes module_link() needs for @p elf (0 and a message if it is malformed). */
size_t module_image_size(const void *elf, size_t size, const struct module_opts *opts, char *log, size_t logsz);

/** @brief Free what module_link() allocated in @p m. */
void module_release(struct module *m);

#endif
