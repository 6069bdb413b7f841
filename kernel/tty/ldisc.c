/**
 * @file ldisc.c
 * @brief The line discipline (ldisc.h): input editing, line assembly,
 *        signal keys and echo, after POSIX's "General Terminal Interface"
 *        and what Linux's N_TTY does where POSIX leaves a choice.
 *
 * The input is one buffer, oldest byte first: [0, avail) can be read,
 * [avail, len) is the line still being typed (canonical mode; raw mode has
 * avail == len). Each byte carries a mark, so a read knows where a line
 * ends and that a VEOF ended it without being data. A read takes bytes off
 * the front; the buffer is small (4 KiB), so moving the rest down is
 * cheaper than the bookkeeping of a ring.
 */
#include "ldisc.h"
#include <kernel/string.h>
#include <kernel/signo.h>

enum { LD_DATA, LD_EOL, LD_EOF };

static const struct ldisc_termios default_termios = {
    ICRNL,
    0000005, /* OPOST | ONLCR */
    0000277, /* B38400 | CS8 | CREAD */
    ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    0,
    /* ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, -, ^Q ^S ^Z, VEOL -, ^R ^O ^W ^V, VEOL2 - */
    {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0},
};

void ldisc_init(struct ldisc *ld)
{
    memset(ld, 0, sizeof *ld);
    ld->t = default_termios;
}

static void echo_bytes(struct ldisc *ld, const char *s, size_t n)
{
    if (n > sizeof ld->echo - ld->echo_len)
        n = sizeof ld->echo - ld->echo_len; /* only a reprint of a long line gets here */
    memcpy(ld->echo + ld->echo_len, s, n);
    ld->echo_len += n;
}

/* A control character echoes as ^X under ECHOCTL (tab and newline as
 * themselves): two columns to erase. */
static int shown_as_caret(const struct ldisc *ld, uint8_t c)
{
    return (ld->t.lflag & ECHOCTL) && (c < 32 || c == 127) && c != '\t' && c != '\n';
}

static void echo_char(struct ldisc *ld, uint8_t c)
{
    if (shown_as_caret(ld, c)) {
        char s[2] = {'^', (char)(c ^ 0100)};
        echo_bytes(ld, s, 2);
    } else {
        echo_bytes(ld, (const char *)&c, 1);
    }
}

int ldisc_signal_key(const struct ldisc_termios *t, uint8_t c)
{
    if (!(t->lflag & ISIG) || !c) /* a c_cc of 0 is a disabled key */
        return 0;
    if (c == t->cc[VINTR])
        return SIGINT;
    if (c == t->cc[VQUIT])
        return SIGQUIT;
    if (c == t->cc[VSUSP])
        return SIGTSTP;
    return 0;
}

/* c is the disabled-or-set control character @p idx. */
static int is_key(const struct ldisc *ld, uint8_t c, int idx)
{
    return ld->t.cc[idx] && c == ld->t.cc[idx];
}

static int put(struct ldisc *ld, uint8_t c, uint8_t mark)
{
    /* Canonical: the last byte is kept for the line's end, so a full line
     * can still be ended and read. */
    size_t room = (ld->t.lflag & ICANON) && mark == LD_DATA ? LDISC_BUF - 1 : LDISC_BUF;
    if (ld->len >= room)
        return 0;
    ld->buf[ld->len] = c;
    ld->mark[ld->len++] = mark;
    return 1;
}

/* Take back the last byte of the line being typed; 0 if there is none. */
static int erase_one(struct ldisc *ld, int visibly)
{
    if (ld->len == ld->avail)
        return 0;
    uint8_t c = ld->buf[--ld->len];
    if (visibly && (ld->t.lflag & ECHO)) {
        if (ld->t.lflag & ECHOE) {
            echo_bytes(ld, "\b \b", 3);
            if (shown_as_caret(ld, c))
                echo_bytes(ld, "\b \b", 3);
        } else {
            echo_char(ld, ld->t.cc[VERASE]);
        }
    }
    return 1;
}

static int is_space(uint8_t c) { return c == ' ' || c == '\t'; }

/* The canonical editing keys; 1 if @p c was one (and was acted on). */
static int edit_key(struct ldisc *ld, uint8_t c)
{
    uint32_t lf = ld->t.lflag;
    if (is_key(ld, c, VERASE)) {
        erase_one(ld, 1);
        return 1;
    }
    if (is_key(ld, c, VKILL)) {
        if ((lf & ECHOKE) && (lf & ECHOE)) {
            while (erase_one(ld, 1)) {
            }
        } else {
            ld->len = ld->avail;
            if (lf & ECHO) {
                echo_char(ld, c);
                if (lf & ECHOK)
                    echo_bytes(ld, "\n", 1);
            }
        }
        return 1;
    }
    if (!(lf & IEXTEN))
        return 0;
    if (is_key(ld, c, VWERASE)) {
        /* the blanks before the cursor, then the word before them */
        while (ld->len > ld->avail && is_space(ld->buf[ld->len - 1]))
            erase_one(ld, 1);
        while (ld->len > ld->avail && !is_space(ld->buf[ld->len - 1]))
            erase_one(ld, 1);
        return 1;
    }
    if (is_key(ld, c, VLNEXT)) {
        ld->lnext = 1;
        if ((lf & ECHO) && (lf & ECHOCTL))
            echo_bytes(ld, "^\b", 2);
        return 1;
    }
    if (is_key(ld, c, VREPRINT)) {
        if (lf & ECHO) {
            echo_char(ld, c);
            echo_bytes(ld, "\n", 1);
            for (size_t i = ld->avail; i < ld->len; i++)
                echo_char(ld, ld->buf[i]);
        }
        return 1;
    }
    return 0;
}

int ldisc_input(struct ldisc *ld, uint8_t c)
{
    uint32_t lf = ld->t.lflag, in = ld->t.iflag;
    if (in & ISTRIP)
        c &= 0x7f;
    int literal = ld->lnext;
    ld->lnext = 0;
    if (!literal) {
        if (c == '\r') {
            if (in & IGNCR)
                return 0;
            if (in & ICRNL)
                c = '\n';
        } else if (c == '\n' && (in & INLCR)) {
            c = '\r';
        }
        int sig = ldisc_signal_key(&ld->t, c);
        if (sig) {
            if (!(lf & NOFLSH))
                ldisc_flush(ld);
            if (lf & ECHO)
                echo_char(ld, c);
            return sig;
        }
    }
    if (!(lf & ICANON)) {
        if (put(ld, c, LD_DATA)) {
            ld->avail = ld->len;
            if (lf & ECHO)
                echo_char(ld, c);
        }
        return 0;
    }
    if (literal) {
        if (put(ld, c, LD_DATA) && (lf & ECHO))
            echo_char(ld, c); /* over the ^ that VLNEXT showed */
        return 0;
    }
    if (edit_key(ld, c))
        return 0;
    if (is_key(ld, c, VEOF)) {
        if (put(ld, c, LD_EOF))
            ld->avail = ld->len;
        return 0;
    }
    int eol = c == '\n' || is_key(ld, c, VEOL) || is_key(ld, c, VEOL2);
    if (!put(ld, c, eol ? LD_EOL : LD_DATA))
        return 0;
    if (eol)
        ld->avail = ld->len;
    if (lf & ECHO)
        echo_char(ld, c);
    else if (c == '\n' && (lf & ECHONL))
        echo_bytes(ld, "\n", 1);
    return 0;
}

size_t ldisc_readable(const struct ldisc *ld) { return ld->avail; }

int ldisc_line_ready(const struct ldisc *ld) { return ld->avail != 0; }

/* Drop the first @p k bytes. */
static void consume(struct ldisc *ld, size_t k)
{
    memmove(ld->buf, ld->buf + k, ld->len - k);
    memmove(ld->mark, ld->mark + k, ld->len - k);
    ld->len -= k;
    ld->avail -= k;
}

size_t ldisc_read(struct ldisc *ld, char *out, size_t n)
{
    size_t i = 0, got = 0;
    if (!(ld->t.lflag & ICANON)) {
        /* Raw: an EOF mark left from canonical mode is no data. */
        for (; i < ld->avail && got < n; i++)
            if (ld->mark[i] != LD_EOF)
                out[got++] = (char)ld->buf[i];
        consume(ld, i);
        return got;
    }
    while (i < ld->avail && got < n) {
        uint8_t m = ld->mark[i];
        if (m == LD_EOF) {
            i++;
            break;
        }
        out[got++] = (char)ld->buf[i++];
        if (m == LD_EOL)
            break;
    }
    consume(ld, i);
    return got;
}

void ldisc_raw_wait(const struct ldisc *ld, size_t n, size_t *want, unsigned *timeout_ds)
{
    size_t vmin = ld->t.cc[VMIN];
    *want = vmin < n ? vmin : n;
    *timeout_ds = ld->t.cc[VTIME];
}

void ldisc_flush(struct ldisc *ld)
{
    ld->len = ld->avail = 0;
    ld->lnext = 0;
}

void ldisc_set_termios(struct ldisc *ld, const struct ldisc_termios *t)
{
    int was_canon = ld->t.lflag & ICANON;
    ld->t = *t;
    if (was_canon && !(t->lflag & ICANON))
        ld->avail = ld->len; /* the line typed so far is input now */
    else if (!was_canon && (t->lflag & ICANON)) {
        /* What raw mode left unread is the start of the line being typed. */
        ld->avail = 0;
        for (size_t i = 0; i < ld->len; i++)
            ld->mark[i] = LD_DATA;
    }
}

size_t ldisc_take_echo(struct ldisc *ld, char *out, size_t n)
{
    size_t k = ld->echo_len < n ? ld->echo_len : n;
    memcpy(out, ld->echo, k);
    memmove(ld->echo, ld->echo + k, ld->echo_len - k);
    ld->echo_len -= k;
    return k;
}
