# SPDX-License-Identifier: Apache-2.0
"""``python -m rdpneg HOST[:PORT]``: rdpneg-probe in Python (see cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
