"""Arbitrary precision: object arrays of ``mpf`` from a private mpmath context.

Each :class:`MpArith` owns its own :class:`mpmath.MPContext`, so its working precision never
leaks into (or from) the global ``mpmath.mp``. mpmath runs on GMP when gmpy2 is installed
(a core dependency of mfverify), which is what makes 50-100 digit work fast.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..errors import InputError, NonFiniteError, ShapeError
from ..numbers import parse_number
from .base import Arith

__all__ = ["MpArith"]


class MpArith(Arith):
    """mpmath arithmetic at ``dps`` decimal digits.

    Exact inputs (SymPy numbers, strings such as ``"sqrt(3)/2"``) are rounded once, correctly,
    to the working precision. Python floats are read as the exact decimal they print as (0.1 is
    1/10), exactly as in the exact arithmetic and the spec format, so the three arithmetics agree
    on what a float means.
    """

    name = "mp"
    exact = False

    def __init__(self, dps: int = 30) -> None:
        if not isinstance(dps, int) or isinstance(dps, bool) or dps < 5 or dps > 100000:
            raise InputError(f"dps must be an integer in [5, 100000], got {dps!r}")
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.dps = dps

    @property
    def prec(self) -> int:
        return int(self.ctx.prec)

    def const(self, value: Any) -> Any:
        ctx = self.ctx
        if isinstance(value, ctx.mpf):
            return value
        if isinstance(value, (mpmath.mpf,)):
            return ctx.make_mpf(value._mpf_)
        if isinstance(value, (float, np.floating)):
            if not np.isfinite(value):
                raise NonFiniteError(f"non-finite value {value!r}")
            value = parse_number(float(value))
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return ctx.mpf(int(value))
        expr = value if isinstance(value, sp.Basic) else parse_number(value)
        if expr.is_Rational:
            return ctx.mpf(int(expr.p)) / int(expr.q)
        evaluated = sp.Float(expr.evalf(self.dps + 15), self.dps + 15)
        return ctx.make_mpf(evaluated._mpf_) if hasattr(evaluated, "_mpf_") else ctx.mpf(
            str(evaluated)
        )

    def asarray(self, data: Any) -> np.ndarray:
        if isinstance(data, sp.MatrixBase):
            data = data.tolist()
        if isinstance(data, mpmath.matrix):
            data = data.tolist()
        arr = np.array(data, dtype=object)
        flat = arr.reshape(-1)
        for k, v in enumerate(flat):
            flat[k] = self.const(v)
        return flat.reshape(arr.shape)

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.vectorize(self.ctx.sqrt, otypes=[object])(x)
        return self.ctx.sqrt(x)

    def inv(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=object)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ShapeError(f"inv needs one square matrix, got shape {a.shape}")
        m = self.ctx.matrix(a.tolist())
        return np.array(self.ctx.inverse(m).tolist(), dtype=object)

    def to_sympy(self, x: Any) -> sp.Expr:
        return sp.Float(self.ctx.nstr(x, self.dps + 5), self.dps)

    def __repr__(self) -> str:
        return f"MpArith(dps={self.dps})"
