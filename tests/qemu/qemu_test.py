#!/usr/bin/env python3
"""Boot the kernel in QEMU, optionally type shell commands, and assert on the
serial output and QEMU's exit status.

    qemu_test.py --arch A --image IMG [--env K=V]...
                 [--send CMD | --type KEYS | --on REGEX KEYS]...
                 [--expect REGEX]... [--reject REGEX]... [--reject-raw REGEX]...
                 [--monotonic REGEX]... [--same REGEX]... [--status N | --halts] [--busy-host] [--timeout S] [--until REGEX]
                 [-- extra qemu args]

Each --send is typed after the next shell prompt ("> " at line start),
followed by Enter (CR). --type is the same without the Enter, and with
Python escapes decoded, so tests can press keys: --type '\\x1b[A\\r' is Up,
Enter. Sends and types go out in the order given, one per prompt.
--on REGEX KEYS types KEYS (escapes decoded, no Enter) as soon as REGEX
matches the output that came after the previous key went out, prompt or
not: --on 'bench: seq' '\\x03' presses Ctrl-C while a command runs.
--reject-raw REGEX (and --expect-raw) (escapes decoded) is matched, dot matching newlines,
against the raw byte stream before carriage returns are dropped: terminal
control sequences, "\\r\\r\\n".
--monotonic REGEX: the integer its first group captures must never
decrease from one match to the next, and it must match at least twice.
--same REGEX: what its first group captures must be the same in every
match, and it must match at least twice (`mem` before and after: nothing
leaked).
--same-listing CMD [KEEP]: every answer to the line CMD (from its echo to
the next prompt) must be the same, and CMD must have been typed at least
twice; with KEEP, a regex, an answer is compared by the groups of KEEP's
matches only (so `irqs` can leave out its counts).
--busy-host: from the last key on, the host is busy: a CPU hog on every
host CPU (each for at most 5 s) and QEMU's main thread scheduled only when
a CPU has nothing else to run (SCHED_IDLE), so what a vCPU asks of QEMU's
main loop (a shutdown) happens late, as on a loaded machine.
--status N: QEMU must exit by itself with status N. --halts: the kernel must
print "System halted." (it then waits forever, so we stop QEMU, with or
without --halts: after a panic a test fails at once, not at its timeout). QEMU is
always killed on the way out: no test leaves a process behind. --until REGEX:
stop once REGEX is in the output (firmware that carries on after the kernel
gave up never ends by itself).
"""
import argparse, os, re, select, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_qemu(arch, image, env_kv, keys, qemu_args, timeout, halts=False):
    """Boot @image under scripts/qemu, type each of @keys after the next
    prompt (or, for a (regex, keys) item, once regex matches what came after
    the previous key), and return (serial text without carriage returns,
    QEMU's exit status or None, keys never sent). QEMU's process group is
    always killed on the way out."""
    raw, status, pending = run_qemu_raw(arch, image, env_kv, keys, qemu_args, timeout, halts)
    return plain(raw), status, pending


HOG = ("import sys, time\nend = time.monotonic() + 5\nsys.stdout.write('.')\nsys.stdout.flush()\n"
       "while time.monotonic() < end: pass")


def make_host_busy(qemu_pid):
    """--busy-host: start a hog on every CPU this process may use, wait
    until each runs (a Python start takes tens of milliseconds, longer
    than the command the key starts), and leave QEMU's main thread (its thread id is
    the process id: scripts/qemu execs QEMU) the CPU time nothing else
    wants. Returns the hogs, for the caller to kill."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG], stdout=subprocess.PIPE)
            for _ in range(len(os.sched_getaffinity(0)))]
    for h in hogs:
        h.stdout.read(1)
    os.sched_setscheduler(qemu_pid, os.SCHED_IDLE, os.sched_param(0))
    return hogs


# A terminal control sequence: CSI (ESC [ ... letter) or a two-byte ESC c.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[c78]")


# Carriage return, erase line: what the line held is gone from the screen. The
# shell does this to a prompt a log line interrupts, and draws the prompt again
# under the log line; kept, the erased prompt would count as one more prompt
# and the next --send would go out while the last command still runs.
ERASED = re.compile(r"[^\n]*\r\x1b\[K")


def count_prompts(text):
    """Shell prompts ("> " at line start) in @text, a plain() text."""
    return len(re.findall(r"(?m)^[A-Za-z0-9_-]*> ", text))


def plain(raw):
    """What a reader sees of @raw: text without carriage returns, without
    what a carriage return and erase-line (ESC [K) wiped, and without
    terminal control sequences (the kernel's terminal reset, the firmware's
    screen clearing); --reject-raw sees them all."""
    return CONTROL.sub("", ERASED.sub("", raw.decode("utf-8", "replace")).replace("\r", ""))


def run_qemu_raw(arch, image, env_kv, keys, qemu_args, timeout, halts=False, busy_host=False, until=None):
    """run_qemu(), returning the serial output's raw bytes; with
    @busy_host, the host is busy from the last key on (make_host_busy());
    with @until, stopping once that regex is in the output."""
    env = dict(os.environ)
    for kv in env_kv:
        k, _, v = kv.partition("=")
        env[k] = v
    cmd = [os.path.join(ROOT, "scripts", "qemu"), arch, image] + list(qemu_args)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
    out = b""
    pending = list(keys)
    prompts_seen = 0
    mark = 0  # where the output stood when the last key went out
    deadline = time.monotonic() + timeout
    status = None
    hogs = []
    try:
        while True:
            if time.monotonic() > deadline:
                out += f"\nqemu_test: TIMEOUT after {timeout}s\n".encode()
                monitor_dump(p, image)
                break
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    status = p.wait()
                    break
                out += chunk
            text = plain(out)
            prompts = count_prompts(text)
            key = pending[0] if pending else None
            if isinstance(key, tuple):  # --on REGEX KEYS
                if re.search(key[0], text[mark:], re.M):
                    pending.pop(0)
                    mark = len(text)
                    prompts_seen = prompts
                    if busy_host and not pending:
                        hogs = make_host_busy(p.pid)
                    p.stdin.write(key[1])
                    p.stdin.flush()
            elif key is not None and prompts > prompts_seen:
                prompts_seen = prompts
                mark = len(text)
                if busy_host and len(pending) == 1:
                    hogs = make_host_busy(p.pid)
                p.stdin.write(pending.pop(0))
                p.stdin.flush()
            # A halted kernel says nothing more: stop now, not at the timeout
            # (whether that is a pass is --halts' check below).
            if "System halted." in text or (until and re.search(until, text, re.M)):
                time.sleep(0.2)
                break
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        if p.poll() is None:
            os.killpg(p.pid, 9)
            p.wait()
        elif status is None:
            status = p.returncode
    return out, status, pending


# What QEMU's monitor said about the CPUs when the last run timed out.
timeout_dump = ""


def monitor_dump(p, image):
    """At a timeout, ask QEMU's monitor (Ctrl-A c on -nographic's stdio)
    what every CPU's registers hold, with the
    program counters named from the kernel.elf beside @image: a hang then
    says where it hangs. Kept in timeout_dump, out of the serial text the
    checks read."""
    global timeout_dump
    try:
        p.stdin.write(b"\x01cinfo registers -a\n")
        p.stdin.flush()
    except OSError:
        return
    said = b""
    end = time.monotonic() + 3
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            said += chunk
    # The monitor's line editor redraws the command as it comes: drop its echo.
    text = "\n".join(l for l in plain(said).splitlines() if not l.startswith("(qemu)"))
    elf = os.path.join(os.path.dirname(os.path.abspath(image)), "kernel.elf")
    pcs = sorted(set(re.findall(r"(?i)\b(?:pc|rip|sepc|mepc|elr_el1)(?:\s*=\s*|\s+)(?:0x)?([0-9a-f]{8,16})\b", text)))
    names = []
    if pcs and os.path.exists(elf):
        try:
            # With the inlined frames: riscv64's symbol table names some
            # outer functions by local labels only (.LBB...), their lines
            # still say where.
            sym = subprocess.run(["llvm-symbolizer", "--obj=" + elf] + ["0x" + a for a in pcs],
                                 capture_output=True, text=True, timeout=10)
            blocks = sym.stdout.strip().split("\n\n")
            names = []
            for a, b in zip(pcs, blocks):
                ls = b.splitlines()
                frames = [f"{ls[i]} at {ls[i + 1]}" for i in range(0, len(ls) - 1, 2)]
                names.append(f"  0x{a}: " + ", inlined in ".join(frames))
        except (OSError, subprocess.SubprocessError):
            pass
    timeout_dump = text.rstrip("\n") + "\n" + ("\n".join(["program counters in " + elf + ":"] + names) + "\n" if names else "")


def unescape(s):
    """Python escapes in a command-line argument (\\x03, \\r) decoded."""
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


class OnAction(argparse.Action):
    """--on REGEX KEYS: a (regex, keys) item in the keys list."""
    def __call__(self, parser, ns, values, option_string=None):
        getattr(ns, self.dest).append((values[0], unescape(values[1])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--send", action="append", dest="keys", default=[],
                    type=lambda s: s.encode() + b"\r")
    ap.add_argument("--type", action="append", dest="keys", type=unescape)
    ap.add_argument("--on", action=OnAction, dest="keys", nargs=2, metavar=("REGEX", "KEYS"))
    ap.add_argument("--monotonic", action="append", default=[])
    ap.add_argument("--same", action="append", default=[])
    ap.add_argument("--same-listing", action="append", default=[], nargs="+", metavar="CMD [KEEP]")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--reject-raw", action="append", default=[], type=lambda s: unescape(s).decode("latin-1"))
    ap.add_argument("--expect-raw", action="append", default=[], type=lambda s: unescape(s).decode("latin-1"))
    ap.add_argument("--status", type=int)
    ap.add_argument("--halts", action="store_true")
    ap.add_argument("--busy-host", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--until")
    ap.add_argument("qemu_args", nargs="*")
    a = ap.parse_args()

    raw, status, pending = run_qemu_raw(a.arch, a.image, a.env, a.keys, a.qemu_args, a.timeout,
                                        a.halts, a.busy_host, a.until)
    text = plain(raw)
    report = []
    ok = True
    if pending:
        report.append(f"FAIL: never reached a prompt for: {pending}")
        ok = False
    for rx in a.expect:
        hit = re.search(rx, text, re.M)
        report.append(f"{'ok  ' if hit else 'FAIL'} expect /{rx}/")
        ok &= bool(hit)
    for rx in a.reject:
        hit = re.search(rx, text, re.M)
        report.append(f"{'FAIL' if hit else 'ok  '} reject /{rx}/")
        ok &= not hit
    for rx in a.expect_raw:
        hit = re.search(rx, raw.decode("latin-1"), re.S)
        report.append(f"{'ok  ' if hit else 'FAIL'} expect raw /{rx.encode('unicode_escape').decode()}/")
        ok &= bool(hit)
    for rx in a.reject_raw:
        hit = re.search(rx, raw.decode("latin-1"), re.S)
        shown = rx.encode("unicode_escape").decode()
        report.append(f"{'FAIL' if hit else 'ok  '} reject raw /{shown}/" + (f" at byte {hit.start()}" if hit else ""))
        ok &= not hit
    if a.status is not None:
        good = status == a.status
        report.append(f"{'ok  ' if good else 'FAIL'} exit status {status}, wanted {a.status}")
        ok &= good
    if a.halts:
        good = "System halted." in text
        report.append(f"{'ok  ' if good else 'FAIL'} kernel halted")
        ok &= good
    for rx in a.monotonic:
        vals = [int(m.group(1)) for m in re.finditer(rx, text, re.M)]
        good = len(vals) >= 2 and all(x <= y for x, y in zip(vals, vals[1:]))
        report.append(f"{'ok  ' if good else 'FAIL'} monotonic /{rx}/: {vals}")
        ok &= good
    for rx in a.same:
        vals = [m.group(1) for m in re.finditer(rx, text, re.M)]
        good = len(vals) >= 2 and len(set(vals)) == 1
        report.append(f"{'ok  ' if good else 'FAIL'} same /{rx}/: {vals}")
        ok &= good
    for spec in a.same_listing:
        cmd, keep = spec[0], (spec[1] if len(spec) > 1 else r"(?m)^(.*)$")
        blocks = re.findall(r"(?ms)^[A-Za-z0-9_-]*> " + re.escape(cmd) + r"\n(.*?)^[A-Za-z0-9_-]*> ", text)
        keys = [[m.groups() for m in re.finditer(keep, b)] for b in blocks]
        good = len(keys) >= 2 and all(k == keys[0] for k in keys) and len(keys[0]) > 0
        report.append(f"{'ok  ' if good else 'FAIL'} same listing '{cmd}': {len(keys)} answers"
                      + ("" if good else f": {keys}"))
        ok &= good
    if not ok:
        # CI shows the start of a failing test's output, and the serial log
        # runs to hundreds of lines: say what failed first, with the lines
        # that explain it (failed ktests, assertions, panics, the end of the
        # log), then the whole log.
        print("---- qemu_test FAILED: " + "; ".join(r[5:] for r in report if r.startswith("FAIL")))
        lines = text.splitlines()
        why = [l for l in lines if re.search(r"FAIL|assertion failed|PANIC|TIMEOUT", l)]
        for l in why[:40]:
            print("  | " + l)
        print("---- last 25 lines of the serial log:")
        for l in lines[-25:]:
            print("  | " + l)
        if timeout_dump:
            print("---- QEMU's monitor at the timeout (info registers -a):")
            for l in timeout_dump.splitlines():
                print("  | " + l)
        print("---- full serial log:")
    sys.stdout.write(text)
    print("\n---- qemu_test checks ----")
    for r in report:
        print(r)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
