"""Result objects of the exact landscape engine (data; printing and JSON are views).

A :class:`Landscape` lists the :class:`Component` s of the real stationary set of one problem.
Every exact number is a SymPy object; :meth:`Landscape.to_json` writes them as strings and
:meth:`Landscape.from_json` reads them back exactly (:mod:`mfverify.readback`, never ``eval``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ResultFormatError
from ..readback import exact_array, parse_exact, require
from ..readback import exact_digits as exact_digits
from ..results import LandscapeStatus, ResultMixin
from .realdim import dimension_text

__all__ = ["Component", "Landscape", "DescentCurve", "TYPES"]

#: The types a component can get (see :mod:`mfverify.symbolic.classify`).
TYPES = (
    "global_min",
    "spurious_local_min",
    "local_min",  # a local minimum whose global status could not be decided
    "strict_saddle",
    "local_max",
    "degenerate_saddle",
    "degenerate_unresolved",
)


@dataclass
class DescentCurve:
    """An explicit curve γ(t), t ∈ (0, ε), with
    f(γ(t)) − f(γ(0)) = coefficient·t^order + O(t^{order+1}), coefficient < 0.
    ``point`` maps variable names to arrays of SymPy expressions in ``t``."""

    point: dict[str, Any]
    order: int
    coefficient: sp.Expr
    expansion: sp.Expr

    def to_json(self) -> dict[str, Any]:
        def show(v: Any) -> Any:
            a = np.asarray(v, dtype=object)
            if a.ndim == 0:  # scalar variable (shape [])
                return str(a.item())
            return [show(e) for e in a]

        return {"curve": {k: show(v) for k, v in self.point.items()},
                "parameter": "t > 0 small", "order": self.order,
                "leading_coefficient": str(self.coefficient),
                "f(curve) - f(point)": str(self.expansion)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], what: str = "descent curve") -> DescentCurve:
        """The curve that :meth:`to_json` wrote (its entries are read back exactly)."""
        curve = require(data, "curve", dict, what)
        return cls({str(k): exact_array(v, f"{what} {k}") for k, v in curve.items()},
                   require(data, "order", int, what),
                   parse_exact(require(data, "leading_coefficient", str, what), what),
                   parse_exact(require(data, "f(curve) - f(point)", str, what), what))


@dataclass
class Component:
    """One piece of the real stationary set, classified.

    Attributes
    ----------
    dimension
        The real dimension, as a semi-algebraic set, of the set this entry stands for *in the
        original coordinates* (never in a chart of a quotient): 0 for an isolated point; for
        an orbit (a point of a chart of the quotient by the proved group G, e.g. the O(r)
        gauge or the GL(r) charts) the orbit dimension, the exact rank of the infinitesimal
        action ξ ↦ ξ·x at the point (an orbit of a Lie group is an immersed submanifold of
        that dimension); for a stratum S given in a chart φ of the quotient, the dimension of
        its saturation G·φ(S), the exact rank of dφ(T_S) + orbit tangent at the stratum's
        representative; for a stratum or piece of the identity chart, the dimension of its
        *real* points, certified at its real representative (:mod:`~mfverify.symbolic.realdim`:
        the Jacobian of its equations has rank n − d there and the equations cut out that
        manifold near it), and ``None`` when that fails: then only
        ``dimension <= complex_dimension`` is known (e.g. the real points of
        V(x₀² + (x₁ − x₂²)²) ⊂ ℝ³ form a parabola inside a complex surface) and the landscape is
        INCONCLUSIVE. The dimension inside a chart, where it differs, is in
        ``evidence["chart"]["dimension_in_chart"]``; the real-dimension certificate in
        ``evidence["real_dimension"]``.
    complex_dimension
        For a stratum or piece of the identity chart: the dimension d of the complex variety of
        its equations (the Krull dimension of their ideal), an upper bound of ``dimension``
        and equal to it when certified; ``None`` for orbits and quotient-chart strata (their
        dimension is an exact rank at a real point, real by construction).
    representative
        One point of the piece, ``{name: array of exact SymPy numbers}``.
    value
        f on the piece (constant on every connected piece of the stationary set).
    inertia
        ``(positive, zero, negative)`` eigenvalue counts of ∇²f at the representative, decided
        exactly; the same at every point of the piece (see ``uniform_reason``).
    hessian_eigenvalues
        Exact eigenvalues with multiplicity where expressible, else ``None``.
    orbit_dimension
        Rank of the orbit tangent of the symmetry group at the representative.
    excess_zero_directions
        ``zero − orbit_dimension``: null directions of ∇²f not explained by the symmetry.
    type
        One of :data:`TYPES`.
    count
        Number of real connected components this entry stands for (e.g. 2 for ±x, 2 for the
        two branches of uv = 1, 2 for the O(r)-orbit of a full-rank X); 0 for a connected piece
        that meets another one and is counted with it; ``None`` if not known.
    description
        In words: how the piece is generated.
    """

    dimension: int | None
    representative: dict[str, Any]
    value: sp.Expr
    inertia: tuple[int, int, int]
    hessian_eigenvalues: list[sp.Expr] | None
    orbit_dimension: int
    excess_zero_directions: int
    type: str
    count: int | None
    description: str
    strict: bool | None = None
    descent_curve: DescentCurve | None = None
    boxes: dict[str, Any] | None = None
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    complex_dimension: int | None = None

    @property
    def is_min(self) -> bool:
        return self.type in ("global_min", "spurious_local_min", "local_min")

    def to_json(self) -> dict[str, Any]:
        with exact_digits():
            return self._to_json()

    def _to_json(self) -> dict[str, Any]:
        pos, zero, neg = self.inertia
        out: dict[str, Any] = {
            "dimension": self.dimension,
            **({} if self.complex_dimension is None else
               {"complex_dimension": self.complex_dimension}),
            "representative": {k: _strs(v) for k, v in self.representative.items()},
            "value": str(self.value),
            "hessian_eigenvalues": None if self.hessian_eigenvalues is None else
            [str(e) for e in self.hessian_eigenvalues],
            "inertia": {"positive": pos, "zero": zero, "negative": neg},
            "orbit_dimension": self.orbit_dimension,
            "excess_zero_directions": self.excess_zero_directions,
            "type": self.type,
            "strict": self.strict,
            "count": self.count,
            "description": self.description,
        }
        if self.descent_curve is not None:
            out["descent_curve"] = self.descent_curve.to_json()
        if self.boxes is not None:
            out["isolating_boxes"] = self.boxes
        if self.evidence:
            out["evidence"] = self.evidence
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], what: str = "component") -> Component:
        """The component that :meth:`to_json` wrote: every exact value (representative, value,
        eigenvalues, descent curve) is read back exactly by :func:`mfverify.readback.parse_exact`;
        the representative's entries come back as object arrays (0-d for scalar variables);
        ``isolating_boxes`` and ``evidence`` are JSON and come back as they are."""
        rep = require(data, "representative", dict, what)
        inertia = require(data, "inertia", dict, what)
        eigs = require(data, "hessian_eigenvalues", list, what, optional=True)
        kind = require(data, "type", str, what)
        if kind not in TYPES:
            raise ResultFormatError(f"{what}: unknown type {kind!r}; expected one of {TYPES}")
        curve = require(data, "descent_curve", dict, what, optional=True)
        boxes = require(data, "isolating_boxes", dict, what, optional=True)
        return cls(
            dimension=require(data, "dimension", int, what,  # null: not certified
                              optional="dimension" in data),
            complex_dimension=require(data, "complex_dimension", int, what, optional=True),
            representative={str(k): exact_array(v, f"{what} representative {k}")
                            for k, v in rep.items()},
            value=parse_exact(require(data, "value", str, what), f"{what} value"),
            inertia=tuple(require(inertia, k, int, f"{what} inertia")  # type: ignore[arg-type]
                          for k in ("positive", "zero", "negative")),
            hessian_eigenvalues=None if eigs is None else
            [parse_exact(e, f"{what} eigenvalue") for e in eigs],
            orbit_dimension=require(data, "orbit_dimension", int, what),
            excess_zero_directions=require(data, "excess_zero_directions", int, what),
            type=kind, count=require(data, "count", int, what, optional=True),
            description=require(data, "description", str, what),
            strict=require(data, "strict", bool, what, optional=True),
            descent_curve=None if curve is None else
            DescentCurve.from_json(curve, f"{what} descent curve"),
            boxes=None if boxes is None else copy.deepcopy(boxes),
            evidence=copy.deepcopy(require(data, "evidence", dict, what, optional=True) or {}))


def _strs(v: Any) -> Any:
    import numpy as np

    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        return str(arr.item())
    return [_strs(x) for x in arr]


@dataclass
class Landscape(ResultMixin):
    """The complete (or, if ``complete`` is False, partial) real stationary set of a problem.

    Attributes
    ----------
    complete
        True only when the list is provably the whole real stationary set and every component
        is classified uniformly (see ``evidence["completeness"]``).
    status
        A :class:`~mfverify.results.LandscapeStatus` (equal to its string): ``"complete"`` or
        ``"INCONCLUSIVE"`` (with ``reason``).
    field
        The field the component counts refer to (``"real"``).
    global_min_value
        The global minimum value of f when certified (f attains its infimum), else ``None``.
    components
        The classified pieces. For unbalanced asymmetric MF these are the orbit strata of
        GL(r) × Stab(Σ) (constant inertia on each), grouped into ``pieces``.
    pieces
        ``None``, or the closed pieces of the stationary set (each a union of connected
        components of it once pieces that meet are glued): dimension, number of connected
        components, value, type and the indices of its strata in ``components``. Set for the
        orbit pieces S_κ of GL(r) × Stab(Σ), and whenever a piece was split into strata of
        constant inertia (:mod:`mfverify.symbolic.stratify`; then every other component is a
        piece of its own). When set, ``real_component_count`` counts pieces, not strata
        (strata of one piece are glued along their closures). A piece's ``dimension`` is in
        the original coordinates, like :attr:`Component.dimension` (for a piece of a chart of
        the quotient: the largest dimension of its strata's saturations; ``None`` when none
        of its strata was represented). For a piece of the identity chart it is the certified
        real dimension (``None``: not certified, the result is INCONCLUSIVE) and
        ``complex_dimension`` the Krull dimension of its ideal.
    """

    problem: str
    complete: bool
    components: list[Component]
    global_min_value: sp.Expr | None
    field: str = "real"
    reason: str = ""
    method: str = ""
    seconds: float = 0.0
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    pieces: list[dict[str, Any]] | None = None

    @property
    def status(self) -> LandscapeStatus:
        return LandscapeStatus.COMPLETE if self.complete else LandscapeStatus.INCONCLUSIVE

    def _title(self) -> str:
        return f"Landscape of {self.problem}: {self.status}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        count = self.real_component_count
        return ([("components", len(self.components))]
                + ([("real_connected", count)] if count is not None else [])
                + ([("global_min", self.global_min_value)]
                   if self.global_min_value is not None else []))

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        if self.reason:
            rows.append(("reason", self.reason))
        if self.global_min_value is not None:
            rows.append(("global min value", str(self.global_min_value)))
        count = self.real_component_count
        rows.append(("components", f"{len(self.components)} classified"
                     + (f", {count} real connected" if count is not None else "")))
        by_type: dict[str, list[Component]] = {}
        for c in self.components:
            by_type.setdefault(c.type, []).append(c)
        for kind, comps in by_type.items():
            parts = [f"dim {dimension_text(c.dimension, c.complex_dimension)}, f = {c.value}, "
                     f"inertia (pos {c.inertia[0]}, zero {c.inertia[1]}, neg {c.inertia[2]})"
                     for c in comps[:2]]
            more = f" (+{len(comps) - 2} more)" if len(comps) > 2 else ""
            rows.append((kind, "; ".join(parts) + more))
        if self.method:
            rows.append(("method", self.method))
        return rows + [("seconds", round(self.seconds, 3))]

    @property
    def real_component_count(self) -> int | None:
        """Number of connected components of the real stationary set; None when unknown
        (an incomplete result, or a piece whose real components were not counted)."""
        if not self.complete:
            return None
        if self.pieces is not None:
            if any(p["components"] is None for p in self.pieces):
                return None
            return sum(int(p["components"]) for p in self.pieces)
        if any(c.count is None for c in self.components):
            return None
        return sum(int(c.count or 0) for c in self.components)

    def of_type(self, kind: str) -> list[Component]:
        return [c for c in self.components if c.type == kind]

    def to_json(self) -> dict[str, Any]:
        with exact_digits():
            return self._to_json()

    def _to_json(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "complete": self.complete,
            "status": str(self.status),
            "reason": self.reason,
            "field": self.field,
            "global_min_value": None if self.global_min_value is None else
            str(self.global_min_value),
            "real_component_count": self.real_component_count,
            "method": self.method,
            "seconds": round(self.seconds, 3),
            "components": [c.to_json() for c in self.components],
            **({} if self.pieces is None else {"pieces": self.pieces}),
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Landscape:
        """The landscape that :meth:`to_json` wrote, with every exact value read back exactly
        (:func:`mfverify.readback.parse_exact`, no ``eval``): ``from_json(L.to_json())`` has the
        same components, values, eigenvalues and descent curves as ``L``, and
        ``from_json(d).to_json() == d``. ``problem`` is the problem's description (a string, as
        in ``L``); ``evidence``, ``pieces`` and the isolating boxes are JSON and come back as
        they are. A :class:`~mfverify.symbolic.zerodim_classify.LazyLandscape` comes back as a
        plain ``Landscape``. Corrupt or foreign JSON raises
        :class:`~mfverify.errors.ResultFormatError`."""
        what = "Landscape JSON"
        comps = require(data, "components", list, what)
        gmin = require(data, "global_min_value", str, what, optional=True)
        pieces = require(data, "pieces", list, what, optional=True)
        out = cls(
            problem=require(data, "problem", str, what),
            complete=require(data, "complete", bool, what),
            components=[Component.from_json(c, f"{what}: component {i}")
                        for i, c in enumerate(comps)],
            global_min_value=None if gmin is None else parse_exact(gmin, f"{what}: global min"),
            field=require(data, "field", str, what), reason=require(data, "reason", str, what),
            method=require(data, "method", str, what),
            seconds=float(require(data, "seconds", (int, float), what)),
            evidence=copy.deepcopy(require(data, "evidence", dict, what)),
            pieces=None if pieces is None else copy.deepcopy(pieces))
        if pieces is not None and not all(isinstance(p, dict) and "components" in p
                                          for p in pieces):
            raise ResultFormatError(f"{what}: every piece must be an object with 'components'")
        for key, derived in (("status", str(out.status)),
                             ("real_component_count", out.real_component_count)):
            if data.get(key) != derived:
                raise ResultFormatError(f"{what}: {key!r} is {data.get(key)!r} but the "
                                        f"components say {derived!r} (corrupt JSON)")
        return out
