"""The claims of the new families: foundations, Sun–Qu–Wright, Li et al. on phase retrieval and
deep linear networks, Ge–Lee–Ma (quick profile), with dropped hypotheses."""

from __future__ import annotations

import pytest

from mfverify.claims import RunContext, Verdict, get_claim, run_claim


@pytest.mark.parametrize("cid, verdict", [
    ("foundations.phase-closed-forms", Verdict.PROVED),
    ("foundations.deep-linear-closed-forms", Verdict.PROVED),
    ("foundations.completion-closed-forms", Verdict.PROVED),
    ("foundations.phase-population-moments", Verdict.PROVED),
    ("foundations.families-invariance", Verdict.PROVED),
    ("sunquwright2018.population-landscape", Verdict.PROVED),
    ("sunquwright2018.finite-sample", Verdict.SUPPORTED),
    ("li2019.families-orbit-hessian", Verdict.PROVED),
    ("li2019.families-stationary-orbits", Verdict.PROVED),
    ("gelema2016.no-spurious", Verdict.SUPPORTED),
    ("kawaguchi2016.degenerate-saddle", Verdict.PROVED),
    ("kawaguchi2016.no-spurious-minimum", Verdict.SUPPORTED),
])
def test_claim_quick(cid: str, verdict: Verdict) -> None:
    res = run_claim(get_claim(cid), RunContext())
    assert res.error is None, res.error
    assert res.verdict is verdict, res.summary


def test_dropped_hypotheses() -> None:
    res = run_claim(get_claim("li2019.families-stationary-orbits"),
                    RunContext(dropped=frozenset({"stationary"})))
    assert res.verdict is Verdict.REFUTED
    res = run_claim(get_claim("sunquwright2018.finite-sample"),
                    RunContext(dropped=frozenset({"enough-measurements"})))
    assert res.verdict is Verdict.INCONCLUSIVE
    assert res.evidence["reached_plus_minus_x"] < res.evidence["runs"]


def test_kawaguchi_depth_two_contrast() -> None:
    res = run_claim(get_claim("kawaguchi2016.degenerate-saddle"),
                    RunContext(dropped=frozenset({"depth-3"})))
    assert res.verdict is Verdict.REFUTED
    deep = [r for r in res.evidence["origins"] if r["depth"] >= 3]
    assert deep and all(r["hessian_zero"] and r["descends"] for r in deep)


def test_population_landscape_evidence() -> None:
    res = run_claim(get_claim("sunquwright2018.population-landscape"), RunContext())
    n3 = [row for row in res.evidence["sizes"] if row["n"] == 3][0]
    assert n3["classes"]["strict_saddle S"]["dimension"] == 1
    assert n3["classes"]["strict_saddle S"]["charpoly_ok"]


def test_gelema_conditions_on_an_instance() -> None:
    from mfverify.claims.conditions import evaluate_conditions
    from mfverify.spec import load_spec

    p = load_spec("docs/examples/completion_3x3.json")
    res = evaluate_conditions(get_claim("gelema2016.no-spurious"), p, run_conclusion=False)
    status = {h.name: h.holds for h in res.hypotheses}
    assert status == {"psd-low-rank": True, "sampling": None, "regularized": False}
