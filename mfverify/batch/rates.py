"""Convergence-rate estimation from trajectories, and scaling fits of iteration counts.

* :func:`classify_rate`: is a decreasing positive sequence v_t (an error, f(x_t), ‖∇f‖) linearly
  convergent (v_t ≈ C·q^t, a straight line in log v vs t) or sublinear (v_t ≈ C·t^(−p), a straight
  line in log v vs log t)? Both models are fitted by least squares on the tail of the trajectory;
  the verdict is the model whose residual sum of squares is smaller by a factor ``decisive``
  (default 4), else ``"undetermined"``. The fitted contraction factor q (or exponent p) comes
  with its standard error from the regression.
* :func:`fit_line`: ordinary least squares y = a + b·x with standard errors and R², used to fit
  T(δ) against log(1/δ), log(1/ε) or κ (see :func:`fit_iterations`).

The standard errors are those of OLS under i.i.d. residuals; trajectory residuals are correlated,
so treat them as a scale of the uncertainty, not a confidence level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["LineFit", "RateFit", "fit_line", "classify_rate", "fit_iterations"]


@dataclass(frozen=True)
class LineFit:
    """y ≈ intercept + slope·x (OLS) with standard errors, R² and the number of points."""

    slope: float
    intercept: float
    slope_stderr: float
    intercept_stderr: float
    r2: float
    n: int
    rss: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fit_line(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> LineFit:
    """Ordinary least squares y = a + b·x (needs >= 3 finite points with distinct x)."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise InputError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    n = xa.size
    if n < 3 or np.ptp(xa) == 0:
        raise InputError(f"a line fit needs >= 3 finite points with distinct x, got {n}")
    xm, ym = xa.mean(), ya.mean()
    sxx = float(np.sum((xa - xm) ** 2))
    b = float(np.sum((xa - xm) * (ya - ym)) / sxx)
    a = float(ym - b * xm)
    res = ya - (a + b * xa)
    rss = float(np.sum(res ** 2))
    tss = float(np.sum((ya - ym) ** 2))
    s2 = rss / (n - 2)
    return LineFit(b, a, float(np.sqrt(s2 / sxx)), float(np.sqrt(s2 * (1 / n + xm ** 2 / sxx))),
                   1.0 - rss / tss if tss > 0 else 1.0, n, rss)


@dataclass(frozen=True)
class RateFit:
    """Result of :func:`classify_rate`.

    ``kind`` is ``"linear"``, ``"sublinear"`` or ``"undetermined"``. For linear convergence
    ``rate`` is the per-step contraction q (v_{t+1} ≈ q·v_t) and ``rate_stderr`` its standard
    error; for sublinear convergence ``exponent`` is p in v_t ≈ C·t^(−p) with ``exponent_stderr``.
    Both fits are always reported.
    """

    kind: str
    rate: float
    rate_stderr: float
    exponent: float
    exponent_stderr: float
    r2_linear: float
    r2_power: float
    rss_ratio: float
    n_points: int
    window: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def classify_rate(values: Sequence[float] | np.ndarray,
                  times: Sequence[float] | np.ndarray | None = None, *,
                  start_fraction: float = 0.1, floor: float | None = None,
                  decisive: float = 4.0) -> RateFit:
    """Classify the convergence of ``values`` (positive, tending to 0) at ``times`` (default
    0, 1, 2, ...).

    The fit uses the points with t >= start_fraction·t_max, t > 0 and v > floor (default
    1e-13·max v, to stay above the round-off plateau). See the module docstring.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    t = np.arange(v.size, dtype=np.float64) if times is None else np.asarray(
        times, dtype=np.float64).ravel()
    if t.shape != v.shape:
        raise InputError("values and times must have the same length")
    ok = np.isfinite(v) & np.isfinite(t) & (v > 0) & (t > 0)
    if not ok.any():
        raise InputError("classify_rate needs positive finite values at positive times")
    fl = 1e-13 * float(np.max(v[ok])) if floor is None else float(floor)
    ok &= v > fl
    if ok.any():
        # stop at the first point that reaches the floor (later points are round-off)
        tmax = float(t[ok].max())
        ok &= t >= start_fraction * tmax
    if int(ok.sum()) < 4:
        raise InputError("classify_rate needs at least 4 usable points (positive, above the "
                         "floor, in the window)")
    tt, lv = t[ok], np.log(v[ok])
    lin = fit_line(tt, lv)
    pw = fit_line(np.log(tt), lv)
    ratio = (pw.rss + 1e-300) / (lin.rss + 1e-300)
    if ratio >= decisive and lin.slope < 0:
        kind = "linear"
    elif ratio <= 1 / decisive and pw.slope < 0:
        kind = "sublinear"
    else:
        kind = "undetermined"
    q = float(np.exp(lin.slope))
    return RateFit(kind, q, q * lin.slope_stderr, -pw.slope, pw.slope_stderr, lin.r2, pw.r2,
                   float(ratio), int(ok.sum()), (float(tt.min()), float(tt.max())))


def fit_iterations(T: Sequence[float] | np.ndarray, parameter: Sequence[float] | np.ndarray, *,
                   transform: str = "log_inverse") -> LineFit:
    """Fit iteration counts T against a parameter.

    ``transform``: ``"log_inverse"`` fits T against log(1/parameter) (δ or ε),
    ``"identity"`` against the parameter itself (e.g. κ or κ²), ``"log"`` against log(parameter).
    Entries with T < 0 (never reached) are dropped.
    """
    Ta = np.asarray(T, dtype=np.float64).ravel()
    pa = np.asarray(parameter, dtype=np.float64).ravel()
    if Ta.shape != pa.shape:
        raise InputError("T and parameter must have the same length")
    keep = Ta >= 0
    if transform == "log_inverse":
        x = np.log(1.0 / pa[keep])
    elif transform == "log":
        x = np.log(pa[keep])
    elif transform == "identity":
        x = pa[keep]
    else:
        raise InputError(f"transform must be 'log_inverse', 'log' or 'identity', got "
                         f"{transform!r}")
    return fit_line(x, Ta[keep])
