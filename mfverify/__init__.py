"""mfverify: symbolic-numeric verification of low-rank matrix factorization landscapes.

Public API (explicit re-exports only)::

    from mfverify import SymmetricMF, AsymmetricMF, load_spec, get_arith
"""

from __future__ import annotations

from .arith import get_arith as get_arith
from .errors import MfverifyError as MfverifyError
from .problems import AsymmetricMF as AsymmetricMF
from .problems import Problem as Problem
from .problems import SymmetricMF as SymmetricMF

__version__ = "0.1.0"

__all__ = ["__version__", "get_arith", "MfverifyError", "Problem", "SymmetricMF", "AsymmetricMF"]
