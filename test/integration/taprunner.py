# SPDX-License-Identifier: Apache-2.0
"""Runs a unittest module and reports each test as a TAP line."""
import sys
import unittest


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
