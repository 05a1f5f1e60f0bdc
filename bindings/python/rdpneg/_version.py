# SPDX-License-Identifier: Apache-2.0
"""The package version: the same as librdpneg's (meson.build's project
version; a test keeps them equal). pyproject.toml reads it from here."""

__version__ = "0.1.0"
