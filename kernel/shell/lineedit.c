/**
 * @file lineedit.c
 * @brief The shell's line editor: bytes in, an edited line and VT100 echo out.
 *
 * Kept free of the console and of the heap so that every key can be tested on
 * the host, where a small terminal model checks that the echo leaves the
 * screen showing exactly the prompt and the line (tests/host/test_lineedit.c).
 * Echo is incremental: typing at the end of a line echoes one byte, so a
 * 4,096-byte line pasted at once costs 4,096 bytes of output, not a redraw per
 * byte; only history recall, Ctrl-U and Tab listings redraw the whole line.
 */
#include "lineedit.h"

#include <kernel/errno.h>
#include <kernel/string.h>

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

#define CTRL(k) ((k) & 0x1f)
#define ESC_PARAM_MAX 9999 /* larger parameters mean nothing to us; stop counting */

static void emit(struct lineedit *le, const char *s, size_t n)
{
    if (n)
        le->cfg.emit(le->cfg.ctx, s, n);
}

static void emit_str(struct lineedit *le, const char *s)
{
    emit(le, s, strlen(s));
}

static void bell(struct lineedit *le)
{
    emit_str(le, "\a");
}

/* ESC [ n D. Never for n = 0: terminals read a 0 count as 1. */
static void cursor_left(struct lineedit *le, size_t n)
{
    char seq[32];
    char digits[24];
    size_t nd = 0, k = 0;
    if (n == 0)
        return;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    seq[k++] = '\x1b';
    seq[k++] = '[';
    while (nd)
        seq[k++] = digits[--nd];
    seq[k++] = 'D';
    emit(le, seq, k);
}

/* The screen is right up to the cursor: rewrite from there to the end of the
 * line, erase what is left of an older, longer line, and step back. */
static void redraw_tail(struct lineedit *le)
{
    emit(le, le->cfg.buf + le->pos, le->len - le->pos);
    emit_str(le, "\x1b[K");
    cursor_left(le, le->len - le->pos);
}

/* Rewrite prompt and line from the first column. */
static void redraw_all(struct lineedit *le)
{
    emit_str(le, "\r");
    emit(le, le->cfg.prompt, le->prompt_len);
    emit(le, le->cfg.buf, le->pos);
    redraw_tail(le);
}

void le_init(struct lineedit *le, const struct le_config *cfg)
{
    memset(le, 0, sizeof *le);
    le->cfg = *cfg;
    if (!le->cfg.prompt)
        le->cfg.prompt = "";
    le->prompt_len = strlen(le->cfg.prompt);
    if (!le->cfg.hist)
        le->cfg.hist_size = 0;
    le->browse = -1;
}

void le_start(struct lineedit *le)
{
    le->len = le->pos = 0;
    le->cfg.buf[0] = 0;
    le->browse = -1;
    le->esc = ESC_NONE;
    le->overflow = 0;
    le->last_tab = 0;
    le->finished = 0;
    /* after_cr survives: the LF of a CR LF may arrive after the prompt. */
    emit(le, le->cfg.prompt, le->prompt_len);
}

void le_redraw(struct lineedit *le) { redraw_all(le); }

const char *le_line(const struct lineedit *le) { return le->cfg.buf; }
size_t le_cursor(const struct lineedit *le) { return le->pos; }
unsigned le_history_count(const struct lineedit *le) { return le->hist_n; }

const char *le_history(const struct lineedit *le, unsigned i)
{
    if (i >= le->hist_n)
        return NULL;
    const char *e = le->cfg.hist;
    for (unsigned k = le->hist_n - 1 - i; k > 0; k--) /* entries run oldest first */
        e += strlen(e) + 1;
    return e;
}

static void hist_drop_oldest(struct lineedit *le)
{
    size_t n = strlen(le->cfg.hist) + 1;
    memmove(le->cfg.hist, le->cfg.hist + n, le->hist_used - n);
    le->hist_used -= n;
    le->hist_n--;
}

static void hist_add(struct lineedit *le, const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i == len || len + 1 > le->cfg.hist_size) /* blank, or can never fit */
        return;
    if (le->hist_n && strcmp(le_history(le, 0), line) == 0)
        return;
    while (le->hist_n && (le->hist_n == LE_HIST_MAX || le->hist_used + len + 1 > le->cfg.hist_size))
        hist_drop_oldest(le);
    memcpy(le->cfg.hist + le->hist_used, line, len + 1);
    le->hist_used += len + 1;
    le->hist_n++;
}

/* Replace the line with @p s (a history entry or the draft), cursor at its end. */
static void load_line(struct lineedit *le, const char *s)
{
    size_t n = strlen(s);
    if (n > le->cfg.size - 1) /* an entry from a larger buffer: cannot happen, be safe */
        n = le->cfg.size - 1;
    memmove(le->cfg.buf, s, n);
    le->cfg.buf[n] = 0;
    le->len = le->pos = n;
    redraw_all(le);
}

static void history_move(struct lineedit *le, int dir)
{
    int to = le->browse + dir;
    if (to < -1 || to >= (int)le->hist_n) {
        bell(le);
        return;
    }
    if (le->browse == -1)
        memcpy(le->cfg.draft, le->cfg.buf, le->len + 1);
    le->browse = to;
    load_line(le, to == -1 ? le->cfg.draft : le_history(le, (unsigned)to));
}

/* Insert @p n bytes at the cursor; 0, or -1 if they do not fit. */
static int insert(struct lineedit *le, const char *s, size_t n)
{
    if (le->len + n > le->cfg.size - 1)
        return -1;
    char *b = le->cfg.buf;
    memmove(b + le->pos + n, b + le->pos, le->len - le->pos + 1);
    memcpy(b + le->pos, s, n);
    le->len += n;
    size_t from = le->pos;
    le->pos += n;
    emit(le, b + from, le->len - from); /* at the end of the line that is just s */
    cursor_left(le, le->len - le->pos);
    return 0;
}

/* Delete @p n characters starting at @p at (at + n <= len); the cursor goes to @p at. */
static void delete_range(struct lineedit *le, size_t at, size_t n)
{
    if (n == 0)
        return;
    char *b = le->cfg.buf;
    memmove(b + at, b + at + n, le->len - at - n + 1);
    le->len -= n;
    cursor_left(le, le->pos - at);
    le->pos = at;
    redraw_tail(le);
}

static void move_to(struct lineedit *le, size_t to)
{
    if (to < le->pos)
        cursor_left(le, le->pos - to);
    else
        emit(le, le->cfg.buf + le->pos, to - le->pos); /* rewriting moves right */
    le->pos = to;
}

/* What one pass over the candidates found: how many match the typed part
 * of the word, the first of them and how long a prefix they all share; in
 * the listing pass, the matches are printed instead. */
struct completion {
    struct lineedit *le;
    const char *typed; /* the word's typed part: plen bytes */
    size_t plen;
    char first[128];   /* the first match (up to its size) */
    size_t first_len, common;
    unsigned count;
    int listing;
};

static void candidate(void *acc, const char *w, size_t n)
{
    struct completion *c = acc;
    if (n < c->plen || memcmp(w, c->typed, c->plen) != 0 || n >= sizeof c->first)
        return;
    if (c->listing) {
        emit_str(c->le, c->count++ ? "  " : "");
        emit(c->le, w, n);
        return;
    }
    if (!c->count++) {
        memcpy(c->first, w, n);
        c->first_len = c->common = n;
        return;
    }
    size_t k = c->plen;
    while (k < c->common && k < n && w[k] == c->first[k])
        k++;
    c->common = k;
}

static void complete(struct lineedit *le)
{
    le_words_fn words = le->cfg.words;
    char *b = le->cfg.buf;
    size_t start = le->pos;
    while (start > 0 && b[start - 1] != ' ')
        start--;
    if (!words) {
        bell(le);
        return;
    }
    /* the candidates see the line up to the cursor, NUL-terminated there */
    char saved = b[le->pos];
    b[le->pos] = 0;
    struct completion c = {.le = le, .typed = b + start, .plen = le->pos - start};
    words(le->cfg.ctx, b, start, candidate, &c);
    b[le->pos] = saved;
    if (c.count == 0) {
        bell(le);
    } else if (c.count == 1) {
        int ok = insert(le, c.first + c.plen, c.common - c.plen);
        if (ok == 0 && b[le->pos] != ' ')
            ok = insert(le, " ", 1);
        if (ok != 0)
            bell(le);
    } else if (c.common > c.plen) {
        if (insert(le, c.first + c.plen, c.common - c.plen) != 0)
            bell(le);
    } else if (le->last_tab) {
        emit_str(le, "\n");
        saved = b[le->pos];
        b[le->pos] = 0;
        c.listing = 1;
        c.count = 0;
        words(le->cfg.ctx, b, start, candidate, &c);
        b[le->pos] = saved;
        emit_str(le, "\n");
        redraw_all(le);
    } else {
        bell(le);
    }
}

/* The final byte of ESC [ params <final> or ESC O <final>. */
static void escape_key(struct lineedit *le, int final, unsigned param)
{
    switch (final) {
    case 'A': history_move(le, +1); break;
    case 'B': history_move(le, -1); break;
    case 'C': if (le->pos < le->len) move_to(le, le->pos + 1); break;
    case 'D': if (le->pos > 0) move_to(le, le->pos - 1); break;
    case 'H': move_to(le, 0); break;
    case 'F': move_to(le, le->len); break;
    case '~':
        if (param == 1 || param == 7)
            move_to(le, 0);
        else if (param == 4 || param == 8)
            move_to(le, le->len);
        else if (param == 3 && le->pos < le->len)
            delete_range(le, le->pos, 1);
        break;
    default: break; /* function keys, mouse reports, ...: consumed */
    }
}

/* Returns 1 if @p c was part of an escape sequence (and is consumed). */
static int escape_byte(struct lineedit *le, int c)
{
    if (le->esc == ESC_NONE)
        return 0;
    if (c < 0x20 && c != 0x1b) { /* a control byte cuts the sequence short and counts itself */
        le->esc = ESC_NONE;
        return 0;
    }
    switch (le->esc) {
    case ESC_START:
        le->esc_param = 0;
        le->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : c == 0x1b ? ESC_START : ESC_NONE;
        break;
    case ESC_SS3:
        le->esc = ESC_NONE;
        escape_key(le, c, 0);
        break;
    case ESC_CSI:
        if (c >= '0' && c <= '9') {
            if (le->esc_param <= ESC_PARAM_MAX)
                le->esc_param = le->esc_param * 10 + (unsigned)(c - '0');
        } else if (c == ';') {
            le->esc_param += ESC_PARAM_MAX + 1; /* only the first parameter counts */
        } else if (c >= 0x40 && c <= 0x7e) {
            le->esc = ESC_NONE;
            escape_key(le, c, le->esc_param);
        } /* other parameter and intermediate bytes: keep reading */
        break;
    }
    if (le->esc == ESC_NONE) /* a whole key: not a Tab */
        le->last_tab = 0;
    return 1;
}

static enum le_result end_line(struct lineedit *le)
{
    emit_str(le, "\n");
    if (le->overflow)
        return LE_TOOLONG;
    hist_add(le, le->cfg.buf, le->len);
    le->finished = 1;
    return LE_LINE;
}

int le_set_history(struct lineedit *le, char *hist, size_t size)
{
    if (le->cfg.hist)
        return -EBUSY;
    if (!hist)
        return 0;
    le->cfg.hist = hist;
    le->cfg.hist_size = size;
    if (le->finished)
        hist_add(le, le->cfg.buf, le->len);
    return 0;
}

enum le_result le_feed(struct lineedit *le, int c)
{
    c &= 0xff;
    if (c == '\n' && le->after_cr) {
        le->after_cr = 0;
        return LE_MORE;
    }
    le->after_cr = c == '\r';
    if (c == '\r' || c == '\n') {
        le->esc = ESC_NONE;
        return end_line(le);
    }
    if (c == CTRL('C')) {
        move_to(le, le->len); /* keep the dropped line readable */
        emit_str(le, "^C\n");
        le->len = le->pos = 0;
        le->cfg.buf[0] = 0;
        le->esc = ESC_NONE;
        return LE_CANCEL;
    }
    if (escape_byte(le, c))
        return LE_MORE;
    int tab = c == '\t';
    if (le->overflow) /* only the line's end or Ctrl-C matter now */
        return LE_MORE;
    if (c >= 0x20 && c <= 0x7e) {
        char ch = (char)c;
        if (insert(le, &ch, 1) != 0)
            le->overflow = 1;
    } else {
        switch (c) {
        case 0x1b: le->esc = ESC_START; break;
        case '\t': complete(le); break;
        case 0x7f:
        case CTRL('H'): if (le->pos > 0) delete_range(le, le->pos - 1, 1); break;
        case CTRL('D'): if (le->pos < le->len) delete_range(le, le->pos, 1); break;
        case CTRL('A'): move_to(le, 0); break;
        case CTRL('E'): move_to(le, le->len); break;
        case CTRL('B'): if (le->pos > 0) move_to(le, le->pos - 1); break;
        case CTRL('F'): if (le->pos < le->len) move_to(le, le->pos + 1); break;
        case CTRL('P'): history_move(le, +1); break;
        case CTRL('N'): history_move(le, -1); break;
        case CTRL('K'): le->len = le->pos; le->cfg.buf[le->len] = 0; emit_str(le, "\x1b[K"); break;
        case CTRL('U'): delete_range(le, 0, le->pos); break;
        case CTRL('W'): {
            size_t at = le->pos;
            while (at > 0 && le->cfg.buf[at - 1] == ' ')
                at--;
            while (at > 0 && le->cfg.buf[at - 1] != ' ')
                at--;
            delete_range(le, at, le->pos - at);
            break;
        }
        default: break; /* other control bytes and 8-bit input: ignored */
        }
    }
    /* An escape sequence in progress is not yet a key: keep the Tab memory. */
    if (le->esc == ESC_NONE)
        le->last_tab = tab;
    return LE_MORE;
}
