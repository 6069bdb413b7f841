#!/usr/bin/env python3
"""sync merges the writes of many small files into a few disk requests.

    ext2_merge_test.py --arch ARCH --image IMAGE [--files N]

An empty ext2 of 4 KiB blocks on vda. `run /bin/fsbench files /mnt N`
creates N files of 100 bytes, syncs, stats each, unlinks each and syncs
again. Every file's block is written back by the first sync. The files
are found in the order of the inode table's hash, not the disk's; the
block plug (kernel/block/block.c) holds the writes, sorts them and sends
neighbours as one request. QEMU's own counters (its monitor's
`info blockstats`, typed on -nographic's stdio after Ctrl-A c) then show
the write requests the disk got during the whole boot. With the plug that
is 40 for 2,000 files on each arch; without it, one per file (over 2,000).
The check allows a quarter of N. e2fsck -fn then calls the disk clean.
"""
import os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import drives, fsck, main, make_disk  # noqa: E402


def body(a, tmp, check):
    img = os.path.join(tmp, "vda.img")
    make_disk(img, 64 << 20, 4096)
    prompt = r"(?m)^kernel> \Z"
    keys = [b"mount /dev/vda /mnt\r", f"run /bin/fsbench files /mnt {a.files}\r".encode(),
            (prompt, b"\x01cinfo blockstats\n"),
            (r"wr_operations=\d+", b"\x01c\r"),  # back to the serial line, and a fresh prompt
            b"umount /mnt\r", b"poweroff\r"]
    text, status, pending = run_qemu(a.arch, a.image, [], keys, drives([img]), a.timeout)
    sys.stdout.write(text)
    print("\n---- ext2_merge_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    check(re.search(r"(?m)^bench: fs_create_us \d+ us$", text) and not re.search(r"fsbench: .* failed", text),
          f"fsbench created, stat'ed and removed {a.files} files")
    # vda's line: "d0: ... wr_operations=N ..." (x86_64 also lists "ide1-cd0:", the boot ISO)
    m = re.search(r"(?m)^d0: .*\bwr_operations=(\d+)", text)
    writes = int(m.group(1)) if m else None
    check(writes is not None and 0 < writes < a.files // 4,
          f"the disk got {writes} write requests for {a.files} files' blocks and the metadata "
          f"(fewer than {a.files // 4}: neighbours merged)")
    rc, out = fsck(img)
    check(rc == 0, f"e2fsck -fn calls the disk clean (exit {rc})" + ("" if rc == 0 else "\n" + out))


if __name__ == "__main__":
    sys.exit(main(body, "ext2-merge-", 180, options=[(("--files",), {"type": int, "default": 2000})]))
