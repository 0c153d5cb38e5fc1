"""Matching stationary runs against the exact (closed-form) landscape of their instance.

A run labelled ``stationary_unmatched`` by :func:`mfverify.batch.outcomes.classify_runs` (small
gradient, above the optimum) is identified with a stationary class of the instance's landscape
(:meth:`mfverify.problems.Problem.critical_strata`, e.g. the eigen-subset classes
M_S = Σ_{i∈S} λ_i u_i u_iᵀ of symmetric factorization) when the run satisfies the class's
equations within the stated tolerance ``tol``:

    ‖P(x) − P_S‖_F <= tol · max(1, ‖P_S‖_F)   and   |f(x) − f_S| <= tol · max(1, |f_S|),

with P the family's orbit invariant (XXᵀ, resp. UVᵀ). The nearest class in the invariant wins;
a run that matches no class keeps ``stationary_unmatched`` (reported, never hidden).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..problems.base import Stratum
from .outcomes import product_invariant

__all__ = ["match_strata", "MATCH_TOL"]

#: Default relative tolerance of :func:`match_strata` (recorded by studies).
MATCH_TOL = 1e-4


def match_strata(labels: np.ndarray, x: Mapping[str, np.ndarray], f: np.ndarray,
                 strata: Sequence[Stratum], *, tol: float = MATCH_TOL,
                 only: str = "stationary_unmatched") -> np.ndarray:
    """New labels ``(B, K)``: each run labelled ``only`` that satisfies a stratum's equations
    (module docstring) becomes ``"<kind> <name>"``, e.g. ``"saddle S={1,3}"``."""
    out = np.array(labels, dtype=object, copy=True)
    todo = out == only
    if not todo.any() or not strata:
        return out
    P = product_invariant(x)  # (B, K, p, q)
    best = np.full(out.shape, np.inf)
    name = np.full(out.shape, None, dtype=object)
    for s in strata:
        inv = np.asarray(s.invariant, dtype=np.float64)[:, None]
        scale = np.maximum(1.0, np.sqrt(np.sum(inv ** 2, axis=(-1, -2))))
        dist = np.sqrt(np.sum((P - inv) ** 2, axis=(-1, -2))) / scale
        v = np.asarray(s.value, dtype=np.float64)[:, None]
        ok = todo & (dist <= tol) & (np.abs(f - v) <= tol * np.maximum(1.0, np.abs(v)))
        better = ok & (dist < best)
        best[better] = dist[better]
        name[better] = f"{s.kind} {s.name}"
    hit = name != None  # noqa: E711 - elementwise on an object array
    out[hit] = name[hit]
    return out


def strata_or_none(problem: Any, data: Mapping[str, np.ndarray]) -> list[Stratum] | None:
    """The problem's strata for ``data``, or None when its landscape is not known in closed
    form (or too large to enumerate)."""
    from ..errors import UnsupportedError

    try:
        return list(problem.critical_strata(data))
    except UnsupportedError:
        return None
