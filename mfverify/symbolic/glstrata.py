"""The stationary set of unbalanced asymmetric MF as a finite union of group orbits (any r >= 1).

Objective f(U, V) = c·‖UVᵀ − Σ‖²_F, c > 0, U ∈ R^{m×r}, V ∈ R^{n×r}, Σ ∈ ℚ^{m×n} such that
every eigenvalue of ΣᵀΣ is rational (Σ diagonal or monomial with any multiplicities and zero
singular values, rectangular Σ, or e.g. Σ = [[3, 4], [−4, 3]]). Write s₁² > … > s_q² > 0 for the
distinct nonzero eigenvalues of ΣᵀΣ, E_j = ker(ΣᵀΣ − s_j²) (dimension μ_j), a = dim ker Σᵀ,
b = dim ker Σ.

**Theorem.** With R = UVᵀ − Σ, ∇f = 2c(RV, RᵀU), so (U, V) is stationary iff RV = 0 and RᵀU = 0.

1. *Values.* Put Z = UVᵀ. Since col Z ⊆ col U ⊆ ker Rᵀ and row Z ⊆ col V ⊆ ker R, Σ = Z + (Σ − Z)
   with ZᵀR = 0 = ZRᵀ; hence ΣᵀΣ = ZᵀZ + RᵀR with orthogonal ranges, W := row Z is ΣᵀΣ-invariant,
   W ⊥ ker Σ, and Z = ΣΠ_W. So W = ⊕_j W_j with W_j ⊆ E_j, k_j = dim W_j, k = Σ k_j = rank Z <= r,
   and f = c(‖Σ‖² − Σ_j k_j s_j²). Conversely every such W gives stationary points (below).
2. *Fibres.* For such W: ker R = W ⊕ ker Σ and ker Rᵀ = ΣW ⊕ ker Σᵀ; the stationary points over
   W are the (U, V) with UVᵀ = ΣΠ_W, col U ⊆ ΣW ⊕ ker Σᵀ, col V ⊆ W ⊕ ker Σ.
3. *Group.* G = GL(r) × H acts by (U, V) ↦ (h_L U g, h_R V g⁻ᵀ), H = {(h_L, h_R) orthogonal :
   h_L Σ h_Rᵀ = Σ} ≅ ∏_j O(μ_j) × O(a) × O(b). The action is linear and f∘(action) = f, so the
   Hessians at two points of one orbit are congruent: the inertia is constant on every orbit
   (Sylvester's law of inertia), and a descent curve at one point maps to one at any other.
4. *Orbits.* In bases adapted to 2, GL(r) brings every stationary point to the normal form
   U = [L_W, A, 0, 0], V = [R_W, 0, B, 0] (column blocks of widths k, t, u, s − t − u, s = r − k),
   L_W = ΣR_W, R_W a basis of W scaled so that L_W R_Wᵀ = ΣΠ_W, A a basis of a t-dimensional
   subspace of ker Σᵀ, B of a u-dimensional subspace of ker Σ (t = rank of the ker Σᵀ part of U
   modulo ΣW, u likewise for V). H acts transitively on the W's with given (k_j) and on the
   subspaces with given t, u, so the stationary set is the disjoint union of the G-orbits
   O(κ, t, u), κ = (k_j), Σ k_j <= r, t <= min(a, s), u <= min(b, s − t), of dimension

       Σ_j k_j(μ_j − k_j) + (2kr − k²) + t(a + s − t) + u(b + s − t − u)

   (Grassmannians of the W_j; the pairs (P₁, Q₁) with P₁Q₁ᵀ = I_k; the ker Σᵀ and ker Σ parts).
5. *Components of an orbit.* O = G/Stab has |π₀(G)| / |im π₀(Stab)| components. π₀(G) =
   (ℤ/2)^F records the determinant signs of the GL(r), O(μ_j), O(a), O(b) parts. A stabilizer
   element acts on each block of the normal form separately (it preserves ΣW ⊕ ker Σᵀ's split and
   the column blocks), and its sign pattern is generated, independently, by: a reflection inside
   W_j paired with the same reflection of the matching column of g (pattern e_GL + e_j, when
   k_j >= 1); a reflection of E_j fixing W_j (e_j, when μ_j > k_j); likewise e_GL + e_a (t >= 1),
   e_a (a > t), e_GL + e_b (u >= 1), e_b (b > u); and a sign flip of a column of g that is zero in
   both U and V (e_GL, when s − t − u > 0). So the count is 2^(F − rank of these patterns over
   GF(2)).
6. *Pieces.* S_κ = ∪_{t,u} O(κ, t, u) is the set of stationary points with Z in the compact set
   {ΣΠ_W : dim W ∩ E_j = k_j}; different κ give disjoint compact Z-sets, so the S_κ are closed,
   pairwise disjoint, and unions of connected components of the stationary set. S_κ is a bundle
   over a product of Grassmannians (connected) whose fibre is a bundle over {P₁Q₁ᵀ = I_k}
   (connected for k < r, ≅ GL(r) for k = r) with a conical (connected) fibre: connected for k < r;
   for k = r it is {V ∈ R^{n×r} of rank r : col V = ⊕ W_j}, which has two components exactly when
   every j with k_j > 0 has k_j = μ_j (a frame of a partial block can flip orientation), else one.

Two ways to the values Z. (a) ΣᵀΣ has a rational spectrum: the W's are built from orthogonal
rational bases of the E_j (any multiplicities). (b) Otherwise, when the nonzero singular values
are distinct (μ_j = 1), the finitely many Z are the exact real solutions of the Z-system of
:mod:`mfverify.symbolic.glquotient` over a number field ℚ(θ), and the representative uses a rank
factorization Z = C·Rᵀ over ℚ(θ) in place of (L_W, R_W). Repeated singular values whose square
is irrational are not handled (UnsupportedError).

Each orbit is returned with an exact representative (rational in (a), over ℚ(θ) in (b); ∇f = 0
is re-checked exactly by the caller), its dimension and its number of components; each piece S_κ
with its dimension (the largest orbit dimension) and number of components. A stationary
manifold's tangent lies in the Hessian null space, so orbit dimension <= nullity is checked at
every representative.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..errors import UnsupportedError
from ..problems.base import Problem
from .algebraic import RealField
from .glquotient import rank_factorization, stationary_z, unbalanced_fit
from .stationary import AlgebraicPoint, Budget

__all__ = ["Orbit", "Stratification", "gl_strata", "orthogonal_rational_basis", "WHY"]

WHY = ("stationary set of c·‖UVᵀ − Σ‖² (rational spectrum of ΣᵀΣ, or distinct singular values "
       "through the exact Z-system): Z = UVᵀ = Σ·Π_W for a "
       "ΣᵀΣ-invariant W ⊥ ker Σ, and the stationary points are the disjoint union of the orbits "
       "O(κ, t, u) of GL(r) × Stab(Σ) (κ = dims of W in the singular spaces, t, u = ranks of the "
       "ker Σᵀ and ker Σ parts); inertia is constant on each orbit (linear action preserving "
       "f); orbit dimensions and component counts from the normal form (see "
       "mfverify/symbolic/glstrata.py for the proof)")


@dataclass(frozen=True)
class Orbit:
    """One G-orbit O(κ, t, u) of stationary points (κ = None in mode (b))."""

    kappa: tuple[int, ...] | None
    t: int
    u: int
    rank: int
    dimension: int
    count: int
    point: AlgebraicPoint
    piece: str
    description: str

    def label(self) -> str:
        return f"{self.piece}: t={self.t}, u={self.u}"


@dataclass
class Stratification:
    """All orbits, grouped into the closed pieces S (each a union of connected components)."""

    a: int
    b: int
    c: sp.Rational
    orbits: list[Orbit]
    pieces: dict[str, dict[str, Any]] = field(default_factory=dict)
    groebner_calls: int = 0


def orthogonal_rational_basis(vectors: list[sp.Matrix]) -> list[sp.Matrix]:
    """Gram–Schmidt over ℚ without normalization (orthogonal, rational), scaled to primitive
    integer vectors."""
    out: list[sp.Matrix] = []
    for v in vectors:
        w = v - sum(((q.T * v)[0] / (q.T * q)[0] * q for q in out), sp.zeros(*v.shape))
        den = functools.reduce(sp.ilcm, [sp.Rational(e).q for e in w], 1)
        w = w * den
        g = functools.reduce(sp.igcd, [int(e) for e in w], 0)
        out.append(w / g if g else w)
    return out


class _IrrationalSpectrum(UnsupportedError):
    """ΣᵀΣ has irrational (but simple) eigenvalues: mode (b) applies."""


def _spectrum(Sigma: sp.Matrix) -> tuple[list[sp.Rational], list[list[sp.Matrix]]]:
    """Distinct nonzero eigenvalues of ΣᵀΣ (decreasing) with orthogonal rational bases of their
    eigenspaces; UnsupportedError when an eigenvalue is irrational."""
    G = Sigma.T * Sigma
    lam = sp.Symbol("lam")
    cp = sp.Poly(G.charpoly(lam).as_expr(), lam, domain="QQ")
    _, facs = cp.factor_list()
    if any(fac.degree() != 1 and mult > 1 for fac, mult in facs):
        raise UnsupportedError("ΣᵀΣ has a repeated irrational eigenvalue (a repeated singular "
                               "value whose square is not rational): its eigenspaces are not "
                               "handled exactly")
    if any(fac.degree() != 1 for fac, _ in facs):
        raise _IrrationalSpectrum("ΣᵀΣ has an irrational eigenvalue")
    roots = sorted({-fac.all_coeffs()[1] / fac.all_coeffs()[0] for fac, _ in facs}, reverse=True)
    s2 = [sp.Rational(x) for x in roots if x != 0]
    bases = [orthogonal_rational_basis((G - x * sp.eye(G.rows)).nullspace()) for x in s2]
    return s2, bases


def _gf2_rank(rows: list[int]) -> int:
    rank = 0
    rows = list(rows)
    while rows:
        pivot = max(rows)
        rows.remove(pivot)
        if pivot == 0:
            continue
        rank += 1
        top = pivot.bit_length() - 1
        rows = [x ^ pivot if (x >> top) & 1 else x for x in rows]
    return rank


def orbit_components(kappa: tuple[int, ...], mult: list[int], a: int, b: int, t: int, u: int,
                     r: int) -> int:
    """Connected components of O(κ, t, u): 2^(F − rank), item 5 of the module docstring."""
    k = sum(kappa)
    s = r - k
    gl = 1
    bit = 2
    gens: list[int] = []
    for kj, mj in zip(kappa, mult, strict=True):
        if kj >= 1:
            gens.append(gl | bit)
        if mj > kj:
            gens.append(bit)
        bit <<= 1
    for present, used, dim in ((a >= 1, t, a), (b >= 1, u, b)):
        if not present:
            continue
        if used >= 1:
            gens.append(gl | bit)
        if dim > used:
            gens.append(bit)
        bit <<= 1
    if s - t - u > 0:
        gens.append(gl)
    F = bit.bit_length() - 1
    return 2 ** (F - _gf2_rank(gens))


def _orbit_text(r: int, k: int, where: str, t: int, u: int, a: int, b: int, dim: int,
                cnt: int) -> str:
    return (f"orbit of GL({r}) × Stab(Σ) through (U₀, V₀): Z = UVᵀ = {where} of rank {k}; the "
            f"ker Σᵀ part of U has rank {t} (of {a}), the ker Σ part of V rank {u} (of {b}); "
            f"dimension {dim}, " + ("connected" if cnt == 1 else f"{cnt} connected components"))


def _tu_range(a: int, b: int, s: int) -> list[tuple[int, int]]:
    return [(t, u) for t in range(min(a, s) + 1) for u in range(min(b, s - t) + 1)]


def _orbit_dimension(base: int, k: int, r: int, a: int, b: int, t: int, u: int) -> int:
    s = r - k
    return base + (2 * k * r - k * k) + t * (a + s - t) + u * (b + s - t - u)


def _point(F: RealField, m: int, n: int, r: int, ucols: list[list[Any]],
           vcols: list[list[Any]]) -> AlgebraicPoint:
    """U = [ucols | 0], V = [vcols | 0] (columns given as lists of field elements or rationals,
    ``None`` for a zero column) as a point over F, flattened row-major U then V."""
    def elem(x: Any) -> sp.Poly:
        return x if isinstance(x, sp.Poly) else F.elem(sp.Rational(x))

    U = [[F.elem(0)] * r for _ in range(m)]
    V = [[F.elem(0)] * r for _ in range(n)]
    for j, col in enumerate(ucols):
        if col is not None:
            for i in range(m):
                U[i][j] = elem(col[i])
    for j, col in enumerate(vcols):
        if col is not None:
            for i in range(n):
                V[i][j] = elem(col[i])
    return AlgebraicPoint(F, [e for row in U for e in row] + [e for row in V for e in row])


def gl_strata(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], r: int,
              budget: Budget | None = None, seed: int = 0) -> Stratification:
    """The orbits O(κ, t, u) of the stationary set of c·‖UVᵀ − Σ‖² (see the module docstring).

    Raises UnsupportedError when f is not of that form, or when ΣᵀΣ has an irrational
    eigenvalue and a repeated nonzero singular value; BudgetExceeded passes through (mode (b)).
    """
    Sigma, m, n, c = unbalanced_fit(problem, f, gens, r)
    left_null = orthogonal_rational_basis(Sigma.T.nullspace())
    right_null = orthogonal_rational_basis(Sigma.nullspace())
    a, b = len(left_null), len(right_null)
    total = sum(Sigma[i, j] ** 2 for i in range(m) for j in range(n))
    try:
        s2, bases = _spectrum(Sigma)
    except _IrrationalSpectrum:
        return _strata_from_z(Sigma, m, n, r, c, left_null, right_null,
                              budget or Budget(None), seed)
    mult = [len(bs) for bs in bases]
    out = Stratification(a, b, c, [])
    Fq = RealField.rational(0)
    for kappa in itertools.product(*(range(min(mj, r) + 1) for mj in mult)):
        k = sum(kappa)
        if k > r:
            continue
        label = "S(" + ", ".join(str(x) for x in kappa) + ")"
        base_dim = sum(kj * (mj - kj) for kj, mj in zip(kappa, mult, strict=True))
        value = c * (total - sum(kj * x for kj, x in zip(kappa, s2, strict=True)))
        chosen = [q for kj, bs in zip(kappa, bases, strict=True) for q in bs[:kj]]
        parts = ", ".join(f"{kj} of {mj} for σ² = {x}" for kj, mj, x in
                          zip(kappa, mult, s2, strict=True)) or "none"
        where = f"Σ·Π_W, dim W ∩ E_j: {parts}"
        dims = []
        for t, u in _tu_range(a, b, r - k):
            dim = _orbit_dimension(base_dim, k, r, a, b, t, u)
            cnt = orbit_components(tuple(kappa), mult, a, b, t, u, r)
            ucols = [list(Sigma * q) for q in chosen] + [list(q) for q in left_null[:t]]
            vcols = [list(q / (q.T * q)[0]) for q in chosen] + [None] * t + [
                list(q) for q in right_null[:u]]
            out.orbits.append(Orbit(tuple(kappa), t, u, k, dim, cnt,
                                    _point(Fq, m, n, r, ucols, vcols), label,
                                    _orbit_text(r, k, where, t, u, a, b, dim, cnt)))
            dims.append(dim)
        comps = 1 if k < r else (2 if all(kj in (0, mj) for kj, mj in
                                          zip(kappa, mult, strict=True)) else 1)
        out.pieces[label] = {"kappa": list(kappa), "rank": k, "value": value,
                             "dimension": max(dims), "components": comps}
    return out


def _strata_from_z(Sigma: sp.Matrix, m: int, n: int, r: int, c: sp.Rational,
                   left_null: list[sp.Matrix], right_null: list[sp.Matrix], budget: Budget,
                   seed: int) -> Stratification:
    """Mode (b): distinct nonzero singular values, Z from the exact Z-system."""
    zs, gb = stationary_z(Sigma, r, budget, seed)
    a, b = len(left_null), len(right_null)
    q = Sigma.rank()
    out = Stratification(a, b, c, [], groebner_calls=gb)
    for idx, (p, Zp, k) in enumerate(zs):
        budget.check("GL(r) strata")
        F = p.field
        C, R = rank_factorization(F, Zp, k)
        Zexpr = sp.Matrix(m, n, [F.to_expr(e) for row in Zp for e in row])
        label = f"S(Z{idx})"
        where = f"{Zexpr.applyfunc(sp.radsimp).tolist()}"
        kappa = (1,) * k + (0,) * (q - k)  # μ_j = 1: only the number chosen matters (item 5)
        dims = []
        for t, u in _tu_range(a, b, r - k):
            dim = _orbit_dimension(0, k, r, a, b, t, u)
            cnt = orbit_components(kappa, [1] * q, a, b, t, u, r)
            ucols = [[C[i][j] for i in range(m)] for j in range(k)] + [
                list(v) for v in left_null[:t]]
            vcols = [[R[i][j] for i in range(n)] for j in range(k)] + [None] * t + [
                list(v) for v in right_null[:u]]
            out.orbits.append(Orbit(None, t, u, k, dim, cnt, _point(F, m, n, r, ucols, vcols),
                                    label, _orbit_text(r, k, where, t, u, a, b, dim, cnt)))
            dims.append(dim)
        value = F.to_expr(sum((((F.elem(Sigma[i, j]) - Zp[i][j]) ** 2).rem(F.q)
                               for i in range(m) for j in range(n)), F.elem(0)).rem(F.q))
        out.pieces[label] = {"kappa": None, "rank": k, "value": c * value,
                             "dimension": max(dims), "components": 1 if k < r else 2}
    return out
