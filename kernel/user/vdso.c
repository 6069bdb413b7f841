/**
 * @file vdso.c
 * @brief The vDSO in every program (kernel/vdso.h): the image built from
 *        vdso/ (cmake/vdso.cmake) and the data page its clock calls read.
 *
 * Both are the pages of one nameless read-only file, page 0 the data page
 * and the image from page 1, so a program maps them as shared mappings of
 * that file (uspace_map_shared()): every process sees the same frames, fork
 * keeps them, munmap and mprotect treat them as any file mapping, and a
 * write is refused (the file is not open for writing).
 *
 * The data page holds what hal_time_ns() and the wall clock compute time
 * from: the arch's counter, its value at a known time and the conversion
 * (hal_vdso_clock()), which clocks it answers and each one's offset from
 * monotonic time (the wall clock's for the realtime clocks). They change only at
 * boot (x86_64 re-bases its clock when it refines the TSC's rate, an RTC
 * driver sets the offset), so each exec compares them with the page and
 * rewrites what changed under the sequence count, before the program can
 * read it.
 */
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/wait.h>
#include <kernel/string.h>
#include <kernel/vdso.h>
#include <kernel/vfs.h>

#include "uspace.h"

extern const uint8_t vdso_image[], vdso_image_end[];

static struct mutex vdso_lock = {WAITQUEUE_INIT(vdso_lock.wq, "vdso"), NULL, 0};
static struct file *vdso_file;  /* set once, under vdso_lock */
static unsigned vdso_pages;     /* the file's pages: the data page and the image's */
static uint64_t *vdso_frames;   /* their frames (file pages, one reference each) */
static unsigned vdso_dev;

/* The clocks the page answers (as sys_clock_gettime() does): REALTIME 0,
 * MONOTONIC 1, MONOTONIC_RAW 4, REALTIME_COARSE 5, MONOTONIC_COARSE 6,
 * BOOTTIME 7; the wall clock for 0 and 5, monotonic time for the others
 * (and for those too without an RTC: the offset is then 0). */
#define VDSO_PAGE_CLOCKS (1u << 0 | 1u << 1 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7)
#define VDSO_WALL_CLOCKS (1u << 0 | 1u << 5)

/* The image's entry point is its signal return code (vdso/vdso.lds). */
static uintptr_t image_entry(void)
{
    uint64_t e;
    memcpy(&e, vdso_image + 24, sizeof e); /* Elf64_Ehdr.e_entry */
    return (uintptr_t)e;
}

static int vdso_page(struct file *f, uint64_t index, uint64_t *pa)
{
    (void)f;
    if (index >= vdso_pages)
        return -EIO;
    file_page_get(vdso_frames[index]);
    *pa = vdso_frames[index];
    return 0;
}

static const struct inode_ops vdso_iops = {0};
static const struct file_ops vdso_ops = {.page = vdso_page};

/* The frames and the file, at the first exec. */
static int vdso_create(void)
{
    size_t len = (size_t)(vdso_image_end - vdso_image);
    unsigned n = 1 + (unsigned)((len + PAGE_SIZE - 1) / PAGE_SIZE);
    uint64_t *frames = kzalloc(n * sizeof *frames);
    if (!frames)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        if (!(frames[i] = file_page_new()))
            goto nomem;
    for (size_t off = 0; off < len; off += PAGE_SIZE)
        memcpy(hal_phys_to_virt(frames[1 + off / PAGE_SIZE]), vdso_image + off,
               len - off < PAGE_SIZE ? len - off : PAGE_SIZE);
    struct file *f = file_anon(&vdso_dev, &vdso_iops, &vdso_ops, O_RDONLY, NULL);
    if (!f)
        goto nomem;
    f->inode->size = (uint64_t)n * PAGE_SIZE;
    vdso_frames = frames;
    vdso_pages = n;
    vdso_file = f;
    return 0;
nomem:
    for (unsigned i = 0; i < n && frames[i]; i++)
        file_page_put(frames[i]);
    kfree(frames);
    return -ENOMEM;
}

/* Bring the data page up to date (vdso_lock held). */
static void vdso_refresh(void)
{
    struct hal_vdso_clock c;
    hal_vdso_clock(&c);
    struct vdso_data want = {
        .has_wall = clock_source() != NULL, .counter0 = c.counter0, .ns0 = c.ns0, .freq = c.freq,
        .ns_per_tick = c.ns_per_tick, .mult = c.mult, .shift = c.shift,
    };
    for (unsigned i = 0; i < VDSO_CLOCKS; i++)
        want.clock[i] = (struct vdso_clock){
            .on = c.usable && (VDSO_PAGE_CLOCKS >> i & 1),
            .offset = VDSO_WALL_CLOCKS >> i & 1 ? clock_wall_offset() : 0,
        };
    struct vdso_data *d = hal_phys_to_virt(vdso_frames[0]);
    want.seq = d->seq;
    if (!memcmp(&want, d, sizeof want))
        return;
    __atomic_store_n(&d->seq, want.seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    uint32_t seq = want.seq + 2;
    want.seq = d->seq;
    memcpy(d, &want, sizeof want);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&d->seq, seq, __ATOMIC_RELAXED);
}

int vdso_map(struct uspace *us, uintptr_t below, uintptr_t *base, uintptr_t *sigreturn)
{
    mutex_lock(&vdso_lock);
    int e = vdso_file ? 0 : vdso_create();
    if (!e)
        vdso_refresh();
    mutex_unlock(&vdso_lock);
    if (e)
        return e;
    size_t len = (size_t)vdso_pages * PAGE_SIZE;
    uspace_lock(us);
    uintptr_t at = uspace_find_free(us, len, below);
    e = at ? uspace_map_shared(us, at, PAGE_SIZE, 0, vdso_file, 0) : -ENOMEM;
    if (!e)
        e = uspace_map_shared(us, at + PAGE_SIZE, len - PAGE_SIZE, MMU_EXEC, vdso_file, PAGE_SIZE);
    uspace_unlock(us);
    *base = at + PAGE_SIZE;
    *sigreturn = *base + image_entry();
    return e;
}

const char *vdso_region_name(const struct uregion *r)
{
    if (!vdso_file || r->file != vdso_file)
        return NULL;
    return r->off == 0 ? "[vvar]" : "[vdso]";
}
