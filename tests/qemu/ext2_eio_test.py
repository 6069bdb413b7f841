#!/usr/bin/env python3
"""ext2 on a disk that fails requests: EIO to the caller, the kernel goes on.

    ext2_eio_test.py --arch ARCH --image IMAGE

QEMU's blkdebug driver makes the disk itself fail (virtio-blk answers
VIRTIO_BLK_S_IOERR), so the whole path is tested: driver, block layer,
page cache, ext2, system call or shell command.
- vda (1 KiB blocks, no partition table): reads of the file `bad`'s first
  block fail, and writes of the first free block. `crc32` of `bad` is EIO
  while `good` reads right before and after; a copy made with `cp` lands
  in the failing block, so `sync` reports EIO; the file system is still
  unmounted cleanly, and e2fsck -fn calls it clean (the lost data was a
  file's, never the metadata's).
- vdb: every write fails. A read-write mount is EIO (it writes the
  superblock's state first) and leaves nothing mounted; a read-only mount
  of the same disk then works.
- vdc (no failures, bad input): group 0's block bitmap was damaged, the
  bits of the file `bad`'s blocks cleared behind its descriptor's count.
  The kernel must see the bitmap disagree with the count, say so, and take
  no block from that group: a file copied in lands elsewhere, and `bad`
  keeps its bytes.
"""
import os, re, subprocess, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import debugfs, drives, fsck, main, make_disk, sbin  # noqa: E402


def body(a, tmp, check):
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    data = {n: bytes((i * 7 + len(n)) % 251 for i in range(20000)) for n in ("good", "bad")}
    for n, d in data.items():
        with open(os.path.join(tree, n), "wb") as f:
            f.write(d)
    disks = []
    for n in range(3):
        img = os.path.join(tmp, f"d{n}.img")
        make_disk(img, 16 << 20, 1024, tree)
        disks.append(img)
    bad = int(debugfs(disks[0], "bmap /bad 0"))
    dump = subprocess.run([sbin("dumpe2fs"), disks[0]], capture_output=True, text=True).stdout
    free = int(re.search(r"Free blocks: (\d+)-", dump).group(1))
    rules = [os.path.join(tmp, f"rules{n}.conf") for n in range(2)]
    with open(rules[0], "w") as f:
        # event: from the first read (write) on; iotype: only reads (writes) fail
        f.write(f'[inject-error]\nevent = "read_aio"\niotype = "read"\nerrno = "5"\nsector = "{bad * 2}"\n\n'
                f'[inject-error]\nevent = "write_aio"\niotype = "write"\nerrno = "5"\nsector = "{free * 2}"\n')
    with open(rules[1], "w") as f:
        f.write('[inject-error]\nevent = "write_aio"\niotype = "write"\nerrno = "5"\n')
    # vdc: clear the bitmap bits of bad's blocks (the counts stay).
    dump2 = subprocess.run([sbin("dumpe2fs"), disks[2]], capture_output=True, text=True).stdout
    bitmap = int(re.search(r"Block bitmap at (\d+)", dump2).group(1))
    blocks = [int(b) for b in debugfs(disks[2], "blocks /bad").split()]
    with open(disks[2], "r+b") as f:
        for b in blocks:
            bit = b - 1  # 1 KiB blocks: group 0's bitmap starts at block 1
            f.seek(bitmap * 1024 + bit // 8)
            byte = f.read(1)[0] & ~(1 << (bit % 8))
            f.seek(bitmap * 1024 + bit // 8)
            f.write(bytes([byte]))
    args = drives([f"blkdebug:{rules[n]}:{disks[n]}" for n in range(2)] + [disks[2]])
    keys = ["mount /dev/vda /mnt", "crc32 /mnt/good", "crc32 /mnt/bad", "crc32 /mnt/good",
            "cp /mnt/good /mnt/new", "sync", "crc32 /mnt/good", "umount /mnt",
            "mount /dev/vdb /tmp", "mount", "mount -r /dev/vdb /tmp", "crc32 /tmp/bad", "umount /tmp",
            "mount /dev/vdc /mnt", "cp /mnt/good /mnt/new", "umount /mnt", "poweroff"]
    text, status, pending = run_qemu(a.arch, a.image, [], [k.encode() + b"\r" for k in keys], args,
                                     a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_eio_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    good = f"{zlib.crc32(data['good']):08x} 20000 /mnt/good"
    check(text.count(good) == 3, "good reads right before the failure, after it, and after the failed sync")
    check(re.search(r"(?m)^kernel> crc32 /mnt/bad\n(.*I/O error.*\n)*crc32: EIO$", text), "bad: EIO")
    check(re.search(r"(?m)^kernel> sync\n(.*I/O error.*\n)*sync: EIO$", text), "sync: the failed write-back is EIO")
    check(re.search(r"(?m)^kernel> umount /mnt\nkernel> ", text), "the file system unmounts all the same")
    check(re.search(r"(?m)^kernel> mount /dev/vdb /tmp\n(.*\n)*?mount: EIO$", text),
          "vdb, every write failing: a read-write mount is EIO")
    check(re.search(r"(?m)^kernel> mount\ntmpfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\nkernel> ", text),
          "and nothing stays mounted")
    check(f"{zlib.crc32(data['bad']):08x} 20000 /tmp/bad" in text, "a read-only mount of it reads")
    check(re.search(r"(?m)^kernel> cp /mnt/good /mnt/new\n.*warning: ext2: vdc: a group's block bitmap "
                    r"disagrees with its free count: no block is taken from it", text),
          "vdc: the damaged bitmap is seen and said")
    for name, want in (("bad", data["bad"]), ("new", data["good"])):
        got = debugfs(disks[2], f"cat /{name}", text=False)
        check(got == want, f"vdc: {name} holds its bytes ({len(got)} read)")
    new = [int(b) for b in debugfs(disks[2], "blocks /new").split()]
    check(new and min(new) > 8192, f"vdc: the copy's blocks are outside group 0 ({new[:3]}...)")
    rc, out = fsck(disks[0])
    check(rc == 0, f"vda: e2fsck -fn exits 0 after the failed writes (got {rc})")
    if rc:
        print(out)


if __name__ == "__main__":
    sys.exit(main(body, "ext2_eio_test-", 120))
