/**
 * @file fuzz_bpf.c
 * @brief libFuzzer target: the verifier and both engines on raw
 *        instructions. The input is a program (8 bytes an instruction) for
 *        a 64-byte writable context; whatever the verifier accepts must
 *        run under the interpreter and the x86_64 JIT (on an x86_64 host)
 *        without a fault (ASan watches the context and the stack) and with
 *        the same r0 and context bytes. Loops the verifier accepts end:
 *        a hang is a verifier bug too (libFuzzer's -timeout).
 */
#include <kernel/bpf.h>
#include <stdlib.h>
#include <string.h>

#include <arch/host_pages.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    host_pages_init(64 << 20);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t n = (uint32_t)(size / sizeof(struct bpf_insn));
    if (n == 0 || n > 512)
        return 0;
    struct bpf_insn *insns = malloc(n * sizeof *insns);
    memcpy(insns, data, n * sizeof *insns);
    struct bpf_ctx_desc cd = {"mem", 64, 1, 1};
    struct bpf_load_opts o = {"fuzz", &cd, 0};
    struct bpf_prog *p;
    char log[BPF_LOG_MAX];
    if (bpf_prog_load(insns, n, &o, &p, log, sizeof log) == 0) {
        uint8_t *a = malloc(64), *b = malloc(64); /* exactly the context: ASan sees a byte past it */
        for (int i = 0; i < 64; i++)
            a[i] = b[i] = (uint8_t)(i * 37 + 1);
        uint64_t ri = bpf_interp(p, a, 64);
        uint64_t rj = p->jited ? p->jited(b, 64) : bpf_interp(p, b, 64);
        /* the clock and the random helper differ from run to run */
        int same_inputs = 1;
        for (uint32_t i = 0; i < n; i++)
            if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src == 0 &&
                (insns[i].imm == BPF_FUNC_ktime_get_ns || insns[i].imm == BPF_FUNC_get_prandom_u32))
                same_inputs = 0;
        if (same_inputs && (ri != rj || memcmp(a, b, 64) != 0))
            abort(); /* the engines disagree */
        free(a);
        free(b);
        bpf_prog_free(p);
    } else if (!log[0]) {
        abort(); /* a refusal says why */
    }
    free(insns);
    if (!host_heap_empty())
        abort();
    return 0;
}
