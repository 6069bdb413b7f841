/**
 * @file hooks.c
 * @brief Running eBPF programs at kernel events (kernel/bpf_hook.h).
 *
 * Each hook has BPF_HOOK_SLOTS slots. A runner counts itself in the hook's
 * `running` before reading the slots and out after; detaching empties the
 * slot and then waits for `running` to reach 0 before freeing, so no
 * program is freed under a CPU running it. Runners never wait, so hooks in
 * interrupt handlers are safe; the wait is the detacher's, in a thread.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/bpf.h>
#include <kernel/bpf_hook.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/pause.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

struct attachment {
    unsigned id;
    struct bpf_prog *prog;
    uint64_t runs;
    uint64_t ns; /* time in the program, summed */
};

struct hook {
    const char *name;
    struct bpf_ctx_desc ctx;
    struct attachment *slot[BPF_HOOK_SLOTS];
    unsigned running;
};

unsigned bpf_hook_count[BPF_HOOK_COUNT];

static struct hook hooks[BPF_HOOK_COUNT] = {
    [BPF_HOOK_SCHED_SWITCH] = {"sched_switch", {"sched_switch", sizeof(struct bpf_ctx_sched_switch), 0, 0}, {0}, 0},
    [BPF_HOOK_IRQ] = {"irq", {"irq", sizeof(struct bpf_ctx_irq), 0, 0}, {0}, 0},
    [BPF_HOOK_BLK_COMPLETE] = {"blk_complete",
                               {"blk_complete", sizeof(struct bpf_ctx_blk_complete), 0, 0}, {0}, 0},
};
static struct spinlock hook_lock = SPINLOCK_INIT("bpf_hooks");

const char *bpf_hook_name(unsigned i) { return i < BPF_HOOK_COUNT ? hooks[i].name : NULL; }
static unsigned next_id = 1;

void bpf_hook_run(enum bpf_hook_id h, const void *ctx)
{
    struct hook *k = &hooks[h];
    __atomic_add_fetch(&k->running, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < BPF_HOOK_SLOTS; i++) {
        struct attachment *a = __atomic_load_n(&k->slot[i], __ATOMIC_ACQUIRE);
        if (!a)
            continue;
        uint64_t t0 = hal_time_ns();
        bpf_prog_run(a->prog, ctx, 0);
        __atomic_add_fetch(&a->ns, hal_time_ns() - t0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&a->runs, 1, __ATOMIC_RELAXED);
    }
    __atomic_sub_fetch(&k->running, 1, __ATOMIC_SEQ_CST);
}

static struct hook *find_hook(const char *name)
{
    for (int i = 0; i < BPF_HOOK_COUNT; i++)
        if (strcmp(hooks[i].name, name) == 0)
            return &hooks[i];
    return NULL;
}

const struct bpf_ctx_desc *bpf_hook_ctx(const char *name)
{
    struct hook *k = find_hook(name);
    return k ? &k->ctx : NULL;
}

int bpf_hook_attach(const char *name, struct bpf_prog *prog, unsigned *id)
{
    struct hook *k = find_hook(name);
    if (!k)
        return -ENOENT;
    if (strcmp(prog->ctx.name, k->ctx.name) != 0 || prog->ctx.size != k->ctx.size || prog->ctx.writable)
        return -EINVAL;
    struct attachment *a = kzalloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    a->prog = prog;
    int rc = -ENOSPC;
    irqflags_t f = spin_lock_irqsave(&hook_lock);
    for (int i = 0; i < BPF_HOOK_SLOTS; i++)
        if (!k->slot[i]) {
            a->id = next_id++;
            __atomic_store_n(&k->slot[i], a, __ATOMIC_RELEASE);
            __atomic_add_fetch(&bpf_hook_count[k - hooks], 1, __ATOMIC_RELAXED);
            rc = 0;
            break;
        }
    spin_unlock_irqrestore(&hook_lock, f);
    if (rc) {
        kfree(a);
        return rc;
    }
    *id = a->id;
    return 0;
}

int bpf_hook_detach(unsigned id)
{
    struct attachment *a = NULL;
    struct hook *k = NULL;
    irqflags_t f = spin_lock_irqsave(&hook_lock);
    for (int h = 0; h < BPF_HOOK_COUNT && !a; h++)
        for (int i = 0; i < BPF_HOOK_SLOTS; i++)
            if (hooks[h].slot[i] && hooks[h].slot[i]->id == id) {
                a = hooks[h].slot[i];
                k = &hooks[h];
                __atomic_store_n(&k->slot[i], NULL, __ATOMIC_RELEASE);
                __atomic_sub_fetch(&bpf_hook_count[h], 1, __ATOMIC_RELAXED);
                break;
            }
    spin_unlock_irqrestore(&hook_lock, f);
    if (!a)
        return -ENOENT;
    /* A runner that read the slot before it was emptied may still be in the
     * program: wait for every runner that started before to leave. */
    while (__atomic_load_n(&k->running, __ATOMIC_SEQ_CST) != 0)
        pause_ms(1);
    bpf_prog_free(a->prog);
    kfree(a);
    return 0;
}

void bpf_hook_list(void)
{
    unsigned shown = 0;
    irqflags_t f = spin_lock_irqsave(&hook_lock);
    for (int h = 0; h < BPF_HOOK_COUNT; h++)
        for (int i = 0; i < BPF_HOOK_SLOTS; i++) {
            struct attachment *a = hooks[h].slot[i];
            if (!a)
                continue;
            if (!shown++)
                kprintf("  id  hook          program           insns  engine  runs        avg ns\n");
            uint64_t runs = a->runs;
            kprintf("%4u  %-12s  %-16s  %5u  %-6s  %-10lu  %lu\n", a->id, hooks[h].name, a->prog->name,
                    (unsigned)a->prog->len, a->prog->jited ? "jit" : "interp", (unsigned long)runs,
                    (unsigned long)(runs ? a->ns / runs : 0));
        }
    if (!shown)
        kprintf("no programs attached\n");
    spin_unlock_irqrestore(&hook_lock, f);
}
