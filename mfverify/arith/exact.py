"""Exact arithmetic: object arrays of SymPy numbers or expressions."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import ShapeError, UnsupportedError
from ..numbers import parse_number
from .base import Arith

__all__ = ["ExactArith"]


def _to_expr(v: Any) -> sp.Expr:
    if isinstance(v, sp.Basic):
        return v  # type: ignore[return-value]
    return parse_number(v)


class ExactArith(Arith):
    """SymPy arithmetic. Entries may be numbers (rational, algebraic) or symbolic expressions.

    Parameters
    ----------
    expand
        Expand results (``sympy.expand``) so that equal polynomials compare equal structurally.
    """

    name = "exact"
    exact = True

    def __init__(self, *, expand: bool = True) -> None:
        self.expand = expand

    def const(self, value: Any) -> sp.Expr:
        return _to_expr(value)

    def asarray(self, data: Any) -> np.ndarray:
        if isinstance(data, sp.MatrixBase):
            arr = np.empty(data.shape, dtype=object)
            for i in range(data.rows):
                for j in range(data.cols):
                    arr[i, j] = data[i, j]
            return arr
        arr = np.array(data, dtype=object)
        flat = arr.reshape(-1)
        for k, v in enumerate(flat):
            flat[k] = _to_expr(v)
        return flat.reshape(arr.shape)

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.vectorize(sp.sqrt, otypes=[object])(x)
        return sp.sqrt(x)

    def inv(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=object)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ShapeError(f"inv needs one square matrix, got shape {a.shape}")
        m = sp.Matrix(a.tolist())
        if m.det() == 0:
            raise UnsupportedError("matrix is singular; inverse undefined")
        return self.asarray(m.inv())

    def finish(self, x: Any) -> Any:
        if not self.expand:
            return x
        if isinstance(x, np.ndarray):
            return self.finish_array(x)
        return sp.expand(x)

    def finish_array(self, a: np.ndarray) -> np.ndarray:
        if not self.expand:
            return a
        out = np.empty(a.shape, dtype=object)
        flat_in = a.reshape(-1)
        flat_out = out.reshape(-1)
        for k, v in enumerate(flat_in):
            flat_out[k] = sp.expand(v)
        return out

    def to_sympy(self, x: Any) -> sp.Expr:
        return sp.sympify(x)
