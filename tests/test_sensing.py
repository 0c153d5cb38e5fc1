"""MatrixSensing: closed forms, arithmetics, batching, Taylor rates, RIP, validation, specs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from taylor_slopes import taylor_slopes

from mfverify.arith import ExactArith
from mfverify.errors import (
    InputError,
    NonFiniteError,
    NumberError,
    OperatorError,
    RankError,
    ShapeError,
    SpecError,
    SymmetryError,
)
from mfverify.problems import PROBLEM_KINDS, MatrixSensing, SensingOperator, zsl_family
from mfverify.problems.sensing import restricted_isometry, svec, zsl_quadratic_form
from mfverify.problems.verify import check_closed_forms, symbolic_matrix
from mfverify.spec import load_spec

SURD_OP = [[[1, 0], [0, "1/2"]], [[0, "sqrt(3)/2"], ["sqrt(3)/2", 0]]]


def _sym_ops(m: int, p: int, q: int) -> np.ndarray:
    return np.stack([symbolic_matrix(f"A{k}", p, q) for k in range(m)])


def _rational_orthogonal(r: int, seed: int) -> np.ndarray:
    """Cayley transform (I − K)(I + K)⁻¹ of a rational skew K: an exactly orthogonal Q."""
    rng = np.random.default_rng(seed)
    K = sp.zeros(r, r)
    for i in range(r):
        for j in range(i + 1, r):
            v = sp.Rational(int(rng.integers(-5, 6)), int(rng.integers(1, 4)))
            K[i, j], K[j, i] = v, -v
    Q = (sp.eye(r) - K) * (sp.eye(r) + K).inv()
    assert sp.simplify(Q.T * Q - sp.eye(r)) == sp.zeros(r, r)
    return np.array(Q.tolist(), dtype=object)


# -- closed forms -------------------------------------------------------------------------------


@pytest.mark.parametrize("n,r,m", [(1, 1, 1), (2, 1, 2), (2, 2, 1)])
def test_symmetric_closed_forms_symbolic_operator(n: int, r: int, m: int) -> None:
    p = MatrixSensing([np.eye(n, dtype=int)] * m, r, b=[0] * m)
    res = check_closed_forms(p, {"A": _sym_ops(m, n, n), "b": symbolic_matrix("b", 1, m)[0],
                                 "scale": sp.Symbol("c", positive=True)})
    assert res.ok, res


@pytest.mark.parametrize("p_,q,r,m", [(2, 1, 1, 2), (1, 2, 2, 1)])
def test_asymmetric_closed_forms_symbolic_operator(p_: int, q: int, r: int, m: int) -> None:
    p = MatrixSensing([np.ones((p_, q), dtype=int)] * m, r, b=[0] * m, symmetric=False)
    res = check_closed_forms(p, {"A": _sym_ops(m, p_, q), "b": symbolic_matrix("b", 1, m)[0],
                                 "scale": sp.Symbol("c", positive=True)})
    assert res.ok, res


def test_closed_forms_concrete_surd_operator() -> None:
    p = MatrixSensing(SURD_OP, 2, ground_truth=[[1, 0], [0, 0]])
    assert check_closed_forms(p).ok


def test_ring_checker_can_fail() -> None:
    """The exact checker of the claims module detects a wrong closed form."""
    from proofs_checks.foundations_sensing import ring_closed_form_check

    class Wrong(MatrixSensing):
        def hvp(self, A, x, v, d):  # type: ignore[no-untyped-def]
            out = super().hvp(A, x, v, d)
            return {"X": out["X"] + v["X"]}

    p = Wrong([np.eye(2, dtype=int)], 1, b=[0])
    data = {"A": _sym_ops(1, 2, 2), "b": symbolic_matrix("b", 1, 1)[0],
            "scale": sp.Symbol("c", positive=True)}
    assert ring_closed_form_check(p, data) == (True, False)
    assert ring_closed_form_check(MatrixSensing([np.eye(2, dtype=int)], 1, b=[0]), data) == (
        True, True)


# -- arithmetics and batching -------------------------------------------------------------------


def _rational_point(p: MatrixSensing, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: np.vectorize(lambda v: sp.Rational(int(v), 7), otypes=[object])(
        rng.integers(-9, 10, size=s)) for k, s in p.variables.items()}


@pytest.mark.parametrize("symmetric", [True, False])
def test_exact_mp_numpy_agree(symmetric: bool) -> None:
    p = MatrixSensing.gaussian(3, 7, 2, seed=5, symmetric=symmetric)
    x = _rational_point(p, 1)
    v = _rational_point(p, 2)
    fe = p.value(x, "exact")
    fm = p.value(x, "mp", dps=40)
    fn = p.value({k: a.astype(float) for k, a in x.items()}, "numpy")
    assert abs(float(fe) - float(fm)) <= 1e-30 * max(1.0, abs(float(fe)))
    assert abs(float(fe) - fn) <= 1e-12 * max(1.0, abs(float(fe)))
    ge, gn = p.grad(x, "exact"), p.grad({k: a.astype(float) for k, a in x.items()})
    he = p.hessian_vector(x, v, "exact")
    hm = p.hessian_vector(x, v, "mp", dps=40)
    for k in p.variables:
        np.testing.assert_allclose(ge[k].astype(float), gn[k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(he[k].astype(float), hm[k].astype(float), rtol=1e-14)


@pytest.mark.parametrize("symmetric", [True, False])
def test_numpy_batch_matches_single_calls(symmetric: bool) -> None:
    p = MatrixSensing.gaussian(4, 9, 2, seed=3, symmetric=symmetric)
    rng = np.random.default_rng(0)
    B = 6
    xb = {k: rng.standard_normal((B, *s)) for k, s in p.variables.items()}
    vb = {k: rng.standard_normal((B, *s)) for k, s in p.variables.items()}
    bb = rng.standard_normal((B, p.m))
    fb = p.value(xb, data={"b": bb})
    gb = p.grad(xb, data={"b": bb})
    hb = p.hessian_vector(xb, vb, data={"b": bb})
    assert fb.shape == (B,)
    for i in range(B):
        xi = {k: a[i] for k, a in xb.items()}
        vi = {k: a[i] for k, a in vb.items()}
        assert fb[i] == pytest.approx(p.value(xi, data={"b": bb[i]}), rel=1e-12)
        gi = p.grad(xi, data={"b": bb[i]})
        hi = p.hessian_vector(xi, vi, data={"b": bb[i]})
        for k in p.variables:
            np.testing.assert_allclose(gb[k][i], gi[k], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(hb[k][i], hi[k], rtol=1e-12, atol=1e-12)


def test_batched_scale_override() -> None:
    p = MatrixSensing(SURD_OP, 1, ground_truth=[[1, 0], [0, 0]])
    X = np.array([[[1.0], [2.0]], [[1.0], [2.0]]])
    vals = p.value(X, data={"scale": np.array([0.5, 1.0])})
    assert vals[1] == pytest.approx(2 * vals[0])


# -- Taylor agreement at n = 50 ---------------------------------------------------------------


@pytest.mark.parametrize("symmetric", [True, False])
def test_taylor_rates_n50(symmetric: bool) -> None:
    p = MatrixSensing.gaussian(50, 6, 3, seed=11, symmetric=symmetric)
    s1, s2 = taylor_slopes(p, 4)
    assert 1.9 < s1 < 2.1  # first-order model error O(h²)
    assert 2.85 < s2 < 3.15  # second-order model error O(h³)


# -- restricted isometry -----------------------------------------------------------------------


@pytest.mark.parametrize("c", ["1/10", "1/2", "11/20", "3/4", "0"])
def test_rip_exact_on_zsl_family(c: str) -> None:
    res = restricted_isometry(zsl_family(c))
    assert res.kind == "exact"
    assert res.value == sp.Rational(c)
    assert res.lower == res.upper == res.value
    assert res.order == 2


def test_zsl_objective_is_the_quartic_exactly() -> None:
    x1, x2 = sp.symbols("x1 x2", real=True)
    for c in (sp.Rational(3, 5), sp.Rational(1, 7)):
        p = zsl_family(c)
        f = p.value({"X": [[x1], [x2]]}, "exact")
        target = ((x1**2 - 1)**2 + x2**4 + 2 * c * (x1**2 - 1) * x2**2
                  + 2 * (1 + c) * x1**2 * x2**2)
        assert sp.expand(f - target) == 0


def test_zsl_gram_is_the_quadratic_form() -> None:
    c = sp.Rational(2, 5)
    p = zsl_family(c)
    G = sp.zeros(3, 3)
    for Ai in p.operator.matrices:
        w = sp.Matrix(svec(Ai))
        G += w * w.T
    assert (G.applyfunc(sp.simplify) - zsl_quadratic_form(c)) == sp.zeros(3, 3)


def test_rip_bounds_n3_rank1() -> None:
    p = MatrixSensing.gaussian(3, 8, 1, seed=1)
    res = restricted_isometry(p)
    assert res.kind == "bounds" and res.order == 2
    assert res.value is None
    assert 0 < float(res.lower) <= float(res.upper)
    Z = res.witness
    assert Z is not None
    Zm = sp.Matrix(Z.tolist())
    assert Zm == Zm.T and Zm.rank() <= 2
    # the witness ratio re-checks exactly
    vals = p.operator(Z)
    ratio = sp.expand(sum(v * v for v in vals)) / sp.expand(sum(v * v for v in Z.reshape(-1)))
    assert ratio == res.witness_ratio
    assert max(ratio - 1, 1 - ratio) == res.lower
    js = res.to_json()
    assert js["kind"] == "bounds" and sp.sympify(js["lower"]) == res.lower


def test_rip_identity_operator_is_zero() -> None:
    """The isometric operator (m = n(n+1)/2, A = svec) has δ = 0; for k < n the exact witness
    attains the upper bound so the result is exact too."""
    n = 3
    mats = []
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n), dtype=object)
            E[:] = sp.Integer(0)
            if i == j:
                E[i, i] = sp.Integer(1)
            else:
                E[i, j] = E[j, i] = 1 / sp.sqrt(2)
            mats.append(E)
    p = MatrixSensing(mats, 1, b=[0] * len(mats))
    res = restricted_isometry(p)
    assert res.kind == "exact" and res.value == 0


def test_rip_asymmetric_matches_numpy_and_certified_enclosure() -> None:
    op = SensingOperator.gaussian((2, 3), 5, seed=2, symmetric=False)
    exact = restricted_isometry(op)
    assert exact.kind == "exact"
    flat = np.array(op.matrices, dtype=float).reshape(5, 6)
    ev = np.linalg.eigvalsh(flat.T @ flat)
    delta = max(ev[-1] - 1, 1 - ev[0])
    assert float(sp.N(exact.value, 30)) == pytest.approx(delta, rel=1e-12)
    certified = restricted_isometry(op, exact_max_dim=1)
    assert certified.kind == "bounds"
    assert certified.lower <= exact.value <= certified.upper
    assert float(certified.upper - certified.lower) < 1e-6


def test_rip_symmetric_matches_numpy_svec() -> None:
    p = MatrixSensing.gaussian(3, 10, 3, seed=7)
    res = restricted_isometry(p, order=3)
    assert res.kind == "exact"
    W = np.array([[float(v) for v in svec(Ai)] for Ai in p.operator.matrices])
    ev = np.linalg.eigvalsh(W.T @ W)
    assert float(sp.N(res.value, 30)) == pytest.approx(max(ev[-1] - 1, 1 - ev[0]), rel=1e-12)


def test_rip_irrational_gram_gives_certified_bounds() -> None:
    p = MatrixSensing([[[1, "sqrt(2)"], ["sqrt(2)", 0]], [[0, 1], [1, "sqrt(3)"]],
                       [[2, 0], [0, 1]]], 1, b=[0, 0, 0])
    res = restricted_isometry(p)
    assert res.kind == "bounds"
    W = np.array([[float(v) for v in svec(Ai)] for Ai in p.operator.matrices])
    ev = np.linalg.eigvalsh(W.T @ W)
    delta = max(ev[-1] - 1, 1 - ev[0])
    assert float(res.lower) - 1e-12 <= delta <= float(res.upper) + 1e-12
    assert float(res.upper - res.lower) < 1e-6


def test_rip_bad_order() -> None:
    with pytest.raises(RankError):
        restricted_isometry(zsl_family("1/3"), order=0)
    with pytest.raises(InputError):
        restricted_isometry("not an operator")


# -- validation ----------------------------------------------------------------------------------


def test_validation_errors() -> None:
    with pytest.raises(OperatorError):
        MatrixSensing([], 1, b=[])
    with pytest.raises(OperatorError):
        MatrixSensing([[[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]], 1, b=[0, 0])
    with pytest.raises(OperatorError):
        MatrixSensing([[[1, 0, 0], [0, 1, 0]]], 1, b=[0])
    with pytest.raises(OperatorError):
        MatrixSensing("A", 1, b=[0])
    with pytest.raises(NonFiniteError):
        MatrixSensing([[[float("nan"), 0], [0, 1]]], 1, b=[0])
    with pytest.raises(ShapeError):
        MatrixSensing([[[1, 0], [0, 1]]], 1, b=[0, 1])
    with pytest.raises(ShapeError):
        MatrixSensing([[[1, 0], [0]]], 1, b=[0])
    with pytest.raises(RankError):
        MatrixSensing([[[1, 0], [0, 1]]], 3, b=[0])
    with pytest.raises(RankError):
        MatrixSensing([[[1, 0], [0, 1]]], 0, b=[0])
    with pytest.raises(SymmetryError):
        MatrixSensing([[[1, 0], [0, 1]]], 1, ground_truth=[[1, 2], [0, 1]])
    with pytest.raises(ShapeError):
        MatrixSensing([[[1, 0], [0, 1]]], 1, ground_truth=[[1]])
    with pytest.raises(InputError):
        MatrixSensing([[[1, 0], [0, 1]]], 1)
    with pytest.raises(InputError):
        MatrixSensing([[[1, 0], [0, 1]]], 1, b=[0], scale=0)
    with pytest.raises(NumberError):
        MatrixSensing([[["__import__('os')", 0], [0, 1]]], 1, b=[0])
    with pytest.raises(OperatorError):
        MatrixSensing.gaussian(3, 0, 1)
    with pytest.raises(OperatorError):
        SensingOperator.gaussian((2, 3), 4, symmetric=True)
    with pytest.raises(OperatorError):
        MatrixSensing.from_quadratic_form([[1, 0, 2], [0, 1, 0], [2, 0, 1]])
    with pytest.raises(OperatorError):
        MatrixSensing.from_quadratic_form([[1, 0], [0, 1]])
    with pytest.raises(InputError):
        zsl_family("3/2")
    p = zsl_family("1/2")
    with pytest.raises(ShapeError):
        p.act({"X": [[1], [0]]}, [[1, 0], [0, 1]])


def test_spec_errors() -> None:
    with pytest.raises(SpecError):
        load_spec({"problem": "sensing", "rank": 1, "operator": {"gaussian": {"m": 3}}, "b": [0]})
    with pytest.raises(SpecError):
        load_spec({"problem": "sensing", "rank": 1, "n": 2,
                   "operator": {"gaussian": {"m": 3, "sd": 1}}, "b": [0, 0, 0]})
    with pytest.raises(SpecError):
        load_spec({"problem": "sensing", "rank": 1, "operator": SURD_OP})
    with pytest.raises(SpecError):
        load_spec({"problem": "sensing", "rank": 1, "operator": SURD_OP, "b": [0, 0], "x": 1})
    with pytest.raises(ShapeError):
        load_spec({"problem": "sensing", "rank": 1, "n": 3, "operator": SURD_OP, "b": [0, 0]})


# -- specs --------------------------------------------------------------------------------


def test_registered() -> None:
    assert PROBLEM_KINDS["sensing"] is MatrixSensing


@pytest.mark.parametrize("spec", [
    {"problem": "sensing", "symmetric": True, "rank": 1, "operator": SURD_OP,
     "ground_truth": [[1, 0], [0, 0]]},
    {"problem": "sensing", "rank": 2, "n": 3, "operator": {"gaussian": {"m": 5, "seed": 1}},
     "ground_truth": {"random": {"rank": 1, "seed": 4}}},
    {"problem": "sensing", "symmetric": False, "rank": 2, "n": [2, 3],
     "operator": {"gaussian": {"m": 4, "seed": 2}}, "b": ["1/2", 0, 1, "-3"], "scale": "1/4"},
])
def test_spec_round_trip(spec: dict) -> None:
    p = load_spec(spec)
    q = load_spec(p.to_spec())
    assert q.to_spec() == p.to_spec()
    x = _rational_point(p, 0)
    assert p.value(x, "exact") == q.value(x, "exact")
    assert sp.sympify(p.to_spec()["scale"]) == p.scale
    assert p.describe()


def test_gaussian_normalization_documented() -> None:
    """E‖A(Z)‖² = ‖Z‖²: the average over many seeds of ‖A(Z)‖²/‖Z‖² is close to 1."""
    Z = np.array([[1.0, 2.0], [2.0, -1.0]])
    ratios = []
    for seed in range(200):
        op = SensingOperator.gaussian(2, 3, seed=seed, symmetric=True)
        a = np.einsum("kij,ij->k", np.array(op.matrices, dtype=float), Z)
        ratios.append(a @ a / np.sum(Z * Z))
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.15)


def test_noisy_b_keeps_ground_truth() -> None:
    p = MatrixSensing(SURD_OP, 1, b=[1, "1/10"], ground_truth=[[1, 0], [0, 0]])
    assert p.noiseless is False
    q = load_spec(p.to_spec())
    assert list(q.data["b"]) == [1, sp.Rational(1, 10)]


# -- symmetry --------------------------------------------------------------------------------


@given(seed=st.integers(0, 10_000), r=st.integers(1, 3))
def test_orthogonal_invariance_exact(seed: int, r: int) -> None:
    p = MatrixSensing.gaussian(3, 4, r, seed=seed % 7)
    x = _rational_point(p, seed)
    Q = _rational_orthogonal(r, seed)
    assert p.value(p.act(x, Q), "exact") == p.value(x, "exact")


@given(seed=st.integers(0, 10_000))
def test_gl_invariance_asymmetric(seed: int) -> None:
    p = MatrixSensing.gaussian((3, 2), 4, 2, seed=1, symmetric=False)
    rng = np.random.default_rng(seed)
    x = {k: rng.standard_normal(s) for k, s in p.variables.items()}
    G = rng.standard_normal((2, 2)) + 3 * np.eye(2)
    y = p.act(x, G, "numpy")
    assert p.value(y) == pytest.approx(p.value(x), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("symmetric", [True, False])
def test_orbit_tangent_orthogonal_to_gradient(symmetric: bool) -> None:
    p = MatrixSensing.gaussian(3, 5, 2, seed=0, symmetric=symmetric)
    x = _rational_point(p, 3)
    g = p.grad(x, "exact")
    tangents = p.orbit_tangent(x)
    assert len(tangents) == (1 if symmetric else 4)
    for t in tangents:
        assert sp.expand(sum(np.sum(g[k] * t[k]) for k in g)) == 0
    assert p.symmetry().name == ("O(2)" if symmetric else "GL(2)")


def test_sensing_with_identity_operator_is_symmetric_mf() -> None:
    """With A = all unit matrices E_ij (m = n²) and scale ¼, sensing is SymmetricMF."""
    from mfverify.problems import SymmetricMF

    n = 2
    mats = []
    for i in range(n):
        for j in range(n):
            E = np.zeros((n, n), dtype=int)
            E[i, j] = 1
            mats.append(E)
    M = [[2, 1], [1, -1]]
    p = MatrixSensing(mats, 1, ground_truth=M, scale="1/4")
    q = SymmetricMF(M, 1)
    X = np.array([[sp.Symbol("a")], [sp.Symbol("b")]], dtype=object)
    A = ExactArith()
    assert sp.expand(p.objective(A, {"X": X}, p.data_in(A))
                     - q.objective(A, {"X": X}, q.data_in(A))) == 0
