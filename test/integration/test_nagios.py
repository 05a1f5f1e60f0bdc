#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rdpneg-probe --nagios: the plugin output format (Nagios Plugin
Development Guidelines) for a healthy, a degraded (certificate expiring:
-w large), a failing (closed port) and an unknown (DNS failure) target, and
the same four as service checks run by a real monitoring core (Debian's
nagios4, when installed): the state, output and performance data the core
recorded in its status.dat. Skips what the lab or the core does not allow.
TAP output."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402

PROBE = os.environ.get("RDPNEG_PROBE", "build/examples/rdpneg-probe")
CA = os.environ.get("LAB_CA", "")
NAGIOS = shutil.which("nagios4") or shutil.which("nagios")


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return v


def cases():
    """(name, probe arguments, expected state) of the four cases."""
    valid = "127.0.0.1:" + port("LAB_XRDP_NEG_VALID")
    return [
        ("healthy", ["--ca-file", CA, valid], 0),
        ("degraded", ["--ca-file", CA, "-w", "36500", valid], 1),
        ("failing", ["127.0.0.1:" + port("LAB_CLOSED_PORT")], 2),
        ("unknown", ["no-such-host.invalid"], 3),
    ]


STATES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
# label=value[UOM];[warn];[crit];[min];[max] (guidelines, "Performance data")
PERF = re.compile(r"^'?[^'=]+'?=(U|-?[0-9.]+)(us|ms|s|%|B|KB|MB|TB|c)?"
                  r"(;[0-9.:~@-]*){0,4}$")


def check_format(t, out, state):
    """Asserts the plugin output rules on |out| for |state|."""
    lines = out.split("\n")
    if lines[-1] == "":
        lines.pop()
    first = lines[0]
    t.assertRegex(first, r"^RDP %s - [^|]+ \| " % STATES[state])
    text, perf = first.split(" | ", 1)
    t.assertNotIn("|", perf)
    for item in perf.split(" "):
        t.assertRegex(item, PERF)
    labels = [p.split("=")[0] for p in perf.split(" ")]
    t.assertEqual(labels[:5], ["tcp", "x224", "tls", "nla", "total"])
    for extra in lines[1:]:  # long output: one finding a line, no '|'
        t.assertNotIn("|", extra)
        t.assertRegex(extra, r"^(FAILING|DEGRADED|INFO) [A-Z0-9_]+ \(")
    return text, dict(p.split("=", 1) for p in perf.split(" "))


class PluginOutput(unittest.TestCase):
    def run_case(self, name):
        for n, args, state in cases():
            if n == name:
                p = subprocess.run([PROBE, "--nagios", "--timeout", "3000",
                                    *args], capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(p.returncode, state, p.stdout + p.stderr)
                return check_format(self, p.stdout, state)

    def test_healthy(self):
        text, perf = self.run_case("healthy")
        self.assertIn("selected SSL", text)
        self.assertRegex(perf["tcp"], r"^[0-9.]+ms;;;0$")
        self.assertRegex(perf["tls"], r"^[0-9.]+ms;;;0$")
        self.assertEqual(perf["nla"], "U")  # not reached: SSL selected
        # days left with the default thresholds in range form
        self.assertRegex(perf["cert_days"], r"^[0-9]+;30:;7:;;$")

    def test_degraded_cert_expiring(self):
        text, perf = self.run_case("degraded")
        self.assertIn("CERT_EXPIRING_SOON: ", text)
        self.assertRegex(perf["cert_days"], r"^[0-9]+;36500:;7:;;$")

    def test_failing_closed_port(self):
        text, perf = self.run_case("failing")
        self.assertIn("PORT_CLOSED: ", text)
        self.assertEqual(perf["x224"], "U")
        self.assertNotIn("cert_days", perf)

    def test_unknown_dns(self):
        text, _ = self.run_case("unknown")
        self.assertIn("DNS_FAILURE: ", text)

    def test_usage_error_is_unknown(self):
        p = subprocess.run([PROBE, "--nagios", "-w", "soon", "127.0.0.1"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 3)
        self.assertTrue(p.stdout.startswith("RDP UNKNOWN - "), p.stdout)

    def test_version(self):
        p = subprocess.run([PROBE, "--nagios", "--version"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^rdpneg-probe [0-9]+\.[0-9]+\.[0-9]+\n$")


NAGIOS_CFG = """\
log_file={d}/nagios.log
cfg_file={d}/objects.cfg
object_cache_file={d}/objects.cache
precached_object_file={d}/objects.precache
status_file={d}/status.dat
status_update_interval=1
nagios_user={user}
nagios_group={group}
check_external_commands=1
command_check_interval=-1
command_file={d}/nagios.cmd
lock_file={d}/nagios.lock
temp_file={d}/nagios.tmp
temp_path={d}
check_result_path={d}/checkresults
check_result_reaper_frequency=1
retain_state_information=0
state_retention_file={d}/retention.dat
interval_length=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
max_host_check_spread=1
enable_notifications=0
enable_flap_detection=0
process_performance_data=0
use_syslog=0
log_initial_states=1
service_check_timeout=60
"""

OBJECTS_HEAD = """\
define timeperiod {{
  timeperiod_name always
  alias always
  sunday 00:00-24:00
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
}}
define command {{
  command_name nothing
  command_line /bin/true
}}
define command {{
  command_name check_rdp
  command_line {probe} --nagios --timeout 3000 $ARG1$
}}
define contact {{
  contact_name nobody
  host_notifications_enabled 0
  service_notifications_enabled 0
  host_notification_period always
  service_notification_period always
  host_notification_options n
  service_notification_options n
  host_notification_commands nothing
  service_notification_commands nothing
}}
define host {{
  host_name lab
  address 127.0.0.1
  check_command nothing
  max_check_attempts 1
  check_interval 3600
  check_period always
  contacts nobody
  notification_interval 0
  notification_period always
  notifications_enabled 0
}}
"""

SERVICE = """\
define service {{
  host_name lab
  service_description rdp_{name}
  check_command check_rdp!{args}
  max_check_attempts 1
  check_interval 3600
  retry_interval 3600
  check_period always
  contacts nobody
  notification_interval 0
  notification_period always
  notifications_enabled 0
}}
"""


def parse_status(path):
    """The servicestatus blocks of a Nagios status.dat, by description."""
    out = {}
    block, kind = None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(\w+) \{$", line)
            if m:
                kind, block = m.group(1), {}
            elif line.strip() == "}" and block is not None:
                if kind == "servicestatus":
                    out[block.get("service_description")] = block
                block = None
            elif block is not None and "=" in line:
                k, v = line.strip().split("=", 1)
                block[k] = v
    return out


class UnderNagiosCore(unittest.TestCase):
    """The four cases as service checks of a real Nagios Core: the core
    runs the plugin, parses its output and records state, output and
    performance data in status.dat, which the test reads back."""

    def test_core_records_state_and_perfdata(self):
        if not NAGIOS:
            self.skipTest("nagios4 not installed (apt-get install "
                          "nagios4-core)")
        cs = cases()
        d = tempfile.mkdtemp(prefix="rdpneg-nagios-")
        proc = None
        try:
            os.makedirs(os.path.join(d, "checkresults"))
            user = group = "root"
            if os.geteuid() == 0:
                # Nagios drops root for nagios_user; let it write there
                try:
                    import grp
                    import pwd
                    pwd.getpwnam("nagios")
                    grp.getgrnam("nagios")
                    user = group = "nagios"
                    for root, dirs, files in os.walk(d):
                        shutil.chown(root, "nagios", "nagios")
                except KeyError:
                    pass
            probe = os.path.abspath(PROBE)
            with open(os.path.join(d, "nagios.cfg"), "w") as f:
                f.write(NAGIOS_CFG.format(d=d, user=user, group=group))
            with open(os.path.join(d, "objects.cfg"), "w") as f:
                f.write(OBJECTS_HEAD.format(probe=probe))
                for name, args, _ in cs:
                    f.write(SERVICE.format(name=name, args=" ".join(args)))
            v = subprocess.run([NAGIOS, "-v", os.path.join(d, "nagios.cfg")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(v.returncode, 0, v.stdout[-2000:])
            proc = subprocess.Popen([NAGIOS, os.path.join(d, "nagios.cfg")],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            # force one check of each service now through the command file
            cmd = os.path.join(d, "nagios.cmd")
            deadline = time.time() + 30
            while not os.path.exists(cmd) and time.time() < deadline:
                time.sleep(0.2)
            self.assertTrue(os.path.exists(cmd), "nagios did not start")
            now = int(time.time())
            with open(cmd, "w") as f:
                for name, _, _ in cs:
                    f.write("[%d] SCHEDULE_FORCED_SVC_CHECK;lab;rdp_%s;%d\n"
                            % (now, name, now))
            status = os.path.join(d, "status.dat")
            deadline = time.time() + 90
            st = {}
            while time.time() < deadline:
                if os.path.exists(status):
                    try:
                        st = parse_status(status)
                    except OSError:
                        st = {}
                    if len(st) == len(cs) and all(
                            s.get("has_been_checked") == "1"
                            for s in st.values()):
                        break
                time.sleep(0.5)
            for name, _, state in cs:
                s = st.get("rdp_" + name)
                self.assertIsNotNone(s, "no status for rdp_%s" % name)
                self.assertEqual(s.get("has_been_checked"), "1",
                                 "rdp_%s never checked" % name)
                self.assertEqual(int(s["current_state"]), state,
                                 "rdp_%s: %s" % (name, s))
                self.assertTrue(s["plugin_output"].startswith(
                    "RDP %s - " % STATES[state]), s["plugin_output"])
                perf = s["performance_data"]
                self.assertRegex(perf, r"^tcp=[0-9.]+ms;;;0 x224=")
                self.assertIn(" total=", perf)
                if name in ("healthy", "degraded"):
                    self.assertRegex(perf, r"cert_days=[0-9]+;[0-9]+:;7:;;")
                if name != "healthy":  # the findings, as long output
                    self.assertRegex(s.get("long_plugin_output", ""),
                                     r"^(FAILING|DEGRADED) [A-Z_]+ \(")
                print("# nagios recorded rdp_%s: state %s, %s | %s" % (
                    name, s["current_state"], s["plugin_output"][:70], perf))
        finally:
            if proc:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
