/**
 * @file test_efi_stub.c
 * @brief The EFI stub (boot/efi_stub.c) against a firmware of the test's
 *        own: boot services, a loaded image with load options, a
 *        configuration table, GOP modes, a LoadFile2 initrd, RISC-V's boot
 *        protocol, and an ExitBootServices() that refuses the first key.
 *        What the stub hands the kernel is checked field by field, and each
 *        missing or bad piece of firmware input gets its message and error.
 *
 * The stub's file is included, for its private table layouts (UEFI's). The
 * "image" is an array here, the linker symbols the stub uses are aliases
 * into it, and efi_arch_enter() returns to the test by longjmp().
 */
#include <kernel/log.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../boot/efi_stub.c"

#include "check.h"

/* efi_mmap.c's messages (none expected here). */
void klog(enum log_level level, const char *fmt, ...)
{
    (void)level, (void)fmt;
}

enum { PAGE = 4096, IMAGE = 4 * PAGE, FILE_BYTES = 3 * PAGE, HANDOFF_AT = 2 * PAGE };

/* The image: headers and text (two pages), .data with the handoff (one
 * page), .bss (one page, not in the file). */
__attribute__((aligned(4096))) char fake_image[IMAGE];
__asm__(".globl __kernel_start\n.set __kernel_start, fake_image\n"
        ".globl __file_end\n.set __file_end, fake_image + 3 * 4096\n"
        ".globl __kernel_end\n.set __kernel_end, fake_image + 4 * 4096\n"
        ".globl efi_handoff_data\n.set efi_handoff_data, fake_image + 2 * 4096\n");
const uint64_t efi_arch_image_align = 0x200000;
/* Const to the stub, an arch's constant; here a variable under its name,
 * so that the tests try both answers. */
uint64_t boots_acpi = 1;
__asm__(".globl efi_arch_boots_acpi\n.set efi_arch_boots_acpi, boots_acpi\n");

/* ---- the fake firmware ---- */

static struct {
    char said[4096];              /* the console, as ASCII */
    void *allocs[16];             /* pages handed out (freed at the end) */
    unsigned nallocs, fail_alloc_at; /* fail the n-th allocation (1-based), 0 never */
    int ebs_calls, ebs_refusals;  /* ExitBootServices() refuses this many keys */
    uint64_t key;                 /* the map's key, bumped by each allocation */
    int gop_format;               /* -1: no GOP */
    int initrd;                   /* 0 none, 1 good, 2 the second load fails */
    uint64_t initrd_bytes;
    int riscv_hart;               /* -1: no boot protocol */
    int freed;
} fw;

static struct {
    int entered;
    uint64_t entry, dtb, image, size, cpu;
} enter;
static jmp_buf back;

static const uint8_t initrd_data[5000] = {'0', '7', '0', '7', '0', '1'};

static efi_status out_string(struct efi_text_out *self, const char16 *s)
{
    (void)self;
    size_t n = strlen(fw.said);
    while (*s && n + 1 < sizeof fw.said)
        fw.said[n++] = (char)*s++;
    fw.said[n] = 0;
    return EFI_SUCCESS;
}

static efi_status allocate_pages(uint32_t type, uint32_t mem_type, uint64_t pages, uint64_t *addr)
{
    CHECK(type == ALLOCATE_ANY_PAGES && mem_type == EFI_LOADER_DATA);
    if (fw.nallocs == 16 || (fw.fail_alloc_at && fw.nallocs + 1 == fw.fail_alloc_at)) {
        fw.fail_alloc_at = 0;
        return EFI_OUT_OF_RESOURCES;
    }
    void *p = aligned_alloc(PAGE, pages * PAGE);
    memset(p, 0xa5, pages * PAGE); /* firmware's memory is not zeroed */
    fw.allocs[fw.nallocs++] = p;
    fw.key++;
    *addr = (uintptr_t)p;
    return EFI_SUCCESS;
}

static efi_status free_pages(uint64_t addr, uint64_t pages)
{
    (void)addr, (void)pages;
    fw.freed++;
    return EFI_SUCCESS;
}

/* Two descriptors of 48 bytes: conventional memory and the loader's. */
static efi_status get_memory_map(uint64_t *size, void *map, uint64_t *key, uint64_t *dsize, uint32_t *dver)
{
    *dsize = 48;
    *dver = 1;
    *key = fw.key;
    if (*size < 96) {
        *size = 96;
        return EFI_BUFFER_TOO_SMALL;
    }
    uint8_t *m = map;
    memset(m, 0, 96);
    uint32_t conv = 7, loader = 2;
    uint64_t a = 0x40000000, pages = 1024, b = 0x40400000;
    memcpy(m, &conv, 4), memcpy(m + 8, &a, 8), memcpy(m + 24, &pages, 8);
    memcpy(m + 48, &loader, 4), memcpy(m + 56, &b, 8), memcpy(m + 72, &pages, 8);
    *size = 96;
    return EFI_SUCCESS;
}

static efi_status exit_boot_services(void *image, uint64_t key)
{
    CHECK(image == (void *)0x1234);
    fw.ebs_calls++;
    if (fw.ebs_refusals) {
        fw.ebs_refusals--;
        fw.key++; /* the map changed meanwhile */
        return EFI_INVALID_PARAMETER;
    }
    return key == fw.key ? EFI_SUCCESS : EFI_INVALID_PARAMETER;
}

static struct efi_loaded_image loaded;
static char16 options[600];

static int guid_is(const struct efi_guid *g, struct efi_guid want) { return memcmp(g, &want, sizeof want) == 0; }

static efi_status handle_protocol(void *handle, const struct efi_guid *g, void **iface);

static struct efi_gop_mode_info gop_info;
static struct efi_gop_mode gop_mode = {1, 0, &gop_info, sizeof gop_info, 0x80000000, 0};
static struct efi_gop gop = {NULL, NULL, NULL, &gop_mode};

static efi_status riscv_hart(struct efi_riscv_boot *self, uint64_t *hart)
{
    (void)self;
    *hart = (uint64_t)fw.riscv_hart;
    return EFI_SUCCESS;
}
static struct efi_riscv_boot riscv = {1, riscv_hart};

static efi_status locate_protocol(const struct efi_guid *g, void *reg, void **iface)
{
    CHECK(reg == NULL);
    if (guid_is(g, guid(GOP)) && fw.gop_format >= 0) {
        gop_info.format = (uint32_t)fw.gop_format;
        *iface = &gop;
        return EFI_SUCCESS;
    }
    if (guid_is(g, guid(RISCV_BOOT)) && fw.riscv_hart >= 0) {
        *iface = &riscv;
        return EFI_SUCCESS;
    }
    return EFI_ERR(14); /* not found */
}

/* LoadFile2 as firmware offers it: on the initrd media path, given the rest
 * of the path after the handle's part (the end node), as UEFI says. */
static efi_status load_file(struct efi_load_file2 *self, void *path, uint8_t boot_policy, uint64_t *size,
                            void *buffer)
{
    (void)self;
    const uint8_t *node = path;
    if (boot_policy || node[0] != 0x7f || node[1] != 0xff)
        return EFI_INVALID_PARAMETER;
    if (!buffer || *size < fw.initrd_bytes) {
        *size = fw.initrd_bytes;
        return EFI_BUFFER_TOO_SMALL;
    }
    if (fw.initrd == 2)
        return EFI_ERR(7); /* device error */
    memcpy(buffer, initrd_data, fw.initrd_bytes);
    *size = fw.initrd_bytes;
    return EFI_SUCCESS;
}
static struct efi_load_file2 lf2 = {load_file};

static efi_status locate_device_path(const struct efi_guid *g, void **path, void **handle)
{
    const uint8_t *p = *path;
    struct efi_guid vendor;
    memcpy(&vendor, p + 4, sizeof vendor);
    if (!fw.initrd || !guid_is(g, guid(LOAD_FILE2)) || p[0] != 4 || p[1] != 3 || p[2] != 20 ||
        !guid_is(&vendor, guid(INITRD_MEDIA)))
        return EFI_ERR(14);
    *path = (uint8_t *)*path + 20; /* the part matched: the vendor node */
    *handle = (void *)0x5678;
    return EFI_SUCCESS;
}

static efi_status handle_protocol(void *handle, const struct efi_guid *g, void **iface)
{
    if (handle == (void *)0x1234 && guid_is(g, guid(LOADED_IMAGE))) {
        *iface = &loaded;
        return EFI_SUCCESS;
    }
    if (handle == (void *)0x5678 && guid_is(g, guid(LOAD_FILE2))) {
        *iface = &lf2;
        return EFI_SUCCESS;
    }
    return EFI_UNSUPPORTED;
}

static struct efi_boot_services bs;
static struct efi_text_out con = {NULL, out_string};
static struct efi_config_table tables[2];
static struct efi_system_table st;
static uint8_t dtb[64] = {0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 64, 'd', 't'};
static uint8_t rsdp[36] = "RSD PTR \1\2\3\4\5\6\7\x02"; /* revision 2 at 15 */

void efi_arch_enter(uint64_t entry, uint64_t dtb_pa, uint64_t image, uint64_t size, uint64_t cpu)
{
    enter.entered = 1;
    enter.entry = entry, enter.dtb = dtb_pa, enter.image = image, enter.size = size, enter.cpu = cpu;
    longjmp(back, 1);
}

static void set_options(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        options[n] = (uint8_t)s[n];
    options[n] = 0;
    loaded.options = options;
    loaded.options_size = (uint32_t)(2 * (n + 1));
}

/* A firmware with everything, as AAVMF offers it. */
static void firmware(void)
{
    for (unsigned i = 0; i < fw.nallocs; i++)
        free(fw.allocs[i]);
    memset(&fw, 0, sizeof fw);
    memset(&enter, 0, sizeof enter);
    memset(fake_image, 0, sizeof fake_image);
    for (int i = 0; i < FILE_BYTES - HANDOFF_AT; i++) /* .data's bytes after the handoff */
        if (i >= (int)sizeof(struct efi_handoff))
            fake_image[HANDOFF_AT + i] = (char)i;
    memcpy(fake_image, "MZ", 2);
    fw.gop_format = GOP_BGRX;
    fw.initrd = 1;
    fw.initrd_bytes = sizeof initrd_data;
    fw.riscv_hart = 3;
    bs = (struct efi_boot_services){0};
    bs.allocate_pages = allocate_pages;
    bs.free_pages = free_pages;
    bs.get_memory_map = get_memory_map;
    bs.handle_protocol = handle_protocol;
    bs.locate_device_path = locate_device_path;
    bs.exit_boot_services = exit_boot_services;
    bs.locate_protocol = locate_protocol;
    tables[0] = (struct efi_config_table){guid(ACPI20_TABLE), rsdp};
    tables[1] = (struct efi_config_table){guid(DTB_TABLE), dtb};
    st = (struct efi_system_table){.con_out = &con, .boot = &bs, .n_tables = 2, .tables = tables};
    gop_info = (struct efi_gop_mode_info){.version = 0, .width = 800, .height = 600, .pixels_per_line = 832};
    set_options("initrd=initrd verbose  console=ttyAMA0");
}

/* Run the stub: its status if it returned, EFI_SUCCESS if it entered the image. */
static efi_status run(void)
{
    if (setjmp(back))
        return EFI_SUCCESS;
    return efi_stub_main((void *)0x1234, &st, 777);
}

/* The handoff in the image the stub entered (a blank one, and a failed
 * check, if it entered none). */
static const struct efi_handoff *handoff_in_copy(void)
{
    static const struct efi_handoff none;
    CHECK(enter.entered);
    return enter.entered ? (const struct efi_handoff *)(uintptr_t)(enter.entry + HANDOFF_AT) : &none;
}

static void test_everything_handed_over(void)
{
    firmware();
    fw.ebs_refusals = 1; /* the first key is stale: the map is taken again */
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK(enter.entered);
    CHECK_EQ_STR(fw.said, "");
    /* moved to 2 MiB, the file copied, entered at its first byte */
    CHECK(enter.entry && enter.entry % 0x200000 == 0 && enter.entry == enter.image);
    CHECK_EQ_INT(enter.size, IMAGE);
    if (!enter.entered)
        return;
    CHECK(memcmp((void *)(uintptr_t)enter.entry, fake_image, HANDOFF_AT) == 0);
    CHECK(memcmp((uint8_t *)(uintptr_t)enter.entry + HANDOFF_AT + sizeof(struct efi_handoff),
                 fake_image + HANDOFF_AT + sizeof(struct efi_handoff),
                 FILE_BYTES - HANDOFF_AT - sizeof(struct efi_handoff)) == 0);
    CHECK_EQ_INT(enter.cpu, 3);
    CHECK_EQ_INT(fw.ebs_calls, 2);
    const struct efi_handoff *h = handoff_in_copy();
    CHECK_EQ_HEX(h->magic, EFI_HANDOFF_MAGIC);
    CHECK_EQ_HEX(((const struct efi_handoff *)(fake_image + HANDOFF_AT))->magic, 0); /* not the original's */
    CHECK_EQ_HEX(h->systab, (uintptr_t)&st);
    CHECK_EQ_INT(h->entry_counter, 777);
    CHECK_EQ_STR(h->cmdline, "verbose console=ttyAMA0");
    /* the device tree copied, into the loader's memory; the RSDP where it was */
    CHECK(h->dtb && h->dtb != (uintptr_t)dtb && h->dtb == enter.dtb);
    CHECK(h->dtb && memcmp((void *)(uintptr_t)h->dtb, dtb, sizeof dtb) == 0);
    CHECK_EQ_HEX(h->rsdp, (uintptr_t)rsdp);
    CHECK(h->rsdp_len == 36 && memcmp(h->rsdp_copy, rsdp, 36) == 0);
    /* GOP: blue lowest, 32 bits, the pitch from pixels per line */
    CHECK_EQ_HEX(h->fb.phys, 0x80000000);
    CHECK(h->fb.width == 800 && h->fb.height == 600 && h->fb.bpp == 32 && h->fb.pitch == 832 * 4);
    CHECK(h->fb.red_pos == 16 && h->fb.green_pos == 8 && h->fb.blue_pos == 0 && h->fb.blue_bits == 8);
    /* the initrd, loaded whole */
    CHECK_EQ_INT(h->initrd_size, sizeof initrd_data);
    CHECK(h->initrd && memcmp((void *)(uintptr_t)h->initrd, initrd_data, sizeof initrd_data) == 0);
    /* the map ExitBootServices() took, readable as the kernel reads it */
    CHECK(h->mmap && h->mmap_size == 96 && h->mmap_dsize == 48);
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    if (h->mmap)
        CHECK_EQ_INT(efi_mmap_read((const uint8_t *)(uintptr_t)h->mmap, h->mmap_size, h->mmap_dsize, &bi,
                                   EFI_MMAP_USE | EFI_MMAP_LOADER_FREE, "uefi"), 0);
    CHECK(bi.mem_count == 1 && bi.mem[0].base == 0x40000000 && bi.mem[0].size == 8 << 20);
}

/* ACPI and no device tree (AAVMF with QEMU's tables): the kernel is
 * entered with no device tree, the RSDP's copy in the handoff; an ACPI 1.0
 * RSDP is 20 bytes. */
static void test_acpi_only(void)
{
    firmware();
    st.n_tables = 1;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK(enter.entered && enter.dtb == 0);
    const struct efi_handoff *h = handoff_in_copy();
    CHECK(h->dtb == 0 && h->rsdp == (uintptr_t)rsdp && h->rsdp_len == 36);
    CHECK(memcmp(h->rsdp_copy, "RSD PTR ", 8) == 0 && h->rsdp_copy[15] == 2);
    firmware();
    st.n_tables = 1;
    rsdp[15] = 0;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    rsdp[15] = 2;
    CHECK_EQ_INT(handoff_in_copy()->rsdp_len, 20);
    CHECK_EQ_INT(handoff_in_copy()->rsdp_copy[20], 0);
}

static void test_gop_formats(void)
{
    firmware();
    fw.gop_format = GOP_RGBX;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK(handoff_in_copy()->fb.red_pos == 0 && handoff_in_copy()->fb.blue_pos == 16);
    firmware();
    fw.gop_format = GOP_BITMASK;
    gop_info.red_mask = 0xf800, gop_info.green_mask = 0x07e0, gop_info.blue_mask = 0x001f;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    const struct boot_fb *fb = &handoff_in_copy()->fb;
    CHECK(fb->bpp == 16 && fb->pitch == 832 * 2 && fb->red_pos == 11 && fb->red_bits == 5 &&
          fb->green_pos == 5 && fb->green_bits == 6 && fb->blue_pos == 0 && fb->blue_bits == 5);
    /* blit only, or no GOP at all: no framebuffer, and the boot goes on */
    firmware();
    fw.gop_format = 3;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_HEX(handoff_in_copy()->fb.phys, 0);
    firmware();
    fw.gop_format = -1;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_HEX(handoff_in_copy()->fb.phys, 0);
}

static void test_options(void)
{
    /* none; one word of other characters; far too many */
    firmware();
    loaded.options = NULL, loaded.options_size = 0;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_STR(handoff_in_copy()->cmdline, "");
    firmware();
    set_options("a\x01" "b initrd=x");
    options[2] = 0x263a; /* a character past ASCII */
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_STR(handoff_in_copy()->cmdline, "a??");
    firmware();
    char longer[590];
    for (size_t i = 0; i < sizeof longer - 1; i++)
        longer[i] = i % 10 == 9 ? ' ' : 'w';
    longer[sizeof longer - 1] = 0;
    set_options(longer);
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    const char *c = handoff_in_copy()->cmdline;
    CHECK(strlen(c) < EFI_CMDLINE_MAX && strlen(c) > EFI_CMDLINE_MAX - 12 && c[strlen(c) - 1] == 'w');
    /* options the firmware says are longer than they are: the NUL ends them */
    firmware();
    set_options("one two");
    loaded.options_size = 400;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_STR(handoff_in_copy()->cmdline, "one two");
}

static void test_refusals(void)
{
    /* neither a device tree nor ACPI: said, nothing allocated, boot services kept */
    firmware();
    st.n_tables = 0;
    CHECK_EQ_HEX(run(), EFI_UNSUPPORTED);
    CHECK(!enter.entered && fw.ebs_calls == 0 && fw.nallocs == 0);
    CHECK(strstr(fw.said, "efi stub: the firmware gave neither a device tree nor ACPI tables; "
                          "cannot boot\r\n") != NULL);
    /* ACPI only, on an arch that boots from a device tree alone */
    firmware();
    st.n_tables = 1;
    boots_acpi = 0;
    CHECK_EQ_HEX(run(), EFI_UNSUPPORTED);
    boots_acpi = 1;
    CHECK(!enter.entered && fw.ebs_calls == 0 && fw.nallocs == 0);
    CHECK(strstr(fw.said, "efi stub: the firmware gave ACPI tables and no device tree, and this "
                          "kernel boots from a device tree on this architecture\r\n") != NULL);
    /* a device tree without an FDT header, or of an absurd size */
    firmware();
    dtb[0] = 0;
    CHECK_EQ_HEX(run(), EFI_LOAD_ERROR);
    CHECK(strstr(fw.said, "no FDT header") != NULL && !enter.entered);
    dtb[0] = 0xd0;
    firmware();
    dtb[4] = 0x7f;
    CHECK_EQ_HEX(run(), EFI_LOAD_ERROR);
    dtb[4] = 0;
    /* no memory: for the device tree, the image's move, the map */
    for (unsigned at = 1; at <= 4; at++) {
        firmware();
        fw.fail_alloc_at = at; /* 1 the DTB, 2 the initrd, 3 the move, 4 the map */
        efi_status s = run();
        if (at == 2) { /* the initrd is optional */
            CHECK_EQ_HEX(s, EFI_SUCCESS);
            CHECK(strstr(fw.said, "no memory for the initrd; booting without it") != NULL);
            CHECK_EQ_HEX(handoff_in_copy()->initrd, 0);
        } else {
            CHECK_EQ_HEX(s, EFI_OUT_OF_RESOURCES);
            CHECK(strstr(fw.said, "efi stub: no memory") != NULL && !enter.entered && fw.ebs_calls == 0);
        }
    }
    /* ExitBootServices() refusing every key: said, not entered */
    firmware();
    fw.ebs_refusals = 5;
    CHECK_EQ_HEX(run(), EFI_INVALID_PARAMETER);
    CHECK(strstr(fw.said, "ExitBootServices failed") != NULL && !enter.entered && fw.ebs_calls == 2);
}

static void test_optional_parts(void)
{
    /* no initrd offered; one whose load fails; no RISC-V boot protocol */
    firmware();
    fw.initrd = 0;
    fw.riscv_hart = -1;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK(handoff_in_copy()->initrd == 0 && enter.cpu == 0);
    CHECK_EQ_STR(fw.said, "");
    firmware();
    fw.initrd = 2;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK(handoff_in_copy()->initrd == 0 && fw.freed == 1);
    CHECK(strstr(fw.said, "could not load the initrd; booting without it") != NULL);
    /* an empty initrd is none */
    firmware();
    fw.initrd_bytes = 0;
    CHECK_EQ_HEX(run(), EFI_SUCCESS);
    CHECK_EQ_HEX(handoff_in_copy()->initrd, 0);
}

int main(void)
{
    test_everything_handed_over();
    test_acpi_only();
    test_gop_formats();
    test_options();
    test_refusals();
    test_optional_parts();
    firmware(); /* frees the last run's pages */
    return CHECK_DONE("test_efi_stub");
}
