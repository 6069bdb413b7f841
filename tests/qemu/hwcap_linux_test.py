#!/usr/bin/env python3
"""What a program learns of the CPU, judged by Debian's Linux in the same QEMU.

    hwcap_linux_test.py --arch ARCH --image IMAGE --prog build/ARCH/programs/ucpu

tests/programs/ucpu prints the auxiliary vector's AT_HWCAP, AT_HWCAP2,
AT_PAGESZ, AT_CLKTCK and AT_PLATFORM, and on arm64 the ID registers it
reads with MRS (Linux emulates those reads: HWCAP_CPUID) and the signal
that ends a read outside them. The same binary runs in our kernel and
under Debian 12's Linux (scripts/linux_peer.py, from a busybox initramfs),
each booted by QEMU with the CPU scripts/qemu gives us: every line must be
Linux's. On arm64 both also boot with `-cpu max`, whose SVE, pointer
authentication and BTI Linux turns on and this kernel does not (their
state is not kept); there the lines may differ in those features' bits
and fields only (MAX_KNOWN), and in every other bit must agree.

Debian 12 has no riscv64 kernel. There the judge is Linux's ABI as QEMU's
own user-mode emulation gives it (qemu-riscv64-static, the same binary on
the host), whose auxiliary vector is Linux's: AT_HWCAP a bit per base
extension letter of the CPU (the default rv64's I, M, A, F, D and C, the
letters Linux 6.1 reports), and no AT_HWCAP2 or AT_PLATFORM, which Linux
does not give on riscv64.
"""
import os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts"))
from ext2_disks import main  # noqa: E402
from qemu_test import run_qemu  # noqa: E402
import linux_peer  # noqa: E402

LINE = re.compile(r"ucpu: (\S+(?: \(reserved\))?) (.*?)\s*$")

# arm64 -cpu max: what Linux shows and this kernel does not, as bits of each
# line's value. HWCAP_SVE (22), HWCAP_PACA (30), HWCAP_PACG (31); HWCAP2's
# SVE2 and its parts (1-6, 9-12) and BTI (17); ID_AA64PFR0.SVE [35:32];
# ID_AA64PFR1.BT [3:0]; ID_AA64ZFR0 (SVE's own register, all of it);
# ID_AA64ISAR1's APA, API, GPA, GPI ([7:4], [11:8], [27:24], [31:28]).
MAX_KNOWN = {
    "AT_HWCAP": 1 << 22 | 1 << 30 | 1 << 31,
    "AT_HWCAP2": 0b111111 << 1 | 0b1111 << 9 | 1 << 17,
    "ID_AA64PFR0_EL1": 0xf << 32,
    "ID_AA64PFR1_EL1": 0xf,
    "ID_AA64ZFR0_EL1": (1 << 64) - 1,
    "ID_AA64ISAR1_EL1": 0xff << 4 | 0xff << 24,
}


def lines(text):
    """ucpu's lines as {name: value text}, in order."""
    out = {}
    for line in text.splitlines():
        m = LINE.search(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def ours(a, cpu):
    env = [f"CPU={cpu}"] if cpu else []
    text, status, pending = run_qemu(a.arch, a.image, env, [b"run /bin/ucpu\r", b"poweroff\r"], [], a.timeout)
    return text, not pending and status == 0 and "[exit 0]" in text


def linux(a, tree, initrd, cpu):
    extra = ["-cpu", cpu] if cpu else []  # after linux_peer's own -cpu: QEMU takes the last
    text = linux_peer.boot(a.arch, tree, initrd, linux_peer.disk(), timeout=a.timeout, extra=extra)
    return text, "ucpu-exit 0" in text


def body(a, tmp, check):
    if a.arch not in linux_peer.DEB_ARCH:
        return body_qemu_user(a, check)
    tree = linux_peer.fetch(a.arch)
    initrd = linux_peer.initramfs(a.arch, tree, "/bin/ucpu; echo ucpu-exit $?; poweroff -f\n", "ucpu",
                                  files=[("bin/ucpu", a.prog)])
    for cpu in [None] + (["max"] if a.arch == "aarch64" else []):
        label = f"-cpu {cpu}" if cpu else "the default CPU"
        ltext, lok = linux(a, tree, initrd, cpu)
        otext, ook = ours(a, cpu)
        lv, ov = lines(ltext), lines(otext)
        check(lok and len(lv) >= 5, f"{label}: ucpu ran under Linux ({len(lv)} lines)")
        check(ook and "PANIC" not in otext, f"{label}: ucpu ran in our kernel, exit 0, clean poweroff")
        if not lok or not ook:
            print(ltext[-3000:], otext[-3000:], sep="\n---- ours ----\n")
        check(list(lv) == list(ov), f"{label}: the same lines ({' '.join(ov)})")
        for name, want in lv.items():
            got = ov.get(name)
            if cpu == "max" and name in MAX_KNOWN and got is not None:
                mask = ~MAX_KNOWN[name]
                same = int(got, 16) & mask == int(want, 16) & mask
                check(same, f"{label}: {name} {got}, Linux's {want}: the same but for SVE, PAC and BTI")
            else:
                check(got == want, f"{label}: {name} {got}, Linux's {want}")


def body_qemu_user(a, check):
    r = subprocess.run([f"qemu-{a.arch}-static", a.prog], capture_output=True, text=True, timeout=60)
    otext, ook = ours(a, None)
    lv, ov = lines(r.stdout), lines(otext)
    check(r.returncode == 0 and len(lv) >= 5, f"ucpu ran under qemu-{a.arch}-static ({len(lv)} lines)")
    check(ook and "PANIC" not in otext, "ucpu ran in our kernel, exit 0, clean poweroff")
    check(lv == ov, f"the same lines: ours {ov}, qemu-user's {lv}")


if __name__ == "__main__":
    sys.exit(main(body, "hwcap_linux_test-", 240,
                  [(("--prog",), {"required": True, "help": "tests/programs/ucpu built for ARCH"})]))
