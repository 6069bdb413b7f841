/**
 * @file interp.c
 * @brief The eBPF interpreter: the reference semantics the JITs must match.
 *
 * It runs only programs the verifier accepted, so it does not check memory
 * accesses or registers; what it must get right is every corner RFC 9669
 * defines (see kernel/bpf.h): zero-extension of 32-bit results, masked
 * shift counts, division and modulo by zero, INT_MIN / -1, sign-extending
 * moves and loads, byte swaps, atomics, program-local calls.
 *
 * Dispatch is direct threading (see interp_body.h). Frames of
 * program-local calls (r6-r9, the return address and the caller's r10) are
 * kept in a small array, and every frame's stack is carved from one buffer
 * on the C stack, each function taking the depth the verifier measured for
 * it.
 *
 * The same body, included twice, is also the taint oracle
 * (bpf_interp_taint(), kernel/bpf.h): a function whose handlers' addresses
 * are taken cannot be inlined, so a second inclusion with TAINT set is how
 * one text gives both an interpreter with no taint code at all and one
 * that tracks, beside every register and stack byte, whether it derives
 * from a kernel address.
 */
#include <kernel/bpf.h>
#include <kernel/printf.h>

#include "bpf_internal.h"

struct frame {
    uint64_t saved[4];   /* the caller's r6-r9 */
    uint64_t r10;        /* the caller's frame pointer */
    uint32_t ret_pc;     /* where the caller goes on */
    uint8_t saved_t[4];  /* taint mode: r6-r9's taint bits */
};

/* An atomic read-modify-write; returns the old value (what FETCH gives). */
static uint64_t atomic_op(uintptr_t addr, int dw, int32_t op, uint64_t v, uint64_t *r0)
{
    if (dw) {
        uint64_t *p = (uint64_t *)addr;
        switch (op & ~BPF_FETCH) {
        case BPF_ADD:
            return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
        case BPF_OR:
            return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
        case BPF_AND:
            return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
        case BPF_XOR:
            return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
        case BPF_XCHG & ~BPF_FETCH:
            return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
        default: { /* CMPXCHG: compare with r0, r0 gets the old value */
            uint64_t expected = *r0;
            __atomic_compare_exchange_n(p, &expected, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            *r0 = expected;
            return expected;
        }
        }
    }
    uint32_t *p = (uint32_t *)addr, w = (uint32_t)v;
    switch (op & ~BPF_FETCH) {
    case BPF_ADD:
        return __atomic_fetch_add(p, w, __ATOMIC_SEQ_CST);
    case BPF_OR:
        return __atomic_fetch_or(p, w, __ATOMIC_SEQ_CST);
    case BPF_AND:
        return __atomic_fetch_and(p, w, __ATOMIC_SEQ_CST);
    case BPF_XOR:
        return __atomic_fetch_xor(p, w, __ATOMIC_SEQ_CST);
    case BPF_XCHG & ~BPF_FETCH:
        return __atomic_exchange_n(p, w, __ATOMIC_SEQ_CST);
    default: {
        uint32_t expected = (uint32_t)*r0;
        __atomic_compare_exchange_n(p, &expected, w, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *r0 = expected; /* zero-extended */
        return expected;
    }
    }
}

/* The function containing instruction @p pc (subprog_start is ascending). */
static unsigned subprog_of(const struct bpf_prog *prog, uint32_t pc)
{
    unsigned i = 0;
    while (i + 1 < prog->nsubprogs && prog->subprog_start[i + 1] <= pc)
        i++;
    return i;
}

/* ---- The taint oracle's state (TAINT builds of interp_body.h) -------------- */

struct taint {
    uintptr_t stack_lo;              /* the program's stack buffer */
    uintptr_t ctx_lo, ctx_hi;        /* the context */
    uint8_t shadow[BPF_STACK_TOTAL]; /* per stack byte: 1 = part of a kernel address */
    struct bpf_taint *out;
};

static void taint_leak(struct taint *t, uint32_t insn, const char *fmt, const char *arg)
{
    if (t->out->leaked)
        return; /* the first leak is the one to explain */
    t->out->leaked = 1;
    t->out->insn = insn;
    ksnprintf(t->out->where, sizeof t->out->where, fmt, arg);
}

/* The shadow bytes of stack address @p a, or NULL outside the stack. */
static uint8_t *taint_shadow(struct taint *t, uintptr_t a, unsigned size)
{
    return a >= t->stack_lo && a + size <= t->stack_lo + BPF_STACK_TOTAL ? &t->shadow[a - t->stack_lo] : NULL;
}

/* The taint of @p size bytes loaded from @p a: memory outside the stack
 * holds no address (a store of one there is reported as it happens). */
static uint8_t taint_load(struct taint *t, uintptr_t a, unsigned size)
{
    const uint8_t *sh = taint_shadow(t, a, size);
    uint8_t v = 0;
    for (unsigned i = 0; sh && i < size; i++)
        v |= sh[i];
    return v;
}

static void taint_store(struct taint *t, uintptr_t a, unsigned size, uint8_t v, uint32_t insn)
{
    uint8_t *sh = taint_shadow(t, a, size);
    if (sh) {
        for (unsigned i = 0; i < size; i++)
            sh[i] = v;
    } else if (v) {
        taint_leak(t, insn, "%s", a >= t->ctx_lo && a < t->ctx_hi ? "a store to the context"
                                                                   : "a store to a map value");
    }
}

/* A helper call: no argument may carry an address, as a number or in the
 * key or value memory it reads. */
static void taint_helper(struct taint *t, const struct bpf_helper *h, const uint64_t *r, const uint8_t *tr,
                         uint32_t insn)
{
    const struct bpf_map *map = NULL;
    for (int a = 0; a < 5 && h->args[a] != BPF_ARG_NONE; a++) {
        uint64_t v = r[a + 1];
        switch (h->args[a]) {
        case BPF_ARG_MAP:
            map = (const struct bpf_map *)(uintptr_t)v;
            break;
        case BPF_ARG_MAP_KEY:
        case BPF_ARG_MAP_VALUE:
            if (taint_load(t, (uintptr_t)v, h->args[a] == BPF_ARG_MAP_KEY ? map->key_size : map->value_size))
                taint_leak(t, insn, "%s's key or value memory", h->name);
            break;
        default:
            if (tr[a + 1])
                taint_leak(t, insn, "a number argument of %s", h->name);
            break;
        }
    }
}

/* The destination register's number: the body's `dst` macro (its value)
 * would replace the field's name. */
static inline unsigned dreg(const struct bpf_insn *in) { return in->dst; }

#define TAINT 0
#define INTERP_NAME bpf_interp
#include "interp_body.h"
#undef TAINT
#undef INTERP_NAME

#define TAINT 1
#define INTERP_NAME bpf_interp_taint
#include "interp_body.h"
