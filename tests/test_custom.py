"""CustomProblem: a user objective from text, SymPy or a callable, in all three arithmetics."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfverify.arith import get_arith
from mfverify.errors import (
    ExpressionError,
    InputError,
    ShapeError,
    SpecError,
    SymmetryError,
    UnsupportedError,
)
from mfverify.problems import PROBLEM_KINDS, AsymmetricMF, CustomProblem, SymmetricMF
from mfverify.problems.verify import check_closed_forms
from mfverify.spec import load_spec

DOUBLE_WELL = {"problem": "custom", "variables": {"x": [2, 1]},
               "objective": "(x[0]**2 - 1)**2 + x[1]**4"}


def test_registered_and_spec_roundtrip() -> None:
    assert PROBLEM_KINDS["custom"] is CustomProblem
    p = load_spec(DOUBLE_WELL)
    assert isinstance(p, CustomProblem)
    assert p.variables == {"x": (2, 1)}
    spec = p.to_spec()
    assert spec["objective"] == "(x[0]**2 - 1)**2 + x[1]**4"
    assert load_spec(spec).to_spec() == spec


def test_double_well_exact_values_and_derivatives() -> None:
    p = load_spec(DOUBLE_WELL)
    assert p.value({"x": [[1], [0]]}, "exact") == 0
    assert p.value({"x": [[0], [0]]}, "exact") == 1
    g = p.grad({"x": [["1/2"], [1]]}, "exact")["x"]
    # d/dx0 (x0²-1)² = 4x0(x0²-1) = 2·(-3/4) ; d/dx1 x1⁴ = 4
    assert g.tolist() == [[sp.Rational(-3, 2)], [4]]
    H = p.hessian_matrix({"x": [[1], [0]]}, "exact")
    assert H.tolist() == [[8, 0], [0, 0]]
    assert check_closed_forms(p).ok


def _forms(M: list[list[int]]) -> list[CustomProblem]:
    X00, X10, X20 = sp.symbols("X_0_0 X_1_0 X_2_0")
    Xs = sp.Matrix([X00, X10, X20])
    R = Xs * Xs.T - sp.Matrix(M)
    sym = sum(v**2 for v in R) / 4
    data = {"M": M}
    return [
        CustomProblem({"X": [3, 1]}, "norm(X*X.T - M)**2/4", data=data),
        CustomProblem({"X": [3, 1]}, "inner(X@X.T - M, X@X.T - M)", data=data, scale="1/4"),
        CustomProblem({"X": [3, 1]}, sym),
        CustomProblem({"X": [3, 1]},
                      lambda A, x, d: A.sumsq(x["X"] @ A.T(x["X"]) - d["M"]) / A.const(4),
                      data=data),
    ]


M3 = [[3, 1, 0], [1, 2, -1], [0, -1, 1]]


@pytest.mark.parametrize("k", range(4), ids=["text", "text-scale", "sympy", "callable"])
def test_forms_match_symmetric_mf_exactly(k: int) -> None:
    p = _forms(M3)[k]
    s = SymmetricMF(M3, 1)
    for X in ([["1/3"], [2], [-1]], [[0], [1], ["5/7"]]):
        assert p.value(X, "exact") == s.value(X, "exact")
        assert p.grad(X, "exact")["X"].tolist() == s.grad(X, "exact")["X"].tolist()
        D = [[1], ["-1/2"], [3]]
        assert (p.hessian_vector(X, D, "exact")["X"].tolist()
                == s.hessian_vector(X, D, "exact")["X"].tolist())


@pytest.mark.parametrize("k", range(4), ids=["text", "text-scale", "sympy", "callable"])
def test_forms_mp_and_numpy_batch(k: int) -> None:
    p = _forms(M3)[k]
    s = SymmetricMF(M3, 1)
    rng = np.random.default_rng(11)
    Xb = rng.normal(size=(5, 3, 1))
    Db = rng.normal(size=(5, 3, 1))
    assert np.allclose(p.value(Xb), s.value(Xb), rtol=1e-12)
    assert np.allclose(p.grad(Xb)["X"], s.grad(Xb)["X"], rtol=1e-12)
    assert np.allclose(p.hessian_vector(Xb, Db)["X"], s.hessian_vector(Xb, Db)["X"], rtol=1e-12)
    mp = get_arith("mp", dps=40)
    X = [["0.3"], ["-1.2"], ["2"]]
    v_mp = p.value(X, mp)
    v_ex = p.value(X, "exact")
    assert abs(float(v_mp - mp.const(v_ex))) < 1e-35
    g_mp = p.grad(X, mp)["X"]
    g_ex = s.grad(X, "exact")["X"]
    assert all(abs(g_mp[i, 0] - mp.const(g_ex[i, 0])) < mp.ctx.mpf(10) ** -35 for i in range(3))


def test_asymmetric_equivalent_with_declared_gl_symmetry() -> None:
    Sigma = [[2, 1], [0, 1]]
    p = CustomProblem({"U": [2, 1], "V": [2, 1]}, "norm(U@V.T - S)**2", data={"S": Sigma},
                      scale="1/2",
                      symmetry={"group": "GL", "variables": ["U"], "inverse_transpose": ["V"]})
    a = AsymmetricMF(Sigma, 1)
    x = {"U": [[1], [2]], "V": [["1/2"], [-1]]}
    assert p.value(x, "exact") == a.value(x, "exact")
    assert p.grad(x, "exact")["V"].tolist() == a.grad(x, "exact")["V"].tolist()
    assert p.symmetry().name == "GL(1)" and p.symmetry().dimension == 1
    # the orbit tangent is in the kernel of the gradient (invariance) and matches AsymmetricMF's
    (t,) = p.orbit_tangent(x)
    (ta,) = a.orbit_tangent(x)
    assert t["U"].tolist() == ta["U"].tolist() and t["V"].tolist() == ta["V"].tolist()
    moved = p.act(x, [[3]])
    assert p.value(moved, "exact") == p.value(x, "exact")


def test_declared_orthogonal_symmetry_verified() -> None:
    p = CustomProblem({"X": [2, 2]}, "norm(X*X.T - M)**2/4", data={"M": [[3, 1], [1, 2]]},
                      symmetry={"group": "O", "variables": ["X"]})
    assert p.symmetry().name == "O(2)"
    assert len(p.orbit_tangent({"X": [[1, 2], [3, 4]]})) == 1
    with pytest.raises(SymmetryError, match="does not hold"):
        CustomProblem({"X": [2, 2]}, "norm(X*X.T - M)**2/4 + X[0, 0]",
                      data={"M": [[3, 1], [1, 2]]}, symmetry={"group": "O", "variables": ["X"]})
    # det X = X00*X11 - X01*X10 is invariant under X -> XQ for Q in SO(2) (every generator
    # passes) but flips sign under a reflection: declaring O(2) must be refuted.
    with pytest.raises(SymmetryError, match="reflection"):
        CustomProblem({"X": [2, 2]}, "X[0, 0]*X[1, 1] - X[0, 1]*X[1, 0]",
                      symmetry={"group": "O", "variables": ["X"]})


def test_trivial_symmetry_by_default() -> None:
    p = load_spec(DOUBLE_WELL)
    assert p.symmetry().name == "trivial"
    assert p.orbit_tangent({"x": [[1], [0]]}) == []
    with pytest.raises(UnsupportedError):
        p.act({"x": [[1], [0]]}, [[1]])


def test_sympy_naming_and_aliases() -> None:
    x0, x1 = sp.symbols("x0 x1")
    a = CustomProblem({"x": [2]}, (x0**2 - 1) ** 2 + x1**4)
    b = CustomProblem({"x": [2]}, (sp.Symbol("x_0") ** 2 - 1) ** 2 + sp.Symbol("x_1") ** 4)
    c = CustomProblem({"x": [2, 1]}, (sp.Symbol("x_0_0") ** 2 - 1) ** 2 + sp.Symbol("x1") ** 4)
    for p in (a, b):
        assert p.value({"x": [2, 1]}, "exact") == 10
    assert c.value({"x": [[2], [1]]}, "exact") == 10
    assert a.objective_text() == "x[1]**4 + (x[0]**2 - 1)**2"
    s = CustomProblem({"s": [], "t": []}, sp.Symbol("s") * sp.Symbol("t") ** 2)
    assert s.value({"s": 2, "t": 3}, "exact") == 18
    with pytest.raises(ExpressionError, match="unknown symbol 'y'"):
        CustomProblem({"x": [2]}, sp.Symbol("y") ** 2)
    with pytest.raises(ExpressionError, match="not supported"):
        CustomProblem({"x": [2]}, sp.sin(x0))
    with pytest.raises(ExpressionError, match="non-rational exponent"):
        CustomProblem({"x": [2]}, x0**x1)


def test_ambiguous_alias_rejected() -> None:
    # variable "x" entry 1 has alias "x1", which is also the scalar variable "x1"
    with pytest.raises(ExpressionError, match="ambiguous"):
        CustomProblem({"x": [2], "x1": []}, sp.Symbol("x1") ** 2)
    p = CustomProblem({"x": [2], "x1": []}, sp.Symbol("x_1") ** 2)
    assert p.value({"x": [0, 3], "x1": 5}, "exact") == 9


def test_vector_and_scalar_variables_in_text() -> None:
    p = CustomProblem({"x": [3], "s": []}, "s**2*(x@x) - 2*s*x[2]")
    assert p.value({"x": [1, 2, 3], "s": 2}, "exact") == 4 * 14 - 12
    g = p.grad({"x": [1, 2, 3], "s": 2}, "exact")
    assert g["x"].tolist() == [8, 16, 20]
    assert g["s"] == 2 * 2 * 14 - 2 * 3
    row = CustomProblem({"y": [1, 3]}, "y[2]**2")
    assert row.grad({"y": [[0, 0, 5]]}, "exact")["y"].tolist() == [[0, 0, 10]]


def test_numpy_gradient_matches_finite_differences() -> None:
    p = CustomProblem({"X": [2, 2], "s": []}, "s**2*norm(X.T@X - I)**2 + sqrt(1 + s**2)*X[0, 1]")
    rng = np.random.default_rng(5)
    x = {"X": rng.normal(size=(2, 2)), "s": np.float64(0.7)}
    g = p.flatten(p.grad(x))
    flat = p.flatten({"X": x["X"], "s": np.array(x["s"])})
    h = 1e-6
    fd = []
    for k in range(p.dim):
        e = np.zeros(p.dim)
        e[k] = h
        fd.append((p.value(p.unflatten(flat + e)) - p.value(p.unflatten(flat - e))) / (2 * h))
    assert np.allclose(g, fd, rtol=1e-6, atol=1e-7)
    H = np.asarray(p.hessian_matrix(x), dtype=float)
    assert np.allclose(H, H.T, atol=1e-12)


def test_callable_must_return_scalar_and_be_whitelisted() -> None:
    p = CustomProblem({"X": [2, 1]}, lambda A, x: x["X"] @ A.T(x["X"]))
    with pytest.raises(ShapeError, match="scalar"):
        p.grad({"X": [[1], [2]]}, "exact")
    q = CustomProblem({"x": []}, lambda A, x: sp.exp(x["x"]) if A.exact else x["x"])
    with pytest.raises(ExpressionError, match="not supported"):
        q.grad({"x": 1}, "exact")


def test_callable_errors_are_typed() -> None:
    p = CustomProblem({"x": [2]}, lambda A, x: 0.5 * (x["x"] @ x["x"]))
    assert np.isclose(p.value({"x": [1.0, 2.0]}), 2.5)
    with pytest.raises(ExpressionError, match="floating-point constant"):
        p.grad({"x": [1, 2]}, "exact")
    q = CustomProblem({"x": [2]}, lambda A, x: np.linalg.norm(x["x"]))
    with pytest.raises(UnsupportedError, match="symbolic point"):
        q.grad({"x": [1, 2]}, "exact")


def test_data_override_supported_by_objective_only() -> None:
    p = CustomProblem({"X": [2, 1]}, "norm(X*X.T - M)**2/4", data={"M": [[1, 0], [0, 1]]})
    rng = np.random.default_rng(2)
    Ms = rng.normal(size=(3, 2, 2))
    Ms = Ms + np.swapaxes(Ms, -1, -2)
    Xs = rng.normal(size=(3, 2, 1))
    vals = p.value(Xs, data={"M": Ms})
    for b in range(3):
        assert np.isclose(vals[b], SymmetricMF(Ms[b].tolist(), 1).value(Xs[b]))
    with pytest.raises(UnsupportedError, match="overridden"):
        p.grad(Xs, data={"M": Ms})


def test_scale_override_in_derivatives() -> None:
    p = load_spec(DOUBLE_WELL)
    g1 = p.grad({"x": [[2], [1]]}, "exact")["x"]
    g3 = p.grad({"x": [[2], [1]]}, "exact", data={"scale": 3})["x"]
    assert (g3 == 3 * g1).all()


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"variables": {}, "objective": "1"}, InputError, "non-empty"),
    ({"variables": {"x": [0]}, "objective": "x[0]"}, ShapeError, "positive integers"),
    ({"variables": {"x": [2, 2, 2]}, "objective": "1"}, ShapeError, "at most 2"),
    ({"variables": {"x": "2"}, "objective": "1"}, ShapeError, "must be a list"),
    ({"variables": {"x": [True]}, "objective": "1"}, ShapeError, "positive integers"),
    ({"variables": {"__x": [2]}, "objective": "1"}, InputError, "not allowed"),
    ({"variables": {"trace": [2]}, "objective": "1"}, InputError, "not allowed"),
    ({"variables": {"x": [2]}, "objective": "x"}, ShapeError, "must be a scalar"),
    ({"variables": {"x": [2]}, "objective": "y[0]"}, ExpressionError, "unknown name 'y'"),
    ({"variables": {"x": [2]}, "objective": "x[2]"}, ShapeError, "out of range"),
    ({"variables": {"x": [2]}, "objective": 3}, ExpressionError, "text, a SymPy"),
    ({"variables": {"x": [2]}, "objective": "x@x", "scale": -1}, InputError, "positive"),
    ({"variables": {"x": [2]}, "objective": "x@x", "data": {"x": 1}}, InputError,
     "also a variable"),
    ({"variables": {"x": [2]}, "objective": "x@x", "data": {"D": [[[1]]]}}, ShapeError,
     "number, vector or matrix"),
    ({"variables": {"x": [500]}, "objective": "x@x"}, ShapeError, "unknowns"),
    ({"variables": {"x": [2, 1], "x_1": [1]}, "objective": "x[0]"}, InputError,
     "same symbol"),
    ({"variables": {"x": [2]}, "objective": "x@x", "symmetry": {"group": "U"}}, SpecError,
     "'O' or 'GL'"),
    ({"variables": {"x": [2]}, "objective": "x@x", "symmetry": {"group": "O",
                                                                 "variables": ["x"]}},
     ShapeError, "matrix variable"),
    ({"variables": {"x": [2, 1]}, "objective": "x[0]", "symmetry": {"group": "O",
                                                                     "variables": ["y"]}},
     SpecError, "not a variable"),
])
def test_constructor_validation(kwargs: dict, error: type, fragment: str) -> None:
    kw = dict(kwargs)
    with pytest.raises(error, match=fragment):
        CustomProblem(kw.pop("variables"), kw.pop("objective"), **kw)


def test_spec_type_errors() -> None:
    with pytest.raises(SpecError, match="'variables' must be"):
        load_spec({"problem": "custom", "variables": [2], "objective": "1"})
    with pytest.raises(SpecError, match="'objective' must be a string"):
        load_spec({"problem": "custom", "variables": {"x": [1]}, "objective": 1})
    with pytest.raises(SpecError, match="'data' must be"):
        load_spec({"problem": "custom", "variables": {"x": [1]}, "objective": "x[0]",
                   "data": [1]})
