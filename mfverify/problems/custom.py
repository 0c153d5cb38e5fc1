"""A user objective in named matrix, vector or scalar variables (spec kind ``"custom"``).

    f(x) = scale · g(x),   x = (x_1, ..., x_k), each x_i a scalar, vector or matrix,

where g is given in one of three ways:

(a) **a SymPy expression** in the entry symbols of the variables. An entry of a matrix
    variable ``X`` of shape (n, r) is the symbol ``X_i_j``, of a vector ``x`` of shape (n,) the
    symbol ``x_i``, and a scalar variable ``s`` is the symbol ``s`` (exactly the names of
    :meth:`Problem.symbolic_point`). As a shorthand, ``x0, x1, ...`` (the variable's name
    followed by the row-major flat index of the entry) are accepted too, unless that spelling
    is ambiguous between two variables. Allowed: ``+``, ``*``, powers with rational exponents
    (so ``sqrt``), rational and algebraic numbers.
(b) **a Python callable** ``objective(A, x)`` (or ``objective(A, x, d)`` to receive the data)
    written against mfverify's arithmetic operations (:class:`~mfverify.arith.Arith`): ``x`` is
    a dict of arrays, ``A`` the arithmetic; it must return a scalar.
(c) **text** in the safe expression grammar of :mod:`mfverify.expr`, e.g.
    ``"(x[0]**2 - 1)**2 + x[1]**4"`` or ``"norm(X*X.T - M)**2/4"`` (with ``M`` in ``data``).

Indexing in text: ``X[i, j]`` is an entry of a matrix; ``x[i]`` is an entry of a vector, and
for an n×1 (column) matrix ``x[i]`` means ``x[i, 0]`` (a 1×n row matrix indexes by column).

In every arithmetic the objective is evaluated directly (text: by walking the parsed tree with
the arithmetic's operations; callable: by calling it). The gradient and the Hessian-vector
product are derived once from the exact SymPy objective g on a symbolic point
(``∂g/∂x_k`` and ``∂²g/∂x_k∂x_l``, cached) and evaluated in any arithmetic by walking the SymPy
expression tree with a whitelist evaluator (``Add``, ``Mul``, ``Pow`` with rational exponents,
symbols, numbers); ``lambdify``/``eval`` are never used. The derivatives use the stored data:
overriding data other than ``scale`` in :meth:`gradient`/:meth:`hvp` raises
:class:`~mfverify.errors.UnsupportedError`.

Symmetry is trivial unless declared (``symmetry=``): ``{"group": "O", "variables": ["X"]}``
declares f(XQ) = f(X) for Q ∈ O(r) (all listed variables multiplied on the right by the same Q),
and ``{"group": "GL", "variables": ["U"], "inverse_transpose": ["V"]}`` declares
f(UA, VA⁻ᵀ) = f(U, V) for A ∈ GL(r). A declaration is *verified* exactly at construction (the
derivative of f along every generator of the Lie algebra vanishes identically, and f is
invariant under one reflection); a false declaration raises
:class:`~mfverify.errors.SymmetryError`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, ExactArith, get_arith
from ..budget import check_limit
from ..errors import (
    ExpressionError,
    InputError,
    MfverifyError,
    ShapeError,
    SpecError,
    SymmetryError,
    UnsupportedError,
)
from ..expr import (
    FUNCTIONS,
    Node,
    degree_bound,
    evaluate,
    infer_shape,
    parse_expression,
    to_text,
)
from ..exprcost import check_cost, estimate_cost, max_terms
from ..typing import ExpressionLike, NumberLike
from .base import Point, Problem, SymmetryGroup, _to_exact_array
from .groups import elementary_basis, skew_basis
from .symmetric import _positive_scale

__all__ = ["CustomProblem", "MAX_CUSTOM_DIM"]

#: Largest number of real unknowns of a custom problem (its derivatives are symbolic).
MAX_CUSTOM_DIM = 400

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = set(FUNCTIONS) | {"I", "scale", "T"}

Compiled = Callable[[list[Any], Arith], Any]


# ---------------------------------------------------------------------------------------------
# whitelist evaluation of SymPy expressions (no lambdify, no eval)
# ---------------------------------------------------------------------------------------------


def compile_sympy(expr: sp.Expr, index: Mapping[sp.Symbol, int]) -> Compiled:
    """Turn a SymPy expression into a closure ``f(values, A)`` evaluating it in arithmetic A.

    ``values[index[s]]`` is the value of symbol ``s`` (a scalar or a batch array of the
    arithmetic). Only ``Add``, ``Mul``, ``Pow`` with a rational exponent, symbols and rational
    numbers are accepted (algebraic numbers such as ``sqrt(2)`` are ``Pow`` of rationals);
    anything else raises :class:`~mfverify.errors.ExpressionError`. The closures are built
    from Python functions only: nothing is compiled from text.
    """
    if isinstance(expr, sp.Symbol):
        if expr not in index:
            raise ExpressionError(f"unknown symbol {expr} in a custom objective; expected "
                                  f"one of {sorted(str(s) for s in index)[:20]}")
        k = index[expr]
        return lambda vals, A: vals[k]
    if isinstance(expr, sp.Rational):
        c = expr
        return lambda vals, A: A.const(c)
    if isinstance(expr, sp.Add):
        parts = [compile_sympy(a, index) for a in expr.args]

        def add(vals: list[Any], A: Arith) -> Any:
            out = parts[0](vals, A)
            for p in parts[1:]:
                out = out + p(vals, A)
            return out

        return add
    if isinstance(expr, sp.Mul):
        factors = [compile_sympy(a, index) for a in expr.args]

        def mul(vals: list[Any], A: Arith) -> Any:
            out = factors[0](vals, A)
            for f in factors[1:]:
                out = out * f(vals, A)
            return out

        return mul
    if isinstance(expr, sp.Pow):
        e = expr.exp
        if not isinstance(e, sp.Rational):
            raise ExpressionError(f"the power {expr} has a non-rational exponent; custom "
                                  "objectives allow rational exponents only")
        base = compile_sympy(expr.base, index)
        if e == sp.Rational(1, 2):
            return lambda vals, A: A.sqrt(base(vals, A))
        if e == sp.Rational(-1, 2):
            return lambda vals, A: A.const(1) / A.sqrt(base(vals, A))
        if isinstance(e, sp.Integer):
            k = int(e)
            return lambda vals, A: base(vals, A) ** k
        return lambda vals, A: base(vals, A) ** A.const(e)
    if isinstance(expr, sp.Float):
        raise ExpressionError(f"floating-point constant {expr} in the objective: the exact "
                              "objective needs exact constants (e.g. A.const('1/2'))")
    raise ExpressionError(
        f"{type(expr).__name__} ({expr}) is not supported in a custom objective; allowed are "
        "+, *, powers with rational exponents (sqrt), rational numbers and the variables' "
        "entry symbols"
    )


# ---------------------------------------------------------------------------------------------
# the problem
# ---------------------------------------------------------------------------------------------


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name) or name in _RESERVED:
        raise InputError(f"{what} name {name!r} is not allowed; names are "
                         f"[A-Za-z][A-Za-z0-9_]* and not one of {sorted(_RESERVED)}")
    return name


def _check_shape(name: str, shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, (list, tuple)):
        raise ShapeError(f"variable {name}: shape must be a list [n, r], [n] or [], got "
                         f"{shape!r}")
    if len(shape) > 2:
        raise ShapeError(f"variable {name}: at most 2 dimensions are supported, got {shape!r}")
    out = []
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ShapeError(f"variable {name}: sizes must be positive integers, got {shape!r}")
        out.append(int(s))
    return tuple(out)


class CustomProblem(Problem):
    """f(x) = scale · g(x) for a user objective g (SymPy expression, callable, or safe text).

    Parameters
    ----------
    variables
        Name -> shape: ``[n, r]`` a matrix, ``[n]`` a vector, ``[]`` a scalar (in order; the
        flat vector of a point concatenates them in this order, each row-major).
    objective
        A SymPy expression in the entry symbols (``X_i_j``, ``x_i``, ``s``; or ``x0, x1, ...``),
        a callable ``objective(A, x)`` / ``objective(A, x, d)``, or text in the grammar of
        :mod:`mfverify.expr`.
    data
        Optional name -> exact matrix, vector or number, usable by name in a text objective
        (and passed in ``d`` to a callable).
    scale
        Positive constant in front of g (default 1).
    symmetry
        Optional declared invariance (verified exactly), see the module docstring.
    name
        Optional label used in descriptions.

    Examples
    --------
    >>> from mfverify.problems import CustomProblem
    >>> p = CustomProblem({"x": [2]}, "(x[0]**2 - 1)**2 + x[1]**4")
    >>> p.value({"x": [1, 0]}, "exact")
    0
    >>> p.grad({"x": ["1/2", 1]}, "exact")["x"].tolist()
    [-3/2, 4]
    """

    kind = "custom"
    #: The gradient is the SymPy derivative of the objective, not a hand-written closed form.
    closed_form_source = "sympy"
    spec_keys = ("variables", "objective", "data", "scale", "symmetry")
    required_keys = ("variables", "objective")

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> CustomProblem:
        variables = spec["variables"]
        if not isinstance(variables, Mapping) or not variables:
            raise SpecError("custom problem: 'variables' must be a non-empty object mapping "
                            "names to shapes, e.g. {\"x\": [2, 1]}")
        objective = spec["objective"]
        if not isinstance(objective, str):
            raise SpecError("custom problem: 'objective' must be a string in the expression "
                            f"grammar, got {type(objective).__name__}")
        data = spec.get("data")
        if data is not None and not isinstance(data, Mapping):
            raise SpecError("custom problem: 'data' must be an object mapping names to "
                            "matrices, vectors or numbers")
        symmetry = spec.get("symmetry")
        if symmetry is not None and not isinstance(symmetry, Mapping):
            raise SpecError("custom problem: 'symmetry' must be an object such as "
                            "{\"group\": \"O\", \"variables\": [\"X\"]}")
        return cls(dict(variables), objective, data=data, scale=spec.get("scale", 1),
                   symmetry=symmetry, name=spec.get("name"))

    def __init__(self, variables: Mapping[str, Any], objective: ExpressionLike, *,
                 data: Mapping[str, Any] | None = None, scale: NumberLike = 1,
                 symmetry: Mapping[str, Any] | None = None, name: str | None = None) -> None:
        super().__init__()
        if not isinstance(variables, Mapping) or not variables:
            raise InputError("variables must be a non-empty mapping name -> shape")
        for vname, shape in variables.items():
            _check_name(vname, "variable")
            self.variables[vname] = _check_shape(vname, shape)
        if self.dim > MAX_CUSTOM_DIM:
            raise ShapeError(f"custom problem has {self.dim} unknowns; at most "
                             f"{MAX_CUSTOM_DIM} are supported")
        self.user_data: dict[str, Any] = {}
        for dname, value in (data or {}).items():
            _check_name(dname, "data")
            if dname in self.variables:
                raise InputError(f"data name {dname!r} is also a variable name")
            arr = _to_exact_array(value, dname)
            if arr.ndim > 2:
                raise ShapeError(f"data {dname} must be a number, vector or matrix, got shape "
                                 f"{arr.shape}")
            if 0 in arr.shape:
                raise ShapeError(f"data {dname} must be non-empty, got shape {arr.shape}")
            self.user_data[dname] = arr if arr.ndim else arr[()]
        self.scale = _positive_scale(scale)
        self.name = name
        self.data = {**self.user_data, "scale": self.scale}
        self._shapes: dict[str, tuple[int, ...]] = {
            **self.variables, **{k: tuple(np.shape(v)) for k, v in self.user_data.items()}}
        self._symbols = self.symbolic_point()
        self._flat_symbols: list[sp.Symbol] = list(self.flatten(self._symbols))
        self._index = {s: k for k, s in enumerate(self._flat_symbols)}
        if len(self._index) != self.dim:
            names = [s.name for s in self._flat_symbols]
            clash = sorted({n for n in names if names.count(n) > 1})
            raise InputError(f"variable names {list(self.variables)} give two entries the same "
                             f"symbol {clash[:3]} (X_1_0 is entry (1, 0) of X); rename one")
        self._grad_cache: list[Compiled] | None = None
        self._hess_cache: list[list[tuple[int, Compiled]]] | None = None
        self._sym_objective: sp.Expr | None = None
        self._compiled_objective: Compiled | None = None
        self._cost_checked = False
        self.node: Node | None = None
        self.callable: Callable[..., Any] | None = None
        self._callable_takes_data = False

        if isinstance(objective, str):
            self.form = "text"
            self.node = parse_expression(objective, names=self._shapes)
            shape = infer_shape(self.node, self._shapes)
            if shape != ():
                raise ShapeError(f"the objective must be a scalar, but {objective!r} is a "
                                 f"{'vector' if len(shape) == 1 else 'matrix'} of shape "
                                 f"{shape}")
        elif isinstance(objective, sp.Basic):
            self.form = "sympy"
            self._sym_objective = self._from_sympy(objective)
            self._compiled_objective = compile_sympy(self._sym_objective, self._index)
        elif callable(objective):
            self.form = "callable"
            self.callable = objective
            self._callable_takes_data = _takes_data(objective)
        else:
            raise ExpressionError(
                f"objective must be text, a SymPy expression or a callable, got "
                f"{type(objective).__name__}"
            )
        self._declared = self._parse_symmetry(symmetry) if symmetry else None

    # -- objective forms ---------------------------------------------------------------------
    def _from_sympy(self, expr: sp.Basic) -> sp.Expr:
        if not isinstance(expr, sp.Expr):
            raise ExpressionError(f"the objective must be a SymPy scalar expression, got "
                                  f"{type(expr).__name__}")
        lookup: dict[str, sp.Symbol | None] = {}
        for vname, shape in self.variables.items():
            arr = self._symbols[vname]
            for k, idx in enumerate(np.ndindex(*shape)):
                sym: Any = arr[idx]
                for alias in {sym.name, f"{vname}{k}" if shape else vname}:
                    if alias in lookup and lookup[alias] is not sym:
                        lookup[alias] = None  # ambiguous
                    else:
                        lookup[alias] = sym
        replace: dict[sp.Symbol, sp.Symbol] = {}
        for s in expr.free_symbols:
            target = lookup.get(s.name, "missing")  # type: ignore[arg-type]
            if target == "missing":
                raise ExpressionError(
                    f"unknown symbol {s.name!r} in the objective; entries are named like "
                    f"{sorted(k for k, v in lookup.items() if v is not None)[:12]}"
                )
            if target is None:
                raise ExpressionError(f"symbol {s.name!r} is ambiguous between variables; "
                                      "use the X_i_j spelling")
            replace[s] = target  # type: ignore[assignment]
        out = expr.xreplace(replace)
        compile_sympy(out, self._index)  # validates the whitelist
        if out.has(sp.I):
            raise ExpressionError("the objective must be real")
        return out

    @property
    def sympy_objective(self) -> sp.Expr:
        """g(x) (without ``scale``) as an exact SymPy expression in the entry symbols."""
        if self._sym_objective is None:
            A = ExactArith()
            try:
                value = self._raw_objective(A, self._symbols, self.data_in(A))
            except MfverifyError:
                raise
            except Exception as exc:  # noqa: BLE001 - a user callable failing on symbols
                raise UnsupportedError(
                    "the objective could not be evaluated exactly on a symbolic point "
                    f"({type(exc).__name__}: {exc}); write a callable objective with the "
                    "arithmetic's operations (A.const, A.sqrt, A.sumsq, A.T, @)") from exc
            if isinstance(value, np.ndarray):
                if value.shape != ():
                    raise ShapeError(f"the objective must return a scalar, got shape "
                                     f"{value.shape}")
                value = value[()]
            if not isinstance(value, sp.Basic):
                value = sp.sympify(value) if isinstance(value, (int, float)) else value
            if not isinstance(value, sp.Expr):
                raise ExpressionError(f"the objective returned {type(value).__name__}, not a "
                                      "scalar")
            expr = sp.expand(value)
            compile_sympy(expr, self._index)
            self._sym_objective = expr
        return self._sym_objective

    def _check_exact_cost(self) -> None:
        """Refuse (``LimitError``) an objective whose exact expansion is estimated to exceed
        the size or work limits of :mod:`mfverify.exprcost`, before expanding it."""
        if self.form == "text" and not self._cost_checked:
            assert self.node is not None
            check_cost(estimate_cost(self.node, self._shapes, self.variables), "the objective")
            self._cost_checked = True

    def _check_derivative_size(self, order: int) -> None:
        """Refuse derivatives whose total size (at most terms·degree^order) is over the limit."""
        f = self.sympy_objective
        terms = sp.Add.make_args(f)
        deg = 0
        if self.form == "text":
            assert self.node is not None
            deg = degree_bound(self.node)
        elif f.free_symbols:  # a sample of the terms: enough for an estimate
            deg = max(sp.total_degree(t, *self._flat_symbols) for t in terms[:50])
        which = "gradient" if order == 1 else "Hessian"
        check_limit(len(terms) * max(deg, 1) ** order, max_terms(),
                    f"the estimated number of terms of the exact {which} (objective terms × "
                    f"degree{'²' if order == 2 else ''})",
                    "simplify the objective or raise the limit with MFVERIFY_MAX_TERMS=N")

    def _raw_objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        if self.form == "text":
            assert self.node is not None
            if A.exact:
                self._check_exact_cost()
            env = {**x, **{k: d[k] for k in self.user_data}}
            return evaluate(self.node, env, A, shapes=self._shapes)
        if self.form == "callable":
            assert self.callable is not None
            if self._callable_takes_data:
                return self.callable(A, x, d)
            return self.callable(A, x)
        if self._compiled_objective is None:  # pragma: no cover
            self._compiled_objective = compile_sympy(self.sympy_objective, self._index)
        if A.exact:
            flat = self.flatten(x)
            return self.sympy_objective.xreplace(dict(zip(self._flat_symbols, flat,
                                                          strict=True)))
        return self._compiled_objective(self._values(x), A)

    def _values(self, x: Point) -> list[Any]:
        flat = self.flatten(x)
        return [flat[..., k] if flat.ndim > 1 else flat[k] for k in range(self.dim)]

    # -- the Problem interface -----------------------------------------------------------------
    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        val = d["scale"] * self._raw_objective(A, x, d)
        if not A.exact:  # a constant objective on a batch of points: one value per point
            batch = self.flatten(x).shape[:-1]
            if batch and np.shape(val) != batch:
                val = np.broadcast_to(val, batch).copy()
        return val

    def _check_data(self, A: Arith, d: Mapping[str, Any]) -> None:
        stored = self.data_in(A)
        for k in self.user_data:
            if d.get(k) is not stored.get(k):
                raise UnsupportedError(
                    f"custom problem derivatives use the stored data; {k!r} was overridden "
                    "(overrides are supported by the objective only)")

    def _gradient_exprs(self) -> list[Compiled]:
        if self._grad_cache is None:
            self._check_derivative_size(1)
            f = self.sympy_objective
            self._grad_exprs_sym = [sp.expand(sp.diff(f, s)) for s in self._flat_symbols]
            self._grad_cache = [compile_sympy(g, self._index) for g in self._grad_exprs_sym]
        return self._grad_cache

    def _hessian_exprs(self) -> list[list[tuple[int, Compiled]]]:
        if self._hess_cache is None:
            self._gradient_exprs()
            self._check_derivative_size(2)
            rows: list[list[tuple[int, Compiled]]] = []
            for g in self._grad_exprs_sym:
                row = []
                for j, s in enumerate(self._flat_symbols):
                    h = sp.expand(sp.diff(g, s))
                    if h != 0:
                        row.append((j, compile_sympy(h, self._index)))
                rows.append(row)
            self._hess_cache = rows
        return self._hess_cache

    def symbolic_gradient(self) -> list[sp.Expr]:
        """∂g/∂x_k for every flat coordinate k (without ``scale``), exact and cached."""
        self._gradient_exprs()
        return list(self._grad_exprs_sym)

    def _assemble(self, A: Arith, entries: list[Any], x: Point) -> Point:
        flat = self.flatten(x)
        batch = flat.shape[:-1]
        out = A.zeros((*batch, self.dim))
        for k, v in enumerate(entries):
            out[..., k] = v
        return self.unflatten(out)

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        """∇f(x) = scale·∇g(x), from the cached SymPy derivatives of g."""
        self._check_data(A, d)
        vals = self._values(x)
        if A.exact:
            subs = dict(zip(self._flat_symbols, vals, strict=True))
            self._gradient_exprs()
            entries = [g.xreplace(subs) for g in self._grad_exprs_sym]
        else:
            entries = [g(vals, A) for g in self._gradient_exprs()]
        s = d["scale"]
        return self._assemble(A, [s * e for e in entries], x)

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        """∇²f(x)[v] = scale·Σ_l ∂²g/∂x_k∂x_l(x)·v_l, from the cached SymPy second derivatives."""
        self._check_data(A, d)
        vals = self._values(x)
        dv = self._values(v)
        rows = self._hessian_exprs()
        entries = []
        for row in rows:
            acc: Any = A.const(0)
            for j, h in row:
                acc = acc + h(vals, A) * dv[j]
            entries.append(d["scale"] * acc)
        if A.exact:
            entries = [sp.expand(e) for e in entries]
        return self._assemble(A, entries, x)

    # -- symmetry ------------------------------------------------------------------------------
    def _parse_symmetry(self, decl: Mapping[str, Any]) -> dict[str, Any]:
        allowed = {"group", "variables", "inverse_transpose"}
        unknown = sorted(set(decl) - allowed)
        if unknown:
            raise SpecError(f"symmetry: unknown key(s) {unknown}; allowed {sorted(allowed)}")
        group = decl.get("group")
        if group not in ("O", "GL"):
            raise SpecError(f"symmetry: group must be 'O' or 'GL', got {group!r}")
        right = list(decl.get("variables", []))
        inv_t = list(decl.get("inverse_transpose", []))
        if group == "O" and inv_t:
            raise SpecError("symmetry: 'inverse_transpose' only applies to group 'GL'")
        if not right:
            raise SpecError("symmetry: 'variables' must list at least one matrix variable")
        cols = set()
        for v in right + inv_t:
            if v not in self.variables:
                raise SpecError(f"symmetry: {v!r} is not a variable ({list(self.variables)})")
            if len(self.variables[v]) != 2:
                raise ShapeError(f"symmetry: {v!r} must be a matrix variable")
            cols.add(self.variables[v][1])
        if len(cols) != 1:
            raise ShapeError(f"symmetry: the variables must have the same number of columns, "
                             f"got {sorted(cols)}")
        r = cols.pop()
        decl_out = {"group": group, "variables": right, "inverse_transpose": inv_t, "r": r}
        self._verify_symmetry(decl_out)
        return decl_out

    def _generators(self, r: int, group: str) -> list[np.ndarray]:
        return skew_basis(r) if group == "O" else elementary_basis(r)

    def _tangent(self, x: Point, om: np.ndarray, decl: Mapping[str, Any]) -> Point:
        out: Point = {}
        for name, val in x.items():
            if name in decl["variables"]:
                out[name] = val @ om
            elif name in decl["inverse_transpose"]:
                out[name] = -(val @ om.T)
            else:
                out[name] = np.zeros_like(val)
                out[name][...] = sp.Integer(0) if val.dtype == object else 0
        return out

    def _verify_symmetry(self, decl: Mapping[str, Any]) -> None:
        grads = self.symbolic_gradient()
        x = self._symbols
        r = decl["r"]
        for om in self._generators(r, decl["group"]):
            t = self.flatten(self._tangent(x, om, decl))
            deriv = sum((g * ti for g, ti in zip(grads, t, strict=True)), sp.Integer(0))
            if sp.expand(deriv) != 0 and sp.simplify(deriv) != 0:
                raise SymmetryError(
                    f"the declared {decl['group']}({r}) invariance does not hold: the "
                    f"derivative of the objective along the generator {om.tolist()} is "
                    f"{sp.factor(deriv)}, not 0")
        refl = np.empty((r, r), dtype=object)
        refl[:] = sp.Integer(0)
        for i in range(r):
            refl[i, i] = sp.Integer(-1 if i == 0 else 1)
        moved = {k: (v @ refl if k in decl["variables"] or k in decl["inverse_transpose"]
                     else v) for k, v in x.items()}
        f = self.sympy_objective
        f2 = f.xreplace(dict(zip(self._flat_symbols, self.flatten(moved), strict=True)))
        if sp.expand(f2 - f) != 0 and sp.simplify(f2 - f) != 0:
            raise SymmetryError(f"the declared {decl['group']}({r}) invariance does not hold "
                                "under the reflection diag(-1, 1, ..., 1)")

    def symmetry(self) -> SymmetryGroup:
        if self._declared is None:
            return SymmetryGroup("trivial", 0, "x -> x", "no symmetry declared")
        d = self._declared
        r = d["r"]
        moved = ", ".join(d["variables"])
        if d["group"] == "O":
            return SymmetryGroup(f"O({r})", r * (r - 1) // 2,
                                 f"({moved}) -> ({moved}) Q, Q in O({r})", "declared, verified")
        inv = ", ".join(d["inverse_transpose"])
        action = f"({moved}) -> ({moved}) A" + (f", ({inv}) -> ({inv}) A^-T" if inv else "")
        return SymmetryGroup(f"GL({r})", r * r, action + f", A in GL({r})",
                             "declared, verified")

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        if self._declared is None:
            return []
        A = get_arith(arith)
        pt = self.point(x, A, batch=False)
        out = []
        for om in self._generators(self._declared["r"], self._declared["group"]):
            Om = A.asarray(om)
            t = self._tangent(pt, Om, self._declared)
            out.append({k: A.finish_array(np.asarray(v)) for k, v in t.items()})
        return out

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        if self._declared is None:
            raise UnsupportedError("no symmetry declared for this custom problem")
        A = get_arith(arith)
        pt = self.point(x, A)
        G = A.asarray(g)
        out = dict(pt)
        for k in self._declared["variables"]:
            out[k] = pt[k] @ G
        for k in self._declared["inverse_transpose"]:
            out[k] = pt[k] @ A.T(A.inv(G))
        return out

    # -- views ---------------------------------------------------------------------------------
    def objective_text(self) -> str:
        """g in the text grammar (text objectives print canonically; others from SymPy)."""
        if self.node is not None:
            return to_text(self.node)
        return _sympy_to_text(self.sympy_objective, self)

    def describe(self) -> str:
        shapes = ", ".join(f"{k} ∈ R^{{{'×'.join(map(str, s)) or '1'}}}"
                           for k, s in self.variables.items())
        label = f"{self.name}: " if self.name else ""
        text = f"{label}f = {self.scale}·({self.objective_text()}), {shapes}"
        if self.user_data:
            parts = []
            for k, v in self.user_data.items():
                parts.append(f"{k} = {np.asarray(v, dtype=object).tolist()}")
            text += "; " + "; ".join(parts)
        return text

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "problem": self.kind,
            "variables": {k: list(v) for k, v in self.variables.items()},
            "objective": self.objective_text(),
        }
        if self.user_data:
            spec["data"] = {k: (np.vectorize(str, otypes=[object])(v).tolist()
                                if isinstance(v, np.ndarray) else str(v))
                            for k, v in self.user_data.items()}
        spec["scale"] = str(self.scale)
        if self._declared is not None:
            decl = {"group": self._declared["group"], "variables": self._declared["variables"]}
            if self._declared["inverse_transpose"]:
                decl["inverse_transpose"] = self._declared["inverse_transpose"]
            spec["symmetry"] = decl
        if self.name:
            spec["name"] = self.name
        return spec

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the problem's spec (its caches of compiled derivatives are closures and
        do not pickle): the copy is rebuilt with :meth:`from_spec`, so it evaluates to the
        same values. A callable objective travels as itself (it must be picklable, e.g. a
        module-level function)."""
        if self.form == "callable":
            spec = self._spec_without_objective()
            return (_rebuild, (spec, self.callable))
        return (_rebuild, (self.to_spec(), None))

    def _spec_without_objective(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"variables": {k: list(v) for k, v in self.variables.items()},
                                "scale": str(self.scale)}
        if self.user_data:
            spec["data"] = {k: (np.vectorize(str, otypes=[object])(v).tolist()
                                if isinstance(v, np.ndarray) else str(v))
                            for k, v in self.user_data.items()}
        if self._declared is not None:
            decl = {"group": self._declared["group"], "variables": self._declared["variables"]}
            if self._declared["inverse_transpose"]:
                decl["inverse_transpose"] = self._declared["inverse_transpose"]
            spec["symmetry"] = decl
        if self.name:
            spec["name"] = self.name
        return spec


def _rebuild(spec: dict[str, Any], objective: Callable[..., Any] | None) -> CustomProblem:
    """Unpickle a :class:`CustomProblem` (see :meth:`CustomProblem.__reduce__`)."""
    if objective is None:
        return CustomProblem.from_spec(spec)
    return CustomProblem(spec["variables"], objective, data=spec.get("data"),
                         scale=spec.get("scale", 1), symmetry=spec.get("symmetry"),
                         name=spec.get("name"))


def _takes_data(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _sympy_to_text(expr: sp.Expr, problem: CustomProblem) -> str:
    """Print a whitelisted SymPy objective in the text grammar (entries as ``X[i, j]``)."""
    rename: dict[sp.Symbol, sp.Symbol] = {}
    for vname, shape in problem.variables.items():
        arr = problem._symbols[vname]
        for idx in np.ndindex(*shape):
            label = vname if not idx else f"{vname}[{', '.join(map(str, idx))}]"
            rename[arr[idx]] = sp.Symbol(label)
    return sp.sstr(expr.xreplace(rename))
