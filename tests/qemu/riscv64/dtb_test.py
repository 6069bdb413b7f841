#!/usr/bin/env python3
"""riscv64: harts the device tree describes with an MMU the kernel can or
cannot use, in the device tree QEMU boots.

    dtb_test.py --image IMG --case sv39|sv57

QEMU's own DTB for `virt` with 2 harts is dumped (-machine dumpdtb=...) and
every hart's mmu-type is rewritten in place (the strings have the same
length, so the blob's layout does not change) before booting with it
(-dtb; OpenSBI passes it on):

  sv39  the kernel runs Sv48, so a hart that says it has only Sv39 cannot
        be started: it is named with the reason, the boot hart runs alone
        (QEMU 7.2 still accepts Sv48 on the boot hart: satp's mode is not
        tied to the DT there);
  sv57  a hart with Sv57 has Sv48 too (the privileged spec requires the
        narrower modes), so both harts run.
"""
import argparse, os, re, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from qemu_test import run_qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--case", required=True, choices=["sv39", "sv57"])
    a = ap.parse_args()
    env = ["SMP=2"]
    with tempfile.TemporaryDirectory() as tmp:
        orig, edited = os.path.join(tmp, "virt.dtb"), os.path.join(tmp, "edited.dtb")
        e = dict(os.environ, SMP="2")
        subprocess.run([os.path.join(ROOT, "scripts", "qemu"), "riscv64", a.image,
                        "-machine", f"dumpdtb={orig}"], env=e, check=True,
                       capture_output=True, timeout=60)
        blob = open(orig, "rb").read()
        n = blob.count(b"riscv,sv48\0")
        assert n == 2, f"expected 2 harts with riscv,sv48 in QEMU's DTB, found {n}"
        open(edited, "wb").write(blob.replace(b"riscv,sv48\0", f"riscv,{a.case}\0".encode()))
        text, status, pending = run_qemu("riscv64", a.image, env,
                                         [b"dmesg\r", b"cpus\r", b"poweroff 7\r"], ["-dtb", edited], 60)
    print(text)
    checks = []
    if a.case == "sv39":
        checks += [(re.search(r"smp: cpu (0|0x1) cannot be started: its mmu-type is not Sv48 or wider", text),
                    "the other hart is named, with its mmu-type"),
                   (re.search(r"smp: 1 of 2 CPUs online", text), "the boot hart runs alone")]
    else:
        checks += [(re.search(r"(?m)^2 of 2 CPUs online$", text), "cpus: both harts online")]
    checks += [(not pending, f"every command typed (left: {pending})"),
               ("PANIC" not in text, "no panic"),
               (status == 7, f"power-off code 7 (status {status})")]
    ok = True
    print("\n---- dtb_test checks ----")
    for cond, what in checks:
        ok &= bool(cond)
        print(f"{'ok  ' if cond else 'FAIL'} {what}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
