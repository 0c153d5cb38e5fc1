"""Symmetric matrix factorization, f(X) = scale·‖XXᵀ − M‖²_F (papers.md §0.3, §2).

Closed forms, for R = XXᵀ − M (symmetric because M is):

* ∇f(X) = 4·scale·R X (evaluated as 4·scale·(X(XᵀX) − MX), which never forms an n×n matrix)
* ∇²f(X)[D] = 4·scale·((X Dᵀ + D Xᵀ) X + R D)
* ∇²f(X)[D, D] = 4·scale·(½‖X Dᵀ + D Xᵀ‖²_F + ⟨R, D Dᵀ⟩)

With scale = ¼ (the default, as in Mohammadi et al.), ∇f = (XXᵀ − M)X and the gradient flow is
Ẋ = (M − XXᵀ)X. The objective is invariant under X ↦ XQ, Q ∈ O(r); the orbit tangent at X is
{XΩ : Ωᵀ = −Ω}, of dimension C(s,2) + s(r−s) at a point of rank s (papers.md G3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..numbers import parse_number
from .base import Point, Problem, SymmetryGroup, check_rank, exact_matrix
from .groups import orthogonal_orbit_tangent

__all__ = ["SymmetricMF"]


def _positive_scale(scale: Any) -> sp.Expr:
    from ..errors import InputError

    value = parse_number(scale)
    if not value.is_positive:
        raise InputError(f"scale must be a positive number, got {scale!r}")
    return value


class SymmetricMF(Problem):
    """f(X) = scale·‖XXᵀ − M‖²_F with X ∈ ℝ^{n×r} and M = Mᵀ of any signature.

    Parameters
    ----------
    M
        Symmetric n×n matrix (nested lists, NumPy or SymPy; entries may be exact strings).
    rank
        Factor width r, 1 <= r <= n (below, at or above rank(M)).
    scale
        The normalization constant c > 0 (default ¼).

    Examples
    --------
    >>> from mfverify.problems import SymmetricMF
    >>> p = SymmetricMF([[3, 0], [0, 1]], rank=1)
    >>> p.value({"X": [["sqrt(3)"], [0]]}, "exact")
    1/4
    """

    kind = "symmetric"
    spec_keys = ("M", "rank", "scale")
    required_keys = ("M", "rank")

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SymmetricMF:
        return cls(spec["M"], spec["rank"], scale=spec.get("scale", "1/4"))

    def __init__(self, M: Any, rank: int, *, scale: Any = "1/4") -> None:
        super().__init__()
        Mx = exact_matrix(M, "M", symmetric=True)
        n = Mx.shape[0]
        self.n = n
        self.r = check_rank(rank, "rank", low=1, high=n, what="factor width of X ∈ R^{n×r}")
        self.scale = _positive_scale(scale)
        self.variables = {"X": (n, self.r)}
        self.data = {"M": Mx, "scale": self.scale}

    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        X = x["X"]
        R = X @ A.T(X)
        M = d["M"]
        if np.broadcast_shapes(np.shape(R), np.shape(M)) == np.shape(R):
            R -= M  # in place: one n×n temporary instead of two
        else:  # M carries batch axes that X does not
            R = R - M
        return d["scale"] * A.sumsq(R)

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        # 4c (XXᵀ − M) X evaluated as 4c (X (XᵀX) − M X): the same polynomial, but no n×n
        # temporary, O(n²r + nr²) work instead of O(n²r) with two n×n intermediates.
        # M X is taken as (Xᵀ M)ᵀ (M is symmetric), which BLAS evaluates faster for thin X.
        X = x["X"]
        G = X @ (A.T(X) @ X)
        G -= A.sym_mul(d["M"], X)  # G is a fresh array: in place is safe
        c4 = 4 * d["scale"]
        return {"X": G if np.ndim(c4) == 0 and c4 == 1 else c4 * G}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        # 4c ((XDᵀ + DXᵀ) X + (XXᵀ − M) D) = 4c (X (DᵀX + XᵀD) + D (XᵀX) − M D)
        X, D = x["X"], v["X"]
        XtD = A.T(X) @ D
        return {"X": (4 * d["scale"]) * (X @ (A.T(XtD) + XtD) + D @ (A.T(X) @ X) - d["M"] @ D)}

    def symmetry(self) -> SymmetryGroup:
        r = self.r
        return SymmetryGroup(f"O({r})", r * (r - 1) // 2, "X -> X Q, Q in O(r)")

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        A = get_arith(arith)
        X = self.point(x, A, batch=False)["X"]
        return orthogonal_orbit_tangent(A, {"X": X}, self.r)

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        A = get_arith(arith)
        X = self.point(x, A)["X"]
        return {"X": X @ A.asarray(g)}

    def describe(self) -> str:
        return (f"f(X) = {self.scale}·‖XXᵀ − M‖²_F, X ∈ R^{{{self.n}×{self.r}}}, "
                f"M = {sp.Matrix(self.data['M'].tolist()).tolist()}")

    def to_spec(self) -> dict[str, Any]:
        return {"problem": self.kind, "M": _strings(self.data["M"]), "rank": self.r,
                "scale": str(self.scale)}


def _strings(arr: np.ndarray) -> Any:
    return np.vectorize(lambda v: str(v), otypes=[object])(arr).tolist()
