"""Asymmetric matrix factorization with optional balancing (papers.md §0.3, §2.6, §3).

    f(U, V) = scale·‖UVᵀ − Σ‖²_F + (balance/8)·‖UᵀU − VᵀV‖²_F,   U ∈ ℝ^{m×r}, V ∈ ℝ^{n×r}.

Closed forms, with R = UVᵀ − Σ and G = UᵀU − VᵀV (symmetric):

* ∇_U f = 2·scale·R V + (balance/2)·U G,   ∇_V f = 2·scale·Rᵀ U − (balance/2)·V G
* ∇²f(U,V)[D_U, D_V] with dR = D_U Vᵀ + U D_Vᵀ, dG = D_UᵀU + UᵀD_U − D_VᵀV − VᵀD_V:
  H_U = 2·scale·(dR V + R D_V) + (balance/2)·(D_U G + U dG),
  H_V = 2·scale·(dRᵀ U + Rᵀ D_U) − (balance/2)·(D_V G + V dG).

With scale = ½ and balance = 0 this is Ye & Du's objective (1): GD is
U⁺ = U + η(Σ − UVᵀ)V, V⁺ = V + η(Σ − UVᵀ)ᵀU. Invariance: GL(r) acting by (UA, VA⁻ᵀ) when
balance = 0 (orbit tangent (UΩ, −VΩᵀ), Ω ∈ ℝ^{r×r}); only O(r), acting by (UQ, VQ), when
balance ≠ 0 (papers.md G4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError
from ..numbers import parse_number
from .base import Point, Problem, SymmetryGroup, check_rank, exact_matrix
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

    def __init__(self, Sigma: Any, rank: int, *, scale: Any = "1/2",
                 balance: Any = 0) -> None:
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

    def describe(self) -> str:
        text = (f"f(U,V) = {self.scale}·‖UVᵀ − Σ‖²_F, U ∈ R^{{{self.m}×{self.r}}}, "
                f"V ∈ R^{{{self.n}×{self.r}}}")
        if self.balanced:
            text += f" + ({self.balance}/8)·‖UᵀU − VᵀV‖²_F"
        return text + f", Σ = {sp.Matrix(self.data['Sigma'].tolist()).tolist()}"

    def to_spec(self) -> dict[str, Any]:
        return {"problem": self.kind, "Sigma": _strings(self.data["Sigma"]), "rank": self.r,
                "scale": str(self.scale), "balance": str(self.balance)}
