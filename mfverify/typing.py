"""Type aliases of the public API: what mfverify accepts as numbers and as arrays.

* :data:`NumberLike`: an exact or floating number. Integers, :class:`fractions.Fraction`,
  finite floats (read as the decimal they print as: ``0.1`` is 1/10 in exact work), strings such
  as ``"1/3"`` or ``"sqrt(2)"``, SymPy numbers and mpmath ``mpf``.
* :data:`ExpressionLike`, :data:`SizesLike`, :data:`DefinitionsLike`: the claimed formulas,
  size ranges and definitions of the derivation checks.
* :data:`ArrayLike`: a vector, matrix or stack of them: nested lists or tuples of
  :data:`NumberLike`, a NumPy array, a SymPy matrix, or any object with ``__array__`` (torch
  tensors, JAX arrays: read through the NumPy array protocol).

These aliases are for annotations; at run time inputs are validated by the problem classes and
refused with typed errors (:mod:`mfverify.errors`).

>>> from mfverify.typing import SupportsArray
>>> import numpy as np
>>> isinstance(np.zeros(2), SupportsArray)
True
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, Union, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    import mpmath
    import sympy

__all__ = ["NumberLike", "ArrayLike", "SupportsArray", "PointLike", "ExpressionLike",
           "SizesLike", "DefinitionsLike"]


@runtime_checkable
class SupportsArray(Protocol):
    """An object readable through the NumPy array protocol (``numpy.asarray(obj)``)."""

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray: ...


#: A number mfverify accepts (exact or floating).
NumberLike: TypeAlias = Union[int, float, Fraction, str, numbers.Number, np.number,
                              "sympy.Basic", "mpmath.mpf"]

#: A vector, matrix or stack of matrices mfverify accepts.
ArrayLike: TypeAlias = Union[Sequence[Any], np.ndarray, SupportsArray, "sympy.MatrixBase"]

#: A point: ``{variable name: array}`` (or one array for a single-variable problem).
PointLike: TypeAlias = dict[str, ArrayLike] | ArrayLike

#: A claimed formula: text in the safe grammar (``"(X*X.T - M)*X"``), a SymPy expression or
#: matrix expression, or a Python callable taking the inputs by name.
ExpressionLike: TypeAlias = Union[str, "sympy.Basic", Callable[..., Any]]

#: A size range of an exact derivation check: ``"1..3"``, ``"n=1..4,r=1..2"``, one size, a
#: list of sizes, or ``{dimension: sizes}``.
SizesLike: TypeAlias = str | int | Sequence[int] | Mapping[str, Any]

#: Definitions usable in a claim: ``["R = X*X.T - M"]`` or ``{"R": "X*X.T - M"}``.
DefinitionsLike: TypeAlias = Sequence[str] | Mapping[str, Any]
