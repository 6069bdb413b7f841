#!/usr/bin/env python3
"""Disk tests: build disk images, boot the kernel in QEMU with them, type
`lsblk` and `blk` commands, and check what the kernel says and what it
wrote against the host's own reading of the images.

    blk_test.py --arch A --image IMG --scenario S [--env K=V]... [--bus B]

Scenarios:
  crc       random image of an odd size (8 MiB + 3 blocks): lsblk's size,
            CRC-32 of random ranges (the last block, ranges across 1 MiB
            boundaries) against zlib's, reads past the end refused with
            EINVAL while the shell keeps working; then writes (blk write),
            blk flush and poweroff, after which the host finds exactly the
            written bytes changed in the image.
  readonly  a readonly=on drive: lsblk says ro, writes and flushes are
            refused with EROFS, the image is byte-for-byte unchanged.
  two       two disks (vda, vdb) of different sizes, each read right.
  parts     an MBR disk (two primaries, an extended partition with two
            logical ones) and a GPT disk (two partitions): every partition
            listed with its start and size, CRC-32 through a partition
            equals the host's at that offset. With --tools the tables are
            written by sfdisk (MBR, two logical partitions) and sgdisk (GPT,
            aligned, numbered 1, 2, 5) instead of our own writers, and what
            the kernel lists is checked against `sfdisk -J`'s reading.
  mq        a device with 4 queues on 2 CPUs: lsblk says so, reads are right,
            and after `blk bench` each CPU's queue interrupt ran on that CPU.
  nodisk    no disk: lsblk lists 0 block devices, poweroff is clean.
  ktest     the in-kernel tests with a disk attached (boot with the ktest
            image or APPEND=ktest): the disk ktests run for real.
  tiny      a disk of 0 bytes and one of 1000 (QEMU rounds it up to 2 blocks):
            both listed, every access to the empty one refused with EINVAL,
            the other read right.
  manyparts vda: a GPT with 200 valid entries (of 256); vdb: the MBR disk of
            `parts`. vda keeps partitions 1-128 (each start and size right,
            I/O through vda128), the log says what it skipped in one line
            and "vda: 128 partitions"; vdb and its partitions are registered
            and read right (issue 23: the first disk used to fill the
            64-slot device table and hide the second).
Where the disk sits: --bus pci (virtio-blk-pci on the root bus), rootport
(behind a pcie-root-port: modern-only), mmio (virtio-blk-device, aarch64,
version 2), mmio-legacy (the same as QEMU gives it by default: version 1),
and --devopt adds ",opt" to the virtio-blk device (vectors=0).

    blk_test.py --selftest    checks the host side alone (no QEMU): images,
                              CRCs, and our table writers against sfdisk.
"""
import argparse, hashlib, json, os, random, re, shutil, struct, subprocess, sys, tempfile, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402

BS = 512


def make_random(path, nbytes, rng):
    # Every byte from @rng: an image that repeated itself (it once was one
    # 4 KiB block xored with its index, the same every 1 MiB) would hide a
    # read from the wrong MiB.
    with open(path, "wb") as f:
        for off in range(0, nbytes, 1 << 20):
            f.write(rng.randbytes(min(1 << 20, nbytes - off)))


def mbr_entry(buf, i, ptype, start, n):
    struct.pack_into("<B3xB3xII", buf, 446 + 16 * i, 0, ptype, start, n)


def make_mbr(path, nblocks, rng):
    make_random(path, nblocks * BS, rng)
    with open(path, "r+b") as f:
        mbr = bytearray(f.read(BS))
        for i in range(4):
            mbr_entry(mbr, i, 0, 0, 0)
        mbr_entry(mbr, 0, 0x83, 2048, 4096)
        mbr_entry(mbr, 1, 0x83, 8192, 2000)
        mbr_entry(mbr, 2, 0x05, 12000, 6000)
        mbr[510:512] = b"\x55\xaa"
        f.seek(0)
        f.write(mbr)
        for ebr_at, part, nxt in ((12000, (1, 1000), 2000), (14000, (63, 500), 0)):
            ebr = bytearray(BS)
            mbr_entry(ebr, 0, 0x83, *part)
            if nxt:
                mbr_entry(ebr, 1, 0x05, nxt, 100)
            ebr[510:512] = b"\x55\xaa"
            f.seek(ebr_at * BS)
            f.write(ebr)
    return {1: (2048, 4096), 2: (8192, 2000), 5: (12001, 1000), 6: (14063, 500)}


def make_gpt(path, nblocks, rng, parts=None, nentries=128):
    """A GPT listing @parts ({number: (start, blocks)}) in an array of
    @nentries 128-byte entries; the usable blocks start right after it."""
    make_random(path, nblocks * BS, rng)
    linux = bytes.fromhex("af3dc60f838472478e793d69d8477de4")
    parts = parts or {1: (34, 1000), 3: (4096, 3000)}
    ents = bytearray(nentries * 128)
    ablocks = (len(ents) + BS - 1) // BS
    ents += bytes(ablocks * BS - len(ents))
    for no, (start, n) in parts.items():
        struct.pack_into("<16s16sQQ", ents, (no - 1) * 128, linux, os.urandom(16), start,
                         start + n - 1)

    def header(my, alt, ent_lba):
        h = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, my, alt,
                                  2 + ablocks, nblocks - 2 - ablocks, os.urandom(16), ent_lba,
                                  nentries, 128, zlib.crc32(ents[:nentries * 128])))
        struct.pack_into("<I", h, 16, zlib.crc32(h))
        return bytes(h) + bytes(BS - len(h))
    with open(path, "r+b") as f:
        mbr = bytearray(BS)
        mbr_entry(mbr, 0, 0xEE, 1, min(nblocks - 1, 0xffffffff))
        mbr[510:512] = b"\x55\xaa"
        f.write(mbr)
        f.write(header(1, nblocks - 1, 2))
        f.write(ents)
        f.seek((nblocks - 1 - ablocks) * BS)
        f.write(ents)
        f.seek((nblocks - 1) * BS)
        f.write(header(nblocks - 1, 1, nblocks - 1 - ablocks))
    return parts


# The hostile disk of issue 23: 200 valid entries in a 256-entry GPT, 8
# blocks each. The kernel keeps the first PART_MAX (128) of them.
MANY_BLOCKS, MANY_ENTRIES, MANY_VALID, PART_MAX = 4096, 256, 200, 128


def make_gpt_many(path, rng):
    parts = {i + 1: (100 + 8 * i, 8) for i in range(MANY_VALID)}
    return make_gpt(path, MANY_BLOCKS, rng, parts, MANY_ENTRIES)


def tool_table(path):
    """{number: (start, blocks)} of the data partitions sfdisk reads in @path."""
    t = json.loads(subprocess.run(["sfdisk", "-J", path], check=True, capture_output=True,
                                  text=True).stdout)["partitiontable"]
    parts = {}
    for p in t.get("partitions", []):
        if t["label"] == "dos" and p["type"].lower() in ("5", "f", "85"):
            continue  # an extended partition: a container, not a disk
        parts[int(p["node"][len(path):])] = (p["start"], p["size"])
    return parts


def need_tools():
    missing = [t for t in ("sfdisk", "sgdisk") if not shutil.which(t)]
    if missing:
        sys.exit(f"blk_test: {' and '.join(missing)} not found (scripts/deps installs fdisk, gdisk)")


def make_mbr_tool(path, nblocks, rng):
    make_random(path, nblocks * BS, rng)
    script = ("label: dos\nstart=2048, size=4096, type=83\nstart=8192, size=2000, type=83\n"
              "start=12000, size=7000, type=5\nstart=12100, size=1000, type=83\n"
              "start=13200, size=500, type=83\n")
    subprocess.run(["sfdisk", "-q", path], input=script, text=True, check=True,
                   capture_output=True)
    return tool_table(path)


def make_gpt_tool(path, nblocks, rng):
    make_random(path, nblocks * BS, rng)
    subprocess.run(["sgdisk", "-o", "-n1:2048:+512K", "-n2:0:+1M", "-n5:0:0", path],
                   check=True, capture_output=True)
    return tool_table(path)


def selftest():
    """The host side of the tests, without QEMU: fails loudly on a wrong helper."""
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        n = (8 << 20) + 3 * BS
        make_random(a, n, random.Random(5))
        make_random(b, n, random.Random(5))
        c.check(os.path.getsize(a) == n, "odd-sized image has its size")
        c.check(sha(a) == sha(b), "same seed, same image")
        make_random(b, n, random.Random(6))
        c.check(sha(a) != sha(b), "another seed, another image")
        data = open(a, "rb").read()
        blocks = [data[i:i + 4096] for i in range(0, n - 4095, 4096)]
        c.check(len(set(blocks)) == len(blocks), "no two 4 KiB blocks alike")
        for lba, cnt in ((0, 1), (2047, 2), (n // BS - 1, 1), (4095, 4097)):
            c.check(crc_of(a, lba, cnt) == zlib.crc32(data[lba * BS:(lba + cnt) * BS]),
                    f"crc_of {lba} {cnt}")
        c.check(crc_answers("x\ncrc32 0badcafe\ncrc32 12\n crc32 00000000\n") == ["0badcafe"],
                "crc32 answers parsed")
        rows = lsblk_rows("name blocks\nvda 20000 512 9.7M rw queues 1 depth 128\n"
                          "vda5 1000 512 500K rw queues 1 depth 128 start 12001\n")
        c.check(rows["vda"].group(2) == "20000" and rows["vda5"].group(7) == "12001",
                "lsblk rows parsed")
        if shutil.which("sfdisk"):
            c.check(make_mbr(a, 20000, random.Random(1)) == tool_table(a), "our MBR as sfdisk reads it")
            c.check(make_gpt(b, 10000, random.Random(1)) == tool_table(b), "our GPT as sfdisk reads it")
            c.check(make_gpt_many(b, random.Random(1)) == tool_table(b),
                    "our GPT of 200 entries as sfdisk reads it")
            if shutil.which("sgdisk"):
                t = make_mbr_tool(a, 20000, random.Random(1))
                c.check(t == {1: (2048, 4096), 2: (8192, 2000), 5: (12100, 1000),
                              6: (13200, 500)}, f"sfdisk's MBR {t}")
                t = make_gpt_tool(b, 10000, random.Random(1))
                c.check(sorted(t) == [1, 2, 5] and t[1] == (2048, 1024), f"sgdisk's GPT {t}")
        else:
            print("skip sfdisk/sgdisk checks (not installed)")
    print("PASS" if c.ok else "FAILED")
    return 0 if c.ok else 1


def crc_of(path, lba, count):
    with open(path, "rb") as f:
        f.seek(lba * BS)
        return zlib.crc32(f.read(count * BS))


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def device_args(arch, bus, devopt, n, path, readonly=False, extra=""):
    drive = f"if=none,id=d{n},file={path},format=raw" + (",readonly=on" if readonly else "")
    if bus in ("mmio", "mmio-legacy"):
        dev = f"virtio-blk-device,drive=d{n}"
    elif bus == "rootport":
        root = "pcie.0"
        return ["-drive", drive, "-device", f"pcie-root-port,id=rp{n},bus={root},chassis={n + 1},slot={n + 1}",
                "-device", f"virtio-blk-pci,bus=rp{n},drive=d{n}{devopt}{extra}"]
    else:
        dev = f"virtio-blk-pci,drive=d{n}{devopt}{extra}"
    return ["-drive", drive, "-device", dev]


class Checker:
    def __init__(self):
        self.ok = True

    def check(self, cond, what):
        print(f"{'ok  ' if cond else 'FAIL'} {what}")
        self.ok &= bool(cond)


def lsblk_rows(text):
    rows = {}
    for m in re_iter(r"(?m)^(\w+) +(\d+) +(\d+) +\S+ +(ro|rw) queues (\d+) depth (\d+)(?: start (\d+))?$", text):
        rows[m.group(1)] = m
    return rows


def re_iter(rx, text):
    import re
    return re.finditer(rx, text)


def crc_answers(text):
    import re
    return re.findall(r"(?m)^crc32 ([0-9a-f]{8})$", text)


def smp_of(env):
    for e in env:
        if e.startswith("SMP="):
            return int(e[4:])
    return 1


def check_queue_routes(c, text, smp):
    """`blk bench` from every CPU, then `irqs`: queue q's MSI-X vector is
    routed to CPU q and ran there, for each CPU that sends requests."""
    c.check("bench: blk_rand_read_4k " in text, "random-read bench ran")
    if smp > 1:
        c.check("bench: blk_rand_read_4k_all_cpus " in text, "bench from every CPU ran")
    # "  8195  gicv3-lpi   virtio-pci 00:03.0      1350  0     0"
    rows = re.findall(r"^\s*(\d+)\s+\S.*?\s+virtio-pci \S+\s+(\d+)\s+(\S+)\s+(\S+)\s*$",
                      text, re.M)
    print(f"blk_test: virtio-pci interrupts (irq, count, cpu, last): {rows}")
    c.check(len(rows) == 5, "a config vector and one per queue")
    queues = rows[1:]  # vectors in allocation order: config first
    for q in range(min(smp, 4)):
        ok = q < len(queues) and queues[q][2] == str(q) and queues[q][3] == str(q) \
            and int(queues[q][1]) > 0
        c.check(ok, f"queue {q}: routed to cpu {q}, fired and ran there")


def output_of(text, command):
    """What @command printed: from its line after the prompt to the next prompt."""
    at = text.find(f"> {command}\n")
    if at < 0:
        return ""
    out = text[text.index("\n", at) + 1:]
    m = re.search(r"(?m)^[A-Za-z0-9_-]*> ", out)
    return out[:m.start()] if m else out


def check_manyparts(c, text, rows, many, mbr, img2, expect_crc):
    va, vb = rows.get("vda"), rows.get("vdb")
    c.check(va and int(va.group(2)) == MANY_BLOCKS, "vda is the disk of many partitions")
    c.check(vb and int(vb.group(2)) == 20000, "vdb, the next disk, is registered")
    bad = [no for no in range(1, PART_MAX + 1)
           if not (rows.get(f"vda{no}") and int(rows[f"vda{no}"].group(2)) == many[no][1]
                   and int(rows[f"vda{no}"].group(7) or -1) == many[no][0])]
    c.check(not bad, f"vda1-vda{PART_MAX} listed with their starts and sizes (wrong: {bad[:8]})")
    extra = [n for n in rows if n.startswith("vda") and len(n) > 3 and int(n[3:]) > PART_MAX]
    c.check(not extra, f"no partition past vda{PART_MAX} ({extra[:8]})")
    for no, (start, n) in mbr.items():
        m = rows.get(f"vdb{no}")
        c.check(m and int(m.group(2)) == n and int(m.group(7) or -1) == start,
                f"vdb{no}: {n} blocks from {start}")
    total = 1 + PART_MAX + 1 + len(mbr)
    c.check(re.search(rf"(?m)^{total} block devices$", text), f"{total} block devices")
    dumped = bytes.fromhex("".join(re.findall(r"(?m)^[0-9a-f]{8}: ((?:[0-9a-f]{2} ?){16})  \|",
                                              output_of(text, "blk read vdb 0"))))
    c.check(dumped == open(img2, "rb").read(BS), "blk read vdb 0: block 0 of the image")
    got = crc_answers(text)
    c.check(got == [f"{x:08x}" for x in expect_crc], f"CRCs of vdb5 and vda{PART_MAX} {got}")
    c.check(f"blk: vda{PART_MAX + 1}: no such device (ENODEV)" in text,
            f"vda{PART_MAX + 1} does not exist")
    # What the kernel logged, as dmesg prints it (warnings were on the console too).
    log = output_of(text, "dmesg")
    skipped = MANY_VALID - PART_MAX
    summary = (f"vda: {skipped} partition entries skipped "
               f"({skipped} past the limit of {PART_MAX} per disk)")
    c.check(log.count(summary) == 1, f"one summary line: {summary}")
    vda_lines = [ln for ln in log.splitlines() if re.search(r"\bvda: ", ln)]
    c.check(len(vda_lines) == 3, f"vda: its size, the summary, the count ({len(vda_lines)} lines)")
    c.check(re.search(rf"(?m)\bvda: {PART_MAX} partitions$", log), f"vda: {PART_MAX} partitions")
    c.check(re.search(rf"(?m)\bvdb: {len(mbr)} partitions$", log), f"vdb: {len(mbr)} partitions")
    c.check("not added" not in text and "no room" not in text, "nothing refused for want of room")


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--tools", action="store_true",
                    help="parts: tables written by sfdisk and sgdisk")
    ap.add_argument("--bus", default="pci")
    ap.add_argument("--devopt", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=90)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print(f"blk_test: scenario {a.scenario}, bus {a.bus}, seed {seed}")
    rng = random.Random(seed)
    devopt = "," + a.devopt if a.devopt else ""
    # QEMU's virtio-mmio is version 1 (legacy) unless told otherwise:
    # mmio-legacy leaves it so, the other buses ask for version 2.
    qargs = ["-global", "virtio-mmio.force-legacy=false"] if a.arch == "aarch64" and a.bus != "mmio-legacy" else []
    c = Checker()
    keys = []
    expect_crc = []
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "a.img")
        if a.scenario in ("crc", "readonly", "mq"):
            nblocks = 8 * 2048 + 3
            make_random(img, nblocks * BS, rng)
            ro = a.scenario == "readonly"
            qargs += device_args(a.arch, a.bus, devopt, 0, img, readonly=ro,
                                 extra=",num-queues=4" if a.scenario == "mq" else "")
            keys.append("lsblk")
            ranges = [(nblocks - 1, 1), (2047, 2), (0, 1), (4095, 4097)]
            ranges += [(s, rng.randrange(1, nblocks - s + 1)) for s in
                       (rng.randrange(nblocks) for _ in range(3))]
            for lba, n in ranges:
                keys.append(f"blk crc32 vda {lba} {n}")
                expect_crc.append(crc_of(img, lba, n))
            before = sha(img)
            if a.scenario == "crc":
                keys += [f"blk crc32 vda {nblocks} 1", f"blk read vda {nblocks - 1} 2",
                         "blk crc32 vda 0 1",
                         "blk write vda 100 0xa5 9", f"blk write vda {nblocks - 1} 7",
                         "blk flush vda"]
                expect_crc.append(crc_of(img, 0, 1))
            if ro:
                keys += ["blk write vda 0 1", "blk flush vda"]
            if a.scenario == "mq":
                keys += ["blk bench vda", "irqs"]
        elif a.scenario == "two":
            img2 = os.path.join(tmp, "b.img")
            make_random(img, 4 << 20, rng)
            make_random(img2, 6 << 20, rng)
            qargs += device_args(a.arch, a.bus, devopt, 0, img)
            qargs += device_args(a.arch, a.bus, devopt, 1, img2)
            keys += ["lsblk", "blk crc32 vda 0 8192", "blk crc32 vdb 0 8192"]
        elif a.scenario == "parts":
            img2 = os.path.join(tmp, "b.img")
            if a.tools:
                need_tools()
            mbr = (make_mbr_tool if a.tools else make_mbr)(img, 20000, rng)
            gpt = (make_gpt_tool if a.tools else make_gpt)(img2, 10000, rng)
            print(f"blk_test: MBR partitions {mbr}, GPT partitions {gpt}")
            qargs += device_args(a.arch, a.bus, devopt, 0, img)
            qargs += device_args(a.arch, a.bus, devopt, 1, img2)
            keys.append("lsblk")
        elif a.scenario == "manyparts":
            img2 = os.path.join(tmp, "b.img")
            many = make_gpt_many(img, rng)
            mbr = make_mbr(img2, 20000, rng)
            qargs += device_args(a.arch, a.bus, devopt, 0, img)
            qargs += device_args(a.arch, a.bus, devopt, 1, img2)
            keys += ["lsblk", "blk read vdb 0", "blk crc32 vdb5 0 1000", "blk crc32 vda128 0 8",
                     f"blk read vda{PART_MAX + 1} 0", "dmesg"]
            expect_crc = [crc_of(img2, 12001, 1000), crc_of(img, many[PART_MAX][0], 8)]
        elif a.scenario == "nodisk":
            keys.append("lsblk")
        elif a.scenario == "ktest":
            make_random(img, 8 << 20, rng)
            qargs += device_args(a.arch, a.bus, devopt, 0, img)
        elif a.scenario == "tiny":
            img2 = os.path.join(tmp, "b.img")
            open(img, "wb").close()
            with open(img2, "wb") as f:
                f.write(bytes(rng.getrandbits(8) for _ in range(1000)))
            qargs += device_args(a.arch, a.bus, devopt, 0, img)
            qargs += device_args(a.arch, a.bus, devopt, 1, img2)
            keys += ["lsblk", "blk read vda 0", "blk crc32 vda 0 1", "blk bench vda",
                     "blk crc32 vdb 0 1"]
        else:
            print(f"blk_test: unknown scenario {a.scenario}")
            return 2
        if a.scenario == "parts":
            # Which disk is which is found from lsblk's sizes, then CRCs asked.
            text, status, pending = run_qemu(a.arch, a.image, a.env,
                                             [k.encode() + b"\r" for k in keys + ["poweroff"]],
                                             qargs, a.timeout)
            rows = lsblk_rows(text)
            disk_of = {}
            for name, m in rows.items():
                if name in ("vda", "vdb"):
                    disk_of[int(m.group(2))] = name
            c.check(20000 in disk_of and 10000 in disk_of, f"both disks listed: {sorted(disk_of)}")
            keys2 = []
            exp2 = []
            for table, size, path in ((mbr, 20000, img), (gpt, 10000, img2)):
                d = disk_of.get(size, "vdx")
                for no, (start, n) in table.items():
                    m = rows.get(f"{d}{no}")
                    c.check(m and int(m.group(2)) == n and int(m.group(7) or -1) == start,
                            f"{d}{no}: {n} blocks from {start}")
                    keys2.append(f"blk crc32 {d}{no} 0 {n}")
                    exp2.append(crc_of(path, start, n))
                c.check(not any(k.startswith(d) and len(k) > 3 and int(k[3:]) not in table
                                for k in rows), f"{d}: no other partitions")
            sys.stdout.write(text)
            text2, status, pending = run_qemu(a.arch, a.image, a.env,
                                              [k.encode() + b"\r" for k in keys2 + ["poweroff"]],
                                              qargs, a.timeout)
            sys.stdout.write(text2)
            got = crc_answers(text2)
            c.check(got == [f"{x:08x}" for x in exp2], f"partition CRCs {got}")
            c.check(status == 0, f"clean poweroff (status {status})")
            print("PASS" if c.ok else "FAILED")
            return 0 if c.ok else 1

        typed = [k.encode() + b"\r" for k in keys + ["poweroff"]] if a.scenario != "ktest" else []
        text, status, pending = run_qemu(a.arch, a.image, a.env, typed, qargs, a.timeout)
        sys.stdout.write(text)
        if a.scenario == "ktest":
            import re
            c.check(re.search(r"(?m)^ktest: [1-9][0-9]* passed, 0 failed(, [0-9]+ skipped)?$", text), "ktest: 0 failed")
            c.check(re.search(r"(?m)^ktest virtio_blk_\w+ +ok$", text), "the disk ktests ran")
            c.check("skipped: no virtio disk" not in text, "with the disk")
            c.check(status == 0, f"clean poweroff (status {status})")
            print("PASS" if c.ok else "FAILED")
            return 0 if c.ok else 1
        print("\n---- blk_test checks ----")
        c.check(not pending, f"every command typed (left: {pending})")
        c.check("PANIC" not in text, "no panic")
        c.check(status == 0, f"clean poweroff (status {status})")
        rows = lsblk_rows(text)
        if a.scenario == "nodisk":
            c.check("0 block devices" in text, "no block devices")
        if a.scenario == "manyparts":
            check_manyparts(c, text, rows, many, mbr, img2, expect_crc)
        if a.scenario == "tiny":
            va, vb = rows.get("vda"), rows.get("vdb")
            c.check(va and int(va.group(2)) == 0, "vda: 0 blocks")
            c.check(vb and int(vb.group(2)) == 2, "vdb: 2 blocks")
            c.check(text.count("blk: vda: blocks 0..0 past the end (0 blocks) (EINVAL)") == 2,
                    "reads of the empty disk refused")
            c.check("blk: vda: empty device (EINVAL)" in text, "bench of the empty disk refused")
            data = open(img2, "rb").read()[:512]
            c.check(crc_answers(text) == [f"{zlib.crc32(data):08x}"], "vdb block 0 read right")
        if a.scenario in ("crc", "readonly", "mq"):
            m = rows.get("vda")
            c.check(m and int(m.group(2)) == nblocks and m.group(3) == "512",
                    f"vda has {nblocks} blocks of 512 bytes")
            c.check(m and m.group(4) == ("ro" if a.scenario == "readonly" else "rw"), "mode")
            if a.scenario == "mq":
                c.check(m and m.group(5) == "4", "4 queues")
                check_queue_routes(c, text, smp_of(a.env))
            got = crc_answers(text)
            c.check(got == [f"{x:08x}" for x in expect_crc], f"CRCs {got}")
        if a.scenario == "crc":
            c.check(f"blk: vda: blocks {nblocks}..{nblocks} past the end ({nblocks} blocks) (EINVAL)" in text,
                    "crc32 past the end refused")
            c.check(f"blk: vda: blocks {nblocks - 1}..{nblocks} past the end" in text,
                    "read across the end refused")
            c.check("wrote 9 blocks at 100" in text and "flushed vda" in text, "writes and flush")
            data = bytearray(open(img, "rb").read())
            # Undo what we wrote; the rest must be as it was.
            c.check(data[100 * BS:109 * BS] == b"\xa5" * 9 * BS, "blocks 100-108 hold 0xa5")
            c.check(data[(nblocks - 1) * BS:] == b"\x07" * BS, "the last block holds 7")
            orig = os.path.join(tmp, "orig.img")
            make_random(orig, nblocks * BS, random.Random(seed))
            o = open(orig, "rb").read()
            c.check(data[:100 * BS] == o[:100 * BS] and data[109 * BS:(nblocks - 1) * BS] ==
                    o[109 * BS:(nblocks - 1) * BS], "nothing else changed")
        if a.scenario == "readonly":
            c.check("blk: vda: read-only device (EROFS)" in text, "write refused with EROFS")
            c.check(text.count("(EROFS)") >= 2, "flush refused too")
            c.check(sha(img) == before, "image unchanged")
        if a.scenario == "two":
            c.check(rows.get("vda") and rows.get("vdb"), "vda and vdb listed")
            sizes = sorted(int(m.group(2)) for n, m in rows.items() if n in ("vda", "vdb"))
            c.check(sizes == [8192, 12288], f"sizes {sizes}")
            got = crc_answers(text)
            # Which is which depends on discovery order: match by size.
            want = {}
            for n in ("vda", "vdb"):
                m = rows.get(n)
                if m:
                    want[n] = crc_of(img if int(m.group(2)) == 8192 else img2, 0, 8192)
            c.check(len(got) == 2 and [f"{want.get(n, -1):08x}" for n in ("vda", "vdb")] == got,
                    f"CRCs {got}")
    print("PASS" if c.ok else "FAILED")
    return 0 if c.ok else 1


if __name__ == "__main__":
    sys.exit(main())
