#!/usr/bin/env python3
"""The keyboard as console input (issue 44): keys sent with QEMU's monitor
`sendkey` reach the kernel shell as a terminal's bytes.

    tests/qemu/keyboard_test.py --arch x86_64 --image build/x86_64/kernel.iso
    tests/qemu/keyboard_test.py --arch aarch64 --image build/aarch64/kernel.bin \
        --driver virtio-input -- -device virtio-keyboard-pci

Typed on the keyboard alone, judged on the serial console: a command runs
(`version`); Shift and the symbols of the US layout make the line the shell
echoes and names as unknown; the up arrow recalls that line (the line
editor's history, through the ESC [ A the key sends) and Enter runs it
again; Ctrl-C stops a running `sleep` at once; Caps Lock turns letters to
capitals and back. A key that reached nothing, or the wrong byte, shows in
the echo.
"""
import os, re, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from net_pair import Checks, guest_arg_parser, monitor, monitored_guest  # noqa: E402

# QEMU's key names for what is not a lowercase letter or a digit.
NAMES = {" ": "spc", "-": "minus", "=": "equal", "/": "slash", ".": "dot", ",": "comma",
         ";": "semicolon", "'": "apostrophe", "[": "bracket_left", "]": "bracket_right",
         "\\": "backslash", "`": "grave_accent"}
SHIFTED = {"_": "-", "+": "=", "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6",
           "&": "7", "*": "8", "(": "9", ")": "0", "?": "/", ">": ".", "<": ",", ":": ";",
           '"': "'", "{": "[", "}": "]", "|": "\\", "~": "`"}


def keys_for(text):
    """QEMU sendkey names typing @text on a US keyboard."""
    out = []
    for ch in text:
        if ch.isupper():
            out.append("shift-" + ch.lower())
        elif ch in SHIFTED:
            base = SHIFTED[ch]
            out.append("shift-" + NAMES.get(base, base))
        else:
            out.append(NAMES.get(ch, ch))
    return out


def main():
    ap = guest_arg_parser(__doc__)
    ap.add_argument("--driver", default="i8042", help="the keyboard's driver as `devices` names it")
    ap.add_argument("qemu_args", nargs="*", help="more QEMU arguments, after --")
    args = ap.parse_args()
    check = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        mon = os.path.join(tmp, "mon.sock")
        g = monitored_guest(args.arch, args.image, args.env, mon, args.qemu_args)

        def press(*names):
            for n in names:
                monitor(mon, f"sendkey {n}")

        try:
            check(g.read_until(rb"kernel> ", args.timeout) is not None, "the shell's prompt")
            # The keyboard is found after the prompt (the probe thread): wait for it.
            g.type("devices")
            check(g.read_until(rb"(?m)^  .+ +" + re.escape(args.driver.encode()) + rb" ", 30) is not None,
                  f"`devices` lists the keyboard ({args.driver})")
            g.read_until(rb"kernel> ", 10)
            press(*keys_for("version"), "ret")
            check(g.read_until(rb"version\nkernel [0-9.]+ \(", 30) is not None,
                  "`version` typed on the keyboard runs")
            line = "Abc-_=+!@#$%^&*()?/.,:;[]{}|~`\\"  # no quotes: the shell would parse them
            press(*keys_for(line), "ret")
            m = g.read_until(rb"(?m)^([^\n]*): unknown command", 30)
            got = m.group(1).decode("utf-8", "replace") if m else None
            check(got == line, f"Shift and the symbols: the shell got {got!r}, typed {line!r}")
            press("up", "ret")
            m2 = g.read_until(rb"(?m)^([^\n]*): unknown command", 30)
            got2 = m2.group(1).decode("utf-8", "replace") if m2 else None
            check(got2 == line, f"the up arrow recalls the line and Enter runs it again ({got2!r})")
            press(*keys_for("sleep 100000"), "ret")
            check(g.read_until(rb"kernel> sleep 100000\n", 30) is not None, "`sleep 100000` typed")
            time.sleep(1)
            start = time.monotonic()
            press("ctrl-c")
            check(g.read_until(rb"\^C\n(?:.*\n)?kernel> ", 20) is not None and time.monotonic() - start < 20,
                  "Ctrl-C from the keyboard stops it")
            press("caps_lock", *keys_for("xy"), "caps_lock", *keys_for("z"), "ret")
            m3 = g.read_until(rb"(?m)^([^\n]*): unknown command", 30)
            got3 = m3.group(1).decode("utf-8", "replace") if m3 else None
            check(got3 == "XYz", f"Caps Lock on for two letters, then off ({got3!r})")
            g.type("poweroff 7")
            g.read_until(rb"will not appear", 5)
        finally:
            g.close()
            if check.fails:
                print("---- serial console ----\n" + g.log.decode("utf-8", "replace")[-3000:])
    check.end()


if __name__ == "__main__":
    sys.exit(main())
