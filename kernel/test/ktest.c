/**
 * @file ktest.c
 * @brief Runs the tests the linker gathered in .ktests.
 */
#include <kernel/kprintf.h>
#include <hal/cpu.h>
#include <hal/irq.h> /* hal_cpu_relax */
#include <hal/timer.h>
#include <kernel/ktest.h>
#include <kernel/sections.h>

void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *what)
{
    ctx->failed = 1;
    kprintf("  assertion failed at %s:%d: %s\n", file, line, what);
}

int ktest_run_all(void)
{
    return ktest_run(NULL);
}

/* Whether @p name starts with @p prefix. */
static int has_prefix(const char *name, const char *prefix)
{
    while (*prefix)
        if (*name++ != *prefix++)
            return 0;
    return 1;
}

int ktest_run(const char *prefix)
{
    int passed = 0, failed = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        if (prefix && !has_prefix(t->name, prefix))
            continue;
        struct ktest_ctx ctx = {0};
        t->fn(&ctx);
        kprintf("ktest %-28s %s\n", t->name, ctx.failed ? "FAIL" : "ok");
        if (ctx.failed)
            failed++;
        else
            passed++;
    }
    kprintf("ktest: %d passed, %d failed\n", passed, failed);
    return failed;
}

int kt_wait_for(volatile unsigned *v, unsigned want, uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (*v < want && hal_time_ns() < end)
        hal_cpu_relax();
    return *v >= want;
}
