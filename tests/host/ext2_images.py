#!/usr/bin/env python3
"""Make ext2 images with the host's mke2fs and check the kernel's reader on them.

    ext2_images.py TEST_EXT2 WORKDIR [BLOCK_SIZE ...]     (default: 1024 4096)

For each block size: a tree from a fixed seed (files of every size class up
to triple indirect blocks, sparse files, one over 4 GiB, fast and slow
symlinks, hard links, a 24-deep directory chain, a 10,000-entry directory),
an image of it by `mke2fs -t ext2 -b BS -d TREE` (Debian 12's defaults for
ext2: sparse_super, large_file, filetype, resize_inode, dir_index,
ext_attr), a manifest of what every path must read as (see test_ext2.c),
then TEST_EXT2 on it. `e2fsck -fn` must call the image clean first, so a
failure is the reader's, not mke2fs's.
"""
import os, random, shutil, subprocess, sys, zlib


def mkfs():
    for d in ("/sbin", "/usr/sbin"):
        if os.path.exists(os.path.join(d, "mke2fs")):
            return d
    sys.exit("ext2_images: mke2fs not found (Debian package e2fsprogs; scripts/deps check)")


def build_tree(root, rng):
    """Files and what the manifest says of them."""
    os.makedirs(root)
    # Sizes around every block-map boundary of 1 KiB and 4 KiB blocks.
    sizes = [0, 1, 59, 60, 1023, 1024, 1025, 4095, 4096, 4097, 12 * 1024, 12 * 1024 + 1,
             12 * 4096 + 1, 268 * 1024 + 1, 300000, 1 << 20]
    for i, n in enumerate(sizes):
        with open(os.path.join(root, f"f{i}_{n}"), "wb") as f:
            f.write(rng.randbytes(n))
    # Sparse: data after a hole deep enough for the triple indirect block
    # with 1 KiB blocks (past 12 + 256 + 65536 blocks), and past 4 GiB.
    for name, at in (("sparse_triple", 70 << 20), ("sparse_over_4g", (5 << 30) + 123)):
        with open(os.path.join(root, name), "wb") as f:
            f.write(b"head")
            f.seek(at)
            f.write(rng.randbytes(5000))
    d = os.path.join(root, "deep")
    for i in range(24):
        d = os.path.join(d, f"level{i}")
    os.makedirs(d)
    with open(os.path.join(d, "bottom"), "wb") as f:
        f.write(b"the bottom of the chain\n")
    big = os.path.join(root, "many")
    os.makedirs(big)
    for i in range(10000):
        with open(os.path.join(big, f"entry-{i:05d}-{rng.randrange(1 << 30):x}"), "wb") as f:
            f.write(b"%d\n" % i)
    os.symlink("f3_60", os.path.join(root, "fast_link"))
    os.symlink("x" * 59, os.path.join(root, "fast_59"))
    long_target = "/" + "/".join("component%02d" % i for i in range(30))
    os.symlink(long_target, os.path.join(root, "slow_link"))
    os.symlink("deep/level0/level1", os.path.join(root, "dir_link"))
    os.link(os.path.join(root, "f5_1024"), os.path.join(root, "hard_link"))
    os.makedirs(os.path.join(root, "empty"))


def manifest(root, out):
    """One line per path (see test_ext2.c)."""
    lines = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "/" if rel == "." else "/" + rel
        extra = 1 if rel == "/" else 0  # mke2fs's lost+found
        lines.append(("d", rel, len(dirnames) + len(filenames) + extra))
        names = dirnames + filenames
        if len(names) > 1000:
            # Every one is counted in the directory's line; a lookup of
            # each costs a scan of the whole directory (no index yet), so
            # 1 in 50 is read back.
            names = sorted(names)[::50]
        for name in names:
            p = os.path.join(dirpath, name)
            r = (rel.rstrip("/") + "/" + name)
            if os.path.islink(p):
                lines.append(("l", r, os.readlink(p)))
            elif os.path.isfile(p) and name.startswith("sparse"):
                # A hole, then 5,000 bytes: the CRC of those, where they are.
                size = os.path.getsize(p)
                with open(p, "rb") as f:
                    f.seek(size - 5000)
                    lines.append(("s", r, f"{size} {size - 5000} {zlib.crc32(f.read()):x}"))
            elif os.path.isfile(p):
                crc = 0
                with open(p, "rb") as f:
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        crc = zlib.crc32(chunk, crc)
                lines.append(("f", r, f"{os.path.getsize(p)} {crc:x}"))
    with open(out, "w") as f:
        for kind, p, rest in lines:
            f.write(f"{kind} {p} {rest}\n")
    return len(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    test, work = sys.argv[1], sys.argv[2]
    sizes = [int(b) for b in sys.argv[3:]] or [1024, 4096]
    sbin = mkfs()
    shutil.rmtree(work, ignore_errors=True)
    tree = os.path.join(work, "tree")
    build_tree(tree, random.Random(20261125))
    status = 0
    for bs in sizes:
        img = os.path.join(work, f"ext2-{bs}.img")
        with open(img, "wb") as f:
            f.truncate(96 << 20)
        env = dict(os.environ, E2FSPROGS_FAKE_TIME="1764000000")
        subprocess.run([os.path.join(sbin, "mke2fs"), "-q", "-F", "-t", "ext2", "-b", str(bs),
                        "-N", "12288", "-E", "root_owner=0:0", "-d", tree, img], check=True, env=env)
        fsck = subprocess.run([os.path.join(sbin, "e2fsck"), "-fn", img], capture_output=True, text=True)
        if fsck.returncode != 0:
            print(fsck.stdout, fsck.stderr)
            sys.exit(f"ext2_images: e2fsck calls mke2fs's image unclean ({bs}-byte blocks)")
        man = img + ".manifest"
        n = manifest(tree, man)
        print(f"ext2_images: {bs}-byte blocks: {n} paths", flush=True)
        r = subprocess.run([test, img, man, "/f15_1048576", "/many"])
        status |= r.returncode
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
