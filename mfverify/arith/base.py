"""The interface every arithmetic implements (mpmath's contexts are the model).

A problem's objective, gradient and Hessian-vector product are written once against this small
interface. Arrays are NumPy arrays in all three arithmetics: ``dtype=object`` holding SymPy
numbers or expressions (exact), ``dtype=object`` holding ``mpf`` of one context (arbitrary
precision), or ``float64`` / ``float32`` (floating point, with any leading batch dimensions).
NumPy's ``@``, ``+``, ``-`` and ``*`` work on all of them, so the math reads the same in each.

Matrices are the last two axes; scalars are 0-d (or batch-shaped) arrays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ShapeError

__all__ = ["Arith"]


class Arith(ABC):
    """One arithmetic: how numbers are made and how a few matrix reductions are done."""

    #: Short name used in the API and the CLI: ``"exact"``, ``"mp"`` or ``"numpy"``.
    name: str = "abstract"
    #: True when results are exact (symbolic) and can support a PROVED verdict.
    exact: bool = False

    # -- numbers -----------------------------------------------------------------------------
    @abstractmethod
    def const(self, value: Any) -> Any:
        """An exact SymPy number (or int / Fraction) converted to this arithmetic's scalar."""

    @abstractmethod
    def asarray(self, data: Any) -> np.ndarray:
        """Nested lists, a NumPy array or a SymPy matrix converted to this arithmetic."""

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        out.fill(self.const(0))
        return out

    def eye(self, n: int) -> np.ndarray:
        out = self.zeros((n, n))
        for i in range(n):
            out[i, i] = self.const(1)
        return out

    # -- reductions and shape helpers (overridden for speed where it matters) ------------------
    @staticmethod
    def T(a: np.ndarray) -> np.ndarray:
        """Transpose of the last two axes (batch axes untouched)."""
        a = np.asarray(a)
        if a.ndim < 2:
            raise ShapeError(f"transpose needs a matrix, got an array of shape {a.shape}")
        return np.swapaxes(a, -1, -2)

    def sym_mul(self, S: np.ndarray, X: np.ndarray) -> np.ndarray:
        """S X for a symmetric S (stacks allowed, broadcasting as ``@``).

        The caller guarantees S = Sᵀ (the problems that use it check their data); float
        arithmetics exploit it to evaluate the product as (Xᵀ S)ᵀ.
        """
        return S @ X

    def inner(self, a: np.ndarray, b: np.ndarray) -> Any:
        """Frobenius inner product <a, b> = tr(aᵀ b) over the last two axes."""
        prod = np.asarray(a) * np.asarray(b)
        if prod.ndim < 2:
            raise ShapeError(f"inner product needs matrices, got shape {prod.shape}")
        return self.finish(prod.sum(axis=(-2, -1)))

    def sumsq(self, a: np.ndarray) -> Any:
        """Squared Frobenius norm ‖a‖²_F over the last two axes."""
        return self.inner(a, a)

    def trace(self, a: np.ndarray) -> Any:
        a = np.asarray(a)
        return self.finish(np.trace(a, axis1=-2, axis2=-1))

    def vdot(self, a: np.ndarray, b: np.ndarray) -> Any:
        """Euclidean inner product of vectors over the last axis."""
        return self.finish((np.asarray(a) * np.asarray(b)).sum(axis=-1))

    @abstractmethod
    def sqrt(self, x: Any) -> Any:
        """Square root of a scalar (elementwise on arrays)."""

    @abstractmethod
    def inv(self, a: np.ndarray) -> np.ndarray:
        """Inverse of a square matrix (batched in floating point)."""

    def finish(self, x: Any) -> Any:
        """Normalize a result (exact arithmetic expands it; the others return it unchanged)."""
        return x

    def finish_array(self, a: np.ndarray) -> np.ndarray:
        return a

    def to_sympy(self, x: Any) -> sp.Expr:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
