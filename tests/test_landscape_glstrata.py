"""Unbalanced asymmetric MF c‖UVᵀ − Σ‖² with repeated or zero singular values and rectangular Σ:
the stationary set as orbits of GL(r) × Stab(Σ) (mfverify/symbolic/glstrata.py).

Independent checks: exact stationarity and inertia at points moved by random rational group
elements (GL(r) and rational orthogonal Stab(Σ) elements from Cayley transforms); a numerical
search for stationary points from random starts that must land on a listed orbit with the
listed value; hand-derived orbit data for Σ = diag(1, 0); agreement with the Gröbner-based
engines where those complete.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from lm_search import stationary_points, uv_gradient

from mfverify.problems import AsymmetricMF
from mfverify.symbolic import landscape
from mfverify.symbolic.glstrata import _gf2_rank, orbit_components


def _sig(L) -> list[tuple]:
    return sorted((c.value, c.dimension, c.count, c.type,
                   tuple(c.evidence["stratum"][k] for k in ("kappa", "t", "u")).__repr__())
                  for c in L.components)


def test_sigma_diag_1_0_rank_2_hand_derived() -> None:
    """Σ = diag(1, 0), r = 2, ½‖UVᵀ − Σ‖². Hand derivation: Z ∈ {0, E₁₁}; a = b = 1.
    Z = 0 (f = ½): U = e₂βᵀ, V = e₂εᵀ with β·ε = 0: the origin, β ≠ 0 = ε (ℝ²∖0, dim 2),
    ε ≠ 0 = β, and β ⊥ ε both nonzero (dim 3, two components: ε = λJβ, λ ≷ 0).
    Z = E₁₁ (f = 0): UVᵀ = E₁₁; U invertible (dim 4, sign of det U), V invertible, or both
    of rank one (U = e₁pᵀ, V = e₁qᵀ, p·q = 1: dim 3, connected)."""
    L = landscape(AsymmetricMF([[1, 0], [0, 0]], rank=2))
    assert L.complete and L.global_min_value == 0
    got = sorted((c.value, c.dimension, c.count, c.type) for c in L.components)
    half = sp.Rational(1, 2)
    assert got == [(0, 3, 1, "global_min"), (0, 4, 2, "global_min"), (0, 4, 2, "global_min"),
                   (half, 0, 1, "strict_saddle"), (half, 2, 1, "strict_saddle"),
                   (half, 2, 1, "strict_saddle"), (half, 3, 2, "strict_saddle")]
    assert [(p["value"], p["dimension"], p["components"], p["type"]) for p in L.pieces] == [
        ("0", 4, 1, "global_min"), ("1/2", 3, 1, "strict_saddle")]
    assert L.real_component_count == 2  # two closed connected pieces
    # the piece indices point at the right strata
    for p in L.pieces:
        assert {L.components[i].value for i in p["strata"]} == {sp.sympify(p["value"])}


def test_identity_rank_2_and_rank_1() -> None:
    """Σ = I₂: r = 2 gives GL(2) at value 0 (two components), the rank-one projectors at ½
    (a 4-dimensional connected piece, strict saddle) and the origin; r = 1 gives the
    2-dimensional connected set {(u, u/‖u‖²)} of global minima."""
    L2 = landscape(AsymmetricMF([[1, 0], [0, 1]], rank=2))
    assert L2.complete
    assert sorted((c.value, c.dimension, c.count, c.type) for c in L2.components) == [
        (0, 4, 2, "global_min"), (sp.Rational(1, 2), 4, 1, "strict_saddle"),
        (1, 0, 1, "strict_saddle")]
    L1 = landscape(AsymmetricMF([[1, 0], [0, 1]], rank=1))
    assert L1.complete and L1.real_component_count == 2
    gm = L1.of_type("global_min")
    assert len(gm) == 1 and gm[0].dimension == 2 and gm[0].count == 1
    assert gm[0].value == sp.Rational(1, 2)


def test_non_monomial_sigma_with_a_repeated_singular_value() -> None:
    """Σ = [[3, 4], [−4, 3]] = 5·(rotation): ΣᵀΣ = 25·I, the same orbit structure as 5·I."""
    L = landscape(AsymmetricMF([[3, 4], [-4, 3]], rank=2))
    R = landscape(AsymmetricMF([[5, 0], [0, 5]], rank=2))
    assert L.complete and R.complete
    assert sorted((c.value, c.dimension, c.count, c.type, c.inertia) for c in L.components) == \
        sorted((c.value, c.dimension, c.count, c.type, c.inertia) for c in R.components)


def test_agrees_with_the_single_orbit_fibres_engine() -> None:
    """For square Σ with distinct nonzero singular values every fibre is one GL(r)-orbit; the
    strata must reproduce the numbers of that case (also tested in test_landscape.py)."""
    L = landscape(AsymmetricMF([[2, 0], [0, 1]], rank=2))
    assert L.complete and L.real_component_count == 5
    assert sorted((c.value, c.dimension, c.count, c.inertia) for c in L.components) == [
        (0, 4, 2, (4, 4, 0)), (sp.Rational(1, 2), 3, 1, (4, 3, 1)), (2, 3, 1, (3, 3, 2)),
        (sp.Rational(5, 2), 0, 1, (4, 0, 4))]


def _rational_orthogonal(k: int, rng: np.random.Generator) -> sp.Matrix:
    """A rational orthogonal matrix (Cayley transform of a random skew matrix) times a random
    reflection: both components of O(k)."""
    A = sp.Matrix(k, k, lambda i, j: 0)
    for i in range(k):
        for j in range(i + 1, k):
            v = sp.Rational(int(rng.integers(-3, 4)), int(rng.integers(1, 4)))
            A[i, j], A[j, i] = v, -v
    Q = (sp.eye(k) - A) * (sp.eye(k) + A).inv()
    D = sp.diag(*[(-1) ** int(rng.integers(0, 2)) for _ in range(k)])
    return Q * D


@pytest.mark.parametrize("Sigma,r", [([[1, 0], [0, 0]], 2), ([[2, 0, 0], [0, 2, 0]], 1),
                                     ([[1, 0, 0], [0, 1, 0], [0, 0, 0]], 2),
                                     ([[2, 0, 0], [0, 1, 0]], 2)])
def test_group_moves_preserve_stationarity_and_inertia(Sigma: list, r: int) -> None:
    """Every orbit entry: random g ∈ GL(r) (rational) and h ∈ Stab(Σ) (block-diagonal rational
    orthogonal on the singular and null spaces of the diagonal Σ) map the representative to a
    stationary point with the same value and Hessian inertia, computed from scratch."""
    rng = np.random.default_rng(3)
    p = AsymmetricMF(Sigma, rank=r)
    L = landscape(p)
    assert L.complete
    S = sp.Matrix(Sigma)
    m, n = S.shape
    # blocks of equal |σ| (diagonal Σ): left/right index sets, and the null rows/columns
    diag = [abs(S[i, i]) for i in range(min(m, n))]
    blocks = [[i for i, d in enumerate(diag) if d == v] for v in sorted(set(diag) - {0})]
    null_rows = [i for i in range(m) if i >= len(diag) or diag[i] == 0]
    null_cols = [j for j in range(n) if j >= len(diag) or diag[j] == 0]
    for c in L.components:
        U0 = sp.Matrix(c.representative["U"].tolist())
        V0 = sp.Matrix(c.representative["V"].tolist())
        hL, hR = sp.eye(m), sp.eye(n)
        for blk in blocks:
            Q = _rational_orthogonal(len(blk), rng)
            for a, i in enumerate(blk):
                for b, j in enumerate(blk):
                    hL[i, j] = hR[i, j] = Q[a, b]
        for idx, h in ((null_rows, hL), (null_cols, hR)):
            if idx:
                Q = _rational_orthogonal(len(idx), rng)
                for a, i in enumerate(idx):
                    for b, j in enumerate(idx):
                        h[i, j] = Q[a, b]
        assert hL * S * hR.T == S
        g = sp.Matrix(r, r, lambda i, j: int(rng.integers(-2, 3)))
        while g.det() == 0:
            g = sp.Matrix(r, r, lambda i, j: int(rng.integers(-2, 3)))
        U1, V1 = hL * U0 * g, hR * V0 * g.inv().T
        pt = {"U": np.array(U1.tolist(), dtype=object), "V": np.array(V1.tolist(), dtype=object)}
        grad = p.grad(pt, "exact")
        assert all(sp.nsimplify(v) == 0 for a in grad.values() for v in np.ravel(a))
        assert sp.nsimplify(p.value(pt, "exact")) == c.value
        H = sp.Matrix(np.asarray(p.hessian_matrix(pt, "exact"), dtype=object).tolist())
        assert _inertia(H) == c.inertia


def _inertia(H: sp.Matrix) -> tuple[int, int, int]:
    """Inertia of a rational symmetric matrix by Descartes' rule on its characteristic
    polynomial (exact for a polynomial with only real roots)."""
    x = sp.Symbol("x")
    cp = sp.Poly(H.charpoly(x).as_expr(), x)
    coeffs = cp.all_coeffs()
    zero = len(coeffs) - 1 - max(i for i, cf in enumerate(coeffs) if cf != 0)

    def changes(cs: list) -> int:
        sg = [cf > 0 for cf in cs if cf != 0]
        return sum(1 for a, b in zip(sg, sg[1:], strict=False) if a != b)

    deg = len(coeffs) - 1
    pos = changes(coeffs)
    neg = changes([cf * (-1) ** (deg - i) for i, cf in enumerate(coeffs)])
    return pos, zero, neg


class _Ambiguous(Exception):
    pass


def _numeric_label(U: np.ndarray, V: np.ndarray, Sigma: np.ndarray, tol: float = 1e-3
                   ) -> tuple[tuple[int, ...], int, int]:
    """(κ, t, u) of a numerical stationary point: κ_j = rank of Z on E_j, t = rank U − k,
    u = rank V − k. Raises _Ambiguous when a singular value lies in the grey zone
    (1e-9, tol): LM creeps along degenerate directions, so a point can sit near the boundary
    of two orbits."""
    def rank(A: np.ndarray) -> int:
        if A.size == 0:
            return 0
        sv = np.linalg.svd(A, compute_uv=False)
        if np.any((sv > 1e-9) & (sv < tol)):
            raise _Ambiguous
        return int((sv >= tol).sum())

    Z = U @ V.T
    G = Sigma.T @ Sigma
    w, Q = np.linalg.eigh(G)
    vals = sorted({round(x, 6) for x in w if x > 1e-6}, reverse=True)
    kappa = tuple(rank(Z @ Q[:, np.abs(w - v) < 1e-6]) for v in vals)
    k = rank(Z)
    return kappa, rank(U) - k, rank(V) - k


@pytest.mark.parametrize("Sigma,r", [([[1, 0], [0, 0]], 2), ([[1, 0], [0, 1]], 2),
                                     ([[2, 0, 0], [0, 1, 0]], 2), ([[1, 0, 0], [0, 1, 0]], 1),
                                     ([[2, 1, 0], [0, 1, 0]], 2),
                                     ([[2, 1, 0], [0, 1, 0], [0, 0, 0]], 1)])
def test_numerical_stationary_points_land_on_listed_orbits(Sigma: list, r: int) -> None:
    """Solve ∇f = 0 numerically (Levenberg–Marquardt from 60 seeded random starts of several
    scales, some with zero columns): every solution found must have the (κ, t, u) and the value
    of a listed orbit. A completeness cross-check independent of the theory."""
    p = AsymmetricMF(Sigma, rank=r)
    L = landscape(p)
    assert L.complete
    listed = [(c.evidence["stratum"], float(c.value)) for c in L.components]
    S = np.array(Sigma, dtype=float)
    m, n = S.shape
    seen = set()
    for z in stationary_points(uv_gradient(S, r), (m + n) * r, 60, 11, zero_column_every=4,
                               r=r):
        U, V = z[: m * r].reshape(m, r), z[m * r:].reshape(n, r)
        try:
            lab = _numeric_label(U, V, S)
        except _Ambiguous:
            continue
        kappa, t, u = lab
        val = 0.5 * np.sum((U @ V.T - S) ** 2)
        hits = [st for st, v in listed
                if (st["rank_Z"], st["t"], st["u"]) == (sum(kappa), t, u) and abs(v - val) < 1e-8
                and (st["kappa"] is None or tuple(st["kappa"]) == kappa)]
        assert hits, f"stationary point {lab} with f = {val} not listed: {listed}"
        seen.add(lab)
    assert len(seen) >= 2  # the search is not vacuous


@pytest.mark.parametrize("Sigma,r", [([[2, 0, 0], [0, 1, 0]], 2), ([[1, 0], [0, 0]], 2),
                                     ([[3, 0, 0], [0, 0, 0], [0, 0, 1]], 1)])
def test_both_constructions_agree(Sigma: list, r: int) -> None:
    """Distinct rational singular values: the eigenvector construction (mode a) and the exact
    Z-system with rank factorizations (mode b) give the same orbits and pieces."""
    from mfverify.symbolic.glstrata import _strata_from_z, gl_strata, orthogonal_rational_basis
    from mfverify.symbolic.stationary import Budget, objective_polynomial

    p = AsymmetricMF(Sigma, rank=r)
    f, gens = objective_polynomial(p)
    A = gl_strata(p, f, gens, r)
    S = sp.Matrix(Sigma)
    left, right = (orthogonal_rational_basis(S.T.nullspace()),
                   orthogonal_rational_basis(S.nullspace()))
    Bm = _strata_from_z(S, S.rows, S.cols, r, sp.Rational(1, 2), left, right, Budget(60), 0)

    def key(st):
        return sorted((o.rank, o.t, o.u, o.dimension, o.count,
                       str(st.pieces[o.piece]["value"])) for o in st.orbits)

    assert key(A) == key(Bm)
    assert sorted((v["value"], v["dimension"], v["components"]) for v in A.pieces.values()) == \
        sorted((v["value"], v["dimension"], v["components"]) for v in Bm.pieces.values())


def test_irrational_singular_values_with_null_spaces() -> None:
    """Σ = [[2, 1, 0], [0, 1, 0], [0, 0, 0]], r = 1: σ² = 3 ± √5 (mode b) and a = b = 1."""
    L = landscape(AsymmetricMF([[2, 1, 0], [0, 1, 0], [0, 0, 0]], rank=1))
    assert L.complete and L.real_component_count == 5
    assert sp.simplify(L.global_min_value - (3 - sp.sqrt(5)) / 2) == 0
    assert [p["components"] for p in L.pieces] == [2, 2, 1]
    top = [c for c in L.components if c.value == 3]
    assert sorted((c.dimension, c.count) for c in top) == [(0, 1), (1, 2), (1, 2)]


def test_orbit_component_counts() -> None:
    # GF(2) rank
    assert _gf2_rank([0b11, 0b01, 0b10]) == 2 and _gf2_rank([]) == 0
    # uv = 1 (Σ = [1], r = 1, k = r, full block): the two branches of the hyperbola
    assert orbit_components((1,), [1], 0, 0, 0, 0, 1) == 2
    # Σ = I₂, r = 1, k = 1 in a block of multiplicity 2: {(u, u/‖u‖²)} is connected
    assert orbit_components((1,), [2], 0, 0, 0, 0, 1) == 1
    # Σ = diag(1, 0), r = 2, Z = 0 with β ⊥ ε both nonzero: two components
    assert orbit_components((0,), [1], 1, 1, 1, 1, 2) == 2
    # ... with β ≠ 0 = ε: ℝ²∖0, connected
    assert orbit_components((0,), [1], 1, 1, 1, 0, 2) == 1


def test_cli_json_has_pieces(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    spec = '{"problem":"asymmetric","Sigma":[[1,0],[0,0]],"rank":2}'
    assert main(["landscape", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["complete"] is True and out["real_component_count"] == 2
    assert [p["components"] for p in out["pieces"]] == [1, 1]
    for c in out["components"]:
        assert {"kappa", "t", "u", "piece"} <= set(c["evidence"]["stratum"])
        assert sp.sympify(c["value"]) >= 0
