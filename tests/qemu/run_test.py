#!/usr/bin/env python3
"""scripts/run as a user types it (the <arch>.scripts_run test).

    run_test.py --arch A

Bad arguments are refused before anything is built or started: an unknown
word, a DISK= that does not exist, that is a directory, that names nothing
(exit status 2 and a message naming it). Then a boot with two DISK= images
(the second not writable, so attached read-only, unless we run as root) and a
third disk given to QEMU after --: lsblk must list vda, vdb and vdc with
their sizes.
"""
import argparse, os, re, select, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "scripts", "run")


def refused(args, words):
    p = subprocess.run([RUN] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    ok = p.returncode == 2 and all(w in p.stdout for w in words)
    print(f"{'ok  ' if ok else 'FAIL'} scripts/run {' '.join(args)}: status {p.returncode}, "
          f"{p.stdout.strip()!r}")
    return ok


def boot(arch, args, keys, timeout=90):
    p = subprocess.Popen([RUN, arch] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    out, sent, end = b"", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
            text = out.decode("utf-8", "replace").replace("\r", "")
            if sent < len(keys) and len(re.findall(r"(?m)^kernel> ", text)) > sent:
                p.stdin.write(keys[sent].encode() + b"\r")
                p.stdin.flush()
                sent += 1
    finally:
        if p.poll() is None:
            os.killpg(p.pid, 9)
        p.wait()
    return out.decode("utf-8", "replace").replace("\r", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    a = ap.parse_args()
    ok = True
    ok &= refused(["bogus"], ["unknown argument 'bogus'", "usage: scripts/run"])
    ok &= refused([a.arch, "DISK=/nonexistent.img"], ["DISK=/nonexistent.img: no such file"])
    ok &= refused([a.arch, "DISK=/"], ["DISK=/: not a readable file"])
    ok &= refused([a.arch, "DISK="], ["DISK= names no file"])
    ok &= refused([a.arch, "ACPI=1"], ["ACPI=1 boots aarch64 from UEFI's ACPI tables: it needs "
                                       "aarch64 and UEFI=1"])
    with tempfile.TemporaryDirectory() as d:
        imgs = []
        for name, mib in (("a.img", 1), ("b.img", 2), ("c.img", 3)):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.truncate(mib << 20)
            imgs.append(path)
        os.chmod(imgs[1], 0o444)
        text = boot(a.arch, [f"DISK={imgs[0]}", f"DISK={imgs[1]}", "--", "-drive",
                             f"if=none,id=extra,format=raw,file={imgs[2]}", "-device",
                             "virtio-blk-pci,drive=extra"], ["lsblk", "poweroff 7"])
    sys.stdout.write(text)
    want = [r"(?m)^vda +2048 +512 +1\.0MiB rw", r"(?m)^vdc +6144 +512 +3\.0MiB rw"]
    if os.geteuid() == 0:  # root may write a mode 0444 file: b.img stays writable
        print("skip read-only DISK=: running as root, to whom every file is writable")
        want.append(r"(?m)^vdb +4096 +512 +2\.0MiB rw")
    else:
        want += [r"is not writable: attached read-only", r"(?m)^vdb +4096 +512 +2\.0MiB ro"]
    for rx in want:
        hit = re.search(rx, text)
        print(f"{'ok  ' if hit else 'FAIL'} expect /{rx}/")
        ok &= bool(hit)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
