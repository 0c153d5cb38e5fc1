"""Trajectories of a :class:`mfverify.flow.FlowResult`.

Panels (each optional): the Frobenius norm ‖X(t)‖_F of every state variable, the objective
f(X(t)) (when the flow is the gradient flow of a problem), user invariants I(X(t)), and the
integrator's global error estimate (an *estimate*, not a bound). The time axis is logarithmic
by default (``symlog`` when t = 0 is recorded), since the interesting behaviour of flows near
saddles spans decades of t.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ._figure import new_figure

__all__ = ["plot_flow"]

PANELS = ("norms", "f", "invariants", "error")


def _samples(result: Any) -> list[tuple[Any, Mapping[str, np.ndarray], Any]]:
    if result.trajectory:
        return list(result.trajectory)
    return [(p.t, p.state, p.error_estimate) for p in result.points]


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return float("nan")


def _state_floats(state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.vectorize(_as_float, otypes=[float])(np.asarray(v)) for k, v in state.items()}


def _series(result: Any, invariants: Mapping[str, Callable[[Mapping[str, np.ndarray]], Any]]
            ) -> dict[str, Any]:
    rows = _samples(result)
    t = np.array([_as_float(r[0]) for r in rows])
    states = [_state_floats(r[1]) for r in rows]
    out: dict[str, Any] = {"t": t, "error": np.array([_as_float(r[2]) for r in rows])}
    out["norms"] = {k: np.array([np.linalg.norm(s[k]) for s in states]) for k in states[0]}
    problem = getattr(result.field, "problem", None)
    if problem is not None:
        out["f"] = np.array([float(problem.value(s)) for s in states])
    out["invariants"] = {name: np.array([_as_float(fn(s)) for s in states])
                         for name, fn in invariants.items()}
    return out


def _time_axis(ax: Any, t: np.ndarray, log_time: bool) -> None:
    if log_time:
        if t.size and np.nanmin(t) <= 0:
            pos = t[t > 0]
            ax.set_xscale("symlog", linthresh=float(pos.min()) if pos.size else 1.0)
        else:
            ax.set_xscale("log")


def _positive_log(ax: Any, y: np.ndarray) -> None:
    finite = y[np.isfinite(y)]
    if finite.size and finite.min() > 0 and finite.max() > 10 * finite.min():
        ax.set_yscale("log")


def plot_flow(result: Any, *, panels: Sequence[str] = ("norms", "f", "error"),
              invariants: Mapping[str, Callable[[Mapping[str, np.ndarray]], Any]] | None = None,
              log_time: bool = True, axes: Sequence[Any] | None = None) -> Any:
    """Draw the trajectory of a flow, one panel per quantity.

    Parameters
    ----------
    result
        A :class:`mfverify.flow.FlowResult`. The recorded step ends (``record=True``) are
        drawn; without them, the requested times.
    panels
        Any of ``"norms"`` (‖X(t)‖_F per variable), ``"f"`` (the objective; skipped for a user
        vector field with no problem), ``"invariants"`` (needs ``invariants``) and ``"error"``
        (the integrator's global error *estimate*).
    invariants
        ``name -> function(state) -> number``, evaluated on every sample (state values as
        floats), e.g. ``{"‖UᵀU − VᵀV‖": lambda s: np.linalg.norm(s["U"].T @ s["U"] - ...)}``.
    log_time
        Logarithmic time axis (``symlog`` when t = 0 is among the samples).
    axes
        Axes to draw on, one per drawn panel; default: a new detached figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    invariants = dict(invariants or {})
    wanted = [p for p in panels if p in PANELS]
    bad = [p for p in panels if p not in PANELS]
    if bad:
        raise InputError(f"unknown panel(s) {bad}; choose from {list(PANELS)}")
    data = _series(result, invariants)
    wanted = [p for p in wanted if (p != "f" or "f" in data)
              and (p != "invariants" or data["invariants"])]
    if not wanted:
        raise InputError("nothing to draw: no requested panel applies to this flow")
    if axes is None:
        fig = new_figure((6.0, 2.2 * len(wanted) + 0.6))
        axs = list(np.atleast_1d(fig.subplots(len(wanted), 1, sharex=True)))
    else:
        axs = list(axes)
        if len(axs) != len(wanted):
            raise InputError(f"{len(wanted)} panels to draw but {len(axs)} axes given")
        fig = axs[0].figure
    t = data["t"]
    for ax, panel in zip(axs, wanted, strict=True):
        if panel in ("norms", "invariants"):
            for name, y in data[panel].items():
                ax.plot(t, y, ".-" if t.size < 40 else "-", label=name)
                if panel == "norms":
                    _positive_log(ax, y)
            ax.set_ylabel("‖·‖_F" if panel == "norms" else "invariant")
            ax.legend(fontsize=8)
        elif panel == "f":
            ax.plot(t, data["f"], "-", color="C3")
            _positive_log(ax, data["f"])
            ax.set_ylabel("f(X(t))")
        else:
            ax.plot(t, data["error"], "-", color="C7")
            _positive_log(ax, data["error"])
            ax.set_ylabel("error estimate")
        _time_axis(ax, t, log_time)
        ax.grid(True, alpha=0.3)
    axs[-1].set_xlabel("t")
    axs[0].set_title(f"{result.field.name}: {result.status}, {result.dps} digits")
    return fig
