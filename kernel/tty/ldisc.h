/**
 * @file ldisc.h
 * @brief A terminal's line discipline: what Linux's N_TTY does to input
 *        between the wire and read(), as a state machine with no kernel
 *        underneath (the console terminal in tty.c drives it; the host test
 *        tests/host/test_ldisc.c drives it directly).
 *
 * Input bytes go in one at a time (ldisc_input()). The termios input flags
 * map CR and NL first (ICRNL, INLCR, IGNCR, ISTRIP). With ICANON the bytes
 * build a line that the erase keys edit (VERASE, VKILL, and with IEXTEN
 * VWERASE, VLNEXT, VREPRINT); Enter, VEOL, VEOL2 or VEOF end it, and only
 * ended lines can be read, one line per read() at most; VEOF at a line's
 * start reads as the end of the input (a read of 0). Without ICANON every
 * byte can be read at once, and VMIN/VTIME tell the reader when to return
 * (ldisc_raw_wait()). With ISIG, VINTR, VQUIT and VSUSP are not input but
 * a signal for the foreground group (the return value), and drop what was
 * typed ahead unless NOFLSH. What the terminal should show (ECHO, ECHOE,
 * ECHOK, ECHOKE, ECHONL, ECHOCTL) collects in an echo buffer that the
 * caller writes out (ldisc_take_echo()) once it has let go of its locks.
 *
 * Not done: output processing (the console driver turns NL into CR NL
 * whatever OPOST says), flow control (IXON), parity, and tab columns when
 * erasing (a tab is erased as one column).
 */
#ifndef KERNEL_FS_LDISC_H
#define KERNEL_FS_LDISC_H

#include <stddef.h>
#include <stdint.h>

/** @brief Linux's struct termios of the TCGETS/TCSETS ioctls (the same on
 *  every arch the kernel has: the generic one, 19 control characters). */
struct ldisc_termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};

/* c_cc indices (asm-generic/termbits.h) */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16
/* c_iflag */
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
/* c_lflag */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000

#define LDISC_BUF 4096 /**< input held at most, as N_TTY's buffer */
#define LDISC_ECHO 512 /**< echo held before the caller must take it */

/** @brief One terminal's input side. All fields private to ldisc.c. */
struct ldisc {
    struct ldisc_termios t;
    uint8_t buf[LDISC_BUF];  /**< input, oldest first */
    uint8_t mark[LDISC_BUF]; /**< per byte: LD_DATA, LD_EOL (data that ends a line), LD_EOF (ends a line, not data) */
    size_t len;              /**< bytes in buf */
    size_t avail;            /**< of which readable: whole lines (canonical), all (raw) */
    int lnext;               /**< the next byte is taken literally (VLNEXT) */
    char echo[LDISC_ECHO];
    size_t echo_len;
};

/** @brief A terminal in Linux's default state: canonical, echoing, ISIG, ICRNL. */
void ldisc_init(struct ldisc *ld);
/**
 * @brief Feed one input byte.
 * @return the signal (SIGINT, SIGQUIT, SIGTSTP) a signal key asks for, the
 *         input typed ahead dropped unless NOFLSH; 0 for any other byte (a
 *         byte that does not fit is dropped, as N_TTY drops it).
 */
int ldisc_input(struct ldisc *ld, uint8_t c);
/** @brief The signal @p c asks for under @p t (ISIG), or 0; nothing changes. */
int ldisc_signal_key(const struct ldisc_termios *t, uint8_t c);
/** @brief Bytes a read() can take now: within whole lines (canonical), all (raw). */
size_t ldisc_readable(const struct ldisc *ld);
/** @brief 1 if a canonical read() would return now (a line or an end of input is there). */
int ldisc_line_ready(const struct ldisc *ld);
/**
 * @brief Take up to @p n readable bytes into @p out. Canonical: at most one
 *        line, its NL included; a VEOF ending it is consumed, not returned,
 *        so a VEOF alone reads as 0. Raw: what is there, up to @p n.
 * @return bytes copied.
 */
size_t ldisc_read(struct ldisc *ld, char *out, size_t n);
/**
 * @brief How a raw (non-canonical) read of @p n bytes waits, from VMIN and
 *        VTIME: *@p want bytes to return at once, *@p timeout_ds tenths of
 *        a second to wait for the first one (VMIN 0) or between bytes
 *        (VMIN > 0), 0 for no limit (VMIN > 0) or no wait (VMIN 0).
 */
void ldisc_raw_wait(const struct ldisc *ld, size_t n, size_t *want, unsigned *timeout_ds);
/** @brief Drop all input (a signal key, TCSETSF, TCFLSH). */
void ldisc_flush(struct ldisc *ld);
/** @brief New settings (TCSETS*): leaving ICANON makes the line typed so far readable. */
void ldisc_set_termios(struct ldisc *ld, const struct ldisc_termios *t);
/** @brief Move up to @p n bytes of pending echo into @p out; bytes moved. */
size_t ldisc_take_echo(struct ldisc *ld, char *out, size_t n);

#endif
