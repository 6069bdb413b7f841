/**
 * @file test_lineedit.c
 * @brief The shell's line editor (kernel/shell/lineedit.c), byte by byte.
 *
 * A small VT100 model receives the editor's echo: after every byte the model's
 * screen line must read exactly prompt + line, with the cursor at the
 * editor's cursor, so a wrong echo fails even when the edited line is right.
 * The model rejects any output besides what the editor promises (printable
 * bytes, CR, "\n", BEL, ESC [ K, ESC [ n D) and a cursor moved left past the
 * first column. Then: every key the header lists, history rules and limits,
 * completion, overlong lines, line ends, and a random workout.
 */
#include "check.h"
#include "../../kernel/shell/lineedit.h"
#include <kernel/errno.h>
#include <stdlib.h>

#define PROMPT "kernel> "
#define COLS 20000

/* ---- the terminal model ---- */
static char row[COLS + 1];
static size_t rowlen, col;
static unsigned bells, newlines, bad_output;
static char lastline[COLS + 1]; /* the row as it was when "\n" ended it */
static size_t emitted;          /* bytes of echo since term_reset() */

static void term_reset(void)
{
    rowlen = col = 0;
    bells = newlines = bad_output = 0;
    emitted = 0;
    lastline[0] = 0;
}

static void term_put(char c)
{
    if (col >= COLS) {
        bad_output++;
        return;
    }
    while (rowlen < col)
        row[rowlen++] = ' ';
    row[col++] = c;
    if (col > rowlen)
        rowlen = col;
}

static void term_emit(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    emitted += n;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\x1b') {
            if (i + 1 >= n || s[i + 1] != '[') {
                bad_output++;
                continue;
            }
            size_t j = i + 2, num = 0, digits = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') {
                num = num * 10 + (size_t)(s[j++] - '0');
                digits++;
            }
            if (j < n && s[j] == 'K' && digits == 0) {
                rowlen = col < rowlen ? col : rowlen;
            } else if (j < n && s[j] == 'D' && digits > 0 && num > 0) {
                if (num > col)
                    bad_output++; /* a real terminal would stop at column 0 */
                col = num > col ? 0 : col - num;
            } else {
                bad_output++;
            }
            i = j;
        } else if (c == '\r') {
            col = 0;
        } else if (c == '\n') { /* the console sends CR LF */
            row[rowlen] = 0;
            memcpy(lastline, row, rowlen + 1);
            newlines++;
            rowlen = col = 0;
        } else if (c == '\a') {
            bells++;
        } else if (c >= 0x20 && c <= 0x7e) {
            term_put(c);
        } else {
            bad_output++;
        }
    }
}

/* ---- the editor under test ---- */
static char buf[4097], draft[4097];
static char hist[16 * 4097];
static struct lineedit le;

static const char *const words[] = {"bench", "bootinfo", "bootmem", "help", "sleep", "spin",
                                    "uptime", NULL};

/* Command names for the first word; the same list after "help"; nothing
 * for other arguments. */
static void complete_words(void *ctx, const char *line, size_t start, le_word_fn add, void *acc)
{
    (void)ctx;
    if (start && strncmp(line, "help ", 5) != 0)
        return;
    for (int i = 0; words[i]; i++)
        add(acc, words[i], strlen(words[i]));
}

static void setup(size_t size, size_t hist_size)
{
    term_reset();
    le_init(&le, &(struct le_config){.buf = buf, .draft = draft, .size = size,
                                     .hist = hist_size ? hist : NULL, .hist_size = hist_size,
                                     .prompt = PROMPT, .emit = term_emit, .words = complete_words});
    le_start(&le);
}

/* The screen shows prompt + line and the cursor sits on the editor's cursor. */
static int screen_ok(void)
{
    size_t pl = strlen(PROMPT), ll = strlen(le_line(&le));
    return bad_output == 0 && rowlen == pl + ll && memcmp(row, PROMPT, pl) == 0 &&
           memcmp(row + pl, le_line(&le), ll) == 0 && col == pl + le_cursor(&le);
}

/* Feed @p s; every byte before the last must return LE_MORE. Returns the last result. */
static enum le_result feed(const char *s)
{
    enum le_result r = LE_MORE;
    for (size_t i = 0; s[i]; i++) {
        CHECK_EQ_INT(r, LE_MORE);
        r = le_feed(&le, (unsigned char)s[i]);
        if (r == LE_MORE && !screen_ok()) {
            fprintf(stderr, "screen wrong after byte %zu of \"%s\": row \"%.*s\" col %zu, line "
                    "\"%s\" cursor %zu, bad output %u\n", i, s, (int)rowlen, row, col,
                    le_line(&le), le_cursor(&le), bad_output);
            CHECK(0);
            return r;
        }
    }
    return r;
}

/* Type @p keys, check the line and cursor, then Enter must give @p line. */
static void expect_line(const char *keys, const char *line, size_t cursor)
{
    setup(sizeof buf, 0);
    CHECK_EQ_INT(feed(keys), LE_MORE);
    CHECK_EQ_STR(le_line(&le), line);
    CHECK_EQ_INT(le_cursor(&le), cursor);
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), line);
    char shown[COLS + 1];
    snprintf(shown, sizeof shown, "%s%s", PROMPT, line);
    CHECK_EQ_STR(lastline, shown); /* the screen row the Enter left behind */
}

static void test_typing_and_moving(void)
{
    setup(sizeof buf, 0);
    CHECK_EQ_STR(row, PROMPT);
    CHECK_EQ_INT(feed("uptime"), LE_MORE);
    CHECK_EQ_INT(emitted, strlen(PROMPT) + 6); /* one byte of echo per byte typed */
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "uptime");
    CHECK(memcmp(lastline, PROMPT "uptime", strlen(PROMPT) + 7) == 0);

    expect_line("uptXme\x1b[D\x1b[D\x7fi", "uptime", 4);     /* the QEMU test's keys */
    expect_line("uptXme\x1bOD\x1bOD\x08i", "uptime", 4);     /* SS3 arrows, BS */
    expect_line("ptime\x01u", "uptime", 1);                  /* Ctrl-A, insert at start */
    expect_line("ptime\x1b[Hu\x05!", "uptime!", 7);          /* Home, Ctrl-E */
    expect_line("ptime\x1b[1~u\x1b[4~!", "uptime!", 7);      /* ESC [ 1 ~ / 4 ~ */
    expect_line("ptime\x1b[7~u\x1b[8~!", "uptime!", 7);      /* rxvt's 7 ~ / 8 ~ */
    expect_line("ptime\x1bOHu\x1bOF!", "uptime!", 7);        /* ESC O H / F */
    expect_line("ptimx\x1b[D\x1b[F\x1b[D\x1b[C", "ptimx", 5); /* End, right at the end */
    expect_line("upxtime\x01\x1b[C\x1b[C\x1b[3~", "uptime", 2); /* Delete in the middle */
    expect_line("upxtime\x02\x02\x02\x02\x02\x04", "uptime", 2); /* Ctrl-B, Ctrl-D */
    expect_line("\x7f\x08\x1b[D\x1b[3~\x04" "a", "a", 1);     /* nothing to delete or pass */
    expect_line("uptime\x1b[C\x06", "uptime", 6);             /* nothing to the right */
    expect_line("help uptime\x1b[D\x1b[D\x0b", "help upti", 9); /* Ctrl-K */
    expect_line("help uptime\x1b[D\x1b[D\x15", "me", 0);       /* Ctrl-U */
    expect_line("help  uptime\x17", "help  ", 6);             /* Ctrl-W */
    expect_line("help  uptime\x17\x17" "x", "x", 1);
}

static void test_escapes_consumed(void)
{
    /* F12, Ctrl-Right (moves right), Alt-x, F1 (SS3), bracketed paste marks,
     * Insert, PgUp: none of it lands in the line. */
    expect_line("ab\x1b[24~\x1b[D\x1b[1;5Cc", "abc", 3);
    expect_line("a\x1bxb\x1bOPc\x1b[200~d\x1b[201~\x1b[2~\x1b[5~", "abcd", 4);
    expect_line("a\x1b\x1b[Db", "ba", 1);           /* ESC ESC [ D is still Left */
    expect_line("a\x1b[99999999999999999999Db", "ba", 1); /* a silly count: still one Left */
    expect_line("\x80\xff\x1c\x1f" "a\x9b" "b", "ab", 2);   /* 8-bit and other controls ignored */
    /* A control byte cuts a sequence short and acts: ESC then Enter ends the line. */
    setup(sizeof buf, 0);
    feed("ab\x1b[");
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "ab");
}

static void test_line_ends(void)
{
    setup(sizeof buf, sizeof hist);
    CHECK_EQ_INT(feed("a\r"), LE_LINE);
    le_start(&le);
    CHECK_EQ_INT(le_feed(&le, '\n'), LE_MORE); /* the LF of CR LF: not a second line */
    CHECK_EQ_INT(feed("b\n"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "b");
    le_start(&le);
    CHECK_EQ_INT(feed("c\r"), LE_LINE);
    le_start(&le);
    CHECK_EQ_INT(le_feed(&le, '\r'), LE_LINE); /* CR CR: an empty second line */
    CHECK_EQ_STR(le_line(&le), "");
    le_start(&le);
    CHECK_EQ_INT(le_feed(&le, '\n'), LE_MORE); /* its LF */
    CHECK_EQ_INT(le_feed(&le, '\n'), LE_LINE); /* LF LF: the second is a line */
    CHECK_EQ_INT(le_history_count(&le), 3);    /* a, b, c: no empty entries */
    CHECK_EQ_STR(le_history(&le, 0), "c");
    CHECK_EQ_STR(le_history(&le, 2), "a");
    CHECK(le_history(&le, 3) == NULL);
}

/* The shell's prompt comes before the heap: its history arena arrives
 * after the first line, which must still be its first entry. */
static void test_history_given_later(void)
{
    setup(sizeof buf, 0);
    CHECK_EQ_INT(feed("first\r"), LE_LINE);
    CHECK_EQ_INT(le_history_count(&le), 0);
    CHECK_EQ_INT(le_set_history(&le, hist, sizeof hist), 0);
    CHECK_EQ_INT(le_history_count(&le), 1);
    CHECK_EQ_STR(le_history(&le, 0), "first");
    CHECK_EQ_INT(le_set_history(&le, hist, sizeof hist), -EBUSY); /* one arena only */
    CHECK_EQ_INT(le_history_count(&le), 1);
    le_start(&le);
    CHECK_EQ_INT(feed("second\r"), LE_LINE);
    le_start(&le);
    feed("\x1b[A\x1b[A");
    CHECK_EQ_STR(le_line(&le), "first"); /* Up twice: the line from before the arena */
    CHECK(screen_ok());

    /* Given while a line is being typed (none finished since le_start()):
     * nothing is added, and that line joins once it ends. */
    setup(sizeof buf, 0);
    CHECK_EQ_INT(feed("a\r"), LE_LINE);
    le_start(&le);
    feed("b");
    CHECK_EQ_INT(le_set_history(&le, hist, sizeof hist), 0);
    CHECK_EQ_INT(le_history_count(&le), 0);
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_INT(le_history_count(&le), 1);
    CHECK_EQ_STR(le_history(&le, 0), "b");

    /* NULL: still no history, and an arena can come later. */
    setup(sizeof buf, 0);
    CHECK_EQ_INT(le_set_history(&le, NULL, 0), 0);
    CHECK_EQ_INT(feed("c\r"), LE_LINE);
    CHECK_EQ_INT(le_history_count(&le), 0);
    CHECK_EQ_INT(le_set_history(&le, hist, sizeof hist), 0);
    CHECK_EQ_INT(le_history_count(&le), 1);
}

/* Something printed over the line (the shell's held boot warnings): the
 * redraw starts a new row with prompt, line and cursor as they were. */
static void test_redraw(void)
{
    setup(sizeof buf, sizeof hist);
    feed("uptime\x1b[D\x1b[D");
    term_reset(); /* the screen as it is after the log lines: an empty row */
    le_redraw(&le);
    CHECK(screen_ok());
    CHECK_EQ_INT((int)le_cursor(&le), 4);
    CHECK_EQ_INT(feed("X\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "uptiXme");
}

static void test_ctrl_c(void)
{
    setup(sizeof buf, sizeof hist);
    feed("version\x1b[D");
    CHECK_EQ_INT(feed("\x03"), LE_CANCEL);
    CHECK_EQ_STR(le_line(&le), "");
    CHECK_EQ_STR(lastline, PROMPT "version^C"); /* at the end: the line stays readable */
    CHECK_EQ_INT(le_history_count(&le), 0);
    le_start(&le);
    CHECK(screen_ok());
    feed("\x1b[");               /* Ctrl-C also ends an escape sequence */
    CHECK_EQ_INT(feed("\x03"), LE_CANCEL);
    le_start(&le);
    CHECK_EQ_INT(feed("A\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "A");
}

static void test_history(void)
{
    setup(sizeof buf, sizeof hist);
    const char *lines[] = {"one", "two", "two", "", "   ", "three"};
    for (int i = 0; i < 6; i++) {
        feed(lines[i]);
        CHECK_EQ_INT(feed("\r"), LE_LINE);
        le_start(&le);
    }
    CHECK_EQ_INT(le_history_count(&le), 3); /* no duplicate in a row, no blank lines */
    feed("dra");
    feed("\x1b[A");
    CHECK_EQ_STR(le_line(&le), "three");
    feed("\x1bOA");
    CHECK_EQ_STR(le_line(&le), "two");
    feed("\x10");
    CHECK_EQ_STR(le_line(&le), "one");
    unsigned b = bells;
    feed("\x1b[A"); /* past the oldest: stays, rings */
    CHECK_EQ_STR(le_line(&le), "one");
    CHECK_EQ_INT(bells, b + 1);
    feed("\x1b[B\x1bOB");
    CHECK_EQ_STR(le_line(&le), "three");
    feed("\x0e"); /* back to what was being typed */
    CHECK_EQ_STR(le_line(&le), "dra");
    CHECK_EQ_INT(le_cursor(&le), 3);
    feed("\x1b[B");
    CHECK_EQ_STR(le_line(&le), "dra");
    CHECK_EQ_INT(bells, b + 2);
    /* Edit a recalled line: the entry itself stays as it was. */
    feed("\x15\x1b[A\x1b[A\x7f" "X");
    CHECK_EQ_STR(le_line(&le), "twX");
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_INT(le_history_count(&le), 4);
    CHECK_EQ_STR(le_history(&le, 0), "twX");
    CHECK_EQ_STR(le_history(&le, 1), "three");
    CHECK_EQ_STR(le_history(&le, 2), "two");
    /* A recalled line runs as typed: Up + Enter repeats the last command. */
    le_start(&le);
    CHECK_EQ_INT(feed("\x1b[A\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "twX");
    CHECK_EQ_INT(le_history_count(&le), 4);

    /* More lines than entries: the newest LE_HIST_MAX stay, in order. */
    setup(sizeof buf, sizeof hist);
    char l[32];
    for (int i = 0; i < LE_HIST_MAX + 9; i++) {
        snprintf(l, sizeof l, "cmd %d\r", i);
        CHECK_EQ_INT(feed(l), LE_LINE);
        le_start(&le);
    }
    CHECK_EQ_INT(le_history_count(&le), LE_HIST_MAX);
    CHECK_EQ_STR(le_history(&le, 0), "cmd 40");
    CHECK_EQ_STR(le_history(&le, LE_HIST_MAX - 1), "cmd 9");

    /* Lines of the longest length: the arena keeps 16 of them, intact. */
    static char big[4097 + 1];
    setup(sizeof buf, sizeof hist);
    for (int i = 0; i < 20; i++) {
        memset(big, 'a' + i, 4096);
        big[4096] = 0;
        CHECK_EQ_INT(feed(big), LE_MORE);
        CHECK_EQ_INT(feed("\r"), LE_LINE);
        le_start(&le);
    }
    CHECK_EQ_INT(le_history_count(&le), 16);
    for (unsigned i = 0; i < 16; i++) {
        const char *e = le_history(&le, i);
        CHECK_EQ_INT(strlen(e), 4096);
        CHECK(e[0] == 'a' + 19 - (int)i && e[4095] == e[0]);
    }
    feed("\x1b[A\x1b[A"); /* recall a full-length line: it fits exactly */
    CHECK_EQ_INT(strlen(le_line(&le)), 4096);
    CHECK(screen_ok());

    /* Without an arena: no history, arrows just ring. */
    setup(sizeof buf, 0);
    feed("x\r");
    le_start(&le);
    feed("\x1b[A");
    CHECK_EQ_STR(le_line(&le), "");
    CHECK_EQ_INT(le_history_count(&le), 0);
}

static void test_completion(void)
{
    expect_line("upt\t", "uptime ", 7);    /* unique: completed and a space */
    expect_line("bo\t", "boot", 4);        /* two candidates: their common prefix */
    expect_line("bootm\t", "bootmem ", 8);
    expect_line("uptime\t", "uptime ", 7); /* already whole */
    expect_line("x\t", "x", 1);            /* nothing matches */
    expect_line("help up\t", "help uptime ", 12); /* an argument completes from its own list */
    expect_line("bench up\t", "bench up", 8);       /* and one with no list does not */
    expect_line("u\x1b[D\t", "u", 0);      /* empty prefix, one Tab: ring, nothing inserted */
    expect_line("u pt\x01\x1b[C\t", "uptime pt", 6); /* mid-line: a space already follows */

    /* A second Tab lists the candidates and redraws prompt and line. */
    setup(sizeof buf, 0);
    unsigned b = bells;
    feed("s\t");
    CHECK_EQ_INT(bells, b + 1);
    unsigned nl = newlines;
    feed("\t");
    CHECK_EQ_INT(newlines, nl + 2);
    CHECK_EQ_STR(lastline, "sleep  spin");
    CHECK_EQ_STR(le_line(&le), "s");
    CHECK(screen_ok());
    feed("l\t");
    CHECK_EQ_STR(le_line(&le), "sleep ");
    /* A Tab, then another key, then Tab: not a double Tab. */
    setup(sizeof buf, 0);
    feed("s\tp\x7f\t");
    CHECK_EQ_INT(newlines, 0);
    /* An escape key between two Tabs also breaks the pair. */
    setup(sizeof buf, 0);
    feed("s\t\x1b[C\t");
    CHECK_EQ_INT(newlines, 0);
    /* "bo" Tab Tab: the first completes "boot", the second lists. */
    setup(sizeof buf, 0);
    feed("bo\t\t");
    CHECK_EQ_STR(lastline, "bootinfo  bootmem");
    CHECK_EQ_STR(le_line(&le), "boot");
    /* A completion that does not fit rings and changes nothing. */
    setup(7, 0);
    feed("uptim");
    b = bells;
    feed("\t");
    CHECK_EQ_INT(bells, b + 1);
    CHECK_EQ_STR(le_line(&le), "uptime"); /* the word fits; its space did not */
    CHECK_EQ_INT(feed("\r"), LE_LINE);
}

static void test_overlong(void)
{
    /* size 16: 15 characters fit, the 16th makes the line too long. */
    setup(16, sizeof hist);
    CHECK_EQ_INT(feed("123456789012345"), LE_MORE);
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "123456789012345");
    le_start(&le);
    feed("1234567890123456789");
    CHECK_EQ_STR(le_line(&le), "123456789012345"); /* the rest was not echoed or kept */
    feed("\x1b[A\x01\x7f"); /* editing keys are ignored once over */
    CHECK_EQ_INT(feed("\r"), LE_TOOLONG);
    CHECK_EQ_INT(le_history_count(&le), 1);
    le_start(&le);
    CHECK_EQ_STR(le_line(&le), "");
    CHECK_EQ_INT(feed("ok\r"), LE_LINE);
    CHECK_EQ_STR(le_line(&le), "ok");
    /* Inserting in the middle of a full line also overflows it; Ctrl-C clears that. */
    le_start(&le);
    feed("123456789012345\x01" "x");
    CHECK_EQ_STR(le_line(&le), "123456789012345");
    CHECK_EQ_INT(feed("\x03"), LE_CANCEL);
    le_start(&le);
    CHECK_EQ_INT(feed("y\r"), LE_LINE);
    /* The real size: 4,096 accepted, 4,097 refused. */
    static char big[5000];
    setup(sizeof buf, sizeof hist);
    memset(big, 'q', 4096);
    big[4096] = 0;
    CHECK_EQ_INT(feed(big), LE_MORE);
    CHECK_EQ_INT(feed("\r"), LE_LINE);
    CHECK_EQ_INT(strlen(le_line(&le)), 4096);
    le_start(&le);
    big[4096] = 'q';
    big[4097] = 0;
    feed(big);
    CHECK_EQ_INT(feed("\r"), LE_TOOLONG);
}

/* Random keys, escape fragments included; the screen must match after every byte. */
static void test_random(void)
{
    static const char *const pieces[] = {"a", "b", " ", "s", "u", "\x7f", "\x08", "\x01", "\x05",
        "\x02", "\x06", "\x0b", "\x15", "\x17", "\x04", "\t", "\t\t", "\x1b[A", "\x1b[B",
        "\x1b[C", "\x1b[D", "\x1bOA", "\x1bOH", "\x1b[3~", "\x1b[1~", "\x1b[4~", "\x1b[",
        "\x1b", "\x1bO", "\x1b[1;5", "~", "\x03", "\r", "\n", "\r\n", "\x10", "\x0e", "\xe9"};
    srand(12345);
    for (int round = 0; round < 3; round++) {
        size_t size = round == 0 ? 24 : sizeof buf;
        setup(size, round == 2 ? 0 : sizeof hist);
        for (int i = 0; i < 200000; i++) {
            const char *p = pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])];
            for (; *p; p++) {
                enum le_result r = le_feed(&le, (unsigned char)*p);
                if (r != LE_MORE) {
                    le_start(&le);
                    continue;
                }
                size_t len = strlen(le_line(&le));
                if (len >= size || le_cursor(&le) > len || !screen_ok()) {
                    fprintf(stderr, "random round %d step %d: line \"%s\" cursor %zu row \"%.*s\" "
                            "col %zu bad %u\n", round, i, le_line(&le), le_cursor(&le),
                            (int)rowlen, row, col, bad_output);
                    CHECK(0);
                    return;
                }
            }
        }
        CHECK(le_history_count(&le) <= LE_HIST_MAX);
    }
}

int main(void)
{
    test_typing_and_moving();
    test_escapes_consumed();
    test_line_ends();
    test_ctrl_c();
    test_history();
    test_history_given_later();
    test_redraw();
    test_completion();
    test_overlong();
    test_random();
    return CHECK_DONE("test_lineedit");
}
