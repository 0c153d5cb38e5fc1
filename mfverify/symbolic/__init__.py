"""Exact symbolic engine: derivations, the complete real stationary set, exact classification.

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.

Public API::

    from mfverify import landscape, derive
    L = landscape(problem, budget=60)      # -> Landscape (complete or INCONCLUSIVE)
    D = derive(problem)                    # -> Derivation (gradient, Hessian, quadratic form)
"""

from __future__ import annotations

from .classify import Classifier as Classifier
from .classify import global_min_certificate as global_min_certificate
from .classify import inertia_from_charpoly as inertia_from_charpoly
from .compare import landscape_differences as landscape_differences
from .derive import Derivation as Derivation
from .derive import derive as derive
from .landscape import landscape as landscape
from .result import TYPES as TYPES
from .result import Component as Component
from .result import DescentCurve as DescentCurve
from .result import Landscape as Landscape
from .stationary import Budget as Budget
from .stationary import objective_polynomial as objective_polynomial
from .stationary import solve_polynomial_system as solve_polynomial_system
from .symmetry import SymmetryProof as SymmetryProof
from .symmetry import verify_invariance as verify_invariance

__all__ = [
    "landscape", "derive", "Derivation", "Landscape", "Component", "DescentCurve", "TYPES",
    "Budget", "objective_polynomial", "solve_polynomial_system", "Classifier",
    "global_min_certificate", "inertia_from_charpoly", "SymmetryProof", "verify_invariance",
    "landscape_differences",
]
