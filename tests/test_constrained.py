"""ConstrainedMF: merits, closed forms, KKT pieces, primal-dual field, GDA, batching, specs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from taylor_slopes import taylor_slopes

from mfverify.errors import (
    InputError,
    OperatorError,
    RankError,
    ShapeError,
    SpecError,
    UnsupportedError,
)
from mfverify.problems import PROBLEM_KINDS, ConstrainedMF, SensingOperator
from mfverify.problems.sensing import restricted_isometry
from mfverify.problems.verify import check_closed_forms, symbolic_matrix
from mfverify.spec import load_spec

MERITS = ("penalty", "augmented_lagrangian")
DIAG_OP = [[[1, 0], [0, 0]], [[0, 0], [0, 1]]]


def _sym_ops(m: int, n: int) -> np.ndarray:
    return np.stack([symbolic_matrix(f"A{k}", n, n) for k in range(m)])


def _point(p: ConstrainedMF, seed: int, *, exact: bool = True) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for k, s in p.variables.items():
        ints = rng.integers(-9, 10, size=s)
        out[k] = (np.vectorize(lambda v: sp.Rational(int(v), 5), otypes=[object])(ints)
                  if exact else ints / 5.0)
    return out


@pytest.mark.parametrize("merit", MERITS)
@pytest.mark.parametrize("n,p_,m", [(1, 1, 1), (2, 1, 2), (2, 2, 1)])
def test_closed_forms_symbolic(merit: str, n: int, p_: int, m: int) -> None:
    p = ConstrainedMF([np.eye(n, dtype=int)] * m, p_, b=[0] * m, merit=merit)
    res = check_closed_forms(p, {"A": _sym_ops(m, n), "b": symbolic_matrix("b", 1, m)[0],
                                 "rho": sp.Symbol("rho")})
    assert res.ok, res


def test_variables_per_merit() -> None:
    a = ConstrainedMF(DIAG_OP, 2, b=[1, 1])
    b = ConstrainedMF(DIAG_OP, 2, b=[1, 1], merit="augmented_lagrangian")
    assert a.variables == {"U": (2, 2)}
    assert b.variables == {"U": (2, 2), "lam": (2,)}


@pytest.mark.parametrize("merit", MERITS)
def test_exact_mp_numpy_agree(merit: str) -> None:
    p = ConstrainedMF.gaussian(3, 4, 2, seed=1, merit=merit, rho="3/2")
    x, v = _point(p, 1), _point(p, 2)
    fe = p.value(x, "exact")
    assert float(p.value(x, "mp", dps=40)) == pytest.approx(float(fe), rel=1e-30)
    assert p.value({k: a.astype(float) for k, a in x.items()}) == pytest.approx(float(fe),
                                                                                rel=1e-12)
    he = p.hessian_vector(x, v, "exact")
    hn = p.hessian_vector({k: a.astype(float) for k, a in x.items()},
                          {k: a.astype(float) for k, a in v.items()})
    for k in p.variables:
        np.testing.assert_allclose(he[k].astype(float), hn[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("merit", MERITS)
def test_numpy_batch(merit: str) -> None:
    p = ConstrainedMF.gaussian(4, 5, 3, seed=2, merit=merit)
    rng = np.random.default_rng(0)
    B = 5
    xb = {k: rng.standard_normal((B, *s)) for k, s in p.variables.items()}
    vb = {k: rng.standard_normal((B, *s)) for k, s in p.variables.items()}
    rho = rng.uniform(0.5, 2, size=B)
    fb = p.value(xb, data={"rho": rho})
    gb = p.grad(xb, data={"rho": rho})
    hb = p.hessian_vector(xb, vb, data={"rho": rho})
    for i in range(B):
        xi = {k: a[i] for k, a in xb.items()}
        vi = {k: a[i] for k, a in vb.items()}
        assert fb[i] == pytest.approx(p.value(xi, data={"rho": rho[i]}), rel=1e-12)
        for k in p.variables:
            np.testing.assert_allclose(gb[k][i], p.grad(xi, data={"rho": rho[i]})[k],
                                       rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(hb[k][i], p.hessian_vector(
                xi, vi, data={"rho": rho[i]})[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("merit", MERITS)
def test_taylor_rates_n50(merit: str) -> None:
    p = ConstrainedMF.gaussian(50, 5, 4, seed=3, merit=merit, rho=2)
    s1, s2 = taylor_slopes(p, 1)
    assert 1.9 < s1 < 2.1
    assert 2.85 < s2 < 3.15


# -- KKT pieces --------------------------------------------------------------------------------


def test_trace_constraint_kkt_exact() -> None:
    """min ½‖U‖² s.t. tr(UUᵀ) = 2: every feasible U is a KKT point with λ = ½ and S(λ) = 0."""
    p = ConstrainedMF([[[1, 0], [0, 1]]], 2, b=[2])
    U = [[1, 0], [0, 1]]
    lam = p.least_squares_multiplier(U)
    assert list(lam) == [sp.Rational(1, 2)]
    res = p.kkt_residual(U, lam)
    assert all(v == 0 for v in res["stationarity"].reshape(-1))
    assert all(v == 0 for v in res["feasibility"])
    assert all(v == 0 for v in p.S(lam).reshape(-1))
    assert p.lagrangian(U, lam) == 1


def test_diagonal_constraints_kkt() -> None:
    p = ConstrainedMF(DIAG_OP, 2, b=[1, 1])
    U = np.array([[1, 0], [0, 1]], dtype=object)
    lam = p.least_squares_multiplier(U)
    assert list(lam) == [sp.Rational(1, 2), sp.Rational(1, 2)]
    S = p.S([0, 1])
    assert S.tolist() == [[1, 0], [0, -1]]
    res = p.kkt_residual(U, [0, 0])
    assert res["stationarity"].tolist() == [[1, 0], [0, 1]]


def test_multiplier_licq_failure() -> None:
    p = ConstrainedMF.gaussian(4, 5, 2, seed=3)
    with pytest.raises(UnsupportedError):
        p.least_squares_multiplier(np.ones((4, 2), dtype=int))
    with pytest.raises(UnsupportedError):
        p.least_squares_multiplier(np.ones((4, 2)), "mp")


def test_multiplier_numpy_batch_and_mp_agree() -> None:
    p = ConstrainedMF.gaussian(4, 3, 2, seed=5)
    rng = np.random.default_rng(2)
    Ub = rng.standard_normal((3, 4, 2))
    lb = p.least_squares_multiplier(Ub, "numpy")
    for i in range(3):
        lm = p.least_squares_multiplier(Ub[i], "mp", dps=30)
        np.testing.assert_allclose(lb[i], lm.astype(float), rtol=1e-10)
    # at the least-squares multiplier, the stationarity residual is orthogonal to every B_i
    U = Ub[0]
    lam = lb[0]
    R = p.kkt_residual(U, lam, "numpy")["stationarity"]
    mats = np.array(p.operator.matrices, dtype=float)
    for Ai in mats:
        assert abs(np.sum((Ai + Ai.T) @ U * R)) < 1e-10


# -- primal-dual field and GDA -------------------------------------------------------------------


def test_penalty_gradient_is_lagrangian_gradient_at_zero_multiplier() -> None:
    pen = ConstrainedMF.gaussian(3, 4, 2, seed=4, rho="5/2")
    al = ConstrainedMF.gaussian(3, 4, 2, seed=4, rho="5/2", merit="augmented_lagrangian")
    x = _point(pen, 0)
    gp = pen.grad(x, "exact")["U"]
    ga = al.grad({"U": x["U"], "lam": [0, 0, 0, 0]}, "exact")["U"]
    assert (gp == ga).all()


def test_field_and_gda_step() -> None:
    p = ConstrainedMF.gaussian(3, 4, 2, seed=6, merit="augmented_lagrangian", rho=2)
    x = _point(p, 3)
    F = p.primal_dual_field(x, "exact")
    g = p.grad(x, "exact")
    assert (F["U"] == -g["U"]).all() and (F["lam"] == g["lam"]).all()
    # template of the reconstruction of Eftekhari 2021 (docs/paper-eftekhari2021.md): U+ = U − α(I −
    # 2A*(λ − ρ r))U, λ+ = λ − β r(U+)
    alpha, beta = sp.Rational(1, 10), sp.Rational(1, 5)
    step = p.gda_step(x, alpha, beta, "exact")
    U, lam = x["U"], x["lam"]
    r = np.array([sp.expand(v) for v in p.operator(U @ U.T)]) - p.data["b"]
    Astar = p.operator.adjoint(lam - 2 * r)
    U_new = U - alpha * (np.eye(3, dtype=int) - 2 * Astar) @ U
    r_new = np.array([sp.expand(v) for v in p.operator(U_new @ U_new.T)]) - p.data["b"]
    assert all(sp.expand(a - b) == 0 for a, b in zip(step["U"].reshape(-1), U_new.reshape(-1),
                                                     strict=True))
    assert all(sp.expand(a - b) == 0 for a, b in zip(step["lam"], lam - beta * r_new,
                                                     strict=True))


def test_gda_step_batched() -> None:
    p = ConstrainedMF.gaussian(5, 6, 3, seed=7, merit="penalty")
    rng = np.random.default_rng(4)
    xb = {"U": rng.standard_normal((4, 5, 3)), "lam": rng.standard_normal((4, 6))}
    alphas = np.array([0.01, 0.02, 0.03, 0.04])
    out = p.gda_step(xb, alphas, 0.5)
    for i in range(4):
        oi = p.gda_step({"U": xb["U"][i], "lam": xb["lam"][i]}, alphas[i], 0.5)
        np.testing.assert_allclose(out["U"][i], oi["U"], rtol=1e-13)
        np.testing.assert_allclose(out["lam"][i], oi["lam"], rtol=1e-13)


def test_gda_converges_on_small_instance() -> None:
    """Sanity (prediction E-P4 (docs/predictions.md) spirit, no rate asserted): GDA on a planted
    rank-1 instance reaches feasibility."""
    p = ConstrainedMF.gaussian(4, 12, 2, seed=1, truth_rank=1, merit="augmented_lagrangian",
                               rho=1)
    rng = np.random.default_rng(0)
    x = {"U": rng.standard_normal((4, 2)), "lam": np.zeros(12)}
    for _ in range(6000):
        x = p.gda_step(x, 0.02, 0.02)
    r = p.kkt_residual(x["U"], x["lam"], "numpy")
    assert np.linalg.norm(r["feasibility"]) < 1e-6
    assert np.linalg.norm(r["stationarity"]) < 1e-6


def test_field_needs_state() -> None:
    p = ConstrainedMF(DIAG_OP, 1, b=[1, 0])
    with pytest.raises(InputError):
        p.primal_dual_field({"U": [[1], [0]]})
    with pytest.raises(ShapeError):
        p.primal_dual_field({"U": [[1], [0]], "lam": [0, 0, 0]})


# -- symmetry --------------------------------------------------------------------------------------


@given(seed=st.integers(0, 10_000))
def test_orthogonal_invariance(seed: int) -> None:
    p = ConstrainedMF.gaussian(4, 3, 3, seed=2, merit="augmented_lagrangian")
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    x = {"U": rng.standard_normal((4, 3)), "lam": rng.standard_normal(3)}
    y = p.act(x, Q, "numpy")
    assert p.value(y) == pytest.approx(p.value(x), rel=1e-10, abs=1e-10)
    assert p.symmetry().name == "O(3)"


def test_orbit_tangent_zero_lam_component() -> None:
    p = ConstrainedMF.gaussian(3, 2, 2, seed=0, merit="augmented_lagrangian")
    x = _point(p, 1)
    g = p.grad(x, "exact")
    for t in p.orbit_tangent(x):
        assert sp.expand(sum(np.sum(g[k] * t[k]) for k in g)) == 0
        assert all(v == 0 for v in t["lam"])


# -- validation and specs -----------------------------------------------------------------------


def test_validation() -> None:
    with pytest.raises(InputError):
        ConstrainedMF(DIAG_OP, 1, b=[1, 0], merit="fletcher")
    with pytest.raises(RankError):
        ConstrainedMF(DIAG_OP, 3, b=[1, 0])
    with pytest.raises(ShapeError):
        ConstrainedMF(DIAG_OP, 1, b=[1])
    with pytest.raises(InputError):
        ConstrainedMF(DIAG_OP, 1)
    with pytest.raises(InputError):
        ConstrainedMF(DIAG_OP, 1, b=[1, 0], rho=-1)
    with pytest.raises(OperatorError):
        ConstrainedMF([], 1, b=[])
    with pytest.raises(InputError):
        ConstrainedMF(SensingOperator.gaussian((2, 2), 2, symmetric=False), 1, b=[0, 0])
    p = ConstrainedMF(DIAG_OP, 1, b=[1, 0])
    with pytest.raises(ShapeError):
        p.S([1])
    with pytest.raises(ShapeError):
        p.kkt_residual([[1, 0]], [0, 0])
    with pytest.raises(SpecError):
        load_spec({"problem": "constrained", "p": 1, "operator": DIAG_OP})
    with pytest.raises(SpecError):
        load_spec({"problem": "constrained", "p": 1, "operator": DIAG_OP, "b": [1, 0],
                   "merit": 3})


def test_registered() -> None:
    assert PROBLEM_KINDS["constrained"] is ConstrainedMF


@pytest.mark.parametrize("spec", [
    {"problem": "constrained", "p": 2, "operator": DIAG_OP, "b": [1, "1/2"]},
    {"problem": "constrained", "p": 1, "operator": [[[1, 0], [0, "sqrt(2)"]]],
     "ground_truth": [[1, 0], [0, 0]], "merit": "augmented_lagrangian", "rho": "1/3"},
    {"problem": "constrained", "n": 4, "p": 3, "operator": {"gaussian": {"m": 5, "seed": 9}},
     "ground_truth": {"random": {"rank": 2, "seed": 1}}, "merit": "penalty", "rho": 10},
])
def test_spec_round_trip(spec: dict) -> None:
    p = load_spec(spec)
    q = load_spec(p.to_spec())
    assert q.to_spec() == p.to_spec()
    x = _point(p, 0)
    assert p.value(x, "exact") == q.value(x, "exact")
    assert p.describe()


def test_rip_of_constrained_problem_uses_2p() -> None:
    p = ConstrainedMF.gaussian(3, 6, 1, seed=0)
    res = restricted_isometry(p)
    assert res.order == 2 and res.kind in ("exact", "bounds")
    assert res.lower <= res.upper
