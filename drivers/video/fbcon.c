/**
 * @file fbcon.c
 * @brief The framebuffer text console (fbcon.h): cells of a PSF font's
 *        glyphs, an ECMA-48 escape parser, UTF-8.
 *
 * Every cell's glyph and colours are kept (struct fbcon_cell), so the
 * cursor can be drawn as its cell inverted and taken away again. Writing
 * changes the cells and notes which rows changed and how many rows the
 * text scrolled; drawing (fbcon_flush()) moves the framebuffer's lines up
 * once for all the rows scrolled since it last ran (memmove) and draws the
 * rows that changed. So a burst of lines costs one move of the screen, not
 * one per line, when the caller draws later (fbcon_take()). Pixels are
 * written as the mode says: 2, 3 or 4 bytes, little endian, each colour's
 * top bits placed in its field.
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include "fbcon.h"

/* The 16 colours of the ANSI sequences, as the VGA text mode draws them:
 * 0-7 normal (black, red, green, brown, blue, magenta, cyan, grey), 8-15
 * bright. */
static const uint8_t palette[16][3] = {
    {0, 0, 0},      {170, 0, 0},   {0, 170, 0},   {170, 85, 0},   {0, 0, 170},   {170, 0, 170},
    {0, 170, 170},  {170, 170, 170}, {85, 85, 85}, {255, 85, 85}, {85, 255, 85}, {255, 255, 85},
    {85, 85, 255},  {255, 85, 255}, {85, 255, 255}, {255, 255, 255},
};

enum { ST_TEXT, ST_ESC, ST_CSI };
#define PAR_MAX 9999u /* a larger parameter means the same: past any screen */

int fbcon_glyph(const struct fbcon_font *font, uint32_t cp)
{
    uint32_t lo = 0, hi = font->nmap;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (font->map_cp[mid] == cp)
            return font->map_glyph[mid] < font->nglyphs ? font->map_glyph[mid] : -1;
        if (font->map_cp[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* A channel's 8 bits in a field of @p bits at @p pos. */
static uint32_t channel(uint8_t v, uint8_t pos, uint8_t bits)
{
    uint32_t x = bits >= 8 ? (uint32_t)v << (bits - 8) : (uint32_t)v >> (8 - bits);
    return x << pos;
}

size_t fbcon_cells_needed(const struct boot_fb *mode, const struct fbcon_font *font)
{
    if (!font->width || !font->height)
        return 0;
    return (size_t)(mode->width / font->width) * (mode->height / font->height);
}

static void put_pixel(uint8_t *p, unsigned bytes, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    if (bytes > 2)
        p[2] = (uint8_t)(v >> 16);
    if (bytes > 3)
        p[3] = (uint8_t)(v >> 24);
}

/* Cell (@p col, @p row) drawn from what it holds; inverted for the cursor. */
static void draw_cell(struct fbcon *c, unsigned col, unsigned row, int inverted)
{
    const struct fbcon_font *f = c->font;
    const struct fbcon_cell *cell = &c->cells[row * c->cols + col];
    uint32_t fg = c->pixel[cell->fg & 15], bg = c->pixel[cell->bg & 15];
    if (inverted) {
        uint32_t t = fg;
        fg = bg;
        bg = t;
    }
    unsigned bytes = c->mode.bpp / 8, row_bytes = (f->width + 7u) / 8;
    const uint8_t *g = f->glyphs + (size_t)cell->glyph * f->glyph_bytes;
    uint8_t *line = c->fb + (size_t)row * f->height * c->mode.pitch + (size_t)col * f->width * bytes;
    for (unsigned y = 0; y < f->height; y++, line += c->mode.pitch, g += row_bytes)
        for (unsigned x = 0; x < f->width; x++)
            put_pixel(line + x * bytes, bytes, (g[x / 8] >> (7 - x % 8)) & 1 ? fg : bg);
}

static void mark(struct fbcon *c, unsigned row) { c->dirty[row / 64] |= 1ull << (row % 64); }
static int marked(const struct fbcon *c, unsigned row) { return c->dirty[row / 64] >> (row % 64) & 1; }

/* The foreground as SGR set it: bold brightens the eight normal colours. */
static uint8_t bright_fg(const struct fbcon *c) { return c->bright && c->fg < 8 ? c->fg + 8 : c->fg; }
/* A new glyph's colours, reverse video applied. */
static uint8_t cur_fg(const struct fbcon *c) { return c->reverse ? c->bg : bright_fg(c); }
static uint8_t cur_bg(const struct fbcon *c) { return c->reverse ? bright_fg(c) : c->bg; }

/* Cells [from, to) of the grid (row-major) made blank in the current
 * background, and drawn. */
static void erase(struct fbcon *c, unsigned from, unsigned to)
{
    int space = fbcon_glyph(c->font, ' ');
    /* as xterm: in the current background, reverse video or not */
    struct fbcon_cell blank = {(uint16_t)(space < 0 ? 0 : space), bright_fg(c), c->bg};
    for (unsigned i = from; i < to; i++)
        c->cells[i] = blank;
    for (unsigned r = from / c->cols; r < c->rows && r * c->cols < to; r++)
        mark(c, r);
}

/* Every line up by one text row, the last row blank: in the cells now, on
 * the screen at the next fbcon_flush(), which moves the pixels of the rows
 * that did not change. */
static void scroll(struct fbcon *c)
{
    memmove(c->cells, c->cells + c->cols, sizeof *c->cells * c->cols * (c->rows - 1));
    for (unsigned r = 0; r + 1 < c->rows; r++) /* the changed rows move up with their text */
        if (marked(c, r + 1))
            mark(c, r);
        else
            c->dirty[r / 64] &= ~(1ull << (r % 64));
    if (c->scrolled < c->rows)
        c->scrolled++;
    erase(c, c->cols * (c->rows - 1), c->cols * c->rows);
}

static void newline(struct fbcon *c)
{
    if (c->y + 1 < c->rows)
        c->y++;
    else
        scroll(c);
}

static void put_glyph(struct fbcon *c, uint16_t glyph)
{
    if (c->wrap) {
        c->x = 0;
        newline(c);
        c->wrap = 0;
    }
    c->cells[c->y * c->cols + c->x] = (struct fbcon_cell){glyph, cur_fg(c), cur_bg(c)};
    mark(c, c->y);
    if (c->x + 1 < c->cols)
        c->x++;
    else
        c->wrap = 1;
}

static void put_cp(struct fbcon *c, uint32_t cp)
{
    int g = fbcon_glyph(c->font, cp);
    put_glyph(c, (uint16_t)(g < 0 ? c->unknown : g));
}

int fbcon_init(struct fbcon *c, const struct boot_fb *mode, void *fb, const struct fbcon_font *font,
               struct fbcon_cell *cells, size_t ncells)
{
    size_t need = fbcon_cells_needed(mode, font);
    if (!need || ncells < need || !font->nglyphs || (mode->bpp != 16 && mode->bpp != 24 && mode->bpp != 32) ||
        mode->height / font->height > FBCON_MAX_ROWS)
        return -EINVAL;
    *c = (struct fbcon){.fb = fb, .mode = *mode, .font = font, .cells = cells,
                        .cols = mode->width / font->width, .rows = mode->height / font->height,
                        .fg = 7, .cursor = 1};
    int q = fbcon_glyph(font, '?');
    c->unknown = (uint16_t)(q < 0 ? 0 : q);
    for (unsigned i = 0; i < 16; i++)
        c->pixel[i] = channel(palette[i][0], mode->red_pos, mode->red_bits) |
                      channel(palette[i][1], mode->green_pos, mode->green_bits) |
                      channel(palette[i][2], mode->blue_pos, mode->blue_bits);
    /* The strips right of and below the grid black; the grid's cells are
     * drawn blank by the flush below. */
    size_t bytes = mode->bpp / 8, grid_w = (size_t)c->cols * font->width * bytes;
    for (uint32_t y = 0; y < mode->height; y++) {
        size_t from = y < c->rows * font->height ? grid_w : 0;
        memset(c->fb + (size_t)y * mode->pitch + from, 0, (size_t)mode->width * bytes - from);
    }
    erase(c, 0, c->cols * c->rows);
    fbcon_flush(c);
    return 0;
}

/* Parameter @p i of the CSI, @p def where it is 0 or absent. */
static unsigned par(const struct fbcon *c, unsigned i, unsigned def)
{
    return i < c->npar && c->par[i] ? c->par[i] : def;
}

static unsigned clamp(unsigned v, unsigned max) { return v > max ? max : v; }

static void sgr(struct fbcon *c)
{
    if (c->npar == 0)
        c->npar = 1, c->par[0] = 0;
    for (unsigned i = 0; i < c->npar; i++) {
        unsigned p = c->par[i];
        if (p == 0)
            c->fg = 7, c->bg = 0, c->bright = 0, c->reverse = 0;
        else if (p == 1)
            c->bright = 1;
        else if (p == 22)
            c->bright = 0;
        else if (p == 7)
            c->reverse = 1;
        else if (p == 27)
            c->reverse = 0;
        else if (p >= 30 && p <= 37)
            c->fg = (uint8_t)(p - 30);
        else if (p == 39)
            c->fg = 7;
        else if (p >= 40 && p <= 47)
            c->bg = (uint8_t)(p - 40);
        else if (p == 49)
            c->bg = 0;
        else if (p >= 90 && p <= 97)
            c->fg = (uint8_t)(p - 90 + 8);
        else if (p >= 100 && p <= 107)
            c->bg = (uint8_t)(p - 100 + 8);
        /* anything else (underline, 256 colours, ...) is not drawn */
    }
}

static void csi(struct fbcon *c, char final)
{
    unsigned n = par(c, 0, 1), here = c->y * c->cols + c->x;
    if (c->priv) {
        /* DEC private modes: only the cursor's visibility (?25) is ours */
        if (c->npar && c->par[0] == 25 && (final == 'h' || final == 'l'))
            c->cursor = final == 'h';
        return;
    }
    c->wrap = 0;
    switch (final) {
    case 'A': c->y = n > c->y ? 0 : c->y - n; break;
    case 'B': c->y = clamp(c->y + n, c->rows - 1); break;
    case 'C': c->x = clamp(c->x + n, c->cols - 1); break;
    case 'D': c->x = n > c->x ? 0 : c->x - n; break;
    case 'E': c->y = clamp(c->y + n, c->rows - 1), c->x = 0; break;
    case 'F': c->y = n > c->y ? 0 : c->y - n, c->x = 0; break;
    case 'G': c->x = clamp(n - 1, c->cols - 1); break;
    case 'd': c->y = clamp(n - 1, c->rows - 1); break;
    case 'H':
    case 'f':
        c->y = clamp(par(c, 0, 1) - 1, c->rows - 1);
        c->x = clamp(par(c, 1, 1) - 1, c->cols - 1);
        break;
    case 'J': {
        unsigned how = c->npar ? c->par[0] : 0;
        if (how == 0)
            erase(c, here, c->cols * c->rows);
        else if (how == 1)
            erase(c, 0, here + 1);
        else if (how == 2 || how == 3)
            erase(c, 0, c->cols * c->rows);
        break;
    }
    case 'K': {
        unsigned how = c->npar ? c->par[0] : 0, start = c->y * c->cols;
        if (how == 0)
            erase(c, here, start + c->cols);
        else if (how == 1)
            erase(c, start, here + 1);
        else if (how == 2)
            erase(c, start, start + c->cols);
        break;
    }
    case 'm': sgr(c); break;
    case 's': c->saved_x = c->x, c->saved_y = c->y; break;
    case 'u': c->x = c->saved_x, c->y = c->saved_y; break;
    default: break; /* not one the console draws */
    }
}

static void control(struct fbcon *c, char ch)
{
    switch (ch) {
    case '\n':
    case '\v':
    case '\f':
        newline(c);
        c->wrap = 0;
        break;
    case '\r': c->x = 0, c->wrap = 0; break;
    case '\b':
        if (c->x)
            c->x--;
        c->wrap = 0;
        break;
    case '\t':
        c->x = clamp((c->x / 8 + 1) * 8, c->cols - 1);
        break;
    default: break; /* BEL and the rest: nothing to draw */
    }
}

static void byte(struct fbcon *c, uint8_t b)
{
    if (c->state == ST_ESC) {
        c->state = ST_TEXT;
        if (b == '[') {
            c->state = ST_CSI, c->npar = 0, c->priv = 0, c->par[0] = 0;
        } else if (b == '7') {
            c->saved_x = c->x, c->saved_y = c->y;
        } else if (b == '8') {
            c->x = c->saved_x, c->y = c->saved_y, c->wrap = 0;
        } else if (b == 'c') { /* reset: the colours, the screen, the cursor */
            c->fg = 7, c->bg = 0, c->bright = 0, c->reverse = 0, c->cursor = 1;
            c->x = c->y = 0, c->wrap = 0;
            erase(c, 0, c->cols * c->rows);
        }
        return;
    }
    if (c->state == ST_CSI) {
        if (b >= '0' && b <= '9') {
            if (c->npar == 0)
                c->npar = 1, c->par[0] = 0;
            unsigned *p = &c->par[c->npar - 1];
            *p = *p >= PAR_MAX / 10 ? PAR_MAX : *p * 10 + (b - '0');
        } else if (b == ';') {
            if (c->npar == 0)
                c->npar = 1, c->par[0] = 0;
            if (c->npar < sizeof c->par / sizeof c->par[0])
                c->par[c->npar++] = 0;
        } else if (b >= '<' && b <= '?') {
            c->priv = 1;
        } else if (b >= 0x40 && b <= 0x7e) {
            c->state = ST_TEXT;
            csi(c, (char)b);
        } else if (b == 0x1b) {
            c->state = ST_ESC; /* a new sequence cuts this one off */
        } else if (b < 0x20) {
            control(c, (char)b); /* as a terminal does, inside a sequence too */
        }
        return;
    }
    if (c->need) {
        if ((b & 0xc0) == 0x80) {
            c->cp = c->cp << 6 | (b & 0x3f);
            if (--c->need == 0) {
                if (c->cp < c->cp_min || (c->cp >= 0xd800 && c->cp <= 0xdfff) || c->cp > 0x10ffff)
                    put_glyph(c, c->unknown); /* overlong, a surrogate, past Unicode */
                else
                    put_cp(c, c->cp);
            }
            return;
        }
        c->need = 0; /* cut short: what came is one unknown character */
        put_glyph(c, c->unknown);
    }
    if (b == 0x1b)
        c->state = ST_ESC;
    else if (b < 0x20 || b == 0x7f)
        control(c, (char)b);
    else if (b < 0x80)
        put_cp(c, b);
    else if ((b & 0xe0) == 0xc0)
        c->cp = b & 0x1f, c->need = 1, c->cp_min = 0x80;
    else if ((b & 0xf0) == 0xe0)
        c->cp = b & 0x0f, c->need = 2, c->cp_min = 0x800;
    else if ((b & 0xf8) == 0xf0)
        c->cp = b & 0x07, c->need = 3, c->cp_min = 0x10000;
    else
        put_glyph(c, c->unknown); /* a stray continuation byte, or one no UTF-8 has */
}

void fbcon_write(struct fbcon *c, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        byte(c, (uint8_t)s[i]);
    if (!c->deferred)
        fbcon_flush(c);
}

void fbcon_invalidate(struct fbcon *c)
{
    memset(c->dirty, 0xff, sizeof c->dirty);
    c->drawn_cursor = 0; /* whatever is there, every cell is drawn again */
}

int fbcon_pending(const struct fbcon *c)
{
    if (c->scrolled || c->drawn_x != c->x || c->drawn_y != c->y || c->drawn_cursor != c->cursor)
        return 1;
    for (unsigned i = 0; i < FBCON_MAX_ROWS / 64; i++)
        if (c->dirty[i])
            return 1;
    return 0;
}

void fbcon_take(struct fbcon *c, struct fbcon *out)
{
    struct fbcon_cell *mine = out->cells;
    *out = *c;
    out->cells = mine;
    memcpy(out->cells, c->cells, sizeof *c->cells * c->cols * c->rows);
    /* What out will draw is what the screen then shows. */
    memset(c->dirty, 0, sizeof c->dirty);
    c->scrolled = 0;
    c->drawn_x = c->x, c->drawn_y = c->y, c->drawn_cursor = c->cursor;
}

void fbcon_flush(struct fbcon *c)
{
    size_t row_bytes = (size_t)c->font->height * c->mode.pitch;
    unsigned s = c->scrolled;
    if (s >= c->rows) {
        memset(c->dirty, 0xff, sizeof c->dirty);
    } else if (s) {
        memmove(c->fb, c->fb + s * row_bytes, row_bytes * (c->rows - s));
        if (c->drawn_cursor && c->drawn_y >= s) /* the old cursor moved up with its row */
            mark(c, c->drawn_y - s);
    } else if (c->drawn_cursor) {
        mark(c, c->drawn_y);
    }
    for (unsigned r = 0; r < c->rows; r++)
        if (marked(c, r))
            for (unsigned x = 0; x < c->cols; x++)
                draw_cell(c, x, r, 0);
    if (c->cursor)
        draw_cell(c, c->x, c->y, 1);
    memset(c->dirty, 0, sizeof c->dirty);
    c->scrolled = 0;
    c->drawn_x = c->x, c->drawn_y = c->y, c->drawn_cursor = c->cursor;
}
