"""The batch-engine claims: expected verdicts, and dropped hypotheses that are shown needed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify import strategies as ms
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
    assert "tolerance" in res.evidence and "instances" in res.evidence


@pytest.mark.parametrize("cid", ["yedu2021.lemma-3.2", "yedu2021.lemma-3.3"])
def test_lemmas_need_the_spectral_bounds(cid: str) -> None:
    """Dropping σ₁(S) <= 2σ₁ (resp. ‖P‖ <= 2σ₁) gives violations that re-check exactly."""
    c = get_claim(cid)
    res = run_claim(c, RunContext(dropped=frozenset({"spectral-bounds"})))
    assert res.verdict is Verdict.REFUTED, res.summary
    ex = res.evidence["counterexample"]
    assert ex["violated_exactly"] and not ex["hypotheses_hold"]["spectral_bounds"]
    assert ex["hypotheses_hold"]["eta_le_beta/(8 sigma1)"]


def test_jk_monotone_needs_small_step() -> None:
    res = run_claim(get_claim("yedu2021.jk-monotone"),
                    RunContext(dropped=frozenset({"small-step"})))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["certified_increase"] and res.evidence["gram_condition_holds"]


def test_mp6_needs_small_step() -> None:
    res = run_claim(get_claim("mohammadi2024.gd-sublinear-constant"),
                    RunContext(dropped=frozenset({"small-step"})))
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


# -- Y-P2 with hypothesis strategies (the claim samples in bulk; this shrinks failures) --------


@settings(max_examples=40)
@given(d=st.integers(1, 4), data=st.data())
def test_lemma_3_2_hypothesis(d: int, data: st.DataObject) -> None:
    sig = data.draw(ms.well_conditioned_spectra(d, cond=20.0, top=1.0))
    Q1 = data.draw(ms.orthogonal_matrices(d))
    # σ₁ := σ₁(Σ) = sig[0]; the hypothesis σ₁(S) <= 2σ₁ bounds S's spectrum by 2·sig[0]
    u = data.draw(ms.well_conditioned_spectra(d, cond=1e4, top=2.0 * float(sig[0])))
    assert u[0] <= 2 * sig[0] and u[-1] > 0  # S ≻ 0 within the lemma's hypotheses
    Q2 = data.draw(ms.orthogonal_matrices(d))
    beta = data.draw(st.floats(0.01, 0.99))
    eta = beta / (8 * sig[0]) * data.draw(st.floats(0.01, 1.0))
    Sig, S = (Q1 * sig) @ Q1.T, (Q2 * u) @ Q2.T
    Mx = np.eye(d) + eta * (Sig - S)
    s_new = np.linalg.eigvalsh(Mx @ S @ Mx.T)[0]
    c = (8 + 6 * beta) / (1 - beta)
    bound = (1 + eta * (sig[-1] - u[-1])) ** 2 * u[-1] - c * sig[0] ** 3 * eta ** 2
    assert s_new >= bound - 1e-9 * (abs(u[-1]) + c * sig[0] ** 3 * eta ** 2 + abs(s_new))


@settings(max_examples=40)
@given(d=st.integers(1, 4), data=st.data())
def test_lemma_3_3_hypothesis(d: int, data: st.DataObject) -> None:
    sig = data.draw(ms.well_conditioned_spectra(d, cond=20.0, top=1.0))
    Q1 = data.draw(ms.orthogonal_matrices(d))
    neg = data.draw(st.integers(0, d))
    p = data.draw(ms.well_conditioned_spectra(d, cond=1e4, top=2.0 * float(sig[0]),
                                              negative=neg))
    assert np.max(np.abs(p)) <= 2 * sig[0]  # ‖P‖ <= 2σ₁ with σ₁ := σ₁(Σ) = sig[0]
    Q2 = data.draw(ms.orthogonal_matrices(d))
    beta = data.draw(st.floats(0.01, 0.99))
    eta = beta / (8 * sig[0]) * data.draw(st.floats(0.01, 1.0))
    Sig, P = (Q1 * sig) @ Q1.T, (Q2 * p) @ Q2.T
    Nx = np.eye(d) - eta * (Sig - P)
    p_new = np.linalg.eigvalsh(Nx @ P @ Nx.T)[0]
    c = (8 + 6 * beta) / (1 - beta)
    pm = p[-1]
    bound = (1 - eta * sig[-1]) ** 2 * pm - c * sig[0] ** 3 * eta ** 2 if pm < 0 else 0.0
    assert p_new >= bound - 1e-9 * (abs(pm) + c * sig[0] ** 3 * eta ** 2 + abs(p_new) + 1e-300)


def test_lemma_refuted_only_within_kept_hypotheses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (audit): a float violation that re-checks exactly was reported REFUTED even
    when a hypothesis that was *not* dropped fails exactly for that sample. Here the sampler
    draws S with eigenvalues up to 20σ₁ (outside σ₁(S) <= 2σ₁) while nothing is dropped: the
    violations found are not counterexamples to the lemma."""
    import proofs_checks.yedu2021_gd as yd

    res = run_claim(get_claim("yedu2021.lemma-3.2"),
                    RunContext(dropped=frozenset({"spectral-bounds"})))
    assert res.verdict is Verdict.REFUTED
    assert res.evidence["counterexample"]["kept_hypotheses_hold_exactly"]

    real = yd._samples

    def outside(rng, N, d, lemma, ctx):  # noqa: ANN001, ANN202
        return real(rng, N, d, lemma, RunContext(dropped=frozenset({"spectral-bounds"})))

    monkeypatch.setattr(yd, "_samples", outside)
    out = yd._lemma_claim("3.2", RunContext())
    assert out.evidence["violations"] > 0
    ex = out.evidence["counterexample"]
    assert ex["violated_exactly"] and not ex["kept_hypotheses_hold_exactly"]
    assert out.verdict is Verdict.INCONCLUSIVE
