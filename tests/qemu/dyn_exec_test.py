#!/usr/bin/env python3
"""Debian's dynamically linked programs run by execve, judged by Linux.

    dyn_exec_test.py --arch ARCH --image IMAGE

tests/dyn/udyn.c and udynbad.c are built here with the Debian toolchain
for ARCH (gcc on x86_64, aarch64-linux-gnu-gcc, riscv64-linux-gnu-gcc),
linked against Debian's glibc: udyn as a PIE and as a non-PIE program.
An ext2 disk made here with mke2fs -d holds them with glibc's dynamic
loader, libc.so.6 and libm.so.6 at Debian's paths (/lib64/ld-linux-x86-64.so.2,
/lib/ld-linux-aarch64.so.1, /lib/ld-linux-riscv64-lp64d.so.1, the
libraries in /lib/<triplet>/, no ld.so.cache). The kernel boots with it
as its root (root=/dev/vda) and runs each program, by its PT_INTERP and
through the loader run directly; their output must be what the same
programs print on Linux (natively on x86_64, under qemu-ARCH-static -L
DISK-TREE otherwise), the address lines apart, which must differ
between two runs (the load bases, the stack's top and the mmap base are
random), and be the same once
/proc/sys/kernel/randomize_va_space is 0 (tests/dyn/uaslr.c writes it, in the kernel only). udynbad's execve errors for
bad interpreters (missing: ENOENT, a text file: ELIBBAD, shorter than an
ELF header: EIO, another machine's loader: ELIBBAD) and ETXTBSY both ways
and uscript's #! scripts (tests/dyn/uscript.c) are judged against the
host's native run of the x86_64 build. On riscv64 the disk also holds
the busybox scripts/deps builds from Debian's source, dynamically linked
(.deps/busybox-riscv64/dynamic/bin/busybox), whose applets must print
what they print under qemu-riscv64-static -L DISK-TREE. udyn also says
whether /proc/self/maps names the program's, libc's and the loader's
files on the lines holding their code, whether AT_MINSIGSTKSZ is given
(x86_64) and whether a signal's frame on a fresh alternate stack fits in
it; its address line has the stack's and a new mmap's addresses too.
Every unimplemented system call the programs made (the shell's
`syscalls`) must be one enosys.py allows.
"""
import os, re, shlex, shutil, stat, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import main, make_disk  # noqa: E402
from ext2_root_test import boot_args  # noqa: E402
from enosys import check_allowed  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dyn")
ARCHES = {  # compiler, loader path, library dir, the cross root (None: the host's)
    "x86_64": ("gcc", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu", None),
    "aarch64": ("aarch64-linux-gnu-gcc", "/lib/ld-linux-aarch64.so.1", "/lib/aarch64-linux-gnu",
                "/usr/aarch64-linux-gnu"),
    "riscv64": ("riscv64-linux-gnu-gcc", "/lib/ld-linux-riscv64-lp64d.so.1", "/lib/riscv64-linux-gnu",
                "/usr/riscv64-linux-gnu"),
}
ENV = {"PATH": "/bin", "HOME": "/", "TERM": "vt100"}  # what the kernel shell's run gives
RUNS = [  # (name, command line in the guest)
    ("pie", "/bin/udyn-pie one two"),
    ("pie-again", "/bin/udyn-pie one two"),
    ("nopie", "/bin/udyn-nopie three"),
    ("direct", "{ld} /bin/udyn-pie four"),
    ("direct-nopie", "{ld} /bin/udyn-nopie five"),
]
# riscv64, which has no Debian archive: the busybox scripts/deps builds
# from Debian's source, dynamically linked against the cross glibc, run by
# its PT_INTERP from / (relative paths, the same on the host from the tree):
# applets in-process, ash forking and running applets through
# /proc/self/exe in a pipeline, and one through the loader run directly.
BUSYBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".deps", "busybox-riscv64",
                       "dynamic", "bin", "busybox")
BUSYBOX_RUNS = [
    "/bin/busybox echo a dynamically linked busybox",
    "/bin/busybox sh -c 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); done; printf \"%x %s\\n\" $i ok; "
    "echo c b a | tr \" \" \"\\n\" | sort | wc -l; ls -1 lib/riscv64-linux-gnu'",
    "/bin/busybox sha256sum bin/busybox lib/riscv64-linux-gnu/libc.so.6",
    "{ld} /bin/busybox md5sum bin/udynbad",
]


def host_lib(arch, name):
    """The path of glibc's @name for @arch on this host."""
    root = ARCHES[arch][3]
    if root:
        return os.path.join(root, "lib", name)
    out = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    return os.path.realpath(out)


def build(arch, tree, tmp):
    cc, ld, libdir, _ = ARCHES[arch]
    os.makedirs(os.path.join(tree, "bin"))
    for name, flags in (("udyn-pie", ["-fPIE", "-pie"]), ("udyn-nopie", ["-fno-pie", "-no-pie"])):
        subprocess.run([cc, "-O1", "-pthread", *flags, "-o", os.path.join(tree, "bin", name),
                        os.path.join(SRC, "udyn.c"), "-ldl"], check=True)
    subprocess.run([cc, "-O1", "-o", os.path.join(tree, "bin", "udynbad"), os.path.join(SRC, "udynbad.c")],
                   check=True)
    # the loader and libraries at Debian's paths
    for d in (os.path.dirname(ld), libdir, "dev", "proc", "tmp", "bad"):
        os.makedirs(os.path.join(tree, d.lstrip("/")), exist_ok=True)
    shutil.copy(host_lib(arch, os.path.basename(ld)), os.path.join(tree, ld.lstrip("/")))
    for lib in ("libc.so.6", "libm.so.6") + (("libresolv.so.2",) if arch == "riscv64" else ()):
        shutil.copy(host_lib(arch, lib), os.path.join(tree, libdir.lstrip("/"), lib))
    if arch == "riscv64":
        shutil.copy(BUSYBOX, os.path.join(tree, "bin", "busybox"))
    # programs whose interpreters are bad, their paths relative to /bad
    bad = os.path.join(tree, "bad")
    with open(os.path.join(tmp, "tiny.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    for prog, interp in (("missing-interp", "./none.so"), ("text-interp", "./text.so"),
                         ("short-interp", "./short.so"), ("foreign-interp", "./foreign.so")):
        subprocess.run([cc, "-o", os.path.join(bad, prog), f"-Wl,--dynamic-linker={interp}",
                        os.path.join(tmp, "tiny.c")], check=True)
    with open(os.path.join(bad, "text.so"), "w") as f:
        f.write("this is not an ELF file, and longer than an ELF header: its magic is checked\n" * 2)
    with open(host_lib(arch, os.path.basename(ld)), "rb") as f:
        head = f.read(40)
    with open(os.path.join(bad, "short.so"), "wb") as f:
        f.write(head)  # shorter than an ELF header (64 bytes)
    other = "aarch64" if arch == "x86_64" else "x86_64"
    shutil.copy(host_lib(other, os.path.basename(ARCHES[other][1])), os.path.join(bad, "foreign.so"))
    for n in ("text.so", "short.so", "foreign.so"):
        os.chmod(os.path.join(bad, n), 0o755)
    subprocess.run([cc, "-O1", "-o", os.path.join(tree, "bin", "uaslr"), os.path.join(SRC, "uaslr.c")], check=True)
    # #! scripts, run by uscript, their interpreter uscript as uargs
    subprocess.run([cc, "-O1", "-o", os.path.join(tree, "bin", "uscript"), os.path.join(SRC, "uscript.c")],
                   check=True)
    shutil.copy(os.path.join(tree, "bin", "uscript"), os.path.join(tree, "bin", "uargs"))
    scripts = {"arg": "#!./bin/uargs  one  two \n", "noarg": "#!./bin/uargs\n", "blanks": "#! \t./bin/uargs\t \n",
               "nested": "#!./scripts/arg nested\n", "long-arg": "#!./bin/uargs " + "a" * 300 + "\n",
               "long-name": "#!./" + "b" * 300 + "\n", "empty": "#!\n", "loop": "#!./scripts/loop\n",
               "chain5": "#!./scripts/c4\n", "c4": "#!./scripts/c3\n", "c3": "#!./scripts/c2\n",
               "c2": "#!./scripts/c1\n", "c1": "#!./bin/uargs\n", "missing": "#!./bin/nonexistent\n",
               "not-executable": "#!./bin/uargs\n"}
    os.makedirs(os.path.join(tree, "scripts"))
    for n, text in scripts.items():
        p = os.path.join(tree, "scripts", n)
        with open(p, "w") as f:
            f.write(text + "echo this line is not read\n")
        os.chmod(p, 0o644 if n == "not-executable" else 0o755)


def host_run(arch, tree, cmd, cwd=None):
    """@cmd (a guest command line) run on this host: natively on x86_64,
    else under qemu-ARCH-static with the tree as its -L root."""
    words = shlex.split(cmd)
    words = [os.path.join(tree, w.lstrip("/")) if w.startswith("/") else w for w in words]
    if arch != "x86_64":
        words = [f"qemu-{arch}-static", "-L", tree] + words
    r = subprocess.run(words, capture_output=True, text=True, env=ENV, cwd=cwd)
    return r.stdout + f"[exit {r.returncode}]\n"


def guest_outputs(text, cmds):
    """Each command's output in the serial text: what came between its
    line and the next prompt, "[exit N]" included."""
    outs = []
    for c in cmds:
        m = re.search(r"(?m)^kernel> run " + re.escape(c) + r"\n(.*?\[(?:exit|signal) [^\]]*\]\n)", text, re.S)
        outs.append(m.group(1) if m else None)
        if m:
            text = text[m.end():]
    return outs


def same(a, b):
    """@a and @b without their address lines, and with the host's tree
    paths as the guest's."""
    def strip(s):
        return [l for l in (s or "").splitlines() if not l.startswith("addr ")]
    return strip(a) == strip(b)


def addr(s):
    m = re.search(r"(?m)^addr (.*)$", s or "")
    return m.group(1) if m else None


def addrs(s):
    """The address line's fields by name: base, main, data, stack, mmap."""
    w = (addr(s) or "").split()
    return dict(zip(w[::2], w[1::2]))


def body(a, tmp, check):
    if shutil.which(ARCHES[a.arch][0]) is None:
        print(f"{ARCHES[a.arch][0]} not found: scripts/deps check installs the Debian cross toolchains")
        sys.exit(1)
    tree = os.path.join(tmp, "tree")
    build(a.arch, tree, tmp)
    ld = ARCHES[a.arch][1]
    cmds = [c.format(ld=ld) for _, c in RUNS]
    want = [host_run(a.arch, tree, c) for c in cmds]
    bb_cmds = [c.format(ld=ld) for c in BUSYBOX_RUNS] if a.arch == "riscv64" else []
    bb_want = [host_run(a.arch, tree, c, cwd=tree) for c in bb_cmds]
    # the bad interpreters, judged by the host's own kernel (x86_64 natively)
    ref_tree = tree
    if a.arch != "x86_64":
        ref = os.path.join(tmp, "ref")
        os.makedirs(ref)
        ref_tree = os.path.join(ref, "tree")
        build("x86_64", ref_tree, ref)
    bad_want = host_run("x86_64", ref_tree, "/bin/udynbad /bad")
    script_want = host_run("x86_64", ref_tree, "/bin/uscript /")
    disk = os.path.join(tmp, "root.img")
    make_disk(disk, 64 << 20, 4096, tree)
    img, env = boot_args(a.arch, a.image, "root=/dev/vda", tmp, 1)
    keys = [f"run {c}" for c in cmds + bb_cmds] + ["run /bin/udynbad /bad", "run /bin/uscript /", f"run /bin/uaslr 0 {ld}",
                                         "run /bin/udyn-pie fixed", "run /bin/udyn-pie fixed",
                                         "run /bin/uaslr 2", "run /bin/udyn-pie random", "syscalls", "poweroff"]
    text, status, pending = run_qemu(a.arch, img, env, [k.encode() + b"\r" for k in keys],
                                     ["-drive", f"if=none,id=d0,file={disk},format=raw",
                                      "-device", "virtio-blk-pci,drive=d0"], a.timeout)
    sys.stdout.write(text)
    print("\n---- dyn_exec_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    check_allowed(a.arch, text, check)
    got = guest_outputs(text, cmds + bb_cmds + ["/bin/udynbad /bad", "/bin/uscript /", "/bin/udyn-pie fixed", "/bin/udyn-pie fixed",
                                      "/bin/udyn-pie random"])
    fixed = got[-3:]
    script_got = got[-4]
    got = got[:-4]
    bb_got = got[len(cmds):-1]
    got = got[:len(cmds)] + got[-1:]
    for c, g, w in zip(bb_cmds, bb_got, bb_want):
        ok = g == w and w.endswith("[exit 0]\n")
        check(ok, f"busybox (dynamically linked): `{c}` prints what it prints on Linux")
        if not ok:
            print(f"--- Linux:\n{w}--- here:\n{g}")
    for (name, c), g, w in zip(RUNS, got, want):
        ok = same(g, w) and w.endswith("[exit 0]\n")
        check(ok, f"{name}: `{c.format(ld=ld)}` prints what it prints on Linux")
        if not ok:
            print(f"--- Linux:\n{w}--- here:\n{g}")
    check(addr(got[0]) and addr(got[1]) and addr(got[0]) != addr(got[1]),
          f"two runs of the PIE load at different addresses ({addr(got[0])} / {addr(got[1])})")
    # the stack's top and the mmap base move too, as Linux's (and not with 0, below)
    for k in ("base", "main", "stack", "mmap"):
        a0, a1 = addrs(got[0]).get(k), addrs(got[1]).get(k)
        check(a0 and a1 and a0 != a1, f"two runs of the PIE: {k} at different addresses ({a0} / {a1})")
    check(re.search(r"AT_BASE nonzero: yes", got[0] or "") and re.search(r"AT_BASE nonzero: no", got[3] or ""),
          "AT_BASE is the interpreter's base, 0 when the loader is the program")
    check(re.search(r"(?m)^kernel> run /bin/uaslr 0 \S+\nrandomize_va_space 2\nwrite 5: EINVAL\n"
                    r"uid 1000 opening it for writing: EACCES\nthe loader open for writing: ETXTBSY\n"
                    r"randomize_va_space 0\n\[exit 0\]$", text),
          "/proc/sys/kernel/randomize_va_space reads 2, refuses 5 and a user's write, and root writes 0; "
          "the loader is busy (ETXTBSY) while mapped")
    check(addr(fixed[0]) and addr(fixed[0]) == addr(fixed[1]) and addr(fixed[2]) != addr(fixed[0]),
          f"with 0 two runs load at the same addresses, with 2 again elsewhere ({addr(fixed[0])} / "
          f"{addr(fixed[1])} / {addr(fixed[2])})")
    for k in ("stack", "mmap"):
        f0, f1, f2 = (addrs(g).get(k) for g in fixed)
        check(f0 and f0 == f1 and f2 and f2 != f0,
              f"{k}: the same with randomize_va_space 0, elsewhere with 2 ({f0} / {f1} / {f2})")
    check(script_got == script_want, "uscript: #! scripts (an argument, blanks, nesting, a long line, ELOOP, "
          "ENOENT, EACCES, ENOEXEC) as on Linux")
    if script_got != script_want:
        print(f"--- Linux:\n{script_want}--- here:\n{script_got}")
    g = got[-1]
    check(g == bad_want, "udynbad: execve's errors for bad interpreters and ETXTBSY are Linux's")
    if g != bad_want:
        print(f"--- Linux:\n{bad_want}--- here:\n{g}")


if __name__ == "__main__":
    sys.exit(main(body, "dyn_exec_test-", 240))
