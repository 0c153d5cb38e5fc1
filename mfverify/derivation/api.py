"""Check a claimed gradient, Hessian, Hessian-vector product against a problem's objective.

The truth is always the derivative of the problem's objective (never its closed forms):

* **exact mode** (default): the size bound of :mod:`mfverify.derivation.sizebound` is
  computed from the index structure of the claim and of the family's objective; both sides
  are evaluated exactly at rational points at every size up to it (refute before expanding,
  :mod:`mfverify.derivation.refute`); then at every size of a range (default: every dimension
  in 1..3; a minimum unless ``only_sizes``) and at the bound's sizes the variables and the data
  matrices become symbols (data with their declared structure: the symmetric problem's M is
  symmetric because the problem requires it; ``symmetric=``, ``diagonal=``, ``skew=`` add
  declarations, ``general=`` removes one), the objective is differentiated and compared with
  the claim exactly. PROVED for every size (``scope == "all_sizes"``) or for the sizes checked
  (``"sizes_checked"``, with the reason), or REFUTED with the smallest size found, a simple
  rational point, the first differing entry, both values and a diagnosis
  (:mod:`mfverify.derivation.diagnose`); see :mod:`mfverify.derivation.allsizes`;
* **numeric mode** (``numeric=True``): Taylor-remainder tests (:mod:`mfverify.derivation.taylor`)
  at any size (``size={"n": 100, "r": 10}`` builds a random instance of the problem's kind) or at
  the problem's own data. All tests passing gives SUPPORTED (with the slope tolerance and the
  number of instances); a wrong slope is re-checked with exact rational arithmetic on the line
  (:mod:`mfverify.derivation._rational`) and becomes REFUTED when the exact directional
  derivative differs, INCONCLUSIVE when that re-check is not possible.

How a claim is read
-------------------
* ``check_gradient(problem, "(X*X.T - M)*X")``: a matrix shaped like the variable (``wrt=``
  names it in problems with several variables, e.g. ``"U"``).
* ``check_hessian(problem, "EXPR in D")``: the **quadratic form** ∇²f(x)[D, D], a scalar
  expression in the direction D (``"... in DU, DV"`` names one direction per variable: the full
  Hessian; one name with ``wrt="U"``: the block ∇²_UU f[D, D]).
* ``check_hvp(problem, "EXPR in D")``: the **Hessian-vector product** ∇²f(x)[D], a matrix
  shaped like the ``wrt`` variable (with one direction per variable, the ``wrt`` block of
  ∇²f(x)[(DU, DV)]; with one direction, the block ∇²_{wrt,wrt} f[D]).

Names in expressions are those of the problem: its variables (X; U, V), its data (M, Sigma)
and its scalar constants (scale, balance), plus the directions and the ``where`` definitions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..arith import NumpyArith
from ..budget import Budget, as_budget, check_limit
from ..errors import (
    BudgetExceeded,
    InputError,
    MfverifyError,
    NonFiniteError,
    ShapeError,
    UnsupportedError,
)
from ..inputs import MAX_POINTS, check_int, check_seed
from ..problems import Problem
from ..results import ResultMixin, Verdict
from ..typing import DefinitionsLike, ExpressionLike, PointLike, SizesLike
from ._claimed import Claimed, Definitions, as_claimed, parse_definitions, split_direction
from ._instances import (
    Family,
    claim_env,
    expression_env,
    expression_names,
    family_of,
    float_entries,
    gradient_of,
    random_instance,
    symbolic_instance,
)
from ._instances import directional as _directional
from ._poly import Backend, with_backends
from ._problem_sides import claim_bound, problem_sides
from .allsizes import decide_all_sizes
from .diagnose import DiagnosisCase, diagnose, diagnosis_cases
from .exact import (
    ClaimUndefined,
    ExactCase,
    ExactResult,
    Structure,
    as_object_array,
    decide,
    memo_by_size,
    parse_sizes,
    parse_structure,
    size_grid,
    size_label,
    structured_matrix,
)
from .taylor import EPS, TaylorCheck, TaylorStatus, fit_taylor, taylor_steps

__all__ = ["check_gradient", "check_hessian", "check_hvp", "NumericResult", "declared_structure"]

def check_points(points: Any) -> int:
    """The number of random points of a numeric check: an integer >= 1 (the upper limit
    :data:`MAX_POINTS` is checked with the other size limits, as a ``LimitError``).

    Zero points would be a verdict on no evidence, so a non-positive count is an
    :class:`~mfverify.errors.InputError`, never a SUPPORTED.
    """
    return check_int(points, "points (the number of random points of a numeric check)", lo=1)

EPS32 = float(np.finfo(np.float32).eps)
#: Values below this (far above float32's smallest normal, 1.2e-38) may have underflowed in
#: float32 intermediates: no empirical rounding estimate from float32 there.
TINY32 = 1e-30
#: default time budget of the derivation checks in the API: none (the CLI default is
#: ``mfverify.budget.DEFAULT_SECONDS["derivation"]``)
DEFAULT_BUDGET: float | None = None
# MAX_POINTS (most random points of one numeric check) is mfverify.inputs.MAX_POINTS, the
# bound of the CLI's --points too
#: most bytes of the float arrays of one numeric check (data and points along a Taylor sweep)
MAX_NUMERIC_BYTES = 2 << 30


@dataclass
class NumericResult(ResultMixin):
    """Result of a numeric (Taylor-remainder) check.

    ``verdict``: ``"SUPPORTED"`` (every test passed; ``tolerance`` and ``instances`` say how),
    ``"REFUTED"`` (a test failed and the exact re-check on the line confirmed it),
    ``"INCONCLUSIVE"`` (a test failed without exact confirmation, or no window was found).
    """

    verdict: str
    what: str
    size: dict[str, int]
    checks: list[TaylorCheck]
    tolerance: dict[str, Any]
    instances: int
    counterexample: dict[str, Any] | None = None
    diagnosis: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)

    @property
    def status(self) -> int:
        return {"SUPPORTED": 0, "REFUTED": 1}.get(self.verdict, 2)

    def _title(self) -> str:
        return f"{self.what}: {self.verdict} (numeric Taylor tests)"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("checks", len(self.checks)), ("instances", self.instances),
                ("seed", self.seed)]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("summary", self.summary()),
                                       ("instances", self.instances), ("seed", self.seed)]
        rows += [(f"test {k}", f"{c.what}: {c.status.label}, slope "
                  + ("n/a" if c.slope is None else f"{c.slope:.3f}") + f" (expected {c.expected})")
                 for k, c in enumerate(self.checks[:6])]
        if self.diagnosis:
            rows.append(("diagnosis", self.diagnosis))
        rows += [("note", n) for n in self.notes[:3]]
        return rows + [("seconds", round(self.seconds, 3))]

    @property
    def sizes_checked(self) -> list[dict[str, int]]:
        return [dict(self.size)]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "mode": "numeric",
            "scope": "sizes_checked",
            "scope_reason": "numeric mode: Taylor-remainder tests at one size",
            "what": self.what,
            "sizes_checked": self.sizes_checked,
            "counterexample": self.counterexample,
            "diagnosis": self.diagnosis,
            "tolerance": self.tolerance,
            "instances": self.instances,
            "seed": self.seed,
            "checks": [c.to_json() for c in self.checks],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        slopes = ", ".join(f"{c.slope:.2f}" for c in self.checks if c.slope is not None)
        text = (f"scope sizes_checked: {self.what}: {self.verdict} by Taylor tests at "
                f"{size_label(self.size)} "
                f"({self.instances} instances; slopes {slopes or 'n/a'})")
        return text + (f"; diagnosis: {self.diagnosis}" if self.diagnosis else "")


# ---------------------------------------------------------------------------------------------
# shared set-up
# ---------------------------------------------------------------------------------------------


def declared_structure(problem: Problem, fam: Family | None = None, *,
                       structure: Mapping[str, Any] | None = None,
                       symmetric: Iterable[str] = (), diagonal: Iterable[str] = (),
                       skew: Iterable[str] = (), general: Iterable[str] = ()
                       ) -> dict[str, Structure]:
    """The structure of each data matrix: the problem's requirement, then the declarations."""
    fam = fam or family_of(problem)
    out: dict[str, Structure] = dict(fam.structure)
    decl: dict[str, Structure] = {k: parse_structure(v) for k, v in (structure or {}).items()}
    for names, st in ((symmetric, Structure.SYMMETRIC), (diagonal, Structure.DIAGONAL),
                      (skew, Structure.SKEW), (general, Structure.GENERAL)):
        for n in ([names] if isinstance(names, str) else names):
            if n in decl and decl[n] is not st:
                raise InputError(f"{n} is declared both {decl[n]} and {st}")
            decl[n] = st
    matrices = [k for k, v in problem.data.items() if isinstance(v, np.ndarray) and v.ndim == 2]
    for name, st in decl.items():
        if name in problem.variables:
            raise InputError(f"{name} is a variable of the problem; only data matrices "
                             f"({matrices}) can be declared {st}")
        if name not in matrices:
            raise InputError(f"cannot declare {name!r} {st}: the problem's data matrices are "
                             f"{matrices}")
        out[name] = st
    return out


def _input_names(problem: Problem) -> list[str]:
    return expression_names(problem)


def _resolve_wrt(problem: Problem, wrt: str | None, what: str) -> str:
    names = list(problem.variables)
    if wrt is None:
        if len(names) != 1:
            raise InputError(f"this problem has variables {names}; say which one the {what} "
                             f"is taken with respect to (wrt=..., --wrt VAR)")
        return names[0]
    if wrt not in problem.variables:
        raise InputError(f"unknown variable {wrt!r} for wrt; the problem has {names}")
    return wrt


def _directions(problem: Problem, dirnames: Sequence[str], wrt: str | None) -> dict[str, str]:
    """variable -> direction name."""
    variables = list(problem.variables)
    taken = set(variables) | set(problem.data)
    for d in dirnames:
        if d in taken:
            raise InputError(f"direction name {d!r} is already a variable or datum; pick another "
                             "(e.g. D)")
    if len(dirnames) == 1:
        if wrt is None and len(variables) != 1:
            raise InputError(f"this problem has variables {variables}: name one direction per "
                             f"variable ('in {', '.join('D' + v for v in variables)}') or say "
                             "wrt=VAR for one block")
        return {wrt or variables[0]: dirnames[0]}
    if len(dirnames) != len(variables):
        raise InputError(f"{len(dirnames)} direction names {list(dirnames)} for variables "
                         f"{variables}; give one name (with wrt) or one per variable")
    return dict(zip(variables, dirnames, strict=True))


def _sizes(problem: Problem, fam: Family, sizes: Any) -> list[dict[str, int]]:
    if not fam.dims:
        if sizes not in (None, "", ()):
            raise UnsupportedError(f"problem kind {problem.kind!r} is checked at its own size "
                                   "only (it has no size family); drop the sizes option")
        return [{}]
    return size_grid(parse_sizes(sizes, fam.dims))


def _symbols_of(env: Mapping[str, Any]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for v in env.values():
        for e in as_object_array(v).reshape(-1):
            if isinstance(e, sp.Basic):
                out |= e.free_symbols
    return out


def _eval_claim(claimed: Claimed, env: Mapping[str, Any], A: Any, size: Mapping[str, int],
                what: str) -> Any:
    try:
        return claimed(env, A, size)
    except ShapeError as exc:
        where = f" at {size_label(size)}" if size else ""
        raise ClaimUndefined(f"the claimed {what} cannot be evaluated{where}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# exact mode
# ---------------------------------------------------------------------------------------------


def _exact(problem: Problem, claimed: Claimed, *, kind: str, wrt: str | None,
           dirmap: dict[str, str], structure: dict[str, Structure], symbolic: Sequence[str],
           defs_spec: Any, sizes: Any, seed: int, fam: Family, budget: Budget,
           only_sizes: bool = False) -> ExactResult:
    seed = check_seed(seed)
    grid = _sizes(problem, fam, sizes)
    ranges = parse_sizes(sizes, fam.dims) if fam.dims else {}
    label, title = _names_of(kind, wrt)
    what_word = _WHAT_WORD
    names = _input_names(problem) + list(dirmap.values())
    defs = parse_definitions(defs_spec, names)
    backends: list[str] = []

    @memo_by_size
    def build_both(size: dict[str, int]) -> tuple[ExactCase, DiagnosisCase]:
        p = fam.build(problem, size)
        inst = symbolic_instance(p, structure, symbolic)
        dirs = {dirmap[v]: structured_matrix(dirmap[v], *p.variables[v])  # type: ignore[arg-type]
                for v in dirmap}
        base_env = {**inst.inputs, **dirs}

        def build(B: Backend) -> tuple[ExactCase, DiagnosisCase]:
            A = B.A
            env0 = B.convert_env(base_env)
            data0 = B.convert_env(inst.data)
            x0 = {v: B.convert(a) for v, a in inst.x.items()}
            direction = {v: env0[dirmap[v]] for v in dirmap}

            def claimed_with(override: Mapping[str, Any]) -> Any:
                env = defs.extend(claim_env(p, {**env0, **override}, claimed), A, size)
                return as_object_array(_eval_claim(claimed, env, A, size, what_word[kind]))

            def true_with(override: Mapping[str, Any]) -> Any:
                f = B.finish(p.objective(A, x0, {**data0, **override}))
                if isinstance(f, np.ndarray):
                    f = f[()]
                if kind == "gradient":
                    assert wrt is not None
                    return gradient_of(f, inst.x[wrt], B)
                if kind == "hessian":
                    return as_object_array(_directional(_directional(f, inst.x, direction, B),
                                                        inst.x, direction, B))
                assert wrt is not None
                g = gradient_of(f, inst.x[wrt], B)
                out = np.empty(g.shape, dtype=object)
                for idx in np.ndindex(*g.shape):
                    out[idx] = _directional(g[idx], inst.x, direction, B)
                return out

            C = claimed_with({})
            T = true_with({})
            if fam.objective is not None and fam.dims:
                _same_objective(fam, p, B, x0, data0, mismatched, size)
            case = ExactCase(size, base_env, C, T, label, to_sympy=B.to_sympy)
            data_mats = {k: v for k, v in data0.items()
                         if isinstance(v, np.ndarray) and v.ndim == 2}
            dcase = DiagnosisCase(C, T, data_mats, dict(structure), claimed_with, true_with,
                                  to_sympy=B.to_sympy, const=B.const)
            if B.name not in backends:
                backends.append(B.name)
            return case, dcase

        return with_backends(build, _symbols_of(base_env))

    def diag(case: ExactCase, mm: Any) -> str | None:
        cases = diagnosis_cases(lambda s: build_both(s)[1], grid, case.size)
        return diagnose(cases, what=what_word[kind])

    what = f"claimed {title}: {claimed.text}"
    st_report = {k: str(v) for k, v in structure.items()}
    mismatched: list[dict[str, int]] = []

    def symbolic_check(g: list[dict[str, int]]) -> ExactResult:
        return decide(g, lambda s: build_both(s)[0], what=what, structure=st_report,
                      diagnose=diag, seed=seed, budget=budget)

    res = _scoped(problem, fam, claimed, kind=kind, wrt=wrt, dirmap=dirmap, defs=defs,
                  structure=structure, symbolic=symbolic, ranges=ranges,
                  only_sizes=only_sizes, symbolic_check=symbolic_check if fam.dims else
                  (lambda g: symbolic_check(grid)), what=what, label=label,
                  st_report=st_report, seed=seed, mismatched=mismatched, budget=budget)
    res.method += f"; exact arithmetic: {' and '.join(backends) or 'SymPy'}"
    return res


_WHAT_WORD = {"gradient": "gradient", "hessian": "Hessian", "hvp": "Hessian-vector product"}


def _names_of(kind: str, wrt: str | None) -> tuple[str, str]:
    """(label of an entry, title) of a claim of ``kind``."""
    label = {"gradient": f"grad_{wrt}", "hessian": "hessian_form", "hvp": f"hvp_{wrt}"}[kind]
    title = {"gradient": f"gradient wrt {wrt}", "hessian": "Hessian quadratic form",
             "hvp": f"Hessian-vector product ({wrt} block)"}[kind]
    return label, title


def _scoped(problem: Problem, fam: Family, claimed: Claimed, *, kind: str, wrt: str | None,
            dirmap: dict[str, str], defs: Definitions, structure: dict[str, Structure],
            symbolic: Sequence[str], ranges: Mapping[str, Any], only_sizes: bool,
            symbolic_check: Any, what: str, label: str, st_report: dict[str, str],
            seed: int, mismatched: list[dict[str, int]], budget: Any = None) -> ExactResult:
    """The size bound, the evaluation scan and the symbolic check, with the scope
    (:func:`mfverify.derivation.allsizes.decide_all_sizes`); ``mismatched`` collects the sizes
    where the family's objective expression is not the problem's objective (none unless the
    registry is wrong: then no all-sizes statement)."""
    bound = claim_bound(fam, claimed, kind, dirmap, defs, symbolic)
    specs_at, sides_at = problem_sides(problem, fam, claimed, kind, wrt, dirmap, defs,
                                       structure, symbolic)
    if claimed.kind == "sympy":  # SymPy claims evaluate SymPy matrices only: no scan
        specs_at = sides_at = None
    res = decide_all_sizes(dims=fam.dims, ranges=ranges, only_sizes=only_sizes, bound=bound,
                           valid=lambda s: fam.valid(problem, s), specs_at=specs_at,
                           sides_at=sides_at, symbolic=symbolic_check, what=what,
                           label=label, structure=st_report, identity=False, seed=seed,
                           budget=budget)
    if mismatched and res.scope == "all_sizes":  # pragma: no cover - a registry bug
        res.scope = "sizes_checked"
        res.scope_reason = (f"the family's objective expression {fam.objective!r} differs "
                            f"from the problem's objective at {size_label(mismatched[0])}")
    if symbolic:
        res.notes.append(f"symbolic constants: {', '.join(symbolic)}")
    if not fam.dims:
        res.notes.append(f"problem kind {problem.kind!r} has no size family: checked at its "
                         "own size only")
    return res


def _same_objective(fam: Family, p: Problem, B: Backend, x0: Mapping[str, Any],
                    data0: Mapping[str, Any], mismatched: list[dict[str, int]],
                    size: dict[str, int]) -> None:
    """Record ``size`` if the family's objective expression is not the problem's objective
    there (the size bound is computed from the expression)."""
    from ..expr import evaluate, parse_expression

    assert fam.objective is not None
    node = parse_expression(fam.objective, names=expression_names(p) + list(fam.shapes))
    A = B.A
    f = B.finish(p.objective(A, dict(x0), dict(data0)))
    env = expression_env(p, {**x0, **{k: data0[k] for k in fam.shapes if k in data0}})
    g = B.finish(evaluate(node, env, A))
    diff = f - g
    zero = diff.is_zero() if hasattr(diff, "is_zero") and callable(diff.is_zero) else \
        sp.expand(diff) == 0
    if not zero:
        mismatched.append(dict(size))


# ---------------------------------------------------------------------------------------------
# numeric mode
# ---------------------------------------------------------------------------------------------


def _norm(point: Mapping[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(np.asarray(v, float) ** 2)) for v in point.values())))


def _line(x: Mapping[str, np.ndarray], d: Mapping[str, np.ndarray], h: np.ndarray
          ) -> dict[str, np.ndarray]:
    out = {}
    for v, xv in x.items():
        if v in d:
            out[v] = xv[None, ...] + h.reshape(-1, *([1] * xv.ndim)) * d[v][None, ...]
        else:
            out[v] = xv
    return out


def _as_float(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != tuple(shape):
        raise InputError(f"the claimed {what} has shape {arr.shape}, expected {tuple(shape)}")
    return arr


def _numeric(problem: Problem, claimed: Claimed, *, kind: str, wrt: str | None,
             dirmap: dict[str, str], defs_spec: Any, size: Mapping[str, int] | None,
             at: Any, points: int, seed: int, tolerance: float,
             gradient_claim: Claimed | None, budget: Budget) -> NumericResult:
    t0 = time.perf_counter()
    points = check_points(points)
    seed = check_seed(seed)
    if not claimed.numeric_ok:
        raise UnsupportedError("the numeric mode needs the claim as text or a callable (a SymPy "
                               "expression is checked in the exact mode)")
    check_numeric_size(problem, size, points if at is None or at == "random" else 1)
    rng = np.random.default_rng(seed)
    p, override = random_instance(problem, size, rng)
    A = NumpyArith()
    A32 = NumpyArith(np.float32)
    d64 = p.data_in(A, override or None)
    d32: Mapping[str, Any] | None = None
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # float32 may overflow: in_range
            d32 = p.data_in(A32, {k: v.astype(np.float32) for k, v in override.items()} or None)
    except NonFiniteError:
        pass  # data beyond float32: no float32 rounding estimate (noted below)
    names = _input_names(p) + list(dirmap.values())
    defs = parse_definitions(defs_spec, names)
    fam = family_of(p)
    size_used = fam.sizes_of(p) if fam.dims else {"dim": p.dim}
    pts: list[dict[str, np.ndarray]] = []
    if at is None or at == "random":
        for _ in range(points):
            pts.append({v: rng.standard_normal(s) for v, s in p.variables.items()})
    elif at == "zero":
        pts.append({v: np.zeros(s) for v, s in p.variables.items()})
    elif isinstance(at, Mapping) or isinstance(at, np.ndarray):
        pt = p.point(at, A, batch=False)
        pts.append({k: np.asarray(v, float) for k, v in pt.items()})
    else:
        raise InputError(f"at must be 'random', 'zero' or a point, got {at!r}")
    checks: list[TaylorCheck] = []
    notes: list[str] = []
    if d32 is None:
        notes.append("the data overflow float32: the float32 rounding-noise estimate is not "
                     "used (the float64 noise bound alone)")
    what_word = {"gradient": "gradient", "hessian": "Hessian", "hvp": "Hessian-vector product"}
    failed: list[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]] = []
    dim = p.dim
    if gradient_claim is not None and len(dirmap) != 1:
        raise InputError("gradient= takes the gradient of one variable: use it with one "
                         "direction (and wrt= in problems with several variables)")
    truncated = ""
    done = 0
    try:
        with budget.alarm("checking the numeric points"):
            for k, x in enumerate(pts):
                if budget.expired():
                    raise BudgetExceeded(budget.message(f"checking point {k + 1}"))
                _numeric_point(k, x, p=p, claimed=claimed, kind=kind, wrt=wrt, dirmap=dirmap,
                               defs=defs, d64=d64, d32=d32, A=A, A32=A32, rng=rng, dim=dim,
                               tolerance=tolerance, gradient_claim=gradient_claim,
                               checks=checks, failed=failed)
    except BudgetExceeded as exc:
        done = len({c.extra.get("point") for c in checks})
        truncated = f"{exc} (checked {done} of {len(pts)} points)"
        notes.append(truncated)
    tol = {"slope": tolerance, "noise_margin": 30, "window_decades": 1.5}
    if truncated and not failed:
        return NumericResult("INCONCLUSIVE", f"claimed {what_word[kind]}: {claimed.text}",
                             size_used, checks, tol, done, notes=notes,
                             seconds=time.perf_counter() - t0, seed=seed)
    grace = budget.child(1.0, floor=0.1 * (budget.seconds or 0.0))
    try:
        with grace.alarm("certifying the failing point"):
            return _numeric_verdict(p, claimed, kind, wrt, dirmap, defs, override, size_used,
                                    checks, failed, tol, len(pts), notes, seed, gradient_claim,
                                    t0)
    except BudgetExceeded as exc:
        notes.append(f"{exc}: a failing point was not certified exactly")
        return NumericResult("INCONCLUSIVE", f"claimed {what_word[kind]}: {claimed.text}",
                             size_used, checks, tol, len(pts), notes=notes,
                             seconds=time.perf_counter() - t0, seed=seed)


def check_numeric_size(problem: Problem, size: Mapping[str, int] | None, points: int) -> None:
    """Refuse (``LimitError``) a numeric check over :data:`MAX_POINTS` points or whose float
    arrays along one Taylor sweep (about 200 steps × 4 arrays the size of data and variables)
    would exceed :data:`MAX_NUMERIC_BYTES`, before allocating anything."""
    check_limit(points, MAX_POINTS, "the number of points", "use --points <= "
                f"{MAX_POINTS:,} (each point is a full Taylor sweep)")
    entries = float_entries(problem, size)
    check_limit(200 * 4 * 8 * entries, MAX_NUMERIC_BYTES,
                "the estimated memory (bytes) of one Taylor sweep at this size",
                "use smaller --n/--r/--m (the arrays grow like n²)")


def _numeric_point(k: int, x: dict[str, np.ndarray], *, p: Problem, claimed: Claimed, kind: str,
                   wrt: str | None, dirmap: dict[str, str], defs: Definitions,
                   d64: Mapping[str, Any], d32: Mapping[str, Any] | None, A: Any, A32: Any,
                   rng: np.random.Generator, dim: int, tolerance: float,
                   gradient_claim: Claimed | None, checks: list[TaylorCheck],
                   failed: list[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]]
                   ) -> None:
    """The Taylor checks at one point (appended to ``checks``; a failing point to ``failed``)."""
    what_word = {"gradient": "gradient", "hessian": "Hessian", "hvp": "Hessian-vector product"}
    if kind == "gradient":
        assert wrt is not None
        dvec = {wrt: rng.standard_normal(p.variables[wrt])}
    else:
        dvec = {v: rng.standard_normal(p.variables[v]) for v in dirmap}
    env = defs.extend(claim_env(p, {**x, **d64, **{dirmap[v]: dvec[v] for v in dirmap}},
                                claimed), A)
    h = taylor_steps(_norm(x), _norm(dvec))
    f0 = float(p.objective(A, x, d64))
    x32 = {v: np.asarray(a, np.float32) for v, a in x.items()}
    with np.errstate(all="ignore"):
        f032 = float(p.objective(A32, x32, d32)) if d32 is not None else float("nan")
    h, phi, phi32 = _sweep(p, x, dvec, h, f0, d64, d32, A, A32)
    with np.errstate(all="ignore"):  # inf - inf where float32 overflows: masked below
        emp = (np.abs(phi32 - phi) + abs(f032 - f0)) * (EPS / EPS32)
    # the float32 estimate means nothing where float32 under- or overflows
    in_range = (np.abs(phi) >= TINY32) | (phi == 0)
    if not (abs(f0) >= TINY32 or f0 == 0):
        in_range[:] = False
    emp = np.where(np.isfinite(emp) & in_range, emp, 0.0)
    if kind == "gradient":
        assert wrt is not None
        g = _as_float(_eval_claim(claimed, env, A, {}, "gradient"), p.variables[wrt],
                      "gradient")
        d1 = float(np.sum(g * dvec[wrt]))
        with np.errstate(all="ignore"):
            err = np.abs(phi - f0 - h * d1)
            noise = 4 * EPS * np.sqrt(dim) * (np.abs(phi) + abs(f0) + np.abs(h * d1)) + emp
        chk: TaylorCheck | None = fit_taylor(h, err, noise, expected=2, what="gradient",
                                             tolerance=tolerance)
    else:
        if gradient_claim is not None:
            genv = env
            gsum = 0.0
            for v in dvec:
                gv = _as_float(_eval_claim(gradient_claim, genv, A, {}, "gradient"),
                               p.variables[v], "gradient")
                gsum += float(np.sum(gv * dvec[v]))
            d1 = gsum
        else:
            try:
                gfull = p.gradient(A, x, d64)
            except UnsupportedError:
                raise UnsupportedError("the Hessian check needs the gradient: the problem "
                                       "has no closed form, pass gradient=...") from None
            d1 = float(sum(np.sum(np.asarray(gfull[v]) * dvec[v]) for v in dvec))
        val = _eval_claim(claimed, env, A, {}, what_word[kind])
        if kind == "hessian":
            d2 = float(np.asarray(val, dtype=float))
        else:
            assert wrt is not None
            hv = _as_float(val, p.variables[wrt], "Hessian-vector product")
            if set(dvec) == {wrt}:
                d2 = float(np.sum(hv * dvec[wrt]))
            else:
                d2 = float("nan")
        with np.errstate(all="ignore"):
            err = np.abs(phi - f0 - h * d1 - 0.5 * h**2 * d2)
            noise = 4 * EPS * np.sqrt(dim) * (np.abs(phi) + abs(f0) + np.abs(h * d1)
                                              + np.abs(0.5 * h**2 * d2)) + emp
        if np.isfinite(d2):
            chk = fit_taylor(h, err, noise, expected=3, what="hessian", tolerance=tolerance)
        else:
            chk = None
    local = [] if chk is None else [chk]
    if kind == "hvp":
        assert wrt is not None
        local.extend(_hvp_checks(p, claimed, defs, env, x, dvec, dirmap, wrt, d64, A,
                                 h, tolerance, rng))
    for c in local:
        c.extra["point"] = k
    checks.extend(local)
    if any(c.status is TaylorStatus.WRONG_ORDER or c.extra.get("symmetric") is False
           for c in local):
        failed.append((k, x, dvec))


def _numeric_verdict(p: Problem, claimed: Claimed, kind: str, wrt: str | None,
                     dirmap: dict[str, str], defs: Definitions, override: Any,
                     size_used: dict[str, int], checks: list[TaylorCheck],
                     failed: list[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]],
                     tol: dict[str, Any], npts: int, notes: list[str], seed: int,
                     gradient_claim: Claimed | None, t0: float) -> NumericResult:
    what_word = {"gradient": "gradient", "hessian": "Hessian", "hvp": "Hessian-vector product"}
    pts = range(npts)
    if not failed:
        bad = [c for c in checks if not c.passed]
        verdict = "SUPPORTED" if not bad else "INCONCLUSIVE"
        if bad:
            notes.append("; ".join(c.message for c in bad))
        return NumericResult(verdict, f"claimed {what_word[kind]}: {claimed.text}", size_used,
                             checks, tol, len(pts), notes=notes,
                             seconds=time.perf_counter() - t0, seed=seed)
    k, x, dvec = failed[0]
    ce: dict[str, Any] | None
    diag: str | None
    ce, diag = _certify(p, claimed, kind, wrt, dirmap, defs, override, x, dvec, k, size_used,
                        seed, gradient_claim, notes)
    verdict = "REFUTED" if ce is not None else "INCONCLUSIVE"
    if ce is None:
        bad = [c for c in checks if not c.passed]
        diag = (f"{bad[0].message} (failed at {len(failed)} of {len(pts)} instances; not "
                "certified exactly)") if bad else None
    return NumericResult(verdict, f"claimed {what_word[kind]}: {claimed.text}", size_used, checks,
                         tol, len(pts), ce, diag, notes, time.perf_counter() - t0, seed)


#: Extensions of the step sweep (decades per extension, most extensions each way), and the
#: relative change of f at the smallest step below which the sweep is not extended downward.
EXTEND_DECADES = 4
MAX_EXTENSIONS = 6
SMALL_CHANGE = 1e-6


def _sweep(p: Problem, x: Mapping[str, np.ndarray], dvec: Mapping[str, np.ndarray],
           h: np.ndarray, f0: float, d64: Mapping[str, Any], d32: Mapping[str, Any] | None,
           A: Any,
           A32: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(x + h·d) in float64 and float32 on the steps ``h``, extended upward until the
    objective moves by at least its own size (``max |f(x + h d) − f(x)| >= |f(x)|``) and
    downward until, at the smallest step, it moves by at most ``SMALL_CHANGE``·|f(x)|.

    The sweep is centred on ‖x‖/‖d‖, which says nothing about the data's units at x = 0: with
    M of size 10¹⁵, f(0) = ¼‖M‖² is so large that on the default sweep every change of f is
    below its rounding error, and a wrong Hessian looked exact (with M of size 10⁻³⁰ the whole
    sweep lay beyond the quadratic regime). Extending the sweep until f visibly moves at its
    top and barely moves at its bottom puts the asymptotic window inside it whatever the units.
    """

    def values(hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = _line(x, dvec, hh)
        xs32 = {v: np.asarray(a, np.float32) for v, a in xs.items()}
        with np.errstate(all="ignore"):
            phi = np.asarray(p.objective(A, xs, d64), dtype=float)
            phi32 = (np.asarray(p.objective(A32, xs32, d32), dtype=float) if d32 is not None
                     else np.full(hh.shape, np.nan))
        # a constant objective evaluates to one number for the whole line
        return np.broadcast_to(phi, hh.shape).copy(), np.broadcast_to(phi32, hh.shape).copy()

    phi, phi32 = values(h)
    step = float(np.median(np.diff(np.log10(h))))
    for _ in range(MAX_EXTENSIONS):
        with np.errstate(all="ignore"):
            moved = np.abs(phi - f0)
        if not np.all(np.isfinite(moved)) or float(np.max(moved)) >= abs(f0):
            break
        count = int(round(EXTEND_DECADES / step))
        more = h[-1] * 10.0 ** (step * np.arange(1, count + 1))
        p2, p232 = values(more)
        h = np.concatenate([h, more])
        phi = np.concatenate([phi, p2])
        phi32 = np.concatenate([phi32, p232])
    for _ in range(MAX_EXTENSIONS):
        with np.errstate(all="ignore"):
            first = abs(float(phi[0]) - f0)
        if not np.isfinite(first) or first <= SMALL_CHANGE * abs(f0):
            break
        count = int(round(EXTEND_DECADES / step))
        less = h[0] * 10.0 ** (-step * np.arange(count, 0, -1))
        p2, p232 = values(less)
        h = np.concatenate([less, h])
        phi = np.concatenate([p2, phi])
        phi32 = np.concatenate([p232, phi32])
    return h, phi, phi32


def _hvp_checks(p: Problem, claimed: Claimed, defs: Definitions, env: Mapping[str, Any],
                x: Mapping[str, np.ndarray], dvec: Mapping[str, np.ndarray],
                dirmap: Mapping[str, str], wrt: str, d64: Mapping[str, Any], A: Any,
                h: np.ndarray, tolerance: float, rng: np.random.Generator) -> list[TaylorCheck]:
    """Gradient/HVP consistency (‖∇f(x+hd) − ∇f(x) − h·H[d]‖ = O(h²)) and symmetry."""
    out: list[TaylorCheck] = []
    try:
        g0 = np.asarray(p.gradient(A, x, d64)[wrt], float)  # type: ignore[arg-type, type-var]
        gl = np.asarray(p.gradient(A, _line(x, dvec, h), d64)[wrt], float)
    except UnsupportedError:
        return out
    hv = np.asarray(claimed(env, A, {}), float)
    with np.errstate(all="ignore"):
        diff = gl - g0[None] - h.reshape(-1, 1, 1) * hv[None]
        err = np.sqrt(np.sum(diff**2, axis=(-2, -1)))
        scale = (np.sqrt(np.sum(gl**2, axis=(-2, -1))) + np.linalg.norm(g0)
                 + h * np.linalg.norm(hv))
    noise = 4 * EPS * np.sqrt(p.dim) * scale * 8
    chk = fit_taylor(h, err, noise, expected=2, what="hvp-consistency", tolerance=tolerance)
    out.append(chk)
    if set(dirmap) == {wrt}:
        u = rng.standard_normal(p.variables[wrt])
        w = rng.standard_normal(p.variables[wrt])
        dname = dirmap[wrt]
        hu = np.asarray(claimed({**env, dname: u}, A, {}), float)
        hw = np.asarray(claimed({**env, dname: w}, A, {}), float)
        a = float(np.sum(u * hw))
        b = float(np.sum(hu * w))
        denom = float(np.linalg.norm(u) * np.linalg.norm(hw) + np.linalg.norm(hu)
                      * np.linalg.norm(w)) or 1.0
        defect = abs(a - b) / denom
        ok = defect <= 1e3 * EPS * np.sqrt(p.dim)
        sym = TaylorCheck("hvp-symmetry", 0, np.array([]), np.array([]), np.array([]), None,
                          None, TaylorStatus.OK if ok else TaylorStatus.WRONG_ORDER, 0.0,
                          f"|<u, H[w]> - <H[u], w>| / scale = {defect:.2e}",
                          {"symmetry_defect": defect, "symmetric": bool(ok)})
        out.append(sym)
    return out


def _certify(p: Problem, claimed: Claimed, kind: str, wrt: str | None, dirmap: dict[str, str],
             defs: Definitions, override: Mapping[str, np.ndarray], x: Mapping[str, np.ndarray],
             dvec: Mapping[str, np.ndarray], k: int, size: Mapping[str, int], seed: int,
             gradient_claim: Claimed | None, notes: list[str]
             ) -> tuple[dict[str, Any] | None, str | None]:
    """Exact re-check of a failed Taylor test on the line x + t·d (polynomials in t over ℚ)."""
    from ._rational import LineArith, coefficient, line_polynomial_available, to_fraction

    if not line_polynomial_available():  # pragma: no cover
        notes.append("exact re-check unavailable (python-flint missing)")
        return None, None
    try:
        import flint

        LA = LineArith()
        dl = p.data_in(LA, dict(override) or None)
        t = flint.fmpq_poly([0, 1])
        xl: dict[str, np.ndarray] = {}
        for v, xv in x.items():
            arr = LA.asarray(xv)
            if v in dvec:
                dv = LA.asarray(dvec[v])
                line = np.empty(arr.shape, dtype=object)
                for idx in np.ndindex(*arr.shape):
                    line[idx] = arr[idx] + t * dv[idx]
                arr = line
            xl[v] = arr
        f_line = p.objective(LA, xl, dl)
        x0 = {v: LA.asarray(xv) for v, xv in x.items()}
        dl_dirs = {dirmap[v]: LA.asarray(dvec[v]) for v in dirmap}
        env = defs.extend(claim_env(p, {**x0, **dl, **dl_dirs}, claimed), LA)
        raw = claimed(env, LA, {})
        if isinstance(raw, np.ndarray):
            val = raw
        else:
            val = np.empty((), dtype=object)
            val[()] = raw
        if kind == "gradient":
            assert wrt is not None
            true_q = to_fraction(coefficient(f_line, 1))
            claim_q = sum((to_fraction(a) * to_fraction(b) for a, b in
                           zip(val.reshape(-1), LA.asarray(dvec[wrt]).reshape(-1),
                               strict=True)), Fraction(0))
            quantity = "directional derivative <grad f(x), d>"
        else:
            true_q = 2 * to_fraction(coefficient(f_line, 2))
            if kind == "hessian":
                claim_q = to_fraction(val)
            else:
                assert wrt is not None
                if set(dvec) != {wrt}:
                    notes.append("exact re-check of an HVP with several directions is not "
                                 "implemented")
                    return None, None
                claim_q = sum((to_fraction(a) * to_fraction(b) for a, b in
                               zip(val.reshape(-1), LA.asarray(dvec[wrt]).reshape(-1),
                                   strict=True)), Fraction(0))
            quantity = "second directional derivative Hess f(x)[d, d]"
            if gradient_claim is not None:
                c1 = to_fraction(coefficient(f_line, 1))
                g1 = Fraction(0)
                for v in dvec:
                    gv = as_object_array(gradient_claim(env, LA, {}))
                    g1 += sum((to_fraction(a) * to_fraction(b) for a, b in
                               zip(gv.reshape(-1), LA.asarray(dvec[v]).reshape(-1),
                                   strict=True)), Fraction(0))
                if g1 != c1:
                    true_q, claim_q = c1, g1
                    quantity = ("directional derivative <grad f(x), d> of the gradient given "
                                "with gradient= (gradient and Hessian are inconsistent)")
    except (MfverifyError, TypeError, ValueError, ArithmeticError) as exc:
        notes.append(f"exact re-check on the line not possible: {exc}")
        return None, None
    if claim_q == true_q:
        notes.append("the exact re-check found the claimed value equal to the true one along "
                     "this line: the Taylor test failure was numerical")
        return None, None
    gap = float(abs(claim_q - true_q)) / max(abs(float(true_q)), 1e-300)
    ce = {
        "size": dict(size),
        "point": f"random float64 instance (seed {seed}), point #{k}, random direction d; "
                 "entries are exact binary rationals",
        "entry": quantity,
        "claimed": f"{float(claim_q):.17g}",
        "true": f"{float(true_q):.17g}",
        "relative_gap": f"{gap:.6g}",
        "rechecked": "both values computed exactly (rational arithmetic, python-flint) along "
                     "the line x + t d",
    }
    diag = None
    if true_q != 0:
        ratio = claim_q / true_q
        simple = ratio.limit_denominator(100)
        word = ("directional derivative" if kind == "gradient" or "gradient=" in quantity
                else "second derivative")
        if simple == ratio:
            diag = (f"along d, claimed = {simple} × true {word} (exact ratio; "
                    f"{float(ratio - 1):+.2%} off)")
        else:
            diag = f"along d, claimed / true {word} = {float(ratio):.6g} (exact values differ)"
    return ce, diag


# ---------------------------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------------------------


def _common(problem: Problem, numeric: bool, sizes: Any, structure: Any, symmetric: Any,
            diagonal: Any, skew: Any, general: Any, symbolic: Any) -> tuple[Family,
                                                                            dict[str, Structure],
                                                                            tuple[str, ...]]:
    if not isinstance(problem, Problem):
        raise InputError(f"expected a Problem (see mfverify.spec.load_spec), got "
                         f"{type(problem).__name__}")
    fam = family_of(problem)
    st = declared_structure(problem, fam, structure=structure, symmetric=symmetric,
                            diagonal=diagonal, skew=skew, general=general)
    sym = (symbolic,) if isinstance(symbolic, str) else tuple(symbolic)
    if numeric and sym:
        raise InputError("symbolic constants are an exact-mode option")
    changed = sorted(k for k in st if st[k] is not fam.structure.get(k, Structure.GENERAL))
    if numeric and changed:
        # the numeric mode evaluates the problem's own (or random, structured as the problem
        # requires) data: a different declaration would be silently ignored
        raise InputError(f"structure declarations for {changed} are an exact-mode option: the "
                         "numeric mode uses the problem's data (random data at --n/--r have the "
                         "structure the problem requires)")
    return fam, st, sym


def check_gradient(problem: Problem, claimed: ExpressionLike, *, wrt: str | None = None,
                   numeric: bool = False, sizes: SizesLike | None = None,
                   structure: Mapping[str, Any] | None = None, symmetric: Iterable[str] = (),
                   diagonal: Iterable[str] = (), skew: Iterable[str] = (),
                   general: Iterable[str] = (), symbolic: Iterable[str] = (),
                   where: DefinitionsLike | None = None,
                   size: Mapping[str, int] | None = None, at: PointLike | str | None = None,
                   points: int = 3, seed: int = 0, tolerance: float = 0.2,
                   budget: float | Budget | None = DEFAULT_BUDGET,
                   only_sizes: bool = False) -> ExactResult | NumericResult:
    """Check a claimed gradient ∂f/∂(wrt) of ``problem``'s objective.

    Parameters
    ----------
    problem
        A :class:`~mfverify.problems.Problem` (e.g. from :func:`mfverify.spec.load_spec`). The
        objective is taken with its own normalization (¼‖XXᵀ − M‖² for the default symmetric
        problem, so ∇f = (XXᵀ − M)X).
    claimed
        Text in the safe grammar (``"(X*X.T - M)*X"``), a SymPy matrix expression
        (``MatrixSymbol`` named like the inputs) or a callable taking inputs by name.
    wrt
        The variable (required when the problem has several, e.g. ``"U"``).
    numeric
        Taylor-remainder tests instead of exact algebra.
    sizes
        Exact mode: the size range, e.g. ``"1..3"`` (default) or ``"n=1..4,r=1..2"``. It is a
        minimum: the sizes the size bound needs are checked too (a claim in the fragment of
        :mod:`mfverify.derivation.sizebound` is then PROVED for every size, ``scope
        "all_sizes"``), unless ``only_sizes``.
    only_sizes
        Exact mode: check the sizes given and no others.
    structure, symmetric, diagonal, skew, general
        Exact mode: declarations for data matrices (``symmetric=["Sigma"]``); ``general``
        removes a requirement of the problem (``general=["M"]`` checks ¼‖XXᵀ − M‖² for *any*
        square M). The symmetric problem's M is symmetric unless ``general=["M"]``. The
        numeric mode rejects a declaration that differs from the problem's requirement.
    symbolic
        Scalar data made symbolic in the exact mode (``symbolic=["scale"]``: every scale).
    where
        Definitions usable in the claim: ``["R = X*X.T - M"]``.
    size, at, points, seed, tolerance
        Numeric mode: the size of a random instance (default: the problem's own data), the
        points (``"random"`` (default, ``points`` of them), ``"zero"`` or a point), the seed and
        the slope tolerance.

    Returns
    -------
    ExactResult or NumericResult
        ``verdict``, ``sizes_checked``, ``counterexample``, ``diagnosis`` and evidence.

    Examples
    --------
    >>> from mfverify import SymmetricMF
    >>> p = SymmetricMF([[1, 0], [0, 0]], rank=1)
    >>> print(check_gradient(p, "(X*X.T - M)*X").verdict)
    PROVED
    >>> check_gradient(p, "2*(X*X.T - M)*X").diagnosis
    'claimed = 2 × true gradient'
    """
    fam, st, sym = _common(problem, numeric, sizes, structure, symmetric, diagonal, skew,
                           general, symbolic)
    w = _resolve_wrt(problem, wrt, "gradient")
    c = as_claimed(claimed, _input_names(problem) + _def_names(where))
    if numeric:
        return _numeric(problem, c, kind="gradient", wrt=w, dirmap={}, defs_spec=where,
                        size=size, at=at, points=points, seed=seed, tolerance=tolerance,
                        gradient_claim=None, budget=as_budget(budget, "derivation"))
    return _exact(problem, c, kind="gradient", wrt=w, dirmap={}, structure=st, symbolic=sym,
                  defs_spec=where, sizes=sizes, seed=seed, fam=fam,
                  budget=as_budget(budget, "derivation"), only_sizes=only_sizes)


def _def_names(where: Any) -> list[str]:
    if not where:
        return []
    out = []
    items = where.items() if isinstance(where, Mapping) else \
        [(None, where)] if isinstance(where, str) else \
        [w if isinstance(w, tuple) else (None, w) for w in where]
    for name, value in items:
        if name is None and isinstance(value, str) and "=" in value:
            out.append(value.split("=", 1)[0].strip())
        elif name is not None:
            out.append(str(name))
    return out


def _split_claim(claimed: ExpressionLike, direction: Any, problem: Problem | None = None,
                 wrt: str | None = None, where: DefinitionsLike | None = None
                 ) -> tuple[Any, list[str], str | None]:
    """(expression, direction names, a note when the direction was inferred)."""
    if isinstance(claimed, str):
        expr, names = split_direction(claimed) if " in " in f" {claimed} " else (claimed, None)
        if names is None:
            if direction is None:
                assert problem is not None
                names = _infer_direction(expr, problem, wrt, where)
                return expr, names, (
                    f"direction {', '.join(names)} inferred: the undeclared name(s) of the "
                    f"variable's shape in the claim (write 'EXPR in {', '.join(names)}' to "
                    "name it)")
            names = [direction] if isinstance(direction, str) else list(direction)
        return expr, names, None
    if direction is None:
        direction = "D"
    return claimed, [direction] if isinstance(direction, str) else list(direction), None


def _infer_direction(text: str, problem: Problem, wrt: str | None, where: Any) -> list[str]:
    """The direction of a Hessian / HVP claim written without 'in D': its undeclared names.

    One variable (or ``wrt``): exactly one undeclared name that fits the variable's shape.
    Several variables: one undeclared name per variable (``DU``, ``DV``), matched by shape
    and, where shapes tie, by name (``D`` + the variable's name).
    """
    from itertools import permutations

    from ..expr import free_names, infer_shape, parse_expression

    known = set(_input_names(problem)) | set(_def_names(where))
    node = parse_expression(text)
    extra = sorted(free_names(node) - known)
    variables = list(problem.variables)
    if wrt is not None and len(extra) == 1:
        variables = [wrt]
    shapes: dict[str, Any] = {v: problem.variables[v] for v in problem.variables}
    for k, v in problem.data.items():
        shapes[k] = np.shape(v)

    def fits(assign: Mapping[str, str]) -> bool:
        try:
            infer_shape(node, {**shapes, **{d: problem.variables[v] for d, v in assign.items()}})
        except ShapeError:
            return False
        except MfverifyError:
            return True  # definitions have no known shape here: the evaluation checks it
        return True

    hint = ("; name the direction: 'EXPR in D'" if len(variables) == 1 else
            f"; name one direction per variable: 'EXPR in {', '.join('D' + v for v in variables)}'")
    if len(extra) != len(variables):
        raise InputError(f"a Hessian / HVP claim without 'in D': expected "
                         f"{len(variables)} undeclared name(s) (the direction), found "
                         f"{extra or 'none'}{hint}")
    matches = [dict(zip(p, variables, strict=True)) for p in permutations(extra)
               if fits(dict(zip(p, variables, strict=True)))]
    named = [m for m in matches if all(d == "D" + v or len(variables) == 1
                                       for d, v in m.items())]
    pick = named if len(named) == 1 else matches
    if len(pick) != 1:
        raise InputError(f"a Hessian / HVP claim without 'in D': cannot tell which of {extra} "
                         f"is the direction of which variable{hint}")
    inv = {v: d for d, v in pick[0].items()}
    return [inv[v] for v in variables]


def _second_order(kind: str, problem: Problem, claimed: ExpressionLike, *, wrt: str | None,
                  direction: Any, numeric: bool, sizes: Any, structure: Any, symmetric: Any,
                  diagonal: Any, skew: Any, general: Any, symbolic: Any, where: Any,
                  size: Any, at: Any, points: int, seed: int, tolerance: float,
                  gradient: Any, budget: float | Budget | None,
                  only_sizes: bool = False) -> ExactResult | NumericResult:
    fam, st, sym = _common(problem, numeric, sizes, structure, symmetric, diagonal, skew,
                           general, symbolic)
    if kind == "hvp":
        w: str | None = _resolve_wrt(problem, wrt, "Hessian-vector product")
    else:
        w = _resolve_wrt(problem, wrt, "Hessian") if wrt is not None else None
    body, dirnames, inferred = _split_claim(claimed, direction, problem, w, where)
    dirmap = _directions(problem, dirnames, w)
    c = as_claimed(body, _input_names(problem) + list(dirmap.values()) + _def_names(where))
    if numeric:
        gc = as_claimed(gradient, _input_names(problem) + _def_names(where)) \
            if gradient is not None else None
        res: ExactResult | NumericResult = _numeric(
            problem, c, kind=kind, wrt=w, dirmap=dirmap, defs_spec=where, size=size, at=at,
            points=points, seed=seed, tolerance=tolerance, gradient_claim=gc,
            budget=as_budget(budget, "derivation"))
    else:
        if gradient is not None:
            raise InputError("gradient= is a numeric-mode option (check the gradient on its "
                             "own with check_gradient in the exact mode)")
        res = _exact(problem, c, kind=kind, wrt=w, dirmap=dirmap, structure=st, symbolic=sym,
                     defs_spec=where, sizes=sizes, seed=seed, fam=fam,
                     budget=as_budget(budget, "derivation"), only_sizes=only_sizes)
    if inferred:
        res.notes.insert(0, inferred)
    return res


def check_hessian(problem: Problem, claimed: ExpressionLike, *, wrt: str | None = None,
                  direction: str | Sequence[str] | None = None, numeric: bool = False,
                  sizes: SizesLike | None = None, structure: Mapping[str, Any] | None = None,
                  symmetric: Iterable[str] = (), diagonal: Iterable[str] = (),
                  skew: Iterable[str] = (), general: Iterable[str] = (),
                  symbolic: Iterable[str] = (), where: DefinitionsLike | None = None,
                  size: Mapping[str, int] | None = None, at: PointLike | str | None = None,
                  points: int = 3,
                  seed: int = 0, tolerance: float = 0.2, gradient: ExpressionLike | None = None,
                  budget: float | Budget | None = DEFAULT_BUDGET,
                  only_sizes: bool = False) -> ExactResult | NumericResult:
    """Check a claimed Hessian **quadratic form** ∇²f(x)[D, D] (a scalar expression in D).

    Text claims end with ``in D`` (or ``in DU, DV`` for one direction per variable); other
    claims name the direction with ``direction=``. With one direction and ``wrt="U"`` the
    claim is the block ∇²_UU f[D, D]. In the numeric mode the second-order Taylor model uses
    the problem's closed-form gradient, or ``gradient=`` (a claimed gradient: this then also
    tests that gradient and Hessian are consistent). Other parameters as in
    :func:`check_gradient`.

    Examples
    --------
    >>> from mfverify import SymmetricMF
    >>> p = SymmetricMF([[1, 0], [0, 0]], rank=1)
    >>> print(check_hessian(p, "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D").verdict)
    PROVED
    """
    return _second_order("hessian", problem, claimed, wrt=wrt, direction=direction,
                         numeric=numeric, sizes=sizes, structure=structure, symmetric=symmetric,
                         diagonal=diagonal, skew=skew, general=general, symbolic=symbolic,
                         where=where, size=size, at=at, points=points, seed=seed,
                         tolerance=tolerance, gradient=gradient, budget=budget,
                         only_sizes=only_sizes)


def check_hvp(problem: Problem, claimed: ExpressionLike, *, wrt: str | None = None,
              direction: str | Sequence[str] | None = None, numeric: bool = False,
              sizes: SizesLike | None = None, structure: Mapping[str, Any] | None = None,
              symmetric: Iterable[str] = (), diagonal: Iterable[str] = (),
              skew: Iterable[str] = (), general: Iterable[str] = (),
              symbolic: Iterable[str] = (), where: DefinitionsLike | None = None,
              size: Mapping[str, int] | None = None, at: PointLike | str | None = None,
              points: int = 3,
              seed: int = 0, tolerance: float = 0.2, gradient: ExpressionLike | None = None,
              budget: float | Budget | None = DEFAULT_BUDGET,
              only_sizes: bool = False) -> ExactResult | NumericResult:
    """Check a claimed **Hessian-vector product** ∇²f(x)[D] (a matrix shaped like ``wrt``).

    The numeric mode adds the gradient/HVP consistency test ‖∇f(x + hD) − ∇f(x) − h·H[D]‖ =
    O(h²) and the symmetry test ⟨u, H[w]⟩ = ⟨H[u], w⟩. Other parameters as in
    :func:`check_hessian`.

    Examples
    --------
    >>> from mfverify import SymmetricMF
    >>> p = SymmetricMF([[1, 0], [0, 0]], rank=1)
    >>> print(check_hvp(p, "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D").verdict)
    PROVED
    """
    return _second_order("hvp", problem, claimed, wrt=wrt, direction=direction,
                         numeric=numeric, sizes=sizes, structure=structure, symmetric=symmetric,
                         diagonal=diagonal, skew=skew, general=general, symbolic=symbolic,
                         where=where, size=size, at=at, points=points, seed=seed,
                         tolerance=tolerance, gradient=gradient, budget=budget,
                         only_sizes=only_sizes)
