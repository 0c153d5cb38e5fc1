"""Pictures of a landscape: f on a line or a plane, with the classified stationary set marked.

* A problem with one real unknown: f on an interval, the stationary points marked by type.
* Two unknowns: filled contours of f on a box, the stationary points marked by type.
* More unknowns: a 2-D *slice* x(s, t) = c + s·d₁ + t·d₂ through a centre c spanned by two
  directions (flat coordinates, :meth:`mfverify.problems.Problem.flatten`).

The markers come from an exact :class:`mfverify.symbolic.Landscape` (its classified
representatives, where they lie on the drawn line or plane). Positive-dimensional pieces (a
circle of saddles, a hyperbola of minima) are traced *numerically*: the grid points within half
a grid step of the stationary set, detected from ‖∇f‖ (‖∇f(x)‖ ≤ ½·h·(local slope of ‖∇f‖)),
each coloured by the type of the component whose exact value of f is nearest (this also shows
the other points of a finite orbit, such as −x beside the representative x). Contour levels are
quantiles of f on the grid, so that the low-lying structure is resolved. The picture is a
view of the exact result, not evidence: the classification is the landscape's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ._figure import new_axes

__all__ = ["plot_landscape", "default_slice", "TYPE_STYLE"]

#: marker, colour and legend text per stationary type (the vocabulary of the landscape engine)
TYPE_STYLE: dict[str, tuple[str, str]] = {
    "global_min": ("*", "tab:green"),
    "spurious_local_min": ("X", "tab:red"),
    "strict_saddle": ("^", "tab:orange"),
    "degenerate_saddle": ("D", "tab:purple"),
    "local_max": ("v", "tab:blue"),
    "degenerate_unresolved": ("o", "tab:gray"),
}


def _coordinate_names(problem: Any) -> list[str]:
    names = []
    for name, shape in problem.variables.items():
        for idx in np.ndindex(*shape) if shape else [()]:
            names.append(f"{name}[{','.join(map(str, idx))}]" if idx else name)
    return names


def _flat_float(problem: Any, point: Any) -> np.ndarray:
    flat = problem.flatten({k: np.asarray(v) for k, v in point.items()})
    return np.array([complex(complex(v)).real for v in flat.ravel()], dtype=float)


def default_slice(problem: Any, landscape: Any) -> np.ndarray:
    """Two orthonormal directions through the origin that contain the representatives of the
    landscape's components, lowest f first, as far as two directions can (Gram–Schmidt); the
    first coordinate axes fill up what the representatives leave."""
    n = problem.dim
    reps = sorted(_components(landscape, problem), key=lambda item: item[2])
    basis: list[np.ndarray] = []
    for v in [rep for _, rep, _ in reps] + list(np.eye(n)):
        w = v - sum(np.dot(v, b) * b for b in basis)
        if np.linalg.norm(w) > 1e-9 * max(1.0, np.linalg.norm(v)):
            basis.append(w / np.linalg.norm(w))
        if len(basis) == 2:
            break
    return np.array(basis)


def _frame(problem: Any, center: Any, directions: Any, landscape: Any
           ) -> tuple[np.ndarray, np.ndarray]:
    n = problem.dim
    c = np.zeros(n) if center is None else np.asarray(center, dtype=float).ravel()
    if c.shape != (n,) or not np.all(np.isfinite(c)):
        raise InputError(f"center must be {n} finite numbers (flat coordinates)")
    if directions is None:
        if n <= 2:
            return c, np.eye(n)
        if landscape is None:
            raise InputError(f"this problem has {n} unknowns: give two directions for a slice "
                             "(or a landscape, whose representatives then span the slice)")
        return c, default_slice(problem, landscape)
    d = np.asarray(directions, dtype=float)
    if d.ndim != 2 or d.shape[1] != n or d.shape[0] not in (1, 2) or not np.all(np.isfinite(d)):
        raise InputError(f"directions must be 1 or 2 finite vectors of length {n}")
    if np.linalg.matrix_rank(d) < d.shape[0]:
        raise InputError("the slice directions must be linearly independent")
    return c, d


def _on_grid(problem: Any, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = problem.unflatten(pts)
    f = np.asarray(problem.value(x), dtype=float)
    g = problem.flatten(problem.grad(x))
    return f, np.linalg.norm(np.asarray(g, dtype=float), axis=-1)


def _near_stationary(g: np.ndarray, h: float) -> np.ndarray:
    """Grid points within about half a step of the zero set of ‖∇f‖ (see the module text)."""
    pad = np.pad(g, 1, mode="edge")
    slope = np.zeros_like(g)
    for axis in range(g.ndim):
        for shift in (-1, 1):
            nb = np.roll(pad, shift, axis=axis)
            core = nb[tuple(slice(1, -1) for _ in range(g.ndim))]
            slope = np.maximum(slope, np.abs(core - g) / h)
    return g <= 0.5 * h * slope


def _components(landscape: Any, problem: Any) -> list[tuple[Any, np.ndarray, float]]:
    if landscape is None:
        return []
    out = []
    for comp in landscape.components:
        try:
            value = float(complex(complex(comp.value)).real)
        except (TypeError, ValueError):
            value = float("nan")
        out.append((comp, _flat_float(problem, comp.representative), value))
    return out


def _mark_representatives(ax: Any, comps: list[tuple[Any, np.ndarray, float]], c: np.ndarray,
                          d: np.ndarray) -> set[str]:
    seen: set[str] = set()
    for comp, rep, value in comps:
        coef, *_ = np.linalg.lstsq(d.T, rep - c, rcond=None)
        if np.linalg.norm(d.T @ coef - (rep - c)) > 1e-9 * max(1.0, np.linalg.norm(rep)):
            continue                        # the representative is off the drawn line/plane
        marker, color = TYPE_STYLE.get(comp.type, ("o", "black"))
        label = comp.type if comp.type not in seen else None
        seen.add(comp.type)
        y = coef[1] if coef.size > 1 else value
        ax.plot(coef[0], y, marker, color=color, ms=11, mec="black", label=label, zorder=5)
    return seen


def _trace_pieces(ax: Any, comps: list[tuple[Any, np.ndarray, float]], f: np.ndarray,
                  near: np.ndarray, s: np.ndarray, t: np.ndarray, seen: set[str]) -> None:
    pieces = [(cp, v) for cp, _, v in comps if np.isfinite(v)]
    if not pieces or not near.any():
        return
    values = np.array([v for _, v in pieces])
    nearest = np.argmin(np.abs(f[near][:, None] - values[None, :]), axis=1)
    for k, (comp, _) in enumerate(pieces):
        sel = nearest == k
        if not sel.any():
            continue
        _, color = TYPE_STYLE.get(comp.type, ("o", "black"))
        label = comp.type if comp.type not in seen else None
        seen.add(comp.type)
        ax.scatter(s[near][sel], t[near][sel], s=4, color=color, label=label, zorder=4)


def plot_landscape(problem: Any, landscape: Any = None, *, center: Sequence[float] | None = None,
                   directions: Sequence[Sequence[float]] | None = None,
                   extent: float | tuple[float, float, float, float] = 2.0,
                   resolution: int = 201, levels: int = 30, ax: Any = None) -> Any:
    """Draw f near its stationary set, with the classified stationary points marked by type.

    Parameters
    ----------
    problem
        Any :class:`mfverify.problems.Problem` (custom ones included).
    landscape
        Its :class:`mfverify.symbolic.Landscape` (``mfverify.landscape(problem)``), or None for
        contours only.
    center, directions
        The line or plane drawn: x = center + s·d₁ (+ t·d₂), flat coordinates. Default: the
        origin; the coordinate axes for at most 2 unknowns, else :func:`default_slice` (the
        plane of the lowest components' representatives; needs ``landscape``).
    extent
        Half-width of the square drawn (s, t ∈ [−extent, extent]), or (s0, s1, t0, t1).
    resolution
        Grid points per axis (11 to 801).
    levels
        Number of contour levels (2-D).
    ax
        Axes to draw on; default a new detached figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not 11 <= int(resolution) <= 801:
        raise InputError(f"resolution must lie in 11..801, got {resolution}")
    c, d = _frame(problem, center, directions, landscape)
    box = (-extent, extent, -extent, extent) if np.isscalar(extent) else tuple(extent)
    if len(box) != 4 or not all(np.isfinite(box)) or box[0] >= box[1] or box[2] >= box[3]:
        raise InputError("extent must be a positive number or (s0, s1, t0, t1) with s0<s1, t0<t1")
    ax = new_axes(ax)
    comps = _components(landscape, problem)
    s1 = np.linspace(box[0], box[1], int(resolution))
    if d.shape[0] == 1:
        f, _ = _on_grid(problem, c + s1[:, None] * d[0])
        ax.plot(s1, f, "-", color="black", lw=1)
        seen = _mark_representatives(ax, comps, c, d)
        ax.set_xlabel(_coordinate_names(problem)[0] if problem.dim == 1 else "s")
        ax.set_ylabel("f")
    else:
        t1 = np.linspace(box[2], box[3], int(resolution))
        S, T = np.meshgrid(s1, t1)
        pts = c + S[..., None] * d[0] + T[..., None] * d[1]
        f, g = _on_grid(problem, pts)
        finite = f[np.isfinite(f)]
        lv = np.unique(np.quantile(finite, np.linspace(0, 1, max(3, levels)))) \
            if finite.size else levels
        cs = ax.contourf(S, T, f, levels=lv, cmap="Greys_r", alpha=0.85)
        ax.contour(S, T, f, levels=lv, colors="white", linewidths=0.3, alpha=0.5)
        ax.figure.colorbar(cs, ax=ax, label="f")
        seen = _mark_representatives(ax, comps, c, d)
        h = max(s1[1] - s1[0], t1[1] - t1[0])
        _trace_pieces(ax, comps, f, _near_stationary(g, h), S, T, seen)
        names = _coordinate_names(problem)
        plain = problem.dim == 2 and directions is None
        ax.set_xlabel(names[0] if plain else "s (along d₁)")
        ax.set_ylabel(names[1] if plain else "t (along d₂)")
        ax.set_aspect("equal", adjustable="box")
    if seen:
        ax.legend(fontsize=7, loc="upper right", framealpha=0.85)
    title = getattr(problem, "name", None) or type(problem).__name__
    ax.set_title(f"{title}" + (
        "" if landscape is None else f": {'complete' if landscape.complete else 'partial'} "
        "landscape"), fontsize=9)
    return ax
