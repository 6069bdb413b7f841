#!/usr/bin/env python3
"""The ext2 writer judged by e2fsck: seeded random operation sequences on
clean mke2fs images, each result checked with the host's e2fsck -fn.

    ext2_write_fsck.py DRIVER WORKDIR [COUNT]

DRIVER is ext2_write_apply (tests/host/ext2_write_apply.c): it runs
tests/fuzz/fuzz_ext2_write.c's harness on each input file and writes the
image the run leaves. The inputs are fuzz_ext2_write inputs with no patch
and no failed device access: the 1 KiB-block and the 4 KiB-block image of
tests/fuzz/ext2_seeds.py in turn, every other pair with directory blocks
viewed in place (the device's map()), then 32 operations of random bytes
from a fixed seed per sequence (create files, directories and symlinks,
write at the block map's edges, truncate, unlink, rmdir, rename, link,
sync; a mount before, an unmount after). COUNT sequences, 50 by default.

The harness checks on its own what it can without e2fsck (counts against
bitmaps, listings, bytes, nothing else changed; see its comment); e2fsck
-f then checks all of the file system's rules: block and inode bitmaps
against the maps, links against the names, directory structure, sizes
against blocks. Every result must give exit 0. A failure prints the
operations of its sequence (the harness's trace) and e2fsck's report, and
keeps WORKDIR/<n>.in (replay: EXT2_WRITE_TRACE=1 DRIVER WORKDIR/<n>.in
out.img) and WORKDIR/<n>.img.
"""
import os, random, shutil, subprocess, sys, time

OPS, OP_BYTES = 32, 4
IMAGES = (0, 2)  # fuzz_ext2_write's numbers for ext2_seeds.py's "1k" and "4k"
MAPPED = 3 << 2  # flags bits 2-3 = 3: the device has map() and unmap()


def sbin(tool):
    for d in ("/sbin", "/usr/sbin"):
        if os.path.exists(os.path.join(d, tool)):
            return os.path.join(d, tool)
    sys.exit(f"ext2_write_fsck: {tool} not found (Debian package e2fsprogs)")


def traces(text):
    """{input path: its trace lines} from the driver's EXT2_WRITE_TRACE output."""
    out, cur = {}, None
    for line in text.splitlines():
        if line.startswith("== "):
            cur = line[3:]
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    driver, work = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 50
    e2fsck = sbin("e2fsck")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    args, runs = [], []
    for k in range(count):
        rng = random.Random(0xe2f5c + k)
        flags = IMAGES[k % 2] | (MAPPED if k % 4 >= 2 else 0)
        data = bytes([flags, 0]) + bytes(rng.randrange(256) for _ in range(OPS * OP_BYTES))
        inp, img = os.path.join(work, f"{k}.in"), os.path.join(work, f"{k}.img")
        with open(inp, "wb") as f:
            f.write(data)
        args += [inp, img]
        runs.append((k, inp, img))

    t0 = time.monotonic()
    env = dict(os.environ, EXT2_WRITE_TRACE="1")
    drv = subprocess.run([driver, *args], env=env, capture_output=True, text=True)
    trace = traces(drv.stderr)
    if drv.returncode != 0:
        # The harness names the check that failed; the last input traced is its.
        last = list(trace)[-1] if trace else "?"
        print(f"ext2_write_fsck: the harness failed on {last} (exit {drv.returncode}):")
        print("\n".join(trace.get(last, [])) or drv.stderr[-4000:])
        print(drv.stderr[-3000:] if not trace else "")
        return 1
    t1 = time.monotonic()

    failed = 0
    ops_done = 0
    for k, inp, img in runs:
        lines = trace.get(inp, [])
        ops_done += len({ln.split(":")[0] for ln in lines if ln.startswith("  op ")})
        r = subprocess.run([e2fsck, "-fn", img], capture_output=True, text=True)
        if r.returncode != 0:
            failed += 1
            print(f"ext2_write_fsck: sequence {k} ({inp}): e2fsck -fn exit {r.returncode}")
            print("  operations:")
            print("\n".join(lines))
            print("  e2fsck:")
            print(r.stdout + r.stderr)
        else:
            os.remove(img)
    t2 = time.monotonic()
    print(f"ext2_write_fsck: {count} sequences ({ops_done} operations that ran) on the 1k and 4k images: "
          f"{count - failed} clean by e2fsck -fn, {failed} not; writer {t1 - t0:.1f} s, e2fsck {t2 - t1:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
