"""The two sides of an identity, for the size bound and at rational points.

The inputs are declared matrices and scalars (and a problem's variables and data), the
definitions are evaluated in order, and a ``d/dt`` side is the derivative along the flow:
at a point, the coefficient of t of the side evaluated on the line base + t·rate (the rates
evaluated at the point, the definitions re-evaluated on the line), exactly in ℚ[t].
For the bound, a ``d/dt`` side replaces one occurrence of a flowed input A by its rate, so
its profile is computed with A widened by the profile of its rate
(:func:`mfverify.derivation.sizebound.widened`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..problems import Problem
from ._claimed import Claimed, Definitions
from ._instances import Family
from ._rational import LineArith, RationalArith, coefficient
from .exact import Structure, memo_by_size
from .refute import InputSpec, boxed, const_array, frac
from .sizebound import (
    OutsideFragment,
    SizeBound,
    analyze,
    bound_from,
    derivative,
    flowing,
    input_profile,
    scalar_pairing,
)

__all__ = ["IdentitySides"]

try:
    import flint
except ImportError:  # pragma: no cover
    flint = None


class IdentitySides:
    """Bound and point evaluation of ``LHS == RHS`` (each side a claim and a d/dt flag)."""

    def __init__(self, decls: Mapping[str, Any], problem: Problem | None, fam: Family | None,
                 prob_structure: Mapping[str, Structure], symbolic: Sequence[str],
                 defs: Definitions, flows: Mapping[str, Claimed],
                 lhs: tuple[Claimed, bool], rhs: tuple[Claimed, bool]) -> None:
        self.decls = decls
        self.problem = problem
        self.fam = fam
        self.prob_structure = prob_structure
        self.symbolic = tuple(symbolic)
        self.defs = defs
        self.flows = flows
        self.lhs = lhs
        self.rhs = rhs
        self.LA = LineArith()
        self.Q = RationalArith()
        self._build = memo_by_size(self._problem_at)

    # -- the bound ---------------------------------------------------------------------------
    def _base_env(self) -> dict[str, Any]:
        env: dict[str, Any] = {}
        if self.problem is not None:
            fam = self.fam
            assert fam is not None
            if not fam.dims or not fam.shapes:
                raise OutsideFragment(f"the problem kind {self.problem.kind!r} declares no "
                                      "index structure")
            env.update({k: input_profile(v) for k, v in fam.shapes.items()})
        for name, d in self.decls.items():
            env[name] = input_profile(d.shape)
        return env

    def _defs_env(self, env: dict[str, Any]) -> dict[str, Any]:
        out = dict(env)
        for name, c in self.defs.items:
            if c.node is None:
                raise OutsideFragment(f"the definition of {name} is not text")
            out[name] = analyze(c.node, out)
        return out

    def _side_profile(self, side: tuple[Claimed, bool], env: dict[str, Any]) -> Any:
        c, ddt = side
        if c.node is None:
            raise OutsideFragment(f"a side is a {c.kind}: its index structure is not known "
                                  "(write it as text to get an all-sizes verdict)")
        full = self._defs_env(env)
        if not ddt:
            return scalar_pairing(analyze(c.node, full))
        moving = dict(env)
        for name, f in self.flows.items():
            if f.node is None:
                raise OutsideFragment(f"the flow of {name} is not text")
            moving[name] = flowing(env[name], analyze(f.node, full))
        return scalar_pairing(derivative(analyze(c.node, self._defs_env(moving))))

    def bound(self, dims: Sequence[str]) -> SizeBound | OutsideFragment:
        try:
            if not dims:
                raise OutsideFragment("the identity has no size dimensions")
            env = self._base_env()
            return bound_from({"left side": self._side_profile(self.lhs, env),
                               "right side": self._side_profile(self.rhs, env)}, dims)
        except OutsideFragment as exc:
            return exc

    # -- evaluation at points ------------------------------------------------------------------
    def _problem_at(self, size: dict[str, int]) -> Problem | None:
        if self.problem is None:
            return None
        fam = self.fam
        assert fam is not None
        return fam.build(self.problem, {k: size[k] for k in fam.dims}) if fam.dims \
            else self.problem

    def specs_at(self, size: dict[str, int]) -> list[InputSpec]:
        specs: list[InputSpec] = []
        p = self._build(size)
        if p is not None:
            specs += [InputSpec(v, tuple(s)) for v, s in p.variables.items()]
            for name, value in p.data.items():
                if isinstance(value, np.ndarray) and value.ndim in (1, 2):
                    # as in the exact mode: matrices and vectors are symbols, other data
                    # (e.g. a sensing operator's stack of matrices) keep their values
                    specs.append(InputSpec(name, value.shape, self.prob_structure.get(
                        name, Structure.GENERAL) if value.ndim == 2 else Structure.GENERAL))
                elif name in self.symbolic:
                    specs.append(InputSpec(name, (), positive=name == "scale"))
        for name, d in self.decls.items():
            if not d.shape:
                specs.append(InputSpec(name, ()))
                continue
            rows, cols = d.concrete(size)
            if rows < 1 or cols < 1:
                from ..errors import ShapeError

                raise ShapeError(f"{name} would be {rows}×{cols}")
            specs.append(InputSpec(name, (rows, cols), d.structure))
        return specs

    def _value(self, v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return const_array(v)
        f = Fraction(v)
        return self.LA.const(flint.fmpq(f.numerator, f.denominator))

    def sides_at(self, size: dict[str, int], point: dict[str, Any]) -> tuple[Any, Any]:
        if not (self.lhs[1] or self.rhs[1]):
            return self._plain_sides(size, point)
        env0 = {k: self._value(v) for k, v in point.items()}
        p = self._build(size)
        if p is not None:
            data = p.data_in(self.LA)
            for k, v in data.items():
                env0.setdefault(k, v)
        structures = {s.name: s.structure for s in self.specs_at(size)}
        return (self._side(self.lhs, env0, size, structures),
                self._side(self.rhs, env0, size, structures))

    def _plain_sides(self, size: dict[str, int], point: dict[str, Any]) -> tuple[Any, Any]:
        """Both sides in exact rationals (fmpq: no line parameter needed)."""
        Q = self.Q
        env0: dict[str, Any] = {k: Q.asarray(np.vectorize(Fraction, otypes=[object])(v))
                                if isinstance(v, np.ndarray) else Q.const(Fraction(v))
                                for k, v in point.items()}
        p = self._build(size)
        if p is not None:
            for k, v in p.data_in(Q).items():
                env0.setdefault(k, v)
        env = self.defs.extend(env0, Q, size)
        return boxed(self.lhs[0](env, Q, size)), boxed(self.rhs[0](env, Q, size))

    def screen_at(self, size: dict[str, int], point: dict[str, Any]) -> tuple[Any, Any]:
        """Both sides in floating point (only for identities without a d/dt side)."""
        from ..arith import NumpyArith

        if self.lhs[1] or self.rhs[1]:
            raise InputError("no floating-point screen for d/dt sides")
        A = NumpyArith()
        env0: dict[str, Any] = {k: (np.asarray(v, dtype=float) if isinstance(v, np.ndarray)
                                    else float(v)) for k, v in point.items()}
        p = self._build(size)
        if p is not None:
            for k, v in p.data_in(A).items():
                env0.setdefault(k, v)
        env = self.defs.extend(env0, A, size)
        return (np.asarray(self.lhs[0](env, A, size), dtype=float),
                np.asarray(self.rhs[0](env, A, size), dtype=float))

    def _side(self, side: tuple[Claimed, bool], env0: dict[str, Any], size: dict[str, int],
              structures: Mapping[str, Structure]) -> np.ndarray:
        c, ddt = side
        LA = self.LA
        env = self.defs.extend(env0, LA, size)
        if not ddt:
            return boxed(c(env, LA, size))
        t = flint.fmpq_poly([0, 1])
        line = dict(env0)
        for name, f in self.flows.items():
            rate = boxed(f(env, LA, size))
            base = boxed(env0[name])
            if rate.shape != base.shape:
                raise InputError(f"the flow of {name} has shape {rate.shape}, but {name} has "
                                 f"shape {base.shape}")
            _check_structure(name, rate, structures.get(name, Structure.GENERAL))
            out = np.empty(base.shape, dtype=object)
            for idx in np.ndindex(*base.shape) if base.shape else [()]:
                out[idx] = base[idx] + t * rate[idx]
            line[name] = out if base.shape else out[()]
        val = boxed(c(self.defs.extend(line, LA, size), LA, size))
        res = np.empty(val.shape, dtype=object)
        for idx in np.ndindex(*val.shape) if val.shape else [()]:
            res[idx] = coefficient(val[idx], 1)
        return res


def _check_structure(name: str, rate: np.ndarray, st: Structure) -> None:
    if st is Structure.GENERAL or rate.ndim != 2:
        return
    vals = np.vectorize(frac, otypes=[object])(rate)
    ok = {Structure.SYMMETRIC: lambda a: np.array_equal(a, a.T),
          Structure.SKEW: lambda a: np.array_equal(a, -a.T),
          Structure.DIAGONAL: lambda a: np.array_equal(a, np.diag(np.diag(a)))}[st](vals)
    if not ok:
        raise InputError(f"the flow of {name} does not preserve its declared structure")
