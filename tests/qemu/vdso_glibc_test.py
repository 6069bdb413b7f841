#!/usr/bin/env python3
"""glibc's clock calls go through the vDSO: no system call.

    vdso_glibc_test.py --arch ARCH --image IMAGE

tests/qemu/vdso_glibc.c, linked static against glibc by the arch's Debian
gcc (the same compilers as the Open POSIX suite's, tests/posix/build.py),
on an ext2 disk: 1000 clock_gettime calls, gettimeofday, time, and a
handler installed by signal() (on arm64 and riscv64 glibc passes no
sa_restorer: the handler returns through the vDSO) which unwinds its own
stack with libgcc's unwinder, through the signal frame. Its line must be
what it prints on Linux (the host's for x86_64, qemu-<arch>-static's for the
others; without qemu-user the unwinding is not judged). Then the shell's
`syscalls`: none of clock_gettime, gettimeofday or time was a system call.
Skipped (77) without the compiler.
"""
import os, re, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import drives, main, make_disk  # noqa: E402

CC = {"x86_64": "gcc", "aarch64": "aarch64-linux-gnu-gcc", "riscv64": "riscv64-linux-gnu-gcc"}


def body(a, tmp, check):
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    subprocess.run([CC[a.arch], "-static", "-O2", os.path.join(HERE, "vdso_glibc.c"), "-o",
                    os.path.join(tree, "vdso_glibc")], check=True)
    prog = os.path.join(tree, "vdso_glibc")
    host = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(os.uname().machine)
    runner = [] if host == a.arch else [shutil.which(f"qemu-{a.arch}-static") or ""]
    linux = None
    if all(runner):
        linux = subprocess.run(runner + [prog], capture_output=True, text=True, timeout=60).stdout.strip()
        print(f"on Linux: {linux}")
    disk = os.path.join(tmp, "d.img")
    make_disk(disk, 8 << 20, tree=tree)
    keys = ["mount -r /dev/vda /mnt", "run /mnt/vdso_glibc", "syscalls", "poweroff"]
    text, status, pending = run_qemu(a.arch, a.image, [], [k.encode() + b"\r" for k in keys], drives([disk]), a.timeout)
    sys.stdout.write(text)
    print("\n---- vdso_glibc_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    m = re.search(r"(?m)^(vdso_glibc: 1000 clock_gettime, 0 backwards, gettimeofday ok, time ok, "
                  r"handler returned, unwound [a-z ]+)\n\[exit 0\]$", text)
    check(m, "glibc's calls answer, the handler returns")
    if linux is not None:
        check(m and m.group(1) == linux, "the same line as on Linux (the unwinding through the signal frame too)")
    calls = re.findall(r"(?m)^ +\d+ +(\w+) +\d+", text)
    check("exit_group" in calls, "the shell's syscalls listed the program's calls")
    for name in ("clock_gettime", "gettimeofday", "time"):
        check(name not in calls, f"no {name} system call")


if __name__ == "__main__":
    arch = sys.argv[sys.argv.index("--arch") + 1] if "--arch" in sys.argv else ""
    if not shutil.which(CC.get(arch, "none")):
        print(f"skipped: no {CC.get(arch)} to link a glibc program for {arch}")
        sys.exit(77)
    sys.exit(main(body, "vdso_glibc_"))
