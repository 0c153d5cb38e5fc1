"""The two sides of a gradient, Hessian-form or HVP claim, for the size bound and at points.

* :func:`claim_bound`: the size bound of :mod:`mfverify.derivation.sizebound` for a claim
  about a problem family: the claimed side (paired with a probe W where it is a matrix) and
  the true side, whose index structure is that of the family's objective (a derivative
  replaces occurrences of the variable by a direction of the same shape);
* :func:`problem_sides`: both sides at a rational point, exactly: the claim by the
  expression evaluator, the truth from the problem's objective code on lines x + t·v in
  ℚ[t] (python-flint): ∂f/∂x_ij is the coefficient of t along the unit E_ij,
  ∇²f[D, D] twice the coefficient of t² along D, and an HVP entry
  ⟨E_ij, ∇²f[D]⟩ = ½(Q(D + E_ij) − Q(D) − Q(E_ij)) with Q(v) = ∇²f[v, v] (polarization).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..expr import parse_expression
from ..problems import Problem
from ._claimed import Claimed, Definitions
from ._instances import Family, claim_env
from ._rational import LineArith, coefficient
from .exact import Structure, memo_by_size
from .refute import InputSpec, boxed, const_array, frac
from .sizebound import (
    OutsideFragment,
    SizeBound,
    analyze,
    bound_from,
    input_profile,
    scalar_pairing,
)

__all__ = ["claim_bound", "problem_sides", "definitions_env"]

try:
    import flint
except ImportError:  # pragma: no cover
    flint = None


def definitions_env(env: dict[str, Any], defs: Definitions, dims: Any = ()) -> dict[str, Any]:
    """``env`` extended by the profiles of the definitions, in order (``dims``: dimension
    names usable as scalars)."""
    out = dict(env)
    for name, c in defs.items:
        if c.node is None:
            raise OutsideFragment(f"the definition of {name} is not text")
        out[name] = analyze(c.node, out, dims)
    return out


def claim_bound(fam: Family, claimed: Claimed, kind: str, dirmap: Mapping[str, str],
                defs: Definitions, symbolic: Any = ()) -> SizeBound | OutsideFragment:
    """The size bound of a claim about ``fam``, or the reason it is outside the fragment."""
    try:
        if not fam.dims:
            raise OutsideFragment(f"problem kind {fam.kind!r} has no size family")
        if (fam.objective is None or not fam.shapes) and fam.no_objective_reason:
            raise OutsideFragment(fam.no_objective_reason)
        if fam.objective is None or not fam.shapes:
            raise OutsideFragment(f"the family {fam.kind!r} declares no objective expression "
                                  "(its index structure is unknown)")
        if claimed.node is None:
            raise OutsideFragment(f"the claim is a {claimed.kind}: its index structure is "
                                  "not known (write it as text to get an all-sizes verdict)")
        env = {k: input_profile(v) for k, v in fam.shapes.items()}
        for k, c in fam.constants.items():  # fixed dimensions: no index of a size dimension
            env.setdefault(k, input_profile(np.shape(np.asarray(c, dtype=object))))
        for v, d in dirmap.items():
            env[d] = input_profile(fam.shapes[v])
        names = list(env) + [d for d in fam.dims if d not in env]
        true = analyze(parse_expression(fam.objective, names=names), env, fam.dims)
        c = analyze(claimed.node, definitions_env(env, defs, fam.dims), fam.dims)
        if kind == "hessian":
            if c.shape != ():
                raise OutsideFragment("the claimed Hessian form is not a scalar")
            side = c.prof
        else:
            side = scalar_pairing(c)
        return bound_from({"claimed side": side,
                           "true side (the objective " + fam.objective + ")": true.prof},
                          fam.dims)
    except OutsideFragment as exc:
        return exc


def _specs(p: Problem, dirmap: Mapping[str, str], structure: Mapping[str, Structure],
           symbolic: Any) -> list[InputSpec]:
    specs = [InputSpec(v, tuple(s)) for v, s in p.variables.items()]
    specs += [InputSpec(dirmap[v], tuple(p.variables[v])) for v in dirmap]
    for name, value in p.data.items():
        if isinstance(value, np.ndarray) and value.ndim == 2:
            specs.append(InputSpec(name, value.shape, structure.get(name, Structure.GENERAL)))
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            specs.append(InputSpec(name, value.shape))  # symbols in the exact mode too
        elif name in symbolic:
            specs.append(InputSpec(name, (), positive=name == "scale"))
    return specs


def _value(LA: LineArith, v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return const_array(v)
    f = Fraction(v)
    return LA.const(flint.fmpq(f.numerator, f.denominator))


def _line(x: np.ndarray, v: np.ndarray, t: Any) -> np.ndarray:
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(*x.shape):
        out[idx] = x[idx] + t * v[idx]
    return out


def problem_sides(problem: Problem, fam: Family, claimed: Claimed, kind: str, wrt: str | None,
                  dirmap: Mapping[str, str], defs: Definitions,
                  structure: Mapping[str, Structure], symbolic: Any) -> tuple[Any, Any]:
    """``(specs_at, sides_at)`` for :func:`mfverify.derivation.refute.scan`."""
    LA = LineArith()
    t = flint.fmpq_poly([0, 1])

    @memo_by_size
    def build(size: dict[str, int]) -> Problem:
        return fam.build(problem, size) if fam.dims else problem

    def specs_at(size: dict[str, int]) -> list[InputSpec]:
        return _specs(build(size), dirmap, structure, symbolic)

    def sides_at(size: dict[str, int], point: dict[str, Any]) -> tuple[Any, Any]:
        p = build(size)
        vals = {k: _value(LA, v) for k, v in point.items()}
        x = {v: vals[v] for v in p.variables}
        data = dict(p.data_in(LA))
        data.update({k: vals[k] for k in vals if k in p.data})
        dirs = {dirmap[v]: vals[dirmap[v]] for v in dirmap}
        env = defs.extend(claim_env(p, {**x, **data, **dirs}, claimed), LA, size)
        C = boxed(claimed(env, LA, size))

        def f_along(v: Mapping[str, Any]) -> Any:
            xl = {k: _line(x[k], v[k], t) if k in v else x[k] for k in x}
            return p.objective(LA, xl, data)

        def Q(v: Mapping[str, Any]) -> Fraction:
            return 2 * frac(coefficient(f_along(v), 2))

        if kind == "hessian":
            direction = {v: vals[dirmap[v]] for v in dirmap}
            return C, np.array(Q(direction), dtype=object)
        assert wrt is not None
        T = np.empty(p.variables[wrt], dtype=object)
        direction = {v: vals[dirmap[v]] for v in dirmap}
        q_d = Q(direction) if kind == "hvp" else Fraction(0)
        for idx in np.ndindex(*T.shape):
            unit = np.zeros(T.shape, dtype=object)
            unit[idx] = 1
            e = const_array(unit)
            if kind == "gradient":
                T[idx] = frac(coefficient(f_along({wrt: e}), 1))
            else:
                both = dict(direction)
                both[wrt] = _line(both[wrt], e, 1) if wrt in both else e
                T[idx] = (Q(both) - q_d - Q({wrt: e})) / 2
        return C, T

    return specs_at, sides_at
