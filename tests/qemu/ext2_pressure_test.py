#!/usr/bin/env python3
"""The page cache under memory pressure: files several times RAM's size.

    ext2_pressure_test.py --arch ARCH --image IMAGE

The guest has 128 MiB of RAM. Its disk holds an ext2 (4 KiB blocks) with
a 512 MiB file (a sparse middle between random data at both ends, so the
page cache fills with 131,072 pages while the image stays small) and a
48 MiB file of random bytes. In the kernel shell:
- `crc32` of the 512 MiB file must equal the host's: the cache cannot hold
  it, so clean pages must be evicted before the frame allocator fails
  (`mem` then shows evictions, and a user program still starts);
- `cp` of the 48 MiB file, twice (more dirty data than the writer's limit
  of a quarter of RAM), then `crc32` of the copies and, after `umount`,
  e2fsck -fn and the host's CRC of each copy.
"""
import os, random, re, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import debugfs, drives, fsck, main, make_disk  # noqa: E402

BIG = 512 << 20
DATA = 48 << 20


def body(a, tmp, check):
    rng = random.Random(27)
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    head, tail = rng.randbytes(3 << 20), rng.randbytes(3 << 20)
    with open(os.path.join(tree, "big"), "wb") as f:
        f.write(head)
        f.seek(BIG - len(tail))
        f.write(tail)
    crc = zlib.crc32(head)
    zeros = bytes(1 << 20)
    left = BIG - len(head) - len(tail)
    while left:
        n = min(left, len(zeros))
        crc = zlib.crc32(zeros[:n], crc)
        left -= n
    crc_big = zlib.crc32(tail, crc)
    data = rng.randbytes(DATA)
    with open(os.path.join(tree, "data"), "wb") as f:
        f.write(data)
    crc_data = zlib.crc32(data)
    disk = os.path.join(tmp, "disk.img")
    make_disk(disk, 256 << 20, 4096, tree)
    keys = ["mount /dev/vda /mnt", "crc32 /mnt/big", "mem", "run hello after the cache filled",
            "cp /mnt/data /mnt/copy1", "cp /mnt/data /mnt/copy2", "crc32 /mnt/copy1", "crc32 /mnt/copy2",
            "umount /mnt", "mem", "poweroff"]
    text, status, pending = run_qemu(a.arch, a.image, ["MEM=128M"], [k.encode() + b"\r" for k in keys],
                                     drives([disk]), a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_pressure_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    check(f"{crc_big:08x} {BIG} /mnt/big" in text, "crc32 of the 512 MiB file on a 128 MiB guest")
    ev = re.findall(r"(?m)^page cache: (\d+) pages .* (\d+) evicted$", text)
    check(ev and int(ev[0][1]) > 0, f"clean pages were evicted for it ({ev[:1]})")
    check(re.search(r"(?m)^hello from user mode, pid \d+, argc 5:hello after the cache filled$", text),
          "a user program starts with the cache full")
    for n in (1, 2):
        check(f"{crc_data:08x} {DATA} /mnt/copy{n}" in text, f"copy{n} reads back in the kernel")
    check(len(ev) == 2 and int(ev[1][0]) < int(ev[0][0]), "umount gave the cache's pages back")
    rc, _ = fsck(disk)
    check(rc == 0, f"e2fsck -fn exits 0 (got {rc})")
    for n in (1, 2):
        check(zlib.crc32(debugfs(disk, f"cat /copy{n}", text=False)) == crc_data,
              f"copy{n} on the disk is the host's file")


if __name__ == "__main__":
    sys.exit(main(body, "ext2_pressure_test-", 600))
