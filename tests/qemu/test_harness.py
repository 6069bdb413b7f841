#!/usr/bin/env python3
"""Host test of qemu_test.py's reading of the serial stream: a prompt that a
log line erased and the shell drew again counts once, so a --send waits for
the command before it to finish (a riscv64 user_fuzz run once typed `mem`
into a running ufuzz this way)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_test as q

failed = 0


def check(what, got, want):
    global failed
    if got != want:
        failed += 1
        print(f"FAIL {what}: got {got!r}, want {want!r}")
    else:
        print(f"ok   {what}")


# kernel/shell/shell.c's read_line(): CR, erase line, the log line, the prompt again.
boot = b"Type 'help'\r\nkernel> \r\x1b[K[    0.042770] warning: smp: late\r\nkernel> "
check("log line over the prompt: the text a reader sees", q.plain(boot),
      "Type 'help'\n[    0.042770] warning: smp: late\nkernel> ")
check("log line over the prompt: one prompt", q.count_prompts(q.plain(boot)), 1)
typed = b"kernel> ru\r\x1b[K[    1.000000] note\r\nkernel> run x\r\n"
check("log line while typing: the line drawn again", q.plain(typed),
      "[    1.000000] note\nkernel> run x\n")
check("log line while typing: one prompt", q.count_prompts(q.plain(typed)), 1)
check("erase to end of line keeps what is before it", q.plain(b"kernel> ab\x1b[Kc\r\n"), "kernel> abc\n")
check("two real prompts", q.count_prompts(q.plain(b"kernel> a\r\nout\r\nkernel> ")), 2)
check("a prompt inside a line is none", q.count_prompts("x kernel> y\n"), 0)
print(f"harness: {failed} failed")
sys.exit(1 if failed else 0)
