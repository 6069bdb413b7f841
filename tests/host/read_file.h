/**
 * @file tests/host/read_file.h
 * @brief For host tests and fuzzers: a whole file read into malloc()ed
 *        memory (the objects the build made for them).
 */
#ifndef TESTS_HOST_READ_FILE_H
#define TESTS_HOST_READ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** @brief @p dir/@p name, whole, in malloc()ed memory; exits the test if it cannot. */
static inline uint8_t *read_file_in(const char *dir, const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*size ? *size : 1);
    if (fread(b, 1, *size, f) != *size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return b;
}

#endif
