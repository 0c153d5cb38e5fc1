"""Taylor-remainder tests in the style of Manopt's ``checkgradient`` / ``checkhessian``.

Along a line x + h·d, a correct gradient g makes the first-order model error

    e₁(h) = |f(x + h d) − f(x) − h⟨g, d⟩| = O(h²),

and a correct Hessian H makes the second-order model error

    e₂(h) = |f(x + h d) − f(x) − h⟨g, d⟩ − ½h²⟨d, H[d]⟩| = O(h³).

On a log-log plot the error is a straight line of slope 2 (resp. 3) for small h, until
rounding takes over; a wrong gradient gives slope 1 (a wrong Hessian slope 2). Where a term of
the expansion vanishes the slope is *larger*: at X = 0 of ¼‖XXᵀ − M‖² the cubic term is zero and a
correct Hessian shows slope 4. The test therefore accepts ``slope >= expected − tolerance``.

How the window is chosen (this is what makes the verdict independent of the problem's scale):

* the steps h cover 16 decades around the natural length of the point (``‖x‖/‖d‖``, or 1/‖d‖
  at x = 0), 6 per decade, so the asymptotic regime is inside the sweep whatever the units;
* each error is compared with a rounding-noise estimate made of (a) the magnitudes of the
  terms of the model times ``4·eps·√N`` and (b) an empirical estimate of the rounding error of f
  itself (the float32 evaluation's deviation from float64, scaled by eps64/eps32);
* the window is the first (smallest h) run of at least 1.5 decades where the error exceeds 30×
  the noise and the log-log points are straight (max deviation from the fitted line
  <= 0.15 decades); the slope is fitted there by least squares.

Results are :class:`TaylorCheck` data objects with an integer :class:`TaylorStatus` (a
:class:`~mfverify.results.CodeEnum`: each code has a label and a message); they are drawn by
:func:`mfverify.plot.plot_taylor` (a view, outside the engine).

Names: :func:`taylor_check_gradient` and :func:`taylor_check_hessian` check a gradient or
Hessian *given as Python callables* numerically; :func:`mfverify.check_gradient` and
:func:`mfverify.check_hessian` check a *claimed formula* against a problem (exactly, or
numerically with these tests). The Manopt names ``checkgradient`` / ``checkhessian`` of
mfverify < 0.2 remain as deprecated aliases.

References
----------
N. Boumal, B. Mishra, P.-A. Absil, R. Sepulchre, "Manopt, a Matlab toolbox for optimization on
manifolds", JMLR 15 (2014): ``checkgradient``, ``checkhessian``, ``identify_linear_piece``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..results import CodeEnum, ResultMixin

__all__ = [
    "TaylorStatus",
    "TaylorCheck",
    "taylor_steps",
    "fit_taylor",
    "taylor_check_gradient",
    "taylor_check_hessian",
    "checkgradient",
    "checkhessian",
    "EPS",
]

EPS = float(np.finfo(np.float64).eps)
#: Steps per decade of the sweep, and its span in decades.
PER_DECADE = 6
DECADES = (-12.0, 4.0)
#: Minimum window length in decades, noise margin, and straightness tolerance (decades).
WINDOW_DECADES = 1.5
NOISE_MARGIN = 30.0
STRAIGHTNESS = 0.15


class TaylorStatus(CodeEnum):
    """Status codes of a Taylor test (0 and 1 pass)."""

    OK = 0, "ok", "the fitted slope is at least the expected order (minus the tolerance)"
    EXACT_MODEL = 1, "exact_model", ("the model error stays at the rounding level for every h: "
                                     "the model is exact on this line")
    WRONG_ORDER = 2, "wrong_order", ("the fitted slope is below the expected order: the "
                                     "derivative is wrong here")
    NO_WINDOW = 3, "no_window", "no straight piece above the rounding noise was found"
    NONFINITE = 4, "nonfinite", "the objective or the model was not finite on the whole sweep"

    @property
    def passed(self) -> bool:
        return self in (TaylorStatus.OK, TaylorStatus.EXACT_MODEL)


@dataclass
class TaylorCheck(ResultMixin):
    """One Taylor test along one line.

    Attributes
    ----------
    what
        ``"gradient"`` (first-order model), ``"hessian"`` (second-order model) or
        ``"hvp-consistency"`` (‖∇f(x + hd) − ∇f(x) − h·H[d]‖).
    expected
        The expected order of the error (2 for a gradient, 3 for a Hessian).
    h, error, noise
        The steps, the model errors and the rounding-noise estimates.
    window
        ``(i, j)``: the fit used ``h[i:j]``; None when no window was found.
    slope
        The fitted slope on the window (None without a window).
    status
        A :class:`TaylorStatus`.
    """

    what: str
    expected: int
    h: np.ndarray
    error: np.ndarray
    noise: np.ndarray
    window: tuple[int, int] | None
    slope: float | None
    status: TaylorStatus
    tolerance: float
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status.passed

    def _title(self) -> str:
        return (f"Taylor test of the {self.what}: {self.status.name} "
                f"({'passed' if self.passed else 'failed'})")

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("slope", self.slope), ("expected", self.expected), ("passed", self.passed)]

    def _rows(self) -> list[tuple[str, Any]]:
        slope = "n/a" if self.slope is None else f"{self.slope:.3f}"
        rows: list[tuple[str, Any]] = [("slope", f"{slope} (expected >= {self.expected} − "
                                                 f"{self.tolerance})"),
                                       ("status", self.status.message)]
        if self.window is not None:
            i, j = self.window
            rows.append(("window", f"h in [{self.h[i]:.3g}, {self.h[j - 1]:.3g}]"))
        if self.message:
            rows.append(("message", self.message))
        return rows + [(k, v) for k, v in self.extra.items() if isinstance(v, (int, float, str))]

    def to_json(self) -> dict[str, Any]:
        w = self.window
        return {
            "what": self.what,
            "expected_slope": self.expected,
            "slope": None if self.slope is None else round(float(self.slope), 4),
            "slope_tolerance": self.tolerance,
            "window_h": None if w is None else [float(self.h[w[0]]), float(self.h[w[1] - 1])],
            "status": int(self.status),
            "status_name": self.status.name,
            "message": self.message,
            **self.extra,
        }


def taylor_steps(x_norm: float, d_norm: float) -> np.ndarray:
    """The steps h of the sweep: 16 decades around ‖x‖/‖d‖ (1/‖d‖ at x = 0)."""
    base = (x_norm / d_norm) if x_norm > 0 and d_norm > 0 else (1.0 / d_norm if d_norm > 0
                                                                  else 1.0)
    lo, hi = DECADES
    count = int(round((hi - lo) * PER_DECADE)) + 1
    return base * np.logspace(lo, hi, count)


def fit_taylor(h: np.ndarray, error: np.ndarray, noise: np.ndarray, *, expected: int,
               what: str = "gradient", tolerance: float = 0.2) -> TaylorCheck:
    """Find the asymptotic window of a log-log error curve and fit its slope.

    ``error`` and ``noise`` are arrays over ``h`` (non-finite entries are ignored). See the
    module docstring for the window rule.
    """
    h = np.asarray(h, dtype=float)
    err = np.asarray(error, dtype=float)
    noi = np.asarray(noise, dtype=float)
    finite = np.isfinite(err) & np.isfinite(noi) & (h > 0)
    if not finite.any():
        return TaylorCheck(what, expected, h, err, noi, None, None, TaylorStatus.NONFINITE,
                           tolerance, "the objective or the model is not finite on the sweep")
    signal = finite & (err > NOISE_MARGIN * noi) & (err > 0)
    if not signal.any():
        return TaylorCheck(what, expected, h, err, noi, None, None, TaylorStatus.EXACT_MODEL,
                           tolerance, "the model error stays at the rounding level for every "
                           "step: the model is exact along this line")
    per_decade = max(2, int(round(1 / np.median(np.diff(np.log10(h))))))
    width = max(4, int(np.ceil(WINDOW_DECADES * per_decade)) + 1)
    lh = np.log10(np.where(h > 0, h, 1.0))
    le = np.log10(np.where(err > 0, err, 1.0))
    n = len(h)
    i = 0
    while i + width <= n:
        if not signal[i:i + width].all():
            i += 1
            continue
        xs, ys = lh[i:i + width], le[i:i + width]
        slope, icpt = np.polyfit(xs, ys, 1)
        dev = np.max(np.abs(ys - (slope * xs + icpt)))
        if dev <= STRAIGHTNESS:
            window = (i, i + width)
            if slope >= expected - tolerance:
                status = TaylorStatus.OK
                msg = (f"slope {slope:.3f} >= {expected} - {tolerance} on h in "
                       f"[{h[i]:.3g}, {h[i + width - 1]:.3g}]")
            else:
                status = TaylorStatus.WRONG_ORDER
                msg = (f"slope {slope:.3f} < {expected} - {tolerance} on h in "
                       f"[{h[i]:.3g}, {h[i + width - 1]:.3g}]: the claimed "
                       f"{'gradient' if what == 'gradient' else 'second-order term'} does not "
                       "match the objective along this line")
            return TaylorCheck(what, expected, h, err, noi, window, float(slope), status,
                               tolerance, msg, {"max_deviation_decades": round(float(dev), 4)})
        i += 1
    return TaylorCheck(what, expected, h, err, noi, None, None, TaylorStatus.NO_WINDOW,
                       tolerance, "no straight piece of at least "
                       f"{WINDOW_DECADES} decades above the rounding noise")


def _noise(*terms: Any, dim: int) -> np.ndarray:
    total = np.zeros_like(np.asarray(terms[0], dtype=float))
    for t in terms:
        total = total + np.abs(np.asarray(t, dtype=float))
    return 4 * EPS * np.sqrt(max(dim, 1)) * total


def _along_line(cost: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                x: Any, direction: np.ndarray | None, rng: np.random.Generator | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float, np.ndarray,
                           np.random.Generator]:
    """The common set-up of the Taylor checks: x, the direction d (random unless given), the
    steps h, f(x), ⟨∇f(x), d⟩, f(x + h·d) for every step, and the generator used."""
    x = np.asarray(x, dtype=float)
    rng = rng or np.random.default_rng(0)
    d = rng.standard_normal(x.shape) if direction is None else np.asarray(direction, float)
    h = taylor_steps(float(np.linalg.norm(x)), float(np.linalg.norm(d)))
    f0 = float(cost(x))
    d1 = float(np.sum(np.asarray(grad(x)) * d))
    fh = np.array([float(cost(x + t * d)) for t in h])
    return x, d, h, f0, d1, fh, rng


def taylor_check_gradient(cost: Callable[[np.ndarray], float],
                          grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, *,
                          direction: np.ndarray | None = None,
                          rng: np.random.Generator | None = None, tolerance: float = 0.2
                          ) -> TaylorCheck:
    """Manopt-style gradient check of a function of one NumPy array.

    The error of the first-order model along ``x + h·d`` must decay with slope >= 2.

    Examples
    --------
    >>> import numpy as np
    >>> res = taylor_check_gradient(lambda x: float(x @ x), lambda x: 2 * x, np.array([1., 2.]))
    >>> res.passed
    True
    """
    x, d, h, f0, d1, fh, _rng = _along_line(cost, grad, x, direction, rng)
    err = np.abs(fh - f0 - h * d1)
    noise = _noise(fh, np.full_like(h, f0), h * d1, dim=x.size)
    return fit_taylor(h, err, noise, expected=2, what="gradient", tolerance=tolerance)


def taylor_check_hessian(cost: Callable[[np.ndarray], float],
                         grad: Callable[[np.ndarray], np.ndarray],
                         hess: Callable[[np.ndarray, np.ndarray], np.ndarray], x: np.ndarray, *,
                         direction: np.ndarray | None = None,
                         rng: np.random.Generator | None = None,
                         tolerance: float = 0.2) -> TaylorCheck:
    """Manopt-style Hessian check: the second-order model error must decay with slope >= 3.

    ``hess(x, d)`` is the Hessian-vector product. The result's ``extra`` also reports the
    symmetry defect |⟨u, H[v]⟩ − ⟨H[u], v⟩| relative to its scale.
    """
    x, d, h, f0, d1, fh, rng = _along_line(cost, grad, x, direction, rng)
    d2 = float(np.sum(np.asarray(hess(x, d)) * d))
    err = np.abs(fh - f0 - h * d1 - 0.5 * h**2 * d2)
    noise = _noise(fh, np.full_like(h, f0), h * d1, 0.5 * h**2 * d2, dim=x.size)
    res = fit_taylor(h, err, noise, expected=3, what="hessian", tolerance=tolerance)
    u = rng.standard_normal(x.shape)
    v = rng.standard_normal(x.shape)
    a = float(np.sum(u * np.asarray(hess(x, v))))
    b = float(np.sum(np.asarray(hess(x, u)) * v))
    res.extra["symmetry_defect"] = abs(a - b) / max(abs(a) + abs(b), np.finfo(float).tiny)
    return res


def _deprecated(new: Callable[..., TaylorCheck], old: str) -> Callable[..., TaylorCheck]:
    @functools.wraps(new)
    def alias(*args: Any, **kwargs: Any) -> TaylorCheck:
        warnings.warn(f"{old} is deprecated; use {new.__name__} (the numeric Taylor test of "
                      "callables; check_gradient/check_hessian check a claimed formula)",
                      DeprecationWarning, stacklevel=2)
        return new(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of :func:`{new.__name__}`."
    return alias


#: Deprecated alias of :func:`taylor_check_gradient` (Manopt's name; warns).
checkgradient = _deprecated(taylor_check_gradient, "checkgradient")
#: Deprecated alias of :func:`taylor_check_hessian` (Manopt's name; warns).
checkhessian = _deprecated(taylor_check_hessian, "checkhessian")
