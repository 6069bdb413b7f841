/**
 * @file prog.c
 * @brief Loading eBPF programs: copy, resolve map references, verify, JIT.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "bpf_internal.h"

void bpf_jit_free(struct bpf_prog *prog)
{
    if (!prog)
        return;
    jit_free(prog->jit);
    prog->jit = NULL;
    prog->jited = NULL;
    prog->jit_size = 0;
}

unsigned bpf_subprog_written_r6_r9(const struct bpf_prog *prog, unsigned k)
{
    uint32_t from = prog->subprog_start[k];
    uint32_t to = k + 1 < prog->nsubprogs ? prog->subprog_start[k + 1] : prog->len;
    unsigned mask = 0;
    for (uint32_t i = from; i < to && i < prog->len; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        int w = -1;
        switch (BPF_CLASS(in->code)) {
        case BPF_ALU:
        case BPF_ALU64:
        case BPF_LDX:
        case BPF_LD:
            w = in->dst;
            break;
        case BPF_STX:
            if (BPF_MODE(in->code) == BPF_ATOMIC && (in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG)
                w = in->src;
            break;
        }
        if (w >= BPF_REG_6 && w <= BPF_REG_9)
            mask |= 1u << (w - BPF_REG_6);
        if (BPF_CLASS(in->code) == BPF_LD)
            i++; /* lddw's second slot */
    }
    return mask;
}

int bpf_jit_add_symbols(const struct bpf_prog *prog, struct jit_region *r, const uint32_t *func_off, uint32_t end,
                        uint32_t unit)
{
    for (uint32_t k = 0; k < prog->nsubprogs; k++) {
        char name[BPF_NAME_MAX + 24];
        uint32_t from = func_off[k], to = k + 1 < prog->nsubprogs ? func_off[k + 1] : end;
        if (k == 0)
            ksnprintf(name, sizeof name, "bpf:%s", prog->name);
        else
            ksnprintf(name, sizeof name, "bpf:%s.f%u", prog->name, (unsigned)prog->subprog_start[k]);
        int rc = jit_add_symbol(r, name, (size_t)from * unit, (size_t)(to - from) * unit);
        if (rc)
            return rc;
    }
    return 0;
}

void bpf_prog_free(struct bpf_prog *prog)
{
    if (!prog)
        return;
    bpf_jit_free(prog);
    for (uint32_t i = 0; i < prog->nmaps; i++)
        bpf_map_put(prog->maps[i]);
    kfree(prog->insns);
    kfree(prog);
}

/* Turn each `lddw rX, map id` into `lddw rX, <the map's address>`, keeping
 * src = BPF_PSEUDO_MAP_ID so the verifier knows the constant is a map, and
 * take one reference per distinct map. A lddw cut short is left for the
 * verifier to report. */
static int resolve_maps(struct bpf_prog *prog, char *log, size_t logsz)
{
    for (uint32_t i = 0; i + 1 < prog->len; i++) {
        struct bpf_insn *in = &prog->insns[i];
        if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
            continue;
        if (in->src == BPF_PSEUDO_MAP_ID) {
            struct bpf_map *m = bpf_map_get((uint32_t)in->imm);
            if (!m) {
                ksnprintf(log, logsz, "insn %u: no map with id %d", (unsigned)i, (int)in->imm);
                return -ENOENT;
            }
            uint32_t k = 0;
            while (k < prog->nmaps && prog->maps[k] != m)
                k++;
            if (k < prog->nmaps) {
                bpf_map_put(m); /* already held */
            } else if (prog->nmaps == BPF_MAX_PROG_MAPS) {
                bpf_map_put(m);
                ksnprintf(log, logsz, "insn %u: more than %d maps", (unsigned)i, BPF_MAX_PROG_MAPS);
                return -E2BIG;
            } else {
                prog->maps[prog->nmaps++] = m;
            }
            uint64_t addr = (uintptr_t)m;
            in->imm = (int32_t)(uint32_t)addr;
            in[1].imm = (int32_t)(uint32_t)(addr >> 32);
        }
        i++; /* the second slot */
    }
    return 0;
}

int bpf_prog_load(const struct bpf_insn *insns, uint32_t len, const struct bpf_load_opts *opts,
                  struct bpf_prog **out, char *log, size_t logsz)
{
    char dummy[1];
    if (!log || !logsz) {
        log = dummy;
        logsz = sizeof dummy;
    }
    log[0] = 0;
    if (len == 0 || len > BPF_MAX_INSNS) {
        ksnprintf(log, logsz, "program has %u instructions (1..%d allowed)", (unsigned)len, BPF_MAX_INSNS);
        return -E2BIG;
    }
    struct bpf_prog *prog = kzalloc(sizeof *prog);
    if (!prog) {
        ksnprintf(log, logsz, "out of memory for the program");
        return -ENOMEM;
    }
    prog->insns = kmalloc((size_t)len * sizeof *insns);
    if (!prog->insns) {
        kfree(prog);
        ksnprintf(log, logsz, "out of memory for the program's %u instructions", (unsigned)len);
        return -ENOMEM;
    }
    memcpy(prog->insns, insns, (size_t)len * sizeof *insns);
    prog->len = len;
    bpf_copy_name(prog->name, opts && opts->name ? opts->name : "prog");
    if (opts && opts->ctx)
        prog->ctx = *opts->ctx;
    int rc = resolve_maps(prog, log, logsz);
    if (rc == 0)
        rc = bpf_verify(prog, log, logsz);
    if (rc == -ENOMEM && !log[0]) /* the verifier's allocations fail without a word */
        ksnprintf(log, logsz, "out of memory verifying the program");
    if (rc != 0) {
        bpf_prog_free(prog);
        return rc;
    }
    if (!(opts && opts->no_jit) && bpf_jit_compile(prog, log, logsz) != 0)
        bpf_jit_free(prog); /* the interpreter runs it; log says why */
    *out = prog;
    return 0;
}
