"""Asymmetric matrix factorization with optional balancing (docs/problems.md; Valavi, Liu & Ramadge
2020; Ye & Du 2021).

    f(U, V) = scale·‖UVᵀ − Σ‖²_F + (balance/8)·‖UᵀU − VᵀV‖²_F,   U ∈ ℝ^{m×r}, V ∈ ℝ^{n×r}.

Closed forms, with R = UVᵀ − Σ and G = UᵀU − VᵀV (symmetric):

* ∇_U f = 2·scale·R V + (balance/2)·U G,   ∇_V f = 2·scale·Rᵀ U − (balance/2)·V G
* ∇²f(U,V)[D_U, D_V] with dR = D_U Vᵀ + U D_Vᵀ, dG = D_UᵀU + UᵀD_U − D_VᵀV − VᵀD_V:
  H_U = 2·scale·(dR V + R D_V) + (balance/2)·(D_U G + U dG),
  H_V = 2·scale·(dRᵀ U + Rᵀ D_U) − (balance/2)·(D_V G + V dG).

With scale = ½ and balance = 0 this is Ye & Du's objective (1): GD is
U⁺ = U + η(Σ − UVᵀ)V, V⁺ = V + η(Σ − UVᵀ)ᵀU. Invariance: GL(r) acting by (UA, VA⁻ᵀ) when
balance = 0 (orbit tangent (UΩ, −VΩᵀ), Ω ∈ ℝ^{r×r}); only O(r), acting by (UQ, VQ), when
balance ≠ 0 ((G4) of docs/paper-li2019.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError
from ..numbers import parse_number
from ..typing import ArrayLike, NumberLike
from .base import Point, Problem, SymmetryGroup, add_noise, check_rank, exact_matrix
from .groups import gl_orbit_tangent, orthogonal_orbit_tangent
from .symmetric import _positive_scale, _strings

__all__ = ["AsymmetricMF"]


class AsymmetricMF(Problem):
    """f(U,V) = scale·‖UVᵀ − Σ‖²_F + (balance/8)·‖UᵀU − VᵀV‖²_F.

    Parameters
    ----------
    Sigma
        m×n data matrix Σ.
    rank
        Factor width r, 1 <= r <= max(m, n).
    scale
        Constant in front of the fit term (default ½).
    balance
        Weight of the balancing regularizer (default 0, i.e. none); balance = 1 gives the
        (1/8)‖UᵀU − VᵀV‖² regularizer of Li et al. / Tu et al.
    """

    kind = "asymmetric"
    spec_keys = ("Sigma", "rank", "scale", "balance")
    required_keys = ("Sigma", "rank")

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> AsymmetricMF:
        return cls(spec["Sigma"], spec["rank"], scale=spec.get("scale", "1/2"),
                   balance=spec.get("balance", 0))

    def __init__(self, Sigma: ArrayLike, rank: int, *, scale: NumberLike = "1/2",
                 balance: NumberLike = 0) -> None:
        super().__init__()
        S = exact_matrix(Sigma, "Sigma")
        self.m, self.n = S.shape
        self.r = check_rank(rank, "rank", low=1, high=max(self.m, self.n),
                            what="factor width of U ∈ R^{m×r}, V ∈ R^{n×r}")
        self.scale = _positive_scale(scale)
        self.balance = parse_number(balance)
        if self.balance.is_negative:
            raise InputError(f"balance must be >= 0, got {balance!r}")
        self.variables = {"U": (self.m, self.r), "V": (self.n, self.r)}
        self.data = {"Sigma": S, "scale": self.scale, "balance": self.balance}

    @property
    def balanced(self) -> bool:
        return self.balance != 0

    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        U, V = x["U"], x["V"]
        R = U @ A.T(V) - d["Sigma"]
        val = d["scale"] * A.sumsq(R)
        if self.balanced:
            G = A.T(U) @ U - A.T(V) @ V
            val = val + (d["balance"] / A.const(8)) * A.sumsq(G)
        return val

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        U, V = x["U"], x["V"]
        R = U @ A.T(V) - d["Sigma"]
        two_s = 2 * d["scale"]
        gU = two_s * (R @ V)
        gV = two_s * (A.T(R) @ U)
        if self.balanced:
            G = A.T(U) @ U - A.T(V) @ V
            half_b = d["balance"] / A.const(2)
            gU = gU + half_b * (U @ G)
            gV = gV - half_b * (V @ G)
        return {"U": gU, "V": gV}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        U, V = x["U"], x["V"]
        DU, DV = v["U"], v["V"]
        R = U @ A.T(V) - d["Sigma"]
        dR = DU @ A.T(V) + U @ A.T(DV)
        two_s = 2 * d["scale"]
        hU = two_s * (dR @ V + R @ DV)
        hV = two_s * (A.T(dR) @ U + A.T(R) @ DU)
        if self.balanced:
            G = A.T(U) @ U - A.T(V) @ V
            dG = A.T(DU) @ U + A.T(U) @ DU - A.T(DV) @ V - A.T(V) @ DV
            half_b = d["balance"] / A.const(2)
            hU = hU + half_b * (DU @ G + U @ dG)
            hV = hV - half_b * (DV @ G + V @ dG)
        return {"U": hU, "V": hV}

    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """UVᵀ for the GL(r) action (unbalanced), [U; V][U; V]ᵀ for O(r) (balanced)."""
        from .invariants import cross, stacked_gram

        return stacked_gram(x["U"], x["V"]) if self.balanced else cross(x["U"], x["V"])

    def symmetry(self) -> SymmetryGroup:
        r = self.r
        if self.balanced:
            return SymmetryGroup(f"O({r})", r * (r - 1) // 2, "(U, V) -> (U Q, V Q), Q in O(r)",
                                 "balancing regularizer breaks GL(r) down to O(r)")
        return SymmetryGroup(f"GL({r})", r * r, "(U, V) -> (U A, V A^{-T}), A in GL(r)")

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        A = get_arith(arith)
        pt = self.point(x, A, batch=False)
        U, V = pt["U"], pt["V"]
        if self.balanced:
            return orthogonal_orbit_tangent(A, {"U": U, "V": V}, self.r)
        return gl_orbit_tangent(A, U, V, self.r)

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        A = get_arith(arith)
        pt = self.point(x, A)
        G = A.asarray(g)
        if self.balanced:
            return {"U": pt["U"] @ G, "V": pt["V"] @ G}
        return {"U": pt["U"] @ G, "V": pt["V"] @ A.T(A.inv(G))}

    # -- family hooks ------------------------------------------------------------------------
    size_dims = ("m", "n", "r")
    size_shapes = {"U": ("m", "r"), "V": ("n", "r"), "Sigma": ("m", "n"), "scale": (),
                   "balance": ()}
    objective_expression = "scale*norm(U*V.T - Sigma)^2 + balance/8*norm(U.T*U - V.T*V)^2"
    generator_keys = {"m": int, "n": int, "r": int, "rank": int, "cond": float, "top": float}

    def size(self) -> dict[str, int]:
        return {"m": self.m, "n": self.n, "r": self.r}

    def at_size(self, size: Mapping[str, int]) -> AsymmetricMF:
        from ..errors import RankError, UnsupportedError

        m, n = int(size["m"]), int(size["n"])
        try:
            return AsymmetricMF([[0] * n for _ in range(m)], size["r"], scale=self.scale,
                                balance=self.balance)
        except RankError as exc:
            raise UnsupportedError(f"the problem needs 1 <= r <= max(m, n) ({exc})") from None

    def entries_at(self, size: Mapping[str, int]) -> int:
        """Σ (m×n), U (m×r) and V (n×r), without building them."""
        m, n, r = int(size["m"]), int(size["n"]), int(size["r"])
        return m * n + (m + n) * r

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """c·Σ_{i>r} σ_i(Σ)² for any balance >= 0 (a balanced factorization of the truncated
        SVD attains the Eckart–Young bound and makes the regularizer vanish)."""
        S = np.asarray(data["Sigma"] if data and "Sigma" in data else
                       np.asarray(self.data["Sigma"], dtype=np.float64), dtype=np.float64)
        S = S.reshape(-1, *S.shape[-2:])
        sv = np.linalg.svd(S, compute_uv=False)
        return float(self.scale) * np.sum(sv[:, self.r:] ** 2, axis=1)

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """‖UVᵀ − Σ‖_F / ‖Σ‖_F per run (the target Σ of each instance)."""
        from .strata import relative_error

        U, V = np.asarray(x["U"], dtype=np.float64), np.asarray(x["V"], dtype=np.float64)
        return relative_error(U @ np.swapaxes(V, -1, -2), data["Sigma"])

    def critical_strata(self, data: Mapping[str, np.ndarray]) -> list[Any]:
        """The singular-subset classes Σ_S of :func:`mfverify.problems.strata.singular_strata`
        (without the balancing term only: with it the classes are the balanced ones)."""
        from ..errors import UnsupportedError
        from .strata import singular_strata

        if self.balanced:
            raise UnsupportedError("the strata are listed for the unbalanced objective only")
        return singular_strata(data["Sigma"], self.r, float(self.scale))

    def global_min_certificate(self) -> tuple[str, str]:
        return ("attained", "the fit term attains its infimum at a balanced SVD factorization "
                "(Eckart–Young) where the balancing term vanishes; the minimum is attained "
                "at a stationary point")

    def hessian_matrix_form(self, x: Point, D: Point, data: Mapping[str, Any]
                            ) -> tuple[str, sp.Expr] | None:
        if self.balanced:
            return None
        U, V = sp.Matrix(x["U"].tolist()), sp.Matrix(x["V"].tolist())
        DU, DV = sp.Matrix(D["U"].tolist()), sp.Matrix(D["V"].tolist())
        Sg = sp.Matrix(np.asarray(data["Sigma"]).tolist())
        c = data["scale"]
        dR = DU * V.T + U * DV.T
        R = U * V.T - Sg
        expr = 2 * c * (sum(v ** 2 for v in dR) +
                        2 * sum(a * b for a, b in zip(R, DU * DV.T, strict=True)))
        return ("2c·(‖D_U Vᵀ + U D_Vᵀ‖²_F + 2⟨U Vᵀ − Σ, D_U D_Vᵀ⟩), c = " + str(c), expr)

    def spectral_init(self, data: Mapping[str, np.ndarray], K: int = 1, *, noise: float = 0.0,
                      seed: int = 0) -> Point:
        """U = U_r·diag(√σ), V = V_r·diag(√σ) from the top-r SVD of each Σ."""
        S = np.asarray(data["Sigma"], dtype=np.float64)
        B, r = S.shape[0], self.r
        Uf, sv, Vt = np.linalg.svd(S, full_matrices=False)
        k = min(r, sv.shape[-1])
        U = np.zeros((B, S.shape[1], r))
        V = np.zeros((B, S.shape[2], r))
        U[:, :, :k] = Uf[:, :, :k] * np.sqrt(sv[:, None, :k])
        V[:, :, :k] = np.swapaxes(Vt, -1, -2)[:, :, :k] * np.sqrt(sv[:, None, :k])
        return add_noise({"U": np.repeat(U[:, None], K, axis=1),
                          "V": np.repeat(V[:, None], K, axis=1)}, noise, seed)

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[AsymmetricMF, dict[str, np.ndarray]]:
        """``gen:asymmetric``: m [10], n [m], r [rank], rank [3], cond [10], top [1].
        Σ = U·diag(σ)·Vᵀ with Haar singular vectors, f = ½‖UVᵀ − Σ‖²."""
        from .generators import check_dimension, check_generated_size, rectangular_instances

        m = check_dimension(params.get("m", 10), "m")
        n = check_dimension(params.get("n", m), "n")
        rank = params.get("rank", 3)
        check_generated_size(B * m * n, f"B × m × n = {B} × {m} × {n}")
        inst = rectangular_instances(B, m, n, rank=rank, cond=params.get("cond", 10.0),
                                     top=params.get("top", 1.0), seed=seed)
        return cls(np.zeros((m, n), dtype=int).tolist(), params.get("r", rank)), inst.data

    @classmethod
    def strategy(cls, **options: Any) -> Any:
        """:func:`mfverify.strategies.asymmetric_mf` (options m, n, r, rank, cond)."""
        from ..strategies import asymmetric_mf

        return asymmetric_mf(**options)

    def describe(self) -> str:
        text = (f"f(U,V) = {self.scale}·‖UVᵀ − Σ‖²_F, U ∈ R^{{{self.m}×{self.r}}}, "
                f"V ∈ R^{{{self.n}×{self.r}}}")
        if self.balanced:
            text += f" + ({self.balance}/8)·‖UᵀU − VᵀV‖²_F"
        return text + f", Σ = {sp.Matrix(self.data['Sigma'].tolist()).tolist()}"

    def to_spec(self) -> dict[str, Any]:
        return {"problem": self.kind, "Sigma": _strings(self.data["Sigma"]), "rank": self.r,
                "scale": str(self.scale), "balance": str(self.balance)}
