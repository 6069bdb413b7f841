"""What the ext2 QEMU tests share: the host's e2fsprogs, disks made with
them, and the checks' bookkeeping (tests/qemu/ext2_*_test.py).

A test is a function body(args, tmp, check) -> None, run by main(): it
parses --arch, --image and --timeout (and the test's own options), gives a
temporary directory that goes afterwards, and a check(cond, what) that
prints "ok   what" or "FAIL what"; main() prints PASS or FAILED and
returns the exit status.
"""
import argparse, os, shutil, subprocess, sys, tempfile

PART_START = 2048  # sectors: a partition's first, 1 MiB in


def sbin(tool):
    """The path of e2fsprogs' (or fdisk's, gdisk's) @tool."""
    for d in ("/sbin", "/usr/sbin", "/usr/bin"):
        if os.path.exists(os.path.join(d, tool)):
            return os.path.join(d, tool)
    sys.exit(f"ext2 tests: {tool} not found (scripts/deps check installs e2fsprogs, fdisk, gdisk)")


def make_disk(path, size, bs=1024, tree=None, table=None, fs=True):
    """A disk image of @size bytes at @path with an ext2 of @bs-byte blocks
    (from @tree if given; none if not @fs): on the whole disk (@table None)
    or in the one partition of an "mbr" or "gpt" table, from PART_START.
    Returns the file system's size in KiB."""
    with open(path, "wb") as f:
        f.truncate(size)
    offset, size_k = 0, size // 1024
    if table == "mbr":
        subprocess.run([sbin("sfdisk"), "-q", path], input=f"label: dos\nstart={PART_START}, type=83\n",
                       text=True, check=True)
    elif table == "gpt":
        subprocess.run([sbin("sgdisk"), "-o", f"-n1:{PART_START}:0", "-t", "1:8300", path],
                       check=True, capture_output=True)
    if table:
        offset = PART_START * 512
        size_k = (size - offset - (1 << 20)) // 1024  # room for the GPT's backup
    if fs:
        cmd = [sbin("mke2fs"), "-q", "-F", "-t", "ext2", "-b", str(bs)]
        if offset:
            cmd += ["-E", f"offset={offset}"]
        if tree:
            cmd += ["-d", tree]
        subprocess.run(cmd + [path, f"{size_k}k"], check=True)
    return size_k


def partition(disk, size_k, dest):
    """The partition of @disk (from PART_START, @size_k KiB) as a file @dest."""
    with open(disk, "rb") as f, open(dest, "wb") as o:
        f.seek(PART_START * 512)
        o.write(f.read(size_k * 1024))
    return dest


def drives(files, first=0):
    """QEMU arguments for raw images @files on virtio-blk-pci, ids d<first>
    on (vda, vdb, ... in that order). An entry may name a blkdebug source."""
    args = []
    for n, f in enumerate(files, first):
        args += ["-drive", f"if=none,id=d{n},file={f},format=raw", "-device", f"virtio-blk-pci,drive=d{n}"]
    return args


def fsck(image):
    """e2fsck -fn of @image: (exit status, what it printed)."""
    r = subprocess.run([sbin("e2fsck"), "-fn", image], capture_output=True, text=True)
    return r.returncode, r.stdout


def debugfs(image, request, text=True):
    """What debugfs -R @request prints about @image."""
    return subprocess.run([sbin("debugfs"), "-R", request, image], capture_output=True, text=text).stdout


def linux_statfs(image):
    """What Linux's statfs() says of the ext2 in @image (a file system
    image, as mke2fs left it or unmounted cleanly): Debian's kernels mount
    ext2 with the ext4 driver, whose total leaves out the overhead (the
    first data block; in each group holding a superblock copy, the copy,
    the descriptor blocks and the reserved descriptor blocks; in every
    group both bitmaps and the inode table), and whose available count is
    the free one less the root-reserved blocks. Checked against Debian 12's
    6.1 kernel on 1, 2 and 4 KiB blocks, with and without resize_inode
    (docs/user-mode.md, "Files"). Returns blocks, bfree, bavail, files, ffree, bsize."""
    import re
    t = subprocess.run([sbin("dumpe2fs"), "-h", image], capture_output=True, text=True, check=True).stdout

    def g(k, default=None):
        m = re.search(rf"(?m)^{k}:\s+(\d+)", t)
        return int(m.group(1)) if m else default
    blocks, first, bs, bpg = g("Block count"), g("First block"), g("Block size"), g("Blocks per group")
    sparse = "sparse_super" in re.search(r"(?m)^Filesystem features:(.*)$", t).group(1).split()
    groups = (blocks - first + bpg - 1) // bpg
    gdt = (groups * 32 + bs - 1) // bs
    itb = g("Inodes per group") * g("Inode size") // bs

    def has_super(n):  # sparse_super: groups 0, 1 and the powers of 3, 5 and 7
        if n <= 1 or not sparse:
            return True
        for b in (3, 5, 7):
            p = b
            while p < n:
                p *= b
            if p == n:
                return True
        return False
    overhead = first + groups * (2 + itb) + sum(1 + gdt + g("Reserved GDT blocks", 0)
                                               for n in range(groups) if has_super(n))
    free, rsv = g("Free blocks"), g("Reserved block count")
    return dict(blocks=blocks - overhead, bfree=free, bavail=max(free - rsv, 0), files=g("Inode count"),
                ffree=g("Free inodes"), bsize=bs)


def main(body, prefix, timeout=300, options=()):
    """Run test @body with its temporary directory named @prefix; @options
    are (args, kwargs) pairs for argparse. Returns the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--timeout", type=int, default=timeout)
    for args, kwargs in options:
        ap.add_argument(*args, **kwargs)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix=prefix)
    ok = True

    def check(cond, what):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + what)
        ok = ok and bool(cond)

    try:
        body(a, tmp, check)
    finally:
        if getattr(a, "keep", False):
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1
