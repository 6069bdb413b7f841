#!/usr/bin/env python3
"""Print the generated part of kernel/bpf/corpus_conformance.c: ALU, byte
swap and jump cases whose expected r0 comes from this model of RFC 9669,
written from the RFC's text and independent of the kernel's interpreter
(so the two check each other). Run it and paste the output between the
GENERATED markers when the case lists below change."""

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def s(v, w):
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def sext(v, bits, w):
    return s(v, bits) & ((1 << w) - 1)


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def alu(op, a, b, w, off=0):
    m = (1 << w) - 1
    a &= m
    b &= m
    if op == "ADD": return (a + b) & m
    if op == "SUB": return (a - b) & m
    if op == "MUL": return (a * b) & m
    if op == "OR": return a | b
    if op == "AND": return a & b
    if op == "XOR": return a ^ b
    if op == "LSH": return (a << (b & (w - 1))) & m
    if op == "RSH": return a >> (b & (w - 1))
    if op == "ARSH": return (s(a, w) >> (b & (w - 1))) & m
    if op == "MOV": return sext(b, off, w) if off else b
    if op == "DIV":
        if off == 0: return a // b if b else 0
        sa, sb = s(a, w), s(b, w)
        return trunc_div(sa, sb) & m if sb else 0
    if op == "MOD":
        if off == 0: return a % b if b else a
        sa, sb = s(a, w), s(b, w)
        return (sa - trunc_div(sa, sb) * sb) & m if sb else a
    raise ValueError(op)


def imm_val(imm, w):  # K operand: sign-extended to 64, or the low 32 bits
    return imm & M64 if w == 64 else imm & M32


def c64(v):
    return "0x%xULL" % (v & M64)


def cimm(v):
    return "(int32_t)0x%x" % (v & M32) if (v & M32) >= 0x80000000 else "%d" % v


out = []


def case(name, r0, insns, mem=0):
    out.append("    X(%s, %d, %s, %s)" % (name, mem, c64(r0), ", ".join(insns)))


# ---- ALU: every op, both widths, both sources ----
pairs = {
    "ADD": [(0x7fffffffffffffff, 1), (0xfffffffffffffff0, 0x20), (0x12345678, -0x12345679)],
    "SUB": [(5, 7), (0x100000000, 1), (0x8000000000000000, -1)],
    "MUL": [(0x100000001, 0xffff), (-3, 7), (0x7fffffff, 0x7fffffff)],
    "DIV": [(100, 7), (0xffffffffffffffff, 2), (7, 0), (-100, -7)],
    "OR": [(0xf0f0, 0x0f0f), (0x8000000000000000, 1), (0, -1)],
    "AND": [(0xff00ff00ff00ff00, 0x0ff0), (-1, -2), (0x123456789, 0xffffffff)],
    "LSH": [(1, 63), (1, 31), (3, 32), (0xdeadbeef, 0), (1, 64), (1, 65)],
    "RSH": [(0x8000000000000000, 63), (0x80000000, 31), (-1, 32), (-1, 1), (-1, 64)],
    "MOD": [(100, 7), (7, 0), (-1, 10), (0x100000005, 0x100000000)],
    "XOR": [(0xaaaa, 0xffff), (-1, 0x7fffffff), (0x1234, 0x1234)],
    "MOV": [(0x1234, -1), (0, 0x7fffffff), (5, -0x80000000)],
    "ARSH": [(0x8000000000000000, 63), (-16, 2), (0x80000000, 31), (0x40, 3), (-1, 64)],
}
for op, ps in pairs.items():
    for i, (a, b) in enumerate(ps):
        for w in (64, 32):
            cls = "BPF_ALU64" if w == 64 else "BPF_ALU"
            wn = "64" if w == 64 else "32"
            # K: the imm is the low 32 bits of b, sign-extended at 64
            imm = s(b, 32)
            r = alu(op, a, imm_val(imm, w), w)
            case("%s%s_k_%d" % (op.lower(), wn, i), r,
                 ["BPF_LD_IMM64(R0, %s)" % c64(a), "BPF_INSN(%s | BPF_%s | BPF_K, R0, 0, 0, %s)" % (cls, op, cimm(imm)),
                  "EXIT"])
            r = alu(op, a, b & M64, w)
            case("%s%s_x_%d" % (op.lower(), wn, i), r,
                 ["BPF_LD_IMM64(R0, %s)" % c64(a), "BPF_LD_IMM64(R3, %s)" % c64(b),
                  "BPF_INSN(%s | BPF_%s | BPF_X, R0, R3, 0, 0)" % (cls, op), "EXIT"])

# ---- signed division and modulo (off = 1) ----
sd = [(-100, 7), (100, -7), (-100, -7), (-(1 << 63), -1), (-(1 << 31), -1), (7, 0), (-7, 0), (-1, 3),
      (0x7fffffff80000000, -2)]
for op in ("DIV", "MOD"):
    for i, (a, b) in enumerate(sd):
        for w in (64, 32):
            cls = "BPF_ALU64" if w == 64 else "BPF_ALU"
            wn = "64" if w == 64 else "32"
            aa = a & M64
            if w == 32 and i == 3:
                aa = (1 << 31)  # INT32_MIN / -1 at 32 bits
            imm = s(b, 32)
            r = alu(op, aa, imm_val(imm, w), w, 1)
            case("s%s%s_k_%d" % (op.lower(), wn, i), r,
                 ["BPF_LD_IMM64(R0, %s)" % c64(aa), "BPF_INSN(%s | BPF_%s | BPF_K, R0, 0, 1, %s)" % (cls, op, cimm(imm)),
                  "EXIT"])
            r = alu(op, aa, b & M64, w, 1)
            case("s%s%s_x_%d" % (op.lower(), wn, i), r,
                 ["BPF_LD_IMM64(R0, %s)" % c64(aa), "BPF_LD_IMM64(R3, %s)" % c64(b),
                  "BPF_INSN(%s | BPF_%s | BPF_X, R0, R3, 1, 0)" % (cls, op), "EXIT"])

# ---- neg ----
for i, a in enumerate([5, 0, -(1 << 63), 0x80000000, 0x1ffffffff]):
    case("neg64_%d" % i, (-a) & M64, ["BPF_LD_IMM64(R0, %s)" % c64(a), "BPF_INSN(BPF_ALU64 | BPF_NEG, R0, 0, 0, 0)", "EXIT"])
    case("neg32_%d" % i, (-a) & M32, ["BPF_LD_IMM64(R0, %s)" % c64(a), "BPF_INSN(BPF_ALU | BPF_NEG, R0, 0, 0, 0)", "EXIT"])

# ---- movsx ----
for i, v in enumerate([0x80, 0x7f, 0x8000, 0x7fff, 0x80000000, 0xffffffff12345680]):
    for w, offs in ((64, (8, 16, 32)), (32, (8, 16))):
        for off in offs:
            cls = "BPF_ALU64" if w == 64 else "BPF_ALU"
            r = alu("MOV", 0, v & M64, w, off)
            case("movsx%d_%d_%d" % (w, off, i), r,
                 ["BPF_LD_IMM64(R3, %s)" % c64(v), "BPF_INSN(%s | BPF_MOV | BPF_X, R0, R3, %d, 0)" % (cls, off), "EXIT"])

# ---- byte swaps ----
def bswap(v, bits):
    v &= (1 << bits) - 1
    return int.from_bytes(v.to_bytes(bits // 8, "little"), "big")


v = 0x0123456789abcdef
for bits in (16, 32, 64):
    case("le%d" % bits, v & ((1 << bits) - 1), ["BPF_LD_IMM64(R0, %s)" % c64(v), "BPF_INSN(BPF_ALU | BPF_END | BPF_TO_LE, R0, 0, 0, %d)" % bits, "EXIT"])
    case("be%d" % bits, bswap(v, bits), ["BPF_LD_IMM64(R0, %s)" % c64(v), "BPF_INSN(BPF_ALU | BPF_END | BPF_TO_BE, R0, 0, 0, %d)" % bits, "EXIT"])
    case("bswap%d" % bits, bswap(v, bits), ["BPF_LD_IMM64(R0, %s)" % c64(v), "BPF_INSN(BPF_ALU64 | BPF_END, R0, 0, 0, %d)" % bits, "EXIT"])

# ---- conditional jumps: every op, both widths, both sources, taken and not ----
def cmp(op, a, b, w):
    m = (1 << w) - 1
    a &= m
    b &= m
    sa, sb = s(a, w), s(b, w)
    return {"JEQ": a == b, "JNE": a != b, "JGT": a > b, "JGE": a >= b, "JLT": a < b, "JLE": a <= b,
            "JSET": (a & b) != 0, "JSGT": sa > sb, "JSGE": sa >= sb, "JSLT": sa < sb, "JSLE": sa <= sb}[op]


jpairs = [(5, 5), (5, 6), (-1, 1), (1, -1), (0x100000000, 0), (0x80000000, 0x7fffffff), (-5, -6), (0xf0, 0x0f)]
for op in ("JEQ", "JNE", "JGT", "JGE", "JLT", "JLE", "JSET", "JSGT", "JSGE", "JSLT", "JSLE"):
    for w in (64, 32):
        cls = "BPF_JMP" if w == 64 else "BPF_JMP32"
        wn = "" if w == 64 else "32"
        for i, (a, b) in enumerate(jpairs):
            imm = s(b, 32)
            t = cmp(op, a, imm_val(imm, w), w)
            case("%s%s_k_%d" % (op.lower(), wn, i), 1 if t else 2,
                 ["BPF_MOV64_IMM(R0, 1)", "BPF_LD_IMM64(R3, %s)" % c64(a),
                  "BPF_INSN(%s | BPF_%s | BPF_K, R3, 0, 1, %s)" % (cls, op, cimm(imm)), "BPF_MOV64_IMM(R0, 2)", "EXIT"])
            t = cmp(op, a, b & M64, w)
            case("%s%s_x_%d" % (op.lower(), wn, i), 1 if t else 2,
                 ["BPF_MOV64_IMM(R0, 1)", "BPF_LD_IMM64(R3, %s)" % c64(a), "BPF_LD_IMM64(R4, %s)" % c64(b),
                  "BPF_INSN(%s | BPF_%s | BPF_X, R3, R4, 1, 0)" % (cls, op), "BPF_MOV64_IMM(R0, 2)", "EXIT"])

print("#define GENERATED_CASES(X) \\")
print(" \\\n".join(out))
print("/* %d generated cases */" % len(out))
