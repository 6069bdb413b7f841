/**
 * @file verifier.c
 * @brief The eBPF verifier: proves a program safe before anything runs it.
 *
 * Two passes.
 *
 * 1. A static pass over the instruction slots: every opcode is one RFC 9669
 *    defines, with its reserved fields zero and registers in range; every
 *    lddw is whole; jumps land inside their function and never on a lddw's
 *    second half; no function falls off its end or into the next; every
 *    slot is reachable; the functions (main and the targets of local calls)
 *    are found, and their call graph has no cycle and no chain deeper than
 *    BPF_MAX_FRAMES.
 *
 * 2. An abstract interpretation of every path, depth first. Each register
 *    has a type (not initialised, scalar, pointer to the context, to a
 *    stack frame, to a map value, to a map value or NULL, a map) and, for
 *    scalars, unsigned and signed bounds; a pointer has a range of offsets
 *    (exactly one for the stack). Each stack frame has per-byte
 *    "initialised" bits and the registers spilled to its 8-byte slots.
 *    Every instruction is checked against that state (reads of
 *    uninitialised registers or stack, accesses outside the context, the
 *    frame or the map value, pointer arithmetic other than adding a bounded
 *    scalar, pointers stored where they would leak, helper arguments of the
 *    wrong type, map values used before the NULL check) and updates it;
 *    a conditional jump narrows the bounds on each side and a side that
 *    cannot happen is not explored.
 *
 *    Loops are bounded by exploring them: a loop whose counter has known
 *    bounds is walked iteration by iteration. At jump targets the state is
 *    saved as a checkpoint; a later state that fits inside a checkpoint
 *    whose paths have all been explored is pruned (it can do nothing the
 *    checkpoint could not), and a state equal to a checkpoint still being
 *    explored on the same path is an infinite loop. More than
 *    VERIFY_INSN_BUDGET instructions explored is "too complex".
 *
 * Limits worth knowing: bounds are intervals (no known-bits tracking), the
 * stack is addressed with constant offsets only, pointers are never
 * compared with each other, and every scalar is tracked precisely, so a
 * loop that branches on data multiplies the states to explore.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "bpf_internal.h"

#define VERIFY_INSN_BUDGET 1000000u /* instructions explored, all paths */
#define MAX_PENDING 8192u           /* branches waiting to be explored */
#define CKPT_PER_INSN 64u           /* checkpoints kept at one instruction */
#define LOOP_CHECKS 8u              /* unfinished checkpoints compared for an infinite loop */
#define CKPT_BYTES (4u << 20)       /* all checkpoints together */
#define NSLOTS (BPF_STACK_SIZE / 8)
#define U32 0xffffffffULL
#define PTR_OFF_MAX (1LL << 29) /* pointer offsets stay well inside any region */

enum rtype {
    NOT_INIT = 0,
    SCALAR,
    PTR_CTX,
    PTR_STACK,
    PTR_MAP_VALUE,
    PTR_MAP_VALUE_OR_NULL,
    CONST_MAP,
};

static const char *const type_name[] = {"not initialised", "a scalar", "a context pointer",
                                        "a stack pointer", "a map value pointer",
                                        "a map value pointer or NULL", "a map"};

/* A register's abstract value. Scalars: the bounds. Pointers: smin..smax
 * is the offset range from the region's start (the frame top for the
 * stack, where it is always one value). */
struct vreg {
    uint8_t type;  /* enum rtype */
    uint8_t frame; /* PTR_STACK: which frame */
    uint32_t id;   /* PTR_MAP_VALUE_OR_NULL: copies share it, for the NULL check */
    const struct bpf_map *map;
    uint64_t umin, umax;
    int64_t smin, smax;
};

/* 8 stack bytes: which are initialised, and the register spilled there. */
struct vslot {
    uint8_t init;    /* bit i: byte i (from the slot's lowest address) written */
    uint8_t spilled; /* r holds the 8-byte register stored at this slot */
    struct vreg r;
};

struct frame_hdr {
    struct vreg regs[BPF_NREGS];
    uint32_t callsite; /* the call instruction (frames after the first) */
    uint16_t subprog;
    uint16_t nslots; /* slots 0..nslots-1 (slot k: bytes -8(k+1)..-8k-1) may be in use */
};

struct vframe {
    struct frame_hdr h;
    struct vslot slots[NSLOTS];
};

/* The state on one path. */
struct vstate {
    uint32_t pc;
    uint32_t nframes;
    struct ckpt *parent; /* the last checkpoint on this path */
    struct vframe f[BPF_MAX_FRAMES];
};

/* A saved state: a checkpoint, or a branch waiting to be explored. The
 * frames follow, each a frame_hdr and its nslots slots. */
struct ckpt {
    struct ckpt *next;   /* the next checkpoint at this instruction */
    struct ckpt *parent; /* the checkpoint before it on its path */
    uint32_t pending;    /* paths below it still being explored; 0: done */
    uint32_t hits, misses; /* states it pruned, and did not */
    uint32_t pc;
    uint32_t nframes;
    uint32_t size;
};

struct verifier {
    struct bpf_prog *prog;
    char *log;
    size_t logsz;
    uint32_t cur_insn;
    uint8_t *flags;      /* per slot: FL_* */
    uint16_t *func;      /* per slot: its function */
    struct ckpt **ckpts; /* per slot: its checkpoints */
    uint32_t *nckpts;
    size_t ckpt_bytes;
    struct ckpt **pending;
    uint32_t npending, cap_pending;
    uint32_t explored;
    uint32_t next_id;
    uint16_t depth[BPF_MAX_SUBPROGS];
    struct vstate *cur, *tmp;
};

enum {
    FL_LDDW2 = 1,     /* the second slot of a lddw */
    FL_TARGET = 2,    /* a jump target: checkpoints go here */
    FL_REACHED = 4,   /* the static pass reached it */
    FL_CALLTARGET = 8 /* a function's first instruction */
};

__attribute__((format(printf, 2, 3))) static int reject(struct verifier *v, const char *fmt, ...)
{
    int n = ksnprintf(v->log, v->logsz, "insn %u: ", (unsigned)v->cur_insn);
    if (n >= 0 && (size_t)n < v->logsz) {
        va_list ap;
        va_start(ap, fmt);
        kvsnprintf(v->log + n, v->logsz - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* ---- Scalar bounds ------------------------------------------------------ */

/* A value range at 32 or 64 bits: the operands and result of one operation. */
struct rng {
    uint64_t umin, umax;
    int64_t smin, smax;
};

static inline uint64_t umax_of(int w64) { return w64 ? UINT64_MAX : U32; }
static inline int64_t smin_of(int w64) { return w64 ? INT64_MIN : INT32_MIN; }
static inline int64_t smax_of(int w64) { return w64 ? INT64_MAX : INT32_MAX; }
static inline int64_t to_s(uint64_t u, int w64) { return w64 ? (int64_t)u : (int32_t)(uint32_t)u; }
static inline uint64_t to_u(int64_t s, int w64) { return w64 ? (uint64_t)s : (uint32_t)s; }
static inline uint64_t umin64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t umax64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline int64_t smin64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t smax64(int64_t a, int64_t b) { return a > b ? a : b; }

static struct rng rng_full(int w64)
{
    return (struct rng){0, umax_of(w64), smin_of(w64), smax_of(w64)};
}

static struct rng rng_const(uint64_t v, int w64)
{
    v = to_u(to_s(v, w64), w64);
    return (struct rng){v, v, to_s(v, w64), to_s(v, w64)};
}

static struct rng rng_u(uint64_t lo, uint64_t hi, int w64)
{
    struct rng r = rng_full(w64);
    r.umin = lo, r.umax = hi;
    return r;
}

static int rng_empty(const struct rng *r)
{
    return r->umin > r->umax || r->smin > r->smax;
}

/* Let the unsigned and signed bounds narrow each other. */
static void rng_sync(struct rng *r, int w64)
{
    for (int i = 0; i < 2; i++) {
        if (rng_empty(r))
            return;
        if (to_s(r->umin, w64) <= to_s(r->umax, w64)) { /* one sign */
            r->smin = smax64(r->smin, to_s(r->umin, w64));
            r->smax = smin64(r->smax, to_s(r->umax, w64));
        }
        if (r->smin >= 0 || r->smax < 0) {
            r->umin = umax64(r->umin, to_u(r->smin, w64));
            r->umax = umin64(r->umax, to_u(r->smax, w64));
        }
    }
}

static int rng_is_const(const struct rng *r) { return r->umin == r->umax; }

/* A scalar register's range seen at width w64 (32: its low half). */
static struct rng proj(const struct vreg *r, int w64)
{
    if (w64)
        return (struct rng){r->umin, r->umax, r->smin, r->smax};
    if (r->umin == r->umax)
        return rng_const(r->umin, 0);
    struct rng o = rng_full(0);
    if (r->umax <= U32)
        o.umin = r->umin, o.umax = r->umax;
    if (r->smin >= INT32_MIN && r->smax <= INT32_MAX)
        o.smin = r->smin, o.smax = r->smax;
    rng_sync(&o, 0);
    return o;
}

static void set_scalar(struct vreg *r, struct rng g, int w64)
{
    rng_sync(&g, w64);
    *r = (struct vreg){.type = SCALAR};
    if (w64) {
        r->umin = g.umin, r->umax = g.umax, r->smin = g.smin, r->smax = g.smax;
    } else { /* zero-extended */
        r->umin = g.umin, r->umax = g.umax;
        r->smin = (int64_t)g.umin, r->smax = (int64_t)g.umax;
    }
}

static void mark_unknown(struct vreg *r) { set_scalar(r, rng_full(1), 1); }
static void mark_const(struct vreg *r, uint64_t v) { set_scalar(r, rng_const(v, 1), 1); }

static uint64_t mask_below(uint64_t v) /* the smallest 2^n - 1 >= v */
{
    return v ? UINT64_MAX >> __builtin_clzll(v) : 0;
}

/* The bounds of dst op src at width w64 for operands that are not both
 * known; op is not MOV, NEG or END (their callers handle them). */
static struct rng range_alu(uint8_t op, struct rng a, struct rng b, int16_t off, int w64)
{
    uint64_t M = umax_of(w64);
    struct rng r = rng_full(w64);
    int64_t s1, s2;
    /* An empty operand (umin > umax: bounds that two compares of one
     * register, refined apart, can leave on a path no value takes) gives
     * no bounds, rather than arithmetic on them (a division by its umax of
     * 0 was undefined: fuzz_bpf). */
    if (rng_empty(&a) || rng_empty(&b))
        return r;
    switch (op) {
    case BPF_ADD:
        if (b.umax <= M - a.umax)
            r.umin = a.umin + b.umin, r.umax = a.umax + b.umax;
        if (!__builtin_add_overflow(a.smin, b.smin, &s1) && !__builtin_add_overflow(a.smax, b.smax, &s2) &&
            s1 >= smin_of(w64) && s2 <= smax_of(w64))
            r.smin = s1, r.smax = s2;
        break;
    case BPF_SUB:
        if (a.umin >= b.umax)
            r.umin = a.umin - b.umax, r.umax = a.umax - b.umin;
        if (!__builtin_sub_overflow(a.smin, b.smax, &s1) && !__builtin_sub_overflow(a.smax, b.smin, &s2) &&
            s1 >= smin_of(w64) && s2 <= smax_of(w64))
            r.smin = s1, r.smax = s2;
        break;
    case BPF_MUL:
        if (a.umax <= U32 && b.umax <= U32 && a.umax * b.umax <= M)
            r.umin = a.umin * b.umin, r.umax = a.umax * b.umax;
        break;
    case BPF_AND:
        r.umax = umin64(a.umax, b.umax);
        break;
    case BPF_OR:
        r.umin = umax64(a.umin, b.umin);
        r.umax = mask_below(umax64(a.umax, b.umax));
        break;
    case BPF_XOR:
        r.umax = mask_below(umax64(a.umax, b.umax));
        break;
    case BPF_LSH:
        if (rng_is_const(&b)) {
            unsigned k = (unsigned)(b.umin & (w64 ? 63 : 31));
            if (a.umax <= (M >> k))
                r.umin = a.umin << k, r.umax = a.umax << k;
        }
        break;
    case BPF_RSH:
        if (rng_is_const(&b)) {
            unsigned k = (unsigned)(b.umin & (w64 ? 63 : 31));
            r.umin = a.umin >> k, r.umax = a.umax >> k;
        } else {
            r.umax = a.umax;
        }
        break;
    case BPF_ARSH:
        if (rng_is_const(&b)) {
            unsigned k = (unsigned)(b.umin & (w64 ? 63 : 31));
            r.smin = a.smin >> k, r.smax = a.smax >> k;
        } else {
            r.smin = smin64(a.smin, 0), r.smax = a.smax >= 0 ? a.smax : -1;
        }
        break;
    case BPF_DIV:
        if (off)
            break;
        if (b.umin > 0)
            r.umin = a.umin / b.umax, r.umax = a.umax / b.umin;
        else
            r.umax = a.umax; /* x / 0 = 0 */
        break;
    case BPF_MOD:
        if (off)
            break;
        if (b.umin > 0 && a.umax < b.umin)
            r = a; /* unchanged */
        else
            r.umax = b.umin > 0 ? umin64(a.umax, b.umax - 1) : a.umax; /* x % 0 = x */
        break;
    }
    rng_sync(&r, w64);
    return r;
}

/* ---- States --------------------------------------------------------------- */

static size_t frame_bytes(const struct frame_hdr *h)
{
    return sizeof *h + (size_t)h->nslots * sizeof(struct vslot);
}

static const struct vslot *hdr_slots(const struct frame_hdr *h)
{
    return (const struct vslot *)(h + 1);
}

static struct ckpt *save_state(struct verifier *v, const struct vstate *s)
{
    size_t size = sizeof(struct ckpt);
    for (uint32_t i = 0; i < s->nframes; i++)
        size += frame_bytes(&s->f[i].h);
    struct ckpt *c = kmalloc(size);
    if (!c)
        return NULL;
    *c = (struct ckpt){NULL, s->parent, 0, 0, 0, s->pc, s->nframes, (uint32_t)size};
    uint8_t *p = (uint8_t *)(c + 1);
    for (uint32_t i = 0; i < s->nframes; i++) {
        size_t n = frame_bytes(&s->f[i].h);
        memcpy(p, &s->f[i], n); /* the header and the slots in use are contiguous */
        p += n;
    }
    (void)v;
    return c;
}

static void load_state(struct vstate *s, const struct ckpt *c)
{
    s->pc = c->pc;
    s->nframes = c->nframes;
    s->parent = c->parent;
    const uint8_t *p = (const uint8_t *)(c + 1);
    for (uint32_t i = 0; i < c->nframes; i++) {
        size_t n = frame_bytes((const struct frame_hdr *)p);
        memcpy(&s->f[i], p, n);
        p += n;
    }
}

static void copy_state(struct vstate *d, const struct vstate *s)
{
    d->pc = s->pc;
    d->nframes = s->nframes;
    d->parent = s->parent;
    for (uint32_t i = 0; i < s->nframes; i++)
        memcpy(&d->f[i], &s->f[i], frame_bytes(&s->f[i].h));
}

/* Is every value @p t can hold one @p c allows? (c's later paths were all
 * safe, so t's are.) */
static int reg_within(const struct vreg *c, const struct vreg *t)
{
    if (c->type == NOT_INIT) /* c's paths never read it */
        return 1;
    if (c->type != t->type)
        return 0;
    switch (c->type) {
    case SCALAR:
        return t->umin >= c->umin && t->umax <= c->umax && t->smin >= c->smin && t->smax <= c->smax;
    case PTR_STACK:
        return t->frame == c->frame && t->smin == c->smin;
    case PTR_MAP_VALUE_OR_NULL:
        if (t->id != c->id)
            return 0;
        /* fall through */
    case PTR_CTX:
    case PTR_MAP_VALUE:
        return t->map == c->map && t->smin >= c->smin && t->smax <= c->smax;
    case CONST_MAP:
        return t->map == c->map;
    }
    return 0;
}

static int slot_within(const struct vslot *c, const struct vslot *t)
{
    uint8_t cinit = c->spilled ? 0xff : c->init, tinit = t->spilled ? 0xff : t->init;
    if ((cinit & tinit) != cinit)
        return 0;
    if (c->spilled)
        return t->spilled && reg_within(&c->r, &t->r);
    /* c's paths read these bytes as a scalar at most */
    return !t->spilled || t->r.type == SCALAR;
}

static int frame_within(const struct frame_hdr *c, const struct vslot *cs, const struct frame_hdr *t,
                        const struct vslot *ts)
{
    if (c->callsite != t->callsite || c->subprog != t->subprog)
        return 0;
    for (int r = 0; r < BPF_NREGS; r++)
        if (!reg_within(&c->regs[r], &t->regs[r]))
            return 0;
    static const struct vslot none;
    for (uint32_t k = 0; k < c->nslots; k++)
        if (!slot_within(&cs[k], k < t->nslots ? &ts[k] : &none))
            return 0;
    return 1;
}

static int state_within(const struct ckpt *c, const struct vstate *t)
{
    if (c->nframes != t->nframes)
        return 0;
    const uint8_t *p = (const uint8_t *)(c + 1);
    for (uint32_t i = 0; i < c->nframes; i++) {
        const struct frame_hdr *h = (const struct frame_hdr *)p;
        if (!frame_within(h, hdr_slots(h), &t->f[i].h, t->f[i].slots))
            return 0;
        p += frame_bytes(h);
    }
    return 1;
}

/* Equal: each within the other (an infinite loop if it is an ancestor). */
static int state_equal(const struct ckpt *c, const struct vstate *t)
{
    if (!state_within(c, t))
        return 0;
    const uint8_t *p = (const uint8_t *)(c + 1);
    for (uint32_t i = 0; i < c->nframes; i++) {
        const struct frame_hdr *h = (const struct frame_hdr *)p;
        if (!frame_within(&t->f[i].h, t->f[i].slots, h, hdr_slots(h)))
            return 0;
        p += frame_bytes(h);
    }
    return 1;
}

/* A path below checkpoint @p c ended. */
static void path_done(struct ckpt *c)
{
    while (c && --c->pending == 0)
        c = c->parent;
}

/* ---- The static pass -------------------------------------------------------- */

static int is_ja(const struct bpf_insn *in)
{
    return in->code == (BPF_JMP | BPF_JA) || in->code == (BPF_JMP32 | BPF_JA);
}

static int is_cond_jmp(const struct bpf_insn *in)
{
    uint8_t c = BPF_CLASS(in->code), op = BPF_OP(in->code);
    return (c == BPF_JMP || c == BPF_JMP32) && op != BPF_JA && op != BPF_CALL && op != BPF_EXIT;
}

static int jump_target(const struct bpf_insn *in, uint32_t pc, int64_t *t)
{
    if (in->code == (BPF_JMP32 | BPF_JA))
        *t = (int64_t)pc + 1 + in->imm;
    else if (in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL)
        *t = (int64_t)pc + 1 + in->imm;
    else if (is_ja(in) || is_cond_jmp(in))
        *t = (int64_t)pc + 1 + in->off;
    else
        return 0;
    return 1;
}

/* One slot's encoding: a known opcode with its reserved fields zero. */
static int check_encoding(struct verifier *v, const struct bpf_insn *in)
{
    uint8_t code = in->code, cls = BPF_CLASS(code), op = BPF_OP(code);
    if (in->dst > 10 || in->src > 10)
        return reject(v, "invalid register r%u", in->dst > 10 ? in->dst : in->src);
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (op == 0xe0 || op == 0xf0)
            break;
        if (in->dst == BPF_REG_10)
            return reject(v, "r10 is read-only");
        if (op == BPF_END) {
            if ((cls == BPF_ALU64 && BPF_SRC(code)) || in->src || in->off ||
                (in->imm != 16 && in->imm != 32 && in->imm != 64))
                return reject(v, "bad byte swap (opcode 0x%02x, imm %d)", code, (int)in->imm);
            return 0;
        }
        if (op == BPF_NEG) {
            if (BPF_SRC(code) || in->src || in->off || in->imm)
                return reject(v, "reserved fields of neg are not zero");
            return 0;
        }
        if (BPF_SRC(code) == BPF_K ? in->src != 0 : in->imm != 0)
            return reject(v, "reserved field (%s) is not zero", BPF_SRC(code) == BPF_K ? "src" : "imm");
        if (in->off) {
            int ok = ((op == BPF_DIV || op == BPF_MOD) && in->off == 1) ||
                     (op == BPF_MOV && BPF_SRC(code) == BPF_X &&
                      (in->off == 8 || in->off == 16 || (in->off == 32 && cls == BPF_ALU64)));
            if (!ok)
                return reject(v, "bad offset %d for opcode 0x%02x", (int)in->off, code);
        }
        return 0;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == 0xe0 || op == 0xf0 || (cls == BPF_JMP32 && (op == BPF_CALL || op == BPF_EXIT)))
            break;
        if (op == BPF_JA) {
            if (BPF_SRC(code) || in->dst || in->src || (cls == BPF_JMP ? in->imm : in->off))
                return reject(v, "reserved fields of ja are not zero");
            return 0;
        }
        if (op == BPF_EXIT) {
            if (BPF_SRC(code) || in->dst || in->src || in->off || in->imm)
                return reject(v, "reserved fields of exit are not zero");
            return 0;
        }
        if (op == BPF_CALL) {
            if (BPF_SRC(code) || in->dst || in->off || in->src > BPF_PSEUDO_CALL)
                return reject(v, "reserved fields of call are not zero");
            if (in->src == 0 && !bpf_helper_get(in->imm))
                return reject(v, "unknown helper %d", (int)in->imm);
            return 0;
        }
        if (BPF_SRC(code) == BPF_K ? in->src != 0 : in->imm != 0)
            return reject(v, "reserved field (%s) is not zero", BPF_SRC(code) == BPF_K ? "src" : "imm");
        return 0;
    case BPF_LDX:
        if (BPF_MODE(code) != BPF_MEM && !(BPF_MODE(code) == BPF_MEMSX && BPF_SIZE(code) != BPF_DW))
            break;
        if (in->dst == BPF_REG_10)
            return reject(v, "r10 is read-only");
        if (in->imm)
            return reject(v, "reserved field (imm) is not zero");
        return 0;
    case BPF_ST:
        if (BPF_MODE(code) != BPF_MEM)
            break;
        if (in->src)
            return reject(v, "reserved field (src) is not zero");
        return 0;
    case BPF_STX:
        if (BPF_MODE(code) == BPF_MEM) {
            if (in->imm)
                return reject(v, "reserved field (imm) is not zero");
            return 0;
        }
        if (BPF_MODE(code) != BPF_ATOMIC || (BPF_SIZE(code) != BPF_W && BPF_SIZE(code) != BPF_DW))
            break;
        switch (in->imm) {
        case BPF_ADD: case BPF_OR: case BPF_AND: case BPF_XOR:
            return 0;
        case BPF_ADD | BPF_FETCH: case BPF_OR | BPF_FETCH: case BPF_AND | BPF_FETCH:
        case BPF_XOR | BPF_FETCH: case BPF_XCHG:
            if (in->src == BPF_REG_10)
                return reject(v, "r10 is read-only");
            return 0;
        case BPF_CMPXCHG:
            return 0;
        }
        return reject(v, "unknown atomic operation 0x%x", (unsigned)in->imm);
    case BPF_LD:
        if (code != (BPF_LD | BPF_DW | BPF_IMM))
            break;
        if (in->dst == BPF_REG_10)
            return reject(v, "r10 is read-only");
        if (in->off || in->src > BPF_PSEUDO_MAP_ID)
            return reject(v, "reserved fields of lddw are not zero");
        return 0;
    }
    return reject(v, "unknown opcode 0x%02x", code);
}

static int find_func(const struct bpf_prog *p, uint32_t pc)
{
    int k = 0;
    while (k + 1 < (int)p->nsubprogs && p->subprog_start[k + 1] <= pc)
        k++;
    return k;
}

/* Longest call chain (in frames) from function k, or -1 on a cycle.
 * state: 0 unvisited, 1 on the walk, 2 done (its chain in len[]). */
static int chain(struct verifier *v, uint8_t *calls, uint8_t *state, uint8_t *len, int k)
{
    if (state[k] == 1)
        return -1;
    if (state[k] == 2)
        return len[k];
    state[k] = 1;
    int best = 0;
    uint32_t n = v->prog->nsubprogs;
    for (uint32_t j = 0; j < n; j++)
        if (calls[k * n + j]) {
            int c = chain(v, calls, state, len, (int)j);
            if (c < 0)
                return -1;
            if (c > best)
                best = c;
        }
    state[k] = 2;
    len[k] = (uint8_t)(best + 1 > 255 ? 255 : best + 1);
    return len[k];
}

static int static_pass(struct verifier *v)
{
    struct bpf_prog *p = v->prog;
    uint32_t n = p->len;
    p->nsubprogs = 1;
    p->subprog_start[0] = 0;
    v->flags[0] |= FL_CALLTARGET;
    /* encodings, lddw halves, functions */
    for (uint32_t i = 0; i < n; i++) {
        const struct bpf_insn *in = &p->insns[i];
        v->cur_insn = i;
        int rc = check_encoding(v, in);
        if (rc)
            return rc;
        if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
            if (i + 1 == n)
                return reject(v, "lddw cut in half (the program ends after its first slot)");
            const struct bpf_insn *h = &in[1];
            if (h->code || h->dst || h->src || h->off)
                return reject(v, "lddw cut in half (its second slot is not zero apart from imm)");
            if (in->src == BPF_PSEUDO_MAP_ID) {
                uintptr_t addr = (uintptr_t)((uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)h->imm << 32);
                uint32_t k = 0;
                while (k < p->nmaps && (uintptr_t)p->maps[k] != addr)
                    k++;
                if (k == p->nmaps)
                    return reject(v, "lddw of a map that was not resolved");
            }
            v->flags[++i] |= FL_LDDW2;
            continue;
        }
        int64_t t;
        if (in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL && jump_target(in, i, &t) &&
            t >= 0 && t < n && !(v->flags[t] & FL_CALLTARGET)) {
            if (p->nsubprogs == BPF_MAX_SUBPROGS)
                return reject(v, "more than %d functions", BPF_MAX_SUBPROGS);
            v->flags[t] |= FL_CALLTARGET;
            p->nsubprogs++;
        }
    }
    p->nsubprogs = 0;
    for (uint32_t i = 0; i < n; i++)
        if (v->flags[i] & FL_CALLTARGET)
            p->subprog_start[p->nsubprogs++] = i;
    for (uint32_t i = 0; i < n; i++)
        v->func[i] = (uint16_t)find_func(p, i);
    /* jumps and fall-through */
    for (uint32_t i = 0; i < n; i++) {
        const struct bpf_insn *in = &p->insns[i];
        v->cur_insn = i;
        if (v->flags[i] & FL_LDDW2)
            continue;
        int64_t t;
        if (jump_target(in, i, &t)) {
            int call = in->code == (BPF_JMP | BPF_CALL);
            if (t < 0 || t >= n)
                return reject(v, "jump out of range (to %lld of %u instructions)", (long long)t, (unsigned)n);
            if (v->flags[t] & FL_LDDW2)
                return reject(v, "jump into the middle of lddw at %lld", (long long)t - 1);
            if (call && v->func[t] == v->func[i] && !(v->flags[t] & FL_CALLTARGET))
                return reject(v, "bad call target %lld", (long long)t);
            if (!call && v->func[t] != v->func[i])
                return reject(v, "jump out of its function (to %lld)", (long long)t);
            if (!call)
                v->flags[t] |= FL_TARGET;
        }
        int falls = !is_ja(in) && in->code != (BPF_JMP | BPF_EXIT);
        uint32_t next = i + (in->code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1);
        if (falls && next >= n)
            return reject(v, "falls off the end of the program");
        if (falls && v->func[next] != v->func[i])
            return reject(v, "falls through into the next function (at %u)", (unsigned)next);
    }
    /* reachability from the entry */
    uint32_t *work = kmalloc((size_t)n * sizeof *work);
    if (!work)
        return -ENOMEM;
    uint32_t top = 0;
    work[top++] = 0;
    v->flags[0] |= FL_REACHED;
    while (top) {
        uint32_t i = work[--top];
        const struct bpf_insn *in = &p->insns[i];
        uint32_t succ[2], ns = 0;
        int64_t t;
        if (jump_target(in, i, &t))
            succ[ns++] = (uint32_t)t;
        if (!is_ja(in) && in->code != (BPF_JMP | BPF_EXIT))
            succ[ns++] = i + (in->code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1);
        for (uint32_t k = 0; k < ns; k++)
            if (!(v->flags[succ[k]] & FL_REACHED)) {
                v->flags[succ[k]] |= FL_REACHED;
                work[top++] = succ[k];
            }
    }
    kfree(work);
    for (uint32_t i = 0; i < n; i++)
        if (!(v->flags[i] & (FL_REACHED | FL_LDDW2))) {
            v->cur_insn = i;
            return reject(v, "unreachable instruction");
        }
    /* the call graph: no recursion, no chain deeper than BPF_MAX_FRAMES */
    uint32_t ns = p->nsubprogs;
    uint8_t *calls = kzalloc((size_t)ns * ns + 2 * (size_t)ns);
    if (!calls)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const struct bpf_insn *in = &p->insns[i];
        if (!(v->flags[i] & FL_LDDW2) && in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL)
            calls[v->func[i] * ns + v->func[i + 1 + in->imm]] = 1;
    }
    v->cur_insn = 0;
    int depth = chain(v, calls, calls + ns * ns, calls + ns * ns + ns, 0);
    kfree(calls);
    if (depth < 0)
        return reject(v, "recursive call (a function calls itself, directly or not)");
    if (depth > BPF_MAX_FRAMES)
        return reject(v, "call chain of %d frames (at most %d)", depth, BPF_MAX_FRAMES);
    return 0;
}

/* ---- Checking instructions ---------------------------------------------------- */

static struct vframe *curf(struct verifier *v) { return &v->cur->f[v->cur->nframes - 1]; }

static int check_read(struct verifier *v, int r)
{
    if (curf(v)->h.regs[r].type == NOT_INIT)
        return reject(v, "r%d is not initialised", r);
    return 0;
}

static int is_ptr(const struct vreg *r) { return r->type >= PTR_CTX; }

/* The slot and byte of stack offset @p off (-512..-1). */
static inline struct vslot *slot_of(struct vframe *f, int off, int *byte)
{
    int k = (-off - 1) / 8;
    *byte = off + 8 * (k + 1);
    return &f->slots[k];
}

static void touch_slots(struct vframe *f, int lo)
{
    int need = (-lo + 7) / 8;
    while (f->h.nslots < need)
        f->slots[f->h.nslots++] = (struct vslot){0};
}

/* The region behind pointer @p base at offset range [lo, hi] (+ access
 * size): checked and, for the stack, returned as a frame and offset. */
static int check_access(struct verifier *v, int regno, const struct vreg *base, int16_t off, int size,
                        int write, int atomic, struct vframe **sf, int *soff)
{
    /* pointer offsets are within +-PTR_OFF_MAX: no overflow (scalars are refused below) */
    int64_t lo = is_ptr(base) ? base->smin + off : 0, hi = is_ptr(base) ? base->smax + off + size : 0;
    const char *what = write ? "write" : "read";
    switch (base->type) {
    case NOT_INIT:
        return reject(v, "r%d is not initialised", regno);
    case SCALAR:
        return reject(v, "r%d is not a pointer (it is a scalar)", regno);
    case CONST_MAP:
        return reject(v, "r%d is a map, not memory (look up an element first)", regno);
    case PTR_MAP_VALUE_OR_NULL:
        return reject(v, "r%d may be NULL (compare it with 0 before the access)", regno);
    case PTR_CTX:
        if (lo < 0 || hi > v->prog->ctx.size)
            return reject(v, "%s of %d bytes at offset %lld..%lld of the context (%u bytes) is out of bounds",
                          what, size, (long long)lo, (long long)(hi - size), (unsigned)v->prog->ctx.size);
        if (write && !v->prog->ctx.writable)
            return reject(v, "the context is read-only");
        break;
    case PTR_MAP_VALUE:
        if (lo < 0 || hi > base->map->value_size)
            return reject(v, "%s of %d bytes at offset %lld..%lld of a map value (%u bytes) is out of bounds",
                          what, size, (long long)lo, (long long)(hi - size), (unsigned)base->map->value_size);
        break;
    case PTR_STACK:
        if (lo < -BPF_STACK_SIZE || hi > 0)
            return reject(v, "stack %s of %d bytes at offset %lld is out of bounds (-%d..-1)", what, size,
                          (long long)lo, BPF_STACK_SIZE);
        *sf = &v->cur->f[base->frame];
        *soff = (int)lo;
        touch_slots(*sf, (int)lo);
        uint16_t sp = (*sf)->h.subprog, d = (uint16_t)((-lo + 7) & ~7);
        if (v->depth[sp] < d)
            v->depth[sp] = d;
        break;
    }
    if (atomic) {
        if (lo != hi - size)
            return reject(v, "atomic access with a variable offset");
        if (lo % size)
            return reject(v, "misaligned atomic access (offset %lld, size %d)", (long long)lo, size);
    }
    return 0;
}

/* Read @p size stack bytes at @p off of frame @p f into @p out (NULL:
 * only check them, e.g. a helper's key). */
static int stack_read(struct verifier *v, struct vframe *f, int off, int size, struct vreg *out, int sx)
{
    int byte;
    struct vslot *s = slot_of(f, off, &byte);
    if (size == 8 && byte == 0 && s->spilled) {
        if (out)
            *out = s->r;
        return 0;
    }
    for (int i = 0; i < size; i++) {
        s = slot_of(f, off + i, &byte);
        if (s->spilled && s->r.type != SCALAR)
            return reject(v, "partial read of a pointer spilled to the stack (offset %d)", off);
        if (!s->spilled && !(s->init & (1u << byte)))
            return reject(v, "read of uninitialised stack at offset %d", off + i);
    }
    if (out) {
        if (sx)
            set_scalar(out, (struct rng){0, UINT64_MAX, -(1LL << (8 * size - 1)), (1LL << (8 * size - 1)) - 1}, 1);
        else
            set_scalar(out, rng_u(0, size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1, 1), 1);
    }
    return 0;
}

/* Write @p size bytes at @p off of frame @p f; @p val is the register
 * stored (NULL: an immediate or an atomic result, a scalar). */
static int stack_write(struct verifier *v, struct vframe *f, int frameno, int off, int size,
                       const struct vreg *val)
{
    int byte;
    struct vslot *s = slot_of(f, off, &byte);
    if (val && is_ptr(val)) {
        if (size != 8 || byte != 0)
            return reject(v, "partial store of a pointer to the stack");
        if (val->type == PTR_STACK && val->frame > frameno)
            return reject(v, "a pointer to a callee's stack stored in its caller's frame");
    }
    if (size == 8 && byte == 0 && val) {
        s->spilled = 1;
        s->init = 0xff;
        s->r = *val;
        return 0;
    }
    for (int i = 0; i < size; i++) {
        s = slot_of(f, off + i, &byte);
        if (s->spilled) {
            /* a partly overwritten pointer must not be readable in part */
            s->init = s->r.type == SCALAR ? 0xff : 0;
            s->spilled = 0;
        }
        s->init |= (uint8_t)(1u << byte);
    }
    return 0;
}

static const int size_bytes[4] = {4, 2, 1, 8}; /* BPF_W, H, B, DW >> 3 */

static int do_ldx(struct verifier *v, const struct bpf_insn *in)
{
    struct vframe *f = curf(v);
    int size = size_bytes[BPF_SIZE(in->code) >> 3], sx = BPF_MODE(in->code) == BPF_MEMSX;
    struct vreg base = f->h.regs[in->src];
    struct vframe *sf = NULL;
    int soff = 0, rc = check_access(v, in->src, &base, in->off, size, 0, 0, &sf, &soff);
    if (rc)
        return rc;
    struct vreg *d = &f->h.regs[in->dst];
    if (sf)
        return stack_read(v, sf, soff, size, d, sx);
    if (sx)
        set_scalar(d, (struct rng){0, UINT64_MAX, -(1LL << (8 * size - 1)), (1LL << (8 * size - 1)) - 1}, 1);
    else
        set_scalar(d, rng_u(0, size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1, 1), 1);
    return 0;
}

/* An atomic operation's name ("fetch_add"), for messages. */
static const char *atomic_name(int32_t imm)
{
    switch (imm) {
    case BPF_ADD: return "add";
    case BPF_OR: return "or";
    case BPF_AND: return "and";
    case BPF_XOR: return "xor";
    case BPF_ADD | BPF_FETCH: return "fetch_add";
    case BPF_OR | BPF_FETCH: return "fetch_or";
    case BPF_AND | BPF_FETCH: return "fetch_and";
    case BPF_XOR | BPF_FETCH: return "fetch_xor";
    case BPF_XCHG: return "xchg";
    default: return "cmpxchg"; /* check_encoding() let no other through */
    }
}

static int do_store(struct verifier *v, const struct bpf_insn *in)
{
    struct vframe *f = curf(v);
    int size = size_bytes[BPF_SIZE(in->code) >> 3], atomic = BPF_MODE(in->code) == BPF_ATOMIC;
    int rc = check_read(v, in->dst);
    if (rc)
        return rc;
    struct vreg val, base = f->h.regs[in->dst];
    if (BPF_CLASS(in->code) == BPF_STX) {
        if ((rc = check_read(v, in->src)))
            return rc;
        val = f->h.regs[in->src];
    } else {
        mark_const(&val, (uint64_t)(int64_t)in->imm);
    }
    struct vframe *sf = NULL;
    int soff = 0;
    if ((rc = check_access(v, in->dst, &base, in->off, size, 1, atomic, &sf, &soff)))
        return rc;
    if (is_ptr(&val) && atomic)
        return reject(v, "r%d is %s: storing it with a %d-bit atomic %s would leak a kernel address", in->src,
                      type_name[val.type], 8 * size, atomic_name(in->imm));
    if (is_ptr(&val) && !sf)
        return reject(v, "r%d is %s: storing it outside the stack would leak a kernel address", in->src,
                      type_name[val.type]);
    if (!atomic)
        return sf ? stack_write(v, sf, base.frame, soff, size, &val) : 0;
    /* Atomics read the memory too, and may write a register. A spilled
     * pointer must not be their operand, whole or in part: the result
     * (fetched into a register, or left in the slot as plain data) would
     * be the address as a number. Map values and the context never hold
     * pointers (stores of pointers there are refused above). */
    if (sf) {
        for (int i = 0; i < size; i++) {
            int byte;
            const struct vslot *sl = slot_of(sf, soff + i, &byte);
            if (sl->spilled && sl->r.type != SCALAR)
                return reject(v, "%d-bit atomic %s on stack offset %d, which holds %s spilled there",
                              8 * size, atomic_name(in->imm), soff, type_name[sl->r.type]);
        }
        if ((rc = stack_read(v, sf, soff, size, NULL, 0)))
            return rc;
    }
    if (in->imm == BPF_CMPXCHG) {
        if ((rc = check_read(v, BPF_REG_0)))
            return rc;
        if (is_ptr(&f->h.regs[0]))
            return reject(v, "r0 is %s: a %d-bit atomic cmpxchg would store it to memory",
                          type_name[f->h.regs[0].type], 8 * size);
    }
    if (sf && (rc = stack_write(v, sf, base.frame, soff, size, NULL)))
        return rc;
    struct vreg *out = in->imm == BPF_CMPXCHG ? &f->h.regs[0] : (in->imm & BPF_FETCH) ? &f->h.regs[in->src] : NULL;
    if (out)
        set_scalar(out, rng_u(0, size == 8 ? UINT64_MAX : U32, 1), 1);
    return 0;
}

static int do_alu(struct verifier *v, const struct bpf_insn *in)
{
    struct vframe *f = curf(v);
    uint8_t op = BPF_OP(in->code);
    int w64 = BPF_CLASS(in->code) == BPF_ALU64, rc;
    struct vreg *d = &f->h.regs[in->dst];
    struct vreg src;
    if (BPF_SRC(in->code) == BPF_X && op != BPF_END && op != BPF_NEG) {
        if ((rc = check_read(v, in->src)))
            return rc;
        src = f->h.regs[in->src];
    } else {
        mark_const(&src, w64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
    }
    if (op != BPF_MOV && (rc = check_read(v, in->dst)))
        return rc;

    if (op == BPF_MOV) {
        if (is_ptr(&src) && (!w64 || in->off))
            return reject(v, "r%d is %s: a %s of it is not allowed", in->src, type_name[src.type],
                          in->off ? "sign-extending move" : "32-bit move");
        if (is_ptr(&src)) {
            *d = src;
            return 0;
        }
        struct rng a = proj(&src, w64);
        if (in->off) {
            struct rng s8 = proj(&src, 1);
            if (rng_is_const(&s8)) {
                a = rng_const(bpf_alu(BPF_MOV, 0, s8.umin, in->off, 0), w64);
            } else if (s8.umax <= (1ULL << (in->off - 1)) - 1) {
                a = proj(&src, w64); /* the sign bit is clear: unchanged */
            } else {
                int64_t h = 1LL << (in->off - 1);
                a = rng_full(w64);
                a.smin = -h, a.smax = h - 1;
                rng_sync(&a, w64);
            }
        }
        set_scalar(d, a, w64);
        return 0;
    }

    /* pointer arithmetic: only ptr += scalar, ptr -= scalar, scalar + ptr */
    if (is_ptr(d) || is_ptr(&src)) {
        struct vreg *p = d, *s = &src;
        if (!is_ptr(d) && op == BPF_ADD)
            p = &src, s = d;
        int regno = is_ptr(d) ? in->dst : in->src;
        if (!w64 || (op != BPF_ADD && op != BPF_SUB) || is_ptr(s) || (p != d && op != BPF_ADD))
            return reject(v, "r%d is %s: only adding a scalar to it (64-bit) is allowed", regno,
                          type_name[p == d ? d->type : src.type]);
        if (p->type == PTR_MAP_VALUE_OR_NULL || p->type == CONST_MAP)
            return reject(v, "r%d is %s: no arithmetic on it%s", regno, type_name[p->type],
                          p->type == CONST_MAP ? "" : " before the NULL check");
        if (s->smin < -PTR_OFF_MAX || s->smax > PTR_OFF_MAX)
            return reject(v, "unbounded value (%lld..%lld) added to the pointer in r%d", (long long)s->smin,
                          (long long)s->smax, regno);
        if (p->type == PTR_STACK && s->smin != s->smax)
            return reject(v, "variable offset into the stack (r%d)", regno);
        struct vreg r = *p;
        if (op == BPF_ADD)
            r.smin += s->smin, r.smax += s->smax;
        else
            r.smin -= s->smax, r.smax -= s->smin;
        if (r.smin < -PTR_OFF_MAX || r.smax > PTR_OFF_MAX)
            return reject(v, "pointer offset out of range in r%d", regno);
        *d = r;
        return 0;
    }

    if (op == BPF_END) {
        struct rng a = proj(d, w64 || in->imm == 64);
        int bits = in->imm;
        int swap = w64 || BPF_SRC(in->code) == BPF_TO_BE;
        uint64_t m = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
        struct rng r;
        if (rng_is_const(&a)) {
            r = rng_const(swap ? bpf_bswap(a.umin, bits) : bpf_trunc(a.umin, bits), 1);
        } else if (!swap && a.umax <= m) {
            r = a;
        } else {
            r = rng_u(0, m, 1);
        }
        set_scalar(d, r, 1);
        return 0;
    }

    struct rng a = proj(d, w64), b = proj(&src, w64), r;
    if (op == BPF_NEG)
        b = rng_const(0, w64);
    if (rng_is_const(&a) && rng_is_const(&b))
        r = rng_const(bpf_alu(op, a.umin, b.umin, in->off, !w64), w64); /* the interpreter's arithmetic */
    else if (op == BPF_NEG)
        r = rng_full(w64);
    else
        r = range_alu(op, a, b, in->off, w64);
    set_scalar(d, r, w64);
    return 0;
}

/* Refine a and b as "a op b" is (taken) or is not true; 0: impossible. */
static int cmp_refine(uint8_t op, struct rng *a, struct rng *b, int taken, int w64)
{
    if (!taken) {
        static const uint8_t neg[16] = {
            [BPF_JEQ >> 4] = BPF_JNE,  [BPF_JNE >> 4] = BPF_JEQ,  [BPF_JGT >> 4] = BPF_JLE,
            [BPF_JGE >> 4] = BPF_JLT,  [BPF_JLT >> 4] = BPF_JGE,  [BPF_JLE >> 4] = BPF_JGT,
            [BPF_JSGT >> 4] = BPF_JSLE, [BPF_JSGE >> 4] = BPF_JSLT, [BPF_JSLT >> 4] = BPF_JSGE,
            [BPF_JSLE >> 4] = BPF_JSGT,
        };
        if (op == BPF_JSET) {
            if (rng_is_const(a) && rng_is_const(b))
                return (a->umin & b->umin) == 0;
            return 1;
        }
        op = neg[op >> 4];
    }
    /* reduce to a op b with op in EQ NE GT GE SGT SGE */
    struct rng *x = a, *y = b;
    switch (op) {
    case BPF_JLT: op = BPF_JGT, x = b, y = a; break;
    case BPF_JLE: op = BPF_JGE, x = b, y = a; break;
    case BPF_JSLT: op = BPF_JSGT, x = b, y = a; break;
    case BPF_JSLE: op = BPF_JSGE, x = b, y = a; break;
    }
    uint64_t M = umax_of(w64);
    int64_t SMIN = smin_of(w64), SMAX = smax_of(w64);
    switch (op) {
    case BPF_JEQ:
        x->umin = y->umin = umax64(x->umin, y->umin);
        x->umax = y->umax = umin64(x->umax, y->umax);
        x->smin = y->smin = smax64(x->smin, y->smin);
        x->smax = y->smax = smin64(x->smax, y->smax);
        break;
    case BPF_JNE:
        for (int i = 0; i < 2; i++, x = b, y = a) {
            if (!rng_is_const(y))
                continue;
            uint64_t c = y->umin;
            if (rng_is_const(x) && x->umin == c)
                return 0;
            if (x->umin == c)
                x->umin++;
            else if (x->umax == c)
                x->umax--;
            if (x->smin == to_s(c, w64))
                x->smin++;
            else if (x->smax == to_s(c, w64))
                x->smax--;
        }
        break;
    case BPF_JSET:
        if (rng_is_const(a) && rng_is_const(b) && !(a->umin & b->umin))
            return 0;
        if (a->umax == 0 || b->umax == 0)
            return 0;
        break;
    case BPF_JGT:
        if (y->umin == M || x->umax == 0)
            return 0;
        x->umin = umax64(x->umin, y->umin + 1);
        y->umax = umin64(y->umax, x->umax - 1);
        break;
    case BPF_JGE:
        x->umin = umax64(x->umin, y->umin);
        y->umax = umin64(y->umax, x->umax);
        break;
    case BPF_JSGT:
        if (y->smin == SMAX || x->smax == SMIN)
            return 0;
        x->smin = smax64(x->smin, y->smin + 1);
        y->smax = smin64(y->smax, x->smax - 1);
        break;
    case BPF_JSGE:
        x->smin = smax64(x->smin, y->smin);
        y->smax = smin64(y->smax, x->smax);
        break;
    }
    rng_sync(a, w64);
    rng_sync(b, w64);
    return !rng_empty(a) && !rng_empty(b);
}

/* Write a refined width-w64 range back into scalar register @p r, where
 * that is exact (a 32-bit compare says something of a register only if
 * its value fits in 32 bits). */
static void refine_back(struct vreg *r, const struct rng *g, int w64)
{
    if (r->type != SCALAR)
        return;
    if (w64) {
        r->umin = g->umin, r->umax = g->umax, r->smin = g->smin, r->smax = g->smax;
    } else if (r->umax <= U32) {
        struct rng n = {umax64(r->umin, g->umin), umin64(r->umax, g->umax), r->smin, r->smax};
        rng_sync(&n, 1);
        r->umin = n.umin, r->umax = n.umax, r->smin = n.smin, r->smax = n.smax;
    }
}

/* After a NULL check of id: each copy becomes a map value or the scalar 0. */
static void null_refine(struct vstate *s, uint32_t id, int is_null)
{
    for (uint32_t i = 0; i < s->nframes; i++) {
        struct vframe *f = &s->f[i];
        for (int r = 0; r <= BPF_NREGS; r++) {
            struct vreg *g = r < BPF_NREGS ? &f->h.regs[r] : NULL;
            for (uint32_t k = 0; k < (g ? 1u : f->h.nslots); k++) {
                struct vreg *x = g ? g : (f->slots[k].spilled ? &f->slots[k].r : NULL);
                if (!x || x->type != PTR_MAP_VALUE_OR_NULL || x->id != id)
                    continue;
                if (is_null)
                    mark_const(x, 0);
                else
                    x->type = PTR_MAP_VALUE, x->id = 0;
            }
        }
    }
}

/* A conditional jump: 1 = go on at the target, 0 = fall through, 2 =
 * both (the target's state pushed), negative: rejected. */
static int do_cond_jmp(struct verifier *v, const struct bpf_insn *in, uint32_t target)
{
    struct vstate *s = v->cur;
    struct vframe *f = curf(v);
    uint8_t op = BPF_OP(in->code);
    int w64 = BPF_CLASS(in->code) == BPF_JMP, rc;
    if ((rc = check_read(v, in->dst)))
        return rc;
    struct vreg *d = &f->h.regs[in->dst], src;
    int xsrc = BPF_SRC(in->code) == BPF_X;
    if (xsrc) {
        if ((rc = check_read(v, in->src)))
            return rc;
        src = f->h.regs[in->src];
    } else {
        mark_const(&src, w64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
    }
    int can_taken, can_fall;
    if (is_ptr(d) || is_ptr(&src)) {
        int zero = src.type == SCALAR && src.umin == 0 && src.umax == 0;
        if (!is_ptr(d) || is_ptr(&src) || !zero || !w64 || (op != BPF_JEQ && op != BPF_JNE))
            return reject(v, "comparison of %s with %s (pointers may only be compared with 0, for NULL)",
                          type_name[d->type], type_name[src.type]);
        if (d->type != PTR_MAP_VALUE_OR_NULL) { /* never NULL */
            return op == BPF_JNE;
        }
        uint32_t id = d->id;
        copy_state(v->tmp, s);
        null_refine(v->tmp, id, op == BPF_JEQ); /* taken */
        null_refine(s, id, op != BPF_JEQ);      /* fall through */
        can_taken = can_fall = 1;
    } else {
        struct rng a = proj(d, w64), b = proj(&src, w64);
        struct rng ta = a, tb = b, fa = a, fb = b;
        can_taken = cmp_refine(op, &ta, &tb, 1, w64);
        can_fall = cmp_refine(op, &fa, &fb, 0, w64);
        if (can_taken && can_fall) {
            copy_state(v->tmp, s);
            struct vframe *tf = &v->tmp->f[v->tmp->nframes - 1];
            refine_back(&tf->h.regs[in->dst], &ta, w64);
            if (xsrc)
                refine_back(&tf->h.regs[in->src], &tb, w64);
        }
        if (can_fall) {
            refine_back(d, &fa, w64);
            if (xsrc)
                refine_back(&f->h.regs[in->src], &fb, w64);
        } else if (can_taken) {
            refine_back(d, &ta, w64);
            if (xsrc)
                refine_back(&f->h.regs[in->src], &tb, w64);
        }
    }
    if (!can_taken && !can_fall) /* cannot happen: the state itself is impossible */
        return 0;
    if (can_taken && can_fall) {
        if (v->npending == MAX_PENDING)
            return reject(v, "program too complex (more than %u branches pending)", MAX_PENDING);
        if (v->npending == v->cap_pending) {
            uint32_t cap = v->cap_pending ? 2 * v->cap_pending : 64;
            struct ckpt **n = kmalloc(cap * sizeof *n);
            if (!n)
                return -ENOMEM;
            if (v->npending)
                memcpy(n, v->pending, v->npending * sizeof *n);
            kfree(v->pending);
            v->pending = n, v->cap_pending = cap;
        }
        v->tmp->pc = target;
        struct ckpt *c = save_state(v, v->tmp);
        if (!c)
            return -ENOMEM;
        v->pending[v->npending++] = c;
        if (s->parent)
            s->parent->pending++;
        return 2;
    }
    return can_taken;
}

static int do_helper_call(struct verifier *v, const struct bpf_insn *in)
{
    struct vframe *f = curf(v);
    const struct bpf_helper *h = bpf_helper_get(in->imm);
    const struct bpf_map *map = NULL;
    int rc;
    for (int a = 0; a < 5 && h->args[a] != BPF_ARG_NONE; a++) {
        int r = a + 1;
        struct vreg *g = &f->h.regs[r];
        if ((rc = check_read(v, r)))
            return rc;
        switch (h->args[a]) {
        case BPF_ARG_ANYTHING:
            if (g->type != SCALAR)
                return reject(v, "%s: r%d must be a scalar, not %s", h->name, r, type_name[g->type]);
            break;
        case BPF_ARG_MAP:
            if (g->type != CONST_MAP)
                return reject(v, "%s: r%d must be a map, not %s", h->name, r, type_name[g->type]);
            map = g->map;
            break;
        case BPF_ARG_MAP_KEY:
        case BPF_ARG_MAP_VALUE: {
            int size = (int)(h->args[a] == BPF_ARG_MAP_KEY ? map->key_size : map->value_size);
            if (g->type != PTR_STACK && g->type != PTR_MAP_VALUE)
                return reject(v, "%s: r%d must point to the stack or a map value, not be %s", h->name, r,
                              type_name[g->type]);
            struct vframe *sf = NULL;
            int soff = 0;
            if ((rc = check_access(v, r, g, 0, size, 0, 0, &sf, &soff)))
                return rc;
            if (sf)
                for (int k = 0; k < size; k++) { /* keys and values must not hold pointers */
                    int byte;
                    struct vslot *sl = slot_of(sf, soff + k, &byte);
                    if (sl->spilled && sl->r.type != SCALAR)
                        return reject(v, "%s: r%d points at a stored pointer (%s at stack offset %d)",
                                      h->name, r, type_name[sl->r.type], soff + k - byte);
                }
            if (sf && (rc = stack_read(v, sf, soff, size, NULL, 0)))
                return rc;
            break;
        }
        }
    }
    for (int r = 1; r <= 5; r++)
        f->h.regs[r] = (struct vreg){.type = NOT_INIT};
    if (h->ret == BPF_RET_MAP_VALUE_OR_NULL) {
        f->h.regs[0] = (struct vreg){.type = PTR_MAP_VALUE_OR_NULL, .id = ++v->next_id, .map = map};
    } else {
        mark_unknown(&f->h.regs[0]);
    }
    return 0;
}

static int do_local_call(struct verifier *v, uint32_t pc, uint32_t target)
{
    struct vstate *s = v->cur;
    if (s->nframes == BPF_MAX_FRAMES)
        return reject(v, "call stack deeper than %d frames", BPF_MAX_FRAMES);
    struct vframe *caller = curf(v), *f = &s->f[s->nframes];
    f->h = (struct frame_hdr){0};
    for (int r = 1; r <= 5; r++)
        f->h.regs[r] = caller->h.regs[r];
    f->h.regs[BPF_REG_10] = (struct vreg){.type = PTR_STACK, .frame = (uint8_t)s->nframes};
    f->h.callsite = pc;
    f->h.subprog = v->func[target];
    s->nframes++;
    return 0;
}

/* ---- Exploration ------------------------------------------------------------- */

/* At a jump target: prune, detect an infinite loop, or save a checkpoint.
 * Returns 1 if the path is pruned.
 *
 * A finished checkpoint that keeps failing to prune is dropped (nothing
 * refers to it any more: only unfinished ones are on a live path), so the
 * list holds the useful ones; an infinite loop is looked for among the
 * LOOP_CHECKS newest unfinished ones (a cycle longer than that ends as
 * "too complex"). */
static int at_target(struct verifier *v)
{
    struct vstate *s = v->cur;
    uint32_t pc = s->pc, loop_checks = 0;
    for (struct ckpt **link = &v->ckpts[pc], *c; (c = *link) != NULL;) {
        if (c->pending == 0) {
            if (state_within(c, s)) {
                c->hits++;
                path_done(s->parent);
                return 1;
            }
            if (++c->misses > 3 * c->hits + 16) {
                *link = c->next;
                v->nckpts[pc]--;
                v->ckpt_bytes -= c->size;
                kfree(c);
                continue;
            }
        } else if (loop_checks++ < LOOP_CHECKS && state_equal(c, s)) {
            for (struct ckpt *a = s->parent; a; a = a->parent)
                if (a == c)
                    return reject(v, "infinite loop (the state at insn %u repeats)", (unsigned)pc);
        }
        link = &c->next;
    }
    if (v->nckpts[pc] >= CKPT_PER_INSN || v->ckpt_bytes >= CKPT_BYTES)
        return 0;
    struct ckpt *c = save_state(v, s);
    if (!c)
        return -ENOMEM;
    c->pending = 1;
    c->next = v->ckpts[pc];
    v->ckpts[pc] = c;
    v->nckpts[pc]++;
    v->ckpt_bytes += c->size;
    s->parent = c;
    return 0;
}

/* One instruction of the current path. Returns 0 to go on, 1 when the
 * path ended, negative on rejection. */
static int step(struct verifier *v)
{
    struct vstate *s = v->cur;
    uint32_t pc = s->pc;
    const struct bpf_insn *in = &v->prog->insns[pc];
    struct vframe *f = curf(v);
    uint8_t cls = BPF_CLASS(in->code);
    int rc;
    v->cur_insn = pc;
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        rc = do_alu(v, in);
        s->pc = pc + 1;
        return rc;
    case BPF_LDX:
        rc = do_ldx(v, in);
        s->pc = pc + 1;
        return rc;
    case BPF_ST:
    case BPF_STX:
        rc = do_store(v, in);
        s->pc = pc + 1;
        return rc;
    case BPF_LD: {
        struct vreg *d = &f->h.regs[in->dst];
        uint64_t val = (uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32;
        if (in->src == BPF_PSEUDO_MAP_ID)
            *d = (struct vreg){.type = CONST_MAP, .map = (const struct bpf_map *)(uintptr_t)val};
        else
            mark_const(d, val);
        s->pc = pc + 2;
        return 0;
    }
    }
    /* jumps */
    uint8_t op = BPF_OP(in->code);
    int64_t t = 0;
    jump_target(in, pc, &t);
    if (op == BPF_JA) {
        s->pc = (uint32_t)t;
        return 0;
    }
    if (op == BPF_CALL) {
        if (in->src == BPF_PSEUDO_CALL) {
            rc = do_local_call(v, pc, (uint32_t)t);
            s->pc = (uint32_t)t;
        } else {
            rc = do_helper_call(v, in);
            s->pc = pc + 1;
        }
        return rc;
    }
    if (op == BPF_EXIT) {
        if ((rc = check_read(v, BPF_REG_0)))
            return rc;
        if (f->h.regs[0].type != SCALAR)
            return reject(v, "r0 is %s at exit (a scalar must be returned)", type_name[f->h.regs[0].type]);
        if (s->nframes == 1) {
            path_done(s->parent);
            return 1;
        }
        struct vreg r0 = f->h.regs[0];
        s->nframes--;
        struct vframe *caller = curf(v);
        caller->h.regs[0] = r0;
        for (int r = 1; r <= 5; r++)
            caller->h.regs[r] = (struct vreg){.type = NOT_INIT};
        s->pc = f->h.callsite + 1;
        return 0;
    }
    rc = do_cond_jmp(v, in, (uint32_t)t);
    if (rc < 0)
        return rc;
    s->pc = rc == 1 ? (uint32_t)t : pc + 1;
    return 0;
}

static int explore(struct verifier *v)
{
    struct vstate *s = v->cur;
    const struct bpf_prog *p = v->prog;
    *s = (struct vstate){0};
    s->nframes = 1;
    struct vframe *f = &s->f[0];
    f->h.regs[BPF_REG_1] = (struct vreg){.type = PTR_CTX};
    if (p->ctx.r2_size)
        mark_const(&f->h.regs[BPF_REG_2], p->ctx.size);
    f->h.regs[BPF_REG_10] = (struct vreg){.type = PTR_STACK, .frame = 0};
    for (;;) {
        if (++v->explored > VERIFY_INSN_BUDGET) {
            v->cur_insn = s->pc;
            return reject(v, "program too complex (more than %u instructions explored; a loop may not end)",
                          VERIFY_INSN_BUDGET);
        }
        int rc = 0;
        if (v->flags[s->pc] & FL_TARGET)
            rc = at_target(v);
        if (rc == 0)
            rc = step(v);
        if (rc < 0)
            return rc;
        if (rc == 1) { /* this path is done: the next one */
            if (!v->npending)
                return 0;
            struct ckpt *c = v->pending[--v->npending];
            load_state(s, c);
            kfree(c);
        }
    }
}

/* Stack bytes of the deepest call chain from function k (memo: per
 * function, UINT32_MAX until known; the call graph has no cycle). */
static uint32_t chain_stack(struct verifier *v, uint32_t k, uint32_t *memo)
{
    const struct bpf_prog *p = v->prog;
    if (memo[k] != UINT32_MAX)
        return memo[k];
    uint32_t best = 0, end = k + 1 < p->nsubprogs ? p->subprog_start[k + 1] : p->len;
    for (uint32_t i = p->subprog_start[k]; i < end; i++) {
        const struct bpf_insn *in = &p->insns[i];
        if (!(v->flags[i] & FL_LDDW2) && in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL) {
            uint32_t c = chain_stack(v, v->func[i + 1 + in->imm], memo);
            if (c > best)
                best = c;
        }
    }
    return memo[k] = v->depth[k] + best;
}

int bpf_verify(struct bpf_prog *prog, char *log, size_t logsz)
{
    char dummy[1];
    if (!log || !logsz)
        log = dummy, logsz = sizeof dummy;
    log[0] = 0;
    struct verifier *v = kzalloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    v->prog = prog;
    v->log = log;
    v->logsz = logsz;
    uint32_t n = prog->len;
    int rc = -ENOMEM;
    if (n == 0 || n > BPF_MAX_INSNS) {
        rc = reject(v, "program has %u instructions (1..%d allowed)", (unsigned)n, BPF_MAX_INSNS);
        kfree(v);
        return rc;
    }
    v->flags = kzalloc(n);
    v->func = kzalloc(n * sizeof *v->func);
    v->ckpts = kzalloc(n * sizeof *v->ckpts);
    v->nckpts = kzalloc(n * sizeof *v->nckpts);
    v->cur = kmalloc(sizeof *v->cur);
    v->tmp = kmalloc(sizeof *v->tmp);
    if (!v->flags || !v->func || !v->ckpts || !v->nckpts || !v->cur || !v->tmp)
        goto out;
    if ((rc = static_pass(v)) != 0)
        goto out;
    if ((rc = explore(v)) != 0)
        goto out;
    uint32_t memo[BPF_MAX_SUBPROGS];
    for (uint32_t k = 0; k < BPF_MAX_SUBPROGS; k++)
        memo[k] = UINT32_MAX;
    uint32_t total = chain_stack(v, 0, memo);
    if (total > BPF_STACK_TOTAL) {
        v->cur_insn = 0;
        rc = reject(v, "the deepest call chain needs %u bytes of stack (at most %d)", (unsigned)total,
                    BPF_STACK_TOTAL);
        goto out;
    }
    for (uint32_t k = 0; k < prog->nsubprogs; k++)
        prog->stack_depth[k] = v->depth[k];
out:
    if (v->ckpts)
        for (uint32_t i = 0; i < n; i++)
            for (struct ckpt *c = v->ckpts[i], *next; c; c = next) {
                next = c->next;
                kfree(c);
            }
    while (v->npending)
        kfree(v->pending[--v->npending]);
    kfree(v->pending);
    kfree(v->flags);
    kfree(v->func);
    kfree(v->ckpts);
    kfree(v->nckpts);
    kfree(v->cur);
    kfree(v->tmp);
    kfree(v);
    return rc;
}
