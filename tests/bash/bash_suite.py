#!/usr/bin/env python3
"""bash's own test suite (tests/run-all of Debian's bash source), run in the
kernel and on Linux with the same Debian bash-static.

    bash_suite.py --arch A --image IMG [--bash BASH] [--tests FILE | --test NAME...]
                  [--known FILE] [--out DIR] [--timeout S] [--env K=V]... [-q]

The suite: .deps/bash-src/bash-*/tests/ (scripts/deps check fetches it with
apt-get source bash, and Debian's bash-static for amd64 and arm64 into
.deps/bash-<arch>/). riscv64, which Debian 12 has no archive for: that
source built static as Debian builds bash-static (tests/bash/build-bash-static,
the riscv64 build's target bash_static: build/riscv64/bash-static/bash);
--bash names another. A test is one of run-all's run-* scripts (all but
run-all and run-minimal, as run-all leaves them out), started alone as
`sh run-NAME` from a fresh copy of the tests directory, with run-all's
environment: THIS_SH the bash under test, PATH=.:BIN:TOOLS (BIN holds bash
and the suite's helpers recho, zecho, printenv and xcase from the source's
support/, built static here; TOOLS busybox's applets: sh, diff, cat, rm ...),
TMPDIR a fresh directory, BASH_TSTOUT in it, HOME=/ TERM=vt100, stdin
/dev/null, stdout and stderr into one file, in a session of its own (no
controlling terminal), every signal's action the default. A run-* script diffs what its
.tests script printed against the .right file itself, so, as run-all says,
any output is an anomaly: a test PASSes when every line it printed is one of
the scripts' own "warning: ..." notes, FAILs otherwise, or is HUNG past its
time limit.

Linux: x86_64 natively, with Debian's busybox-static for amd64 as TOOLS;
aarch64 and riscv64 run their bash-static under qemu-<arch>-static (a wrapper
program in BIN, `qemu-<arch>-static -0 ARGV0 bash-static ARGS`, since there is no
binfmt_misc to start a foreign program an exec names), with the amd64 helpers
and busybox natively: what is under test is bash; its tools are the same
source on either machine. The kernel: an ext2 disk holds /bash/{bin,tests,
wrap,list.txt} and the runner of the Open POSIX suite (tests/posix/runner.c,
with -a: every test's whole output after its result, and -S: each test in
a session of its own, without a controlling terminal, as on Linux's side);
one boot under
scripts/qemu (driven as the Open POSIX suite's is: tests/qemu/runner_boot.py),
the disk mounted read-only on /mnt, BIN=/mnt/bash/bin,
TOOLS=/bin (the initrd's busybox of the arch); each test is a small
/bin/sh script in wrap/ that copies the tests directory to /tmp and starts
the run-* script. A test's limit in the kernel is 60 s plus 10 times what
it took on Linux (at most 600 s): TCG runs bash's many forks far slower than
the host. The kernel's and Linux's paths for the same thing (BIN, the
copy, TMPDIR) are made the same in the outputs before they are compared.

Writes OUT/results.txt (`NAME LINUX KERNEL SECONDS SAME-OUTPUT` per test),
OUT/differ.txt (the tests whose class differs), OUT/output/<side>/NAME
(each side's output) and OUT/enosys.txt (the numbers of the unimplemented
system calls the kernel shell's `syscalls` saw, after the last boot); prints the counts and the differences. --known FILE:
lines `NAME ARCHES REASON` (ARCHES all or a comma list) of tests known to
differ, which must still differ. Exit status 0 if every test but the known
ones has Linux's class, 1 if not, 77 (skipped) without the suite's source,
bash-static for the arch, or qemu-user for a foreign one.
"""
import argparse, glob, os, platform, re, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import runner_boot  # noqa: E402
from ext2_disks import make_disk  # noqa: E402

SKIP = 77
DEB = {"x86_64": "amd64", "aarch64": "arm64"}
CC = {"x86_64": "gcc", "aarch64": "aarch64-linux-gnu-gcc", "riscv64": "riscv64-linux-gnu-gcc"}
HELPERS = ["recho", "zecho", "printenv", "xcase"]
K_BASE = "/mnt/bash"     # the disk's /bash in the kernel
K_WORK = "/tmp/bt"       # each test's copy and TMPDIR in the kernel
ENV = {"PATH": "/bin", "HOME": "/", "TERM": "vt100"}
# The wrapper each test starts as (on both sides, with each side's paths):
# a fresh copy of the tests, run-all's environment, the run-* script.
WRAP = """#!/bin/sh
rm -rf {work}
mkdir -p {work}/tmp && cp -r {base}/tests {work}/tests && cd {work}/tests || exit 125
export THIS_SH={base}/bin/bash PATH=.:{base}/bin:{tools} TMPDIR={work}/tmp BASH_TSTOUT={work}/tmp/bashtst
export HOME=/ TERM=vt100 BUILD_DIR={base}
sh ./{name}
rc=$?
cd / && rm -rf {work}
exit $rc
"""


# Linux's bash of a foreign arch: its bash-static under qemu-user, its argv[0]
# the name it was run by, as the kernel's is.
QBASH = r"""#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    char **v = calloc(argc + 4, sizeof *v);
    v[0] = "QEMU";
    v[1] = "-0";
    v[2] = argv[0];
    v[3] = "BASH";
    for (int i = 1; i <= argc; i++)
        v[i + 3] = argv[i];
    execv(v[0], v);
    return 127;
}
"""


def find_src():
    found = sorted(glob.glob(os.path.join(ROOT, ".deps", "bash-src", "bash-*", "tests", "run-all")))
    return os.path.dirname(os.path.dirname(found[-1])) if found else None


def all_tests(src):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(src, "tests", "run-*"))
                  if os.path.basename(p) not in ("run-all", "run-minimal", "run-gprof")
                  and not p.endswith(("~", ".orig")))


def build_helpers(arch, src, out):
    """The suite's helpers (support/*.c: built with configure's config.h
    in bash's build; the few HAVE_ macros they test are set here), static."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.h"), "w") as f:
        f.write("#define HAVE_STRING_H 1\n#define HAVE_STDLIB_H 1\n#define HAVE_UNISTD_H 1\n"
                "#define HAVE_LOCALE_H 1\n")
    for h in HELPERS:
        subprocess.run([CC[arch], "-O2", "-static", "-DHAVE_CONFIG_H", "-I", out, "-I", src,
                        "-I", os.path.join(src, "include"), "-o", os.path.join(out, h),
                        os.path.join(src, "support", h + ".c")], check=True)
    subprocess.run([CC[arch], "-O2", "-static", "-Wall", "-o", os.path.join(out, "runner"),
                    os.path.join(ROOT, "tests", "posix", "runner.c")], check=True)


def klass(result, output):
    if result.startswith(("timeout", "hung", "panic", "not run")):
        return "HUNG"
    lines = [l for l in output.splitlines() if l.strip()]
    return "PASS" if all(l.startswith("warning:") for l in lines) else "FAIL"


def normal(text, pairs):
    for a, b in pairs:
        text = text.replace(a, b)
    return text


# ---------------------------------------------------------------- Linux

def linux_tree(arch, src, out, tmp, bash):
    """BIN and TOOLS for Linux (see the docstring)."""
    base = os.path.join(tmp, "base")
    os.makedirs(os.path.join(base, "bin"))
    host = platform.machine() in ("x86_64", "amd64")
    if not host:
        return None
    for h in HELPERS:
        shutil.copy(os.path.join(out, "helpers" if arch == "x86_64" else "host-helpers", h),
                    os.path.join(base, "bin", h))
    if arch == "x86_64":
        shutil.copy(bash, os.path.join(base, "bin", "bash"))
    else:
        q = shutil.which(f"qemu-{arch}-static")
        if not q:
            return None
        # A program, not a #! script: a shell in between (dash) would
        # drop the exported functions' environment entries (BASH_FUNC_f%%).
        c = os.path.join(tmp, "qbash.c")
        with open(c, "w") as f:
            f.write(QBASH.replace("QEMU", q).replace("BASH", bash))
        subprocess.run(["gcc", "-O1", "-o", os.path.join(base, "bin", "bash"), c], check=True)
    shutil.copytree(os.path.join(src, "tests"), os.path.join(base, "tests"), symlinks=True)
    tools = os.path.join(tmp, "tools")
    os.makedirs(tools)
    bb = os.path.join(ROOT, ".deps", "busybox-amd64", "bin", "busybox")
    with open(os.path.join(ROOT, "initrd", "busybox-applets.txt")) as f:
        for applet in f.read().split():
            os.symlink(bb, os.path.join(tools, applet))
    return base, tools


def default_signals():
    """In a Linux test's child: every signal's default action and an empty
    mask, as the kernel's runner gives (Python, or a shell that started it
    with &, may have left SIGINT and SIGQUIT ignored, which bash's trap
    tests show)."""
    for s in range(1, signal.NSIG):
        if s not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(s, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def linux_run(name, base, tools, work, timeout):
    script = os.path.join(work + ".wrap")
    with open(script, "w") as f:
        f.write(WRAP.format(work=work, base=base, tools=tools, name=name))
    out = work + ".out"
    t0 = time.monotonic()
    with open(out, "wb") as o:
        p = subprocess.Popen([os.path.join(tools, "sh"), script], cwd="/", env=ENV,
                             stdin=subprocess.DEVNULL, stdout=o, stderr=subprocess.STDOUT,
                             start_new_session=True, preexec_fn=default_signals)
        try:
            rc = p.wait(timeout=timeout)
            res = f"exit {rc}" if rc >= 0 else f"signal {-rc}"
        except subprocess.TimeoutExpired:
            res = "timeout"
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()
    secs = time.monotonic() - t0
    shutil.rmtree(work, ignore_errors=True)
    with open(out, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return res, secs, text


# ---------------------------------------------------------------- the kernel

def make_image(arch, src, out, names, limits, tmp, bash):
    tree = os.path.join(tmp, "tree")
    b = os.path.join(tree, "bash")
    os.makedirs(os.path.join(b, "bin"))
    os.makedirs(os.path.join(b, "wrap"))
    os.makedirs(os.path.join(tree, "tmp"))
    shutil.copytree(os.path.join(src, "tests"), os.path.join(b, "tests"), symlinks=True)
    shutil.copy(bash, os.path.join(b, "bin", "bash"))
    for h in HELPERS + ["runner"]:
        shutil.copy(os.path.join(out, "helpers", h), os.path.join(b, "bin", h))
    with open(os.path.join(b, "list.txt"), "w") as f:
        for n in names:
            w = os.path.join(b, "wrap", n)
            with open(w, "w") as s:
                s.write(WRAP.format(work=K_WORK, base=K_BASE, tools="/bin", name=n))
            os.chmod(w, 0o755)
            f.write(f"{limits[n]} {K_BASE}/wrap/{n}\n")
    disk = os.path.join(tmp, "bash.img")
    size = sum(os.path.getsize(os.path.join(d, f)) + 4096 for d, _, fs in os.walk(tree) for f in fs)
    size = (int(size * 1.3) + (8 << 20) + (1 << 20) - 1) & ~((1 << 20) - 1)
    make_disk(disk, size, 4096, tree)
    shutil.rmtree(tree)
    return disk


def enosys(b, seen):
    """Add the unimplemented system calls the kernel shell's `syscalls` lists
    (number: name-less) to @seen."""
    b.type("syscalls")
    b.log = []
    b.wait_prompt(30)
    for l in b.log:
        m = re.match(r"\s*(\d+|-)\s+.*ENOSYS$", l)
        if m:
            seen.add(l.split()[0])


def kernel_run(a, names, limits, disk, say, seen):
    """{name: (raw result, output lines)} of @names in the kernel; the
    numbers of the unimplemented calls they made into @seen."""
    results, outputs = runner_boot.kernel_run(
        a, names, limits, disk, say, "bash_suite", f"{K_BASE}/bin/runner", "-a -S", f"{K_BASE}/list.txt",
        "/tmp/runner", f"{K_BASE}/wrap/", max_boots=10, idle=60, give_up=2, whole=True,
        at_end=lambda b: enosys(b, seen))
    return {n: (r, outputs.get(n, [])) for n, r in results.items()}


# ---------------------------------------------------------------- main

def read_known(path, arch):
    known = {}
    if path:
        with open(path) as f:
            for line in f:
                if line.strip() and not line.lstrip().startswith("#"):
                    name, arches, reason = line.split(None, 2)
                    if arches == "all" or arch in arches.split(","):
                        known[name] = reason.strip()
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=["aarch64", "x86_64", "riscv64"])
    ap.add_argument("--image", required=True, help="the kernel image scripts/qemu boots")
    ap.add_argument("--tests", help="a file naming the tests (run-NAME), one a line (default: all)")
    ap.add_argument("--test", action="append", default=[], help="run this test (repeatable)")
    ap.add_argument("--bash", help="the bash under test (default: .deps/bash-<Debian arch>/bin/bash-static, "
                    "for riscv64 build/riscv64/bash-static/bash)")
    ap.add_argument("--known", help="the known differences (see the docstring)")
    ap.add_argument("--out", help="default: build/bash-suite/ARCH")
    ap.add_argument("--timeout", type=float, help="seconds per test on Linux (default 120, 300 under qemu-user)")
    ap.add_argument("--boot-timeout", type=float, default=180)
    ap.add_argument("--env", action="append", default=[], help="K=V for scripts/qemu (MEM=..., SMP=...)")
    ap.add_argument("-q", action="store_true", help="no line per test")
    a = ap.parse_args()
    src = find_src()
    if not src:
        print("skipped: no bash source in .deps/bash-src/ (scripts/deps check fetches it)")
        return SKIP
    if not a.bash:
        a.bash = (os.path.join(ROOT, ".deps", f"bash-{DEB[a.arch]}", "bin", "bash-static") if a.arch in DEB
                  else os.path.join(ROOT, "build", a.arch, "bash-static", "bash"))
    a.bash = os.path.abspath(a.bash)
    if not os.path.exists(a.bash):
        print(f"skipped: no {a.bash} (scripts/deps check fetches Debian's; riscv64's: "
              f"ninja -C build/riscv64 bash_static)")
        return SKIP
    if not os.path.exists(os.path.join(ROOT, ".deps", "busybox-amd64", "bin", "busybox")):
        print("skipped: no .deps/busybox-amd64/bin/busybox (scripts/deps check fetches it)")
        return SKIP
    if a.timeout is None:
        a.timeout = 120 if a.arch == "x86_64" else 300
    out = os.path.abspath(a.out or os.path.join(ROOT, "build", "bash-suite", a.arch))
    names = [l.split()[0] for l in open(a.tests) if l.strip() and not l.startswith("#")] if a.tests else []
    names += a.test
    names = names or all_tests(src)
    build_helpers(a.arch, src, os.path.join(out, "helpers"))
    if a.arch != "x86_64":
        build_helpers("x86_64", src, os.path.join(out, "host-helpers"))
    known = read_known(a.known, a.arch)
    with tempfile.TemporaryDirectory(prefix="bash-suite.") as tmp:
        lt = linux_tree(a.arch, src, out, tmp, a.bash)
        if lt is None:
            print(f"skipped: Linux's side needs an x86_64 host and qemu-{a.arch}-static")
            return SKIP
        base, tools = lt
        t0 = time.monotonic()
        linux, secs = {}, {}
        for n in names:
            res, secs[n], text = linux_run(n, base, tools, os.path.join(tmp, "work"), a.timeout)
            linux[n] = (res, normal(text, [(os.path.join(tmp, "work"), K_WORK), (base, K_BASE),
                                           (tools, "/bin")]).splitlines())
        print(f"bash_suite {a.arch}: {len(names)} tests; Linux ran them in {time.monotonic() - t0:.0f}s",
              flush=True)
        limits = {n: min(600, round(60 + 10 * secs[n])) for n in names}
        disk = make_image(a.arch, src, out, names, limits, tmp, a.bash)
        t0 = time.monotonic()
        step = [0]

        def say(n, r):
            step[0] += 1
            if not a.q:
                print(f"  {step[0]:3}/{len(names)} {n}: {r} (Linux: {linux[n][0]})", flush=True)
        seen = set()
        kernel = kernel_run(a, names, limits, disk, say, seen)
        print(f"bash_suite {a.arch}: the kernel ran them in {time.monotonic() - t0:.0f}s", flush=True)

    counts = {"Linux": {}, "kernel": {}}
    differ, rows = [], []
    for side in ("linux", "kernel"):
        shutil.rmtree(os.path.join(out, "output", side), ignore_errors=True)
        os.makedirs(os.path.join(out, "output", side))
    for n in names:
        lres, lout = linux[n]
        kres, kout = kernel.get(n, ("not run", []))
        lk, kk = klass(lres, "\n".join(lout)), klass(kres, "\n".join(kout))
        counts["Linux"][lk] = counts["Linux"].get(lk, 0) + 1
        counts["kernel"][kk] = counts["kernel"].get(kk, 0) + 1
        # The runner cuts long lines into pieces: compare without line ends.
        same = "".join(lout) == "".join(kout)
        rows.append(f"{n} {lk}({lres.replace(' ', ':')}) {kk}({kres.replace(' ', ':')}) {secs[n]:.2f} "
                    f"{'same-output' if same else 'other-output'}\n")
        for side, text in (("linux", lout), ("kernel", kout)):
            with open(os.path.join(out, "output", side, n), "w") as f:
                f.write("".join(l + "\n" for l in text))
        if lk != kk:
            differ.append((n, lk, lres, kk, kres))
    with open(os.path.join(out, "results.txt"), "w") as f:
        f.write("".join(rows))
    with open(os.path.join(out, "differ.txt"), "w") as f:
        f.write("".join(f"{n} Linux:{lk}({lr}) kernel:{kk}({kr})" + (f" -- {known[n]}" if n in known else "")
                        + "\n" for n, lk, lr, kk, kr in differ))
    with open(os.path.join(out, "enosys.txt"), "w") as f:
        f.write("".join(n + "\n" for n in sorted(seen)))
    print(f"{a.arch}: unimplemented system calls made (numbers; the last boot's): "
          f"{' '.join(sorted(seen)) or 'none'}")
    print(f"\n{a.arch}: {'class':<6} {'Linux':>6} {'kernel':>6}")
    for c in ("PASS", "FAIL", "HUNG"):
        print(f"{a.arch}: {c:<6} {counts['Linux'].get(c, 0):>6} {counts['kernel'].get(c, 0):>6}")
    bad = 0
    print(f"\n{a.arch}: {len(differ)} tests differ ({os.path.join(out, 'differ.txt')}; each side's output "
          f"in {os.path.join(out, 'output')}/):")
    for n, lk, lr, kk, kr in differ:
        bad += n not in known
        print(f"  {'known' if n in known else 'DIFF '} {n}: Linux {lk} ({lr}), kernel {kk} ({kr})"
              + (f" -- {known[n]}" if n in known else ""))
        if n not in known and (a.tests or a.test):
            for l in kernel.get(n, ("", []))[1][-15:]:
                print(f"      kernel| {l}")
    dn = {d[0] for d in differ}
    for n in sorted(known):
        if n in names and n not in dn:
            print(f"  FAIL {n}: listed as a known difference but gives Linux's class: take it out of {a.known}")
            bad += 1
    print(f"bash_suite {a.arch}: {'ok' if not bad else 'FAILED'}: {len(names) - len(differ)} of {len(names)} "
          f"as on Linux; {len(differ)} differ, {len(known)} known; {bad} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
