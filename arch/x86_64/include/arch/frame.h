/**
 * @file arch/frame.h
 * @brief x86_64: the register frame isr.S builds on every exception and
 *        interrupt (arch-private).
 */
#ifndef ARCH_X64_FRAME_H
#define ARCH_X64_FRAME_H

#include <stddef.h>
#include <stdint.h>

/** Pushed by isr.S (r15 first in memory) and the CPU. */
struct x64_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct x64_frame, vector) == 15 * 8, "isr.S push order");
_Static_assert(sizeof(struct x64_frame) == 22 * 8, "isr.S keeps RSP 16-byte aligned at the call");

#endif
