"""Closed-form landscapes of the factorization families, batched: the stationary classes
(strata) of f(X) = c‖XXᵀ − M‖²_F and f(U, V) = c‖UVᵀ − Σ‖²_F, and relative recovery errors.

Symmetric case (M symmetric with distinct eigenvalues λ₁ > λ₂ > … and eigenvectors u_i):
∇f = 4c(XXᵀ − M)X = 0 forces the range of X to be an invariant subspace of M on which XXᵀ
equals M, so the stationary points are exactly the orbits {X : XXᵀ = M_S}, M_S = Σ_{i∈S} λ_i
u_i u_iᵀ, over the subsets S of the *positive* eigenvalues with |S| <= r, with value
c(‖M‖²_F − Σ_{i∈S} λ_i²). The global minima are S = the min(r, #positive) largest; every
other class is a strict saddle (the landscape of Li, Lu, Arora, Haupt, Liu, Wang & Zhao 2019,
which mfverify's ``li2019`` claims check exactly).

Asymmetric case (Σ with distinct nonzero singular values σ_i, vectors u_i, v_i): the
stationary classes are UVᵀ = Σ_S = Σ_{i∈S} σ_i u_i v_iᵀ for |S| <= r, value
c(‖Σ‖²_F − Σ_{i∈S} σ_i²); the top-r set is the global minimum and the others are saddles
(the critical set of the linear autoencoder, Baldi & Hornik 1989; with distinct σ_i).

The class names list S with 1-based indices in decreasing order of λ (resp. σ): ``"S={1,3}"``.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

from ..errors import UnsupportedError
from .base import Stratum

__all__ = ["eigen_strata", "singular_strata", "relative_error", "MAX_STRATA"]

#: Most classes enumerated (the number of subsets grows like C(n, r)).
MAX_STRATA = 512


def _subsets(p: int, r: int) -> list[tuple[int, ...]]:
    total = sum(comb(p, k) for k in range(min(r, p) + 1))
    if total > MAX_STRATA:
        raise UnsupportedError(f"the landscape has {total} stationary classes (more than "
                               f"{MAX_STRATA}); use a smaller n or r to match classes")
    return [S for k in range(min(r, p) + 1) for S in itertools.combinations(range(p), k)]


def _name(S: tuple[int, ...]) -> str:
    return "S={" + ",".join(str(i + 1) for i in S) + "}"


def _strata(vals: np.ndarray, left: np.ndarray, right: np.ndarray, r: int, c: float,
            total: np.ndarray) -> list[Stratum]:
    """vals (B, p) decreasing, left (B, n, p), right (B, m, p)."""
    p = vals.shape[1]
    top = tuple(range(min(r, p)))
    out = []
    for S in _subsets(p, r):
        idx = list(S)
        inv = (left[:, :, idx] * vals[:, None, idx]) @ np.swapaxes(right[:, :, idx], -1, -2)
        value = c * (total - np.sum(vals[:, idx] ** 2, axis=1))
        out.append(Stratum(_name(S), inv, value, "global_min" if S == top else "saddle"))
    return out


def eigen_strata(M: np.ndarray, r: int, c: float) -> list[Stratum]:
    """Strata of c‖XXᵀ − M‖²_F for batched symmetric ``M`` (B, n, n); see the module
    docstring. The instances must have the same number of positive eigenvalues."""
    M = np.asarray(M, dtype=np.float64)
    lam, Q = np.linalg.eigh(M)
    lam, Q = lam[:, ::-1], Q[:, :, ::-1]
    pos = lam > 1e-12 * np.maximum(1.0, np.abs(lam).max(axis=1, keepdims=True))
    counts = pos.sum(axis=1)
    if counts.min() != counts.max():
        raise UnsupportedError("the instances have different numbers of positive eigenvalues; "
                               "their strata cannot share names")
    p = int(counts[0])
    total = np.sum(M ** 2, axis=(1, 2))
    return _strata(lam[:, :p], Q[:, :, :p], Q[:, :, :p], r, c, total)


def singular_strata(S: np.ndarray, r: int, c: float) -> list[Stratum]:
    """Strata of c‖UVᵀ − Σ‖²_F for batched ``Σ`` (B, m, n); see the module docstring."""
    S = np.asarray(S, dtype=np.float64)
    U, sv, Vt = np.linalg.svd(S, full_matrices=False)
    nz = sv > 1e-12 * np.maximum(1.0, sv[:, :1])
    counts = nz.sum(axis=1)
    if counts.min() != counts.max():
        raise UnsupportedError("the instances have different ranks; their strata cannot "
                               "share names")
    p = int(counts[0])
    total = np.sum(S ** 2, axis=(1, 2))
    return _strata(sv[:, :p], U[:, :, :p], np.swapaxes(Vt, -1, -2)[:, :, :p], r, c, total)


def relative_error(P: np.ndarray, T: np.ndarray) -> np.ndarray:
    """‖P − T‖_F / ‖T‖_F over the last two axes, ``P`` (B, K, p, q) and ``T`` (B, p, q)
    (``T`` = 0 gives ‖P‖_F)."""
    T = np.asarray(T, dtype=np.float64)[:, None]
    num = np.sqrt(np.sum((np.asarray(P, dtype=np.float64) - T) ** 2, axis=(-1, -2)))
    den = np.sqrt(np.sum(T ** 2, axis=(-1, -2)))
    return num / np.where(den > 0, den, 1.0)
