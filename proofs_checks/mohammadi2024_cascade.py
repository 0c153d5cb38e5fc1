"""Mohammadi, Tinati, Tu, Soltanolkotabi, Jovanović (2024), docs/paper-mohammadi2024.md and M-P1:
the Riccati equation of the Gram matrix and the three-subsystem cascade, proved exactly for small
blocks.

Work in the eigenbasis of M = diag(Λ₁, −Λ₂) (Λ₁ is r₁×r₁, Λ₂ is q×q with q = n − r₁; both
diagonal, entries free symbols: the identities below do not need their signs). Along the
gradient flow Ẋ = (M − XXᵀ)X of ¼‖XXᵀ − M‖²_F, the Gram matrix P = XXᵀ obeys the autonomous
Riccati equation Ṗ = ΛP + PΛ − 2P², i.e. with blocks P₁ (r₁×r₁), P₁₂, P₂:

    Ṗ₁ = Λ₁P₁ + P₁Λ₁ − 2(P₁² + P₁₂P₁₂ᵀ)
    Ṗ₁₂ = Λ₁P₁₂ − P₁₂Λ₂ − 2(P₁P₁₂ + P₁₂P₂)
    Ṗ₂ = −Λ₂P₂ − P₂Λ₂ − 2(P₁₂ᵀP₁₂ + P₂²)

With Y = P₁⁻¹, K = P₁⁻¹P₁₂ and the Schur complement S = P₂ − P₁₂ᵀP₁⁻¹P₁₂ (P₁ invertible):

    (i)   Ṡ = −Λ₂S − SΛ₂ − 2S²
    (ii)  K̇ = −Λ₁K − K(Λ₂ + 2S)
    (iii) Ẏ = −Λ₁Y − YΛ₁ + 2I + 2KKᵀ

The Riccati claim differentiates P = XXᵀ along the flow on a symbolic n×r matrix X (polynomial
identities). The cascade claim differentiates S, K, Y along the Riccati flow on a symbolic
symmetric P (identities of rational functions with denominator det P₁, decided exactly in
python-flint): every P = XXᵀ is such a P, so the two together prove the cascade along
Ẋ = (M − XXᵀ)X, for the stated sizes. Quick profile: (r₁, q) in {(1,1), (1,2), (2,1), (2,2)};
the full profile adds (1,3) and (3,1).

Dropping ``p1-invertible`` (``mfverify check mohammadi2024.cascade --drop p1-invertible``): the
cascade variables need not exist. With r < r₁ (here r₁ = 2, q = 1, r = 1) every X has
rank X₁ <= r < r₁, so det P₁ = det(X₁X₁ᵀ) is the zero polynomial in the entries of X (decided
exactly on a fully symbolic X): P₁(t) is singular along the *whole* flow, Y = P₁⁻¹, K and S are
undefined, and the cascade says nothing there. REFUTED (that the cascade variables exist without
the hypothesis), with the exact symbolic determinant and a rational instance as the counterexample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.derivation import check_identity

from ._derivation_common import merge as _merge
from ._derivation_common import outcome as _outcome

PAPER = "mohammadi2024"

#: Block sizes (r₁, q = n − r₁) of the catalog (prediction M-P1).
BLOCK_SIZES = ((1, 1), (1, 2), (2, 1), (2, 2))


def lam(L1: np.ndarray, L2: np.ndarray) -> np.ndarray:
    """Λ = diag(Λ₁, −Λ₂) as one matrix, in the entries' own exact arithmetic."""
    z = (L1[:, :1] @ L2[:1, :]) * 0
    return np.concatenate([np.concatenate([L1, z], axis=1),
                           np.concatenate([z.T, -L2], axis=1)], axis=0)


def _blocks(P: np.ndarray, r1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return P[:r1, :r1], P[:r1, r1:], P[r1:, r1:]


def _x_flow(X: Any, L1: Any, L2: Any) -> Any:
    return (lam(L1, L2) - X @ X.T) @ X


def _riccati(P: Any, L1: Any, L2: Any) -> Any:
    Lm = lam(L1, L2)
    return Lm @ P + P @ Lm - 2 * (P @ P)


def _riccati_blocks(P: Any, L1: Any, L2: Any) -> Any:
    """The three block equations, stacked as the blocks of one n×n matrix."""
    r1 = L1.shape[0]
    P1, P12, P2 = _blocks(P, r1)
    d1 = L1 @ P1 + P1 @ L1 - 2 * (P1 @ P1 + P12 @ P12.T)
    d12 = L1 @ P12 - P12 @ L2 - 2 * (P1 @ P12 + P12 @ P2)
    d2 = -(L2 @ P2) - P2 @ L2 - 2 * (P12.T @ P12 + P2 @ P2)
    return np.concatenate([np.concatenate([d1, d12], axis=1),
                           np.concatenate([d12.T, d2], axis=1)], axis=0)


def _sizes(ctx: RunContext, pairs: tuple[tuple[int, int], ...], r_values: tuple[int, ...]
           ) -> list[dict[str, int]]:
    return [{"r1": a, "q": b, "r": r} for a, b in pairs for r in r_values]


def _run_sizes(identity: Any, *, declare: dict[str, Any], flow: dict[str, Any],
               sizes: list[dict[str, int]]) -> list[Any]:
    return [check_identity(identity, declare=declare, flow=flow,
                           sizes=",".join(f"{k}={v}" for k, v in s.items())) for s in sizes]


@claim(f"{PAPER}.riccati", paper=PAPER,
       source=("Mohammadi et al. 2024, abstract (change of variables); the Gram-matrix Riccati "
               "equation of docs/paper-mohammadi2024.md, derived here"),
       cites=[cite("mohammadi2024", "abstract")],
       provenance="derived",
       statement="Along Ẋ = (M − XXᵀ)X with M = diag(Λ₁, −Λ₂) (Λ₁, Λ₂ diagonal), P = XXᵀ obeys "
                 "Ṗ = ΛP + PΛ − 2P², i.e. the three block equations for P₁, P₁₂, P₂.",
       latex=r"\dot P = \Lambda P + P\Lambda - 2P^2",
       predictions=("M-P1",), tags=("identity", "exact", "flow"))
def riccati(ctx: RunContext) -> Outcome:
    r_values = (1, 2, 3) if ctx.quick else (1, 2, 3, 4)
    declare = {"X": "r1+q x r", "L1": "r1 x r1 diagonal", "L2": "q x q diagonal"}
    flow = {"X": _x_flow}
    sizes = _sizes(ctx, BLOCK_SIZES, r_values)
    full = _merge(_run_sizes(("d/dt X*X.T", _riccati_on_x), declare=declare, flow=flow,
                             sizes=sizes))
    blocks = _merge(_run_sizes(("d/dt X*X.T", _riccati_blocks_on_x), declare=declare,
                               flow=flow, sizes=sizes))
    return _outcome([("dP/dt = Lam P + P Lam - 2 P^2", full),
                     ("block equations for P1, P12, P2", blocks)])


def _riccati_on_x(X: Any, L1: Any, L2: Any) -> Any:
    return _riccati(X @ X.T, L1, L2)


def _riccati_blocks_on_x(X: Any, L1: Any, L2: Any) -> Any:
    return _riccati_blocks(X @ X.T, L1, L2)


P1_INVERTIBLE = Hypothesis(
    "p1-invertible",
    "P₁ = V₁ᵀXXᵀV₁ is invertible (rank V₁ᵀX(0) = r₁; generic, preserved by the flow)",
    "Y = P₁⁻¹, K and S are undefined; the identities are rational with denominator det P₁",
)


def _cascade_defs() -> list[Any]:
    return [
        ("P1", lambda P, L1: P[:L1.shape[0], :L1.shape[0]]),
        ("P12", lambda P, L1: P[:L1.shape[0], L1.shape[0]:]),
        ("P2", lambda P, L1: P[L1.shape[0]:, L1.shape[0]:]),
        "Y = inv(P1)",
        "K = Y*P12",
        "S = P2 - P12.T*Y*P12",
    ]


@claim(f"{PAPER}.cascade", paper=PAPER,
       source=("Mohammadi et al. 2024, abstract (cascade of three subsystems, autonomous Schur "
               "complement); cascade (i)–(iii) of docs/paper-mohammadi2024.md, derived here"),
       cites=[cite("mohammadi2024", "abstract")],
       provenance="reconstructed",
       statement="Along the Riccati flow Ṗ = ΛP + PΛ − 2P² (P symmetric, P₁ invertible), with "
                 "Y = P₁⁻¹, K = P₁⁻¹P₁₂ and S = P₂ − P₁₂ᵀP₁⁻¹P₁₂: (i) Ṡ = −Λ₂S − SΛ₂ − 2S², "
                 "(ii) K̇ = −Λ₁K − K(Λ₂ + 2S), (iii) Ẏ = −Λ₁Y − YΛ₁ + 2I + 2KKᵀ.",
       latex=r"\dot S = -\Lambda_2S - S\Lambda_2 - 2S^2,\ "
             r"\dot K = -\Lambda_1K - K(\Lambda_2+2S),\ "
             r"\dot Y = -\Lambda_1Y - Y\Lambda_1 + 2I + 2KK^\top",
       hypotheses=(P1_INVERTIBLE,),
       predictions=("M-P1",), tags=("identity", "exact", "flow"))
def cascade(ctx: RunContext) -> Outcome:
    if ctx.dropping("p1-invertible"):
        return _singular_p1()
    pairs = BLOCK_SIZES if ctx.quick else BLOCK_SIZES + ((1, 3), (3, 1))
    declare = {"P": "r1+q x r1+q symmetric", "L1": "r1 x r1 diagonal", "L2": "q x q diagonal"}
    flow = {"P": _riccati}
    where = _cascade_defs()
    results = []
    for name, ident in (("(i) S", "d/dt S == -L2*S - S*L2 - 2*S*S"),
                        ("(ii) K", "d/dt K == -L1*K - K*(L2 + 2*S)"),
                        ("(iii) Y", "d/dt Y == -L1*Y - Y*L1 + 2*I + 2*K*K.T")):
        per = [check_identity(ident, declare=declare, where=where, flow=flow,
                              sizes=f"r1={a},q={b}") for a, b in pairs]
        results.append((name, _merge(per)))
    out = _outcome(results)
    out.evidence["block_sizes"] = [list(p) for p in pairs]
    out.evidence["generic"] = ("P symbolic symmetric: identities of rational functions with "
                               "denominator det P1 (hypothesis p1-invertible)")
    return out


def _singular_p1(r1: int = 2, q: int = 1, r: int = 1) -> Outcome:
    """Without ``p1-invertible``: for r < r₁, det P₁ = det(X₁X₁ᵀ) ≡ 0 (exact, symbolic X), so
    Y = P₁⁻¹ (hence K, S) is undefined at every P = XXᵀ, along the whole flow."""
    X = sp.Matrix(r1 + q, r, lambda i, j: sp.Symbol(f"x{i}{j}"))
    X1 = X[:r1, :]
    det_sym = sp.expand((X1 * X1.T).det())
    X0 = sp.Matrix(r1 + q, r, lambda i, j: sp.Rational(i + 1, j + 2))  # a rational instance
    P1_0 = X0[:r1, :] * X0[:r1, :].T
    det_0 = P1_0.det()
    ev = {"method": "exact SymPy: det(X1 X1^T) expanded on a fully symbolic X "
                    f"({r1 + q}x{r}); r = {r} < r1 = {r1} bounds rank X1 <= r for all t",
          "sizes": {"r1": r1, "q": q, "r": r}, "det_P1_symbolic": str(det_sym),
          "counterexample": {"X": [[str(v) for v in X0.row(i)] for i in range(X0.rows)],
                             "P1": str(P1_0.tolist()), "det_P1": str(det_0),
                             "recheck": "det(P1) = 0 exactly: Y = P1^-1 does not exist"}}
    if det_sym == 0 and det_0 == 0:
        return Outcome(Verdict.REFUTED, ev,
                       f"without p1-invertible the cascade variables need not exist: for r = {r} "
                       f"< r₁ = {r1}, det P₁ = det(X₁X₁ᵀ) ≡ 0 (exact, symbolic X), so Y = P₁⁻¹, "
                       "K and S are undefined along the whole flow")
    return Outcome(Verdict.INCONCLUSIVE, ev, "det P₁ is not identically zero for these sizes")
