"""``landscape(problem)``: the complete real stationary set of a small instance, classified.

See :mod:`mfverify.symbolic.stationary` for how the set is found and why the result is complete,
and :mod:`mfverify.symbolic.classify` for the classification. The completeness argument of each
run is written into ``Landscape.evidence["completeness"]``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import sympy as sp

from ..errors import BudgetExceeded, UnsupportedError
from ..problems.base import Problem
from .algebraic import RealField, canonical_number, equal_vectors
from .classify import Classifier, PointData, compare_values, global_min_certificate
from .glstrata import WHY as STRATA_WHY
from .glstrata import Stratification, gl_strata
from .quadric import quadric_components
from .result import Component, Landscape
from .stationary import (
    AlgebraicPoint,
    Budget,
    Chart,
    Piece,
    cayley_rotation,
    chart_point_to_original,
    objective_polynomial,
    orthogonal_gauge,
    solve_chart,
    solve_polynomial_system,
    stacked,
)
from .symmetry import SymmetryProof, verify_invariance
from .symstrata import WHY as SYM_WHY
from .symstrata import balanced_strata, sym_strata

__all__ = ["landscape"]


class _Group:
    def __init__(self, data: PointData, members: int, dimension: int, count: int | None,
                 description: str, extra: dict[str, Any] | None = None) -> None:
        self.data = data
        self.members = members
        self.dimension = dimension
        self.count = count
        self.description = description
        self.extra = extra or {}


def _charts(problem: Problem, gens: list[sp.Symbol], proof: SymmetryProof,
            P: sp.Matrix | None) -> tuple[list[Chart], str]:
    if proof.kind == "O":
        ch = orthogonal_gauge(problem, gens, P)
        why = (f"every W has an O({proof.r})-equivalent W·Q = P·L with L lower trapezoidal "
               "(LQ decomposition of P⁻¹W), so the gauge meets every orbit; orbits are "
               "identified by W·Wᵀ (W₁W₁ᵀ = W₂W₂ᵀ ⇔ W₂ = W₁Q, Q ∈ O(r)); pieces whose leading "
               "k rows of L vanish are re-gauged with L[i, j] = 0 for j > i − k: the set of zero "
               "rows of L is invariant under L ↦ LQ, so an orbit whose gauge points have k₀ ≥ k "
               "leading zero rows has a point in the shifted gauge G_{k₀} ⊆ G_k, and that point "
               "survives every re-gauge of the piece containing it")
        return [ch], why
    if proof.kind == "GL1":
        m = list(problem.variables.values())[0][0]
        u, v = gens[:m], gens[m:]
        bal = Chart("balanced slice ‖u‖² = ‖v‖²", {}, list(gens),
                    [sp.expand(sum(x ** 2 for x in u) - sum(y ** 2 for y in v))])
        u0 = Chart("u = 0", {x: sp.Integer(0) for x in u}, list(v))
        v0 = Chart("v = 0", {y: sp.Integer(0) for y in v}, list(u))
        why = ("GL(1) acts by (u, v) ↦ (a u, v/a); a point with u ≠ 0 ≠ v is equivalent to one "
               "with ‖u‖ = ‖v‖ (a² = ‖v‖/‖u‖); the remaining points have u = 0 or v = 0; "
               "orbits of points with u ≠ 0 ≠ v are identified by u vᵀ")
        return [bal, u0, v0], why
    return [Chart("identity", {}, list(gens))], "no quotient: the full system is solved"


def _orbit_invariant(problem: Problem, proof: SymmetryProof, pt: AlgebraicPoint
                     ) -> list[sp.Poly]:
    """The orbit invariant as a vector over ℚ(θ): W Wᵀ (O(r)), u vᵀ (GL(1)), the point."""
    F = pt.field
    if proof.kind == "O":
        W = stacked(problem, [c.as_expr() for c in pt.coords])
        Z = W * W.T
        return [F.elem(sp.expand(Z[i, j])) for i in range(Z.rows) for j in range(i, Z.cols)]
    if proof.kind == "GL1":
        if all(c.is_zero for c in pt.coords):
            return [F.elem(0)] + [F.elem(0) for _ in pt.coords]
        m = list(problem.variables.values())[0][0]
        u, v = pt.coords[:m], pt.coords[m:]
        return [F.elem(1)] + [F.mul(a, b) for a in u for b in v]
    return list(pt.coords)


def _orbit_key(problem: Problem, proof: SymmetryProof, pt: AlgebraicPoint) -> tuple[Any, ...]:
    F = pt.field
    return tuple(canonical_number(F, c) for c in _orbit_invariant(problem, proof, pt))


def _describe_point(problem: Problem, proof: SymmetryProof, pt: AlgebraicPoint, members: int,
                    odim: int) -> tuple[str, int | None]:
    exprs = pt.exprs()
    F = pt.field
    if proof.kind == "O":
        W = stacked(problem, [c.as_expr() for c in pt.coords])
        rank = sp.Matrix(W.rows, W.cols, [F.to_expr(F.elem(sp.expand(e))) for e in W]).rank(
            simplify=True)
        count = 2 if rank == proof.r and rank > 0 else 1
        if proof.r == 1:
            if rank == 0:
                return "the origin", 1
            return f"±x with x = {tuple(exprs)} (the O(1)-orbit {{x, −x}})", 2
        return (f"O({proof.r})-orbit of the representative (rank {rank}, orbit dimension {odim},"
                f" {count} connected component{'s' if count > 1 else ''})"), count
    if proof.kind == "GL1":
        if all(c.is_zero for c in pt.coords):
            return "the origin", 1
        m = list(problem.variables.values())[0][0]
        u, v = exprs[:m], exprs[m:]
        return (f"GL(1)-orbit {{(a·u, v/a) : a ≠ 0}} of u = {tuple(u)}, v = {tuple(v)}: "
                f"the set {{u vᵀ = const}} ∩ {{u ∥ u₀, v ∥ v₀}}, 2 connected components (a > 0, "
                f"a < 0)"), 2
    return f"isolated point {tuple(exprs)}", 1


def _constant_gram(problem: Problem, gens: list[sp.Symbol], ch: Chart, pc: Piece) -> bool:
    W = stacked(problem, [ch.substitution.get(g, g) for g in gens])
    Z = W * W.T
    return not any(pc.reduce(Z[i, j]).free_symbols for i in range(Z.rows)
                   for j in range(Z.cols))


def _regauge_pieces(problem: Problem, gens: list[sp.Symbol], pieces: list[tuple[Chart, Piece]],
                    budget: Budget, seed: int) -> tuple[list[AlgebraicPoint],
                                                        list[tuple[Chart, Piece]], int]:
    """Residual gauge freedom: on a piece where rows 0..k−1 of L vanish identically, every
    O(r) element keeps them zero, so the remaining rows can be brought to the shifted form
    L[i, j] = 0 for j > i − k (LQ of the lower block). Adding those equations loses no orbit."""
    out_pts: list[AlgebraicPoint] = []
    out_pieces: list[tuple[Chart, Piece]] = []
    calls = 0
    work = list(pieces)
    while work:
        ch, pc = work.pop()
        if _constant_gram(problem, gens, ch, pc):
            out_pieces.append((ch, pc))
            continue
        names = {v.name: v for v in ch.variables}
        r = max(int(v.name.split("_")[2]) for v in ch.variables) + 1
        rows = max(int(v.name.split("_")[1]) for v in ch.variables) + 1
        k = 0
        while k < rows and all(pc.reduce(names[f"L_{k}_{j}"]) == 0 for j in range(min(k + 1, r))
                               if f"L_{k}_{j}" in names):
            k += 1
        extra = [names[f"L_{i}_{j}"] for i in range(k, rows) for j in range(r)
                 if j > i - k and f"L_{i}_{j}" in names]
        extra = [e for e in extra if pc.reduce(e) != 0]
        if k == 0 or not extra:
            out_pieces.append((ch, pc))
            continue
        sol = solve_polynomial_system(list(pc.basis) + extra, ch.variables, budget, seed=seed)
        calls += sol.groebner_calls
        out_pts += [chart_point_to_original(p, ch, gens) for p in sol.points]
        work += [(ch, q) for q in sol.pieces]
    return out_pts, out_pieces, calls


def _sample_piece(piece: Piece, budget: Budget) -> AlgebraicPoint | None:
    """A real point of a positive-dimensional piece: fix a maximal independent set of
    variables to small integers and solve the zero-dimensional rest."""
    gens = piece.gens
    lms = [sp.Poly(b, *gens).monoms(order="grevlex")[0] for b in piece.basis]
    supports = [frozenset(i for i, e in enumerate(m) if e) for m in lms]
    import itertools

    indep = None
    for subset in itertools.combinations(range(len(gens)), piece.dimension):
        ss = frozenset(subset)
        if not any(sup <= ss for sup in supports):
            indep = subset
            break
    if indep is None:
        return None
    for values in ([1] * len(indep), [2] * len(indep), [1, 2, 3, 1, 2, 3][:len(indep)],
                   [0] * len(indep), [-1] * len(indep)):
        eqs = list(piece.basis) + [gens[i] - v for i, v in zip(indep, values, strict=False)]
        try:
            sol = solve_polynomial_system(eqs, gens, budget)
        except UnsupportedError:
            continue
        if sol.points:
            return sol.points[0]
    return None


def _linear_uniform(clf: Classifier, piece: Piece, chart: Chart, rho: int) -> tuple[bool, str]:
    """On a linear piece (a connected linear space), is the rank of ∇²f constant = rho?"""
    gens = piece.gens
    sol = sp.solve(piece.basis, gens, dict=True) if piece.basis else [{}]
    if len(sol) != 1:
        return False, "could not parametrize the linear piece"
    param = sol[0]
    sub = {g: sp.expand(chart.substitution.get(g, g).xreplace(param)) for g in clf.gens}
    sub = {g: sp.expand(e.xreplace(param)) for g, e in sub.items()}
    Hm = sp.Matrix(clf.N, clf.N, lambda i, j: sp.expand(clf.H[i][j].xreplace(sub)))
    mu = sp.Symbol("mu_")
    cp = sp.Poly(Hm.charpoly(mu).as_expr(), mu).all_coeffs()
    cp = [sp.expand(c) for c in cp]
    if any(c != 0 for c in cp[rho + 1:]):
        return False, "the rank of the Hessian is not constant on the piece"
    lead = cp[rho]
    free = sorted(lead.free_symbols, key=str)
    if not free:
        return (lead != 0), f"the coefficient c_{rho} of the characteristic polynomial is the " \
                            f"constant {lead}"
    if len(free) == 1:
        nreal = sp.Poly(lead, free[0]).count_roots()
        return nreal == 0, (f"c_{rho} = {lead} has {nreal} real roots in the piece parameter")
    P = sp.Poly(lead, *free)
    terms = P.terms()
    if all(all(e % 2 == 0 for e in m) for m, _ in terms) and (
            all(c > 0 for _, c in terms) or all(c < 0 for _, c in terms)) and any(
            sum(m) == 0 for m, _ in terms):
        return True, f"c_{rho} = {lead} is a definite sum of even monomials"
    return False, f"could not decide whether c_{rho} = {lead} vanishes on the piece"


def _gram_representative(problem: Problem, pt: AlgebraicPoint, clf: Classifier
                         ) -> dict[str, Any] | None:
    """A simpler point of the same O(r)-orbit: pivoted Cholesky of the rational W·Wᵀ."""
    F = pt.field
    W = stacked(problem, [c.as_expr() for c in pt.coords])
    r = W.cols
    Zp = [[F.elem(sp.expand(e)) for e in row] for row in (W * W.T).tolist()]
    if any(e.degree() > 0 for row in Zp for e in row):
        return None
    Z = sp.Matrix([[sp.Rational(e.LC()) if not e.is_zero else 0 for e in row] for row in Zp])
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
    flat = list(X0)
    sub = dict(zip(clf.gens, flat, strict=True))
    if any(sp.simplify(g.xreplace(sub)) != 0 for g in clf.grad):
        return None
    return problem.unflatten(np.array(flat, dtype=object))


class _Structured:
    """Orbit-structure results (the problems whose stationary set is known in closed form)."""

    def __init__(self) -> None:
        self.found: list[tuple[AlgebraicPoint, int, int, int, str, dict[str, Any]]] = []
        self.strata: Stratification | None = None
        self.reasons: list[str] = []
        self.method = ""
        self.why = ""
        self.groebner_calls = 0


def _orbit_structure(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], proof: SymmetryProof,
                     B: Budget, seed: int, evidence: dict[str, Any]) -> _Structured:
    """Use a structure theorem when one applies: orbits of GL(r) × Stab(Σ) for unbalanced
    asymmetric MF (glstrata.py), of O(r) × Stab(M) for symmetric MF with a repeated positive
    eigenvalue and for balanced asymmetric MF with a repeated singular value (symstrata.py).
    ``method`` stays empty when the generic charts must be used."""
    out = _Structured()
    if proof.kind in ("GL", "GL1"):
        try:
            out.strata = gl_strata(problem, f, gens, proof.r, B, seed=seed)
            out.groebner_calls = out.strata.groebner_calls
        except BudgetExceeded as exc:
            out.reasons.append(str(exc))
            out.method = "orbits of GL(r) × Stab(Σ) through Z = UVᵀ"
            return out
        except UnsupportedError as exc:
            evidence["orbit_strata"] = f"not applicable: {exc}"
            if proof.kind == "GL":
                out.reasons.append(f"{proof.group} symmetry (unbalanced): {exc}; the "
                                   "stationary set was not enumerated")
                out.method = "orbits of GL(r) × Stab(Σ) through Z = UVᵀ"
            return out
        out.method, out.why = "orbits of GL(r) × Stab(Σ) through Z = UVᵀ", STRATA_WHY
        for o in out.strata.orbits:
            out.found.append((o.point, o.rank, o.dimension, o.count, o.description,
                              {"stratum": {"kappa": None if o.kappa is None else list(o.kappa),
                                           "t": o.t, "u": o.u, "rank_Z": o.rank,
                                           "piece": o.piece, "label": o.label()}}))
        return out
    if proof.kind == "O":
        notes = []
        for builder in (sym_strata, balanced_strata):
            try:
                orbits = builder(problem, f, gens, proof.r)
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


def _grace(B: Budget) -> Budget:
    """The grace period after an overrun, to group and classify what was found: 10% of the
    budget plus 1 s (so that the whole run stays within 1.1·budget + 1 s)."""
    assert B.seconds is not None
    return Budget(0.1 * B.seconds + 1.0, max_degree=B.max_degree, what=B.what)


def landscape(problem: Problem, *, budget: float | Budget | None = 60.0, seed: int = 0
              ) -> Landscape:
    """The complete real stationary set of ``problem`` with every component classified exactly.

    Parameters
    ----------
    problem
        Any :class:`~mfverify.problems.Problem` whose objective is a polynomial with rational
        coefficients in its variables (small sizes: a few to ~10 unknowns).
    budget
        Seconds (or a :class:`Budget`); when exceeded the result is INCONCLUSIVE
        (``complete = False``) with the components found so far.
    seed
        Seed of the random choices (separating linear forms, gauge rotation, test directions).

    Returns
    -------
    Landscape
        ``complete`` is True only when the set is provably complete and classified.
    """
    t0 = time.perf_counter()
    B = budget if isinstance(budget, Budget) else Budget(budget, what="landscape")
    try:
        with B.alarm("expanding the objective"):
            f, gens = objective_polynomial(problem)
            try:
                rational = all(c.is_Rational for c in sp.Poly(f, *gens).coeffs())
            except sp.PolynomialError:
                rational = False
    except BudgetExceeded as exc:
        return Landscape(problem=problem.describe(), complete=False, components=[],
                         global_min_value=None, reason=str(exc), method="none",
                         seconds=time.perf_counter() - t0,
                         evidence={"completeness": f"not started: {exc}"})
    if not rational:
        why_not = ("the objective is not a polynomial with rational coefficients in the "
                   "variables; the exact engine does not apply")
        return Landscape(problem=problem.describe(), complete=False, components=[],
                         global_min_value=None, reason=why_not, method="none",
                         seconds=time.perf_counter() - t0, evidence={"completeness": why_not})
    try:
        with B.alarm("verifying the symmetry and the global-minimum certificate"):
            proof = verify_invariance(problem, f, gens)
            cert, cert_reason = global_min_certificate(problem, f, gens)
            clf = Classifier(problem, f, gens, proof)
    except BudgetExceeded as exc:
        return Landscape(problem=problem.describe(), complete=False, components=[],
                         global_min_value=None, reason=str(exc), method="none",
                         seconds=time.perf_counter() - t0,
                         evidence={"completeness": f"not started: {exc}"})
    reasons: list[str] = []
    evidence: dict[str, Any] = {"symmetry": {"group": proof.group, "proved_by": proof.identities},
                                "global_min_certificate": {"status": cert, "reason": cert_reason}}
    points: list[AlgebraicPoint] = []
    pieces: list[tuple[Chart, Piece]] = []
    why = ""
    gb_calls = 0
    method = ""
    structured = _orbit_structure(problem, f, gens, proof, B, seed, evidence)
    gl_found = structured.found
    strata = structured.strata
    reasons += structured.reasons
    gb_calls += structured.groebner_calls
    if structured.method:
        method, why = structured.method, structured.why
    else:
        attempts = [None] if proof.kind != "O" else [None, 1, 2]
        first: tuple[Any, ...] | None = None
        for attempt in attempts:
            P = None if attempt is None else cayley_rotation(
                sum(s[0] for s in problem.variables.values()), seed + attempt)
            charts, why = _charts(problem, gens, proof, P)
            points, pieces, bad = [], [], False
            try:
                for ch in charts:
                    sol = solve_chart(clf.grad, ch, B, seed=seed)
                    gb_calls += sol.groebner_calls
                    points += [chart_point_to_original(p, ch, gens) for p in sol.points]
                    pieces += [(ch, pc) for pc in sol.pieces]
            except BudgetExceeded as exc:
                reasons.append(str(exc))
                partial = getattr(exc, "partial", None)
                if partial is not None:
                    points += [chart_point_to_original(p, ch, gens) for p in partial.points]
                bad = True
            except UnsupportedError as exc:
                reasons.append(str(exc))
                bad = True
            method = "; ".join(c.name for c in charts)
            if bad:
                break
            if proof.kind == "O" and pieces:
                # accept only pieces on which the invariant W Wᵀ is constant; a piece on which
                # the leading k rows of W vanish is first re-gauged (shifted lower trapezoidal)
                ok = True
                try:
                    extra_pts, pieces, n_gb = _regauge_pieces(problem, gens, pieces, B, seed)
                except BudgetExceeded as exc:
                    reasons.append(str(exc))
                    break
                gb_calls += n_gb
                points += extra_pts
                for ch, pc in pieces:
                    if not _constant_gram(problem, gens, ch, pc):
                        ok = False
                if not ok:
                    if first is None:
                        first = (points, pieces, method, why)
                    if attempt != attempts[-1]:
                        continue
                    # no rotation helped: keep the (sparser) identity-gauge result
                    points, pieces, method, why = first
            break
    # ---- group points into orbits ----------------------------------------------------------
    # after a budget overrun the points found so far are still grouped and classified (partial
    # results), within a grace period of 10% of the budget plus 1 s (see _grace)
    if reasons and B.seconds is not None:
        B = _grace(B)
    # an overrun first hit here (the solve finished in time) restarts the grouping once within
    # the same grace period, so that the points found are still reported (partial results)
    pre_reasons = list(reasons)
    overrun: list[str] = []
    while True:
        reasons = pre_reasons + overrun
        groups: list[_Group] = []
        try:
            for gpt, _k, gdim, gcount, gtext, gextra in gl_found:
                B.check("GL(r) fibres")
                if not all(clf.eval(gx, gpt).is_zero for gx in clf.grad):
                    raise UnsupportedError(f"∇f ≠ 0 at the representative of {gtext}")
                gdata = clf.local_data(gpt)
                if "stratum" in gextra:
                    # a stationary manifold's tangent lies in the Hessian null space, and the
                    # GL(r)-orbit lies in the stratum (glstrata.py): consistency checks
                    if not gdata.orbit_dimension <= gdim <= gdata.inertia[1]:
                        raise UnsupportedError(
                            f"orbit-stratum dimension {gdim} is not between the GL(r)-orbit "
                            f"dimension {gdata.orbit_dimension} and the Hessian nullity "
                            f"{gdata.inertia[1]} at {gtext}")
                    gextra["stratum"]["null_directions_beyond_stratum"] = (
                        gdata.inertia[1] - gdim)
                groups.append(_Group(gdata, 1, gdim, gcount, gtext, gextra))
            buckets: list[tuple[RealField, list[sp.Poly], list[AlgebraicPoint]]] = []
            for p in points:
                B.check("grouping")
                inv = _orbit_invariant(problem, proof, p)
                for Fb, invb, mem in buckets:
                    if equal_vectors(p.field, inv, Fb, invb):
                        mem.append(p)
                        break
                else:
                    buckets.append((p.field, inv, [p]))
            for _Fb, _invb, members in buckets:
                rep = min(members, key=lambda p: (p.field.degree, len(str(p.exprs()))))
                data = clf.local_data(rep)
                desc, count = _describe_point(problem, proof, rep, len(members),
                                              data.orbit_dimension)
                groups.append(_Group(data, len(members), data.orbit_dimension, count, desc))
            # ---- positive-dimensional pieces ----------------------------------------------------
            for ch, pc in pieces:
                B.check("pieces")
                sample = _sample_piece(pc, B)
                if sample is None:
                    reasons.append(f"a {pc.dimension}-dimensional piece (over C) of chart "
                                   f"'{ch.name}' has no real sample point found; its real points "
                                   "were not determined")
                    continue
                orig = chart_point_to_original(sample, ch, gens)
                data = clf.local_data(orig)
                if proof.kind == "O":
                    W = stacked(problem, [ch.substitution.get(g, g) for g in gens])
                    Z = W * W.T
                    const = not any(pc.reduce(Z[i, j]).free_symbols for i in range(Z.rows)
                                    for j in range(Z.cols))
                    if const:
                        inv = _orbit_invariant(problem, proof, orig)
                        if any(equal_vectors(orig.field, inv, g.data.point.field,
                                             _orbit_invariant(problem, proof, g.data.point))
                               for g in groups):
                            continue
                        desc, count = _describe_point(problem, proof, orig, 0, data.orbit_dimension)
                        groups.append(_Group(data, 0, data.orbit_dimension, count,
                                             desc + "; found as a positive-dimensional piece "
                                             "of the gauge on which W·Wᵀ is constant (one "
                                             "orbit)"))
                        continue
                if pc.is_linear:
                    rho = clf.N - data.inertia[1]
                    ok, why_u = _linear_uniform(clf, pc, ch, rho)
                    fconst = None
                    if not ok:
                        fv = pc.reduce(f.xreplace({g: ch.substitution.get(g, g) for g in gens}))
                        if not fv.free_symbols:  # classified by its value (global min or not)
                            fconst = fv
                    if ok or fconst is not None:
                        # drop isolated points lying on this linear space
                        def on_piece(p: AlgebraicPoint, ch: Chart = ch, pc: Piece = pc) -> bool:
                            F = p.field
                            sub = {g: c.as_expr() for g, c in zip(gens, p.coords, strict=True)}
                            if any(not F.elem(sp.expand(e.xreplace(sub) - sub[x])).is_zero
                                   for x, e in ch.substitution.items()):
                                return False
                            return all(F.elem(sp.expand(b.xreplace(sub))).is_zero
                                       for b in pc.basis)

                        groups = [g for g in groups if not (g.dimension == 0 and
                                                            on_piece(g.data.point))]
                        lextra: dict[str, Any] = (
                            {"equations": list(pc.basis)}
                            if proof.kind == "trivial" and not ch.substitution else {})
                        how = f"Hessian rank constant: {why_u}"
                        if fconst is not None:
                            lextra["piece_value"] = fconst
                            how = (f"f ≡ {fconst} on it; the Hessian rank is not constant "
                                   f"({why_u}), the inertia shown is at the representative")
                        groups.append(_Group(data, 0, pc.dimension, 1,
                                             f"linear space of dimension {pc.dimension} in chart "
                                             f"'{ch.name}': {pc.basis or 'all'} = 0 (connected; "
                                             f"{how})", lextra))
                        continue
                    reasons.append(f"linear piece {pc.basis}: {why_u}")
                    continue
                fval = pc.reduce(f.xreplace({g: ch.substitution.get(g, g) for g in gens}))
                count, text = None, (f"{pc.dimension}-dimensional piece {pc.basis} (over C) of "
                                     f"chart '{ch.name}'")
                quad = (quadric_components(pc.basis[0], list(ch.variables))
                        if proof.kind == "trivial" and not ch.substitution
                        and len(pc.basis) == 1 else None)
                if quad is not None and quad[0] == pc.dimension:
                    # the piece is the real quadric {g = 0} in the original coordinates: its
                    # components are known exactly, and isolated points on it belong to it
                    count = quad[1]
                    text = (f"the real quadric {{{pc.basis[0]} = 0}}: dimension {quad[0]}, "
                            + ("connected" if count == 1 else f"{count} connected components"))
                    qg = pc.basis[0]

                    def on_quadric(pt: AlgebraicPoint, qg: sp.Expr = qg) -> bool:
                        F = pt.field
                        sub = {g: c.as_expr() for g, c in zip(gens, pt.coords, strict=True)}
                        return F.elem(sp.expand(qg.xreplace(sub))).is_zero

                    groups = [g for g in groups
                              if not (g.dimension == 0 and on_quadric(g.data.point))]
                extra: dict[str, Any] = {"piece_value": fval}
                if count is not None:
                    extra["equations"] = [pc.basis[0]]
                groups.append(_Group(data, 0, pc.dimension, count, text, extra))
            _unglue_pieces(groups, gens, B, seed)
        except UnsupportedError as exc:
            reasons.append(str(exc))
        except BudgetExceeded as exc:
            reasons.append(str(exc))
            if not pre_reasons and not overrun and B.seconds is not None:
                overrun.append(str(exc))
                B = _grace(B)
                continue
        break
    # ---- types ------------------------------------------------------------------------------
    complete = not reasons
    gmin: tuple[RealField, sp.Poly] | None = None
    if cert == "attained" and groups and complete:
        for g in groups:
            v = (g.data.point.field, g.data.value)
            if gmin is None or compare_values(v, gmin) < 0:
                gmin = v
    elif cert == "nonnegative" and groups:
        for g in groups:
            if g.data.value.is_zero:
                gmin = (g.data.point.field, g.data.value)
                break
    components: list[Component] = []
    for g in groups:
        d = g.data
        F = d.point.field
        pos, zero, neg = d.inertia
        excess = zero - d.orbit_dimension
        value = F.to_expr(d.value)
        is_gmin = gmin is not None and compare_values((F, d.value), gmin) == 0
        lower_exists = (cert == "unbounded") or (gmin is not None and not is_gmin)
        strict: bool | None = None
        curve = None
        ev: dict[str, Any] = {}
        if "piece_value" in g.extra:
            pv = g.extra["piece_value"]
            if pv.free_symbols or not is_gmin:
                ctype = "degenerate_unresolved"
                complete = False
                reasons.append(f"piece of dimension {g.dimension}: classification not uniform")
                ev["note"] = "f is constant on the piece but it is not the certified minimum"
            else:
                ctype = "global_min"
                strict = False
                ev["uniform"] = "f ≡ global minimum value on the piece (normal form)"
        elif neg > 0:
            if pos == 0 and excess == 0:
                ctype = "local_max"
                strict = zero == 0
            elif pos > 0:
                ctype = "strict_saddle"
            else:
                # negative curvature, no positive eigenvalue, excess null directions: an ascent
                # curve (a descent curve of −f) shows it is not a local maximum
                neg_clf = Classifier(problem, -f, gens, proof)
                neg_data = neg_clf.local_data(d.point)
                verdict, asc, how = neg_clf.higher_order(neg_data, seed=seed)
                if verdict == "saddle" and asc is not None:
                    ctype = "strict_saddle"
                    ev["ascent_curve"] = asc.to_json()
                    ev["note"] = ("negative curvature (λ_min < 0) and an explicit ascent curve: "
                                  "not a local maximum")
                else:
                    ctype = "degenerate_unresolved"
                    ev["note"] = "negative curvature but degenerate; local max not excluded"
        elif excess == 0:
            strict = zero == 0
            ctype = "global_min" if is_gmin else ("spurious_local_min" if lower_exists
                                                  else "local_min")
            if d.orbit_dimension > 0:
                ev["morse_bott"] = ("null space of the Hessian = orbit tangent and the Hessian "
                                    "is PSD: a Morse–Bott local minimum along the orbit")
        else:
            strict = False
            if is_gmin:
                ctype = "global_min"
                ev["uniform"] = "value equals the certified global minimum value"
            else:
                verdict, curve, how = clf.higher_order(d, seed=seed)
                ev["higher_order"] = how
                if verdict == "saddle":
                    ctype = "degenerate_saddle"
                elif verdict == "min":
                    ctype = "spurious_local_min" if lower_exists else "local_min"
                else:
                    ctype = "degenerate_unresolved"
        if "stratum" in g.extra:
            ev["stratum"] = g.extra["stratum"]
        ev["orbit_tangent_in_null_space"] = d.tangent_in_kernel
        rep = problem.unflatten(np.array(d.point.exprs(), dtype=object))
        if proof.kind == "O" and d.point.field.degree > 1:
            nice = _gram_representative(problem, d.point, clf)
            if nice is not None:
                rep = nice
                ev["representative"] = ("X₀ from an exact pivoted Cholesky factorization of the "
                                        "orbit invariant W·Wᵀ (same orbit; ∇f(X₀) = 0 checked "
                                        "exactly); the Hessian data are computed at a gauge "
                                        "point of the same orbit (O(r) acts orthogonally, so "
                                        "the spectrum is the same)")
        boxes = None
        if not d.point.field.is_rational and d.point.field.degree > 2:
            boxes = {"coordinates": d.point.boxes()}
        components.append(Component(
            dimension=g.dimension, representative=rep, value=value, inertia=d.inertia,
            hessian_eigenvalues=d.eigenvalues, orbit_dimension=d.orbit_dimension,
            excess_zero_directions=excess, type=ctype, count=g.count,
            description=g.description, strict=strict, descent_curve=curve, boxes=boxes,
            evidence=ev))
    components.sort(key=lambda c: (float(sp.N(c.value, 30)), c.dimension))
    pieces = None if strata is None else _pieces(strata, components)
    evidence["completeness"] = why if complete else "; ".join(reasons)
    evidence["charts"] = method
    evidence["groebner_bases"] = gb_calls
    gval = None if gmin is None else gmin[0].to_expr(gmin[1])
    return Landscape(problem=problem.describe(), complete=complete, components=components,
                     global_min_value=gval, reason="; ".join(reasons), method=method,
                     seconds=time.perf_counter() - t0, evidence=evidence, pieces=pieces)


def _unglue_pieces(groups: list[_Group], gens: list[sp.Symbol], budget: Budget,
                   seed: int) -> None:
    """Pieces counted separately (quadrics, linear spaces; original coordinates) must not share
    components: for every pair, solve both sets of equations exactly. Connected pieces that meet
    form ONE component: the first of each cluster keeps count 1, the others get count 0 ("part
    of the component counted there"). A piece with several components that meets another gets
    count None (which of its components is joined is not determined)."""
    counted = [g for g in groups if "equations" in g.extra and g.count is not None]
    parent = list(range(len(counted)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(counted):
        for j in range(i + 1, len(counted)):
            b = counted[j]
            sol = solve_polynomial_system(a.extra["equations"] + b.extra["equations"], gens,
                                          budget, seed=seed)
            if not (sol.points or sol.pieces):
                continue
            if a.count == 1 and b.count == 1:
                parent[root(j)] = root(i)
                continue
            for g in (a, b):
                if g.count is not None:
                    g.count = None
                    g.description += " (meets another piece: components not counted)"
    for i, g in enumerate(counted):
        if g.count == 1 and root(i) != i:
            g.count = 0
            g.description += (" (meets another connected piece: one component together, "
                              "counted there)")


def _pieces(strata: Stratification, components: list[Component]) -> list[dict[str, Any]]:
    """The closed pieces S (unions of connected components of the stationary set), each with
    the indices of its orbit strata in ``components`` and a type read off the strata."""
    out = []
    for label, info in strata.pieces.items():
        idx = [i for i, c in enumerate(components)
               if c.evidence.get("stratum", {}).get("piece") == label]
        types = {components[i].type for i in idx}
        if len(types) == 1:
            ptype = types.pop()
        elif types <= {"strict_saddle", "degenerate_saddle"}:
            ptype = "degenerate_saddle"  # every point is a saddle, some only to higher order
        else:
            ptype = "mixed"
        out.append({"piece": label, "kappa": info["kappa"], "rank_Z": info["rank"],
                    "value": str(info["value"]), "dimension": info["dimension"],
                    "components": info["components"], "type": ptype, "strata": idx})
    out.sort(key=lambda p: (float(sp.N(sp.sympify(p["value"]), 30)), -p["rank_Z"]))
    return out
