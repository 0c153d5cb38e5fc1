"""The built-in counterexample targets: search -> shrink -> certify -> re-check.

Each target starts cold (only a seed), searches with :mod:`~mfverify.counterexample.search`,
simplifies with :mod:`~mfverify.counterexample.shrink`, writes a certificate with
:mod:`mfverify.certify` and re-checks it with :func:`mfverify.certify.check_certificate` (the
same independent check ``mfverify certify FILE`` runs). A target is ``CERTIFIED`` only when that
re-check says PROVED; otherwise it is ``INCONCLUSIVE`` with the best candidate.

Targets (the result behind each in brackets):

* ``zsl-spurious-min`` [Zhang, Sojoudi & Lavaei 2019; R. Y. Zhang 2022]: rank-1 symmetric sensing
  with n = 2, ½‖A(xxᵀ) − b‖²: a strict spurious local minimum of an operator whose RIP constant
  exceeds 1/2 (both δ and the best-scaled δ* certified).
* ``lifting`` [R. Y. Zhang 2022; Burer & Monteiro 2005]: the same operator at rank 2: the lifted
  point [x, 0] is a strict saddle (certified direction of negative curvature).
* ``unbalanced-saddles`` [Valavi, Liu & Ramadge 2020]: unbalanced asymmetric factorization ½‖xyᵀ −
  Σ‖²: a sequence of exact strict saddles whose least Hessian eigenvalue tends to 0, with its closed
  form.
* ``completion-spurious-min`` [Ge, Lee & Ma 2016]: symmetric rank-1 matrix completion on a
  deterministic structured mask: a strict spurious local minimum
  (:mod:`mfverify.counterexample.completion`).
* ``constrained-ssp`` [the reconstruction of Eftekhari 2021]: min ½‖U‖² s.t. A(UUᵀ) = b, n = 3, p =
  2, m = 3: a full-rank spurious KKT point (S(λ) not PSD, a feasible better point, the global
  minimizer certified by S(μ) ⪰ 0), at which the primal–dual vector field vanishes exactly (the flow
  stays), while rank-deficient starts near the feasible set reach the global minimizer (numerical
  only).
"""

from __future__ import annotations

import inspect
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..budget import as_budget
from ..certify import (
    check_certificate,
    derive,
    point_box,
    point_exact,
    prove_stationary_box,
)
from ..certify.files import FORMAT, VERSION, inertia_text, load_problem
from ..errors import BudgetExceeded, InputError
from ..inputs import check_seed
from ..numbers import parse_number
from ..results import ResultMixin, SearchStatus, coerce, json_reader
from .completion import find_completion_spurious_min
from .search import (
    Progress,
    kkt_points,
    least_curvature,
    maximize_violation,
    sensing_local_minima,
    sensing_spurious_margin,
    stationary_points,
    svec_gram,
    theta_to_mats,
)
from .shrink import repair_affine, shrink_vector, simplify_number

__all__ = ["CounterexampleResult", "TARGETS", "run_target", "find_zsl_spurious_min",
           "find_lifting_saddle", "find_unbalanced_saddles", "find_constrained_ssp"]


@dataclass
class CounterexampleResult(ResultMixin):
    """What a target run produced.

    Attributes
    ----------
    target
        The target name.
    status
        A :class:`~mfverify.results.SearchStatus` (equal to its string):
        ``"CERTIFIED"`` (the certificate re-checked PROVED), ``"INCONCLUSIVE"`` (budget ran out,
        nothing violating found, or certification failed: ``reason`` says which),
        ``"NOT_FOUND"`` (the search space was exhausted within the restarts asked for) or
        ``"FOUND"`` (a float candidate, when certification was not asked).
    certificate
        The certificate document (dict) when one was produced.
    check
        The re-check result (``CheckResult.to_json()``).
    best
        The best candidate of the search (floats), for INCONCLUSIVE runs.
    evidence
        Search statistics and numerical side results (JSON-serializable).
    extra_certificates
        Further certificates (name -> document), e.g. the rank-1 minimum behind a lifting.
    """

    target: str
    status: str
    certificate: dict[str, Any] | None = None
    check: dict[str, Any] | None = None
    best: dict[str, Any] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    summary: str = ""
    extra_certificates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = coerce(SearchStatus, self.status)

    @property
    def certified(self) -> bool:
        return self.status == "CERTIFIED"

    def _title(self) -> str:
        return f"counterexample {self.target}: {self.status}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("target", self.target)] + super()._repr_items()[:2]

    def _rows(self) -> list[tuple[str, Any]]:
        msg = getattr(self.status, "message", "")
        rows: list[tuple[str, Any]] = [("status", msg)] if msg else []
        rows += [("summary", self.summary), ("reason", self.reason)]
        if self.check is not None:
            rows.append(("re-check", self.check.get("verdict", "")))
        rows += [(str(k), v) for k, v in self.evidence.items()
                 if isinstance(v, (str, int, float, bool))]
        if self.extra_certificates:
            rows.append(("extra certificates", ", ".join(sorted(self.extra_certificates))))
        return [r for r in rows if r[1] not in ("", None)]

    @classmethod
    @json_reader("CounterexampleResult JSON")
    def from_json(cls, data: Mapping[str, Any]) -> CounterexampleResult:
        """The result that :meth:`to_json` wrote; the extra certificates are listed there by
        name only, so they come back empty (read them from the files :meth:`write` made)."""
        return cls(target=str(data["target"]), status=data["status"],
                   certificate=data["certificate"], check=data["check"], best=data["best"],
                   evidence=dict(data["evidence"]), reason=str(data["reason"]),
                   summary=str(data["summary"]))

    def write(self, path: str | Path) -> list[str]:
        """Write the certificate (and extra certificates next to it); returns the paths."""
        if self.certificate is None:
            raise InputError("this run produced no certificate to write")
        p = Path(path)
        p.write_text(json.dumps(self.certificate, indent=2, ensure_ascii=False) + "\n",
                     encoding="utf-8")
        out = [str(p)]
        for name, doc in self.extra_certificates.items():
            q = p.with_name(f"{p.stem}.{name}{p.suffix or '.json'}")
            q.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            out.append(str(q))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "status": str(self.status), "summary": self.summary,
                "reason": self.reason, "evidence": self.evidence, "best": self.best,
                "check": self.check, "certificate": self.certificate,
                "extra_certificates": sorted(self.extra_certificates)}


def _doc(spec: dict[str, Any], claims: list[dict[str, Any]], provenance: dict[str, Any]
         ) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "problem": spec, "claims": claims,
            "provenance": provenance}


def _say(progress: Progress | None, text: str) -> None:
    if progress:
        progress(text)


def _strs(values: Any) -> Any:
    if isinstance(values, (list, tuple, np.ndarray)):
        return [_strs(v) for v in values]
    return str(values)


# ---------------------------------------------------------------------------------------------
# target 1: rank-1 sensing with n = 2, RIP > 1/2, strict spurious local minimum
# ---------------------------------------------------------------------------------------------


def _sensing_starts(seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 7])
    ang = np.linspace(0, np.pi, 6, endpoint=False)
    ring = 1.2 * np.stack([np.cos(ang), np.sin(ang)], axis=1)
    return np.concatenate([ring, rng.normal(size=(4, 2))])


def _sample_operator(rip_below_half: bool) -> Callable[[np.random.Generator], np.ndarray]:
    def sample(rng: np.random.Generator) -> np.ndarray:
        if not rip_below_half:
            return rng.normal(size=9)
        # hypothesis kept: Gram eigenvalues in [1, 3) (best-scaled δ* < 1/2), random rotation
        eig = rng.uniform(1.0, 3.0, size=3)
        eig[0] = 1.0
        Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        G = Q @ np.diag(eig) @ Q.T
        L = np.linalg.cholesky(G)  # G = L Lᵀ, columns = svec rows of the operator
        rows = L.T
        return np.stack([rows[:, 0], rows[:, 1] / np.sqrt(2), rows[:, 2]], axis=1).ravel()
    return sample


def _sensing_spec(mats: list[list[list[sp.Expr]]], rank: int) -> dict[str, Any]:
    return {"problem": "sensing", "symmetric": True, "rank": rank, "operator": _strs(mats),
            "ground_truth": [["1", "0"], ["0", "0"]], "scale": "1/2"}


def find_zsl_spurious_min(*, budget: float = 60.0, seed: int = 0, rip_below_half: bool = False,
                          progress: Progress | None = None, max_restarts: int | None = None,
                          certify: bool = True) -> CounterexampleResult:
    """Search rank-1 symmetric sensing operators (n = 2, m = 3, ground truth e₁e₁ᵀ) for a strict
    spurious local minimum, shrink the operator to simple rationals, and certify it.

    With ``rip_below_half=True`` (the hypothesis of Zhang–Sojoudi–Lavaei kept) the sampler only
    draws operators whose best-scaled RIP constant δ* is below 1/2 and every candidate with
    δ* >= 1/2 is discarded; finding nothing is then the expected outcome (Zhang, Sojoudi & Lavaei
    2019). With ``certify=False`` the run stops after the search: status ``"FOUND"`` (a float
    candidate, not certified) when it found a violating operator (used as a positive control of the
    search).
    """
    t0 = time.perf_counter()
    starts = _sensing_starts(seed)
    target = "zsl-spurious-min"

    def violation(theta: np.ndarray) -> tuple[float, dict[str, Any]]:
        v, info = sensing_spurious_margin(theta, starts=starts)
        if rip_below_half and info.get("delta_scaled", 1.0) >= 0.5:
            return -1.0, info
        return v, info

    _say(progress, f"[{target}] searching operators (seed {seed}, budget {budget:g}s, "
                   f"{'δ* < 1/2 only' if rip_below_half else 'any RIP constant'})")
    # the violation is flat (= 0) on operators without a spurious minimum, so local search only
    # pays off once one is found: pure random restarts, then Nelder–Mead polishes the margin
    res = maximize_violation(violation, _sample_operator(rip_below_half), budget=budget * 0.6,
                             seed=seed, local_evals=0, polish_evals=300 if certify else 0,
                             max_restarts=max_restarts, progress=progress,
                             progress_every=25)
    evidence: dict[str, Any] = {"search": res.to_json(), "space": "three symmetric 2×2 sensing "
                                "matrices (9 numbers), ground truth e1e1ᵀ, b = A(e1e1ᵀ)",
                                "margin": "min(λ_min(∇²f(x)), 4f(x), λ_min(G))/λ_max(G)"}
    best = None if res.best is None else {"theta": res.best.params.tolist(),
                                          "violation": res.best.violation, **res.best.info}
    if res.status != "FOUND":
        status = "NOT_FOUND" if max_restarts is not None and res.restarts >= max_restarts \
            else "INCONCLUSIVE"
        return CounterexampleResult(target, status, best=best, evidence=evidence,
                                    reason="no operator with a strict spurious local minimum "
                                    f"was found ({res.restarts} restarts, {res.evaluations} "
                                    "operators)",
                                    summary=f"no spurious local minimum in {res.evaluations} "
                                    "operators")
    assert res.best is not None
    if not certify:
        return CounterexampleResult(target, "FOUND", best=best, evidence=evidence,
                                    reason="certification not asked",
                                    summary=f"a spurious local minimum (float margin "
                                    f"{res.best.violation:.3g}) after {res.restarts} restarts")
    # scale the operator so that the Gram eigenvalues are centred at 1: then its RIP constant
    # δ equals the best-scaled δ* = (λ_max − λ_min)/(λ_max + λ_min) (up to the rounding below)
    ev0 = np.linalg.eigvalsh(svec_gram(theta_to_mats(res.best.params)))
    theta = res.best.params / math.sqrt((ev0[0] + ev0[-1]) / 2)
    margin0 = res.best.violation
    _say(progress, f"[{target}] found margin {margin0:.4g}; shrinking to simple rationals")

    def keeps(th: np.ndarray) -> bool:
        v, info = sensing_spurious_margin(th, starts=starts)
        return v > max(0.02, 0.2 * margin0) and (not rip_below_half
                                                  or info.get("delta_scaled", 1) < 0.5)

    deadline = t0 + budget * 0.85
    try:
        exact, log = shrink_vector(theta, keeps, deadline=deadline)
    except ValueError as exc:
        return CounterexampleResult(target, "INCONCLUSIVE", best=best, evidence=evidence,
                                    reason=f"shrinking failed: {exc}")
    evidence["shrink"] = log
    mats_f = theta_to_mats(np.array([float(v) for v in exact]))
    mats = [[[exact[3 * k], exact[3 * k + 1]], [exact[3 * k + 1], exact[3 * k + 2]]]
            for k in range(3)]
    b = np.einsum("mij,ij->m", mats_f, np.diag([1.0, 0.0]))
    mins = [(x, f, gn, lm) for x, f, gn, lm in sensing_local_minima(mats_f, b, starts)
            if gn < 1e-8 and f > 1e-8 and lm > 0]
    if not mins:
        return CounterexampleResult(target, "INCONCLUSIVE", best=best, evidence=evidence,
                                    reason="the shrunk operator lost its spurious minimum")
    x = max(mins, key=lambda t: t[3])[0]
    spec = _sensing_spec(mats, 1)
    problem = load_problem(spec)
    _say(progress, f"[{target}] certifying: Krawczyk box around x ≈ {np.round(x, 6).tolist()}")
    box = prove_stationary_box(derive(problem), x)
    if not box.proved:
        return CounterexampleResult(target, "INCONCLUSIVE", best=best, evidence=evidence,
                                    reason=f"Krawczyk failed: {box.reason}")
    G = svec_gram(mats_f)
    ev = np.linalg.eigvalsh(G)
    point = point_box(box.center, box.radius)
    exact_pt = _exact_point_from_box(derive(problem), box.center)
    if exact_pt is not None:
        point = point_exact(exact_pt)
        _say(progress, f"[{target}] the stationary point is exactly {[str(v) for v in exact_pt]}")
    claims = [
        {"type": "strict_spurious_local_min",
         "point": point,
         "witness": ["1", "0"],
         "certified": {"hessian_inertia": [2, 0, 0], "witness_value": "0"}},
        {"type": "rip_constant", "order": 2,
         "certified": {"delta_greater_than": "1/2", "scaled_delta_greater_than": "1/2"}},
    ]
    prov = {"found_by": f"mfverify counterexample target {target}", "seed": seed,
            "budget_s": budget, "search": res.to_json(), "shrink": log,
            "float_point": x.tolist(), "float_gram_eigenvalues": ev.tolist()}
    doc = _doc(spec, claims, prov)
    check = check_certificate(doc)
    evidence.update({"operator": _strs(mats), "point_float": x.tolist(),
                     "delta_scaled_float": float((ev[-1] - ev[0]) / (ev[-1] + ev[0])),
                     "delta_float": float(max(ev[-1] - 1, 1 - ev[0])),
                     "seconds": round(time.perf_counter() - t0, 3)})
    if not check.proved:
        return CounterexampleResult(target, "INCONCLUSIVE", doc, check.to_json(), best, evidence,
                                    reason="; ".join(check.reasons))
    rip = next(d for d in check.details if d["type"] == "rip_constant")
    return CounterexampleResult(
        target, "CERTIFIED", doc, check.to_json(), best, evidence,
        summary=(f"strict spurious local minimum at x ≈ {np.round(x, 4).tolist()} of a rank-1 "
                 f"sensing operator with RIP constant δ ∈ {rip['delta']}, best-scaled δ* ∈ "
                 f"{rip['scaled_delta']}, both > 1/2 (certified)"))


def _exact_point_from_box(poly: Any, center: list[Any]) -> list[sp.Expr] | None:
    """Simple rationals / surds near a Krawczyk center at which ∇f vanishes exactly, if any."""
    from .shrink import simplify_surd

    cand = [simplify_surd(float(c), 1e-25, max_den=64) for c in center]
    if any(abs(float(a) - float(c)) > 1e-25 for a, c in zip(cand, center, strict=True)):
        return None
    g = poly.grad_exact(cand)
    return cand if all(sp.simplify(v) == 0 for v in g) else None


# ---------------------------------------------------------------------------------------------
# target 4: lifting a rank-1 spurious minimum to rank 2 gives a strict saddle
# ---------------------------------------------------------------------------------------------


def find_lifting_saddle(*, budget: float = 60.0, seed: int = 0, progress: Progress | None = None,
                        base: CounterexampleResult | None = None) -> CounterexampleResult:
    """Lift the certified rank-1 spurious minimum x of :func:`find_zsl_spurious_min` to the
    rank-2 problem at [x, 0], search the Hessian there for a direction of negative curvature,
    simplify it to a rational direction, and certify: [x, 0] is a strict saddle (R. Y. Zhang 2022:
    over-parametrization removes the spurious minimum)."""
    t0 = time.perf_counter()
    target = "lifting"
    if base is None:
        base = find_zsl_spurious_min(budget=budget * 0.7, seed=seed, progress=progress)
    if not base.certified or base.certificate is None:
        return CounterexampleResult(target, "INCONCLUSIVE", best=base.best,
                                    evidence={"base": base.to_json()},
                                    reason=f"no certified rank-1 spurious minimum to lift: "
                                    f"{base.reason}")
    spec1 = base.certificate["problem"]
    pt1 = base.certificate["claims"][0]["point"]
    box1 = pt1["box"] if "box" in pt1 else {"center": pt1["exact"], "radius": None}
    spec2 = dict(spec1, rank=2)
    problem2 = load_problem(spec2)
    # flat order of X (2×2, row-major): X00, X01, X10, X11; the lift is [[x0, 0], [x1, 0]]
    fixed = {1: "0", 3: "0"}
    xf = [float(parse_number(c)) for c in box1["center"]]
    lifted = np.array([xf[0], 0.0, xf[1], 0.0])
    H = np.asarray(problem2.hessian_matrix(problem2.unflatten(lifted), "numpy"), dtype=float)
    w, V = np.linalg.eigh(0.5 * (H + H.T))
    _say(progress, f"[{target}] Hessian eigenvalues at [x, 0]: {np.round(w, 5).tolist()}")
    evidence: dict[str, Any] = {"hessian_eigenvalues_float": w.tolist(),
                                "base_summary": base.summary}
    if w[0] >= 0:
        return CounterexampleResult(target, "INCONCLUSIVE", evidence=evidence,
                                    reason="no negative curvature found at the lifted point")
    v = V[:, 0] / np.max(np.abs(V[:, 0]))

    def keeps(d: np.ndarray) -> bool:
        return bool(d @ H @ d < 0.25 * w[0] * (d @ d))

    d_exact, log = shrink_vector(v, keeps, deadline=t0 + budget)
    d = np.array([float(t) for t in d_exact])
    curv = float(d @ H @ d)
    bound = -simplify_number(0.5 * abs(curv), 0.25 * abs(curv), max_den=100)
    if box1["radius"] is None:  # exact rank-1 point: the lift is exact too
        lift_exact = [box1["center"][0], "0", box1["center"][1], "0"]
        point = point_exact(lift_exact)
    else:
        point = point_box(box1["center"], box1["radius"], fixed)
    claims = [{"type": "strict_saddle", "point": point,
               "direction": _strs(d_exact),
               "certified": {"curvature_upper_bound": str(bound)}}]
    prov = {"found_by": f"mfverify counterexample target {target}", "seed": seed,
            "lifted_from": "the certified rank-1 spurious minimum (extra certificate 'rank1')",
            "direction_search": "least eigenvector of the float Hessian, then shrunk",
            "shrink": log}
    doc = _doc(spec2, claims, prov)
    check = check_certificate(doc)
    # numerical side evidence: at rank 2 local descent from random starts reaches f = 0
    rng = np.random.default_rng([seed, 11])
    reached = 0
    trials = 12
    from scipy.optimize import minimize

    for _ in range(trials):
        z0 = rng.normal(size=4)
        sol = minimize(lambda z: float(problem2.value(problem2.unflatten(z), "numpy")), z0,
                       jac=lambda z: problem2.flatten(problem2.grad(problem2.unflatten(z),
                                                                    "numpy")),
                       method="BFGS", options={"gtol": 1e-12, "maxiter": 2000})
        reached += int(sol.fun < 1e-10)
    evidence.update({"direction": _strs(d_exact), "curvature_float": curv,
                     "rank2_descent": {"instances": trials, "reached_global": reached,
                                       "tolerance": 1e-10, "method": "BFGS from N(0, I) starts",
                                       "verdict": "SUPPORTED (numerical)"},
                     "seconds": round(time.perf_counter() - t0, 3)})
    out = CounterexampleResult(target, "CERTIFIED" if check.proved else "INCONCLUSIVE", doc,
                               check.to_json(), None, evidence,
                               reason="; ".join(check.reasons),
                               extra_certificates={"rank1": base.certificate})
    if check.proved:
        out.summary = (f"the rank-1 spurious minimum lifted to [x, 0] at rank 2 is a strict "
                       f"saddle: dᵀ∇²f d <= {bound} < 0 for d = {_strs(d_exact)} (certified); "
                       f"{reached}/{trials} rank-2 descents reached f = 0")
    return out


# ---------------------------------------------------------------------------------------------
# target 3: unbalanced asymmetric saddles with least Hessian eigenvalue -> 0 (Valavi, Liu & Ramadge
# 2020)
# ---------------------------------------------------------------------------------------------


def valavi_closed_form(s1: Any, s2: Any, c: Any) -> sp.Expr:
    """Valavi, Liu & Ramadge 2020: λ_min = [σ₂(c² + c⁻²) − √(σ₂²(c² + c⁻²)² + 4(σ₁² − σ₂²))]/2."""
    t = c**2 + c**-2
    return (s2 * t - sp.sqrt(s2**2 * t**2 + 4 * (s1**2 - s2**2))) / 2


def find_unbalanced_saddles(*, budget: float = 60.0, seed: int = 0,
                            progress: Progress | None = None, members: int = 6
                            ) -> CounterexampleResult:
    """Search strict saddles of unbalanced ½‖xyᵀ − Σ‖² (r = 1) minimizing |λ_min(∇²f)|.

    Random restarts find stationary points of a random diagonal Σ; along the GL(1) orbit
    (x, y) ↦ (tx, y/t) of each strict saddle, |λ_min| is minimized over t (bounded scalar
    search); it decreases to the bound, i.e. the infimum 0 is not attained. Shrink: Σ to small
    integers, the saddle to (0, c)·(0, σ₂/c) with c = 2^k. Certify each member exactly and
    derive the closed form of λ_min(c) symbolically; compare with Valavi, Liu & Ramadge 2020.
    """
    from scipy.optimize import minimize_scalar

    from ..problems import AsymmetricMF

    t0 = time.perf_counter()
    target = "unbalanced-saddles"
    rng = np.random.default_rng(seed)
    sig = np.sort(rng.uniform(0.5, 3.0, size=2))[::-1]
    if sig[0] - sig[1] < 0.2:
        sig[0] += 0.5
    prob_f = AsymmetricMF([[float(sig[0]), 0], [0, float(sig[1])]], 1)
    _say(progress, f"[{target}] Σ = diag({sig[0]:.3f}, {sig[1]:.3f}); finding stationary points")
    saddles: list[tuple[np.ndarray, float]] = []
    restarts = 0
    while time.perf_counter() - t0 < budget * 0.4 and restarts < 12 and len(saddles) < 2:
        restarts += 1
        for z in stationary_points(prob_f, rng, starts=4):
            lam = least_curvature(prob_f, z)
            if lam < -1e-6 and np.linalg.norm(z) > 1e-6:  # the origin has a trivial orbit
                saddles.append((z, lam))
        _say(progress, f"[{target}] restart {restarts}: {len(saddles)} strict saddles")
    if not saddles:
        return CounterexampleResult(target, "INCONCLUSIVE", reason="no strict saddle found",
                                    evidence={"restarts": restarts})
    z, lam0 = saddles[0]

    def abs_lam(logt: float) -> float:
        t = math.exp(logt)
        zt = z.copy()
        zt[:2] *= t
        zt[2:] /= t
        return abs(least_curvature(prob_f, zt))

    opt = minimize_scalar(abs_lam, bounds=(-6.0, 6.0), method="bounded")
    trace = [{"log_t": float(lt), "abs_lambda_min": abs_lam(lt)} for lt in (0, 1, 2, 3, 4, 5, 6)]
    at_bound = abs(abs(opt.x) - 6.0) < 0.05 and abs_lam(opt.x) < 0.01 * abs(lam0)
    _say(progress, f"[{target}] |λ_min| along the orbit: "
                   f"{[round(t['abs_lambda_min'], 5) for t in trace]} (minimizer at the bound: "
                   f"{at_bound})")
    evidence: dict[str, Any] = {"sigma_float": sig.tolist(), "saddle_float": z.tolist(),
                                "lambda_min_float": lam0, "orbit_trace": trace,
                                "orbit_minimizer_at_bound": bool(at_bound),
                                "restarts": restarts}
    if not at_bound:
        return CounterexampleResult(target, "INCONCLUSIVE", evidence=evidence,
                                    reason="|λ_min| has an interior minimum along the orbit")
    # shrink: Σ -> diag(s1, s2) small integers with s1 > s2 > 0 (scale so σ₂ = 1)
    s2 = sp.Integer(1)
    s1 = sp.Integer(max(2, int(round(sig[0] / sig[1]))))
    # which coordinate carries the saddle: the one of the smaller singular value (index 1)
    used = int(np.argmax(np.abs(z[:2])))
    c = sp.Symbol("c", positive=True)
    spec = {"problem": "asymmetric", "Sigma": [[str(s1), "0"], ["0", str(s2)]], "rank": 1,
            "scale": "1/2", "balance": "0"}
    problem = load_problem(spec)
    poly = derive(problem)
    # symbolic family: x = c·e_used, y = (σ_used/c)·e_used
    s_used = s1 if used == 0 else s2
    pt_sym = [sp.Integer(0)] * 4
    pt_sym[used] = c
    pt_sym[2 + used] = s_used / c
    grad_sym = [sp.simplify(g) for g in poly.grad_exact(pt_sym)]
    H_sym = poly.hess_exact(pt_sym)
    lam = sp.Symbol("lam")
    cp = sp.factor(H_sym.charpoly(lam).as_expr())
    roots = sp.solve(cp, lam)
    closed = valavi_closed_form(s1, s2, c) if used == 1 else None
    evidence.update({"family": f"x = c·e{used + 1}, y = ({s_used}/c)·e{used + 1}",
                     "gradient_on_family": [str(g) for g in grad_sym],
                     "charpoly": str(cp), "eigenvalues": [str(sp.simplify(r)) for r in roots]})
    if closed is not None:
        match = [r for r in roots if sp.simplify(r - closed) == 0]
        evidence["closed_form"] = str(closed)
        evidence["closed_form_matches_papers_md_2_6"] = bool(match)
        evidence["limit_c_to_infinity"] = str(sp.limit(closed, c, sp.oo))
    claims = []
    for k in range(members):
        cv = sp.Integer(2) ** k
        pt = [v.subs(c, cv) for v in pt_sym]
        Hk = poly.hess_exact(pt)
        evs = sorted(((sp.N(r.subs(c, cv), 30), r.subs(c, cv)) for r in roots),
                     key=lambda t: t[0])
        lam_exact = sp.radsimp(evs[0][1])
        Hf = np.array(Hk.tolist(), dtype=float)
        wv, Vv = np.linalg.eigh(Hf)
        vv = Vv[:, 0] / np.max(np.abs(Vv[:, 0]))
        d = [simplify_number(float(t), 1e-3, max_den=64) for t in vv]
        if not sp.radsimp((sp.Matrix(d).T * Hk * sp.Matrix(d))[0, 0]) < 0:
            d = [sp.Rational(Fraction(float(t)).limit_denominator(10**8)) for t in vv]
        dv = sp.Matrix(d)
        curv = sp.radsimp((dv.T * Hk * dv)[0, 0])
        if not curv < 0:
            return CounterexampleResult(target, "INCONCLUSIVE", evidence=evidence,
                                        reason=f"member {k}: no rational negative direction")
        claims.append({"type": "strict_saddle", "point": point_exact(pt), "direction": _strs(d),
                       "certified": {"curvature_upper_bound": str(curv),
                                     "least_eigenvalue": str(lam_exact)},
                       "member": {"c": str(cv), "lambda_min_float": float(sp.N(lam_exact, 20))}})
    prov = {"found_by": f"mfverify counterexample target {target}", "seed": seed,
            "closed_form": evidence.get("closed_form")}
    doc = _doc(spec, claims, prov)
    check = check_certificate(doc)
    evidence["members"] = [c_["member"] for c_ in claims]
    evidence["seconds"] = round(time.perf_counter() - t0, 3)
    out = CounterexampleResult(target, "CERTIFIED" if check.proved else "INCONCLUSIVE", doc,
                               check.to_json(), None, evidence, reason="; ".join(check.reasons))
    if check.proved:
        lams = ", ".join(f"{m['lambda_min_float']:.4g}" for m in evidence["members"])
        out.summary = (f"strict saddles x = c·e2, y = e2/c of ½‖xyᵀ − diag({s1}, {s2})‖² with "
                       f"exact λ_min = {lams} for c = 1, 2, …, {2 ** (members - 1)} "
                       f"(closed form {evidence.get('closed_form')} → 0 as c → ∞)")
    return out


# ---------------------------------------------------------------------------------------------
# target 2: constrained factorization with a full-rank spurious KKT point
# ---------------------------------------------------------------------------------------------


def _ssp_violation(pts: list[dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    glob = [q for q in pts if q["S_min"] > -1e-7]
    ssp = [q for q in pts if q["S_min"] < -1e-3 and q["sigma_min"] > 1e-2]
    if not glob:
        return -1.0, {}
    g = min(glob, key=lambda q: q["value"])
    if g["sigma_min"] > 1e-6:  # the global minimizer must be rank-deficient (reachable)
        return -0.5, {}
    if not ssp:
        return -0.25, {}
    s = max(ssp, key=lambda q: min(q["value"] / g["value"] - 1, -q["S_min"], q["sigma_min"]))
    v = min(s["value"] / g["value"] - 1, -s["S_min"], s["sigma_min"])
    return float(v), {"ssp": s, "global": g}


def find_constrained_ssp(*, budget: float = 120.0, seed: int = 0,
                         progress: Progress | None = None, max_restarts: int | None = None
                         ) -> CounterexampleResult:
    """Search instances of min ½‖U‖²_F s.t. ⟨A_i, UUᵀ⟩ = b_i (n = 3, p = 2, m = 3, b = A(zzᵀ))
    for a full-rank spurious KKT point while the global minimizer has rank 1; snap the points
    and multipliers to simple rationals and repair the constraint matrices exactly (the KKT
    conditions are linear in the A_i); certify; then integrate the primal–dual flow from
    rank-1 starts near the feasible set (numerical)."""
    t0 = time.perf_counter()
    target = "constrained-ssp"
    n, p, m = 3, 2, 3
    rng = np.random.default_rng(seed)
    found: dict[str, Any] | None = None
    best_v = -math.inf
    restarts = 0
    _say(progress, f"[{target}] searching instances n={n}, p={p}, m={m} (seed {seed})")
    while time.perf_counter() - t0 < budget * 0.6:
        if max_restarts is not None and restarts >= max_restarts:
            break
        restarts += 1
        A = rng.normal(size=(m, n, n))
        A = (A + A.transpose(0, 2, 1)) / 2
        zt = rng.normal(size=n)
        b = np.einsum("mij,i,j->m", A, zt, zt)
        pts = kkt_points(A, b, p, rng, starts=10)
        v, info = _ssp_violation(pts)
        best_v = max(best_v, v)
        if restarts % 5 == 0:
            _say(progress, f"[{target}] restart {restarts}: best violation {best_v:.3g} "
                           f"({time.perf_counter() - t0:.1f}s)")
        if v > 0.05:
            found = {"A": A, "b": b, **info}
            _say(progress, f"[{target}] restart {restarts}: full-rank SSP with value "
                           f"{info['ssp']['value']:.4f} > global {info['global']['value']:.4f}")
            break
    evidence: dict[str, Any] = {"restarts": restarts, "best_violation": best_v,
                                "space": "A_i symmetric N(0,1) 3×3, b = A(zzᵀ), z ~ N(0, I)"}
    if found is None:
        status = "NOT_FOUND" if max_restarts is not None and restarts >= max_restarts \
            else "INCONCLUSIVE"
        return CounterexampleResult(target, status, evidence=evidence,
                                    reason=f"no full-rank spurious KKT point in {restarts} "
                                    "instances")
    # ---- shrink: snap points/multipliers to rationals and repair the A_i exactly ----
    ssp, glob = found["ssp"], found["global"]
    U0 = ssp["U"]
    # change coordinates (an isometry of the problem class: A_i -> QᵀA_iQ, U -> QᵀUV) so that
    # U = [diag(σ₁, σ₂); 0]: the KKT equations become sparse and the repaired data simpler
    Qf, sv, Vt = np.linalg.svd(U0, full_matrices=True)
    U0 = np.zeros((n, p))
    U0[:p, :p] = np.diag(sv[:p])
    A_rot = np.einsum("ji,mjk,kl->mil", Qf, found["A"], Qf)
    Wg = Qf.T @ glob["U"]
    ew, evec = np.linalg.eigh(Wg @ Wg.T)
    w0 = evec[:, -1] * math.sqrt(max(ew[-1], 0.0))
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    a_syms = sp.symbols(f"a0:{m * len(pairs)}")

    def mat_of(k: int, vals: Any) -> sp.Matrix:
        M = sp.zeros(n, n)
        for t, (i, j) in enumerate(pairs):
            M[i, j] = M[j, i] = vals[k * len(pairs) + t]
        return M

    a0 = [float(A_rot[k][i, j]) for k in range(m) for i, j in pairs]
    cert_doc = None
    log: list[dict[str, Any]] = []
    for den in (4, 8, 10, 16, 20, 32, 50, 64, 100):
        U = sp.Matrix(n, p, [sp.Rational(round(float(v) * den), den) for v in U0.ravel()])
        w = sp.Matrix([sp.Rational(round(float(v) * den), den) for v in w0])
        lam = [sp.Rational(round(float(v) * den), den) for v in ssp["lam"]]
        mu = [sp.Rational(round(float(v) * den), den) for v in glob["lam"]]
        W = sp.zeros(n, p)
        W[:, 0] = w
        Am = [mat_of(k, a_syms) for k in range(m)]
        S_l = sp.eye(n) - 2 * sum((lam[k] * Am[k] for k in range(m)), sp.zeros(n, n))
        S_m = sp.eye(n) - 2 * sum((mu[k] * Am[k] for k in range(m)), sp.zeros(n, n))
        eqs = list(S_l * U) + list(S_m * w) + \
            [sum(Am[k].multiply_elementwise(U * U.T - W * W.T)) for k in range(m)]
        E, e = sp.linear_eq_to_matrix([sp.expand(q) for q in eqs], a_syms)
        try:
            a_ex, _ = repair_affine(E, e, a0, simplify=lambda x, d=den: sp.Rational(
                round(x * d), d))
        except ValueError:
            log.append({"denominator": den, "result": "inconsistent"})
            continue
        mats = [mat_of(k, a_ex) for k in range(m)]
        bvec = [sp.expand(sum(M.multiply_elementwise(U * U.T))) for M in mats]
        spec = {"problem": "constrained", "p": p, "operator": [_strs(M.tolist()) for M in mats],
                "b": _strs(bvec), "merit": "augmented_lagrangian", "rho": "1"}
        claims = [
            {"type": "spurious_kkt_point", "point": point_exact(list(U)), "multiplier": _strs(lam),
             "better_feasible_point": _strs(list(W)),
             "certified": {"full_rank": True, "S_not_psd": True, "rank": p}},
            {"type": "global_minimizer", "point": point_exact(list(W)), "multiplier": _strs(mu)},
            {"type": "flow_equilibrium", "merit": "augmented_lagrangian", "rho": "1",
             "point": point_exact(list(U)), "multiplier": _strs(lam)},
        ]
        doc = _doc(spec, claims, {"found_by": f"mfverify counterexample target {target}",
                                  "seed": seed, "denominator": den})
        check = check_certificate(doc)
        log.append({"denominator": den, "result": "PROVED" if check.proved else check.reasons})
        _say(progress, f"[{target}] snapped with denominator {den}: "
                       f"{'PROVED' if check.proved else check.reasons[0][:80]}")
        if check.proved:
            cert_doc = (doc, check, U, W, lam, mats, bvec)
            break
    evidence["shrink"] = log
    if cert_doc is None:
        return CounterexampleResult(target, "INCONCLUSIVE", evidence=evidence,
                                    best={"U": U0.tolist(), "W": w0.tolist()},
                                    reason="snapping to rationals did not keep a certifiable SSP")
    doc, check, U, W, lam, mats, bvec = cert_doc
    evidence["trap"] = _trap_numerics(doc["problem"], U, W, lam, rng, progress, target)
    evidence["seconds"] = round(time.perf_counter() - t0, 3)
    det = check.details
    out = CounterexampleResult(target, "CERTIFIED", doc, check.to_json(), None, evidence)
    out.summary = (f"full-rank spurious KKT point, value {det[0]['value']} > "
                   f"{det[0]['better_value']} (global, certified by S(μ) ⪰ 0), S(λ) inertia "
                   f"{inertia_text(det[0]['S_inertia'])}; the primal–dual field vanishes there "
                   "exactly; "
                   f"rank-1 starts near the feasible set: {evidence['trap']['reached_global']}/"
                   f"{evidence['trap']['instances']} reached the global minimum (numerical)")
    return out


def _trap_numerics(spec: dict[str, Any], U: sp.Matrix, W: sp.Matrix, lam: list[sp.Expr],
                   rng: np.random.Generator, progress: Progress | None, target: str
                   ) -> dict[str, Any]:
    """Primal–dual flow (U̇ = −∇_U L_ρ, λ̇ = ∇_λ L_ρ) from the SSP and from rank-1 starts."""
    from scipy.integrate import solve_ivp
    from scipy.optimize import least_squares

    problem = load_problem(spec)
    n, p, m = problem.n, problem.p, problem.m
    mats = np.array([[[float(v) for v in row] for row in M] for M in
                     [np.asarray(a, dtype=object) for a in problem.data["A"]]])
    b = np.array([float(v) for v in problem.data["b"]])
    gval = 0.5 * float(sum(float(v) ** 2 for v in W))

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        fld = problem.primal_dual_field({"U": z[: n * p].reshape(n, p), "lam": z[n * p:]},
                                        "numpy")
        return np.concatenate([np.asarray(fld["U"]).ravel(), np.asarray(fld["lam"]).ravel()])

    instances, reached, ranks_ok = 6, 0, 0
    finals = []
    for _ in range(instances):
        u = np.array([float(v) for v in W[:, 0]]) + 0.5 * rng.normal(size=n)
        # move u onto the feasible set within rank 1 (least squares on A(uuᵀ) = b)
        u = least_squares(lambda v: np.einsum("mij,i,j->m", mats, v, v) - b, u).x
        U0 = np.zeros((n, p))
        U0[:, 0] = u + 1e-3 * rng.normal(size=n)
        z0 = np.concatenate([U0.ravel(), np.zeros(m)])
        sol = solve_ivp(rhs, (0.0, 400.0), z0, method="LSODA", rtol=1e-9, atol=1e-11)
        Uf = sol.y[: n * p, -1].reshape(n, p)
        val = 0.5 * float(np.sum(Uf * Uf))
        feas = float(np.linalg.norm(np.einsum("mij,ij->m", mats, Uf @ Uf.T) - b))
        sv = np.linalg.svd(Uf, compute_uv=False)
        ranks_ok += int(sv[-1] < 1e-8 * max(1.0, sv[0]))
        ok = abs(val - gval) < 1e-6 * max(1.0, gval) and feas < 1e-6
        reached += int(ok)
        finals.append({"value": val, "feasibility": feas, "singular_values": sv.tolist()})
    _say(progress, f"[{target}] primal–dual flow from rank-1 starts: {reached}/{instances} "
                   "reached the global value")
    Uf_ = np.array([[float(v) for v in row] for row in U.tolist()])
    stay = rhs(0.0, np.concatenate([Uf_.ravel(), [float(v) for v in lam]]))
    return {"verdict": "SUPPORTED (numerical)", "instances": instances,
            "reached_global": reached, "rank_stayed_1": ranks_ok, "tolerance": 1e-6,
            "global_value": gval, "finals": finals, "method": "scipy LSODA, rtol 1e-9, t = 400, "
            "ρ = 1, λ(0) = 0, U(0) = [u, 0] with u least-squares feasible",
            "field_norm_at_ssp_float": float(np.linalg.norm(stay))}


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------

TARGETS: dict[str, Callable[..., CounterexampleResult]] = {
    "zsl-spurious-min": find_zsl_spurious_min,
    "lifting": find_lifting_saddle,
    "unbalanced-saddles": find_unbalanced_saddles,
    "constrained-ssp": find_constrained_ssp,
    "completion-spurious-min": find_completion_spurious_min,
}


def run_target(name: str, **kwargs: Any) -> CounterexampleResult:
    """Run a built-in target by name (see :data:`TARGETS`).

    The target's ``budget`` (seconds) also bounds the whole run: the search and shrinking
    phases stop themselves before it, and a certification still running at the deadline is
    interrupted, giving INCONCLUSIVE (the progress messages say what was done).
    """
    if name not in TARGETS:
        raise InputError(f"unknown counterexample target {name!r}; expected one of "
                         f"{sorted(TARGETS)}")
    if "seed" in kwargs:
        kwargs["seed"] = check_seed(kwargs["seed"])
    fn = TARGETS[name]
    seconds = kwargs.get("budget", inspect.signature(fn).parameters["budget"].default)
    # the phases of a target end before its budget; the alarm leaves the certification a grace
    # of 5% + 0.5 s (the CLI's own safety net comes later, at 1.15·budget + 1.5 s)
    B = as_budget(seconds, "counterexample")
    grace = 0.0 if B.seconds is None else 0.05 * B.seconds + 0.5
    try:
        with B.alarm(f"running target {name}", grace=grace):
            return fn(**kwargs)
    except BudgetExceeded as exc:
        _say(kwargs.get("progress"), f"[{name}] {exc}")
        return CounterexampleResult(name, "INCONCLUSIVE", reason=str(exc),
                                    summary="no certified counterexample within the budget of "
                                    f"{seconds:g} s")
