# SPDX-License-Identifier: Apache-2.0
"""Code as a user of the package writes it: type-checked with mypy --strict
against the package (tests/test_typing.py; test_wheel.py checks it against
the installed wheel, whose py.typed makes mypy read the package). Never run.
"""

import asyncio
from typing import Dict, List, Optional, Tuple

import rdpneg
import rdpneg.aio
import rdpneg.taxonomy as tx
from rdpneg.enums import CausePhase, Severity, Verdict


def summary(rep: rdpneg.Report) -> Tuple[str, int, List[str]]:
    verdict: str = str(rep.verdict)
    causes: List[str] = [f.cause for f in rep.diagnosis]
    severities: List[Optional[str]] = [
        None if f.severity is None else str(f.severity)
        for f in rep.diagnosis]
    del severities
    return verdict, rep.exit_code, causes


def probe_one(host: str, port: int) -> rdpneg.Report:
    with rdpneg.Config(timeout_ms=3000, protocols="ssl,hybrid") as cfg:
        cfg.sni = "rdp.example"
        cfg.warn_days = 14
        cfg.spnego = True
        ms: int = cfg.connect_timeout_ms
        del ms
        return rdpneg.probe(host, port, cfg, tls_versions=True,
                            reported="0x904/0x7")


async def probe_async(host: str) -> Optional[rdpneg.Report]:
    try:
        return await asyncio.wait_for(rdpneg.aio.probe(host), 10)
    except asyncio.TimeoutError as e:
        return rdpneg.aio.cancelled_report(e)


def failing(rep: rdpneg.Report) -> bool:
    return rep.verdict == Verdict.FAILING and any(
        f.severity == Severity.FAILING and f.phase == CausePhase.TLS
        for f in rep.diagnosis)


def explain(code: str) -> Dict[str, object]:
    spec: tx.CodeSpec = tx.parse_code(code)
    kind: str = str(spec.kind)
    del kind
    return tx.explain(code)


def phases(rep: rdpneg.Report) -> Dict[str, Optional[float]]:
    return {p.name: p.ms for p in rep.phases}


def saved(doc: str) -> rdpneg.Diagnosis:
    with rdpneg.Evidence.parse(doc) as ev:
        return ev.diagnose(reported="errinfo:0x7")
