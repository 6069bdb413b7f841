/**
 * @file arch/frame.h
 * @brief x86_64: the register frame isr.S builds on every exception and
 *        interrupt (arch-private).
 */
#ifndef ARCH_X64_FRAME_H
#define ARCH_X64_FRAME_H

#include <arch/entry_defs.h>
#include <arch/uregs.h>
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

/* A frame from ring 3 is the thread's struct uregs (arch/uregs.h) in place:
 * the same words at the same offsets, so the entry code hands one pointer
 * to both the kernel's handlers and the portable user-mode code. */
#define X64_SAME(f) _Static_assert(offsetof(struct x64_frame, f) == offsetof(struct uregs, f), #f)
X64_SAME(r15); X64_SAME(r14); X64_SAME(r13); X64_SAME(r12); X64_SAME(r11); X64_SAME(r10);
X64_SAME(r9); X64_SAME(r8); X64_SAME(rbp); X64_SAME(rdi); X64_SAME(rsi); X64_SAME(rdx);
X64_SAME(rcx); X64_SAME(rbx); X64_SAME(rax); X64_SAME(vector); X64_SAME(error); X64_SAME(rip);
X64_SAME(cs); X64_SAME(rflags); X64_SAME(rsp); X64_SAME(ss);
#undef X64_SAME
_Static_assert(sizeof(struct x64_frame) == sizeof(struct uregs), "one frame, two names");

/** @brief The frame of an entry from ring 3, as the user frame it is. */
static inline struct uregs *x64_uregs(struct x64_frame *f) { return (struct uregs *)(void *)f; }

/* The offsets the assembly uses (arch/entry_defs.h), checked here. */
_Static_assert(offsetof(struct x64_frame, vector) == X64_FRAME_VECTOR, "X64_FRAME_VECTOR");
_Static_assert(offsetof(struct x64_frame, cs) == X64_FRAME_CS, "X64_FRAME_CS");
_Static_assert(offsetof(struct x64_frame, rsp) == X64_FRAME_RSP, "X64_FRAME_RSP");
_Static_assert(sizeof(struct x64_frame) == X64_FRAME_SIZE, "X64_FRAME_SIZE");

#endif
