# SPDX-License-Identifier: Apache-2.0
"""``python -m rdpneg``: rdpneg-probe in Python.

    python -m rdpneg [--json] [--protocols LIST] [--timeout MS]
                     [--cookie NAME] [--sni NAME] [--ca-file PATH]
                     [--warn-days N] [--tls-versions] [--no-tls]
                     [--user U [--domain D] --password-env VAR]
                     [--spnego | --raw-ntlm] [--strict] [--reported CODE]
                     [--overrides FILE] [--driver uv|asyncio] HOST[:PORT]
    python -m rdpneg --evidence FILE|- [--json] [--reported CODE]
                     [--overrides FILE]

The options, the output (the same report text, the same rdpneg.probe/1
document) and the exit codes are rdpneg-probe's: 0 healthy, 1 degraded,
2 failing, 3 could not probe or usage error. ``--driver`` is the one
addition: the probe runs in librdpneg-uv (``uv``, as rdpneg-probe) or on
Python's asyncio (``asyncio``, rdpneg.aio: no libuv); the default uses
librdpneg-uv when it loads, else asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import IO, NoReturn, Optional, Sequence, Tuple

from . import _ffi, _loader
from ._version import __version__
from .config import Config
from .enums import CertReject
from .errors import RdpnegError
from .evidence import Evidence, Report, check_reported
from .probe import probe
from .taxonomy import Taxonomy

__all__ = ["main", "parse_target"]

PROG = "python -m rdpneg"
EXIT_USAGE = 3
MAX_DOCUMENT = 4 << 20


class _Usage(Exception):
    """A usage error: the message, then the usage text, exit 3."""


class _Fail(Exception):
    """Could not probe: the message only, exit 3."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(message)


def _parser() -> _Parser:
    p = _Parser(
        prog=PROG, add_help=False,
        usage="%(prog)s [options] HOST[:PORT]\n"
              "       %(prog)s --evidence FILE|- [--json] [--reported CODE] "
              "[--overrides FILE]",
        description="Probe one RDP server and explain what its negotiation "
                    "shows (rdpneg-probe in Python).",
        epilog="exit: 0 healthy, 1 degraded, 2 failing, 3 could not "
               "probe/usage")
    a = p.add_argument
    a("target", nargs="?", metavar="HOST[:PORT]",
      help="HOST, HOST:PORT or [IPv6]:PORT (default port 3389)")
    a("--json", action="store_true",
      help="one JSON document (schema rdpneg.probe/1)")
    a("--protocols", metavar="LIST",
      help="rdp,ssl,hybrid,rdstls,hybrid_ex,rdsaad or none (default "
           "ssl,hybrid,hybrid_ex; none = legacy request)")
    a("--timeout", metavar="MS",
      help="per-phase timeout (default 5000; overall 3x)")
    a("--cookie", metavar="NAME", help="send Cookie: mstshash=NAME")
    a("--sni", metavar="NAME",
      help="TLS server name and hostname check (default HOST)")
    a("--ca-file", metavar="PATH",
      help="trust anchors (PEM/DER) for certificate checks")
    a("--warn-days", metavar="N",
      help="certificate expiry warning (default 30)")
    a("--tls-versions", action="store_true",
      help="also try TLS 1.0, 1.1 and 1.2 one by one (in parallel; what the "
           "first answer decides is inferred, not tried)")
    a("--no-tls", action="store_true", help="stop after the X.224 "
      "negotiation")
    a("--user", metavar="U", help="check credentials over NLA (with "
      "--password-env)")
    a("--domain", metavar="D", help="the user's domain")
    a("--password-env", metavar="VAR",
      help="the environment variable that holds the password")
    a("--spnego", dest="spnego", action="store_const", const=True,
      help="wrap NTLM in SPNEGO exactly as mstsc does (default: raw NTLM; "
           "a refusal of SPNEGO is retried raw)")
    a("--raw-ntlm", dest="spnego", action="store_const", const=False,
      help="raw NTLM (the default)")
    a("--strict", action="store_true",
      help="reject an expired, misnamed or untrusted certificate before NLA "
           "(no NTLM is sent)")
    a("--reported", metavar="CODE",
      help="what the user saw, e.g. 0x904/0x7, errinfo:0x7, ssl_err:0x1B07: "
           "cross-checked against the probe")
    a("--overrides", metavar="FILE", action="append", default=[],
      help="vendor remedy texts (JSON, see README); may be repeated")
    a("--evidence", metavar="FILE",
      help="diagnose a saved --json document (- for stdin) with this "
           "build's rules; no network")
    a("--driver", choices=("auto", "uv", "asyncio"), default="auto",
      help="run the probe in librdpneg-uv or on asyncio (default: uv when "
           "it loads)")
    a("--version", action="store_true", help="print the version and exit")
    a("-h", "--help", action="store_true", help="this text")
    return p


def parse_target(arg: str) -> Tuple[str, int]:
    """(host, port) of HOST, HOST:PORT or [IPv6]:PORT, as rdpneg-probe
    reads it (an IPv6 literal without brackets is a host without port).
    ValueError when it is none of them."""
    port_text: Optional[str] = None
    if arg.startswith("["):
        rb = arg.find("]")
        if rb <= 1:
            raise ValueError(arg)
        host, rest = arg[1:rb], arg[rb + 1:]
        if rest.startswith(":"):
            port_text = rest[1:]
        elif rest:
            raise ValueError(arg)
    elif arg.count(":") == 1:
        host, port_text = arg.split(":")
    else:
        host = arg
    if not host or len(host) >= 256:
        raise ValueError(arg)
    port = 3389
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(arg)
        port = int(port_text)
    return host, port


def _number(text: Optional[str], lo: int, hi: int, what: str) -> int:
    try:
        v = int(text or "", 10)
    except ValueError:
        v = lo - 1
    if not lo <= v <= hi:
        raise _Usage("%s: %s" % (what, text))
    return v


def _read_document(path: str) -> bytes:
    """All of |path| ("-": stdin), at most 4 MiB."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(MAX_DOCUMENT + 1)
    except OSError as e:
        raise _Fail("cannot read %s: %s" % (path, e.strerror or e))
    if len(data) > MAX_DOCUMENT:
        raise _Fail("%s: larger than 4 MiB" % path)
    return data


def _config(args: argparse.Namespace, cfg: Config) -> None:
    """Applies the probe options to |cfg| (rdpneg-probe's checks)."""
    if args.protocols is not None:
        try:
            cfg.protocols = args.protocols
        except RdpnegError:
            raise _Usage("unknown protocol in list: %s" % args.protocols)
    if args.timeout is not None:
        cfg.timeout_ms = _number(args.timeout, 1, 600000,
                                 "bad --timeout (1..600000 ms)")
    if args.cookie is not None:
        try:
            cfg.cookie = args.cookie
        except RdpnegError:
            raise _Usage("bad cookie (1..255 bytes, no CR/LF): %s"
                         % args.cookie)
    if args.sni is not None:
        try:
            cfg.sni = args.sni
        except RdpnegError:
            raise _Usage("bad --sni: %s" % args.sni)
    if args.ca_file is not None:
        data = _read_document(args.ca_file)
        try:
            if not data:
                raise _Usage("no certificate in --ca-file: %s" % args.ca_file)
            cfg.add_ca(data)
        except RdpnegError:
            raise _Usage("no certificate in --ca-file: %s" % args.ca_file)
    if args.warn_days is not None:
        cfg.warn_days = _number(args.warn_days, 0, 36500, "bad --warn-days")
    if args.no_tls:
        cfg.do_tls = False
    if args.spnego is not None:
        cfg.spnego = args.spnego
    if args.strict:
        cfg.reject_cert = (CertReject.EXPIRED | CertReject.NAME |
                           CertReject.UNTRUSTED)
    if args.user is not None or args.password_env is not None:
        if args.user is None or args.password_env is None:
            raise _Usage("--user and --password-env go together")
        pw = os.environ.get(args.password_env)
        if pw is None:
            raise _Usage("password variable is not set: %s"
                         % args.password_env)
        try:
            cfg.set_credentials(args.user, pw, args.domain)
        except RdpnegError:
            raise _Usage("cannot store credentials")


def _probe(args: argparse.Namespace, host: str, port: int, cfg: Config,
           taxonomy: Optional[Taxonomy]) -> Report:
    driver = args.driver
    if driver == "auto":
        try:
            _ffi.uv()
            driver = "uv"
        except ImportError:
            driver = "asyncio"
    if driver == "uv":
        try:
            return probe(host, port, cfg, tls_versions=args.tls_versions,
                         reported=args.reported, taxonomy=taxonomy)
        except ImportError as e:
            raise _Fail(str(e))
    from . import aio
    return asyncio.run(aio.probe(host, port, cfg,
                                 tls_versions=args.tls_versions,
                                 reported=args.reported, taxonomy=taxonomy))


def _emit(rep: Report, as_json: bool, out: IO[str]) -> int:
    if as_json:
        out.write(rep.raw_json + "\n")
    else:
        out.write(rep.text())
    out.flush()
    return rep.exit_code


def _version_text() -> str:
    return "%s %s (librdpneg %s, %s: %s)" % (
        PROG, __version__, _ffi.version(),
        _loader.source(_loader.CORE) or "?", _ffi.core_path)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line |argv| (default: sys.argv[1:]); returns the
    exit code."""
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    taxonomy: Optional[Taxonomy] = None
    try:
        args = parser.parse_args(argv)
        if args.help:
            sys.stdout.write(parser.format_help())
            return 0
        if args.version:
            print(_version_text())
            return 0
        if args.overrides:
            taxonomy = Taxonomy()
            for path in args.overrides:
                try:
                    taxonomy.load_overrides(path)
                except RdpnegError as e:
                    raise _Fail(e.detail or str(e))
        # a typo in --reported is a usage error, found before any connection
        if args.reported is not None:
            try:
                check_reported(args.reported)
            except RdpnegError:
                raise _Usage("bad --reported (e.g. 0x904/0x7, errinfo:0x7, "
                             "ssl_err:0x1B07): %s" % args.reported)
        if args.evidence is not None:
            if args.target is not None:
                raise _Usage("--evidence takes no target: %s" % args.target)
            data = _read_document(args.evidence)
            try:
                ev = Evidence.parse(data)
            except RdpnegError as e:
                raise _Fail("%s: %s" % (args.evidence, e.detail or e.message))
            with ev:
                rep = ev.report(taxonomy, args.reported)
            return _emit(rep, args.json, sys.stdout)
        if args.target is None:
            raise _Usage("no target given")
        with Config() as cfg:
            _config(args, cfg)
            try:
                host, port = parse_target(args.target)
            except ValueError:
                raise _Usage("bad target (HOST, HOST:PORT or [IPv6]:PORT): %s"
                             % args.target)
            try:
                rep = _probe(args, host, port, cfg, taxonomy)
            except RdpnegError as e:
                raise _Fail(str(e))
        return _emit(rep, args.json, sys.stdout)
    except _Usage as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        sys.stderr.write(parser.format_usage())
        return EXIT_USAGE
    except _Fail as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted\n" % PROG)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (| head): not an error of the probe
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_USAGE
    finally:
        if taxonomy is not None:
            taxonomy.close()


def _run() -> None:  # console entry point
    sys.exit(main())


if __name__ == "__main__":
    _run()
