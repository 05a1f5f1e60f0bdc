#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""examples/rdpneg-exporter against the lab (TAP).

One exporter: the metrics of healthy, expired, silent, closed and
enumerated targets (values, and `promtool check metrics` on every answer),
/metrics, the 400s of bad requests and configurations, the deadline below
the scrape timeout, and probes served concurrently. Then "past one
machine": two real Prometheus servers (Debian's prometheus) and two
exporters on loopback share ONE target list by hashmod relabelling
(modulus 2); every target is probed by exactly one pair (the union of the
instances each Prometheus has for rdpneg_probe_success is the list, the
intersection empty, the split the one hashmod predicts) and each series is
queryable through each Prometheus's HTTP API. Last, the exporter's CPU per
probe (the README's arithmetic).

Needs prometheus (promtool ships in it) and python3-prometheus-client
(test/lab/lab.sh install); skips without them, fails without them when
CI=true. Environment: the lab's LAB_* ports, RDPNEG_LIBRARY_DIR (the build
tree), RDPNEG_EXPORTER (default examples/rdpneg-exporter).
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXPORTER = os.environ.get("RDPNEG_EXPORTER",
                          os.path.join(ROOT, "examples", "rdpneg-exporter"))
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
CA = os.environ.get("LAB_CA", "")
CI = os.environ.get("CI") == "true"


def missing():
    """What is not installed, or None."""
    what = []
    if not PROMETHEUS or not PROMTOOL:
        what.append("prometheus (with promtool)")
    if subprocess.run(["/usr/bin/python3", "-c", "import prometheus_client"],
                      capture_output=True).returncode != 0:
        what.append("python3-prometheus-client")
    return ", ".join(what) or None


MISSING = missing()


def need_tools(t):
    if MISSING:
        msg = ("%s not installed (test/lab/lab.sh install: apt-get install "
               "prometheus python3-prometheus-client)" % MISSING)
        if CI:
            t.fail("CI: " + msg)
        t.skipTest(msg)


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return int(v)


def free_port():
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, headers=None, timeout=30, data=None):
    """(status, body text) of a GET (or POST with |data|)."""
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def samples(text):
    """{'name{labels}': value} of an exposition (labels as printed)."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
    return out


def promtool(t, text):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=60)
    t.assertEqual(p.returncode, 0, "promtool check metrics:\n" + p.stdout +
                  p.stderr + "\non:\n" + text)


def wait_http(url, proc, what, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("%s exited with %d" % (what, proc.returncode))
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise AssertionError("%s did not answer %s in %d s" % (what, url,
                                                          timeout))


def stop(proc):
    """Stops one process we started, by its PID."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def start_exporter(config, log):
    p = free_port()
    proc = subprocess.Popen([EXPORTER, "--listen", "127.0.0.1:%d" % p,
                             "--config", config], stdout=log, stderr=log)
    wait_http("http://127.0.0.1:%d/-/healthy" % p, proc, "rdpneg-exporter")
    return proc, "127.0.0.1:%d" % p


def proc_cpu(proc):
    """User and system CPU seconds of a process we started (/proc)."""
    with open("/proc/%d/stat" % proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_config(d):
    path = os.path.join(d, "exporter.yml")
    with open(path, "w") as f:
        f.write("""modules:
  rdp:
    timeout_ms: 1500
    ca_file: %s
  tls:
    protocols: ssl
    timeout_ms: 1500
    ca_file: %s
  enum:
    enumerate: true
    timeout_ms: 2000
    ca_file: %s
""" % (CA, CA, CA))
    return path


class Exporter(unittest.TestCase):
    """One exporter against the lab."""

    @classmethod
    def setUpClass(cls):
        cls.proc = None
        if MISSING or not CA:
            return
        cls.dir = tempfile.mkdtemp(prefix="rdpneg-exporter-")
        cls.log = open(os.path.join(cls.dir, "exporter.log"), "w")
        cls.proc, cls.addr = start_exporter(write_config(cls.dir), cls.log)

    @classmethod
    def tearDownClass(cls):
        if cls.proc:
            stop(cls.proc)
            cls.log.close()
            shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        need_tools(self)
        if not self.proc:
            self.skipTest("LAB_CA not set (lab not running)")

    def probe(self, target, module=None, scrape_timeout=None):
        q = {"target": target}
        if module:
            q["module"] = module
        hdr = {}
        if scrape_timeout:
            hdr["X-Prometheus-Scrape-Timeout-Seconds"] = str(scrape_timeout)
        t0 = time.monotonic()
        status, body = http("http://%s/probe?%s" % (
            self.addr, urllib.parse.urlencode(q)), hdr)
        self.took = time.monotonic() - t0
        self.assertEqual(status, 200, body)
        promtool(self, body)
        return samples(body)

    def test_healthy_tls(self):
        s = self.probe("127.0.0.1:%d" % port("LAB_XRDP_TLS_VALID"), "rdp")
        self.assertEqual(s["rdpneg_probe_success"], 1.0, s)
        self.assertEqual(s['rdpneg_probe_verdict{verdict="healthy"}'], 1.0)
        self.assertEqual(s['rdpneg_selected_protocol_info{protocol="SSL"}'],
                         1.0)
        self.assertTrue(any(k.startswith("rdpneg_tls_version_info{") and
                            'version="TLSv1.2"' in k for k in s), s)
        for ph in ("tcp", "x224", "tls"):
            v = s['rdpneg_phase_duration_seconds{phase="%s"}' % ph]
            self.assertTrue(0 < v < s["rdpneg_probe_duration_seconds"])
        # the lab's certificates are valid for years: notAfter ahead
        self.assertGreater(s["rdpneg_cert_not_after_timestamp_seconds"],
                           time.time() + 86400)
        self.assertEqual(s["rdpneg_cert_trusted"], 1.0)
        self.assertFalse([k for k in s if k.startswith("rdpneg_finding{")
                          and 'severity="failing"' in k], s)

    def test_expired_certificate(self):
        s = self.probe("127.0.0.1:%d" % port("LAB_XRDP_TLS_EXPIRED"), "tls")
        self.assertEqual(s["rdpneg_probe_success"], 0.0)
        self.assertLess(s["rdpneg_cert_not_after_timestamp_seconds"],
                        time.time())
        self.assertEqual(s['rdpneg_finding{cause="CERT_EXPIRED",'
                           'confidence="high",phase="tls",'
                           'severity="failing"}'], 1.0, s)

    def test_closed_port(self):
        s = self.probe("127.0.0.1:%d" % port("LAB_CLOSED_PORT"))
        self.assertEqual(s["rdpneg_probe_success"], 0.0)
        self.assertEqual(s['rdpneg_probe_verdict{verdict="failing"}'], 1.0)
        causes = [k for k in s if k.startswith("rdpneg_finding{")]
        self.assertTrue(causes and all('phase="tcp"' in k for k in causes),
                        causes)

    def test_deadline_below_scrape_timeout(self):
        # a silent listener: the probe ends 0.5 s before the scrape timeout
        s = self.probe("127.0.0.1:%d" % port("LAB_RESP_SILENT"),
                       scrape_timeout=2)
        self.assertEqual(s["rdpneg_probe_success"], 0.0)
        self.assertLess(self.took, 2.0)
        self.assertGreater(s["rdpneg_probe_duration_seconds"], 1.0)
        self.assertTrue(any('cause="SERVER_SILENT"' in k for k in s), s)

    def test_enumerate_module(self):
        s = self.probe("127.0.0.1:%d" % port("LAB_SHADOW_NLA"), "enum")
        self.assertEqual(s.get("rdpneg_profile_nla_required"), 1.0,
                         "\n".join(k for k in s if "finding" in k or
                                    "status" in k or "verdict" in k))
        self.assertGreater(s["rdpneg_probe_connections"], 1.0)
        self.assertEqual(s['rdpneg_profile_selected_info{answer="HYBRID",'
                           'requested="HYBRID"}'], 1.0, s)

    def test_bad_requests(self):
        base = "http://%s/probe?" % self.addr
        cases = [("", "target parameter is missing"),
                 ("target=127.0.0.1:1&module=nope", "unknown module 'nope'"),
                 ("target=127.0.0.1:99999", "port must be 1..65535"),
                 ("target=[::1:3389", "missing ']'"),
                 ("target=a%20b", "bad target"),
                 ("target=h:1&target=h:2", "parameter target given 2 times")]
        for q, msg in cases:
            status, body = http(base + q)
            self.assertEqual(status, 400, q)
            self.assertIn(msg, body, q)
        s = samples(http("http://%s/metrics" % self.addr)[1])
        self.assertGreaterEqual(s['rdpneg_exporter_requests_rejected_total'
                                  '{reason="bad_target"}'], 4.0)
        self.assertGreaterEqual(s['rdpneg_exporter_requests_rejected_total'
                                  '{reason="unknown_module"}'], 1.0)

    def test_own_metrics(self):
        before = samples(http("http://%s/metrics" % self.addr)[1])
        key = 'rdpneg_exporter_probes_total{module="default",result="failure"}'
        self.probe("127.0.0.1:%d" % port("LAB_CLOSED_PORT"))
        status, body = http("http://%s/metrics" % self.addr)
        self.assertEqual(status, 200)
        promtool(self, body)
        s = samples(body)
        self.assertEqual(s[key], before.get(key, 0.0) + 1)
        self.assertIn("process_cpu_seconds_total", s)
        self.assertEqual(s["rdpneg_exporter_config_last_reload_successful"],
                         1.0)
        self.assertEqual(s["rdpneg_exporter_probes_in_flight"], 0.0)

    def test_concurrent_probes(self):
        # four probes of a silent listener with a 1.5 s deadline each: one
        # after the other 6 s, served concurrently about 1.5 s
        target = "127.0.0.1:%d" % port("LAB_RESP_SILENT")
        url = "http://%s/probe?target=%s" % (self.addr, target)
        hdr = {"X-Prometheus-Scrape-Timeout-Seconds": "2"}
        out = []

        def one():
            out.append(http(url, hdr))
        threads = [threading.Thread(target=one) for _ in range(4)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        took = time.monotonic() - t0
        self.assertEqual([st for st, _ in out], [200] * 4)
        for _, body in out:
            self.assertEqual(samples(body)["rdpneg_probe_success"], 0.0)
        self.assertLess(took, 3.0, "4 probes took %.2f s" % took)
        print("# 4 concurrent 1.5 s probes took %.2f s" % took)

    def test_config_errors(self):
        d = tempfile.mkdtemp(prefix="rdpneg-exporter-cfg-")
        try:
            for text, msg in [
                    ("modules: {a: {timeout: 5}}", "unknown key(s) timeout"),
                    ("modules: {a: {ca_file: nope.pem}}", "nope.pem"),
                    ("modules: {a: {protocols: bogus}}", "module a"),
                    ("modules: {a: {timeout_ms: 0}}", "module a"),
                    ("modules: {a: {credentials: {user: u, password: p}}}",
                     "unknown key(s) password"),
                    ("{modules: [", "exporter.yml")]:
                path = os.path.join(d, "exporter.yml")
                with open(path, "w") as f:
                    f.write(text)
                p = subprocess.run([EXPORTER, "--check-config", "--config",
                                    path], capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, 2, text + p.stderr)
                self.assertIn(msg, p.stderr, text)
            with open(path, "w") as f:
                json.dump({"modules": {"j": {"protocols": ["ssl", "hybrid"],
                                             "tls_min": "1.2"}}}, f)
            p = subprocess.run([EXPORTER, "--check-config", "--config",
                                path], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sorted(json.loads(p.stdout)), ["default", "j"])
        finally:
            shutil.rmtree(d, ignore_errors=True)


class Docs(unittest.TestCase):
    """--version, every option and exit status of --help in
    man/rdpneg-exporter.1.scd, and the page renders (scdoc, man)."""

    def test_man_page(self):
        need_tools(self)
        scdoc = shutil.which("scdoc")
        if not scdoc:
            self.skipTest("scdoc not installed")
        with open(os.path.join(ROOT, "meson.build")) as f:
            version = f.read().split("version: '", 1)[1].split("'", 1)[0]
        page = os.path.join(ROOT, "man", "rdpneg-exporter.1.scd")
        d = tempfile.mkdtemp(prefix="rdpneg-exporter-man-")
        try:
            rendered = os.path.join(d, "rdpneg-exporter.1")
            with open(page) as src, open(rendered, "w") as dst:
                subprocess.run([scdoc], stdin=src, stdout=dst, check=True)
            p = subprocess.run(["bash", os.path.join(
                ROOT, "test", "unit", "test_cli_docs.sh"), EXPORTER, version,
                page, rendered], capture_output=True, text=True, timeout=60)
            print("\n".join("# " + line for line in p.stdout.splitlines()))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertNotIn("not ok", p.stdout)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def hashmod(value, modulus):
    """Prometheus's hashmod relabel action: the low 64 bits of the MD5 of
    the joined source labels, big-endian, modulo |modulus|."""
    return int.from_bytes(hashlib.md5(value.encode()).digest()[8:],
                          "big") % modulus


PROM_CONFIG = """global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
scrape_configs:
  - job_name: rdpneg
    metrics_path: /probe
    params:
      module: [rdp]
    static_configs:
      - targets: {targets}
    relabel_configs:
      # this Prometheus's share: hash of the target, modulus 2
      - source_labels: [__address__]
        modulus: 2
        target_label: __tmp_shard
        action: hashmod
      - source_labels: [__tmp_shard]
        regex: "{shard}"
        action: keep
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {exporter}
  - job_name: rdpneg_exporter
    static_configs:
      - targets: ['{exporter}']
"""


def query(prom, q):
    status, body = http("http://%s/api/v1/query?%s" % (
        prom, urllib.parse.urlencode({"query": q})))
    if status != 200:
        raise AssertionError("query %s: %d %s" % (q, status, body))
    doc = json.loads(body)
    assert doc["status"] == "success", body
    return doc["data"]["result"]


class PastOneMachine(unittest.TestCase):
    """Two exporter/Prometheus pairs share one target list by hashmod."""

    def test_two_pairs_share_targets_by_hashmod(self):
        need_tools(self)
        if not CA:
            self.skipTest("LAB_CA not set (lab not running)")
        names = ["LAB_XRDP_NEG_VALID", "LAB_XRDP_TLS_VALID",
                 "LAB_XRDP_TLS_EXPIRED", "LAB_XRDP_TLS_SELFSIGNED",
                 "LAB_XRDP_RDP", "LAB_SHADOW_TLS", "LAB_SHADOW_NLA",
                 "LAB_RESP_BANNER", "LAB_RESP_SILENT", "LAB_CLOSED_PORT"]
        targets = ["127.0.0.1:%d" % port(n) for n in names]
        closed = ["127.0.0.1:%d" % free_port() for _ in range(4)]
        closed.append("127.0.0.1:%d" % port("LAB_CLOSED_PORT"))
        targets += closed[:4]
        shards = [sorted(t for t in targets if hashmod(t, 2) == i)
                  for i in range(2)]
        self.assertTrue(shards[0] and shards[1], shards)

        d = tempfile.mkdtemp(prefix="rdpneg-prom-")
        procs = []
        log = open(os.path.join(d, "log"), "w")
        try:
            t_start = time.monotonic()
            cfg = write_config(d)
            exporters, proms = [], []
            for i in range(2):
                proc, addr = start_exporter(cfg, log)
                procs.append(proc)
                exporters.append(addr)
            for i in range(2):
                pd = os.path.join(d, "prom%d" % i)
                os.mkdir(pd)
                with open(os.path.join(pd, "prometheus.yml"), "w") as f:
                    f.write(PROM_CONFIG.format(targets=json.dumps(targets),
                                               shard=i,
                                               exporter=exporters[i]))
                chk = subprocess.run([PROMTOOL, "check", "config",
                                      os.path.join(pd, "prometheus.yml")],
                                     capture_output=True, text=True,
                                     timeout=60)
                self.assertEqual(chk.returncode, 0, chk.stdout + chk.stderr)
                addr = "127.0.0.1:%d" % free_port()
                proc = subprocess.Popen(
                    [PROMETHEUS,
                     "--config.file=" + os.path.join(pd, "prometheus.yml"),
                     "--storage.tsdb.path=" + os.path.join(pd, "data"),
                     "--web.listen-address=" + addr, "--log.level=warn"],
                    stdout=log, stderr=log)
                procs.append(proc)
                proms.append(addr)
            for addr, proc in zip(proms, procs[2:]):
                wait_http("http://%s/-/ready" % addr, proc, "prometheus")
            print("# 2 exporters and 2 prometheus ready after %.1f s" % (
                time.monotonic() - t_start))

            # every target has a sample in one of them
            seen = [set(), set()]
            end = time.monotonic() + 45
            while time.monotonic() < end:
                for i in range(2):
                    seen[i] = {r["metric"]["instance"] for r in query(
                        proms[i], 'rdpneg_probe_success{job="rdpneg"}')}
                if seen[0] | seen[1] == set(targets):
                    break
                time.sleep(0.5)
            print("# all %d targets in the union after %.1f s" % (
                len(targets), time.monotonic() - t_start))
            before = [samples(http("http://%s/metrics" % a)[1])
                      for a in exporters]
            prom_cpu0 = [proc_cpu(p) for p in procs[2:]]
            time.sleep(4)  # two more scrape rounds: nothing extra appears
            for i in range(2):
                seen[i] = {r["metric"]["instance"] for r in query(
                    proms[i], 'rdpneg_probe_success{job="rdpneg"}')}
            print("# prometheus 0 (%s) has %d targets, prometheus 1 (%s) "
                  "has %d" % (proms[0], len(seen[0]), proms[1],
                              len(seen[1])))
            self.assertEqual(seen[0] | seen[1], set(targets))
            self.assertEqual(seen[0] & seen[1], set())
            self.assertEqual([sorted(s) for s in seen], shards)

            for i in range(2):
                other = proms[1 - i]
                for t in shards[i]:
                    sel = '{job="rdpneg",instance="%s"}' % t
                    got = {r["metric"]["__name__"] for r in query(
                        proms[i], sel)}
                    for m in ("rdpneg_probe_success",
                              "rdpneg_probe_duration_seconds",
                              "rdpneg_probe_verdict",
                              "rdpneg_phase_duration_seconds"):
                        self.assertIn(m, got, "%s on prometheus %d" % (t, i))
                    self.assertEqual(query(other, sel), [],
                                     "%s also on the other" % t)
                    ok = query(proms[i], "max_over_time(rdpneg_probe_success"
                               "%s[1m])" % sel)
                    if t in closed:
                        self.assertEqual(ok[0]["value"][1], "0", t)
                    if t.endswith(":%d" % port("LAB_XRDP_TLS_VALID")):
                        self.assertEqual(ok[0]["value"][1], "1", t)
                        cert = query(proms[i], "rdpneg_cert_not_after_"
                                     "timestamp_seconds" + sel)
                        self.assertGreater(float(cert[0]["value"][1]),
                                           time.time())
                    if t.endswith(":%d" % port("LAB_XRDP_TLS_EXPIRED")):
                        f = query(proms[i], 'rdpneg_finding{instance="%s",'
                                  'cause="CERT_EXPIRED"}' % t)
                        self.assertEqual(len(f), 1, t)
                # the exporter's own health, scraped by its Prometheus
                served = query(proms[i], 'sum(rdpneg_exporter_probes_total'
                               '{job="rdpneg_exporter"})')
                self.assertGreaterEqual(float(served[0]["value"][1]),
                                        len(shards[i]))

            # the cost of the steady state: CPU of each exporter per probe
            # served over the last rounds, and of its Prometheus per scrape
            prom_cpu1 = [proc_cpu(p) for p in procs[2:]]
            for i, (addr, s0) in enumerate(zip(exporters, before)):
                s1 = samples(http("http://%s/metrics" % addr)[1])
                n = sum(v - s0.get(k, 0.0) for k, v in s1.items()
                        if k.startswith("rdpneg_exporter_probes_total{"))
                cpu = (s1["process_cpu_seconds_total"] -
                       s0["process_cpu_seconds_total"])
                nsamples = query(proms[i], 'avg(scrape_samples_scraped'
                                 '{job="rdpneg"})')
                print("# pair %d: exporter %d probes in the last rounds, "
                      "%.1f ms process CPU per probe; prometheus %.1f ms CPU "
                      "per probe scraped, %.0f samples per scrape" % (
                          i, n, 1000 * cpu / max(n, 1),
                          1000 * (prom_cpu1[i] - prom_cpu0[i]) / max(n, 1),
                          float(nsamples[0]["value"][1])))
        finally:
            for p in reversed(procs):
                stop(p)
            log.close()
            if sys.exc_info()[0] is not None or os.environ.get("KEEP"):
                with open(os.path.join(d, "log")) as f:
                    for line in f.read().splitlines()[-30:]:
                        print("# " + line)
            shutil.rmtree(d, ignore_errors=True)


class Cost(unittest.TestCase):
    """The exporter's CPU per probe, measured: process CPU (HTTP, the
    binding, the C loop, the exposition) over N sequential probes."""

    def test_cpu_per_probe(self):
        need_tools(self)
        if not CA:
            self.skipTest("LAB_CA not set (lab not running)")
        n = int(os.environ.get("EXPORTER_COST_PROBES", "20"))
        d = tempfile.mkdtemp(prefix="rdpneg-exporter-cost-")
        log = open(os.path.join(d, "log"), "w")
        proc = None
        try:
            proc, addr = start_exporter(write_config(d), log)
            costs = {}
            for what, target, module in [
                    ("closed port", port("LAB_CLOSED_PORT"), "rdp"),
                    ("TLS (xrdp)", port("LAB_XRDP_TLS_VALID"), "tls"),
                    ("NLA (FreeRDP)", port("LAB_SHADOW_NLA"), "rdp")]:
                url = "http://%s/probe?target=127.0.0.1:%d&module=%s" % (
                    addr, target, module)
                http(url)  # warm
                c0 = samples(http("http://%s/metrics" % addr)[1])
                t0 = time.monotonic()
                statuses = []

                def run(k):
                    for _ in range(k):
                        statuses.append(http(url)[0])
                # two at a time (a lab listener takes a few, not many)
                threads = [threading.Thread(target=run, args=(k,))
                           for k in (n // 2, n - n // 2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
                wall = time.monotonic() - t0
                self.assertEqual(statuses, [200] * n)
                c1 = samples(http("http://%s/metrics" % addr)[1])
                cpu = (c1["process_cpu_seconds_total"] -
                       c0["process_cpu_seconds_total"]) / n
                costs[what] = cpu
                print("# %s: %d probes (2 at a time), %.1f ms process CPU "
                      "per probe, %.2f s wall" % (what, n, cpu * 1000,
                                                  wall))
            for what, cpu in costs.items():
                self.assertGreater(cpu, 0.0, what)
                self.assertLess(cpu, 0.1, what)
        finally:
            if proc:
                stop(proc)
            log.close()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
