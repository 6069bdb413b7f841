/**
 * @file check.h
 * @brief Minimal unit-test helpers for the host test binaries.
 *
 * Each test is a plain executable: checks print file:line and the offending
 * values on failure and keep going, so one run shows every broken case.
 * CHECK_DONE() prints a summary and yields main's exit status (nonzero if
 * anything failed), which is what CTest looks at.
 */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

/** @brief Record one check; report it with location when it fails. */
#define CHECK(cond)                                                                 \
    do {                                                                            \
        check_count++;                                                              \
        if (!(cond)) {                                                              \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

/** @brief Check two integers (compared as intmax_t) for equality. */
#define CHECK_EQ_INT(a, b)                                                          \
    do {                                                                            \
        intmax_t check_a_ = (intmax_t)(a), check_b_ = (intmax_t)(b);                \
        check_count++;                                                              \
        if (check_a_ != check_b_) {                                                 \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: %s == %s failed: %jd vs %jd\n", __FILE__,       \
                    __LINE__, #a, #b, check_a_, check_b_);                          \
        }                                                                           \
    } while (0)

/** @brief Check two unsigned integers (compared as uintmax_t), shown in hex. */
#define CHECK_EQ_HEX(a, b)                                                          \
    do {                                                                            \
        uintmax_t check_a_ = (uintmax_t)(a), check_b_ = (uintmax_t)(b);             \
        check_count++;                                                              \
        if (check_a_ != check_b_) {                                                 \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: %s == %s failed: %#jx vs %#jx\n", __FILE__,     \
                    __LINE__, #a, #b, check_a_, check_b_);                          \
        }                                                                           \
    } while (0)

/** @brief Check two NUL-terminated strings for equality. */
#define CHECK_EQ_STR(a, b)                                                          \
    do {                                                                            \
        const char *check_a_ = (a), *check_b_ = (b);                                \
        check_count++;                                                              \
        if (strcmp(check_a_, check_b_) != 0) {                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", __FILE__, \
                    __LINE__, #a, #b, check_a_, check_b_);                          \
        }                                                                           \
    } while (0)

/** @brief Print the summary line; evaluates to main's exit status. */
#define CHECK_DONE(name)                                                            \
    (printf("%s: %d checks, %d failed\n", (name), check_count, check_failed),       \
     check_failed ? 1 : 0)

#endif
