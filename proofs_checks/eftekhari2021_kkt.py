"""Eftekhari (2021) E-P3 ((E4) of docs/paper-eftekhari2021.md): rank-deficient second-order KKT
points of the Burer–Monteiro problem min ½‖U‖²_F s.t. ⟨A_i, UUᵀ⟩ = b_i are global, checked exactly
on small instances by enumerating *every* real KKT point.

The KKT system (I − 2A*(λ))U = 0, A(UUᵀ) = b is built here as a polynomial system and solved with
the exact engine of :mod:`mfverify.symbolic.stationary` in the O(p) gauge U = L (L lower
trapezoidal; every U has an O(p)-equivalent of that form, and U ↦ UQ maps KKT points to KKT
points with the same λ). For each KKT point: rank U, S(λ) = I − 2A*(λ) (inertia exact), the
Lagrangian Hessian tr(DᵀS(λ)D) restricted to the tangent space {D : ⟨A_i, UDᵀ + DUᵀ⟩ = 0}
(inertia exact), and the duality gap ½‖U‖² − bᵀλ (zero with S ⪰ 0 certifies global optimality:
weak duality for min ½ tr X s.t. A(X) = b, X ⪰ 0).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.symbolic.classify import inertia_from_charpoly
from mfverify.symbolic.stationary import Budget, solve_polynomial_system
from mfverify.symbolic.symmetry import nf_nullspace, nf_rank

#: The instance: n = 3, m = 2 symmetric constraint matrices, b = A(diag(1, 1, 0)).
A_MATS = [sp.Matrix([[1, 1, 0], [1, 0, 0], [0, 0, 1]]),
          sp.Matrix([[0, 0, 1], [0, 1, 1], [1, 1, 2]])]
Z0 = sp.diag(1, 1, 0)
B_VEC = [sum(a * z for a, z in zip(Ai, Z0, strict=True)) for Ai in A_MATS]


def _kkt_points(p: int, budget: Budget) -> tuple[list[Any], list[sp.Symbol], int]:
    n = 3
    L = sp.zeros(n, p)
    gens: list[sp.Symbol] = []
    for i in range(n):
        for j in range(min(i + 1, p)):
            L[i, j] = sp.Symbol(f"u{i}{j}")
            gens.append(L[i, j])
    lam = sp.symbols("lam0:2")
    Sm = sp.eye(n) - 2 * (lam[0] * A_MATS[0] + lam[1] * A_MATS[1])
    eqs = list(Sm * L)
    Z = L * L.T
    eqs += [sum(a * z for a, z in zip(Ai, Z, strict=True)) - b
            for Ai, b in zip(A_MATS, B_VEC, strict=True)]
    sol = solve_polynomial_system([sp.expand(e) for e in eqs], gens + list(lam), budget)
    return sol.points, gens + list(lam), len(sol.pieces)


def _analyse(pt: Any, p: int) -> dict[str, Any]:
    F = pt.field
    n = 3
    k = n * p - sum(max(0, p - i - 1) for i in range(n))  # number of gauge unknowns
    vals = pt.coords
    U = sp.zeros(n, p)
    idx = 0
    for i in range(n):
        for j in range(min(i + 1, p)):
            U[i, j] = vals[idx].as_expr()
            idx += 1
    l0, l1 = vals[k].as_expr(), vals[k + 1].as_expr()
    Sm = sp.eye(n) - 2 * (l0 * A_MATS[0] + l1 * A_MATS[1])
    Sq = [[F.elem(sp.expand(e)) for e in row] for row in Sm.tolist()]
    from mfverify.symbolic.classify import _charpoly_flint

    s_in = inertia_from_charpoly(F, _charpoly_flint(F, Sq))
    # tangent space of the constraints at U: D ∈ R^{n×p}, <A_i, U Dᵀ + D Uᵀ> = 0
    Ds = sp.Matrix(n, p, sp.symbols(f"d0:{n * p}"))
    rows = []
    for Ai in A_MATS:
        expr = sp.expand(sum(a * z for a, z in zip(Ai, U * Ds.T + Ds * U.T, strict=True)))
        rows.append([F.elem(sp.expand(expr.coeff(d))) for d in Ds])
    T = nf_nullspace(F, rows, n * p)
    # reduced Hessian  B_ab = Σ_j d_aᵀ S d_b  (D in column-major blocks)
    Hs = []
    for a in T:
        row = []
        for b in T:
            acc = sp.Integer(0)
            Da = sp.Matrix(n, p, [e.as_expr() for e in a])
            Db = sp.Matrix(n, p, [e.as_expr() for e in b])
            acc = (Da.T * Sm * Db).trace()
            row.append(F.elem(sp.expand(acc)))
        Hs.append(row)
    h_in = inertia_from_charpoly(F, _charpoly_flint(F, Hs)) if Hs else (0, 0, 0)
    Ue = [[F.elem(sp.expand(U[i, j])) for j in range(p)] for i in range(n)]
    rank = nf_rank(F, Ue)

    def show(e: sp.Poly) -> str:
        if F.degree <= 2:
            return str(F.to_expr(e))
        lo, hi = F.enclosure(e, Fraction(1, 10 ** 12))
        return f"[{float(lo):.12g}, {float(hi):.12g}]"

    gap = F.elem(sp.expand(sum(u ** 2 for u in U) / 2 - (B_VEC[0] * l0 + B_VEC[1] * l1)))
    return {"U": [[show(x) for x in r] for r in Ue],
            "lambda": [show(F.elem(sp.expand(v))) for v in (l0, l1)],
            "rank": int(rank), "S_inertia": list(s_in), "S_psd": s_in[2] == 0,
            "tangent_dim": len(T), "reduced_hessian_inertia": list(h_in),
            "second_order": h_in[2] == 0,
            "objective": show(F.elem(sp.expand(sum(u ** 2 for u in U) / 2))),
            "duality_gap_zero": gap.is_zero}


@claim(
    "eftekhari2021.kkt-rank-deficient-global",
    paper="eftekhari2021",
    source=("result (E4) of docs/paper-eftekhari2021.md: the Burer–Monteiro rank-deficiency "
            "certificate (Burer & Monteiro 2005; Journée et al. 2010), derived here"),
    cites=[cite("burermonteiro2005", "rank-deficient second-order points"),
           cite("journee2010", "optimality certificate"),
           cite("eftekhari2021", "abstract")],
    provenance="derived",
    statement="For n = 3, p ∈ {1, 2}, m = 2 constraints: every KKT point of min ½‖U‖² s.t. "
              "⟨A_i, UUᵀ⟩ = b_i that is rank-deficient and second-order stationary has "
              "S(λ) = I − 2A*(λ) ⪰ 0 and zero duality gap, hence attains the SDP optimum.",
    hypotheses=[Hypothesis("rank_deficient", "rank U < p",
                           "full-rank second-order KKT points need not be global (spurious "
                           "second-order points are full rank, (E4) of "
                           "docs/paper-eftekhari2021.md)")],
    predictions=("E-P3",),
)
def kkt_rank_deficient_global(ctx: RunContext) -> Outcome:
    budget = Budget(60 if ctx.quick else 300)
    rows: list[dict[str, Any]] = []
    complete = True
    widths = (1, 2) if (not ctx.quick or ctx.dropping("rank_deficient")) else (2,)
    for p in widths:
        pts, _gens, npieces = _kkt_points(p, budget)
        if npieces:
            complete = False
        for pt in pts:
            info = _analyse(pt, p)
            info["p"] = p
            rows.append(info)
    ev = {"A": [str(a.tolist()) for a in A_MATS], "b": [str(b) for b in B_VEC],
          "p_values": list(widths),
          "kkt_points": rows, "complete": complete,
          "method": "Gröbner bases in the O(p) gauge U lower trapezoidal; inertia by Descartes "
                    "on exact characteristic polynomials"}
    if not complete:
        return Outcome(Verdict.INCONCLUSIVE, ev, "the KKT set had positive-dimensional pieces")
    if ctx.dropping("rank_deficient"):
        bad = [r for r in rows if r["second_order"] and not (r["S_psd"] and
                                                              r["duality_gap_zero"])]
        if bad:
            return Outcome(Verdict.REFUTED, ev, f"{len(bad)} second-order KKT point(s) of full "
                           "rank are not global")
        return Outcome(Verdict.INCONCLUSIVE, ev, "every second-order KKT point of this instance "
                       "is global; no counterexample to the dropped hypothesis here")
    sel = [r for r in rows if r["rank"] < r["p"] and r["second_order"]]
    ok = all(r["S_psd"] and r["duality_gap_zero"] for r in sel)
    summary = (f"p in {list(widths)}: {len(rows)} KKT points; {len(sel)} rank-deficient "
               "second-order ones, all with S(λ) ⪰ 0 and zero duality gap"
               + (" (p = 1 in the full profile)" if widths == (2,) else ""))
    return Outcome(Verdict.PROVED if ok else Verdict.REFUTED, ev, summary)
