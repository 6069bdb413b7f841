#!/usr/bin/env python3
"""ext2 on damaged disks: every refusal names its reason, and the damage
never spreads to undamaged files.

    ext2_damage_test.py --arch ARCH --image IMAGE [--seed N] [--keep]

Six disks, each made here by mke2fs (1 KiB blocks, groups of 2048 blocks)
from one tree whose bytes come from --seed, then damaged by the test (a
field of one inode or of the group descriptors, found with debugfs and
dumpe2fs); no image is kept in the tree. One boot mounts each in turn:
- vda: a file whose inode says no links while its name exists. Reading
  it is EUCLEAN ("a deleted inode (no links) still named"), and its
  blocks stay its own: a copy made afterwards lands elsewhere (before,
  its last reference freed them and the copy took them).
- vdb: a file whose size is "negative" (i_size_high's top bit): EUCLEAN,
  "a size past what the block map can address" (before, a read without end).
- vdc: a fast symlink whose size is past a block: EUCLEAN, "a symlink
  longer than a block" (before, an empty reason).
- vdd: group 1's inode table pointed at a file's blocks in group 0: the
  mount is read-only, "group 1's inode table outside its group", so
  mkdir is EROFS (before, the new directory's inode was written over that
  file's data).
- vde: group 0's inode bitmap pointed into its own inode table: read-only,
  "group 0's bitmaps and inode table overlap"; rm is EROFS (before, it
  cleared bits of live inodes).
- vdf: s_inodes_per_group 8 more than mke2fs made: the mount is refused,
  EINVAL, "inode count not inodes per group times groups".
Every warning names its reason; afterwards every file the damage did not
touch reads back on the host, with debugfs, as it was written (vdf: not a
byte of it written), and the kernel still answers.
"""
import os, random, re, struct, subprocess, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import debugfs, drives, main, make_disk, sbin  # noqa: E402

BS = 1024
DISK = 8 << 20
NAMES = ("keep1", "keep2", "victim", "under")


def inode_at(img, path):
    """The byte offset of @path's inode in @img (debugfs imap)."""
    out = debugfs(img, f"imap {path}")
    m = re.search(r"located at block (\d+), offset (0x[0-9a-f]+)", out)
    return int(m.group(1)) * BS + int(m.group(2), 16)


def patch(img, off, fmt, value):
    with open(img, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, value))


def group_desc(img, g):
    """Group @g's descriptor's (block bitmap, inode bitmap, inode table)."""
    with open(img, "rb") as f:
        f.seek(2 * BS + 32 * g)  # 1 KiB blocks: the descriptors at block 2
        return struct.unpack("<III", f.read(12))


def body(a, tmp, check):
    rng = random.Random(a.seed)
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    data = {n: rng.randbytes(rng.randrange(3000, 30000)) for n in NAMES}
    for n, d in data.items():
        with open(os.path.join(tree, n), "wb") as f:
            f.write(d)
    os.symlink("keep1", os.path.join(tree, "slink"))
    disks = []
    for n in range(6):
        img = os.path.join(tmp, f"d{n}.img")
        with open(img, "wb") as f:
            f.truncate(DISK)
        subprocess.run([sbin("mke2fs"), "-q", "-F", "-t", "ext2", "-b", str(BS), "-g", "2048", "-N", "512",
                        "-d", tree, img], check=True)
        disks.append(img)
    # vda: no links. vdb: i_size_high's top bit. vdc: the fast symlink past a block.
    patch(disks[0], inode_at(disks[0], "/victim") + 26, "<H", 0)
    patch(disks[1], inode_at(disks[1], "/victim") + 108, "<I", 0x80000000)
    patch(disks[2], inode_at(disks[2], "/slink") + 4, "<I", 2 * BS)
    # vdd: group 1's inode table onto "under"'s first block (in group 0).
    under = [int(b) for b in debugfs(disks[3], "blocks /under").split()]
    check(under and under[0] < 2048, f"vdd: under's blocks lie in group 0 ({under[:3]})")
    patch(disks[3], 2 * BS + 32 + 8, "<I", under[0])
    # vde: group 0's inode bitmap onto its inode table's second block.
    bb, ib, table = group_desc(disks[4], 0)
    patch(disks[4], 2 * BS + 4, "<I", table + 1)
    # vdf: inodes per group 8 more (the superblock's only copy read).
    with open(disks[5], "rb") as f:
        f.seek(1024 + 40)
        ipg = struct.unpack("<I", f.read(4))[0]
    patch(disks[5], 1024 + 40, "<I", ipg + 8)
    with open(disks[5], "rb") as f:
        refused = f.read()

    keys = ["mount /dev/vda /mnt", "crc32 /mnt/victim", "cp /mnt/keep1 /mnt/copy", "sync", "crc32 /mnt/keep2",
            "umount /mnt",
            "mount /dev/vdb /mnt", "crc32 /mnt/victim", "crc32 /mnt/keep1", "umount /mnt",
            "mount /dev/vdc /mnt", "crc32 /mnt/slink", "crc32 /mnt/keep1", "umount /mnt",
            "mount /dev/vdd /mnt", "mkdir /mnt/newdir", "cp /mnt/keep1 /mnt/copy", "crc32 /mnt/under", "umount /mnt",
            "mount /dev/vde /mnt", "rm /mnt/keep2", "crc32 /mnt/keep2", "umount /mnt",
            "mount /dev/vdf /mnt", "mount", "uptime", "poweroff"]
    text, status, pending = run_qemu(a.arch, a.image, [], [k.encode() + b"\r" for k in keys], drives(disks),
                                     a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_damage_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")

    def crc(name, path):
        return f"{zlib.crc32(data[name]):08x} {len(data[name])} {path}"

    # The output from each disk's mount to the next one's.
    seg = dict(re.findall(r"(?ms)^kernel> mount /dev/(vd[a-f]) /mnt\n(.*?)(?=^kernel> mount /dev/|\Z)", text))

    def said(dev, after, pattern, what):
        check(re.search(r"(?m)^kernel> " + re.escape(after) + r"\n(.*\n)*?" + pattern, seg.get(dev, "")),
              f"{dev}: {what}")

    def warned(dev, reason, what):
        check(re.search(rf"(?m)warning: ext2: {dev}: {re.escape(reason)} \(reported once; the access fails with "
                        r"EUCLEAN\)$", text), f"{dev}: {what}: the reason is said")

    # Nothing printed with an empty reason, by any of them.
    check(not re.search(r"ext2: vd[a-f]: +\(", text), "no refusal without its reason")
    said("vda", "crc32 /mnt/victim", r"crc32: EUCLEAN$", "the file with no links is EUCLEAN")
    warned("vda", "a deleted inode (no links) still named", "no links")
    check(crc("keep2", "/mnt/keep2") in seg.get("vda", ""), "vda: keep2 reads in the guest")
    said("vdb", "crc32 /mnt/victim", r"crc32: EUCLEAN$", "the file of a negative size is EUCLEAN, not endless")
    warned("vdb", "a size past what the block map can address", "negative size")
    said("vdc", "crc32 /mnt/slink", r"crc32: EUCLEAN$", "the symlink past a block is EUCLEAN")
    warned("vdc", "a symlink longer than a block", "long symlink")
    check("warning: ext2: vdd: mounted read-only: group 1's inode table outside its group" in text,
          "vdd: read-only, the reason said")
    said("vdd", "mkdir /mnt/newdir", r"mkdir: EROFS$", "mkdir is EROFS")
    check(crc("under", "/mnt/under") in seg.get("vdd", ""), "vdd: under reads in the guest")
    check("warning: ext2: vde: mounted read-only: group 0's bitmaps and inode table overlap" in text,
          "vde: read-only, the reason said")
    said("vde", "rm /mnt/keep2", r"rm: EROFS$", "rm is EROFS")
    check(crc("keep2", "/mnt/keep2") in seg.get("vde", ""), "vde: keep2 still there")
    check("ext2: vdf: not mounted: inode count not inodes per group times groups" in text,
          "vdf: refused, the reason said")
    check(re.search(r"(?m)^mount: EINVAL$", seg.get("vdf", "")), "vdf: mount is EINVAL")
    check(re.search(r"(?m)^kernel> uptime\n.*\d", text), "the kernel still answers")
    # On the host: what the damage did not touch is as it was written.
    with open(disks[5], "rb") as f:
        check(f.read() == refused, "vdf: not a byte of the refused disk written")
    for n, img in enumerate(disks[:5]):
        for name in NAMES:
            if (n, name) == (1, "victim"):
                continue  # debugfs would read its damaged size's worth
            got = debugfs(img, f"cat /{name}", text=False)
            check(got == data[name], f"vd{'abcdef'[n]}: {name} holds its bytes ({len(got)} read)")
    got = debugfs(disks[0], "cat /copy", text=False)
    check(got == data["keep1"], f"vda: the copy holds keep1's bytes ({len(got)} read)")


if __name__ == "__main__":
    sys.exit(main(body, "ext2_damage_test-", 120, [(["--seed"], {"type": int, "default": 41})]))
