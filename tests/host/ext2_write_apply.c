/**
 * @file ext2_write_apply.c
 * @brief tests/fuzz/fuzz_ext2_write.c's run on inputs read from files, each
 *        resulting image written to a file: the host's e2fsck then judges
 *        what the writer made (tests/host/ext2_write_fsck.py).
 *
 *     ext2_write_apply INPUT OUTPUT [INPUT OUTPUT]...
 *
 * Each INPUT is one fuzzer input (fuzz_ext2_write.c's comment has the
 * format); the run's checks hold as in the fuzzer (a failed one aborts,
 * naming it), and the image as the run left it, unmounted, goes to OUTPUT.
 * An input whose image was not mounted (refused, or read-only) is an
 * error: the host check feeds only clean images. With EXT2_WRITE_TRACE=1,
 * "== INPUT" heads each input's trace. Built with ASan and UBSan, without
 * libFuzzer, so one process runs every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void ext2_write_set_result_hook(void (*fn)(const uint8_t *image, size_t size));

static const char *out_path;
static int saved;

static void save(const uint8_t *image, size_t size)
{
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(image, 1, size, f) != size || fclose(f)) {
        perror(out_path);
        exit(1);
    }
    saved = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: %s INPUT OUTPUT [INPUT OUTPUT]...\n", argv[0]);
        return 2;
    }
    ext2_write_set_result_hook(save);
    static uint8_t buf[4096];
    for (int i = 1; i < argc; i += 2) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        out_path = argv[i + 1];
        saved = 0;
        if (getenv("EXT2_WRITE_TRACE"))
            fprintf(stderr, "== %s\n", argv[i]); /* the trace's lines that follow are this input's */
        LLVMFuzzerTestOneInput(buf, n);
        if (!saved) {
            fprintf(stderr, "%s: the image was not mounted read-write\n", argv[i]);
            return 1;
        }
    }
    return 0;
}
