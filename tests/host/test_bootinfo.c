/**
 * @file test_bootinfo.c
 * @brief Host tests of the boot-protocol parsers: Multiboot2 info and the
 *        FDT /chosen/bootargs reader, with well-formed and malformed blobs.
 */
#include <boot/devicetree.h>
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
static uint8_t fdt[1024];
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
    uint32_t off_struct = 40, size_struct = (uint32_t)(n * 4);
    uint32_t off_str = off_struct + size_struct, size_str = sizeof strings;
    uint32_t total = off_str + size_str;
    uint32_t hdr[10] = {0xd00dfeed, total, off_struct, off_str, 0, 17, 16, 0, size_str, size_struct};
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

int main(void)
{
    test_mb2_good();
    test_mb2_bad();
    test_fdt();
    CHECK_DONE("test_bootinfo");
}
