#!/usr/bin/env python3
"""ext2 in the kernel against the host's own tools: reading, and read-only mounts.

    ext2_test.py --arch ARCH --image IMAGE [--timeout S]

Two disks, each made here: vda with an MBR partition holding an ext2 of
1 KiB blocks, vdb with a GPT partition holding one of 4 KiB blocks, both
by `mke2fs -t ext2 -d TREE` (at the partition's offset) from one tree:
files across the block map's boundaries, a sparse file past 4 GiB, a
symlink, nested directories, a directory of 300 entries. The kernel shell
mounts vda1 on /mnt and vdb1 on /tmp read-only (typed at the first prompt:
the mount waits for the disks), reads every file back with `crc32`, which must give
the CRC-32 and size the host computes, and lists the mounts; then the
refusals: a disk with no ext2 (the whole MBR disk), a path that is no
block device, a missing one, a write through the read-only mount
(busybox, where the arch has it: also the sparse file's two ends and size,
and the 300-entry listing).
"""
import os, random, re, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import drives, main, make_disk  # noqa: E402

DISK = 48 << 20


def make_tree(root, rng):
    os.makedirs(os.path.join(root, "sub", "deeper"))
    files = {}
    for name, n in (("empty", 0), ("one", 1), ("block", 1024), ("twelve", 12 * 1024 + 7),
                    ("indirect", 300000), ("double", 1100000)):
        data = rng.randbytes(n)
        files[name] = data
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    text = b"read from an ext2 partition\n"
    with open(os.path.join(root, "sub", "deeper", "note.txt"), "wb") as f:
        f.write(text)
    files["sub/deeper/note.txt"] = text
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.write(b"head")
        f.seek(5 << 30)
        f.write(b"tail after a hole of 5 GiB\n")
    os.symlink("sub/deeper/note.txt", os.path.join(root, "link"))
    many = os.path.join(root, "many")
    os.makedirs(many)
    for i in range(300):
        with open(os.path.join(many, f"f{i:03d}"), "wb") as f:
            f.write(b"%d\n" % i)
    return files


def crc_file(path):
    crc, n = 0, 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                return crc, n
            crc = zlib.crc32(chunk, crc)
            n += len(chunk)


def body(a, tmp, check):
    tree = os.path.join(tmp, "tree")
    make_tree(tree, random.Random(27))
    d1, d2 = os.path.join(tmp, "mbr.img"), os.path.join(tmp, "gpt.img")
    make_disk(d1, DISK, 1024, tree, "mbr")
    make_disk(d2, DISK, 4096, tree, "gpt")
    paths = ["empty", "one", "block", "twelve", "indirect", "double", "sub/deeper/note.txt",
             "link", "many/f000", "many/f299"]
    want = {p: crc_file(os.path.join(tree, p)) for p in paths}
    keys = ["mount -r /dev/vda1 /mnt", "mount -r /dev/vdb1 /tmp", "mount"]
    keys += [f"crc32 /mnt/{p}" for p in paths] + [f"crc32 /tmp/{p}" for p in paths]
    keys += ["mount /dev/vda /proc", "mount /dev/null /mnt",
             "mount /nosuch /mnt", "crc32 /mnt/nosuch", "crc32 /mnt/sub"]
    if a.busybox:
        # rm -f: without it rm asks first at a terminal, as on Linux, since
        # access(W_OK) on a read-only mount is EROFS.
        keys += ["run /bin/busybox head -c 4 /tmp/sparse", "run /bin/busybox tail -c 27 /mnt/sparse",
                 "run /bin/busybox stat -c %s /mnt/sparse", "run /bin/busybox ls /mnt/many",
                 "run /bin/busybox touch /mnt/new", "run /bin/busybox rm -f /mnt/one"]
    if a.busybox:
        keys += ["run /bin/busybox sh -c 'cd /mnt/sub && umount /mnt'"]
    keys += ["umount /tmp", "crc32 /tmp/one", "umount /tmp", "umount /proc", "umount /",
             "umount /mnt", "mount", "mount /dev/vdb1 /mnt", "crc32 /mnt/double", "umount /mnt", "mem",
             "mount /dev/vdb1 /mnt", "crc32 /mnt/double", "crc32 /mnt/indirect", "umount /mnt", "mem"]
    text, status, pending = run_qemu(a.arch, a.image, [], [k.encode() + b"\r" for k in keys + ["poweroff"]],
                                     drives((d1, d2)), a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_test checks ----")
    check(not pending, f"every command typed (left: {len(pending)})")
    check(re.search(r"(?m)^/dev/vda1 /mnt ext2 ro 0 0$", text), "/proc/mounts lists vda1 on /mnt, ro")
    check(re.search(r"(?m)^/dev/vdb1 /tmp ext2 ro 0 0$", text), "and vdb1 on /tmp")
    for mnt in ("/mnt", "/tmp"):
        for p in paths:
            crc, n = want[p]
            check(re.search(rf"(?m)^{crc:08x} {n} {mnt}/{re.escape(p)}$", text),
                  f"crc32 {mnt}/{p}: {crc:08x} {n}")
    check(re.search(r"(?m)^kernel> mount /dev/vda /proc\n(.*warning: ext2: vda: not mounted: no ext2 "
                    r"superblock.*\n)mount: EINVAL$", text), "no ext2 on the whole disk: EINVAL, and why")
    check(re.search(r"(?m)^kernel> mount /dev/null /mnt\nmount: ENOTBLK$", text), "a character device: ENOTBLK")
    check(re.search(r"(?m)^kernel> mount /nosuch /mnt\nmount: ENOENT$", text), "no such source: ENOENT")
    check(re.search(r"(?m)^kernel> crc32 /mnt/nosuch\ncrc32: ENOENT$", text), "no such file: ENOENT")
    check(re.search(r"(?m)^kernel> crc32 /mnt/sub\ncrc32: EISDIR$", text), "a directory: EISDIR")
    if a.busybox:
        check(re.search(r"(?m)^head\n?\[exit 0\]$", text), "busybox reads the sparse file's head")
        check(re.search(r"(?m)^tail after a hole of 5 GiB\n\[exit 0\]$", text), "and its tail past 4 GiB")
        check(re.search(r"(?m)^%d\n\[exit 0\]$" % ((5 << 30) + 27), text), "stat gives its size")
        check(re.search(r"(?m)^f000\s", text) and re.search(r"f299\s*\n", text), "ls lists a 300-entry directory")
        check(re.search(r"touch: /mnt/new: Read-only file system", text), "touch: EROFS")
        check(re.search(r"rm: can't remove '/mnt/one': Read-only file system", text), "rm: EROFS")
    if a.busybox:
        check(re.search(r"umount: can't unmount /mnt: Device or resource busy", text),
              "umount with the working directory inside: EBUSY")
    check(re.search(r"(?m)^kernel> umount /tmp\n(\[.*ext2: vdb unmounted.*\n)?kernel> crc32 /tmp/one\n"
                    r"crc32: ENOENT\nkernel> umount /tmp\numount: EINVAL$", text),
          "umount: the directory underneath shows again; a second umount is EINVAL")
    check(re.search(r"(?m)^kernel> umount /proc\numount: EBUSY$", text), "/proc stays: EBUSY")
    check(re.search(r"(?m)^kernel> umount /\numount: EINVAL$", text), "the root: EINVAL")
    tail = text[text.find("kernel> mount /dev/vdb1 /mnt"):]
    check(re.search(r"(?m)^kernel> mount\ntmpfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\nkernel> ", text),
          "after both umounts /proc/mounts lists neither")
    crc, n = want["double"]
    check(re.search(rf"(?m)^{crc:08x} {n} /mnt/double$", text.split("mount /dev/vdb1 /mnt")[-1]),
          "a file system mounts again after its umount, elsewhere")
    check("umount: " not in tail, "and unmounts again")
    heap = re.findall(r"(?m)^heap in use: .*$", text)
    check(len(heap) == 2 and heap[0] == heap[1], f"a mount and umount leave the heap as it was: {heap}")
    check("PANIC" not in text, "no panic")
    check(status == 0, f"clean poweroff (status {status})")


OPTIONS = [
    (("--busybox",), dict(action="store_true", help="the initrd has /bin/busybox")),
]


if __name__ == "__main__":
    sys.exit(main(body, "ext2_test-", 150, OPTIONS))
