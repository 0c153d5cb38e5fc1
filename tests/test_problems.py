"""The problem library: one definition, three arithmetics, closed forms, symmetry, batching."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mfverify.arith import ExactArith, MpArith, NumpyArith, get_arith
from mfverify.errors import InputError, RankError, ShapeError, SymmetryError
from mfverify.problems import AsymmetricMF, SymmetricMF
from mfverify.problems.verify import check_closed_forms, symbolic_matrix
from mfverify.spec import load_spec

finite = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


def _orthogonal(seed_matrix: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(seed_matrix + 3 * np.eye(seed_matrix.shape[0]))
    return q * np.sign(np.diag(r))


# -- accuracy: the three arithmetics agree ---------------------------------------------------

def test_exact_values_on_diag31() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], rank=1)
    assert p.value({"X": [["sqrt(3)"], [0]]}, "exact") == sp.Rational(1, 4)
    assert p.value([[0], [0]], "exact") == sp.Rational(5, 2)
    H = p.hessian_matrix([["sqrt(3)"], [0]], "exact")
    assert sp.Matrix(H.tolist()) == sp.diag(6, 2)
    H0 = p.hessian_matrix([[0], [1]], "exact")
    assert sp.Matrix(H0.tolist()) == sp.diag(-2, 2)


def test_three_arithmetics_agree() -> None:
    p = SymmetricMF([["1/2", "sqrt(2)"], ["sqrt(2)", -1]], rank=2, scale="1/3")
    x = [["1/3", "-2"], ["5/7", "1/11"]]
    exact = p.value(x, "exact")
    mp = p.value(x, "mp", dps=60)
    flt = p.value(np.array([[1 / 3, -2], [5 / 7, 1 / 11]]), "numpy")
    assert abs(sp.N(exact, 70) - sp.Float(str(mp), 70)) < sp.Float("1e-55")
    assert flt == pytest.approx(float(exact), rel=1e-13)


def test_mp_context_is_private() -> None:
    import mpmath

    before = mpmath.mp.dps
    A = MpArith(80)
    assert A.ctx.dps == 80
    assert mpmath.mp.dps == before


def test_scale_is_explicit() -> None:
    M = [[2, 1], [1, 0]]
    x = [[1], [2]]
    quarter = SymmetricMF(M, 1).value(x, "exact")
    half = SymmetricMF(M, 1, scale="1/2").value(x, "exact")
    one = SymmetricMF(M, 1, scale=1).value(x, "exact")
    assert half == 2 * quarter and one == 4 * quarter


# -- closed forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("n,r", [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)])
def test_symmetric_closed_forms_exact(n: int, r: int) -> None:
    p = SymmetricMF(np.eye(n, dtype=int), r)
    res = check_closed_forms(p, {"M": symbolic_matrix("M", n, n, symmetric=True),
                                 "scale": sp.Symbol("c", positive=True)})
    assert res.ok


def test_closed_form_check_can_fail() -> None:
    """Regression guard: the checker detects a wrong closed form (factor-2 slip)."""

    class Wrong(SymmetricMF):
        def gradient(self, A, x, d):  # type: ignore[override]
            g = super().gradient(A, x, d)
            return {"X": 2 * g["X"]}

    res = check_closed_forms(Wrong(np.eye(2, dtype=int), 1))
    assert not res.gradient_ok and res.hvp_ok


def test_asymmetric_balanced_closed_forms_exact() -> None:
    p = AsymmetricMF(np.zeros((2, 3), dtype=int), 2, balance=1)
    res = check_closed_forms(p, {"Sigma": symbolic_matrix("S", 2, 3),
                                 "scale": sp.Symbol("c", positive=True),
                                 "balance": sp.Symbol("b", positive=True)})
    assert res.ok


@pytest.mark.parametrize("m,n,r", [(3, 3, 1), (1, 3, 3), (3, 1, 2)])
@pytest.mark.parametrize("balanced", [False, True])
def test_asymmetric_closed_forms_exact_more_sizes(m: int, n: int, r: int,
                                                  balanced: bool) -> None:
    p = AsymmetricMF(np.zeros((m, n), dtype=int), r, balance=1 if balanced else 0)
    data = {"Sigma": symbolic_matrix("S", m, n), "scale": sp.Symbol("c", positive=True)}
    if balanced:
        data["balance"] = sp.Symbol("b", positive=True)
    assert check_closed_forms(p, data).ok


@pytest.mark.slow
def test_asymmetric_closed_forms_all_sizes_full_profile() -> None:
    """Every (m, n, r) with m, n, r <= 3 (the quick profile of the claim checks (m+n)r <= 8)."""
    from mfverify.claims import RunContext, get_claim, run_claim

    res = run_claim(get_claim("foundations.asymmetric-closed-forms"),
                    RunContext(profile="full"))
    assert res.verdict.name == "PROVED", res.summary
    assert len(res.evidence["sizes_checked"]) == 2 * 22  # r <= max(m, n), balance 0 and b


def _taylor_slopes(problem, x: dict, v: dict) -> tuple[float, float]:
    A = NumpyArith()
    d = problem.data_in(A)
    f0 = problem.objective(A, x, d)
    g = problem.flatten(problem.gradient(A, x, d))
    hv = problem.flatten(problem.hvp(A, x, v, d))
    vf = problem.flatten(v)
    hs = np.logspace(-4, -1, 7)
    e1, e2 = [], []
    for h in hs:
        xh = {k: x[k] + h * v[k] for k in x}
        fh = problem.objective(A, xh, d)
        e1.append(abs(fh - f0 - h * g @ vf))
        e2.append(abs(fh - f0 - h * g @ vf - 0.5 * h * h * vf @ hv))
    s1 = np.polyfit(np.log(hs), np.log(e1), 1)[0]
    s2 = np.polyfit(np.log(hs), np.log(e2), 1)[0]
    return s1, s2


def test_taylor_at_n50() -> None:
    rng = np.random.default_rng(0)
    n, r = 50, 5
    G = rng.standard_normal((n, n))
    p = SymmetricMF((G + G.T) / 2, r)
    x = {"X": rng.standard_normal((n, r))}
    v = {"X": rng.standard_normal((n, r))}
    s1, s2 = _taylor_slopes(p, x, v)
    assert s1 == pytest.approx(2, abs=0.15) and s2 == pytest.approx(3, abs=0.2)
    q = AsymmetricMF(rng.standard_normal((50, 40)), 5, balance="1/2")
    x = {"U": rng.standard_normal((50, 5)), "V": rng.standard_normal((40, 5))}
    v = {"U": rng.standard_normal((50, 5)), "V": rng.standard_normal((40, 5))}
    s1, s2 = _taylor_slopes(q, x, v)
    assert s1 == pytest.approx(2, abs=0.15) and s2 == pytest.approx(3, abs=0.2)


# -- symmetry (hypothesis property tests) ---------------------------------------------------------

@given(arrays(np.float64, (4, 3), elements=finite), arrays(np.float64, (3, 3), elements=finite),
       arrays(np.float64, (4, 4), elements=finite))
def test_symmetric_invariance_and_equivariance(X: np.ndarray, S: np.ndarray, G: np.ndarray) -> None:
    Q = _orthogonal(S)
    p = SymmetricMF((G + G.T) / 2, 3)
    f = p.value(X)
    assert p.value(X @ Q) == pytest.approx(f, rel=1e-9, abs=1e-9)
    g = p.grad(X)["X"]
    np.testing.assert_allclose(p.grad(X @ Q)["X"], g @ Q, rtol=1e-8, atol=1e-8)


@given(arrays(np.float64, (3, 2), elements=finite), arrays(np.float64, (4, 2), elements=finite),
       arrays(np.float64, (2, 2), elements=st.floats(-1, 1)),
       arrays(np.float64, (3, 4), elements=finite))
def test_asymmetric_gl_invariance(U: np.ndarray, V: np.ndarray, E: np.ndarray,
                                  S: np.ndarray) -> None:
    Amat = np.eye(2) * 1.5 + 0.5 * E  # well conditioned: ||0.5 E|| <= 1 < 1.5
    p = AsymmetricMF(S, 2)
    f = p.value({"U": U, "V": V})
    g = p.value({"U": U @ Amat, "V": V @ np.linalg.inv(Amat).T})
    assert g == pytest.approx(f, rel=1e-8, abs=1e-8)


@given(arrays(np.float64, (3, 2), elements=finite), arrays(np.float64, (3, 3), elements=finite))
def test_hessian_symmetric(X: np.ndarray, G: np.ndarray) -> None:
    p = SymmetricMF((G + G.T) / 2, 2)
    H = p.hessian_matrix(X)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-10)
    q = AsymmetricMF(G, 2, balance=1)
    Hq = q.hessian_matrix({"U": X, "V": X[::-1]})
    np.testing.assert_allclose(Hq, Hq.T, rtol=1e-10, atol=1e-10)


def test_orbit_tangent_in_hessian_null_space() -> None:
    p = SymmetricMF(sp.diag(3, 2, 1), 2)
    X = {"X": [["sqrt(3)", 0], [0, "sqrt(2)"], [0, 0]]}
    H = sp.Matrix(p.hessian_matrix(X, "exact").tolist())
    for xi in p.orbit_tangent(X):
        v = sp.Matrix(list(p.flatten(xi)))
        assert (H * v).applyfunc(sp.simplify) == sp.zeros(6, 1)
    assert p.symmetry().name == "O(2)" and p.symmetry().dimension == 1
    q = AsymmetricMF(sp.diag(2, 1), 2)
    assert q.symmetry().name == "GL(2)" and len(q.orbit_tangent({"U": sp.eye(2),
                                                                 "V": sp.diag(2, 1)})) == 4


# -- vectorization ------------------------------------------------------------------------------

def test_batched_10000_instances_one_call() -> None:
    rng = np.random.default_rng(1)
    B, n, r = 10_000, 20, 5
    X = rng.standard_normal((B, n, r))
    G = rng.standard_normal((B, n, n))
    Ms = (G + np.swapaxes(G, 1, 2)) / 2
    p = SymmetricMF(np.eye(n), r)
    f = p.value(X, data={"M": Ms})
    g = p.grad(X, data={"M": Ms})["X"]
    assert f.shape == (B,) and g.shape == (B, n, r)
    for b in (0, 4321, B - 1):
        single = SymmetricMF(Ms[b], r)
        assert f[b] == pytest.approx(single.value(X[b]), rel=1e-12)
        np.testing.assert_allclose(g[b], single.grad(X[b])["X"], rtol=1e-11, atol=1e-11)


def test_float32_option() -> None:
    p = SymmetricMF(np.eye(3), 2)
    v = p.value(np.ones((3, 2)), NumpyArith(np.float32))
    assert np.asarray(v).dtype == np.float32


# -- input validation ---------------------------------------------------------------------------

def test_validation_errors() -> None:
    with pytest.raises(SymmetryError, match="symmetric"):
        SymmetricMF([[1, 2], [3, 4]], 1)
    with pytest.raises(RankError, match="rank"):
        SymmetricMF(np.eye(2), 3)
    with pytest.raises(ShapeError, match="shape"):
        SymmetricMF(np.eye(2), 1).value(np.ones((3, 1)))
    with pytest.raises(InputError, match="unknown arithmetic"):
        get_arith("quad")
    with pytest.raises(InputError, match="scale"):
        SymmetricMF(np.eye(2), 1, scale=0)


def test_spec_round_trip() -> None:
    p = load_spec({"problem": "asymmetric", "Sigma": [[3, 0], [0, "1/2"]], "rank": 2,
                   "balance": "1/4"})
    q = load_spec(p.to_spec())
    x = {"U": [[1, 2], [3, 4]], "V": [[0, 1], [1, 0]]}
    assert p.value(x, "exact") == q.value(x, "exact")
    assert isinstance(ExactArith().const("0.1"), sp.Rational)
