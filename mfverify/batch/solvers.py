"""Batched first-order solvers: B instances × K initializations in one array program.

Every solver evaluates the problem's own closed forms (:meth:`Problem.objective`,
:meth:`Problem.gradient`) in :class:`~mfverify.arith.NumpyArith` on points of shape
``(B, K, *shape)`` and data of shape ``(B, 1, *shape)`` (broadcast over the K initializations),
so the mathematics comes from :mod:`mfverify.problems` and is never rewritten here.

Runs are independent: each has its own step size (fixed or Armijo backtracking), its own stopping
test and its own status. A run whose gradient overflows or becomes NaN is frozen at its last finite
point and reported ``diverged``; the others go on (all arithmetic runs under ``np.errstate(all=
"ignore")``, so the batch never raises on overflow).

The solvers live in small modules, re-exported here (with their private helpers, which tests and
benchmarks import from this module): :mod:`.run` (:class:`BatchRun`, :data:`STATUS`),
:mod:`.blocks` (preparation, cache blocking, evaluation), :mod:`.iterate` (the GD-family driver,
:class:`Armijo`), :mod:`.descent` (GD, scaled GD, alternating GD), :mod:`.flow` (gradient flow),
:mod:`.gda` (primal-dual). This module dispatches on the method name (:func:`solve`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..budget import Budget, as_budget
from ..errors import BudgetExceeded, InputError
from ..problems.base import Problem
from .blocks import BLOCK_BYTES as BLOCK_BYTES
from .blocks import BatchArith as BatchArith
from .blocks import Metric as Metric
from .blocks import Progress as Progress
from .blocks import _blocks as _blocks
from .blocks import _bmask as _bmask
from .blocks import _Eval as _Eval
from .blocks import _merge as _merge
from .blocks import _per_run as _per_run
from .blocks import _prepare as _prepare
from .blocks import _slice as _slice
from .blocks import _vecdot as _vecdot
from .blocks import _vecdot_einsum as _vecdot_einsum
from .descent import _gd_update as _gd_update
from .descent import _neg as _neg
from .descent import _precondition as _precondition
from .descent import alternating_gd as alternating_gd
from .descent import gd as gd
from .descent import scaled_gd as scaled_gd
from .flow import _DP_A as _DP_A
from .flow import _DP_C as _DP_C
from .flow import _DP_E as _DP_E
from .flow import _flow_block as _flow_block
from .flow import gradient_flow as gradient_flow
from .gda import _pd_block as _pd_block
from .gda import primal_dual as primal_dual
from .iterate import Armijo as Armijo
from .iterate import _armijo_step as _armijo_step
from .iterate import _common as _common
from .iterate import _drive as _drive
from .iterate import _iterate as _iterate
from .iterate import _Opts as _Opts
from .iterate import _same_shapes as _same_shapes
from .iterate import _State as _State
from .run import CONVERGED as CONVERGED
from .run import DIVERGED as DIVERGED
from .run import MAX_ITER as MAX_ITER
from .run import RUNNING as RUNNING
from .run import STALLED as STALLED
from .run import STATUS as STATUS
from .run import BatchRun as BatchRun
from .run import _from_json_floats as _from_json_floats
from .run import _json_float as _json_float
from .run import _range_text as _range_text

__all__ = [
    "STATUS",
    "Armijo",
    "BatchRun",
    "gd",
    "alternating_gd",
    "scaled_gd",
    "gradient_flow",
    "primal_dual",
    "solve",
    "METHODS",
]

#: Method name -> solver (``gradient_flow`` is dispatched by :func:`solve` too; it needs
#: ``t_eval=``).
METHODS: dict[str, Callable[..., BatchRun]] = {
    "gd": gd,
    "alternating_gd": alternating_gd,
    "scaled_gd": scaled_gd,
    "primal_dual": primal_dual,
}


def solve(problem: Problem, x0: Mapping[str, Any] | np.ndarray, *, method: str = "gd",
          budget: float | Budget | None = None, **options: Any) -> BatchRun:
    """Run the named method (``"gd"``, ``"alternating_gd"``, ``"scaled_gd"``,
    ``"gradient_flow"`` (needs ``t_eval=``), ``"primal_dual"``).

    ``budget`` (seconds or a :class:`~mfverify.budget.Budget`; ``None``: no limit) interrupts
    the run at the deadline with :class:`~mfverify.errors.BudgetExceeded`, whose message says
    how many instances had finished.
    """
    B = as_budget(budget, "sweep")
    if B.seconds is None:
        return _dispatch(problem, x0, method, options)
    user = options.get("progress")
    done = [0, 0]

    def track(i: int, total: int) -> None:
        done[0], done[1] = i, total
        if user is not None:
            user(i, total)

    options["progress"] = track
    try:
        with B.alarm(f"running {method}"):
            return _dispatch(problem, x0, method, options)
    except BudgetExceeded as exc:
        what = (f"{done[0]} of {done[1]} instances had finished" if done[1] else
                "no block of instances had finished")
        raise BudgetExceeded(f"{exc} ({what}; fewer instances, inits or iterations also "
                             "help)") from None


def _dispatch(problem: Problem, x0: Mapping[str, Any] | np.ndarray, method: str,
              options: dict[str, Any]) -> BatchRun:
    if method == "gradient_flow":
        if "t_eval" not in options:
            raise InputError("gradient_flow needs t_eval=[...] (the times to record)")
        return gradient_flow(problem, x0, **options)
    if method == "primal_dual":
        return primal_dual(problem, x0, **options)
    try:
        fn = METHODS[method]
    except KeyError:
        raise InputError(f"unknown method {method!r}; expected one of "
                         f"{sorted({*METHODS, 'gradient_flow'})}") from None
    return fn(problem, x0, **options)

