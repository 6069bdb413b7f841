"""Debian's Linux as a benchmark peer in the same QEMU (scripts/bench-blk, scripts/bench-smp,
scripts/bench-user, scripts/bench-ext2).

Debian 12's kernel (linux-image-6.1.0-*-amd64 / -arm64) and busybox-static
are fetched once with `apt-get download` into build/peer/ (the arm64 ones
after `dpkg --add-architecture arm64`); nothing comes from anywhere but
Debian's archive, and nothing is installed. The guest boots from a tiny
initramfs: busybox, the virtio modules the disk needs (and any more a
caller names, such as ext4 for scripts/bench-ext2), our
tests/peer/aio_randread.c (built here with clang for the guest's arch, no
libc), and an /init made of INIT_HEAD and the caller's script. Needs root for
apt (or the packages already in build/peer/).
"""
import glob, lzma, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "build", "peer")
DEB_ARCH = {"aarch64": "arm64", "x86_64": "amd64"}
MODULES = ["virtio_pci", "virtio_blk"]  # and what they depend on
MEM = "512M"

# Mounts, the disk's modules, and a wait for /dev/vda; the caller's script follows.
INIT_HEAD = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /bin /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in @MODULES@; do [ -f /lib/$m.ko ] && insmod /lib/$m.ko; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"""


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def fetch(arch):
    """The Debian kernel and busybox for @arch, unpacked; returns the unpack dir."""
    da = DEB_ARCH[arch]
    out = os.path.join(PEER, da)
    if glob.glob(os.path.join(out, "boot", "vmlinuz-*")) and os.path.exists(
            os.path.join(out, "bin", "busybox")):
        return out
    os.makedirs(out, exist_ok=True)
    suffix = "" if da == "amd64" else ":" + da
    if da == "arm64" and "arm64" not in sh("dpkg", "--print-foreign-architectures").split():
        sh("dpkg", "--add-architecture", "arm64")
        sh("apt-get", "update", "-qq")
    deps = sh("apt-cache", "depends", f"linux-image-{da}{suffix}")
    m = re.search(r"Depends: (linux-image-[0-9][^\s:]*)", deps)
    if not m:
        sys.exit(f"linux_peer: no Debian kernel package found for {da} (apt-get update?)")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)  # apt's _apt user writes there
        sh("apt-get", "download", m.group(1) + suffix, "busybox-static" + suffix, cwd=tmp)
        for deb in glob.glob(os.path.join(tmp, "*.deb")):
            sh("dpkg-deb", "-x", deb, out)
    return out


def cpio_newc(entries):
    """A newc cpio archive of (name, mode, data) entries."""
    out = bytearray()
    ino = 1
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr.encode() + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
        ino += 1
    return bytes(out)


def build_randread(arch):
    """tests/peer/aio_randread.c for @arch's Linux, or None (then no random figure)."""
    src = os.path.join(ROOT, "tests", "peer", "aio_randread.c")
    exe = os.path.join(PEER, f"aio_randread-{arch}")
    try:
        sh("clang", f"--target={arch}-linux-gnu", f"-DPEER_{arch.upper()}",
           "-O2", "-Wall", "-Werror", "-static",
           "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-fno-pic",
           "-fuse-ld=lld", "-o", exe, src)
    except subprocess.CalledProcessError as e:
        print(f"linux_peer: could not build {src} for {arch}, no Linux random-read figure:\n"
              f"{e.stderr}")
        return None
    return exe


def initramfs(arch, tree, script, name, files=(), modules=()):
    """build/peer/<name>-<arch>.cpio whose /init is INIT_HEAD then @script;
    @files: more (path in the guest, file here) executables; @modules: more
    modules than MODULES' to load, with what their depends= field names
    (ext4: jbd2, mbcache, crc16; not what they ask for at run time, such as
    ext4's crc32c: name that too)."""
    path = os.path.join(PEER, f"{name}-{arch}.cpio")
    mods = glob.glob(os.path.join(tree, "lib", "modules", "*"))[0]
    entries = [("bin", 0o40755, b""), ("lib", 0o40755, b""),
               ("bin/busybox", 0o100755, open(os.path.join(tree, "bin", "busybox"), "rb").read())]
    order = []

    def need(m):  # dependencies first, from each module's own "depends=" field
        if m in order:
            return
        hits = glob.glob(os.path.join(mods, "kernel", "**", m + ".ko*"), recursive=True)
        if not hits:
            return  # built in
        data = open(hits[0], "rb").read()
        if hits[0].endswith(".xz"):
            data = lzma.decompress(data)
        dep = re.search(rb"depends=([^\0]*)\0", data)
        for d in (dep.group(1).decode().split(",") if dep and dep.group(1) else []):
            need(d)
        order.append(m)
        entries.append((f"lib/{m}.ko", 0o100644, data))
    for m in MODULES + list(modules):
        need(m)
    rr = build_randread(arch)
    if rr:
        entries.append(("bin/aio_randread", 0o100755, open(rr, "rb").read()))
    for guest, here in files:
        entries.append((guest, 0o100755, open(here, "rb").read()))
    init = INIT_HEAD.replace("@MODULES@", " ".join(order)) + script
    entries.append(("init", 0o100755, init.encode()))
    open(path, "wb").write(cpio_newc(entries))
    return path


def disk():
    """build/peer/disk.img: 64 MiB of random bytes, made once (whole, under
    its name by a rename: tests running side by side each boot a peer)."""
    path = os.path.join(PEER, "disk.img")
    if not os.path.exists(path) or os.path.getsize(path) != 64 << 20:
        os.makedirs(PEER, exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(os.urandom(64 << 20))
        os.replace(tmp, path)
    return path


def boot_cmd(arch, tree, initrd, img, smp=1, extra=(), readonly=True):
    """The QEMU command line boot() runs (for a caller that drives the console)."""
    vmlinuz = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))[0]
    ro = ",readonly=on" if readonly else ""
    drive = ["-drive", f"if=none,id=d0,file={img},format=raw{ro}",
             "-device", "virtio-blk-pci,drive=d0"]
    accel = ["-accel", "tcg"] if smp == 1 else ["-accel", "tcg,thread=multi", "-smp", str(smp)]
    if arch == "aarch64":
        cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72",
               "-append", "console=ttyAMA0 quiet"]
    else:
        cmd = ["qemu-system-x86_64", "-M", "q35", "-append", "console=ttyS0 quiet"]
    return cmd + accel + ["-m", MEM, "-nographic", "-no-reboot", "-nic", "none", "-kernel", vmlinuz,
                          "-initrd", initrd] + drive + list(extra)


def boot(arch, tree, initrd, img, smp=1, timeout=300, extra=(), readonly=True):
    """Boot Debian's kernel with @initrd and @img on virtio-blk-pci (read-only
    unless @readonly is false) in the QEMU configuration scripts/qemu gives this
    kernel (TCG, multi-threaded with @smp > 1; @extra: more QEMU arguments);
    returns what the console printed."""
    cmd = boot_cmd(arch, tree, initrd, img, smp, extra, readonly)
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL).stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        return out.decode("utf-8", "replace") if isinstance(out, bytes) else out


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else 0


if __name__ == "__main__":
    # scripts/deps check: the peer the networking tests judge our TCP with
    # (tests/qemu/net_pair.py), fetched once into build/peer/.
    for a in sys.argv[1:] or ["x86_64", "aarch64"]:
        print(f"deps: Debian's Linux for {a} in {fetch(a)}")
