#!/usr/bin/env python3
"""The Open POSIX test suite, run in the kernel and on Linux, the same binaries.

    posix_suite.py --arch A --image IMG [--tests FILE | --test NAME...]
                   [--known FILE] [--out DIR] [--src DIR] [--timeout S]
                   [--linux-only] [--env K=V]... [-j N]

Builds the tests (tests/posix/build.py: static, into OUT/bin), runs each on
Linux (the host natively for x86_64, qemu-<arch>-static for the others) and in
the kernel, and compares the results by the suite's classes: exit 0 PASS,
1 FAILED, 2 UNRESOLVED, 4 UNSUPPORTED, 5 UNTESTED, no end within the timeout
HUNG, another exit status or a signal INTERRUPTED, not built BUILD-FAILED
(the same on both sides).

Linux. Each test runs alone, in a process group of its own, in an empty
working directory, stdin /dev/null, output to a file, environment
PATH=/bin HOME=/ TERM=vt100, with --timeout seconds (default 60); as root, in
an IPC namespace of its own (unshare --ipc) whose message-queue limits are
root's ceilings, so that queues a test leaks die with it.

The kernel. An ext2 disk (mke2fs -d) holds /posix/runner (tests/posix/runner.c),
/posix/bin/<test> and /posix/list.txt (each test's time limit and path); one
boot under scripts/qemu, `mount -r /dev/vda /mnt` in the kernel shell, then
`run /mnt/posix/runner -v -d /tmp/posix /mnt/posix/list.txt`. A test's limit
in the kernel is 10 s plus 4 times what it took on Linux (120 s at most;
20 s for a test Linux gave up on), since TCG is slower than the host. The
runner kills a test past its limit (HUNG); if the kernel says nothing for the
limit plus 60 s, or panics, or QEMU ends, the test is HUNG, QEMU is killed and
a new boot carries on after it (runner -s): tests/qemu/runner_boot.py, which
bash's suite (tests/bash/) shares.

Without --tests or --test: every test (the full suite, scripts/posix-suite)
but those that set the realtime clock (clock_settime, settimeofday, stime):
on Linux, as root, that would be the host's clock.
Writes OUT/results.txt (`NAME LINUX KERNEL SECONDS` per test: the raw
results, Linux's time), OUT/differ.txt (the tests whose classes differ) and
OUT/differ-output.txt (the end of what the kernel printed, the start of what Linux did), prints the counts of each
class on each side and the differences.

--known FILE: lines `NAME ARCHES REASON` (ARCHES: all or a comma list) of
tests whose result is known to differ from Linux's in the kernel. Exit status:
0 if every test's class is Linux's but the known ones (for this arch), which
must differ (a known difference that is gone must leave the file); 1 if not;
77 (skipped) without the suite's source or, for a foreign arch, qemu-user.
"""
import argparse, os, re, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import build as posix_build  # noqa: E402
import runner_boot  # noqa: E402
from ext2_disks import make_disk  # noqa: E402

SKIP = 77
CLASSES = ["PASS", "FAILED", "UNRESOLVED", "UNSUPPORTED", "UNTESTED", "HUNG", "INTERRUPTED", "BUILD-FAILED"]
EXIT_CLASS = {0: "PASS", 1: "FAILED", 2: "UNRESOLVED", 4: "UNSUPPORTED", 5: "UNTESTED"}
ENV = {"PATH": "/bin", "HOME": "/", "TERM": "vt100"}
HOST = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def klass(result):
    """The suite's class of a raw result ("exit 0", "signal 11", "timeout", "hung ...")."""
    if result.startswith("exit "):
        return EXIT_CLASS.get(int(result.split()[1]), "INTERRUPTED")
    if result.startswith(("timeout", "hung", "panic")):
        return "HUNG"
    if result == "not built":
        return "BUILD-FAILED"
    return "INTERRUPTED"


def sets_host_clock(src, name):
    """Whether test @name sets the realtime clock: on Linux, run as root (the
    kernel runs programs as uid 0, so Linux must too), that is the host's
    clock, which every other program on it reads."""
    with open(os.path.join(src, name + ".c"), errors="replace") as f:
        return re.search(r"\b(clock_settime|settimeofday|stime)\s*\(", f.read()) is not None


def kernel_limit(linux_result, linux_seconds):
    if klass(linux_result) == "HUNG":
        return 20
    return min(120, round(10 + 4 * linux_seconds))


# ---------------------------------------------------------------- Linux

def linux_prefix(arch):
    import platform
    if HOST.get(platform.machine()) == arch:
        return []
    q = shutil.which(f"qemu-{arch}-static") or shutil.which(f"qemu-{arch}")
    if not q:
        return None
    return [q]


# Each test's own IPC namespace, where unshare can make one (root): the POSIX
# message queues a test leaves behind die with it instead of filling the
# host user's RLIMIT_MSGQUEUE for every later test; and in it the queue limits
# are the ceilings Linux's root has by CAP_SYS_RESOURCE (which a container's
# root may lack), as the kernel's root has them.
MQ_ROOT_LIMITS = ("echo 65536 > /proc/sys/fs/mqueue/msg_max && "
                  "echo 16777216 > /proc/sys/fs/mqueue/msgsize_max && "
                  "echo 1000000 > /proc/sys/fs/mqueue/queues_max && exec \"$@\"")
_ipc = []


def ipc_prefix():
    """The command that runs a test in an IPC namespace of its own, or [] (said once)."""
    if not _ipc:
        cmd = ["unshare", "--ipc", "--", "sh", "-c", MQ_ROOT_LIMITS, "sh"]
        try:
            ok = subprocess.run(cmd + ["true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if not ok:
            print("posix_suite: no IPC namespace of its own for each Linux test (unshare --ipc needs root): "
                  "message queues a test leaks stay, and the host's queue limits hold", flush=True)
        _ipc.append(cmd if ok else [])
    return _ipc[0]


def linux_run(prefix, exe, timeout, work):
    """(raw result, seconds, output) of @exe on Linux."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, ".out")
    t0 = time.monotonic()
    with open(out, "wb") as o:
        p = subprocess.Popen(ipc_prefix() + prefix + [exe], cwd=work, env=ENV, stdin=subprocess.DEVNULL, stdout=o,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
            res = f"exit {rc}" if rc >= 0 else f"signal {-rc}"
        except subprocess.TimeoutExpired:
            res = "timeout"
        try:
            os.killpg(p.pid, signal.SIGKILL)  # what it left running in its group
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()
    secs = time.monotonic() - t0
    with open(out, "rb") as f:
        text = f.read(1024).decode("utf-8", "replace")
    return res, secs, text


# ---------------------------------------------------------------- the kernel

def make_image(arch, out, names, limits, tmp):
    tree = os.path.join(tmp, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("tmp", "posix/bin"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(os.path.join(out, "runner"), os.path.join(tree, "posix", "runner"))
    size = 16 << 20
    with open(os.path.join(tree, "posix", "list.txt"), "w") as f:
        for n in names:
            dst = os.path.join(tree, "posix", "bin", n)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(os.path.join(out, "bin", n), dst) if same_fs(out, tree) else \
                shutil.copy(os.path.join(out, "bin", n), dst)
            size += os.path.getsize(dst) + 8192
            f.write(f"{limits[n]} /mnt/posix/bin/{n}\n")
    disk = os.path.join(tmp, "posix.img")
    size = (int(size * 1.2) + (1 << 20) - 1) & ~((1 << 20) - 1)
    make_disk(disk, size, 4096, tree)
    shutil.rmtree(tree)
    return disk


def same_fs(a, b):
    return os.stat(a).st_dev == os.stat(os.path.dirname(b)).st_dev


def kernel_run(a, names, limits, disk, say):
    """({name: raw result}, {name: output lines}) of @names in the kernel (see
    the module's docstring)."""
    return runner_boot.kernel_run(a, names, limits, disk, say, "posix_suite", "/mnt/posix/runner", "-v",
                                  "/mnt/posix/list.txt", "/tmp/posix", "/mnt/posix/bin/",
                                  max_boots=40, idle=30, give_up=3, whole=False)


# ---------------------------------------------------------------- main

def read_known(path, arch):
    known = {}
    if not path:
        return known
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if not line:
                continue
            name, arches, reason = line.split(None, 2)
            if arches == "all" or arch in arches.split(","):
                known[name] = reason
    return known


def read_list(path):
    with open(path) as f:
        return [l.split()[0] for l in f if l.strip() and not l.lstrip().startswith("#")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring (head of this file) for the details.")
    ap.add_argument("--arch", required=True, choices=["aarch64", "x86_64", "riscv64"])
    ap.add_argument("--image", help="the kernel image scripts/qemu boots")
    ap.add_argument("--tests", help="a file naming the tests to run, one a line (default: all)")
    ap.add_argument("--test", action="append", default=[], help="run this test (repeatable)")
    ap.add_argument("--known", help="the known differences (see the docstring)")
    ap.add_argument("--out", help="default: build/posix/ARCH")
    ap.add_argument("--src", help="the suite's source (default: .deps/posixtestsuite/posixtestsuite-*)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test on Linux")
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--linux-only", action="store_true", help="only the Linux side")
    ap.add_argument("--env", action="append", default=[], help="K=V for scripts/qemu (MEM=..., SMP=...)")
    ap.add_argument("-j", type=int, default=2, help="parallel compilers")
    ap.add_argument("-q", action="store_true", help="no line per test")
    a = ap.parse_args()
    if not a.linux_only and not a.image:
        ap.error("--image is needed (or --linux-only)")
    src = posix_build.find_src(a.src)
    if not src:
        print("skipped: no Open POSIX test suite source in .deps/posixtestsuite/ (scripts/deps check fetches it)")
        return SKIP
    prefix = linux_prefix(a.arch)
    if prefix is None:
        print(f"skipped: no qemu-{a.arch}-static to run the tests on Linux (scripts/deps check installs qemu-user-static)")
        return SKIP
    out = os.path.abspath(a.out or os.path.join(ROOT, "build", "posix", a.arch))
    names = read_list(a.tests) if a.tests else []
    names += a.test
    t0 = time.monotonic()
    built = posix_build.build(a.arch, src, out, names or None, a.j, quiet=a.q)
    names = sorted(built)
    clock = [n for n in names if built[n] == "run" and sets_host_clock(src, n)]
    names = [n for n in names if n not in clock]
    runnable = [n for n in names if built[n] == "run"]
    if clock:
        print(f"posix_suite {a.arch}: {len(clock)} tests not run: they set the realtime clock, "
              "which on Linux is the host's", flush=True)
    print(f"posix_suite {a.arch}: {len(names)} tests, {len(runnable)} to run, built in "
          f"{time.monotonic() - t0:.0f}s; Linux: {'native' if not prefix else prefix[0]}", flush=True)
    known = read_known(a.known, a.arch)

    linux, secs, lout = {}, {}, {}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="posix-suite.") as tmp:
        for n in runnable:
            linux[n], secs[n], lout[n] = linux_run(prefix, os.path.join(out, "bin", n), a.timeout,
                                                   os.path.join(tmp, "work"))
        print(f"posix_suite {a.arch}: Linux ran them in {time.monotonic() - t0:.0f}s", flush=True)
        if a.linux_only:
            kernel, kout = {}, {}
        else:
            limits = {n: kernel_limit(linux[n], secs[n]) for n in runnable}
            disk = make_image(a.arch, out, runnable, limits, tmp)
            t0 = time.monotonic()
            step = [0]

            def say(n, r):
                step[0] += 1
                if not a.q:
                    print(f"  {step[0]:4}/{len(runnable)} {n}: {r} (Linux: {linux[n]})", flush=True)
            kernel, kout = kernel_run(a, runnable, limits, disk, say)
            print(f"posix_suite {a.arch}: the kernel ran them in {time.monotonic() - t0:.0f}s", flush=True)

    def res(side, n):
        return side.get(n, "not built" if built[n] != "run" else "not run")
    run_names = [n for n in names if built[n] != "buildonly"]
    with open(os.path.join(out, "results.txt"), "w") as f:
        for n in run_names:
            f.write(f"{n} {res(linux, n).replace(' ', ':')} {res(kernel, n).replace(' ', ':')} "
                    f"{secs.get(n, 0):.2f}\n")
    counts = {"Linux": {}, "kernel": {}}
    for n in run_names:
        for side, d in (("Linux", linux), ("kernel", kernel)):
            c = klass(res(d, n)) if res(d, n) != "not run" else "not run"
            counts[side][c] = counts[side].get(c, 0) + 1
    print(f"\n{a.arch}: {'class':<13} {'Linux':>6} {'kernel':>6}")
    for c in CLASSES + ["not run"]:
        if counts["Linux"].get(c) or counts["kernel"].get(c):
            print(f"{a.arch}: {c:<13} {counts['Linux'].get(c, 0):>6} {counts['kernel'].get(c, 0):>6}")
    print(f"{a.arch}: ({sum(1 for n in names if built[n] == 'buildonly')} build-only tests compiled, not run)")
    if a.linux_only:
        return 0
    bad = 0
    differ = []
    for n in run_names:
        lk, kk = klass(res(linux, n)), klass(res(kernel, n))
        if lk != kk:
            differ.append(n)
    with open(os.path.join(out, "differ.txt"), "w") as f:
        for n in differ:
            f.write(f"{n} Linux:{klass(res(linux, n))}({res(linux, n)}) kernel:{klass(res(kernel, n))}"
                    f"({res(kernel, n)})\n")
    with open(os.path.join(out, "differ-output.txt"), "w") as f:
        for n in differ:
            f.write(f"==== {n}: Linux {res(linux, n)}, kernel {res(kernel, n)}\n")
            f.write("".join(f"kernel| {l}\n" for l in kout.get(n, [])[-20:]))
            f.write("".join(f"Linux | {l}\n" for l in lout.get(n, "").splitlines()[:10]))
    print(f"\n{a.arch}: {len(differ)} tests differ (in {os.path.join(out, 'differ.txt')}, their "
          f"output in differ-output.txt):")
    for n in differ:
        tag = "known" if n in known else "DIFF "
        bad += n not in known
        print(f"  {tag} {n}: Linux {klass(res(linux, n))} ({res(linux, n)}), kernel {klass(res(kernel, n))} "
              f"({res(kernel, n)})" + (f" -- {known[n]}" if n in known else ""))
        if n not in known and (a.tests or a.test):
            for l in kout.get(n, [])[-12:]:
                print(f"      kernel| {l}")
            for l in lout.get(n, "").splitlines()[:6]:
                print(f"      Linux | {l}")
    for n in sorted(known):
        if n in built and n not in differ:
            print(f"  FAIL {n}: listed as a known difference but gives Linux's result "
                  f"({res(linux, n)}): take it out of {a.known}")
            bad += 1
    print(f"posix_suite {a.arch}: {'ok' if not bad else 'FAILED'}: {len(run_names) - len(differ)} of "
          f"{len(run_names)} as on Linux; {len(differ)} differ, {len(known)} known; {bad} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
