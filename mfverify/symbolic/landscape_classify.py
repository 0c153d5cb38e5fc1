"""Step 3 of :func:`~mfverify.symbolic.landscape.landscape`: the type of every group.

Types follow :mod:`mfverify.symbolic.classify` for points and orbits (inertia, orbit dimension,
excess, higher-order tests). A stratum of a piece (:mod:`mfverify.symbolic.stratify`) carries a
proved inertia (n₊, n₀, n₋) valid at every one of its points:

* n₊ > 0 and n₋ > 0: ``strict_saddle``; value = the certified minimum: ``global_min``;
* n₋ = 0 (resp. n₊ = 0) with a descent (resp. ascent) curve proved at every point:
  ``degenerate_saddle`` (resp. ``strict_saddle``: λ_min < 0 and not a local maximum);
* a Morse–Bott stratum: ``spurious_local_min`` / ``local_min`` / ``local_max`` by the signs;
* anything else stays ``degenerate_unresolved`` and the landscape is INCONCLUSIVE.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .algebraic import RealField
from .classify import TPAR, Classifier, compare_values
from .components import unglue
from .landscape_group import Group, Grouped, PieceRecord
from .quotients import Quotient
from .result import Component, DescentCurve
from .stratify import Stratum

__all__ = ["classify_stage", "global_min_of", "generic_pieces"]


def global_min_of(groups: list[Group], cert: str, complete: bool
                  ) -> tuple[RealField, sp.Poly] | None:
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
    return gmin


def _stratum_curve(clf: Classifier, g: Group, st: Stratum) -> DescentCurve | None:
    if st.descent is None or st.behaviour != "saddle":
        return None
    pt = g.data.point
    F = pt.field
    x0 = [c.as_expr() for c in pt.coords]
    d = st.descent["direction"]
    line = [a + TPAR * b for a, b in zip(x0, d, strict=True)]
    order, sg = clf._leading(F, clf._series(pt, line))
    if order <= 0:  # pragma: no cover - the stratum certificate says otherwise
        return None
    if sg > 0:
        line = [a - TPAR * b for a, b in zip(x0, d, strict=True)]
    return clf._curve(pt, line, order)


def _stratum_type(g: Group, st: Stratum, is_gmin: bool, lower_exists: bool,
                  ev: dict[str, Any]) -> tuple[str, bool | None]:
    ev["strata_certificate"] = list(st.certificate)
    ev["stratum_equations"] = st.text()
    ev["equations"] = [str(b) for b in st.basis]
    ev["nonzero"] = [str(h) for h in st.splitters]
    ev["excluded"] = [[str(e) for e in ex] for ex in st.excluded]
    assert st.inertia is not None
    pos, zero, neg = st.inertia
    if is_gmin:
        ev["uniform"] = "f ≡ the certified global minimum value on the stratum"
        return "global_min", False
    if pos > 0 and neg > 0:
        return "strict_saddle", None
    if st.behaviour == "saddle":
        return "degenerate_saddle", None
    if st.behaviour == "not_max":
        ev["note"] = "negative curvature and an ascent curve at every point: not a local maximum"
        return "strict_saddle", None
    if st.behaviour == "morse_bott":
        if neg == 0:
            return ("spurious_local_min" if lower_exists else "local_min"), False
        return "local_max", False
    return "degenerate_unresolved", None


def _point_type(problem: Any, clf: Classifier, f: sp.Expr, gens: list[sp.Symbol], g: Group,
                is_gmin: bool, lower_exists: bool, seed: int, ev: dict[str, Any]
                ) -> tuple[str, bool | None, DescentCurve | None]:
    d = g.data
    pos, zero, neg = d.inertia
    excess = zero - d.orbit_dimension
    if neg > 0:
        if pos == 0 and excess == 0:
            return "local_max", zero == 0, None
        if pos > 0:
            return "strict_saddle", None, None
        # negative curvature, no positive eigenvalue, excess null directions: an ascent
        # curve (a descent curve of −f) shows it is not a local maximum
        neg_clf = Classifier(problem, -f, gens, clf.proof)
        verdict, asc, _how = neg_clf.higher_order(neg_clf.local_data(d.point), seed=seed)
        if verdict == "saddle" and asc is not None:
            ev["ascent_curve"] = asc.to_json()
            ev["note"] = ("negative curvature (λ_min < 0) and an explicit ascent curve: "
                          "not a local maximum")
            return "strict_saddle", None, None
        ev["note"] = "negative curvature but degenerate; local max not excluded"
        return "degenerate_unresolved", None, None
    if excess == 0:
        if d.orbit_dimension > 0:
            ev["morse_bott"] = ("null space of the Hessian = orbit tangent and the Hessian "
                                "is PSD: a Morse–Bott local minimum along the orbit")
        ctype = "global_min" if is_gmin else ("spurious_local_min" if lower_exists
                                              else "local_min")
        return ctype, zero == 0, None
    if is_gmin:
        ev["uniform"] = "value equals the certified global minimum value"
        return "global_min", False, None
    verdict, curve, how = clf.higher_order(d, seed=seed)
    ev["higher_order"] = how
    if verdict == "saddle":
        return "degenerate_saddle", False, curve
    if verdict == "min":
        return ("spurious_local_min" if lower_exists else "local_min"), False, None
    return "degenerate_unresolved", False, None


def classify_stage(problem: Any, f: sp.Expr, gens: list[sp.Symbol], quotient: Quotient,
                   clf: Classifier, grouped: Grouped, cert: str, complete: bool, seed: int,
                   reasons: list[str], gmin: tuple[RealField, sp.Poly] | None
                   ) -> tuple[list[Component], bool]:
    """Components (sorted by value) and whether the result is still complete; ``gmin`` is the
    certified global minimum value (:func:`global_min_of`) or None."""
    components: list[Component] = []
    for g in grouped.groups:
        d = g.data
        F = d.point.field
        pos, zero, neg = d.inertia
        is_gmin = gmin is not None and compare_values((F, d.value), gmin) == 0
        lower_exists = (cert == "unbounded") or (gmin is not None and not is_gmin)
        ev: dict[str, Any] = {}
        curve = None
        strict: bool | None = None
        st: Stratum | None = g.extra.get("inertia_stratum")
        if "piece_value" in g.extra:
            if not is_gmin:  # pragma: no cover - pieces at the minimum value only
                ctype = "degenerate_unresolved"
                complete = False
                reasons.append(f"piece of dimension {g.dimension}: classification not uniform")
            else:
                ctype, strict = "global_min", False
                ev["uniform"] = g.extra["uniform"]
            if "equations" in g.extra:
                ev["equations"] = [str(b) for b in g.extra["equations"]]
        elif st is not None:
            if st.reason or st.inertia is None:
                ctype = "degenerate_unresolved"
                complete = False
                ev["note"] = st.reason or "inertia not proved constant"
            else:
                ctype, strict = _stratum_type(g, st, is_gmin, lower_exists, ev)
                curve = _stratum_curve(clf, g, st)
                if ctype == "degenerate_unresolved":
                    complete = False
                    reasons.append(f"stratum {st.text()} (inertia {st.inertia}): neither a "
                                   "descent curve at every point nor a Morse–Bott certificate")
        else:
            ctype, strict, curve = _point_type(problem, clf, f, gens, g, is_gmin, lower_exists,
                                               seed, ev)
            if ctype == "degenerate_unresolved":  # an unresolved point: never complete
                complete = False
                reasons.append(f"stationary point {tuple(d.point.exprs())} (inertia "
                               f"{d.inertia}): {ev.get('note') or ev.get('higher_order') or ''}"
                               .rstrip(": ") + "; its type is unresolved")
        if "stratum" in g.extra:
            ev["stratum"] = g.extra["stratum"]
        if "piece" in g.extra:
            ev["piece"] = g.extra["piece"]
        if "chart" in g.extra:  # the dimension inside the chart of the quotient
            ev["chart"] = g.extra["chart"]
        ev["orbit_tangent_in_null_space"] = d.tangent_in_kernel
        rep = problem.unflatten(np.array(d.point.exprs(), dtype=object))
        nice = quotient.representative(d.point, clf)
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
            dimension=g.dimension, representative=rep, value=F.to_expr(d.value),
            inertia=d.inertia, hessian_eigenvalues=d.eigenvalues,
            orbit_dimension=d.orbit_dimension, excess_zero_directions=zero - d.orbit_dimension,
            type=ctype, count=g.count, description=g.description, strict=strict,
            descent_curve=curve, boxes=boxes, evidence=ev))
        g.extra["position"] = len(components) - 1
    order = sorted(range(len(components)),
                   key=lambda i: (float(sp.N(components[i].value, 30)),
                                  components[i].dimension))
    for g in grouped.groups:
        g.extra["index"] = order.index(g.extra["position"])
    return [components[i] for i in order], complete


def generic_pieces(grouped: Grouped, components: list[Component]) -> list[dict[str, Any]]:
    """Closed pieces of the stationary set when some piece was stratified: every
    stratified or minimum-value piece with its strata, and every other group as its own piece
    (its count is that of its components)."""
    out: list[dict[str, Any]] = []
    owned: set[int] = set()
    for rec in grouped.records:
        idx = sorted(g.extra["index"] for g in rec.groups if "index" in g.extra)
        owned.update(idx)
        types = {components[i].type for i in idx}
        if len(types) == 1:
            ptype = types.pop()
        elif types and types <= {"strict_saddle", "degenerate_saddle"}:
            ptype = "degenerate_saddle"  # every point is a saddle, some only to higher order
        else:
            ptype = "mixed"
        out.append({"piece": rec.label, "description": rec.text,
                    "value": str(rec.value), "dimension": _piece_dimension(rec, components, idx),
                    "components": rec.count, "type": ptype, "strata": idx})
    for i, c in enumerate(components):
        if i in owned:
            continue
        out.append({"piece": f"Q{i + 1}", "description": c.description, "value": str(c.value),
                    "dimension": c.dimension, "components": c.count, "type": c.type,
                    "strata": [i]})
    out.sort(key=lambda p: (float(sp.N(sp.sympify(p["value"]), 30)), -(p["dimension"] or 0)))
    return out


def _piece_dimension(rec: PieceRecord, components: list[Component], idx: list[int]
                     ) -> int | None:
    """The dimension of a piece in the original coordinates: its own (Krull) dimension when it
    is given there (identity chart); in a chart of a quotient, the piece stands for its group
    saturation, the union of the saturations of its strata, so the largest dimension of those
    (``None`` when no stratum of it was represented: unknown, and the result is incomplete)."""
    if rec.literal:
        return rec.piece.dimension
    return max((components[i].dimension for i in idx), default=None)


def unglue_records(records: list[PieceRecord], gens: list[sp.Symbol], budget: Any,
                   seed: int) -> None:
    unglue([r for r in records if r.literal], gens, budget, seed)
    for r in records:
        for g in r.groups:
            if "piece_value" in g.extra:
                g.count = r.count
                g.description = r.text
