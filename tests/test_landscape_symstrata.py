"""Symmetric MF c‖XXᵀ − M‖² with repeated positive eigenvalues: the stationary set as orbits of
O(r) × Stab(M) (mfverify/symbolic/symstrata.py).

Independent checks: hand-derived landscapes; exact stationarity and inertia at points moved by
random rational group elements; a numerical search for stationary points whose (κ, value) must
be listed; agreement with the generic Gröbner engine on instances with distinct eigenvalues.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from lm_search import stationary_points, uv_gradient

from mfverify.problems import SymmetricMF
from mfverify.symbolic import landscape
from mfverify.symbolic.stationary import objective_polynomial
from mfverify.symbolic.symstrata import sqrt_field, sym_strata


def test_repeated_eigenvalue_rank_1_hand_derived() -> None:
    """M = diag(2, 1, 1), r = 1, ¼‖xxᵀ − M‖²: ±√2e₁ (global min, ¼(1 + 1) = ½), the circle
    {x ∈ span(e₂, e₃), ‖x‖ = 1} (value ¼(4 + 1) = 5/4, one component, strict saddle: −e₁ is a
    descent direction of curvature 1 − 2 < 0) and the origin (local max, 3/2)."""
    L = landscape(SymmetricMF([[2, 0, 0], [0, 1, 0], [0, 0, 1]], rank=1))
    assert L.complete and L.real_component_count == 4
    got = [(c.value, c.dimension, c.count, c.type, c.inertia) for c in L.components]
    assert got == [(sp.Rational(1, 2), 0, 2, "global_min", (3, 0, 0)),
                   (sp.Rational(5, 4), 1, 1, "strict_saddle", (1, 1, 1)),
                   (sp.Rational(3, 2), 0, 1, "local_max", (0, 0, 3))]


def test_identity_rank_2() -> None:
    """M = I₂, r = 2: XXᵀ = I is O(2) (two components), the rank-one projectors form the
    connected 2-dimensional set {X = [u, 0]Q : ‖u‖ = 1} (strict saddles), and the origin."""
    L = landscape(SymmetricMF([[1, 0], [0, 1]], rank=2))
    assert L.complete and L.real_component_count == 4
    assert [(c.value, c.dimension, c.count, c.type) for c in L.components] == [
        (0, 1, 2, "global_min"), (sp.Rational(1, 4), 2, 1, "strict_saddle"),
        (sp.Rational(1, 2), 0, 1, "local_max")]


def test_surd_representatives() -> None:
    """M = diag(3, 2, 2), r = 2: representatives in ℚ(√2, √3), written over one primitive
    element; XXᵀ = M·Π_𝒰 re-checked from the printed representative."""
    L = landscape(SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 2]], rank=2))
    assert L.complete
    M = sp.diag(3, 2, 2)
    for c in L.components:
        X = sp.Matrix(c.representative["X"].tolist())
        P = X * X.T
        assert sp.simplify((P - M) * X) == sp.zeros(3, 2)
        assert sp.simplify(c.value - sp.Rational(1, 4) * sum(e ** 2 for e in P - M)) == 0
    gm = L.of_type("global_min")
    assert len(gm) == 1 and gm[0].value == 1 and gm[0].dimension == 2 and gm[0].count == 1


def test_sqrt_field() -> None:
    F, roots = sqrt_field([sp.Integer(2), sp.Integer(3), sp.Rational(8, 3), sp.Integer(4)])
    for v, e in roots.items():
        assert F.sign(e) > 0 and F.elem(e.as_expr() ** 2 - v).is_zero
    Fq, rq = sqrt_field([sp.Integer(4), sp.Rational(9, 16)])
    assert Fq.is_rational and rq[sp.Integer(4)].as_expr() == 2


def _rational_orthogonal(k: int, rng: np.random.Generator) -> sp.Matrix:
    A = sp.zeros(k, k)
    for i in range(k):
        for j in range(i + 1, k):
            v = sp.Rational(int(rng.integers(-3, 4)), int(rng.integers(1, 4)))
            A[i, j], A[j, i] = v, -v
    D = sp.diag(*[(-1) ** int(rng.integers(0, 2)) for _ in range(k)])
    return (sp.eye(k) - A) * (sp.eye(k) + A).inv() * D


def _inertia(H: sp.Matrix) -> tuple[int, int, int]:
    x = sp.Symbol("x")
    coeffs = sp.Poly(H.charpoly(x).as_expr(), x).all_coeffs()
    zero = len(coeffs) - 1 - max(i for i, cf in enumerate(coeffs) if cf != 0)

    def changes(cs: list) -> int:
        sg = [cf > 0 for cf in cs if cf != 0]
        return sum(1 for a, b in zip(sg, sg[1:], strict=False) if a != b)

    deg = len(coeffs) - 1
    return (changes(coeffs), zero,
            changes([cf * (-1) ** (deg - i) for i, cf in enumerate(coeffs)]))


@pytest.mark.parametrize("diag,r", [((1, 1, -1), 2), ((1, 1, 1), 2), ((4, 1, 1, 0), 1)])
def test_group_moves_preserve_stationarity_and_inertia(diag: tuple, r: int) -> None:
    rng = np.random.default_rng(5)
    p = SymmetricMF(sp.diag(*diag), rank=r)
    L = landscape(p)
    assert L.complete
    n = len(diag)
    blocks = [[i for i, d in enumerate(diag) if d == v] for v in sorted(set(diag))]
    for c in L.components:
        X0 = sp.Matrix(c.representative["X"].tolist())
        h = sp.eye(n)
        for blk in blocks:
            Q = _rational_orthogonal(len(blk), rng)
            for a, i in enumerate(blk):
                for b, j in enumerate(blk):
                    h[i, j] = Q[a, b]
        X1 = h * X0 * _rational_orthogonal(r, rng)
        pt = {"X": np.array(X1.tolist(), dtype=object)}
        g = p.grad(pt, "exact")["X"]
        assert all(sp.simplify(v) == 0 for v in np.ravel(g))
        assert sp.simplify(p.value(pt, "exact") - c.value) == 0
        H = sp.Matrix(np.asarray(p.hessian_matrix(pt, "exact"), dtype=object).tolist())
        assert _inertia(H) == c.inertia


@pytest.mark.parametrize("diag,r", [((2, 1, 1), 1), ((1, 1), 2), ((1, 1, 1), 2),
                                    ((3, 2, 2), 2), ((1, 1, -1), 2)])
def test_numerical_stationary_points_are_listed(diag: tuple, r: int) -> None:
    """Levenberg–Marquardt on ∇f = 0 from 40 seeded starts: each solution's (κ, value) —
    κ_j = rank of the part of X in the eigenspace E_j — must be a listed orbit."""
    p = SymmetricMF(sp.diag(*diag), rank=r)
    L = landscape(p)
    assert L.complete
    listed = [(tuple(c.evidence["stratum"]["kappa"]), float(c.value)) for c in L.components]
    M = np.diag(np.array(diag, dtype=float))
    n = len(diag)
    pos = sorted({d for d in diag if d > 0}, reverse=True)

    def grad(z: np.ndarray) -> np.ndarray:
        X = z.reshape(n, r)
        return ((X @ X.T - M) @ X).ravel()

    seen = set()
    for z in stationary_points(grad, n * r, 40, 2):
        X = z.reshape(n, r)
        kappa = []
        ambiguous = False
        for v in pos:
            idx = [i for i, d in enumerate(diag) if d == v]
            sv = np.linalg.svd(X[idx, :], compute_uv=False)
            ambiguous |= bool(np.any((sv > 1e-9) & (sv < 1e-3)))
            kappa.append(int((sv >= 1e-3).sum()))
        if ambiguous:
            continue
        val = 0.25 * np.sum((X @ X.T - M) ** 2)
        assert any(k == tuple(kappa) and abs(v - val) < 1e-8 for k, v in listed), \
            (kappa, val, listed)
        seen.add(tuple(kappa))
    assert len(seen) >= 2


@pytest.mark.parametrize("diag,r", [((3, 2, 1), 2), ((3, -1, 1), 1), ((2, 1, 0), 2)])
def test_agrees_with_the_generic_engine_for_distinct_eigenvalues(diag: tuple, r: int) -> None:
    """With distinct positive eigenvalues the generic Gröbner engine applies; forcing the
    orbit construction must give the same values, dimensions and component counts."""
    p = SymmetricMF(sp.diag(*diag), rank=r)
    L = landscape(p, strategy="groebner")
    assert L.complete and L.evidence["strategy"] == "groebner"
    f, gens = objective_polynomial(p)
    orbits = sym_strata(p, f, gens, r, require_repeated=False).orbits
    generic = sorted((c.value, c.dimension, c.count) for c in L.components)
    forced = sorted((sp.Rational(1, 4) * (sum(d ** 2 for d in diag)
                     - sum(k * x ** 2 for k, x in zip(o.kappa, sorted(
                         {d for d in diag if d > 0}, reverse=True), strict=True))),
                     o.dimension, o.count) for o in orbits)
    assert generic == forced


# -- balanced asymmetric MF with repeated singular values ---------------------------------------


def test_balanced_identity_hand_derived() -> None:
    """½‖uvᵀ − I₂‖² + ⅛(‖u‖² − ‖v‖²)²: stationary points are balanced, so u = v = p with
    ‖p‖ = 1 (a circle of global minima, value ½, one component) or the origin (value 1)."""
    from mfverify.problems import AsymmetricMF

    L = landscape(AsymmetricMF([[1, 0], [0, 1]], rank=1, balance=1))
    assert L.complete and L.real_component_count == 2
    assert [(c.value, c.dimension, c.count, c.type) for c in L.components] == [
        (sp.Rational(1, 2), 1, 1, "global_min"), (1, 0, 1, "strict_saddle")]
    U = sp.Matrix(L.components[0].representative["U"].tolist())
    V = sp.Matrix(L.components[0].representative["V"].tolist())
    assert U.T * U == V.T * V and (U.T * U)[0, 0] == 1


@pytest.mark.parametrize("Sigma,r", [([[1, 0], [0, 1]], 2), ([[2, 0, 0], [0, 2, 0]], 1),
                                     ([[2, 0, 0], [0, 2, 0], [0, 0, 1]], 2)])
def test_balanced_numerical_stationary_points_are_listed(Sigma: list, r: int) -> None:
    """LM on ∇f = 0 for the balanced objective: every solution is balanced and has the value
    and the (κ, rank) of a listed orbit."""
    from mfverify.problems import AsymmetricMF

    p = AsymmetricMF(Sigma, rank=r, balance=1)
    L = landscape(p)
    assert L.complete
    listed = [(c.evidence["stratum"]["rank_X"], float(c.value)) for c in L.components]
    S = np.array(Sigma, dtype=float)
    m, n = S.shape
    seen = set()
    for z in stationary_points(uv_gradient(S, r, balance=1), (m + n) * r, 40, 4):
        U, V = z[: m * r].reshape(m, r), z[m * r:].reshape(n, r)
        assert np.allclose(U.T @ U, V.T @ V, atol=1e-6)  # stationary ⇒ balanced
        sv = np.linalg.svd(U @ V.T, compute_uv=False)
        if np.any((sv > 1e-9) & (sv < 1e-3)):
            continue
        k = int((sv >= 1e-3).sum())
        val = 0.5 * np.sum((U @ V.T - S) ** 2) + 0.125 * np.sum((U.T @ U - V.T @ V) ** 2)
        assert any(kk == k and abs(v - val) < 1e-8 for kk, v in listed), (k, val, listed)
        seen.add((k, round(val, 6)))
    assert len(seen) >= 2
