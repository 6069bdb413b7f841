/**
 * @file bpf_jit.c
 * @brief The riscv64 eBPF JIT (kernel/bpf.h): verified programs to RV64IMA
 *        code in code memory from kernel/jit.h.
 *
 * Registers (BPF -> RISC-V, psABI names). r1-r5 are the argument registers
 * in order, so the C entry (a0 = context, a1 = r2) and helper calls need no
 * moves; r0 lives in a5 (copied from a0 after a helper, to a0 at the
 * outermost exit); r6-r9 and r10 are callee-saved, so helpers and local
 * calls keep them:
 *
 *     r0 a5   r1 a0   r2 a1   r3 a2   r4 a3   r5 a4
 *     r6 s1   r7 s2   r8 s3   r9 s4   r10 s5
 *
 * t0-t3 are scratch (addresses, immediates, masks, LR/SC status); gp and tp
 * are the kernel's per-hart pointers and are never touched.
 *
 * Each function (prog->subprog_start) gets a psABI frame whose record the
 * kernel's unwinder walks (ARCH_FRAME_RECORD_OFFSET: {caller's s0, ra} at
 * s0 - 16), the callee-saved registers its body writes, and its verified
 * stack depth rounded to 16 at the bottom, so sp stays 16-byte aligned at
 * every call:
 *
 *     s0 ->  +--------------+  the caller's sp
 *            | ra           |
 *            | caller's s0  |
 *            | s1..s5 saved |  the ones the body writes, padded to 16
 *     s5 ->  +--------------+  BPF r10
 *            | BPF stack    |
 *     sp ->  +--------------+
 *
 * A local call is `jal ra` to the callee's prologue; a helper call is
 * `auipc ra; jalr ra` (code memory lies within +-2 GiB of the kernel,
 * arch/memlayout.h). Every EXIT inlines the epilogue. There are no tail
 * calls (no helper provides them, on any arch).
 *
 * RFC 9669 on RV64: 32-bit ALU results are computed by the 64-bit (or W)
 * instruction and zero-extended with slli/srli 32 (no Zba); shifts mask
 * their counts as BPF does (sll by the low 6 bits, sllw by the low 5).
 * divu/div give all ones for a zero divisor, so DIV ANDs the quotient with
 * a mask that is 0 exactly then; rem/remu already give the dividend for a
 * zero divisor, and INT_MIN / -1 is INT_MIN, INT_MIN % -1 is 0, which is
 * what the RFC defines. Atomics are AMOs (.aqrl) and an LR/SC loop for
 * cmpxchg; 32-bit fetches and 32-bit compares look only at the low halves.
 * Byte swaps and sign extensions are built from shifts (no Zbb).
 *
 * Conditional branches reach +-4 KiB; a farther one becomes the inverted
 * branch over a `jal` (+-1 MiB, which covers any program of BPF_MAX_INSNS
 * instructions). Sizes depend on that choice, so passes measure first with
 * every branch long, then shorten the branches whose displacement fits;
 * each shortening only brings code closer, so a branch once short stays in
 * range, and when no branch changes, one more pass emits with every offset
 * known (kernel/bpf/jit_common.c runs the passes; rv_jit_ops is the rule).
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>

/* RISC-V integer register numbers */
enum {
    ZERO = 0, RA = 1, SP = 2, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9,
    A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15,
    S2 = 18, S3 = 19, S4 = 20, S5 = 21, T3 = 28,
};

/* BPF register -> x register */
static const uint8_t reg_map[BPF_NREGS] = {A5, A0, A1, A2, A3, A4, S1, S2, S3, S4, S5};

/* The callee-saved registers a function may have to keep: r6-r9, r10. */
static const uint8_t saved_regs[5] = {S1, S2, S3, S4, S5};

#define MAX_SHORTEN_PASSES 16

struct jit {
    const struct bpf_prog *prog;
    uint32_t *buf;      /* NULL in the measuring passes */
    uint32_t cap;       /* instructions buf holds */
    uint32_t pos;       /* instructions emitted */
    uint32_t *off;      /* per BPF slot: its first instruction (len + 1 entries) */
    uint32_t *br_pos;   /* per slot: where its conditional branch is */
    uint8_t *far;       /* per slot: its conditional branch is the long form */
    uint32_t func[BPF_MAX_SUBPROGS]; /* each function's prologue */
    uint8_t saves[BPF_MAX_SUBPROGS]; /* per function: bit n = saved_regs[n] */
    uint32_t cur_func, cur_insn;
    int err;            /* set by an emitter that cannot encode something */
    const char *why;    /* what, for the log */
    char *log;
    size_t logsz;
};

static void emit(struct jit *j, uint32_t insn)
{
    if (j->buf && j->pos < j->cap)
        j->buf[j->pos] = insn;
    j->pos++;
}

static void fail(struct jit *j, const char *why)
{
    if (!j->err) {
        j->err = -ENOTSUP;
        j->why = why;
    }
}

/* ---- Encodings (RISC-V unprivileged ISA, RV64IMA) ------------------------ */

#define OP_LOAD 0x03u
#define OP_IMM 0x13u
#define OP_AUIPC 0x17u
#define OP_IMM32 0x1bu
#define OP_STORE 0x23u
#define OP_AMO 0x2fu
#define OP_REG 0x33u
#define OP_LUI 0x37u
#define OP_REG32 0x3bu
#define OP_BRANCH 0x63u
#define OP_JALR 0x67u
#define OP_JAL 0x6fu

static uint32_t r_type(uint32_t f7, uint8_t rs2, uint8_t rs1, uint32_t f3, uint8_t rd, uint32_t op)
{
    return f7 << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | f3 << 12 | (uint32_t)rd << 7 | op;
}

static uint32_t i_type(int32_t imm, uint8_t rs1, uint32_t f3, uint8_t rd, uint32_t op)
{
    return ((uint32_t)imm & 0xfffu) << 20 | (uint32_t)rs1 << 15 | f3 << 12 | (uint32_t)rd << 7 | op;
}

static uint32_t s_type(int32_t imm, uint8_t rs2, uint8_t rs1, uint32_t f3)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7fu) << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | f3 << 12 | (u & 0x1fu) << 7 |
           OP_STORE;
}

static uint32_t b_type(int32_t disp, uint8_t rs2, uint8_t rs1, uint32_t f3)
{
    uint32_t u = (uint32_t)disp;
    return (u >> 12 & 1u) << 31 | (u >> 5 & 0x3fu) << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | f3 << 12 |
           (u >> 1 & 0xfu) << 8 | (u >> 11 & 1u) << 7 | OP_BRANCH;
}

static uint32_t j_type(int32_t disp, uint8_t rd)
{
    uint32_t u = (uint32_t)disp;
    return (u >> 20 & 1u) << 31 | (u >> 1 & 0x3ffu) << 21 | (u >> 11 & 1u) << 20 | (u >> 12 & 0xffu) << 12 |
           (uint32_t)rd << 7 | OP_JAL;
}

static int fits12(int64_t v) { return v >= -2048 && v <= 2047; }

/* funct3 of the OP/OP-IMM group */
enum { F_ADD = 0, F_SLL = 1, F_SLT = 2, F_SLTU = 3, F_XOR = 4, F_SRL = 5, F_OR = 6, F_AND = 7 };
/* funct3 of the M extension (funct7 1) */
enum { F_MUL = 0, F_DIV = 4, F_DIVU = 5, F_REM = 6, F_REMU = 7 };
/* funct3 of branches */
enum { BEQ = 0, BNE = 1, BLT = 4, BGE = 5, BLTU = 6, BGEU = 7 };

static void addi(struct jit *j, uint8_t rd, uint8_t rs, int32_t imm)
{
    emit(j, i_type(imm, rs, F_ADD, rd, OP_IMM));
}

static void mv(struct jit *j, uint8_t rd, uint8_t rs) { addi(j, rd, rs, 0); }

static void addiw(struct jit *j, uint8_t rd, uint8_t rs, int32_t imm) /* addiw rd, rs, 0 is sext.w */
{
    emit(j, i_type(imm, rs, F_ADD, rd, OP_IMM32));
}

/* Shifts by an immediate: slli, srli, srai (funct6 0x10 above the 6-bit count) */
static void slli(struct jit *j, uint8_t rd, uint8_t rs, unsigned sh)
{
    emit(j, i_type((int32_t)(sh & 63), rs, F_SLL, rd, OP_IMM));
}

static void srli(struct jit *j, uint8_t rd, uint8_t rs, unsigned sh)
{
    emit(j, i_type((int32_t)(sh & 63), rs, F_SRL, rd, OP_IMM));
}

static void srai(struct jit *j, uint8_t rd, uint8_t rs, unsigned sh)
{
    emit(j, i_type((int32_t)(0x400 | (sh & 63)), rs, F_SRL, rd, OP_IMM));
}

/* Register-register operations, 64-bit (OP) and W (OP-32) */
static void alu_rr(struct jit *j, uint32_t f7, uint32_t f3, uint8_t rd, uint8_t rs1, uint8_t rs2)
{
    emit(j, r_type(f7, rs2, rs1, f3, rd, OP_REG));
}

static void alu_rr32(struct jit *j, uint32_t f7, uint32_t f3, uint8_t rd, uint8_t rs1, uint8_t rs2)
{
    emit(j, r_type(f7, rs2, rs1, f3, rd, OP_REG32));
}

/* rd = its low 32 bits, zero-extended (no zext.w without Zba) */
static void zext32(struct jit *j, uint8_t rd, uint8_t rs)
{
    slli(j, rd, rs, 32);
    srli(j, rd, rd, 32);
}

/* rd = @p val: lui/addiw for 32-bit values, else the upper part built
 * recursively, shifted and the low 12 bits added (at most 8 instructions).
 * The low part is sign-extended by addi, so the upper part is rounded by
 * 2^11 first; arithmetic is unsigned so nothing overflows, and bits shifted
 * out at the top do not matter. */
static void emit_imm(struct jit *j, uint8_t rd, int64_t val)
{
    uint64_t u = (uint64_t)val;
    int32_t lower = (int32_t)((u & 0xfffu) ^ 0x800u) - 0x800; /* sign-extended low 12 bits */
    int64_t upper = (int64_t)(u + 0x800u) >> 12;               /* arithmetic: negative values stay short */
    if (val == (int64_t)(int32_t)val) {
        uint32_t up20 = (uint32_t)upper & 0xfffffu;
        if (up20 == 0) {
            addi(j, rd, ZERO, lower);
            return;
        }
        emit(j, up20 << 12 | (uint32_t)rd << 7 | OP_LUI);
        if (lower)
            addiw(j, rd, rd, lower); /* wraps in 32 bits for values just under 2^31 */
        return;
    }
    /* a 64-bit value: upper != 0 here (else val would be its low part) */
    unsigned shift = (unsigned)__builtin_ctzll((uint64_t)upper);
    upper >>= shift; /* arithmetic: signed values stay signed */
    emit_imm(j, rd, upper);
    slli(j, rd, rd, shift + 12);
    if (lower)
        addi(j, rd, rd, lower);
}

static void emit_mem(struct jit *j, int store, unsigned f3, uint8_t r, uint8_t base, int16_t off)
{
    if (!fits12(off)) {
        emit_imm(j, T0, off);
        alu_rr(j, 0, F_ADD, T0, T0, base);
        base = T0;
        off = 0;
    }
    if (store)
        emit(j, s_type(off, r, base, f3));
    else
        emit(j, i_type(off, base, f3, r, OP_LOAD));
}

/* ---- Frames ---------------------------------------------------------------- */

/* The callee-saved registers function @p k writes: r6-r9 as the portable
 * scan finds them (bit n: r6 + n), and s5 (bit 4) when r10 is named at all
 * (the prologue sets it then). Helpers and local calls keep them. */
static uint8_t written_mask(const struct bpf_prog *p, uint32_t k)
{
    uint8_t m = (uint8_t)bpf_subprog_written_r6_r9(p, k);
    uint32_t from = p->subprog_start[k], to = k + 1 < p->nsubprogs ? p->subprog_start[k + 1] : p->len;
    for (uint32_t i = from; i < to && i < p->len; i++) {
        const struct bpf_insn *in = &p->insns[i];
        if (in->dst == BPF_REG_10 || in->src == BPF_REG_10)
            m |= 1u << 4;
        if (BPF_CLASS(in->code) == BPF_LD)
            i++; /* lddw's second slot */
    }
    return m;
}

static uint32_t nsaved(uint8_t m) { return (uint32_t)__builtin_popcount(m); }

static uint32_t depth16(const struct bpf_prog *p, uint32_t k) { return (p->stack_depth[k] + 15u) & ~15u; }

/* The frame's size: record, saves padded to 16, stack (at most 576). */
static int32_t frame_size(const struct jit *j, uint32_t k)
{
    return (int32_t)(16 + ((nsaved(j->saves[k]) * 8 + 15u) & ~15u) + depth16(j->prog, k));
}

static void prologue(struct jit *j, uint32_t k)
{
    int32_t f = frame_size(j, k), at = f - 24;
    addi(j, SP, SP, -f);
    emit(j, s_type(f - 8, RA, SP, 3));  /* sd ra */
    emit(j, s_type(f - 16, S0, SP, 3)); /* sd s0 */
    addi(j, S0, SP, f);                 /* s0 = the caller's sp: the record is at s0 - 16 */
    for (unsigned n = 0; n < 5; n++)
        if (j->saves[k] & (1u << n)) {
            emit(j, s_type(at, saved_regs[n], SP, 3));
            at -= 8;
        }
    if (j->saves[k] & (1u << 4))
        addi(j, S5, SP, (int32_t)depth16(j->prog, k)); /* r10 = the top of the BPF stack */
}

static void epilogue(struct jit *j, uint32_t k)
{
    int32_t f = frame_size(j, k), at = f - 24;
    for (unsigned n = 0; n < 5; n++)
        if (j->saves[k] & (1u << n)) {
            emit(j, i_type(at, SP, 3, saved_regs[n], OP_LOAD));
            at -= 8;
        }
    emit(j, i_type(f - 8, SP, 3, RA, OP_LOAD));
    emit(j, i_type(f - 16, SP, 3, S0, OP_LOAD));
    addi(j, SP, SP, f);
    if (k == 0)
        mv(j, A0, A5);
    emit(j, i_type(0, RA, 0, ZERO, OP_JALR)); /* ret */
}

/* ---- ALU ---------------------------------------------------------------------- */

/* Byte-swap the low @p bytes of @p d into it (zero above): the bytes are
 * taken from the bottom and pushed into t1 from the top down. */
static void bswap(struct jit *j, uint8_t d, unsigned bytes)
{
    emit(j, i_type(0xff, d, F_AND, T1, OP_IMM));
    for (unsigned i = 1; i < bytes; i++) {
        srli(j, T0, d, 8 * i);
        if (i < 7)
            emit(j, i_type(0xff, T0, F_AND, T0, OP_IMM));
        slli(j, T1, T1, 8);
        alu_rr(j, 0, F_OR, T1, T1, T0);
    }
    mv(j, d, T1);
}

/* DIV/MOD of d by the register s (unsigned, or signed with @p sgn), 64 or
 * 32 bits; the caller zero-extends 32-bit results. */
static void divmod_reg(struct jit *j, int w64, int sgn, int mod, uint8_t d, uint8_t s, int may_be_zero)
{
    uint32_t f3 = mod ? (sgn ? F_REM : F_REMU) : (sgn ? F_DIV : F_DIVU);
    if (mod || !may_be_zero) { /* rem by 0 gives the dividend, as the RFC asks */
        (w64 ? alu_rr : alu_rr32)(j, 1, f3, d, d, s);
        return;
    }
    /* t0 = 0 if the divisor is 0, else all ones: x / 0 = 0 */
    if (w64) {
        emit(j, i_type(1, s, F_SLTU, T0, OP_IMM)); /* seqz */
    } else {
        addiw(j, T0, s, 0);                         /* sext.w: 0 iff the low half is */
        emit(j, i_type(1, T0, F_SLTU, T0, OP_IMM));
    }
    addi(j, T0, T0, -1);
    (w64 ? alu_rr : alu_rr32)(j, 1, f3, d, d, s);
    alu_rr(j, 0, F_AND, d, d, T0);
}

/* The register-register form of @p op on d, s (64-bit, or the W form's
 * operand width); 32-bit results are zero-extended by the caller. */
static int alu_reg(struct jit *j, int w64, uint8_t op, int16_t off, uint8_t d, uint8_t s, int may_be_zero)
{
    void (*rr)(struct jit *, uint32_t, uint32_t, uint8_t, uint8_t, uint8_t) = w64 ? alu_rr : alu_rr32;
    switch (op) {
    case BPF_ADD: alu_rr(j, 0, F_ADD, d, d, s); return 0;
    case BPF_SUB: alu_rr(j, 0x20, F_ADD, d, d, s); return 0;
    case BPF_MUL: alu_rr(j, 1, F_MUL, d, d, s); return 0;
    case BPF_OR: alu_rr(j, 0, F_OR, d, d, s); return 0;
    case BPF_AND: alu_rr(j, 0, F_AND, d, d, s); return 0;
    case BPF_XOR: alu_rr(j, 0, F_XOR, d, d, s); return 0;
    case BPF_LSH: rr(j, 0, F_SLL, d, d, s); return 0;
    case BPF_RSH: rr(j, 0, F_SRL, d, d, s); return 0;
    case BPF_ARSH: rr(j, 0x20, F_SRL, d, d, s); return 0;
    case BPF_DIV:
    case BPF_MOD:
        divmod_reg(j, w64, off == 1, op == BPF_MOD, d, s, may_be_zero);
        return 0;
    }
    return -ENOTSUP;
}

static int do_alu(struct jit *j, const struct bpf_insn *in)
{
    int w64 = BPF_CLASS(in->code) == BPF_ALU64;
    uint8_t op = BPF_OP(in->code), d = reg_map[in->dst], s = reg_map[in->src];
    int32_t imm = in->imm;

    if (op == BPF_END) {
        int swap = w64 || BPF_SRC(in->code) == BPF_TO_BE;
        if (imm != 16 && imm != 32 && imm != 64)
            return -ENOTSUP;
        if (swap) {
            bswap(j, d, (unsigned)imm / 8);
        } else if (imm == 16) {
            slli(j, d, d, 48);
            srli(j, d, d, 48);
        } else if (imm == 32) {
            zext32(j, d, d);
        }
        return 0;
    }
    if (op == BPF_NEG) {
        alu_rr(j, 0x20, F_ADD, d, ZERO, d);
    } else if (op == BPF_MOV && BPF_SRC(in->code) == BPF_X) {
        switch (in->off) {
        case 0:
            if (w64)
                mv(j, d, s);
            else
                zext32(j, d, s);
            return 0;
        case 8:
        case 16:
            slli(j, d, s, 64u - (unsigned)in->off);
            if (w64) {
                srai(j, d, d, 64u - (unsigned)in->off);
                return 0;
            }
            srai(j, d, d, 32u - (unsigned)in->off); /* sign-extended to bit 63, the value at bit 32 */
            srli(j, d, d, 32);
            return 0;
        case 32:
            if (w64)
                addiw(j, d, s, 0); /* sext.w */
            else
                zext32(j, d, s);
            return 0;
        }
        return -ENOTSUP;
    } else if (op == BPF_MOV) {
        emit_imm(j, d, w64 ? (int64_t)imm : (int64_t)(uint32_t)imm);
        return 0;
    } else if (BPF_SRC(in->code) == BPF_X) {
        if (alu_reg(j, w64, op, in->off, d, s, 1))
            return -ENOTSUP;
    } else {
        /* an immediate: one instruction where RV64 has the form */
        unsigned bits = w64 ? 64 : 32, sh = (unsigned)imm & (bits - 1);
        if (op == BPF_ADD && fits12(imm)) {
            addi(j, d, d, imm);
        } else if (op == BPF_SUB && fits12(-(int64_t)imm)) {
            addi(j, d, d, -imm);
        } else if ((op == BPF_AND || op == BPF_OR || op == BPF_XOR) && fits12(imm)) {
            emit(j, i_type(imm, d, op == BPF_AND ? F_AND : op == BPF_OR ? F_OR : F_XOR, d, OP_IMM));
        } else if (op == BPF_LSH) {
            if (!w64) { /* up to bit 63, then back down: the low 32 bits, zero-extended */
                slli(j, d, d, 32 + sh);
                srli(j, d, d, 32);
                return 0;
            }
            slli(j, d, d, sh);
        } else if (op == BPF_RSH) {
            if (!w64) {
                slli(j, d, d, 32);
                srli(j, d, d, 32 + sh);
                return 0;
            }
            srli(j, d, d, sh);
        } else if (op == BPF_ARSH) {
            if (w64)
                srai(j, d, d, sh);
            else
                emit(j, i_type((int32_t)(0x400 | sh), d, F_SRL, d, OP_IMM32)); /* sraiw */
        } else if ((op == BPF_DIV || op == BPF_MOD) && imm == 0) {
            if (op == BPF_DIV)
                addi(j, d, ZERO, 0); /* x / 0 = 0; x % 0 = x (its low half for 32 bits) */
        } else {
            emit_imm(j, T1, imm);
            if (alu_reg(j, w64, op, in->off, d, T1, 0))
                return -ENOTSUP;
        }
    }
    if (!w64)
        zext32(j, d, d);
    return 0;
}

/* ---- Loads, stores, atomics ------------------------------------------------------ */

/* funct3 by BPF size (BPF_W, H, B, DW >> 3): plain loads zero-extend */
static const uint8_t ld_f3[4] = {6, 5, 4, 3};   /* lwu lhu lbu ld */
static const uint8_t ldsx_f3[4] = {2, 1, 0, 3}; /* lw lh lb (ld) */
static const uint8_t st_f3[4] = {2, 1, 0, 3};   /* sw sh sb sd */

/* AMO funct5 */
enum { AMO_ADD = 0x00, AMO_SWAP = 0x01, AMO_LR = 0x02, AMO_SC = 0x03, AMO_XOR = 0x04, AMO_OR = 0x08, AMO_AND = 0x0c };

/* amo<op>.{w,d}.aqrl rd, rs2, (rs1): sequentially consistent, as the
 * interpreter's __ATOMIC_SEQ_CST */
static void amo(struct jit *j, uint32_t f5, int w64, uint8_t rd, uint8_t rs1, uint8_t rs2)
{
    emit(j, r_type(f5 << 2 | 3u, rs2, rs1, w64 ? 3 : 2, rd, OP_AMO));
}

static int do_atomic(struct jit *j, const struct bpf_insn *in)
{
    int w64 = BPF_SIZE(in->code) == BPF_DW;
    uint8_t d = reg_map[in->dst], s = reg_map[in->src], a = d;
    if (!w64 && BPF_SIZE(in->code) != BPF_W)
        return -ENOTSUP;
    if (in->off && fits12(in->off)) {
        addi(j, T0, d, in->off);
        a = T0;
    } else if (in->off) {
        emit_imm(j, T0, in->off);
        alu_rr(j, 0, F_ADD, T0, T0, d);
        a = T0;
    }
    uint32_t f5;
    switch (in->imm & ~BPF_FETCH) {
    case BPF_ADD: f5 = AMO_ADD; break;
    case BPF_OR: f5 = AMO_OR; break;
    case BPF_AND: f5 = AMO_AND; break;
    case BPF_XOR: f5 = AMO_XOR; break;
    case BPF_XCHG & ~BPF_FETCH:
        if (in->imm != BPF_XCHG)
            return -ENOTSUP;
        f5 = AMO_SWAP;
        break;
    case BPF_CMPXCHG & ~BPF_FETCH: {
        if (in->imm != BPF_CMPXCHG)
            return -ENOTSUP;
        /* t1 = old (lr.w sign-extends, so compare with r0's low half
         * sign-extended), t3 = the sc's status */
        uint8_t expect = A5;
        if (!w64) {
            addiw(j, T2, A5, 0);
            expect = T2;
        }
        emit(j, r_type(AMO_LR << 2 | 3u, ZERO, a, w64 ? 3 : 2, T1, OP_AMO));
        emit(j, b_type(12, expect, T1, BNE)); /* to the fence */
        emit(j, r_type(AMO_SC << 2 | 3u, s, a, w64 ? 3 : 2, T3, OP_AMO));
        emit(j, b_type(-12, ZERO, T3, BNE)); /* lost the reservation: again */
        emit(j, 0x0330000fu);                /* fence rw, rw: a failed compare orders too */
        if (w64)
            mv(j, A5, T1);
        else
            zext32(j, A5, T1);
        return 0;
    }
    default:
        return -ENOTSUP;
    }
    if (!(in->imm & BPF_FETCH)) {
        amo(j, f5, w64, ZERO, a, s);
        return 0;
    }
    amo(j, f5, w64, T1, a, s);
    if (w64)
        mv(j, s, T1);
    else
        zext32(j, s, T1); /* amo*.w sign-extends what it read */
    return 0;
}

static int do_mem(struct jit *j, const struct bpf_insn *in)
{
    uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
    unsigned sz = BPF_SIZE(in->code) >> 3;
    uint8_t d = reg_map[in->dst], s = reg_map[in->src];
    if (cls == BPF_LDX) {
        if (mode == BPF_MEMSX && BPF_SIZE(in->code) != BPF_DW)
            emit_mem(j, 0, ldsx_f3[sz], d, s, in->off);
        else if (mode == BPF_MEM)
            emit_mem(j, 0, ld_f3[sz], d, s, in->off);
        else
            return -ENOTSUP;
        return 0;
    }
    if (cls == BPF_ST) {
        if (mode != BPF_MEM)
            return -ENOTSUP;
        uint8_t v = ZERO;
        if (in->imm) {
            emit_imm(j, T1, in->imm);
            v = T1;
        }
        emit_mem(j, 1, st_f3[sz], v, d, in->off);
        return 0;
    }
    if (mode == BPF_MEM) {
        emit_mem(j, 1, st_f3[sz], s, d, in->off);
        return 0;
    }
    if (mode == BPF_ATOMIC)
        return do_atomic(j, in);
    return -ENOTSUP;
}

/* ---- Jumps and calls -------------------------------------------------------------- */

/* A branch to BPF slot @p t when rs1 <cond> rs2: short when the last
 * measurement said it fits, else the inverted condition over a jal. The
 * target's offset is this pass's for backward jumps and the previous
 * pass's (the same in the emitting pass) for forward ones. */
static void branch(struct jit *j, uint32_t cond, uint8_t rs1, uint8_t rs2, uint32_t t)
{
    int64_t disp = ((int64_t)j->off[t] - (int64_t)j->pos) * 4;
    j->br_pos[j->cur_insn] = j->pos;
    if (!j->far[j->cur_insn]) {
        if (j->buf && (disp < -4096 || disp > 4094))
            fail(j, "a short branch out of range");
        emit(j, b_type((int32_t)disp, rs2, rs1, cond));
        return;
    }
    emit(j, b_type(8, rs2, rs1, cond ^ 1)); /* beq/bne, blt/bge, bltu/bgeu differ in bit 0 */
    disp -= 4;
    if (j->buf && (disp < -(1 << 20) || disp >= (1 << 20)))
        fail(j, "a jump beyond +-1 MiB");
    emit(j, j_type((int32_t)disp, ZERO));
}

static void jal_to(struct jit *j, uint8_t rd, uint32_t to)
{
    int64_t disp = ((int64_t)to - (int64_t)j->pos) * 4;
    if (j->buf && (disp < -(1 << 20) || disp >= (1 << 20)))
        fail(j, "a jump beyond +-1 MiB");
    emit(j, j_type((int32_t)disp, rd));
}

/* The function whose first instruction is @p insn, or -1. */
static int func_at(const struct bpf_prog *p, uint32_t insn)
{
    for (uint32_t k = 0; k < p->nsubprogs; k++)
        if (p->subprog_start[k] == insn)
            return (int)k;
    return -1;
}

static int call_helper(struct jit *j, int32_t id)
{
    const struct bpf_helper *h = bpf_helper_get(id);
    if (!h)
        return -ENOTSUP;
    int64_t rel = 0;
    if (j->buf) {
        rel = (int64_t)((uintptr_t)h->fn - (uintptr_t)&j->buf[j->pos]);
        if (rel < INT32_MIN || rel >= (int64_t)INT32_MAX - 0x7ff) {
            fail(j, "a helper beyond +-2 GiB");
            rel = 0;
        }
    }
    int32_t lo = (int32_t)(((uint32_t)rel & 0xfffu) ^ 0x800u) - 0x800;
    uint32_t hi = (uint32_t)((rel - lo) >> 12) & 0xfffffu;
    emit(j, hi << 12 | (uint32_t)RA << 7 | OP_AUIPC);
    emit(j, i_type(lo, RA, 0, RA, OP_JALR));
    mv(j, A5, A0);
    return 0;
}

static int do_jmp(struct jit *j, const struct bpf_insn *in, uint32_t i)
{
    const struct bpf_prog *p = j->prog;
    uint8_t op = BPF_OP(in->code);
    int w64 = BPF_CLASS(in->code) == BPF_JMP;
    if (op == BPF_EXIT) {
        if (!w64)
            return -ENOTSUP;
        epilogue(j, j->cur_func);
        return 0;
    }
    if (op == BPF_CALL) {
        if (!w64)
            return -ENOTSUP;
        if (in->src == 0)
            return call_helper(j, in->imm);
        int k = in->src == BPF_PSEUDO_CALL ? func_at(p, i + 1 + (uint32_t)in->imm) : -1;
        if (k < 0)
            return -ENOTSUP;
        jal_to(j, RA, j->func[k]);
        return 0;
    }
    int64_t t = (int64_t)i + 1 + (op == BPF_JA && !w64 ? (int64_t)in->imm : (int64_t)in->off);
    if (t < 0 || t >= (int64_t)p->len)
        return -ENOTSUP;
    if (op == BPF_JA) {
        jal_to(j, ZERO, j->off[t]);
        return 0;
    }
    uint8_t d = reg_map[in->dst], s = ZERO;
    if (BPF_SRC(in->code) == BPF_X) {
        s = reg_map[in->src];
    } else if (op == BPF_JSET && fits12(in->imm)) {
        s = ZERO; /* andi below */
    } else if (in->imm) {
        emit_imm(j, T1, in->imm); /* sign-extended: for 32 bits, what sext.w of the low half gives */
        s = T1;
    }
    if (op == BPF_JSET) {
        if (BPF_SRC(in->code) == BPF_K && fits12(in->imm))
            emit(j, i_type(in->imm, d, F_AND, T0, OP_IMM));
        else
            alu_rr(j, 0, F_AND, T0, d, s);
        if (!w64)
            slli(j, T0, T0, 32);
        branch(j, BNE, T0, ZERO, (uint32_t)t);
        return 0;
    }
    if (!w64) {
        /* compare the low halves sign-extended: that keeps their signed
         * order and, as a monotonic map, their unsigned order too */
        addiw(j, T0, d, 0);
        d = T0;
        if (s != ZERO && s != T1) {
            addiw(j, T1, s, 0);
            s = T1;
        }
    }
    switch (op) {
    case BPF_JEQ: branch(j, BEQ, d, s, (uint32_t)t); return 0;
    case BPF_JNE: branch(j, BNE, d, s, (uint32_t)t); return 0;
    case BPF_JGT: branch(j, BLTU, s, d, (uint32_t)t); return 0;
    case BPF_JGE: branch(j, BGEU, d, s, (uint32_t)t); return 0;
    case BPF_JLT: branch(j, BLTU, d, s, (uint32_t)t); return 0;
    case BPF_JLE: branch(j, BGEU, s, d, (uint32_t)t); return 0;
    case BPF_JSGT: branch(j, BLT, s, d, (uint32_t)t); return 0;
    case BPF_JSGE: branch(j, BGE, d, s, (uint32_t)t); return 0;
    case BPF_JSLT: branch(j, BLT, d, s, (uint32_t)t); return 0;
    case BPF_JSLE: branch(j, BGE, s, d, (uint32_t)t); return 0;
    }
    return -ENOTSUP;
}

/* ---- Passes -------------------------------------------------------------------- */

static int jit_fail(struct jit *j, uint32_t i, const char *why)
{
    if (j->log && j->logsz)
        ksnprintf(j->log, j->logsz, "riscv64 JIT: insn %u (opcode 0x%02x): %s", (unsigned)i,
                  (unsigned)j->prog->insns[i].code, why);
    return -ENOTSUP;
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
        j->cur_insn = i;
        const struct bpf_insn *in = &p->insns[i];
        /* the verifier has checked all this, but reg_map[] is never indexed out of bounds */
        if (in->dst >= BPF_NREGS || in->src >= BPF_NREGS)
            return jit_fail(j, i, "no such register");
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
        default: /* BPF_LD: only lddw */
            if (in->code != (BPF_LD | BPF_DW | BPF_IMM) || i + 1 >= p->len) {
                rc = -ENOTSUP;
                break;
            }
            emit_imm(j, reg_map[in->dst], (int64_t)((uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32));
            j->off[++i] = j->pos;
            rc = 0;
            break;
        }
        if (rc)
            return jit_fail(j, i, "instruction not supported");
        if (j->err)
            return jit_fail(j, i, j->why);
    }
    j->off[p->len] = j->pos;
    return 0;
}

/* Shorten the branches whose displacement in the last pass fits in a
 * B-type (+-4 KiB); 1 if any did. */
static int shorten(struct jit *j)
{
    /* Locals: a byte store to far[] could alias j's fields for the
     * compiler, which would reload them every turn. */
    const struct bpf_insn *insns = j->prog->insns;
    const uint32_t len = j->prog->len, *off = j->off, *br_pos = j->br_pos;
    uint8_t *far = j->far;
    int changed = 0;
    for (uint32_t i = 0; i < len; i++) {
        const struct bpf_insn *in = &insns[i];
        uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
        if (!far[i] || (cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_JA || op == BPF_CALL ||
            op == BPF_EXIT)
            continue;
        int64_t t = (int64_t)i + 1 + in->off, disp = ((int64_t)off[t] - (int64_t)br_pos[i]) * 4;
        if (disp >= -4096 && disp <= 4094) {
            far[i] = 0;
            changed = 1;
        }
    }
    return changed;
}

/* bpf_jit_ops: every pass starts from the branches shorten() left long. */
static int rv_pass(void *arg, void *code, uint32_t cap, uint32_t *size)
{
    struct jit *j = arg;
    j->buf = code;
    j->cap = cap;
    int rc = jit_pass(j);
    *size = j->pos;
    return rc;
}

static int rv_relax(void *arg) { return shorten(arg); }

static const uint32_t *rv_func_offsets(void *arg) { return ((struct jit *)arg)->func; }

/* relax() until no branch shortens; then one emitting pass with the same
 * layout as the last measure, every offset known. */
static const struct bpf_jit_ops rv_jit_ops = {
    .name = "riscv64 JIT",
    .unit = 4,
    .pass = rv_pass,
    .relax = rv_relax,
    .func_offsets = rv_func_offsets,
    .max_passes = MAX_SHORTEN_PASSES,
};

int bpf_jit_available(void) { return 1; }

int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    int rc = bpf_jit_check_prog(prog, &rv_jit_ops, log, logsz);
    if (rc)
        return rc;
    if (prog->len > BPF_MAX_INSNS) { /* far branches reach +-1 MiB: no farther */
        if (log && logsz)
            ksnprintf(log, logsz, "riscv64 JIT: no functions");
        return -ENOTSUP;
    }
    struct jit j = {0};
    j.prog = prog;
    j.log = log;
    j.logsz = logsz;
    uint32_t n = prog->len + 1;
    uint32_t *mem = kmalloc(sizeof(uint32_t) * 2 * n + n);
    if (!mem)
        return -ENOMEM;
    j.off = mem;
    j.br_pos = mem + n;
    j.far = (uint8_t *)(mem + 2 * n);
    for (uint32_t i = 0; i < n; i++) {
        j.off[i] = j.br_pos[i] = 0;
        j.far[i] = 1; /* every conditional branch long until measured */
    }
    for (uint32_t k = 0; k < prog->nsubprogs; k++) {
        if (prog->stack_depth[k] > BPF_STACK_SIZE) { /* frames are addressed with 12-bit immediates */
            if (log && logsz)
                ksnprintf(log, logsz, "riscv64 JIT: function %u uses %u bytes of stack, more than %d",
                          (unsigned)k, (unsigned)prog->stack_depth[k], BPF_STACK_SIZE);
            kfree(mem);
            return -ENOTSUP;
        }
        j.saves[k] = written_mask(prog, k);
    }
    rc = bpf_jit_build(prog, &rv_jit_ops, &j, log, logsz);
    kfree(mem);
    return rc;
}
