#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds the seed corpora of the fuzz targets from the public captures.

    make_corpus.py --extractor BUILD/test/fuzz/pcap_streams \
        [--captures DIR] [--src ROOT] --out DIR [--stamp FILE]

Captures: --captures, else $RDPNEG_CAPTURES, else ROOT/../shared/captures.
When they are absent, only the seeds that need no capture are written
(overrides, explain, reported, the synthetic CredSSP server settings).

Every TCP stream of every pcap/pcapng is reassembled by pcap_streams (the
capture tests' reader, test/unit/pcap.c). From the server's streams come
the X.224 confirms, whole server answers for the session target (split into
records), TLS certificate chains, and NTLM/SPNEGO messages; the byte vectors
(.bin) add TSRequests and tokens. Files are named by their SHA-1, as
libFuzzer names them, in OUT/<target>/."""
import argparse
import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile

TARGETS = ["x224", "tsrequest", "spnego", "ntlm", "cert", "overrides",
           "explain", "reported", "session", "tls", "nla"]
MAX_SEED = 16384


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = {t: 0 for t in TARGETS}
        for t in TARGETS:  # regenerated from scratch
            d = os.path.join(out, t)
            os.makedirs(d, exist_ok=True)
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))

    def add(self, target, data):
        data = bytes(data[:MAX_SEED])
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(self.out, target, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] += 1


# ---- DER helpers -----------------------------------------------------------

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_int(v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True)
    return der(0x02, b)


def tsrequest(version, nego=None, pka=None, err=None, nonce=None):
    body = der(0xA0, der_int(version))
    if nego is not None:
        body += der(0xA1, der(0x30, der(0x30, der(0xA0, der(0x04, nego)))))
    if pka is not None:
        body += der(0xA3, der(0x04, pka))
    if err is not None:
        body += der(0xA4, der(0x02, struct.pack(">i", err)))
    if nonce is not None:
        body += der(0xA5, der(0x04, nonce))
    return der(0x30, body)


def read_tlv(buf, off):
    """(content start, end) of the DER TLV at |off|, or None."""
    if off + 2 > len(buf):
        return None
    l = buf[off + 1]
    p = off + 2
    if l & 0x80:
        k = l & 0x7F
        if k == 0 or k > 4 or p + k > len(buf):
            return None
        l = int.from_bytes(buf[p:p + k], "big")
        p += k
    if p + l > len(buf):
        return None
    return p, p + l


def nego_tokens(ts):
    """The negoTokens of a TSRequest, [] when it does not decode."""
    out = []
    t = read_tlv(ts, 0)
    if not t or ts[0] != 0x30:
        return out
    p, end = t
    while p < end:
        f = read_tlv(ts, p)
        if not f:
            break
        if ts[p] == 0xA1:
            q = f[0]
            s = read_tlv(ts, q)  # SEQUENCE OF
            if s:
                r = s[0]
                while r < s[1]:
                    item = read_tlv(ts, r)
                    if not item:
                        break
                    c = read_tlv(ts, item[0])  # [0]
                    o = c and read_tlv(ts, c[0])  # OCTET STRING
                    if o:
                        out.append(ts[o[0]:o[1]])
                    r = item[1]
        p = f[1]
    return out


# ---- what is inside the streams -----------------------------------------

def tpkt(stream):
    if len(stream) >= 4 and stream[0] == 3 and stream[1] == 0:
        n = struct.unpack(">H", stream[2:4])[0]
        if 7 <= n <= len(stream):
            return stream[:n]
    return None


def tls_certificates(stream):
    """Certificate chains (lists of DER) in the TLS handshake that follows
    an X.224 confirm (or starts the stream)."""
    cc = tpkt(stream)
    p = len(cc) if cc else 0
    hs = b""
    while p + 5 <= len(stream):
        typ, ln = stream[p], struct.unpack(">H", stream[p + 3:p + 5])[0]
        if typ not in (20, 21, 22, 23) or stream[p + 1] != 3:
            break
        if typ == 20:
            break
        if typ == 22:
            hs += stream[p + 5:p + 5 + ln]
        p += 5 + ln
    chains = []
    q = 0
    while q + 4 <= len(hs):
        mt = hs[q]
        ml = int.from_bytes(hs[q + 1:q + 4], "big")
        body = hs[q + 4:q + 4 + ml]
        if mt == 11 and len(body) >= 3:
            certs, r = [], 3
            while r + 3 <= len(body):
                cl = int.from_bytes(body[r:r + 3], "big")
                certs.append(body[r + 3:r + 3 + cl])
                r += 3 + cl
            if certs:
                chains.append(certs)
        q += 4 + ml
    return chains


def der_certificates(blob):
    """X.509 certificates anywhere in |blob| (SEQUENCE { SEQUENCE ..."""
    found = []
    for m in re.finditer(rb"\x30\x82", blob):
        i = m.start()
        t = read_tlv(blob, i)
        if t and blob[t[0]:t[0] + 2] == b"\x30\x82" and t[1] - i > 200:
            found.append(blob[i:t[1]])
    return found


def ntlm_messages(blob):
    out = []
    for m in re.finditer(rb"NTLMSSP\x00", blob):
        i = m.start()
        if i + 12 <= len(blob):
            out.append((blob[i + 8], blob[i:i + 2048], i))
    return out


def spnego_around(blob, i):
    """The outermost GSS/NegTokenResp DER value that contains offset |i|."""
    for j in range(max(0, i - 96), i):
        if blob[j] in (0x60, 0xA1):
            t = read_tlv(blob, j)
            if t and t[1] >= i + 16:
                return blob[j:t[1]]
    return None


def target_info_avs(chal):
    """AV pairs of a CHALLENGE's target info, without MsvAvEOL."""
    if len(chal) < 48:
        return b""
    ln, off = struct.unpack("<H", chal[40:42])[0], struct.unpack("<I", chal[44:48])[0]
    ti = chal[off:off + ln]
    out, p = b"", 0
    while p + 4 <= len(ti):
        avid, avlen = struct.unpack("<HH", ti[p:p + 4])
        if avid == 0:
            break
        out += ti[p:p + 4 + avlen]
        p += 4 + avlen
    return out


def session_records(stream, first_small=0, end=None, dt=1):
    """fuzz_session records: [op][len][bytes] (op 0 read, dt in bits 3-7)."""
    out = b""
    p = 0
    while p < len(stream):
        n = 1 if p < first_small else min(255, len(stream) - p)
        out += bytes([(dt << 3) | 0, n]) + stream[p:p + n]
        p += n
    if end is not None:
        out += bytes([end, 0])
    return out


# ---- the targets ------------------------------------------------------------

def x224_seed(pdu, expect_cr):
    return bytes([1 if expect_cr else 0]) + b"\x0b\x00\x00\x00\x00\x02" + pdu


def seeds_from_streams(c, streams):
    ntlm_by_type = {}
    for name, cli, srv in streams:
        for data, is_cr in ((srv, False), (cli, True)):
            pdu = tpkt(data) if data else None
            if pdu:
                c.add("x224", x224_seed(pdu, is_cr))
        if srv and tpkt(srv):
            s = srv[:8192]
            c.add("session", b"\x00\x10" + session_records(s))
            c.add("session", b"\x00\x10" + session_records(s, 64, end=4))
            c.add("session", b"\x40\x10" + session_records(s[:600], end=5))
            c.add("session", b"\x01\x10" + session_records(s[:300], end=6))
        for chain in tls_certificates(srv or b""):
            blob = b"".join(chain)
            c.add("cert", b"\x05\x09localhost" + blob)
            c.add("cert", b"\x01\x0eserver.example" + blob)
            c.add("cert", b"\x26\x09192.0.2.1" + blob)
        for blob in (cli, srv):
            if not blob:
                continue
            for der_cert in der_certificates(blob):
                c.add("cert", b"\x01\x09localhost" + der_cert)
            for typ, msg, i in ntlm_messages(blob):
                ntlm_by_type.setdefault(typ, []).append(msg)
                tok = spnego_around(blob, i)
                if tok:
                    c.add("spnego", tok)
                    c.add("tsrequest", tsrequest(6, nego=tok))
    return ntlm_by_type


def seeds_from_vectors(c, cap_dir, ntlm_by_type):
    tsreqs, tokens = [], []
    for root, _, files in os.walk(cap_dir):
        for f in sorted(files):
            if not f.endswith(".bin"):
                continue
            data = open(os.path.join(root, f), "rb").read()
            if "x224" in f and tpkt(data):
                c.add("x224", x224_seed(tpkt(data), "client" in f))
            if "tsrequest" in f:
                tsreqs.append(data)
                c.add("tsrequest", data)
                for tok in nego_tokens(data):
                    if tok[:1] in (b"\x60", b"\xa1"):
                        tokens.append(tok)
                    for typ, msg, _ in ntlm_messages(tok):
                        ntlm_by_type.setdefault(typ, []).append(msg)
            if "spnego" in f or f.startswith("ntlm_uts_tok"):
                tokens.append(data)
            if "ntlm" in f:
                for typ, msg, _ in ntlm_messages(data):
                    ntlm_by_type.setdefault(typ, []).append(msg)
            for der_cert in der_certificates(data):
                c.add("cert", b"\x01\x09localhost" + der_cert)
    for tok in tokens:
        c.add("spnego", tok)
        c.add("tsrequest", tsrequest(6, nego=tok))
    sel = {1: 0, 2: 1, 3: 2}
    challenges = []
    for typ, msgs in sorted(ntlm_by_type.items()):
        for msg in msgs[:40]:
            if typ in sel:
                c.add("ntlm", bytes([sel[typ]]) + msg)
            if typ == 2:
                c.add("ntlm", bytes([5]) + msg)  # and the client's answer
                challenges.append(msg)
                c.add("tsrequest", tsrequest(2, nego=msg))
    for name in ("L\x00A\x00B\x00", "s\x00r\x00v\x00\x00\xd8"):
        c.add("ntlm", b"\x03" + name.encode("latin-1"))
    return tsreqs, tokens, challenges


def tls_seeds(c, tsreqs, tokens, challenges):
    # c0 c1 c2 c3 | chunk step nmut | cut(2) appchunk | app data
    def seed(c0, c1=0x20, c2=0x08, c3=0x00, chunk=0, step=1, app=b""):
        return bytes([c0, c1, c2, c3, chunk, step, 0, 0xFF, 0xFF, 0]) + app
    apps = [b""] + tsreqs[:4]
    for tok in tokens[:4]:
        apps.append(tsrequest(6, nego=tok))
    for chal in challenges[:4]:
        apps.append(tsrequest(3, nego=chal))
    apps.append(tsrequest(6, err=-1073741715))  # 0xC000006D
    for i, app in enumerate(apps):
        c.add("tls", seed(0x01 | (0x08 if i % 2 else 0), app=app))
        c.add("tls", seed(0x12 | 0x20, c1=0x23, app=app))
    for c1 in (0x00, 0x10, 0x21, 0x22, 0x24, 0x28, 0x60, 0xA0):
        c.add("tls", seed(0x00, c1=c1))
    for c3 in range(1, 8):
        c.add("tls", seed(0x20, c1=0x20 | (c3 & 1), c3=c3))
    c.add("tls", seed(0x00, chunk=1, step=3))
    c.add("tls", seed(0x20, c2=0xF8))  # reject everything


def nla_seeds(c, challenges):
    avs = [b""] + [target_info_avs(ch) for ch in challenges[:6]]
    for v in (2, 3, 4, 5, 6):
        for c0 in (0x00, 0x01, 0x02, 0x03, 0x41):
            c.add("nla", bytes([c0, v | 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0]))
    for c1 in (0x06 | (b << 5) for b in range(8)):
        for c0 in (0x01, 0x02, 0x10, 0x20, 0x80, 0x08):
            c.add("nla", bytes([c0, c1 | 0x10, 3, 0, 0, 0, 0, 0, 0, 1, 1]))
    for i, av in enumerate(avs):
        c.add("nla", bytes([i & 1, 0x0e, 0, 0, 1, 0, 40, 0x20, 7, 2, 0]) + av)
    c.add("nla", bytes([0x01, 0x1e, 0, 1, 0, 0, 0, 0, 0, 1, 0]))


def text_seeds(c, src):
    c.add("overrides", b'{"version": 1,\n "causes": {"CERT_EXPIRED": '
          b'{"remedies": ["Call the ACME help desk, ext. 4711"], "mode": '
          b'"replace"},\n "PORT_FILTERED": {"remedies": ["Check the ACME '
          b'VPN client"], "mode": "append"}}}\n')
    c.add("overrides", b'{"causes": {"CERT_EXPIRED": {"remedies": ["third"],'
          b' "mode": "append"}}, "comment": "\\u00e9\\ud83d\\ude00"}')
    c.add("overrides", b'{"version": 2}')
    c.add("overrides", b'{"version": 1, "causes": {"NO_SUCH": {}}}')
    c.add("overrides", b"[1, 2.5e3, -0, true, false, null, \"x\"]")
    causes, rows, kinds = [], [], {}
    tax = os.path.join(src, "lib", "taxonomy")
    try:
        for m in re.finditer(r"^KIND\((\w+),\s*(\d+)",
                             open(os.path.join(tax, "kinds.def")).read(), re.M):
            kinds[m.group(1)] = int(m.group(2))
        causes = re.findall(r"^CAUSE\((\w+),",
                            open(os.path.join(tax, "causes.def")).read(), re.M)
        rows = re.findall(r'^CODE\((\w+),\s*(0x[0-9A-Fa-f]+|\d+),\s*"([^"]*)"',
                          open(os.path.join(tax, "codes.def")).read(), re.M)
    except OSError:
        pass
    for cause in causes[::4]:
        c.add("overrides", ('{"version": 1, "causes": {"%s": {"remedies": '
                            '["a", "b"], "mode": "append"}}}' % cause).encode())
        c.add("explain", b"\x00" * 10 + cause.encode())
    for kind, value, name in rows[::5]:
        k = kinds.get(kind, 0)
        c.add("explain", bytes([k + 1]) + struct.pack(">I", int(value, 0)) +
              b"\x00" + b"\x00" * 4 + name.encode())
    c.add("explain", bytes([2]) + struct.pack(">I", 0x904) + b"\x01" +
          struct.pack(">I", 7) + b"ssl_err")
    c.add("explain", bytes([1]) + struct.pack(">I", 0x904) + b"\x03" +
          struct.pack(">I", 7))
    for r in ("0x904/0x7", "errinfo:0x7", "ssl_err:0x1B07",
              "ntstatus:0xC000006D", "freerdp:0x0002001E", "neg_failure:5",
              "disconnect:0x904 0x7", "tls_alert:42", "0x1B07", "3,4",
              "eua:5", "x:1", "0x1ffffffff"):
        c.add("reported", r.encode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extractor", required=True)
    ap.add_argument("--captures")
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__),
                                                  "..", ".."))
    ap.add_argument("--out", required=True)
    ap.add_argument("--stamp")
    a = ap.parse_args()
    cap_dir = a.captures or os.environ.get("RDPNEG_CAPTURES") or \
        os.path.join(a.src, "..", "shared", "captures")
    c = Corpus(a.out)
    have = os.path.isfile(os.path.join(cap_dir, "SOURCES.md"))
    challenges = []
    if have:
        streams = []
        with tempfile.TemporaryDirectory() as tmp:
            for root, _, files in sorted(os.walk(cap_dir)):
                for f in sorted(files):
                    if not f.endswith((".pcap", ".pcapng")):
                        continue
                    prefix = re.sub(r"\W", "_", os.path.relpath(
                        os.path.join(root, f), cap_dir))
                    r = subprocess.run([a.extractor, os.path.join(root, f),
                                        tmp, prefix], capture_output=True,
                                       text=True)
                    for line in r.stdout.splitlines():
                        n = line.split()[0]
                        def rd(d):
                            p = os.path.join(tmp, "%s-%s-%s.bin" % (prefix, n, d))
                            return open(p, "rb").read() if os.path.exists(p) else b""
                        streams.append((prefix, rd("c"), rd("s")))
        ntlm = seeds_from_streams(c, streams)
        tsreqs, tokens, challenges = seeds_from_vectors(c, cap_dir, ntlm)
        tls_seeds(c, tsreqs, tokens, challenges)
    else:
        print("make_corpus: no captures at %s: synthetic seeds only" % cap_dir,
              file=sys.stderr)
        tls_seeds(c, [], [], [])
    nla_seeds(c, challenges)
    text_seeds(c, a.src)
    print("make_corpus: " + ", ".join("%s %d" % (t, c.count[t]) for t in TARGETS))
    if a.stamp:
        with open(a.stamp, "w") as f:
            f.write(" ".join("%s=%d" % (t, c.count[t]) for t in TARGETS) + "\n")


if __name__ == "__main__":
    main()
