"""Refute before expanding: exact evaluation of both sides at small rational points.

Symbolic expansion is only needed to *prove* an identity. To refute one it is enough to find
one point where the two sides differ, and exact evaluation at a point is cheap even where the
expansion is not (the Amitsur–Levitzki standard polynomial s₄ at 5×5 expands into thousands
of terms per entry; its value at a point costs 24 products of 5×5 matrices). :func:`scan`
evaluates the two sides exactly (rationals, python-flint) at every size of a grid, smallest
first, at random small-integer points (entries in [-3, 3], with the declared structure) and at
*matrix-unit* points (each matrix a single unit E_ab, symmetrized, skew-symmetrized or on the
diagonal as declared; a multilinear identity vanishes iff it vanishes on all such tuples), and
returns the first difference found: an exact witness at the smallest size where one was found.

A point that passes says nothing by itself (the verdict PROVED still needs the symbolic
check); a difference is exact (both values are rationals computed without rounding).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..errors import MfverifyError, ShapeError, UnsupportedError
from .exact import Structure

__all__ = ["InputSpec", "Witness", "scan", "frac", "const_array", "boxed", "RANDOM_POINTS",
           "UNIT_POINTS"]

try:
    import flint
except ImportError:  # pragma: no cover
    flint = None

#: Time the evaluation scan may take (seconds) before it hands over to the symbolic check.
SCAN_SECONDS = 10.0
#: Points per size: random small-integer points, then matrix-unit points.
RANDOM_POINTS = 2
UNIT_POINTS = 2


@dataclass(frozen=True)
class InputSpec:
    """An input at one size: ``shape`` () for a scalar; ``positive`` for a scale constant."""

    name: str
    shape: tuple[int, ...]
    structure: Structure = Structure.GENERAL
    positive: bool = False


@dataclass
class Witness:
    """Both sides differ exactly at ``point`` (values as Fractions) in entry ``index``."""

    size: dict[str, int]
    point: dict[str, Any]
    index: tuple[int, ...]
    claimed: Fraction
    true: Fraction
    how: str
    evaluations: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def frac(x: Any) -> Fraction:
    """An exact number of the line arithmetic (``fmpq``, constant ``fmpq_poly``, int) as a
    Fraction."""
    if isinstance(x, np.ndarray):
        x = x[()]
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if flint is not None and isinstance(x, flint.fmpq_poly):
        if x.degree() > 0:
            raise UnsupportedError("expected a constant, got a polynomial in t")
        c = x.coeffs()
        x = c[0] if c else flint.fmpq(0)
    if flint is not None and isinstance(x, (flint.fmpq, flint.fmpz)):
        q = flint.fmpq(x)
        return Fraction(int(q.p), int(q.q))
    if isinstance(x, sp.Rational):  # e.g. a scalar power k of eta**k taken by SymPy
        return Fraction(int(x.p), int(x.q))
    raise UnsupportedError(f"{x!r} is not an exact rational")


def boxed(value: Any) -> np.ndarray:
    """A value of the line arithmetic as an object array (0-d for a scalar), never sympified."""
    if isinstance(value, np.ndarray):
        return value if value.dtype == object else value.astype(object)
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def const_array(values: Any) -> np.ndarray:
    """Nested values (Fractions, ints) as an object array of constant ``fmpq_poly``."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(*arr.shape) if arr.shape else [()]:
        v = Fraction(arr[idx])
        out[idx] = flint.fmpq_poly([flint.fmpq(v.numerator, v.denominator)])
    return out


def _structured(values: np.ndarray, st: Structure) -> np.ndarray:
    if st is Structure.SYMMETRIC:
        return np.triu(values) + np.triu(values, 1).T
    if st is Structure.SKEW:
        return np.triu(values, 1) - np.triu(values, 1).T
    if st is Structure.DIAGONAL:
        return np.diag(np.diag(values))
    return values


def _random_point(specs: Sequence[InputSpec], rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in specs:
        if not s.shape:
            out[s.name] = Fraction(rng.randint(1, 3) if s.positive else rng.randint(-3, 3))
            continue
        vals = np.empty(s.shape, dtype=object)
        for idx in np.ndindex(*s.shape):
            vals[idx] = rng.randint(-3, 3)
        out[s.name] = _structured(vals, s.structure) if vals.ndim == 2 else vals
    return out


def _unit_point(specs: Sequence[InputSpec], rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in specs:
        if not s.shape:
            out[s.name] = Fraction(1)
            continue
        vals = np.zeros(s.shape, dtype=object)
        if vals.ndim != 2:
            vals[tuple(rng.randrange(k) for k in s.shape)] = 1
            out[s.name] = vals
            continue
        a, b = rng.randrange(s.shape[0]), rng.randrange(s.shape[1])
        if s.structure is Structure.DIAGONAL:
            b = a
        vals[a, b] = 1
        if s.structure is Structure.SYMMETRIC:
            vals[b, a] = 1
        elif s.structure is Structure.SKEW:
            vals[b, a] = -1 if a != b else 0
        out[s.name] = vals
    return out


def _differ(C: Any, T: Any) -> tuple[tuple[int, ...], Fraction, Fraction] | None:
    c, t = np.asarray(C, dtype=object), np.asarray(T, dtype=object)
    if c.shape != t.shape:
        raise ShapeError(f"the sides have shapes {c.shape} and {t.shape}")
    for idx in np.ndindex(*c.shape) if c.shape else [()]:
        a, b = frac(c[idx]), frac(t[idx])
        if a != b:
            return tuple(int(i) for i in idx), a, b
    return None


def _simplify(point: dict[str, Any], specs: Sequence[InputSpec],
              sides: Callable[[dict[str, Any]], Any], deadline: float) -> dict[str, Any]:
    """Set entries to 0, then to ±1, while the sides still differ (until ``deadline``)."""

    def still_differs(trial: dict[str, Any]) -> bool:
        try:
            return _differ(*sides(trial)) is not None
        except (MfverifyError, ArithmeticError):
            return False

    for s in specs:
        settled: set[tuple[int, ...]] = set()
        for cand, idx in _candidates(point[s.name], s):
            if time.perf_counter() > deadline:
                return point
            if idx in settled:
                continue
            trial = dict(point)
            v = point[s.name]
            if isinstance(v, np.ndarray):
                arr = v.copy()
                arr[idx] = cand
                if s.structure is Structure.SYMMETRIC:
                    arr[idx[::-1]] = cand
                elif s.structure is Structure.SKEW:
                    arr[idx[::-1]] = -cand
                trial[s.name] = arr
            else:
                trial[s.name] = Fraction(cand)
            if still_differs(trial):
                point = trial
                settled.add(idx)
    return point


def _candidates(v: Any, s: InputSpec) -> list[tuple[int, Any]]:
    if not isinstance(v, np.ndarray):
        return [(c, ()) for c in ((1,) if s.positive else (0, 1)) if v != c]
    out = []
    for idx in np.ndindex(*v.shape):
        if v.ndim != 2:
            out += [(c, idx) for c in (0, 1, -1) if abs(v[idx]) > abs(c)]
            continue
        if s.structure in (Structure.SYMMETRIC, Structure.SKEW) and idx[0] > idx[1]:
            continue
        if s.structure is Structure.SKEW and idx[0] == idx[1]:
            continue
        if s.structure is Structure.DIAGONAL and idx[0] != idx[1]:
            continue
        out += [(c, idx) for c in (0, 1, -1) if abs(v[idx]) > abs(c)]
    return out


def _screened_equal(screen_at: Callable[[dict[str, int], dict[str, Any]], tuple[Any, Any]],
                    size: dict[str, int], point: dict[str, Any]) -> bool:
    """Whether the floating-point sides agree to rounding (False when the screen fails)."""
    try:
        with np.errstate(all="ignore"):
            L, R = screen_at(size, point)
            a = np.asarray(L, dtype=float)
            b = np.asarray(R, dtype=float)
            if a.shape != b.shape:
                return False
            scale = max(1.0, float(np.max(np.abs(a), initial=0)),
                        float(np.max(np.abs(b), initial=0)))
            gap = float(np.max(np.abs(a - b), initial=0))
    except Exception:  # noqa: BLE001 - the screen is optional: the exact path decides
        return False
    return bool(np.isfinite(gap)) and gap <= 1e-9 * scale


def _points(specs: Sequence[InputSpec], rng: random.Random, random_points: int,
            unit_points: int) -> list[tuple[str, dict[str, Any]]]:
    out = [("random small-integer point", _random_point(specs, rng))
           for _ in range(random_points)]
    return out + [("matrix-unit point", _unit_point(specs, rng)) for _ in range(unit_points)]


def _label(size: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in size.items()) or "its own size"


def scan(grid: Sequence[Mapping[str, int]],
         specs_at: Callable[[dict[str, int]], Sequence[InputSpec]],
         sides_at: Callable[[dict[str, int], dict[str, Any]], tuple[Any, Any]], *,
         seed: int = 0, random_points: int = RANDOM_POINTS, unit_points: int = UNIT_POINTS,
         simplify_seconds: float = 0.5, time_budget: float = SCAN_SECONDS,
         screen_at: Callable[[dict[str, int], dict[str, Any]], tuple[Any, Any]] | None = None
         ) -> tuple[Witness | None, list[dict[str, int]], list[str]]:
    """Evaluate the sides at every size of ``grid`` (in order) and stop at the first
    difference.

    ``specs_at(size)`` lists the inputs; ``sides_at(size, point)`` returns the two sides
    (arrays or scalars of exact rationals) at a point (name -> Fraction or object array of
    ints/Fractions). A size where the sides cannot be evaluated (:class:`ShapeError`: not
    defined there; :class:`UnsupportedError`: the family does not exist there) is skipped; an
    evaluation outside rational arithmetic (a square root) ends the scan with a note.

    ``screen_at(size, point)``, when given, evaluates the sides in floating point first
    (BLAS: microseconds); only a point where they differ by more than rounding is evaluated
    exactly. The screen never decides anything: a difference it reports is re-checked exactly
    (and dropped if the exact values agree), and a difference it hides by rounding only means
    that point is passed over.

    Returns ``(witness or None, sizes evaluated, notes)``.
    """
    t0 = time.perf_counter()
    rng = random.Random(seed)
    evaluated: list[dict[str, int]] = []
    notes: list[str] = []
    count = 0
    for size in grid:
        size = dict(size)
        if time.perf_counter() - t0 > time_budget:
            notes.append(f"the evaluation scan stopped after {time_budget:g}s before "
                         f"{_label(size)}; the symbolic check decides the sizes it covers")
            return None, evaluated, notes
        try:
            specs = list(specs_at(size))
        except (ShapeError, UnsupportedError):
            continue
        points = _points(specs, rng, random_points, unit_points)
        done = False
        for how, point in points:
            count += 1
            if screen_at is not None and _screened_equal(screen_at, size, point):
                done = True
                continue
            t_eval = time.perf_counter()
            try:
                found = _differ(*sides_at(size, point))
            except ShapeError as exc:
                # not defined at this size: the symbolic check reports it (as REFUTED when
                # the claim is defined at a smaller size)
                notes.append(f"the sides cannot be evaluated at {_label(size)} ({exc}); the "
                             "sizes are decided by the symbolic check")
                return None, evaluated, notes
            except (ZeroDivisionError, ArithmeticError):
                continue
            except (UnsupportedError, TypeError, ValueError) as exc:
                text = " ".join(str(exc).split())[:120]
                notes.append(f"exact evaluation at points not possible ({type(exc).__name__}: "
                             f"{text}); the sizes are decided by the symbolic check alone")
                return None, evaluated, notes
            done = True
            if found is not None:
                idx, a, b = found
                # simplify only where an evaluation is cheap (it takes one per entry tried)
                cheap = time.perf_counter() - t_eval < simplify_seconds / 20
                deadline = time.perf_counter() + (simplify_seconds if cheap else 0.0)

                def sides(pt: dict[str, Any], size: dict[str, int] = size) -> tuple[Any, Any]:
                    return sides_at(size, pt)

                point = _simplify(point, specs, sides, deadline)
                idx, a, b = _differ(*sides_at(size, point)) or found
                evaluated.append(size)
                return (Witness(size, point, idx, a, b, how, count, time.perf_counter() - t0),
                        evaluated, notes)
        if done:
            evaluated.append(size)
    return None, evaluated, notes
