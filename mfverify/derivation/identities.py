"""Identities between matrix expressions, under definitions and along flows.

An identity ``LHS == RHS`` is checked exactly for every size of a range, like a gradient
(:mod:`mfverify.derivation.exact`). Its inputs are

* declared matrices and scalars (``declare={"A": "d x d", "Sigma": "d x d diagonal",
  "eta": "scalar"}``; dimensions are names, integers or sums such as ``"d+m"``), and/or the
  variables and data of a problem (``problem=``, sized by the problem's family);
* definitions evaluated in order (``where=["P = Sigma - A*A.T + B*B.T", "Q = A*B.T - B*A.T"]``);
* for time-derivative identities, a flow: the rate of each base input
  (``flow={"A": "P*A - Q*B", "B": "-P*B + Q*A"}``); a side written ``d/dt EXPR`` is the
  derivative of EXPR along the flow, computed by the chain rule on the entries:
  d/dt E = Σ_s ∂E/∂s · ṡ over the free symbols s of the base inputs.

Example: Ye & Du's continuous-time identity (Ye & Du 2021, corrected form)::

    check_identity("d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2",
                   declare={"A": "d x d", "B": "d x d", "Sigma": "d x d symmetric"},
                   where=["P = Sigma - A*A.T + B*B.T", "Q = A*B.T - B*A.T"],
                   flow={"A": "P*A - Q*B", "B": "-P*B + Q*A"})
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..arith import NumpyArith
from ..budget import Budget, as_budget, check_limit
from ..errors import (
    BudgetExceeded,
    InputError,
    MfverifyError,
    ShapeError,
    UnsupportedError,
)
from ..inputs import check_seed
from ..problems import Problem
from ..typing import DefinitionsLike, ExpressionLike, SizesLike
from ._claimed import Claimed, as_claimed, parse_definitions
from ._free_first import try_free_algebra
from ._identity_sides import IdentitySides as _IdentitySides
from ._instances import family_of, symbolic_instance
from ._poly import Backend, with_backends
from .allsizes import decide_all_sizes
from .diagnose import DiagnosisCase, diagnose, diagnosis_cases
from .exact import (
    ExactCase,
    ExactResult,
    Structure,
    as_object_array,
    decide,
    is_zero,
    memo_by_size,
    parse_sizes,
    parse_structure,
    size_grid,
    structured_matrix,
)

#: default time budget of an identity check in the API: none (the CLI has one)
DEFAULT_BUDGET: float | None = None

__all__ = ["check_identity", "parse_declaration", "time_derivative", "Declaration"]

_DDT_RE = re.compile(r"^\s*d\s*/\s*dt\s*(?P<rest>.+)$", re.S)
_DIM_RE = re.compile(r"^[A-Za-z]\w*$|^\d+$")


@dataclass(frozen=True)
class Declaration:
    """A declared input: ``shape`` is () for a scalar, else (rows, cols) dimension terms."""

    name: str
    shape: tuple[tuple[str, ...], ...]
    structure: Structure = Structure.GENERAL

    def dims(self) -> list[str]:
        """Dimension names in order of appearance (rows, then columns)."""
        out: list[str] = []
        for dim in self.shape:
            for t in dim:
                if not t.isdigit() and t not in out:
                    out.append(t)
        return out

    def concrete(self, size: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(sum(int(t) if t.isdigit() else size[t] for t in dim) for dim in self.shape)


def _dim_terms(text: str, name: str) -> tuple[str, ...]:
    terms = tuple(t.strip() for t in text.split("+"))
    if not terms or not all(_DIM_RE.match(t) for t in terms):
        raise InputError(f"cannot read dimension {text!r} of {name}; expected a name, an "
                         "integer or a sum such as 'd+m'")
    return terms


def parse_declaration(name: str, spec: Any) -> Declaration:
    """``"n x r"``, ``"n×n symmetric"``, ``("n", "r")``, ``"scalar"`` or ``()``."""
    if not isinstance(name, str) or not re.match(r"^[A-Za-z]\w*$", name):
        raise InputError(f"cannot declare {name!r}: expected a plain name")
    if spec in ((), "scalar", None):
        return Declaration(name, ())
    structure = Structure.GENERAL
    if isinstance(spec, str):
        words = spec.replace("×", " x ").split()
        if words and words[-1].lower() in {s.value for s in Structure}:
            structure = parse_structure(words.pop())
        text = " ".join(words)
        if text.lower() == "scalar":
            return Declaration(name, ())
        parts = [p for p in re.split(r"\s*\bx\b\s*|\s*,\s*", text) if p]
    elif isinstance(spec, (tuple, list)):
        parts = [str(p) for p in spec]
    else:
        raise InputError(f"cannot read the declaration of {name}: {spec!r}")
    if len(parts) != 2:
        raise InputError(f"{name}: expected 'ROWS x COLS' (e.g. 'n x r'), got {spec!r}")
    shape = (_dim_terms(parts[0], name), _dim_terms(parts[1], name))
    if structure is not Structure.GENERAL and shape[0] != shape[1]:
        raise InputError(f"{name} is declared {structure} but its shape {parts} is not square")
    return Declaration(name, shape, structure)


def _split_identity(identity: Any) -> tuple[Any, Any]:
    if isinstance(identity, str):
        parts = identity.split("==")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(f"an identity must read 'LHS == RHS' (one '=='), got "
                             f"{identity[:60]!r}")
        return parts[0], parts[1]
    if isinstance(identity, (tuple, list)) and len(identity) == 2:
        return identity[0], identity[1]
    raise InputError("an identity is 'LHS == RHS' text or a pair (lhs, rhs)")


def _side(side: Any, names: Iterable[str]) -> tuple[Claimed, bool]:
    if isinstance(side, str):
        m = _DDT_RE.match(side)
        if m:
            return as_claimed(m.group("rest"), names), True
        return as_claimed(side, names), False
    return as_claimed(side, names), False


def time_derivative(value: Any, rates: Mapping[sp.Symbol, Any], backend: Any = None
                    ) -> np.ndarray:
    """d/dt of every entry of ``value``: Σ_s ∂value/∂s · rates[s] (chain rule).

    ``rates`` maps the SymPy symbols of the base inputs to their rates; entries and rates are
    in the backend's arithmetic (SymPy by default).
    """
    arr = as_object_array(value)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(*arr.shape) if arr.shape else [()]:
        e = arr[idx]
        if backend is None or not backend.poly:
            e = sp.sympify(e)
            total: Any = sp.Integer(0)
            for s in e.free_symbols:
                r = rates.get(s)
                if r is not None and r != 0:
                    total += sp.diff(e, s) * r
            out[idx] = sp.expand(total)
        else:
            total = backend.zero()
            for s, r in rates.items():
                total = total + backend.diff(e, s) * r
            out[idx] = total
    return out


def _rates(base: Mapping[str, Any], flows: Mapping[str, Any]) -> dict[sp.Symbol, Any]:
    """Symbol -> rate, from SymPy base arrays and the flows (in any exact arithmetic)."""
    rates: dict[sp.Symbol, Any] = {}
    for name, fval in flows.items():
        bv = as_object_array(base[name])
        fv = as_object_array(fval)
        if bv.shape != fv.shape:
            raise InputError(f"the flow of {name} has shape {fv.shape}, but {name} has shape "
                             f"{bv.shape}")
        for idx in np.ndindex(*bv.shape) if bv.shape else [()]:
            entry = sp.sympify(bv[idx])
            if isinstance(entry, sp.Symbol):
                if entry in rates:
                    if is_zero(rates[entry] - fv[idx]) is not True:
                        raise InputError(f"the flow of {name} does not preserve its declared "
                                         f"structure (entry {idx})")
                else:
                    rates[entry] = fv[idx]
            elif entry == 0:
                if is_zero(fv[idx]) is not True:
                    raise InputError(f"the flow of {name} does not preserve its declared "
                                     f"structure (entry {idx} must stay 0)")
    return rates


def _symbols(env: Mapping[str, Any]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for v in env.values():
        for e in as_object_array(v).reshape(-1):
            if isinstance(e, sp.Basic):
                out |= e.free_symbols
    return out


def check_identity(identity: ExpressionLike, *, declare: Mapping[str, Any] | None = None,
                   problem: Problem | None = None, where: DefinitionsLike | None = None,
                   flow: Mapping[str, Any] | None = None, sizes: SizesLike | None = None,
                   structure: Mapping[str, Any] | None = None, symmetric: Iterable[str] = (),
                   diagonal: Iterable[str] = (), skew: Iterable[str] = (),
                   general: Iterable[str] = (), symbolic: Iterable[str] = (),
                   numeric: bool = False, size: Mapping[str, int] | None = None,
                   points: int = 3, rtol: float = 1e-9, seed: int = 0,
                   what: str | None = None, budget: float | Budget | None = DEFAULT_BUDGET,
                   only_sizes: bool = False) -> Any:
    """Check ``LHS == RHS`` exactly for every size in a range (or numerically at one size).

    Parameters
    ----------
    identity
        ``"LHS == RHS"`` in the safe grammar (a side may start with ``d/dt``), or a pair
        ``(lhs, rhs)`` of text, SymPy expressions or callables (inputs by keyword).
    declare
        Inputs: name -> ``"ROWS x COLS [structure]"``, ``"scalar"`` or ``(rows, cols)``.
    problem
        Optional: its variables and data (e.g. U, V, Sigma) are inputs too, sized by the
        problem's family (dimensions m, n, r or n, r).
    where
        Definitions evaluated in order (``"NAME = expression"``).
    flow
        Rates of base inputs, for ``d/dt`` sides.
    sizes
        The range of every dimension (default 1..3), e.g. ``"d=1..2,m=1..2"``. A minimum:
        the sizes the size bound needs (:mod:`mfverify.derivation.sizebound`) are evaluated
        and checked too, and a text identity in the fragment is PROVED for every size
        (``scope == "all_sizes"``), unless ``only_sizes``. An identity between declared
        inputs is first compared in the free algebra
        (:mod:`mfverify.derivation.freealgebra`, after the evaluation scan): equal normal
        forms are PROVED for every size with no size expanded (``prover ==
        "free_algebra"``); otherwise the size bound decides (a nonzero normal form is not a
        refutation).
    only_sizes
        Check the sizes given and no others.
    structure, symmetric, diagonal, skew, general
        Structure declarations for inputs (also possible inline in ``declare``).
    symbolic
        Scalar data of the problem made symbolic (e.g. ``"scale"``).
    numeric, size, points, rtol
        Numeric mode: random float inputs at ``size``, both sides compared with relative
        tolerance ``rtol`` (SUPPORTED), a violation re-checked exactly (REFUTED).
    budget
        Seconds (or a :class:`~mfverify.budget.Budget`; ``None`` for no limit). Over budget the
        verdict is INCONCLUSIVE with the sizes or points checked so far.

    Returns
    -------
    ExactResult (or NumericResult in the numeric mode).

    Examples
    --------
    >>> res = check_identity("A*B - B*A == -(B*A - A*B)", declare={"A": "n x n", "B": "n x n"})
    >>> print(res.verdict)
    PROVED
    """
    seed = check_seed(seed)
    decls: dict[str, Declaration] = {}
    for name, spec in (declare or {}).items():
        decls[name] = parse_declaration(name, spec)
    extra_structure: dict[str, Structure] = {k: parse_structure(v)
                                             for k, v in (structure or {}).items()}
    for names, st in ((symmetric, Structure.SYMMETRIC), (diagonal, Structure.DIAGONAL),
                      (skew, Structure.SKEW), (general, Structure.GENERAL)):
        for n in ([names] if isinstance(names, str) else names):
            if n in extra_structure and extra_structure[n] is not st:
                raise InputError(f"{n} is declared both {extra_structure[n]} and {st}")
            extra_structure[n] = st
    fam = family_of(problem) if problem is not None else None
    prob_structure: dict[str, Structure] = {}
    if problem is not None:
        assert fam is not None
        prob_structure = dict(fam.structure)
        clash = set(decls) & (set(problem.variables) | set(problem.data))
        if clash:
            raise InputError(f"{sorted(clash)} are already inputs of the problem")
    for name, st in extra_structure.items():
        if name in decls:
            d = decls[name]
            if d.shape and d.shape[0] != d.shape[1] and st is not Structure.GENERAL:
                raise InputError(f"{name} is declared {st} but is not square")
            decls[name] = Declaration(name, d.shape, st)
        elif problem is not None and name in problem.data:
            prob_structure[name] = st
        else:
            raise InputError(f"cannot declare the structure of {name!r}: not an input")
    dims: list[str] = list(fam.dims) if fam is not None else []
    for d in decls.values():
        for t in d.dims():
            if t not in dims:
                dims.append(t)
    input_names = list(decls)
    if problem is not None:
        input_names = list(problem.variables) + list(problem.data) + input_names
    defs = parse_definitions(where, input_names)
    all_names = input_names + defs.names
    lhs_raw, rhs_raw = _split_identity(identity)
    lhs, lhs_ddt = _side(lhs_raw, all_names)
    rhs, rhs_ddt = _side(rhs_raw, all_names)
    flows: dict[str, Claimed] = {}
    for name, fexpr in (flow or {}).items():
        if name in defs.names:
            raise InputError(f"{name} is defined by a 'where' definition; a flow gives the rate "
                             "of a base input only")
        if name not in input_names:
            raise InputError(f"flow for unknown input {name!r}; the inputs are {input_names}")
        flows[name] = as_claimed(fexpr, all_names)
    if (lhs_ddt or rhs_ddt) and not flows:
        raise InputError("a d/dt side needs a flow (flow={'A': 'P*A - Q*B', ...}, --flow)")
    title = what or f"identity {lhs.text}{' (d/dt)' if lhs_ddt else ''} == {rhs.text}" \
        f"{' (d/dt)' if rhs_ddt else ''}"
    if numeric:
        if flows:
            raise UnsupportedError("the numeric identity mode does not take flows; use the "
                                   "exact mode")
        return _numeric_identity(lhs, rhs, decls, problem, defs, size, points, rtol, seed,
                                 title, dims, as_budget(budget, "derivation"))
    ranges = parse_sizes(sizes, dims) if dims else {}
    grid = size_grid(ranges) if dims else [{}]
    symbolic = (symbolic,) if isinstance(symbolic, str) else tuple(symbolic)
    backends: list[str] = []

    @memo_by_size
    def build_both(sz: dict[str, int]) -> tuple[ExactCase, DiagnosisCase]:
        base: dict[str, Any] = {}
        data_mats: dict[str, Any] = {}
        st_all: dict[str, Structure] = {}
        if problem is not None:
            assert fam is not None
            p = fam.build(problem, {k: sz[k] for k in fam.dims}) if fam.dims else problem
            inst = symbolic_instance(p, prob_structure, symbolic)
            base.update(inst.inputs)
            data_mats.update({k: v for k, v in inst.data.items()
                              if isinstance(v, np.ndarray) and v.ndim == 2})
            st_all.update(prob_structure)
        for name, d in decls.items():
            if not d.shape:
                base[name] = sp.Symbol(name, real=True)
                continue
            rows, cols = d.concrete(sz)
            if rows < 1 or cols < 1:
                raise ShapeError(f"{name} would be {rows}×{cols}")
            base[name] = structured_matrix(name, rows, cols, d.structure)
            data_mats[name] = base[name]
            st_all[name] = d.structure

        def build(B: Backend) -> tuple[ExactCase, DiagnosisCase]:
            A = B.A
            env0 = B.convert_env(base)

            def side_with(c: Claimed, ddt: bool, override: Mapping[str, Any]) -> np.ndarray:
                env = defs.extend({**env0, **override}, A, sz)
                val = as_object_array(c(env, A, sz))
                if ddt:
                    rates = _rates(base, {k: f(env, A, sz) for k, f in flows.items()})
                    val = time_derivative(val, rates, B)
                return val

            L = side_with(lhs, lhs_ddt, {})
            R = side_with(rhs, rhs_ddt, {})
            case = ExactCase(sz, base, L, R, "LHS - RHS" if L.shape == () else "LHS",
                             to_sympy=B.to_sympy)
            mats = {k: env0[k] for k in data_mats}
            dcase = DiagnosisCase(L, R, mats, st_all,
                                  lambda ov: side_with(lhs, lhs_ddt, ov),
                                  lambda ov: side_with(rhs, rhs_ddt, ov),
                                  to_sympy=B.to_sympy, const=B.const)
            if B.name not in backends:
                backends.append(B.name)
            return case, dcase

        return with_backends(build, _symbols(base))

    def diag(case: ExactCase, mm: Any) -> str | None:
        cases = diagnosis_cases(lambda s: build_both(s)[1], grid, case.size)
        return diagnose(cases, what="right-hand side", claimed_name="LHS", true_name="RHS")

    st_report = {k: str(v) for k, v in prob_structure.items()}
    st_report.update({k: str(d.structure) for k, d in decls.items() if d.shape})
    sides = _IdentitySides(decls, problem, fam, prob_structure, symbolic, defs, flows,
                           (lhs, lhs_ddt), (rhs, rhs_ddt))
    bud = as_budget(budget, "derivation")

    def free() -> tuple[ExactResult | None, str]:
        """The first prover, after the evaluation scan: normal forms in the free algebra."""
        return try_free_algebra(decls=decls, defs=defs, lhs=(lhs, lhs_ddt),
                                rhs=(rhs, rhs_ddt), flows=flows, what=title,
                                structure=st_report)

    res = decide_all_sizes(
        dims=dims, ranges=ranges, only_sizes=only_sizes, bound=sides.bound(dims),
        valid=(lambda s: fam.valid(problem, {k: s[k] for k in fam.dims}))
        if problem is not None and fam is not None and fam.dims else None,
        specs_at=None if "sympy" in (lhs.kind, rhs.kind) else sides.specs_at,
        sides_at=sides.sides_at,
        symbolic=lambda g: decide(g if dims else grid, lambda s: build_both(s)[0], what=title,
                                  structure=st_report, diagnose=diag, seed=seed,
                                  budget=bud),
        what=title, label="LHS", structure=st_report, identity=True, seed=seed,
        screen_at=None if (lhs_ddt or rhs_ddt) else sides.screen_at, budget=bud,
        free=free if problem is None and dims and not only_sizes else None)
    if res.prover != "free_algebra":
        res.method += f"; exact arithmetic: {' and '.join(backends) or 'SymPy'}"
    if res.counterexample is not None and "claimed" in res.counterexample:
        res.counterexample["lhs"] = res.counterexample.pop("claimed")
        res.counterexample["rhs"] = res.counterexample.pop("true")
    return res


def _numeric_identity(lhs: Claimed, rhs: Claimed, decls: Mapping[str, Declaration],
                      problem: Problem | None, defs: Any, size: Mapping[str, int] | None,
                      points: int, rtol: float, seed: int, title: str,
                      dims: Sequence[str], budget: Budget) -> Any:
    from .api import MAX_NUMERIC_BYTES, MAX_POINTS, NumericResult, check_points

    t0 = time.perf_counter()
    points = check_points(points)
    if problem is not None:
        raise UnsupportedError("the numeric identity mode takes declared inputs only")
    size = dict(size or {})
    missing = [d for d in dims if d not in size]
    if missing:
        raise InputError(f"numeric identity needs a size for {missing}")
    check_limit(points, MAX_POINTS, "the number of points", f"use --points <= {MAX_POINTS:,}")
    entries = sum(math.prod(d.concrete(size)) for d in decls.values() if d.shape)
    check_limit(8 * 16 * entries, MAX_NUMERIC_BYTES,
                "the estimated memory (bytes) of the inputs and definitions at this size",
                "use smaller sizes")
    rng = np.random.default_rng(seed)
    worst = 0.0
    notes: list[str] = []
    k = 0
    try:
        with budget.alarm("checking the numeric points"):
            for k in range(points):
                rel, result = _identity_point(lhs, rhs, decls, defs, size, rtol, seed, title,
                                              notes, t0, rng, k)
                if result is not None:
                    return result
                worst = max(worst, rel)
    except BudgetExceeded as exc:
        notes.append(f"{exc} (checked {k} of {points} points)")
        return NumericResult("INCONCLUSIVE", title, size, [], {"rtol": rtol}, k, None, None,
                             notes, time.perf_counter() - t0, seed)
    notes.append(f"largest relative difference {worst:.3g}")
    return NumericResult("SUPPORTED", title, size, [], {"rtol": rtol}, points, None, None, notes,
                         time.perf_counter() - t0, seed)


def _identity_point(lhs: Claimed, rhs: Claimed, decls: Mapping[str, Declaration], defs: Any,
                    size: dict[str, int], rtol: float, seed: int, title: str, notes: list[str],
                    t0: float, rng: np.random.Generator, k: int) -> tuple[float, Any]:
    """Both sides at random point #k: (relative difference, a final result or None)."""
    from ._rational import LineArith, to_fraction
    from .api import NumericResult

    A = NumpyArith()
    env: dict[str, Any] = {}
    for name, d in decls.items():
        if not d.shape:
            env[name] = float(rng.standard_normal())
            continue
        r, c = d.concrete(size)
        a = rng.standard_normal((r, c))
        if d.structure is Structure.SYMMETRIC:
            a = (a + a.T) / 2
        elif d.structure is Structure.SKEW:
            a = (a - a.T) / 2
        elif d.structure is Structure.DIAGONAL:
            a = np.diag(np.diag(a))
        env[name] = a
    full = defs.extend(env, A)
    L = np.asarray(lhs(full, A), float)
    R = np.asarray(rhs(full, A), float)
    if L.shape != R.shape:
        raise InputError(f"the sides have shapes {L.shape} and {R.shape}")
    scale = max(float(np.max(np.abs(L), initial=0)), float(np.max(np.abs(R), initial=0)),
                1e-300)
    rel = float(np.max(np.abs(L - R), initial=0)) / scale
    if rel <= rtol:
        return rel, None
    try:
        LA = LineArith()
        envx = {k2: (LA.const(v) if np.ndim(v) == 0 else LA.asarray(v))
                for k2, v in env.items()}
        fx = defs.extend(envx, LA)
        Lx = np.asarray(lhs(fx, LA), dtype=object)
        Rx = np.asarray(rhs(fx, LA), dtype=object)
        differ = [idx for idx in np.ndindex(*Lx.shape) if
                  to_fraction(Lx[idx]) != to_fraction(Rx[idx])] if Lx.shape else (
            [()] if to_fraction(Lx) != to_fraction(Rx) else [])
    except (MfverifyError, TypeError, ValueError, ArithmeticError) as exc:
        notes.append(f"exact re-check not possible: {exc}")
        differ = []
    if differ:
        idx = differ[0]
        ce = {"size": size, "point": f"random float64 inputs (seed {seed}), point #{k}",
              "entry": f"LHS{list(idx)}", "lhs": f"{float(to_fraction(Lx[idx])):.17g}",
              "rhs": f"{float(to_fraction(Rx[idx])):.17g}",
              "rechecked": "both sides evaluated exactly in rational arithmetic"}
        return rel, NumericResult("REFUTED", title, size, [], {"rtol": rtol}, k + 1, ce,
                                  None, notes, time.perf_counter() - t0, seed)
    return rel, NumericResult("INCONCLUSIVE", title, size, [], {"rtol": rtol}, k + 1, None,
                              f"relative difference {rel:.3g} > rtol {rtol} (not certified)",
                              notes, time.perf_counter() - t0, seed)

