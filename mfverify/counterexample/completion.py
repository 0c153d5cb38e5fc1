"""Target ``completion-spurious-min``: a certified strict spurious local minimum of symmetric
rank-1 matrix completion f(x) = ½‖P_Ω(xxᵀ − M)‖²_F = ½·Σ_{(i,j)∈Ω}(xᵢxⱼ − Mᵢⱼ)² on a
deterministic mask.

Ge, Lee & Ma (2016, "Matrix completion has no spurious local minimum", NeurIPS, main theorem,
symmetric case) prove that every local minimum is global when Ω is drawn *uniformly at random*
with p >= C(μ, r, κ)·log n / n (and with their incoherence regularizer). This target drops the
sampling hypothesis: it searches fixed, structured masks (paths, stars, cycles, two blocks
joined by an edge, sparse random graphs, each with a random set of observed diagonal entries)
and integer ground truths M = zzᵀ (n = 3..5), and returns the first instance with a strict
spurious local minimum, shrunk (fewer rows, fewer observed entries, smaller integers) and
certified:

* stationarity exactly (a rational/surd point with ∇f = 0 exactly) or by a Krawczyk box
  containing a unique zero of ∇f (:func:`mfverify.certify.prove_stationary_box`);
* the Hessian positive definite (exact Sylvester/Descartes inertia, or interval inertia over
  the box);
* f above the optimal value: the witness x = z has f(z) = 0 (exactly), and f at the point
  (or over the box) is certified > 0.

Rank 2 is not searched: the O(2) orbit of a rank-2 point puts the orbit tangent in the Hessian
kernel, so a spurious minimum can only be Morse–Bott, and the certificate format checks strict
(positive definite) minima only.

**Regularizer.** Ge, Lee & Ma's R(X) = λ·Σᵢ(‖eᵢᵀX‖ − α)₊⁴ is >= 0 and vanishes where every row
norm is <= α. If α >= max|xᵢ| at the spurious point x, then f + R >= f near x with equality at
x, so x is also a strict local minimum of the regularized objective, for every λ >= 0; the
evidence records max|xᵢ| (an upper bound for a box) for that reason.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from ..certify import check_certificate, derive, point_box, point_exact, prove_stationary_box
from ..certify.files import FORMAT, VERSION, load_problem
from .search import Progress, maximize_violation
from .shrink import drop_components, simplify_surd

__all__ = ["completion_fgh", "completion_local_minima", "completion_spurious_margin",
           "certify_spurious_min", "find_completion_spurious_min", "MASK_KINDS"]

#: Largest n searched; θ packs n, the n_max(n_max + 1)/2 upper-triangular mask bits and z.
N_MAX = 5
_TRI = [(i, j) for i in range(N_MAX) for j in range(i, N_MAX)]

#: The structured mask families of the sampler (graphs on the rows, plus observed diagonals).
MASK_KINDS = ("path", "star", "cycle", "two-blocks", "sparse-random")


def completion_fgh(W: np.ndarray, M: np.ndarray, x: np.ndarray
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """f, ∇f, ∇²f of ½Σ Wᵢⱼ(xᵢxⱼ − Mᵢⱼ)² (W symmetric 0/1): with R = xxᵀ − M,
    ∇f = 2(W∘R)x and ∇²f = 2(W∘R) + 2W∘(xxᵀ) + 2·diag(W(x∘x))."""
    R = np.outer(x, x) - M
    WR = W * R
    f = 0.5 * float(np.sum(WR * R))
    g = 2.0 * WR @ x
    H = 2.0 * WR + 2.0 * W * np.outer(x, x) + 2.0 * np.diag(W @ (x * x))
    return f, g, H


def completion_local_minima(W: np.ndarray, M: np.ndarray, starts: np.ndarray
                            ) -> list[tuple[np.ndarray, float, float, float]]:
    """(x, f, ‖∇f‖, λ_min(∇²f)) from a trust-region Newton run per start."""
    out = []
    for x0 in starts:
        res = minimize(lambda x: completion_fgh(W, M, x)[0], x0,
                       jac=lambda x: completion_fgh(W, M, x)[1],
                       hess=lambda x: completion_fgh(W, M, x)[2], method="trust-exact",
                       options={"gtol": 1e-13, "maxiter": 400})
        f, g, H = completion_fgh(W, M, res.x)
        out.append((res.x, f, float(np.linalg.norm(g)), float(np.linalg.eigvalsh(H)[0])))
    return out


def _decode(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask W, ground truth z) of a search vector θ = [n, upper-triangular bits, z]."""
    n = int(round(theta[0]))
    n = min(max(n, 1), N_MAX)
    W = np.zeros((N_MAX, N_MAX))
    for (i, j), b in zip(_TRI, theta[1:1 + len(_TRI)], strict=True):
        W[i, j] = W[j, i] = 1.0 if b > 0.5 else 0.0
    z = np.asarray(theta[1 + len(_TRI):1 + len(_TRI) + N_MAX], dtype=float)
    return W[:n, :n], z[:n]


def _encode(W: np.ndarray, z: np.ndarray) -> np.ndarray:
    n = W.shape[0]
    bits = [float(W[i, j]) if i < n and j < n else 0.0 for i, j in _TRI]
    zz = list(z) + [0.0] * (N_MAX - n)
    return np.array([float(n), *bits, *zz])


def completion_spurious_margin(theta: np.ndarray, *, starts: int = 12, seed: int = 0
                               ) -> tuple[float, dict[str, Any]]:
    """Margin of the best strict spurious local minimum of the instance θ (> 0: found):
    min(λ_min(∇²f)/‖z‖², f/‖z‖⁴) over the converged starts (‖∇f‖ < 1e-9) with f > 0 (starts:
    the 2ⁿ⁻¹ sign patterns s∘|z| and ``starts`` Gaussian points); −1 when
    none, or when the instance is degenerate (a zero entry of z, an unobserved row)."""
    W, z = _decode(theta)
    n = len(z)
    if n < 2 or np.any(np.abs(z) < 1e-9) or np.any(W.sum(axis=1) == 0):
        return -1.0, {"n": n}
    M = np.outer(z, z)
    nz = float(z @ z)
    rng = np.random.default_rng([seed, n])
    # sign patterns of |z| (spurious minima of rank 1 come from frustrated signs), then random
    signs = np.array([(1.0, *s) for s in itertools.product((1.0, -1.0), repeat=n - 1)])
    x0 = np.concatenate([signs * np.abs(z), rng.normal(size=(starts, n)) * math.sqrt(nz / n)
                         * 1.5])
    best = -1.0
    info: dict[str, Any] = {"n": n}
    for x, f, gn, lm in completion_local_minima(W, M, x0):
        if gn < 1e-9 and f > 1e-8 * nz * nz:
            m = min(lm / nz, f / (nz * nz))
            if m > best:
                best, info = m, {"n": n, "point": x.tolist(), "value": f, "lambda_min": lm}
    return best, info


def _sample_mask(rng: np.random.Generator, n: int) -> np.ndarray:
    kind = MASK_KINDS[int(rng.integers(len(MASK_KINDS)))]
    W = np.zeros((n, n))
    if kind == "path":
        edges = [(i, i + 1) for i in range(n - 1)]
    elif kind == "star":
        edges = [(0, i) for i in range(1, n)]
    elif kind == "cycle":
        edges = [(i, (i + 1) % n) for i in range(n)]
    elif kind == "two-blocks":
        k = int(rng.integers(1, n))
        edges = [(i, j) for i, j in itertools.combinations(range(n), 2)
                 if (i < k) == (j < k)] + [(k - 1, k)]
    else:
        edges = [(i, j) for i, j in itertools.combinations(range(n), 2) if rng.random() < 0.4]
    for i, j in edges:
        W[i, j] = W[j, i] = 1.0
    for i in range(n):
        W[i, i] = 1.0 if rng.random() < 0.6 else 0.0
    return W


def _sampler(rng: np.random.Generator) -> np.ndarray:
    n = int(rng.integers(3, N_MAX + 1))
    W = _sample_mask(rng, n)
    z = rng.choice(np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]), size=n)
    return _encode(W, z)


def _shrink_instance(theta: np.ndarray, keeps: Callable[[np.ndarray], bool], deadline: float
                     ) -> tuple[np.ndarray, dict[str, Any]]:
    """Fewer rows, then fewer observed entries, then smaller integers in z, while ``keeps``."""
    W, z = _decode(theta)
    log: dict[str, Any] = {"rows_dropped": 0, "entries_dropped": 0}
    changed = True
    while changed and len(z) > 2 and time.perf_counter() < deadline:
        changed = False
        for i in range(len(z)):
            keep = [k for k in range(len(z)) if k != i]
            cand = _encode(W[np.ix_(keep, keep)], z[keep])
            if keeps(cand):
                W, z = _decode(cand)
                log["rows_dropped"] += 1
                changed = True
                break
    entries = [(i, j) for i in range(len(z)) for j in range(i, len(z)) if W[i, j]]

    def with_entries(kept: list[int]) -> np.ndarray:
        V = np.zeros_like(W)
        for k in kept:
            i, j = entries[k]
            V[i, j] = V[j, i] = 1.0
        return _encode(V, z)

    kept = drop_components(len(entries), lambda ks: time.perf_counter() < deadline
                           and keeps(with_entries(ks)))
    log["entries_dropped"] = len(entries) - len(kept)
    W, z = _decode(with_entries(kept))

    z = np.round(z)
    log["z"] = []
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for i in range(len(z)):
            for mag in range(1, int(abs(z[i]))):
                trial = z.copy()
                trial[i] = math.copysign(mag, z[i])
                if keeps(_encode(W, trial)):
                    log["z"].append({"index": i, "from": int(z[i]), "to": int(trial[i])})
                    z, changed = trial, True
                    break
    return _encode(W, z), log


def _spec(W: np.ndarray, z: list[sp.Integer]) -> dict[str, Any]:
    M = sp.Matrix(z) * sp.Matrix(z).T
    return {"problem": "completion", "M": [[str(M[i, j]) for j in range(M.cols)]
                                          for i in range(M.rows)],
            "mask": [[str(int(v)) for v in row] for row in W], "rank": 1, "symmetric": True,
            "scale": "1/2"}


def _mask_text(W: np.ndarray) -> str:
    n = W.shape[0]
    diag = [i + 1 for i in range(n) if W[i, i]]
    edges = [f"({i + 1},{j + 1})" for i in range(n) for j in range(i + 1, n) if W[i, j]]
    return (f"n = {n}: observed diagonal entries {diag or 'none'}, observed off-diagonal pairs "
            f"{', '.join(edges) or 'none'} (and their transposes)")


def _exact_point(poly: Any, x: np.ndarray) -> list[sp.Expr] | None:
    cand = [simplify_surd(float(c), 1e-9, max_den=64) for c in x]
    g = poly.grad_exact(cand)
    return cand if all(sp.simplify(v) == 0 for v in g) else None


Certified = tuple[dict[str, Any], dict[str, Any], list[sp.Expr] | None, float]


def certify_spurious_min(W: np.ndarray, z: list[sp.Integer], x: np.ndarray
                         ) -> Certified | str:
    """The spec and the certified point of a float local minimum ``x`` of the instance (W, z):
    an exact point (simple rationals / surds with ∇f = 0 exactly) when there is one, else a
    Krawczyk box (:func:`mfverify.certify.prove_stationary_box`). Returns (spec, point block,
    exact point or None, an upper bound of max|xᵢ|), or the reason as a string when the box
    is not proved."""
    spec = _spec(W, z)
    poly = derive(load_problem(spec))
    exact = _exact_point(poly, x)
    if exact is not None:
        return spec, point_exact(exact), exact, max(abs(float(v)) for v in exact)
    box = prove_stationary_box(poly, [float(v) for v in np.ravel(x)])
    if not box.proved:
        return f"Krawczyk failed: {box.reason}"
    bound = max(abs(float(v)) for v in box.center) + float(box.radius)
    return spec, point_box(box.center, box.radius), None, bound


def find_completion_spurious_min(*, budget: float = 60.0, seed: int = 0,
                                 progress: Progress | None = None,
                                 max_restarts: int | None = None) -> Any:
    """Search structured masks and integer ground truths (n = 3..5, rank 1) for a strict
    spurious local minimum of ½‖P_Ω(xxᵀ − zzᵀ)‖², shrink the instance, and certify it
    (module docstring). Returns a :class:`~mfverify.counterexample.CounterexampleResult`."""
    from .targets import CounterexampleResult, _say

    t0 = time.perf_counter()
    target = "completion-spurious-min"

    def violation(theta: np.ndarray) -> tuple[float, dict[str, Any]]:
        return completion_spurious_margin(theta, seed=seed)

    _say(progress, f"[{target}] searching structured masks, n = 3..{N_MAX}, rank 1 (seed {seed},"
                   f" budget {budget:g}s)")
    res = maximize_violation(violation, _sampler, budget=budget * 0.5, seed=seed,
                             local_evals=0, polish_evals=0, max_restarts=max_restarts,
                             progress=progress, progress_every=25)
    evidence: dict[str, Any] = {"search": res.to_json(),
                                "space": f"symmetric 0/1 masks of the kinds {list(MASK_KINDS)} "
                                         "with random observed diagonals, z ∈ {±1, ±2, ±3}ⁿ, "
                                         f"n = 3..{N_MAX}, rank 1",
                                "margin": "min(λ_min(∇²f)/‖z‖², f/‖z‖⁴) at the best converged "
                                          "start with f > 0"}
    best = None if res.best is None else {"theta": res.best.params.tolist(),
                                          "violation": res.best.violation, **res.best.info}
    if res.status != "FOUND" or res.best is None:
        status = "NOT_FOUND" if max_restarts is not None and res.restarts >= max_restarts \
            else "INCONCLUSIVE"
        return CounterexampleResult(target, status, best=best, evidence=evidence,
                                    reason=f"no strict spurious local minimum in "
                                    f"{res.evaluations} instances", summary="none found")
    margin0 = res.best.violation
    _say(progress, f"[{target}] found margin {margin0:.4g}; shrinking the instance")

    def keeps(theta: np.ndarray) -> bool:
        return completion_spurious_margin(theta, seed=seed)[0] > 0.05 * margin0

    theta, log = _shrink_instance(res.best.params, keeps, t0 + budget * 0.8)
    evidence["shrink"] = log
    W, zf = _decode(theta)
    z = [sp.Integer(int(round(v))) for v in zf]
    margin, info = completion_spurious_margin(theta, seed=seed)
    if margin <= 0:  # pragma: no cover - the shrink keeps the margin
        return CounterexampleResult(target, "INCONCLUSIVE", best=best, evidence=evidence,
                                    reason="the shrunk instance lost its spurious minimum")
    x = np.array(info["point"])
    _say(progress, f"[{target}] certifying the minimum near x ≈ {np.round(x, 6).tolist()}")
    cert = certify_spurious_min(W, z, x)
    if isinstance(cert, str):
        return CounterexampleResult(target, "INCONCLUSIVE", best=best, evidence=evidence,
                                    reason=cert)
    spec, point, exact, row_bound = cert
    n = len(z)
    claims = [{"type": "strict_spurious_local_min", "point": point,
               "witness": [str(v) for v in z],
               "certified": {"hessian_inertia": [n, 0, 0], "witness_value": "0"}}]
    prov = {"found_by": f"mfverify counterexample target {target}", "seed": seed,
            "budget_s": budget, "search": res.to_json(), "shrink": log,
            "float_point": x.tolist(), "mask": _mask_text(W)}
    doc = {"format": FORMAT, "version": VERSION, "problem": spec, "claims": claims,
           "provenance": prov}
    check = check_certificate(doc)
    phat = float(W.sum()) / (n * n)
    evidence.update({"mask": _mask_text(W), "observed_fraction": phat,
                     "ground_truth": [str(v) for v in z], "point_float": x.tolist(),
                     "value_float": info["value"], "lambda_min_float": info["lambda_min"],
                     "regularizer": f"x stays a strict local minimum of f + λΣ(‖eᵢᵀx‖ − α)₊⁴ "
                                    f"for every λ >= 0 and α >= max|xᵢ| (<= {row_bound:.6g})",
                     "seconds": round(time.perf_counter() - t0, 3)})
    if not check.proved:
        return CounterexampleResult(target, "INCONCLUSIVE", doc, check.to_json(), best,
                                    evidence, reason="; ".join(check.reasons))
    where = "exactly" if exact is not None else "in a Krawczyk box"
    return CounterexampleResult(
        target, "CERTIFIED", doc, check.to_json(), best, evidence,
        summary=(f"strict spurious local minimum of ½‖P_Ω(xxᵀ − zzᵀ)‖² with z = "
                 f"{[str(v) for v in z]}, {_mask_text(W)}; stationary {where}, Hessian "
                 f"positive definite and f > 0 = f(z) certified"))
