"""Problems at other sizes, with symbolic data, and the exact derivatives of their objectives.

A spec fixes one instance (say M is 2×2 and r = 1). A hand derivation is about every size, so
the exact mode rebuilds the problem at each size of a range (a *family*: the symmetric problem
has dimensions (n, r), the asymmetric one (m, n, r)), replaces every data matrix by symbols of
the declared structure (M symmetric for the symmetric problem, as the problem requires), keeps
the scalar constants (scale, balance) unless they are declared symbolic, and differentiates
the objective with SymPy. The family comes from the problem's hooks (``size_dims``, ``size()``,
``at_size()``, ``data_structure``); kinds without dimensions are checked at their own size only
(with their data matrices replaced by symbols).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..arith import ExactArith, get_arith
from ..errors import InputError, UnsupportedError
from ..problems import Problem
from .exact import Structure, structured_matrix

__all__ = ["Family", "family_of", "expression_names", "expression_env", "claim_env",
           "SymbolicInstance", "symbolic_instance", "directional",
           "gradient_of", "random_instance", "float_entries"]


@dataclass(frozen=True)
class Family:
    """How to rebuild a problem kind at other sizes.

    ``dims`` names the dimensions; ``build(problem, size)`` returns the problem at that size
    (data values do not matter: the exact mode replaces them by symbols); ``structure`` is the
    structure the kind *requires* of its data (the default declaration).
    """

    kind: str
    dims: tuple[str, ...]
    sizes_of: Callable[[Problem], dict[str, int]]
    build: Callable[[Problem, dict[str, int]], Problem]
    structure: dict[str, Structure] = field(default_factory=dict)
    #: The index structure, for the size bound (:mod:`mfverify.derivation.sizebound`): the
    #: shape of every variable and datum in the dimensions (``{"X": ("n", "r")}``; scalars
    #: ``()``) and the objective in the expression grammar, from the problem class attributes
    #: ``size_shapes`` and ``objective_expression``. The exact mode checks at every size it
    #: expands that this expression *is* the problem's objective. A kind without them gets no
    #: all-sizes verdict (the reason says so).
    shapes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    objective: str | None = None
    #: Why there is no objective expression (the problem's ``size_free_reason``), or None.
    no_objective_reason: str | None = None
    #: Constant matrices of fixed dimensions (the problem's ``size_constants``).
    constants: dict[str, Any] = field(default_factory=dict)

    def valid(self, problem: Problem, size: dict[str, int]) -> bool:
        """Whether the problem exists at ``size`` (e.g. r <= n for the symmetric problem)."""
        try:
            self.build(problem, size)
        except (UnsupportedError, InputError):
            return False
        return True


def family_of(problem: Problem) -> Family:
    """The size family of ``problem``, from its hooks (:attr:`Problem.size_dims`,
    :meth:`Problem.size`, :meth:`Problem.at_size`, :attr:`Problem.data_structure`); a kind
    without dimensions gives a fixed-size family whose ``build`` returns the problem itself.
    """
    declared = {k: Structure(v) for k, v in problem.data_structure.items()}
    dims = tuple(problem.size_dims)
    if not dims:
        return Family(problem.kind, (), lambda p: {}, lambda p, s: problem, declared)
    return Family(problem.kind, dims, lambda p: dict(p.size()),
                  lambda p, s: p.at_size(s), declared,
                  dict(getattr(problem, "size_shapes", {}) or {}),
                  getattr(problem, "objective_expression", None),
                  getattr(problem, "size_free_reason", None),
                  dict(getattr(problem, "size_constants", {}) or {}))


def expression_names(problem: Problem) -> list[str]:
    """The names a text claim about ``problem`` may use: its variables and data, then the
    dimensions of its size family (as scalars: the size, e.g. ``1/(4*m)``) and its fixed
    constants (``J``), each unless an input has that name."""
    names = list(problem.variables) + [k for k in problem.data]
    extra = list(problem.size_dims) + list(getattr(problem, "size_constants", {}) or {})
    return names + [k for k in extra if k not in names]


def expression_env(problem: Problem, env: Mapping[str, Any]) -> dict[str, Any]:
    """``env`` for the expression grammar (the family's objective expression, text claims and
    definitions): a 1-D datum declared ``(d, 1)`` (or ``(1, d)``) in ``size_shapes`` becomes
    that column (row), each dimension of the size family not shadowed by an input is its size
    (an int), and the fixed constants are added (nested lists: the evaluator converts both to
    its arithmetic)."""
    shapes = getattr(problem, "size_shapes", {}) or {}
    out = dict(env)
    for name, value in env.items():
        decl = shapes.get(name)
        if isinstance(value, np.ndarray) and value.ndim == 1 and decl is not None \
                and len(decl) == 2:
            if str(decl[1]) == "1":
                out[name] = value.reshape(-1, 1)
            elif str(decl[0]) == "1":
                out[name] = value.reshape(1, -1)
    if problem.size_dims:
        for d, v in problem.size().items():
            if d not in out:
                out[d] = int(v)
    for name, c in (getattr(problem, "size_constants", {}) or {}).items():
        if name not in out:
            out[name] = [list(row) for row in c]
    return out


def claim_env(problem: Problem, env: Mapping[str, Any], claimed: Any) -> dict[str, Any]:
    """:func:`expression_env` for a text claim; a callable or SymPy claim gets ``env`` as it
    is (its data keep the problem's own shapes)."""
    return expression_env(problem, env) if getattr(claimed, "kind", "text") == "text" \
        else dict(env)


@dataclass
class SymbolicInstance:
    """A problem at one size with symbolic variables and data.

    ``inputs`` maps every name an expression may use (variables, data) to its exact value.
    """

    problem: Problem
    A: ExactArith
    x: dict[str, np.ndarray]
    data: dict[str, Any]
    inputs: dict[str, Any]
    _f: sp.Expr | None = None

    @property
    def objective(self) -> sp.Expr:
        """The expanded objective f(x) (cached)."""
        if self._f is None:
            self._f = sp.expand(self.problem.objective(self.A, self.x, self.data))
        return self._f


def symbolic_instance(problem: Problem, structure: Mapping[str, Structure],
                      symbolic: Iterable[str] = ()) -> SymbolicInstance:
    """Symbols for every variable entry and every data matrix entry (with ``structure``).

    Scalars named in ``symbolic`` (e.g. ``"scale"``) become real symbols of the same name
    (``scale`` is declared positive); other scalars keep their exact values. Data that are
    lists (e.g. sensing matrices) keep their values.
    """
    A = ExactArith()
    base = problem.data_in(A)
    symbolic = set(symbolic)
    unknown = symbolic - set(problem.data)
    if unknown:
        raise InputError(f"cannot make {sorted(unknown)} symbolic: the problem's data are "
                         f"{sorted(problem.data)}")
    data: dict[str, Any] = {}
    for name, value in base.items():
        if isinstance(value, np.ndarray) and value.ndim == 2:
            st = structure.get(name, Structure.GENERAL)
            data[name] = structured_matrix(name, value.shape[0], value.shape[1], st)
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            arr = np.empty(value.shape, dtype=object)
            for i in range(value.shape[0]):
                arr[i] = sp.Symbol(f"{name}_{i}", real=True)
            data[name] = arr
        elif name in symbolic:
            data[name] = sp.Symbol(name, positive=True) if name == "scale" else \
                sp.Symbol(name, real=True)
        else:
            data[name] = value
    for name in structure:
        if name not in problem.data:
            raise InputError(f"cannot declare the structure of {name!r}: the problem's data "
                             f"are {sorted(problem.data)}")
    x = problem.symbolic_point()
    inputs: dict[str, Any] = dict(x)
    for name, value in data.items():
        if isinstance(value, (np.ndarray, sp.Basic)):
            inputs[name] = value
    return SymbolicInstance(problem, A, x, data, inputs)


def directional(expr: Any, x: Mapping[str, np.ndarray], direction: Mapping[str, np.ndarray],
                backend: Any = None) -> Any:
    """Σ_V Σ_ij ∂expr/∂V_ij · dir_V[ij]: the derivative of ``expr`` along ``direction``
    (variables missing from ``direction`` are held fixed). ``x`` holds the SymPy symbols;
    ``expr`` and ``direction`` are in the backend's arithmetic (SymPy by default)."""
    if backend is None:
        total: Any = sp.Integer(0)
        for name, d in direction.items():
            xv = x[name]
            for idx in np.ndindex(*xv.shape):
                if d[idx] != 0:
                    total += sp.diff(expr, xv[idx]) * d[idx]
        return sp.expand(total)
    total = backend.zero()
    for name, d in direction.items():
        xv = x[name]
        for idx in np.ndindex(*xv.shape):
            total = total + backend.diff(expr, xv[idx]) * d[idx]
    return backend.finish(total)


def gradient_of(f: Any, xv: np.ndarray, backend: Any = None) -> np.ndarray:
    """∂f/∂V entry by entry (V a matrix of independent SymPy symbols)."""
    out = np.empty(xv.shape, dtype=object)
    for idx in np.ndindex(*xv.shape):
        out[idx] = sp.expand(sp.diff(f, xv[idx])) if backend is None else \
            backend.diff(f, xv[idx])
    return out


def float_entries(problem: Problem, size: Mapping[str, int] | None) -> int:
    """The number of floats of the data and variables of ``problem`` rebuilt at ``size``
    (``size`` None: the problem itself), computed without building anything."""
    fam = family_of(problem)
    if size and fam.dims and all(d in size for d in fam.dims):
        return problem.entries_at({d: int(size[d]) for d in fam.dims})
    data = sum(int(np.size(v)) for v in problem.data.values()
               if isinstance(v, (np.ndarray, list, tuple)))
    return data + problem.dim


def random_instance(problem: Problem, size: Mapping[str, int] | None, rng: np.random.Generator
                    ) -> tuple[Problem, dict[str, np.ndarray]]:
    """A float64 instance of the problem's family at ``size`` with random data of the required
    structure (or the problem itself when ``size`` is None); returns (problem, data override).

    Random data are Gaussian (symmetrized where the structure requires it), so the numeric
    checks are generic.
    """
    fam = family_of(problem)
    if size:
        if not fam.dims:
            raise UnsupportedError(f"problem kind {problem.kind!r} cannot be rebuilt at another "
                                   "size; run the numeric check at its own size")
        missing = [d for d in fam.dims if d not in size]
        if missing:
            raise InputError(f"numeric size needs {list(fam.dims)}; missing {missing}")
        p = fam.build(problem, {d: int(size[d]) for d in fam.dims})
        A = get_arith("numpy")
        data: dict[str, np.ndarray] = {}
        for name, value in p.data_in(A).items():
            if isinstance(value, np.ndarray) and value.ndim == 2:
                M = rng.standard_normal(value.shape)
                st = fam.structure.get(name, Structure.GENERAL)
                if st is Structure.SYMMETRIC:
                    M = (M + M.T) / 2
                data[name] = M
        return p, data
    return problem, {}


def check_structure_names(structure: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    bad = sorted(set(structure) - allowed)
    if bad:
        raise InputError(f"cannot declare the structure of {bad}; declarable names are "
                         f"{sorted(allowed)}")

