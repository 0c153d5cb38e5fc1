"""Invariant monitors along trajectories, at working precision.

* :func:`singular_values` / :func:`numerical_rank` — mpmath ``svd_r`` in the private context;
  the rank counts singular values above ``threshold`` (default ``σ₁·10^{-(dps-5)}``, or an
  absolute threshold when given).
* :func:`imbalance` — ``UᵀU − VᵀV`` (conserved by the gradient flow of any loss of ``UVᵀ``,
  Du, Hu & Lee 2018; Tarmoun et al. 2021; drifts by η²(…) per GD step, Y-P1).
* :func:`schur_complement` — the Schur complement ``S = P₂ − P₁₂ᵀP₁⁻¹P₁₂`` of
  docs/paper-mohammadi2024.md (Mohammadi et al.): with ``M = V diag(Λ₁, −Λ₂) Vᵀ`` (Λ₁ ≻ 0 the r₁
  positive eigenvalues, Λ₂ ⪰ 0), ``X₁ = V₁ᵀX``, ``X₂ = V₂ᵀX``, ``P₁ = X₁X₁ᵀ``, ``P₁₂ = X₁X₂ᵀ``,
  ``P₂ = X₂X₂ᵀ``; also ``K = P₁⁻¹P₁₂`` and ``Y = P₁⁻¹``.
* :func:`schur_closed_form` — ``S(t) = e^{−Λ₂t} S₀ (I + 2G(t)S₀)⁻¹ e^{−Λ₂t}``,
  ``G(t) = ∫₀ᵗ e^{−2Λ₂τ}dτ`` (``S₀(I + 2tS₀)⁻¹`` when Λ₂ = 0), for the flow
  ``Ẋ = (M − XXᵀ)X`` (scale ¼).
* :func:`monitor` — any of these (and user invariants) at every recorded point of a
  :class:`~mfverify.flow.FlowResult`, with the drift ``max_t |I(t) − I(0)|``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..arith import MpArith
from ..errors import InputError, UnsupportedError
from ..numbers import parse_number
from ..problems.base import Problem
from .integrate import FlowResult, _s, _sarr

__all__ = ["singular_values", "numerical_rank", "imbalance", "EigenSplit", "eigensplit",
           "schur_complement", "schur_closed_form", "Monitor", "monitor", "INVARIANTS",
           "spectral_norm_sym"]


def _mat(A: MpArith, X: Any) -> Any:
    X = np.asarray(X, dtype=object)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    return A.ctx.matrix([[A.ctx.mpf(v) for v in row] for row in X.tolist()])


def singular_values(X: Any, A: MpArith) -> list[Any]:
    """Singular values of the matrix X (descending), at A's working precision."""
    X = np.asarray(X, dtype=object)
    if X.size == 0:
        return []
    m = _mat(A, X)
    s = A.ctx.svd_r(m, compute_uv=False)
    vals = sorted((abs(v) for v in s), reverse=True)
    k = min(X.shape[0], X.shape[1] if X.ndim > 1 else 1)
    return (vals + [A.ctx.zero] * k)[:k]


def numerical_rank(svals: Sequence[Any], A: MpArith, threshold: Any = None) -> int:
    """Number of singular values above ``threshold`` (default σ₁·10^{-(dps-5)})."""
    if not svals:
        return 0
    thr = threshold if threshold is not None else svals[0] * A.ctx.mpf(10) ** (-(A.dps - 5))
    return sum(1 for v in svals if v > thr)


def imbalance(U: Any, V: Any, A: MpArith) -> np.ndarray:
    """``UᵀU − VᵀV`` (r×r)."""
    U = np.asarray(U, dtype=object)
    V = np.asarray(V, dtype=object)
    return U.T @ U - V.T @ V


def _fro(A: MpArith, M: Any) -> Any:
    M = np.asarray(M, dtype=object)
    return A.ctx.sqrt(sum((v * v for v in M.reshape(-1)), A.ctx.zero))


def spectral_norm_sym(S: Any, A: MpArith) -> Any:
    """Largest |eigenvalue| of a symmetric matrix (= ‖S‖₂)."""
    S = np.asarray(S, dtype=object)
    if S.size == 0:
        return A.ctx.zero
    E, _ = A.ctx.eigsy(_mat(A, (S + S.T) / 2))
    return max(abs(v) for v in E)


@dataclass
class EigenSplit:
    """``M = V diag(Λ₁, −Λ₂) Vᵀ`` with Λ₁ ≻ 0 (r₁ positive eigenvalues, descending) and
    Λ₂ ⪰ 0 (the negated non-positive eigenvalues). ``exact`` when M is diagonal (V is a
    permutation and the split is exact)."""

    V1: np.ndarray
    V2: np.ndarray
    lam1: list[Any]
    lam2: list[Any]
    exact: bool

    @property
    def r1(self) -> int:
        return len(self.lam1)


def eigensplit(M: Any, A: MpArith) -> EigenSplit:
    """The eigen-split of docs/paper-mohammadi2024.md at A's precision (exact for diagonal M)."""
    Mx = np.asarray(M, dtype=object)
    n = Mx.shape[0]
    ctx = A.ctx
    diag = all(Mx[i, j] == 0 for i in range(n) for j in range(n) if i != j)
    if diag:
        ev = [(sp.nsimplify(Mx[i, i]) if isinstance(Mx[i, i], sp.Basic) else Mx[i, i], i)
              for i in range(n)]
        evm = [(A.const(v) if not hasattr(v, "_mpf_") else v, i) for v, i in ev]
        order = sorted(range(n), key=lambda k: -evm[k][0])
        vals = [evm[k][0] for k in order]
        Q = np.empty((n, n), dtype=object)
        Q.fill(ctx.zero)
        for col, k in enumerate(order):
            Q[evm[k][1], col] = ctx.one
    else:
        E, Qm = ctx.eigsy(_mat(A, A.asarray(Mx) if Mx.dtype == object else Mx))
        order = sorted(range(n), key=lambda k: -E[k])
        vals = [E[k] for k in order]
        Q = np.array([[Qm[i, k] for k in order] for i in range(n)], dtype=object)
    tol = ctx.mpf(10) ** (-(A.dps - 5)) * max([abs(v) for v in vals] + [ctx.one])
    r1 = sum(1 for v in vals if v > tol)
    return EigenSplit(Q[:, :r1], Q[:, r1:], vals[:r1], [-v for v in vals[r1:]], diag)


def schur_complement(X: Any, M: Any, A: MpArith, split: EigenSplit | None = None
                     ) -> dict[str, Any]:
    """S, K, Y of docs/paper-mohammadi2024.md at X (needs P₁ = X₁X₁ᵀ invertible: rank V₁ᵀX = r₁)."""
    sp_ = split or eigensplit(M, A)
    X = np.asarray(X, dtype=object)
    X1 = sp_.V1.T @ X
    X2 = sp_.V2.T @ X
    P1 = X1 @ X1.T
    P12 = X1 @ X2.T
    P2 = X2 @ X2.T
    if sp_.r1 == 0:
        return {"S": P2, "K": np.empty((0, P2.shape[0]), dtype=object), "Y": P1}
    if X.shape[1] < sp_.r1:
        raise UnsupportedError(f"the Schur complement needs rank(V1ᵀX) = r1 = {sp_.r1}, but X "
                               f"has only {X.shape[1]} columns")
    sv1 = singular_values(X1, A)
    if not sv1 or sv1[-1] <= sv1[0] * A.ctx.mpf(10) ** (-(A.dps // 2)):
        raise UnsupportedError("P1 = V1ᵀX Xᵀ V1 is (numerically) singular: rank(V1ᵀX) < r1, "
                               "the Schur complement is undefined")
    try:
        Y = A.inv(P1)
    except ZeroDivisionError as exc:
        raise UnsupportedError("P1 = V1ᵀX Xᵀ V1 is singular: rank(V1ᵀX) < r1, the Schur "
                               "complement is undefined") from exc
    K = Y @ P12
    S = P2 - P12.T @ K
    return {"S": (S + S.T) / 2, "K": K, "Y": Y, "P1": P1}


def schur_closed_form(S0: Any, t: Any, lam2: Sequence[Any], A: MpArith) -> np.ndarray:
    """``e^{−Λ₂t} S₀ (I + 2G(t)S₀)⁻¹ e^{−Λ₂t}`` with ``G(t) = ∫₀ᵗ e^{−2Λ₂τ}dτ`` (Λ₂ diagonal
    in the eigenbasis of ``eigensplit``)."""
    ctx = A.ctx
    S0 = np.asarray(S0, dtype=object)
    k = S0.shape[0]
    tt = A.const(parse_number(t)) if not hasattr(t, "_mpf_") else t
    E = A.zeros((k, k))
    G = A.zeros((k, k))
    for i, lv in enumerate(lam2):
        lv = ctx.mpf(lv)
        E[i, i] = ctx.exp(-lv * tt)
        G[i, i] = tt if lv == 0 else -ctx.expm1(-2 * lv * tt) / (2 * lv)
    inner = A.eye(k) + 2 * (G @ S0)
    return E @ S0 @ A.inv(inner) @ E


# ---------------------------------------------------------------------------------------------
# monitors
# ---------------------------------------------------------------------------------------------

InvariantFn = Callable[[Problem | None, Mapping[str, np.ndarray], MpArith], Any]


def _first_matrix(state: Mapping[str, np.ndarray]) -> np.ndarray:
    for v in state.values():
        if np.ndim(v) == 2:
            return v
    raise UnsupportedError("this invariant needs a matrix variable")


def _inv_sv(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith) -> Any:
    return {k: singular_values(v, A) for k, v in state.items() if np.ndim(v) == 2}


def _inv_rank(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith) -> Any:
    out = {k: numerical_rank(singular_values(v, A), A) for k, v in state.items()
           if np.ndim(v) == 2}
    if "U" in state and "V" in state and np.ndim(state["U"]) == 2:
        stacked = np.concatenate([state["U"], state["V"]], axis=0)
        out["[U;V]"] = numerical_rank(singular_values(stacked, A), A)
    return out


def _inv_imbalance(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith
                   ) -> Any:
    if "U" not in state or "V" not in state:
        raise UnsupportedError("imbalance needs variables U and V")
    return imbalance(state["U"], state["V"], A)


def _inv_value(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith) -> Any:
    if problem is None:
        raise UnsupportedError("the objective value needs a problem")
    return problem.objective(A, dict(state), problem.data_in(A))


def _inv_schur(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith) -> Any:
    if problem is None or "M" not in problem.data or "X" not in state:
        raise UnsupportedError("the Schur complement needs a symmetric problem (data M, "
                               "variable X)")
    S = schur_complement(state["X"], problem.data["M"], A)["S"]
    return {"S": S, "norm2": spectral_norm_sym(S, A)}


def _inv_residual(problem: Problem | None, state: Mapping[str, np.ndarray], A: MpArith
                  ) -> Any:
    if problem is not None and "M" in problem.data and "X" in state:
        X = state["X"]
        return _fro(A, X @ X.T - A.asarray(problem.data["M"]))
    if problem is not None and "Sigma" in problem.data and "U" in state:
        return _fro(A, state["U"] @ state["V"].T - A.asarray(problem.data["Sigma"]))
    raise UnsupportedError("the residual needs a symmetric or asymmetric problem")


#: Built-in invariants by name (``--invariants`` in the CLI).
INVARIANTS: dict[str, InvariantFn] = {
    "singular_values": _inv_sv,
    "rank": _inv_rank,
    "imbalance": _inv_imbalance,
    "schur": _inv_schur,
    "value": _inv_value,
    "residual": _inv_residual,
}


def evaluate_invariants(names: Sequence[str], problem: Problem | None,
                        state: Mapping[str, np.ndarray], A: MpArith,
                        user: Mapping[str, InvariantFn] | None = None, *,
                        strict: bool = False) -> dict[str, Any]:
    """Evaluate the named invariants at one state (``{"undefined": why}`` where one does not
    apply, unless ``strict``)."""
    table = dict(INVARIANTS)
    table.update(user or {})
    out = {}
    for name in names:
        if name not in table:
            raise InputError(f"unknown invariant {name!r}; known: {sorted(table)}")
        try:
            out[name] = table[name](problem, state, A)
        except UnsupportedError as exc:
            if strict:
                raise
            out[name] = {"undefined": str(exc)}
    return out


def _dist(a: Any, b: Any, A: MpArith) -> Any:
    if isinstance(a, dict):
        return max((_dist(a[k], b[k], A) for k in a), default=A.ctx.zero)
    if isinstance(a, (list, tuple)):
        return max((_dist(x, y, A) for x, y in zip(a, b, strict=True)), default=A.ctx.zero)
    if isinstance(a, np.ndarray):
        return max((abs(x - y) for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True)),
                   default=A.ctx.zero)
    if isinstance(a, int):
        return A.ctx.mpf(abs(a - b))
    return abs(a - b)


@dataclass
class Monitor:
    """Invariants at every recorded point of a trajectory, and their drift from t = 0."""

    names: list[str]
    times: list[Any]
    values: list[dict[str, Any]]
    drift: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"names": self.names, "times": [_s(t) for t in self.times],
                "values": [_jsonable(v) for v in self.values],
                "drift": {k: _s(v, 5) for k, v in self.drift.items()}}


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _sarr(v)
    if isinstance(v, (int, str)):
        return v
    return _s(v)


def monitor(result: FlowResult, names: Sequence[str], *,
            user: Mapping[str, InvariantFn] | None = None, every: int = 1) -> Monitor:
    """Evaluate invariants along ``result.trajectory`` (every ``every``-th recorded point)."""
    if not result.trajectory:
        raise InputError("the flow was run with record=False; nothing to monitor")
    A = result.arith
    problem = result.field.problem
    pts = result.trajectory[::max(1, every)]
    if pts[-1] is not result.trajectory[-1]:
        pts.append(result.trajectory[-1])
    times, values = [], []
    for t, state, _e in pts:
        times.append(t)
        values.append(evaluate_invariants(names, problem, state, A, user, strict=True))
    drift = {n: max(_dist(v[n], values[0][n], A) for v in values) for n in names}
    return Monitor(list(names), times, values, drift)
