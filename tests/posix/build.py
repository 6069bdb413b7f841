#!/usr/bin/env python3
"""Builds the Open POSIX test suite's C tests static for one arch, and our runner.

    build.py --arch A [--src DIR] [--out DIR] [--test NAME]... [-j N]

The source is Debian's posixtestsuite, as scripts/deps unpacks it into
.deps/posixtestsuite/posixtestsuite-<version>/ (found by default). A test is a
file NN-M.c under conformance/, functional/ or stress/ (the suite's own
locate-test convention), named by its path without .c
(conformance/interfaces/fork/1-1). Each is compiled and linked on its own, as
the suite's Makefile does (its flags, less -Werror: a warning of a newer gcc
would otherwise cost a test on every side alike), static, with -pthread -lrt:
x86_64 with the host's gcc, aarch64 and riscv64 with Debian's cross gcc. An
NN-buildonly.c or a file without main() is compiled only. The suite's NN-M.sh
tests are not built: each only echoes that an assertion is "tested implicitly"
by another test and exits 0, which tests no kernel.

Into OUT (default build/posix/ARCH): bin/<test name> (stripped), runner (the
kernel-side runner, tests/posix/runner.c), and build.txt, one line per test:
`NAME STATUS` with STATUS run (built, to run), buildonly (compiled),
compile-failed or link-failed (the compiler's words in log/NAME.txt). A test
already built from an unchanged source with unchanged flags is kept.
"""
import argparse, concurrent.futures, glob, hashlib, os, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CC = {"x86_64": "gcc", "aarch64": "aarch64-linux-gnu-gcc", "riscv64": "riscv64-linux-gnu-gcc"}
PKG = {"x86_64": "gcc libc6-dev", "aarch64": "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
       "riscv64": "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"}
# The suite's Makefile's CFLAGS and LDFLAGS file, less -g and -Werror.
CFLAGS = ["-O2", "-Wall", "-D_POSIX_C_SOURCE=200112L", "-std=gnu99", "-D_GNU_SOURCE"]
LIBS = ["-lpthread", "-lrt"]


def find_src(src=None):
    """The suite's top directory, or None."""
    if src:
        return src if os.path.isdir(os.path.join(src, "conformance")) else None
    dirs = sorted(glob.glob(os.path.join(ROOT, ".deps", "posixtestsuite", "posixtestsuite-*", "conformance")))
    return os.path.dirname(dirs[-1]) if dirs else None


def all_tests(src):
    """Every test's name (path from @src without .c), sorted."""
    names = []
    for top in ("conformance", "functional", "stress"):
        for d, _, files in os.walk(os.path.join(src, top)):
            for f in files:
                if f.endswith(".c") and f[0].isdigit() and "-" in f:
                    names.append(os.path.relpath(os.path.join(d, f[:-2]), src))
    return sorted(names)


def has_main(cc, obj):
    nm = shutil.which(cc.replace("gcc", "nm")) or "nm"
    out = subprocess.run([nm, "-g", obj], capture_output=True, text=True).stdout
    return any(l.split()[-2:] == ["T", "main"] for l in out.splitlines())


def build_one(cc, src, out, name):
    """(name, status) for test @name, built into @out."""
    c = os.path.join(src, name + ".c")
    exe = os.path.join(out, "bin", name)
    log = os.path.join(out, "log", name + ".txt")
    stamp = os.path.join(out, "stamp", name)
    key = hashlib.sha1((open(c, "rb").read().hex() + " ".join([cc] + CFLAGS + LIBS)).encode()).hexdigest()
    try:
        with open(stamp) as f:
            k, status = f.read().split()
        if k == key:
            return name, status
    except (OSError, ValueError):
        pass
    for p in (exe, log, stamp):
        os.makedirs(os.path.dirname(p), exist_ok=True)
    obj = exe + ".o"
    r = subprocess.run([cc] + CFLAGS + ["-I", os.path.join(src, "include"), "-c", c, "-o", obj],
                       capture_output=True, text=True)
    if r.returncode:
        status = "compile-failed"
        with open(log, "w") as f:
            f.write(r.stdout + r.stderr)
    elif name.endswith("buildonly") or not has_main(cc, obj):
        status = "buildonly"
    else:
        r = subprocess.run([cc, "-static", "-s", "-pthread", obj, "-o", exe] + LIBS, capture_output=True, text=True)
        status = "run" if r.returncode == 0 else "link-failed"
        if r.returncode:
            with open(log, "w") as f:
                f.write(r.stdout + r.stderr)
    if os.path.exists(obj):
        os.unlink(obj)
    if status != "run" and os.path.exists(exe):
        os.unlink(exe)
    with open(stamp, "w") as f:
        f.write(f"{key} {status}\n")
    return name, status


def build(arch, src, out, names=None, jobs=2, quiet=False):
    """Builds @names (default: all) and the runner; returns {name: status}."""
    cc = CC[arch]
    if not shutil.which(cc):
        raise SystemExit(f"posix build: no {cc} (scripts/deps check installs {PKG[arch]})")
    os.makedirs(out, exist_ok=True)
    runner = os.path.join(out, "runner")
    r = subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-static", "-s",
                        os.path.join(HERE, "runner.c"), "-o", runner], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"posix build: the runner does not build for {arch}:\n{r.stderr}")
    every = all_tests(src)
    if names is None:
        names = every
    else:
        unknown = [n for n in names if n not in every]
        if unknown:
            raise SystemExit(f"posix build: no such test in {src}: {', '.join(unknown)}")
    result = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for i, (n, s) in enumerate(ex.map(lambda n: build_one(cc, src, out, n), names)):
            result[n] = s
            if not quiet and (i + 1) % 200 == 0:
                print(f"posix build {arch}: {i + 1}/{len(names)}", flush=True)
    if names is every:
        with open(os.path.join(out, "build.txt"), "w") as f:
            for n in names:
                f.write(f"{n} {result[n]}\n")
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", required=True, choices=sorted(CC))
    ap.add_argument("--src", help="the suite's top directory (default: .deps/posixtestsuite/posixtestsuite-*)")
    ap.add_argument("--out", help="default: build/posix/ARCH")
    ap.add_argument("--test", action="append", help="build only this test (repeatable)")
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    src = find_src(a.src)
    if not src:
        raise SystemExit("posix build: no suite source (scripts/deps check puts it in .deps/posixtestsuite/)")
    out = a.out or os.path.join(ROOT, "build", "posix", a.arch)
    res = build(a.arch, src, out, a.test, a.j)
    counts = {}
    for s in res.values():
        counts[s] = counts.get(s, 0) + 1
    print(f"posix build {a.arch}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    sys.exit(main())
