"""The kernel's side of the suites that run a list of programs through
tests/posix/runner.c from an ext2 disk (the Open POSIX suite,
tests/posix/posix_suite.py, and bash's, tests/bash/bash_suite.py): boots
under scripts/qemu, the disk mounted read-only on /mnt, the runner started
in the kernel shell and followed by its START, RESULT, "| " and DONE lines;
a test that hangs the kernel (no line for its limit plus 60 s, a panic,
QEMU's end) is HUNG, QEMU is killed and a new boot carries on after it
(runner -s).
"""
import os, re, select, signal, subprocess, time

import qemu_test
from ext2_disks import drives

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = re.compile(r"(?m)^[A-Za-z0-9_-]*> $")


class Boot:
    """One boot of the kernel with the tests' disk, the runner driven line by line."""

    def __init__(self, arch, image, env_kv, disk):
        env = dict(os.environ)
        env.setdefault("MEM", "512M")
        for kv in env_kv:
            k, _, v = kv.partition("=")
            env[k] = v
        cmd = [os.path.join(ROOT, "scripts", "qemu"), arch, image] + drives([disk])
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.buf = b""
        self.ended = False
        self.log = []  # every line, for the report of a trouble

    def lines(self, timeout):
        """The complete lines that arrive within @timeout seconds (at least
        one if any comes), and whether a prompt is pending at the end."""
        got = []
        deadline = time.monotonic() + timeout
        while not got and not self.ended:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                break
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                self.ended = True
                break
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                got.append(qemu_test.plain(line))
        self.log += got
        self.log = self.log[-200:]
        return got, bool(PROMPT.search(qemu_test.plain(self.buf)))

    def wait_prompt(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ended:
            got, prompt = self.lines(min(1, deadline - time.monotonic()))
            if any("PANIC" in l for l in got):
                return False
            if prompt:
                return True
        return False

    def type(self, text):
        self.p.stdin.write(text.encode() + b"\r")
        self.p.stdin.flush()

    def close(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait()


def kernel_run(a, names, limits, disk, say, suite, runner, flags, listing, workdir, where,
               max_boots, idle, give_up, whole, at_end=None):
    """({name: raw result}, {name: output lines}) of @names in the kernel.

    @a: the suite's arguments (arch, image, env, boot_timeout); @limits:
    each test's seconds; @say(name, result) as each ends; @suite names the
    suite in messages. The runner: `run RUNNER FLAGS -s N -d WORKDIR
    LISTING`, whose lines name a test by its path, @where followed by the
    name. A kernel that says nothing for a test's limit (@idle between
    tests) plus 60 s is taken for hung; at most @max_boots boots; no result
    after @give_up boots ends the run. An output line ("| " after a
    RESULT) belongs to the test of that RESULT; with @whole (the runner's
    -a: every test's whole output) its empty lines are kept too.
    @at_end(boot), if given, runs at the shell's prompt after the last test.
    """
    results, outputs = {}, {}
    index = {n: i for i, n in enumerate(names)}
    start = re.compile(r"START (\d+) " + re.escape(where) + r"(\S+)$")
    result = re.compile(r"RESULT " + re.escape(where) + r"(\S+) (.*)$")
    nxt, boots = 0, 0
    while nxt < len(names):
        boots += 1
        if boots > max_boots:
            for n in names[nxt:]:
                results[n] = "hung (not run: too many boots)"
            break
        b = Boot(a.arch, a.image, a.env, disk)
        current = None
        try:
            if not b.wait_prompt(a.boot_timeout):
                raise RuntimeError("no shell prompt")
            for cmd in ("mkdir /mnt", "mount -r /dev/vda /mnt"):
                b.type(cmd)
                if not b.wait_prompt(60):
                    raise RuntimeError(f"no prompt after {cmd}")
                if any(l.startswith("mount:") for l in b.log[-3:]):
                    raise SystemExit(f"{suite}: the kernel does not mount the tests' disk:\n"
                                     + "\n".join(b.log[-10:]))
            b.type(f"run {runner} {flags} -s {nxt} -d {workdir} {listing}")
            last, out = time.monotonic(), None
            while True:
                limit = (limits[names[current]] if current is not None else idle) + 60
                got, prompt = b.lines(5)
                if got:
                    last = time.monotonic()
                for l in got:
                    m = start.match(l)
                    if m:
                        current, out = index[m.group(2)], None
                        continue
                    m = result.match(l)
                    if m:
                        results[m.group(1)] = m.group(2)
                        out = outputs[m.group(1)] = []
                        say(m.group(1), m.group(2))
                        nxt = index[m.group(1)] + 1
                        current = None
                        continue
                    if out is not None and (l.startswith("| ") or (whole and l == "|")):
                        out.append(l[2:])
                    if l.startswith("run: ") and current is None:
                        raise SystemExit(f"{suite}: the kernel does not run the runner:\n"
                                         + "\n".join(b.log[-10:]))
                    if "PANIC" in l:
                        raise RuntimeError("panic")
                if any(l.startswith("DONE ") for l in got) or (prompt and nxt >= len(names)):
                    if at_end:
                        b.wait_prompt(30)
                        at_end(b)
                    return results, outputs
                if b.ended:
                    raise RuntimeError("QEMU ended")
                if prompt and current is None and not got:
                    raise RuntimeError("the runner ended early")
                if time.monotonic() - last > limit:
                    raise RuntimeError(f"nothing for {limit}s")
        except RuntimeError as e:
            why = str(e)
            if current is not None:
                n = names[current]
                results[n] = "hung (" + why + ")" if why != "panic" else "panic"
                say(n, results[n])
                outputs[n] = b.log[-30:]
                nxt = current + 1
            elif nxt < len(names) and boots > give_up and not results:
                raise SystemExit(f"{suite}: the kernel does not run the runner: " + why + "\n"
                                 + "\n".join(b.log[-40:]))
        finally:
            b.close()
    return results, outputs
