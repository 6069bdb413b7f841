/**
 * @file jit_common.c
 * @brief The pass loop every arch's eBPF JIT shares (kernel/bpf.h's
 *        bpf_jit_build()): measure, allocate, emit until the layout
 *        settles, name, seal.
 *
 * A JIT cannot know a jump's encoding before it knows where the target
 * lands, nor where code lands before it has code memory, whose size it
 * learns only by laying the code out. Each arch/<arch>/bpf_jit.c solved
 * that with the same loop around its own pass; only the rule that ends the
 * loop differs, and that rule is what struct bpf_jit_ops asks of the arch.
 * The loop, its limits and its messages are kept here once.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/printf.h>

int bpf_jit_check_prog(const struct bpf_prog *prog, const struct bpf_jit_ops *ops, char *log, size_t logsz)
{
    if (prog->len != 0 && prog->nsubprogs != 0 && prog->nsubprogs <= BPF_MAX_SUBPROGS &&
        prog->subprog_start[0] == 0)
        return 0;
    if (log && logsz)
        ksnprintf(log, logsz, "%s: no functions", ops->name);
    return -ENOTSUP;
}

/* The passes with code memory, until the arch says the code is final. */
static int emit(const struct bpf_jit_ops *ops, void *jit, void *code, uint32_t size, uint32_t *used, char *log,
                size_t logsz)
{
    unsigned passes = ops->settled ? ops->max_passes : 1;
    for (unsigned n = 0; n < passes; n++) {
        int rc = ops->pass(jit, code, size, used);
        if (rc)
            return rc;
        if (ops->settled ? ops->settled(jit) : *used == size)
            return 0;
    }
    if (log && logsz)
        ksnprintf(log, logsz, ops->settled ? "%s: code size did not converge" : "%s: code size changed between passes",
                  ops->name);
    return -ENOTSUP;
}

int bpf_jit_build(struct bpf_prog *prog, const struct bpf_jit_ops *ops, void *jit, char *log, size_t logsz)
{
    uint32_t size;
    int rc = ops->pass(jit, NULL, 0, &size);
    for (unsigned n = 0; !rc && ops->relax && n < ops->max_passes && ops->relax(jit); n++)
        rc = ops->pass(jit, NULL, 0, &size);
    if (rc)
        return rc;
    struct jit_region *r = jit_alloc((size_t)size * ops->unit, "bpf");
    if (!r) {
        if (log && logsz)
            ksnprintf(log, logsz, "%s: no code memory for %u bytes", ops->name, (unsigned)(size * ops->unit));
        return -ENOMEM;
    }
    char *code = jit_base(r);
    uint32_t used = 0;
    rc = emit(ops, jit, code, size, &used, log, logsz);
    const uint32_t *func = ops->func_offsets(jit);
    if (!rc)
        rc = bpf_jit_add_symbols(prog, r, func, used, ops->unit);
    if (!rc)
        rc = jit_seal(r); /* read+execute, the instruction caches synced on every CPU */
    if (rc) {
        jit_free(r);
        return rc;
    }
    prog->jit = r;
    prog->jit_size = used * ops->unit;
    prog->jited = (uint64_t(*)(const void *, uint64_t))(void *)(code + (size_t)func[0] * ops->unit);
    return 0;
}
