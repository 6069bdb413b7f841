#!/usr/bin/env python3
"""Seeds for fuzz_partition: the disk shapes of issue 23 and its neighbours.

    partition_seeds.py OUTDIR

Writes one file per shape into OUTDIR, in fuzz_partition.c's input format
(a 4-byte word: zero blocks after the input, 4 KiB blocks, fix the GPT's
CRCs; then the disk's first blocks), and OUTDIR/list, the comma-separated
list that libFuzzer's -seed_inputs=@OUTDIR/list reads. Deterministic: the
same files every build.
"""
import os, struct, sys, zlib

BS = 512
LINUX = bytes.fromhex("af3dc60f838472478e793d69d8477de4")


def word(extra, big=False, fix=False):
    return struct.pack("<I", extra | (0x10000 if big else 0) | (0x20000 if fix else 0))


def entry(buf, off, ptype, start, n):
    struct.pack_into("<B3xB3xII", buf, off + 446, 0, ptype, start, n)


def disk(nblocks):
    return bytearray(nblocks * BS)


def compact(d):
    """The seed of disk @d: its blocks up to the last that is not zeros."""
    used = len(d.rstrip(b"\0")) // BS + 1
    return word(len(d) // BS - used) + bytes(d[:used * BS])


def mbr(d, at, entries, sig=True):
    for i, (t, s, n) in enumerate(entries):
        entry(d, at * BS + 16 * i, t, s, n)
    if sig:
        d[at * BS + 510:at * BS + 512] = b"\x55\xaa"


def chain(d, ext, links):
    """EBRs at ext + rel for each (rel, (lrel, llen), next_rel)."""
    for rel, (lrel, llen), nxt in links:
        ents = [(0x83, lrel, llen)] + ([(0x05, nxt, 100)] if nxt else [])
        mbr(d, ext + rel, ents)


def gpt(nblocks, nentries, parts, tail):
    """A GPT (primary only; the harness fixes its CRCs too) whose array of
    @nentries lies at block 2; @parts {index: (first, last)}. Only the
    first @tail blocks of the disk are in the seed; the rest read as zeros."""
    ablocks = (nentries * 128 + BS - 1) // BS
    d = disk(nblocks)
    mbr(d, 0, [(0xEE, 1, nblocks - 1)])
    ents = bytearray(ablocks * BS)
    for i, (a, b) in parts.items():
        struct.pack_into("<16sQQQQ", ents, i * 128, LINUX, i + 1, 0, a, b)
    d[2 * BS:(2 + ablocks) * BS] = ents
    h = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, 1,
                              nblocks - 1, 2 + ablocks, nblocks - 2 - ablocks, bytes(16), 2,
                              nentries, 128, zlib.crc32(ents[:nentries * 128])))
    struct.pack_into("<I", h, 16, zlib.crc32(h))
    d[BS:BS + len(h)] = h
    return word(nblocks - tail, fix=True) + bytes(d[:tail * BS])


def seeds():
    out = {}
    # A sound MBR: two primaries, an extended partition with two logical ones.
    d = disk(64)
    mbr(d, 0, [(0x83, 2, 8), (0x83, 10, 8), (0x05, 20, 40)])
    chain(d, 20, [(0, (1, 9), 10), (10, (1, 9), 0)])
    out["mbr_logical"] = compact(d)
    # Logical partitions on their own EBR, over the next EBR, over a later one.
    d = disk(64)
    mbr(d, 0, [(0x05, 4, 56)])
    chain(d, 4, [(0, (0, 5), 10), (10, (1, 30), 20), (20, (1, 5), 0)])
    out["ebr_own_and_next"] = compact(d)
    d = disk(64)
    mbr(d, 0, [(0x05, 4, 56)])
    chain(d, 4, [(0, (40, 10), 10), (10, (1, 5), 45), (45, (1, 5), 0)])
    out["ebr_later"] = compact(d)
    # A primary over the first EBR; a chain that loops back.
    d = disk(64)
    mbr(d, 0, [(0x83, 2, 20), (0x05, 10, 40)])
    chain(d, 10, [(0, (1, 5), 0)])
    out["primary_over_ebr"] = compact(d)
    d = disk(64)
    mbr(d, 0, [(0x0f, 4, 56)])
    chain(d, 4, [(0, (1, 5), 10), (10, (1, 5), 10)])
    out["ebr_loop"] = compact(d)
    # A long chain: more EBRs than a disk follows, back to back, each
    # partition 300 blocks past its EBR (beyond the seed's own blocks).
    d = disk(600)
    mbr(d, 0, [(0x05, 1, 599)])
    chain(d, 1, [(i, (300, 1), i + 1 if i < 129 else 0) for i in range(130)])
    out["ebr_long_chain"] = compact(d)
    # GPTs: a sound one, 200 valid entries of 256, a 1 MiB array whose first
    # 300 entries all claim the same blocks, and entries out of range or backwards.
    out["gpt_two"] = gpt(300, 128, {0: (40, 99), 3: (100, 199)}, 34)
    out["gpt_200_of_256"] = gpt(2000, 256, {i: (100 + 8 * i, 107 + 8 * i) for i in range(200)}, 66)
    out["gpt_8192_same"] = gpt(5000, 8192, {i: (3000, 3007) for i in range(300)}, 2 + 75)
    out["gpt_bad_entries"] = gpt(300, 128, {0: (40, 99), 1: (200, 150), 2: (250, 10000),
                                           3: (60, 70)}, 34)
    # A GPT whose array lies in its own usable blocks (first usable 2), with
    # a partition over the array.
    g = bytearray(gpt(300, 128, {0: (40, 99), 1: (10, 20)}, 34))
    struct.pack_into("<Q", g, 4 + BS + 40, 2)
    out["gpt_array_in_usable"] = bytes(g)
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    names = []
    for name, data in seeds().items():
        path = os.path.join(outdir, name)
        with open(path, "wb") as f:
            f.write(bytes(data))
        names.append(path)
    with open(os.path.join(outdir, "list"), "w") as f:
        f.write(",".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
