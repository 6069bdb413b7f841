#!/usr/bin/env python3
"""Seeds for fuzz_lwip: frames to the harness's interface (10.0.2.15,
52:54:00:12:34:56) of each kind it handles, and the runt frame that read
past its end before the glue padded short frames.

    lwip_seeds.py OUTDIR

Writes one file per frame in fuzz_lwip.c's input format (a flags byte: the
pieces, the device's checksum verdict, whether the harness fixes the
checksums; a byte of milliseconds/16 to let pass; the frame) and
OUTDIR/list for libFuzzer's -seed_inputs=@. Deterministic.
"""
import os, struct, sys

OURS = bytes.fromhex("525400123456")
PEER = bytes.fromhex("525500000202")
IP_US = bytes([10, 0, 2, 15])
IP_PEER = bytes([10, 0, 2, 2])
FIX = 0x10  # the harness computes the IP and L4 checksums


def eth(dst, typ, payload):
    return dst + PEER + struct.pack(">H", typ) + payload


def ipv4(proto, payload, dst=IP_US, ttl=64):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0,
                       IP_PEER, dst) + payload


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts + data


def seeds():
    arp = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER, IP_PEER, b"\0" * 6, IP_US)
    yield "arp_request", 0, eth(b"\xff" * 6, 0x0806, arp)
    arp_reply = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, PEER, IP_PEER, OURS, IP_US)
    yield "arp_reply", 0, eth(OURS, 0x0806, arp_reply)
    echo = struct.pack(">BBHHH", 8, 0, 0, 0x1234, 1) + bytes(range(56))
    yield "icmp_echo", FIX, eth(OURS, 0x0800, ipv4(1, echo))
    mss = struct.pack(">BBH", 2, 4, 1460) + struct.pack(">BBB", 3, 3, 7) + b"\x01"
    yield "tcp_syn", FIX, eth(OURS, 0x0800, ipv4(6, tcp(40000, 80, 1000, 0, 0x02, opts=mss)))
    yield "tcp_ack_data", FIX | 3, eth(OURS, 0x0800, ipv4(6, tcp(40000, 80, 1001, 1, 0x18, b"GET / HTTP/1.0\r\n\r\n")))
    yield "tcp_rst", FIX, eth(OURS, 0x0800, ipv4(6, tcp(40000, 80, 1001, 0, 0x04)))
    udp = struct.pack(">HHHH", 5000, 7, 8 + 5, 0) + b"hello"
    yield "udp_echo", FIX | 8, eth(OURS, 0x0800, ipv4(17, udp))
    frag = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 16, 7, 0x2000, 64, 17, 0, IP_PEER, IP_US) + bytes(16)
    yield "ip_fragment", FIX, eth(OURS, 0x0800, frag)
    ip6 = struct.pack(">IHBB16s16s", 0x60000000, 8, 58, 255, b"\xfe\x80" + b"\0" * 13 + b"\x02",
                      b"\xff\x02" + b"\0" * 13 + b"\x01") + struct.pack(">BBHI", 134, 0, 0, 0)
    yield "ipv6_router_adv", 0, eth(b"\x33\x33\x00\x00\x00\x01", 0x86dd, ip6)
    # the runt: an IPv4 version nibble and nothing else
    yield "runt_ipv4", 0, eth(OURS, 0x0800, b"\x45")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = []
    for name, flags, frame in seeds():
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(bytes([flags, 1]) + frame)
        names.append(path)
    with open(os.path.join(out, "list"), "w") as f:
        f.write(",".join(names))


if __name__ == "__main__":
    main()
