"""Step 2 of :func:`~mfverify.symbolic.landscape.landscape`: group the solutions into orbits,
pieces and strata.

* structure-theorem orbits are re-checked (∇f = 0 exactly, orbit dimension <= stratum dimension
  <= Hessian nullity);
* isolated points are grouped by the orbit invariant of the quotient strategy;
* positive-dimensional pieces that are single orbits become one group each; a piece on which f
  is the certified global minimum value is one group (every point is a global minimizer);
* every other piece is split into strata of proved constant inertia
  (:mod:`mfverify.symbolic.stratify`), one group per stratum; the pieces themselves are kept as
  :class:`PieceRecord` s (dimension, real components, the strata they contain) for the summary.

Real components of pieces are counted exactly where a rule applies (linear spaces, one quadric,
linear equations with one quadric, a binomial m(x) = c) and pieces that meet are glued
(:func:`unglue`); otherwise the count is ``None`` (unknown, never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..errors import UnsupportedError
from .algebraic import RealField, equal_vectors
from .classify import Classifier, PointData, compare_values
from .components import piece_components, stratum_components
from .quotients import NoQuotient, Quotient
from .realdim import RealDimension, dimension_text, real_dimension_at
from .stationary import (
    AlgebraicPoint,
    Budget,
    Chart,
    Piece,
    chart_point_to_original,
    independent_variables,
    solve_polynomial_system,
)
from .stratify import stratify_piece
from .symmetry import nf_nullspace, nf_rank, orbit_tangent_exact

__all__ = ["Group", "PieceRecord", "Grouped", "group_stage", "sample_piece"]


class Group:
    """One future component: exact local data at a representative, and how it was found."""

    def __init__(self, data: PointData, members: int, dimension: int | None,
                 count: int | None, description: str, extra: dict[str, Any] | None = None,
                 complex_dimension: int | None = None) -> None:
        self.data = data
        self.members = members
        self.dimension = dimension  # the real dimension; None: not certified
        self.complex_dimension = complex_dimension  # set for sets of the identity chart
        self.count = count
        self.description = description
        self.extra = extra or {}


@dataclass
class PieceRecord:
    """A positive-dimensional piece of the stationary set (closed; a union of connected
    components of it once glued with the pieces it meets)."""

    label: str
    chart: Chart
    piece: Piece
    value: sp.Expr | None
    count: int | None
    text: str
    literal: bool  # the piece is a subset of the stationary set in the original coordinates
    groups: list[Group] = field(default_factory=list)
    #: every group whose set lies in the piece (also those listed with another piece), and
    #: whether some stratum inside it had no representative (its real points are unknown)
    inside: list[Group] = field(default_factory=list)
    unrepresented: bool = False

    @property
    def equations(self) -> list[sp.Expr]:
        return list(self.piece.basis)


# ---------------------------------------------------------------------------------------------
# the step
# ---------------------------------------------------------------------------------------------


def sample_piece(piece: Piece, budget: Budget) -> AlgebraicPoint | None:
    """A real point of a positive-dimensional piece: fix a maximal independent set of
    variables to small integers and solve the zero-dimensional rest."""
    gens = piece.gens
    indep = independent_variables(piece.basis, gens, piece.dimension)
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


#: further values for the sample points of :func:`piece_real_dimension`
_POOLS = ([3, -2, 5], [sp.Rational(1, 2), 3, -1], [5, 7, -3], [-3, 1, 2], [2, sp.Rational(1, 3)])


def _fibre(piece: Piece, budget: Budget, pool: list[Any]) -> list[AlgebraicPoint]:
    """The real points of the piece with its independent variables set to ``pool``."""
    gens = piece.gens
    indep = independent_variables(piece.basis, gens, piece.dimension)
    if indep is None:
        return []
    values = (pool * len(indep))[:len(indep)]
    eqs = list(piece.basis) + [gens[i] - v for i, v in zip(indep, values, strict=True)]
    try:
        sol = solve_polynomial_system(eqs, gens, budget)
    except UnsupportedError:
        return []
    return list(sol.points)


def piece_real_dimension(piece: Piece, first: AlgebraicPoint, budget: Budget) -> RealDimension:
    """The real dimension of a piece of the identity chart (:mod:`~mfverify.symbolic.realdim`):
    certified at ``first``, else at the further sample points of the piece (a real point at
    which it is smooth of its complex dimension anywhere on it suffices)."""
    rd = real_dimension_at(piece.basis, piece.gens, first, piece.dimension, budget)
    if rd.certified:
        return rd
    for pool in _POOLS:
        for pt in _fibre(piece, budget, pool):
            other = real_dimension_at(piece.basis, piece.gens, pt, piece.dimension, budget)
            if other.certified:
                return other
    return RealDimension(None, piece.dimension, rd.certificate + "; and at no other sample "
                         f"point of the piece ({len(_POOLS)} further choices of its free "
                         "coordinates)")


@dataclass
class Grouped:
    groups: list[Group]
    records: list[PieceRecord]
    reasons: list[str]
    groebner_calls: int = 0


def _structured_groups(clf: Classifier, found: list[Any], B: Budget) -> list[Group]:
    out = []
    for gpt, _k, gdim, gcount, gtext, gextra in found:
        B.check("GL(r) fibres")
        if not all(clf.eval(gx, gpt).is_zero for gx in clf.grad):
            raise UnsupportedError(f"∇f ≠ 0 at the representative of {gtext}")
        # Hessian data proved in closed form by the structure theorem, else computed exactly
        gdata = gextra.get("point_data") or clf.local_data(gpt)
        if "stratum" in gextra and "t" in gextra["stratum"]:
            # a stationary manifold's tangent lies in the Hessian null space, and the
            # GL(r)-orbit lies in the stratum (glstrata.py): consistency checks
            if not gdata.orbit_dimension <= gdim <= gdata.inertia[1]:
                raise UnsupportedError(
                    f"orbit-stratum dimension {gdim} is not between the GL(r)-orbit "
                    f"dimension {gdata.orbit_dimension} and the Hessian nullity "
                    f"{gdata.inertia[1]} at {gtext}")
            gextra["stratum"]["null_directions_beyond_stratum"] = gdata.inertia[1] - gdim
        out.append(Group(gdata, 1, gdim, gcount, gtext, gextra))
    return out


def _point_groups(quotient: Quotient, clf: Classifier, points: list[AlgebraicPoint],
                  B: Budget, groups: list[Group]) -> None:
    buckets: list[tuple[RealField, list[sp.Poly], list[AlgebraicPoint]]] = []
    for p in points:
        B.check("grouping")
        inv = quotient.invariant(p)
        for Fb, invb, mem in buckets:
            if equal_vectors(p.field, inv, Fb, invb):
                mem.append(p)
                break
        else:
            buckets.append((p.field, inv, [p]))
    for _Fb, _invb, members in buckets:
        rep = min(members, key=lambda p: (p.field.degree, len(str(p.exprs()))))
        data = clf.local_data(rep)
        desc, count = quotient.describe(rep, data.orbit_dimension)
        groups.append(Group(data, len(members), data.orbit_dimension, count, desc))


def _min_value(values: list[tuple[RealField, sp.Poly]], cert: str
               ) -> tuple[RealField, sp.Poly] | None:
    if cert == "nonnegative":
        return next((v for v in values if v[1].is_zero), None)
    if cert != "attained" or not values:
        return None
    best = values[0]
    for v in values[1:]:
        if compare_values(v, best) < 0:
            best = v
    return best


def group_stage(problem: Any, f: sp.Expr, gens: list[sp.Symbol], quotient: Quotient,
                clf: Classifier, solved: Any, B: Budget, seed: int, cert: str) -> Grouped:
    """Groups, piece records and reasons (module docstring)."""
    reasons: list[str] = []
    groups = _structured_groups(clf, solved.structured.found, B)
    _point_groups(quotient, clf, solved.points, B, groups)
    literal = isinstance(quotient, NoQuotient)
    records: list[PieceRecord] = []
    for ch, pc in solved.pieces:
        B.check("pieces")
        if quotient.piece_is_orbit(ch, pc):
            sample = sample_piece(pc, B)
            if sample is None:
                reasons.append(f"a {pc.dimension}-dimensional piece (over C) of chart "
                               f"'{ch.name}' has no real sample point found; its real points "
                               "were not determined")
                continue
            orig = chart_point_to_original(sample, ch, gens)
            inv = quotient.invariant(orig)
            if any(equal_vectors(orig.field, inv, g.data.point.field,
                                 quotient.invariant(g.data.point)) for g in groups):
                continue
            data = clf.local_data(orig)
            desc, count = quotient.describe(orig, data.orbit_dimension)
            groups.append(Group(data, 0, data.orbit_dimension, count,
                                desc + "; found as a positive-dimensional piece of the gauge on "
                                "which the orbit invariant is constant (one orbit)"))
            continue
        fval = pc.reduce(f.xreplace({g: ch.substitution.get(g, g) for g in gens}))
        count, text = (piece_components(list(pc.basis), list(ch.variables)) if literal
                       else (None, f"{pc.dimension}-dimensional piece {pc.basis} (over C) of "
                                   f"chart '{ch.name}'"))
        records.append(PieceRecord(f"P{len(records) + 1}", ch, pc,
                                   None if fval.free_symbols else fval, count, text, literal))
    # the global minimum value, when certified, from the points and the piece values
    values = [(g.data.point.field, g.data.value) for g in groups]
    if all(r.value is not None for r in records):
        values += [(RealField.rational(0), RealField.rational(0).elem(r.value))
                   for r in records]
        gmin = _min_value(values, cert)
    else:
        gmin = None
    by_chart: dict[int, list[PieceRecord]] = {}
    calls = 0
    for rec in records:
        at_min = (gmin is not None and rec.value is not None and compare_values(
            (RealField.rational(0), RealField.rational(0).elem(rec.value)), gmin) == 0)
        if at_min:
            _global_min_piece(rec, clf, gens, B, groups, reasons)
        else:
            by_chart.setdefault(id(rec.chart), []).append(rec)
    for recs in by_chart.values():
        calls += _stratified(recs, quotient, clf, gens, B, seed, groups, reasons)
    return Grouped(groups, records, reasons, calls)


def saturated_dimension(clf: Classifier, chart: Chart, basis: list[sp.Expr],
                        chart_point: AlgebraicPoint, point: AlgebraicPoint) -> int:
    """Local dimension at ``point`` = φ(``chart_point``) of the group saturation G·φ(S) of a
    chart set S = V(basis) (minus its splitters), in the original coordinates: the rank of
    dφ(ker Jac(basis)) together with the orbit tangent at ``point`` (exact, over ℚ(θ)).

    G·φ(S) is the image of G × S under (g, y) ↦ g·φ(y), whose differential at (e, y) has
    image dφ(T_y S) + 𝔤·φ(y) (and the same rank at (g, y), by equivariance); so this rank
    is the dimension of the saturation near ``point`` when ``chart_point`` is a smooth point
    of S (ker Jac = T_y S) at which the rank is the generic one. For a single chart point
    (``basis`` cutting out a point) it is the orbit dimension."""
    F = chart_point.field
    cv = list(chart.variables)
    sub = {v: c.as_expr() for v, c in zip(cv, chart_point.coords, strict=True)}
    J = [[F.elem(sp.expand(sp.diff(b, v).xreplace(sub))) for v in cv] for b in basis]
    ker = nf_nullspace(F, J, len(cv)) if J else [
        [F.elem(1 if i == j else 0) for j in range(len(cv))] for i in range(len(cv))]
    dphi = [[sp.expand(sp.diff(chart.substitution.get(g, g), v).xreplace(sub)) for v in cv]
            for g in clf.gens]
    vecs = [[sum((F.mul(F.elem(row[j]), k[j]) for j in range(len(cv)) if row[j] != 0),
                 F.elem(0)).rem(F.q) for row in dphi] for k in ker]
    tangent = [[F.elem(sp.expand(e)) for e in v] for v in orbit_tangent_exact(
        clf.proof, clf.problem, [c.as_expr() for c in point.coords])]
    return nf_rank(F, vecs + tangent) if vecs or tangent else 0


def _global_min_piece(rec: PieceRecord, clf: Classifier, gens: list[sp.Symbol], B: Budget,
                      groups: list[Group], reasons: list[str]) -> None:
    sample = sample_piece(rec.piece, B)
    if sample is None:
        reasons.append(f"a {rec.piece.dimension}-dimensional piece (over C) of chart "
                       f"'{rec.chart.name}' has no real sample point found; its real points "
                       "were not determined")
        return
    orig = chart_point_to_original(sample, rec.chart, gens)
    data = clf.local_data(orig)
    extra: dict[str, Any] = {"piece_value": rec.value, "piece": rec.label,
                             "uniform": "f ≡ the global minimum value on the piece (normal "
                                        "form modulo its ideal); the inertia shown is at the "
                                        "representative"}
    cdim = None
    if rec.literal:
        rd = piece_real_dimension(rec.piece, sample, B)
        dim, cdim = rd.dimension, rd.complex_dimension
        extra["real_dimension"] = rd
    else:
        smooth = real_dimension_at(rec.piece.basis, list(rec.chart.variables), sample,
                                   rec.piece.dimension, B)
        dim = saturated_dimension(clf, rec.chart, rec.piece.basis, sample, orig) \
            if smooth.certified else None
    if rec.literal:
        extra["equations"] = rec.equations
    else:
        extra["chart"] = _chart_note(rec.chart, rec.piece.dimension, dim, "the group "
                                     "saturation G·φ(P) of the piece P (rank of dφ(T_P) + "
                                     "orbit tangent at the representative)")
        extra["chart"]["smooth_representative"] = smooth.certificate
    g = Group(data, 0, dim, rec.count, rec.text, extra, complex_dimension=cdim)
    rec.groups.append(g)
    rec.inside.append(g)
    groups.append(g)
    # isolated points lying on the piece belong to it
    if rec.literal:
        groups[:] = [h for h in groups if not (h.dimension == 0 and _on(h.data.point, rec))]


def _on(pt: AlgebraicPoint, rec: PieceRecord) -> bool:
    F = pt.field
    sub = {g: c.as_expr() for g, c in zip(rec.chart.variables, pt.coords, strict=False)}
    return all(F.elem(sp.expand(b.xreplace(sub))).is_zero for b in rec.piece.basis)


def _stratified(recs: list[PieceRecord], quotient: Quotient, clf: Classifier,
                gens: list[sp.Symbol], B: Budget, seed: int, groups: list[Group],
                reasons: list[str]) -> int:
    """One group per stratum of the pieces ``recs`` of one chart. The dimension of a group is
    that of its set in the original coordinates (:func:`saturated_dimension` for a stratum of
    a quotient chart, the orbit dimension for a point of one); the chart dimension is kept in
    ``extra["chart"]``."""
    chart = recs[0].chart
    literal = recs[0].literal
    res = stratify_piece(clf, chart, [r.piece.basis for r in recs], B, seed)
    for st in res.strata:
        if st.point is None:
            reasons.append(f"stratum {st.text()} of chart '{chart.name}': {st.reason}")
            for r in recs:
                if all(_reduces_to_zero(b, st.basis, chart.variables) for b in r.piece.basis):
                    r.unrepresented = True
            continue
        if st.reason and st.inertia is None:
            reasons.append(f"stratum {st.text()}: {st.reason}")
        data = clf.local_data(st.point)
        if st.inertia is not None and data.inertia != st.inertia:  # pragma: no cover - a bug
            raise UnsupportedError(f"the proved inertia {st.inertia} of the stratum "
                                   f"{st.text()} differs from {data.inertia} at its point")
        owner = [r for r in recs if all(_reduces_to_zero(b, st.basis, chart.variables)
                                       for b in r.piece.basis)]
        count = stratum_components(st, list(chart.variables)) if owner and owner[0].literal \
            else None
        label = owner[0].label if owner else "?"
        extra: dict[str, Any] = {"inertia_stratum": st, "piece": label}
        dim: int | None = st.dimension
        cdim = None
        if literal and st.chart_point is not None:
            # the real dimension: the stratum is open in V_ℝ(its equations) at its point
            rd = real_dimension_at(st.basis, list(chart.variables), st.chart_point,
                                   st.dimension, B)
            dim, cdim = rd.dimension, rd.complex_dimension
            extra["real_dimension"] = rd
        elif not literal and st.chart_point is not None:
            # ker Jac(basis) is the real tangent of S only at a smooth real point of S
            smooth = real_dimension_at(st.basis, list(chart.variables), st.chart_point,
                                       st.dimension, B)
            dim = saturated_dimension(clf, chart, st.basis, st.chart_point, st.point) \
                if smooth.certified else None
            extra["chart"] = _chart_note(
                chart, st.dimension, dim, "the group saturation G·φ(S) of the stratum S: the "
                "exact rank of dφ(T_S) + orbit tangent at the representative (its dimension "
                "there when the representative is a smooth point of S of generic rank); the "
                f"Hessian nullity {data.inertia[1]}, constant on the stratum, bounds the "
                "dimension of every stationary set through its points (checked)")
            extra["chart"]["smooth_representative"] = smooth.certificate
            if dim is not None and not data.orbit_dimension <= dim <= data.inertia[1]:
                reasons.append(f"stratum {st.text()} of chart '{chart.name}': the rank {dim} "
                               f"of its saturation at the representative is not between the "
                               f"orbit dimension {data.orbit_dimension} and the Hessian "
                               f"nullity {data.inertia[1]}; its dimension is not determined")
        desc = (f"stratum of piece {label}: {st.text()}, dimension {dimension_text(dim, cdim)}"
                + ("" if literal else f" in the original coordinates (its orbit under the "
                   f"group; {st.dimension}-dimensional in chart '{chart.name}')"))
        g = Group(data, 0, dim, count, desc, extra, complex_dimension=cdim)
        groups.append(g)
        if owner:
            owner[0].groups.append(g)
        for r in owner:
            r.inside.append(g)
    orbits = [g for g in groups if "inertia_stratum" not in g.extra
              and "piece_value" not in g.extra]
    for p, cp in zip(res.points, res.chart_points, strict=True):
        inv = quotient.invariant(p)
        if any(equal_vectors(p.field, inv, g.data.point.field, quotient.invariant(g.data.point))
               for g in orbits):
            continue
        data = clf.local_data(p)
        owner = [r for r in recs if _on(cp, r)]
        label = owner[0].label if owner else "?"
        desc, count = quotient.describe(p, data.orbit_dimension)
        extra = {"piece": label, "point_stratum": True}
        # a point of a quotient chart stands for its whole orbit G·φ(y): an orbit of a Lie
        # group is an immersed submanifold of dimension rank(ξ ↦ ξ·x) (the exact rank of the
        # orbit tangent at the point, PointData.orbit_dimension)
        dim = 0 if literal else data.orbit_dimension
        if not literal:
            extra["chart"] = _chart_note(chart, 0, dim, "the orbit G·φ(y) of the chart point "
                                         "(exact rank of the orbit tangent)")
        g = Group(data, 1, dim, count, f"point stratum of piece {label}: {desc}", extra)
        groups.append(g)
        orbits.append(g)
        if owner:
            owner[0].groups.append(g)
        for r in owner:
            r.inside.append(g)
    reasons += res.reasons
    return res.groebner_calls


def _chart_note(chart: Chart, chart_dim: int, dim: int | None, what: str) -> dict[str, Any]:
    return {"name": chart.name, "dimension_in_chart": chart_dim,
            "dimension": dim, "dimension_of": what}


def _reduces_to_zero(e: sp.Expr, basis: list[sp.Expr], gens: list[sp.Symbol]) -> bool:
    if not basis:
        return sp.expand(e) == 0
    _, r = sp.reduced(sp.expand(e), basis, *gens, order="grevlex")
    return sp.expand(r) == 0
