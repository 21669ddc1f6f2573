#!/usr/bin/env python3
"""Hostile IKEv1 peer for the netns tests: forges ISAKMP messages (RFC 2408/2409).

  ikeforge.py case NAME --src A --dst B [--sport P] [--wait S]
      send one hostile message (or short sequence) NAME from a UDP socket bound to
      A:P and print every reply that arrives within S seconds as
      "reply xchg=N notify=T len=L" (T: the Notification type, or -).
  ikeforge.py list                   the case names
  ikeforge.py flood --dst B --count N --net 10.99 [--sport 500] [--rate PPS] [--one]
      N Main Mode first messages from N source addresses 10.99.x.y through a raw
      socket (spoofed sources: the replies go elsewhere); prints "sent N in S s"
  ikeforge.py capture --iface IF --seconds S --out FILE
      record the IKE datagrams seen on IF (AF_PACKET), one hex line each
  ikeforge.py replay --in FILE --src A --dst B
      send the recorded datagrams from A:500 to B:500 again (raw socket)
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

XCHG_MAIN, XCHG_AGGR, XCHG_INFO, XCHG_QUICK = 2, 4, 5, 32
NP_NONE, NP_SA, NP_P, NP_T, NP_KE, NP_ID, NP_HASH, NP_NONCE, NP_N, NP_D, NP_VID = (
    0, 1, 2, 3, 4, 5, 8, 10, 11, 12, 13)


def hdr(icky, rcky, np, xchg, flags=0, msgid=0, length=0):
    return struct.pack("!8s8sBBBBII", icky, rcky, np, 0x10, xchg, flags, msgid, length)


def payload(np, body, length=None):
    return struct.pack("!BBH", np, 0, 4 + len(body) if length is None else length) + body


def message(icky, rcky, xchg, payloads, flags=0, msgid=0):
    """payloads: [(type, body)]: chained, the header's length right."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        np = payloads[i + 1][0] if i + 1 < len(payloads) else NP_NONE
        out += payload(np, body)
    first = payloads[0][0] if payloads else NP_NONE
    return hdr(icky, rcky, first, xchg, flags, msgid, 28 + len(out)) + out


def attr(t, v, tlv_len=None):
    if tlv_len is None and v < 0x10000:
        return struct.pack("!HH", 0x8000 | t, v)
    n = tlv_len or 4
    return struct.pack("!HH", t, n) + v.to_bytes(n, "big")


# AES-CBC 256, SHA2-256, PSK, MODP2048, 3600 s: one of pluto's default proposals
GOOD = [(1, 7), (14, 256), (2, 4), (3, 1), (4, 14), (11, 1)]


def transform(num, attrs, life=3600, life_len=None, last=True):
    body = struct.pack("!BBH", num, 1, 0) + b"".join(attr(t, v) for t, v in attrs)
    body += attr(12, life, life_len)
    return payload(NP_NONE if last else NP_T, body)


def proposal(transforms, num=1, last=True):
    body = struct.pack("!BBBB", num, 1, 0, len(transforms)) + b"".join(transforms)
    return payload(NP_NONE if last else NP_P, body)


def sa_body(proposals, doi=1, sit=1):
    return struct.pack("!II", doi, sit) + b"".join(proposals)


def good_sa(**kw):
    return sa_body([proposal([transform(1, GOOD, **kw)])])


def mi1(icky, sa=None):
    return message(icky, bytes(8), XCHG_MAIN, [(NP_SA, sa or good_sa())])


def rnd(n=8):
    b = os.urandom(n)
    return b if b[:2] != b"\0\0" else b"\1" + b[1:]


def many_transforms(n, attrs):
    ts = [transform(i % 256, attrs, last=(i == n - 1)) for i in range(n)]
    return sa_body([proposal(ts)])


# --- the cases: each returns the datagrams to send, in order ---------------------------------

def c_short(s):
    return [mi1(rnd())[:10]]


def c_overlong(s):  # the header claims more than arrived
    m = bytearray(mi1(rnd()))
    struct.pack_into("!I", m, 24, len(m) + 500)
    return [bytes(m)]


def c_trailing(s):  # more arrived than the header claims: a huge datagram of garbage
    return [mi1(rnd()) + os.urandom(8000)]


def c_payload_past_end(s):
    m = bytearray(mi1(rnd()))
    struct.pack_into("!H", m, 30, 3000)  # the SA payload's length
    return [bytes(m)]


def c_payload_zero_len(s):
    m = bytearray(mi1(rnd()))
    struct.pack_into("!H", m, 30, 0)
    return [bytes(m)]


def c_payload_len_3(s):
    body = hdr(rnd(), bytes(8), NP_VID, XCHG_MAIN, length=28 + 4) + payload(NP_SA, b"", 3)
    return [body]


def c_payload_chain_bomb(s):  # 2000 empty VIDs ahead of the SA, in one datagram
    pls = [(NP_VID, b"")] * 2000 + [(NP_SA, good_sa())]
    return [message(rnd(), bytes(8), XCHG_MAIN, pls)]


def c_payload_chain_dangling(s):  # the last payload names a next one that is not there
    m = bytearray(mi1(rnd()))
    m[28] = NP_VID
    return [bytes(m)]


def c_unknown_payload(s):
    return [message(rnd(), bytes(8), XCHG_MAIN, [(NP_SA, good_sa()), (200, b"x" * 12)])]


def c_unknown_exchange(s):
    return [message(rnd(), bytes(8), 77, [(NP_SA, good_sa())]),
            message(rnd(), bytes(8), XCHG_AGGR, [(NP_SA, good_sa())])]


def c_bad_version(s):
    m = bytearray(mi1(rnd()))
    m[17] = 0x20
    return [bytes(m)]


def c_zero_icookie(s):
    return [mi1(bytes(8))]


def c_unknown_cookies(s):  # MI2, Quick Mode, Informational for SAs that do not exist
    ke = (NP_KE, os.urandom(256))
    nonce = (NP_NONCE, os.urandom(32))
    return [message(rnd(), rnd(), XCHG_MAIN, [ke, nonce]),
            message(rnd(), rnd(), XCHG_QUICK, [(NP_HASH, os.urandom(32))], flags=1,
                    msgid=0x12345678) + os.urandom(16),
            message(rnd(), rnd(), XCHG_INFO, [(NP_N, struct.pack("!IBBH", 1, 1, 0, 14))])]


def c_nonzero_msgid(s):
    return [message(rnd(), bytes(8), XCHG_MAIN, [(NP_SA, good_sa())], msgid=7)]


def c_many_transforms(s):  # 255 transforms nobody accepts (DES, MD5, group 1)
    return [mi1(rnd(), many_transforms(255, [(1, 1), (2, 1), (3, 1), (4, 1), (11, 1)]))]


def c_too_many_transforms(s):  # 2 x 200: past the parser's limit of 256 in one SA
    bad = [(1, 1), (2, 1), (3, 1), (4, 1), (11, 1)]
    ps = [proposal([transform(i, bad, last=(i == 199)) for i in range(200)], num=n + 1,
                   last=(n == 1)) for n in range(2)]
    return [mi1(rnd(), sa_body(ps))]


def c_many_proposals(s):
    ps = [proposal([transform(1, [(1, 1), (2, 1), (3, 1), (4, 1), (11, 1)])], num=i + 1,
                   last=(i == 99)) for i in range(100)]
    return [mi1(rnd(), sa_body(ps))]


def c_huge_lifetime(s):  # 2^64 - 1 seconds, as an 8-byte TLV
    return [mi1(rnd(), good_sa(life=2**64 - 1, life_len=8))]


def c_lifetime_tlv_huge(s):  # a 200-byte lifetime
    return [mi1(rnd(), good_sa(life=2**1599, life_len=200))]


def c_zero_lifetime(s):
    return [mi1(rnd(), good_sa(life=0))]


def c_absurd_keylen(s):
    return [mi1(rnd(), sa_body([proposal([transform(1, [(1, 7), (14, 65535)] + GOOD[2:])])]))]


def c_absurd_group(s):
    return [mi1(rnd(), sa_body([proposal([transform(1, GOOD[:4] + [(4, 9999), (11, 1)])])]))]


def c_bad_doi(s):
    return [mi1(rnd(), sa_body([proposal([transform(1, GOOD)])], doi=77))]


def c_good_mi1(s):
    return [mi1(s.icky)]


def c_commit_flag(s):  # a good MI1 with the Commit Flag (RFC 2408 3.1) set
    return [message(s.icky, bytes(8), XCHG_MAIN, [(NP_SA, good_sa())], flags=0x02)]


CASES = {n[2:].replace("_", "-"): f for n, f in list(globals().items()) if n.startswith("c_")}


def describe(data):
    if len(data) < 28:
        return "reply short len=%d" % len(data)
    icky, rcky, np, ver, xchg, flags, msgid, length = struct.unpack("!8s8sBBBBII", data[:28])
    notify = "-"
    if xchg == XCHG_INFO and np == NP_N and not flags & 1 and len(data) >= 40:
        notify = str(struct.unpack("!H", data[38:40])[0])
    return "reply xchg=%d notify=%s len=%d icookie=%s rcookie=%s" % (
        xchg, notify, len(data), icky.hex(), rcky.hex())


def do_case(a):
    a.icky = bytes.fromhex(a.icookie) if a.icookie else rnd()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    for d in CASES[a.name](a):
        s.sendto(d, (a.dst, a.dport))
    end = time.time() + a.wait
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        print(describe(s.recv(65536)))
    return 0


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def raw_udp(src, sport, dst, dport, data):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def do_flood(a):
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sa = good_sa()
    start = time.time()
    for i in range(a.count):
        j = 0 if a.one else i
        src = "%s.%d.%d" % (a.net, (j // 250) % 250 + 1, j % 250 + 1)
        pkt = raw_udp(src, a.sport, a.dst, 500, mi1(rnd(), sa))
        while True:
            try:
                r.sendto(pkt, (a.dst, 0))
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                time.sleep(0.001)
        if a.rate:
            ahead = start + (i + 1) / a.rate - time.time()
            if ahead > 0:
                time.sleep(ahead)
    print("sent %d in %.2f s" % (a.count, time.time() - start))
    return 0


def do_capture(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((a.iface, 0))
    end = time.time() + a.seconds
    with open(a.out, "w") as f:
        while time.time() < end:
            if not select.select([s], [], [], max(0, end - time.time()))[0]:
                continue
            fr = s.recv(65536)
            ip = fr[14:]
            if len(ip) < 28 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            if dport == 500:
                f.write("%s %s\n" % (socket.inet_ntoa(ip[12:16]), ip[ihl + 8:].hex()))
                f.flush()
    return 0


def do_replay(a):
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    n = 0
    for line in open(a.input):
        src, data = line.split()
        if src != a.src:
            continue
        r.sendto(raw_udp(a.src, 500, a.dst, 500, bytes.fromhex(data)), (a.dst, 0))
        n += 1
    print("replayed %d" % n)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("case")
    c.add_argument("name", choices=sorted(CASES))
    c.add_argument("--src", required=True)
    c.add_argument("--sport", type=int, default=5000)
    c.add_argument("--dst", required=True)
    c.add_argument("--dport", type=int, default=500)
    c.add_argument("--wait", type=float, default=0.5)
    c.add_argument("--icookie")
    sub.add_parser("list")
    f = sub.add_parser("flood")
    f.add_argument("--dst", required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--net", default="10.99")
    f.add_argument("--sport", type=int, default=500)
    f.add_argument("--rate", type=float, default=0)
    f.add_argument("--one", action="store_true", help="every message from one source")
    k = sub.add_parser("capture")
    k.add_argument("--iface", required=True)
    k.add_argument("--seconds", type=float, required=True)
    k.add_argument("--out", required=True)
    r = sub.add_parser("replay")
    r.add_argument("--in", dest="input", required=True)
    r.add_argument("--src", required=True)
    r.add_argument("--dst", required=True)
    a = p.parse_args()
    if a.cmd == "list":
        print("\n".join(sorted(CASES)))
        return 0
    return {"case": do_case, "flood": do_flood, "capture": do_capture,
            "replay": do_replay}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
