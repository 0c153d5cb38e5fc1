"""mfverify: symbolic-numeric verification of low-rank matrix factorization landscapes.

The public API is flat: every name below is importable from ``mfverify`` itself, and is loaded
only when first used (PEP 562), so ``import mfverify`` stays cheap::

    from mfverify import SymmetricMF, landscape, check_gradient, integrate, Verdict

    p = SymmetricMF([[1, 0], [0, 0]], rank=1)
    print(landscape(p))                         # one-screen summary; .to_json() for all
    check_gradient(p, "(X*X.T - M)*X").verdict  # Verdict.PROVED

The implementation modules (``mfverify.symbolic``, ``mfverify.derivation`` ...) stay
importable; ``docs/api.md`` says which of them are public and which are implementation.

>>> import mfverify
>>> "landscape" in dir(mfverify) and mfverify.Verdict.PROVED == "PROVED"
True
"""

from __future__ import annotations

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (a third of a bare import's cost);
#: type checkers treat a module-level ``TYPE_CHECKING`` as true.
TYPE_CHECKING = False

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    # problems and their input
    **dict.fromkeys(["Problem", "Point", "SymmetricMF", "AsymmetricMF", "MatrixSensing",
                     "SensingOperator", "ConstrainedMF", "CustomProblem", "PhaseRetrieval",
                     "DeepLinearNetwork", "MatrixCompletion", "restricted_isometry",
                     "zsl_family"], "mfverify.problems"),
    "load_spec": "mfverify.spec",
    "get_arith": "mfverify.arith",
    "Arith": "mfverify.arith",
    "PROBLEM_KINDS": "mfverify.problems",
    "scale_batched": "mfverify.problems.base",
    "check_closed_forms": "mfverify.problems.verify",
    "GLChain": "mfverify.problems.groups",
    "flat_layout": "mfverify.problems.groups",
    "parse_number": "mfverify.numbers",
    # the exact landscape
    **dict.fromkeys(["landscape", "Landscape", "Component", "landscape_differences"],
                    "mfverify.symbolic"),
    "derive": "mfverify.symbolic",
    "objective_polynomial": "mfverify.symbolic",
    "verify_invariance": "mfverify.symbolic",
    "ordered_parameters": "mfverify.symbolic.derive",
    "prove_invariance": "mfverify.symbolic.symmetry",
    "Budget": "mfverify.budget",
    "estimate_cost": "mfverify.exprcost",
    # derivation checks (claimed formulas) and numeric Taylor tests (callables)
    **dict.fromkeys(["check_gradient", "check_hessian", "check_hvp", "check_identity",
                     "taylor_check_gradient", "taylor_check_hessian", "ExactResult",
                     "NumericResult", "TaylorCheck", "TaylorStatus"], "mfverify.derivation"),
    "Derivation": "mfverify.derivation",
    # flows at arbitrary precision
    **dict.fromkeys(["integrate", "FlowResult", "Event", "vector_field", "gradient_field",
                     "primal_dual_field", "iterate_map"], "mfverify.flow"),
    "integrate_validated": "mfverify.flow",
    "ball_exit": "mfverify.flow",
    "hitting_time": "mfverify.flow",
    "escape": "mfverify.flow",
    "trap": "mfverify.flow",
    "monitor": "mfverify.flow",
    "certify_reach": "mfverify.flow.certified",
    "certify_convergence": "mfverify.flow.certified",
    # batched solvers
    **dict.fromkeys(["gd", "alternating_gd", "scaled_gd", "gradient_flow", "primal_dual",
                     "Armijo", "BatchRun"], "mfverify.batch"),
    "classify_runs": "mfverify.batch.outcomes",
    "global_values": "mfverify.batch.outcomes",
    "StationaryClass": "mfverify.batch.outcomes",
    "classify_rate": "mfverify.batch.rates",
    "match_strata": "mfverify.batch.strata",
    "small_random": "mfverify.batch.inits",
    "symmetric_instances": "mfverify.problems.generators",
    # studies
    **dict.fromkeys(["Study", "load_study", "run_study", "study_status", "StudyResult",
                     "Store"], "mfverify.study"),
    "delta_table": "mfverify.study.plot",
    "success_grid": "mfverify.study.plot",
    # counterexamples and certificates
    **dict.fromkeys(["maximize_violation", "run_target", "SearchResult",
                     "CounterexampleResult"], "mfverify.counterexample"),
    "CLAIM_TARGETS": "mfverify.counterexample",
    **dict.fromkeys(["check_certificate", "write_certificate", "load_certificate",
                     "CheckResult"], "mfverify.certify"),
    "point_exact": "mfverify.certify",
    "point_box": "mfverify.certify",
    "prove_stationary_box": "mfverify.certify",
    # claims
    **dict.fromkeys(["run_claims", "run_claim", "get_claim", "all_claims", "Claim",
                     "ClaimResult", "cite"], "mfverify.claims"),
    "Hypothesis": "mfverify.claims",
    "Outcome": "mfverify.claims",
    "RunContext": "mfverify.claims",
    "claim": "mfverify.claims",
    "summarize": "mfverify.claims",
    "evaluate_conditions": "mfverify.claims.conditions",
    "find_series": "mfverify.claims.report",
    # the result protocol and progress
    **dict.fromkeys(["Verdict", "StatusEnum", "CodeEnum", "FlowStatus", "BatchStatus",
                     "SearchStatus", "LandscapeStatus", "StudyStatus", "ResultMixin"],
                    "mfverify.results"),
    **dict.fromkeys(["ProgressEvent", "ProgressCallback"], "mfverify.progress"),
    "ArrayLike": "mfverify.typing",
    "NumberLike": "mfverify.typing",
    # plots (matplotlib is imported only when a plot is drawn)
    **dict.fromkeys(["plot_flow", "plot_taylor", "plot_taylor_checks", "plot_rate_fit",
                     "plot_sweep", "plot_study_heatmap", "plot_landscape", "save_figure"],
                    "mfverify.plot"),
    # errors
    **dict.fromkeys(["MfverifyError", "InputError", "UnsupportedError", "BudgetExceeded"],
                    "mfverify.errors"),
}

#: subpackages reachable as attributes (``mfverify.flow``) without an explicit import
_SUBMODULES = frozenset({"arith", "batch", "certify", "claims", "cli", "counterexample",
                         "derivation", "errors", "flow", "plot", "problems", "progress",
                         "results", "spec", "study", "symbolic", "typing"})

__all__ = ["__version__", *_EXPORTS]


def _import(module: str) -> object:
    """The module ``module`` (``__import__`` with a fromlist returns the submodule itself; this
    avoids importing :mod:`importlib` at ``import mfverify``)."""
    return __import__(module, fromlist=["__name__"])


if not TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name is a type error

    def __getattr__(name: str) -> object:
        module = _EXPORTS.get(name)
        if module is not None:
            value = getattr(_import(module), name)
            globals()[name] = value  # later lookups skip this function
            return value
        if name in _SUBMODULES:
            return _import(f"{__name__}.{name}")
        raise AttributeError(f"module 'mfverify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})


if TYPE_CHECKING:  # static type checkers see the names directly
    from .arith import Arith as Arith
    from .arith import get_arith as get_arith
    from .batch import Armijo as Armijo
    from .batch import BatchRun as BatchRun
    from .batch import alternating_gd as alternating_gd
    from .batch import gd as gd
    from .batch import gradient_flow as gradient_flow
    from .batch import primal_dual as primal_dual
    from .batch import scaled_gd as scaled_gd
    from .batch.inits import small_random as small_random
    from .batch.outcomes import StationaryClass as StationaryClass
    from .batch.outcomes import classify_runs as classify_runs
    from .batch.outcomes import global_values as global_values
    from .batch.rates import classify_rate as classify_rate
    from .batch.strata import match_strata as match_strata
    from .budget import Budget as Budget
    from .certify import CheckResult as CheckResult
    from .certify import check_certificate as check_certificate
    from .certify import load_certificate as load_certificate
    from .certify import point_box as point_box
    from .certify import point_exact as point_exact
    from .certify import prove_stationary_box as prove_stationary_box
    from .certify import write_certificate as write_certificate
    from .claims import Claim as Claim
    from .claims import ClaimResult as ClaimResult
    from .claims import Hypothesis as Hypothesis
    from .claims import Outcome as Outcome
    from .claims import RunContext as RunContext
    from .claims import all_claims as all_claims
    from .claims import cite as cite
    from .claims import claim as claim
    from .claims import get_claim as get_claim
    from .claims import run_claim as run_claim
    from .claims import run_claims as run_claims
    from .claims import summarize as summarize
    from .claims.conditions import evaluate_conditions as evaluate_conditions
    from .claims.report import find_series as find_series
    from .counterexample import CLAIM_TARGETS as CLAIM_TARGETS
    from .counterexample import CounterexampleResult as CounterexampleResult
    from .counterexample import SearchResult as SearchResult
    from .counterexample import maximize_violation as maximize_violation
    from .counterexample import run_target as run_target
    from .derivation import Derivation as Derivation
    from .derivation import ExactResult as ExactResult
    from .derivation import NumericResult as NumericResult
    from .derivation import TaylorCheck as TaylorCheck
    from .derivation import TaylorStatus as TaylorStatus
    from .derivation import check_gradient as check_gradient
    from .derivation import check_hessian as check_hessian
    from .derivation import check_hvp as check_hvp
    from .derivation import check_identity as check_identity
    from .derivation import taylor_check_gradient as taylor_check_gradient
    from .derivation import taylor_check_hessian as taylor_check_hessian
    from .errors import BudgetExceeded as BudgetExceeded
    from .errors import InputError as InputError
    from .errors import MfverifyError as MfverifyError
    from .errors import UnsupportedError as UnsupportedError
    from .exprcost import estimate_cost as estimate_cost
    from .flow import Event as Event
    from .flow import FlowResult as FlowResult
    from .flow import ball_exit as ball_exit
    from .flow import escape as escape
    from .flow import gradient_field as gradient_field
    from .flow import hitting_time as hitting_time
    from .flow import integrate as integrate
    from .flow import integrate_validated as integrate_validated
    from .flow import iterate_map as iterate_map
    from .flow import monitor as monitor
    from .flow import primal_dual_field as primal_dual_field
    from .flow import trap as trap
    from .flow import vector_field as vector_field
    from .flow.certified import certify_convergence as certify_convergence
    from .flow.certified import certify_reach as certify_reach
    from .numbers import parse_number as parse_number
    from .plot import plot_flow as plot_flow
    from .plot import plot_landscape as plot_landscape
    from .plot import plot_rate_fit as plot_rate_fit
    from .plot import plot_study_heatmap as plot_study_heatmap
    from .plot import plot_sweep as plot_sweep
    from .plot import plot_taylor as plot_taylor
    from .plot import plot_taylor_checks as plot_taylor_checks
    from .plot import save_figure as save_figure
    from .problems import PROBLEM_KINDS as PROBLEM_KINDS
    from .problems import AsymmetricMF as AsymmetricMF
    from .problems import ConstrainedMF as ConstrainedMF
    from .problems import CustomProblem as CustomProblem
    from .problems import DeepLinearNetwork as DeepLinearNetwork
    from .problems import MatrixCompletion as MatrixCompletion
    from .problems import MatrixSensing as MatrixSensing
    from .problems import PhaseRetrieval as PhaseRetrieval
    from .problems import Point as Point
    from .problems import Problem as Problem
    from .problems import SensingOperator as SensingOperator
    from .problems import SymmetricMF as SymmetricMF
    from .problems import restricted_isometry as restricted_isometry
    from .problems import zsl_family as zsl_family
    from .problems.base import scale_batched as scale_batched
    from .problems.generators import symmetric_instances as symmetric_instances
    from .problems.groups import GLChain as GLChain
    from .problems.groups import flat_layout as flat_layout
    from .problems.verify import check_closed_forms as check_closed_forms
    from .progress import ProgressCallback as ProgressCallback
    from .progress import ProgressEvent as ProgressEvent
    from .results import BatchStatus as BatchStatus
    from .results import CodeEnum as CodeEnum
    from .results import FlowStatus as FlowStatus
    from .results import LandscapeStatus as LandscapeStatus
    from .results import ResultMixin as ResultMixin
    from .results import SearchStatus as SearchStatus
    from .results import StatusEnum as StatusEnum
    from .results import StudyStatus as StudyStatus
    from .results import Verdict as Verdict
    from .spec import load_spec as load_spec
    from .study import Store as Store
    from .study import Study as Study
    from .study import StudyResult as StudyResult
    from .study import load_study as load_study
    from .study import run_study as run_study
    from .study import study_status as study_status
    from .study.plot import delta_table as delta_table
    from .study.plot import success_grid as success_grid
    from .symbolic import Component as Component
    from .symbolic import Landscape as Landscape
    from .symbolic import derive as derive
    from .symbolic import landscape as landscape
    from .symbolic import landscape_differences as landscape_differences
    from .symbolic import objective_polynomial as objective_polynomial
    from .symbolic import verify_invariance as verify_invariance
    from .symbolic.derive import ordered_parameters as ordered_parameters
    from .symbolic.symmetry import prove_invariance as prove_invariance
    from .typing import ArrayLike as ArrayLike
    from .typing import NumberLike as NumberLike
