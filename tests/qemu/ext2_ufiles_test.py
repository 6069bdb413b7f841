#!/usr/bin/env python3
"""tests/programs/ufiles on ext2: the file-system calls' Linux semantics on a disk.

    ext2_ufiles_test.py --arch ARCH --image IMAGE

ufiles checks open, read, write, lseek and holes, stat, links, rename,
getdents, symlinks, FIFOs, mmap and more, one line each, against Linux's
answers (it runs in /tmp, a tmpfs, in the user tests); ufsmore, issue 41's
answers (st_blocks here from ext2's i_blocks). Here both run on a
fresh ext2 file system, once per block size (1 and 4 KiB), each then
unmounted and judged by e2fsck -fn: what it made and removed left the
file system clean.
"""
import os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import drives, fsck, main, make_disk  # noqa: E402


def body(a, tmp, check):
    disks = []
    for bs in (1024, 4096):
        d = os.path.join(tmp, f"d{bs}.img")
        make_disk(d, 64 << 20, bs)
        disks.append(d)
    keys = ["mount /dev/vda /mnt", "run ufiles /mnt", "run /bin/ufsmore /mnt", "run /bin/ucred /mnt", "umount /mnt",
            "mount /dev/vdb /mnt", "run ufiles /mnt", "run /bin/ufsmore /mnt", "run /bin/ucred /mnt", "umount /mnt",
            "poweroff"]
    text, status, pending = run_qemu(a.arch, a.image, [], [k.encode() + b"\r" for k in keys], drives(disks), a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_ufiles_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    runs = re.findall(r"(?m)^ufiles: (\d+) failed\n\[exit (\d+)\]$", text)
    checks = len(re.findall(r"(?m)^ok ", text))
    check(runs == [("0", "0"), ("0", "0")], f"ufiles passes on 1 and 4 KiB blocks ({runs}, {checks} checks)")
    check(checks > 200, "and ran its checks")
    more = re.findall(r"(?m)^ufsmore: (\d+) failed\n\[exit (\d+)\]$", text)
    check(more == [("0", "0"), ("0", "0")], f"ufsmore (st_blocks from i_blocks, locks, ...) passes on both ({more})")
    cred = re.findall(r"(?m)^ucred: (\d+) failed\n\[exit (\d+)\]$", text)
    check(cred == [("0", "0"), ("0", "0")], f"ucred (owners, modes and permissions on the disk) passes on both ({cred})")
    check(text.count("kernel> umount /mnt\nkernel> ") == 2, "both unmount")
    for d in disks:
        rc, out = fsck(d)
        check(rc == 0, f"{os.path.basename(d)}: e2fsck -fn exits 0 (got {rc})")
        if rc:
            print(out)


if __name__ == "__main__":
    sys.exit(main(body, "ext2_ufiles_test-", 300))
