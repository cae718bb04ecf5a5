#!/usr/bin/env python3
"""Writes the PROXY protocol seeds of ProxyProtocolFuzzTest (haproxy.org's proxy-protocol.txt, v1 and v2).

    python3 proxy-core/src/test/resources/io/acrproxy/core/fuzz/make-proxy-protocol-seeds.py

Each seed is what a load balancer sends first on a connection to the proxy: a header, alone or followed by the
client's CONNECT request, or something that is not a valid header. Jazzer replays every file in the inputs directory
as a regression input during `mvn test`; this script is only needed to remake them.
"""
import ipaddress
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "ProxyProtocolFuzzTestInputs", "outcomeDoesNotDependOnSplitsAndStaysWithinTheMaxima")
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
CONNECT = b"CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: myreg.azurecr.io:443\r\n\r\n"

LOCAL, PROXY = 0x20, 0x21
UNSPEC, TCP4, UDP4, TCP6, UDP6, UNIX_STREAM = 0x00, 0x11, 0x12, 0x21, 0x22, 0x31


def u16(n): return n.to_bytes(2, "big")


def tlv(t, value): return bytes([t]) + u16(len(value)) + value


def v2(command, family, addresses=b"", tlvs=b"", length=None):
    body = addresses + tlvs
    return SIG + bytes([command, family]) + u16(len(body) if length is None else length) + body


def inet(src, dst, sport, dport):
    return ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed + u16(sport) + u16(dport)


def write(name, data):
    with open(os.path.join(SEEDS, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def main():
    os.makedirs(SEEDS, exist_ok=True)
    # v1: the TCP4, TCP6 and UNKNOWN lines, the longest line the spec allows (107 bytes with CRLF for UNKNOWN with
    # IPv6 addresses), one that is too long, one cut short, and a header with the request behind it.
    write("v1-tcp4.bin", b"PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\r\n")
    write("v1-tcp6.bin", b"PROXY TCP6 2001:db8::7 2001:db8::10 51234 3128\r\n")
    write("v1-unknown.bin", b"PROXY UNKNOWN\r\n")
    ffff = ":".join(["ffff"] * 8)
    write("v1-unknown-longest.bin", f"PROXY UNKNOWN {ffff} {ffff} 65535 65535\r\n".encode())
    write("v1-tcp6-longest.bin", f"PROXY TCP6 {ffff} {ffff} 65535 65535\r\n".encode())
    write("v1-too-long.bin", b"PROXY UNKNOWN " + b"x" * 200 + b"\r\n")
    for chars in (106, 107, 108):  # the line around the 108-byte limit, without its CRLF
        write(f"v1-unknown-{chars}-chars.bin", b"PROXY UNKNOWN " + b"x" * (chars - 14) + b"\r\n")
    write("v1-truncated.bin", b"PROXY TCP4 203.0.113.7 10.0")
    write("v1-tcp4-then-connect.bin", b"PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\r\n" + CONNECT)
    write("v1-bad-address.bin", b"PROXY TCP4 203.0.113.777 10.0.0.10 51234 3128\r\n")
    write("v1-lf-only.bin", b"PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\n" + CONNECT)

    # v2: PROXY and LOCAL for IPv4 and IPv6, with and without TLVs, other transports, a bad signature, a header with
    # the request behind it, and the largest header (16 + 65535 bytes).
    a4 = inet("203.0.113.7", "10.0.0.10", 51234, 3128)
    a6 = inet("2001:db8::7", "2001:db8::10", 51234, 3128)
    tlvs = (tlv(0x01, b"h2")                                   # PP2_TYPE_ALPN
            + tlv(0x02, b"myreg.azurecr.io")                   # PP2_TYPE_AUTHORITY
            + tlv(0x05, bytes(range(16)))                      # PP2_TYPE_UNIQUE_ID
            + tlv(0x20, b"\x07" + bytes(4)                     # PP2_TYPE_SSL: client flags, verify
                  + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client.example") + tlv(0x23, b"TLS_AES_128_GCM_SHA256"))
            + tlv(0xee, b"\x01" + (0x12345678).to_bytes(4, "big"))  # Azure private link: LINKID
            + tlv(0x04, bytes(3)))                             # PP2_TYPE_NOOP
    write("v2-proxy-tcp4.bin", v2(PROXY, TCP4, a4))
    write("v2-proxy-tcp6.bin", v2(PROXY, TCP6, a6))
    write("v2-proxy-tcp4-tlvs.bin", v2(PROXY, TCP4, a4, tlvs))
    write("v2-proxy-tcp6-tlvs.bin", v2(PROXY, TCP6, a6, tlvs))
    write("v2-local.bin", v2(LOCAL, UNSPEC))
    write("v2-local-tcp4.bin", v2(LOCAL, TCP4, a4))
    write("v2-local-tcp6-tlvs.bin", v2(LOCAL, TCP6, a6, tlvs))
    write("v2-proxy-udp4.bin", v2(PROXY, UDP4, a4))
    write("v2-proxy-unix.bin", v2(PROXY, UNIX_STREAM, b"/run/lb.sock".ljust(108, b"\0") + b"/run/px.sock".ljust(108, b"\0")))
    write("v2-bad-signature.bin", b"\r\n\r\n\x00\r\nQUIT\r" + v2(PROXY, TCP4, a4)[12:])
    write("v2-bad-version.bin", SIG + bytes([0x31, TCP4]) + u16(12) + a4)
    write("v2-short-addresses.bin", v2(PROXY, TCP4, a4[:8]))
    write("v2-truncated.bin", v2(PROXY, TCP6, a6)[:30])
    write("v2-proxy-tcp4-then-connect.bin", v2(PROXY, TCP4, a4) + CONNECT)
    write("v2-local-then-connect.bin", v2(LOCAL, UNSPEC) + CONNECT)
    write("v2-largest.bin", v2(PROXY, TCP4, a4, tlv(0x04, bytes(65535 - 12 - 3))))

    # No header from the balancer: a client that bypassed it.
    write("no-header-connect.bin", CONNECT)
    write("no-header-post.bin", b"POST http://myreg.azurecr.io/ HTTP/1.1\r\nHost: myreg.azurecr.io\r\n\r\n")
    write("no-header-tls.bin", bytes.fromhex("16030100c4010000c00303") + bytes(32))


if __name__ == "__main__":
    main()
