#!/usr/bin/env python3
"""root=/dev/vda1: an ext2 partition as the root file system.

    ext2_root_test.py --arch ARCH --image IMAGE [--busybox DEB_BUSYBOX]

Boot 1: vda holds an MBR partition with an ext2 file system (1 KiB
blocks) made here with mke2fs -d: /etc/motd, /dev, /proc and /tmp, and
with busybox /bin/busybox and /bin/sh. With `root=/dev/vda1` on the
command line the kernel shell must find / to be the disk (/proc/mounts
lists it first, rw), read its files, see the kernel's /dev and /proc at
the disk's /dev and /proc, write to it (busybox, or the shell's cp; with
busybox also a file past 5 GiB, a device node, an owner, a mode and a
time), sync and power off; on the host e2fsck -fn calls it clean and
debugfs reads back what was written.
Boot 2: root= names a partition that does not exist, then (boot 3) a disk
with no ext2: the kernel says why and / stays the initrd's tmpfs
(the fallback), where the initrd's files still are.

x86_64 passes its command line through GRUB's menu, so for each boot an
ISO is made here from the build's iso-kernel/ tree with the words added.
"""
import os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import PART_START, debugfs, drives, fsck, linux_statfs, main, make_disk, partition  # noqa: E402

DISK = 48 << 20
HUGE_AT = 5 << 30  # where the file past 4 GiB has its bytes


def boot_args(arch, image, words, tmp, n):
    """(image, env) that boot @image with @words on the command line."""
    if arch != "x86_64":
        return image, [f"APPEND={words}"]
    src = os.path.join(os.path.dirname(os.path.abspath(image)), "iso-kernel")
    dst = os.path.join(tmp, f"iso{n}")
    shutil.copytree(src, dst)
    cfg = os.path.join(dst, "boot", "grub", "grub.cfg")
    with open(cfg) as f:
        text = f.read()
    with open(cfg, "w") as f:
        f.write(text.replace("multiboot2 /boot/kernel.elf", f"multiboot2 /boot/kernel.elf {words}"))
    iso = os.path.join(tmp, f"root{n}.iso")
    subprocess.run(["grub-mkrescue", "-o", iso, dst], check=True, capture_output=True)
    return iso, []


def body(a, tmp, check):
    tree = os.path.join(tmp, "tree")
    for d in ("etc", "dev", "proc", "tmp", "bin"):
        os.makedirs(os.path.join(tree, d))
    motd = b"this root file system is on /dev/vda1\n"
    with open(os.path.join(tree, "etc", "motd"), "wb") as f:
        f.write(motd)
    if a.busybox:
        shutil.copy(a.busybox, os.path.join(tree, "bin", "busybox"))
        os.symlink("busybox", os.path.join(tree, "bin", "sh"))
    disk = os.path.join(tmp, "root.img")
    size_k = make_disk(disk, DISK, 1024, tree, "mbr")
    drive = drives([disk])
    sf = linux_statfs(partition(disk, size_k, os.path.join(tmp, "fresh.img")))
    keys = ["mount", "crc32 /etc/motd", "df"]
    if a.busybox:
        keys += ["run /bin/busybox sh -c 'echo written on the root > /note; ls -1 /dev/vda1 /proc/self/stat; "
                 "/bin/busybox mkdir -p /tmp/x; cat /proc/mounts; stat -c %A /dev/shm'",
                 # past 4 GiB: large_file, triple indirect blocks (1 KiB blocks)
                 f"run /bin/busybox sh -c 'dd if=/etc/motd of=/huge bs=1024 seek={HUGE_AT // 1024} "
                 "2>/dev/null; tail -c 38 /huge; stat -c %s /huge'",
                 # a device node, an owner, a mode and a time, stored
                 "run /bin/busybox sh -c 'mknod /null2 c 1 3; chown 12:34 /note; chmod 640 /note; "
                 "touch -d @1000000000 /note'"]
    else:
        keys += ["cp /etc/motd /note", "mkdir /tmp/x", "crc32 /dev/vda1"]
    keys += ["sync", "poweroff"]
    img, env = boot_args(a.arch, a.image, "root=/dev/vda1", tmp, 1)
    text, status, pending = run_qemu(a.arch, img, env, [k.encode() + b"\r" for k in keys], drive, a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_root_test checks (root=/dev/vda1) ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    check(re.search(r"(?m)^kernel> mount\n/dev/vda1 / ext2 rw 0 0\nproc /proc proc rw 0 0\ntmpfs /dev tmpfs rw 0 0\n"
                    r"tmpfs /dev/shm tmpfs rw 0 0\n", text),
          "/proc/mounts: the disk is /, /proc and the kernel's /dev on it, /dev/shm in that")
    import zlib
    check(re.search(rf"(?m)^{zlib.crc32(motd):08x} {len(motd)} /etc/motd$", text), "the disk's /etc/motd reads back")
    k = sf["bsize"] // 1024
    df = (f"/dev/vda1 +{sf['blocks'] * k} +{(sf['blocks'] - sf['bfree']) * k} +{sf['bavail'] * k} "
          f"+{sf['files']} /")
    check(re.search(rf"(?m)^{df}$", text), f"df lists the disk as / with Linux's statfs figures ({df})")
    if a.busybox:
        check(re.search(r"(?m)^/dev/vda1\n/proc/self/stat$", text), "/dev and /proc work on the new root")
        check(re.search(r"(?m)^drwxrwxrwt$", text), "and /dev/shm, mode 1777")
    else:
        check(re.search(r"(?m)^[0-9a-f]{8} %d /dev/vda1$" % (DISK - PART_START * 512), text),
              "/dev works on the new root")
    part = partition(disk, size_k, os.path.join(tmp, "part.img"))
    rc, out = fsck(part)
    check(rc == 0, f"e2fsck -fn exits 0 (got {rc})")
    if rc:
        print(out)
    got = debugfs(part, "cat /note", text=False)
    want = b"written on the root\n" if a.busybox else motd
    check(got == want, f"debugfs reads /note back: {got!r}")
    ls = debugfs(part, "ls -p /tmp")
    check("/x/" in ls, "and the directory made in the disk's /tmp")
    if a.busybox:
        check(re.search(r"(?m)^this root file system is on /dev/vda1\n%d\n\[exit 0\]$" % (HUGE_AT + len(motd)),
                        text), "a file past 5 GiB: its tail and size read back in the kernel")
        st = debugfs(part, "stat /huge")
        check(f"Size: {HUGE_AT + len(motd)}" in st, "debugfs gives its size")
        blk = debugfs(part, f"bmap /huge {HUGE_AT // 1024}").strip()
        with open(part, "rb") as f:
            f.seek(int(blk or 0) * 1024)
            got = f.read(len(motd))
        check(blk.isdigit() and got == motd, f"and its block past 5 GiB (block {blk}) holds the bytes")
        st = debugfs(part, "stat /null2")
        check("Type: character special" in st and re.search(r"Device major/minor number: 0*1:0*3", st),
              "mknod's character device 1:3 is on the disk")
        st = debugfs(part, "stat /note")
        check(re.search(r"User: +12 +Group: +34", st) and "Mode:  0640" in st and "mtime: 0x3b9aca00" in st,
              "chown 12:34, chmod 640 and touch -d @1000000000 are on the disk")

    # The fallbacks: no such partition, then a disk with no ext2.
    for n, (words, why) in enumerate((("root=/dev/vdz1", "ENOENT"), ("root=/dev/vda", "EINVAL")), 2):
        blank = os.path.join(tmp, f"blank{n}.img")
        make_disk(blank, DISK, table="mbr", fs=False)
        drive = drives([blank])
        img, env = boot_args(a.arch, a.image, words, tmp, n)
        text, status, pending = run_qemu(a.arch, img, env, [b"mount\r", b"crc32 /bin/hello\r", b"poweroff\r"], drive,
                                         a.timeout)
        sys.stdout.write(text)
        print(f"\n---- ext2_root_test checks ({words}) ----")
        check(not pending and status == 0, f"clean poweroff (status {status})")
        check(re.search(rf"{words}: not mounted \({why}\): / stays the initrd's tmpfs", text),
              f"the kernel says why ({why}) and keeps the initrd's root")
        check(re.search(r"(?m)^kernel> mount\n(.*warning: .*\n)*tmpfs / tmpfs rw 0 0\n"
                        r"proc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\nkernel> ", text),
              "/proc/mounts: / is the tmpfs")
        check(re.search(r"(?m)^[0-9a-f]{8} \d+ /bin/hello$", text), "the initrd's files are there")


OPTIONS = [
    (("--busybox",), dict(help="the arch's busybox, to put on the disk")),
]


if __name__ == "__main__":
    sys.exit(main(body, "ext2_root_test-", 120, OPTIONS))
