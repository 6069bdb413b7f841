#!/usr/bin/env python3
"""Two guests on one QEMU socket network: ours and Debian's Linux, or two of
either, for the networking tests and benchmarks (issue 43).

The network is QEMU's own `-netdev socket`: frames go between the two
QEMUs over one TCP connection on 127.0.0.1 and nowhere else. This script
makes that connection and hands each QEMU its end (`fd=`) with
TCP_NODELAY set, which QEMU's own listen=/connect= leave off: with Nagle's
algorithm on, a frame a QEMU writes while its previous one is not yet
acknowledged waits for the host's delayed ACK (40 ms), so a guest's second
frame of a burst (the ACK of a FIN, then the next connection's first data)
came 40 ms late and held every pair at 19 connections per second.
Addresses are static: A is 10.0.3.1/24, B 10.0.3.2/24.

Each guest ends up in a busybox shell on its serial console, driven line by
line: `Guest.sh(cmd)` types the command and waits for a marker with its
exit status. Linux (scripts/linux_peer.py: Debian 12's kernel from a
busybox initramfs) loads virtio_net and sch_netem; ours boots with
`ip=10.0.3.x/24` and starts Debian's busybox from its initrd.

    tests/qemu/net_pair.py <arch> linux linux      (a self-test: ping, TCP both ways)
    tests/qemu/net_pair.py <arch> ours linux --image build/<arch>/...
"""
import argparse, os, re, select, signal, socket, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import linux_peer  # noqa: E402

ADDR = {"a": "10.0.3.1", "b": "10.0.3.2"}
# tests/programs/unettool.c, the same file in both kernels' initrds (main() sets it).
TOOL = None
MAC = {"a": "52:54:00:00:03:01", "b": "52:54:00:00:03:02"}


def eui64_suffix(mac):
    """The interface identifier an IPv6 address takes from @mac (modified
    EUI-64, RFC 4291 appendix A), as IPv6 text: "5054:ff:fe12:3456"."""
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 2
    b = b[:3] + [0xff, 0xfe] + b[3:]
    return ":".join(f"{b[i] << 8 | b[i + 1]:x}" for i in range(0, 8, 2))


def link_local(side):
    """Side @side's IPv6 link-local address on eth0, as both kernels form it
    from the card's MAC."""
    return f"fe80::{eui64_suffix(MAC[side])}%eth0"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")

LINUX_INIT = """
ip link set lo up
ip link set eth0 up
ip addr add @ADDR@/24 dev eth0
echo NET-PAIR-READY
exec sh
"""


class Checks:
    """The checks of a test: each printed as "ok   what" or "FAIL what"."""

    def __init__(self):
        self.fails = []

    def __call__(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.fails.append(what)

    def end(self):
        """Print PASS or the failures, and exit 0 or 1."""
        print("PASS" if not self.fails else "FAILED: " + "; ".join(self.fails))
        sys.exit(1 if self.fails else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def link():
    """The pair's network: the two ends of one TCP connection on 127.0.0.1,
    each with TCP_NODELAY (see the top)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    b = socket.create_connection(ls.getsockname())
    a, _ = ls.accept()
    ls.close()
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
            raise RuntimeError("TCP_NODELAY did not hold on the pair's link")
    return {"a": a, "b": b}


def netdev_args(arch, side, fd, flood_fd=None):
    """QEMU arguments for side @side's card on the pair's socket network,
    whose end is the (inherited) descriptor @fd. With @flood_fd, the card
    and that link are ports of a QEMU hub whose third port is a socket
    netdev on @flood_fd, from which the host's unettool floods (host_flood())."""
    dev = "virtio-net-pci,romfile=" if arch == "x86_64" else "virtio-net-pci"
    if flood_fd is None:
        return ["-netdev", f"socket,id=n0,fd={fd}", "-device", f"{dev},netdev=n0,mac={MAC[side]}"]
    return ["-netdev", f"socket,id=link,fd={fd}", "-netdev", f"socket,id=flood,fd={flood_fd}",
            "-netdev", "hubport,id=n0,hubid=0",
            "-netdev", "hubport,id=h1,hubid=0,netdev=link",
            "-netdev", "hubport,id=h2,hubid=0,netdev=flood",
            "-device", f"{dev},netdev=n0,mac={MAC[side]}"]


def side(g):
    """Which side guest @g is: "a" or "b" (its name ends with it)."""
    return "a" if g.name.endswith("a") else "b"


class Guest:
    """One guest's console: a busybox shell reached after boot."""

    def __init__(self, name, cmd, env=None, pass_fds=()):
        self.name = name
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                  pass_fds=pass_fds)
        self.buf = b""
        self.log = b""
        self.seq = 0

    def read_until(self, pattern, timeout):
        """Read the console until @pattern (bytes regex) matches what came since
        the last match; the match, or None at the timeout or QEMU's end."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1))
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    return None
                chunk = ANSI.sub(b"", chunk.replace(b"\r", b""))
                self.buf += chunk
                self.log += chunk

    def type(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def sh(self, cmd, timeout=60):
        """Run @cmd in the guest's shell: (exit status, its output), status
        None when it did not finish in @timeout seconds."""
        self.seq += 1
        tag = f"__ND{self.seq}_"
        self.type(f"{cmd}; echo {tag}$?__")
        m = self.read_until(rb"(?s)(.*?)" + re.escape(tag.encode()) + rb"(\d+)__\n", timeout)
        if not m:
            return None, self.buf.decode("utf-8", "replace")
        out = m.group(1).decode("utf-8", "replace")
        # What came before, and the echo of the typed line: dropped.
        lines = out.split("\n")
        echo = [i for i, l in enumerate(lines) if tag in l]
        return int(m.group(2)), "\n".join(lines[echo[-1] + 1:] if echo else lines)

    def close(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait()


def guest_arg_parser(doc):
    """The arguments of a test that boots one of our guests: --arch, --image,
    --env KEY=VALUE (any number), --timeout (for the first prompt)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--timeout", type=int, default=60)
    return ap


def monitored_guest(arch, image, env_kv, mon, qemu_args=()):
    """Our kernel under scripts/qemu, with the KEY=VALUE settings @env_kv
    (a test's --env) and QEMU's human monitor on the unix socket @mon."""
    env = dict(os.environ)
    for kv in env_kv:
        k, _, v = kv.partition("=")
        env[k] = v
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return Guest("ours", [os.path.join(root, "scripts", "qemu"), arch, image,
                          "-monitor", f"unix:{mon},server=on,wait=off"] + list(qemu_args), env=env)


def monitor(path, cmd):
    """Send @cmd to QEMU's human monitor on the unix socket @path; its answer."""
    with socket.socket(socket.AF_UNIX) as m:
        m.settimeout(10)
        m.connect(path)
        buf = b""
        while b"(qemu) " not in buf:
            buf += m.recv(4096)
        m.sendall(cmd.encode() + b"\n")
        buf = b""
        while buf.count(b"(qemu) ") < 1:
            b = m.recv(4096)
            if not b:
                break
            buf += b
        return buf.decode("utf-8", "replace")


def build_netem(arch):
    """tests/peer/netem.c for @arch's Linux (static, Debian's gcc or cross gcc)."""
    exe = os.path.join(linux_peer.PEER, f"netem-{arch}")
    src = os.path.join(ROOT, "tests", "peer", "netem.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        gcc = "gcc" if arch == os.uname().machine else f"{arch}-linux-gnu-gcc"
        subprocess.run([gcc, "-static", "-O2", "-Wall", "-Werror", "-o", exe, src], check=True)
    return exe


def linux_guest(arch, side, fd, modules=("virtio_net", "sch_netem")):
    tree = linux_peer.fetch(arch)
    script = LINUX_INIT.replace("@ADDR@", ADDR[side])
    initrd = linux_peer.initramfs(arch, tree, script, f"netpair-{side}", modules=modules,
                                  files=[("bin/netem", build_netem(arch)), ("bin/unettool", TOOL)])
    cmd = linux_peer.boot_cmd(arch, tree, initrd, linux_peer.disk(),
                              extra=netdev_args(arch, side, fd))
    g = Guest(f"linux-{side}", cmd, pass_fds=(fd,))
    if not g.read_until(rb"NET-PAIR-READY\n", 180):
        raise RuntimeError(f"{g.name}: no shell:\n" + g.log.decode("utf-8", "replace")[-3000:])
    return g


def our_guest(arch, side, fd, image, append="", flood_fd=None):
    env = dict(os.environ)
    env.setdefault("MEM", "512M")
    if append:
        env["APPEND"] = append
    cmd = [os.path.join(ROOT, "scripts", "qemu"), arch, image] + netdev_args(arch, side, fd, flood_fd)
    g = Guest(f"ours-{side}", cmd, env, pass_fds=(fd,) if flood_fd is None else (fd, flood_fd))
    if not g.read_until(rb"(?m)^[A-Za-z0-9_-]*> ", 180):
        raise RuntimeError(f"{g.name}: no prompt:\n" + g.log.decode("utf-8", "replace")[-3000:])
    g.type("run /bin/busybox sh")
    g.sh("true", 30)
    # The address as a user sets it (x86_64's GRUB entry takes no `ip=`).
    st, out = g.sh(f"ifconfig eth0 {ADDR[side]} netmask 255.255.255.0 up", 30)
    if st != 0:
        raise RuntimeError(f"{g.name}: ifconfig failed: {out}")
    return g


def start_pair(arch, kinds, image=None, flood_sock=None):
    """Guests A and B of @kinds ('linux' or 'ours') on one link(); with
    @flood_sock (ours-ours), B's card is also on a hub with that socket."""
    ends = link()
    mk = {"linux": lambda s: linux_guest(arch, s, ends[s].fileno()),
          "ours": lambda s: our_guest(arch, s, ends[s].fileno(), image,
                                      flood_fd=flood_sock.fileno() if flood_sock and s == "b" else None)}
    try:
        a = mk[kinds[0]]("a")
        try:
            b = mk[kinds[1]]("b")
        except Exception:
            a.close()
            raise
    finally:
        for e in ends.values():
            e.close()  # each QEMU holds its own end
    return a, b


def tcp_transfer(src, dst, mib, port=5001, timeout=300, to=None):
    """@mib MiB of random bytes from @src's memory (/tmp) to
    @dst's over TCP (busybox nc; to @dst's address @to, by default its
    IPv4 one), checksummed on both sides: (ok, seconds from the send's start
    to the receiver's end, detail)."""
    # dd in 64 KiB reads: busybox `head -c` took 7 s a 16 MiB in either kernel under TCG, dd 0.5 s.
    st, out = src.sh(f"dd if=/dev/urandom of=/tmp/tx bs=65536 count={mib * 16} iflag=fullblock 2>/dev/null"
                     f" && [ $(wc -c < /tmp/tx) -eq {mib << 20} ] && sha256sum /tmp/tx", timeout)
    sums = re.findall(r"\b[0-9a-f]{64}\b", out)
    want = sums[-1] if st == 0 and sums else "?"
    st, _ = dst.sh(f"rm -f /tmp/rx; (nc -l -p {port} -e sh -c 'cat > /tmp/rx'; echo RX-DONE) & :", 10)
    if st != 0:
        return False, 0, "receiver did not start"
    time.sleep(1)
    to = to or ADDR[side(dst)]
    t0 = time.monotonic()
    st, out = src.sh(f"nc {to} {port} < /tmp/tx", timeout)
    if st != 0:
        return False, 0, f"sender failed ({st}): {out[-500:]}"
    if not dst.read_until(rb"RX-DONE\n", 60):
        return False, 0, "receiver never finished"
    secs = time.monotonic() - t0
    st, out = dst.sh("wc -c < /tmp/rx; sha256sum /tmp/rx; rm -f /tmp/rx", 60)
    src.sh("rm -f /tmp/tx", 10)
    sums = re.findall(r"\b[0-9a-f]{64}\b", out)
    got = sums[-1] if sums else "?"
    size = re.search(r"(?m)^\s*(\d+)\s*$", out)
    if size and int(size.group(1)) != mib << 20:
        got += f" ({size.group(1)} bytes)"
    return want == got and want != "?", secs, f"sent {want} received {got}"




def udp_check(client, server, n, maxlen, port=5005):
    """@n datagrams of up to @maxlen bytes (beyond the MTU: fragmented and
    put together again) from @client to an echo server on @server, each
    echo compared byte by byte (unettool udpcheck: a lost one is sent
    again, eight tries): (ok, its report)."""
    server.sh(f"(unettool echo udp {port} &) ; :", 10)
    time.sleep(0.5)
    st, out = client.sh(f"unettool udpcheck {ADDR[side(server)]} {port} {n} {maxlen}", 180)
    server.sh("killall unettool 2>/dev/null; :", 10)
    return st == 0, " ".join(l.strip() for l in out.splitlines() if "unettool:" in l)


def crr_rate(client, server, n=50, port=5006):
    """@n connections, one after another, from @client to an echo server on
    @server, each carrying a byte each way (unettool crr): connections per
    second, or None (and the output) when the run failed."""
    server.sh(f"(unettool echo tcp {port} &) ; :", 10)
    time.sleep(0.5)
    st, out = client.sh(f"unettool crr {ADDR[side(server)]} {port} {n}", 120)
    server.sh("killall unettool 2>/dev/null; :", 10)
    m = re.search(r"unettool: crr \d+ conns \d+ ns (\d+) conn/s", out)
    return (int(m.group(1)) if st == 0 and m else None), out.strip()[-200:]



def mem_free_kib(g):
    st, out = g.sh("grep MemFree /proc/meminfo", 10)
    m = re.search(r"MemFree:\s+(\d+) kB", out)
    return int(m.group(1)) if m else None


def rx_frames(g):
    """Frames eth0 of guest @g took in (/proc/net/dev: received, errors and
    dropped), or None."""
    st, out = g.sh("grep eth0: /proc/net/dev", 10)
    m = re.search(r"eth0:\s*\d+\s+(\d+)\s+(\d+)\s+(\d+)", out)
    return sum(int(x) for x in m.groups()) if st == 0 and m else None


def rx_wait(g, want, timeout=60):
    """rx_frames(@g) once it reaches @want, or what it is at the timeout:
    frames sent may still be on their way through QEMU's queues."""
    deadline = time.monotonic() + timeout
    while True:
        got = rx_frames(g)
        if got is None or got >= want or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def linux_flood(linux):
    """The flood's sender for flood(): unettool's packet socket in @linux."""
    def send(ours, kind, port, frames):
        st, out = linux.sh(f"unettool flood {kind} eth0 {MAC[side(ours)]} {ADDR[side(ours)]} {port} {frames}", 300)
        said = re.search(r"unettool: .*", out)
        return st == 0, said.group(0) if said else out[-200:]
    send.name = linux.name
    return send


def host_flood(tool, sock):
    """The flood's sender for flood() without a Linux guest: the host's
    unettool writes the frames into @sock, one end of a QEMU socket
    netdev on a hub with ours' card (netdev_args()). What comes back from
    the hub (ours' answers, the other guest's frames) is read and dropped
    so that QEMU never waits on that port. QEMU's hub takes whatever comes
    (another of its ports can always receive) and queues at most 10000
    frames for the card, dropping the rest, so the frames go in bursts of
    CHUNK, each once the card has taken in the one before."""
    drain = sock.dup()

    def drop():
        try:
            while drain.recv(65536):
                pass
        except OSError:
            pass
    threading.Thread(target=drop, daemon=True).start()

    CHUNK = 5000

    def send(ours, kind, port, frames):
        rx, said = rx_frames(ours), []
        for n in [CHUNK] * (frames // CHUNK) + ([frames % CHUNK] if frames % CHUNK else []):
            p = subprocess.run([tool, "flood", kind, "-", MAC[side(ours)], ADDR[side(ours)], str(port), str(n)],
                               stdout=sock.fileno(), stderr=subprocess.PIPE, timeout=300)
            err = p.stderr.decode("utf-8", "replace")
            line = re.search(r"unettool: .*", err)
            if p.returncode != 0:
                return False, line.group(0) if line else err[-200:]
            said.append(line.group(0) if line else "?")
            if rx is not None:
                rx = rx_wait(ours, rx + n, 20)
        return True, f"{len(said)} runs, the last: {said[-1]}"
    send.name = "the host"
    return send


def flood(send, client, ours, check, frames):
    """@send (linux_flood(), host_flood()) floods ours with @frames SYNs at
    a listening port from made-up hosts (whose SYN-ACKs wait on ARP answers
    that never come), as many at a closed port, and as many frames of junk
    (tests/programs/unettool.c): ours' card must have taken them all in,
    and ours must answer ping from @client and take connections from it at
    another port at once, take them at the flooded port too (there are no
    SYN cookies: a SYN at the full listener takes the place of its oldest
    half-open connection, kernel/net/lwip/netif.c; before that, the port
    waited for lwIP's 20 s timeout of the flood's), and hold no more memory
    than before, give or take the stack's caches."""
    ours_side = side(ours)
    ours.sh("(unettool sink 5010 > /dev/null &) ; :", 10)
    free0 = mem_free_kib(ours)
    rx0 = rx_frames(ours)
    for kind, port in (("syn", 5010), ("syn", 5011), ("junk", 9)):
        ok, said = send(ours, kind, port, frames)
        check(ok, f"{send.name} sent {frames} {kind} frames to {ours.name}"
              f"{' port ' + str(port) if kind == 'syn' else ''}: {said}")
    # The flood's frames all reached the card: other frames meanwhile
    # (few: nothing else runs) leave room above, none below.
    rx1 = rx_wait(ours, rx0 + 3 * frames) if rx0 is not None else None
    got = rx1 - rx0 if rx0 is not None and rx1 is not None else None
    check(got is not None and 3 * frames <= got <= 3 * frames + 1000,
          f"{ours.name}'s eth0 took in {got} frames during the flood of {3 * frames} (/proc/net/dev)")
    st, _ = client.sh(f"ping -c 3 {ADDR[ours_side]}", 30)
    check(st == 0, f"after the flood: ping from {client.name} answered")
    ok, _, detail = tcp_transfer(client, ours, 2, port=5012)
    check(ok, f"after the flood: tcp 2 MiB to another port of {ours.name}: {detail}")
    t0 = time.monotonic()
    st, out = client.sh(f"unettool stream {ADDR[ours_side]} 5010 1", 90)
    said = re.search(r"unettool: .*", out)
    check(st == 0, f"after the flood: the flooded port takes a connection again "
          f"(in {time.monotonic() - t0:.0f} s): {said.group(0) if said else out[-200:]}")
    ours.sh("killall unettool 2>/dev/null; :", 10)
    free1 = mem_free_kib(ours)
    grown = (free0 - free1) if free0 is not None and free1 is not None else None
    check(grown is not None and grown < 8192,
          f"after the flood: {ours.name} holds {grown} KiB more than before it (MemFree; under 8 MiB)")


def telnet_session(client, server):
    """busybox telnet on @client (ours) into busybox telnetd on @server
    (Linux: ours has no pseudo-terminals for a telnetd): a command runs
    there and its output comes back, `exit` ends the session: (ok, detail)."""
    st, out = server.sh("mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null; "
                        "telnetd -l /bin/sh -p 2323", 10)
    if st != 0:
        return False, f"telnetd did not start: {out[-200:]}"
    client.type(f"telnet {ADDR[side(server)]} 2323")
    if not client.read_until(rb"Escape character is", 30):
        return False, "no connection: " + client.buf.decode("utf-8", "replace")[-300:]
    time.sleep(1)
    # Debian's build of Linux in the answer: the shell that ran it is the server's.
    client.type("echo tel$((6*7))net $(cat /proc/version)")
    if not client.read_until(rb"tel42net Linux version [^\n]*debian", 30):
        return False, "the command's output never came back: " + client.buf.decode("utf-8", "replace")[-300:]
    client.type("exit")
    if not client.read_until(rb"Connection closed by foreign host", 30):
        return False, "no end of the session: " + client.buf.decode("utf-8", "replace")[-300:]
    st, _ = client.sh("true", 10)
    server.sh("killall telnetd 2>/dev/null; :", 10)
    return st == 0, "the command ran in Linux's shell, the session ended, the shell is back"


def short_connections(client, server, n=30, port=5003):
    """@n connections one after another from @client to a busybox nc server
    on @server that answers each with a line: how many were answered."""
    st, _ = server.sh(f"(nc -ll -p {port} -e echo ok &) ; :", 10)
    time.sleep(1)
    to = ADDR[side(server)]
    st, out = client.sh(f"i=0; while [ $i -lt {n} ]; do nc {to} {port} < /dev/null; i=$((i+1)); done", 120)
    server.sh("kill %1 2>/dev/null; killall nc 2>/dev/null; :", 10)
    return out.count("ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", choices=["x86_64", "aarch64", "riscv64"])
    ap.add_argument("a", choices=["linux", "ours"])
    ap.add_argument("b", choices=["linux", "ours"])
    ap.add_argument("--image")
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--netem", metavar="LOSS,DUP,REORDER,DELAY_MS",
                    help="then a bad network on the Linux side(s), e.g. 5,1,25,5, and the transfers again")
    ap.add_argument("--netem-mib", type=int, default=2)
    ap.add_argument("--tool", help="tests/programs/unettool.c built for the arch "
                    "(default: build/<arch>/programs/unettool)")
    ap.add_argument("--flood", type=int, default=0, metavar="FRAMES",
                    help="a Linux side floods ours with FRAMES SYNs at a listening port, "
                    "as many at a closed one, then as many junk frames; "
                    "ours-ours: the host floods B (--host-tool)")
    ap.add_argument("--host-tool", help="unettool built for the host (x86_64), which floods "
                    "when no side is Linux (default: build/x86_64/programs/unettool)")
    args = ap.parse_args()
    global TOOL
    TOOL = args.tool or os.path.join(ROOT, "build", args.arch, "programs", "unettool")
    check = Checks()
    host_tool = flood_sock = None
    if args.flood and args.a == args.b == "ours":
        host_tool = args.host_tool or os.path.join(ROOT, "build", "x86_64", "programs", "unettool")
        if not os.access(host_tool, os.X_OK):
            raise SystemExit(f"--flood: no host unettool at {host_tool}")
        # QEMU takes a connected stream socket for `-netdev socket,fd=`.
        flood_sock, qemu_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        a, b = start_pair(args.arch, (args.a, args.b), args.image, qemu_end if flood_sock else None)
    finally:
        if flood_sock:
            qemu_end.close()  # B's QEMU holds its own
    try:
        for g, peer in ((a, "b"), (b, "a")):
            st, out = g.sh(f"ping -c 3 {ADDR[peer]}", 30)
            check(st == 0, f"ping from {g.name} to {ADDR[peer]}")
        for src, dst in ((a, b), (b, a)):
            ok, secs, detail = tcp_transfer(src, dst, args.mib)
            check(ok, f"tcp {args.mib} MiB {src.name} -> {dst.name}: {detail}")
            if ok:
                print(f"bench: tcp_{src.name.split('-')[0]}_to_{dst.name.split('-')[0]}_mbit "
                      f"{args.mib * 8 * 1.048576 / secs:.0f} Mbit/s", flush=True)
        # IPv6 on the link, by the addresses each card gets by itself: an
        # echo each way (busybox ping over a raw ICMPv6 socket; lwIP's
        # ICMPv6 or Linux's answers), then TCP each way.
        for g, peer in ((a, "b"), (b, "a")):
            st, out = g.sh(f"ping -c 3 {link_local(peer)}", 30)
            check(st == 0, f"ping from {g.name} to {link_local(peer)}")
        for src, dst in ((a, b), (b, a)):
            ok, secs, detail = tcp_transfer(src, dst, 2, port=5002, to=link_local(side(dst)))
            check(ok, f"tcp over IPv6 2 MiB {src.name} -> {dst.name} at {link_local(side(dst))}: {detail}")
        for client, server in ((b, a), (a, b)):
            got = short_connections(client, server)
            check(got == 30, f"30 short connections from {client.name} to {server.name}: {got} answered")
        if a.name.startswith("ours") and b.name.startswith("ours"):
            # The rate is the benchmark's (scripts/bench-net), said here only:
            # a timed pass/fail would fail on a busy host.
            for client, server in ((a, b), (b, a)):
                rate, out = crr_rate(client, server)
                check(rate is not None, f"50 connections from {client.name} to {server.name} with a byte "
                      f"each way ({rate} per second){'' if rate is not None else ': ' + out}")
        for client, server in ((b, a), (a, b)):
            ok, detail = udp_check(client, server, 300, 8000)
            check(ok, f"udp 300 datagrams of 4..8000 bytes from {client.name} echoed by {server.name}: {detail}")
        for client, server in ((a, b), (b, a)):
            if client.name.startswith("ours") and server.name.startswith("linux"):
                ok, detail = telnet_session(client, server)
                check(ok, f"telnet from {client.name} to {server.name}: {detail}")
        if args.flood:
            for src, dst in ((a, b), (b, a)):
                if src.name.startswith("linux") and dst.name.startswith("ours"):
                    flood(linux_flood(src), src, dst, check, args.flood)
            if flood_sock:
                flood(host_flood(host_tool, flood_sock), a, b, check, args.flood)
        if args.netem:
            for g in (a, b):
                if g.name.startswith("linux"):
                    st, out = g.sh("netem eth0 " + " ".join(args.netem.split(",")), 20)
                    check(st == 0, out.strip())
            for src, dst in ((a, b), (b, a)):
                ok, secs, detail = tcp_transfer(src, dst, args.netem_mib)
                check(ok, f"through netem: tcp {args.netem_mib} MiB {src.name} -> {dst.name}: {detail}")
            for client, server in ((b, a), (a, b)):
                ok, detail = udp_check(client, server, 100, 3000)
                check(ok, f"through netem: udp 100 datagrams from {client.name} echoed by {server.name}: {detail}")
            for g, peer in ((a, "b"), (b, "a")):
                st, out = g.sh(f"ping -c 10 -i 0.2 {ADDR[peer]}", 30)
                check(st == 0, f"through netem: ping from {g.name} answered")
    finally:
        a.close()
        b.close()
        for g in (a, b):
            if check.fails and g.log:
                print(f"---- {g.name}'s console, the end ----\n" + g.log.decode("utf-8", "replace")[-2000:])
    check.end()


if __name__ == "__main__":
    main()
