#!/usr/bin/env python3
"""The busybox shell-script suite: every tests/busybox/cases/NN-name.sh runs in
the kernel and on the host with the same busybox binary, and the two outputs
and exit codes must be the same.

    busybox_suite.py --arch A --image IMG --busybox BB [--cases DIR]
                     [--case NAME]... [--case-timeout S] [--boot-timeout S]
                     [--env K=V]... [--kernel-dir DIR] [-- extra qemu args]
    busybox_suite.py --host-only --busybox BB [--cases DIR] [--case NAME]...
                     [--show]

From a build tree (what ctest runs as ${KERNEL_ARCH}.busybox_suite):

    tests/qemu/busybox_suite.py --arch x86_64 --image build/x86_64/kernel.iso \\
        --busybox .deps/busybox-amd64/bin/busybox
    tests/qemu/busybox_suite.py --arch aarch64 --image build/aarch64/kernel.bin \\
        --busybox .deps/busybox-arm64/bin/busybox --case 05-pipes --case 30-trap-signal
    tests/qemu/busybox_suite.py --host-only --show --busybox .deps/busybox-arm64/bin/busybox

--image and --env are what tests/qemu/qemu_test.py takes (the image scripts/qemu
boots, K=V for scripts/qemu's environment: SMP=2, MEM=512M ...).

The host reference. Each case runs as `busybox sh CASE` with cwd /, stdin
/dev/null, stdout and stderr into one pipe and the kernel's `run` environment
(HOME=/ TERM=vt100) but for PATH, which names a temporary directory holding one
entry per applet of `busybox --list`, as the kernel's /bin does: a command name
in a script must find busybox's applet, never the host's coreutils. Debian's
busybox is built with FEATURE_SH_STANDALONE and FEATURE_PREFER_APPLETS (`busybox
sh -c 'type ls'` says "ls is ls" with an empty PATH): the shell runs its NOFORK
and NOEXEC applets (ls, cut, find, seq, sort, dd, env, printf, awk ...) in a
child of itself without an exec, and starts every other applet (cat, sed,
grep, wc, tr, sleep ...) by exec'ing /proc/self/exe, with a $PATH search only
if that exec fails. So:
  - busybox of the host's machine: the entries are symbolic links to it;
  - another machine with binfmt_misc registered for it
    (/proc/sys/fs/binfmt_misc/qemu-<machine> enabled): symbolic links too;
  - another machine without binfmt_misc (the case on our build machines,
    where /proc/sys/fs/binfmt_misc is not even mounted): the shell runs as
    `qemu-<machine>-static COPY sh CASE`, COPY being a copy of busybox in the
    temporary directory, and each entry is a small host script `exec
    qemu-<machine>-static COPY <applet> "$@"`. qemu-user turns the guest's exec of
    /proc/self/exe into an exec of COPY, which the host kernel cannot run: the
    shell then falls back to its $PATH search, which finds the entry; but
    applets that start commands themselves (env, xargs, find -exec, timeout)
    call glibc's execvp(), which answers ENOEXEC by running the file as a
    script with the host's /bin/sh (dash: "/proc/self/exe: 1: Syntax error").
    So the suite keeps COPY open for writing while the cases run: every exec of
    it fails with ETXTBSY instead, execvp() returns, and busybox searches $PATH
    too. A probe (`env sh -c`, `xargs sh -c`) checks this works on this host.
    Without qemu-user the test is skipped (exit 77).
The host's absolute path of the cases directory is replaced by the kernel's
(/tests/busybox/cases) in the host output: the shell's error messages name the
script. The host runs are serialised by a lock (/tmp/busybox-suite.lock) since
the scripts' scratch directories (/tmp/bbsuite-NAME) are fixed names and the
arches' suites may run at once; cases run in parallel within one run, but the
99-* cases run last, alone (99-leftovers checks no scratch directory is left).

The host reference is a function of the busybox binary, how the host runs it
(qemu-user's binary), the case scripts and this script alone; under qemu-user
it costs more host CPU than the kernel's whole run (a qemu-user start per
applet). With --reference-cache DIR (ctest passes the build tree's
busybox-suite-reference/), a run keeps it in DIR/host-reference.json under
the SHA-256 of those inputs, and the next runs take it from there until one
of them changes. `--host-only` never uses it.

The kernel run. One boot (through qemu_test.py's pieces: scripts/qemu, its
output cleaning and its monitor dump at a hang) and, at each `kernel> ` prompt,
`run /bin/busybox sh /tests/busybox/cases/NAME.sh`; the output is what comes
between the echo of that line and the `[exit N]` or `[signal NAME]` line. Lines
of the kernel log ("[   12.345678] ...") are taken out of it and shown apart.
A case that has not ended after --case-timeout gets Ctrl-C; if the prompt does
not come back, or the kernel panics or QEMU ends, QEMU is killed and a new boot
runs the remaining cases (at most 4 such boots). qemu_test.py's run_qemu()
is not used for this because it types every line at once under a single
timeout: one hanging case would cost every case after it.

Prints a line per case (`ok   NAME` or `FAIL NAME: why` with a unified diff,
host output first), then `busybox_suite: N passed, M failed`; exits 1 if a case
failed, the kernel panicked or a case could not run, 77 if the host reference
cannot be computed here (no qemu-user for a foreign busybox), 2 on bad usage.
--host-only computes the host reference twice and checks the two runs give
the same output (the scripts must be deterministic); --show prints it.
"""
import argparse, concurrent.futures, difflib, fcntl, hashlib, json, os, platform, re, select, shutil
import signal, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_test  # noqa: E402  (the QEMU driver's pieces: ROOT, plain(), monitor_dump())

ROOT = qemu_test.ROOT
KERNEL_CASES = "/tests/busybox/cases"
SKIP = 77
# ELF e_machine -> the name QEMU and the kernel use for that machine.
MACHINES = {62: "x86_64", 183: "aarch64", 243: "riscv64"}
HOST_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64",
                 "riscv64": "riscv64"}
PROMPT = r"[A-Za-z0-9_-]*> "
RESULT = re.compile(r"(?m)^\[(exit [0-9]+|signal [A-Z0-9]+)\]\n" + PROMPT)
RUN_ERROR = re.compile(r"(?m)^run: [^\n]*\n" + PROMPT)
KLOG = re.compile(r"^\[ *[0-9]+\.[0-9]+\] ")


class Skip(Exception):
    pass


def elf_machine(path):
    with open(path, "rb") as f:
        h = f.read(20)
    if len(h) < 20 or h[:4] != b"\x7fELF":
        raise SystemExit(f"busybox_suite: {path} is not an ELF file")
    return MACHINES.get(struct.unpack_from("<H", h, 18)[0], f"e_machine {struct.unpack_from('<H', h, 18)[0]}")


def binfmt_registered(machine):
    """Whether the host runs @machine's binaries by itself (binfmt_misc)."""
    try:
        with open(f"/proc/sys/fs/binfmt_misc/qemu-{machine}") as f:
            return f.readline().strip() == "enabled"
    except OSError:
        return False


def host_method(busybox):
    """(how the host runs @busybox, the command prefix that runs it: [] or
    [qemu-user]); Skip if the host cannot."""
    machine = elf_machine(busybox)
    host = HOST_MACHINES.get(platform.machine(), platform.machine())
    if machine == host:
        return f"native ({machine})", []
    if binfmt_registered(machine):
        return f"{machine} through binfmt_misc", []
    qemu = shutil.which(f"qemu-{machine}-static") or shutil.which(f"qemu-{machine}")
    if not qemu:
        raise Skip(f"busybox for {machine} on a {host} host needs qemu-{machine}-static "
                   f"(apt-get install qemu-user-static) or binfmt_misc; neither is here")
    return f"{machine} under {qemu}, applets through PATH wrappers (no binfmt_misc)", [qemu]


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def reference_key(busybox, cases_dir, names):
    """What the host reference is a function of: the busybox binary, how the
    host runs it (qemu-user's binary too), the case scripts, this script."""
    how, prefix = host_method(busybox)
    h = hashlib.sha256()
    for part in [how, file_sha256(busybox), os.path.abspath(cases_dir), file_sha256(os.path.abspath(__file__))] \
            + [file_sha256(p) for p in prefix]:
        h.update(part.encode() + b"\0")
    for n in names:
        h.update(n.encode() + b"\0" + file_sha256(os.path.join(cases_dir, n + ".sh")).encode() + b"\0")
    return how, h.hexdigest()


def cached_reference(cache_dir, key, names):
    """The host reference saved by an earlier run for the same key, or None."""
    try:
        with open(os.path.join(cache_dir, "host-reference.json")) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return None
    if saved.get("key") != key or sorted(saved.get("cases", {})) != sorted(names):
        return None
    return {n: tuple(r) for n, r in saved["cases"].items()}


def save_reference(cache_dir, key, host):
    os.makedirs(cache_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".host-reference.")
    with os.fdopen(fd, "w") as f:
        json.dump({"key": key, "cases": host}, f)
    os.replace(tmp, os.path.join(cache_dir, "host-reference.json"))


class HostRunner:
    """Runs case scripts with @busybox on the host, each applet reachable by
    name through PATH as in the kernel's /bin (see the module's docstring)."""

    def __init__(self, busybox, cases_dir, timeout):
        self.busybox = os.path.abspath(busybox)
        self.cases_dir = os.path.abspath(cases_dir)
        self.timeout = timeout
        self.how, self.prefix = host_method(self.busybox)
        self.bindir = tempfile.mkdtemp(prefix="busybox-suite-applets.")
        self.busy = None
        if self.prefix:
            # The copy keeps the name busybox: qemu-user passes its path as argv[0].
            os.mkdir(os.path.join(self.bindir, ".copy"))
            copy = os.path.join(self.bindir, ".copy", "busybox")
            shutil.copy(self.busybox, copy)
            self.busybox = copy
            self.busy = os.open(copy, os.O_WRONLY)  # every exec of it: ETXTBSY (see above)
        out = subprocess.run(self.prefix + [self.busybox, "--list"], capture_output=True, check=True)
        self.applets = out.stdout.decode().split()
        for a in self.applets:
            p = os.path.join(self.bindir, a)
            if self.prefix:
                with open(p, "w") as f:
                    f.write(f'#!/bin/sh\nexec {self.prefix[0]} {self.busybox} {a} "$@"\n')
                os.chmod(p, 0o755)
            else:
                os.symlink(self.busybox, p)
        probe = self.shell("env BB=1 sh -c 'echo env $BB'; echo x | xargs sh -c 'echo xargs $0'")
        if probe != (b"env 1\nxargs x\n", 0):
            self.close()
            raise Skip(f"busybox {self.how} cannot run the applets that exec others here "
                       f"(a probe gave {probe}): no host reference")

    def shell(self, cmd):
        """(output, status) of busybox sh -c CMD run as the cases are."""
        p = subprocess.run(self.prefix + [self.busybox, "sh", "-c", cmd], cwd="/", env=self.env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        return p.stdout, p.returncode

    def env(self):
        return {"PATH": self.bindir, "HOME": "/", "TERM": "vt100"}

    def close(self):
        if self.busy is not None:
            os.close(self.busy)
            self.busy = None
        shutil.rmtree(self.bindir, ignore_errors=True)

    def run(self, name):
        """(output text as the kernel would show it, "exit N" or "signal NAME")."""
        path = os.path.join(self.cases_dir, name + ".sh")
        p = subprocess.Popen(self.prefix + [self.busybox, "sh", path], cwd="/", env=self.env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            out, _ = p.communicate(timeout=self.timeout)
            status = f"exit {p.returncode}" if p.returncode >= 0 else \
                f"signal {signal.Signals(-p.returncode).name}"
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            status = f"timeout after {self.timeout}s"
        finally:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # background jobs the script left
            except ProcessLookupError:
                pass
        text = qemu_test.plain(out).replace(self.cases_dir, KERNEL_CASES)
        return text, status

    def run_all(self, names):
        """{name: (text, status)}: all cases but 99-* in parallel, then those one by one,
        under a lock shared by every run of the suite on this host."""
        results = {}
        # Read-only is enough for flock(), and lets another user share the lock file.
        lock = os.open(os.path.join(tempfile.gettempdir(), "busybox-suite.lock"), os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            first = [n for n in names if not n.startswith("99-")]
            with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as ex:
                for n, r in zip(first, ex.map(self.run, first)):
                    results[n] = r
            for n in names:
                if n.startswith("99-"):
                    results[n] = self.run(n)
        finally:
            os.close(lock)
        return results


class Kernel:
    """One boot of the kernel under scripts/qemu, driven a command at a time."""

    def __init__(self, arch, image, env_kv, qemu_args, boot_timeout):
        env = dict(os.environ)
        for kv in env_kv:
            k, _, v = kv.partition("=")
            env[k] = v
        self.image = image
        cmd = [os.path.join(ROOT, "scripts", "qemu"), arch, image] + list(qemu_args)
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.raw = b""
        self.text = ""
        self.ended = False
        if not self.wait_for(lambda t: re.search("(?m)^" + PROMPT, t), boot_timeout):
            raise RuntimeError("no shell prompt after " + f"{boot_timeout}s")

    def read(self, seconds):
        r, _, _ = select.select([self.p.stdout], [], [], seconds)
        if r:
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                self.ended = True
                self.p.wait()
                return
            self.raw += chunk
            self.text = qemu_test.plain(self.raw)

    def wait_for(self, pred, timeout, start=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ended:
            if pred(self.text[start:]):
                return True
            self.read(0.2)
        return bool(pred(self.text[start:]))

    def panicked(self, start=0):
        return "PANIC" in self.text[start:]

    def type(self, keys):
        self.p.stdin.write(keys)
        self.p.stdin.flush()

    def run(self, line, timeout):
        """Type @line, wait for its end. Returns (status, output, log lines, trouble):
        status "exit N"/"signal NAME" or None; trouble None, "timeout" (Ctrl-C ended
        it), "hung", "panic" or "qemu ended"."""
        mark = len(self.text)
        self.type(line.encode() + b"\r")
        done = lambda t: RESULT.search(t) or RUN_ERROR.search(t) or "PANIC" in t
        trouble = None
        if not self.wait_for(done, timeout, mark):
            trouble = "qemu ended" if self.ended else "timeout"
            if not self.ended:
                self.type(b"\x03")
                if not self.wait_for(lambda t: RESULT.search(t) or "PANIC" in t, 15, mark):
                    trouble = "hung"
        if self.panicked(mark):
            self.wait_for(lambda t: False, 3, mark)  # the rest of the panic report
            trouble = "panic"
        seg = self.text[mark:]
        echo = seg.find(line + "\n")
        start = echo + len(line) + 1 if echo >= 0 else seg.find("\n") + 1
        m = RESULT.search(seg, start)
        status = m.group(1) if m else None
        body = seg[start:m.start()] if m else seg[start:]
        if not m and trouble is None:  # run refused it: its message is the output
            body = re.sub(PROMPT + r"$", "", body)
        lines = body.split("\n")
        log = [l for l in lines if KLOG.match(l)]
        out = "\n".join(l for l in lines if not KLOG.match(l))
        return status, out, log, trouble

    def close(self):
        if self.p.poll() is None and not self.ended:
            try:
                self.type(b"poweroff\r")
                self.wait_for(lambda t: False, 5)
            except OSError:
                pass
        if self.p.poll() is None:
            os.killpg(self.p.pid, 9)
            self.p.wait()


def case_names(cases_dir, only):
    names = sorted(f[:-3] for f in os.listdir(cases_dir) if f.endswith(".sh"))
    if only:
        wanted = [o[:-3] if o.endswith(".sh") else o for o in only]
        missing = [w for w in wanted if w not in names]
        if missing:
            raise SystemExit(f"busybox_suite: no case {', '.join(missing)} in {cases_dir}")
        names = [n for n in names if n in wanted]
    return names


def show_diff(want, got):
    d = difflib.unified_diff(want.splitlines(), got.splitlines(), "host", "kernel", lineterm="", n=2)
    for l in list(d)[:80]:
        print("    " + l)


def host_only(runner, names, show):
    first = runner.run_all(names)
    second = runner.run_all(names)
    bad = 0
    for n in names:
        (t1, s1), (t2, s2) = first[n], second[n]
        same = (t1, s1) == (t2, s2)
        bad += not same
        print(f"{'ok  ' if same else 'FAIL'} {n}: [{s1}], {len(t1.splitlines())} lines"
              + ("" if same else ": differs between two host runs"))
        if not same:
            show_diff(t1 + f"[{s1}]", t2 + f"[{s2}]")
        if show:
            for l in t1.splitlines():
                print("  | " + l)
    print(f"busybox_suite: host reference ({runner.how}): {len(names) - bad} deterministic, {bad} not")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring (head of this file) for the details.")
    ap.add_argument("--arch", help="the kernel's arch (aarch64, x86_64, riscv64)")
    ap.add_argument("--image", help="the kernel image scripts/qemu boots")
    ap.add_argument("--busybox", required=True, help="the busybox binary the initrd carries as /bin/busybox")
    ap.add_argument("--cases", default=os.path.join(ROOT, "tests", "busybox", "cases"),
                    help="the case scripts on the host (default: tests/busybox/cases)")
    ap.add_argument("--kernel-dir", default=KERNEL_CASES, help="where the initrd has them (default: %(default)s)")
    ap.add_argument("--case", action="append", default=[], help="run only this case (NN-name); repeatable")
    ap.add_argument("--env", action="append", default=[], help="K=V for scripts/qemu (SMP=2, MEM=512M ...)")
    ap.add_argument("--case-timeout", type=float, default=120, help="seconds per case (default: %(default)s)")
    ap.add_argument("--boot-timeout", type=float, default=120, help="seconds to the first prompt")
    ap.add_argument("--reference-cache", metavar="DIR",
                    help="keep the host reference in DIR and take it from there while the busybox, "
                    "qemu-user, the cases and this script are the same (a build tree's directory)")
    ap.add_argument("--host-only", action="store_true", help="only the host reference, twice, compared")
    ap.add_argument("--show", action="store_true", help="with --host-only: print the outputs")
    ap.add_argument("qemu_args", nargs="*", help="after --: extra QEMU arguments")
    a = ap.parse_args()
    if not a.host_only and not (a.arch and a.image):
        ap.error("--arch and --image are needed (or --host-only)")
    if not os.path.isfile(a.busybox):
        print(f"skipped: no {a.busybox} (scripts/deps check fetches it)")
        return SKIP
    names = case_names(a.cases, a.case)
    host = None
    try:
        if a.reference_cache and not a.host_only:
            how, key = reference_key(a.busybox, a.cases, names)
            host = cached_reference(a.reference_cache, key, names)
            if host is not None:
                print(f"busybox_suite: host reference of {len(names)} cases ({how}) from "
                      f"{a.reference_cache}, computed by an earlier run from the same busybox, "
                      f"qemu-user, cases and busybox_suite.py")
        if host is None:
            runner = HostRunner(a.busybox, a.cases, a.case_timeout)
    except Skip as e:
        print(f"skipped: {e}")
        return SKIP
    if host is None:
        try:
            if a.host_only:
                return host_only(runner, names, a.show)
            t0 = time.monotonic()
            host = runner.run_all(names)
            print(f"busybox_suite: host reference of {len(names)} cases in {time.monotonic() - t0:.1f}s, "
                  f"{runner.how}")
            # Only a reference every case of which ended is kept: a host
            # timeout (a loaded host) is not the scripts' answer.
            if a.reference_cache and not any(s.startswith("timeout") for _, s in host.values()):
                save_reference(a.reference_cache, key, host)
        finally:
            runner.close()
    sys.stdout.flush()

    passed, failed, panics, boots = [], [], 0, 0
    todo = list(names)
    kernel = None
    try:
        while todo:
            if kernel is None:
                if boots == 5:
                    for n in todo:
                        print(f"FAIL {n}: not run (too many boots)")
                        failed.append(n)
                    break
                boots += 1
                try:
                    kernel = Kernel(a.arch, a.image, a.env, a.qemu_args, a.boot_timeout)
                except RuntimeError as e:
                    print(f"FAIL {todo[0]}: the kernel did not boot: {e}")
                    failed.append(todo.pop(0))
                    continue
            n = todo.pop(0)
            line = f"run /bin/busybox sh {a.kernel_dir.rstrip('/')}/{n}.sh"
            t0 = time.monotonic()
            status, out, log, trouble = kernel.run(line, a.case_timeout)
            took = time.monotonic() - t0
            want, want_status = host[n]
            why = []
            if trouble:
                why.append({"timeout": f"did not end in {a.case_timeout:.0f}s (Ctrl-C sent)",
                            "hung": f"did not end in {a.case_timeout:.0f}s, nor after Ctrl-C",
                            "panic": "kernel PANIC", "qemu ended": "QEMU ended"}[trouble])
            if status != want_status:
                why.append(f"[{status or 'no exit line'}], host [{want_status}]")
            if out != want:
                why.append("output differs")
            if why:
                failed.append(n)
                print(f"FAIL {n} ({took:.1f}s): " + "; ".join(why))
                if out != want:
                    show_diff(want, out)
            else:
                passed.append(n)
                print(f"ok   {n} ({took:.1f}s)")
            for l in log:
                print("    kernel log: " + l)
            if trouble in ("hung", "panic", "qemu ended"):
                panics += trouble == "panic"
                print("    ---- the last lines of the serial log:")
                for l in kernel.text.splitlines()[-30:]:
                    print("    | " + l)
                if trouble == "hung":
                    qemu_test.monitor_dump(kernel.p, a.image)
                    print("    ---- QEMU's monitor (info registers -a):")
                    for l in qemu_test.timeout_dump.splitlines():
                        print("    | " + l)
                kernel.close()
                kernel = None
            sys.stdout.flush()
    finally:
        if kernel:
            kernel.close()
    print(f"busybox_suite: {len(passed)} passed, {len(failed)} failed"
          + (f", {panics} kernel panic(s)" if panics else "") + (f", {boots} boots" if boots > 1 else ""))
    return 1 if failed or panics else 0


if __name__ == "__main__":
    sys.exit(main())
