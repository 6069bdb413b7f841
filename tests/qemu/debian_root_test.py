#!/usr/bin/env python3
"""Debian's own programs on a Debian root file system, judged by Linux.

    debian_root_test.py --arch ARCH --image IMAGE

build/<arch>/debian.img (scripts/mkroot; built here when missing or older
than scripts/mkroot; the -debug build uses the arch's) is the root (root=/dev/vda, attached with
snapshot=on: the image is never written). A second disk made here holds
tests/debian/ (shell.sh: bash's features; coreutils.sh: coreutils,
findutils and tar over a tree; pystd.py: python3's standard library;
run.sh, the driver), a third a small ext2 with damage made by debugfs.
One boot: the kernel shell mounts the second disk and runs run.sh with
Debian's bash, which runs each part and e2fsck -fn on the third disk, the
outputs going to the second disk; then `syscalls`, umount, poweroff. The
outputs, read back with debugfs, must be byte for byte what run.sh gives
on Linux with the same programs: the host's own Debian 12 programs on
x86_64, the image's arm64 programs under qemu-aarch64-static -L on
aarch64 (every program name a host shim that runs the image's program
under qemu-user, as binfmt_misc would). The unimplemented system calls
the programs made (`syscalls`) must be in enosys.py's ALLOWED. riscv64: Debian 12
has no riscv64 archive, so no image: the test is not registered there.
"""
import fcntl, os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import run_qemu  # noqa: E402
from ext2_disks import debugfs, drives, linux_statfs, main, make_disk, sbin  # noqa: E402
from ext2_root_test import boot_args  # noqa: E402
from enosys import check_allowed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "tests", "debian")
PARTS = ("shell", "coreutils", "python", "e2fsck")
ENV = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL": "C", "TZ": "UTC", "HOME": "/"}
def image_for(arch):
    """build/<arch>/debian.img (the arch's, which its -debug build shares),
    made by scripts/mkroot unless it is newer than the script; under a lock,
    as two builds' tests may ask at once."""
    img = os.path.join(ROOT, "build", arch, "debian.img")
    mkroot = os.path.join(ROOT, "scripts", "mkroot")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    with open(img + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(img) or os.path.getmtime(img) < os.path.getmtime(mkroot):
            subprocess.run([mkroot, arch], check=True, cwd=ROOT)
    return img


def damaged_disk(path, tmp):
    """A small ext2 with files, then damage e2fsck must find: an inode
    cleared under its name, a wrong link count, a used block marked free
    and a free one marked used."""
    tree = os.path.join(tmp, "fsck-tree")
    os.makedirs(os.path.join(tree, "dir", "sub"))
    for n in range(6):
        with open(os.path.join(tree, "dir" if n % 2 else "", f"file{n}"), "w") as f:
            f.write(f"file {n}\n" * (n * 300 + 1))
    make_disk(path, 4 << 20, 1024, tree)
    ino = {n: re.search(r"Inode: (\d+)", debugfs(path, f"stat /{'dir/' if n % 2 else ''}file{n}")).group(1)
           for n in (2, 3)}
    blk = debugfs(path, "bmap /file4 0").strip()
    for req in (f"clri <{ino[2]}>", f"sif <{ino[3]}> links_count 3", f"freeb {blk}", "setb 3000"):
        subprocess.run([sbin("debugfs"), "-w", "-R", req, path], check=True, capture_output=True)


def host_env(arch, tree, tmp):
    """The environment run.sh has on the host: the Debian programs of the
    host (x86_64), or shims that run the image's programs (aarch64)."""
    if arch == "x86_64":
        return dict(ENV)
    qemu = shutil.which(f"qemu-{arch}-static")
    if not qemu:
        sys.exit(f"qemu-{arch}-static not found (scripts/deps check installs qemu-user-static)")
    shims = os.path.join(tmp, "shims")
    os.makedirs(shims)
    for d in ("sbin", "bin", "usr/sbin", "usr/bin"):  # later ones win, as PATH's order has it
        for name in os.listdir(os.path.join(tree, d)):
            prog = in_tree(tree, f"/{d}/{name}")
            if not prog:
                continue
            p = os.path.join(shims, name)
            with open(p, "w") as f:
                # argv[0] the name, as a shell's PATH search gives it (busybox
                # picks its applet by it, mawk answers as awk)
                f.write(f"#!/bin/sh\nexec {qemu} -L {tree} -0 {name} {prog} \"$@\"\n")
            os.chmod(p, 0o755)
    return dict(ENV, PATH=shims)


def in_tree(tree, path):
    """The host path of @path inside the root @tree, symbolic links followed
    as the root's own system would (an absolute target, as Debian's
    alternatives are, /usr/bin/awk -> /etc/alternatives/awk -> /usr/bin/mawk,
    names a file of the root, not of the host); None if it leads nowhere."""
    parts, done, hops = [p for p in path.split("/") if p], [], 0
    while parts:
        part = parts.pop(0)
        if part in (".", ""):
            continue
        if part == "..":
            done = done[:-1]
            continue
        here = os.path.join(tree, *done, part)
        if os.path.islink(here):
            hops += 1
            if hops > 40:
                return None
            target = os.readlink(here)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        done.append(part)
    real = os.path.join(tree, *done)
    return real if os.path.exists(real) else None


def guest_tree(tree):
    """The unpacked root mkroot left next to the image."""
    if not os.path.isdir(os.path.join(tree, "usr", "bin")):
        sys.exit(f"{tree}: missing (scripts/mkroot leaves it next to debian.img)")
    return tree


def body(a, tmp, check):
    img = image_for(a.arch)
    tree = guest_tree(os.path.join(os.path.dirname(img), "debian-root"))
    disk_tree = os.path.join(tmp, "disk")
    os.makedirs(os.path.join(disk_tree, "src"))
    for n in ("run.sh", "shell.sh", "coreutils.sh", "pystd.py"):
        shutil.copy(os.path.join(SRC, n), os.path.join(disk_tree, "src", n))
    disk = os.path.join(tmp, "work.img")
    make_disk(disk, 64 << 20, 4096, disk_tree)
    sf = linux_statfs(disk)
    fsck_disk = os.path.join(tmp, "fsck.img")
    damaged_disk(fsck_disk, tmp)
    pristine = os.path.join(tmp, "fsck-pristine.img")
    shutil.copy(fsck_disk, pristine)

    # Linux: the same driver and scripts, in a directory on the file system
    # of the build tree (ext4 as a rule: directories of 4 KiB like ext2's),
    # run while the kernel boots (under qemu-user it takes as long).
    host = tempfile.mkdtemp(prefix="debian_root-", dir=os.path.dirname(img))
    env = host_env(a.arch, tree, tmp)
    bash = "/bin/bash" if a.arch == "x86_64" else os.path.join(env["PATH"], "bash")
    linux = subprocess.Popen([bash, os.path.join(SRC, "run.sh"), SRC, os.path.join(host, "out"), pristine],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        text, status, pending = guest_run(a, img, disk, fsck_disk, tmp)
        print(f"Linux: {linux.communicate(timeout=600)[0].strip()}")
        want = {}
        for p in PARTS:
            with open(os.path.join(host, "out", f"{p}.out"), "rb") as f:
                want[p] = f.read().replace(pristine.encode(), b"DISK")
    finally:
        if linux.poll() is None:
            os.killpg(linux.pid, 9)
            linux.wait()
        shutil.rmtree(host, ignore_errors=True)
    print("\n---- debian_root_test checks ----")
    check(not pending and status == 0, f"every command typed, clean poweroff (left {len(pending)}, status {status})")
    check("PANIC" not in text, "no panic")
    check(re.search(r"(?m)^run\.sh: \d+ lines of output\n\[exit 0\]$", text), "run.sh ran to its end in the kernel")
    out = os.path.join(tmp, "guest")
    os.makedirs(out)
    debugfs(disk, f"rdump /out {out}")
    what = {"shell": "a bash script (pipes, here-docs, traps, $(...), arithmetic, globbing, read, printf, arrays, "
                     "functions, subshells, background jobs and wait, job control with set -m)",
            "coreutils": "coreutils over an ext2 tree (ls -l, stat, sort, sha256sum, cp -a, du, find -newer, "
                         "xargs -P, tar round trips)",
            "python": "python3's json, re, hashlib, os.walk, subprocess pipes, threading, time, tempfile and a "
                      "10,000-line computation",
            "e2fsck": "e2fsck -fn of a damaged ext2 on /dev/vdc: its findings and exit status"}
    for p in PARTS:
        try:
            with open(os.path.join(out, "out", f"{p}.out"), "rb") as f:
                got = f.read().replace(b"/dev/vdc", b"DISK")
        except OSError:
            got = None
        ok = got == want[p]
        check(ok, f"{p}: {what[p]}: byte for byte what Linux prints ({len(want[p])} bytes)")
        if not ok:
            w, g = os.path.join(tmp, f"{p}.linux"), os.path.join(tmp, f"{p}.here")
            with open(w, "wb") as f:
                f.write(want[p])
            with open(g, "wb") as f:
                f.write(got or b"(missing)\n")
            print(subprocess.run(["diff", "-u", w, g], capture_output=True, text=True).stdout)
    check(re.search(rb"\[exit 4\]\n$", want["e2fsck"]), "(on Linux e2fsck -fn finds the damage: exit 4)")
    # Debian's df on the work disk: its size and inode count (what writing
    # does not change) as Linux's statfs gives them for that image.
    df = rf"/dev/vdb +ext2 +{sf['blocks'] * sf['bsize'] // 1024} +{sf['files']} +/mnt"
    check(re.search(rf"(?m)^{df}$", text), f"df: the work disk's size and inodes as on Linux ({df})")
    listing = check_allowed(a.arch, text, check)
    rows = re.findall(r"(?m)^ *(?:\d+|-) +\S", listing)
    # (It stopped at 64 rows once, leaving out the unimplemented ones, listed last.)
    check(len(rows) > 64, f"syscalls lists every call made ({len(rows)} distinct, more than a page of 64)")


def guest_run(a, img, disk, fsck_disk, tmp):
    """The one boot: run.sh in the kernel, then `syscalls`; returns
    run_qemu()'s (text, status, keys left)."""
    guest_env = " ".join(f"{k}={v}" for k, v in ENV.items())
    keys = ["mount /dev/vdb /mnt",
            f"run /usr/bin/env -i {guest_env} /bin/bash /mnt/src/run.sh /mnt/src /mnt/out /dev/vdc",
            "run /bin/df -k --output=source,fstype,size,itotal,target /mnt",
            "syscalls", "umount /mnt", "poweroff"]
    boot, qenv = boot_args(a.arch, a.image, "root=/dev/vda", tmp, 1)
    qargs = ["-drive", f"if=none,id=d0,file={img},format=raw,snapshot=on", "-device", "virtio-blk-pci,drive=d0"]
    qargs += drives([disk, fsck_disk], 1) + ["-m", "1G"]
    text, status, pending = run_qemu(a.arch, boot, qenv, [k.encode() + b"\r" for k in keys], qargs, a.timeout)
    sys.stdout.write(text)
    return text, status, pending


if __name__ == "__main__":
    sys.exit(main(body, "debian_root_test-", 300))
