#!/usr/bin/env python3
"""The framebuffer console, judged by a screenshot (issue 44).

Boots the kernel, types commands on the serial console, and takes QEMU's
monitor `screendump` of the screen. The test draws what the serial console
printed for the last command (the prompt and the command echoed, its output,
the prompt again with the cursor after it) with the same PSF font the
kernel is built with (Debian's, read by scripts/psf2c.py's parser), in the
console's colours (light grey on black, the cursor a grey cell), and
compares pixels: those text rows must be on the screen exactly, left-aligned
on a text row, every pixel of them the same, and below them nothing but
background. A screen that is not drawn, drawn late, shifted, in another
font or colour, or with a character wrong fails.

    tests/qemu/screen_test.py --arch x86_64 --image build/x86_64/kernel.iso [--env UEFI=1]
    tests/qemu/screen_test.py --arch aarch64 --image build/aarch64/kernel.bin -- -device ramfb
"""
import gzip, os, re, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from net_pair import Checks, guest_arg_parser, monitor, monitored_guest  # noqa: E402
import psf2c  # noqa: E402

FONT = os.path.join(ROOT, ".deps", "consolefonts", "Uni2-Terminus16.psf.gz")
FG, BG = (170, 170, 170), (0, 0, 0)  # fbcon.c's palette: colour 7 on colour 0


def read_ppm(path):
    """A P6 PPM's width, height and RGB bytes."""
    data = open(path, "rb").read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise ValueError(f"{path}: not an 8-bit P6 PPM")
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h * 3]


def render(lines, cursor, font, width):
    """@lines drawn as the console draws them, each a full text row of
    @width pixels; the cursor as an inverted space at (@cursor) = (col, row)."""
    fw, fh, _, gbytes, glyphs, table = font
    unknown = table.get(ord("?"), 0)
    fg, bg = bytes(FG), bytes(BG)
    rows = []
    for r, text in enumerate(lines):
        cells = [table.get(ord(ch), unknown) for ch in text]
        for y in range(fh):
            px = bytearray()
            for c, g in enumerate(cells + [table.get(32, 0)] * (width // fw - len(cells))):
                bits = glyphs[g * gbytes + y * ((fw + 7) // 8)]
                inv = (c, r) == cursor
                for x in range(fw):
                    on = bool(bits >> (7 - x) & 1) != inv
                    px += fg if on else bg
            px += bg * (width - len(px) // 3)
            rows.append(bytes(px))
    return rows


def find_block(shot, width, height, block, fh):
    """The text rows at which @block (pixel rows) lies in the screenshot."""
    stride = width * 3
    line = [shot[y * stride:(y + 1) * stride] for y in range(height)]
    return [r for r in range(height // fh - len(block) // fh + 1)
            if all(line[r * fh + i] == block[i] for i in range(len(block)))], line


def main():
    ap = guest_arg_parser(__doc__)
    ap.add_argument("qemu_args", nargs="*", help="more QEMU arguments, after --")
    args = ap.parse_args()
    check = Checks()
    if not os.path.exists(FONT):
        print(f"skipped: no {FONT} (scripts/deps run fetches it), so no console on the framebuffer")
        return 77
    font = psf2c.parse(gzip.open(FONT).read())
    with tempfile.TemporaryDirectory() as tmp:
        mon = os.path.join(tmp, "mon.sock")
        g = monitored_guest(args.arch, args.image, args.env, mon, args.qemu_args)
        try:
            check(g.read_until(rb"kernel> ", args.timeout) is not None, "the shell's prompt on the serial console")
            # A command typed at once and one typed after others answer alike:
            # the second is judged, after the screen has scrolled past the first.
            cmds = ["version", "devices", "help", "devices"]
            out = ""
            for cmd in cmds:
                g.type(cmd)
                m = g.read_until(rb"(?s)" + re.escape(cmd.encode()) + rb"\n(|.*?\n)kernel> ", 30)
                check(m is not None, f"`{cmd}` answers on the serial console")
                out = m.group(1).decode("utf-8", "replace") if m else ""
            check(re.search(r"(?m)^  (fb0 +bootfb|ramfb +ramfb|pci [0-9a-f:.]+ +bochs) ", out) is not None,
                  "`devices` lists the screen: the boot framebuffer, ramfb or a Bochs display")
            lines = [f"kernel> {cmds[-1]}"] + out.rstrip("\n").split("\n") + ["kernel> "]
            shot = os.path.join(tmp, "screen.ppm")
            rows, last = [], ""
            for _ in range(10):  # the screen is drawn just after the serial bytes: a moment's grace
                last = monitor(mon, f"screendump {shot}")
                if not os.path.exists(shot):
                    time.sleep(0.5)
                    continue
                width, height, px = read_ppm(shot)
                block = render(lines, (len("kernel> "), len(lines) - 1), font, width)
                rows, line = find_block(px, width, height, block, font[1])
                if len(rows) == 1:
                    break
                time.sleep(0.5)
            check(os.path.exists(shot), "QEMU's screendump wrote the screen" +
                  ("" if os.path.exists(shot) else f": {last.splitlines()[-2:]}"))
            if os.path.exists(shot):
                print(f"screen {width}x{height}: the last {len(lines)} lines at text rows {rows}")
                check(len(rows) == 1, f"the prompt, `{cmds[-1]}` and its output drawn exactly, once "
                      f"({len(lines)} rows of {width // font[0]} cells)")
                if len(rows) == 1:
                    below = line[(rows[0] + len(lines)) * font[1]:]
                    check(all(b == bytes(BG) * width for b in below), "nothing but background below them")
                    # The rows above hold the earlier commands: something is drawn there.
                    above = line[:rows[0] * font[1]]
                    check(any(b != bytes(BG) * width for b in above), "the earlier commands above them")
            g.type("poweroff 7")
            g.read_until(rb"will not appear", 5)
        finally:
            g.close()
    check.end()


if __name__ == "__main__":
    sys.exit(main())
