"""Certified statements about one trajectory, built on :func:`integrate_validated` enclosures.

Each function returns a :class:`Certificate`: a verdict string (``"PROVED"``, ``"REFUTED"`` or
``"INCONCLUSIVE"``, the values of :class:`mfverify.claims.Verdict`), a one-line reason, and the
evidence (the method and precision of the enclosure, the certified bounds, the times).

* :func:`certify_reach` — f(x(t)) ≤ δ for some certified t ≤ T;
* :func:`certify_escape` — x(t) leaves the ball B₂(x_c, ρ) by time T;
* :func:`certify_bound` — a scalar bound g(x(t), t) ≤ 0 on every box of the trajectory
  (e.g. ‖S(t)‖₂ ≤ 1/(2t) for a Schur complement);
* :func:`certify_convergence` — convergence to the orbit of a global minimizer, from a local
  Polyak–Łojasiewicz inequality certified on a ball around the orbit (theorem and proof in the
  docstring and in docs/flow.md, "Validated flows").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..arith import ExactArith
from ..arith.ball import ARB, BallArith, to_arb, workprec
from ..errors import InputError, UnsupportedError
from ..problems.base import Problem
from . import _ballops as bo
from .integrate import exact_point
from .validated import ValidatedFlow, _BallEngine

if TYPE_CHECKING:
    from ..typing import NumberLike, PointLike

__all__ = ["Certificate", "certify_reach", "certify_escape", "certify_bound",
           "certify_convergence", "ball_objective", "PL_THEOREM"]

PROVED, REFUTED, INCONCLUSIVE = "PROVED", "REFUTED", "INCONCLUSIVE"


@dataclass
class Certificate:
    """A verdict about the trajectory of one validated flow, with its evidence."""

    verdict: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "evidence": self.evidence}


def _problem(flow: ValidatedFlow) -> Problem:
    p = flow.field.problem
    if p is None:
        raise UnsupportedError("this statement needs the flow of a problem (its objective); "
                               "the flow was of a user vector field")
    return p


def ball_objective(problem: Problem, box: Mapping[str, np.ndarray], prec: int) -> Any:
    """An enclosure of f over the box (f written once against the arithmetic interface)."""
    A = BallArith(prec)
    with workprec(prec):
        return problem.objective(A, dict(box), problem.data_in(A))


def _base_evidence(flow: ValidatedFlow) -> dict[str, Any]:
    return {"enclosure": flow.evidence()}


def _horizon(flow: ValidatedFlow, T: Any) -> Fraction:
    if T is None:
        return flow.t_reached
    v = sp.Rational(str(T)) if not isinstance(T, Fraction) else T
    return Fraction(int(sp.Rational(v).p), int(sp.Rational(v).q))


def certify_reach(flow: ValidatedFlow, delta: NumberLike,
                  T: NumberLike | None = None) -> Certificate:
    """Is f(x(t)) ≤ δ for some t ≤ T (default: the end of the enclosure)?

    PROVED at the first step end whose box has f ≤ δ (upper bound in ball arithmetic);
    REFUTED when the enclosure reaches T and f > δ on every box of every step up to T (lower
    bound); else INCONCLUSIVE.
    """
    p = _problem(flow)
    T = _horizon(flow, T)
    d = _exact_ball(delta)
    ev = _base_evidence(flow) | {"delta": str(delta), "T": str(T)}
    all_above = True
    for step in flow.steps:
        if step.t0 >= T:
            break
        fb = ball_objective(p, flow.unflatten(step.end_box()), flow.prec)
        if step.t1 <= T and fb <= d:
            ev.update({"t": str(step.t1), "t_float": float(step.t1),
                       "f_upper": bo.upper(fb).str(8, radius=False)})
            return Certificate(PROVED, f"f(x(t)) ≤ {delta} at t = {float(step.t1):.6g} ≤ T "
                               "(ball upper bound on the enclosure)", ev)
        if all_above:
            tube = ball_objective(p, flow.unflatten(step.enclose(Fraction(0),
                                                                 step.t1 - step.t0)),
                                  flow.prec)
            all_above = bool(tube > d)
    if all_above and flow.t_reached >= T and flow.steps:
        return Certificate(REFUTED, f"f(x(t)) > {delta} on every enclosure box for t ∈ [0, "
                           f"{float(T):.6g}] (ball lower bounds)", ev)
    why = ("the enclosure stopped early: " + flow.message) if flow.t_reached < T else \
        "neither bound closed on the enclosure boxes"
    return Certificate(INCONCLUSIVE, why, ev)


def _exact_ball(value: Any) -> Any:
    """A threshold (δ, ρ) as a ball: a string as written, a number through its exact
    rational (``sympy.nsimplify``)."""
    return to_arb(value if isinstance(value, str) else sp.nsimplify(value))


def _dist_bounds(box: Sequence[Any], center: Sequence[Any]) -> tuple[Any, Any]:
    diff = [b - c for b, c in zip(box, center, strict=True)]
    return bo.norm2_lower(diff), bo.norm2_upper(diff)


def certify_escape(flow: ValidatedFlow, rho: Any, center: Any = None,
                   T: Any = None) -> Certificate:
    """Does x(t) leave the ball B₂(center, ρ) by time T? (center: a state dict of exact
    numbers, default the zero state, the saddle of every factorization problem)."""
    T = _horizon(flow, T)
    vars_ = flow.field.variables
    if center is None:
        c = [ARB(0)] * flow.field.dim
    else:
        cx = exact_point(vars_, center)
        with workprec(flow.prec):
            c = [to_arb(v) for arr in cx.values() for v in arr.reshape(-1)]
    with workprec(flow.prec):
        r = _exact_ball(rho)
        ev = _base_evidence(flow) | {"rho": str(rho), "T": str(T)}
        inside = True
        for step in flow.steps:
            if step.t0 >= T:
                break
            lo, _ = _dist_bounds(step.end_box(), c)
            if step.t1 <= T and lo > r:
                ev.update({"t": str(step.t1), "t_float": float(step.t1),
                           "distance_lower": lo.str(8, radius=False)})
                return Certificate(PROVED, f"‖x(t) − x_c‖ > {rho} at t = {float(step.t1):.6g}"
                                   " ≤ T (ball lower bound)", ev)
            if inside:
                _, hi = _dist_bounds(step.enclose(Fraction(0), step.t1 - step.t0), c)
                inside = bool(hi < r)
    if inside and flow.t_reached >= T and flow.steps:
        return Certificate(REFUTED, f"x(t) stays within {rho} of x_c on [0, {float(T):.6g}] "
                           "(ball upper bounds on every box)", ev)
    return Certificate(INCONCLUSIVE, "the enclosure stopped early: " + flow.message
                       if flow.t_reached < T else "neither bound closed", ev)


def certify_bound(flow: ValidatedFlow,
                  g: Callable[[BallArith, dict[str, np.ndarray], Fraction, Fraction], Any],
                  name: str, *, pieces: int = 4, t_min: Any = 0) -> Certificate:
    """Is g(x(t), t) ≤ 0 for all t in [t_min, t_reached]? ``g(A, box, t_lo, t_hi)`` returns a
    ball enclosing g over the box for t in [t_lo, t_hi] (each step is cut into ``pieces``).

    PROVED when the upper bound is ≤ 0 on every piece; REFUTED when on some piece the lower
    bound is > 0 (then the bound fails at every time of that piece); else INCONCLUSIVE.
    """
    A = BallArith(flow.prec)
    tmin = Fraction(str(t_min))
    worst = None
    n = 0
    with workprec(flow.prec):
        for step in flow.steps:
            for lo, hi, box in step.tube(pieces):
                if hi <= tmin:
                    continue
                val = g(A, flow.unflatten(box), max(lo, tmin), hi)
                n += 1
                if val > 0:
                    lb = bo.lower(val).str(5, radius=False)
                    return Certificate(REFUTED, f"{name} fails on the whole interval "
                                       f"[{float(lo):.6g}, {float(hi):.6g}] (ball lower "
                                       f"bound {lb} > 0)",
                                       _base_evidence(flow) | {"boxes": n})
                up = bo.upper(val) if val.is_finite() else ARB("inf")
                worst = up if worst is None else worst.max(up)
    ev = _base_evidence(flow) | {"boxes": n, "bound": name,
                                 "max_upper": worst.str(5, radius=False) if worst else None}
    if worst is not None and worst <= 0:
        return Certificate(PROVED, f"{name} holds on all {n} boxes of the enclosure up to t = "
                           f"{float(flow.t_reached):.6g}", ev)
    return Certificate(INCONCLUSIVE, f"{name}: some box has an upper bound above 0 "
                       f"({ev['max_upper']})", ev)


# ---------------------------------------------------------------------------------------------
# convergence
# ---------------------------------------------------------------------------------------------

PL_THEOREM = (
    "Let f be C² and invariant under a compact group G acting by linear isometries, x* a "
    "stationary point with f(x*) = f*, T the orbit tangent space at x* and N = T⊥. If for all "
    "z in the closed ball B(x*, ρ): vᵀ∇²f(z)v ≥ λ‖v‖² for v ∈ N (λ > 0) and ∇²f(z) ⪯ L·I, then "
    "every x with dist(x, G·x*) < ρ and f(x) − f* < λρ²/2 has a gradient flow that stays in the "
    "tube, satisfies ‖∇f‖² ≥ 2(λ²/L)(f − f*) (PL) and converges to a point of G·x*, with "
    "f(x(t)) − f* ≤ e^{−2(λ²/L)t}(f(x) − f*).")


def _nonneg(e: sp.Expr) -> bool:
    """A structural, sound test that the expression is ≥ 0 for all real arguments."""
    if e.is_number:
        return bool(e >= 0)
    if e.is_Pow:
        return bool(e.args[1].is_Integer and int(e.args[1]) % 2 == 0) or (
            _nonneg(e.args[0]) and bool(e.args[1].is_positive))
    if e.is_Add or e.is_Mul:
        return all(_nonneg(a) for a in e.args)
    return False


def _exact_stationary(problem: Problem, xs: dict[str, np.ndarray]) -> tuple[bool, sp.Expr]:
    A = ExactArith()
    d = problem.data_in(A)
    g = problem.gradient(A, xs, d)
    zero = all(sp.simplify(v) == 0 for k in g for v in np.asarray(g[k]).reshape(-1))
    return zero, sp.simplify(problem.objective(A, xs, d))


def _pl_bounds(p: Problem, flow: ValidatedFlow, xs: dict[str, np.ndarray], xc: list[Any],
               dist: float, rho: Any) -> dict[str, Any]:
    """Float estimates at x* (κ, λ₀, L₀, the radius ρ), then the certified λ (lower bound of
    λ_min(H + κTTᵀ) over the box x* ± ρ) and L (upper bound of λ_max(H)); H = −J of the
    traced gradient field in ball arithmetic. No ``"lam"`` key when λ₀ ≤ 0."""
    tang = p.orbit_tangent(xs, "exact")
    Tm = np.array([[sp.nsimplify(v) for k in flow.field.variables
                    for v in np.asarray(tv[k]).reshape(-1)] for tv in tang], dtype=object).T \
        if tang else np.zeros((flow.field.dim, 0), dtype=object)
    eng = _BallEngine(flow.field, 128)
    with workprec(128):
        H0 = -eng.jacobian(xc)
    H0f = np.array([[bo.to_float(v) for v in row] for row in H0])
    Tf = np.array(Tm, dtype=float) if Tm.size else np.zeros((flow.field.dim, 0))
    ttf = Tf @ Tf.T
    nz = [w for w in np.linalg.eigvalsh(ttf) if w > 1e-12] if Tf.size else []
    kappa = (4 * float(np.linalg.norm(H0f, 2)) + 1) / min(nz) if nz else 0.0
    lam0 = float(np.linalg.eigvalsh(H0f + kappa * ttf)[0])
    L0 = float(np.linalg.eigvalsh(H0f)[-1])
    out: dict[str, Any] = {"estimates": {"lambda_normal_estimate": lam0, "L_estimate": L0,
                                         "kappa": kappa}}
    if lam0 <= 0:
        return out
    rho_f = float(rho) if rho is not None else max(4 * dist * (L0 / lam0) ** 0.5, 1e-30)
    with workprec(128):
        box = [bo.ball_around(v, ARB(rho_f)) for v in xc]
        H = -eng.jacobian(box)
        n = H.shape[0]
        Aug = np.empty(H.shape, dtype=object)
        Tb = [[to_arb(v) for v in row] for row in Tm] if Tm.size else None
        for i in range(n):
            for j in range(n):
                extra = sum((Tb[i][k] * Tb[j][k] for k in range(len(Tb[i]))), ARB(0)) \
                    if Tb is not None else ARB(0)
                Aug[i, j] = H[i, j] + ARB(kappa) * extra
        out.update({"lam": bo.lambda_min_lower(Aug), "L": bo.lambda_max_upper(H),
                    "rho": rho_f})
    return out


def certify_convergence(flow: ValidatedFlow, target: PointLike, *,
                        rho: NumberLike | None = None) -> Certificate:
    """Certify that the gradient flow converges to the orbit G·x* of ``target`` (exact x*).

    Conditions checked (all rigorous): ∇f(x*) = 0 and f* = f(x*) exactly (SymPy); the group is
    compact and acts by isometries (trivial or O(r)); on the box x* ± ρ the Hessian
    H = −J (J the Jacobian of the traced gradient field in ball arithmetic) satisfies
    λ_min(H + κTTᵀ) ≥ λ > 0 (so vᵀHv ≥ λ‖v‖² on N = T⊥, since Tᵀv = 0 there) and
    λ_max(H) ≤ L; at the end of the enclosure ‖x(t) − x*‖ < ρ and f(x(t)) − f* < λρ²/2.
    Then :data:`PL_THEOREM` gives convergence for all later times. x* is a *global*
    minimizer when in addition f* = 0 and f is structurally a sum of even powers with
    nonnegative coefficients.

    Proof of :data:`PL_THEOREM`. Let x̄ = g·x* be a nearest orbit point to x (the orbit is
    compact) and v = x − x̄; then v ⊥ T(x̄) = g·T (first-order condition), ‖v‖ < ρ. Since g is a
    linear isometry and f∘g = f, the Hessian bounds hold on B(x̄, ρ) with respect to N(x̄) = g·N.
    With ∇f(x̄) = 0: ∇f(x) = H̄v, H̄ = ∫₀¹∇²f(x̄ + θv)dθ, so ‖∇f(x)‖‖v‖ ≥ vᵀH̄v ≥ λ‖v‖²; and
    f(x) − f* = ∫₀¹(1−θ)vᵀ∇²f(x̄ + θv)v dθ ∈ [λ‖v‖²/2, L‖v‖²/2]. Hence
    ‖∇f‖² ≥ λ²‖v‖² ≥ (2λ²/L)(f − f*). Along the flow f is non-increasing; if the trajectory
    reached dist = ρ at a first time, f − f* ≥ λρ²/2 there, contradicting f − f* < λρ²/2 at the
    start: it stays in the tube, d/dt(f − f*) = −‖∇f‖² ≤ −2(λ²/L)(f − f*) gives the rate, and
    d/dt √(f − f*) ≤ −√(λ²/(2L))‖ẋ‖ bounds the length, so x(t) converges, to a point where
    f = f*, i.e. (by the lower bound) on the orbit. ∎
    """
    p = _problem(flow)
    if flow.field.kind != "gradient":
        raise UnsupportedError("convergence is certified for gradient flows only")
    grp = p.symmetry().name
    ev = _base_evidence(flow) | {"theorem": PL_THEOREM, "group": grp}
    if not (grp == "trivial" or grp.startswith("O(")):
        return Certificate(INCONCLUSIVE, f"the symmetry group {grp} is not compact/isometric; "
                           "the local PL theorem used here does not apply", ev)
    if not flow.steps or not flow.points:
        return Certificate(INCONCLUSIVE, "no enclosure: " + flow.message, ev)
    xs = exact_point(flow.field.variables, target)
    stationary, fstar = _exact_stationary(p, xs)
    ev["f_star"] = str(fstar)
    if not stationary:
        raise InputError("the target is not an exact stationary point (∇f(x*) ≠ 0 in SymPy)")
    prec = flow.prec
    with workprec(prec):
        xc = [to_arb(v) for arr in xs.values() for v in arr.reshape(-1)]
        end = [v for a in flow.points[-1].state.values() for v in a.reshape(-1)]
        _, dist = _dist_bounds(end, xc)
        if grp.startswith("O("):
            # −I is in O(r) and acts as x ↦ −x: take the nearer of x* and −x* (same orbit)
            _, dneg = _dist_bounds(end, [-v for v in xc])
            if dneg < dist:
                xs = {k: -v for k, v in xs.items()}
                xc = [-v for v in xc]
                dist = dneg
                ev["orbit_point"] = "-x*"
        ev["distance_upper"] = dist.str(5, radius=False)
        fb = ball_objective(p, flow.points[-1].state, prec)
        gap = bo.upper(fb - to_arb(fstar))
        ev["f_gap_upper"] = gap.str(5, radius=False)
    est = _pl_bounds(p, flow, xs, xc, float(dist.mid()), rho)
    ev.update(est["estimates"])
    if "lam" not in est:
        return Certificate(INCONCLUSIVE, "the Hessian is not positive on the normal space at "
                           "x* (not a strict minimum modulo the symmetry)", ev)
    lam, L, rho_f = est["lam"], est["L"], est["rho"]
    with workprec(128):
        r_ball = ARB(rho_f)
        need = lam * r_ball * r_ball / 2
    ev.update({"rho": rho_f, "lambda_lower": lam.str(5, radius=False),
               "L_upper": L.str(5, radius=False),
               "t_enter": str(flow.points[-1].t)})
    if not lam > 0:
        return Certificate(INCONCLUSIVE, f"λ on the normal space over the ball of radius "
                           f"{rho_f:.3g} is not certified positive (lower bound "
                           f"{lam.str(3, radius=False)})", ev)
    if not (dist < r_ball and gap < need):
        return Certificate(INCONCLUSIVE, f"at t = {float(flow.points[-1].t):.6g} the enclosure "
                           f"is not yet inside the PL tube (distance ≤ {ev['distance_upper']},"
                           f" need < {rho_f:.3g}; f − f* ≤ {ev['f_gap_upper']}, need < "
                           f"{need.str(3, radius=False)})", ev)
    mu = lam * lam / L
    ev["pl_constant_lower"] = bo.lower(mu).str(5, radius=False)
    global_min = False
    if fstar == 0:
        try:
            expr, _ = p.symbolic_objective(expand=False)
            global_min = _nonneg(expr)
        except (UnsupportedError, NotImplementedError):
            global_min = False
    ev["global_minimizer"] = global_min
    where = "the global-minimum set (x* is a global minimizer: f* = 0 ≤ f)" if global_min \
        else "the orbit of the stationary point x*"
    return Certificate(PROVED, f"from t = {float(flow.points[-1].t):.6g} the flow is in a PL "
                       f"tube (λ ≥ {lam.str(3, radius=False)}, L ≤ {L.str(3, radius=False)}, "
                       f"ρ = {rho_f:.3g}) and converges to {where}", ev)
