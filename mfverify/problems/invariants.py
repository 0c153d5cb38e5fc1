"""Orbit invariants in batched NumPy (any leading axes), used by the per-family hook
:meth:`~mfverify.problems.Problem.orbit_invariant`: a function of the point that is constant on
every orbit of the family's symmetry group, so that the batch engine's outcome classifier
compares runs with known stationary classes up to the symmetry instead of in raw coordinates.

* :func:`gram` -- XXᵀ, invariant under X ↦ XQ, Q ∈ O(r) (and it separates the O(r)-orbits);
* :func:`cross` -- UVᵀ, invariant under (U, V) ↦ (UA, VA⁻ᵀ), A ∈ GL(r);
* :func:`stacked_gram` -- [U; V][U; V]ᵀ, the O(r)-invariant of (U, V) ↦ (UQ, VQ);
* :func:`phase_gram` -- ZZᵀ and ZJZᵀ (J = [[0, −1], [1, 0]]) for the n×2 real pairs
  Z = [Re z, Im z]: the real and (minus) imaginary parts of zzᴴ, invariant under z ↦ e^{iθ}z;
* :func:`chain_product` -- W_L⋯W₁, invariant under the chain action
  (W_{i+1}A⁻¹, AWᵢ) of a deep linear network (it does not separate all orbits: W₁ = 0 and
  W₂ = 0 give the same product);
* :func:`raw_coordinates` -- the coordinates themselves (the trivial group).

Each returns the invariant flattened over its trailing axes: shape ``(*lead, k)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["gram", "cross", "stacked_gram", "phase_gram", "chain_product", "raw_coordinates"]


def _f(a: object) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _flat(a: np.ndarray, trailing: int = 2) -> np.ndarray:
    return a.reshape(*a.shape[:a.ndim - trailing], -1)


def _T(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def gram(X: object) -> np.ndarray:
    """XXᵀ (flattened), X of shape (..., n, r)."""
    A = _f(X)
    return _flat(A @ _T(A))


def cross(U: object, V: object) -> np.ndarray:
    """UVᵀ (flattened)."""
    return _flat(_f(U) @ _T(_f(V)))


def stacked_gram(U: object, V: object) -> np.ndarray:
    """[U; V][U; V]ᵀ (flattened)."""
    return gram(np.concatenate([_f(U), _f(V)], axis=-2))


def phase_gram(Z: object) -> np.ndarray:
    """(ZZᵀ, ZJZᵀ) for Z of shape (..., n, 2), concatenated (flattened)."""
    A = _f(Z)
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    return np.concatenate([_flat(A @ _T(A)), _flat(A @ J @ _T(A))], axis=-1)


def chain_product(Ws: Sequence[object]) -> np.ndarray:
    """W_L⋯W₁ (flattened) for Ws = [W₁, …, W_L] of shapes (..., dᵢ, d_{i−1})."""
    P = _f(Ws[0])
    for W in Ws[1:]:
        P = _f(W) @ P
    return _flat(P)


def raw_coordinates(x: Mapping[str, object], shapes: Mapping[str, tuple[int, ...]]
                    ) -> np.ndarray:
    """The variables in the order of ``shapes``, each flattened over its own shape."""
    parts = []
    for name, shape in shapes.items():
        a = _f(x[name])
        parts.append(a.reshape(*a.shape[:a.ndim - len(shape)], -1))
    return np.concatenate(parts, axis=-1)
