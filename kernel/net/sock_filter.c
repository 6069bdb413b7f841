/**
 * @file sock_filter.c
 * @brief Classic BPF, as SO_ATTACH_FILTER takes it (the programs `tcpdump
 *        -dd` and busybox udhcpc hand in): the check, and an interpreter.
 *
 * The machine: an accumulator A, an index X, sixteen scratch words M[],
 * all 0 at the start; loads of 1, 2 or 4 bytes (network order) at a fixed
 * offset (ABS) or X plus one (IND), the packet's length, a header length
 * (MSH: 4 * (P[k] & 0xf)); 32-bit arithmetic; jumps forward only; RET
 * gives how many bytes of the packet to keep. Offsets from SKF_LL_OFF and
 * SKF_NET_OFF count from the link-layer and network headers, and those
 * from SKF_AD_OFF are Linux's ancillary data (the protocol, the interface,
 * ...). The encodings and limits are those of <linux/filter.h> and
 * Documentation/networking/filter.rst.
 *
 * Why an interpreter and not the eBPF JIT: a classic program reads a
 * packet of any length at offsets only known at run time, and the eBPF
 * verifier here proves accesses against a context of fixed size. A packet
 * socket's filter runs once per frame on a socket that asked for it.
 */
#include "sock_filter.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>

/* The fields of an opcode. */
#define CLASS(c) ((c) & 0x07)
#define SIZE(c) ((c) & 0x18)
#define MODE(c) ((c) & 0xe0)
#define OP(c) ((c) & 0xf0)
#define SRC_X 0x08
enum { LD, LDX, ST, STX, ALU, JMP, RET, MISC };
enum { W = 0x00, H = 0x08, B = 0x10 };
enum { IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0 };
enum { ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
       NEG = 0x80, MOD = 0x90, XOR = 0xa0 };
enum { JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40 };
#define RET_A 0x10
#define TAX 0x00
#define TXA 0x80
#define MEMWORDS 16

#define SKF_AD_OFF 0xfffff000u  /* -0x1000 */
#define SKF_NET_OFF 0xfff00000u /* -0x100000 */
#define SKF_LL_OFF 0xffe00000u  /* -0x200000 */
enum { AD_PROTOCOL = 0, AD_PKTTYPE = 4, AD_IFINDEX = 8, AD_NLATTR = 12, AD_NLATTR_NEST = 16, AD_MARK = 20,
       AD_QUEUE = 24, AD_HATYPE = 28, AD_RXHASH = 32, AD_CPU = 36, AD_ALU_XOR_X = 40, AD_VLAN_TAG = 44,
       AD_VLAN_TAG_PRESENT = 48, AD_PAY_OFFSET = 52, AD_RANDOM = 56, AD_VLAN_TPID = 60, AD_MAX = 64 };

/* Whether @p code is an instruction Linux takes. */
static int known(uint16_t code)
{
    switch (code) {
    case LD | W | IMM: case LD | W | ABS: case LD | H | ABS: case LD | B | ABS: case LD | W | IND:
    case LD | H | IND: case LD | B | IND: case LD | W | MEM: case LD | W | LEN:
    case LDX | W | IMM: case LDX | W | MEM: case LDX | W | LEN: case LDX | B | MSH:
    case ST: case STX:
    case ALU | NEG:
    case RET: case RET | RET_A:
    case MISC | TAX: case MISC | TXA:
    case JMP | JA:
        return 1;
    }
    if (CLASS(code) == ALU && (code & ~(0xf0 | SRC_X | 0x07)) == 0) {
        switch (OP(code)) {
        case ADD: case SUB: case MUL: case DIV: case OR: case AND: case LSH: case RSH: case MOD: case XOR:
            return 1;
        }
    }
    if (CLASS(code) == JMP && (code & ~(0xf0 | SRC_X | 0x07)) == 0)
        return OP(code) == JEQ || OP(code) == JGT || OP(code) == JGE || OP(code) == JSET;
    return 0;
}

static int conditional(uint16_t code) { return CLASS(code) == JMP && OP(code) != JA; }

int sock_filter_check(const struct sock_filter *f, uint32_t n)
{
    if (n == 0 || n > SOCK_FILTER_MAX)
        return -EINVAL;
    for (uint32_t pc = 0; pc < n; pc++) {
        const struct sock_filter *i = &f[pc];
        uint32_t left = n - pc - 1; /* instructions after this one */
        if (!known(i->code))
            return -EINVAL;
        switch (CLASS(i->code)) {
        case ALU:
            if ((OP(i->code) == DIV || OP(i->code) == MOD) && !(i->code & SRC_X) && i->k == 0)
                return -EINVAL;
            if ((OP(i->code) == LSH || OP(i->code) == RSH) && !(i->code & SRC_X) && i->k >= 32)
                return -EINVAL;
            break;
        case LD:
        case LDX:
            if (MODE(i->code) == MEM && i->k >= MEMWORDS)
                return -EINVAL;
            if (CLASS(i->code) == LD && MODE(i->code) == ABS && i->k >= SKF_AD_OFF &&
                ((i->k - SKF_AD_OFF) % 4 || i->k - SKF_AD_OFF >= AD_MAX))
                return -EINVAL; /* an ancillary load Linux does not know */
            break;
        case ST:
        case STX:
            if (i->k >= MEMWORDS)
                return -EINVAL;
            break;
        case JMP:
            if (OP(i->code) == JA ? i->k >= left : (i->jt >= left || i->jf >= left))
                return -EINVAL;
            break;
        }
    }
    if (CLASS(f[n - 1].code) != RET)
        return -EINVAL;

    /* No scratch word read before it is written, on any path: each
     * instruction's words known written are those of every path into it
     * (jumps only go forward, so one pass sees every path in order). */
    uint16_t *in = kmalloc(n * sizeof *in);
    if (!in)
        return -ENOMEM;
    for (uint32_t pc = 0; pc < n; pc++)
        in[pc] = 0xffff;
    uint16_t valid = 0; /* on the way in from the previous instruction */
    int e = 0;
    for (uint32_t pc = 0; pc < n && !e; pc++) {
        const struct sock_filter *i = &f[pc];
        valid &= in[pc];
        if (CLASS(i->code) == ST || CLASS(i->code) == STX)
            valid |= (uint16_t)(1u << i->k);
        else if ((CLASS(i->code) == LD || CLASS(i->code) == LDX) && MODE(i->code) == MEM &&
                 !(valid & (1u << i->k)))
            e = -EINVAL;
        else if (CLASS(i->code) == JMP) {
            if (conditional(i->code)) {
                in[pc + 1 + i->jt] &= valid;
                in[pc + 1 + i->jf] &= valid;
            } else {
                in[pc + 1 + i->k] &= valid;
            }
            valid = 0xffff; /* nothing falls through a jump: the targets' masks rule */
        } else if (CLASS(i->code) == RET) {
            valid = 0xffff;
        }
    }
    kfree(in);
    return e;
}

/* The @p size bytes at @p off of the packet's view (an offset below 0 in
 * Linux's signed reading: from the link-layer or network header) into *v;
 * 0, or -1 past the end. */
static int load(const struct sock_filter_pkt *p, uint32_t off, unsigned size, uint32_t *v)
{
    uint32_t base = p->start;
    if (off >= SKF_LL_OFF && off < SKF_NET_OFF)
        base = 0, off -= SKF_LL_OFF;
    else if (off >= SKF_NET_OFF && off < SKF_AD_OFF)
        base = p->net, off -= SKF_NET_OFF;
    else if (off >= SKF_LL_OFF)
        return -1;
    uint64_t at = (uint64_t)base + off;
    if (at + size > p->frame_len)
        return -1;
    uint32_t r = 0;
    for (unsigned k = 0; k < size; k++)
        r = r << 8 | p->frame[at + k];
    *v = r;
    return 0;
}

/* Where the payload past the transport header begins: IPv4 with TCP or
 * UDP; else the network header. */
static uint32_t payload_offset(const struct sock_filter_pkt *p)
{
    const uint8_t *f = p->frame;
    uint32_t n = p->net;
    if (p->protocol != 0x0800 || n + 20 > p->frame_len)
        return n - p->start;
    uint32_t ihl = (f[n] & 0xf) * 4u, t = n + ihl;
    if (f[n + 9] == 17 && t + 8 <= p->frame_len)
        return t + 8 - p->start;
    if (f[n + 9] == 6 && t + 20 <= p->frame_len)
        return t + (f[t + 12] >> 4) * 4u - p->start;
    return t - p->start;
}

static uint32_t ancillary(const struct sock_filter_pkt *p, uint32_t which, uint32_t a, uint32_t x)
{
    switch (which) {
    case AD_PROTOCOL: return p->protocol;
    case AD_PKTTYPE: return p->pkttype;
    case AD_IFINDEX: return p->ifindex;
    case AD_HATYPE: return p->hatype;
    case AD_CPU: return p->cpu;
    case AD_RANDOM: return p->random;
    case AD_ALU_XOR_X: return a ^ x;
    case AD_PAY_OFFSET: return payload_offset(p);
    default: return 0; /* no netlink attributes, marks, queues, hashes or VLAN tags here */
    }
}

uint32_t sock_filter_run(const struct sock_filter *f, uint32_t n, const struct sock_filter_pkt *p)
{
    uint32_t a = 0, x = 0, m[MEMWORDS] = {0}, v;
    uint32_t len = p->frame_len - p->start;
    for (uint32_t pc = 0; pc < n; pc++) {
        const struct sock_filter *i = &f[pc];
        uint32_t src = i->code & SRC_X ? x : i->k;
        switch (CLASS(i->code)) {
        case LD:
        case LDX: {
            unsigned size = SIZE(i->code) == W ? 4 : SIZE(i->code) == H ? 2 : 1;
            switch (MODE(i->code)) {
            case IMM: v = i->k; break;
            case MEM: v = m[i->k]; break;
            case LEN: v = len; break;
            case ABS:
                if (i->k >= SKF_AD_OFF) {
                    v = ancillary(p, i->k - SKF_AD_OFF, a, x);
                    break;
                }
                if (load(p, i->k, size, &v))
                    return 0;
                break;
            case IND:
                if (load(p, x + i->k, size, &v))
                    return 0;
                break;
            default: /* MSH */
                if (load(p, i->k, 1, &v))
                    return 0;
                v = (v & 0xf) * 4;
                break;
            }
            *(CLASS(i->code) == LD ? &a : &x) = v;
            break;
        }
        case ST: m[i->k] = a; break;
        case STX: m[i->k] = x; break;
        case ALU:
            switch (OP(i->code)) {
            case ADD: a += src; break;
            case SUB: a -= src; break;
            case MUL: a *= src; break;
            case DIV: if (!src) return 0; a /= src; break;
            case MOD: if (!src) return 0; a %= src; break;
            case OR: a |= src; break;
            case AND: a &= src; break;
            case XOR: a ^= src; break;
            case LSH: a = src < 32 ? a << src : 0; break;
            case RSH: a = src < 32 ? a >> src : 0; break;
            default: a = 0u - a; break; /* NEG */
            }
            break;
        case JMP:
            switch (OP(i->code)) {
            case JA: pc += i->k; break;
            case JEQ: pc += a == src ? i->jt : i->jf; break;
            case JGT: pc += a > src ? i->jt : i->jf; break;
            case JGE: pc += a >= src ? i->jt : i->jf; break;
            default: pc += a & src ? i->jt : i->jf; break; /* JSET */
            }
            break;
        case RET:
            v = i->code & RET_A ? a : i->k;
            return v < len ? v : len;
        default: /* MISC */
            if ((i->code & 0xf8) == TXA)
                a = x;
            else
                x = a;
            break;
        }
    }
    return 0; /* not reached by a checked program: its last is a RET */
}
