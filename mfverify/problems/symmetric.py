"""Symmetric matrix factorization, f(X) = scale·‖XXᵀ − M‖²_F (the normalization of
docs/problems.md; Li et al. 2019).

Closed forms, for R = XXᵀ − M (symmetric because M is):

* ∇f(X) = 4·scale·R X (evaluated as 4·scale·(X(XᵀX) − MX), which never forms an n×n matrix)
* ∇²f(X)[D] = 4·scale·((X Dᵀ + D Xᵀ) X + R D)
* ∇²f(X)[D, D] = 4·scale·(½‖X Dᵀ + D Xᵀ‖²_F + ⟨R, D Dᵀ⟩)

With scale = ¼ (the default, as in Mohammadi et al.), ∇f = (XXᵀ − M)X and the gradient flow is
Ẋ = (M − XXᵀ)X. The objective is invariant under X ↦ XQ, Q ∈ O(r); the orbit tangent at X is
{XΩ : Ωᵀ = −Ω}, of dimension C(s,2) + s(r−s) at a point of rank s ((G3) of docs/paper-li2019.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..numbers import parse_number
from ..typing import ArrayLike, NumberLike
from .base import Point, Problem, SymmetryGroup, add_noise, check_rank, exact_matrix
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

    def __init__(self, M: ArrayLike, rank: int, *, scale: NumberLike = "1/4") -> None:
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

    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """XXᵀ (the O(r) invariant; it separates the orbits)."""
        from .invariants import gram

        return gram(x["X"])

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

    # -- family hooks ------------------------------------------------------------------------
    data_structure = {"M": "symmetric"}
    size_dims = ("n", "r")
    size_shapes = {"X": ("n", "r"), "M": ("n", "n"), "scale": ()}
    objective_expression = "scale*norm(X*X.T - M)^2"
    generator_keys = {"n": int, "r": int, "spectrum": str, "rank": int, "cond": float,
                      "top": float}

    def size(self) -> dict[str, int]:
        return {"n": self.n, "r": self.r}

    def at_size(self, size: Mapping[str, int]) -> SymmetricMF:
        from ..errors import RankError, UnsupportedError

        n = int(size["n"])
        try:
            return SymmetricMF([[0] * n for _ in range(n)], size["r"], scale=self.scale)
        except RankError as exc:
            raise UnsupportedError(f"the problem needs 1 <= r <= n ({exc})") from None

    def entries_at(self, size: Mapping[str, int]) -> int:
        """M (n×n) and X (n×r), without building them."""
        n, r = int(size["n"]), int(size["r"])
        return n * n + n * r

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """c·(Σ of λ_i² over the eigenvalues of M except the r largest positive ones): the best
        XXᵀ is the best PSD rank-r approximation of M (Eckart–Young for the PSD cone)."""
        M = np.asarray(data["M"] if data and "M" in data else
                       np.asarray(self.data["M"], dtype=np.float64), dtype=np.float64)
        M = M.reshape(-1, *M.shape[-2:])
        lam = np.linalg.eigvalsh(M)[:, ::-1]
        keep = np.zeros_like(lam, dtype=bool)
        keep[:, :self.r] = lam[:, :self.r] > 0
        return float(self.scale) * np.sum(np.where(keep, 0.0, lam ** 2), axis=1)

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """‖XXᵀ − M‖_F / ‖M‖_F per run (the target M of each instance)."""
        from .strata import relative_error

        X = np.asarray(x["X"], dtype=np.float64)
        return relative_error(X @ np.swapaxes(X, -1, -2), data["M"])

    def critical_strata(self, data: Mapping[str, np.ndarray]) -> list[Any]:
        """The eigen-subset classes M_S of :func:`mfverify.problems.strata.eigen_strata`."""
        from .strata import eigen_strata

        return eigen_strata(data["M"], self.r, float(self.scale))

    def global_min_certificate(self) -> tuple[str, str]:
        return ("attained", "f(X) = c‖XXᵀ − M‖² ≥ c(‖X‖²_F/√n − ‖M‖_F)² when ‖X‖²_F ≥ √n‖M‖_F, "
                "so f is coercive and attains its minimum at a stationary point")

    def hessian_matrix_form(self, x: Point, D: Point, data: Mapping[str, Any]
                            ) -> tuple[str, sp.Expr]:
        X = sp.Matrix(x["X"].tolist())
        Dm = sp.Matrix(D["X"].tolist())
        M = sp.Matrix(np.asarray(data["M"]).tolist())
        c = data["scale"]
        R = X * X.T - M
        S = X * Dm.T + Dm * X.T
        expr = 4 * c * (sp.Rational(1, 2) * sum(v ** 2 for v in S) +
                        sum(a * b for a, b in zip(R, Dm * Dm.T, strict=True)))
        return ("4c·(½‖X Dᵀ + D Xᵀ‖²_F + ⟨X Xᵀ − M, D Dᵀ⟩), c = " + str(c), expr)

    def spectral_init(self, data: Mapping[str, np.ndarray], K: int = 1, *, noise: float = 0.0,
                      seed: int = 0) -> Point:
        """X = V_r·diag(√max(λ_i, 0)) from the r largest eigenvalues of each M."""
        M = np.asarray(data["M"], dtype=np.float64)
        w, Q = np.linalg.eigh(M)
        w, Q = w[:, ::-1][:, :self.r], Q[:, :, ::-1][:, :, :self.r]
        X = Q * np.sqrt(np.maximum(w, 0.0))[:, None, :]
        return add_noise({"X": np.repeat(X[:, None], K, axis=1)}, noise, seed)

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[SymmetricMF, dict[str, np.ndarray]]:
        """``gen:symmetric``: n [10], r [n], spectrum (psd | indefinite | singular) [psd], rank
        [n for psd, n/2 otherwise], cond [10], top [1]. M = Q·diag(λ)·Qᵀ (Haar Q)."""
        from .generators import check_dimension, check_generated_size, symmetric_instances

        n = check_dimension(params.get("n", 10), "n")
        check_generated_size(B * n * n, f"B × n² = {B} × {n}²")
        inst = symmetric_instances(B, n, spectrum_kind=params.get("spectrum", "psd"),
                                   rank=params.get("rank"), cond=params.get("cond", 10.0),
                                   top=params.get("top", 1.0), seed=seed)
        return cls(np.eye(n, dtype=int).tolist(), params.get("r", n)), inst.data

    @classmethod
    def strategy(cls, **options: Any) -> Any:
        """:func:`mfverify.strategies.symmetric_mf` (options n, r, signature, ...)."""
        from ..strategies import symmetric_mf

        return symmetric_mf(**options)

    def describe(self) -> str:
        return (f"f(X) = {self.scale}·‖XXᵀ − M‖²_F, X ∈ R^{{{self.n}×{self.r}}}, "
                f"M = {sp.Matrix(self.data['M'].tolist()).tolist()}")

    def to_spec(self) -> dict[str, Any]:
        return {"problem": self.kind, "M": _strings(self.data["M"]), "rank": self.r,
                "scale": str(self.scale)}


def _strings(arr: np.ndarray) -> Any:
    return np.vectorize(lambda v: str(v), otypes=[object])(arr).tolist()
