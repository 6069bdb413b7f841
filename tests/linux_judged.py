#!/usr/bin/env python3
"""A test program judged by Linux: run it on the build host's Linux.

    linux_judged.py --arch ARCH --program PATH [--name NAME] [--native-only]

The programs of cmake/linux_judged.cmake encode Linux's answer in every
check, so each must print "NAME: 0 failed" (and exit 0) on Linux itself,
as it must in our kernel. The arch's build runs natively when the host is
that arch, else under qemu-user (qemu-ARCH-static, from qemu-user-static),
with ULINUX_QEMU_USER=1 in its environment so the checks qemu-user answers
otherwise than Linux say they are skipped (usys.h's uskip_on_qemu_user()).
Without qemu-user the test says it is skipped, and why (exit 77); so does a
--native-only program (one qemu-user answers otherwise) on a foreign arch.

The program gets a fresh directory (its DIR argument, and its working
directory) that is removed afterwards; core dumps are off, as the
programs' children die of signals on purpose.
"""
import argparse, os, platform, re, resource, shutil, subprocess, sys, tempfile

SKIP = 77


def runner(arch):
    """The command prefix that runs an @arch program here, and whether it is qemu-user, or None."""
    if platform.machine() == arch:
        return [], False
    for name in (f"qemu-{arch}-static", f"qemu-{arch}"):
        q = shutil.which(name)
        if q:
            return [q], True
    return None, True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--name")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--native-only", action="store_true",
                    help="judged only on a host of its arch (qemu-user answers it otherwise)")
    a = ap.parse_args()
    name = a.name or os.path.basename(a.program)
    prefix, qemu = runner(a.arch)
    if qemu and a.native_only:
        print(f"skipped: {name} is judged only natively (cmake/linux_judged.cmake: qemu-user answers "
              f"otherwise in its checks), and this host is {platform.machine()}, not {a.arch}")
        return SKIP
    if prefix is None:
        print(f"skipped: {a.arch} programs need qemu-user (qemu-{a.arch}-static) on this "
              f"{platform.machine()} host: scripts/deps check installs qemu-user-static")
        return SKIP
    env = dict(os.environ)
    if qemu:
        env["ULINUX_QEMU_USER"] = "1"
    with tempfile.TemporaryDirectory(prefix=f"linux_{name}-") as d:
        try:
            # An IPC namespace of its own where unshare can make one (root):
            # message queues a killed program leaves die with it.
            ipc = ["unshare", "--ipc", "--"]
            if not shutil.which("unshare") or subprocess.run(ipc + ["true"], stdout=subprocess.DEVNULL,
                                                             stderr=subprocess.DEVNULL).returncode != 0:
                ipc = []
            p = subprocess.run(ipc + prefix + [os.path.abspath(a.program), d], cwd=d, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=a.timeout,
                               preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
        except subprocess.TimeoutExpired as e:
            sys.stdout.write((e.stdout or b"").decode(errors="replace"))
            print(f"FAIL {name} did not finish in {a.timeout} s")
            return 1
    out = p.stdout.decode(errors="replace")
    sys.stdout.write(out)
    how = "under " + os.path.basename(prefix[0]) if qemu else "natively"
    kernel = platform.release()
    if p.returncode == 0 and re.search(rf"(?m)^{re.escape(name)}: 0 failed$", out):
        print(f"---- {name} ({a.arch}) passes on Linux {kernel}, {how}")
        return 0
    print(f"---- FAIL {name} ({a.arch}) on Linux {kernel}, {how}: exit {p.returncode}; "
          f"a check above does not encode Linux's answer (or the host's Linux differs: docs/testing.md)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
