/**
 * @file bpf_jit.c
 * @brief The aarch64 eBPF JIT (kernel/bpf.h): verified programs to A64 code
 *        in code memory from kernel/jit.h.
 *
 * Registers: BPF r1-r5 live in x0-x4, so the C entry (x0 = context, x1 =
 * r2) and helper calls (AAPCS64 arguments in x0-x4) need no moves; r0 in
 * x7 (moved to x0 at the outermost exit, from x0 after a helper); r6-r9 in
 * the callee-saved x19-x22 and r10 in x25, so helpers and local calls keep
 * them. x9-x13 are scratch.
 *
 * Each function (prog->subprog_start) gets a frame record (stp x29, x30;
 * mov x29, sp: the kernel's unwinder walks through JITed frames), saves
 * the pairs of x19-x22 and x25 (r6-r9, r10) its body names, and reserves
 * its verified stack depth rounded to 16; x25 = sp + depth is its r10. A
 * local call is a `bl` to the function's prologue. Every EXIT inlines the
 * epilogue.
 *
 * RFC 9669's arithmetic maps straight onto A64: W-register operations
 * zero the upper half; the variable shifts mask their count by the width;
 * udiv/sdiv give 0 for a zero divisor and INT_MIN for INT_MIN / -1, and
 * the remainder as dst - (dst / src) * src (msub) is then dst for a zero
 * divisor and 0 for INT_MIN % -1, exactly what the RFC defines. Atomics
 * are LDXR/STXR loops (no LSE needed) followed by DMB ISH. Immediates take
 * one instruction where A64 has the form (add/sub and cmp/cmn of |imm| <
 * 4096, shifts as ubfm/sbfm), else they are built in x9 with movz/movn/movk.
 *
 * Code size does not depend on where things land (a program of at most
 * BPF_MAX_INSNS instructions stays far inside b.cond's +-1 MiB), so one
 * pass measures and a second emits (kernel/bpf/jit_common.c's loop).
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>

enum {
    X0 = 0, X7 = 7, X9 = 9, X10 = 10, X11 = 11, X12 = 12, X13 = 13,
    X19 = 19, X20 = 20, X21 = 21, X22 = 22, X25 = 25, X26 = 26, FP = 29, LR = 30, SP = 31, XZR = 31,
};

/* BPF register -> x register */
static const uint8_t reg_map[BPF_NREGS] = {X7, 0, 1, 2, 3, 4, X19, X20, X21, X22, X25};

struct jit {
    const struct bpf_prog *prog;
    uint32_t *buf;      /* NULL in the measuring pass */
    uint32_t pos;       /* instructions emitted */
    uint32_t *off;      /* per BPF slot: its first A64 instruction (len + 1 entries) */
    uint32_t func[BPF_MAX_SUBPROGS]; /* each function's prologue */
    uint32_t cur_func;
    uint8_t saves[BPF_MAX_SUBPROGS]; /* per function: SAVE_* pairs its body needs */
    char *log;
    size_t logsz;
};

static void emit(struct jit *j, uint32_t insn)
{
    if (j->buf)
        j->buf[j->pos] = insn;
    j->pos++;
}

/* ---- Encodings (Arm ARM, A64 base instructions) -------------------------- */

static void mov_imm(struct jit *j, int w64, uint8_t rd, uint64_t v)
{
    if (!w64)
        v = (uint32_t)v;
    unsigned halves = w64 ? 4 : 2;
    uint32_t sf = w64 ? 0x80000000u : 0;
    unsigned zero = 0, ones = 0;
    for (unsigned h = 0; h < halves; h++) {
        uint16_t x = (uint16_t)(v >> (16 * h));
        zero += x == 0;
        ones += x == 0xffff;
    }
    if (ones > zero) { /* movn, then movk the halves that are not 0xffff */
        int first = 1;
        for (unsigned h = 0; h < halves; h++) {
            uint16_t x = (uint16_t)(v >> (16 * h));
            if (x == 0xffff && !(first && h == halves - 1))
                continue;
            if (first)
                emit(j, sf | 0x12800000u | h << 21 | (uint32_t)(uint16_t)~x << 5 | rd);
            else
                emit(j, sf | 0x72800000u | h << 21 | (uint32_t)x << 5 | rd);
            first = 0;
        }
        return;
    }
    int first = 1;
    for (unsigned h = 0; h < halves; h++) {
        uint16_t x = (uint16_t)(v >> (16 * h));
        if (x == 0 && !(first && h == halves - 1))
            continue;
        emit(j, sf | (first ? 0x52800000u : 0x72800000u) | h << 21 | (uint32_t)x << 5 | rd);
        first = 0;
    }
}

static void mov_reg(struct jit *j, int w64, uint8_t rd, uint8_t rm)
{
    emit(j, (w64 ? 0xAA0003E0u : 0x2A0003E0u) | (uint32_t)rm << 16 | rd);
}

/* data processing, three registers: base | rm << 16 | rn << 5 | rd */
static void dp3(struct jit *j, uint32_t base, int w64, uint8_t rd, uint8_t rn, uint8_t rm)
{
    emit(j, base | (w64 ? 0x80000000u : 0) | (uint32_t)rm << 16 | (uint32_t)rn << 5 | rd);
}

#define OP_ADD 0x0B000000u
#define OP_SUB 0x4B000000u
#define OP_AND 0x0A000000u
#define OP_ORR 0x2A000000u
#define OP_EOR 0x4A000000u
#define OP_MUL 0x1B007C00u /* madd rd, rn, rm, xzr */
#define OP_UDIV 0x1AC00800u
#define OP_SDIV 0x1AC00C00u
#define OP_LSLV 0x1AC02000u
#define OP_LSRV 0x1AC02400u
#define OP_ASRV 0x1AC02800u
#define OP_SUBS 0x6B000000u /* cmp: rd = xzr */
#define OP_ANDS 0x6A000000u /* tst: rd = xzr */

/* rd = ra - rn * rm */
static void msub(struct jit *j, int w64, uint8_t rd, uint8_t rn, uint8_t rm, uint8_t ra)
{
    emit(j, (w64 ? 0x9B008000u : 0x1B008000u) | (uint32_t)rm << 16 | (uint32_t)ra << 10 | (uint32_t)rn << 5 | rd);
}

/* loads and stores: size 0..3 (B H W X) */
static const uint32_t ldur_op[4] = {0x38400000u, 0x78400000u, 0xB8400000u, 0xF8400000u};
static const uint32_t stur_op[4] = {0x38000000u, 0x78000000u, 0xB8000000u, 0xF8000000u};
static const uint32_t ldursx_op[3] = {0x38800000u, 0x78800000u, 0xB8800000u}; /* to X */
static const uint32_t ldr_reg_op[4] = {0x38606800u, 0x78606800u, 0xB8606800u, 0xF8606800u};
static const uint32_t str_reg_op[4] = {0x38206800u, 0x78206800u, 0xB8206800u, 0xF8206800u};
static const uint32_t ldrsx_reg_op[3] = {0x38A06800u, 0x78A06800u, 0xB8A06800u};

/* A memory access at [rn + off]: LDUR-style for small offsets, the scaled
 * unsigned-offset form for aligned positive ones whose off >> size fits
 * imm12 (a byte access at 4096 does not), else the offset in x9 and the
 * register form. */
static void mem_access(struct jit *j, uint32_t unscaled, uint32_t regform, uint8_t rt, uint8_t rn, int16_t off)
{
    uint32_t sz = unscaled >> 30; /* log2 of the access size */
    if (off >= -256 && off <= 255) {
        emit(j, unscaled | ((uint32_t)off & 0x1ff) << 12 | (uint32_t)rn << 5 | rt);
    } else if (off > 0 && ((uint32_t)off & ((1u << sz) - 1)) == 0 && ((uint32_t)off >> sz) < 4096) {
        /* the unsigned-offset form (LDR/STR/LDRS* #imm12, scaled by the size) */
        emit(j, unscaled | 0x01000000u | ((uint32_t)off >> sz) << 10 | (uint32_t)rn << 5 | rt);
    } else {
        mov_imm(j, 1, X9, (uint64_t)(int64_t)off);
        emit(j, regform | (uint32_t)X9 << 16 | (uint32_t)rn << 5 | rt);
    }
}

static void add_imm_sp(struct jit *j, uint32_t base, uint8_t rd, uint32_t imm)
{
    emit(j, base | imm << 10 | (uint32_t)SP << 5 | rd); /* imm < 4096 */
}
#define ADD_X_IMM 0x91000000u
#define SUB_X_IMM 0xD1000000u

static void stp_pre(struct jit *j, uint8_t a, uint8_t b) /* stp a, b, [sp, #-16]! */
{
    emit(j, 0xA9800000u | (0x7eu << 15) | (uint32_t)b << 10 | (uint32_t)SP << 5 | a);
}

static void ldp_post(struct jit *j, uint8_t a, uint8_t b) /* ldp a, b, [sp], #16 */
{
    emit(j, 0xA8C00000u | (2u << 15) | (uint32_t)b << 10 | (uint32_t)SP << 5 | a);
}

static uint16_t frame_bytes(const struct bpf_prog *p, uint32_t k)
{
    return (uint16_t)((p->stack_depth[k] + 15u) & ~15u);
}

enum { SAVE_X19_X20 = 1, SAVE_X21_X22 = 2, SAVE_X25_X26 = 4 };

/* Which callee-saved pairs each function writes: r6/r7, r8/r9, r10 named
 * in any instruction of its body (a superset: src of a pseudo call or map
 * load is not a register, and counts as r1/r2, which need nothing). */
static void find_saves(struct jit *j)
{
    const struct bpf_prog *p = j->prog;
    for (uint32_t k = 0; k < p->nsubprogs; k++) {
        uint32_t end = k + 1 < p->nsubprogs ? p->subprog_start[k + 1] : p->len;
        uint8_t m = 0;
        for (uint32_t i = p->subprog_start[k]; i < end; i++) {
            uint8_t r[2] = {p->insns[i].dst, p->insns[i].src};
            for (int t = 0; t < 2; t++) {
                if (r[t] == 6 || r[t] == 7)
                    m |= SAVE_X19_X20;
                else if (r[t] == 8 || r[t] == 9)
                    m |= SAVE_X21_X22;
                else if (r[t] == 10)
                    m |= SAVE_X25_X26;
            }
        }
        j->saves[k] = m;
    }
}

static void prologue(struct jit *j, uint32_t k)
{
    uint16_t d = frame_bytes(j->prog, k);
    uint8_t m = j->saves[k];
    stp_pre(j, FP, LR);
    add_imm_sp(j, ADD_X_IMM, FP, 0); /* mov x29, sp */
    if (m & SAVE_X19_X20)
        stp_pre(j, X19, X20);
    if (m & SAVE_X21_X22)
        stp_pre(j, X21, X22);
    if (m & SAVE_X25_X26)
        stp_pre(j, X25, X26);
    if (d)
        add_imm_sp(j, SUB_X_IMM, SP, d);
    if (m & SAVE_X25_X26)
        add_imm_sp(j, ADD_X_IMM, X25, d); /* r10 = the frame's top */
}

static void epilogue(struct jit *j, uint32_t k)
{
    uint16_t d = frame_bytes(j->prog, k);
    uint8_t m = j->saves[k];
    if (d)
        add_imm_sp(j, ADD_X_IMM, SP, d);
    if (m & SAVE_X25_X26)
        ldp_post(j, X25, X26);
    if (m & SAVE_X21_X22)
        ldp_post(j, X21, X22);
    if (m & SAVE_X19_X20)
        ldp_post(j, X19, X20);
    ldp_post(j, FP, LR);
    if (k == 0)
        mov_reg(j, 1, X0, X7);
    emit(j, 0xD65F03C0u); /* ret */
}

/* Branch to A64 instruction @p to from the current one. */
static uint32_t rel(struct jit *j, uint32_t to)
{
    return to - j->pos; /* two's complement, masked by the caller */
}

static void b_to(struct jit *j, uint32_t to) { emit(j, 0x14000000u | (rel(j, to) & 0x3ffffff)); }
static void bl_to(struct jit *j, uint32_t to) { emit(j, 0x94000000u | (rel(j, to) & 0x3ffffff)); }
static void bcond_to(struct jit *j, unsigned cond, uint32_t to)
{
    emit(j, 0x54000000u | (rel(j, to) & 0x7ffff) << 5 | cond);
}

enum { EQ = 0, NE = 1, HS = 2, LO = 3, HI = 8, LS = 9, GE = 10, LT = 11, GT = 12, LE = 13 };

/* ---- Instructions ----------------------------------------------------------- */

/* add/sub/subs/adds with a 12-bit immediate: sf | base | imm12 << 10 | rn << 5 | rd */
#define OP_ADD_I 0x11000000u
#define OP_SUB_I 0x51000000u
#define OP_ADDS_I 0x31000000u /* cmn: rd = xzr */
#define OP_SUBS_I 0x71000000u /* cmp: rd = xzr */

static void addsub_imm(struct jit *j, uint32_t base, int w64, uint8_t rd, uint8_t rn, uint32_t imm12)
{
    emit(j, base | (w64 ? 0x80000000u : 0) | imm12 << 10 | (uint32_t)rn << 5 | rd);
}

/* The ALU imm forms with a one-instruction encoding: add/sub of -4095..4095
 * and shifts (ubfm/sbfm; the count masked as RFC 9669 says). 1 if emitted.
 * rn/rd are never 31 (SP in these encodings): no BPF register maps there. */
static int alu_imm_short(struct jit *j, int w64, uint8_t op, uint8_t d, int32_t imm)
{
    uint32_t bits = w64 ? 64 : 32;
    uint32_t sf_n = w64 ? 0x80400000u : 0; /* sf and N for the bitfield moves */
    if ((op == BPF_ADD || op == BPF_SUB) && imm > -4096 && imm < 4096) {
        int sub = (op == BPF_SUB) != (imm < 0);
        addsub_imm(j, sub ? OP_SUB_I : OP_ADD_I, w64, d, d, (uint32_t)(imm < 0 ? -imm : imm));
        return 1;
    }
    uint32_t sh = (uint32_t)imm & (bits - 1);
    switch (op) {
    case BPF_LSH: /* ubfm d, d, #(-sh mod bits), #(bits - 1 - sh) */
        emit(j, 0x53000000u | sf_n | ((bits - sh) & (bits - 1)) << 16 | (bits - 1 - sh) << 10 | (uint32_t)d << 5 | d);
        return 1;
    case BPF_RSH: /* ubfm d, d, #sh, #bits - 1 */
        emit(j, 0x53000000u | sf_n | sh << 16 | (bits - 1) << 10 | (uint32_t)d << 5 | d);
        return 1;
    case BPF_ARSH: /* sbfm d, d, #sh, #bits - 1 */
        emit(j, 0x13000000u | sf_n | sh << 16 | (bits - 1) << 10 | (uint32_t)d << 5 | d);
        return 1;
    }
    return 0;
}

static int do_alu(struct jit *j, const struct bpf_insn *in)
{
    int w64 = BPF_CLASS(in->code) == BPF_ALU64;
    uint8_t op = BPF_OP(in->code), d = reg_map[in->dst], s;
    if (op == BPF_END) {
        int swap = w64 || BPF_SRC(in->code) == BPF_TO_BE;
        if (in->imm == 16) {
            if (swap)
                emit(j, 0x5AC00400u | (uint32_t)d << 5 | d); /* rev16 w */
            emit(j, 0x53003C00u | (uint32_t)d << 5 | d);     /* uxth */
        } else if (in->imm == 32) {
            if (swap)
                emit(j, 0x5AC00800u | (uint32_t)d << 5 | d); /* rev w (zero-extends) */
            else
                mov_reg(j, 0, d, d);
        } else if (swap) {
            emit(j, 0xDAC00C00u | (uint32_t)d << 5 | d); /* rev x */
        }
        return 0;
    }
    if (op == BPF_NEG) {
        dp3(j, OP_SUB, w64, d, XZR, d);
        return 0;
    }
    if (BPF_SRC(in->code) == BPF_X) {
        s = reg_map[in->src];
    } else if (op == BPF_MOV) {
        mov_imm(j, w64, d, (uint64_t)(int64_t)in->imm);
        return 0;
    } else if (alu_imm_short(j, w64, op, d, in->imm)) {
        return 0;
    } else {
        s = X9;
        mov_imm(j, w64, X9, (uint64_t)(int64_t)in->imm);
    }
    switch (op) {
    case BPF_MOV:
        if (in->off == 8)
            emit(j, (w64 ? 0x93401C00u : 0x13001C00u) | (uint32_t)s << 5 | d); /* sxtb */
        else if (in->off == 16)
            emit(j, (w64 ? 0x93403C00u : 0x13003C00u) | (uint32_t)s << 5 | d); /* sxth */
        else if (in->off == 32)
            emit(j, 0x93407C00u | (uint32_t)s << 5 | d); /* sxtw */
        else
            mov_reg(j, w64, d, s);
        return 0;
    case BPF_ADD: dp3(j, OP_ADD, w64, d, d, s); return 0;
    case BPF_SUB: dp3(j, OP_SUB, w64, d, d, s); return 0;
    case BPF_MUL: dp3(j, OP_MUL, w64, d, d, s); return 0;
    case BPF_OR: dp3(j, OP_ORR, w64, d, d, s); return 0;
    case BPF_AND: dp3(j, OP_AND, w64, d, d, s); return 0;
    case BPF_XOR: dp3(j, OP_EOR, w64, d, d, s); return 0;
    case BPF_LSH: dp3(j, OP_LSLV, w64, d, d, s); return 0;
    case BPF_RSH: dp3(j, OP_LSRV, w64, d, d, s); return 0;
    case BPF_ARSH: dp3(j, OP_ASRV, w64, d, d, s); return 0;
    case BPF_DIV:
        dp3(j, in->off ? OP_SDIV : OP_UDIV, w64, d, d, s);
        return 0;
    case BPF_MOD:
        dp3(j, in->off ? OP_SDIV : OP_UDIV, w64, X10, d, s);
        msub(j, w64, d, X10, s, d);
        return 0;
    }
    return -ENOTSUP;
}

static const int size_log2[4] = {2, 1, 0, 3}; /* BPF_W, H, B, DW >> 3 */

static int do_mem(struct jit *j, const struct bpf_insn *in)
{
    uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
    int sz = size_log2[BPF_SIZE(in->code) >> 3];
    uint8_t d = reg_map[in->dst], s = reg_map[in->src];
    if (cls == BPF_LDX) {
        if (mode == BPF_MEMSX)
            mem_access(j, ldursx_op[sz], ldrsx_reg_op[sz], d, s, in->off);
        else
            mem_access(j, ldur_op[sz], ldr_reg_op[sz], d, s, in->off);
        return 0;
    }
    if (cls == BPF_ST) {
        mov_imm(j, 1, X10, (uint64_t)(int64_t)in->imm);
        mem_access(j, stur_op[sz], str_reg_op[sz], X10, d, in->off);
        return 0;
    }
    if (mode == BPF_MEM) {
        mem_access(j, stur_op[sz], str_reg_op[sz], s, d, in->off);
        return 0;
    }
    /* atomics: x10 = the address, x11 = the old value, x12 = the new, w13 = status */
    int w64 = sz == 3;
    uint32_t ldxr = w64 ? 0xC85F7C00u : 0x885F7C00u, stxr = w64 ? 0xC8007C00u : 0x88007C00u;
    mov_imm(j, 1, X9, (uint64_t)(int64_t)in->off);
    dp3(j, OP_ADD, 1, X10, d, X9);
    uint32_t loop = j->pos;
    emit(j, ldxr | (uint32_t)X10 << 5 | X11);
    uint8_t val = X12;
    uint32_t bne_at = 0;
    switch (in->imm & ~BPF_FETCH) {
    case BPF_ADD: dp3(j, OP_ADD, w64, X12, X11, s); break;
    case BPF_OR: dp3(j, OP_ORR, w64, X12, X11, s); break;
    case BPF_AND: dp3(j, OP_AND, w64, X12, X11, s); break;
    case BPF_XOR: dp3(j, OP_EOR, w64, X12, X11, s); break;
    case BPF_XCHG & ~BPF_FETCH: val = s; break;
    case BPF_CMPXCHG & ~BPF_FETCH:
        dp3(j, OP_SUBS, w64, XZR, X11, X7);
        bne_at = j->pos;
        emit(j, 0); /* b.ne done, patched below */
        val = s;
        break;
    default:
        return -ENOTSUP;
    }
    emit(j, stxr | (uint32_t)X13 << 16 | (uint32_t)X10 << 5 | val);
    emit(j, 0x35000000u | ((loop - j->pos) & 0x7ffff) << 5 | X13); /* cbnz w13, loop */
    if (bne_at && j->buf)
        j->buf[bne_at] = 0x54000000u | ((j->pos - bne_at) & 0x7ffff) << 5 | NE;
    if (bne_at)
        emit(j, 0xD5033F5Fu); /* clrex: the compare may have left the monitor open */
    emit(j, 0xD5033BBFu);     /* dmb ish */
    if (in->imm == BPF_CMPXCHG)
        mov_reg(j, w64, X7, X11); /* r0 = the old value (W: zero-extended) */
    else if (in->imm & BPF_FETCH)
        mov_reg(j, w64, s, X11);
    return 0;
}

static const uint8_t cond_of[16] = {
    [BPF_JEQ >> 4] = EQ, [BPF_JNE >> 4] = NE, [BPF_JGT >> 4] = HI, [BPF_JGE >> 4] = HS,
    [BPF_JLT >> 4] = LO, [BPF_JLE >> 4] = LS, [BPF_JSGT >> 4] = GT, [BPF_JSGE >> 4] = GE,
    [BPF_JSLT >> 4] = LT, [BPF_JSLE >> 4] = LE, [BPF_JSET >> 4] = NE,
};

static int func_of(const struct bpf_prog *p, uint32_t pc)
{
    int k = 0;
    while (k + 1 < (int)p->nsubprogs && p->subprog_start[k + 1] <= pc)
        k++;
    return k;
}

static int do_jmp(struct jit *j, const struct bpf_insn *in, uint32_t pc)
{
    const struct bpf_prog *p = j->prog;
    uint8_t op = BPF_OP(in->code);
    int w64 = BPF_CLASS(in->code) == BPF_JMP;
    if (op == BPF_EXIT) {
        epilogue(j, j->cur_func);
        return 0;
    }
    if (op == BPF_CALL) {
        if (in->src == BPF_PSEUDO_CALL) {
            bl_to(j, j->func[func_of(p, pc + 1 + (uint32_t)in->imm)]);
            return 0;
        }
        const struct bpf_helper *h = bpf_helper_get(in->imm);
        if (!h)
            return -ENOTSUP;
        mov_imm(j, 1, X9, (uint64_t)(uintptr_t)h->fn);
        emit(j, 0xD63F0000u | (uint32_t)X9 << 5); /* blr x9 */
        mov_reg(j, 1, X7, X0);
        return 0;
    }
    uint32_t target = pc + 1 + (uint32_t)(in->code == (BPF_JMP32 | BPF_JA) ? in->imm : in->off);
    if (op == BPF_JA) {
        b_to(j, j->off[target]);
        return 0;
    }
    uint8_t d = reg_map[in->dst], s;
    if (BPF_SRC(in->code) == BPF_K && op != BPF_JSET && in->imm > -4096 && in->imm < 4096) {
        /* cmp #imm, or cmn #-imm: the same flags (|imm| < 4096, so never INT_MIN) */
        addsub_imm(j, in->imm < 0 ? OP_ADDS_I : OP_SUBS_I, w64, XZR, d, (uint32_t)(in->imm < 0 ? -in->imm : in->imm));
        bcond_to(j, cond_of[op >> 4], j->off[target]);
        return 0;
    }
    if (BPF_SRC(in->code) == BPF_X) {
        s = reg_map[in->src];
    } else {
        s = X9;
        mov_imm(j, w64, X9, (uint64_t)(int64_t)in->imm);
    }
    dp3(j, op == BPF_JSET ? OP_ANDS : OP_SUBS, w64, XZR, d, s);
    bcond_to(j, cond_of[op >> 4], j->off[target]);
    return 0;
}

static int jit_pass(struct jit *j)
{
    const struct bpf_prog *p = j->prog;
    j->pos = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->len; i++) {
        if (k < p->nsubprogs && p->subprog_start[k] == i) {
            j->func[k] = j->pos;
            j->cur_func = k;
            prologue(j, k);
            k++;
        }
        j->off[i] = j->pos;
        const struct bpf_insn *in = &p->insns[i];
        int rc;
        switch (BPF_CLASS(in->code)) {
        case BPF_ALU:
        case BPF_ALU64:
            rc = do_alu(j, in);
            break;
        case BPF_LDX:
        case BPF_ST:
        case BPF_STX:
            rc = do_mem(j, in);
            break;
        case BPF_JMP:
        case BPF_JMP32:
            rc = do_jmp(j, in, i);
            break;
        case BPF_LD:
            mov_imm(j, 1, reg_map[in->dst], (uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32);
            j->off[++i] = j->pos;
            rc = 0;
            break;
        default:
            rc = -ENOTSUP;
        }
        if (rc) {
            if (j->log && j->logsz)
                ksnprintf(j->log, j->logsz, "aarch64 JIT: insn %u (opcode 0x%02x) not supported", (unsigned)i,
                          in->code);
            return rc;
        }
    }
    j->off[p->len] = j->pos;
    return 0;
}

/* bpf_jit_ops: the same pass measures (no code memory) and emits. */
static int a64_pass(void *arg, void *code, uint32_t cap, uint32_t *size)
{
    struct jit *j = arg;
    (void)cap; /* the measured size: sizes do not depend on offsets */
    j->buf = code;
    int rc = jit_pass(j);
    *size = j->pos;
    return rc;
}

static const uint32_t *a64_func_offsets(void *arg) { return ((struct jit *)arg)->func; }

/* No relax() or settled(): one pass measures and a second emits. */
static const struct bpf_jit_ops a64_jit_ops = {
    .name = "aarch64 JIT",
    .unit = 4,
    .pass = a64_pass,
    .func_offsets = a64_func_offsets,
};

int bpf_jit_available(void) { return 1; }

int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    int rc = bpf_jit_check_prog(prog, &a64_jit_ops, log, logsz);
    if (rc)
        return rc;
    struct jit j = {0};
    j.prog = prog;
    j.log = log;
    j.logsz = logsz;
    j.off = kmalloc(sizeof(uint32_t) * (prog->len + 1));
    if (!j.off)
        return -ENOMEM;
    find_saves(&j);
    rc = bpf_jit_build(prog, &a64_jit_ops, &j, log, logsz);
    kfree(j.off);
    return rc;
}
