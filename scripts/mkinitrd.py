#!/usr/bin/env python3
"""Write a newc cpio archive (the initrd) from files given as NAME=PATH.

    mkinitrd.py OUT NAME=PATH [NAME=PATH ...]

NAME is the path inside the archive ("hello.ko", "bpf/count.o"); the
directories on the way are added as members first. The format (the "new
ASCII" cpio, magic 070701): a 110-byte header of 13 eight-digit hex fields,
the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes, and a
final member named TRAILER!!!. Timestamps are 0 so the output depends only
on the inputs.
"""
import sys


def member(ino, name, mode, data):
    nameb = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nameb), 0]
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    out = hdr + nameb
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_path, specs = sys.argv[1], sys.argv[2:]
    files, dirs = [], []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or name.startswith("/"):
            sys.exit(f"mkinitrd: bad argument {spec!r} (want NAME=PATH)")
        parts = name.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.append(d)
        with open(path, "rb") as f:
            files.append((name, f.read()))
    blob, ino = b"", 1
    for d in dirs:
        blob += member(ino, d, 0o040755, b"")
        ino += 1
    for name, data in files:
        blob += member(ino, name, 0o100644, data)
        ino += 1
    blob += member(0, "TRAILER!!!", 0, b"")
    blob += b"\0" * (-len(blob) % 512)
    with open(out_path, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
