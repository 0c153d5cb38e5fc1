"""The problem library: each objective written once (see :mod:`mfverify.problems.base`).

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.
"""

from __future__ import annotations

from .asymmetric import AsymmetricMF as AsymmetricMF
from .base import Point as Point
from .base import Problem as Problem
from .base import SymmetryGroup as SymmetryGroup
from .completion import MatrixCompletion as MatrixCompletion
from .constrained import ConstrainedMF as ConstrainedMF
from .custom import CustomProblem as CustomProblem
from .deeplinear import DeepLinearNetwork as DeepLinearNetwork
from .phase import PhaseRetrieval as PhaseRetrieval
from .sensing import MatrixSensing as MatrixSensing
from .sensing import SensingOperator as SensingOperator
from .sensing import restricted_isometry as restricted_isometry
from .sensing import zsl_family as zsl_family
from .symmetric import SymmetricMF as SymmetricMF

#: Spec ``"problem"`` key -> problem class (the spec loader dispatches on it).
PROBLEM_KINDS: dict[str, type[Problem]] = {
    SymmetricMF.kind: SymmetricMF,
    AsymmetricMF.kind: AsymmetricMF,
    MatrixSensing.kind: MatrixSensing,
    ConstrainedMF.kind: ConstrainedMF,
    CustomProblem.kind: CustomProblem,
    PhaseRetrieval.kind: PhaseRetrieval,
    DeepLinearNetwork.kind: DeepLinearNetwork,
    MatrixCompletion.kind: MatrixCompletion,
}

__all__ = ["Problem", "Point", "SymmetryGroup", "SymmetricMF", "AsymmetricMF", "PROBLEM_KINDS",
           "MatrixSensing", "SensingOperator", "ConstrainedMF", "restricted_isometry",
           "zsl_family", "CustomProblem", "PhaseRetrieval",
           "DeepLinearNetwork", "MatrixCompletion"]
