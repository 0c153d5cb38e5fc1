"""The orbit construction of symmetric MF: stationary set and Hessian inertia from the spectrum.

Objective f(X) = c·‖XXᵀ − M‖²_F, c > 0, X ∈ R^{n×r}, M ∈ ℚ^{n×n} symmetric with rational
eigenvalues λ₁, …, λ_n (repeated, zero and negative ones allowed), orthonormal eigenvectors
v_a. This is the standard characterization of the stationary points of symmetric MF (Li, Lu,
Arora, Haupt, Liu, Wang and Zhao 2019, "Symmetry, saddle points, and global optimization
landscape of nonconvex matrix factorization", IEEE Trans. Inf. Theory 65(6), abstract: all
stationary points are identified through the rotation group; the precise statements used here are
results (S1) and the Hessian table of docs/paper-li2019.md, derived in this project, since the
full text of the paper was not consulted and no theorem number of it is cited):

**Stationary set.** ∇f = 4c(XXᵀ − M)X = 0 iff XXᵀ = M·Π_𝒰 for an M-invariant subspace 𝒰 of the
positive eigenspaces (see :mod:`mfverify.symbolic.symstrata` for the proof, any
multiplicities). With distinct positive eigenvalues 𝒰 = span{v_i : i ∈ S} for a subset S of
the positive eigenvalues with k = |S| <= r, and the stationary points over S are the O(r)-orbit

    X = [V_S·diag(√λ_S), 0_{n×(r−k)}]·Q,   Q ∈ O(r),

of dimension dim O(r) − dim O(r − k) = k(k − 1)/2 + k(r − k), with two connected components
when k = r >= 1 (the orbit is a copy of O(r)) and one otherwise (a Stiefel manifold), and
f = c(‖M‖² − Σ_{i∈S} λ_i²).

**Hessian spectrum** (the Hessian table of docs/paper-li2019.md, derived here for any c). With
∇²f(X)[D, D] = 4c(½‖XDᵀ + DXᵀ‖² + ⟨XXᵀ − M, DDᵀ⟩) and D written in the bases v_a (rows) and
the columns of the representative, the form is diagonal in blocks, and the n·r eigenvalues at
the orbit of S are 4c times

* 2λ_i (i ∈ S);
* λ_i + λ_j and 0 (each pair i < j in S: the block [[λ_i, √(λ_iλ_j)], [√(λ_iλ_j), λ_j]]);
* λ_i − λ_a (i ∈ S, a ∉ S, over the eigenvalues with multiplicity);
* −λ_a (a ∉ S), each r − k times (the zero columns);
* 0, k(r − k) times (rotations of a used column into a zero column).

The zeros of the second and last items are the orbit tangent; the excess null directions are
the (r − k)·μ(0) ones from the eigenvalue 0 of M (and λ_i − λ_a = 0 for a repeated positive
eigenvalue). O(r) acts linearly and preserves f, so the spectrum is the same at every point of
the orbit (Sylvester).

For an irrational spectrum with simple positive eigenvalues the representatives are built over
number fields by :mod:`mfverify.symbolic.orbit_irrational` (within a degree limit; the inertia
then comes from the exact order of the eigenvalues). With r = 1 the orbit construction is not
used: O(1) is finite, the stationary points are isolated, and the zero-dimensional path of the
charts is as fast or faster (msolve: 0.1 s against 5.8 s over number fields on a dense 6×6 M;
0.02 s against 0.03 s on diag(3, 1)).

Where the excess is zero the component's Hessian data are taken from this closed form (the
inertia and the exact eigenvalues), after a numerical cross-check against the Hessian of the
problem at the representative; elsewhere (a zero eigenvalue with k < r, a repeated positive
eigenvalue) the exact Hessian data are computed at the representative as in the Gröbner path.
∇f = 0 is re-checked exactly at every representative by the group stage.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..errors import UnsupportedError
from ..problems.base import Problem
from .algebraic import S as THETA
from .classify import PointData
from .landscape_solve import Solved
from .orbit_irrational import irrational_orbits, spectrum_inertia, value_in_field
from .quotients import Structured
from .stationary import AlgebraicPoint, Budget
from .symstrata import WHY as SYM_WHY
from .symstrata import sym_strata, symmetric_fit

WHY_IRRATIONAL = ("orbit construction of symmetric MF (Li et al. 2019, IEEE TIT; result (S1) "
                  "and the Hessian table of docs/paper-li2019.md) with simple positive "
                  "eigenvalues, some irrational: every stationary point is "
                  "X = [V_S·diag(√λ_S), 0]·Q, S a set of at most r positive eigenvalues, "
                  "Q ∈ O(r); the sets S are the real solutions of one exact root system per "
                  "choice of root counts per irreducible factor, the representatives lie in "
                  "number fields, and the Hessian inertia is read off the exact order of the "
                  "eigenvalues (see mfverify/symbolic/orbit_irrational.py)")

__all__ = ["STRATEGIES", "orbit_dimension", "hessian_spectrum", "inertia_of", "orbit_solve",
           "WHY"]

STRATEGIES = ("auto", "groebner")

WHY = ("orbit construction of symmetric MF (Li et al. 2019, IEEE TIT; result (S1) and the "
       "Hessian table of docs/paper-li2019.md): every stationary point is "
       "X = [V_S·diag(√λ_S), 0]·Q, S a set of at most r positive eigenvalues, Q ∈ O(r) "
       "(repeated eigenvalues: orbits of O(r) × Stab(M)); the Hessian spectrum is read off "
       "the eigenvalues of M; "
       + SYM_WHY)


def orbit_dimension(k: int, r: int) -> int:
    """dim of the O(r)-orbit of a rank-k point X ∈ R^{n×r}: dim O(r) − dim O(r − k) =
    k(k − 1)/2 + k(r − k) (the stabilizer is the O(r − k) acting on the zero columns)."""
    if not 0 <= k <= r:
        raise ValueError(f"need 0 <= k <= r, got k = {k}, r = {r}")
    return k * (k - 1) // 2 + k * (r - k)


def hessian_spectrum(eigenvalues: list[sp.Expr], S: list[int], r: int, c: sp.Expr
                     ) -> list[sp.Expr]:
    """The n·r Hessian eigenvalues of c·‖XXᵀ − M‖² on the orbit of S (module docstring), sorted
    decreasingly.

    Parameters
    ----------
    eigenvalues
        All eigenvalues λ_a of M, with multiplicity (exact).
    S
        Indices into ``eigenvalues`` of the chosen positive eigenvalues (|S| <= r).
    r
        Factor width.
    c
        The normalization constant of f.
    """
    k = len(S)
    if k > r or any(not eigenvalues[i] > 0 for i in S):
        raise ValueError("S must index at most r positive eigenvalues")
    lam = eigenvalues
    rest = [a for a in range(len(lam)) if a not in S]
    out: list[sp.Expr] = [2 * lam[i] for i in S]
    for i, j in itertools.combinations(S, 2):
        out += [lam[i] + lam[j], sp.Integer(0)]
    out += [lam[i] - lam[a] for i in S for a in rest]
    out += [-lam[a] for a in rest for _ in range(r - k)]
    out += [sp.Integer(0)] * (k * (r - k))
    vals = [sp.expand(4 * c * e) for e in out]
    if all(v.is_Rational for v in vals):
        return sorted(vals, key=lambda e: -e)
    return sorted(vals, key=lambda e: -sp.N(e, 50))  # display order only (inertia: exact)


def inertia_of(spectrum: list[sp.Expr]) -> tuple[int, int, int]:
    """(n₊, n₀, n₋) of exact real numbers."""
    return (sum(1 for e in spectrum if e > 0), sum(1 for e in spectrum if e == 0),
            sum(1 for e in spectrum if e < 0))


def _rational_spectrum(M: sp.Matrix) -> list[sp.Rational]:
    lam = sp.Symbol("lam")
    _, facs = sp.Poly(M.charpoly(lam).as_expr(), lam, domain="QQ").factor_list()
    if any(fac.degree() != 1 for fac, _ in facs):
        raise UnsupportedError("orbit construction: M has an irrational eigenvalue")
    out: list[sp.Rational] = []
    for fac, mult in facs:
        a, b = fac.all_coeffs()
        out += [sp.Rational(-b / a)] * mult
    return sorted(out, reverse=True)


def _numerical_check(problem: Problem, pt: AlgebraicPoint, spectrum: list[sp.Expr]) -> float:
    """max |float eigenvalue of the problem's Hessian at pt − closed form|, relative (the
    point in floats from θ, or, where that loses digits, from exact enclosures)."""
    F = pt.field
    lo, hi = F.enclosure(F.elem(THETA), Fraction(1, 10 ** 14))  # θ itself, to ~1e-14
    theta = float((lo + hi) / 2)
    flat = np.array([np.polyval([float(a) for a in c.all_coeffs()], theta) for c in pt.coords])
    err = _spectrum_error(problem, flat, spectrum)
    if err > 1e-8 and not F.is_rational:
        flat = np.array([float(sum(F.enclosure(c, Fraction(1, 10 ** 15))) / 2)
                         for c in pt.coords])
        err = _spectrum_error(problem, flat, spectrum)
    return err


def _spectrum_error(problem: Problem, flat: np.ndarray, spectrum: list[sp.Expr]) -> float:
    H = np.asarray(problem.hessian_matrix(problem.unflatten(flat), "numpy"), dtype=float)
    got = np.sort(np.linalg.eigvalsh(0.5 * (H + H.T)))[::-1]
    want = np.array([float(e) for e in spectrum])
    scale = max(1.0, float(np.max(np.abs(want))))
    return float(np.max(np.abs(got - want)) / scale)


def _closed_form_data(problem: Problem, pt: AlgebraicPoint, value: sp.Poly,
                      spectrum: list[sp.Expr], inertia: tuple[int, int, int], odim: int
                      ) -> PointData:
    err = _numerical_check(problem, pt, spectrum)
    if err > 1e-8:
        raise UnsupportedError(f"orbit construction: the closed-form Hessian spectrum differs "
                               f"from the problem's Hessian at a representative by {err:.2e} "
                               "(relative); not used")
    return PointData(pt, value, inertia, list(spectrum), odim, [], [],
                     True, {"hessian": "closed form (module orbit_construction)",
                            "numerical_check": err})


def _irrational_found(problem: Problem, M: sp.Matrix, r: int, c: sp.Rational,
                      budget: Budget) -> tuple[list[Any], list[str]]:
    """Found entries for an irrational spectrum (:mod:`mfverify.symbolic.orbit_irrational`)."""
    eig, reps = irrational_orbits(M, r, c, budget)
    total = sum(e ** 2 for e in M)
    pos = sorted((i for i, e in enumerate(eig) if e.sign > 0), key=lambda i: -eig[i].order)
    found = []
    for pt, S, tv in reps:
        budget.check("orbit construction")
        k = len(S)
        odim = orbit_dimension(k, r)
        count = 2 if k == r and k > 0 else 1
        inertia = spectrum_inertia(eig, S, r)
        spec = hessian_spectrum([e.expr for e in eig], S, r, c)
        value = value_in_field(pt.field, c, total, tv)
        kappa = [1 if i in S else 0 for i in pos]
        label = "S(" + ", ".join(str(x) for x in kappa) + ")"
        desc = (f"O({r})-orbit of [V_S·diag(√λ_S), 0] with λ_S = "
                f"{[str(eig[i].expr) for i in S]}: rank {k}, dimension {odim}, "
                + ("connected" if count == 1 else "2 connected components (sign of det)"))
        extra: dict[str, Any] = {"stratum": {"kappa": kappa, "rank_X": k, "label": label}}
        if inertia[1] == odim:
            extra["point_data"] = _closed_form_data(problem, pt, value, spec, inertia, odim)
        found.append((pt, k, odim, count, desc, extra))
    return found, [str(e.expr) for e in reversed(eig)]


def orbit_solve(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], budget: Budget,
                evidence: dict[str, Any]) -> Solved | None:
    """The stationary set by the orbit construction, or None (with the reason in
    ``evidence["orbit_construction"]``) when it does not provably apply: f is not exactly
    c·‖XXᵀ − M‖² with M rational symmetric, or M has an irrational spectrum outside
    :mod:`mfverify.symbolic.orbit_irrational` (a repeated irrational or positive eigenvalue,
    number fields beyond its degree limit)."""
    try:
        shapes = list(problem.variables.values())
        if len(shapes) != 1 or len(shapes[0]) != 2 or "M" not in problem.data:
            raise UnsupportedError("orbit construction: expected one n×r variable X and data M")
        r = int(shapes[0][1])
        if r == 1:  # O(1) is finite: the zero-dimensional path (msolve) is as fast or faster
            raise UnsupportedError("orbit construction: r = 1 (the stationary points are "
                                   "isolated: the zero-dimensional path is used)")
        fit = symmetric_fit(problem, f, gens, r)
        M, _n, c = fit
        try:
            lams = _rational_spectrum(M)
        except UnsupportedError:
            found, shown = _irrational_found(problem, M, r, c, budget)
            return _solved(found, shown, evidence, " (number fields)", WHY_IRRATIONAL)
        budget.check("orbit construction")
        strata = sym_strata(problem, f, gens, r, require_repeated=False, fit=fit)
    except UnsupportedError as exc:
        evidence["orbit_construction"] = f"not applicable: {exc}"
        return None
    pos = sorted({x for x in lams if x > 0}, reverse=True)
    found = []
    for o in strata.orbits:
        budget.check("orbit construction")
        assert o.kappa is not None
        # S: the first k_j copies of each chosen positive eigenvalue
        S = [i for kj, x in zip(o.kappa, pos, strict=True) for i in
             [a for a, y in enumerate(lams) if y == x][:kj]]
        spec = hessian_spectrum(list(lams), S, r, c)
        odim = orbit_dimension(o.rank, r)
        value = c * (sum(e ** 2 for e in M) - sum(lams[i] ** 2 for i in S))
        extra: dict[str, Any] = {"stratum": {"kappa": list(o.kappa), "rank_X": o.rank,
                                             "label": o.piece}}
        if inertia_of(spec)[1] == odim:
            try:
                extra["point_data"] = _closed_form_data(
                    problem, o.point, o.point.field.elem(value), spec, inertia_of(spec), odim)
            except UnsupportedError as exc:
                evidence["orbit_construction"] = f"not applicable: {exc}"
                return None
        found.append((o.point, o.rank, o.dimension, o.count, o.description, extra))
    return _solved(found, [str(x) for x in lams], evidence, "", WHY)


def _solved(found: list[Any], shown: list[str], evidence: dict[str, Any], how: str,
            why: str) -> Solved:
    method = ("orbit construction: X = [V_S·diag(√λ_S), 0]·Q over the subsets S (O(r) × "
              f"Stab(M)){how}")
    evidence["orbit_construction"] = (f"applied: {len(found)} orbits from the spectrum "
                                      f"{shown}{how}")
    structured = Structured(found=found, method=method, why=why)
    return Solved(structured=structured, method=method, why=why)
