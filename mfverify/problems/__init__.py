"""The problem library: each objective written once (see :mod:`mfverify.problems.base`)."""

from __future__ import annotations

from .asymmetric import AsymmetricMF as AsymmetricMF
from .base import Point as Point
from .base import Problem as Problem
from .base import SymmetryGroup as SymmetryGroup
from .symmetric import SymmetricMF as SymmetricMF

#: Spec ``"problem"`` key -> problem class (the spec loader dispatches on it).
PROBLEM_KINDS: dict[str, type[Problem]] = {
    SymmetricMF.kind: SymmetricMF,
    AsymmetricMF.kind: AsymmetricMF,
}

__all__ = ["Problem", "Point", "SymmetryGroup", "SymmetricMF", "AsymmetricMF", "PROBLEM_KINDS"]
