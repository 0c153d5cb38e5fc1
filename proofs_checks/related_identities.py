"""Related identities (the normalization of docs/problems.md and Ge, Jin & Zheng
2017), proved exactly for small sizes.

* **normalization**: for f_c(X) = c‖XXᵀ − M‖²_F (M symmetric, c a free positive symbol),
  ∇f_c(X) = 4c(XXᵀ − M)X and ∇²f_c(X)[D, D] = 4c(½‖XDᵀ + DXᵀ‖²_F + ⟨XXᵀ − M, DDᵀ⟩), checked
  against the SymPy/python-flint derivative of the objective for every c at once.
* **R5, Ge–Jin–Zheng (2017)**: for f(U) = ‖UUᵀ − M*‖²_F (c = 1), M* = WWᵀ and Δ = U − W,
  ∇²f(U)[Δ, Δ] − 4⟨∇f(U), Δ⟩ = 2‖ΔΔᵀ‖²_F − 6‖UUᵀ − M*‖²_F, for every U and W. The derivatives
  are those of the objective (second partial derivatives contracted with Δ), not closed forms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mfverify.claims import Outcome, RunContext, claim
from mfverify.claims.citations import cite
from mfverify.derivation import ExactBackend, check_gradient, check_hessian, gradient_of
from mfverify.derivation.exact import (
    ExactCase,
    as_object_array,
    decide,
    parse_sizes,
    size_grid,
    structured_matrix,
)
from mfverify.errors import UnsupportedError
from mfverify.problems import SymmetricMF

from ._derivation_common import outcome

PAPER = "related"


@claim(f"{PAPER}.normalization-every-scale", paper=PAPER,
       source="the normalization f_c = c‖XXᵀ − M‖² of docs/problems.md, for every c > 0",
       cites=[cite("mfverify", "docs/problems.md, normalization")],
       provenance="derived",
       statement="For f_c(X) = c‖XXᵀ − M‖²_F with M symmetric and any c > 0: ∇f_c(X) = "
                 "4c(XXᵀ − M)X and ∇²f_c(X)[D, D] = 4c(½‖XDᵀ + DXᵀ‖²_F + ⟨XXᵀ − M, DDᵀ⟩).",
       latex=r"\nabla^2 f_c(X)[D,D] = 4c\left(\tfrac12\|XD^\top + DX^\top\|_F^2 + "
             r"\langle XX^\top - M, DD^\top\rangle\right)",
       tags=("identity", "exact", "normalization"))
def normalization_every_scale(ctx: RunContext) -> Outcome:
    p = SymmetricMF([[1, 0], [0, 0]], rank=1, scale="1/4")
    sizes = "1..3" if ctx.quick else "1..4"
    g = check_gradient(p, "4*scale*(X*X.T - M)*X", symbolic=["scale"], sizes=sizes)
    h = check_hessian(p, "4*scale*(1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T)) in D",
                      symbolic=["scale"], sizes=sizes)
    out = outcome([("gradient 4c(XX^T - M)X", g), ("Hessian quadratic form", h)])
    out.evidence["scale"] = "c is a free positive symbol (every scale at once)"
    return out


def gjz_case(size: dict[str, int]) -> ExactCase:
    """Both sides of the Ge–Jin–Zheng identity at size (n, r), exactly."""
    n, r = size["n"], size["r"]
    if r > n:
        raise UnsupportedError("the symmetric problem needs r <= n")
    U = structured_matrix("U", n, r)
    W = structured_matrix("W", n, r)
    syms = {e for a in (U, W) for e in a.reshape(-1)}
    B = ExactBackend(syms)
    A = B.A
    Uq, Wq = B.convert(U), B.convert(W)
    p = SymmetricMF([[0] * n for _ in range(n)], r, scale=1)
    f = B.finish(p.objective(A, {"X": Uq}, {"M": Wq @ Wq.T, "scale": A.const(1)}))
    grad = gradient_of(f, U, B)
    delta = Uq - Wq
    flat_u = U.reshape(-1)
    flat_d = delta.reshape(-1)
    grad_flat = grad.reshape(-1)
    hess_form = B.zero()
    for i, ui in enumerate(flat_u):
        for j in range(len(flat_u)):
            hess_form = hess_form + B.diff(grad_flat[j], ui) * flat_d[i] * flat_d[j]
    lin = B.zero()
    for gi, di in zip(grad_flat, flat_d, strict=True):
        lin = lin + gi * di
    lhs = hess_form - 4 * lin

    def sq(a: np.ndarray) -> Any:
        return (a * a).sum()

    rhs = 2 * sq(delta @ delta.T) - 6 * sq(Uq @ Uq.T - Wq @ Wq.T)
    return ExactCase(dict(size), {"U": U, "W": W}, as_object_array(lhs), as_object_array(rhs),
                     "LHS - RHS", to_sympy=B.to_sympy)


@claim(f"{PAPER}.gjz-identity", paper=PAPER,
       source=("Ge, Jin & Zheng 2017 (ICML): the key identity of their unified analysis, "
               "derived here"),
       cites=[cite("gejinzheng2017", "key identity of the unified analysis")],
       provenance="derived",
       statement="For f(U) = ‖UUᵀ − M*‖²_F, M* = WWᵀ and Δ = U − W (any U, W ∈ ℝ^{n×r}): "
                 "∇²f(U)[Δ, Δ] − 4⟨∇f(U), Δ⟩ = 2‖ΔΔᵀ‖²_F − 6‖UUᵀ − M*‖²_F.",
       latex=r"\nabla^2 f(U)[\Delta,\Delta] - 4\langle\nabla f(U),\Delta\rangle = "
             r"2\|\Delta\Delta^\top\|_F^2 - 6\|UU^\top - M^*\|_F^2",
       predictions=("R5",), tags=("identity", "exact"))
def gjz_identity(ctx: RunContext) -> Outcome:
    grid = size_grid(parse_sizes("1..3" if ctx.quick else "1..4", ("n", "r")))
    res = decide(grid, gjz_case, what="Ge-Jin-Zheng identity", seed=ctx.seed)
    res.scope_reason = ("the sides are built entry by entry (second partial derivatives "
                        "contracted with Δ), not as a matrix expression: no size bound")
    out = outcome([("GJZ identity", res)])
    out.evidence["derivatives"] = ("second partial derivatives of the objective (python-flint), "
                                   "contracted with Δ = U − W")
    return out
