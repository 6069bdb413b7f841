/**
 * @file fuzz_fdt.c
 * @brief libFuzzer target: the FDT /chosen reader on arbitrary blobs.
 */
#include <kernel/kernel.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    char out[64];
    if (fdt_chosen_bootargs(copy, size, out, sizeof out) == 0 && strnlen(out, sizeof out) == sizeof out)
        abort(); /* success must leave a terminated string */
    free(copy);
    return 0;
}
