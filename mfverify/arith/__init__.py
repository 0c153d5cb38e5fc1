"""Three arithmetics behind one interface: exact (SymPy), arbitrary precision (mpmath), NumPy.

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.

>>> from mfverify import get_arith
>>> get_arith("mp", dps=50).dps
50
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .base import Arith as Arith
from .exact import ExactArith as ExactArith
from .floating import NumpyArith as NumpyArith
from .mp import MpArith as MpArith

__all__ = ["Arith", "ExactArith", "MpArith", "NumpyArith", "get_arith"]


def get_arith(arith: str | Arith = "numpy", **options: Any) -> Arith:
    """Return an arithmetic by name (``"exact"``, ``"mp"``, ``"numpy"``) or pass one through."""
    if isinstance(arith, Arith):
        return arith
    if arith == "exact":
        return ExactArith(**options)
    if arith in ("mp", "mpmath"):
        return MpArith(**options)
    if arith in ("numpy", "float", "float64"):
        return NumpyArith(**options)
    if arith == "float32":
        import numpy as np

        return NumpyArith(dtype=np.float32)
    raise InputError(f"unknown arithmetic {arith!r}; expected 'exact', 'mp' or 'numpy'")
