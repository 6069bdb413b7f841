/**
 * @file fuzz_module.c
 * @brief libFuzzer target: the module loader (kernel/module/module.c) on
 *        real objects of every architecture with the input's bytes patched
 *        in (a 16-bit offset and a byte each), linked into a buffer at the
 *        kernel's module address: accepted or refused with a message (out
 *        of memory too: every refusal says why), never a read or write
 *        outside the object or the image (ASan), never a leak (the kernel
 *        heap must be empty after each input).
 *
 * The input: a byte choosing the object (objects[], in this order; the 0x80
 * bit forces veneers), then (offset low, offset high, byte) patches. Its
 * seeds (scripts/elf-shapes.py, built into corpus/fuzz_module/ of the build
 * tree) are the shapes issue 23's campaign found: module_name NOBITS, aimed
 * at by a relocation, with control bytes, empty, too long, unterminated; a
 * function whose size wraps.
 */
#include <kernel/elf.h>
#include <kernel/module.h>
#include <kernel/module_arch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_file.h"
#include <arch/host_pages.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

extern const struct module_arch x64_module_arch, a64_module_arch, rv64_module_arch;

static struct {
    const char *file;
    const struct module_arch *arch;
    uint8_t *bytes;
    size_t size;
} objects[] = {
    {"reloc_x86_64.o", &x64_module_arch, NULL, 0},
    {"reloc_aarch64.o", &a64_module_arch, NULL, 0},
    {"hello_x86_64.o", &x64_module_arch, NULL, 0},
    {"hello_aarch64.o", &a64_module_arch, NULL, 0},
    {"named_x86_64.o", &x64_module_arch, NULL, 0},
    {"named_aarch64.o", &a64_module_arch, NULL, 0},
    {"reloc_riscv64.o", &rv64_module_arch, NULL, 0},
    {"hello_riscv64.o", &rv64_module_arch, NULL, 0},
    {"named_riscv64.o", &rv64_module_arch, NULL, 0},
};
#define NOBJ (sizeof objects / sizeof objects[0])

#define RUN_BASE 0xffffffff84000000ULL

static const void *resolve(const char *name)
{
    /* reloc_riscv64.s's targets of jal, branches and their compressed
     * forms (+-256 bytes at the least): just below the module */
    static const char *const near[] = {"ext_jal", "ext_br", "ext_cb", "ext_cj"};
    for (unsigned i = 0; i < sizeof near / sizeof near[0]; i++)
        if (strcmp(name, near[i]) == 0)
            return (const void *)(uintptr_t)(RUN_BASE - 0x40);
    if (strcmp(name, "ext_small") == 0) /* the 32-bit absolutes (x86_64's zero-extends) */
        return (const void *)(uintptr_t)0x12345678;
    /* everything else but one name resolves, near the module area */
    return strcmp(name, "kprintf") == 0 || name[0] == 'e' ? (const void *)(uintptr_t)0xffffffff80123450ULL : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    host_pages_init(64 << 20);
    for (unsigned i = 0; i < NOBJ; i++)
        objects[i].bytes = read_file_in(MODULE_OBJ_DIR, objects[i].file, &objects[i].size);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned k = (data[0] & 0x7f) % NOBJ;
    size_t n = objects[k].size;
    uint8_t *copy = malloc(n);
    memcpy(copy, objects[k].bytes, n);
    for (size_t i = 1; i + 3 <= size; i += 3)
        copy[(data[i] | (size_t)data[i + 1] << 8) % n] = data[i + 2];
    struct module_opts o = {objects[k].arch, resolve, "fuzz", data[0] & 0x80};
    char log[160] = "";
    size_t need = module_image_size(copy, n, &o, log, sizeof log);
    if (need) {
        uint8_t *img = malloc(need);
        struct module m;
        log[0] = 0;
        int rc = module_link(copy, n, &o, img, RUN_BASE, &m, log, sizeof log);
        if (rc == 0) {
            /* whatever links has a name modunload can be given */
            size_t len = strnlen(m.name, sizeof m.name);
            if (len == 0 || len == sizeof m.name)
                abort();
            for (size_t i = 0; i < len; i++)
                if (m.name[i] <= 0x20 || m.name[i] >= 0x7f)
                    abort();
            module_release(&m);
        } else if (!log[0]) {
            abort(); /* a refusal says why */
        }
        free(img);
    } else if (!log[0]) {
        abort();
    }
    free(copy);
    if (!host_heap_empty())
        abort();
    return 0;
}
