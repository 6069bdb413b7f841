/**
 * @file bpf_jit.c
 * @brief The x86_64 eBPF JIT (kernel/bpf.h): verified programs to machine
 *        code in code memory (kernel/jit.h).
 *
 * Register map (BPF -> x86_64). r1-r5 are the SysV argument registers in
 * order, so helpers are called without moving anything, and r0 is the
 * return register; r6-r10 are callee-saved, so they survive helper calls:
 *
 *     r0 rax   r1 rdi   r2 rsi   r3 rdx   r4 rcx   r5 r8
 *     r6 rbx   r7 r13   r8 r14   r9 r15   r10 rbp
 *
 * r9, r10 and r11 of x86 are scratch (divisor, saved rax/rdx, shift
 * counts, cmpxchg loops). r12 is never used.
 *
 * Every function (the main program and each program-local function) has
 * the same kind of frame:
 *
 *     push rbp; mov rbp, rsp         ; a frame record: backtraces walk it
 *     sub rsp, depth                 ; depth rounded up to 16; BPF r10 = rbp
 *     push <those of rbx, r13, r14, r15 it writes>; [sub rsp, 8]
 *     ...
 *     [add rsp, 8]; pop <them>; leave; ret
 *
 * so a callee keeps the caller's r6-r10 as BPF requires (and the main
 * function its C caller's callee-saved registers), and rsp is 16-byte
 * aligned at every call (helpers are SysV functions). Program-local calls
 * are `call rel32`; helper calls are `call rel32` when the helper is in
 * reach of the whole region, else `movabs rax, addr; call rax` (in the host
 * tests code memory is mmap()ed anywhere).
 *
 * Code is generated in passes: the first with every jump long gives an
 * upper bound of the size, code memory is allocated, then passes repeat,
 * each choosing rel8 for jumps whose displacement (from the previous pass)
 * fits, until two passes agree on every offset. Sizes only shrink from
 * pass to pass, so this ends, and the last pass's bytes are exact. The
 * loop is kernel/bpf/jit_common.c's; this file gives it x64_jit_ops.
 *
 * Semantics follow the interpreter (kernel/bpf/interp.c) and RFC 9669:
 * division and modulo by zero and INT_MIN / -1 are tested for and branched
 * around, so no program can raise #DE. 32-bit operations use 32-bit x86
 * instructions, which zero-extend for free. One peephole: `jeq/jne r, 0`
 * right after an add/sub/and/or/xor of r (and not a jump target) reuses
 * its flags instead of testing r again.
 */
#include <kernel/bpf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>

/* x86_64 register numbers */
enum {
    RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
    R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
};

static const uint8_t reg_map[BPF_NREGS] = {RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP};

/* condition codes (the low nibble of jcc) */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7, CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf };

#define MAX_PASSES 40

struct jit {
    uint8_t *buf;     /* NULL: measuring only */
    uint32_t cap;     /* bytes buf may hold */
    uint32_t pos;     /* current offset */
    int overflow;     /* wrote (would write) past cap */
    uintptr_t base;   /* the address buf will run at (0: unknown yet) */
    uint32_t size0;   /* the first pass's size: the region's size */
    int first;        /* first pass: no offsets yet, every jump long */
    const struct bpf_prog *prog;
    uint32_t *off;      /* this pass: offset of insn i's code (len + 1 entries) */
    uint32_t *prev_off; /* the previous pass's */
    uint32_t *end;      /* this pass: offset after insn i's code */
    uint32_t *prev_end;
    uint32_t *func;     /* this pass: offset of function k's prologue */
    uint32_t *prev_func;
    uint8_t saved[BPF_MAX_SUBPROGS]; /* bpf_subprog_written_r6_r9() of each function */
    uint32_t *target;                /* nonzero: a jump lands on insn i, or a function starts there */
    unsigned cur_func;               /* the function being emitted */
    char *log;
    size_t logsz;
};

/* ---- Byte emission -------------------------------------------------- */

static void emit1(struct jit *j, uint8_t b)
{
    if (j->buf) {
        if (j->pos < j->cap)
            j->buf[j->pos] = b;
        else
            j->overflow = 1;
    }
    j->pos++;
}

static void emit2(struct jit *j, uint8_t a, uint8_t b)
{
    emit1(j, a);
    emit1(j, b);
}

static void emit3(struct jit *j, uint8_t a, uint8_t b, uint8_t c)
{
    emit1(j, a);
    emit1(j, b);
    emit1(j, c);
}

static void emit32(struct jit *j, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        emit1(j, (uint8_t)(v >> (8 * i)));
}

static void emit64(struct jit *j, uint64_t v)
{
    emit32(j, (uint32_t)v);
    emit32(j, (uint32_t)(v >> 32));
}

static int fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

static int fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

/* A rel8 to be patched: returns where its byte is. */
static uint32_t emit_rel8_hole(struct jit *j)
{
    uint32_t at = j->pos;
    emit1(j, 0);
    return at;
}

/* Point the rel8 at @p at to the current position. */
static void patch_rel8(struct jit *j, uint32_t at)
{
    if (j->buf && at < j->cap)
        j->buf[at] = (uint8_t)(int8_t)(j->pos - (at + 1));
}

/* REX prefix for an instruction with ModRM reg field @p reg and rm/base
 * @p rm (x86 numbers); @p w: 64-bit operand; @p byte_regs: the operands
 * are byte registers, so sil/dil/bpl/spl need an (empty) REX. */
static void emit_rex(struct jit *j, int w, int reg, int rm, int byte_regs)
{
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
    if (rex != 0x40 || (byte_regs && ((reg >= 4 && reg < 8) || (rm >= 4 && rm < 8))))
        emit1(j, rex);
}

static void emit_modrm_reg(struct jit *j, int reg, int rm)
{
    emit1(j, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* ModRM (+SIB, +disp) for [base + disp]. */
static void emit_modrm_mem(struct jit *j, int reg, int base, int32_t disp)
{
    int mod = disp == 0 && (base & 7) != RBP ? 0 : fits8(disp) ? 1 : 2;
    emit1(j, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
    if ((base & 7) == RSP)
        emit1(j, 0x24);
    if (mod == 1)
        emit1(j, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        emit32(j, (uint32_t)disp);
}

/* op r/m(dst), reg(src), register form: opcode @p op (01 add, 29 sub,
 * 09 or, 21 and, 31 xor, 89 mov, 39 cmp, 85 test, ...). */
static void emit_rr(struct jit *j, uint8_t op, int w, int dst, int src)
{
    emit_rex(j, w, src, dst, 0);
    emit1(j, op);
    emit_modrm_reg(j, src, dst);
}

/* Two-byte opcode 0F @p op with reg = @p reg, rm = @p rm (movzx, imul, ...). */
static void emit_0f_rr(struct jit *j, uint8_t op, int w, int reg, int rm, int byte_regs)
{
    emit_rex(j, w, reg, rm, byte_regs);
    emit2(j, 0x0f, op);
    emit_modrm_reg(j, reg, rm);
}

/* Group-1 ALU with an immediate: /ext 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp. */
static void emit_alu_imm(struct jit *j, int ext, int w, int dst, int32_t imm)
{
    emit_rex(j, w, 0, dst, 0);
    if (fits8(imm)) {
        emit2(j, 0x83, (uint8_t)(0xc0 | (ext << 3) | (dst & 7)));
        emit1(j, (uint8_t)(int8_t)imm);
    } else {
        emit2(j, 0x81, (uint8_t)(0xc0 | (ext << 3) | (dst & 7)));
        emit32(j, (uint32_t)imm);
    }
}

static void emit_mov_rr(struct jit *j, int w, int dst, int src)
{
    emit_rr(j, 0x89, w, dst, src);
}

/* dst = imm (64-bit: sign-extended; 32-bit: zero-extended). */
static void emit_mov_imm(struct jit *j, int w, int dst, int32_t imm)
{
    if (imm == 0) {
        emit_rr(j, 0x31, 0, dst, dst); /* xor r32, r32 */
    } else if (!w || imm > 0) {
        emit_rex(j, 0, 0, dst, 0);
        emit1(j, (uint8_t)(0xb8 | (dst & 7)));
        emit32(j, (uint32_t)imm);
    } else {
        emit_rex(j, 1, 0, dst, 0);
        emit2(j, 0xc7, (uint8_t)(0xc0 | (dst & 7)));
        emit32(j, (uint32_t)imm);
    }
}

static void emit_mov_imm64(struct jit *j, int dst, uint64_t v)
{
    if (v <= UINT32_MAX) {
        emit_mov_imm(j, 0, dst, (int32_t)(uint32_t)v);
    } else if ((int64_t)v >= INT32_MIN && (int64_t)v < 0) {
        emit_mov_imm(j, 1, dst, (int32_t)(int64_t)v);
    } else {
        emit_rex(j, 1, 0, dst, 0);
        emit1(j, (uint8_t)(0xb8 | (dst & 7)));
        emit64(j, v);
    }
}

/* Zero-extend the low 32 bits of @p r into itself. */
static void emit_zext32(struct jit *j, int r)
{
    emit_mov_rr(j, 0, r, r);
}

/* ---- Frames -------------------------------------------------------- */

/* rbp (BPF r10) is saved by every function; rbx, r13, r14, r15 (BPF r6-r9)
 * only by those that write them. */
static const uint8_t callee_saved[4] = {RBX, R13, R14, R15};

static void emit_push(struct jit *j, int r)
{
    if (r & 8)
        emit1(j, 0x41);
    emit1(j, (uint8_t)(0x50 | (r & 7)));
}

static void emit_pop(struct jit *j, int r)
{
    if (r & 8)
        emit1(j, 0x41);
    emit1(j, (uint8_t)(0x58 | (r & 7)));
}

/* A frame record the kernel's unwinder can walk ([rbp] = the caller's rbp,
 * [rbp + 8] = the return address), the BPF stack right under it, then the
 * written callee-saved registers, padded so rsp is 16-byte aligned (the
 * entry's rsp is 8 off):
 *
 *     push rbp; mov rbp, rsp; sub rsp, depth16; push <regs>; [sub rsp, 8]
 */
static void emit_prologue(struct jit *j, unsigned k)
{
    unsigned mask = j->saved[k], n = 0;
    emit_push(j, RBP);
    emit_mov_rr(j, 1, RBP, RSP);
    uint32_t d = ((uint32_t)j->prog->stack_depth[k] + 15u) & ~15u;
    if (d)
        emit_alu_imm(j, 5, 1, RSP, (int32_t)d);
    for (unsigned i = 0; i < 4; i++)
        if (mask & (1u << i)) {
            emit_push(j, callee_saved[i]);
            n++;
        }
    if (n % 2)
        emit_alu_imm(j, 5, 1, RSP, 8);
}

/* rsp is where the prologue left it at every exit (calls are balanced). */
static void emit_epilogue(struct jit *j)
{
    unsigned mask = j->saved[j->cur_func], n = 0;
    for (unsigned i = 0; i < 4; i++)
        n += (mask >> i) & 1;
    if (n % 2)
        emit_alu_imm(j, 0, 1, RSP, 8);
    for (unsigned i = 4; i-- > 0;)
        if (mask & (1u << i))
            emit_pop(j, callee_saved[i]);
    emit1(j, 0xc9); /* leave */
    emit1(j, 0xc3);
}

/* ---- Jumps ------------------------------------------------------------ */

/* A jump (cc < 0: jmp; else jcc) to code offset @p target estimated from
 * the previous pass; @p prev_from is where the previous pass put the end of
 * this jump. Chooses rel8 when the previous pass's displacement fits. */
static void emit_jump(struct jit *j, int cc, uint32_t target, uint32_t prev_from)
{
    int64_t est = (int64_t)target - (int64_t)prev_from;
    int shrt = !j->first && fits8(est);
    if (shrt) {
        emit2(j, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc), (uint8_t)(int8_t)est);
    } else {
        if (cc < 0)
            emit1(j, 0xe9);
        else
            emit2(j, 0x0f, (uint8_t)(0x80 | cc));
        emit32(j, (uint32_t)(int32_t)est);
    }
}

/* ---- ALU ------------------------------------------------------------ */

/* Shift dst by the count in BPF register src (x86 wants it in cl).
 * @p ext: /4 shl, /5 shr, /7 sar. */
static void emit_shift_reg(struct jit *j, int ext, int w, int dst, int src)
{
    int target = dst;
    if (src != RCX) {
        emit_mov_rr(j, 1, R11, RCX);
        if (dst == RCX)
            target = R11;
        emit_mov_rr(j, 1, RCX, src);
    }
    emit_rex(j, w, 0, target, 0);
    emit2(j, 0xd3, (uint8_t)(0xc0 | (ext << 3) | (target & 7)));
    if (src != RCX)
        emit_mov_rr(j, 1, RCX, R11); /* the result if dst is rcx, else rcx back */
    if (!w)
        emit_zext32(j, dst); /* even when the count was 0 */
}

/* DIV/MOD (unsigned, or signed with @p sgn), 32 or 64 bits, dst op= the
 * divisor in r11 (already loaded). @p checked: r11 may be 0 (and -1 for
 * signed), so test and branch. */
static void emit_divmod(struct jit *j, int w, int sgn, int mod, int dst, int checked)
{
    uint32_t jz = 0, jne = 0, jdone1 = 0, jdone2 = 0;
    if (checked) {
        emit_rr(j, 0x85, w, R11, R11); /* test r11, r11 */
        emit1(j, 0x74);
        jz = emit_rel8_hole(j);
        if (sgn) {
            emit_alu_imm(j, 7, w, R11, -1); /* cmp r11, -1 */
            emit1(j, 0x75);
            jne = emit_rel8_hole(j);
            if (mod) {
                emit_rr(j, 0x31, 0, dst, dst); /* x % -1 = 0 */
            } else {
                emit_rex(j, w, 0, dst, 0); /* x / -1 = -x, INT_MIN stays */
                emit2(j, 0xf7, (uint8_t)(0xd8 | (dst & 7)));
            }
            emit1(j, 0xeb);
            jdone1 = emit_rel8_hole(j);
            patch_rel8(j, jne);
        }
    }
    if (dst != RAX)
        emit_mov_rr(j, 1, R9, RAX);
    if (dst != RDX)
        emit_mov_rr(j, 1, R10, RDX);
    if (dst != RAX)
        emit_mov_rr(j, 1, RAX, dst);
    if (sgn) {
        if (w)
            emit1(j, 0x48);
        emit1(j, 0x99); /* cqo / cdq */
    } else {
        emit_rr(j, 0x31, 0, RDX, RDX);
    }
    emit_rex(j, w, 0, R11, 0);
    emit2(j, 0xf7, (uint8_t)(0xc0 | ((sgn ? 7 : 6) << 3) | (R11 & 7))); /* (i)div r11 */
    int res = mod ? RDX : RAX;
    if (dst != res)
        emit_mov_rr(j, w, dst, res); /* 32-bit results are already zero-extended */
    if (dst != RAX)
        emit_mov_rr(j, 1, RAX, R9);
    if (dst != RDX)
        emit_mov_rr(j, 1, RDX, R10);
    if (checked) {
        emit1(j, 0xeb);
        jdone2 = emit_rel8_hole(j);
        patch_rel8(j, jz);
        if (!mod)
            emit_rr(j, 0x31, 0, dst, dst); /* x / 0 = 0 */
        else if (!w)
            emit_zext32(j, dst); /* x % 0 = x (low 32 bits) */
        patch_rel8(j, jdone2);
        if (sgn)
            patch_rel8(j, jdone1);
    }
}

static int emit_alu(struct jit *j, const struct bpf_insn *in)
{
    int w = BPF_CLASS(in->code) == BPF_ALU64;
    int op = BPF_OP(in->code);
    int x = BPF_SRC(in->code) == BPF_X;
    int dst = reg_map[in->dst], src = reg_map[in->src];
    int32_t imm = in->imm;

    switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_OR:
    case BPF_AND:
    case BPF_XOR: {
        static const uint8_t rr[] = {[BPF_ADD >> 4] = 0x01, [BPF_SUB >> 4] = 0x29, [BPF_OR >> 4] = 0x09,
                                     [BPF_AND >> 4] = 0x21, [BPF_XOR >> 4] = 0x31};
        static const uint8_t ext[] = {[BPF_ADD >> 4] = 0, [BPF_SUB >> 4] = 5, [BPF_OR >> 4] = 1,
                                      [BPF_AND >> 4] = 4, [BPF_XOR >> 4] = 6};
        if (x)
            emit_rr(j, rr[op >> 4], w, dst, src);
        else
            emit_alu_imm(j, ext[op >> 4], w, dst, imm);
        return 0;
    }
    case BPF_MOV:
        if (!x && in->off) {
            return -1; /* not an instruction; the interpreter's meaning is its own */
        } else if (!x) {
            emit_mov_imm(j, w, dst, imm);
        } else if (in->off == 8) {
            emit_0f_rr(j, 0xbe, w, dst, src, 1); /* movsx r, r8 */
        } else if (in->off == 16) {
            emit_0f_rr(j, 0xbf, w, dst, src, 0); /* movsx r, r16 */
        } else if (in->off == 32 && w) {
            emit_rex(j, 1, dst, src, 0); /* movsxd */
            emit1(j, 0x63);
            emit_modrm_reg(j, dst, src);
        } else if (in->off == 0 || in->off == 32) {
            if (w && dst == src)
                return 0;
            emit_mov_rr(j, w, dst, src);
        } else {
            return -1;
        }
        return 0;
    case BPF_NEG:
        emit_rex(j, w, 0, dst, 0);
        emit2(j, 0xf7, (uint8_t)(0xd8 | (dst & 7)));
        return 0;
    case BPF_MUL:
        if (x) {
            emit_0f_rr(j, 0xaf, w, dst, src, 0);
        } else {
            emit_rex(j, w, dst, dst, 0);
            if (fits8(imm)) {
                emit2(j, 0x6b, (uint8_t)(0xc0 | ((dst & 7) << 3) | (dst & 7)));
                emit1(j, (uint8_t)(int8_t)imm);
            } else {
                emit2(j, 0x69, (uint8_t)(0xc0 | ((dst & 7) << 3) | (dst & 7)));
                emit32(j, (uint32_t)imm);
            }
        }
        return 0;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
        int e = op == BPF_LSH ? 4 : op == BPF_RSH ? 5 : 7;
        if (x) {
            emit_shift_reg(j, e, w, dst, src);
        } else {
            int n = imm & (w ? 63 : 31);
            if (n == 0) {
                if (!w)
                    emit_zext32(j, dst);
            } else {
                emit_rex(j, w, 0, dst, 0);
                if (n == 1) {
                    emit2(j, 0xd1, (uint8_t)(0xc0 | (e << 3) | (dst & 7)));
                } else {
                    emit2(j, 0xc1, (uint8_t)(0xc0 | (e << 3) | (dst & 7)));
                    emit1(j, (uint8_t)n);
                }
            }
        }
        return 0;
    }
    case BPF_DIV:
    case BPF_MOD: {
        int sgn = in->off == 1, mod = op == BPF_MOD;
        if (in->off != 0 && in->off != 1)
            return -1;
        if (x) {
            emit_mov_rr(j, w, R11, src);
            emit_divmod(j, w, sgn, mod, dst, 1);
            return 0;
        }
        if (imm == 0) {
            if (!mod)
                emit_rr(j, 0x31, 0, dst, dst);
            else if (!w)
                emit_zext32(j, dst);
            return 0;
        }
        if (sgn && imm == -1) {
            if (mod) {
                emit_rr(j, 0x31, 0, dst, dst);
            } else {
                emit_rex(j, w, 0, dst, 0);
                emit2(j, 0xf7, (uint8_t)(0xd8 | (dst & 7)));
            }
            return 0;
        }
        emit_mov_imm(j, w, R11, imm);
        emit_divmod(j, w, sgn, mod, dst, 0);
        return 0;
    }
    case BPF_END:
        if (!w && BPF_SRC(in->code) == BPF_TO_LE) {
            if (imm == 16)
                emit_0f_rr(j, 0xb7, 0, dst, dst, 0); /* movzx r32, r16 */
            else if (imm == 32)
                emit_zext32(j, dst);
            else if (imm != 64)
                return -1;
            return 0;
        }
        if (imm == 16) {
            emit_rex(j, 0, 0, dst, 0);
            emit2(j, 0x0f, (uint8_t)(0xc8 | (dst & 7))); /* bswap r32 */
            emit_rex(j, 0, 0, dst, 0);
            emit3(j, 0xc1, (uint8_t)(0xe8 | (dst & 7)), 16); /* shr r32, 16 */
        } else if (imm == 32 || imm == 64) {
            emit_rex(j, imm == 64, 0, dst, 0);
            emit2(j, 0x0f, (uint8_t)(0xc8 | (dst & 7)));
        } else {
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

/* ---- Memory --------------------------------------------------------- */

static int emit_ldx(struct jit *j, const struct bpf_insn *in)
{
    int dst = reg_map[in->dst], src = reg_map[in->src];
    int sx = BPF_MODE(in->code) == BPF_MEMSX;
    switch (BPF_SIZE(in->code)) {
    case BPF_B:
        emit_rex(j, sx, dst, src, 0);
        emit2(j, 0x0f, sx ? 0xbe : 0xb6);
        break;
    case BPF_H:
        emit_rex(j, sx, dst, src, 0);
        emit2(j, 0x0f, sx ? 0xbf : 0xb7);
        break;
    case BPF_W:
        emit_rex(j, sx, dst, src, 0);
        emit1(j, sx ? 0x63 : 0x8b);
        break;
    default:
        if (sx)
            return -1;
        emit_rex(j, 1, dst, src, 0);
        emit1(j, 0x8b);
        break;
    }
    emit_modrm_mem(j, dst, src, in->off);
    return 0;
}

static void emit_st(struct jit *j, const struct bpf_insn *in)
{
    int dst = reg_map[in->dst];
    switch (BPF_SIZE(in->code)) {
    case BPF_B:
        emit_rex(j, 0, 0, dst, 0);
        emit1(j, 0xc6);
        emit_modrm_mem(j, 0, dst, in->off);
        emit1(j, (uint8_t)in->imm);
        return;
    case BPF_H:
        emit1(j, 0x66);
        emit_rex(j, 0, 0, dst, 0);
        emit1(j, 0xc7);
        emit_modrm_mem(j, 0, dst, in->off);
        emit2(j, (uint8_t)in->imm, (uint8_t)(in->imm >> 8));
        return;
    default:
        emit_rex(j, BPF_SIZE(in->code) == BPF_DW, 0, dst, 0);
        emit1(j, 0xc7);
        emit_modrm_mem(j, 0, dst, in->off);
        emit32(j, (uint32_t)in->imm);
        return;
    }
}

static void emit_stx(struct jit *j, const struct bpf_insn *in)
{
    int dst = reg_map[in->dst], src = reg_map[in->src];
    switch (BPF_SIZE(in->code)) {
    case BPF_B:
        emit_rex(j, 0, src, dst, 1);
        emit1(j, 0x88);
        break;
    case BPF_H:
        emit1(j, 0x66);
        emit_rex(j, 0, src, dst, 0);
        emit1(j, 0x89);
        break;
    default:
        emit_rex(j, BPF_SIZE(in->code) == BPF_DW, src, dst, 0);
        emit1(j, 0x89);
        break;
    }
    emit_modrm_mem(j, src, dst, in->off);
}

static int emit_atomic(struct jit *j, const struct bpf_insn *in)
{
    int w = BPF_SIZE(in->code) == BPF_DW;
    int dst = reg_map[in->dst], src = reg_map[in->src];
    int32_t op = in->imm;
    if (!w && BPF_SIZE(in->code) != BPF_W)
        return -1;

    switch (op) {
    case BPF_ADD:
    case BPF_OR:
    case BPF_AND:
    case BPF_XOR: {
        uint8_t opc = op == BPF_ADD ? 0x01 : op == BPF_OR ? 0x09 : op == BPF_AND ? 0x21 : 0x31;
        emit1(j, 0xf0); /* lock */
        emit_rex(j, w, src, dst, 0);
        emit1(j, opc);
        emit_modrm_mem(j, src, dst, in->off);
        return 0;
    }
    case BPF_ADD | BPF_FETCH:
        emit1(j, 0xf0);
        emit_rex(j, w, src, dst, 0);
        emit2(j, 0x0f, 0xc1); /* xadd: src = old, zero-extended when 32-bit */
        emit_modrm_mem(j, src, dst, in->off);
        return 0;
    case BPF_XCHG:
        emit_rex(j, w, src, dst, 0);
        emit1(j, 0x87); /* xchg with memory is locked */
        emit_modrm_mem(j, src, dst, in->off);
        return 0;
    case BPF_CMPXCHG:
        emit1(j, 0xf0);
        emit_rex(j, w, src, dst, 0);
        emit2(j, 0x0f, 0xb1); /* rax = old in either case */
        emit_modrm_mem(j, src, dst, in->off);
        if (!w)
            emit_zext32(j, RAX); /* a successful 32-bit cmpxchg leaves rax's top */
        return 0;
    case BPF_OR | BPF_FETCH:
    case BPF_AND | BPF_FETCH:
    case BPF_XOR | BPF_FETCH: {
        /* r9 = address, r10 = r0, rax = old, r11 = new; loop on cmpxchg */
        uint8_t opc = (op & ~BPF_FETCH) == BPF_OR ? 0x09 : (op & ~BPF_FETCH) == BPF_AND ? 0x21 : 0x31;
        int val = src == RAX ? R10 : src;
        emit_rex(j, 1, R9, dst, 0);
        emit1(j, 0x8d); /* lea r9, [dst + off] */
        emit_modrm_mem(j, R9, dst, in->off);
        emit_mov_rr(j, 1, R10, RAX);
        emit_rex(j, w, RAX, R9, 0);
        emit1(j, 0x8b); /* mov rax, [r9] */
        emit_modrm_mem(j, RAX, R9, 0);
        uint32_t loop = j->pos;
        emit_mov_rr(j, 1, R11, RAX);
        emit_rr(j, opc, w, R11, val);
        emit1(j, 0xf0);
        emit_rex(j, w, R11, R9, 0);
        emit2(j, 0x0f, 0xb1);
        emit_modrm_mem(j, R11, R9, 0);
        emit1(j, 0x75); /* jnz loop */
        emit1(j, (uint8_t)(int8_t)((int32_t)loop - (int32_t)(j->pos + 1)));
        if (src == RAX) {
            if (!w)
                emit_zext32(j, RAX);
        } else {
            emit_mov_rr(j, w, src, RAX);
            emit_mov_rr(j, 1, RAX, R10);
        }
        return 0;
    }
    default:
        return -1;
    }
}

/* ---- Jumps and calls -------------------------------------------------- */

static int cc_of(int op)
{
    switch (op) {
    case BPF_JEQ:
        return CC_E;
    case BPF_JNE:
    case BPF_JSET:
        return CC_NE;
    case BPF_JGT:
        return CC_A;
    case BPF_JGE:
        return CC_AE;
    case BPF_JLT:
        return CC_B;
    case BPF_JLE:
        return CC_BE;
    case BPF_JSGT:
        return CC_G;
    case BPF_JSGE:
        return CC_GE;
    case BPF_JSLT:
        return CC_L;
    case BPF_JSLE:
        return CC_LE;
    default:
        return -1;
    }
}

/* The function whose first instruction is @p insn, or -1. */
static int func_at(const struct bpf_prog *prog, uint32_t insn)
{
    for (uint32_t k = 0; k < prog->nsubprogs; k++)
        if (prog->subprog_start[k] == insn)
            return (int)k;
    return -1;
}

static int emit_call_helper(struct jit *j, int32_t id)
{
    const struct bpf_helper *h = bpf_helper_get(id);
    if (!h)
        return -1;
    uintptr_t fn = (uintptr_t)h->fn;
    if (j->base) {
        /* rel32 if it reaches from anywhere in the region (decided the same
         * way in every pass once the region exists) */
        int64_t lo = (int64_t)(fn - j->base), hi = lo - (int64_t)j->size0;
        if (fits32(lo) && fits32(hi)) {
            emit1(j, 0xe8);
            emit32(j, (uint32_t)(int32_t)(int64_t)(fn - (j->base + j->pos + 4)));
            return 0;
        }
    }
    emit_rex(j, 1, 0, RAX, 0);
    emit1(j, 0xb8);
    emit64(j, fn); /* movabs rax, fn */
    emit2(j, 0xff, 0xd0); /* call rax */
    return 0;
}

/* Whether ZF already tells whether @p in's dst is zero: the instruction
 * before it (reached only by falling through: @p i is no jump target) was
 * an add/sub/and/or/xor of that register at the same width, which the
 * emitter turns into one x86 instruction setting ZF from its result. */
static int zf_ready(const struct jit *j, const struct bpf_insn *in, uint32_t i)
{
    if (i == 0 || j->target[i])
        return 0;
    const struct bpf_insn *p = &j->prog->insns[i - 1];
    uint8_t op = BPF_OP(p->code);
    uint8_t want = BPF_CLASS(in->code) == BPF_JMP ? BPF_ALU64 : BPF_ALU;
    if (BPF_CLASS(p->code) != want || p->dst != in->dst)
        return 0;
    if (i >= 2 && j->prog->insns[i - 2].code == (BPF_LD | BPF_DW | BPF_IMM))
        return 0; /* p is the second slot of a lddw */
    return op == BPF_ADD || op == BPF_SUB || op == BPF_AND || op == BPF_OR || op == BPF_XOR;
}

static int emit_jmp_insn(struct jit *j, const struct bpf_insn *in, uint32_t i)
{
    int op = BPF_OP(in->code);
    int w = BPF_CLASS(in->code) == BPF_JMP;
    int dst = reg_map[in->dst], src = reg_map[in->src];
    const struct bpf_prog *prog = j->prog;

    if (op == BPF_EXIT) {
        emit_epilogue(j);
        return 0;
    }
    if (op == BPF_CALL) {
        if (in->src == 0)
            return emit_call_helper(j, in->imm);
        if (in->src != BPF_PSEUDO_CALL || !w)
            return -1;
        int k = func_at(prog, i + 1 + (uint32_t)in->imm);
        if (k < 0)
            return -1;
        emit1(j, 0xe8);
        emit32(j, (uint32_t)(int32_t)((int64_t)j->prev_func[k] - (int64_t)j->prev_end[i]));
        return 0;
    }
    int64_t rel = op == BPF_JA && !w ? (int64_t)in->imm : (int64_t)in->off;
    int64_t t = (int64_t)i + 1 + rel;
    if (t < 0 || t >= (int64_t)prog->len)
        return -1;
    uint32_t target = j->prev_off[t];
    if (op == BPF_JA) {
        emit_jump(j, -1, target, j->prev_end[i]);
        return 0;
    }
    int cc = cc_of(op);
    if (cc < 0)
        return -1;
    if (BPF_SRC(in->code) == BPF_X) {
        emit_rr(j, op == BPF_JSET ? 0x85 : 0x39, w, dst, src);
    } else if (op == BPF_JSET) {
        emit_rex(j, w, 0, dst, 0);
        emit2(j, 0xf7, (uint8_t)(0xc0 | (dst & 7))); /* test r, imm32 */
        emit32(j, (uint32_t)in->imm);
    } else if (in->imm == 0 && (op == BPF_JEQ || op == BPF_JNE) && zf_ready(j, in, i)) {
        /* the flags of the ALU instruction just before say it already */
    } else if (in->imm == 0) {
        emit_rr(j, 0x85, w, dst, dst); /* same flags as cmp r, 0 for all our conditions */
    } else {
        emit_alu_imm(j, 7, w, dst, in->imm);
    }
    emit_jump(j, cc, target, j->prev_end[i]);
    return 0;
}

/* ---- Passes ----------------------------------------------------------- */

static int jit_fail(struct jit *j, uint32_t i, const char *why)
{
    if (j->log && j->logsz)
        ksnprintf(j->log, j->logsz, "x86_64 JIT: insn %u (code 0x%02x): %s", (unsigned)i,
                  (unsigned)j->prog->insns[i].code, why);
    return -ENOTSUP;
}

/* One pass over the program: fills off/end/func from the start. */
static int jit_pass(struct jit *j)
{
    const struct bpf_prog *prog = j->prog;
    j->pos = 0;
    j->overflow = 0;
    for (uint32_t i = 0; i < prog->len; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        int k = func_at(prog, i);
        if (k >= 0) {
            j->func[k] = j->pos;
            j->cur_func = (unsigned)k;
            emit_prologue(j, (unsigned)k);
        }
        j->off[i] = j->pos;
        /* the verifier has checked all this; a register out of range would
         * index reg_map[] out of bounds, so never trust it */
        if (in->dst >= BPF_NREGS || in->src >= BPF_NREGS)
            return jit_fail(j, i, "no such register");
        int rc = 0;
        switch (BPF_CLASS(in->code)) {
        case BPF_ALU:
        case BPF_ALU64:
            rc = emit_alu(j, in);
            break;
        case BPF_LDX:
            if (BPF_MODE(in->code) != BPF_MEM && BPF_MODE(in->code) != BPF_MEMSX)
                rc = -1;
            else
                rc = emit_ldx(j, in);
            break;
        case BPF_ST:
            if (BPF_MODE(in->code) != BPF_MEM)
                rc = -1;
            else
                emit_st(j, in);
            break;
        case BPF_STX:
            if (BPF_MODE(in->code) == BPF_ATOMIC)
                rc = emit_atomic(j, in);
            else if (BPF_MODE(in->code) == BPF_MEM)
                emit_stx(j, in);
            else
                rc = -1;
            break;
        case BPF_LD:
            if (in->code != (BPF_LD | BPF_DW | BPF_IMM) || i + 1 >= prog->len) {
                rc = -1;
                break;
            }
            emit_mov_imm64(j, reg_map[in->dst],
                           (uint64_t)(uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32));
            j->end[i] = j->pos;
            i++; /* the second slot: no code */
            j->off[i] = j->pos;
            break;
        case BPF_JMP:
        case BPF_JMP32:
            rc = emit_jmp_insn(j, in, i);
            break;
        }
        if (rc < 0)
            return jit_fail(j, i, "instruction not supported");
        j->end[i] = j->pos;
    }
    j->off[prog->len] = j->pos;
    return 0;
}

/* Fill j->target: every jump's destination and every function's start. */
static void mark_targets(struct jit *j)
{
    const struct bpf_prog *prog = j->prog;
    for (uint32_t k = 0; k < prog->nsubprogs; k++)
        if (prog->subprog_start[k] < prog->len)
            j->target[prog->subprog_start[k]] = 1;
    for (uint32_t i = 0; i < prog->len; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
        if (cls == BPF_LD) {
            i++;
            continue;
        }
        if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
            continue;
        int64_t t = (int64_t)i + 1 + (op == BPF_JA && cls == BPF_JMP32 ? (int64_t)in->imm : (int64_t)in->off);
        if (t >= 0 && t < (int64_t)prog->len)
            j->target[t] = 1;
    }
}

static int offsets_equal(const struct jit *j)
{
    uint32_t n = j->prog->len + 1;
    for (uint32_t i = 0; i < n; i++)
        if (j->off[i] != j->prev_off[i] || j->end[i] != j->prev_end[i])
            return 0;
    for (uint32_t k = 0; k < j->prog->nsubprogs; k++)
        if (j->func[k] != j->prev_func[k])
            return 0;
    return 1;
}

static void swap_offsets(struct jit *j)
{
    uint32_t *t = j->off;
    j->off = j->prev_off;
    j->prev_off = t;
    t = j->end;
    j->end = j->prev_end;
    j->prev_end = t;
    t = j->func;
    j->func = j->prev_func;
    j->prev_func = t;
}

/* bpf_jit_ops: the measuring pass (no code memory) has every jump long and
 * every helper call movabs, an upper bound; each pass with code memory
 * keeps the previous one's offsets to choose rel8 and rel32 by. */
static int x64_pass(void *arg, void *code, uint32_t cap, uint32_t *size)
{
    struct jit *j = arg;
    j->first = code == NULL;
    j->buf = code;
    j->cap = cap;
    j->base = (uintptr_t)code;
    if (code)
        j->size0 = cap;
    swap_offsets(j);
    int rc = jit_pass(j);
    *size = j->pos;
    return rc;
}

/* Two passes agreed on every offset, and the last one fitted. */
static int x64_settled(void *arg)
{
    const struct jit *j = arg;
    return offsets_equal(j) && !j->overflow;
}

static const uint32_t *x64_func_offsets(void *arg) { return ((struct jit *)arg)->func; }

static const struct bpf_jit_ops x64_jit_ops = {
    .name = "x86_64 JIT",
    .unit = 1,
    .pass = x64_pass,
    .settled = x64_settled,
    .func_offsets = x64_func_offsets,
    .max_passes = MAX_PASSES,
};

int bpf_jit_available(void) { return 1; }

int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz)
{
    int rc = bpf_jit_check_prog(prog, &x64_jit_ops, log, logsz);
    if (rc)
        return rc;
    struct jit j = {0};
    j.prog = prog;
    j.log = log;
    j.logsz = logsz;
    uint32_t n = prog->len + 1;
    uint32_t *mem = kmalloc(sizeof(uint32_t) * (5u * n + 2u * BPF_MAX_SUBPROGS));
    if (!mem)
        return -ENOMEM;
    j.off = mem;
    j.prev_off = mem + n;
    j.end = mem + 2 * n;
    j.prev_end = mem + 3 * n;
    j.func = mem + 4 * n;
    j.prev_func = mem + 4 * n + BPF_MAX_SUBPROGS;
    j.target = mem + 4 * n + 2 * BPF_MAX_SUBPROGS;
    for (uint32_t i = 0; i < 5 * n + 2 * BPF_MAX_SUBPROGS; i++)
        mem[i] = 0;
    mark_targets(&j);

    for (uint32_t k = 0; k < prog->nsubprogs; k++)
        j.saved[k] = (uint8_t)bpf_subprog_written_r6_r9(prog, k);
    rc = bpf_jit_build(prog, &x64_jit_ops, &j, log, logsz);
    kfree(mem);
    return rc;
}
