/**
 * @file host_nojit.c
 * @brief bpf_jit_compile() for a host that is not x86_64: no backend, so
 *        the host tests run every program in the interpreter there.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/printf.h>

int bpf_jit_available(void) { return 0; }

int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    (void)prog;
    if (log && logsz)
        ksnprintf(log, logsz, "no JIT on this arch yet");
    return -ENOTSUP;
}
