/**
 * @file bpf_jit.c
 * @brief The x86_64 eBPF JIT (kernel/bpf.h). Placeholder until the backend lands:
 *        every program runs in the interpreter.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/printf.h>

int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    (void)prog;
    if (log && logsz)
        ksnprintf(log, logsz, "no JIT on this arch yet");
    return -ENOTSUP;
}

void bpf_jit_free(struct bpf_prog *prog)
{
    (void)prog;
}
