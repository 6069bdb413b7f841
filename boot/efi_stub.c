/**
 * @file efi_stub.c
 * @brief The kernel image as an EFI application: take what the kernel needs
 *        from the firmware, leave boot services, enter the image as its
 *        boot protocol does (boot/efi.h).
 *
 * This runs in the firmware's world: MMU on and identity-mapped, at the
 * address the firmware loaded the file, while the image is linked at its
 * high address. So it is position-independent by construction: every
 * address it takes is PC-relative (the kernel's code models give that),
 * no table of pointers, no jump tables (built with -fno-jump-tables), no
 * sanitizer hooks, no kernel service (no kprintf, no locks, no heap); it
 * prints on the firmware's console and calls the firmware through the
 * tables it was handed.
 *
 * Steps: the loaded image's load options become the command line (UCS-2
 * to ASCII; QEMU's "initrd=" word for old kernels dropped); the device
 * tree (copied into the loader's memory) and the ACPI RSDP come from the
 * configuration table; the GOP's
 * framebuffer, if it has a linear one; the initrd from the LoadFile2
 * protocol on Linux's initrd media device path, which firmware (and QEMU's
 * -initrd under AAVMF) offers; the image copied where its arch needs it
 * aligned, if the firmware put it elsewhere; the memory map taken and boot
 * services left with its key (once more if the map changed meanwhile);
 * the handoff written into the copy's .data; then efi_arch_enter().
 */
#include <boot/efi.h>
#include <kernel/string.h>

typedef uint16_t char16;

struct efi_guid {
    uint32_t a;
    uint16_t b, c;
    uint8_t d[8];
};

struct efi_table_header {
    uint64_t signature;
    uint32_t revision, header_size, crc32, reserved;
};

struct efi_text_out {
    void *reset;
    efi_status (*output_string)(struct efi_text_out *self, const char16 *s);
};

struct efi_config_table {
    struct efi_guid guid;
    void *table;
};

struct efi_boot_services {
    struct efi_table_header hdr;
    void *raise_tpl, *restore_tpl;
    efi_status (*allocate_pages)(uint32_t type, uint32_t mem_type, uint64_t pages, uint64_t *addr);
    efi_status (*free_pages)(uint64_t addr, uint64_t pages);
    efi_status (*get_memory_map)(uint64_t *size, void *map, uint64_t *key, uint64_t *dsize,
                                 uint32_t *dversion);
    void *allocate_pool, *free_pool;
    void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
    void *install_protocol, *reinstall_protocol, *uninstall_protocol;
    efi_status (*handle_protocol)(void *handle, const struct efi_guid *guid, void **iface);
    void *reserved, *register_protocol_notify, *locate_handle;
    efi_status (*locate_device_path)(const struct efi_guid *guid, void **path, void **handle);
    void *install_config_table, *load_image, *start_image, *exit, *unload_image;
    efi_status (*exit_boot_services)(void *image, uint64_t key);
    void *get_next_monotonic_count, *stall, *set_watchdog_timer;
    void *connect_controller, *disconnect_controller;
    void *open_protocol, *close_protocol, *open_protocol_information;
    void *protocols_per_handle, *locate_handle_buffer;
    efi_status (*locate_protocol)(const struct efi_guid *guid, void *registration, void **iface);
};

struct efi_system_table {
    struct efi_table_header hdr;
    char16 *vendor;
    uint32_t revision;
    void *con_in_handle, *con_in, *con_out_handle;
    struct efi_text_out *con_out;
    void *stderr_handle, *std_err, *runtime;
    struct efi_boot_services *boot;
    uint64_t n_tables;
    struct efi_config_table *tables;
};

struct efi_loaded_image {
    uint32_t revision;
    void *parent, *systab, *device, *file_path, *reserved;
    uint32_t options_size;
    void *options;
    void *base;
    uint64_t size;
};

struct efi_gop_mode_info {
    uint32_t version, width, height, format;
    uint32_t red_mask, green_mask, blue_mask, reserved_mask;
    uint32_t pixels_per_line;
};

struct efi_gop_mode {
    uint32_t max_mode, mode;
    struct efi_gop_mode_info *info;
    uint64_t info_size;
    uint64_t fb_base, fb_size;
};

struct efi_gop {
    void *query_mode, *set_mode, *blt;
    struct efi_gop_mode *mode;
};

struct efi_riscv_boot {
    uint64_t revision;
    efi_status (*get_boot_hart_id)(struct efi_riscv_boot *self, uint64_t *hart);
};

struct efi_load_file2 {
    efi_status (*load_file)(struct efi_load_file2 *self, void *path, uint8_t boot_policy, uint64_t *size,
                            void *buffer);
};

/* Linux's initrd media device path: a vendor media node with its GUID,
 * then the end node. */
struct __attribute__((packed)) initrd_path {
    uint8_t type, subtype;
    uint16_t length;
    struct efi_guid vendor;
    uint8_t end_type, end_subtype;
    uint16_t end_length;
};

enum { ALLOCATE_ANY_PAGES = 0, EFI_LOADER_DATA = 2 };
enum { GOP_RGBX = 0, GOP_BGRX = 1, GOP_BITMASK = 2 };

extern char __kernel_start[], __kernel_end[], __file_end[];
extern struct efi_handoff efi_handoff_data;

static int guid_eq(const struct efi_guid *x, uint32_t a, uint16_t b, uint16_t c, uint64_t d)
{
    uint64_t xd;
    memcpy(&xd, x->d, 8);
    return x->a == a && x->b == b && x->c == c && xd == d;
}

/* GUIDs built on the stack: a static one would be fine too (its address
 * is PC-relative), but a guid_eq() of numbers keeps them in one place.
 * The 8 trailing bytes as a little-endian number. */
static struct efi_guid guid(uint32_t a, uint16_t b, uint16_t c, uint64_t d)
{
    struct efi_guid g = {a, b, c, {0}};
    memcpy(g.d, &d, 8);
    return g;
}

#define LOADED_IMAGE 0x5b1b31a1, 0x9562, 0x11d2, 0x3b7269c9a0003f8eull
#define GOP 0x9042a9de, 0x23dc, 0x4a38, 0x6a5180d0de7afb96ull
#define DTB_TABLE 0xb1b621d5, 0xf19c, 0x41a5, 0xe0aa692c15d90b83ull
#define ACPI20_TABLE 0x8868e871, 0xe4f1, 0x11d3, 0x81883cc7800022bcull
#define LOAD_FILE2 0x4006c0c1, 0xfcb3, 0x403e, 0x6de024876c4a6d99ull
#define INITRD_MEDIA 0x5568e427, 0x68fc, 0x4f3d, 0x68cc315255ca74acull
#define RISCV_BOOT 0xccd15fec, 0x6f73, 0x4eec, 0xbf40b9e4693e9583ull

/* Print an ASCII line on the firmware's console (as UCS-2, with CR LF). */
static void say(struct efi_system_table *st, const char *s)
{
    char16 buf[192];
    size_t n = 0;
    while (*s && n < sizeof buf / sizeof buf[0] - 3)
        buf[n++] = (uint8_t)*s++;
    buf[n++] = '\r';
    buf[n++] = '\n';
    buf[n] = 0;
    if (st->con_out)
        st->con_out->output_string(st->con_out, buf);
}

/* The load options (UCS-2) as an ASCII command line: other characters as
 * '?', and the words "initrd=..." left out (QEMU's loader adds one for
 * kernels that load their initrd themselves; ours comes by LoadFile2). */
static void take_cmdline(const struct efi_loaded_image *li, char *out)
{
    const char16 *in = li->options;
    size_t n = li->options ? li->options_size / 2 : 0, o = 0;
    for (size_t i = 0; i < n && in[i];) {
        while (i < n && in[i] == ' ')
            i++;
        size_t w = i;
        while (w < n && in[w] && in[w] != ' ')
            w++;
        int skip = w - i >= 7 && in[i] == 'i' && in[i + 1] == 'n' && in[i + 2] == 'i' && in[i + 3] == 't' &&
                   in[i + 4] == 'r' && in[i + 5] == 'd' && in[i + 6] == '=';
        if (!skip && w > i && o + (w - i) + 1 < EFI_CMDLINE_MAX) {
            if (o)
                out[o++] = ' ';
            for (; i < w; i++)
                out[o++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
        }
        i = w;
    }
    out[o] = 0;
}

/* A field of @p mask: its lowest bit and width (0, 0 if empty). */
static void mask_field(uint32_t mask, uint8_t *pos, uint8_t *bits)
{
    *pos = *bits = 0;
    if (!mask)
        return;
    while (!(mask & 1)) {
        mask >>= 1;
        ++*pos;
    }
    while (mask & 1) {
        mask >>= 1;
        ++*bits;
    }
}

static void take_gop(struct efi_system_table *st, struct boot_fb *fb)
{
    struct efi_guid g = guid(GOP);
    struct efi_gop *gop = NULL;
    if (st->boot->locate_protocol(&g, NULL, (void **)&gop) != EFI_SUCCESS || !gop || !gop->mode ||
        !gop->mode->info)
        return;
    const struct efi_gop_mode_info *i = gop->mode->info;
    struct boot_fb f = {.phys = gop->mode->fb_base, .width = i->width, .height = i->height, .bpp = 32};
    switch (i->format) {
    case GOP_RGBX:
        f.red_pos = 0, f.green_pos = 8, f.blue_pos = 16;
        f.red_bits = f.green_bits = f.blue_bits = 8;
        break;
    case GOP_BGRX:
        f.red_pos = 16, f.green_pos = 8, f.blue_pos = 0;
        f.red_bits = f.green_bits = f.blue_bits = 8;
        break;
    case GOP_BITMASK: {
        uint32_t all = i->red_mask | i->green_mask | i->blue_mask | i->reserved_mask;
        f.bpp = all >> 24 ? 32 : all >> 16 ? 24 : 16;
        mask_field(i->red_mask, &f.red_pos, &f.red_bits);
        mask_field(i->green_mask, &f.green_pos, &f.green_bits);
        mask_field(i->blue_mask, &f.blue_pos, &f.blue_bits);
        break;
    }
    default:
        return; /* blit only: no framebuffer to draw on */
    }
    f.pitch = i->pixels_per_line * (f.bpp / 8u);
    *fb = f; /* the kernel judges it (boot_set_fb()) */
}

static void take_initrd(struct efi_system_table *st, uint64_t *addr, uint64_t *size)
{
    struct efi_guid lf2 = guid(LOAD_FILE2);
    struct initrd_path path = {4, 3, 20, guid(INITRD_MEDIA), 0x7f, 0xff, 4}; /* media, vendor; end */
    void *dp = &path, *handle = NULL;
    struct efi_load_file2 *lf = NULL;
    if (st->boot->locate_device_path(&lf2, &dp, &handle) != EFI_SUCCESS ||
        st->boot->handle_protocol(handle, &lf2, (void **)&lf) != EFI_SUCCESS || !lf)
        return; /* no initrd given */
    /* LoadFile2 takes the rest of the path after the handle's part, as
     * LocateDevicePath() left it: here the end node. */
    uint64_t n = 0;
    if (lf->load_file(lf, dp, 0, &n, NULL) != EFI_BUFFER_TOO_SMALL || !n)
        return;
    uint64_t buf = 0;
    if (st->boot->allocate_pages(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, (n + 4095) / 4096, &buf) != EFI_SUCCESS) {
        say(st, "efi stub: no memory for the initrd; booting without it");
        return;
    }
    if (lf->load_file(lf, dp, 0, &n, (void *)(uintptr_t)buf) != EFI_SUCCESS) {
        say(st, "efi stub: the firmware could not load the initrd; booting without it");
        st->boot->free_pages(buf, (n + 4095) / 4096);
        return;
    }
    *addr = buf;
    *size = n;
}

/* The device tree moved into the loader's memory: firmware keeps its copy
 * in memory of its own kind (U-Boot's is ACPI-reclaimable), which the
 * kernel does not direct-map, and it reads its device tree for good. */
static efi_status copy_dtb(struct efi_system_table *st, uint64_t *dtb)
{
    const uint8_t *b = (const uint8_t *)(uintptr_t)*dtb;
    uint32_t magic = (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    uint32_t size = (uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7];
    if (magic != 0xd00dfeed || size < 40 || size > (64u << 20)) {
        say(st, "efi stub: the firmware's device tree has no FDT header");
        return EFI_LOAD_ERROR;
    }
    uint64_t copy = 0;
    if (st->boot->allocate_pages(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, (size + 4095) / 4096, &copy) != EFI_SUCCESS) {
        say(st, "efi stub: no memory for the device tree");
        return EFI_OUT_OF_RESOURCES;
    }
    memcpy((void *)(uintptr_t)copy, b, size);
    *dtb = copy;
    return EFI_SUCCESS;
}

efi_status efi_stub_main(void *image, void *systab, uint64_t counter)
{
    struct efi_system_table *st = systab;
    struct efi_boot_services *bs = st->boot;
    struct efi_handoff h = {0};
    h.systab = (uintptr_t)st;
    h.entry_counter = counter;

    struct efi_guid g = guid(LOADED_IMAGE);
    struct efi_loaded_image *li = NULL;
    if (bs->handle_protocol(image, &g, (void **)&li) == EFI_SUCCESS && li)
        take_cmdline(li, h.cmdline);
    for (uint64_t i = 0; i < st->n_tables; i++) {
        const struct efi_config_table *t = &st->tables[i];
        if (guid_eq(&t->guid, DTB_TABLE))
            h.dtb = (uintptr_t)t->table;
        else if (guid_eq(&t->guid, ACPI20_TABLE))
            h.rsdp = (uintptr_t)t->table;
    }
    /* ACPI 6.x, 5.2.5.3: revision 2+ RSDPs are 36 bytes, 1.0's 20. */
    if (h.rsdp) {
        const uint8_t *r = (const uint8_t *)(uintptr_t)h.rsdp;
        h.rsdp_len = r[15] >= 2 ? 36 : 20;
        memcpy(h.rsdp_copy, r, h.rsdp_len);
    }
    if (!h.dtb && !h.rsdp) {
        say(st, "efi stub: the firmware gave neither a device tree nor ACPI tables; cannot boot");
        return EFI_UNSUPPORTED;
    }
    if (!h.dtb && !efi_arch_boots_acpi) {
        say(st, "efi stub: the firmware gave ACPI tables and no device tree, and this kernel boots "
                "from a device tree on this architecture");
        return EFI_UNSUPPORTED;
    }
    efi_status s = EFI_SUCCESS;
    if (h.dtb) /* else the kernel boots from ACPI (its entry register says 0) */
        s = copy_dtb(st, &h.dtb);
    if (s != EFI_SUCCESS)
        return s;
    take_gop(st, &h.fb);
    take_initrd(st, &h.initrd, &h.initrd_size);
    /* The boot CPU's id, where the firmware has RISC-V's boot protocol (the
     * only one that says; elsewhere the arch finds it itself). */
    uint64_t cpu = 0;
    struct efi_guid rb = guid(RISCV_BOOT);
    struct efi_riscv_boot *boot = NULL;
    if (bs->locate_protocol(&rb, NULL, (void **)&boot) == EFI_SUCCESS && boot &&
        boot->get_boot_hart_id(boot, &cpu) != EFI_SUCCESS)
        cpu = 0;

    /* The image where its arch wants it: the firmware aligns to a page. */
    uint64_t here = (uintptr_t)__kernel_start, size = (uintptr_t)(__kernel_end - __kernel_start);
    uint64_t file = (uintptr_t)(__file_end - __kernel_start), align = efi_arch_image_align, base = here;
    if (here & (align - 1)) {
        uint64_t mem = 0;
        if (bs->allocate_pages(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, (size + align) / 4096, &mem) != EFI_SUCCESS) {
            say(st, "efi stub: no memory to move the kernel image to an aligned address");
            return EFI_OUT_OF_RESOURCES;
        }
        base = (mem + align - 1) & ~(align - 1);
        memcpy((void *)(uintptr_t)base, __kernel_start, file);
    }

    /* The memory map, and boot services left with its key. The buffer is
     * allocated first, with room for the descriptors that allocation adds;
     * a map that changed before ExitBootServices() is taken again (without
     * allocating: the buffer has room to spare). */
    uint64_t msize = 0, key = 0, dsize = 0, buf = 0;
    uint32_t dver = 0;
    bs->get_memory_map(&msize, NULL, &key, &dsize, &dver);
    uint64_t room = msize + 16 * (dsize ? dsize : 48);
    if (bs->allocate_pages(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, (room + 4095) / 4096, &buf) != EFI_SUCCESS) {
        say(st, "efi stub: no memory for the memory map");
        return EFI_OUT_OF_RESOURCES;
    }
    s = EFI_INVALID_PARAMETER;
    for (int tries = 0; tries < 2 && s != EFI_SUCCESS; tries++) {
        msize = room;
        s = bs->get_memory_map(&msize, (void *)(uintptr_t)buf, &key, &dsize, &dver);
        if (s == EFI_SUCCESS)
            s = bs->exit_boot_services(image, key);
    }
    if (s != EFI_SUCCESS) {
        say(st, "efi stub: ExitBootServices failed");
        return s;
    }
    /* No firmware service from here on. */
    h.mmap = buf;
    h.mmap_size = msize;
    h.mmap_dsize = dsize;
    h.magic = EFI_HANDOFF_MAGIC;
    uint64_t at = base + ((uintptr_t)&efi_handoff_data - here);
    memcpy((void *)(uintptr_t)at, &h, sizeof h);
    efi_arch_enter(base, h.dtb, base, size, cpu);
}
