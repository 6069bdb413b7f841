/**
 * @file test_bootinfo.c
 * @brief Host tests of the boot-protocol parsers: Multiboot2 info and the
 *        FDT /chosen/bootargs reader, with well-formed and malformed blobs.
 */
#include <boot/devicetree.h>
#include <boot/efi.h>
#include <boot/multiboot2.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/log.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static char last_log[256];

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof last_log, fmt, ap);
    va_end(ap);
}

/* ---- Multiboot2 builder ---- */
static _Alignas(8) uint8_t mb[4096];
static uint32_t mb_len;

static void mb_begin(void) { memset(mb, 0, sizeof mb); mb_len = 8; }
static uint8_t *mb_tag(uint32_t type, uint32_t size)
{
    uint8_t *t = mb + mb_len;
    memcpy(t, &type, 4);
    memcpy(t + 4, &size, 4);
    mb_len += (size + 7) & ~7u;
    return t;
}
static void mb_end(void) { mb_tag(0, 8); memcpy(mb, &mb_len, 4); }
static void mb_mmap(int n, const uint64_t (*e)[3])
{
    uint8_t *t = mb_tag(6, 16 + 24 * n);
    uint32_t esz = 24, ver = 0;
    memcpy(t + 8, &esz, 4);
    memcpy(t + 12, &ver, 4);
    for (int i = 0; i < n; i++) {
        uint32_t type = (uint32_t)e[i][2];
        memcpy(t + 16 + 24 * i, &e[i][0], 8);
        memcpy(t + 24 + 24 * i, &e[i][1], 8);
        memcpy(t + 32 + 24 * i, &type, 4);
    }
}

static void test_mb2_good(void)
{
    struct boot_info bi = {0};
    const uint64_t e[][3] = {{0, 0x9fc00, 1}, {0x100000, 0x7ee0000, 1}, {0xfffc0000, 0x40000, 2},
                             {0x5000, 0, 1}};
    mb_begin();
    strcpy((char *)mb_tag(1, 8 + 6) + 8, "ktest");
    strcpy((char *)mb_tag(2, 8 + 5) + 8, "GRUB");
    mb_mmap(4, e);
    uint8_t *acpi = mb_tag(14, 8 + 20);
    memcpy(acpi + 8, "RSD PTR ", 8);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK_EQ_STR(bi.cmdline, "ktest");
    CHECK_EQ_STR(bi.bootloader, "GRUB");
    CHECK_EQ_INT(bi.mem_count, 3); /* zero-length range dropped with a warning */
    CHECK(strstr(last_log, "zero-length") != NULL);
    CHECK_EQ_HEX(bi.mem[1].base, 0x100000);
    CHECK_EQ_HEX(bi.mem[1].size, 0x7ee0000);
    CHECK_EQ_INT(bi.mem[2].type, MEM_RESERVED);
    CHECK_EQ_INT(bi.rsdp_len, 20);
    CHECK_EQ_HEX(bi.efi_systab, 0); /* no EFI tag: not UEFI */
    /* Under UEFI GRUB adds the system table's address (tag 12); one too
     * short for it is ignored with a warning. */
    memset(&bi, 0, sizeof bi);
    mb_begin();
    mb_mmap(1, e);
    uint64_t st = 0x7fbee018;
    memcpy(mb_tag(12, 16) + 8, &st, 8);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK_EQ_HEX(bi.efi_systab, 0x7fbee018);
    memset(&bi, 0, sizeof bi);
    mb_begin();
    mb_mmap(1, e);
    mb_tag(12, 12);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK_EQ_HEX(bi.efi_systab, 0);
    CHECK(strstr(last_log, "EFI system table tag of 12 bytes") != NULL);
}

static void test_mb2_bad(void)
{
    struct boot_info bi = {0};
    /* no memory map at all */
    mb_begin();
    strcpy((char *)mb_tag(1, 8 + 2) + 8, "x");
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -ENOENT);
    CHECK(strstr(last_log, "no memory map") != NULL);
    /* basic meminfo is an acceptable fallback */
    memset(&bi, 0, sizeof bi);
    mb_begin();
    uint8_t *b = mb_tag(4, 16);
    uint32_t upper = 65536;
    memcpy(b + 12, &upper, 4);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK_EQ_INT(bi.mem_count, 1);
    CHECK_EQ_HEX(bi.mem[0].size, 64u << 20);
    /* total_size larger than what may be read */
    CHECK_EQ_INT(mb2_parse(mb, mb_len - 1, &bi), -EINVAL);
    /* a tag whose size runs past the end */
    mb_begin();
    mb_tag(1, 4000);
    mb_len = 16;
    memcpy(mb, &mb_len, 4);
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -EINVAL);
    /* a tag of size < 8 (would loop forever if accepted) */
    mb_begin();
    mb_tag(1, 4);
    mb_len = 24;
    memcpy(mb, &mb_len, 4);
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -EINVAL);
    /* no end tag */
    mb_begin();
    mb_tag(1, 8 + 2);
    memcpy(mb, &mb_len, 4);
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -EINVAL);
    /* memory map with a bogus entry size */
    mb_begin();
    uint8_t *t = mb_tag(6, 40);
    uint32_t esz = 7;
    memcpy(t + 8, &esz, 4);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -EINVAL);
    /* entry size near 2^32 (found by fuzz_mb2: off + esize wrapped) */
    mb_begin();
    t = mb_tag(6, 17);
    esz = 0xfffffff8u;
    memcpy(t + 8, &esz, 4);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), -EINVAL);
    /* random garbage never reads out of bounds (ASan watches) */
    srand(1);
    for (int i = 0; i < 20000; i++) {
        size_t n = 16 + (size_t)(rand() % 256);
        uint8_t *g = malloc(n);
        for (size_t j = 0; j < n; j++)
            g[j] = (uint8_t)rand();
        uint32_t total = (uint32_t)(rand() % (int)(n + 8));
        memcpy(g, &total, 4);
        memset(&bi, 0, sizeof bi);
        int err = mb2_parse(g, n, &bi);
        CHECK(err == 0 || err == -EINVAL || err == -ENOENT);
        free(g);
    }
}

/* ---- FDT builder: header + struct block + strings ---- */
static _Alignas(8) uint8_t fdt[1024]; /* a DTB is 8-byte aligned (the parser checks) */
static size_t fdt_make(int corrupt)
{
    uint32_t st[64];
    int n = 0;
    char strings[] = "bootargs\0compatible";
#define W(x) st[n++] = __builtin_bswap32(x)
    W(1); W(0);                                   /* root "" */
    W(1); memcpy(&st[n], "chosen\0\0", 8); n += 2; /* /chosen */
    W(3); W(corrupt == 1 ? 500 : 12); W(0);        /* bootargs, len 12 */
    memcpy(&st[n], "ktest quiet", 12); n += 3;
    W(2); W(2); W(9);
#undef W
    /* the header, an empty reservation block (its 0,0 end) at 40, the structure, the strings */
    uint32_t off_rsv = 40, off_struct = 56, size_struct = (uint32_t)(n * 4);
    uint32_t off_str = off_struct + size_struct, size_str = sizeof strings;
    uint32_t total = off_str + size_str;
    uint32_t hdr[10] = {0xd00dfeed, total, off_struct, off_str, off_rsv, 17, 16, 0, size_str, size_struct};
    for (int i = 0; i < 10; i++)
        hdr[i] = __builtin_bswap32(hdr[i]);
    memset(fdt, 0, sizeof fdt);
    memcpy(fdt, hdr, 40);
    memcpy(fdt + off_struct, st, size_struct);
    memcpy(fdt + off_str, strings, size_str);
    return total;
}

/* The /chosen path of dt_boot_info (test_fdt covers the whole converter). */
static void test_fdt(void)
{
    struct boot_info bi;
    size_t total = fdt_make(0);
    memset(&bi, 0, sizeof bi);
    CHECK_EQ_INT(dt_boot_info(fdt, total, &bi), -ENOENT); /* no /memory: the rest is read */
    CHECK_EQ_STR(bi.cmdline, "ktest quiet");
    memset(&bi, 0, sizeof bi);
    CHECK_EQ_INT(dt_boot_info(fdt, total - 1, &bi), -EINVAL);
    CHECK_EQ_STR(bi.cmdline, "");
    total = fdt_make(1);
    CHECK_EQ_INT(dt_boot_info(fdt, total, &bi), -EINVAL);
    fdt_make(0);
    fdt[0] = 0;
    CHECK_EQ_INT(dt_boot_info(fdt, sizeof fdt, &bi), -EINVAL);
    /* every single-byte corruption of a valid blob is handled (ASan watches) */
    total = fdt_make(0);
    for (size_t i = 0; i < total; i++)
        for (int v = 0; v < 256; v += 17) {
            fdt_make(0);
            fdt[i] = (uint8_t)v;
            memset(&bi, 0, sizeof bi);
            int err = dt_boot_info(fdt, total, &bi);
            CHECK(err == 0 || err == -EINVAL || err == -ENOENT);
        }
}

/* A framebuffer tag (GRUB's layout: colour information at 32) of @p type
 * with the direct-colour fields @p f (red, green, blue: position, size). */
static void mb_fb(uint8_t type, uint32_t size, uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h,
                  uint8_t bpp, const uint8_t f[6])
{
    uint8_t *t = mb_tag(8, size);
    memcpy(t + 8, &addr, 8);
    memcpy(t + 16, &pitch, 4);
    memcpy(t + 20, &w, 4);
    memcpy(t + 24, &h, 4);
    t[28] = bpp;
    t[29] = type;
    if (size >= 38)
        memcpy(t + 32, f, 6);
}

/* One tag of @p n framebuffers and an ordinary memory map; the result. */
static int parse_fb(uint8_t type, uint32_t size, uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h,
                    uint8_t bpp, const uint8_t f[6], struct boot_info *bi)
{
    static const uint64_t e[][3] = {{0x100000, 0x7ee0000, 1}};
    memset(bi, 0, sizeof *bi);
    last_log[0] = 0;
    mb_begin();
    mb_mmap(1, e);
    mb_fb(type, size, addr, pitch, w, h, bpp, f);
    mb_end();
    return mb2_parse(mb, sizeof mb, bi);
}

static void test_mb2_framebuffer(void)
{
    static const uint8_t xrgb[6] = {16, 8, 8, 8, 0, 8}, rgb565[6] = {11, 5, 5, 6, 0, 5};
    struct boot_info bi;
    CHECK_EQ_INT(parse_fb(1, 38, 0xfd000000, 4096, 1024, 768, 32, xrgb, &bi), 0);
    CHECK_EQ_HEX(bi.fb.phys, 0xfd000000);
    CHECK(bi.fb.width == 1024 && bi.fb.height == 768 && bi.fb.pitch == 4096 && bi.fb.bpp == 32);
    CHECK(bi.fb.red_pos == 16 && bi.fb.green_pos == 8 && bi.fb.blue_pos == 0 && bi.fb.blue_bits == 8);
    CHECK_EQ_INT(last_log[0], 0);
    /* 16 bits per pixel, and a pitch longer than a line: both drawn on */
    CHECK_EQ_INT(parse_fb(1, 38, 0xfd000000, 1664, 800, 600, 16, rgb565, &bi), 0);
    CHECK(bi.fb.phys == 0xfd000000 && bi.fb.bpp == 16 && bi.fb.green_bits == 6);
    /* each refused with its reason, the boot going on */
    struct { uint32_t pitch, w; uint8_t bpp; uint64_t addr; const uint8_t *f; const char *why; } bad[] = {
        {1000, 256, 32, 0xfd000000, xrgb, "pitch shorter than a line"},
        {1024, 1024, 8, 0xfd000000, xrgb, "not of 16, 24 or 32 bits per pixel"},
        /* fuzz_mb2's find: fields far past 32 bits were shifted by before bpp was judged */
        {4096, 1024, 200, 0xfd000000, (const uint8_t[6]){165, 8, 8, 8, 0, 8}, "not of 16, 24 or 32"},
        {4096, 1024, 32, 0, xrgb, "at address 0"},
        {4096, 1024, 32, UINT64_MAX - 4096, xrgb, "reaching past 2^64"},
        {4096, 1024, 32, 0xfd000000, (const uint8_t[6]){28, 8, 8, 8, 0, 8}, "outside the pixel"},
        {4096, 1024, 32, 0xfd000000, (const uint8_t[6]){16, 8, 8, 8, 12, 8}, "fields that overlap"},
        {4096, 1024, 32, 0xfd000000, (const uint8_t[6]){16, 0, 8, 8, 0, 8}, "of no width"},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_EQ_INT(parse_fb(1, 38, bad[i].addr, bad[i].pitch, bad[i].w, 768, bad[i].bpp, bad[i].f, &bi), 0);
        CHECK_EQ_HEX(bi.fb.phys, 0);
        CHECK(strstr(last_log, bad[i].why) != NULL);
    }
    CHECK_EQ_INT(parse_fb(1, 0, 0xfd000000, 4096, 1024, 768, 32, xrgb, &bi), 0);
    CHECK_EQ_INT(parse_fb(1, 24, 0xfd000000, 4096, 1024, 768, 32, xrgb, &bi), 0);
    CHECK(bi.fb.phys == 0 && strstr(last_log, "framebuffer tag of 24 bytes") != NULL);
    CHECK_EQ_INT(parse_fb(1, 34, 0xfd000000, 4096, 1024, 768, 32, xrgb, &bi), 0);
    CHECK(bi.fb.phys == 0 && strstr(last_log, "tag too short") != NULL);
    CHECK_EQ_INT(parse_fb(0, 38, 0xfd000000, 1024, 1024, 768, 8, xrgb, &bi), 0);
    CHECK(bi.fb.phys == 0 && strstr(last_log, "indexed colour") != NULL);
    /* EGA text (GRUB under BIOS without a mode set): no pixels, nothing said */
    CHECK_EQ_INT(parse_fb(2, 32, 0xb8000, 160, 80, 25, 16, xrgb, &bi), 0);
    CHECK(bi.fb.phys == 0 && last_log[0] == 0);
}

/* An EFI memory map tag of @p n descriptors {type, start, pages}, each
 * @p dsize bytes (40 and more). */
static void mb_efi_mmap(int n, const uint64_t (*d)[3], uint32_t dsize)
{
    uint8_t *t = mb_tag(17, 16 + dsize * n);
    uint32_t ver = 1;
    memcpy(t + 8, &dsize, 4);
    memcpy(t + 12, &ver, 4);
    for (int i = 0; i < n; i++) {
        uint32_t type = (uint32_t)d[i][0];
        memcpy(t + 16 + dsize * i, &type, 4);
        memcpy(t + 16 + dsize * i + 8, &d[i][1], 8);
        memcpy(t + 16 + dsize * i + 24, &d[i][2], 8);
    }
}

/* Only UEFI's map (and the end tag): mb2_parse()'s result. */
static int parse_efi_only(int n, const uint64_t (*d)[3], uint32_t dsize, struct boot_info *bi)
{
    memset(bi, 0, sizeof *bi);
    last_log[0] = 0;
    mb_begin();
    mb_efi_mmap(n, d, dsize);
    mb_end();
    return mb2_parse(mb, sizeof mb, bi);
}

static void test_mb2_efi_mmap(void)
{
    static const uint64_t e[][3] = {{0x100000, 0x7ee0000, 1}};
    /* BootServicesData, Conventional, ACPI reclaim, LoaderData, Unusable */
    static const uint64_t good[][3] = {{4, 0, 160}, {7, 0x100000, 0x7000}, {9, 0x7100000, 16},
                                       {2, 0x7200000, 64}, {8, 0x7300000, 1}};
    struct boot_info bi;
    /* with GRUB's own map as well: counted, the memory GRUB's */
    memset(&bi, 0, sizeof bi);
    last_log[0] = 0;
    mb_begin();
    mb_efi_mmap(5, good, 48);
    mb_mmap(1, e);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK_EQ_INT(bi.efi_mmap_count, 5);
    CHECK_EQ_INT(bi.mem_count, 1);
    CHECK_EQ_INT(last_log[0], 0);
    /* alone: the memory is its, by type */
    CHECK_EQ_INT(parse_efi_only(5, good, 40, &bi), 0);
    CHECK_EQ_INT(bi.mem_count, 5);
    CHECK(bi.mem[0].type == MEM_USABLE && bi.mem[0].size == 160 * 4096);
    CHECK(bi.mem[1].type == MEM_USABLE && bi.mem[1].base == 0x100000);
    CHECK(bi.mem[2].type == MEM_ACPI_RECLAIM && bi.mem[3].type == MEM_RESERVED && bi.mem[4].type == MEM_BAD);
    /* out of order, overlapping, empty and wrapping descriptors: said, and the boot goes on */
    static const uint64_t unsorted[][3] = {{7, 0x200000, 16}, {7, 0x100000, 16}};
    static const uint64_t overlap[][3] = {{7, 0x100000, 16}, {7, 0x108000, 16}};
    static const uint64_t odd[][3] = {{7, 0x100000, 0}, {7, 0xfffffffffffff000ull, 2}, {7, 0x200000, 1}};
    CHECK_EQ_INT(parse_efi_only(2, unsorted, 48, &bi), 0);
    CHECK(strstr(last_log, "EFI memory map out of order at descriptor 1") != NULL);
    CHECK_EQ_INT(bi.mem_count, 2);
    CHECK_EQ_INT(parse_efi_only(2, overlap, 48, &bi), 0);
    CHECK(strstr(last_log, "EFI memory descriptors 0 and 1 overlap at 0x108000") != NULL);
    CHECK_EQ_INT(parse_efi_only(3, odd, 48, &bi), 0);
    CHECK_EQ_INT(bi.mem_count, 1);
    CHECK(bi.mem[0].base == 0x200000 && bi.efi_mmap_count == 3);
    /* descriptors too short to walk: ignored, said; with no other map there is none */
    memset(&bi, 0, sizeof bi);
    mb_begin();
    mb_efi_mmap(2, good, 32);
    mb_mmap(1, e);
    mb_end();
    CHECK_EQ_INT(mb2_parse(mb, sizeof mb, &bi), 0);
    CHECK(strstr(last_log, "malformed EFI memory map tag") != NULL);
    CHECK(bi.mem_count == 1 && bi.efi_mmap_count == 0);
    CHECK_EQ_INT(parse_efi_only(2, good, 44, &bi), -ENOENT);
}

/* The stub's map read directly (efi_mmap_read()): firmware splits its
 * memory into many descriptors, far more than boot_info's 64 ranges; the
 * ones that meet with one meaning become one range, and the loader's
 * memory is free when the caller says so. */
static void test_efi_mmap_join(void)
{
    enum { N = 300, DS = 48 };
    static uint8_t map[N * DS];
    memset(map, 0, sizeof map);
    static const uint32_t kinds[] = {3, 4, 7}; /* BootServicesCode, BootServicesData, Conventional */
    uint64_t at = 0x40000000;
    for (int i = 0; i < N; i++) {
        uint32_t type = i == 150 ? 2 : kinds[i % 3]; /* and one LoaderData */
        uint64_t pages = 1 + (uint64_t)i % 7;
        memcpy(map + i * DS, &type, 4);
        memcpy(map + i * DS + 8, &at, 8);
        memcpy(map + i * DS + 24, &pages, 8);
        at += pages * 4096;
    }
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    last_log[0] = 0;
    CHECK_EQ_INT(efi_mmap_read(map, sizeof map, DS, &bi, EFI_MMAP_USE | EFI_MMAP_LOADER_FREE, "uefi"), 0);
    CHECK_EQ_INT(bi.efi_mmap_count, N);
    CHECK_EQ_INT(bi.mem_count, 1);
    CHECK(bi.mem[0].base == 0x40000000 && bi.mem[0].base + bi.mem[0].size == at &&
          bi.mem[0].type == MEM_USABLE);
    CHECK_EQ_INT(last_log[0], 0);
    /* the loader's memory kept: three ranges, the middle one reserved */
    memset(&bi, 0, sizeof bi);
    CHECK_EQ_INT(efi_mmap_read(map, sizeof map, DS, &bi, EFI_MMAP_USE, "uefi"), 0);
    CHECK_EQ_INT(bi.mem_count, 3);
    CHECK(bi.mem[1].type == MEM_RESERVED && bi.mem[0].type == MEM_USABLE && bi.mem[2].type == MEM_USABLE);
    CHECK(bi.mem[0].base + bi.mem[0].size == bi.mem[1].base && bi.mem[2].base + bi.mem[2].size == at);
    /* a gap, or another meaning, starts a new range */
    uint64_t gap = 0x50000000;
    uint32_t acpi = 9;
    memcpy(map + 200 * DS + 8, &gap, 8);
    memcpy(map + 250 * DS, &acpi, 4);
    memset(&bi, 0, sizeof bi);
    CHECK_EQ_INT(efi_mmap_read(map, sizeof map, DS, &bi, EFI_MMAP_USE | EFI_MMAP_LOADER_FREE, "uefi"), 0);
    CHECK_EQ_INT(bi.mem_count, 5);
    CHECK(bi.mem[1].base == gap && bi.mem[3].type == MEM_ACPI_RECLAIM);
    /* not walkable: refused */
    CHECK_EQ_INT(efi_mmap_read(map, sizeof map, 36, &bi, EFI_MMAP_USE, "uefi"), -EINVAL);
    CHECK_EQ_INT(efi_mmap_read(map, 40, 48, &bi, EFI_MMAP_USE, "uefi"), -EINVAL);
}

int main(void)
{
    test_mb2_good();
    test_mb2_bad();
    test_mb2_framebuffer();
    test_mb2_efi_mmap();
    test_efi_mmap_join();
    test_fdt();
    return CHECK_DONE("test_bootinfo");
}
