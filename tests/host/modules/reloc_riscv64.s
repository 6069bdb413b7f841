# Every riscv64 relocation the module loader applies (arch/riscv64/
# module_reloc.c), each at a global label so tests/host/test_module.c can
# find the patched field and check it; each kind to an external symbol and
# to a local one in another section.
#
# Assembled without linker relaxation (-mno-relax, .option norelax) as the
# kernel's modules are. The assembler turns a branch or a compressed
# instruction whose target it cannot see into another form (clang 19 a
# `beq` into `bne; jal`, clang 14 a `c.beqz` into `beqz`), and which of CALL
# and CALL_PLT `call` emits depends on its version: those sites carry their
# relocation with `.reloc` on an instruction whose own target is itself
# (offset 0: an unpatched field decodes to the site, not the target). The
# test checks each expected type is in the object at its label.
        .option norelax
        # the externals (test_module.c's resolver), declared so clang 14
        # keeps the ones only a .reloc names
        .globl ext_fn, ext_data, ext_abs, ext_small, ext_pc, ext_jal, ext_br, ext_cb, ext_cj

        .text
        .globl f, s_call, s_call_plt, s_call_local, s_jal, s_jal_local, s_br, s_br_local
        .globl s_cb, s_cb_local, s_cj, s_cj_local, s_hi, s_lo_i, s_lo_s, s_hi_local
        .globl s_lo_i_local, s_lo_s_local, s_pchi, s_pclo_i, s_pclo_s, s_pchi_local
        .globl s_pclo_i_local, s_pclo_s_local, s_lla
        .type f, @function
f:
        .option push
        .option norvc                       # a 4-byte jalr, as `call` writes it
s_call: .reloc ., R_RISCV_CALL, ext_fn      # auipc ra + jalr ra
        auipc ra, 0
        jalr ra, 0(ra)
        .option pop
s_call_plt: call ext_fn@plt                 # CALL_PLT
s_call_local: call other                    # CALL or CALL_PLT (by clang's version)
s_jal:  jal ext_jal                         # JAL (jal ra)
s_jal_local: j other                        # JAL (jal zero)
s_br:   .reloc ., R_RISCV_BRANCH, ext_br    # BRANCH
        bne a0, a1, .
s_br_local: .reloc ., R_RISCV_BRANCH, other
        bge a2, a3, .
s_cb:   .reloc ., R_RISCV_RVC_BRANCH, ext_cb # RVC_BRANCH
        c.beqz a0, .
s_cb_local: .reloc ., R_RISCV_RVC_BRANCH, other
        c.bnez a5, .
s_cj:   .reloc ., R_RISCV_RVC_JUMP, ext_cj  # RVC_JUMP
        c.j .
s_cj_local: .reloc ., R_RISCV_RVC_JUMP, other
        c.j .
s_hi:   lui a0, %hi(ext_abs)                # HI20 (medlow: absolute)
s_lo_i: addi a0, a0, %lo(ext_abs)           # LO12_I
s_lo_s: sd a1, %lo(ext_abs)(a0)             # LO12_S
s_hi_local: lui a2, %hi(local + 8)
s_lo_i_local: ld a3, %lo(local + 8)(a2)
s_lo_s_local: sw a3, %lo(local + 8)(a2)
s_pchi: auipc a0, %pcrel_hi(ext_data)       # PCREL_HI20 (medany)
s_pclo_i: addi a0, a0, %pcrel_lo(s_pchi)    # PCREL_LO12_I, naming the auipc
s_pclo_s: sd a1, %pcrel_lo(s_pchi)(a0)      # PCREL_LO12_S
s_pchi_local: auipc a4, %pcrel_hi(local + 16)
s_pclo_i_local: lw a5, %pcrel_lo(s_pchi_local)(a4)
s_pclo_s_local: sw a5, %pcrel_lo(s_pchi_local)(a4)
s_lla:  lla a0, other                       # the compiler's shape: the LO12 names a .Lpcrel_hi label
        ret
        .size f, . - f

        .section .text.other, "ax"
        .globl other
        .type other, @function
other:  ret
        .size other, . - other

        .section .rodata
        .globl ro64
ro64:   .quad f                             # 64 (to .text)

        .data
        .balign 16
        .globl local, d64, d32, dpcrel32, dpcrel32_local
local:  .quad 1, 2, 3, 4
d64:    .quad ext_fn                        # 64
d32:    .word ext_small                     # 32
dpcrel32: .reloc ., R_RISCV_32_PCREL, ext_pc # 32_PCREL (clang writes `x - .` as ADD32/SUB32)
        .word 0
dpcrel32_local: .reloc ., R_RISCV_32_PCREL, other
        .word 0

        .bss
        .globl zeroes
zeroes: .zero 64
