"""The zero-dimensional fast path of :func:`~mfverify.symbolic.landscape.landscape`.

Taken when the proved group has dimension 0 (finite or trivial: every real stationary point of
a generic objective is isolated) and the msolve binary is installed
(:func:`~mfverify.symbolic.msolve.find_msolve`); it skips the Gröbner/grouping stages:

1. msolve solves ∇f = 0 in the original coordinates (no gauge: a finite group leaves no
   continuous freedom) and :func:`~mfverify.symbolic.zerodim.certify` re-checks its answer
   exactly;
2. :func:`~mfverify.symbolic.zerodim_classify.classify_points` groups the points into orbits
   and decides inertia, values and types with ball arithmetic plus exact zero tests.

Whenever a step does not apply or does not decide (a positive-dimensional system, a degenerate
point, a tie of values, an msolve answer that fails a check, ...) the reason is recorded in
``evidence["zero_dimensional"]`` and ``None`` is returned: the engine then takes its exact
SymPy path, so the result never depends on whether msolve is installed (only its speed does).
"""

from __future__ import annotations

import time
from typing import Any

import sympy as sp

from ..errors import BudgetExceeded, MsolveOutputError, UnsupportedError
from ..problems.base import Problem
from .msolve import find_msolve, msolve_input, parse_output, run_msolve
from .result import Landscape
from .stationary import Budget
from .zerodim import certify
from .zerodim_classify import LazyLandscape, classify_points, derivative, poly_dict

__all__ = ["zerodim_landscape", "WHY"]

WHY = ("the proved symmetry group is finite, so the full system ∇f = 0 is solved; msolve "
       "(Berthomieu, Eder & Safey El Din 2021) returned a rational parametrization over the "
       "roots of a squarefree eliminant q whose degree is the number of complex solutions "
       "(msolve's multi-modular Gröbner computation); every equation was re-checked to vanish "
       "on the parametrization exactly (modulo q), the real roots of q were re-isolated with "
       "certified arb balls and matched one to one with msolve's boxes; inertia and values "
       "were decided by ball arithmetic with exact zero tests in ℚ[t]/(q)")


def _finite_generators(proof: Any) -> list[sp.Matrix] | None:
    action = proof.action
    if action.dimension != 0:
        return None
    return list(action.finite_part())


def zerodim_landscape(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], quotient: Any,
                      clf: Any, cert: str, B: Budget, evidence: dict[str, Any], t0: float,
                      *, binary: str | None = None) -> Landscape | None:
    """The complete landscape through msolve, or None (reason in ``evidence``)."""
    gensm = _finite_generators(clf.proof)
    if gensm is None:
        return None
    exe = binary or find_msolve()
    if exe is None:
        evidence["zero_dimensional"] = "msolve not installed: the exact SymPy path is used"
        return None
    t1 = time.perf_counter()
    try:
        fpoly = poly_dict(f, gens)
        grad = [derivative(fpoly, i) for i in range(len(gens))]
        eqs = [e for e in grad if e]
        text = msolve_input(eqs, len(gens))
        left = B.remaining()
        # half of what is left, so that the exact path keeps time when msolve cannot finish
        # (e.g. a large positive-dimensional system); subprocess cannot take a huge timeout
        # (budget=1e300 overflows): at most 1e6 s
        out = run_msolve(text, timeout=None if left is None else min(max(left / 2, 0.1), 1e6),
                         binary=exe)
        res = parse_output(out, len(gens))
        z = certify(res, eqs, len(gens))
    except (UnsupportedError, MsolveOutputError, BudgetExceeded) as exc:
        evidence["zero_dimensional"] = f"{type(exc).__name__}: {exc}; the exact SymPy path " \
                                       "is used"
        return None
    t2 = time.perf_counter()
    try:
        got = classify_points(problem, quotient, clf, z, fpoly, grad, gensm, cert, B)
    except BudgetExceeded as exc:  # the exact path reports what it finds within the budget
        got = f"{exc}"
    except MsolveOutputError as exc:  # the Morse count found the solution set incomplete
        got = f"{type(exc).__name__}: {exc}"
    if isinstance(got, str):
        evidence["zero_dimensional"] = f"msolve solved the system, but {got}; the exact " \
                                       "SymPy path is used"
        return None
    components, gcomp = got
    evidence["completeness"] = WHY
    evidence["charts"] = "none (finite group: the full system)"
    evidence["quotient"] = "none"  # no chart of the quotient strategy was solved
    evidence["groebner_bases"] = 0
    evidence["zero_dimensional"] = {
        "solver": "msolve", "binary": exe, "eliminant_degree": int(z.q.degree()),
        "real_solutions": len(z.roots), "independent_checks": list(z.checks),
        "seconds_solve": round(t2 - t1, 4),
        "seconds_classify": round(time.perf_counter() - t2, 4)}
    L = LazyLandscape(problem=problem.describe(), complete=True, components=components,
                      global_min_value=None, reason="",
                      method="msolve: certified real solutions of ∇f = 0 (finite group)",
                      seconds=time.perf_counter() - t0, evidence=evidence, pieces=None)
    L.__dict__["_gmin_component"] = gcomp
    return L
