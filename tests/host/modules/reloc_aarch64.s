// Every aarch64 relocation the module loader applies, each at a global
// label so tests/host/test_module.c can find the patched field and check it.
        .text
        .globl f, s_bl, s_b, s_adrp, s_add, s_ldst8, s_ldst16, s_ldst32, s_ldst64, s_ldst128
        .globl s_g3, s_g2, s_g1, s_g0, s_adr, s_cbz, s_tbz, s_bl_local
        .type f, %function
f:
s_bl:    bl ext_fn                           // CALL26
s_b:     b ext_fn                            // JUMP26
s_adrp:  adrp x0, local                      // ADR_PREL_PG_HI21
s_add:   add x0, x0, :lo12:local             // ADD_ABS_LO12_NC
s_ldst8: ldrb w1, [x0, :lo12:local]          // LDST8_ABS_LO12_NC
s_ldst16: ldrh w1, [x0, :lo12:local + 2]     // LDST16_ABS_LO12_NC
s_ldst32: ldr w1, [x0, :lo12:local + 4]      // LDST32_ABS_LO12_NC
s_ldst64: ldr x1, [x0, :lo12:local + 8]      // LDST64_ABS_LO12_NC
s_ldst128: ldr q1, [x0, :lo12:local + 16]    // LDST128_ABS_LO12_NC
s_g3:    movz x2, #:abs_g3:ext_data          // MOVW_UABS_G3
s_g2:    movk x2, #:abs_g2_nc:ext_data       // MOVW_UABS_G2_NC
s_g1:    movk x2, #:abs_g1_nc:ext_data       // MOVW_UABS_G1_NC
s_g0:    movk x2, #:abs_g0_nc:ext_data       // MOVW_UABS_G0_NC
s_adr:   adr x3, other                       // ADR_PREL_LO21 (another section)
s_cbz:   cbz x0, other                       // CONDBR19
s_tbz:   tbz x0, #3, other                   // TSTBR14
s_bl_local: bl other                         // CALL26 inside the module: never a veneer
         ret
        .size f, . - f

        .section .text.other, "ax"
        .globl other
        .type other, %function
other:   ret
        .size other, . - other

        .section .rodata
        .globl ro64
ro64:    .quad f                             // ABS64 (to .text)

        .data
        .balign 16
        .globl local, d64, dprel32, dabs32, dprel64
local:   .quad 1, 2, 3, 4
d64:     .quad ext_fn                        // ABS64
dprel32: .word ext_fn - .                    // PREL32
dabs32:  .word ext_small                     // ABS32
        .balign 8
dprel64: .quad ext_fn - .                    // PREL64
