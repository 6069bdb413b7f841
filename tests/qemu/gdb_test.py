#!/usr/bin/env python3
"""gdb's backtrace from kmain ends at the entry (the <arch>.gdb_backtrace test).

    gdb_test.py --arch A --image IMG --elf kernel.elf

Boots the image halted with a gdb stub on a free port (as `ninja debug`
does), attaches gdb-multiarch in batch mode with the symbols, breaks at
kmain, continues and prints the backtrace: it must start at kmain, end at
the arch's entry code (whose CFI marks the return address undefined), and
contain no "??" frame, no "previous frame identical" and no more than a few
frames (without the CFI, x86_64's ran into about 500 junk frames).
"""
import argparse, os, re, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# gdb's name for each architecture; an arch missing here is an error, not x86_64.
GDB_ARCH = {"aarch64": "aarch64", "x86_64": "i386:x86-64", "riscv64": "riscv:rv64"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--elf", required=True)
    a = ap.parse_args()
    port = free_port()
    qemu = subprocess.Popen([os.path.join(ROOT, "scripts", "qemu"), a.arch, a.image, "-S", "-gdb",
                             f"tcp:127.0.0.1:{port}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.5)
        gdbarch = GDB_ARCH[a.arch]
        p = subprocess.run(["gdb-multiarch", "-q", "-nx", "-batch", a.elf,
                            "-ex", f"set architecture {gdbarch}",
                            "-ex", f"target remote 127.0.0.1:{port}",
                            "-ex", "break kmain", "-ex", "continue", "-ex", "bt 50"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=90)
    finally:
        os.killpg(qemu.pid, 9)
        qemu.wait()
    out = p.stdout
    print(out)
    frames = re.findall(r"(?m)^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+)", out)
    names = [f[1] for f in frames]
    entry = "high"  # the label every entry.S calls C from
    checks = [
        ("stopped at kmain", bool(names) and names[0] == "kmain"),
        (f"ends at the entry ({entry})", bool(names) and names[-1] == entry),
        ("no ?? frame", "??" not in names),
        ("no 'previous frame identical'", "previous frame identical" not in out),
        ("a few frames", 2 <= len(names) <= 6),
    ]
    ok = True
    for what, good in checks:
        print(f"{'ok  ' if good else 'FAIL'} {what}: {names}")
        ok &= good
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
