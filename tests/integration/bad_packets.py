#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted bad frames from the Linux host (scapy, sent on the host's veth
end to the stack's MAC and IP). Each frame has exactly one defect; after
each one the counter named for that defect must grow by one, no other drop
counter may move, and nothing may reach a socket. Then a valid echo must
still work: bad input gets a bounded response and the stack keeps going."""

import argparse
import logging
import socket
import sys
import time

import berth_it

# Scapy warns on import when there is no IPv6 route: quiet.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, conf, sendp  # noqa: E402

conf.verb = 0


def cases(smac, hmac, sip, hip):
    """(description, frame, counters of which exactly one must grow by 1)."""
    eth = Ether(dst=smac, src=hmac)
    pay = Raw(b"must not be echoed")

    def ip(**kw):
        f = dict(src=hip, dst=sip)
        f.update(kw)
        return IP(**f)

    def udp(**kw):
        return UDP(sport=40000, dport=7, **kw)

    def bad_ip_cksum():
        p = eth / ip() / udp() / pay
        p = Ether(bytes(p))
        p[IP].chksum ^= 0x5a5a
        return p

    def bad_udp_cksum():
        p = Ether(bytes(eth / ip() / udp() / pay))
        c = p[UDP].chksum ^ 0x0f0f
        p[UDP].chksum = c if c != 0 else 1  # 0 would mean "no checksum"
        return p

    ihdr = bytes(ip(proto=17, len=20 + 8 + len(pay)))
    return [
        # RFC 1122 §3.2.1.2: a wrong header checksum is silently discarded.
        ("IP header checksum wrong", bad_ip_cksum(), ["drop_ip_cksum"]),
        # RFC 1122 §3.2.1.1: version other than 4 is discarded.
        ("IP version 6 in an IPv4 frame", eth / ip(version=6) / udp() / pay,
         ["drop_ip_version"]),
        ("IHL 4 (16-byte header)", eth / ip(ihl=4) / udp() / pay, ["drop_ip_ihl"]),
        ("total length 1000 beyond the frame", eth / ip(len=1000) / udp() / pay,
         ["drop_ip_total_len"]),
        ("total length 16 below the header", eth / ip(len=16) / udp() / pay,
         ["drop_ip_total_len"]),
        # Truncated frame: 12 bytes of IP header (veth does not pad).
        ("frame ends inside the IP header",
         Ether(dst=smac, src=hmac, type=0x0800) / Raw(ihdr[:12]), ["drop_ip_short"]),
        ("TTL 0", eth / ip(ttl=0) / udp() / pay, ["drop_ip_ttl"]),
        # RFC 1122 §3.2.1.3: these are never valid source addresses.
        ("source 255.255.255.255", eth / ip(src="255.255.255.255") / udp() / pay,
         ["drop_ip_src"]),
        ("source subnet broadcast", eth / ip(src=sip.rsplit(".", 1)[0] + ".255") /
         udp() / pay, ["drop_ip_src"]),
        ("source multicast 224.0.0.1", eth / ip(src="224.0.0.1") / udp() / pay,
         ["drop_ip_src"]),
        ("source loopback 127.0.0.1", eth / ip(src="127.0.0.1") / udp() / pay,
         ["drop_ip_src"]),
        ("source is the stack's own address", eth / ip(src=sip) / udp() / pay,
         ["drop_ip_src"]),
        # RFC 768: checksum over pseudo header, header and data.
        ("UDP checksum wrong", bad_udp_cksum(), ["drop_udp_cksum"]),
        ("UDP length 200 beyond the IP payload", eth / ip() / udp(len=200) / pay,
         ["drop_udp_len"]),
        # Length field below the header's own 8 bytes: either name fits
        # ("inconsistent with IP" / "shorter than a UDP header").
        ("UDP length 4", eth / ip() / udp(len=4) / pay, ["drop_udp_len", "drop_udp_short"]),
        ("IP payload of 4 bytes: truncated UDP header",
         eth / ip(proto=17, len=24) / Raw(b"\x9c\x40\x00\x07"), ["drop_udp_short"]),
        ("unknown EtherType 0x88b5", Ether(dst=smac, src=hmac, type=0x88b5) / pay,
         ["drop_eth_type"]),
        ("destination MAC not the stack's",
         Ether(dst="02:00:00:00:00:99", src=hmac) / ip() / udp() / pay,
         ["drop_eth_not_us"]),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    smac = berth_it.env("TESTNET_STACK_MAC")
    hmac = berth_it.env("TESTNET_HOST_MAC")
    sip = berth_it.env("TESTNET_STACK_IP")
    hip = berth_it.env("TESTNET_HOST_IP")
    iface = berth_it.env("TESTNET_HOST_IF")

    failures = []
    prev = berth_it.counters(a.pid, a.log)
    for desc, frame, names in cases(smac, hmac, sip, hip):
        sendp(frame, iface=iface)
        # Wait until the stack has seen the frame (or give up after 3 s).
        deadline = time.monotonic() + 3.0
        while True:
            cur = berth_it.counters(a.pid, a.log)
            if cur["rx_pkts"] > prev["rx_pkts"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(0.05)
        cur = berth_it.counters(a.pid, a.log)
        moved = {k: cur[k] - prev[k] for k in cur
                 if k.startswith("drop_") and cur[k] != prev[k]}
        grew = [n for n in names if moved.get(n) == 1]
        others = {k: v for k, v in moved.items() if k not in names}
        delivered = cur["udp_rx"] - prev["udp_rx"]
        ok = len(grew) == 1 and not others and delivered == 0
        print("  %-4s %-46s %s" % ("ok" if ok else "BAD", desc,
              ", ".join("%s +%d" % kv for kv in sorted(moved.items())) or "no drop counted"),
              flush=True)
        if not ok:
            failures.append("%s: expected %s +1, drops moved %s, udp_rx +%d"
                            % (desc, " or ".join(names), moved or "none", delivered))
        prev = cur

    # The stack still answers.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((sip, 7))
    if berth_it.echo(s, b"still alive?") != b"still alive?":
        failures.append("no valid UDP echo after the bad packets")
    else:
        print("  ok   valid UDP echo after the bad packets", flush=True)
    s.close()

    for f in failures:
        print("FAIL: " + f, flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
