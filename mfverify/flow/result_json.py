"""Reading a :class:`~mfverify.flow.FlowResult` back from the JSON its ``to_json`` wrote.

What comes back, and how exactly:

* times, states and error estimates are decimal strings in the JSON (``mpmath.nstr``: times and
  states at ``dps`` significant digits, the error estimates and ``tol`` at 5); each is read as
  the nearest ``mpf`` at the run's precision (``dps`` digits), so ``to_json`` of the rebuilt
  result is the JSON it was read from, and every value equals the original to its printed
  digits (not bit for bit: the JSON is decimal);
* the vector field is rebuilt from the problem's spec (``"problem"``, written by
  :meth:`~mfverify.problems.Problem.to_spec`) and the ascent variables, as
  :func:`~mfverify.flow.descent_ascent_field` makes it; a user field (or a problem without a
  spec) cannot be rebuilt from JSON: pass ``field=`` (the same field), else the result gets a
  placeholder field with the same name, variables and kind whose evaluation raises
  :class:`~mfverify.errors.UnsupportedError`;
* ``trajectory`` (the per-step record of ``record=True``) is not in the JSON: it comes back
  empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..arith import Arith, MpArith
from ..errors import MfverifyError, ResultFormatError, UnsupportedError
from ..problems.base import Problem
from ..readback import mp_array, parse_mp, require
from ..results import FlowStatus
from .integrate import (
    GUARD_BITS,
    EventHit,
    FlowPoint,
    FlowResult,
    VectorField,
    descent_ascent_field,
)

__all__ = ["flow_result_from_json", "field_json"]

WHAT = "FlowResult JSON"


def field_json(vf: VectorField) -> dict[str, Any]:
    """What the JSON keeps of a vector field: kind, ascent variables, variable shapes and the
    problem's spec (``None`` for a user field or a problem that has no spec)."""
    spec = None
    if vf.problem is not None:
        try:
            spec = vf.problem.to_spec()
        except MfverifyError:
            spec = None
    return {"kind": vf.kind, "ascent": list(vf.ascent),
            "variables": {k: list(s) for k, s in vf.variables.items()}, "problem": spec}


def _placeholder(name: str) -> Any:
    def fn(A: Arith, x: Mapping[str, Any]) -> Mapping[str, Any]:
        raise UnsupportedError(f"the vector field {name!r} of this FlowResult was not restored "
                               "from JSON (a user field has no spec); pass field= to from_json")

    return fn


def _field(data: Mapping[str, Any], given: Problem | VectorField | None,
           states: list[dict[str, Any]]) -> VectorField:
    name = require(data, "field", str, WHAT)
    info = require(data, "vector_field", dict, WHAT, optional=True) or {}
    ascent = tuple(str(a) for a in require(info, "ascent", list, WHAT, optional=True) or [])
    kind = require(info, "kind", str, WHAT, optional=True) or "user"
    spec = require(info, "problem", dict, WHAT, optional=True)
    if isinstance(given, VectorField):
        vf = given
    elif given is not None or spec is not None:
        try:
            problem = given if given is not None else _problem(spec)
            vf = descent_ascent_field(problem, ascent)
        except MfverifyError as exc:
            raise ResultFormatError(f"{WHAT}: cannot rebuild the vector field: "
                                    f"{exc.one_line()}") from None
    else:
        shapes = require(info, "variables", dict, WHAT, optional=True)
        if shapes is None:  # older JSON: the shapes of the first state
            shapes = {k: list(v.shape) for k, v in (states[0] if states else {}).items()}
        variables = {str(k): tuple(int(n) for n in s) for k, s in shapes.items()}
        return VectorField(variables, _placeholder(name), name, None, kind, ascent)
    if vf.name != name:
        raise ResultFormatError(f"{WHAT}: the field is {name!r} but the one given or rebuilt "
                                f"is {vf.name!r}")
    return vf


def _problem(spec: Any) -> Problem:
    from ..spec import load_spec

    return load_spec(spec)


def _state(raw: dict[str, Any], ctx: Any, what: str) -> dict[str, Any]:
    return {str(k): mp_array(v, ctx, f"{what} {k}") for k, v in raw.items()}


def _point(raw: Any, ctx: Any, what: str) -> FlowPoint:
    return FlowPoint(parse_mp(require(raw, "t", str, what), ctx, f"{what} t"),
                     _state(require(raw, "state", dict, what), ctx, f"{what} state"),
                     parse_mp(require(raw, "error_estimate", str, what), ctx, what))


def _event(raw: Any, ctx: Any, what: str) -> EventHit:
    return EventHit(require(raw, "name", str, what),
                    parse_mp(require(raw, "t", str, what), ctx, f"{what} t"),
                    _state(require(raw, "state", dict, what), ctx, f"{what} state"),
                    parse_mp(require(raw, "time_error_estimate", str, what), ctx, what),
                    parse_mp(require(raw, "state_error_estimate", str, what), ctx, what),
                    require(raw, "direction", int, what))


def flow_result_from_json(data: Mapping[str, Any],
                          field: Problem | VectorField | None = None) -> FlowResult:
    """See :meth:`FlowResult.from_json` and the module docstring."""
    dps = require(data, "dps", int, WHAT)
    if not 5 <= dps <= 100000:
        raise ResultFormatError(f"{WHAT}: dps must be in [5, 100000], got {dps}")
    A = MpArith(dps)
    ctx = A.ctx
    status = require(data, "status", str, WHAT)
    try:
        status = FlowStatus(status)
    except ValueError:
        raise ResultFormatError(f"{WHAT}: unknown status {status!r}") from None
    points = [_point(p, ctx, f"{WHAT}: point {i}")
              for i, p in enumerate(require(data, "points", list, WHAT))]
    events = [_event(e, ctx, f"{WHAT}: event {i}")
              for i, e in enumerate(require(data, "events", list, WHAT))]
    notes = require(data, "notes", list, WHAT)
    if not all(isinstance(n, str) for n in notes):
        raise ResultFormatError(f"{WHAT}: notes must be strings")
    vf = _field(data, field, [p.state for p in points])
    fixed_bits = require(data, "fixed_bits", int, WHAT, optional=True)
    return FlowResult(
        vf, dps, parse_mp(require(data, "tol", str, WHAT), ctx, f"{WHAT}: tol"),
        require(data, "order", int, WHAT), points, [], events, status,
        require(data, "steps", int, WHAT),
        float(require(data, "seconds", (int, float), WHAT)), A,
        A.prec + GUARD_BITS if fixed_bits is None else fixed_bits,
        require(data, "exactly_stationary", bool, WHAT), list(notes))
