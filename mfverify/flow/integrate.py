"""Gradient flows and other polynomial flows at arbitrary precision, with a global error estimate.

The engine is an adaptive Taylor method whose coefficients are computed *exactly* (up to one
fixed-point rounding per node and order) by recurrences on the traced vector field (see
:mod:`mfverify.flow._jet`), in the style of Jorba & Zou (2005):

* order ``K = ⌈-ln(tol)/2⌉ + 1`` (``tol`` defaults to ``10^-dps``);
* the step ``h`` is the largest with ``‖y_k‖ ≤ tol·max(1, ‖x‖)`` for the last four orders
  ``k = K-3..K`` (``y_k = x_k h^k``), i.e. ``h ≈ ρ·e^{-2}`` with ρ the radius of convergence
  estimated from the coefficient decay;
* the **local error** of a step is estimated by the last two terms of the series (the tail is
  geometric with ratio about ``e^{-2}`` there, so this over-estimates it) plus a bound on the
  fixed-point rounding;
* the **global error** ``E`` is propagated with the logarithmic norm μ of the Jacobian,
  ``E_{n+1} = e^{μ h} E_n + local_n`` with ``μ = max(μ(x_n), μ(x_{n+1}))`` (only half of a
  negative μ is credited), so errors are amplified at the rate of the flow near saddles. The
  Jacobian is computed exactly in the same Taylor engine (one order-1 pass per unit vector).
  The reported ``error_estimate`` adds the final rounding to ``dps`` digits. It is an
  *estimate*, not a validated bound (no interval arithmetic); the test-suite checks that it bounds
  the difference to a run at twice the digits and twice the tolerance digits.

Norms are Euclidean norms of the flattened state (all variables, in order). Errors are absolute
(normwise); components much smaller than the state are accurate only to ``error_estimate``.

Vector fields are polynomial functions ``fn(A, x) -> {name: ẋ}`` written against
:class:`~mfverify.arith.Arith` (every built-in problem's closed-form gradient is one).
Non-polynomial fields (``sqrt``, ``inv`` of the state) raise
:class:`~mfverify.errors.UnsupportedError`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import mpmath
import numpy as np
import sympy as sp

from ..arith import Arith, MpArith
from ..budget import Budget, as_budget, check_limit
from ..errors import BudgetExceeded, InputError, ShapeError, UnsupportedError
from ..numbers import parse_number
from ..problems.base import Problem, _nested_shape
from ..results import FlowStatus, ResultMixin, coerce
from ..typing import NumberLike, PointLike
from ._jet import from_fixed, log2_norm, to_fixed, trace_field

__all__ = [
    "VectorField",
    "gradient_field",
    "descent_ascent_field",
    "primal_dual_field",
    "vector_field",
    "as_field",
    "Event",
    "EventHit",
    "FlowPoint",
    "FlowResult",
    "integrate",
    "exact_point",
    "field_value",
    "GUARD_BITS",
    "DUAL_NAMES",
]

FieldFn = Callable[[Arith, Mapping[str, Any]], Mapping[str, Any]]
ScalarFn = Callable[[Arith, Mapping[str, Any]], Any]

#: Guard bits of the fixed-point grid above the working precision.
GUARD_BITS = 48


# ---------------------------------------------------------------------------------------------
# vector fields
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorField:
    """An autonomous polynomial vector field ``ẋ = F(x)`` on named matrix variables.

    Attributes
    ----------
    variables
        ``name -> shape`` (the state, in order).
    fn
        ``fn(A, x) -> {name: ẋ_name}`` written against an :class:`~mfverify.arith.Arith`.
    name
        A label (``"gradient flow of symmetric"``, ``"user"``, ...).
    problem
        The problem it comes from (for objective values and invariants), or None.
    kind
        ``"gradient"``, ``"descent-ascent"`` or ``"user"``.
    """

    variables: Mapping[str, tuple[int, ...]]
    fn: FieldFn
    name: str = "user"
    problem: Problem | None = None
    kind: str = "user"
    ascent: tuple[str, ...] = ()

    def __call__(self, A: Arith, x: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.fn(A, x)

    @property
    def dim(self) -> int:
        return int(sum(int(np.prod(s)) for s in self.variables.values()))


def gradient_field(problem: Problem) -> VectorField:
    """The gradient flow ``ẋ = −∇f(x)`` of ``problem`` (its closed-form gradient).

    For the symmetric problem with scale ¼ this is ``Ẋ = (M − XXᵀ)X``; with scale c it is
    ``Ẋ = 4c(M − XXᵀ)X``.
    """
    return descent_ascent_field(problem, ascent=())


def descent_ascent_field(problem: Problem, ascent: Iterable[str] = ()) -> VectorField:
    """Gradient descent in every variable except ``ascent``, gradient *ascent* in those.

    For a Lagrangian ``L(x, λ)`` with ``ascent=("lam",)`` this is the primal-dual flow
    ``ẋ = −∇_x L``, ``λ̇ = +∇_λ L`` (saddle-point dynamics).
    """
    asc = tuple(ascent)
    unknown = [a for a in asc if a not in problem.variables]
    if unknown:
        raise InputError(f"unknown ascent variable(s) {unknown}; the problem has "
                         f"{list(problem.variables)}")
    if type(problem).gradient is Problem.gradient:
        raise UnsupportedError(f"{type(problem).__name__} has no closed-form gradient")

    def fn(A: Arith, x: Mapping[str, Any]) -> dict[str, Any]:
        g = problem.gradient(A, dict(x), problem.data_in(A))
        return {k: (g[k] if k in asc else -g[k]) for k in problem.variables}

    kind = "descent-ascent" if asc else "gradient"
    label = f"{'primal-dual' if asc else 'gradient'} flow of {problem.kind}"
    return VectorField(dict(problem.variables), fn, label, problem, kind, asc)


#: Variable names treated as Lagrange multipliers by :func:`primal_dual_field`.
DUAL_NAMES = ("lam", "lambda", "lmbda", "y", "mu", "nu")


def primal_dual_field(problem: Problem, dual: Iterable[str] | None = None) -> VectorField:
    """The primal-dual (descent-ascent) flow of a problem whose variables include multipliers.

    ``dual`` defaults to the problem's ``dual_variables`` attribute when it has one (e.g. a
    ``ConstrainedMF`` with the augmented-Lagrangian merit, state (U, λ)), else to the variables
    named like multipliers (:data:`DUAL_NAMES`). The flow is ``U̇ = −∇_U L``, ``λ̇ = +∇_λ L``.
    """
    if dual is None:
        dual = getattr(problem, "dual_variables", None)
        if dual is None:
            dual = [v for v in problem.variables if v in DUAL_NAMES]
    dual = tuple(dual)
    if not dual:
        raise UnsupportedError(f"{type(problem).__name__} has no multiplier variable; variables "
                               f"are {list(problem.variables)} (pass dual=[...])")
    return descent_ascent_field(problem, ascent=dual)


def vector_field(fn: FieldFn, variables: Mapping[str, Sequence[int]], *,
                 name: str = "user") -> VectorField:
    """Wrap a user function ``fn(A, x) -> {name: ẋ}`` (polynomial, written against ``A``)."""
    if not callable(fn):
        raise InputError("a vector field must be callable as fn(A, x)")
    shapes = {}
    for k, s in variables.items():
        if not isinstance(k, str):
            raise InputError(f"variable names must be strings, got {k!r}")
        s = tuple(int(v) for v in s)
        if any(v <= 0 for v in s):
            raise ShapeError(f"variable {k} has an invalid shape {s}")
        shapes[k] = s
    return VectorField(shapes, fn, name, None, "user")


def as_field(obj: Problem | VectorField) -> VectorField:
    if isinstance(obj, VectorField):
        return obj
    if isinstance(obj, Problem):
        return gradient_field(obj)
    raise InputError(f"expected a Problem or a VectorField, got {type(obj).__name__}")


def exact_point(variables: Mapping[str, tuple[int, ...]], values: Any) -> dict[str, np.ndarray]:
    """Validate an initial state and convert it to exact SymPy numbers.

    ``values`` maps variable names to nested lists of numbers in the spec grammar (``"1/2"``,
    ``"sqrt(3)/2"``, ``"1e-20"``). Python floats are read through their shortest decimal
    representation (``0.1`` -> 1/10), as everywhere in mfverify; mpmath ``mpf`` values are taken
    at their exact binary value.
    """
    if not isinstance(values, Mapping):
        if len(variables) != 1:
            raise InputError(f"the state has variables {list(variables)}; pass a dict by name")
        values = {next(iter(variables)): values}
    unknown = set(values) - set(variables)
    if unknown:
        raise InputError(f"unknown variable(s) {sorted(unknown)}; expected {list(variables)}")
    missing = [k for k in variables if k not in values]
    if missing:
        raise InputError(f"missing variable(s) {missing} in the initial state; expected "
                         f"{list(variables)}")
    out = {}
    for name, shape in variables.items():
        raw = values[name]
        if isinstance(raw, (list, tuple)):
            _nested_shape(raw, f"initial {name}")
        arr = np.array(raw, dtype=object)
        if arr.shape != tuple(shape):
            raise ShapeError(f"initial {name} must have shape {tuple(shape)}, got {arr.shape}")
        flat = arr.reshape(-1)
        for i, v in enumerate(flat):
            if hasattr(v, "_mpf_"):
                sign, man, exp, _ = v._mpf_
                q = sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
                flat[i] = -q if sign else q
            else:
                try:
                    flat[i] = parse_number(v.item() if isinstance(v, np.generic) else v)
                except InputError as exc:
                    raise type(exc)(f"initial {name}: entry {i}: {exc}") from exc
        out[name] = flat.reshape(shape)
    return out


# ---------------------------------------------------------------------------------------------
# events and results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A scalar function ``g(A, x)`` of the state whose zero crossings are located.

    ``g`` must be polynomial in the state (it is traced with the vector field and its Taylor
    series in the step is root-found). ``direction`` +1 catches ``g`` rising through 0, −1
    falling, 0 both. ``terminal`` stops the integration at the first hit.
    """

    name: str
    function: ScalarFn
    direction: int = 0
    terminal: bool = False
    description: str = ""


@dataclass
class EventHit:
    """Where an event fired: time, state, and an estimate of the error of the time."""

    name: str
    t: Any
    state: dict[str, np.ndarray]
    time_error_estimate: Any
    state_error_estimate: Any
    direction: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "t": _s(self.t), "time_error_estimate":
                _s(self.time_error_estimate, 5), "state_error_estimate":
                _s(self.state_error_estimate, 5), "direction": self.direction,
                "state": {k: _sarr(v) for k, v in self.state.items()}}


@dataclass
class FlowPoint:
    """The state at one requested time, with the global error estimate there."""

    t: Any
    state: dict[str, np.ndarray]
    error_estimate: Any

    def to_json(self) -> dict[str, Any]:
        return {"t": _s(self.t), "state": {k: _sarr(v) for k, v in self.state.items()},
                "error_estimate": _s(self.error_estimate, 5)}


@dataclass
class FlowResult(ResultMixin):
    """The result of :func:`integrate`.

    Attributes
    ----------
    points
        One :class:`FlowPoint` per requested time (in increasing order).
    trajectory
        ``(t, state, error_estimate)`` at every step end (when ``record=True``).
    events
        :class:`EventHit` list, in time order.
    status
        A :class:`~mfverify.results.FlowStatus` (equal to its string): ``"done"``, ``"event"``
        (a terminal event stopped the run), ``"max_steps"`` or ``"blow-up"`` (the radius of
        convergence collapsed: a finite-time singularity); ``status.message`` says it in words.
    """

    field: VectorField
    dps: int
    tol: Any
    order: int
    points: list[FlowPoint]
    trajectory: list[tuple[Any, dict[str, np.ndarray], Any]]
    events: list[EventHit]
    status: str
    steps: int
    seconds: float
    arith: MpArith
    fixed_bits: int
    #: True when every step's series was constant AND the field vanishes exactly (SymPy, exact
    #: data) at the computed state: then x(t) is exactly constant (a proof, not a measurement).
    exactly_stationary: bool = False
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = coerce(FlowStatus, self.status)

    def _title(self) -> str:
        return f"FlowResult of {self.field.name}: {self.status}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        last = [("t", self.final.t)] if self.points else []
        return last + [("steps", self.steps), ("error", self.error_estimate),
                       ("dps", self.dps)]

    def _rows(self) -> list[tuple[str, Any]]:
        msg = getattr(self.status, "message", "")
        rows: list[tuple[str, Any]] = [("status", msg)] if msg else []
        rows += [("steps", self.steps), ("precision", f"{self.dps} digits, tol {_s(self.tol, 5)},"
                                                     f" order {self.order}")]
        if self.points:
            fin = self.final
            rows.append(("final t", _s(fin.t, 12)))
            rows += [(f"‖{k}(t)‖_F", _s(_fro(v), 8)) for k, v in list(fin.state.items())[:4]]
            rows.append(("error estimate", _s(self.error_estimate, 3)))
        rows += [(f"event {e.name}", _s(e.t, 10)) for e in self.events[:3]]
        if self.exactly_stationary:
            rows.append(("exactly stationary", True))
        rows += [("note", n) for n in self.notes[:3]]
        return rows + [("seconds", round(self.seconds, 3))]

    @property
    def final(self) -> FlowPoint:
        return self.points[-1]

    @property
    def error_estimate(self) -> Any:
        return max((p.error_estimate for p in self.points), default=self.arith.ctx.zero)

    def state_at(self, t: Any) -> dict[str, np.ndarray]:
        tt = self.arith.const(parse_number(t)) if not hasattr(t, "_mpf_") else t
        for p in self.points:
            if p.t == tt:
                return p.state
        got = [_s(p.t, 10) for p in self.points]
        raise InputError(f"time {t} was not requested; requested {got}")

    def to_json(self) -> dict[str, Any]:
        """Everything but the trajectory as JSON values (numbers as decimal strings; the vector
        field as its name, kind, ascent variables, shapes and the problem's spec)."""
        from .result_json import field_json

        return {"dps": self.dps, "tol": _s(self.tol, 5), "order": self.order,
                "status": str(self.status), "steps": self.steps, "seconds": round(self.seconds, 3),
                "field": self.field.name, "exactly_stationary": self.exactly_stationary,
                "points": [p.to_json() for p in self.points],
                "events": [e.to_json() for e in self.events], "notes": list(self.notes),
                "fixed_bits": self.fixed_bits, "vector_field": field_json(self.field)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any],
                  field: Problem | VectorField | None = None) -> FlowResult:
        """The result that :meth:`to_json` wrote, with ``from_json(d).to_json() == d``.

        Times, states and error estimates are read back as ``mpf`` at the run's ``dps``
        digits from their decimal strings (equal to the original to the printed digits; the
        JSON is decimal, not binary). The vector field is rebuilt from the problem's spec in
        the JSON; a user field is not in it: pass ``field=`` (a
        :class:`VectorField` or a problem), else a placeholder with the same name and
        variables that raises :class:`~mfverify.errors.UnsupportedError` when evaluated.
        ``trajectory`` is not in the JSON and comes back empty. Corrupt or foreign JSON raises
        :class:`~mfverify.errors.ResultFormatError` (see :mod:`mfverify.flow.result_json`).
        """
        from .result_json import flow_result_from_json

        return flow_result_from_json(data, field)


def _s(v: Any, digits: int | None = None) -> str:
    ctx = getattr(v, "context", None)
    if ctx is None:
        return str(v)
    return mpmath.nstr(v, digits or int(ctx.dps), strip_zeros=False) if v != 0 else "0"


def _fro(a: np.ndarray) -> Any:
    """‖a‖_F of an array of mpf (or numbers), 0 for an empty one."""
    flat = np.asarray(a, dtype=object).reshape(-1)
    return mpmath.sqrt(mpmath.fsum(v * v for v in flat)) if flat.size else 0


def _sarr(a: np.ndarray) -> Any:
    return np.vectorize(_s, otypes=[object])(a).tolist() if a.size else []


# ---------------------------------------------------------------------------------------------
# the integrator
# ---------------------------------------------------------------------------------------------


def _to_float(v: Any, P: int) -> float:
    """The fixed-point number ``v·2^-P`` as a float64; ±inf beyond the float range."""
    v = int(v)
    if v == 0:
        return 0.0
    bl = abs(v).bit_length()
    try:
        if bl > 60:
            return math.ldexp(float(v >> (bl - 60)), bl - 60 - P)
        return math.ldexp(float(v), -P)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


#: most bytes of the Taylor coefficients held at once by the flow integrator
MAX_JET_BYTES = 2 << 30


class _Engine:
    """Traced field + fixed-point state; computes series, Jacobians and event polynomials."""

    def __init__(self, vf: VectorField, P: int, events: Sequence[Event]) -> None:
        self.vf = vf
        self.P = P
        extra = {f"event:{i}": ev.function for i, ev in enumerate(events)}
        self.tape, self.leaves, self.outputs, self.extras = trace_field(vf.fn, vf.variables, P,
                                                                         extra)
        self.names = list(vf.variables)
        self.N = vf.dim
        self.inner_nodes = [n for n in self.tape.nodes if n.rule is not None]
        self.n_nodes = len(self.inner_nodes)
        self.size_checked = False

    def check_size(self, K: int) -> None:
        """Refuse (``LimitError``) a jet whose coefficients (every traced node, orders 0..K, at
        P bits each) would exceed :data:`MAX_JET_BYTES`; called after the order-0 pass, before
        the higher orders are allocated."""
        entries = sum(int(np.size(n.c[0])) for n in self.inner_nodes if n.c)
        entries += sum(int(np.size(leaf.c[0])) for leaf in self.leaves.values() if leaf.c)
        need = entries * (K + 1) * (self.P // 8 + 32)
        check_limit(need, MAX_JET_BYTES, "the estimated memory (bytes) of the Taylor jet "
                    f"({entries:,} traced entries × order {K} × {self.P} bits)",
                    "lower --dps or --tol (the order grows with the digits), or use a smaller "
                    "problem")
        self.size_checked = True

    def _pass(self, k: int) -> None:
        for node in self.inner_nodes:
            node.c.append(node.rule(k))

    def series(self, x: Mapping[str, np.ndarray], h_fixed: Any, K: int, with_extras: bool
               ) -> dict[str, list[np.ndarray]]:
        P = self.P
        self.tape.reset()
        for name in self.names:
            self.leaves[name].c = [x[name]]
        for k in range(K):
            self._pass(k)
            if not self.size_checked:
                self.check_size(K)
            for name in self.names:
                Fk = self.outputs[name].coef(k)
                self.leaves[name].c.append(np.asarray(((h_fixed * Fk) >> P) // (k + 1),
                                                      dtype=object))
        if with_extras and self.extras:
            self._pass(K)
        return {name: self.leaves[name].c for name in self.names}

    def extra_series(self, i: int, K: int) -> list[Any]:
        j = self.extras[f"event:{i}"]
        return [j.coef(k)[()] for k in range(K + 1)]

    def jacobian(self, x: Mapping[str, np.ndarray], with_extras: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Jacobian of the field (float64, N×N) and gradients of the event functions."""
        P = self.P
        self.tape.reset()
        for name in self.names:
            self.leaves[name].c = [x[name]]
        self._pass(0)
        N = self.N
        J = np.zeros((N, N))
        G = np.zeros((len(self.extras), N))
        col = 0
        one = gmpy2.mpz(1) << P
        for name in self.names:
            shape = self.vf.variables[name]
            size = int(np.prod(shape))
            for i in range(size):
                for other in self.names:
                    z = np.empty(self.vf.variables[other], dtype=object)
                    z.fill(gmpy2.mpz(0))
                    if other == name:
                        z.reshape(-1)[i] = one
                    self.leaves[other].c = [x[other], z]
                for node in self.inner_nodes:
                    node.c = node.c[:1]
                self._pass(1)
                row = 0
                for out in self.names:
                    vals = self.outputs[out].coef(1).reshape(-1)
                    for v in vals:
                        J[row, col] = _to_float(v, P)
                        row += 1
                if with_extras:
                    for e in range(len(self.extras)):
                        G[e, col] = _to_float(self.extras[f"event:{e}"].coef(1)[()], P)
                col += 1
        return J, G


def _horner(coefs: list[np.ndarray], s_fixed: Any, P: int) -> np.ndarray:
    acc = coefs[-1]
    for c in reversed(coefs[:-1]):
        acc = np.asarray(((acc * s_fixed) >> P) + c, dtype=object)
    return acc


def _lognorm(J: np.ndarray) -> tuple[float, float]:
    if J.size == 0:
        return 0.0, 0.0
    if not np.all(np.isfinite(J)):
        return float("inf"), float("inf")
    mu = float(np.linalg.eigvalsh((J + J.T) / 2)[-1])
    return mu, float(np.linalg.norm(J, 2))


def _parse_times(times: Any, A: MpArith) -> list[Any]:
    if isinstance(times, (str, int, float)) or hasattr(times, "_mpf_") or isinstance(
            times, sp.Basic):
        times = [times]
    out = []
    for t in times:
        v = A.const(parse_number(t)) if not hasattr(t, "_mpf_") else A.ctx.mpf(t)
        if v < 0:
            raise InputError(f"times must be >= 0, got {t}")
        out.append(v)
    if not out:
        raise InputError("give at least one time")
    return sorted(set(out))


def integrate(
    system: Problem | VectorField,
    x0: PointLike,
    times: NumberLike | Sequence[NumberLike],
    *,
    dps: int = 30,
    tol: NumberLike | None = None,
    order: int | None = None,
    events: Sequence[Event] = (),
    max_steps: int = 100_000,
    record: bool = True,
    progress: Callable[[Any, Any], None] | None = None,
    time_budget: float | None = None,
    budget: float | Budget | None = None,
) -> FlowResult:
    """Integrate ``ẋ = F(x)`` from the exact initial state ``x0`` to each time in ``times``.

    Parameters
    ----------
    system
        A :class:`~mfverify.problems.Problem` (its gradient flow ``ẋ = −∇f``) or a
        :class:`VectorField` (:func:`vector_field`, :func:`primal_dual_field`, ...).
    x0
        Initial state, ``{name: nested lists}`` of exact numbers (strings like ``"1/3"``,
        ``"sqrt(2)"``, ``"1e-20"``, integers, ``Fraction``, SymPy numbers or mpmath ``mpf``).
    times
        Output times (> 0), e.g. ``[1, 10, "100"]``; the integration stops at the largest.
    dps
        Working precision in decimal digits (a private mpmath context; global ``mp`` untouched).
    tol
        Local error target per step, relative to ``max(1, ‖x‖)``; default ``10^-dps``.
    order
        Taylor order K; default ``⌈-ln(tol)/2⌉ + 1`` (Jorba–Zou).
    events
        :class:`Event` objects whose zero crossings are located to working precision.
    max_steps, budget, time_budget
        Budgets. ``max_steps`` steps, or ``budget`` seconds (or a
        :class:`~mfverify.budget.Budget`; a step in progress is interrupted at the deadline),
        end the run early with status ``"max_steps"`` or ``"budget"``: the result holds the
        output times reached and a note with the time reached. Running out of
        ``time_budget`` seconds (checked between steps) raises
        :class:`~mfverify.errors.BudgetExceeded` instead.
    progress
        Called as ``progress(t, t_end)`` after each step.

    Returns
    -------
    FlowResult
        States at the requested times (``mpf`` arrays of the result's private context), global
        error estimates, events, the recorded trajectory.

    Examples
    --------
    >>> from mfverify.problems import SymmetricMF
    >>> from mfverify.flow import integrate
    >>> p = SymmetricMF([[3, 0], [0, 1]], rank=1)
    >>> res = integrate(p, {"X": [["1/2"], ["1/2"]]}, [5, 40], dps=20)
    >>> res.final.state["X"][0, 0]  # t = 40: sqrt(3) to working precision
    mpf('1.7320508075688772935...')
    >>> res.points[0].state["X"][0, 0]  # t = 5: still 5e-9 away from sqrt(3)
    mpf('1.732050802213194...')
    """
    t_start = time.perf_counter()
    vf = as_field(system)
    A = MpArith(dps)
    ctx = A.ctx
    x_exact = exact_point(vf.variables, x0)
    out_times = _parse_times(times, A)
    if tol is None:
        tol_v = ctx.mpf(10) ** (-dps)
    else:
        tol_v = A.const(parse_number(tol)) if not hasattr(tol, "_mpf_") else ctx.mpf(tol)
        if not tol_v > 0:
            raise InputError(f"tol must be positive, got {tol}")
    log2_tol = float(ctx.log(tol_v, 2))
    if order is None:
        K = max(8, min(400, int(math.ceil(-float(ctx.ln(tol_v)) / 2)) + 1))
    else:
        if not isinstance(order, int) or order < 2:
            raise InputError(f"order must be an integer >= 2, got {order!r}")
        K = order
    # fixed-point grid: working precision + guard bits + room for small initial data
    x_abs = [abs(v) for arr in x_exact.values() for v in arr.reshape(-1)]
    xmax = max((float(v.evalf(20)) for v in x_abs), default=0.0)
    small = 0 if xmax == 0 or xmax >= 1 else min(int(-math.log2(xmax)) + 1, 4 * A.prec)
    P = A.prec + GUARD_BITS + small
    B = as_budget(budget if budget is not None else time_budget, "flow")
    with B.alarm("preparing the integration (tracing the field, the initial Jacobian)"):
        eng = _Engine(vf, P, events)
        x = {name: np.vectorize(lambda v: to_fixed(v, P, ctx), otypes=[object])(arr)
             for name, arr in x_exact.items()}
        two = ctx.mpf(2)
        ulp = two ** (-P)

        def to_mp(state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: np.vectorize(lambda v: from_fixed(v, P, ctx), otypes=[object])(a)
                    if a.size else a.copy() for k, a in state.items()}

        def norm_log2(state: Mapping[str, np.ndarray]) -> float:
            flat = np.concatenate([a.reshape(-1) for a in state.values()]) if state else []
            return log2_norm(flat) - P

        # initial error: rounding of x0 to the grid (0 when exact)
        exact_start = all(
            (v * sp.Integer(2) ** P).is_integer for arr in x_exact.values() for v in arr.reshape(-1)
            if v.is_Rational) and all(v.is_Rational for arr in x_exact.values()
                                      for v in arr.reshape(-1))
        E = ctx.zero if exact_start else ulp * ctx.sqrt(vf.dim)
        t = ctx.zero
        t_end = out_times[-1]
        points: list[FlowPoint] = []
        trajectory: list[tuple[Any, dict[str, np.ndarray], Any]] = []
        hits: list[EventHit] = []
        notes: list[str] = []

        def out_err(state: Mapping[str, np.ndarray], Eval: Any) -> Any:
            nl = norm_log2(state)
            rnd = two ** (nl - A.prec + 1) if nl > -math.inf else ctx.zero
            return Eval + rnd

        if record:
            trajectory.append((t, to_mp(x), E))
        next_out = 0
        while next_out < len(out_times) and out_times[next_out] == 0:
            points.append(FlowPoint(ctx.zero, to_mp(x), out_err(x, E)))
            next_out += 1

        x0_log2 = max(0.0, norm_log2(x))
        J0, _ = eng.jacobian(x)
        mu0, jn = _lognorm(J0)
        if not math.isfinite(jn):
            raise UnsupportedError("the Jacobian of the field at the initial state is beyond the "
                                   "float64 range (entries above ~1e308), which the step-size "
                                   "control needs; expected an initial state of moderate size "
                                   "(rescale the problem)")
        h_guess = ctx.mpf(1) / jn if jn > 0 else t_end - t if t_end > t else ctx.one
    status = "done"
    steps = 0
    stationary_all = True
    exact_zero: bool | None = None
    try:
        with B.alarm("integrating"):
            while next_out < len(out_times):
                if steps >= max_steps:
                    status = "max_steps"
                    notes.append(f"stopped after {max_steps} steps at t = {_s(t, 10)}")
                    break
                if time_budget is not None and time.perf_counter() - t_start > time_budget:
                    raise BudgetExceeded(f"flow integration ran out of its {time_budget} s "
                                         f"budget at t = {_s(t, 10)} (of {_s(t_end, 10)})")
                target = out_times[next_out]
                hf = to_fixed(h_guess, P, ctx)
                ser = eng.series(x, hf, K, with_extras=bool(events))
                # coefficient sizes (log2, absolute) of the last four orders
                L = []
                for k in range(max(1, K - 3), K + 1):
                    flat = np.concatenate([ser[n][k].reshape(-1) for n in eng.names])
                    L.append((k, log2_norm(flat) - P))
                zero_series = all(
                    log2_norm(np.concatenate([ser[n][k].reshape(-1) for n in eng.names]))
                    == -math.inf for k in range(1, K + 1))
                xn = norm_log2(x)
                tol_abs = log2_tol + max(0.0, xn)
                s_opt = math.inf
                for k, lk in L:
                    if lk > -math.inf:
                        s_opt = min(s_opt, 2.0 ** ((tol_abs - lk) / k))
                s_target = (target - t) / h_guess
                if zero_series:
                    s_acc: Any = s_target
                    if exact_zero is None:
                        exact_zero = _exactly_stationary(vf, x, P)
                else:
                    exact_zero = None
                    stationary_all = False
                    s_acc = min(ctx.mpf(s_opt), ctx.one)
                    if s_acc < ctx.mpf(2) ** -60:
                        status = "blow-up"
                        notes.append(f"step size collapsed at t = {_s(t, 10)}: finite-time "
                                     "singularity or a non-analytic field")
                        break
                if not zero_series and (h_guess * s_acc <= abs(t) * two ** (-A.prec) or
                                        xn > A.prec + x0_log2):
                    status = "blow-up"
                    notes.append(f"blow-up near t = {_s(t, 10)}: the step fell below the "
                                 "resolution of t or |x| exceeded 2^prec times its initial size "
                                 "(finite-time singularity)")
                    break
                hit_out = s_target <= s_acc
                s = s_target if hit_out else s_acc
                sf = to_fixed(s, P, ctx)
                new_x = {n: _horner(ser[n], sf, P) for n in eng.names}
                # local error: last two terms + fixed-point rounding
                trunc = ctx.zero
                if not zero_series:
                    for k, lk in L[-2:]:
                        if lk > -math.inf:
                            trunc += two ** lk * s ** k
                    trunc *= 2
                top = max([xn] + [lk for _, lk in L if lk > -math.inf] + [0.0])
                rnd = ulp * (eng.n_nodes + 4) * (K + 1) * two ** top * ctx.sqrt(vf.dim)
                h = h_guess * s
                gser = []
                if events:
                    gser = [[from_fixed(v, P, ctx) for v in eng.extra_series(i, K)]
                            for i in range(len(events))]
                J1, _ = eng.jacobian(new_x)
                mu1, jn1 = _lognorm(J1)
                # log-norm over the step: the larger end value plus the change across the step
                # (the Jacobian is not sampled inside the step), and only half of a contraction
                # is credited
                mu = max(mu0, mu1) + abs(mu1 - mu0)
                mu = mu / 2 if mu < 0 else mu * 1.05
                # event detection on [0, s]
                if events:
                    found = []
                    for i, ev in enumerate(events):
                        root = _find_crossing(gser[i], s, ev.direction, ctx)
                        if root is not None:
                            found.append((root, i))
                    found.sort(key=lambda r: r[0])
                    stop = False
                    for root, i in found:
                        hit = _make_hit(eng, events[i], i, ser, root, t, h_guess, P, ctx, E, mu,
                                        to_mp, out_err)
                        hits.append(hit)
                        if events[i].terminal:
                            stop = True
                            break
                    if stop:
                        status = "event"
                        steps += 1
                        if record:
                            trajectory.append((hits[-1].t, hits[-1].state,
                                               hits[-1].state_error_estimate))
                        break
                if zero_series:
                    E = (E * ctx.exp(ctx.mpf(max(mu, 0.0)) * h)
                         + (ctx.zero if exact_zero else rnd * h))
                else:
                    E = E * ctx.exp(ctx.mpf(mu) * h) + trunc + rnd
                t = target if hit_out else t + h
                x = new_x
                mu0 = mu1
                steps += 1
                if record:
                    trajectory.append((t, to_mp(x), E))
                if hit_out:
                    points.append(FlowPoint(t, to_mp(x), out_err(x, E)))
                    next_out += 1
                # next step size guess
                h_guess = h_guess * ctx.mpf(min(s_opt, 8.0))
                if progress is not None:
                    progress(t, t_end)
    except BudgetExceeded as exc:
        if budget is None:  # the older time_budget: raise
            raise
        status = "budget"
        done = ", ".join(_s(p.t, 10) for p in points) or "none"
        notes.append(f"{exc}; reached t = {_s(t, 10)} of {_s(t_end, 10)} after {steps} steps "
                     f"(output times reached: {done})")
    exactly_stationary = bool(stationary_all and steps > 0 and status == "done" and exact_zero)
    return FlowResult(vf, dps, tol_v, K, points, trajectory, hits, status, steps,
                      time.perf_counter() - t_start, A, P, exactly_stationary, notes)


def _exactly_stationary(vf: VectorField, x: Mapping[str, np.ndarray], P: int) -> bool:
    """True when the field vanishes EXACTLY (SymPy, exact data) at the dyadic state ``x``."""
    from ..arith import ExactArith

    A = ExactArith()
    den = sp.Integer(2) ** P
    pt = {k: np.vectorize(lambda v: sp.Rational(int(v)) / den, otypes=[object])(a)
          if a.size else a for k, a in x.items()}
    pt = {k: (np.asarray(v, dtype=object) if not isinstance(v, np.ndarray) else v)
          for k, v in pt.items()}
    try:
        F = vf.fn(A, pt)
        return all(sp.expand(v) == 0 for k in vf.variables
                   for v in np.asarray(F[k], dtype=object).reshape(-1))
    except Exception:  # noqa: BLE001 - a field that cannot run exactly: no exactness claim
        return False


def _poly_eval(coefs: list[Any], s: Any) -> Any:
    acc = coefs[-1]
    for c in reversed(coefs[:-1]):
        acc = acc * s + c
    return acc


def _find_crossing(coefs: list[Any], s_max: Any, direction: int, ctx: Any) -> Any:
    """First s in (0, s_max] where the polynomial crosses 0 in ``direction``; None if none."""
    n = 32
    prev_s = ctx.zero
    prev_v = _poly_eval(coefs, prev_s)
    for j in range(1, n + 1):
        sj = s_max * j / n
        vj = _poly_eval(coefs, sj)
        crossed = (prev_v < 0 <= vj and direction >= 0) or (prev_v > 0 >= vj and direction <= 0)
        if prev_v == 0 and j == 1:
            crossed = False
        if crossed:
            a, b = prev_s, sj
            fa = prev_v
            # bisection to ~ 12 bits, then Newton on the polynomial
            for _ in range(12):
                m = (a + b) / 2
                fm = _poly_eval(coefs, m)
                if (fm < 0) == (fa < 0) and fm != 0:
                    a, fa = m, fm
                else:
                    b = m
            dco = [c * k for k, c in enumerate(coefs)][1:]
            z = (a + b) / 2
            for _ in range(200):
                d = _poly_eval(dco, z)
                if d == 0:
                    break
                step = _poly_eval(coefs, z) / d
                znew = z - step
                if znew < a or znew > b:
                    znew = (a + b) / 2
                    fm = _poly_eval(coefs, znew)
                    if (fm < 0) == (fa < 0):
                        a, fa = znew, fm
                    else:
                        b = znew
                if abs(znew - z) <= ctx.eps * 4 * max(abs(z), ctx.mpf(2) ** -20):
                    z = znew
                    break
                z = znew
            return z
        prev_s, prev_v = sj, vj
    return None


def _make_hit(eng: _Engine, ev: Event, i: int, ser: Mapping[str, list[np.ndarray]], s: Any,
              t: Any, h_guess: Any, P: int, ctx: Any, E: Any, mu: float,
              to_mp: Callable[..., Any], out_err: Callable[..., Any]) -> EventHit:
    """Refine the root of the event's Taylor polynomial on g(x(s)) itself (x(s) the state's
    Taylor polynomial, g evaluated at the fixed-point precision), so that the event time is as
    accurate as the state, then estimate its error ‖∇g‖·E/|ġ| + |g residual|/|ġ|."""
    A_hi = MpArith(max(ctx.dps, int(P / 3.33)))
    hctx = A_hi.ctx

    def state_at(sv: Any) -> dict[str, np.ndarray]:
        sf = to_fixed(sv, P, ctx)
        return {n: _horner(ser[n], sf, P) for n in eng.names}

    def g_at(sv: Any) -> Any:
        st = state_at(sv)
        pt = {n: np.vectorize(lambda v: from_fixed(v, P, hctx), otypes=[object])(a)
              if a.size else a for n, a in st.items()}
        pt = {n: (a if a.shape else np.asarray(a[()], dtype=object)) for n, a in pt.items()}
        val = ev.function(A_hi, pt)
        val = np.asarray(val, dtype=object)
        return hctx.mpf(val.reshape(-1)[0]) if val.size else hctx.zero

    # secant refinement on the true composite g(x(s)) (s scaled to the step)
    s0 = hctx.mpf(s)
    ds = max(abs(s0), hctx.mpf(1)) * hctx.mpf(2) ** (-P // 2)
    s1 = s0 + ds
    g0, g1 = g_at(s0), g_at(s1)
    for _ in range(60):
        if g1 == g0:
            break
        s2 = s1 - g1 * (s1 - s0) / (g1 - g0)
        s0, g0 = s1, g1
        s1, g1 = s2, g_at(s2)
        if abs(s1 - s0) <= hctx.mpf(2) ** (-P + 8) * max(abs(s1), hctx.one):
            break
    if not (0 <= s1 <= 2 * hctx.mpf(s) + 1):  # the secant wandered off: keep the polynomial root
        s1 = hctx.mpf(s)
        g1 = g_at(s1)
    s = ctx.mpf(s1)
    xs = state_at(s1)
    th = t + h_guess * s
    Eh = E * ctx.exp(ctx.mpf(max(mu, 0.0)) * h_guess * s)
    J, G = eng.jacobian(xs, with_extras=True)
    F = _velocity(eng, xs, P)
    g = G[i]
    gdot = float(np.dot(g, F))
    gnorm = float(np.linalg.norm(g))
    dtr = ctx.eps * (abs(th) + 1) * 4
    if gdot != 0:
        terr = (ctx.mpf(gnorm) * Eh + abs(ctx.mpf(g1))) / abs(ctx.mpf(gdot)) + dtr
    else:
        terr = ctx.inf
    sign = 1 if gdot > 0 else -1
    return EventHit(ev.name, th, to_mp(xs), terr, out_err(xs, Eh), sign)


def _velocity(eng: _Engine, x: Mapping[str, np.ndarray], P: int) -> np.ndarray:
    eng.tape.reset()
    for name in eng.names:
        eng.leaves[name].c = [x[name]]
    eng._pass(0)
    vals = []
    for name in eng.names:
        vals.extend(_to_float(v, P) for v in eng.outputs[name].coef(0).reshape(-1))
    return np.array(vals)


def field_value(system: Problem | VectorField, x: Mapping[str, Any], A: Arith) -> dict[str, Any]:
    """Evaluate the vector field at ``x`` in arithmetic ``A`` (exact or mp)."""
    vf = as_field(system)
    return dict(vf.fn(A, x))

