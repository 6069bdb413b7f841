#!/usr/bin/env python3
"""Boot the kernel in QEMU, optionally type shell commands, and assert on the
serial output and QEMU's exit status.

    qemu_test.py --arch A --image IMG [--env K=V]... [--send CMD | --type KEYS]...
                 [--expect REGEX]... [--reject REGEX]... [--monotonic REGEX]...
                 [--status N | --halts] [--timeout S] [-- extra qemu args]

Each --send is typed after the next shell prompt ("> " at line start),
followed by Enter (CR). --type is the same without the Enter, and with
Python escapes decoded, so tests can press keys: --type '\\x1b[A\\r' is Up,
Enter. Sends and types go out in the order given, one per prompt.
--monotonic REGEX: the integer its first group captures must never
decrease from one match to the next, and it must match at least twice.
--status N: QEMU must exit by itself with status N. --halts: the kernel must
print "System halted." (it then waits forever, so we stop QEMU). QEMU is
always killed on the way out: no test leaves a process behind.
"""
import argparse, os, re, select, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_qemu(arch, image, env_kv, keys, qemu_args, timeout, halts=False):
    """Boot @image under scripts/qemu, type each of @keys after the next
    prompt, and return (serial text, QEMU's exit status or None, keys never
    sent). QEMU's process group is always killed on the way out."""
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
    deadline = time.monotonic() + timeout
    status = None
    try:
        while True:
            if time.monotonic() > deadline:
                out += f"\nqemu_test: TIMEOUT after {timeout}s\n".encode()
                break
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    status = p.wait()
                    break
                out += chunk
            text = out.decode("utf-8", "replace").replace("\r", "")
            prompts = len(re.findall(r"(?m)^[A-Za-z0-9_-]*> ", text))
            if pending and prompts > prompts_seen:
                prompts_seen = prompts
                line = pending.pop(0)
                p.stdin.write(line)
                p.stdin.flush()
            if halts and "System halted." in text:
                time.sleep(0.2)
                break
    finally:
        if p.poll() is None:
            os.killpg(p.pid, 9)
            p.wait()
        elif status is None:
            status = p.returncode
    return out.decode("utf-8", "replace").replace("\r", ""), status, pending


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--send", action="append", dest="keys", default=[],
                    type=lambda s: s.encode() + b"\r")
    ap.add_argument("--type", action="append", dest="keys",
                    type=lambda s: s.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    ap.add_argument("--monotonic", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--status", type=int)
    ap.add_argument("--halts", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("qemu_args", nargs="*")
    a = ap.parse_args()

    text, status, pending = run_qemu(a.arch, a.image, a.env, a.keys, a.qemu_args, a.timeout,
                                     a.halts)
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
        print("---- full serial log:")
    sys.stdout.write(text)
    print("\n---- qemu_test checks ----")
    for r in report:
        print(r)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
