#!/usr/bin/env python3
"""Boot the kernel with a screen, type commands, and save the screen as a PNG.

    scripts/screenshot.py <aarch64|riscv64|x86_64> <out.png> [command]... [-- qemu args]

The machine is scripts/run's GRAPHIC=1 one (scripts/qemu: the PC's VGA,
ramfb on aarch64, bochs-display on riscv64) without a window; the commands
are typed on the serial console, each after the previous one's prompt, and
QEMU's monitor `screendump` takes the picture. Build first (ninja -C
build/<arch>). docs/img/ holds the pictures docs/running.md shows:

    scripts/screenshot.py x86_64 docs/img/screen-x86_64.png version devices
"""
import os, re, struct, sys, tempfile, time, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
from net_pair import monitor, monitored_guest  # noqa: E402
from screen_test import read_ppm  # noqa: E402


def ppm_to_png(ppm, png):
    """Write the 8-bit P6 PPM @ppm as an RGB PNG @png (no filter, zlib level 9)."""
    w, h, px = read_ppm(ppm)
    raw = b"".join(b"\0" + px[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    with open(png, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return w, h


def main():
    argv = sys.argv[1:]
    qemu_args = []
    if "--" in argv:
        qemu_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    if len(argv) < 2 or argv[0] not in ("aarch64", "riscv64", "x86_64"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    arch, out, cmds = argv[0], argv[1], argv[2:]
    image = os.path.join(ROOT, "build", arch, "kernel.iso" if arch == "x86_64" else "kernel.bin")
    if not os.path.exists(image):
        print(f"scripts/screenshot.py: {image}: no such file (ninja -C build/{arch})", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        mon = os.path.join(tmp, "mon.sock")
        g = monitored_guest(arch, image, ["GRAPHIC=1", "GRAPHIC_UI=none"], mon, qemu_args)
        try:
            if g.read_until(rb"kernel> ", 60) is None:
                print("scripts/screenshot.py: no prompt on the serial console", file=sys.stderr)
                return 1
            for cmd in cmds:
                g.type(cmd)
                if g.read_until(rb"(?s)" + re.escape(cmd.encode()) + rb"\n.*?kernel> ", 60) is None:
                    print(f"scripts/screenshot.py: `{cmd}` gave no prompt back", file=sys.stderr)
                    return 1
            time.sleep(1)  # the console draws at most 25 times a second, from a thread
            ppm = os.path.join(tmp, "screen.ppm")
            said = monitor(mon, f"screendump {ppm}")
            if not os.path.exists(ppm):
                print(f"scripts/screenshot.py: no screendump: {said.strip()}", file=sys.stderr)
                return 1
            w, h = ppm_to_png(ppm, out)
            print(f"{out}: {w}x{h}")
            g.type("poweroff")
            g.read_until(rb"will not appear", 5)
        finally:
            g.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
