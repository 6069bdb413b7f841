#!/usr/bin/env python3
"""A user at Debian's bash on the console, judged by the host's bash.

    debian_login_test.py --arch ARCH --image IMAGE

Boots build/<arch>/debian.img (debian_root_test.py's image_for(): made
once, shared with <arch>.debian_root) as `scripts/run <arch> DEBIAN=1`
does: root=/dev/vda init=/bin/bash, a login shell on the console. Keys
are typed as a user types them: Tab completion of a command name and a
double Tab listing, Up-arrow history recall, `sleep 100` then Ctrl-Z,
`jobs`, `bg`, `fg` then Ctrl-C and `echo $?`, a background job's
`kill %1` and its "Terminated" notice, `read -t 1` and its status.
The host's Debian bash (5.2.15, the image's version) gets the same keys
in a pseudo-terminal of 80 columns with TERM=vt100, which the kernel
gives, both reading the vt100 entry of Debian's terminfo (ncurses-base,
in the image as on the host). The two
transcripts (carriage returns, terminal control sequences and the
terminal's bells and padding taken out, process ids and repeated signal
keys normalised) must be the same line for line, and the lines each
step must show are checked too, with /proc/self/stat's tty_nr and tpgid
and ps's TTY column (the console's, the host's a pty's).
"""
import os, pty, re, select, signal, struct, subprocess, sys, tempfile, termios, fcntl, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_test import ROOT, plain as plain_text  # noqa: E402
from ext2_disks import main  # noqa: E402
from ext2_root_test import boot_args  # noqa: E402
from debian_root_test import image_for  # noqa: E402

PROMPT = r"(?m)^\$ $"
# (keys, what must follow them before the next step; a signal key is
# typed again, at most 4 times, until it does: the job may not be the
# terminal's foreground group yet when it is first typed).
STEPS = [
    (b"PS1='$ '\r", PROMPT),
    (b"echo hi-$((6*7))\r", PROMPT),
    (b"typ\t", r"type$"),                              # Tab: "type", what the matches share
    (b"\t\t", r"type +typeset\s*\n\$ type$"),         # a double Tab: the list, the line kept
    (b"\x15histo\t", r"history $"),                    # Ctrl-U, then Tab completes "history"
    (b"\r", PROMPT),
    (b"\x1b[A\x1b[A\r", PROMPT),                       # Up twice: `echo hi-$((6*7))` again
    (b"sleep 100\r", r"sleep 100\n$"),
    ("sig", b"\x1a", r"Stopped +sleep 100\n\$ $"),
    (b"jobs\r", PROMPT),
    (b"bg\r", PROMPT),
    (b"fg\r", r"(?m)^sleep 100\n$"),
    ("sig", b"\x03", PROMPT),
    (b"echo status $?\r", PROMPT),
    (b"sleep 100 &\r", PROMPT),
    (b"kill %1; sleep 1\r", PROMPT),                    # (see NOTICE)
    (b"echo waited $?\r", PROMPT),
    (b"read -t 1 x; echo read-t $?\r", PROMPT),
    # /proc/<pid>/stat's tty_nr and tpgid (a pipeline's job is the
    # terminal's foreground group), and ps's TTY column from them.
    (b"cat /proc/self/stat | (read p c s pp pg sid tty tp r; echo tty $tty fg $((pg == tp)))\r", PROMPT),
    (b"ps -o tty= -p $$\r", PROMPT),
]
# The terminal's own lines, which the host's (a pseudo-terminal) names otherwise.
TTY = [(r"(?m)^tty \d+ fg 1$", "tty 1281 fg 1"), (r"(?m)^(console|pts/\d+)$", "console")]
# NOTICE: not `kill %1; wait`: bash's `wait` with no operand discards,
# unnotified, the jobs already dead when it starts (jobs.c,
# wait_for_background_pids: mark_dead_jobs_as_notified(1)), so whether the
# notice shows depends on whether the victim died before `wait` began, a
# race on Linux too (the host's bash, after ^Z, bg, `kill %1; wait`, missed
# it 1 time in 3, as the kernel's did). After a foreground command bash
# reports every dead job (wait_for: notify_and_cleanup()), whichever came first.
# What the transcript must hold, whatever the host's says.
WANT = [
    (r"(?m)^\$ echo hi-\$\(\(6\*7\)\)\nhi-42$", "the command ran"),
    (r"(?m)^\$ type\ntype +typeset\n\$ type.*history\n +1  PS1='\$ '\n +2  echo hi-\$\(\(6\*7\)\)\n +3  history$",
     "typ, Tab: `type`; a double Tab lists type and typeset; a Tab completes `history`"),
    (r"(?ms)^hi-42$.*^hi-42\n\$ sleep 100$", "Up twice recalls `echo hi-$((6*7))`, which runs again"),
    (r"(?m)^\$ sleep 100\n\^Z\n\[1\]\+ +Stopped +sleep 100\n\$ jobs\n\[1\]\+ +Stopped +sleep 100$",
     "Ctrl-Z stops the job: ^Z, bash's own newline, the notice; jobs lists it"),
    (r"(?m)^\$ bg\n\[1\]\+ sleep 100 &\n\$ fg\nsleep 100\n\^C\n\$ echo status \$\?\nstatus 130$",
     "bg, fg, then Ctrl-C: ^C and bash's newline, status 130"),
    (r"(?m)^\$ sleep 100 &\n\[1\] PID\n\$ kill %1; sleep 1\n\[1\]\+ +Terminated +sleep 100\n\$ echo waited \$\?\n"
     r"waited 0$", "kill %1 of a background job: the Terminated notice once the next command ends"),
    (r"(?m)^\$ read -t 1 x; echo read-t \$\?\nread-t 142$",
     "read -t 1 times out: status 142"),
]


def plain(raw):
    """What a reader sees (qemu_test.plain()), the bell taken out too."""
    return plain_text(raw).replace("\x07", "").replace("\x00", "")


def normalise(text):
    """Lines from the one after `PS1='$ '` on, process ids and retyped
    signal keys made alike."""
    if "PS1='$ '" in text:
        text = text[text.find("\n", text.find("PS1='$ '")) + 1:]
    text = re.sub(r"(?m)^\[(\d+)\] \d+$", r"[\1] PID", text)
    text = re.sub(r"(\^[CZ])+", r"\1", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip() + "\n"


class Session:
    """Keys to a terminal, its output read back; @fd_in/@fd_out are the
    ends to write and read."""

    def __init__(self, fd_in, fd_out, deadline):
        self.fd_in, self.fd_out, self.out, self.deadline = fd_in, fd_out, b"", deadline

    def wait(self, rx, mark, t):
        end = min(time.monotonic() + t, self.deadline)
        while time.monotonic() < end:
            if re.search(rx, plain(self.out[mark:])):
                return True
            r, _, _ = select.select([self.fd_out], [], [], 0.1)
            if r:
                try:
                    d = os.read(self.fd_out, 65536)
                except OSError:
                    return False
                if not d:
                    return False
                self.out += d
        return bool(re.search(rx, plain(self.out[mark:])))

    def type(self, keys):
        for b in keys:  # one byte at a time, as typed
            os.write(self.fd_in, bytes([b]))
            time.sleep(0.01)

    def steps(self, steps):
        """Each step's keys once the previous step's output came; the keys
        left undone when one never came (empty: all done)."""
        for i, step in enumerate(steps):
            mark = len(self.out)
            if step[0] == "sig":
                _, keys, rx = step
                time.sleep(0.5)
                for _ in range(4):
                    self.type(keys)
                    if self.wait(rx, mark, 5):
                        break
                else:
                    return steps[i:]
            else:
                keys, rx = step
                self.type(keys)
                if not self.wait(rx, mark, 30):
                    return steps[i:]
            time.sleep(0.1)  # let notices that would come after, come
        return []


def host_run(home, deadline):
    """The host's bash in a pseudo-terminal: (transcript, steps left)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve("/bin/bash", ["bash", "--norc", "--noprofile", "-i"],
                  {"HOME": home, "TERM": "vt100", "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                   "PS1": "host$ "})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    s = Session(fd, fd, deadline)
    try:
        s.wait(r"host\$ $", 0, 10)
        left = s.steps(STEPS)
        s.type(b"exit\r")
        s.wait(r"$^", len(s.out), 1)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    return plain(s.out), left


def guest_run(a, img, tmp, deadline):
    """One boot: the keys at Debian's bash, then Ctrl-] and the kernel
    shell's poweroff. (transcript, steps left, QEMU's status)."""
    boot, qenv = boot_args(a.arch, a.image, "root=/dev/vda init=/bin/bash -- -l", tmp, 1)
    env = dict(os.environ)
    for kv in qenv:
        k, _, v = kv.partition("=")
        env[k] = v
    cmd = [os.path.join(ROOT, "scripts", "qemu"), a.arch, boot,
           "-drive", f"if=none,id=d0,file={img},format=raw,snapshot=on", "-device", "virtio-blk-pci,drive=d0"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=env, start_new_session=True)
    s = Session(p.stdin.fileno(), p.stdout.fileno(), deadline)
    status, left, end_of_bash = None, STEPS, None
    try:
        t0 = time.monotonic()
        if s.wait(r"(?m)^root@kernel:/# $", 0, deadline - time.monotonic()):
            print(f"bash's prompt {time.monotonic() - t0:.1f} s after QEMU started")
            left = s.steps(STEPS)
        end_of_bash = len(s.out)
        s.type(b"\x1d")
        if s.wait(r"(?m)^kernel> $", len(s.out), 10):
            s.type(b"poweroff\r")
            end = min(time.monotonic() + 20, deadline)
            while time.monotonic() < end and p.poll() is None:
                s.wait(r"$^", len(s.out), 0.5)
            status = p.poll()
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    sys.stdout.write(plain(s.out))
    return plain(s.out[:end_of_bash]), left, status


def body(a, tmp, check):
    img = image_for(a.arch)
    deadline = time.monotonic() + a.timeout
    host, host_left = host_run(tempfile.mkdtemp(dir=tmp), deadline)
    text, left, status = guest_run(a, img, tmp, deadline)
    print("\n---- debian_login_test checks ----")
    check(not left and status == 0, f"every step's keys typed and answered, clean poweroff "
                                    f"(left {len(left)}: {left[0] if left else ''}; status {status})")
    check(not host_left, f"(the host's bash answered every step: left {len(host_left)})")
    check("PANIC" not in text, "no panic")
    want, got = normalise(host), normalise(text[text.rfind("root@kernel:/# PS1"):])
    for rx, what in WANT:
        check(re.search(rx, got), what)
        check(re.search(rx, want), f"(on Linux too: {what})")
    check(re.search(r"(?m)^tty 1281 fg 1\n\$ ps -o tty= -p \$\$\nconsole$", got),
          "/proc/self/stat: tty_nr 1281, the console (5, 1); tpgid the pipeline's group; ps's TTY: console")
    check(re.search(r"(?m)^tty [1-9]\d* fg 1\n\$ ps -o tty= -p \$\$\npts/\d+$", want),
          "(on Linux: a terminal's number, tpgid the pipeline's group; ps's TTY pts/N)")
    for rx, here in TTY:  # checked above: the rest must be the same
        got, want = re.sub(rx, here, got), re.sub(rx, here, want)
    check(got == want, "the transcript is line for line the host's bash's")
    if got != want:
        for name, t in (("linux", want), ("here", got)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(t)
        print(subprocess.run(["diff", "-au", os.path.join(tmp, "linux"), os.path.join(tmp, "here")],
                             capture_output=True, text=True).stdout)


if __name__ == "__main__":
    sys.exit(main(body, "debian_login_test-", 120))
