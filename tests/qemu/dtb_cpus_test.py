#!/usr/bin/env python3
"""aarch64: /cpus entries that cannot be started, in the device tree QEMU boots.

    dtb_cpus_test.py --image IMG [--env K=V]...

QEMU's own DTB for `virt` with 2 CPUs is dumped (-machine dumpdtb=...), and
four CPU nodes are added to /cpus before booting with it (-dtb):

  cpu@7  enable-method "psci", MPIDR 7: QEMU has no such CPU, so PSCI
         CPU_ON returns INVALID_PARAMETERS (-2);
  cpu@11 reg 1 again: the same CPU listed twice;
  cpu@8  enable-method "spin-table": not a method the kernel uses;
  cpu@9  no enable-method at all.

Each must be named in the log with its reason, CPU 1 must still come up and
run threads, and the shell must answer `cpus` and power off cleanly. The
FDT is edited here, by a few lines of Python (no dtc on the build machines).
"""
import argparse, os, struct, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END, PROP, NOP, FEND = 1, 2, 3, 4, 9


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def add_cpus(dtb, nodes):
    """@dtb with @nodes ([(name, [(prop, bytes)])]) appended to /cpus."""
    (magic, total, off_struct, off_strings, off_rsv, version, last_comp, boot_cpu,
     size_strings, size_struct) = struct.unpack(">10I", dtb[:40])
    assert magic == 0xd00dfeed, "not a flattened device tree"
    strings = bytearray(dtb[off_strings:off_strings + size_strings])
    st = dtb[off_struct:off_struct + size_struct]

    def name_off(name):
        key = name.encode() + b"\0"
        i = strings.find(key)
        while i > 0 and strings[i - 1] != 0:  # a suffix of a longer name: keep looking
            i = strings.find(key, i + 1)
        if i < 0:
            i = len(strings)
            strings.extend(key)
        return i

    new = b""
    for name, props in nodes:
        new += struct.pack(">I", BEGIN) + pad4(name.encode() + b"\0")
        for p, v in props:
            new += struct.pack(">III", PROP, len(v), name_off(p)) + pad4(v)
        new += struct.pack(">I", END)
    # Walk the tokens to the END of the node /cpus (depth 1).
    pos, depth, path, insert = 0, 0, [], None
    while pos < len(st):
        tok = struct.unpack(">I", st[pos:pos + 4])[0]
        pos += 4
        if tok == BEGIN:
            end = st.index(b"\0", pos)
            path.append(st[pos:end].decode())
            pos = end + 1 + (-(end + 1 - pos) % 4)
            depth += 1
        elif tok == END:
            if path == ["", "cpus"]:
                insert = pos - 4
            path.pop()
            depth -= 1
        elif tok == PROP:
            ln = struct.unpack(">I", st[pos:pos + 4])[0]
            pos += 8 + ln + (-ln % 4)
        elif tok == NOP:
            pass
        elif tok == FEND:
            break
    assert insert is not None, "no /cpus node"
    st = st[:insert] + new + st[insert:]
    rsv = dtb[off_rsv:off_struct]
    off_rsv2 = 40
    off_struct2 = off_rsv2 + len(rsv)
    off_strings2 = off_struct2 + len(st)
    total2 = off_strings2 + len(strings)
    hdr = struct.pack(">10I", magic, total2, off_struct2, off_strings2, off_rsv2, version,
                      last_comp, boot_cpu, len(strings), len(st))
    return hdr + rsv + st + bytes(strings)


def u32(*v):
    return b"".join(struct.pack(">I", x) for x in v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--env", action="append", default=[])
    a = ap.parse_args()
    env = ["SMP=2"] + a.env
    cpu = [("device_type", b"cpu\0"), ("compatible", b"arm,cortex-a72\0")]
    nodes = [("cpu@7", cpu + [("reg", u32(7)), ("enable-method", b"psci\0")]),
             ("cpu@11", cpu + [("reg", u32(1)), ("enable-method", b"psci\0")]),
             ("cpu@8", cpu + [("reg", u32(8)), ("enable-method", b"spin-table\0"),
                              ("cpu-release-addr", u32(0, 0x40000000))]),
             ("cpu@9", cpu + [("reg", u32(9))])]
    with tempfile.TemporaryDirectory() as tmp:
        orig, edited = os.path.join(tmp, "virt.dtb"), os.path.join(tmp, "cpus.dtb")
        e = dict(os.environ)
        for kv in env:
            k, _, v = kv.partition("=")
            e[k] = v
        subprocess.run([os.path.join(ROOT, "scripts", "qemu"), "aarch64", a.image,
                        "-machine", f"dumpdtb={orig}"], env=e, check=True,
                       capture_output=True, timeout=60)
        with open(orig, "rb") as f, open(edited, "wb") as g:
            g.write(add_cpus(f.read(), nodes))
        text, status, pending = run_qemu("aarch64", a.image, env,
                                         [b"dmesg\r", b"cpus\r", b"poweroff 7\r"], ["-dtb", edited], 60)
    text = text.replace("\r", "")
    print(text)
    want = [
        "smp: PSCI CPU_ON for cpu 0x7 returned -2",
        "smp: cpu 2 (id 0x7, psci) did not come up: EINVAL",
        "smp: cpu 0x1 listed twice; the second entry is ignored",
        "smp: cpu 0x8 cannot be started: ",
        "smp: cpu 0x9 cannot be started: ",
        "smp: 2 of ",
    ]
    ok = True
    print("\n---- dtb_cpus_test checks ----")
    for w in want:
        hit = w in text
        ok &= hit
        print(f"{'ok  ' if hit else 'FAIL'} log has '{w}'")
    import re
    row = re.search(r"(?m)^ +1 +0x1 +online +psci ", text)
    for cond, what in [(row is not None, "cpus: CPU 1 online, started by PSCI"),
                       (not pending, f"every command typed (left: {pending})"),
                       ("PANIC" not in text, "no panic"),
                       (status == 7, f"power-off code 7 (status {status})")]:
        ok &= cond
        print(f"{'ok  ' if cond else 'FAIL'} {what}")
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
