/**
 * @file jit_none.c
 * @brief The eBPF JIT of an arch that has none: weak definitions its
 *        arch/<a>/bpf_jit.c replaces, so the interpreter runs every
 *        program there (kernel/bpf.h).
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/printf.h>

#define WEAK __attribute__((weak))

WEAK int bpf_jit_available(void) { return 0; }

WEAK int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    (void)prog;
    if (log && logsz)
        ksnprintf(log, logsz, "no JIT on this architecture: the interpreter runs it");
    return -ENOTSUP;
}
