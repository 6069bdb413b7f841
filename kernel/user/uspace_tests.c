/**
 * @file uspace_tests.c
 * @brief ktests of an address space's file pages (uspace.c): a read fault
 *        maps the neighbours the file has in memory (fault-around), and
 *        fork leaves a file's own frames to the child's faults while it
 *        shares the process's own copies copy-on-write.
 *
 * Beside uspace.c because they look inside an address space (uspace.h),
 * which is private to kernel/user.
 */
#include "uspace.h"
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/file_page.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/vfs.h>

#define FPAGES 20 /* whole pages of the test file; a 21st holds HEAD bytes */
#define HOLE 10   /* a page never written: the file has no frame for it */
#define HEAD 100

static uint8_t fbyte(uint64_t off) { return off / PAGE_SIZE == HOLE ? 0 : (uint8_t)(off / PAGE_SIZE * 13 + off % 251 + 1); }

/* A fresh tmpfs file of FPAGES pages and HEAD bytes, page HOLE a hole, its
 * name in @p path; open, or NULL. */
static struct file *test_file(char *path, size_t n)
{
    static unsigned seq;
    struct file *f;
    uint8_t *buf = kmalloc(PAGE_SIZE);
    if (!buf || vfs_init() != 0)
        return kfree(buf), NULL;
    ksnprintf(path, n, "/tmp/kt-uspace-%u", __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    if (vfs_open(NULL, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &f) != 0)
        return kfree(buf), NULL;
    for (uint64_t pg = 0; pg <= FPAGES; pg++) {
        size_t len = pg == FPAGES ? HEAD : PAGE_SIZE;
        uint64_t pos = pg * PAGE_SIZE;
        for (size_t i = 0; i < len; i++)
            buf[i] = fbyte(pos + i);
        if (pg != HOLE && vfs_write(f, &(struct iobuf){(uintptr_t)buf, 0}, len, &pos) != (long)len) {
            file_put(f);
            vfs_unlink(NULL, path, 0);
            f = NULL;
            break;
        }
    }
    kfree(buf);
    return f;
}

/* The frame mapped at @p va, 0 if none; its rights in *@p prot. */
static uint64_t frame_at(struct uspace *us, uintptr_t va, unsigned *prot)
{
    uint64_t pa;
    unsigned p;
    if (vm_translate(&us->as, va, &pa, &p) != 0)
        return 0;
    if (prot)
        *prot = p;
    return pa & ~(uint64_t)(PAGE_SIZE - 1);
}

/* Page @p pg of a mapping of the test file from offset 0 holds the file's bytes (zeroes past its end). */
static int holds_file(uint64_t pa, uint64_t pg)
{
    const uint8_t *b = hal_phys_to_virt(pa);
    for (uint64_t i = 0; i < PAGE_SIZE; i++) {
        uint64_t off = pg * PAGE_SIZE + i;
        if (b[i] != (off < FPAGES * PAGE_SIZE + HEAD ? fbyte(off) : 0))
            return 0;
    }
    return 1;
}

KTEST(user_read_fault_maps_cached_neighbours)
{
    /* A read fault maps, beside its page, the aligned 16-page window's pages
     * that are in the region, wholly inside the file and in memory: the
     * file's own frames, read-only; not a hole, not the last partial page,
     * not a page past the end or outside the region. */
    char path[40];
    struct file *f = test_file(path, sizeof path);
    KT_ASSERT(f != NULL);
    struct uspace *us = uspace_create();
    KT_ASSERT(us != NULL);
    const uintptr_t va = 0x400000, vb = 0x600000; /* 64 KiB-aligned */
    KT_ASSERT(uspace_map_file(us, va, 24 * PAGE_SIZE, MMU_WRITE, f, 0) == 0);
    KT_ASSERT(uspace_fault(us, va + 3 * PAGE_SIZE, 0) == 0);
    unsigned prot;
    for (uint64_t pg = 0; pg < 16; pg++) {
        uint64_t pa = frame_at(us, va + pg * PAGE_SIZE, &prot);
        if (pg == HOLE) {
            KT_ASSERT(pa == 0);
            continue;
        }
        KT_ASSERT(pa && file_page_is(pa) && !(prot & MMU_WRITE));
        KT_ASSERT(holds_file(pa, pg));
    }
    KT_ASSERT_EQ(us->pages, 15);
    KT_ASSERT(frame_at(us, va + 16 * PAGE_SIZE, NULL) == 0);
    /* the next window: pages 16 to 19, not the partial 20th nor those past the end */
    KT_ASSERT(uspace_fault(us, va + 17 * PAGE_SIZE, 0) == 0);
    for (uint64_t pg = 16; pg < 24; pg++)
        KT_ASSERT((frame_at(us, va + pg * PAGE_SIZE, NULL) != 0) == (pg < FPAGES));
    KT_ASSERT_EQ(us->pages, 19);
    KT_ASSERT(uspace_fault(us, va + 22 * PAGE_SIZE, 0) == -EIO); /* wholly past the end: SIGBUS */
    /* a write fault maps its page alone, a copy */
    KT_ASSERT(uspace_map_file(us, vb, 16 * PAGE_SIZE, MMU_WRITE, f, 0) == 0);
    KT_ASSERT(uspace_fault(us, vb + 2 * PAGE_SIZE, UFAULT_WRITE) == 0);
    KT_ASSERT_EQ(us->pages, 20);
    uint64_t pa = frame_at(us, vb + 2 * PAGE_SIZE, &prot);
    KT_ASSERT(pa && !file_page_is(pa) && (prot & MMU_WRITE) && holds_file(pa, 2));
    uspace_unmap(us, vb, 16 * PAGE_SIZE);
    /* a region in the middle of a window: only its own pages */
    KT_ASSERT(uspace_map_file(us, vb + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 0, f, 4 * PAGE_SIZE) == 0);
    KT_ASSERT(uspace_fault(us, vb + 5 * PAGE_SIZE, 0) == 0);
    for (uint64_t pg = 0; pg < 16; pg++) {
        pa = frame_at(us, vb + pg * PAGE_SIZE, NULL);
        KT_ASSERT((pa != 0) == (pg >= 4 && pg < 8));
        KT_ASSERT(!pa || holds_file(pa, pg));
    }
    KT_ASSERT_EQ(us->pages, 23);
    /* a shared mapping too, read-only till written */
    KT_ASSERT(uspace_map_shared(us, vb + 16 * PAGE_SIZE, 16 * PAGE_SIZE, MMU_WRITE, f, 0) == 0);
    KT_ASSERT(uspace_fault(us, vb + 16 * PAGE_SIZE, 0) == 0);
    for (uint64_t pg = 0; pg < 16; pg++) {
        pa = frame_at(us, vb + (16 + pg) * PAGE_SIZE, &prot);
        KT_ASSERT((pa != 0) == (pg != HOLE));
        KT_ASSERT(!pa || (file_page_is(pa) && !(prot & MMU_WRITE) && holds_file(pa, pg)));
    }
    KT_ASSERT_EQ(us->pages, 38);
    uspace_destroy(us);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
}

KTEST(user_fork_leaves_file_pages_to_faults)
{
    /* fork gives the child the parent's own copies (a page written, the
     * partial last page read into a frame of its own), shared copy-on-write,
     * and none of the file's frames, private or shared: the child's first
     * touch maps those from the file, the same frames. */
    char path[40];
    uint64_t before = kt_free_frames();
    struct file *f = test_file(path, sizeof path);
    KT_ASSERT(f != NULL);
    struct uspace *a = uspace_create();
    KT_ASSERT(a != NULL);
    const uintptr_t va = 0x400000, vs = 0x600000;
    KT_ASSERT(uspace_map_file(a, va, 21 * PAGE_SIZE, MMU_WRITE, f, 0) == 0);
    KT_ASSERT(uspace_map_shared(a, vs, 4 * PAGE_SIZE, 0, f, 0) == 0);
    KT_ASSERT(uspace_fault(a, va, 0) == 0 && uspace_fault(a, va + 16 * PAGE_SIZE, 0) == 0);
    KT_ASSERT(uspace_fault(a, va + FPAGES * PAGE_SIZE, 0) == 0); /* the partial page: a frame of its own */
    KT_ASSERT(uspace_write(a, va + 5 * PAGE_SIZE + 1, "Z", 1) == 0);
    KT_ASSERT(uspace_fault(a, vs + PAGE_SIZE, 0) == 0);
    uint64_t mine = frame_at(a, va + 5 * PAGE_SIZE, NULL), tail = frame_at(a, va + FPAGES * PAGE_SIZE, NULL);
    uint64_t file7 = frame_at(a, va + 7 * PAGE_SIZE, NULL), shared1 = frame_at(a, vs + PAGE_SIZE, NULL);
    KT_ASSERT(mine && !file_page_is(mine) && tail && !file_page_is(tail));
    KT_ASSERT(file7 && file_page_is(file7) && shared1 && file_page_is(shared1));
    uint64_t parent_pages = a->pages;
    struct uspace *c = uspace_clone(a);
    KT_ASSERT(c != NULL);
    KT_ASSERT_EQ(a->pages, parent_pages);
    KT_ASSERT_EQ(c->pages, 2);
    unsigned prot;
    for (uint64_t pg = 0; pg < 21; pg++) {
        uint64_t pa = frame_at(c, va + pg * PAGE_SIZE, &prot);
        if (pg == 5 || pg == FPAGES) { /* the copies, read-only in both now */
            KT_ASSERT(pa == (pg == 5 ? mine : tail) && !(prot & MMU_WRITE));
            KT_ASSERT(frame_at(a, va + pg * PAGE_SIZE, &prot) == pa && !(prot & MMU_WRITE));
        } else {
            KT_ASSERT(pa == 0);
        }
    }
    for (uint64_t pg = 0; pg < 4; pg++)
        KT_ASSERT(frame_at(c, vs + pg * PAGE_SIZE, NULL) == 0);
    KT_ASSERT(((uint8_t *)hal_phys_to_virt(mine))[1] == 'Z');
    /* the child's touches: the file's frames again, and its copy stays */
    KT_ASSERT(uspace_fault(c, va + 7 * PAGE_SIZE, 0) == 0);
    KT_ASSERT(frame_at(c, va + 7 * PAGE_SIZE, NULL) == file7 && holds_file(file7, 7));
    KT_ASSERT(frame_at(c, va + 5 * PAGE_SIZE, NULL) == mine);
    KT_ASSERT(uspace_fault(c, vs + PAGE_SIZE, 0) == 0 && frame_at(c, vs + PAGE_SIZE, NULL) == shared1);
    /* a write in the child copies its shared copy; the parent keeps its own */
    KT_ASSERT(uspace_write(c, va + 5 * PAGE_SIZE + 1, "Y", 1) == 0);
    uint64_t cm = frame_at(c, va + 5 * PAGE_SIZE, NULL);
    KT_ASSERT(cm && cm != mine && ((uint8_t *)hal_phys_to_virt(cm))[1] == 'Y');
    KT_ASSERT(((uint8_t *)hal_phys_to_virt(mine))[1] == 'Z');
    uspace_destroy(c);
    uspace_destroy(a);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
    KT_ASSERT(kt_free_frames() + 8 >= before); /* every frame back */
}

KTEST(user_exec_file_pages_synced_until_written)
{
    /* A file's frame mapped to run is made fetchable once (PG_ICLEAN), the
     * faulting page's and its neighbours'; a write() into the file clears
     * the mark of the page it wrote, so the next mapping syncs it again. */
    char path[40];
    struct file *f = test_file(path, sizeof path);
    KT_ASSERT(f != NULL);
    struct uspace *us = uspace_create();
    KT_ASSERT(us != NULL);
    const uintptr_t va = 0x400000;
    KT_ASSERT(uspace_map_file(us, va, 8 * PAGE_SIZE, MMU_EXEC, f, 0) == 0);
    KT_ASSERT(uspace_fault(us, va + PAGE_SIZE, UFAULT_EXEC) == 0);
    uint64_t p0 = frame_at(us, va, NULL), p1 = frame_at(us, va + PAGE_SIZE, NULL);
    KT_ASSERT(p0 && p1 && file_page_is(p0) && file_page_is(p1));
    KT_ASSERT((pmm_page(p0)->flags & PG_ICLEAN) && (pmm_page(p1)->flags & PG_ICLEAN));
    uint64_t pos = 5;
    KT_ASSERT(vfs_write(f, &(struct iobuf){(uintptr_t) "x", 0}, 1, &pos) == 1);
    KT_ASSERT(!(pmm_page(p0)->flags & PG_ICLEAN) && (pmm_page(p1)->flags & PG_ICLEAN));
    KT_ASSERT(((uint8_t *)hal_phys_to_virt(p0))[5] == 'x'); /* the shared frame, written */
    uspace_unmap(us, va, 8 * PAGE_SIZE);
    KT_ASSERT(uspace_map_file(us, va, 8 * PAGE_SIZE, MMU_EXEC, f, 0) == 0);
    KT_ASSERT(uspace_fault(us, va + 3 * PAGE_SIZE, UFAULT_EXEC) == 0);
    KT_ASSERT(frame_at(us, va, NULL) == p0 && (pmm_page(p0)->flags & PG_ICLEAN));
    uspace_destroy(us);
    file_put(f);
    KT_ASSERT(vfs_unlink(NULL, path, 0) == 0);
}
