"""Quotient strategies: how the landscape engine uses a proved group to solve ∇f = 0.

The engine asks :func:`quotient_for` for the strategy of the proved action
(:class:`~mfverify.problems.groups.GroupAction`); every strategy answers the same questions:

* ``attempts`` and ``charts(P)``: the charts (gauges) to solve in, with the reason they meet
  every orbit;
* ``invariant(pt)``: an orbit invariant (equal ⇔ same orbit), used to group points;
* ``describe(pt, odim)``: the orbit in words and its number of connected components;
* ``accept_pieces(...)``: the positive-dimensional pieces of the charts that are single orbits
  (re-gauged first where a residual gauge freedom remains) and those left to stratify;
* ``structure(...)``: a structure theorem of the stationary set when one applies (orbits of
  GL(r) × Stab(Σ), of O(r) × Stab(M)), else ``None``;
* ``representative(pt, clf)``: a simpler point of the same orbit, or ``None``.

Strategies: :class:`RowGauge` (O(r) on the right of the stacked variables, and U(1) on complex
coordinates as SO(2) on the right of the n×2 matrix of real pairs), :class:`GLCharts` (GL(r) on
(U, V)), :class:`NoQuotient` (the full system; used for torus, chain and sign groups, whose
orbit tangents still enter the classification).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..errors import BudgetExceeded, UnsupportedError
from ..problems.base import Problem
from ..problems.groups import GLPair, GroupAction, ProductGroup, RightOrthogonal, UnitaryPhase
from .algebraic import canonical_number
from .glstrata import WHY as STRATA_WHY
from .glstrata import Stratification, gl_strata
from .stationary import (
    AlgebraicPoint,
    Budget,
    Chart,
    Piece,
    chart_point_to_original,
    solve_polynomial_system,
)
from .symmetry import SymmetryProof
from .symstrata import WHY as SYM_WHY
from .symstrata import balanced_strata, sym_strata

__all__ = ["Quotient", "RowGauge", "GLCharts", "NoQuotient", "Structured", "quotient_for"]


@dataclass
class Structured:
    """Orbit-structure results (problems whose stationary set is known in closed form)."""

    found: list[tuple[AlgebraicPoint, int, int, int, str, dict[str, Any]]] = field(
        default_factory=list)
    strata: Stratification | None = None
    reasons: list[str] = field(default_factory=list)
    method: str = ""
    why: str = ""
    groebner_calls: int = 0


class Quotient:
    """No quotient: the full system in the original coordinates."""

    attempts: list[int | None] = [None]
    name = "none"

    def __init__(self, problem: Problem, gens: list[sp.Symbol], proof: SymmetryProof) -> None:
        self.problem = problem
        self.gens = gens
        self.proof = proof

    def charts(self, P: sp.Matrix | None) -> tuple[list[Chart], str]:
        return [Chart("identity", {}, list(self.gens))], "no quotient: the full system is solved"

    def rotation_size(self) -> int:
        return 0

    def invariant(self, pt: AlgebraicPoint) -> list[sp.Poly]:
        return list(pt.coords)

    def key(self, pt: AlgebraicPoint) -> tuple[Any, ...]:
        F = pt.field
        return tuple(canonical_number(F, c) for c in self.invariant(pt))

    def describe(self, pt: AlgebraicPoint, odim: int) -> tuple[str, int | None]:
        return f"isolated point {tuple(pt.exprs())}", 1

    def accept_pieces(self, pieces: list[tuple[Chart, Piece]], budget: Budget, seed: int
                      ) -> tuple[list[AlgebraicPoint], list[tuple[Chart, Piece]], int, bool]:
        """(extra points, pieces, Gröbner calls, every piece is one orbit)."""
        return [], pieces, 0, not pieces

    def piece_is_orbit(self, ch: Chart, pc: Piece) -> bool:
        return False

    def structure(self, f: sp.Expr, budget: Budget, seed: int, evidence: dict[str, Any]
                  ) -> Structured:
        return Structured()

    def representative(self, pt: AlgebraicPoint, clf: Any) -> dict[str, Any] | None:
        return None


class NoQuotient(Quotient):
    """The full system (trivial, torus, chain and sign groups)."""


class RowGauge(Quotient):
    """O(r) (or SO(2) = U(1)) acting on the right of the matrix W whose rows are the given flat
    coordinates. Gauge W = P·L, L lower trapezoidal (LQ decomposition of P⁻¹W, with Q ∈ SO(r)
    too: the last diagonal sign of L stays free), orbits identified by WWᵀ (O(r)), or by WWᵀ and
    WJWᵀ (U(1), J = [[0, −1], [1, 0]]: W₂ = W₁Q with Q ∈ O(2) and W₁JW₁ᵀ = W₂JW₂ᵀ forces
    det Q = 1 unless rank W₁ <= 1, where a reflection fixing W₁ exists)."""

    attempts = [None, 1, 2]
    name = "gauge"

    def __init__(self, problem: Problem, gens: list[sp.Symbol], proof: SymmetryProof,
                 action: RightOrthogonal) -> None:
        super().__init__(problem, gens, proof)
        self.action = action
        self.r = action.r
        self.rows = action.rows()
        self.phase = isinstance(action, UnitaryPhase)

    def rotation_size(self) -> int:
        return len(self.rows)

    # -- the stacked matrix ------------------------------------------------------------------
    def stacked(self, flat: list[Any]) -> sp.Matrix:
        return sp.Matrix([[flat[k] for k in row] for row in self.rows])

    def charts(self, P: sp.Matrix | None) -> tuple[list[Chart], str]:
        nrows, r = len(self.rows), self.r
        Lsyms: list[sp.Symbol] = []
        L = sp.zeros(nrows, r)
        for i in range(nrows):
            for j in range(min(i + 1, r)):
                s = sp.Symbol(f"L_{i}_{j}", real=True)
                L[i, j] = s
                Lsyms.append(s)
        W = L if P is None else P * L
        sub = {self.gens[k]: sp.expand(W[i, j]) for i, row in enumerate(self.rows)
               for j, k in enumerate(row)}
        covered = {k for row in self.rows for k in row}
        free = [g for k, g in enumerate(self.gens) if k not in covered]
        which = "I" if P is None else "P"
        group = self.action.name
        ch = Chart(f"{group} gauge W = {which}·L, L lower trapezoidal", sub, Lsyms + free)
        inv = "W·Wᵀ and W·J·Wᵀ" if self.phase else "W·Wᵀ"
        why = (f"every W has an {group}-equivalent W·Q = P·L with L lower trapezoidal "
               "(LQ decomposition of P⁻¹W), so the gauge meets every orbit; orbits are "
               f"identified by {inv} (W₁W₁ᵀ = W₂W₂ᵀ ⇔ W₂ = W₁Q, Q ∈ O(r)); pieces whose "
               "leading k rows of L vanish are re-gauged with L[i, j] = 0 for j > i − k: the "
               "set of zero rows of L is invariant under L ↦ LQ, so an orbit whose gauge points "
               "have k₀ ≥ k leading zero rows has a point in the shifted gauge G_{k₀} ⊆ G_k, "
               "and that point survives every re-gauge of the piece containing it")
        return [ch], why

    def _invariant_matrices(self, W: sp.Matrix) -> list[sp.Matrix]:
        out = [W * W.T]
        if self.phase:
            J = sp.Matrix([[0, -1], [1, 0]])
            out.append(W * J * W.T)
        return out

    def invariant(self, pt: AlgebraicPoint) -> list[sp.Poly]:
        F = pt.field
        W = self.stacked([c.as_expr() for c in pt.coords])
        vals = []
        for Z in self._invariant_matrices(W):
            vals += [F.elem(sp.expand(Z[i, j])) for i in range(Z.rows)
                     for j in range(i, Z.cols)]
        covered = {k for row in self.rows for k in row}
        vals += [c for k, c in enumerate(pt.coords) if k not in covered]
        return vals

    def describe(self, pt: AlgebraicPoint, odim: int) -> tuple[str, int | None]:
        F = pt.field
        W = self.stacked([c.as_expr() for c in pt.coords])
        rank = sp.Matrix(W.rows, W.cols, [F.to_expr(F.elem(sp.expand(e))) for e in W]).rank(
            simplify=True)
        if self.phase:
            if rank == 0:
                return "the origin", 1
            return (f"U(1)-orbit {{e^(iφ) z}} of z = {tuple(pt.exprs())} (a circle)", 1)
        count = 2 if rank == self.r and rank > 0 else 1
        if self.r == 1:
            if rank == 0:
                return "the origin", 1
            return f"±x with x = {tuple(pt.exprs())} (the O(1)-orbit {{x, −x}})", 2
        return (f"O({self.r})-orbit of the representative (rank {rank}, orbit dimension {odim},"
                f" {count} connected component{'s' if count > 1 else ''})"), count

    def piece_is_orbit(self, ch: Chart, pc: Piece) -> bool:
        W = self.stacked([ch.substitution.get(g, g) for g in self.gens])
        return not any(pc.reduce(Z[i, j]).free_symbols for Z in self._invariant_matrices(W)
                       for i in range(Z.rows) for j in range(Z.cols))

    def accept_pieces(self, pieces: list[tuple[Chart, Piece]], budget: Budget, seed: int
                      ) -> tuple[list[AlgebraicPoint], list[tuple[Chart, Piece]], int, bool]:
        """Residual gauge freedom: on a piece where rows 0..k−1 of L vanish identically, every
        O(r) element keeps them zero, so the remaining rows can be brought to the shifted form
        L[i, j] = 0 for j > i − k (LQ of the lower block). Adding those equations loses no
        orbit."""
        out_pts: list[AlgebraicPoint] = []
        out_pieces: list[tuple[Chart, Piece]] = []
        calls = 0
        work = list(pieces)
        while work:
            ch, pc = work.pop()
            if self.piece_is_orbit(ch, pc):
                out_pieces.append((ch, pc))
                continue
            names = {v.name: v for v in ch.variables}
            r, rows = self.r, len(self.rows)
            k = 0
            while k < rows and all(pc.reduce(names[f"L_{k}_{j}"]) == 0
                                   for j in range(min(k + 1, r)) if f"L_{k}_{j}" in names):
                k += 1
            extra = [names[f"L_{i}_{j}"] for i in range(k, rows) for j in range(r)
                     if j > i - k and f"L_{i}_{j}" in names]
            extra = [e for e in extra if pc.reduce(e) != 0]
            if k == 0 or not extra:
                out_pieces.append((ch, pc))
                continue
            sol = solve_polynomial_system(list(pc.basis) + extra, ch.variables, budget,
                                          seed=seed)
            calls += sol.groebner_calls
            out_pts += [chart_point_to_original(p, ch, self.gens) for p in sol.points]
            work += [(ch, q) for q in sol.pieces]
        ok = all(self.piece_is_orbit(ch, pc) for ch, pc in out_pieces)
        return out_pts, out_pieces, calls, ok

    def structure(self, f: sp.Expr, budget: Budget, seed: int, evidence: dict[str, Any]
                  ) -> Structured:
        out = Structured()
        if self.phase:
            return out
        notes = []
        for builder in (sym_strata, balanced_strata):
            try:
                orbits = builder(self.problem, f, self.gens, self.r)
            except UnsupportedError as exc:
                notes.append(str(exc))
                continue
            out.method = ("orbits of O(r) × Stab(M) through XXᵀ = M·Π_𝒰 (balanced asymmetric: "
                          "X = [U; V])")
            out.why = SYM_WHY
            for o in orbits.orbits:
                out.found.append((o.point, o.rank, o.dimension, o.count, o.description,
                                  {"stratum": {"kappa": list(o.kappa or ()), "rank_X": o.rank,
                                               "label": o.piece}}))
            return out
        evidence["orbit_strata"] = "not applicable: " + "; ".join(notes)
        return out

    def representative(self, pt: AlgebraicPoint, clf: Any) -> dict[str, Any] | None:
        """A simpler point of the same O(r)-orbit: pivoted Cholesky of the rational W·Wᵀ."""
        if self.phase or pt.field.degree <= 1:
            return None
        F = pt.field
        W = self.stacked([c.as_expr() for c in pt.coords])
        r = W.cols
        Zp = [[F.elem(sp.expand(e)) for e in row] for row in (W * W.T).tolist()]
        if any(e.degree() > 0 for row in Zp for e in row):
            return None
        Z = sp.Matrix([[sp.Rational(e.LC()) if not e.is_zero else 0 for e in row]
                       for row in Zp])
        n = Z.rows
        cols = []
        R = Z.copy()
        for _ in range(r):
            i = max(range(n), key=lambda k: R[k, k])
            if R[i, i] <= 0:
                break
            c = R[:, i] / sp.sqrt(R[i, i])
            cols.append(c)
            R = (R - c * c.T).applyfunc(sp.nsimplify)
        if any(v != 0 for v in R):
            return None
        X0 = sp.zeros(n, r)
        for j, c in enumerate(cols):
            X0[:, j] = c.applyfunc(sp.radsimp)
        flat: list[Any] = list(pt.exprs())
        for i, row in enumerate(self.rows):
            for j, k in enumerate(row):
                flat[k] = X0[i, j]
        sub = dict(zip(clf.gens, flat, strict=True))
        if any(sp.simplify(g.xreplace(sub)) != 0 for g in clf.grad):
            return None
        return self.problem.unflatten(np.array(flat, dtype=object))


class GLCharts(Quotient):
    """GL(r) acting on (U, V): the structure theorem of glstrata.py (any r); for r = 1 the
    charts ‖u‖² = ‖v‖², u = 0, v = 0 when it does not apply."""

    name = "charts"

    def __init__(self, problem: Problem, gens: list[sp.Symbol], proof: SymmetryProof,
                 action: GLPair) -> None:
        super().__init__(problem, gens, proof)
        self.action = action
        self.r = action.r
        self.m = list(problem.variables.values())[0][0]

    def charts(self, P: sp.Matrix | None) -> tuple[list[Chart], str]:
        if self.r != 1:
            return super().charts(P)
        u, v = self.gens[:self.m], self.gens[self.m:]
        bal = Chart("balanced slice ‖u‖² = ‖v‖²", {}, list(self.gens),
                    [sp.expand(sum(x ** 2 for x in u) - sum(y ** 2 for y in v))])
        u0 = Chart("u = 0", {x: sp.Integer(0) for x in u}, list(v))
        v0 = Chart("v = 0", {y: sp.Integer(0) for y in v}, list(u))
        why = ("GL(1) acts by (u, v) ↦ (a u, v/a); a point with u ≠ 0 ≠ v is equivalent to one "
               "with ‖u‖ = ‖v‖ (a² = ‖v‖/‖u‖); the remaining points have u = 0 or v = 0; "
               "orbits of points with u ≠ 0 ≠ v are identified by u vᵀ")
        return [bal, u0, v0], why

    def invariant(self, pt: AlgebraicPoint) -> list[sp.Poly]:
        if self.r != 1:
            return super().invariant(pt)
        F = pt.field
        if all(c.is_zero for c in pt.coords):
            return [F.elem(0)] + [F.elem(0) for _ in pt.coords]
        u, v = pt.coords[:self.m], pt.coords[self.m:]
        return [F.elem(1)] + [F.mul(a, b) for a in u for b in v]

    def describe(self, pt: AlgebraicPoint, odim: int) -> tuple[str, int | None]:
        if self.r != 1:
            return super().describe(pt, odim)
        if all(c.is_zero for c in pt.coords):
            return "the origin", 1
        exprs = pt.exprs()
        u, v = exprs[:self.m], exprs[self.m:]
        return (f"GL(1)-orbit {{(a·u, v/a) : a ≠ 0}} of u = {tuple(u)}, v = {tuple(v)}: "
                f"the set {{u vᵀ = const}} ∩ {{u ∥ u₀, v ∥ v₀}}, 2 connected components (a > 0, "
                f"a < 0)"), 2

    def structure(self, f: sp.Expr, budget: Budget, seed: int, evidence: dict[str, Any]
                  ) -> Structured:
        out = Structured()
        method = "orbits of GL(r) × Stab(Σ) through Z = UVᵀ"
        try:
            out.strata = gl_strata(self.problem, f, self.gens, self.r, budget, seed=seed)
            out.groebner_calls = out.strata.groebner_calls
        except BudgetExceeded as exc:
            out.reasons.append(str(exc))
            out.method = method
            return out
        except UnsupportedError as exc:
            evidence["orbit_strata"] = f"not applicable: {exc}"
            if self.r != 1:
                out.reasons.append(f"{self.proof.group} symmetry (unbalanced): {exc}; the "
                                   "stationary set was not enumerated")
                out.method = method
            return out
        out.method, out.why = method, STRATA_WHY
        for o in out.strata.orbits:
            out.found.append((o.point, o.rank, o.dimension, o.count, o.description,
                              {"stratum": {"kappa": None if o.kappa is None else list(o.kappa),
                                           "t": o.t, "u": o.u, "rank_Z": o.rank,
                                           "piece": o.piece, "label": o.label()}}))
        return out


def quotient_for(problem: Problem, gens: list[sp.Symbol], proof: SymmetryProof) -> Quotient:
    """The strategy for the proved action (its first factor for a product)."""
    action: GroupAction = proof.action
    if isinstance(action, ProductGroup) and action.parts:
        action = action.parts[0]
    if action.quotient == "gauge" and isinstance(action, RightOrthogonal):
        return RowGauge(problem, gens, proof, action)
    if action.quotient == "charts" and isinstance(action, GLPair):
        return GLCharts(problem, gens, proof, action)
    return NoQuotient(problem, gens, proof)
