/**
 * @file kernel/shell.h
 * @brief The serial shell, and how a subsystem adds a command to it.
 *
 * Commands register themselves like drivers and tests do: SHELL_COMMAND()
 * places a descriptor in the .shell_cmds linker section, and the shell looks
 * commands up there. A subsystem keeps its commands beside its code
 * (kernel/mm/mm_cmds.c, kernel/sched/sched_cmds.c, ...), so adding one never
 * touches the shell.
 *
 * @code
 * static int cmd_uptime(int argc, char **argv)
 * {
 *     if (argc != 1)
 *         return shell_usage(argv[0]);
 *     ...
 *     return 0;
 * }
 * SHELL_COMMAND("uptime", "uptime", "time since the kernel's first instruction", cmd_uptime);
 * @endcode
 */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#include <stddef.h>

/** @brief One shell command, as SHELL_COMMAND() registers it. */
struct shell_command {
    const char *name;    /**< what is typed: one word, no spaces */
    const char *usage;   /**< synopsis printed by `help <name>` and on bad arguments */
    const char *summary; /**< one line for `help` */
    /**
     * Run the command. argv[0] is the name, argv[argc] is NULL; the strings
     * live in the shell's line buffer until the function returns. Returns 0
     * or a negative -E... code, which the shell prints. Runs on the shell
     * thread: may sleep, must not assume anything about other threads.
     */
    int (*fn)(int argc, char **argv);
    /** The subcommands (SHELL_COMMAND_SUBS()), NULL-name terminated, or NULL:
     *  then the shell parses the subcommand word and argument count, and
     *  `help` prints one usage line per subcommand from the same table. */
    const struct shell_sub *subs;
};

/** @brief The SHELL_COMMAND() descriptors, [start, end): a section each arch's linker script bounds (kernel/sections.h). */
extern const struct shell_command __shell_cmds_start[];
extern const struct shell_command __shell_cmds_end[]; /**< one past the last SHELL_COMMAND() */

/** @brief Tab completion's callback: one candidate word, @p n bytes at @p w. */
typedef void (*shell_word_fn)(void *acc, const char *w, size_t n);

/**
 * @brief What a usage placeholder ("<dev>", "<file>") stands for, listed by
 *        the subsystem that owns those things (SHELL_WORDS()), so that tab
 *        completion knows every subsystem's words without the shell naming
 *        any of them.
 */
struct shell_words {
    const char *placeholder;                  /**< as usage texts write it: "<dev>" */
    void (*list)(shell_word_fn add, void *acc); /**< add() each candidate; thread context, may sleep */
};

/** @brief Register @p fn as the lister of @p placeholder's words (in the
 *         subsystem's *_cmds.c, beside the commands that take them). */
#define SHELL_WORDS(placeholder, fn)                                                         \
    static const struct shell_words shell_words_desc_##fn                                   \
        __attribute__((used, section(".shell_words"), aligned(8))) = {placeholder, fn}

/** @brief The SHELL_WORDS() descriptors, [start, end): a section each arch's linker script bounds (kernel/sections.h). */
extern const struct shell_words __shell_words_start[];
extern const struct shell_words __shell_words_end[]; /**< one past the last SHELL_WORDS() */

/** @brief One subcommand of a command registered with SHELL_COMMAND_SUBS(). */
struct shell_sub {
    const char *name;            /**< the word after the command: "crc32" */
    const char *args;            /**< its arguments for the usage line: "<dev> <lba> <count>" */
    unsigned min_args;           /**< fewest words that may follow the subcommand's name */
    unsigned max_args;           /**< most words that may follow it */
    /** Run it: argv[0] is the subcommand's name, argc counts it; the number
     *  of arguments was checked. Returns as a command does. */
    int (*fn)(int argc, char **argv);
};

/**
 * @brief Register @p fn as the shell command @p name.
 * @param name    what is typed (a string literal; one word, unique)
 * @param usage   the synopsis: "sleep <ms>"
 * @param summary one line for `help`
 * @param fn      int fn(int argc, char **argv); also names the descriptor,
 *                so each function registers one command
 *
 * Use once per command at file scope. Nothing else is needed: the shell
 * finds the descriptor in the .shell_cmds linker section.
 */
#define SHELL_COMMAND(name, usage, summary, fn)                                              \
    static const struct shell_command shell_cmd_desc_##fn                                   \
        __attribute__((used, section(".shell_cmds"), aligned(8))) = {name, usage, summary, fn, NULL}

/**
 * @brief Register a command made of subcommands (`blk read ...`, `blk crc32
 *        ...`): @p subs, an array of struct shell_sub ending in one with a
 *        NULL name, parses them and gives `help` its usage lines.
 * @param name    what is typed
 * @param summary one line for `help`
 * @param subs    the table; also names the descriptor
 */
#define SHELL_COMMAND_SUBS(name, summary, subs)                                              \
    static const struct shell_command shell_cmd_desc_##subs                                 \
        __attribute__((used, section(".shell_cmds"), aligned(8))) = {name, NULL, summary, NULL, subs}

/**
 * @brief Print "usage: <usage>" for the command called @p name (one line per
 *        subcommand for a SHELL_COMMAND_SUBS() command).
 * @return -EINVAL always, so a command can `return shell_usage(argv[0]);`
 * @note Shell thread context (it prints).
 */
int shell_usage(const char *name);

/**
 * @brief Print a command's error as its one line, "<message> (<ENAME>)", and
 *        tell the shell it was said, so shell_exec() prints no second line.
 * @param err the negative -E... code the command returns
 * @param fmt the message, kprintf() style, with no newline: what was refused
 *            and why ("modload: m.ko: symbol 'f' runs past its section")
 * @return @p err, so a command can `return shell_error(-EINVAL, "...");`
 * @note Shell thread context (it prints). A command that prints its error
 *       some other way and returns the code gets the shell's
 *       "<command>: <ENAME>" line under it.
 */
__attribute__((format(printf, 2, 3))) int shell_error(int err, const char *fmt, ...);

/** @brief The command called @p name, or NULL. Any context; no allocation. */
const struct shell_command *shell_find(const char *name);

/**
 * @brief Walk the commands in name order: the first with @p prev NULL, then
 *        the one after @p prev; NULL after the last. Any context; no allocation.
 */
const struct shell_command *shell_next(const struct shell_command *prev);

/**
 * @brief Run one command line: split @p line at spaces (in place), find the
 *        command and call it; print what went wrong, as the prompt does:
 *        "<command>: <ENAME>" unless the command said it with shell_error().
 * @param line a writable NUL-terminated line; its words are argv
 * @retval 0 an empty line, or the command succeeded
 * @retval -ENOENT no such command
 * @retval -E2BIG more words than the shell passes (32)
 * @return otherwise the command's own -E... code
 * @note Thread context: commands may sleep. Keeps no state of its own (a
 *       command run by it may itself call it, as `ktest` does).
 */
int shell_exec(char *line);

/**
 * @brief Print the prompt, then read and run command lines forever on the
 *        calling thread.
 * @note Thread context; sleeps waiting for input. Uses static line buffers,
 *       so only one thread may run it. May start before boot finished
 *       (kmain() starts it on a static stack before the page allocator):
 *       it prints the prompt at once and reads keys once boot_wait()
 *       returns, then runs lines on a stack of its own with a guard page.
 */
__attribute__((noreturn)) void shell_run(void);

/** @brief Have the shell draw its prompt again (with what was typed) within 100 ms: the
 *         console came back to it. Any context. */
void shell_poke(void);

/** @brief thread_create() entry running shell_run(). */
int shell_thread(void *arg);

#endif
