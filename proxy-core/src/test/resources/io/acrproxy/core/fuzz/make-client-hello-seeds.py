#!/usr/bin/env python3
"""Builds the synthetic ClientHello seeds of ClientHelloFuzzTest from the captured ones beside them.

    python3 proxy-core/src/test/resources/io/acrproxy/core/fuzz/make-client-hello-seeds.py

Reads ClientHelloFuzzTestInputs/<method>/captured-*.bin (real first flights, recorded on loopback: see the commit
that added them) and writes synthetic-*.bin into the same directory. Deterministic: the key material and ECH payload
come from a seeded generator, so running it again rewrites the same bytes. Every length field (record, handshake,
extensions block, each extension's inner lists) is recomputed, so each synthetic hello is well-formed unless its name
says otherwise.

Jazzer replays every file in that directory as a regression input during `mvn test`; this script is not needed for
that, only to remake the synthetic seeds.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "ClientHelloFuzzTestInputs", "verdictDoesNotDependOnSplitsAndNamesComeFromTheBytes")

EXT_SERVER_NAME = 0x0000
EXT_SUPPORTED_GROUPS = 0x000a
EXT_PADDING = 0x0015
EXT_PRE_SHARED_KEY = 0x0029
EXT_SUPPORTED_VERSIONS = 0x002b
EXT_KEY_SHARE = 0x0033
EXT_ECH = 0xfe0d
X25519MLKEM768 = 0x11ec
X25519MLKEM768_CLIENT_SHARE = 1216  # ML-KEM-768 encapsulation key (1184) + X25519 public key (32)

rng = random.Random(20261203)


def u8(n): return n.to_bytes(1, "big")
def u16(n): return n.to_bytes(2, "big")
def u24(n): return n.to_bytes(3, "big")
def vec8(b): return u8(len(b)) + b
def vec16(b): return u16(len(b)) + b


class Hello:
    """A ClientHello body split into its fields; extensions as an ordered list of [type, data]."""

    def __init__(self, records):
        handshake = deframe(records)
        assert handshake[0] == 1, "not a ClientHello"
        body = handshake[4:4 + int.from_bytes(handshake[1:4], "big")]
        self.record_version = int.from_bytes(records[1:3], "big")
        p = 0
        self.version = body[p:p + 2]; p += 2
        self.random = body[p:p + 32]; p += 32
        self.session_id = body[p + 1:p + 1 + body[p]]; p += 1 + body[p]
        n = int.from_bytes(body[p:p + 2], "big")
        self.cipher_suites = [int.from_bytes(body[i:i + 2], "big") for i in range(p + 2, p + 2 + n, 2)]; p += 2 + n
        self.compression = body[p + 1:p + 1 + body[p]]; p += 1 + body[p]
        end = p + 2 + int.from_bytes(body[p:p + 2], "big"); p += 2
        assert end == len(body)
        self.extensions = []
        while p < end:
            t, n = int.from_bytes(body[p:p + 2], "big"), int.from_bytes(body[p + 2:p + 4], "big")
            self.extensions.append([t, body[p + 4:p + 4 + n]])
            p += 4 + n

    def body(self):
        exts = b"".join(u16(t) + vec16(d) for t, d in self.extensions)
        return (self.version + self.random + vec8(self.session_id)
                + vec16(b"".join(u16(c) for c in self.cipher_suites)) + vec8(self.compression) + vec16(exts))

    def handshake(self):
        body = self.body()
        return u8(1) + u24(len(body)) + body

    def records(self, *fragment_sizes):
        """The handshake message in records of the given sizes (the last one takes the rest)."""
        return frame(self.handshake(), self.record_version, fragment_sizes)

    def ext(self, t):
        return next((e for e in self.extensions if e[0] == t), None)

    def drop(self, t):
        self.extensions = [e for e in self.extensions if e[0] != t]

    def add(self, t, data, first=False):
        """Adds an extension; pre_shared_key stays last (RFC 8446 §4.2.11)."""
        if first:
            self.extensions.insert(0, [t, data])
            return
        at = len(self.extensions)
        if self.extensions and self.extensions[-1][0] == EXT_PRE_SHARED_KEY:
            at -= 1
        self.extensions.insert(at, [t, data])

    def server_names(self, *names):
        entries = b"".join(u8(0) + vec16(n) for n in names)
        e = self.ext(EXT_SERVER_NAME)
        if e is None:
            self.add(EXT_SERVER_NAME, vec16(entries), first=True)
        else:
            e[1] = vec16(entries)

    def groups(self):
        d = self.ext(EXT_SUPPORTED_GROUPS)[1]
        return [int.from_bytes(d[i:i + 2], "big") for i in range(2, len(d), 2)]

    def set_groups(self, groups):
        self.ext(EXT_SUPPORTED_GROUPS)[1] = vec16(b"".join(u16(g) for g in groups))

    def key_shares(self):
        d = self.ext(EXT_KEY_SHARE)[1]
        shares, p = [], 2
        while p < len(d):
            g, n = int.from_bytes(d[p:p + 2], "big"), int.from_bytes(d[p + 2:p + 4], "big")
            shares.append((g, d[p + 4:p + 4 + n]))
            p += 4 + n
        return shares

    def set_key_shares(self, shares):
        self.ext(EXT_KEY_SHARE)[1] = vec16(b"".join(u16(g) + vec16(k) for g, k in shares))


def deframe(records):
    out, p = b"", 0
    while p + 5 <= len(records):
        n = int.from_bytes(records[p + 3:p + 5], "big")
        out += records[p + 5:p + 5 + n]
        p += 5 + n
    return out


def frame(handshake, version, fragment_sizes=()):
    out, p = b"", 0
    for size in list(fragment_sizes) + [len(handshake)]:
        chunk = handshake[p:p + size]
        if chunk:
            out += u8(22) + u16(version) + vec16(chunk)
        p += len(chunk)
    return out


def read(name):
    with open(os.path.join(SEEDS, name), "rb") as f:
        return f.read()


def write(name, data):
    with open(os.path.join(SEEDS, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def curl():
    return Hello(read("captured-curl-openssl3.bin"))


def with_post_quantum_share():
    """What Go 1.24+ and current browsers send: X25519MLKEM768 preferred, its 1216-byte share first."""
    h = curl()
    h.drop(EXT_PADDING)  # OpenSSL pads to 512 bytes only when the hello would be shorter
    h.set_groups([X25519MLKEM768] + [g for g in h.groups() if g != X25519MLKEM768])
    h.set_key_shares([(X25519MLKEM768, rng.randbytes(X25519MLKEM768_CLIENT_SHARE))] + h.key_shares())
    return h


def main():
    # Post-quantum key share: one record, then the same handshake message fragmented into two records (the cut
    # falls inside the ML-KEM key share, as a 1500-byte MTU would cut the TCP stream).
    pq = with_post_quantum_share()
    write("synthetic-x25519mlkem768.bin", pq.records())
    write("synthetic-x25519mlkem768-two-records.bin", pq.records(1200))

    # Three records, the second cut falling inside the host_name, so the name is not contiguous on the wire.
    h = curl()
    hs = h.handshake()
    name_at = hs.index(b"myreg.azurecr.io")
    write("synthetic-three-records-name-cut.bin", h.records(100, name_at + 5 - 100))

    # GREASE (RFC 8701) as Chrome sends it: a cipher suite, a group with a 1-byte key share, a supported version,
    # and two extensions (an empty one first, a 1-byte one last).
    h = curl()
    h.drop(EXT_PADDING)
    h.cipher_suites.insert(0, 0x0a0a)
    h.set_groups([0x1a1a] + h.groups())
    h.set_key_shares([(0x1a1a, b"\x00")] + h.key_shares())
    sv = h.ext(EXT_SUPPORTED_VERSIONS)
    sv[1] = vec8(u16(0x3a3a) + sv[1][1:])
    h.add(0x2a2a, b"", first=True)
    h.add(0x4a4a, b"\x00")
    write("synthetic-grease.bin", h.records())

    # Encrypted Client Hello (RFC 9849): the outer hello names the client-facing server's public name, the real
    # name is in the encrypted payload. The proxy sees only the outer name: refused as sni_mismatch against a
    # CONNECT to myreg.azurecr.io, and accepted when the outer name is the CONNECT host.
    for outer, suffix in ((b"public.example", "public-name"), (b"myreg.azurecr.io", "outer-name-is-target")):
        h = curl()
        h.drop(EXT_PADDING)
        h.server_names(outer)
        ech = (u8(0)                          # ECHClientHelloType outer
               + u16(0x0001) + u16(0x0001)    # HPKE KDF HKDF-SHA256, AEAD AES-128-GCM
               + u8(rng.randrange(256))       # config_id
               + vec16(rng.randbytes(32))     # enc: the X25519 encapsulated key
               + vec16(rng.randbytes(239)))   # payload: the encrypted inner hello
        h.add(EXT_ECH, ech)
        write(f"synthetic-ech-{suffix}.bin", h.records())

    # Names: upper case and a trailing dot (normalised to the CONNECT host); two host_name entries (malformed);
    # no server_name; another name; a NUL inside; an IP literal.
    for name, names in (("sni-upper-case-trailing-dot", [b"MyReg.AzureCR.IO."]),
                        ("two-server-names", [b"myreg.azurecr.io", b"evil.example"]),
                        ("other-name", [b"evil.example"]),
                        ("sni-with-nul", [b"myreg.azurecr.io\x00.evil.example"]),
                        ("sni-ip-literal", [b"10.0.0.1"])):
        h = curl()
        h.server_names(*names)
        write(f"synthetic-{name}.bin", h.records())
    h = curl()
    h.drop(EXT_SERVER_NAME)
    write("synthetic-no-server-name.bin", h.records())

    # Truncated: a strict prefix cut inside the first record; and a first record that is complete while the
    # handshake message it starts is not (the second record never came). Both wait for more.
    write("synthetic-truncated.bin", read("captured-curl-openssl3.bin")[:300])
    write("synthetic-truncated-after-first-record.bin", pq.records(1200)[:5 + 1200])

    # Bytes behind the hello: a ChangeCipherSpec and an application-data record, passed on unchanged.
    write("synthetic-hello-then-more-records.bin", read("captured-curl-openssl3.bin")
          + bytes.fromhex("140303000101") + u8(23) + u16(0x0303) + vec16(rng.randbytes(40)))

    # Sizes: 5000 bytes (too large for 4096, fine for 16384); exactly 16384 in one record; 16385 in two.
    for size, fragments, name in ((5000, (), "padded-5000"), (16384, (), "padded-16384-one-record"),
                                  (16385, (8192,), "padded-16385-two-records")):
        h = curl()
        h.drop(EXT_PADDING)
        base = len(h.handshake())
        h.add(EXT_PADDING, bytes(size - base - 4))
        assert len(h.handshake()) == size
        write(f"synthetic-{name}.bin", h.records(*fragments))

    # Not TLS at all: an HTTP request, and an SSLv2-compatible hello (RFC 6176).
    write("synthetic-not-tls-http.bin", b"GET / HTTP/1.1\r\nHost: myreg.azurecr.io\r\n\r\n")
    write("synthetic-not-tls-sslv2.bin", bytes.fromhex("802e0103010015000000100000040000050000"
                                                       "0a0100800700c00300800000ff") + rng.randbytes(16))


if __name__ == "__main__":
    main()
