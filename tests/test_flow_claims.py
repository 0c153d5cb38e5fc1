"""The cheap flow claims, with and without their hypotheses (the expensive ones run in
``mfverify check``)."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import pytest
import sympy as sp

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
    # the refutation keys off the exact stationarity flag, not "no event fired"
    assert res.evidence["exactly_stationary"] is True and not res.evidence["event_fired"]


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


# ---------------------------------------------------------------------------------------------
# verdict honesty: REFUTED only on an exact basis, numerical failure -> INCONCLUSIVE
# ---------------------------------------------------------------------------------------------

def _module(claim_id: str) -> ModuleType:
    return sys.modules[get_claim(claim_id).run.__module__]


def _dropped(claim_id: str, hyp: str) -> Any:
    res = run_claim(get_claim(claim_id), RunContext(dropped=frozenset({hyp})))
    assert res.error is None, res.error
    return res


def _matrix(rows: list[list[str]]) -> sp.Matrix:
    return sp.Matrix([[sp.Rational(v) for v in row] for row in rows])


def _sigma_min_sq_lower(X: sp.Matrix) -> sp.Rational:
    G = X.T * X
    return G.det() / G.trace() ** (G.rows - 1)


def test_exact_rate_dropped_is_refuted_by_exact_s0() -> None:
    """Regression: the r = 4 refutation rests on S(0) = S₀ ≠ 0 computed exactly."""
    res = _dropped("mohammadi2024.flow-exact-rate", "exact-parametrization")
    assert res.verdict is Verdict.REFUTED, res.summary
    X0 = _matrix(res.evidence["counterexample"]["X0"])
    X1, X2 = X0[:3, :], X0[3:, :]
    P1, P12, P2 = X1 * X1.T, X1 * X2.T, X2 * X2.T
    S0 = sp.simplify(P2 - P12.T * P1.inv() * P12)
    assert not S0.is_zero_matrix and res.evidence["S0_is_zero_exactly"] is False


def test_xdd_rate_without_singular_m_is_only_numerical() -> None:
    """Regression: a trajectory-only failure is INCONCLUSIVE with the numbers, not REFUTED."""
    res = _dropped("cross.mohammadi-xdd-rate", "singular-M")
    assert res.verdict is Verdict.INCONCLUSIVE, res.summary
    assert "numerically the conclusion fails" in res.summary
    assert "not a certified refutation" in res.summary
    assert res.evidence["rows"]


def test_rank_deficient_trap_dropped_refuted_at_t0_exactly() -> None:
    res = _dropped("cross.rank-deficient-trap", "rank-deficient-start")
    assert res.verdict is Verdict.REFUTED, res.summary
    ce = res.evidence["counterexample"]
    X0 = _matrix(ce["X0"])
    assert X0.rank() == 3
    lb = _sigma_min_sq_lower(X0)
    assert lb == sp.Rational(ce["sigma3_sq_lower_bound"]) and lb > sp.Rational(1, 10**70)
    # the bound is a true lower bound on σ₃²: no eigenvalue of X0ᵀX0 in [0, lb] (exact count)
    lam = sp.Symbol("lam")
    assert sp.Poly((X0.T * X0).charpoly(lam).as_expr(), lam).count_roots(0, lb) == 0


def test_cross_checks_selectable_by_section() -> None:
    from mfverify.claims.coverage import CROSS_CHECKS
    from mfverify.claims.registry import select

    for num in ("X1", "X3"):
        ids = {c.id for c in select([num])}
        assert set(CROSS_CHECKS[num][1]) <= ids, (num, ids)


def test_rank_preservation_full_start_refuted_exactly() -> None:
    res = _dropped("eftekhari2021.flow-rank-preservation", "rank-deficient-start")
    assert res.verdict is Verdict.REFUTED, res.summary
    ce = res.evidence["counterexample"]
    U0 = _matrix(ce["U0"])
    assert U0.rank() == 4
    assert _sigma_min_sq_lower(U0) == sp.Rational(ce["sigma4_sq_lower_bound"]) > \
        sp.Rational(1, 10**90)


def test_rank_preservation_shifted_field_refuted_by_exact_minor() -> None:
    res = _dropped("eftekhari2021.flow-rank-preservation", "merit-of-UUt")
    assert res.verdict is Verdict.REFUTED, res.summary
    ce = res.evidence["counterexample"]
    U0, U1 = _matrix(ce["U0"]), _matrix(ce["Udot0_exact"])
    rows, cols = ce["minor"]["rows"], ce["minor"]["cols"]
    B0, B1 = U0.extract(rows, cols), U1.extract(rows, cols)
    t = sp.Symbol("t")
    # the first-order coefficient of det(B0 + tB1) is the exact derivative of the minor at 0
    poly = sp.Poly(sp.expand((B0 + t * B1).det()), t)
    assert B0.det() == 0 and U0.rank() == 2
    assert poly.coeff_monomial(t) == sp.Rational(ce["minor"]["d_dt_det_at_0"]) != 0


def test_asymmetric_full_start_refuted_exactly() -> None:
    res = _dropped("eftekhari2021.flow-rank-preservation-asymmetric", "rank-deficient-start")
    assert res.verdict is Verdict.REFUTED, res.summary
    ce = res.evidence["counterexample"]
    W0 = sp.Matrix.vstack(_matrix(ce["U0"]), _matrix(ce["V0"]))
    assert W0.rank() == 3 and _sigma_min_sq_lower(W0) > sp.Rational(1, 10**90)


def test_rank_one_limit_dropped_is_only_numerical() -> None:
    res = _dropped("eftekhari2021.flow-rank-one-limit", "rank-one-start")
    assert res.verdict is Verdict.INCONCLUSIVE, res.summary
    assert "numerically the conclusion fails" in res.summary
    assert "not a certified refutation" in res.summary


def test_ssp_trap_dropped_refuted_by_exact_unstable_eigenvalue() -> None:
    res = _dropped("eftekhari2021.ssp-trap", "exact-start")
    assert res.verdict is Verdict.REFUTED, res.summary
    assert res.evidence["counterexample"]["unstable_eigenvalues"] == ["3"]
    J = sp.Matrix(sp.sympify(res.evidence["jacobian_at_x_star_exact"]))
    assert J.eigenvals().get(sp.Integer(3)) == 1


@pytest.mark.parametrize("claim_id,const", [
    ("mohammadi2024.flow-schur-closed-form", "SCHUR_TOL"),
    ("mohammadi2024.flow-indefinite-bounds", "SCHUR_TOL"),
    ("eftekhari2021.flow-rank-preservation", "SIGMA_TOL"),
    ("yedu2021.flow-scalar-tightness", "TOL"),
])
def test_numerical_failure_is_inconclusive_not_refuted(claim_id: str, const: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: with an impossible tolerance the numerical check fails; the verdict must be
    INCONCLUSIVE with the numbers (the flow's error estimate is not a validated bound)."""
    monkeypatch.setattr(_module(claim_id), const, sp.Integer(0))
    res = run_claim(get_claim(claim_id))
    assert res.error is None, res.error
    assert res.verdict is Verdict.INCONCLUSIVE, res.summary
    assert "not a certified refutation" in res.summary


def test_scalar_tightness_proved_by_validated_enclosures() -> None:
    """Issue 16: PROVED on the instance; the validated evidence says why."""
    res = run_claim(get_claim("yedu2021.flow-scalar-tightness"))
    assert res.error is None, res.error
    assert res.verdict is Verdict.PROVED, res.summary
    val = res.evidence["validated"]
    assert val["proved"] is True
    assert all(r["contains_closed_form"] and float(r["width"]) < 1e-40
               for r in val["closed_form"])
    assert all(r["t_star_in_interval"] for r in val["hitting_times"])


def test_scalar_tightness_validated_falls_back_to_supported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """When the enclosure cannot close (here: a planted too-small precision), SUPPORTED stays."""
    mod = _module("yedu2021.flow-scalar-tightness")
    monkeypatch.setattr(mod, "VDPS", 12)
    res = run_claim(get_claim("yedu2021.flow-scalar-tightness"))
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["validated"]["proved"] is False


def test_rank_one_limit_validated_catches_a_wrong_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: the validated certificate with a wrong λ₁ (the limit √2·u₁ instead of √3·u₁)
    is refused: √2·u₁ is not a stationary point (typed error), so nothing is PROVED."""
    from mfverify.errors import InputError

    mod = _module("eftekhari2021.flow-rank-one-limit")
    lams, qs, us = mod.RANK_ONE_INSTANCES[0]
    assert mod.validated_rank_one(lams, qs, us)["proved"] is True
    real_sqrt = mod.sp.sqrt
    monkeypatch.setattr(mod.sp, "sqrt", lambda v: real_sqrt(v - 1))  # planted slip
    with pytest.raises(InputError):
        mod.validated_rank_one(lams, qs, us)


def test_schur_bound_proved_on_the_catalog_instance() -> None:
    """Issue 16 (second pass): the Schur bound PROVED on the n = 5, r = 4 catalog instance
    through the reduced ODE Ṡ = −2S² (and Q = 2tS in log-time), in well under a second."""
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-reduced"))
    assert res.error is None, res.error
    assert res.verdict is Verdict.PROVED, res.summary
    ev = res.evidence
    assert ev["S0_psd_exact"] is True and ev["bound"]["verdict"] == "PROVED"
    assert ev["bound"]["evidence"]["boxes"] > 10
    assert all(r["contains_closed_form"] and float(r["width"]) < 1e-30
               for r in ev["closed_form"])
    assert [r["t"] for r in ev["closed_form"]] == ["1", "10", "100", "400"]


def test_schur_bound_exact_for_every_t() -> None:
    """The closed form and the 1/(2t) bound on the catalog instance for every t > 0, by exact
    algebra in t (no integration): the identities hold exactly and the limit is 1/2."""
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-exact"))
    assert res.error is None, res.error
    assert res.verdict is Verdict.PROVED, res.summary
    ev = res.evidence
    assert ev["S0_psd_exact"] and ev["solves_dS_dt_eq_minus_2S2"] and ev["initial_value"]
    assert ev["I_over_2t_minus_S_identity"] and ev["limit_t_norm_S"] == "1/2"
    # the same S₀ as the validated claim, which encloses the same closed form numerically
    red = run_claim(get_claim("mohammadi2024.flow-schur-bound-reduced"))
    assert red.evidence["S0_exact"] == ev["S0_exact"]


def test_schur_bound_exact_needs_a_generic_start() -> None:
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-exact"),
                    RunContext(dropped=frozenset({"generic-start"})))
    assert res.verdict is Verdict.INCONCLUSIVE
    assert res.evidence["det_P1_0_exact"] == "0"


def test_schur_bound_exact_factor_two_slip_is_refuted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: the classic factor-2 slip S₀(I + tS₀)⁻¹ solves Ṡ = −S², not Ṡ = −2S²: the
    exact identity fails and the claim says REFUTED, never PROVED."""
    mod = _module("mohammadi2024.flow-schur-bound-exact")
    monkeypatch.setattr(mod, "_reduced_closed_form",
                        lambda S0, t: S0 * (sp.eye(S0.shape[0]) + t * S0).inv())
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-exact"))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["solves_dS_dt_eq_minus_2S2"] is False


def test_schur_bound_reduced_needs_a_generic_start() -> None:
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-reduced"),
                    RunContext(dropped=frozenset({"generic-start"})))
    assert res.verdict is Verdict.INCONCLUSIVE
    assert res.evidence["det_P1_0_exact"] == "0"


def test_schur_bound_reduced_planted_slips_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutations: a bound too strong (‖Q‖ <= 1/2, false for large t) is not PROVED; a wrong
    reduced ODE (Ṡ = −S²) misses the closed form and is not PROVED either."""
    mod = _module("mohammadi2024.flow-schur-bound-reduced")
    real = mod._sym_norm_minus_one
    monkeypatch.setattr(mod, "_sym_norm_minus_one", lambda Q: real(Q) + sp.Rational(1, 2))
    assert run_claim(get_claim("mohammadi2024.flow-schur-bound-reduced")).verdict \
        is Verdict.INCONCLUSIVE
    monkeypatch.undo()
    from mfverify.flow import vector_field
    from mfverify.flow.validated import integrate_validated

    def wrong(S0: Any, times: Any) -> Any:
        vf = vector_field(lambda A, x: {"S": -(x["S"] @ x["S"])}, {"S": (2, 2)})
        return integrate_validated(vf, {"S": [[str(v) for v in r] for r in S0.tolist()]},
                                   list(times), dps=30)

    monkeypatch.setattr(mod, "_reduced_enclosure", wrong)
    res = run_claim(get_claim("mohammadi2024.flow-schur-bound-reduced"))
    assert res.verdict is Verdict.INCONCLUSIVE
    assert not all(r["contains_closed_form"] for r in res.evidence["closed_form"])
