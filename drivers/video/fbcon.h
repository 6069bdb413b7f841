/**
 * @file fbcon.h
 * @brief A text console drawn on a linear framebuffer: a console font's
 *        glyphs in cells, scrolling, the 16 colours of the ANSI escape
 *        sequences, and the cursor movements and erasures the shell's line
 *        editor and busybox send (ECMA-48: CSI A B C D E F G H J K d f m,
 *        save and restore, the cursor shown or hidden).
 *
 * The renderer touches no hardware: it draws into whatever the caller
 * mapped (the framebuffer boot_info.fb describes), so the host tests run it
 * on memory. Text is UTF-8; a code point the font has no glyph for, or a
 * malformed sequence, is drawn as the font's '?'. The font is a PSF console
 * font turned into C at build time (scripts/psf2c.py).
 */
#ifndef DRIVERS_VIDEO_FBCON_H
#define DRIVERS_VIDEO_FBCON_H

#include <hal/platform.h>
#include <stddef.h>
#include <stdint.h>

/** @brief A console font: glyph bitmaps and the code points they draw. */
struct fbcon_font {
    const char *name;         /**< as the PSF file is named ("Uni2-Terminus16") */
    uint8_t width;            /**< pixels across a glyph */
    uint8_t height;           /**< pixels down */
    uint16_t nglyphs;         /**< glyphs in @p glyphs */
    uint32_t glyph_bytes;     /**< bytes a glyph takes: height rows of (width + 7) / 8 bytes */
    const uint8_t *glyphs;    /**< the bitmaps, leftmost pixel in each row's top bit */
    uint32_t nmap;            /**< entries in the code point map */
    const uint16_t *map_cp;   /**< code points, ascending */
    const uint16_t *map_glyph;/**< the glyph of each */
};

/** @brief The font the kernel is built with (generated from the PSF file). */
extern const struct fbcon_font fbcon_font;

/** @brief The most text rows a console has (a mode with more is refused). */
#define FBCON_MAX_ROWS 512

/** @brief What a text cell holds: its glyph and colours. */
struct fbcon_cell {
    uint16_t glyph; /**< index into the font's glyphs */
    uint8_t fg;     /**< foreground colour, 0-15 */
    uint8_t bg;     /**< background colour, 0-15 */
};

/** @brief A console: the framebuffer, the text grid and the parser's state. */
struct fbcon {
    uint8_t *fb;                  /**< the mapped framebuffer */
    struct boot_fb mode;          /**< its geometry and pixel format */
    const struct fbcon_font *font;/**< the glyphs */
    struct fbcon_cell *cells;     /**< cols * rows, the text on screen */
    unsigned cols;                /**< text columns */
    unsigned rows;                /**< text rows */
    unsigned x;                   /**< the cursor's column */
    unsigned y;                   /**< its row */
    unsigned saved_x;             /**< ESC 7 / CSI s */
    unsigned saved_y;             /**< ESC 7 / CSI s */
    uint32_t pixel[16];           /**< each colour as a pixel value of the mode */
    uint8_t fg;                   /**< the current foreground, 0-7 */
    uint8_t bg;                   /**< the current background, 0-15 */
    uint8_t bright;               /**< SGR 1 or a bright colour: fg + 8 */
    uint8_t reverse;              /**< SGR 7 */
    uint8_t cursor;               /**< the cursor is shown */
    uint8_t wrap;                 /**< the last column was written: the next glyph wraps first */
    uint8_t state;                /**< the escape parser's state */
    uint8_t priv;                 /**< a CSI with a private marker ('?'), which is not ours */
    unsigned par[8];              /**< the CSI's numeric parameters */
    unsigned npar;                /**< how many */
    uint32_t cp;                  /**< the UTF-8 code point being read */
    uint32_t cp_min;              /**< the least its length may encode (else overlong) */
    uint8_t need;                 /**< its continuation bytes still to come */
    uint16_t unknown;             /**< the glyph for what the font cannot draw ('?') */
    uint8_t deferred;             /**< fbcon_write() leaves the drawing to fbcon_flush() */
    uint8_t drawn_cursor;         /**< the cursor is on the screen, at (drawn_x, drawn_y) */
    unsigned drawn_x;             /**< where fbcon_flush() last drew it */
    unsigned drawn_y;             /**< its row then */
    unsigned scrolled;            /**< text rows scrolled since the last draw (at most rows) */
    uint64_t dirty[FBCON_MAX_ROWS / 64]; /**< rows changed since then, in today's positions */
};

/**
 * @brief How many cells a console on @p mode with @p font needs.
 * @return cols * rows, 0 if not even one glyph fits
 */
size_t fbcon_cells_needed(const struct boot_fb *mode, const struct fbcon_font *font);

/**
 * @brief Start a console on the framebuffer @p mode, mapped at @p fb,
 *        with @p font and @p ncells cells at @p cells (fbcon_cells_needed());
 *        the screen is cleared to black and the cursor put at the top left.
 * @retval 0 ready
 * @retval -EINVAL too few cells, no glyph fits, a font of no glyphs, not 16,
 *         24 or 32 bits a pixel, or more than FBCON_MAX_ROWS text rows
 * @note Any context; draws the whole screen.
 */
int fbcon_init(struct fbcon *c, const struct boot_fb *mode, void *fb, const struct fbcon_font *font,
               struct fbcon_cell *cells, size_t ncells);

/**
 * @brief Draw @p n bytes of UTF-8 text with escape sequences at the
 *        cursor: the glyphs, wrapping at the right edge, scrolling at the
 *        bottom; '\\n' moves down a line (the tty adds the '\\r'), '\\r' to
 *        the first column, '\\b' back one, '\\t' to the next multiple of 8.
 *        Drawn before it returns, or, with @p c->deferred, by the next
 *        fbcon_flush().
 * @note The caller serialises writes to one console.
 */
void fbcon_write(struct fbcon *c, const char *s, size_t n);

/**
 * @brief Draw what changed since the last draw: the screen's pixels moved
 *        up once for the rows scrolled, the changed rows drawn, the cursor.
 *        fbcon_write() does it itself unless @p c->deferred is set.
 * @note The caller serialises it with writes (or draws a fbcon_take() copy).
 */
void fbcon_flush(struct fbcon *c);

/** @brief Have the next fbcon_flush() draw every cell, whatever the screen shows now. */
void fbcon_invalidate(struct fbcon *c);

/** @brief Whether @p c has changes fbcon_flush() has not drawn. */
int fbcon_pending(const struct fbcon *c);

/**
 * @brief Copy @p c into @p out (the cells into out's own array, which must
 *        hold as many) with the changes to draw, and mark them drawn in @p c:
 *        the caller then draws @p out with fbcon_flush() outside the lock
 *        that serialises writes to @p c, while writers go on. Takes must be
 *        drawn in order, by one drawer.
 */
void fbcon_take(struct fbcon *c, struct fbcon *out);

/** @brief The glyph @p font draws for code point @p cp, or -1 if none. */
int fbcon_glyph(const struct fbcon_font *font, uint32_t cp);

#endif
