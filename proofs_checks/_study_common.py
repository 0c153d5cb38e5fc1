"""Running a claim's phase-transition grid through the study engine (no store: the claim
computes each cell in-process with :func:`mfverify.study.run_cell`, the same pure function the
study runner sends to its workers, and pools the rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mfverify.study import load_study, run_cell

__all__ = ["run_grid", "by_axis"]


def run_grid(spec: Mapping[str, Any]) -> tuple[Any, dict[str, np.ndarray]]:
    """(the validated :class:`~mfverify.study.Study`, its rows as NumPy columns, cells in
    grid order)."""
    study = load_study(dict(spec))
    parts = [run_cell(c.to_json(), study.instances, study.inits) for c in study.cells()]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return study, cols


def by_axis(cols: Mapping[str, np.ndarray], *axes: str) -> dict[tuple[Any, ...], np.ndarray]:
    """Row masks per value tuple of ``axes`` (the other axes pooled)."""
    keys = list(zip(*(cols[f"axis_{a}"].tolist() for a in axes), strict=True))
    out: dict[tuple[Any, ...], np.ndarray] = {}
    for k in sorted(set(keys)):
        out[k] = np.array([kk == k for kk in keys])
    return out


def logistic_fit(x: np.ndarray, y: np.ndarray, iters: int = 50) -> dict[str, float]:
    """Maximum-likelihood logistic regression P(success) = 1/(1 + exp(−(a + b·x))) by Newton's
    method (IRLS), with the 50% point c = −a/b and its standard error by the delta method
    from the inverse Fisher information Σ p(1 − p)·[1, x; x, x²]⁻¹. Raises ValueError when the
    data are separable (the MLE does not exist: no transition width can be estimated)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    zeros, ones = x[y < 0.5], x[y >= 0.5]
    if zeros.size == 0 or ones.size == 0 or zeros.max() <= ones.min() or \
            ones.max() <= zeros.min():
        raise ValueError("separable data: the logistic MLE does not exist")
    X = np.stack([np.ones_like(x), x], axis=1)
    beta = np.zeros(2)
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(X @ beta)))
        W = p * (1 - p)
        H = X.T @ (X * W[:, None])
        step = np.linalg.solve(H + 1e-12 * np.eye(2), X.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
        if np.max(np.abs(beta)) > 1e4:
            raise ValueError("separable data: the logistic MLE does not exist")
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    cov = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    a, b = beta
    c = -a / b
    grad = np.array([-1.0 / b, a / b ** 2])
    return {"a": float(a), "b": float(b), "c": float(c),
            "c_stderr": float(np.sqrt(grad @ cov @ grad))}
