# SPDX-License-Identifier: Apache-2.0
"""Exception classes by band."""

import unittest

import _support  # noqa: F401
import rdpneg
from rdpneg import _errors, _ffi
from rdpneg.errors import category_of, error_class

CLASSES = {
    "USAGE": rdpneg.UsageError,
    "TRANSPORT": rdpneg.TransportError,
    "NEGOTIATION": rdpneg.NegotiationError,
    "TLS": rdpneg.TlsError,
    "CREDSSP": rdpneg.CredsspError,
    "AUTH": rdpneg.AuthError,
    "INTERNAL": rdpneg.InternalError,
}


class ErrorsTest(unittest.TestCase):
    def test_every_row_maps_to_its_band_class(self):
        for value, name, cat, msg in _errors.ERRORS:
            with self.subTest(name=name):
                e = _ffi.make_error(value, "rdpneg_x")
                self.assertIs(type(e), CLASSES[cat])
                self.assertIsInstance(e, rdpneg.RdpnegError)
                self.assertEqual(e.code, value)
                self.assertEqual(e.name, "RDPNEG_ERR_" + name)
                self.assertEqual(e.message, msg)
                self.assertEqual(e.category, cat)
                self.assertEqual(e.function, "rdpneg_x")
                self.assertIn("RDPNEG_ERR_" + name, str(e))

    def test_bands(self):
        self.assertIs(error_class(-101), rdpneg.UsageError)
        self.assertIs(error_class(-199), rdpneg.UsageError)
        self.assertIs(error_class(-250), rdpneg.TransportError)
        self.assertIs(error_class(-399), rdpneg.NegotiationError)
        self.assertIs(error_class(-404), rdpneg.TlsError)
        self.assertIs(error_class(-555), rdpneg.CredsspError)
        self.assertIs(error_class(-601), rdpneg.AuthError)
        self.assertIs(error_class(-999), rdpneg.InternalError)
        # outside any band: the base class
        for code in (-1, -99, -700, -800, -1000, 5):
            self.assertIs(error_class(code), rdpneg.RdpnegError, code)
            self.assertIsNone(category_of(code))

    def test_unknown_code_in_a_band(self):
        e = _ffi.make_error(-150)
        self.assertIsInstance(e, rdpneg.UsageError)
        self.assertEqual(e.name, "RDPNEG_ERR_150")
        self.assertEqual(e.message, "unknown error")

    def test_usage_error_is_a_value_error(self):
        self.assertTrue(issubclass(rdpneg.UsageError, ValueError))
        with self.assertRaises(ValueError):
            rdpneg.Config(warn_days=-1)

    def test_raised_error_carries_function(self):
        with rdpneg.Config() as c:
            with self.assertRaises(rdpneg.UsageError) as cm:
                c.set_int(rdpneg.Option.TLS_MIN, 7)
        self.assertEqual(cm.exception.code, _errors.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.function, "rdpneg_config_set_int")


if __name__ == "__main__":
    unittest.main()
