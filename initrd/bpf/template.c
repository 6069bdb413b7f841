/* An eBPF program to copy (docs/modules-and-ebpf.md): every initrd/bpf/<name>.c
 * is built into the initrd as bpf/<name>.o. This one is for `bpf run`: its
 * section is "mem", so it gets the bytes typed after it (r1 points at them,
 * r2 says how many) and returns how many are above 0x7f:
 * `bpf run bpf/template.o 01ff80` prints r0 = 0x2. A program for a hook
 * takes the hook's name as its section (see sched_count.c) and is attached
 * with `bpf attach <hook> bpf/<name>.o` instead. */
#include "bpf_prog.h"

SEC("mem") uint64_t count_high(const uint8_t *p, uint64_t len)
{
    uint64_t n = 0;
    if (len > 4096) /* the verifier wants a bound it can see */
        len = 4096;
    for (uint64_t i = 0; i < len; i++)
        n += p[i] > 0x7f;
    return n;
}
