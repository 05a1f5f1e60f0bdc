# SPDX-License-Identifier: Apache-2.0
"""Runs a unittest module and reports each test as a TAP line; run_probe()
runs rdpneg-probe for the tests."""
import os
import subprocess
import sys
import unittest


def run_probe(cmd, **kw):
    """subprocess.run(cmd, capture_output=True, text=True, **kw). Under the
    Windows suite (RDPNEG_TARGET_OS=windows: rdpneg-probe.exe under wine) a
    run that printed nothing at all, not even an error, is said (a TAP
    comment) and run once more: rdpneg-probe always prints a report or why
    not, and wine lost a whole output now and then on a loaded machine (the
    exit code right). Elsewhere such a run is returned as it is, to fail."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if (os.environ.get("RDPNEG_TARGET_OS") == "windows" and
            not p.stdout.strip() and not p.stderr.strip()):
        print("# RETRY %s: exit %d with no output at all (wine)" %
              (" ".join(map(str, cmd[1:])), p.returncode))
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, test, ok, extra=""):
        self.n += 1
        name = test.id().split(".", 1)[-1]
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, name, extra))
        sys.stdout.flush()

    def addSuccess(self, test):
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        for l in self._exc_info_to_string(err, test).splitlines():
            print("# " + l)
        self._line(test, False)

    def addError(self, test, err):
        super().addError(test, err)
        for l in self._exc_info_to_string(err, test).splitlines():
            print("# " + l)
        self._line(test, False)

    def addSkip(self, test, reason):
        self._line(test, True, " # SKIP " + reason)


def main(module):
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = TapResult()
    suite.run(result)
    print("1..%d" % result.n)
    sys.exit(0 if result.wasSuccessful() else 1)
