#!/usr/bin/env python3
"""AF_INET sockets as busybox uses them, in one boot with a virtio-net on
QEMU's user network (restrict=on: nothing leaves the machine) and a hostfwd
from 127.0.0.1:PORT on the host to the guest's port 80.

    inet_httpd_test.py --arch A --image IMG

The guest runs busybox's httpd (-h /) and the host fetches files through
the forward: the initrd's hello.txt, a test program, busybox itself (2 MiB),
each checksummed against the host's copy; 20 fetches at once; a client that
asks for busybox and vanishes after a few bytes, after which httpd still
serves. In the guest: wget from its own httpd over 127.0.0.1 (then cmp), nc
asking it by hand,
ping 127.0.0.1 (root: a raw ICMP socket), ifconfig's interfaces (lo and
eth0 with DHCP's address; their IPv6 addresses: ::1, eth0's link-local one
from its MAC and the one SLAAC takes from slirp's router advertisement,
prefix fec0::/64), `ip addr` with the same, ifconfig down and up, route's table, a default
route added and deleted. Exit 0 if all held, 1 if not; 77 without QEMU.
"""
import argparse, concurrent.futures, hashlib, os, re, select, shutil, socket, subprocess, sys, time
import urllib.request

from net_pair import eui64_suffix  # this folder's, as the script's own

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "riscv64": "riscv64"}
QEMU = {"x86_64": "qemu-system-x86_64", "aarch64": "qemu-system-aarch64", "riscv64": "qemu-system-riscv64"}


class Guest:
    def __init__(self, arch, image, port):
        cmd = [os.path.join(ROOT, "scripts", "qemu"), arch, image,
               "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:80",
               "-device", "virtio-net-pci,netdev=n0"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        self.out = b""
        self.prompts = 0

    def _wait_prompt(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if r:
                c = os.read(self.p.stdout.fileno(), 65536)
                if not c:
                    return False
                self.out += c
                if self.out.count(b"kernel> ") > self.prompts:
                    self.prompts += 1
                    return True
        return False

    def boot(self):
        return self._wait_prompt(150)  # TCG on a loaded 2-core host

    def cmd(self, line, timeout=30):
        """Type @line; what it printed up to the next prompt (None: no prompt)."""
        start = len(self.out)
        self.p.stdin.write(line.encode() + b"\r")
        self.p.stdin.flush()
        if not self._wait_prompt(timeout):
            return None
        return self.out[start:].decode(errors="replace").replace("\r", "")

    def run(self, line, timeout=30):
        """cmd(), with "" for no prompt."""
        return self.cmd(line, timeout) or ""

    def close(self):
        try:
            self.p.stdin.write(b"poweroff 7\r")
            self.p.stdin.flush()
            self.p.wait(timeout=10)
        except Exception:
            pass
        if self.p.poll() is None:
            os.killpg(self.p.pid, 9)
            self.p.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--image", required=True)
    a = ap.parse_args()
    if not shutil.which(QEMU[a.arch]):
        print("skip: no " + QEMU[a.arch])
        return 77
    build = os.path.dirname(os.path.abspath(a.image))
    files = {"/hello.txt": os.path.join(ROOT, "initrd", "hello.txt"),
             "/bin/uinet": os.path.join(build, "programs", "uinet"),
             "/bin/busybox": os.path.join(ROOT, ".deps", "busybox-" + DEBIAN_ARCH[a.arch], "bin", "busybox")}
    want = {k: hashlib.sha256(open(v, "rb").read()).hexdigest() for k, v in files.items()}
    fails = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            fails.append(what)

    port = free_port()
    g = Guest(a.arch, a.image, port)
    try:
        if not g.boot():
            check(False, "boot to the prompt")
        if fails:
            raise SystemExit(1)
        # DHCP's address first: the forward goes to it
        addr = None
        for _ in range(40):
            o = g.run("run /bin/busybox ifconfig eth0")
            m = re.search(r"inet addr:(\d+\.\d+\.\d+\.\d+)", o)
            if m:
                addr = m.group(1)
                break
            time.sleep(0.25)
        check(addr == "10.0.2.15", "ifconfig eth0: DHCP's 10.0.2.15")
        o = g.run("run /bin/busybox ifconfig")
        check(re.search(r"(?m)^lo +Link encap:Local Loopback", o) is not None and "inet addr:127.0.0.1" in o,
              "ifconfig lists lo with 127.0.0.1")
        check(re.search(r"(?m)^eth0 +Link encap:Ethernet +HWaddr 52:54:00", o) is not None and
              re.search(r"UP BROADCAST RUNNING", o) is not None, "and eth0, up and running")
        check("inet6 addr: ::1/128 Scope:Host" in o, "ifconfig: lo has ::1")
        mac = re.search(r"HWaddr ([0-9A-Fa-f:]{17})", o)
        iid = eui64_suffix(mac.group(1).lower()) if mac else "?"
        check(f"inet6 addr: fe80::{iid}/64 Scope:Link" in o, f"and eth0 fe80::{iid}, link-local from its MAC")
        for _ in range(40):  # lwIP solicits at once; slirp answers
            o = g.run("run /bin/busybox ifconfig eth0")
            if f"inet6 addr: fec0::{iid}/64 Scope:Site" in o:
                break
            time.sleep(0.25)
        check(f"inet6 addr: fec0::{iid}/64 Scope:Site" in o, f"SLAAC: fec0::{iid} from slirp's prefix")
        o = g.run("run /bin/busybox ip addr")
        check("inet6 ::1/128 scope host" in o and f"inet6 fe80::{iid}/64 scope link" in o and
              f"inet6 fec0::{iid}/64 scope site" in o, "ip addr (netlink) lists the same IPv6 addresses")
        o = g.run("run /bin/busybox ifconfig eth0 add fd00::1/64")
        check("SIOCSIFADDR: Operation not supported" in o and "[exit 1]" in o,
              "ifconfig eth0 add fd00::1/64: EOPNOTSUPP (lwIP's IPv6 addresses are its own)")
        o = g.run("run /bin/busybox httpd -p 80 -h /")
        check("[exit 0]" in o, "httpd started")

        def fetch(path):
            return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()

        for path in files:
            try:
                d = fetch(path)
                check(hashlib.sha256(d).hexdigest() == want[path], f"host fetched {path} ({len(d)} bytes) intact")
            except Exception as e:
                check(False, f"host fetched {path}: {e}")
        paths = ["/hello.txt", "/bin/uinet"] * 10
        with concurrent.futures.ThreadPoolExecutor(20) as ex:
            got = list(ex.map(lambda p: (p, hashlib.sha256(fetch(p)).hexdigest()), paths))
        check(all(h == want[p] for p, h in got), "20 fetches at once, each intact")
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /bin/busybox HTTP/1.0\r\n\r\n")
        s.recv(100)
        s.close()  # gone mid-transfer
        time.sleep(0.3)
        check(hashlib.sha256(fetch("/bin/busybox")).hexdigest() == want["/bin/busybox"],
              "after a client vanished mid-transfer, httpd still serves")

        o = g.run("run /bin/busybox wget -q -O /tmp/h http://127.0.0.1/hello.txt")
        check("[exit 0]" in o, "wget from the guest's own httpd over 127.0.0.1")
        o = g.run("run /bin/busybox cmp /tmp/h /hello.txt")
        check("[exit 0]" in o, "what it saved is hello.txt")
        o = g.run("run /bin/busybox sh -c \"printf 'GET /hello.txt HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc 127.0.0.1 80\"")
        hello = open(files["/hello.txt"], "rb").read().decode().splitlines()[0]
        check(re.search(r"HTTP/1\.[01] 200 OK", o) is not None and hello in o, "nc asks httpd by hand: 200 and the file")
        o = g.run("run /bin/busybox ping -c 2 127.0.0.1")
        check("2 packets transmitted, 2 packets received" in o, "ping 127.0.0.1: 2 of 2")
        o = g.run("run /bin/busybox route -n")
        check(re.search(r"(?m)^10\.0\.2\.0 +0\.0\.0\.0 +255\.255\.255\.0 +U +0 +0 +0 eth0", o) is not None,
              "route -n: eth0's subnet")
        dflt = r"(?m)^0\.0\.0\.0 +10\.0\.2\.2 +0\.0\.0\.0 +UG +0 +0 +0 eth0"
        g.run("run /bin/busybox route del default")  # DHCP's, if it gave one
        o = g.run("run /bin/busybox route add default gw 10.0.2.2") + g.run("run /bin/busybox route -n")
        check(re.search(dflt, o) is not None, "route add default gw: listed")
        o = g.run("run /bin/busybox route del default") + g.run("run /bin/busybox route -n")
        check("[exit 0]" in o and re.search(dflt, o) is None, "route del default: gone")
        o = g.run("run /bin/busybox ifconfig eth0 down") + g.run("run /bin/busybox ifconfig eth0")
        check(re.search(r"(?m)^ +UP ", o) is None, "ifconfig eth0 down: not UP")
        o = g.run("run /bin/busybox ifconfig eth0 up") + g.run("run /bin/busybox ifconfig eth0")
        check(re.search(r"(?m)^ +UP BROADCAST RUNNING", o) is not None, "ifconfig eth0 up: UP again")
        check("PANIC" not in g.out.decode(errors="replace"), "no panic")
    except SystemExit:
        pass
    finally:
        g.close()
        print(f"inet_httpd: {len(fails)} failed")
        if fails:
            print(g.out.decode(errors="replace")[-4000:])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
