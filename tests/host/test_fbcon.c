/**
 * @file test_fbcon.c
 * @brief Host tests of the framebuffer console's renderer
 *        (drivers/video/fbcon.c) on framebuffers in memory: each cell's
 *        pixels against the glyph and colours it should show, in 32- and
 *        16-bit pixel formats with lines longer than the screen; wrapping,
 *        scrolling, tabs, the escape sequences the line editor and busybox
 *        send, UTF-8 good and bad, the cursor; random bytes, after
 *        which the cursor is still on the screen; and drawing deferred,
 *        which must leave the pixels drawing at once leaves.
 *
 * The font is the test's own (each glyph a pattern of its index), so a
 * glyph drawn in the wrong place or of the wrong index shows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "video/fbcon.h"
#include "check.h"

#define FW 8
#define FH 16
#define NG 128
static uint8_t glyph_bits[NG * FH];
static uint16_t cps[NG], gls[NG];
static struct fbcon_font font = {.name = "test", .width = FW, .height = FH, .nglyphs = NG,
                                 .glyph_bytes = FH, .glyphs = glyph_bits, .map_cp = cps, .map_glyph = gls};
enum { G_EACUTE = 100 }; /* U+00E9 is glyph 100 */

static void make_font(void)
{
    for (unsigned g = 0; g < NG; g++)
        for (unsigned r = 0; r < FH; r++)
            glyph_bits[g * FH + r] = g == ' ' ? 0 : (uint8_t)(g * 7 + r * 13 + 1);
    unsigned n = 0;
    for (unsigned cp = 0x20; cp < 0x7f; cp++)
        cps[n] = (uint16_t)cp, gls[n++] = (uint16_t)cp;
    cps[n] = 0xe9, gls[n++] = G_EACUTE;
    font.nmap = n;
}

/* XRGB 8:8:8:8, 40x10 cells, 64 bytes of padding after each line */
static const struct boot_fb xrgb = {.phys = 0x1000, .width = 320, .height = 160, .pitch = 320 * 4 + 64,
                                    .bpp = 32, .red_pos = 16, .red_bits = 8, .green_pos = 8,
                                    .green_bits = 8, .blue_pos = 0, .blue_bits = 8};
static const struct boot_fb rgb565 = {.phys = 0x1000, .width = 100, .height = 50, .pitch = 100 * 2 + 6,
                                      .bpp = 16, .red_pos = 11, .red_bits = 5, .green_pos = 5,
                                      .green_bits = 6, .blue_pos = 0, .blue_bits = 5};
static uint8_t fbmem[(320 * 4 + 64) * 160];
static struct fbcon_cell cells[40 * 10];
static struct fbcon con;

#define GREY 0xaaaaaau
#define RED 0xaa0000u
#define BRIGHT_GREEN 0x55ff55u
#define BLUE 0x0000aau

static uint32_t pixel(const struct fbcon *c, unsigned x, unsigned y)
{
    const uint8_t *p = c->fb + (size_t)y * c->mode.pitch + x * (c->mode.bpp / 8u);
    return c->mode.bpp == 16 ? (uint32_t)(p[0] | p[1] << 8) : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16);
}

/* Whether cell (col, row) shows glyph @p g in @p fg on @p bg, pixel for pixel. */
static int cell_is(const struct fbcon *c, unsigned col, unsigned row, unsigned g, uint32_t fg, uint32_t bg)
{
    for (unsigned y = 0; y < FH; y++)
        for (unsigned x = 0; x < FW; x++) {
            int on = (glyph_bits[g * FH + y] >> (7 - x)) & 1;
            if (pixel(c, col * FW + x, row * FH + y) != (on ? fg : bg))
                return 0;
        }
    return 1;
}

static void put(const char *s) { fbcon_write(&con, s, strlen(s)); }

static void fresh(void)
{
    memset(fbmem, 0x5a, sizeof fbmem); /* the padding must keep it */
    CHECK_EQ_INT(fbcon_init(&con, &xrgb, fbmem, &font, cells, 40 * 10), 0);
}

static void test_init_and_text(void)
{
    fresh();
    CHECK_EQ_INT(con.cols, 40);
    CHECK_EQ_INT(con.rows, 10);
    CHECK(cell_is(&con, 39, 9, ' ', GREY, 0));
    put("AB");
    CHECK(cell_is(&con, 0, 0, 'A', GREY, 0));
    CHECK(cell_is(&con, 1, 0, 'B', GREY, 0));
    CHECK(cell_is(&con, 2, 0, ' ', 0, GREY)); /* the cursor: its cell inverted */
    put("\r\nC\tD\bE");
    CHECK(cell_is(&con, 0, 1, 'C', GREY, 0));
    CHECK(cell_is(&con, 8, 1, 'E', GREY, 0)); /* tab to 8, D there, back one, E over it */
    CHECK_EQ_INT(fbmem[320 * 4 + 10], 0x5a);  /* padding untouched */
    /* the last column, then one more: the next line */
    fresh();
    for (int i = 0; i < 40; i++)
        put("x");
    CHECK_EQ_INT(con.y, 0);
    put("y");
    CHECK(cell_is(&con, 0, 1, 'y', GREY, 0));
    CHECK(cell_is(&con, 39, 0, 'x', GREY, 0));
}

static void test_scroll(void)
{
    fresh();
    for (char ch = 'a'; ch < 'a' + 11; ch++) {
        char line[4] = {ch, '\r', '\n', 0};
        put(line);
    }
    /* 11 lines and the empty one after: the first two scrolled off */
    CHECK(cell_is(&con, 0, 0, 'c', GREY, 0));
    CHECK(cell_is(&con, 0, 8, 'k', GREY, 0));
    CHECK(cell_is(&con, 0, 9, ' ', 0, GREY)); /* the cursor, on the blank last line */
    CHECK_EQ_INT(con.y, 9);
}

static void test_escapes(void)
{
    fresh();
    put("\x1b[31mR\x1b[1;32mG\x1b[0m\x1b[44mb\x1b[0m\x1b[7mv\x1b[0m");
    CHECK(cell_is(&con, 0, 0, 'R', RED, 0));
    CHECK(cell_is(&con, 1, 0, 'G', BRIGHT_GREEN, 0));
    CHECK(cell_is(&con, 2, 0, 'b', GREY, BLUE));
    CHECK(cell_is(&con, 3, 0, 'v', 0, GREY));
    put("\x1b[5;10HX");
    CHECK(cell_is(&con, 9, 4, 'X', GREY, 0));
    put("\x1b[999;999HZ"); /* the last cell: the cursor stays on it, the wrap pending */
    CHECK(cell_is(&con, 39, 9, 'Z', 0, GREY));
    put("\x1b[99999999999999A\x1b[99999999999999DQ");
    CHECK(cell_is(&con, 0, 0, 'Q', GREY, 0));
    put("\x1b[2;1Habcdef\x1b[3D\x1b[K");
    CHECK(cell_is(&con, 2, 1, 'c', GREY, 0) && cell_is(&con, 3, 1, ' ', 0, GREY) &&
          cell_is(&con, 4, 1, ' ', GREY, 0));
    put("\x1b[1K");
    CHECK(cell_is(&con, 0, 1, ' ', GREY, 0) && cell_is(&con, 2, 1, ' ', GREY, 0));
    put("\x1b[2J");
    CHECK(cell_is(&con, 9, 4, ' ', GREY, 0) && cell_is(&con, 1, 0, ' ', GREY, 0));
    put("\x1b[3;4H\x1b" "7\x1b[HS\x1b" "8T");
    CHECK(cell_is(&con, 0, 0, 'S', GREY, 0) && cell_is(&con, 3, 2, 'T', GREY, 0));
    put("\x1b[?25l");
    CHECK(cell_is(&con, 4, 2, ' ', GREY, 0)); /* the cursor hidden */
    put("\x1b[?25h");
    CHECK(cell_is(&con, 4, 2, ' ', 0, GREY));
    put("\x1b[44m\x1b[2K\x1b[0m"); /* an erased line takes the background */
    CHECK(cell_is(&con, 20, 2, ' ', GREY, BLUE));
}

static void test_utf8(void)
{
    fresh();
    put("\xc3\xa9");                 /* é */
    put("\xc3" "A");                 /* cut short: one unknown, then A */
    put("\xff\x80");                 /* never in UTF-8, a stray continuation */
    put("\xe0\x80\xaf\xc0\xaf");     /* overlong '/' twice */
    put("\xed\xa0\x80\xe2\x82\xac"); /* a surrogate; the euro sign, not in the font */
    unsigned want[] = {G_EACUTE, '?', 'A', '?', '?', '?', '?', '?', '?'};
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(cell_is(&con, i, 0, want[i], GREY, 0));
}

static void test_16bit(void)
{
    static uint8_t mem[(100 * 2 + 6) * 50];
    static struct fbcon_cell cs[12 * 3];
    struct fbcon c16;
    CHECK_EQ_INT(fbcon_cells_needed(&rgb565, &font), 36);
    CHECK_EQ_INT(fbcon_init(&c16, &rgb565, mem, &font, cs, 36), 0);
    fbcon_write(&c16, "W\x1b[31mr", 7);
    /* grey 170,170,170 as 5:6:5 is 21, 42, 21; red 170,0,0 is 21 << 11 */
    CHECK(cell_is(&c16, 0, 0, 'W', 21u << 11 | 42u << 5 | 21u, 0));
    CHECK(cell_is(&c16, 1, 0, 'r', 21u << 11, 0));
}

static void test_refused(void)
{
    struct fbcon c;
    CHECK_EQ_INT(fbcon_init(&c, &xrgb, fbmem, &font, cells, 40 * 10 - 1), -22);
    struct boot_fb tiny = xrgb;
    tiny.width = 7;
    CHECK_EQ_INT(fbcon_init(&c, &tiny, fbmem, &font, cells, 400), -22);
    struct boot_fb eight = xrgb;
    eight.bpp = 8;
    CHECK_EQ_INT(fbcon_init(&c, &eight, fbmem, &font, cells, 400), -22);
}

static void test_random(void)
{
    fresh();
    srand(7);
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            int r = rand();
            /* escapes and digits often, so sequences of every kind come */
            buf[i] = r % 5 == 0 ? '\x1b' : r % 5 == 1 ? "[;0123456789?HJKmABCDfdGsu"[r / 5 % 26] : (char)(r >> 8);
        }
        fbcon_write(&con, buf, sizeof buf);
        CHECK(con.x < con.cols && con.y < con.rows);
    }
    CHECK_EQ_INT(fbmem[320 * 4 + 10], 0x5a);
}

/* Deferred drawing: the same bytes written to a console that draws later
 * (fbcon_take() into a copy, drawn by fbcon_flush() at random points, as
 * the kernel's drawer does) leave the same pixels as one that draws each
 * write, whatever scrolled, moved or changed in between; and the copy's
 * draw leaves the live console with nothing pending. */
static void test_deferred(void)
{
    static uint8_t mem_sync[sizeof fbmem], mem_late[sizeof fbmem];
    static struct fbcon_cell cs_sync[40 * 10], cs_late[40 * 10], cs_copy[40 * 10];
    struct fbcon sync, late, copy = {.cells = cs_copy};
    CHECK_EQ_INT(fbcon_init(&sync, &xrgb, mem_sync, &font, cs_sync, 400), 0);
    CHECK_EQ_INT(fbcon_init(&late, &xrgb, mem_late, &font, cs_late, 400), 0);
    late.deferred = 1;
    CHECK(!fbcon_pending(&late));
    srand(11);
    static const char *const pieces[] = {"line of text\n", "\x1b[2J", "\x1b[31mred\x1b[0m", "\r\x1b[K",
                                         "x", "\b", "\x1b[5;7H", "\x1b[?25l", "\x1b[?25h", "\t",
                                         "a much longer line that wraps past the forty columns\n"};
    int draws = 0, same = 1;
    for (int round = 0; round < 3000; round++) {
        const char *p = pieces[rand() % (sizeof pieces / sizeof pieces[0])];
        int times = rand() % 4 == 0 ? 1 + rand() % 30 : 1; /* bursts that scroll past the screen, too */
        for (int t = 0; t < times; t++) {
            fbcon_write(&sync, p, strlen(p));
            fbcon_write(&late, p, strlen(p));
        }
        if (rand() % 3 == 0 || round == 2999) {
            CHECK(fbcon_pending(&late) || memcmp(mem_sync, mem_late, sizeof mem_sync) == 0);
            fbcon_take(&late, &copy);
            CHECK(!fbcon_pending(&late));
            fbcon_flush(&copy);
            draws++;
            same &= memcmp(mem_sync, mem_late, sizeof mem_sync) == 0;
        }
    }
    CHECK(draws > 100);
    CHECK(same);
}

int main(void)
{
    make_font();
    test_init_and_text();
    test_scroll();
    test_escapes();
    test_utf8();
    test_16bit();
    test_refused();
    test_random();
    test_deferred();
    return CHECK_DONE("test_fbcon");
}
