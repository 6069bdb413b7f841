#!/usr/bin/env python3
"""AF_PACKET and busybox udhcpc, judged by Debian's Linux in the same QEMU.

    packet_linux_test.py --arch ARCH --image IMAGE --prog build/ARCH/programs/upacket

Both kernels boot with a virtio-net card on QEMU's user network
(restrict=on: nothing leaves the machine; the gateway is 10.0.2.2) and
run tests/programs/upacket (an ARP exchange with the gateway over
SOCK_DGRAM and SOCK_RAW packet sockets, their addresses, options and
errors): every "upacket:" line must be Linux's. Then busybox udhcpc, which
sends and receives DHCP over AF_PACKET until it has a lease, configures
eth0 through a script of the test's (ours first clears the address its
own DHCP client took at boot): the script's lines and the lease must be
Linux's, and the gateway must answer a ping from the address udhcpc set.
Last, with that address, tests/programs/umcast (multicast UDP on eth0:
groups joined and left, the options, datagrams looped back to a member):
every "umcast:" line must be Linux's.

Debian 12 has no riscv64 kernel: there ours alone runs both, and each
line must be what Linux gives on the other arches (upacket's output does
not depend on the arch), kept in packet_linux_expected.txt, which
`--save-linux` writes from a run on x86_64 or aarch64.
"""
import os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts"))
from ext2_disks import main  # noqa: E402
from qemu_test import run_qemu  # noqa: E402
import linux_peer  # noqa: E402

LINE = re.compile(r"upacket: (.*?)\s*$", re.M)
MCAST = re.compile(r"umcast: (.*?)\s*$", re.M)
# The script udhcpc runs at each change: it says what it was told and, once
# bound, sets the address as the busybox example script does.
SCRIPT = (r"#!/bin/sh\necho UDHCPC $1 ip=$ip mask=$subnet\n"
          r"[ x$1 = xbound ] && ifconfig $interface $ip netmask $subnet\nexit 0\n")
DHCP = (f"printf '{SCRIPT}' > /tmp/d.sh && chmod +x /tmp/d.sh && udhcpc -i eth0 -n -q -f -s /tmp/d.sh"
        " && ifconfig eth0 && ping -c 1 10.0.2.2")
UDHCPC = re.compile(r"^(UDHCPC .*?|udhcpc: lease of [0-9.]+ obtained from [0-9.]+)(?:,.*)?\s*$", re.M)
EXPECTED = os.path.join(HERE, "packet_linux_expected.txt")


def nic(arch):
    dev = "virtio-net-pci,netdev=n0" + (",romfile=" if arch == "x86_64" else "")
    return ["-netdev", "user,id=n0,restrict=on", "-device", dev]


def ours(a):
    keys = [b"run /bin/upacket\r",
            # the address ours took by DHCP at boot goes first, so udhcpc's is seen to come
            f'run /bin/busybox sh -c "ifconfig eth0 0.0.0.0 && ifconfig eth0 && {DHCP}"\r'.encode(),
            b"run /bin/umcast\r", b"poweroff\r"]
    text, status, pending = run_qemu(a.arch, a.image, [], keys, nic(a.arch), a.timeout)
    return text, not pending and status == 0


def linux(a):
    tree = linux_peer.fetch(a.arch)
    script = (f"ip link set eth0 up\n/bin/upacket; echo upacket-exit $?\n{DHCP}\n"
              "echo dhcp-exit $?\n/bin/umcast; echo umcast-exit $?\npoweroff -f\n")
    umcast = os.path.join(os.path.dirname(a.prog), "umcast")
    initrd = linux_peer.initramfs(a.arch, tree, script, "upacket",
                                  files=[("bin/upacket", a.prog), ("bin/umcast", umcast)], modules=("virtio_net",))
    return linux_peer.boot(a.arch, tree, initrd, linux_peer.disk(), timeout=a.timeout, extra=nic(a.arch))


def body(a, tmp, check):
    otext, ook = ours(a)
    check(ook and "PANIC" not in otext, "ours: upacket and udhcpc ran, clean poweroff")
    ov = LINE.findall(otext)
    check("0 failed" in ov, "ours: upacket's own checks pass")
    oinet = re.findall(r"inet addr:(\S+)", otext)
    check(oinet == ["10.0.2.15"], f"ours: eth0 without an address before udhcpc, with its lease after ({oinet})")
    check(re.search(r"1 packets transmitted, 1 packets received", otext),
          "ours: the gateway answers a ping from that address")
    od = UDHCPC.findall(otext)
    if a.arch not in linux_peer.DEB_ARCH:
        ltext = open(EXPECTED).read()
        what = "Linux's lines on the other arches"
    else:
        ltext = linux(a)
        what = "Linux's"
        check("upacket-exit 0" in ltext and "dhcp-exit 0" in ltext, "Linux: upacket and udhcpc ran")
    lv, ld, lm = LINE.findall(ltext), UDHCPC.findall(ltext), MCAST.findall(ltext)
    om = MCAST.findall(otext)
    if a.save_linux and a.arch in linux_peer.DEB_ARCH:
        with open(a.save_linux, "w") as f:
            f.write("".join(f"upacket: {x}\n" for x in lv) + "".join(f"{x}\n" for x in ld) +
                    "".join(f"umcast: {x}\n" for x in lm))
    if ov != lv or od != ld:
        print("---- Linux ----\n" + ltext[-4000:] + "\n---- ours ----\n" + otext[-4000:])
    check(len(lv) > 40, f"Linux printed upacket's lines ({len(lv)})")
    for i, want in enumerate(lv):
        got = ov[i] if i < len(ov) else None
        check(got == want, f"upacket: {got}, {what}: {want}")
    check(len(ov) == len(lv), f"as many lines ({len(ov)}, {what}: {len(lv)})")
    check(od == ld and len(ld) >= 2, f"udhcpc: {od}, {what}: {ld}")
    check(len(lm) > 40 and lm[-1] == "done", f"Linux printed umcast's lines ({len(lm)})")
    for i, want in enumerate(lm):
        got = om[i] if i < len(om) else None
        check(got == want, f"umcast: {got}, {what}: {want}")
    check(len(om) == len(lm), f"as many umcast lines ({len(om)}, {what}: {len(lm)})")


if __name__ == "__main__":
    sys.exit(main(body, "packet_linux_test-", 240,
                  [(("--prog",), {"required": True, "help": "tests/programs/upacket built for ARCH"}),
                   (("--save-linux",), {"metavar": "FILE", "help": "write Linux's lines to FILE "
                                        "(how packet_linux_expected.txt, riscv64's judge, is made)"})]))
