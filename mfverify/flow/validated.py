"""Validated integration of polynomial flows: boxes that provably contain the true solution.

:func:`integrate_validated` is the rigorous counterpart of :func:`mfverify.flow.integrate`
(same problems and vector fields, same exact initial states). It returns a sequence of steps
``[t_n, t_{n+1}]``, each with an enclosure of the solution on the whole interval and at its end,
computed in python-flint ball arithmetic (``arb``; Johansson 2017). Each step does:

1. **Taylor coefficients at the centre.** The state is kept as a ball in the Euclidean norm,
   ``x(t_n) ∈ B₂(c_n, r_n)`` with an exact (dyadic) centre ``c_n``. The field is traced once on a
   :class:`~mfverify.flow._jet.BallTape` (the same Taylor-mode jets as the fast integrator,
   with ``arb`` numbers), so the coefficients ``a_0 … a_K`` of the solution x̂ through ``c_n``
   come out as balls that contain the exact coefficients.
2. **A-priori enclosure (high-order Picard test).** With ``X = c_n + [−r_n, r_n]^N`` (a box
   containing the ball), a candidate box ``B`` is inflated until
   ``U := Σ_{k<p} a_k(X)·[0, h^k] + [0, h^p]·Φ_p(B) ⊂ int B`` (checked in ball arithmetic;
   a_k(X) the Taylor coefficients over every start in X, p = :data:`PICARD_ORDER`). Then
   every solution starting in X exists on [t_n, t_n + h] and stays in U (:func:`_picard` has
   the proof). This is the high-order enclosure of Nedialkov, Jackson & Pryce (2001,
   Reliable Computing 7); p = 1 is the classical test ``X + [0, h]·F(B) ⊂ int B`` (Lohner
   1987; Nedialkov, Jackson & Corliss 1999, Appl. Math. Comput. 105, Sec. 3.1), whose
   interval operator contracts only for h·‖|J|‖ ≲ 1 and so capped the steps of the benchmark
   flow at a third of what the series allows. If no B passes, h is halved; 60 halvings
   without success stop the run with :attr:`~mfverify.flow.status.FlowStatus.PICARD_FAILED`.
3. **Remainder.** Componentwise Lagrange remainder of the solution x̂ through c_n:
   ``x̂(t_n + h) = Σ_{k≤K} a_k h^k + h^{K+1} Φ_{K+1}(x̂(t_n + ξ))`` with ξ ∈ (0, h) and
   ``Φ_k(z)`` the k-th Taylor coefficient of the solution through z (the ODE is autonomous).
   Since x̂(t_n + ξ) ∈ U, the remainder lies in ``h^{K+1} Φ_{K+1}(U)``, Φ_{K+1} evaluated on
   the box U by the same jets in ball arithmetic.

   *Step control from the remainder bound.* A box U that passed the Picard test for h encloses
   every solution on [t_n, t_n + h'] for every h' ≤ h, so Φ_{K+1}(U) is a valid remainder
   bound for the shorter step too. When ``h^{K+1}‖Φ_{K+1}(U)‖`` misses the step target, the
   step is shortened to the largest dyadic h' ≤ h with ``h'^{K+1}‖Φ_{K+1}(U)‖ ≤ tol``
   (:func:`_shorten`) keeping U and Φ_{K+1}(U): no new Picard test and no new series. The
   first h tried is 1.5× the accepted/suggested ratio of the previous step (a too-long guess
   now costs nothing but the shortening).
4. **Wrapping control by the logarithmic norm** (instead of Lohner's QR). Let
   μ ≥ sup_{z∈U} μ₂(J(z)), μ₂(J) = λ_max((J + Jᵀ)/2) the logarithmic 2-norm of the Jacobian,
   certified by :func:`~mfverify.flow._ballops.lambda_max_upper` on the Jacobian enclosure
   over U. Then for every solution y with y(t_n) ∈ B₂(c_n, r_n),
   ``‖y(t_n + s) − x̂(t_n + s)‖₂ ≤ r_n e^{μ s}`` for s ∈ [0, h].

   *Proof.* Let e = y − x̂. Both y and x̂ stay in the convex box U, so
   ``F(y) − F(x̂) = J̄ e`` with ``J̄ = ∫₀¹ J(x̂ + θe) dθ`` and every ``x̂ + θe ∈ U``. Then
   ``½ d/dt ‖e‖² = eᵀ J̄ e = eᵀ ((J̄ + J̄ᵀ)/2) e ≤ μ ‖e‖²`` because λ_max is convex, so
   λ_max of the average of the symmetric parts is at most the supremum μ. Hence
   ``d/dt ‖e‖ ≤ μ ‖e‖`` wherever e ≠ 0, and Grönwall gives ``‖e(s)‖ ≤ ‖e(0)‖ e^{μ s}
   ≤ r_n e^{μ s}``. ∎

   So the new ball is ``c_{n+1} = mid(Y)``, ``r_{n+1} = ‖rad(Y)‖₂ + r_n e^{μh}`` (rounded up),
   with ``Y = Σ a_k h^k + h^{K+1} Φ_{K+1}(U)``. Errors are amplified at the rate of the flow
   (e^{μh}; μ ≤ 0 near a minimum of a gradient flow) instead of the naive interval rate
   e^{‖|J|‖ h}, which is what keeps enclosures 40+ digits narrow over long times.

The a-priori box, the remainder and μ are computed at a low precision (96 bits by default: they
are bounds, rigorous at any precision), the centre coefficients at the working precision.
A run that cannot continue stops with a :class:`~mfverify.flow.status.FlowStatus` and a message;
an enclosure is never widened silently (``max_radius`` stops the run with ``WIDTH_EXCEEDED``).

Examples
--------
>>> from mfverify.flow import vector_field
>>> from mfverify.flow.validated import integrate_validated
>>> vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1,)})
>>> res = integrate_validated(vf, {"x": [1]}, [1], dps=30)
>>> res.status.value, res.points[0].width < 1e-25
('done', True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..arith.ball import ARB, to_arb, workprec
from ..errors import InputError
from ..numbers import parse_number
from ..problems.base import Problem
from ..results import ResultMixin
from . import _ballops as bo
from ._jet import trace_ball_field
from .integrate import VectorField, as_field, exact_point
from .status import FlowStatus

if TYPE_CHECKING:
    from ..typing import NumberLike, PointLike

__all__ = ["integrate_validated", "ValidatedFlow", "ValidatedStep", "EnclosurePoint",
           "METHOD", "ball_str"]

#: the method, as written in the evidence of every result
METHOD = ("validated Taylor method in arb ball arithmetic: a-priori enclosure by the "
          "high-order Picard test U = Σ_(k<p) a_k(X)·[0,h^k] + [0,h^p]·Φ_p(B) ⊂ int B "
          "(Nedialkov, Jackson & Pryce 2001), Taylor coefficients of order K at the centre in "
          "balls, Lagrange remainder h^(K+1)·Φ_(K+1)(U), wrapping controlled by the logarithmic "
          "2-norm (r ← ‖rad‖₂ + r·exp(μ h), μ ≥ sup_U λ_max((J+Jᵀ)/2) certified by a "
          "ball Cholesky test)")

#: Picard test: tries of inflating B before the step is halved; halvings before giving up
PICARD_TRIES = 6
MAX_HALVINGS = 60
#: widening factor of the candidate box B in the Picard test
INFLATE = 1.25
#: order p of the a-priori enclosure (:func:`_picard`; 1: the classical constant enclosure)
PICARD_ORDER = 6


class _BallEngine:
    """The field traced on a ball tape: series at a point, Φ_k on a box, Jacobian on a box."""

    def __init__(self, vf: VectorField, prec: int) -> None:
        self.vf = vf
        self.prec = prec
        self.tape, self.leaves, self.outputs, _ = trace_ball_field(vf.fn, vf.variables, prec)
        self.names = list(vf.variables)
        self.shapes = [tuple(vf.variables[n]) for n in self.names]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.inner = [n for n in self.tape.nodes if n.rule is not None]

    def _set(self, xflat: Sequence[Any]) -> None:
        self.tape.reset()
        off = 0
        for name, shape, size in zip(self.names, self.shapes, self.sizes, strict=True):
            self.leaves[name].c = [np.array(list(xflat[off:off + size]),
                                            dtype=object).reshape(shape)]
            off += size

    def _flat_out(self, k: int) -> list[Any]:
        out: list[Any] = []
        for name in self.names:
            out.extend(np.asarray(self.outputs[name].coef(k), dtype=object).reshape(-1))
        return out

    def series(self, xflat: Sequence[Any], K: int) -> list[list[Any]]:
        """Taylor coefficients x_0 … x_K (flat) of the solution through ``xflat``."""
        with workprec(self.prec):
            self._set(xflat)
            coefs = [list(xflat)]
            for k in range(K):
                for node in self.inner:
                    node.c.append(node.rule(k))
                for name in self.names:
                    Fk = self.outputs[name].coef(k)
                    self.leaves[name].c.append(np.asarray(Fk / (k + 1), dtype=object))
                coefs.append([v for name in self.names
                              for v in self.leaves[name].c[k + 1].reshape(-1)])
        return coefs

    def jacobian(self, xflat: Sequence[Any]) -> np.ndarray:
        """The Jacobian of the field, each entry a ball over the box ``xflat`` (N×N)."""
        N = len(xflat)
        J = np.empty((N, N), dtype=object)
        with workprec(self.prec):
            self._set(xflat)
            for node in self.inner:
                node.c.append(node.rule(0))
            col = 0
            for name, _shape, size in zip(self.names, self.shapes, self.sizes, strict=True):
                for i in range(size):
                    for other, oshape in zip(self.names, self.shapes, strict=True):
                        z = np.empty(oshape, dtype=object)
                        z.fill(ARB(0))
                        if other == name:
                            z.reshape(-1)[i] = ARB(1)
                        self.leaves[other].c = self.leaves[other].c[:1] + [z]
                    for node in self.inner:
                        node.c = node.c[:1]
                        node.c.append(node.rule(1))
                    J[:, col] = self._flat_out(1)
                    col += 1
        return J


def ball_str(b: Any, digits: int = 25) -> str:
    """``mid ± rad`` of a ball (the midpoint to ``digits`` digits, the radius rounded up)."""
    return f"{b.mid().str(digits, radius=False)} ± {b.rad().str(3, radius=False)}"


def _horner(coefs: Sequence[Sequence[Any]], s: Any) -> list[Any]:
    acc = list(coefs[-1])
    for c in reversed(coefs[:-1]):
        acc = [a * s + b for a, b in zip(acc, c, strict=True)]
    return acc


@dataclass
class ValidatedStep:
    """One validated step on ``[t0, t1]``: every solution from the start ball is enclosed.

    Attributes
    ----------
    t0, t1
        Exact step ends (``Fraction``).
    coeffs
        Ball Taylor coefficients a_0 … a_K (flat) of the solution x̂ through the centre ``c0``.
    remainder
        The ball vector Φ_{K+1}(U) (so the Lagrange remainder is in ``s^{K+1}·remainder``).
    apriori
        The a-priori box U (flat) containing every solution on the whole step.
    r0, r1
        Euclidean radius of the start ball and of the end ball (exact upper bounds).
    mu
        Certified upper bound of the logarithmic 2-norm of the Jacobian over U.
    center
        The exact end centre c1 (flat): x(t1) ∈ B₂(c1, r1).
    """

    t0: Fraction
    t1: Fraction
    coeffs: list[list[Any]]
    remainder: list[Any]
    apriori: list[Any]
    r0: Any
    mu: Any
    r1: Any
    center: list[Any]

    def enclose(self, s_lo: Fraction, s_hi: Fraction) -> list[Any]:
        """A box (flat balls) containing x(t) for all t ∈ [t0 + s_lo, t0 + s_hi] ⊂ [t0, t1]."""
        S = bo.interval(to_arb(s_lo), to_arb(s_hi))
        K1 = len(self.coeffs)
        # mean-value form of the Taylor polynomial on S: p(S) ⊂ p(s_m) + p'(S)·(S − s_m)
        # (plain Horner on an interval containing 0 overestimates by Σ|a_k||S|^k)
        s_m = to_arb((s_lo + s_hi) / 2)
        deriv = [[k * v for v in self.coeffs[k]] for k in range(1, K1)] or \
            [[ARB(0)] * len(self.coeffs[0])]
        D = _horner(deriv, S)
        dS = S - s_m
        poly = [p + d * dS for p, d in zip(_horner(self.coeffs, s_m), D, strict=True)]
        SK = S ** K1
        grow = ARB(1)
        if self.r0 != 0:
            grow = bo.upper((self.mu * to_arb(s_hi)).exp()) if self.mu > 0 else ARB(1)
        spread = bo.upper(self.r0 * grow) if self.r0 != 0 else ARB(0)
        box = [bo.ball_around(p + SK * rem, spread) for p, rem in
               zip(poly, self.remainder, strict=True)]
        # intersect with the a-priori box (both contain the solution)
        out = []
        for b, u in zip(box, self.apriori, strict=True):
            try:
                out.append(b.intersection(u))
            except ValueError:  # pragma: no cover - disjoint would contradict the proofs
                out.append(b)
        return out

    def tube(self, pieces: int = 1) -> list[tuple[Fraction, Fraction, list[Any]]]:
        """``pieces`` boxes covering the step: ``(t_lo, t_hi, box)`` with x([t_lo, t_hi]) ⊂ box."""
        h = self.t1 - self.t0
        out = []
        for j in range(pieces):
            lo, hi = h * j / pieces, h * (j + 1) / pieces
            out.append((self.t0 + lo, self.t0 + hi, self.enclose(lo, hi)))
        return out

    def end_box(self) -> list[Any]:
        return [bo.ball_around(c, self.r1) for c in self.center]


@dataclass
class EnclosurePoint:
    """A requested time with a box (per variable, ``arb`` arrays) containing x(t)."""

    t: Fraction
    state: dict[str, np.ndarray]
    radius: Any

    @property
    def width(self) -> float:
        """The largest width 2·rad over all coordinates (a float rounded up)."""
        w = max((2 * float(v.rad()) for a in self.state.values() for v in a.reshape(-1)),
                default=0.0)
        return math.nextafter(w, math.inf) if w else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"t": str(self.t), "width": f"{self.width:.3e}",
                "radius": self.radius.str(5, radius=False),
                "state": {k: [ball_str(v) for v in a.reshape(-1)] for k, a in self.state.items()}}


@dataclass
class ValidatedFlow(ResultMixin):
    """The result of :func:`integrate_validated` (``str()``: a one-screen summary, ``repr()``:
    one line, ``to_json()``: everything)."""

    field: VectorField
    dps: int
    prec: int
    low_prec: int
    order: int
    status: FlowStatus
    message: str
    points: list[EnclosurePoint]
    steps: list[ValidatedStep]
    seconds: float
    t_reached: Fraction
    notes: list[str] = dc_field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.field.variables)

    def unflatten(self, vec: Sequence[Any]) -> dict[str, np.ndarray]:
        out, off = {}, 0
        for name, shape in self.field.variables.items():
            size = int(np.prod(shape))
            out[name] = np.array(list(vec[off:off + size]), dtype=object).reshape(shape)
            off += size
        return out

    def evidence(self) -> dict[str, Any]:
        return {"method": METHOD, "precision_bits": self.prec, "dps": self.dps,
                "bound_precision_bits": self.low_prec, "order": self.order,
                "status": self.status.value, "message": self.message, "steps": len(self.steps),
                "t_reached": str(self.t_reached), "seconds": round(self.seconds, 3)}

    def to_json(self) -> dict[str, Any]:
        return {**self.evidence(), "field": self.field.name,
                "points": [p.to_json() for p in self.points], "notes": list(self.notes)}

    def _title(self) -> str:
        return f"ValidatedFlow of {self.field.name}: {self.status}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        width = [("width", f"{self.points[-1].width:.2e}")] if self.points else []
        return [("t", str(self.t_reached)), ("steps", len(self.steps)), *width]


def _times(times: Any) -> list[Fraction]:
    if isinstance(times, (str, int, float, Fraction)) or isinstance(times, sp.Basic):
        times = [times]
    out = []
    for t in times:
        v = parse_number(t) if not isinstance(t, Fraction) else sp.Rational(t.numerator,
                                                                             t.denominator)
        if not v.is_Rational:
            raise InputError(f"validated output times must be rational, got {t}")
        if v < 0:
            raise InputError(f"times must be >= 0, got {t}")
        out.append(Fraction(int(v.p), int(v.q)))
    if not out:
        raise InputError("give at least one time")
    return sorted(set(out))


def _dyadic_floor(h: float) -> Fraction:
    """A dyadic number in (h/2, h] with 20 significant bits (exact steps keep t exact)."""
    m, e = math.frexp(h)
    return Fraction(int(m * 2 ** 20), 1) * Fraction(2) ** (e - 20)


def integrate_validated(
    system: Problem | VectorField,
    x0: PointLike,
    times: NumberLike | Sequence[NumberLike],
    *,
    dps: int = 50,
    tol: NumberLike | None = None,
    order: int | None = None,
    radius: NumberLike = 0,
    max_steps: int = 20_000,
    max_radius: NumberLike | None = None,
    low_prec: int = 96,
    time_budget: float | None = None,
    progress: Callable[[Fraction, Fraction], None] | None = None,
) -> ValidatedFlow:
    """Rigorous enclosures of the solution of ``ẋ = F(x)`` from ``x0`` (see the module docs).

    Parameters
    ----------
    system
        A problem (its gradient flow ẋ = −∇f) or a polynomial :class:`VectorField`.
    x0
        Exact initial state ``{name: nested lists}`` (strings like ``"1/3"``, ``"sqrt(2)"``).
    times
        Rational output times; the run stops at the largest.
    dps
        Working precision of the centre coefficients (decimal digits; ``prec = ⌈3.33·dps⌉ + 32``
        bits).
    tol
        Step-size target per step, relative to ``max(1, ‖x‖)`` (default ``10^-dps``); it only
        chooses steps, the enclosures are rigorous whatever it is.
    order
        Taylor order K (default ¾ of ``⌈−ln(tol)/2⌉ + 1``, the order of
        :func:`~mfverify.flow.integrate`).
    radius
        Euclidean radius of a ball of initial states around ``x0`` (0: the single point x0).
    max_steps, time_budget
        Step and time (seconds, checked between steps) limits: status ``MAX_STEPS``/``BUDGET``.
    max_radius
        Stop (``WIDTH_EXCEEDED``) once the enclosure radius exceeds it; default about
        ``max(2^-20·max(1, ‖x(t)‖), 2^20·radius)`` (relative to the current state).
    low_prec
        Bits for the a-priori box, the remainder and the log-norm bound.

    Returns
    -------
    ValidatedFlow
        Steps (each enclosing the solution on its interval), boxes at the requested times that
        were reached, the status and its message, method and precisions in ``evidence()``.
    """
    t_start = time.perf_counter()
    vf = as_field(system)
    if not isinstance(dps, int) or dps < 5:
        raise InputError(f"dps must be an integer >= 5, got {dps!r}")
    prec = int(math.ceil(dps * math.log2(10))) + 32
    x_exact = exact_point(vf.variables, x0)
    out_times = _times(times)
    tol_f = 10.0 ** (-dps) if tol is None else float(parse_number(tol))
    if not tol_f > 0:
        raise InputError(f"tol must be positive, got {tol}")
    # default order: 3/4 of the fast integrator's (Jorba–Zou) order; the remainder on the
    # a-priori box grows geometrically with the order, so a lower order with slightly smaller
    # steps is cheaper (measured in benchmarks/bench_flow.py: about 20% at 50 digits)
    K = order if order is not None else max(
        8, min(300, (3 * (int(math.ceil(-math.log(tol_f) / 2)) + 1)) // 4))
    if not isinstance(K, int) or K < 2:
        raise InputError(f"order must be an integer >= 2, got {order!r}")
    hi = _BallEngine(vf, prec)
    lo = _BallEngine(vf, low_prec)
    with workprec(prec):
        c = [to_arb(v) for arr in x_exact.values() for v in arr.reshape(-1)]
        r = bo.upper(to_arb(parse_number(radius))) if radius else ARB(0)
        # x0 itself may not be dyadic: move its rounding into the radius
        rr = bo.rad2_upper(c)
        c = bo.mids(c)
        r = bo.upper(r + rr) if rr != 0 else r
        x0n = 2.0 ** min(1000.0, max(0.0, bo.log2_norm(c)))
    rmax_fixed = (bo.upper(to_arb(parse_number(max_radius))) if max_radius is not None
                  else None)
    r_start = r
    res = ValidatedFlow(vf, dps, prec, low_prec, K, FlowStatus.DONE, "all requested times "
                        "enclosed", [], [], 0.0, Fraction(0))
    t = Fraction(0)
    nxt = 0
    memory: dict[str, float] = {}

    def record_point() -> None:
        with workprec(prec):
            box = [bo.ball_around(v, r) for v in c]
        res.points.append(EnclosurePoint(t, res.unflatten(box), r))

    while nxt < len(out_times) and out_times[nxt] == 0:
        record_point()
        nxt += 1
    while nxt < len(out_times):
        if len(res.steps) >= max_steps:
            res.status, res.message = FlowStatus.MAX_STEPS, f"stopped after {max_steps} steps"
            break
        if time_budget is not None and time.perf_counter() - t_start > time_budget:
            res.status, res.message = FlowStatus.BUDGET, f"time budget {time_budget} s spent"
            break
        target = out_times[nxt]
        outcome = _step(hi, lo, c, r, t, target, K, tol_f, prec, low_prec, memory)
        if isinstance(outcome, tuple):
            res.status, res.message = outcome
            res.message += f" (at t = {float(t):.6g})"
            break
        step = outcome
        res.steps.append(step)
        t, c, r = step.t1, step.center, step.r1
        if t == target:
            record_point()
            nxt += 1
        if progress is not None:
            progress(t, out_times[-1])
        if not all(v.is_finite() for v in c) or not r.is_finite():
            res.status, res.message = FlowStatus.NONFINITE, "a ball became non-finite"
            break
        rmax = rmax_fixed if rmax_fixed is not None else (
            ARB(2) ** int(math.ceil(max(0.0, bo.log2_norm(c)))) * ARB(2) ** -20).max(
                r_start * 2 ** 20)
        if r > rmax:
            res.status = FlowStatus.WIDTH_EXCEEDED
            res.message = (f"enclosure radius {r.str(3, radius=False)} exceeded the maximum "
                           f"{rmax.str(3, radius=False)} at t = {float(t):.6g}")
            break
        if bo.log2_norm(c) > 64 + math.log2(x0n):
            res.status = FlowStatus.BLOW_UP
            res.message = (f"‖x‖ exceeded 2^64 times its initial size at t = {float(t):.6g}: "
                           "a finite-time singularity ahead")
            break
    res.t_reached = t
    res.seconds = time.perf_counter() - t_start
    return res


def _choose_h(coefs: list[list[Any]], K: int, tol_f: float, remaining: Fraction) -> Fraction:
    """The step the centre series suggests: ‖a_k‖ h^k ≤ tol·max(1, ‖x‖) for k = K−3 … K."""
    log_tol = math.log2(tol_f) + max(0.0, bo.log2_norm(coefs[0]))
    log_h = math.inf
    for k in range(max(1, K - 3, (K + 1) // 2), K + 1):
        lk = bo.log2_norm(coefs[k])
        if lk == math.inf:
            return Fraction(0)
        if lk > -math.inf:
            log_h = min(log_h, (log_tol - lk) / k)
    if log_h == math.inf or log_h >= math.log2(float(remaining)):
        return remaining
    if log_h < -1000:
        return Fraction(0)
    return _dyadic_floor(2.0 ** log_h)


def _picard(lo: _BallEngine, X: list[Any], h: Fraction, scale: float,
            base: list[list[Any]] | None = None) -> list[Any] | None:
    """The a-priori box U ⊂ int B, or None when no candidate B passes the test.

    ``base`` = [a_0(X), …, a_{p−1}(X)]: ball enclosures of the Taylor coefficients of the
    solutions through every start in X (``lo.series(X, p − 1)``; None: p = 1, a_0(X) = X). The
    test is the high-order enclosure of Nedialkov, Jackson & Pryce (2001, "An effective
    high-order interval method for validating existence and uniqueness of the solution of an
    IVP for an ODE", Reliable Computing 7)::

        U := Σ_{k<p} a_k(X)·[0, h^k] + [0, h^p]·Φ_p(B) ⊂ int B.

    *Why it encloses.* Take a start y₀ ∈ X and let t* be the supremum of the t ≤ h such that
    the solution exists on [0, t] and stays in B (t* > 0: X ⊂ U ⊂ int B). For t ≤ t*, Taylor's
    theorem with the Lagrange remainder, per component, and autonomy give
    x(t) = Σ_{k<p} a_k(y₀) t^k + t^p Φ_p(x(ξ)) with x(ξ) ∈ B, so x(t) ∈ U. As U is a compact
    subset of int B, the solution (of a polynomial field, so it exists while it is bounded)
    stays in B a little beyond t* unless t* = h. Hence x([0, h]) ⊂ U. With p = 1 this is the
    classical constant-enclosure test X + [0, h]·F(B) ⊂ int B, whose interval operator only
    contracts for h·‖|J|‖ ≲ 1: near a minimum with Hessian eigenvalues up to λ it caps the
    step at about 1/λ whatever the accuracy allows; order p lifts the cap to about p/(e·λ).
    """
    base = base or [X]
    p = len(base)
    with workprec(lo.prec):
        hu = bo.upper(to_arb(h))
        Sk = [bo.interval(0, bo.upper(hu ** k)) for k in range(p + 1)]  # [0, h^k] ∋ t^k
        eps = ARB(2) ** (-lo.prec + 8) * ARB(max(1.0, scale))
        poly = list(base[0])  # Σ_{k<p} a_k(X)·[0, h^k] ∋ the Taylor part at every t ∈ [0, h]
        for k in range(1, p):
            poly = [q + a * Sk[k] for q, a in zip(poly, base[k], strict=True)]

        def apply(B: list[Any]) -> list[Any]:
            Fp = lo.series(B, p)[p]
            return [q + Sk[p] * f for q, f in zip(poly, Fp, strict=True)]

        U = apply(X)
        B = [ARB(u.mid(), u.rad() * INFLATE + eps) for u in U]
        for _ in range(PICARD_TRIES):
            U = apply(B)
            if all(b.contains_interior(u) for b, u in zip(B, U, strict=True)):
                return U
            B = [ARB(w.mid(), w.rad() * INFLATE + eps) for w in
                 (u.union(b) for u, b in zip(U, B, strict=True))]
    return None


def _remainder(lo: _BallEngine, U: list[Any], K: int) -> list[Any]:
    """Φ_{K+1}(U): the (K+1)-th Taylor coefficient of the flow, over every start in the box U."""
    return lo.series(U, K + 1)[K + 1]


def _propose_h(coefs: list[list[Any]], K: int, tol_f: float, remaining: Fraction,
               memory: dict[str, float]) -> tuple[Fraction, Fraction]:
    """(the step the centre series suggests, the first step to try). ``memory["ratio"]`` is
    the ratio accepted/suggested of the previous unclipped step: the remainder on the a-priori
    box usually allows less than the centre series suggests."""
    h_coef = _choose_h(coefs, K, tol_f, remaining)
    ratio = memory.get("ratio", 1.0)
    if ratio >= 1.0 or h_coef <= 0:
        return h_coef, h_coef
    if h_coef < remaining:
        return h_coef, min(h_coef, _dyadic_floor(float(h_coef) * min(1.0, ratio * 1.5)))
    # clipped by the output time: the natural step may still be the smaller one
    nat = _choose_h(coefs, K, tol_f, remaining * 2 ** 60)
    guess = _dyadic_floor(float(nat) * min(1.0, ratio * 1.5)) if nat > 0 else h_coef
    return h_coef, remaining if guess >= remaining else guess


def _shorten(h: Fraction, rnorm: Any, K: int, target: float, h_min: Fraction, prec: int
             ) -> Fraction | None:
    """The largest dyadic h' ≤ h (within 5%) with h'^(K+1)·rnorm ≤ target, or None below
    h_min. Sound only because h' ≤ h: the caller reuses the a-priori box of h."""
    q = target / bo.to_float(bo.upper(to_arb(h)) ** (K + 1) * rnorm)
    h_new = min(h, _dyadic_floor(float(h) * q ** (1 / (K + 1))))
    for _ in range(8):
        if h_new < h_min or h_new <= 0:
            return None
        with workprec(prec):
            rn = bo.to_float(bo.upper(to_arb(h_new)) ** (K + 1) * rnorm)
        if rn <= target:
            return h_new
        h_new = _dyadic_floor(float(h_new) * 0.95)
    return None


def _enclose(lo: _BallEngine, X: list[Any], h: Fraction, K: int, tol_f: float, scale: float,
             remaining: Fraction, h_min: Fraction
             ) -> tuple[Fraction, list[Any], list[Any]] | Fraction:
    """Find h, the a-priori box U and Φ_{K+1}(U) with the remainder meeting the step target
    (validated step control); returns the last h tried when none is found.

    A box U that passed the Picard test for h also encloses every solution on [0, h'] for any
    h' ≤ h, so Φ_{K+1}(U) bounds the remainder of the shorter step too: when the remainder of h
    misses the target, the step is shortened *with the same U and Φ_{K+1}(U)* to the largest
    dyadic h' with h'^(K+1)·‖Φ_{K+1}(U)‖ ≤ tol (no new Picard test, no new series)."""
    base = lo.series(X, min(PICARD_ORDER, K) - 1)  # a_0(X) … a_{p−1}(X), shared by every h
    for _ in range(MAX_HALVINGS):
        if h <= 0 or (h < remaining and h < h_min):
            return h
        U = _picard(lo, X, h, scale, base)
        if U is None:
            h = h / 2
            continue
        rem = _remainder(lo, U, K)
        with workprec(lo.prec):
            rnorm = bo.norm2_upper(rem)
            rn = bo.to_float(bo.upper(to_arb(h)) ** (K + 1) * rnorm)
        q = tol_f * scale / rn if rn > 0 else math.inf
        if q >= 1 or (h == remaining and q >= 2.0 ** -10):
            return h, U, rem
        if not math.isfinite(rn):
            h = h / 2
            continue
        h_new = _shorten(h, rnorm, K, tol_f * scale, h_min, lo.prec)
        if h_new is not None:
            return h_new, U, rem
        h = h / 2
    return h


def _step(hi: _BallEngine, lo: _BallEngine, c: list[Any], r: Any, t: Fraction,
          target: Fraction, K: int, tol_f: float, prec: int, low_prec: int,
          memory: dict[str, float]) -> ValidatedStep | tuple[FlowStatus, str]:
    """One validated step from the ball B₂(c, r) at time t (see the module docstring)."""
    coefs = hi.series(c, K)
    remaining = target - t
    h_coef, h = _propose_h(coefs, K, tol_f, remaining, memory)
    scale = 2.0 ** min(1000.0, max(0.0, bo.log2_norm(c)))
    with workprec(low_prec):
        X = [bo.ball_around(v, r) for v in c]
    found = _enclose(lo, X, h, K, tol_f, scale, remaining,
                     Fraction(2) ** -(prec // 2) * max(1, abs(t)))
    if not isinstance(found, tuple):
        return (FlowStatus.PICARD_FAILED, "no a-priori enclosure passed the Picard test "
                f"(step halved down to {float(found):.3g}): finite-time blow-up ahead or a "
                "field too stiff for an explicit Taylor enclosure")
    h, U, rem = found
    mu = ARB(0)
    if r != 0:
        with workprec(low_prec):
            mu = bo.lambda_max_upper(lo.jacobian(U))
        if not mu.is_finite():
            return (FlowStatus.NONFINITE, "the log-norm bound of the Jacobian is not finite")
    with workprec(prec):
        ha = to_arb(h)
        Y = _horner(coefs, ha)
        hK = ha ** (K + 1)
        Y = [y + hK * e for y, e in zip(Y, rem, strict=True)]
        grow = bo.upper((mu * ha).exp()) if r != 0 else ARB(0)
        r1 = bo.upper(bo.rad2_upper(Y) + r * grow)
        c1 = bo.mids(Y)
    if 0 < h_coef < remaining:  # a step not clipped by the output time
        memory["ratio"] = float(h) / float(h_coef)
    return ValidatedStep(t, t + h, coefs, rem, U, r, mu, r1, c1)
