#!/usr/bin/env python3
"""riscv64: harts the device tree describes with the MMU modes they have,
in the device tree QEMU boots.

    dtb_test.py --image IMG --case sv39|sv57|mixed

QEMU's own DTB for `virt` with 2 harts is dumped (-machine dumpdtb=...) and
harts' mmu-type rewritten in place (the strings have the same length, so
the blob's layout does not change) before booting with it (-dtb; OpenSBI
passes it on):

  sv39   every hart says Sv39 only: the kernel runs in Sv39 (the same
         tables, satp one level lower), both harts start, and every ktest
         passes there;
  sv57   a hart with Sv57 has Sv48 too (the privileged spec requires the
         narrower modes): Sv48, both harts;
  mixed  hart 1 says Sv39, hart 0 Sv48. OpenSBI picks the boot hart by
         lottery: booted on hart 1 the kernel runs Sv39 and starts both;
         booted on hart 0 it runs Sv48 and names hart 1 as unable to.
"""
import argparse, os, re, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from qemu_test import run_qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--case", required=True, choices=["sv39", "sv57", "mixed"])
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
        if a.case == "mixed":
            second = blob.index(b"riscv,sv48\0", blob.index(b"riscv,sv48\0") + 1)
            blob = blob[:second] + b"riscv,sv39\0" + blob[second + 11:]
        else:
            blob = blob.replace(b"riscv,sv48\0", f"riscv,{a.case}\0".encode())
        open(edited, "wb").write(blob)
        keys = [b"dmesg\r", b"cpus\r"] + ([b"ktest\r"] if a.case == "sv39" else []) + [b"poweroff 7\r"]
        text, status, pending = run_qemu("riscv64", a.image, env, keys, ["-dtb", edited], 240)
    print(text)
    checks = []
    sv39 = re.search(r"riscv64: hart ([0-9]+), DTB at 0x[0-9a-f]+, Sv39 paging", text)
    sv48 = re.search(r"riscv64: hart ([0-9]+), DTB at 0x[0-9a-f]+, Sv48 paging", text)
    both = re.search(r"smp: 2 of 2 CPUs online", text)
    if a.case == "sv39":
        checks += [(sv39, "the kernel runs Sv39"), (both, "both harts online"),
                   (re.search(r"(?m)^ktest: [0-9]+ passed, 0 failed(, [0-9]+ skipped)?$", text), "every ktest passes in Sv39")]
    elif a.case == "sv57":
        checks += [(sv48, "the kernel runs Sv48"), (both, "both harts online")]
    else:
        on1 = (sv39 and sv39.group(1) == "1") and both
        on0 = (sv48 and sv48.group(1) == "0") and re.search(
            r"smp: cpu 0x1 cannot be started: its mmu-type is not Sv48 or wider", text) and re.search(
            r"smp: 1 of 2 CPUs online", text)
        checks += [(on1 or on0, "Sv39 with both harts (boot hart 1), or Sv48 with hart 1 named and off (boot hart 0)")]
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
