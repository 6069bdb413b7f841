/**
 * @file format.c
 * @brief The printf engine behind kprintf and ksnprintf.
 *
 * Supports %d %i %u %x %X %o %c %s %p %% with hh/h/l/ll/j/z/t, the flags
 * "-0 +#", and width/precision (including '*').  Each conversion is built
 * into a small local buffer (digits and prefix) and then written through the
 * sink together with any padding, so the engine needs no heap and no libc
 * and is safe to call from interrupt context.
 */
#include <kernel/printf.h>
#include <stdbool.h>
#include <stdint.h>

enum { F_LEFT = 1, F_ZERO = 2, F_SPACE = 4, F_PLUS = 8, F_ALT = 16 };
enum len_mod { L_NONE, L_HH, L_H, L_L, L_LL, L_J, L_Z, L_T };

struct out {
    kfmt_sink sink;
    void *ctx;
    int count;
};

static void emit(struct out *o, const char *s, size_t n)
{
    if (n) {
        o->sink(o->ctx, s, n);
        o->count += (int)n;
    }
}

static void pad(struct out *o, char c, int n)
{
    static const char spaces[16] = "                ";
    static const char zeros[16] = "0000000000000000";
    const char *src = c == '0' ? zeros : spaces;
    while (n > 0) {
        int k = n > 16 ? 16 : n;
        emit(o, src, (size_t)k);
        n -= k;
    }
}

static size_t bounded_len(const char *s, int prec)
{
    size_t n = 0;
    while ((prec < 0 || n < (size_t)prec) && s[n])
        n++;
    return n;
}

/* Emit prefix + zero-extended body with width padding. */
static void emit_field(struct out *o, unsigned flags, int width, const char *prefix,
                       size_t plen, int zeros, const char *body, size_t blen)
{
    int total = (int)plen + zeros + (int)blen;
    int padn = width > total ? width - total : 0;
    if (!(flags & F_LEFT) && !(flags & F_ZERO))
        pad(o, ' ', padn);
    emit(o, prefix, plen);
    if (!(flags & F_LEFT) && (flags & F_ZERO))
        pad(o, '0', padn);
    pad(o, '0', zeros);
    emit(o, body, blen);
    if (flags & F_LEFT)
        pad(o, ' ', padn);
}

static void format_int(struct out *o, unsigned flags, int width, int prec, char conv,
                       uintmax_t v, bool negative)
{
    char digits[24]; /* 64-bit octal needs 22 */
    char prefix[3];
    size_t plen = 0, n = 0;
    unsigned base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
    const char *xd = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    bool is_signed = conv == 'd' || conv == 'i';

    if (is_signed) {
        if (negative)
            prefix[plen++] = '-';
        else if (flags & F_PLUS)
            prefix[plen++] = '+';
        else if (flags & F_SPACE)
            prefix[plen++] = ' ';
    }
    if (conv == 'p' || ((flags & F_ALT) && base == 16 && v != 0)) {
        prefix[plen++] = '0';
        prefix[plen++] = conv == 'X' ? 'X' : 'x';
    }

    if (prec >= 0)
        flags &= ~(unsigned)F_ZERO;
    else
        prec = 1;
    while (v) {
        digits[sizeof digits - 1 - n++] = xd[v % base];
        v /= base;
    }
    int zeros = prec > (int)n ? prec - (int)n : 0;
    if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || digits[sizeof digits - n] != '0'))
        zeros = 1;
    emit_field(o, flags, width, prefix, plen, zeros, digits + sizeof digits - n, n);
}

static uintmax_t get_unsigned(va_list *ap, enum len_mod len)
{
    switch (len) {
    case L_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case L_H: return (unsigned short)va_arg(*ap, unsigned int);
    case L_L: return va_arg(*ap, unsigned long);
    case L_LL: return va_arg(*ap, unsigned long long);
    case L_J: return va_arg(*ap, uintmax_t);
    case L_Z: return va_arg(*ap, size_t);
    case L_T: return (uintmax_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned int);
    }
}

static intmax_t get_signed(va_list *ap, enum len_mod len)
{
    switch (len) {
    case L_HH: return (signed char)va_arg(*ap, int);
    case L_H: return (short)va_arg(*ap, int);
    case L_L: return va_arg(*ap, long);
    case L_LL: return va_arg(*ap, long long);
    case L_J: return va_arg(*ap, intmax_t);
    case L_Z: return (intmax_t)(ptrdiff_t)va_arg(*ap, size_t);
    case L_T: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

int kvformat(kfmt_sink sink, void *ctx, const char *fmt, va_list ap_in)
{
    struct out o = {sink, ctx, 0};
    va_list ap;
    va_copy(ap, ap_in);

    while (*fmt) {
        const char *start = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        emit(&o, start, (size_t)(fmt - start));
        if (!*fmt)
            break;
        const char *spec = fmt++; /* at '%' */

        unsigned flags = 0;
        for (;; fmt++) {
            if (*fmt == '-') flags |= F_LEFT;
            else if (*fmt == '0') flags |= F_ZERO;
            else if (*fmt == ' ') flags |= F_SPACE;
            else if (*fmt == '+') flags |= F_PLUS;
            else if (*fmt == '#') flags |= F_ALT;
            else break;
        }

        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = width == INT32_MIN ? 0 : -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }

        int prec = -1;
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        if (flags & F_LEFT)
            flags &= ~(unsigned)F_ZERO;

        enum len_mod len = L_NONE;
        switch (*fmt) {
        case 'h':
            len = fmt[1] == 'h' ? L_HH : L_H;
            fmt += len == L_HH ? 2 : 1;
            break;
        case 'l':
            len = fmt[1] == 'l' ? L_LL : L_L;
            fmt += len == L_LL ? 2 : 1;
            break;
        case 'j': len = L_J; fmt++; break;
        case 'z': len = L_Z; fmt++; break;
        case 't': len = L_T; fmt++; break;
        default: break;
        }

        char conv = *fmt;
        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v = get_signed(&ap, len);
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            format_int(&o, flags, width, prec, conv, mag, v < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            format_int(&o, flags, width, prec, conv, get_unsigned(&ap, len), false);
            break;
        case 'p':
            format_int(&o, flags & ~(unsigned)F_ALT, width, prec, 'p',
                       (uintptr_t)va_arg(ap, void *), false);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_field(&o, flags & ~(unsigned)F_ZERO, width, "", 0, 0, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            emit_field(&o, flags & ~(unsigned)F_ZERO, width, "", 0, 0, s, bounded_len(s, prec));
            break;
        }
        case '%':
            emit(&o, "%", 1);
            break;
        case '\0':
            /* Truncated spec at end of string: print it verbatim. */
            emit(&o, spec, (size_t)(fmt - spec));
            continue;
        default:
            /* Unknown conversion: print it verbatim so the bug is visible. */
            emit(&o, spec, (size_t)(fmt + 1 - spec));
            break;
        }
        fmt++;
    }
    va_end(ap);
    return o.count;
}

struct bufctx {
    char *buf;
    size_t size;
    size_t pos;
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
    struct bufctx *b = ctx;
    for (size_t i = 0; i < n; i++, b->pos++) {
        if (b->size && b->pos < b->size - 1)
            b->buf[b->pos] = s[i];
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct bufctx b = {buf, size, 0};
    int n = kvformat(buf_sink, &b, fmt, ap);
    if (size)
        buf[b.pos < size - 1 ? b.pos : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
