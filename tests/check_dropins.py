#!/usr/bin/env python3
"""The drop-a-file promises (docs/modules-and-ebpf.md), checked against a
build (the <arch>.dropins test):

- every initrd/bpf/<name>.c is in the initrd as bpf/<name>.o, and every
  modules/<name>/<name>.c as <name>.ko: nothing listed by hand, so a new
  file that the build ignored fails here;
- the exports table in docs/modules-and-ebpf.md names exactly the symbols
  kernel/module/kexport.c exports.

usage: check_dropins.py --root SRC --initrd BUILD/initrd.cpio
"""
import argparse, glob, os, re, sys


def cpio_names(path):
    """The file names of a newc cpio archive."""
    data = open(path, "rb").read()
    names, pos = [], 0
    while pos + 110 <= len(data) and data[pos:pos + 6] == b"070701":
        hdr = data[pos:pos + 110]
        namesize, filesize = int(hdr[94:102], 16), int(hdr[54:62], 16)
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        if name == "TRAILER!!!":
            break
        names.append(name)
        pos = (pos + 110 + namesize + 3) & ~3
        pos = (pos + filesize + 3) & ~3
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--initrd", required=True)
    a = ap.parse_args()
    bad = []
    names = set(cpio_names(a.initrd))
    if not names:
        bad.append(f"{a.initrd}: no files read (not a newc cpio?)")
    for src in sorted(glob.glob(os.path.join(a.root, "initrd/bpf/*.c"))):
        want = "bpf/" + os.path.basename(src)[:-2] + ".o"
        if want not in names:
            bad.append(f"initrd/bpf/{os.path.basename(src)} is not in the initrd as {want}")
    for d in sorted(glob.glob(os.path.join(a.root, "modules/*/"))):
        m = os.path.basename(d.rstrip("/"))
        if os.path.exists(os.path.join(d, m + ".c")) and m + ".ko" not in names:
            bad.append(f"modules/{m}/{m}.c is not in the initrd as {m}.ko")
    kexport = open(os.path.join(a.root, "kernel/module/kexport.c")).read()
    exported = set(re.findall(r"^KEXPORT\((\w+)\);", kexport, re.M))
    doc = open(os.path.join(a.root, "docs/modules-and-ebpf.md")).read()
    table = "\n".join(l for l in doc.splitlines() if l.startswith("| ") and "(`" in l)
    documented = set(re.findall(r"`(\w+)`", re.sub(r"\(`[^)]*`[^)]*\)", "", table)))
    for s in sorted(exported - documented):
        bad.append(f"export {s} is not in docs/modules-and-ebpf.md's table")
    for s in sorted(documented - exported):
        bad.append(f"docs/modules-and-ebpf.md lists {s}, which kernel/module/kexport.c does not export")
    for b in bad:
        print("FAIL " + b)
    print(f"check_dropins: {len(names)} initrd files, {len(exported)} exports, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
