"""Floating point: NumPy arrays with any leading batch dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError, NonFiniteError, ShapeError
from ..numbers import parse_number
from .base import Arith

__all__ = ["NumpyArith"]


class NumpyArith(Arith):
    """float64 (default) or float32 arithmetic, vectorized over leading batch axes.

    Every reduction acts on the last two axes, so ``X`` of shape ``(B, n, r)`` evaluates ``B``
    instances in one call with no Python loop.
    """

    name = "numpy"
    exact = False

    def __init__(self, dtype: Any = np.float64) -> None:
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise InputError(f"dtype must be float64 or float32, got {dt}")
        self.dtype = dt

    def const(self, value: Any) -> Any:
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(
            value, bool
        ):
            return self.dtype.type(value)
        expr = value if isinstance(value, sp.Basic) else parse_number(value)
        return self.dtype.type(float(expr))

    def asarray(self, data: Any) -> np.ndarray:
        if isinstance(data, sp.MatrixBase):
            data = data.tolist()
        arr = np.asarray(data)
        if arr.dtype == object:
            flat = [self.const(v) for v in arr.reshape(-1)]
            arr = np.array(flat, dtype=self.dtype).reshape(arr.shape)
        else:
            arr = arr.astype(self.dtype, copy=False)
        if not np.all(np.isfinite(arr)):
            raise NonFiniteError("array contains NaN or infinity; expected finite values")
        return arr

    def sym_mul(self, S: np.ndarray, X: np.ndarray) -> np.ndarray:
        """S X for a symmetric S, evaluated as (Xᵀ S)ᵀ (a transposed view is returned).

        Row-major BLAS reads S in its stored layout for Xᵀ S, which is faster than S @ X for a
        tall thin X. When S is shared along the stack axis just before the matrix axes (shape
        (…, 1, n, n) against X of shape (…, K, n, r), e.g. one instance and K initializations),
        the K blocks Xᵀ are stacked into one (K·r)×n factor so that S is read once per product
        instead of K times. Equal to S @ X up to rounding whenever S = Sᵀ.
        """
        S = np.asarray(S)
        X = np.asarray(X)
        Xt = np.swapaxes(X, -1, -2)
        if S.ndim >= 3 and X.ndim == S.ndim and S.shape[-3] == 1 and X.shape[-3] > 1:
            k, r, n = X.shape[-3], X.shape[-1], X.shape[-2]
            lead = X.shape[:-3]
            P = np.ascontiguousarray(Xt).reshape(*lead, 1, k * r, n) @ S
            return np.swapaxes(P.reshape(*P.shape[:-3], k, r, n), -1, -2)
        return np.swapaxes(Xt @ S, -1, -2)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def eye(self, n: int) -> np.ndarray:
        return np.eye(n, dtype=self.dtype)

    def inner(self, a: np.ndarray, b: np.ndarray) -> Any:
        a = np.asarray(a)
        b = np.asarray(b)
        if a.ndim < 2 or b.ndim < 2:
            raise ShapeError(f"inner product needs matrices, got {a.shape} and {b.shape}")
        return np.einsum("...ij,...ij->...", a, b)

    def sqrt(self, x: Any) -> Any:
        return np.sqrt(x)

    def inv(self, a: np.ndarray) -> np.ndarray:
        return np.linalg.inv(a)

    def to_sympy(self, x: Any) -> sp.Expr:
        return sp.Float(float(x))

    def __repr__(self) -> str:
        return f"NumpyArith(dtype={self.dtype.name})"
