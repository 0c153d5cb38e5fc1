"""Lie-algebra bases and orbit tangents of the two groups the problem library uses.

* O(r) acting on the right, X ↦ XQ: the orbit tangent at X is {XΩ : Ωᵀ = −Ω}
  (papers.md §2.3 G3), spanned by XΩ over the basis Ω = E_ij − E_ji (i < j).
* GL(r) acting by (U, V) ↦ (UA, VA⁻ᵀ): the orbit tangent is {(UΩ, −VΩᵀ) : Ω ∈ ℝ^{r×r}}
  (papers.md G4), spanned over the elementary matrices E_ij.

Shared by every problem class (and by the claims that prove invariance), so the group
conventions live in one place.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..arith import Arith
from .base import Point

__all__ = ["skew_basis", "elementary_basis", "orthogonal_orbit_tangent", "gl_orbit_tangent"]


def _zero(r: int) -> np.ndarray:
    om = np.empty((r, r), dtype=object)
    om[:] = sp.Integer(0)
    return om


def skew_basis(r: int) -> list[np.ndarray]:
    """The basis E_ij − E_ji (i < j) of the skew-symmetric r×r matrices (Lie algebra of O(r))."""
    out = []
    for i in range(r):
        for j in range(i + 1, r):
            om = _zero(r)
            om[i, j] = sp.Integer(1)
            om[j, i] = sp.Integer(-1)
            out.append(om)
    return out


def elementary_basis(r: int) -> list[np.ndarray]:
    """The elementary matrices E_ij (Lie algebra of GL(r))."""
    out = []
    for i in range(r):
        for j in range(r):
            om = _zero(r)
            om[i, j] = sp.Integer(1)
            out.append(om)
    return out


def orthogonal_orbit_tangent(A: Arith, factors: Point, r: int) -> list[Point]:
    """Spanning set of the O(r)-orbit tangent: every factor F ↦ FΩ with the same skew Ω."""
    out = []
    for om in skew_basis(r):
        Om = A.asarray(om)
        out.append({name: A.finish_array(F @ Om) for name, F in factors.items()})
    return out


def gl_orbit_tangent(A: Arith, U: np.ndarray, V: np.ndarray, r: int) -> list[Point]:
    """Spanning set of the GL(r)-orbit tangent {(UΩ, −VΩᵀ)} at (U, V)."""
    out = []
    for om in elementary_basis(r):
        Om = A.asarray(om)
        out.append({"U": A.finish_array(U @ Om), "V": A.finish_array(-(V @ A.T(Om)))})
    return out
