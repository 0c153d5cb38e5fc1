"""Exact equality of matrix expressions whose entries are independent symbols.

A hand derivation ("the gradient of ¼‖XXᵀ − M‖² is (XXᵀ − M)X") is a statement about matrices of
*every* size. This module decides it exactly for every size in a stated range: each matrix
becomes an array of fresh real SymPy symbols (one per free entry, respecting a declared
:class:`Structure`: general, symmetric, diagonal or skew), both sides are evaluated exactly, and
each entry of the difference is reduced to a canonical rational function. A zero difference at
every size is a proof *for those sizes*; :mod:`mfverify.derivation.allsizes` turns it into one
for every size where the size bound of :mod:`mfverify.derivation.sizebound` applies. A non-zero
difference is a non-zero polynomial (or rational function), so it is non-zero at some small
rational point: the module finds a simple one (entries in {0, ±1, ±2, ...}), re-evaluates both
sides there exactly, and reports the smallest size, the point, the first differing entry and
both values.

The building blocks are

* :func:`structured_matrix`: an object array of symbols with a structure;
* :func:`parse_sizes` / :func:`size_grid`: ranges of named dimensions (``"1..3"``,
  ``"n=1..4,r=1..2"``) and their grid, smallest sizes first;
* :func:`is_zero`: exact zero test of one entry (``True``, ``False`` or ``None`` = undecided);
* :func:`find_nonzero_point`: a simple rational point where an entry is provably non-zero;
* :func:`decide`: the loop over sizes that turns :class:`ExactCase` objects into an
  :class:`ExactResult`.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, TypeVar

import numpy as np
import sympy as sp

from ..budget import Budget, as_budget
from ..errors import BudgetExceeded, InputError, ShapeError, UnsupportedError
from ..results import ResultMixin, Verdict, json_reader

_T = TypeVar("_T")

__all__ = [
    "Structure",
    "structured_matrix",
    "parse_structure",
    "parse_sizes",
    "size_grid",
    "size_label",
    "confirm_size",
    "memo_by_size",
    "is_zero",
    "find_nonzero_point",
    "ExactCase",
    "ClaimUndefined",
    "Mismatch",
    "ExactResult",
    "decide",
    "first_mismatch",
    "substitute",
    "as_object_array",
    "exact_strings",
    "MAX_SIZE",
    "exact_floats",
    "has_floats",
]

#: Largest dimension accepted in a size range (exact expansion cost grows fast).
MAX_SIZE = 8


class Structure(enum.StrEnum):
    """Declared structure of a symbolic matrix.

    * ``general``: every entry is its own symbol;
    * ``symmetric``: ``A[i,j] = A[j,i]`` (n(n+1)/2 symbols);
    * ``diagonal``: off-diagonal entries are 0 (n symbols);
    * ``skew``: ``A[i,j] = -A[j,i]``, zero diagonal (n(n-1)/2 symbols).
    """

    GENERAL = "general"
    SYMMETRIC = "symmetric"
    DIAGONAL = "diagonal"
    SKEW = "skew"

    def __str__(self) -> str:
        return self.value


def parse_structure(value: Any) -> Structure:
    """A :class:`Structure` from its name (``"symmetric"``, ...) with a typed error."""
    if isinstance(value, Structure):
        return value
    try:
        return Structure(str(value).lower())
    except ValueError:
        raise InputError(f"unknown matrix structure {value!r}; expected one of "
                         f"{[s.value for s in Structure]}") from None


def structured_matrix(name: str, rows: int, cols: int,
                      structure: Structure | str = Structure.GENERAL) -> np.ndarray:
    """An object array of real symbols ``name_i_j`` with the declared structure.

    Symmetric matrices share ``name_min_max``; skew matrices use ``name_i_j`` (i < j) above the
    diagonal, its negative below and 0 on the diagonal; diagonal matrices have ``name_i_i`` on
    the diagonal and 0 elsewhere. Structured matrices must be square (:class:`ShapeError`).
    """
    st = parse_structure(structure)
    if st is not Structure.GENERAL and rows != cols:
        raise ShapeError(f"{name} is declared {st} but has shape ({rows}, {cols}); a {st} "
                         "matrix must be square")
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            if st is Structure.GENERAL:
                out[i, j] = sp.Symbol(f"{name}_{i}_{j}", real=True)
            elif st is Structure.SYMMETRIC:
                a, b = min(i, j), max(i, j)
                out[i, j] = sp.Symbol(f"{name}_{a}_{b}", real=True)
            elif st is Structure.DIAGONAL:
                out[i, j] = sp.Symbol(f"{name}_{i}_{i}", real=True) if i == j else sp.Integer(0)
            else:  # skew
                if i == j:
                    out[i, j] = sp.Integer(0)
                elif i < j:
                    out[i, j] = sp.Symbol(f"{name}_{i}_{j}", real=True)
                else:
                    out[i, j] = -sp.Symbol(f"{name}_{j}_{i}", real=True)
    return out


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------

_RANGE_RE = re.compile(r"^\s*(\d+)\s*(?:\.\.|-|:)\s*(\d+)\s*$")


def _parse_values(text: str, what: str) -> tuple[int, ...]:
    text = text.strip()
    m = _RANGE_RE.match(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise InputError(f"size range {what}: {lo}..{hi} is empty; expected lo <= hi")
        if lo < 1 or hi > MAX_SIZE:  # before building the range: hi may be huge
            raise InputError(f"sizes must lie in 1..{MAX_SIZE} (exact expansion grows fast), "
                             f"got {text[:40]!r}")
        values = tuple(range(lo, hi + 1))
    else:
        try:
            values = tuple(int(v) for v in text.split("|") if v.strip())
        except ValueError:
            raise InputError(f"cannot read size range {what!r}: {text!r}; expected e.g. "
                             "'1..3', '2' or 'n=1..3,r=1..2'") from None
    if not values:
        raise InputError(f"size range {what!r} is empty")
    if min(values) < 1 or max(values) > MAX_SIZE:
        raise InputError(f"sizes must lie in 1..{MAX_SIZE} (exact expansion grows fast), got "
                         f"{text!r}")
    return values


def parse_sizes(spec: str | int | Mapping[str, Any] | Sequence[int] | None,
                dims: Sequence[str], *, default: str = "1..3") -> dict[str, tuple[int, ...]]:
    """Ranges of the named dimensions ``dims``.

    ``spec`` may be ``"1..3"`` (the same range for every dimension), ``"n=1..3,r=1..2"``
    (per dimension; the others get ``default``), an int, a list of ints, or a mapping
    name -> range. Raises :class:`InputError` for unknown dimension names or sizes outside
    1..:data:`MAX_SIZE`.
    """
    out = {d: _parse_values(default, d) for d in dims}
    if spec is None:
        return out
    if isinstance(spec, int) and not isinstance(spec, bool):
        return {d: _parse_values(str(spec), d) for d in dims}
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, str):
        text = spec.strip()
        if "=" not in text:
            vals = _parse_values(text.replace(",", "|"), "sizes")
            return {d: vals for d in dims}
        items = []
        for part in text.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(f"cannot read size range {part!r}; expected NAME=LO..HI")
            k, v = part.split("=", 1)
            items.append((k.strip(), v.strip()))
    elif isinstance(spec, Sequence):
        vals = tuple(int(v) for v in spec)
        return {d: _parse_values("|".join(str(v) for v in vals), d) for d in dims}
    else:
        raise InputError(f"cannot read sizes {spec!r}")
    seen: set[str] = set()
    for k, v in items:
        if k not in out:
            raise InputError(f"unknown dimension {k!r} in sizes; this check has dimensions "
                             f"{list(dims)}")
        if k in seen:
            raise InputError(f"dimension {k!r} is given twice in sizes")
        seen.add(k)
        if isinstance(v, int):
            out[k] = _parse_values(str(v), k)
        elif isinstance(v, str):
            out[k] = _parse_values(v.replace(",", "|"), k)
        else:
            out[k] = _parse_values("|".join(str(int(x)) for x in v), k)
    return out


def size_grid(ranges: Mapping[str, Sequence[int]]) -> list[dict[str, int]]:
    """Every combination of the ranges, smallest total size first (then lexicographic)."""
    names = list(ranges)
    combos = [dict(zip(names, vals, strict=True)) for vals in product(*(ranges[n] for n in names))]
    combos.sort(key=lambda s: (sum(s.values()), tuple(s.values())))
    return combos


def confirm_size(grid: Sequence[Mapping[str, int]], size: Mapping[str, int]
                 ) -> dict[str, int] | None:
    """A second size to confirm a diagnosis on: the smallest grid size with every dimension
    >= max(2, the refuting size's), else the largest grid size (None if it is ``size``)."""
    for s in grid:
        if all(s[k] >= max(2, size.get(k, 1)) for k in s):
            return None if dict(s) == dict(size) else dict(s)
    last = dict(grid[-1]) if grid else None
    return None if last == dict(size) else last


def memo_by_size(build: Callable[[dict[str, int]], _T]) -> Callable[[dict[str, int]], _T]:
    """``build`` memoized on the size (keyed by its sorted items); a call that raises is not
    cached."""
    cache: dict[tuple[tuple[str, int], ...], _T] = {}

    def cached(size: dict[str, int]) -> _T:
        key = tuple(sorted(size.items()))
        if key in cache:
            return cache[key]
        out = build(size)
        cache[key] = out
        return out

    return cached


def size_label(size: Mapping[str, int]) -> str:
    """``"n=2, r=1"``."""
    return ", ".join(f"{k}={v}" for k, v in size.items()) or "(fixed size)"


# ---------------------------------------------------------------------------------------------
# exact zero tests and counterexample points
# ---------------------------------------------------------------------------------------------


def as_object_array(value: Any) -> np.ndarray:
    """A result (scalar, list, SymPy matrix, array) as an object array (0-d for scalars)."""
    if isinstance(value, sp.MatrixBase):
        value = np.array(value.tolist(), dtype=object)
    if isinstance(value, np.ndarray):
        return value.astype(object) if value.dtype != object else value
    if isinstance(value, (list, tuple)):
        return np.array(value, dtype=object)
    out = np.empty((), dtype=object)
    out[()] = value if isinstance(value, sp.Basic) or _is_poly(value) else sp.sympify(value)
    return out


def _is_poly(value: Any) -> bool:
    from ._poly import is_poly

    return is_poly(value)


def _is_rational_function(expr: sp.Expr) -> bool:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow):
            if not node.exp.is_Integer:
                return False
        elif isinstance(node, sp.Function) or isinstance(node, sp.Float):
            return False
    return True


def is_zero(expr: Any) -> bool | None:
    """Decide exactly whether ``expr`` is identically zero.

    Rational functions of the symbols are put over a common denominator and the numerator is
    expanded: ``True`` when it vanishes, ``False`` otherwise (a non-zero polynomial). For
    expressions with radicals or functions, ``True`` if SymPy's simplification proves zero,
    ``None`` (undecided) otherwise: the caller then looks for a rational point where the value
    is provably non-zero.
    """
    if _is_poly(expr):
        return bool(expr.is_zero())
    expr = exact_floats(sp.sympify(expr))
    if expr == 0:
        return True
    if expr.is_number:
        z = expr.is_zero
        if z is None:
            z = sp.nsimplify(expr) == 0 if not expr.has(sp.Float) else None
        return None if z is None else bool(z)
    if _is_rational_function(expr):
        if not any(isinstance(a, sp.Pow) and a.exp.is_negative
                   for a in sp.preorder_traversal(expr)):
            return sp.expand(expr) == 0
        num, _den = sp.fraction(sp.together(expr))
        return sp.expand(num) == 0
    if sp.expand(expr) == 0 or sp.simplify(expr) == 0:
        return True
    return None


def exact_floats(expr: Any) -> Any:
    """``expr`` with every floating-point number replaced by its exact binary value.

    A float in a claim (``1.0`` from a Python callable, a SymPy ``Float``) is an exact binary
    rational; deciding with that value keeps every comparison exact (no tolerance, no
    ``nsimplify`` guess). :func:`decide` still never reports PROVED for a side that contained
    floats (see :func:`has_floats`).
    """
    if isinstance(expr, (float, np.floating)):
        return sp.Rational(float(expr))
    if isinstance(expr, sp.Basic) and expr.has(sp.Float):
        return expr.xreplace({f: sp.Rational(f) for f in expr.atoms(sp.Float)})
    return expr


def has_floats(arr: Any) -> bool:
    """Whether an exact array (or scalar) contains a floating-point number."""
    for e in as_object_array(arr).reshape(-1):
        if isinstance(e, (float, np.floating)) or (isinstance(e, sp.Basic) and e.has(sp.Float)):
            return True
    return False


def _exact_array(arr: Any) -> np.ndarray:
    a = as_object_array(arr)
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape) if a.shape else [()]:
        out[idx] = exact_floats(a[idx])
    return out


def _value_nonzero(value: sp.Expr) -> bool | None:
    """Exact value at a rational point: True non-zero, False zero, None undefined."""
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    if value == 0:
        return False
    z = value.is_zero
    if z is None:
        value = sp.nsimplify(sp.radsimp(value))
        z = value.is_zero
        if z is None:
            return None
    return not z


def substitute(expr: Any, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with the symbols replaced by exact values, simplified to a number."""
    try:
        value = sp.sympify(expr).xreplace(dict(point))
        if value.is_Rational or value.free_symbols:
            return value
        if isinstance(value, sp.Expr) and not _is_rational_function(value):
            value = sp.radsimp(value)
        return sp.nsimplify(value) if value.has(sp.Float) else sp.simplify(value)
    except ZeroDivisionError:
        return sp.zoo


_SIMPLE_VALUES = (sp.Integer(0), sp.Integer(1), sp.Integer(-1), sp.Integer(2), sp.Integer(-2))


def find_nonzero_point(expr: Any, symbols: Iterable[sp.Symbol], *,
                       also_defined: Iterable[Any] = (), seed: int = 0,
                       attempts: int = 200) -> dict[sp.Symbol, sp.Expr] | None:
    """A simple rational point where ``expr`` is defined and provably non-zero.

    Random integers (first in [-2, 2], then wider, then halves) give a starting point; each
    symbol is then set greedily to 0, 1 or -1 if the value stays non-zero, so the point is
    as simple as possible. ``also_defined`` lists expressions whose denominators must not
    vanish there (e.g. both sides of the comparison). Returns None if no point was found
    within ``attempts`` tries (the caller reports INCONCLUSIVE).
    """
    expr = sp.sympify(expr)
    syms = sorted(set(symbols) | expr.free_symbols, key=lambda s: s.name)
    others = [sp.sympify(e) for e in also_defined]

    def ok(point: Mapping[sp.Symbol, sp.Expr]) -> bool:
        v = _value_nonzero(substitute(expr, point))
        if not v:
            return False
        for e in others:
            if substitute(e, point).has(sp.zoo, sp.nan):
                return False
        return True

    rng = random.Random(seed)
    start: dict[sp.Symbol, sp.Expr] | None = None
    first = {s: sp.Integer(1) for s in syms}
    if ok(first):
        start = first
    for k in range(attempts):
        if start is not None:
            break
        width = 2 if k < 50 else (5 if k < 120 else 20)
        cand: dict[sp.Symbol, sp.Expr] = {}
        for s in syms:
            v = sp.Integer(rng.randint(-width, width))
            if k >= 150:
                v = v / 2 + sp.Rational(1, 3)
            cand[s] = v
        if ok(cand):
            start = cand
    if start is None:
        return None
    point = dict(start)
    for s in syms:
        keep = point[s]
        for v in _SIMPLE_VALUES[:3]:
            if v == keep:
                break
            point[s] = v
            if ok(point):
                break
            point[s] = keep
    return point


def exact_strings(arr: Any) -> Any:
    """Nested lists of strings (``sympify`` reads them back) for JSON."""
    a = as_object_array(arr)
    if a.ndim == 0:
        return str(a[()])
    return np.vectorize(lambda v: str(v), otypes=[object])(a).tolist()


# ---------------------------------------------------------------------------------------------
# one size: a case; many sizes: decide
# ---------------------------------------------------------------------------------------------


class ClaimUndefined(InputError):
    """The claimed side cannot be evaluated at a size (its shapes do not fit there)."""


@dataclass
class ExactCase:
    """One size of an exact check.

    Attributes
    ----------
    size
        The dimension values, e.g. ``{"n": 2, "r": 1}``.
    inputs
        The symbolic inputs by name (variables, data, directions), reported in counterexamples.
    claimed, true
        The two sides, object arrays (0-d for scalars) of expressions in the input symbols.
    label
        What an entry of the sides is called (``"gradient wrt X"``, ``"identity"``).
    notes
        Anything the reader of the evidence should know about this size.
    """

    size: dict[str, int]
    inputs: dict[str, Any]
    claimed: np.ndarray
    true: np.ndarray
    label: str = "value"
    notes: list[str] = field(default_factory=list)
    #: Converts an entry of ``claimed`` / ``true`` to SymPy (they may be python-flint
    #: polynomials, see :mod:`mfverify.derivation._poly`).
    to_sympy: Callable[[Any], sp.Expr] | None = None


@dataclass
class Mismatch:
    """The first entry where two exact arrays differ, at a point where it is re-checked."""

    index: tuple[int, ...]
    entry: str
    point: dict[sp.Symbol, sp.Expr]
    claimed_value: sp.Expr
    true_value: sp.Expr
    difference: sp.Expr


def _entry_label(label: str, idx: tuple[int, ...]) -> str:
    return f"{label}[{', '.join(str(i) for i in idx)}]" if idx else label


def _input_symbols(inputs: Mapping[str, Any]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for v in inputs.values():
        a = as_object_array(v)
        for e in a.reshape(-1):
            out |= sp.sympify(e).free_symbols
    return out


def first_mismatch(claimed: np.ndarray, true: np.ndarray, *, label: str = "value",
                   symbols: Iterable[sp.Symbol] = (), seed: int = 0,
                   to_sympy: Callable[[Any], sp.Expr] | None = None
                   ) -> tuple[Mismatch | None, bool]:
    """Compare two exact arrays entry by entry.

    Returns ``(mismatch, decided)``: ``(None, True)`` when every entry is provably equal;
    a :class:`Mismatch` at the first differing entry (row-major), re-checked at a rational
    point; ``(None, False)`` when some entry could be neither proved zero nor shown non-zero.
    """
    c = as_object_array(claimed)
    t = as_object_array(true)
    if c.shape != t.shape:
        raise ShapeError(f"the claimed {label} has shape {c.shape} but the true {label} has "
                         f"shape {t.shape}")
    undecided = False
    syms = list(symbols)
    conv = to_sympy or sp.sympify
    for idx in np.ndindex(*c.shape) if c.shape else [()]:
        ci, ti = c[idx], t[idx]
        if _is_poly(ci) and _is_poly(ti):
            if (ci - ti).is_zero():
                continue
            z: bool | None = False
            ci, ti = conv(ci), conv(ti)
            diff = ci - ti
        else:
            ci, ti = conv(ci), conv(ti)
            diff = ci - ti
            z = is_zero(diff)
            if z is True:
                continue
        point = find_nonzero_point(diff, [s for s in syms if s in diff.free_symbols],
                                   also_defined=(ci, ti), seed=seed)
        if point is None:
            if z is False:
                raise BudgetExceeded(f"{_entry_label(label, idx)} differs symbolically but no "
                                     "rational point with a non-zero, defined value was found")
            undecided = True
            continue
        full = {s: sp.Integer(0) for s in syms}
        full.update(point)
        cv = substitute(ci, full)
        tv = substitute(ti, full)
        if _value_nonzero(sp.sympify(cv - tv)) is not True:  # pragma: no cover - defensive
            undecided = True
            continue
        return Mismatch(tuple(int(i) for i in idx), _entry_label(label, idx), full, cv, tv,
                        substitute(diff, full)), True
    return None, not undecided


@dataclass
class ExactResult(ResultMixin):
    """Result of an exact check over a range of sizes.

    ``verdict`` is ``"PROVED"`` (every size checked, each difference provably zero),
    ``"REFUTED"`` (a re-checked counterexample at the smallest failing size) or
    ``"INCONCLUSIVE"`` (some size undecided or over budget). ``sizes_checked`` lists the sizes
    that were decided equal (and, for REFUTED, the refuting size last).
    """

    verdict: str
    what: str
    sizes_checked: list[dict[str, int]]
    sizes_skipped: list[dict[str, Any]] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    diagnosis: str | None = None
    structure: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    method: str = ("entries as independent real symbols; each entry of the difference reduced "
                   "to a canonical rational function (python-flint) or, with radicals, put over "
                   "a common denominator and its numerator expanded (SymPy)")
    #: ``"all_sizes"`` (PROVED for every size by the size-bound theorem, see
    #: :mod:`mfverify.derivation.sizebound`) or ``"sizes_checked"`` (the sizes listed only).
    scope: str = "sizes_checked"
    #: Why the scope is what it is (the bound and the theorem, or why no all-sizes statement).
    scope_reason: str = ""
    #: Per dimension: K (index values in one term), loops, the sizes needed, the reason.
    size_bound: dict[str, Any] | None = None
    #: Sizes where both sides were evaluated exactly at points before any expansion.
    sizes_evaluated: list[dict[str, int]] = field(default_factory=list)
    #: What proved the scope all_sizes: ``"size_bound"`` (the size-bound theorem and exact
    #: zero at its sizes), ``"free_algebra"`` (equal normal forms in the free algebra, see
    #: :mod:`mfverify.derivation.freealgebra`; no size expanded), or ``""``.
    prover: str = ""

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)

    @property
    def status(self) -> int:
        """0 PROVED, 1 REFUTED, 2 INCONCLUSIVE."""
        return {"PROVED": 0, "REFUTED": 1}.get(self.verdict, 2)

    def _title(self) -> str:
        return f"{self.what}: {self.verdict} (exact, scope {self.scope})"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("scope", self.scope), ("sizes", len(self.sizes_checked))]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("summary", self.summary())]
        if self.diagnosis:
            rows.append(("diagnosis", self.diagnosis))
        rows += [("sizes checked", "; ".join(size_label(s) for s in self.sizes_checked)),
                 ("scope reason", self.scope_reason)]
        rows += [("note", n) for n in self.notes[:4]]
        return [r for r in rows if r[1]] + [("seconds", round(self.seconds, 3))]

    @classmethod
    @json_reader("ExactResult JSON")
    def from_json(cls, data: Mapping[str, Any]) -> ExactResult:
        """The result that :meth:`to_json` wrote (its keys are the field names)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: copy.deepcopy(v) for k, v in data.items() if k in names}
        kwargs["verdict"] = Verdict(data["verdict"])
        kwargs["seconds"] = float(data["seconds"])
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "mode": "exact",
            "scope": self.scope,
            "scope_reason": self.scope_reason,
            "prover": self.prover,
            "size_bound": self.size_bound,
            "what": self.what,
            "sizes_checked": [dict(s) for s in self.sizes_checked],
            "sizes_evaluated": [dict(s) for s in self.sizes_evaluated],
            "sizes_skipped": list(self.sizes_skipped),
            "counterexample": self.counterexample,
            "diagnosis": self.diagnosis,
            "structure": dict(self.structure),
            "method": self.method,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }

    def assumptions(self) -> str:
        """The declared structure of the inputs in words (``"M symmetric"``), or ""."""
        return ", ".join(f"{k} {v}" for k, v in self.structure.items() if v != "general")

    def summary(self) -> str:
        """One line that starts with the scope (``scope all_sizes:`` / ``scope
        sizes_checked:``)."""
        return f"scope {self.scope}: {self._body()}"

    def _body(self) -> str:
        sizes = "; ".join(size_label(s) for s in self.sizes_checked)
        assumed = self.assumptions()
        if self.verdict == "PROVED" and self.scope == "all_sizes" and \
                self.prover == "free_algebra":
            return (f"{self.what}: PROVED for every size (free-algebra normal form: both sides "
                    "equal as noncommutative polynomials; no size expanded)"
                    + (f" (assuming {assumed})" if assumed else ""))
        if self.verdict == "PROVED" and self.scope == "all_sizes":
            bound = "; ".join(f"{d}: {v['sizes'][0]}" + (f"..{v['sizes'][-1]}"
                                                         if len(v["sizes"]) > 1 else "")
                              for d, v in (self.size_bound or {}).items())
            return (f"{self.what}: PROVED for every size (size bound {bound or 'none'}; "
                    f"exact for these sizes: {sizes})"
                    + (f" (assuming {assumed})" if assumed else ""))
        if self.verdict == "PROVED":
            why = (f"; no all-sizes statement: {self.scope_reason}" if self.scope_reason
                   else "")
            return (f"{self.what}: PROVED exactly for these sizes: {sizes}"
                    + (f" (assuming {assumed})" if assumed else "") + why)
        if self.verdict == "REFUTED" and self.counterexample:
            ce = self.counterexample
            if "lhs" in ce:
                values = f"LHS {ce['lhs']} but RHS {ce['rhs']}"
            else:
                values = f"{ce['claimed']} (claimed) but {ce['true']} (true)"
            text = (f"{self.what}: REFUTED at {size_label(ce['size'])}"
                    + (f" (assuming {assumed})" if assumed else "")
                    + f": {ce['entry']}: {values}")
            return text + (f"; diagnosis: {self.diagnosis}" if self.diagnosis else "")
        return f"{self.what}: INCONCLUSIVE ({'; '.join(self.notes) or 'undecided'})"


def counterexample_json(case: ExactCase, mm: Mismatch) -> dict[str, Any]:
    """The JSON form of a mismatch: size, the inputs at the point, the entry, both values."""
    point = {}
    for name, value in case.inputs.items():
        arr = as_object_array(value)
        vals = np.empty(arr.shape, dtype=object)
        for idx in np.ndindex(*arr.shape) if arr.shape else [()]:
            vals[idx] = substitute(arr[idx], mm.point)
        point[name] = exact_strings(vals)
    return {
        "size": dict(case.size),
        "point": point,
        "entry": mm.entry,
        "claimed": str(mm.claimed_value),
        "true": str(mm.true_value),
        "difference": str(mm.difference),
        "rechecked": "both sides re-evaluated exactly at this rational point",
    }


FLOAT_NOTE_EQUAL = ("the sides contain floating-point numbers (e.g. 1.0 or 0.5 computed by a "
                    "Python callable, or a SymPy Float); at their exact binary values the "
                    "sides agree, but a float is not a proof: write exact numbers (int, "
                    "sympy.Rational, or text such as '1/2' or '0.5', which is read as 1/2)")
FLOAT_NOTE_REFUTED = ("floating-point numbers in the sides were taken at their exact binary "
                      "values (e.g. 0.1 is 3602879701896397/36028797018963968)")


def decide(sizes: Sequence[Mapping[str, int]], build: Callable[[dict[str, int]], ExactCase], *,
           what: str, structure: Mapping[str, str] | None = None,
           diagnose: Callable[[ExactCase, Mismatch], str | None] | None = None,
           seed: int = 0, time_budget: float | None = None,
           budget: float | Budget | None = None) -> ExactResult:
    """Check ``build(size)`` at every size, smallest first, and stop at the first refutation.

    ``build`` may raise :class:`ShapeError` or :class:`UnsupportedError` for a size where the
    statement does not apply (e.g. a square block needed but m != n): that size is skipped
    and listed with the reason. If no size applies, :class:`InputError` is raised.

    ``budget`` (seconds or a :class:`~mfverify.budget.Budget`; ``time_budget`` is its older
    name) bounds the whole check: building and comparing a size is interrupted at the deadline,
    and the result is INCONCLUSIVE with the sizes decided so far (the sizes not reached are
    listed in the notes).
    """
    t0 = time.perf_counter()
    B = as_budget(budget if budget is not None else time_budget, "derivation")
    checked: list[dict[str, int]] = []
    skipped: list[dict[str, Any]] = []
    notes: list[str] = []
    undecided: list[dict[str, int]] = []
    float_sizes: list[dict[str, int]] = []
    for size in sizes:
        size = dict(size)
        if B.expired():
            notes.append(f"time budget of {B.seconds:g} s ran out before {size_label(size)}")
            undecided.append(size)
            break
        try:
            with B.alarm(f"building {size_label(size)}"):
                case = build(size)
        except BudgetExceeded as exc:
            notes.append(f"{size_label(size)}: {exc}")
            undecided.append(size)
            break
        except MemoryError:
            notes.append(f"{size_label(size)}: ran out of memory building this size (see "
                         "--max-memory); larger sizes were not tried")
            undecided.append(size)
            break
        except ClaimUndefined as exc:
            if not checked:
                raise
            checked.append(size)
            ce = {"size": size, "point": None, "entry": "the whole claim",
                  "claimed": f"undefined ({exc})", "true": "defined",
                  "difference": "the claim is not defined at this size",
                  "rechecked": "shapes checked exactly"}
            return ExactResult("REFUTED", what, checked, skipped, ce,
                               f"the claim is defined at {size_label(checked[0])} but not at "
                               f"{size_label(size)}: it assumes a relation between the "
                               "dimensions (restrict the sizes if that is intended)",
                               dict(structure or {}), notes, time.perf_counter() - t0)
        except (ShapeError, UnsupportedError) as exc:
            skipped.append({"size": size, "reason": str(exc)})
            continue
        floats = has_floats(case.claimed) or has_floats(case.true)
        if floats:
            # decide with the exact binary values of the floats, but never PROVE from them
            case.claimed, case.true = _exact_array(case.claimed), _exact_array(case.true)
        c_shape = as_object_array(case.claimed).shape
        t_shape = as_object_array(case.true).shape
        if c_shape != t_shape:
            checked.append(size)
            ce = {"size": size, "point": None, "entry": case.label,
                  "claimed": f"an array of shape {c_shape}", "true": f"an array of shape {t_shape}",
                  "difference": "shapes differ", "rechecked": "shapes compared exactly"}
            return ExactResult("REFUTED", what, checked, skipped, ce,
                               f"claimed has shape {c_shape} but the true value "
                               f"({case.label}) has shape {t_shape}", dict(structure or {}),
                               notes,
                               time.perf_counter() - t0)
        try:
            with B.alarm(f"comparing at {size_label(size)}"):
                mm, decided = first_mismatch(case.claimed, case.true, label=case.label,
                                             symbols=_input_symbols(case.inputs), seed=seed,
                                             to_sympy=case.to_sympy)
        except BudgetExceeded as exc:
            notes.append(f"{size_label(size)}: {exc}")
            undecided.append(size)
            if B.expired():
                break
            continue
        except MemoryError:
            notes.append(f"{size_label(size)}: ran out of memory comparing at this size (see "
                         "--max-memory); larger sizes were not tried")
            undecided.append(size)
            break
        for n in case.notes:
            if n not in notes:
                notes.append(n)
        if mm is not None:
            checked.append(size)
            diag = None
            if diagnose:
                try:
                    with B.child(1.0, floor=0.1 * (B.seconds or 0)).alarm("diagnosing"):
                        diag = diagnose(case, mm)
                except BudgetExceeded:
                    notes.append("the diagnosis was skipped: the time budget ran out")
            if floats:
                notes.append(FLOAT_NOTE_REFUTED)
            return ExactResult("REFUTED", what, checked, skipped, counterexample_json(case, mm),
                               diag, dict(structure or {}), notes,
                               time.perf_counter() - t0)
        if floats:
            float_sizes.append(size)
            undecided.append(size)
            continue
        if not decided:
            notes.append(f"{size_label(size)}: equality could not be decided exactly "
                         "(radicals or functions that did not simplify)")
            undecided.append(size)
            continue
        checked.append(size)
    if float_sizes:
        notes.append(f"{'; '.join(size_label(s) for s in float_sizes)}: {FLOAT_NOTE_EQUAL}")
    if not checked and not undecided:
        reasons = "; ".join(f"{size_label(s['size'])}: {s['reason']}" for s in skipped[:3])
        raise InputError(f"the {what} does not apply at any size in the range ({reasons})")
    verdict = "INCONCLUSIVE" if undecided else "PROVED"
    return ExactResult(verdict, what, checked, skipped, None, None, dict(structure or {}), notes,
                       time.perf_counter() - t0)
