#!/usr/bin/env python3
"""Base images and seeds for fuzz_ext2: small ext2 file systems that the
host's mke2fs makes, embedded in a C header, and the metadata in them.

    ext2_seeds.py OUTDIR

Writes OUTDIR/ext2_base.h (the images, see below), OUTDIR/seeds/* and
OUTDIR/seeds.txt, the comma-separated list that libFuzzer's
-seed_inputs=@OUTDIR/seeds.txt reads; and fuzz_ext2_write's seeds,
OUTDIR/write_seeds/* listed in OUTDIR/write_seeds.txt (same images, its
own input format: see write_seeds()). Deterministic: a fixed tree, a fixed
time (E2FSPROGS_FAKE_TIME) and fixed UUIDs and hash seeds, so every build
fuzzes the same bytes and a crash input found on one machine replays on
another.

Why images from mke2fs rather than built by hand: the fuzzer must start
from what the reader meets in the field (resize inode, sparse superblocks,
indirect blocks as mke2fs lays them out), and e2fsck -fn must call each
image clean, so a report is about the damage, not about the base.

Four images, one per block-size path of the reader: 1 KiB blocks in two
groups (first data block 1), 2 KiB blocks in revision 0 (no file types in
directory entries, 128-byte inodes), 4 KiB blocks with 256-byte inodes in
two groups, and 64 KiB blocks (the directory entry length 16 bits cannot
hold). The same tree in each: an empty and a small file, a file needing an
indirect block (with 1 KiB blocks), a sparse file with data in the direct,
indirect, double and (but with 64 KiB blocks) triple indirect ranges, a
directory of 40 entries (names of 1 to 255 bytes, a subdirectory chain,
symlinks), fast symlinks (one of 59 bytes, the longest that fits the
inode), a slow one, a link to a directory, a hard link.

The header holds each image as runs of its non-zero 64-byte chunks (the
images are mostly zeros) and the image's metadata regions, the bytes a
patch may land on: the superblock, the group descriptors, each used
inode's first 128 bytes (all the reader reads of one), and each directory,
indirect and slow-symlink block up to its last non-zero byte (plus a few,
so an entry can grow). Bitmaps are left out: the reader never reads them.
"""
import os, shutil, struct, subprocess, sys, tempfile

CHUNK = 64
IMAGES = [  # name, block size, blocks, mke2fs options
    ("1k", 1024, 512, ["-g", "256", "-N", "96", "-I", "128"]),
    ("2k_rev0", 2048, 256, ["-r", "0", "-N", "96"]),
    ("4k", 4096, 512, ["-g", "256", "-N", "96", "-I", "256"]),
    ("64k", 65536, 64, ["-N", "96"]),
]


def sbin(tool):
    for d in ("/sbin", "/usr/sbin"):
        if os.path.exists(os.path.join(d, tool)):
            return os.path.join(d, tool)
    sys.exit(f"ext2_seeds: {tool} not found (Debian package e2fsprogs; scripts/deps check)")


def build_tree(root, bs):
    """The tree, with the block-map boundaries of block size @bs."""
    per = bs // 4
    os.makedirs(root)

    def write(path, data):
        with open(os.path.join(root, path), "wb") as f:
            f.write(data)

    write("empty", b"")
    write("small", b"a small file\n" * 7)
    # 14 KiB: past the 12 direct blocks with 1 KiB blocks.
    write("ind", bytes((i * 7 + 1) % 251 + 1 for i in range(14 * 1024)))
    # Data at the start of each map range; holes between (mke2fs -d keeps them).
    marks = [0, 12, 12 + per, 12 + per + per * per]
    if bs == 65536:
        marks = marks[:3]  # the triple range would start past 16 TiB
    with open(os.path.join(root, "sparse"), "wb") as f:
        for i, lb in enumerate(marks):
            f.seek(lb * bs + 100)
            f.write(b"block %d of the map, range %d\n" % (lb, i))
    d = os.path.join(root, "dir")
    os.makedirs(os.path.join(d, "sub", "deeper"))
    write("dir/sub/deeper/leaf", b"the leaf\n")
    for i in range(34):
        n = 1 + (i * 37) % 60
        write(f"dir/{('e%02d' % i + 'x' * n)[:n]}", b"")
    write("dir/" + "L" * 255, b"longest name\n")
    os.symlink("../small", os.path.join(d, "up_link"))
    os.symlink("sub/deeper/leaf", os.path.join(d, "leaf_link"))
    os.symlink("small", os.path.join(root, "fast_link"))
    os.symlink("y" * 59, os.path.join(root, "fast_59"))
    os.symlink("/" + "/".join("component%02d" % i for i in range(20)), os.path.join(root, "slow_link"))
    os.symlink("dir/sub", os.path.join(root, "dir_link"))
    os.link(os.path.join(root, "small"), os.path.join(root, "hard"))


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def used_len(block):
    """Bytes of @block up to its last non-zero one, plus a few: where a
    patch can change what the reader sees."""
    n = len(block.rstrip(b"\0"))
    return min(len(block), (n + 3) // 4 * 4 + 16) if n else 0


def metadata(img):
    """The block size, [(offset, length)]: the regions a patch may land
    on, and the index of the root inode's."""
    sb = img[1024:2048]
    bs = 1024 << u32(sb, 24)
    blocks, inodes, ipg = u32(sb, 4), u32(sb, 0), u32(sb, 40)
    first, bpg = u32(sb, 20), u32(sb, 32)
    rev = u32(sb, 76)
    isize = u16(sb, 88) if rev else 128
    groups = (blocks - first + bpg - 1) // bpg
    regions = [(1024, 128), ((first + 1) * bs, groups * 32)]
    seen = set()

    def block_region(b):
        if first < b < blocks and b not in seen:
            seen.add(b)
            n = used_len(img[b * bs:(b + 1) * bs])
            if n:
                regions.append((b * bs, n))

    def walk(b, depth, data_too):
        """The map below pointer @b, @depth levels of indirection."""
        if not (first < b < blocks) or b in seen:
            return
        if depth == 0:
            if data_too:
                block_region(b)
            return
        block_region(b)
        for i in range(bs // 4):
            walk(u32(img, b * bs + 4 * i), depth - 1, data_too)

    for ino in range(1, inodes + 1):
        g, idx = (ino - 1) // ipg, (ino - 1) % ipg
        table = u32(img, (first + 1) * bs + 32 * g + 8)
        off = table * bs + idx * isize
        raw = img[off:off + 128]
        mode, links = u16(raw, 0), u16(raw, 26)
        if not any(raw):
            continue
        if ino == 2:
            root = len(regions)
        regions.append((off, 128))
        if not links and ino != 7:  # deleted; the resize inode has none
            continue
        kind = mode & 0xf000
        ptrs = [u32(raw, 40 + 4 * i) for i in range(15)]
        ea = bs // 512 if u32(raw, 104) else 0
        if kind == 0xa000 and u32(raw, 28) == ea:
            continue  # a fast symlink: its target is the pointers
        data_too = kind in (0x4000, 0xa000)  # a directory's or symlink's blocks
        if ino == 7:
            # The resize inode: its double indirect block names the
            # reserved descriptor blocks, dozens of regions alike; the
            # block itself is enough.
            block_region(ptrs[13])
            continue
        for i, p in enumerate(ptrs):
            walk(p, max(0, i - 11), data_too)
    return bs, regions, root


def runs(img):
    """[(offset, bytes)]: the image's non-zero chunks, adjacent ones merged."""
    out = []
    for off in range(0, len(img), CHUNK):
        c = img[off:off + CHUNK]
        if not any(c):
            continue
        if out and out[-1][0] + len(out[-1][1]) == off:
            out[-1] = (out[-1][0], out[-1][1] + c)
        else:
            out.append((off, c))
    return out


def make_image(work, name, bs, nblocks, opts):
    tree = os.path.join(work, "tree-" + name)
    build_tree(tree, bs)
    img = os.path.join(work, name + ".img")
    with open(img, "wb") as f:
        f.truncate(bs * nblocks)
    env = dict(os.environ, E2FSPROGS_FAKE_TIME="1764000000")
    mk = subprocess.run([sbin("mke2fs"), "-q", "-F", "-t", "ext2", "-b", str(bs), *opts,
                         "-U", "2f3cd48e-8a0e-4c2b-9d54-0123456789ab",
                         "-E", "root_owner=0:0,hash_seed=6d0c8c1e-1111-4222-8333-444455556666",
                         "-d", tree, img], env=env, capture_output=True, text=True)
    if mk.returncode != 0:
        print(mk.stdout, mk.stderr)
        sys.exit(f"ext2_seeds: mke2fs failed on the {name} image")
    fsck = subprocess.run([sbin("e2fsck"), "-fn", img], capture_output=True, text=True)
    if fsck.returncode != 0:
        print(fsck.stdout, fsck.stderr)
        sys.exit(f"ext2_seeds: e2fsck calls mke2fs's {name} image unclean")
    with open(img, "rb") as f:
        return f.read()


def c_bytes(b):
    return ",".join(str(x) for x in b)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    work = tempfile.mkdtemp(prefix="ext2_seeds.")
    try:
        images = [(name, make_image(work, name, bs, n, opts)) for name, bs, n, opts in IMAGES]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    h = ["/* Written by tests/fuzz/ext2_seeds.py: do not edit. */",
         "#include <stdint.h>",
         "struct ext2_base_run { uint32_t off, len; };",
         "struct ext2_base_region { uint32_t off, len; };",
         "struct ext2_base {",
         "    const char *name;",
         "    uint32_t size, block_size;",
         "    const uint8_t *bytes; /* the runs' bytes, one after another */",
         "    const struct ext2_base_run *runs;",
         "    unsigned nruns;",
         "    const struct ext2_base_region *meta;",
         "    unsigned nmeta;",
         "};"]
    table = []
    roots = []
    for i, (name, img) in enumerate(images):
        bs, meta, root = metadata(img)
        roots.append(root)
        rs = runs(img)
        h.append(f"static const uint8_t base{i}_bytes[] = {{{c_bytes(b''.join(r[1] for r in rs))}}};")
        h.append(f"static const struct ext2_base_run base{i}_runs[] = {{"
                 + ",".join(f"{{{o},{len(b)}}}" for o, b in rs) + "};")
        h.append(f"static const struct ext2_base_region base{i}_meta[] = {{"
                 + ",".join(f"{{{o},{n}}}" for o, n in meta) + "};")
        table.append(f'    {{"{name}", {len(img)}, {bs}, base{i}_bytes, base{i}_runs, {len(rs)}, '
                     f"base{i}_meta, {len(meta)}}},")
        print(f"ext2_seeds: {name}: {len(img)} bytes, {sum(len(r[1]) for r in rs)} not zero, "
              f"{len(meta)} metadata regions of {sum(n for _, n in meta)} bytes")
    h.append("static const struct ext2_base ext2_bases[] = {")
    h.extend(table)
    h.append("};")
    tmp = os.path.join(out, "ext2_base.h.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(h) + "\n")
    os.replace(tmp, os.path.join(out, "ext2_base.h"))

    # Seeds in fuzz_ext2.c's input format: a flags byte (the image, a cut
    # device), the read to fail (0 none), then 5-byte patches (region,
    # offset, op, argument). One pristine seed per image, a failing read
    # and a cut device for each, and a few damages the reader must name.
    seeds = {}
    for i, root in enumerate(roots):
        seeds[f"{i}_pristine"] = bytes([i, 0])
        seeds[f"{i}_eio"] = bytes([i, 9])
        seeds[f"{i}_cut"] = bytes([i | 2 << 2, 0])
        # The root directory 64 bytes longer (into a hole), and its first
        # block pointer at the file system's block count (just past it).
        seeds[f"{i}_root"] = bytes([i, 0, root, 4, 0, 2, 64, root, 40, 0, 3, 20])
    sdir = os.path.join(out, "seeds")
    shutil.rmtree(sdir, ignore_errors=True)
    os.makedirs(sdir)
    for name, data in seeds.items():
        with open(os.path.join(sdir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "seeds.txt"), "w") as f:
        f.write(",".join(os.path.join(sdir, n) for n in sorted(seeds)))
    write_seeds(out, roots)


# fuzz_ext2_write.c's operations, 4 bytes each: the kind (byte % 10: 0 file,
# 1 directory, 2 symlink, 3-4 write, 5 truncate, 6 remove, 7 rename, 8 link,
# 9 sync) and its three arguments. Every kind once or more, writes at each
# edge of the map (the byte's low 3 bits choose the offset, the next's low
# 2 the length), a fast and a slow symlink, then removals and renames.
WRITE_OPS = [
    (1, 0, 4, 0), (0, 0, 0, 0), (0, 0, 4, 0), (2, 0, 4, 0x10), (2, 0, 6, 0x11),
    (3, 0, 0, 0), (3, 1, 1, 1), (3, 2, 2, 2), (3, 3, 3, 0), (3, 4, 4, 1),
    (3, 5, 5, 0), (3, 6, 6, 0), (3, 7, 14, 0), (4, 8, 7, 3), (5, 1, 1, 0),
    (5, 2, 3, 0), (5, 3, 0, 0), (8, 0, 0, 3), (7, 1, 0, 4), (7, 2, 5, 0x80),
    (6, 0, 0, 0), (6, 3, 0, 0), (9, 2, 0, 0), (1, 1, 5, 0), (0, 5, 1, 0),
    (3, 9, 1, 2), (7, 4, 1, 1), (6, 5, 0, 0), (9, 0, 0, 0),
]


def write_seeds(out, roots):
    """fuzz_ext2_write's seeds: byte 0 the image, a device access to fail
    (bits 2-3: 1 a read, 2 a write) and the number of patches (bits 4-7);
    byte 1 which access fails (from the first operation); the patches
    (fuzz_ext2's 5 bytes); the operations. Each image clean, with a
    failing read, with a failing write, with a damaged root, and one block
    short (with map(): bits 2-3 = 3)."""
    ops = b"".join(bytes(op) for op in WRITE_OPS)
    seeds = {}
    for i, root in enumerate(roots):
        seeds[f"w{i}_clean"] = bytes([i, 0]) + ops
        seeds[f"w{i}_eio_read"] = bytes([i | 1 << 2, 40]) + ops
        seeds[f"w{i}_eio_write"] = bytes([i | 2 << 2, 30]) + ops
        seeds[f"w{i}_root"] = bytes([i | 2 << 4, 0, root, 4, 0, 2, 64, root, 40, 0, 3, 20]) + ops
        # s_blocks_count one short (interesting[19]): a device longer than
        # the file system, whose last block a pointer may still name.
        seeds[f"w{i}_short"] = bytes([i | 3 << 2 | 1 << 4, 0, 0, 4, 0, 3, 19]) + ops
    # 1 KiB blocks: group 1's inode table moved onto blocks of group 0
    # that hold another file's data (its descriptor's pointer less 236:
    # two patches), then only creations, which take inodes from group 1:
    # a new inode's slot lands on that file's block. ext2_open() makes such
    # a file system read-only; without that check the oracle sees the
    # block change (check_undamaged()).
    creates = bytes([1, 0, 4, 0, 0, 0, 4, 0] * 8)
    seeds["w0_table_moved"] = bytes([2 << 4, 0, 1, 40, 0, 2, 0x80, 1, 40, 0, 2, 0x94]) + creates
    # 4 KiB blocks: the root directory's size 0 and its first block
    # pointer at block 1, the group descriptors; then operations libFuzzer
    # found: the root's new block is the one its map names, names made
    # there are written over group 1's descriptor, whose block bitmap then
    # hands out a block of /dir/sub, a file the damage did not reach.
    # Writes through a map never land in a group's metadata (not_meta() in
    # ext2_write.c).
    found = bytes.fromhex("88cfa481000000000000d07c086bd07c006bd07c086b00000000000001086bd07c086b000000000000"
                          "0100005d00010400000000000000000000000000000000000000000000000016000000000"
                          "0ffff7e5ca65833aa0000000000000000000000696c650a000000000000d07c086bd07c00")
    seeds["w2_root_on_meta"] = bytes([2 | 2 << 4, 0, roots[2], 4, 0, 3, 0, roots[2], 40, 0, 3, 1]) + found
    sdir = os.path.join(out, "write_seeds")
    shutil.rmtree(sdir, ignore_errors=True)
    os.makedirs(sdir)
    for name, data in seeds.items():
        with open(os.path.join(sdir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "write_seeds.txt"), "w") as f:
        f.write(",".join(os.path.join(sdir, n) for n in sorted(seeds)))


if __name__ == "__main__":
    main()
