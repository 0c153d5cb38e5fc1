"""Running one study cell: B generated instances × K initializations as one batched run.

:func:`run_cell` is a plain top-level function of JSON-able arguments, so it pickles to any
worker process (local pool or Dask): the worker rebuilds the problem from the family's own
``generate`` hook and the cell's seeds, so nothing unpicklable (such as a problem with cached
derivatives) ever travels. It returns the cell's rows as NumPy columns (no pyarrow needed on the
worker).

Per run (instance b, initialization k) the row records: the outcome class of
:func:`mfverify.batch.outcomes.classify_runs` (``global_min`` when f <= f*_b + ftol with f*_b
the family's closed-form optimal value, e.g. Eckart–Young; ``stationary_unmatched`` for a small
gradient elsewhere, i.e. a spurious stationary point; ``stalled``; ``diverged``), the solver
status, the final f and ‖∇f‖_F, the iterations, T(δ) per δ (−1: not reached) and the numerical
rank of the final point: the number of singular values of XXᵀ (resp. UVᵀ; for other families
the smallest over the matrix variables) above ``rank_rtol``·σ_max.

Exact landscape. When the family lists the stationary classes of each instance in closed form
(:meth:`~mfverify.problems.Problem.critical_strata`: symmetric and asymmetric factorization,
small sizes), a ``stationary_unmatched`` run whose final point satisfies a class's equations
within the relative tolerance :data:`mfverify.batch.strata.MATCH_TOL` = 1e-4 is relabelled
with that class, e.g. ``saddle S={1,3}`` (see :func:`mfverify.batch.strata.match_strata`).
``recovery_error`` is the family's :meth:`~mfverify.problems.Problem.recovery_error`, e.g.
‖XXᵀ − M*‖_F / ‖M*‖_F (NaN for a family without one). The method ``primal_dual`` (constrained
family) runs :func:`mfverify.batch.primal_dual` with α = β = ``step`` from U₀ (λ₀ = 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import InputError
from .spec import Cell

__all__ = ["run_cell", "threshold_column", "numerical_rank"]


def threshold_column(delta: float) -> str:
    """Column name of T(δ), e.g. ``T_1e-06``."""
    return f"T_{delta!r}"


def _rank_of(A: np.ndarray, rtol: float) -> np.ndarray:
    s = np.linalg.svd(np.nan_to_num(A, nan=0.0, posinf=0.0, neginf=0.0), compute_uv=False)
    top = s[..., :1]
    return np.sum((s > rtol * top) & (top > 0), axis=-1)


def numerical_rank(x: Mapping[str, np.ndarray], rtol: float) -> np.ndarray:
    """Numerical rank per run (``(B, K)``) of the final point (see the module docstring)."""
    from ..batch.outcomes import product_invariant

    try:
        return _rank_of(product_invariant(x), rtol)
    except InputError:
        ranks = [_rank_of(np.asarray(v, dtype=np.float64), rtol) for v in x.values()
                 if np.ndim(v) == 4]
        if not ranks:
            raise
        return np.min(np.stack(ranks), axis=0)


def _solve(problem: Any, x0: Any, data: Mapping[str, np.ndarray], run: Mapping[str, Any]) -> Any:
    from ..batch import solvers

    deltas = list(run["deltas"])
    if run["method"] == "primal_dual":
        if deltas:
            raise InputError("method primal_dual records no T(δ); remove deltas")
        if "U" not in x0:
            raise InputError("method primal_dual needs a constrained family (variable U)")
        step = float(run["step"]) if run["step"] != "armijo" else None
        if step is None:
            raise InputError("method primal_dual needs a numeric step (α = β)")
        return solvers.primal_dual(problem, {"U": x0["U"]}, data=data, alpha=step,
                                   max_iter=int(run["max_iter"]), tol=float(run["gtol"]))
    if run["method"] == "gradient_flow":
        t_eval = np.linspace(0.0, float(run["t_final"]), 101)
        return solvers.gradient_flow(problem, x0, t_eval, data=data, gtol=run["gtol"],
                                     thresholds=deltas)
    step = solvers.Armijo() if run["step"] == "armijo" else float(run["step"])
    return solvers.solve(problem, x0, method=run["method"], data=data, step=step,
                         max_iter=int(run["max_iter"]), gtol=float(run["gtol"]),
                         thresholds=deltas)


def _match(problem: Any, data: Mapping[str, np.ndarray], res: Any,
           labels: np.ndarray) -> np.ndarray:
    from ..batch.strata import MATCH_TOL, match_strata, strata_or_none

    if not (labels == "stationary_unmatched").any():
        return labels
    strata = strata_or_none(problem, data)
    if strata is None:
        return labels
    return match_strata(labels, res.x, np.asarray(res.f, dtype=np.float64), strata,
                        tol=MATCH_TOL)


def _recovery(problem: Any, x: Mapping[str, np.ndarray],
              data: Mapping[str, np.ndarray]) -> np.ndarray:
    from ..errors import UnsupportedError

    try:
        with np.errstate(all="ignore"):
            return np.asarray(problem.recovery_error(x, data), dtype=np.float64)
    except UnsupportedError:
        B, K = next(iter(x.values())).shape[:2]
        return np.full((B, K), np.nan)


def run_cell(cell: Mapping[str, Any], B: int, K: int) -> dict[str, np.ndarray]:
    """Compute the B·K rows of one cell (``cell``: :meth:`Cell.to_json`); pure function of its
    arguments. Rows are ordered by (instance, init)."""
    from ..batch.outcomes import classify_runs, global_values
    from ..batch.solvers import STATUS
    from .spec import _generator_class

    c = Cell.from_json(cell)
    cls = _generator_class(c.family)
    problem, data = cls.generate(B, c.instance_seed, dict(c.gen))
    run = c.run
    from ..batch.inits import by_name

    x0 = by_name(run["init"], problem, data, B, K, float(run["alpha"]), seed=c.init_seed)
    res = _solve(problem, x0, data, run)
    try:
        f_global: Any = global_values(problem, data)[:, None]
    except InputError:  # no closed-form optimum: stationary / stalled / diverged only
        f_global = -np.inf
    out = classify_runs(res, f_global=f_global, ftol=float(run["ftol"]),
                        gtol=max(float(run["gtol"]), 1e-8))
    labels = _match(problem, data, res, out.labels)
    bb, kk = np.meshgrid(np.arange(B, dtype=np.int32), np.arange(K, dtype=np.int32),
                         indexing="ij")
    cols: dict[str, np.ndarray] = {
        "cell_id": np.full(B * K, c.cell_id, dtype=object),
        "instance": bb.ravel(), "init": kk.ravel(),
        "outcome": labels.ravel().astype(object),
        "status": np.array([STATUS[int(s)] for s in res.status.ravel()], dtype=object),
        "final_f": np.asarray(res.f, dtype=np.float64).ravel(),
        "grad_norm": np.asarray(res.grad_norm, dtype=np.float64).ravel(),
        "iterations": np.asarray(res.iterations, dtype=np.int64).ravel(),
        "rank": numerical_rank(res.x, float(run["rank_rtol"])).astype(np.int32).ravel(),
        "recovery_error": _recovery(problem, res.x, data).ravel(),
    }
    for d in run["deltas"]:
        cols[threshold_column(d)] = np.asarray(res.hits[d], dtype=np.int64).ravel()
    for axis, value in c.axes.items():
        cols[f"axis_{axis}"] = np.full(B * K, value, dtype=object if isinstance(value, str)
                                       else None)
    return cols
