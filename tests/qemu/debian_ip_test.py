#!/usr/bin/env python3
"""Debian's iproute2 (`ip`) on this kernel's netlink, as a user runs it.

    debian_ip_test.py --arch ARCH --image IMAGE

Boots build/<arch>/debian.img (debian_root_test.py's image_for()) with
init=/bin/bash and a virtio-net card on QEMU's user network (restrict=on:
nothing leaves the machine). Once DHCP's address is there, `ip monitor
link address route` runs in the background while `ip` changes eth0: an
address put in place of DHCP's and deleted, the link down and up, DHCP's
address and a default route added. What the monitor prints must be each
change, in order, as Linux's netlink tells it to iproute2 (the lines are
iproute2's, for the messages Linux sends for those changes). Then `ip addr
show`, `ip route`, `ip -s link show` (one link by name, with counters) and
a link that is not there, as on Linux.
"""
import os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import main  # noqa: E402
from ext2_root_test import boot_args  # noqa: E402
from debian_root_test import image_for  # noqa: E402

PROMPT = r"root@kernel:/# $"
STEPS = [
    "until ip -4 addr show dev eth0 | grep -q inet; do sleep 0.2; done",
    "ip monitor link address route > /tmp/mon 2>&1 &",
    "sleep 1",  # the monitor has joined its groups
    "ip addr replace 10.9.8.7/24 dev eth0",  # lwIP holds one IPv4 address: DHCP's goes
    "ip addr del 10.9.8.7/24 dev eth0",
    "ip link set eth0 down",
    "ip link set eth0 up",
    "ip addr add 10.0.2.15/24 dev eth0",
    "ip route add default via 10.0.2.2",
    "sleep 1; kill %1; wait; echo MONITOR; cat /tmp/mon; echo END",
    "ip addr show dev eth0",
    "ip route",
    "ip -s link show eth0",
    "ip link show dev nothere; echo status $?",
]
E0 = "2: eth0    inet"
FOREVER = r"\n +valid_lft forever preferred_lft forever"
ETHER = r" +link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff"
MONITOR = [  # (regex, what), in the order the changes were made
    (rf"Deleted {E0} 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global eth0{FOREVER}", "DHCP's address deleted"),
    (r"Deleted 10\.0\.2\.0/24 dev eth0 proto kernel scope link src 10\.0\.2\.15 *", "and its subnet's route"),
    (rf"{E0} 10\.9\.8\.7/24 brd 10\.9\.8\.255 scope global eth0{FOREVER}", "10.9.8.7/24 added"),
    (r"10\.9\.8\.0/24 dev eth0 proto kernel scope link src 10\.9\.8\.7 *", "its subnet's route"),
    (rf"Deleted {E0} 10\.9\.8\.7/24 brd 10\.9\.8\.255 scope global eth0{FOREVER}", "10.9.8.7/24 deleted"),
    (r"Deleted 10\.9\.8\.0/24 dev eth0 proto kernel scope link src 10\.9\.8\.7 *", "its route gone"),
    (rf"2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN *\n{ETHER}",
     "the link down (no carrier flags while down, as Linux)"),
    (rf"2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP *\n{ETHER}", "and up"),
    (rf"{E0} 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global eth0{FOREVER}", "DHCP's address back"),
    (r"10\.0\.2\.0/24 dev eth0 proto kernel scope link src 10\.0\.2\.15 *", "its route"),
    (r"default via 10\.0\.2\.2 dev eth0 *", "the default route added"),
]


def body(a, tmp, check):
    img = image_for(a.arch)
    boot, qenv = boot_args(a.arch, a.image, "root=/dev/vda init=/bin/bash -- -l", tmp, 1)
    keys = [(PROMPT, s.encode() + b"\r") for s in STEPS] + [(PROMPT, b"\x1d"), (r"kernel> $", b"poweroff\r")]
    qargs = ["-drive", f"if=none,id=d0,file={img},format=raw,snapshot=on", "-device", "virtio-blk-pci,drive=d0",
             "-netdev", "user,restrict=on,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile="]
    text, status, pending = run_qemu(a.arch, boot, qenv, keys, qargs, a.timeout)
    sys.stdout.write(text)
    print("\n---- debian_ip_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    m = re.search(r"(?m)^MONITOR\n([\s\S]*?)^END$", text)
    mon = m.group(1) if m else ""
    at = 0
    for rx, what in MONITOR:
        f = re.compile(rf"(?m)^{rx}$").search(mon, at)
        check(f, f"ip monitor: {what}")
        at = f.end() if f else at
    check(not re.search(r"(?m)^(Dump terminated|.*[Ee]rror|RTNETLINK)", mon), "ip monitor: no error")
    check(re.search(rf"(?m)^ +inet 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global eth0{FOREVER}\n"
                    rf" +inet6 fe80::5054:ff:fe12:3456/64 scope link *{FOREVER}$", text),
          "ip addr show dev eth0: the addresses with their lifetimes")
    check(re.search(r"(?m)^ +inet6 fec0::5054:ff:fe12:3456/64 scope site (tentative )?dynamic *\n"
                    r" +valid_lft \d+sec preferred_lft \d+sec$", text) or "fec0::" not in text,
          "SLAAC's address (when slirp's advertisement came): dynamic, with its lifetimes counting down")
    check(re.search(r"(?m)ip route\ndefault via 10\.0\.2\.2 dev eth0 *\n"
                    r"10\.0\.2\.0/24 dev eth0 proto kernel scope link src 10\.0\.2\.15 *$", text),
          "ip route: the default route and the subnet's")
    s = re.search(r"(?m)^ +RX: +bytes +packets +errors +dropped +missed +mcast *\n +(\d+) +(\d+) +0 +0 +0 +0 *\n"
                  r" +TX: +bytes +packets +errors +dropped +carrier +collsns *\n +(\d+) +(\d+) +0 +0 +0 +0 *$", text)
    check(s and all(int(v) > 0 for v in s.groups()),
          "ip -s link show eth0: one link got by name, with the card's counters")
    check(re.search(r'(?m)^Device "nothere" does not exist\.\nstatus 1$', text), "a link not there: as on Linux")


if __name__ == "__main__":
    sys.exit(main(body, "debian_ip_test-", 120))
