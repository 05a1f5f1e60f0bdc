#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rdpneg-scan against the lab: JSON Lines (one valid rdpneg.probe/1
document per target, duplicates removed), the per-listener limit (a
scripted counting server), --resume, Ctrl-C, the exit code, the progress
line on a terminal and target parsing. Skips when the lab is not up. TAP
output."""
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402

SCAN = os.environ.get("RDPNEG_SCAN", "build/examples/rdpneg-scan")
PROBE = os.environ.get("RDPNEG_PROBE", "build/examples/rdpneg-probe")
VERDICTS = ["healthy", "degraded", "failing", "unknown"]


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return int(v)


def lab_ports():
    """Every TCP port of the lab on 127.0.0.1 (servers, responders, the
    closed port), by variable name."""
    port("LAB_XRDP_TLS_VALID")
    pat = re.compile(r"^LAB_(XRDP|RESP|SHADOW|CLOSED)_[A-Z0-9_]*$")
    return {k: int(v) for k, v in os.environ.items()
            if pat.match(k) and v.isdigit()}


def scan(*args, timeout=120, stdin=None):
    p = subprocess.run([SCAN, *args], capture_output=True, text=True,
                       timeout=timeout, input=stdin)
    docs = [json.loads(line) for line in p.stdout.splitlines()]
    return p.returncode, docs, p.stdout, p.stderr


def key(doc):
    return (doc["target"]["host"], doc["target"]["port"])


class CountingServer:
    """Accepts on 127.0.0.1, records how many connections are open at once,
    reads the X.224 Connection Request and answers after |delay| seconds
    with a Connection Confirm selecting standard RDP security (so a plan
    with --no-tls makes exactly one connection), then closes."""
    CC_RDP = bytes.fromhex("03000013" "0ed000001234" "00" "0200" "0800"
                           "00000000")

    def __init__(self, delay):
        self.delay = delay
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.open = self.max_open = self.total = 0
        self.stop = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.open += 1
                self.total += 1
                self.max_open = max(self.max_open, self.open)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        try:
            c.settimeout(5)
            c.recv(4096)
            time.sleep(self.delay)
        except OSError:
            pass
        # a plan ends with the answer: count it closed before answering, as
        # the scanner may start the next plan as soon as it reads the answer
        with self.lock:
            self.open -= 1
        try:
            c.sendall(self.CC_RDP)
            time.sleep(0.05)
        except OSError:
            pass
        c.close()

    def close(self):
        self.stop = True
        self.sock.close()


class Scan(unittest.TestCase):
    def test_lab_targets_file_and_cidr(self):
        ports = lab_ports()
        closed = ports.pop("LAB_CLOSED_PORT")
        valid = ports["LAB_XRDP_TLS_VALID"]
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("# the lab, with duplicates\n")
            for name, p in sorted(ports.items()):
                f.write("127.0.0.1:%d   # %s\n" % (p, name))
            f.write("127.0.0.1:%d 127.0.0.1:%d\n" % (valid, valid))
            f.flush()
            # the CIDR gives the closed port (new) and a duplicate
            rc, docs, out, err = scan("--timeout", "2000", "-f", f.name,
                                      "127.0.0.1/32", "--ports",
                                      "%d,%d" % (closed, valid))
        want = {("127.0.0.1", p) for p in ports.values()} | {
            ("127.0.0.1", closed)}
        self.assertEqual(len(out.splitlines()), len(want), err)
        self.assertEqual(sorted(key(d) for d in docs), sorted(want))
        for d in docs:
            self.assertEqual(d["schema"], "rdpneg.probe/1")
            self.assertIn(d["verdict"], VERDICTS)
            self.assertFalse(d["cancelled"])
        # every line is a document the library reads back, with its verdict
        with tempfile.NamedTemporaryFile("w", suffix=".json") as one:
            for line, d in zip(out.splitlines(), docs):
                one.seek(0)
                one.truncate()
                one.write(line)
                one.flush()
                p = subprocess.run([PROBE, "--evidence", one.name, "--json"],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, VERDICTS.index(d["verdict"]),
                                 "%s: %s" % (key(d), p.stderr))
                self.assertEqual(json.loads(p.stdout)["verdict"], d["verdict"])
        worst = max(VERDICTS.index(d["verdict"]) for d in docs)
        self.assertEqual(rc, worst)
        self.assertIn("%d of %d targets probed" % (len(want), len(want)), err)
        self.assertIn("3 duplicates removed", err)
        self.assertRegex(err, r"first cause\s+targets\n\s+\w+\s+\d+")
        print("# %d documents, exit %d; %s" % (
            len(docs), rc, " ".join(err.split()[:12])))

    def per_target_run(self, per_target):
        srv = CountingServer(0.4)
        try:
            p = srv.port
            # four spellings of one listener: the scanner resolves them
            targets = ["127.0.0.1:%d" % p, "127.1:%d" % p,
                       "2130706433:%d" % p, "localhost:%d" % p]
            t0 = time.monotonic()
            rc, docs, _, err = scan("--no-tls", "--timeout", "3000",
                                    "--per-target", str(per_target),
                                    "--threads", "2", *targets)
            elapsed = time.monotonic() - t0
        finally:
            srv.close()
        self.assertEqual(len(docs), 4, err)
        self.assertEqual(sorted(d["target"]["host"] for d in docs),
                         sorted(t.rsplit(":", 1)[0] for t in targets))
        for d in docs:
            self.assertEqual(d["x224"]["selected"], "RDP")
            self.assertEqual(d["plan"]["connections"], 1)
        self.assertEqual(srv.total, 4)
        return srv.max_open, elapsed

    def test_per_target_one_never_overlaps(self):
        max_open, elapsed = self.per_target_run(1)
        self.assertEqual(max_open, 1)
        self.assertGreaterEqual(elapsed, 4 * 0.4)
        # the same server sees the overlap when the limit allows it
        max_open4, _ = self.per_target_run(4)
        self.assertGreaterEqual(max_open4, 2)
        print("# at most %d connection(s) at once with --per-target 1 "
              "(%.2f s), %d with --per-target 4" % (max_open, elapsed,
                                                     max_open4))

    def test_resume(self):
        ports = lab_ports()
        first = ["127.0.0.1:%d" % ports[k] for k in
                 ("LAB_XRDP_TLS_VALID", "LAB_CLOSED_PORT", "LAB_RESP_BANNER")]
        more = ["127.0.0.1:%d" % ports[k] for k in
                ("LAB_XRDP_RDP", "LAB_RESP_RESET_AFTER_CR")]
        rc, docs, out, _ = scan("--timeout", "2000", *first)
        self.assertEqual(len(docs), 3)
        lines = out.splitlines()
        # a cancelled document does not count as done
        d0 = json.loads(lines[0])
        d0["cancelled"] = True
        lines[0] = json.dumps(d0)
        lines.append('{"schema":"rdpneg.probe/1","target":{"ho')  # cut short
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            rc, docs2, _, err = scan("--timeout", "2000", "--resume", f.name,
                                     *first, *more)
        got = sorted(key(d) for d in docs2)
        want = sorted([key(d0)] + [("127.0.0.1", int(t.split(":")[1]))
                                   for t in more])
        self.assertEqual(got, want)
        self.assertIn("2 skipped (in the --resume file)", err)
        self.assertIn("1 line not a document", err)

    def test_ctrl_c_cancels_in_flight(self):
        silent = port("LAB_RESP_SILENT")
        tls_silent = port("LAB_RESP_TLS_SILENT")
        # two listeners, --per-target 1: two plans in flight, four waiting
        targets = []
        for p in (silent, tls_silent):
            targets += ["127.0.0.1:%d" % p, "127.1:%d" % p,
                        "localhost:%d" % p]
        proc = subprocess.Popen([SCAN, "--timeout", "10000", "--per-target",
                                 "1", *targets], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        took = time.monotonic() - t0
        self.assertLess(took, 1.0, "took %.2f s after SIGINT" % took)
        docs = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(docs), 2, err)
        self.assertEqual(sorted(d["target"]["port"] for d in docs),
                         sorted([silent, tls_silent]))
        for d in docs:
            self.assertTrue(d["cancelled"])
            self.assertEqual(d["verdict"], "unknown")
        self.assertEqual(proc.returncode, 3)
        self.assertIn("interrupted", err)
        self.assertIn("2 cancelled in flight, 4 not started", err)
        self.assertRegex(err, r"unknown\s+2\n")
        self.assertNotIn("first cause", err)  # cancelled: not counted
        print("# SIGINT: ended in %.2f s with %d cancelled documents" % (
            took, len(docs)))

    def test_second_ctrl_c_exits_at_once(self):
        # the first Ctrl-C ends a scan within milliseconds, unless the
        # output blocks: a reader that does not read (a full pipe) keeps a
        # document half-written, and then the second Ctrl-C exits at once
        port("LAB_CLOSED_PORT")
        with tempfile.TemporaryFile() as errf:
            proc = subprocess.Popen([SCAN, "127.0.0.1/32", "--ports",
                                     "1-200"], stdout=subprocess.PIPE,
                                    stderr=errf)
            time.sleep(1.5)  # 200 refused ports: far more than a pipe holds
            proc.send_signal(signal.SIGINT)
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "the scan ended: output did "
                              "not block")
            t0 = time.monotonic()
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=10)
            took = time.monotonic() - t0
            proc.stdout.close()
            errf.seek(0)
            err = errf.read().decode()
        self.assertEqual(rc, 130, err)
        self.assertLess(took, 1.0)
        self.assertIn("interrupted: cancelling", err)
        self.assertIn("interrupted again", err)

    def test_exit_code_is_worst_verdict(self):
        ports = lab_ports()
        valid = "127.0.0.1:%d" % ports["LAB_XRDP_NEG_VALID"]
        ca = os.environ.get("LAB_CA", "")
        cases = [
            (0, ["--ca-file", ca, valid]),
            (1, ["--ca-file", ca, "--warn-days", "36500", valid]),
            (2, ["--ca-file", ca, valid,
                 "127.0.0.1:%d" % ports["LAB_CLOSED_PORT"]]),
            (3, ["--ca-file", ca, valid, "no-such-host.invalid"]),
        ]
        for want, args in cases:
            rc, docs, _, err = scan("--timeout", "3000", *args)
            self.assertEqual(rc, want, "%s: %s" % (args, err))
            self.assertEqual(max(VERDICTS.index(d["verdict"]) for d in docs),
                             want)

    def test_progress_line_on_a_terminal(self):
        silent = port("LAB_RESP_SILENT")
        closed = port("LAB_CLOSED_PORT")
        master, slave = pty.openpty()
        proc = subprocess.Popen([SCAN, "--timeout", "1000",
                                 "127.0.0.1:%d" % silent,
                                 "127.0.0.1:%d" % closed],
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        buf = b""
        deadline = time.time() + 30
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
            elif proc.poll() is not None:
                break
        proc.communicate(timeout=30)
        os.close(master)
        text = buf.decode(errors="replace")
        lines = re.findall(r"\r\x1b\[K([^\r\n]*done[^\r\n]*)", text)
        self.assertTrue(lines, text)
        self.assertRegex(lines[-1], r"^\d+/2 done, \d+ in flight, [0-9.]+/s, "
                         r"ETA \S+ \| healthy 0, degraded 0, failing \d+, "
                         r"unknown 0$")
        self.assertIn("2 of 2 targets probed", text)
        print("# progress: %s" % lines[-1])

    def test_target_forms_and_limits(self):
        closed = port("LAB_CLOSED_PORT")
        # a /8 is refused before anything is probed; --max-targets lowers it
        rc, docs, _, err = scan("10.0.0.0/8")
        self.assertEqual((rc, docs), (3, []))
        self.assertIn("over --max-targets 65536", err)
        rc, _, _, err = scan("--max-targets", "2", "127.0.0.0/30")
        self.assertEqual(rc, 3)
        self.assertIn("range 127.0.0.0/30 has 4 addresses", err)
        rc, _, _, err = scan("fd00::/64")
        self.assertEqual(rc, 3)
        self.assertIn("2^64 addresses", err)
        rc, _, _, err = scan("127.0.0.1:0")
        self.assertEqual(rc, 3)
        # IPv6 forms, stdin, comments, CIDR with a port
        rc, docs, _, err = scan(
            "-f", "-", "--ports", str(closed),
            stdin="[::1]:%d ::1 # same target\n127.0.0.1/32:%d\n" % (
                closed, closed))
        self.assertEqual(sorted(key(d) for d in docs),
                         [("127.0.0.1", closed), ("::1", closed)])
        self.assertIn("1 duplicate removed", err)

    def test_more_targets_than_the_batch_holds(self):
        # the scan feeds the library's batch at most 4 x concurrency + 1024
        # targets ahead of the results it has taken back: 4,096 targets at
        # --concurrency 16 refill that window about four times; every
        # target still gets exactly one document
        closed = port("LAB_CLOSED_PORT")
        rc, docs, _, err = scan("--concurrency", "16", "--no-tls",
                                "--ports", str(closed), "127.0.0.0/20",
                                timeout=240)
        want = {("127.0.%d.%d" % (i >> 8, i & 255), closed)
                for i in range(4096)}
        got = [key(d) for d in docs]
        self.assertEqual(len(got), 4096, err)
        self.assertEqual(set(got), want)
        for d in docs:
            self.assertEqual(d["diagnosis"][0]["cause"], "PORT_CLOSED")
        self.assertEqual(rc, 2, err)
        self.assertIn("4096 of 4096 targets probed", err)


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
