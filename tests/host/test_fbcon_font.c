/**
 * @file test_fbcon_font.c
 * @brief The console font as the build makes it (scripts/psf2c.py from
 *        Debian's Uni2-Terminus16): its size, a map sorted for the binary
 *        search with every glyph in range, the characters the shell and
 *        Debian's programs print (ASCII, Latin-1, box drawing) there and
 *        apart, and a glyph drawn by the console as the font's bitmap says.
 */
#include <stdint.h>
#include <string.h>

#include "video/fbcon.h"
#include "check.h"

static int blank(int g)
{
    for (uint32_t i = 0; i < fbcon_font.glyph_bytes; i++)
        if (fbcon_font.glyphs[(size_t)g * fbcon_font.glyph_bytes + i])
            return 0;
    return 1;
}

int main(void)
{
    const struct fbcon_font *f = &fbcon_font;
    CHECK_EQ_INT(f->width, 8);
    CHECK_EQ_INT(f->height, 16);
    CHECK_EQ_INT(f->glyph_bytes, 16);
    CHECK(f->nglyphs >= 256 && f->nmap >= 256);
    for (uint32_t i = 0; i < f->nmap; i++) {
        CHECK(f->map_glyph[i] < f->nglyphs);
        if (i)
            CHECK(f->map_cp[i - 1] < f->map_cp[i]);
    }
    for (uint32_t cp = 0x21; cp < 0x7f; cp++) /* every printable ASCII character, none blank */
        CHECK(fbcon_glyph(f, cp) >= 0 && !blank(fbcon_glyph(f, cp)));
    CHECK(fbcon_glyph(f, ' ') >= 0 && blank(fbcon_glyph(f, ' ')));
    CHECK(fbcon_glyph(f, 'A') != fbcon_glyph(f, 'B'));
    CHECK(fbcon_glyph(f, 0xe9) >= 0 && fbcon_glyph(f, 0xe9) != fbcon_glyph(f, 'e')); /* é */
    CHECK(fbcon_glyph(f, 0x2500) >= 0 && fbcon_glyph(f, 0x2502) >= 0); /* ─ │, as ls and less draw */
    CHECK_EQ_INT(fbcon_glyph(f, 0xfffd + 1), -1);

    /* 'A' through the console: each pixel the bitmap's bit, grey on black */
    static uint8_t mem[64 * 4 * 32];
    static struct fbcon_cell cells[16];
    const struct boot_fb mode = {.phys = 1, .width = 64, .height = 32, .pitch = 64 * 4, .bpp = 32,
                                 .red_pos = 16, .red_bits = 8, .green_pos = 8, .green_bits = 8,
                                 .blue_pos = 0, .blue_bits = 8};
    struct fbcon c;
    CHECK_EQ_INT(fbcon_init(&c, &mode, mem, f, cells, 16), 0);
    fbcon_write(&c, "A", 1);
    const uint8_t *g = f->glyphs + (size_t)fbcon_glyph(f, 'A') * f->glyph_bytes;
    int same = 1;
    for (unsigned y = 0; y < 16; y++)
        for (unsigned x = 0; x < 8; x++) {
            uint32_t px;
            memcpy(&px, mem + y * mode.pitch + x * 4, 4);
            same &= px == ((g[y] >> (7 - x)) & 1 ? 0xaaaaaau : 0);
        }
    CHECK(same);
    return CHECK_DONE("test_fbcon_font");
}
