/**
 * @file kernel/shell/lineedit.h
 * @brief A line editor for a serial terminal, as a pure state machine.
 *
 * The shell feeds it one received byte at a time; it edits the line in the
 * caller's buffer and sends its echo and cursor movements to an output
 * callback. It touches no device and allocates nothing, so the host build
 * tests it byte by byte under ASan and UBSan (tests/host/test_lineedit.c).
 *
 * Keys (what VT100/xterm terminals, QEMU's stdio, minicom and screen send):
 * printable ASCII inserts at the cursor; Backspace (0x7f, 0x08) and Delete
 * (ESC [ 3 ~, Ctrl-D) remove; Left/Right (ESC [ D / C, ESC O D / C, Ctrl-B /
 * Ctrl-F); Home (ESC [ H, ESC [ 1 ~, ESC [ 7 ~, ESC O H, Ctrl-A); End (ESC [ F,
 * ESC [ 4 ~, ESC [ 8 ~, ESC O F, Ctrl-E); Up/Down (ESC [ A / B, ESC O A / B,
 * Ctrl-P / Ctrl-N) walk the history; Ctrl-U / Ctrl-K / Ctrl-W delete to the
 * start, to the end, the word before the cursor; Ctrl-C drops the line; Tab
 * completes the first word from a word list. CR, LF and CR LF each end one
 * line. Other escape sequences are consumed whole; other control bytes and
 * bytes above 0x7e are ignored.
 *
 * Output uses only CR, "\n" (which the console turns into CR LF), BEL,
 * ESC [ K (erase to the end of the line) and ESC [ n D (n columns left). A
 * line wider than the terminal wraps, and editing far back in such a line
 * redraws in the wrong place on some terminals: the price of not knowing
 * the terminal's width.
 */
#ifndef KERNEL_SHELL_LINEEDIT_H
#define KERNEL_SHELL_LINEEDIT_H

#include <stddef.h>

/** History entries kept at most; the arena's size may keep fewer when lines are long. */
#define LE_HIST_MAX 32

/** @brief What le_feed() reports after a byte. */
enum le_result {
    LE_MORE = 0, /**< keep feeding */
    LE_LINE,     /**< a line ended: le_line() holds it, NUL-terminated */
    LE_CANCEL,   /**< Ctrl-C: the line was dropped ("^C" echoed) */
    LE_TOOLONG,  /**< a line ended that did not fit in the buffer; it was dropped */
};

/** @brief Sends @p n bytes of echo to the terminal. */
typedef void (*le_emit_fn)(void *ctx, const char *s, size_t n);

/** @brief Offers one completion candidate, @p n bytes at @p w (need not end in a NUL). */
typedef void (*le_word_fn)(void *acc, const char *w, size_t n);

/**
 * @brief The completion candidates for the word that starts at @p start in
 *        @p line (the line up to the cursor, NUL-terminated there): call
 *        @p add with @p acc for each, in the order a double Tab lists them.
 *        The editor keeps those that start with what is typed of the word.
 *        Called once or twice per Tab; must offer the same each time.
 */
typedef void (*le_words_fn)(void *ctx, const char *line, size_t start, le_word_fn add, void *acc);

/** @brief Fixed configuration, given to le_init(). */
struct le_config {
    char *buf;                 /**< the line: up to size - 1 characters and a NUL */
    char *draft;               /**< size bytes: keeps the unsent line while browsing history */
    size_t size;               /**< bytes in buf and in draft (at least 2) */
    char *hist;                /**< history arena, or NULL for no history */
    size_t hist_size;          /**< its bytes: size * 16 keeps 16 lines of any length */
    const char *prompt;        /**< printed by le_start() and on every full redraw */
    le_emit_fn emit;           /**< echo sink (required) */
    le_words_fn words;         /**< completion candidates, or NULL for no completion */
    void *ctx;                 /**< passed to emit and words */
};

/** @brief Editor state. Treat as opaque; one per terminal. */
struct lineedit {
    struct le_config cfg;
    size_t prompt_len;
    size_t len, pos;      /* characters in buf, cursor position */
    size_t hist_used;     /* bytes of the arena in use */
    unsigned hist_n;      /* entries: oldest first, each NUL-terminated */
    int browse;           /* history entry shown, 0 = newest; -1: the draft */
    unsigned esc;         /* escape sequence state */
    unsigned esc_param;   /* its first numeric parameter */
    int overflow;         /* the line outgrew buf: swallow it until it ends */
    int after_cr;         /* last byte was CR: an LF right after it is the same line end */
    int last_tab;         /* last key was Tab: a second one lists the candidates */
    int finished;         /* le_feed() returned LE_LINE since le_start() */
};

/**
 * @brief Set up @p le with @p cfg (copied; the buffers must outlive @p le).
 * @note Allocates nothing; call le_start() before the first byte.
 */
void le_init(struct lineedit *le, const struct le_config *cfg);

/** @brief Begin a new, empty line: print the prompt, reset the cursor and history browsing. */
void le_start(struct lineedit *le);

/**
 * @brief Process one received byte.
 * @return LE_MORE, or how the line ended; after anything but LE_MORE call
 *         le_start() (after printing whatever the line caused) before feeding more.
 * @note Lines ended by LE_LINE that are not blank and differ from the newest
 *       entry join the history.
 */
enum le_result le_feed(struct lineedit *le, int c);

/**
 * @brief Print prompt and line again from the first column, cursor where
 *        it was: after something else was printed over them (the shell's
 *        held log lines, printed once boot finished).
 */
void le_redraw(struct lineedit *le);

/** @brief The line being edited (after LE_LINE: the finished line). */
const char *le_line(const struct lineedit *le);

/** @brief Cursor position in the line (characters from its start). */
size_t le_cursor(const struct lineedit *le);

/**
 * @brief Give a line editor started without history (le_config::hist NULL)
 *        its arena: the shell's prompt comes before there is a heap. The line
 *        just finished (le_feed() returned LE_LINE, le_start() not called
 *        since) becomes its first entry, as it would have with an arena.
 * @param hist @p size bytes, or NULL (no history, as before)
 * @return 0, or -EBUSY if the editor has an arena already (nothing changes)
 */
int le_set_history(struct lineedit *le, char *hist, size_t size);

/** @brief Number of history entries kept. */
unsigned le_history_count(const struct lineedit *le);

/** @brief History entry @p i, 0 = newest; NULL past the oldest. */
const char *le_history(const struct lineedit *le, unsigned i);

#endif
