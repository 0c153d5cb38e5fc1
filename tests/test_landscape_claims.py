"""The landscape claims (proofs_checks/li2019.py, proofs_checks/eftekhari2021_kkt.py) give the
expected verdicts, and dropping a hypothesis changes the conclusion."""

from __future__ import annotations

import pytest

from mfverify.claims.model import RunContext, Verdict
from mfverify.claims.registry import get_claim
from mfverify.claims.runner import run_claim

PROVED = [
    "li2019.stationary-points-n2",
    "li2019.stationary-classes",
    "li2019.s1-s2-enumeration",
    "li2019.null-space",
    "li2019.equivariance",
    "li2019.sharp-ceilings",
    "li2019.asymmetric-caveat",
    "li2019.s3-asymmetric",
    "mohammadi2024.equilibria-jacobian",
    "related.zsl-landscape",
    "eftekhari2021.kkt-rank-deficient-global",
]

DROPPED = [
    ("li2019.stationary-points-n2", "distinct", Verdict.REFUTED),
    ("li2019.stationary-points-n2", "positive", Verdict.REFUTED),
    ("li2019.stationary-classes", "distinct", Verdict.REFUTED),
    ("li2019.null-space", "exact_parametrization", Verdict.REFUTED),
    ("li2019.equivariance", "orthogonal", Verdict.REFUTED),
    ("li2019.asymmetric-caveat", "unregularized", Verdict.REFUTED),
    ("related.zsl-landscape", "c_above_half", Verdict.REFUTED),
]


@pytest.mark.parametrize("cid", PROVED)
def test_claim_proved(cid: str) -> None:
    res = run_claim(get_claim(cid), RunContext())
    assert res.error is None, res.error
    assert res.verdict is Verdict.PROVED, res.summary


@pytest.mark.parametrize("cid,hyp,verdict", DROPPED)
def test_dropping_hypothesis_changes_conclusion(cid: str, hyp: str, verdict: Verdict) -> None:
    res = run_claim(get_claim(cid), RunContext(dropped=frozenset([hyp])))
    assert res.error is None, res.error
    assert res.verdict is verdict, res.summary


@pytest.mark.slow
def test_eftekhari_dropping_rank_deficiency_finds_spurious_sosp() -> None:
    res = run_claim(get_claim("eftekhari2021.kkt-rank-deficient-global"),
                    RunContext(dropped=frozenset(["rank_deficient"])))
    assert res.verdict is Verdict.REFUTED


def test_s3_claim_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The (S3) claim re-checks the engine's output: a landscape whose saddle stratum is
    (wrongly) typed degenerate, or whose value is off, is REFUTED."""
    import dataclasses
    import importlib

    import sympy as sp

    mod = importlib.import_module(get_claim("li2019.s3-asymmetric").run.__module__)
    real = mod.landscape

    def broken(problem, **kw):
        L = real(problem, **kw)
        comps = list(L.components)
        i = next(k for k, c in enumerate(comps) if c.type == "strict_saddle")
        comps[i] = dataclasses.replace(comps[i], value=comps[i].value + sp.Rational(1, 7))
        return dataclasses.replace(L, components=comps)

    monkeypatch.setattr(mod, "landscape", broken)
    res = run_claim(get_claim("li2019.s3-asymmetric"), RunContext())
    assert res.verdict is Verdict.REFUTED, res.summary
