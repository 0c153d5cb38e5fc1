"""Helpers shared by the batch-engine claim modules (exact re-checks of float counterexamples,
random orthogonal matrices with exactly rational Cayley preimages, evidence formatting).

Not a claims module (the leading underscore keeps it out of the catalog).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import flint
import numpy as np

__all__ = ["cayley", "cayley_exact", "qmat", "qmat_float", "is_psd_exact", "frac",
           "fstr", "round_sig", "step_used"]


def frac(x: float) -> Fraction:
    """The exact rational value of a float."""
    return Fraction(float(x))


def _fq(v: Fraction) -> flint.fmpq:
    return flint.fmpq(v.numerator, v.denominator)


def qmat(a: Any) -> flint.fmpq_mat:
    """An exact rational matrix from a float array (each float's exact binary value) or a
    nested list of Fractions."""
    arr = np.asarray(a, dtype=object)
    rows, cols = arr.shape
    return flint.fmpq_mat(rows, cols, [_fq(v if isinstance(v, Fraction) else frac(v))
                                       for v in arr.reshape(-1)])


def qmat_float(M: flint.fmpq_mat) -> np.ndarray:
    return np.array([[float(Fraction(int(M[i, j].p), int(M[i, j].q))) for j in range(M.ncols())]
                     for i in range(M.nrows())])


def cayley(K: np.ndarray) -> np.ndarray:
    """Batched Cayley transform Q = (I + K)⁻¹(I − K) of skew-symmetric K (orthogonal)."""
    n = K.shape[-1]
    eye = np.eye(n)
    return np.linalg.solve(eye + K, eye - K)


def cayley_exact(K: np.ndarray) -> flint.fmpq_mat:
    """The exact rational Cayley transform of the float skew matrix K (exactly orthogonal)."""
    n = K.shape[-1]
    Kq = qmat(K)
    eye = flint.fmpq_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
    return (eye + Kq).inv() * (eye - Kq)


def is_psd_exact(M: flint.fmpq_mat) -> bool:
    """Exact PSD test of a symmetric rational matrix: every principal minor is >= 0."""
    n = M.nrows()
    for k in range(1, n + 1):
        for idx in itertools.combinations(range(n), k):
            sub = flint.fmpq_mat(k, k, [M[i, j] for i in idx for j in idx])
            if sub.det() < 0:
                return False
    return True


def fstr(M: flint.fmpq_mat) -> list[list[str]]:
    """An exact rational matrix as nested lists of strings SymPy reads back."""
    return [[str(M[i, j]) for j in range(M.ncols())] for i in range(M.nrows())]


def round_sig(x: float, digits: int = 6) -> float:
    """A float rounded to ``digits`` significant digits (for readable evidence)."""
    if not np.isfinite(x) or x == 0:
        return float(x)
    return float(f"{x:.{digits}g}")


def step_used(res: Any, requested: Any) -> dict[str, Any]:
    """The fixed step size the batch engine actually used, read from ``BatchRun.step`` (one
    value per run), against the one requested (scalar or per instance, broadcast to the runs).

    ``matches`` is exact equality: a fixed-step run reports η itself. The evidence of a claim
    records ``eta_used`` (what ran), so an engine that runs at 2η shows it.
    """
    used = np.asarray(res.step, dtype=np.float64)
    req = np.asarray(requested, dtype=np.float64)
    want = np.broadcast_to(req.reshape(req.shape + (1,) * (used.ndim - req.ndim)), used.shape)
    vals = np.unique(used)
    return {"eta_requested": req.tolist() if req.ndim else float(req),
            "eta_used": float(vals[0]) if vals.size == 1 else [round_sig(v, 8) for v in vals],
            "read_from": "BatchRun.step (per run)",
            "matches": bool(used.shape == want.shape and np.array_equal(used, want))}
