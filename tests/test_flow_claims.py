"""The cheap flow claims, with and without their hypotheses (the expensive ones run in
``mfverify check``)."""

from __future__ import annotations

from mfverify.claims import RunContext, Verdict, get_claim, run_claim


def test_ssp_trap_is_proved_exactly() -> None:
    res = run_claim(get_claim("eftekhari2021.ssp-trap"))
    assert res.error is None
    assert res.verdict is Verdict.PROVED
    assert res.evidence["trap"]["exactly_stationary"]
    assert res.evidence["trap"]["max_deviation"] == "0"


def test_ssp_trap_needs_the_exact_start() -> None:
    res = run_claim(get_claim("eftekhari2021.ssp-trap"),
                    RunContext(dropped=frozenset({"exact-start"})))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["escape"]["rows"]


def test_scalar_tightness_needs_a_nonzero_start() -> None:
    res = run_claim(get_claim("yedu2021.flow-scalar-tightness"),
                    RunContext(dropped=frozenset({"nonzero-start"})))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["exactly_stationary"] and not res.evidence["event_fired"]


def test_asymmetric_rank_preservation_e2() -> None:
    """E2: rank [U; V] is conserved (σ₃ < 1e-45 at 50 digits), rank U alone is not."""
    res = run_claim(get_claim("eftekhari2021.flow-rank-preservation-asymmetric"))
    assert res.error is None
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["rank_U0_exact"] == 1
    assert float(res.evidence["max_sigma3_stack"]) < 1e-45
    assert float(res.evidence["sigma2_U_at_T"]) > 1e-10
    dropped = run_claim(get_claim("eftekhari2021.flow-rank-preservation-asymmetric"),
                        RunContext(dropped=frozenset({"rank-deficient-start"})))
    assert dropped.verdict is Verdict.REFUTED
    assert float(dropped.evidence["max_sigma3_stack"]) > 1e-6
