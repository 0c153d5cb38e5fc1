"""The catalog-level claims: L-P3 spectrum table, X1-X5 cross checks, R4/R6/R10, the conditions
claims of Ye & Du Theorem 1.1 and Eftekhari's main result — verdicts with and without
hypotheses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfverify.claims import RunContext, Verdict, get_claim, run_claim
from proofs_checks.cross_checks import nullspace_instance
from proofs_checks.li2019_spectrum import random_instance, spectrum_check, table_spectrum


@given(n=st.integers(2, 5), data=st.data(), seed=st.integers(0, 2**31 - 1),
       zero=st.booleans())
def test_spectrum_table_property(n: int, data: st.DataObject, seed: int, zero: bool) -> None:
    r = data.draw(st.integers(1, n))
    rng = np.random.default_rng(seed)
    Q, lams = random_instance(rng, n, zero=zero)
    res = spectrum_check(Q, lams, r, rng)
    assert res["points"] >= 1
    assert res["max_error"] <= 1e-10
    assert res["max_grad_norm"] <= 1e-12


def test_table_counts_and_a_known_case() -> None:
    # prediction L-P4 (docs/predictions.md): n = 4, M rank 2 with λ = (5, 3), r = 3: {0×5, 3, 3, 5,
    # 5, 6, 8, 10}
    lams = np.array([5.0, 3.0, 0.0, 0.0])
    got = table_spectrum(lams, (0, 1), 3)
    assert got == sorted([0.0] * 5 + [3, 3, 5, 5, 6, 8, 10])
    # L-P1: n = 2, r = 1, M = diag(λ1, λ2): at 0 the eigenvalues are −λ1, −λ2
    assert table_spectrum(np.array([3.0, 1.0]), (), 1) == [-3.0, -1.0]


def test_table_detects_a_wrong_table() -> None:
    """The comparison can fail: a table with one entry changed does not match."""
    rng = np.random.default_rng(3)
    Q, lams = random_instance(rng, 3)
    from mfverify.problems import SymmetricMF
    from proofs_checks.li2019_spectrum import stationary_point

    M = Q @ np.diag(lams) @ Q.T
    M = (M + M.T) / 2
    lu, Qu = np.linalg.eigh(M)
    order = np.argsort(-lu)
    lu, Qu = lu[order], Qu[:, order]
    S = (0,)
    X = stationary_point(Qu, lu, S, 2, np.eye(2))
    H = SymmetricMF(M, 2).hessian_matrix({"X": X}, "numpy")
    want = np.array(table_spectrum(lu, S, 2))
    want[0] += 1e-6
    assert np.max(np.abs(np.sort(np.linalg.eigvalsh((H + H.T) / 2)) - want)) > 1e-10


def test_nullspace_instance_exact() -> None:
    d = nullspace_instance((9, 4, 0, 0), 3, 1, 2)
    assert d["gradient_is_zero"]
    assert d["hessian_nullity"] == 5 and d["orbit_tangent_rank"] == 3
    assert d["excess_zero_directions"] == 2 == d["li_formula_(n-r*)(r-r*)"]
    assert d["extra_directions_are_eigenvectors_with_eigenvalue_Lambda2"]
    d = nullspace_instance((4, 1, -1), 3, 2, 2)
    assert d["excess_zero_directions"] == 0 and d["extra_direction_eigenvalues"] == ["1"]


CASES = [
    ("li2019.hessian-spectrum-table", (), Verdict.SUPPORTED),
    ("li2019.hessian-spectrum-table", ("stationary",), Verdict.REFUTED),
    ("cross.li-nullspace-mohammadi-lambda2", (), Verdict.PROVED),
    ("cross.li-nullspace-mohammadi-lambda2", ("psd",), Verdict.REFUTED),
    ("cross.li-nullspace-mohammadi-lambda2", ("over-parametrized",), Verdict.REFUTED),
    ("cross.zsl-zhang-equivalence", (), Verdict.PROVED),
    ("cross.zsl-zhang-equivalence", ("exact-rank",), Verdict.REFUTED),
    ("related.zhang-overparam-threshold", (), Verdict.PROVED),
    ("related.zhang-overparam-threshold", ("delta-in-unit-interval",), Verdict.REFUTED),
    ("cross.yedu-mohammadi-s-dynamics", (), Verdict.PROVED),
    ("cross.yedu-mohammadi-s-dynamics", ("balanced",), Verdict.REFUTED),
    ("related.tarmoun-riccati-closed-form", (), Verdict.PROVED),
    ("related.zsl-rip-half", (), Verdict.SUPPORTED),
    ("related.zsl-rip-half", ("rip-half",), Verdict.REFUTED),
    ("eftekhari2021.theorem-conditions", (), Verdict.SUPPORTED),
    ("yedu2021.theorem-1.1-conditions", ("step-size",), Verdict.INCONCLUSIVE),
]


@pytest.mark.parametrize(("cid", "dropped", "verdict"), CASES,
                         ids=[f"{c}-{'-'.join(d) or 'all'}" for c, d, _ in CASES])
def test_claim_verdicts(cid: str, dropped: tuple[str, ...], verdict: Verdict) -> None:
    res = run_claim(get_claim(cid), RunContext(dropped=frozenset(dropped)))
    assert res.error is None, res.error
    assert res.verdict is verdict, res.summary
    if verdict is Verdict.SUPPORTED:
        assert "tolerance" in res.evidence and "instances" in res.evidence


@pytest.mark.slow
def test_yedu_theorem_conditions_undetermined_is_inconclusive() -> None:
    """Regression (issue 17): the claim returned SUPPORTED with its ε and η hypotheses
    undetermined (unspecified O(·) constants); it is INCONCLUSIVE, with the conclusion observed
    at ratios 1 kept in the evidence."""
    res = run_claim(get_claim("yedu2021.theorem-1.1-conditions"))
    assert res.verdict is Verdict.INCONCLUSIVE, res.summary
    assert res.as_expected
    assert set(res.evidence["undetermined_hypotheses"]) == {"init-scale", "step-size"}
    assert res.evidence["conclusion_at_ratio_1"] == "SUPPORTED"
    assert all(h is not None for h in res.evidence["hit"])


def test_eftekhari_demo_instance_satisfies_its_hypotheses() -> None:
    """Regression: the catalog run of eftekhari2021.theorem-conditions used a U₀ with relative
    constraint residual 1.44 (``near-feasible`` undetermined) and still returned SUPPORTED, so
    the run did not bear on the theorem; the demo U₀ is now exactly feasible and rank-deficient,
    and an unestablished hypothesis gives INCONCLUSIVE."""
    res = run_claim(get_claim("eftekhari2021.theorem-conditions"))
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["instances"] == len(res.evidence["cases"]) >= 4
    for case in res.evidence["cases"]:
        assert {k: v["holds"] for k, v in case["hypotheses"].items()} == {
            "rank-deficient": True, "near-feasible": True}
        assert case["final_relative_residual"] <= 1e-6
    assert "certified" not in res.summary
