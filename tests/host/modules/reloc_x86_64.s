# Every x86_64 relocation the module loader applies, each at a global label
# so tests/host/test_module.c can find the patched field and check it.
        .text
        .globl f, s_call, s_32s, s_pc32, s_32
        .type f, @function
f:
s_call: call ext_fn                 # R_X86_64_PLT32 at +1
s_32s:  movq $ext_data, %rax        # R_X86_64_32S at +3
s_pc32: leaq local(%rip), %rax      # R_X86_64_PC32 at +3 (to .data)
s_32:   movl $ext_small, %eax       # R_X86_64_32 at +1
        ret
        .size f, . - f

        .section .rodata
        .globl ro64
ro64:   .quad f                     # R_X86_64_64 (to .text)

        .data
        .globl local, d64, dpc32, dpc64
local:
d64:    .quad ext_fn                # R_X86_64_64
dpc32:  .long ext_fn - .            # R_X86_64_PC32
dpc64:  .quad ext_fn - .            # R_X86_64_PC64

        .bss
        .globl zeroes
zeroes: .zero 64
