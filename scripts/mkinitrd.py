#!/usr/bin/env python3
"""Write a newc cpio archive (the initrd) from files given as NAME=PATH.

    mkinitrd.py OUT SPEC [SPEC ...]

A SPEC is one of:
    NAME=PATH             the file PATH as NAME: mode 0755 if PATH is
                          executable, else 0644
    NAME->TARGET          a symbolic link NAME to TARGET
    DIR/*->TARGET@LIST    a symbolic link DIR/<name> to TARGET for each line
                          <name> of the file LIST (busybox's applets)

NAME is the path inside the archive ("hello.ko", "bpf/count.o"); the
directories on the way are added as members first. The format (the "new
ASCII" cpio, magic 070701): a 110-byte header of 13 eight-digit hex fields,
the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes, and a
final member named TRAILER!!!. Timestamps are 0 so the output depends only
on the inputs.
"""
import os
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

    def add(name, mode, data, spec):
        if not name or name.startswith("/"):
            sys.exit(f"mkinitrd: bad argument {spec!r} (want NAME=PATH or NAME->TARGET)")
        parts = name.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.append(d)
        files.append((name, mode, data))

    for spec in specs:
        if "->" in spec and ("=" not in spec or spec.index("->") < spec.index("=")):
            name, _, target = spec.partition("->")
            if name.endswith("/*"):
                target, sep, listfile = target.partition("@")
                if not sep:
                    sys.exit(f"mkinitrd: bad argument {spec!r} (want DIR/*->TARGET@LIST)")
                with open(listfile) as f:
                    for line in f.read().split():
                        add(name[:-1] + line, 0o120777, target.encode(), spec)
            else:
                add(name, 0o120777, target.encode(), spec)
            continue
        name, sep, path = spec.partition("=")
        if not sep:
            sys.exit(f"mkinitrd: bad argument {spec!r} (want NAME=PATH)")
        with open(path, "rb") as f:
            add(name, 0o100755 if os.access(path, os.X_OK) else 0o100644, f.read(), spec)
    blob, ino = b"", 1
    for d in dirs:
        blob += member(ino, d, 0o040755, b"")
        ino += 1
    for name, mode, data in files:
        blob += member(ino, name, mode, data)
        ino += 1
    blob += member(0, "TRAILER!!!", 0, b"")
    blob += b"\0" * (-len(blob) % 512)
    with open(out_path, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
