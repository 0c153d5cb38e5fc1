"""The batch-engine claims: expected verdicts, and dropped hypotheses that are shown needed."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.claims import RunContext, Verdict, get_claim, run_claim
from proofs_checks._batch_common import cayley, cayley_exact, is_psd_exact, qmat, qmat_float
from proofs_checks.related_gd import procrustes_dist2

FAST = ["yedu2021.lemma-3.2", "yedu2021.lemma-3.3", "related.tu-procrustes",
        "related.du-hu-lee-imbalance"]
SLOW = ["yedu2021.jk-monotone", "yedu2021.trajectory-shape", "yedu2021.iteration-scaling",
        "yedu2021.auto-balancing", "mohammadi2024.gd-sublinear-constant",
        "related.xdd-symmetric-constant", "related.xdd-asymmetric-linear",
        "related.ward-kolda-alternating", "related.stoger-small-init",
        "related.jiang-sequential", "eftekhari2021.gda-success"]


@pytest.mark.parametrize("cid", FAST)
def test_fast_claims_supported(cid: str) -> None:
    res = run_claim(get_claim(cid), RunContext())
    assert res.error is None, res.error
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert "tolerance" in res.evidence and "instances" in res.evidence


@pytest.mark.slow
@pytest.mark.parametrize("cid", SLOW)
def test_slow_claims_supported(cid: str) -> None:
    res = run_claim(get_claim(cid), RunContext())
    assert res.error is None, res.error
    assert res.verdict is Verdict.SUPPORTED, (res.summary, res.evidence)


@pytest.mark.parametrize("cid", ["yedu2021.lemma-3.2", "yedu2021.lemma-3.3"])
def test_lemmas_need_the_spectral_bounds(cid: str) -> None:
    """Dropping σ₁(S) <= 2σ₁ (resp. ‖P‖ <= 2σ₁) gives violations that re-check exactly."""
    c = get_claim(cid)
    res = run_claim(c, RunContext(dropped=frozenset({"spectral bounds"})))
    assert res.verdict is Verdict.REFUTED, res.summary
    ex = res.evidence["counterexample"]
    assert ex["violated_exactly"] and not ex["hypotheses_hold"]["spectral_bounds"]
    assert ex["hypotheses_hold"]["eta_le_beta/(8 sigma1)"]


def test_jk_monotone_needs_small_step() -> None:
    res = run_claim(get_claim("yedu2021.jk-monotone"),
                    RunContext(dropped=frozenset({"small step"})))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["certified_increase"] and res.evidence["gram_condition_holds"]


def test_mp6_needs_small_step() -> None:
    res = run_claim(get_claim("mohammadi2024.gd-sublinear-constant"),
                    RunContext(dropped=frozenset({"small step"})))
    assert res.verdict is Verdict.INCONCLUSIVE and res.evidence["diverged_runs"] > 0


def test_exact_helpers() -> None:
    rng = np.random.default_rng(0)
    K = rng.standard_normal((3, 3))
    K = K - K.T
    Q = cayley_exact(K)
    eye = qmat(np.eye(3))
    assert Q * Q.transpose() == eye  # exactly orthogonal
    np.testing.assert_allclose(qmat_float(Q), cayley(K), atol=1e-12)
    assert is_psd_exact(qmat(np.diag([1.0, 0.0, 2.0])))
    assert not is_psd_exact(qmat(np.array([[1.0, 2.0], [2.0, 1.0]])))


def test_procrustes_distance_formula() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 2))
    R = np.linalg.qr(rng.standard_normal((2, 2)))[0]
    assert procrustes_dist2(X @ R, X) == pytest.approx(0.0, abs=1e-12)
    U = rng.standard_normal((4, 2))
    best = min(np.sum((U - X @ Q) ** 2) for Q in (
        np.linalg.qr(rng.standard_normal((2, 2)))[0] for _ in range(2000)))
    assert procrustes_dist2(U, X) <= best + 1e-12
