"""The :class:`Problem` base class: one objective, written once, evaluated in three arithmetics.

A problem has

* named **variables** with shapes (``{"X": (n, r)}``, ``{"U": (m, r), "V": (n, r)}``, ...);
* named **data** (``M``, ``Sigma``, sensing matrices, ...), stored exactly;
* an :meth:`Problem.objective` written against :class:`mfverify.arith.Arith`;
* optionally a closed-form :meth:`Problem.gradient` and :meth:`Problem.hvp` (never trusted:
  :mod:`proofs_checks.foundations` proves them equal to the SymPy derivative of the objective);
* its invariance group (:meth:`Problem.symmetry`) and orbit tangent (:meth:`Problem.orbit_tangent`).

A *point* is a ``dict`` mapping each variable name to an array of that arithmetic. In the NumPy
arithmetic every variable may carry the same leading batch axes ``(..., *shape)``, and data may
be batched too (pass ``data={"M": Ms}`` with ``Ms.shape == (B, n, n)``): B instances are then
evaluated in one vectorized call.

The flat vector of a point (:meth:`Problem.flatten`) concatenates the variables in the order of
:attr:`Problem.variables`, each in row-major (C) order. Hessian matrices use that ordering.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError, NonFiniteError, ShapeError, SymmetryError, UnsupportedError
from ..inputs import check_nesting
from ..numbers import parse_number

__all__ = [
    "Problem",
    "Point",
    "Stratum",
    "SymmetryGroup",
    "exact_matrix",
    "exact_vector",
    "check_symmetric",
]

Point = dict[str, np.ndarray]


@dataclass(frozen=True)
class Stratum:
    """One stationary class of an exact landscape, for B instances at once.

    ``invariant`` (shape ``(B, *shape)``) is the value of the family's orbit invariant on the
    class (XXᵀ, resp. UVᵀ: the class is one group orbit, or a union of orbits with that
    invariant), ``value`` (shape ``(B,)``) the objective there, ``kind`` one of
    ``"global_min"``, ``"saddle"`` or ``"local_min"``.
    """

    name: str
    invariant: np.ndarray
    value: np.ndarray
    kind: str


@dataclass(frozen=True)
class SymmetryGroup:
    """The Lie group a problem is invariant under.

    Attributes
    ----------
    name
        ``"O(r)"``, ``"GL(r)"`` or ``"trivial"`` (with r substituted, e.g. ``"O(2)"``).
    dimension
        Dimension of the group as a manifold (``r(r-1)/2`` for O(r), ``r²`` for GL(r)).
    action
        How the group acts on a point, in words (e.g. ``"X -> X Q"``).
    """

    name: str
    dimension: int
    action: str
    notes: str = ""


# ---------------------------------------------------------------------------------------------
# validation helpers (shared by every problem and by the spec loader)
# ---------------------------------------------------------------------------------------------


def _nested_shape(value: Any, name: str) -> tuple[int, ...]:
    """Shape of a rectangular nested list; raises ShapeError when ragged."""
    if isinstance(value, (list, tuple)):
        if len(value) == 0:
            return (0,)
        shapes = {_nested_shape(v, name) for v in value}
        if len(shapes) != 1:
            raise ShapeError(f"{name} is ragged: its rows have different lengths {sorted(shapes)}")
        return (len(value), *shapes.pop())
    return ()


def _from_array_protocol(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)`` for an object with ``__array__``; a typed error when it fails."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # a foreign library's own error type
        raise ShapeError(f"{name}: cannot read {type(value).__name__} through __array__: "
                         f"{exc}") from None
    if not isinstance(arr, np.ndarray):
        raise ShapeError(f"{name}: __array__ of {type(value).__name__} did not return an array")
    return arr


def _to_exact_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    elif (not isinstance(value, (np.ndarray, list, tuple, str))
          and callable(getattr(value, "__array__", None))):
        # array-likes of other libraries (torch tensors, JAX arrays, xarray, ...): their values
        # through the NumPy array protocol, exactly as for points
        value = _from_array_protocol(value, name)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            raise NonFiniteError(f"{name} contains NaN or infinity; expected finite entries")
        arr = value.astype(object) if value.dtype != object else value.copy()
    else:
        check_nesting(value, name, error=ShapeError)  # before anything recurses into it
        shape = _nested_shape(value, name)
        arr = np.empty(shape, dtype=object)
        if shape == ():
            arr[()] = value
        else:
            flat_in = np.array(value, dtype=object).reshape(-1)
            arr = flat_in.reshape(shape)
    flat = arr.reshape(-1)
    for k, v in enumerate(flat):
        try:
            flat[k] = parse_number(v.item() if isinstance(v, np.generic) else v)
        except InputError as exc:
            raise type(exc)(f"{name}: entry {k}: {exc}") from exc
    return flat.reshape(arr.shape)


def exact_matrix(
    value: Any,
    name: str,
    *,
    square: bool = False,
    symmetric: bool = False,
    shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """Validate ``value`` as a finite matrix and convert it to an exact object array.

    Raises :class:`ShapeError` (not 2-D, empty, ragged, wrong size), :class:`NonFiniteError`,
    :class:`SymmetryError` (``symmetric=True`` and ``M != Mᵀ`` exactly), or a number error.
    """
    arr = _to_exact_array(value, name)
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be a matrix (2-D), got an array of shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ShapeError(f"{name} must be non-empty, got shape {arr.shape}")
    if (square or symmetric) and arr.shape[0] != arr.shape[1]:
        raise ShapeError(f"{name} must be square, got shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        raise ShapeError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if symmetric:
        check_symmetric(arr, name)
    return arr


def exact_vector(value: Any, name: str, *, length: int | None = None) -> np.ndarray:
    arr = _to_exact_array(value, name)
    if arr.ndim != 1:
        raise ShapeError(f"{name} must be a vector (1-D), got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ShapeError(f"{name} must have length {length}, got {arr.shape[0]}")
    return arr


def check_symmetric(arr: np.ndarray, name: str) -> None:
    """Raise :class:`SymmetryError` naming the first entry with ``a[i,j] != a[j,i]`` (exactly)."""
    n = arr.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            diff = arr[i, j] - arr[j, i]
            if diff != 0 and sp.simplify(diff) != 0:
                raise SymmetryError(
                    f"{name} must be symmetric, but {name}[{i},{j}] = {arr[i, j]} differs from "
                    f"{name}[{j},{i}] = {arr[j, i]}"
                )


def check_rank(rank: Any, name: str, *, low: int, high: int, what: str) -> int:
    from ..errors import RankError

    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)):
        raise RankError(f"{name} must be an integer, got {rank!r}")
    rank = int(rank)
    if rank < low or rank > high:
        raise RankError(f"{name} = {rank} is out of range; expected {low} <= {name} <= {high} "
                        f"({what})")
    return rank


# ---------------------------------------------------------------------------------------------
# the base class
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _DataCache:
    by_arith: dict[Any, dict[str, Any]] = field(default_factory=dict)
    symbolic: dict[bool, tuple[Any, list[Any]]] = field(default_factory=dict)


class Problem(ABC):
    """Base class of every objective. Subclasses set :attr:`variables` and :attr:`data`.

    Subclasses implement :meth:`objective` once, in terms of an :class:`~mfverify.arith.Arith`;
    the same code then runs exactly, at any mpmath precision, and batched in NumPy.
    """

    #: The ``"problem"`` key of the spec format.
    kind: str = "abstract"
    #: Keys the spec format accepts for this kind, and those it requires.
    spec_keys: tuple[str, ...] = ()
    required_keys: tuple[str, ...] = ()
    #: Declared structure of the data matrices the objective *requires* (``"symmetric"``,
    #: ``"diagonal"``, ``"skew"``; absent names are general). The exact derivation checks
    #: replace data by symbols of this structure; the batch solvers check batched overrides.
    #: (A class or an instance attribute: it may depend on the instance's options.)
    data_structure: dict[str, str] = {}  # noqa: RUF012 - read-only default
    #: Names of the dimensions of the size family (``("n", "r")``); empty: fixed size only.
    size_dims: tuple[str, ...] = ()
    #: The index structure of the family, for all-sizes derivation verdicts
    #: (:mod:`mfverify.derivation.sizebound`): the shape of each variable and datum in the
    #: dimensions (``{"X": ("n", "r"), "M": ("n", "n"), "scale": ()}``) and the objective in
    #: the expression grammar (``"scale*norm(X*X.T - M)^2"``), which the exact mode checks
    #: against :meth:`objective` at every size it expands. Empty / None: no all-sizes verdict.
    #: (Class or instance attributes: they may depend on the instance, e.g. its depth.) A
    #: dimension may also be a fixed integer (``("n", 1)``: a column vector).
    size_shapes: dict[str, tuple[str | int, ...]] = {}  # noqa: RUF012 - read-only default
    objective_expression: str | None = None
    #: Why a family with dimensions has no ``objective_expression`` (shown as the reason of a
    #: sizes-checked verdict); None: the generic reason.
    size_free_reason: str | None = None
    #: Constant matrices of *fixed* dimensions (``{"J": [[0, -1], [1, 0]]}``) that the
    #: objective expression and text claims may use by name; the size bound ranges only the
    #: dimensions of ``size_dims`` (a constant's index values lie in its fixed range).
    size_constants: dict[str, Any] = {}  # noqa: RUF012 - read-only default
    #: Keys (name -> type) of the sweep generator ``gen:KIND?key=value``; empty: none.
    generator_keys: ClassVar[dict[str, type]] = {}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Problem:
        """Build the problem from a validated spec dictionary (see :mod:`mfverify.spec`)."""
        raise UnsupportedError(f"{cls.__name__} cannot be built from a spec")

    def __init__(self) -> None:
        self.variables: dict[str, tuple[int, ...]] = {}
        self.data: dict[str, Any] = {}
        self._cache = _DataCache()

    # -- the mathematics (subclasses) -------------------------------------------------------
    @abstractmethod
    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        """f(x) with data ``d`` (already converted to arithmetic ``A``)."""

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        """Closed-form gradient ∇f(x) (same keys and shapes as ``x``)."""
        raise UnsupportedError(f"{type(self).__name__} has no closed-form gradient")

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        """Closed-form Hessian-vector product ∇²f(x)[v]."""
        raise UnsupportedError(f"{type(self).__name__} has no closed-form Hessian-vector product")

    @property
    def has_closed_forms(self) -> bool:
        return type(self).gradient is not Problem.gradient and type(self).hvp is not Problem.hvp

    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """An orbit invariant of the family's symmetry group in batched NumPy: a function of
        the point (arrays with any leading axes) constant on every orbit, flattened to shape
        ``(*lead, k)``. The batch engine's outcome classifier
        (:func:`mfverify.batch.classify_runs`) matches runs with known stationary classes by
        the distance of these invariants. Default: the raw coordinates (the trivial group);
        the families return XXᵀ (O(r)), UVᵀ (GL(r)), the end-to-end product (deep linear
        networks) or (ZZᵀ, ZJZᵀ) = zzᴴ in real form (complex phase retrieval), see
        :mod:`mfverify.problems.invariants`."""
        from .invariants import raw_coordinates

        return raw_coordinates(x, self.variables)

    def symmetry(self) -> SymmetryGroup:
        """The invariance group (default: trivial)."""
        return SymmetryGroup("trivial", 0, "x -> x")

    def group_action(self) -> Any:
        """The invariance group as an action object (:class:`~mfverify.problems.groups.
        GroupAction`): Lie-algebra basis, finite part and the quotient strategy the landscape
        engine asks for. Default: built from :meth:`symmetry` (O(r) on the right of all matrix
        variables, GL(r) on (U, V), else trivial); families whose group is not of these forms
        (a deep linear network's chain action, U(1) on complex coordinates) override it. The
        engine proves the invariance from f before using it."""
        from .groups import action_from_record

        return action_from_record(self.variables, self.symmetry())

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        """A spanning set of the tangent space at ``x`` of the group orbit through ``x``.

        The vectors span T_x(G·x); they need not be independent (at rank-deficient points the
        orbit has lower dimension than the group). Default: the trivial group, no vectors.
        """
        return []

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        """Apply the group element ``g`` to the point ``x``."""
        raise UnsupportedError(f"{type(self).__name__} has no group action")

    def describe(self) -> str:
        """A one-paragraph statement of the objective with every constant explicit."""
        return self.kind

    # -- family hooks (per-family knowledge the engines ask for; see docs/problems.md) -------
    def size(self) -> dict[str, int]:
        """This instance's dimensions, keyed by :attr:`size_dims` (default: none)."""
        return {}

    def at_size(self, size: Mapping[str, int]) -> Problem:
        """The same problem (same constants) at another size of its family; the data values
        do not matter (the exact derivation checks replace them by symbols). Raise
        :class:`UnsupportedError` for sizes outside the family (e.g. r > n)."""
        raise UnsupportedError(f"problem kind {self.kind!r} cannot be rebuilt at another size")

    def entries_at(self, size: Mapping[str, int]) -> int:
        """The number of entries of the data and variables at ``size`` (what a numeric check
        allocates per point). The default builds the problem there (:meth:`at_size`); a kind
        that knows its shapes overrides this so that a huge size is refused before anything
        is built."""
        p = self.at_size(size)
        return p.dim + sum(int(np.size(v)) for v in p.data.values()
                           if isinstance(v, (np.ndarray, list, tuple)))

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """The global minimum value per instance, float64 of shape ``(B,)`` (``data`` may hold
        batched overrides with a leading axis B). Default: unknown (:class:`UnsupportedError`)."""
        raise UnsupportedError(f"no closed-form optimal value for problem kind {self.kind!r}")

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """Relative distance of each run's final point to the planted / target matrix, float64
        of shape ``(B, K)`` (``x``: ``name -> (B, K, *shape)``; ``data``: the batched data the
        sweep generator returned). Families define it through their orbit invariant, e.g.
        ‖XXᵀ − M*‖_F / ‖M*‖_F. Default: unknown (:class:`UnsupportedError`)."""
        raise UnsupportedError(f"no recovery error for problem kind {self.kind!r}")

    def critical_strata(self, data: Mapping[str, np.ndarray]) -> list[Stratum]:
        """The stationary classes of the exact landscape of each batched instance, as
        :class:`Stratum` objects (one per class, values per instance). Only families whose
        critical set is known in closed form define it. Default: :class:`UnsupportedError`."""
        raise UnsupportedError(f"no closed-form landscape for problem kind {self.kind!r}")

    def override_batch(self, data: Mapping[str, Any] | None) -> int:
        """The number B of instances in batched data overrides: the product of the leading axes
        each override has beyond the shape of the problem's own datum (1 without overrides)."""
        B = 1
        for name, value in (data or {}).items():
            arr = np.asarray(value)
            B = max(B, int(np.prod(arr.shape[: arr.ndim - np.ndim(self.data[name])])))
        return B

    def global_min_certificate(self) -> tuple[str, str] | None:
        """``(status, reason)`` with status ``"attained"`` when f provably attains its infimum
        (so the global minimum value is the least critical value), or None (the landscape
        engine then tries its generic certificates)."""
        return None

    def symbolic_objective(self, *, expand: bool = True) -> tuple[sp.Expr, list[sp.Symbol]]:
        """f as one SymPy expression in the entry symbols of :meth:`symbolic_point` and those
        symbols in flat order (cached per instance; ``expand=False`` keeps the objective as the
        code writes it, e.g. a sum of squares)."""
        cache = self._cache.symbolic
        if expand not in cache:
            from ..arith import ExactArith

            A = ExactArith(expand=expand)
            x = self.symbolic_point()
            f = self.objective(A, x, self.data_in(A))
            f = f.item() if isinstance(f, np.ndarray) else f
            cache[expand] = (sp.expand(f) if expand else f, list(self.flatten(x)))
        f, gens = cache[expand]
        return f, list(gens)

    def hessian_matrix_form(self, x: Point, D: Point, data: Mapping[str, Any]
                            ) -> tuple[str, sp.Expr] | None:
        """∇²f(x)[D, D] in matrix notation: ``(text, expression)`` with symbolic ``x``, ``D``
        and ``data``; :func:`mfverify.symbolic.derive` shows the text once it has proved the
        expression equal to the quadratic form. Default: None."""
        return None

    def spectral_init(self, data: Mapping[str, np.ndarray], K: int = 1, *, noise: float = 0.0,
                      seed: int = 0) -> Point:
        """Spectral initialization from batched float64 data (``name -> (B, *shape)``), as
        ``name -> (B, K, *shape)``, with N(0, noise²) added per initialization."""
        raise UnsupportedError(f"problem kind {self.kind!r} has no spectral initialization")

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[Problem, dict[str, np.ndarray]]:
        """The sweep generator: B random instances as (problem, batched float64 data), from
        the validated ``params`` of :attr:`generator_keys`."""
        raise UnsupportedError(f"problem kind {cls.kind!r} has no sweep generator")

    @classmethod
    def strategy(cls, **options: Any) -> Any:
        """A hypothesis strategy of instances of this family (see :mod:`mfverify.strategies`)."""
        raise UnsupportedError(f"problem kind {cls.kind!r} has no hypothesis strategy")

    def to_spec(self) -> dict[str, Any]:
        """The spec-file dictionary describing this problem (numbers as exact strings)."""
        raise UnsupportedError(f"{type(self).__name__} cannot be written as a spec")

    # -- data in an arithmetic --------------------------------------------------------------
    def data_in(self, A: Arith, override: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The problem data converted to arithmetic ``A`` (cached), with optional overrides.

        ``override`` replaces named data, e.g. ``{"M": Ms}`` with ``Ms`` of shape ``(B, n, n)``
        to evaluate B instances at once in the NumPy arithmetic.
        """
        key = (type(A), getattr(A, "dps", None), getattr(A, "dtype", None),
               getattr(A, "expand", None))
        cached = self._cache.by_arith.setdefault(key, {})
        override = override or {}
        for name in override:
            if name not in self.data:
                raise InputError(f"unknown data name {name!r}; this problem has "
                                 f"{sorted(self.data)}")
        # convert (once per arithmetic, per name) only what is not overridden: a batched
        # override of a large M must not pay for converting the problem's own exact M
        for name, value in self.data.items():
            if name not in cached and name not in override:
                cached[name] = self._convert_data(A, name, value)
        if not override:
            return cached
        out = {name: v for name, v in cached.items() if name not in override}
        for name, value in override.items():
            arr = A.asarray(value)
            expected = np.shape(self.data[name])
            if arr.shape[arr.ndim - len(expected):] != expected:
                raise ShapeError(f"override {name} must have trailing shape {expected}, "
                                 f"got {arr.shape}")
            out[name] = arr
        return out

    @staticmethod
    def _convert_data(A: Arith, name: str, value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return A.asarray(value)
        if isinstance(value, (list, tuple)):
            return [A.asarray(v) if isinstance(v, np.ndarray) else A.const(v) for v in value]
        return A.const(value)

    # -- points ------------------------------------------------------------------------------
    def point(self, values: Any, arith: str | Arith = "numpy", *, batch: bool = True) -> Point:
        """Validate ``values`` (a dict by variable name, or one array for one-variable problems)
        and convert it to arithmetic ``arith``. Leading batch axes are allowed in NumPy."""
        A = get_arith(arith)
        if not isinstance(values, Mapping):
            if len(self.variables) != 1:
                raise InputError(
                    f"this problem has variables {list(self.variables)}; pass a dict by name"
                )
            values = {next(iter(self.variables)): values}
        unknown = set(values) - set(self.variables)
        if unknown:
            raise InputError(f"unknown variable(s) {sorted(unknown)}; expected "
                             f"{list(self.variables)}")
        missing = [k for k in self.variables if k not in values]
        if missing:
            raise InputError(f"missing variable(s) {missing}; expected {list(self.variables)}")
        out: Point = {}
        batch_shape: tuple[int, ...] | None = None
        for name, shape in self.variables.items():
            raw = values[name]
            if not isinstance(raw, np.ndarray) or raw.dtype == object:
                if isinstance(raw, (list, tuple)):
                    _nested_shape(raw, name)
            arr = A.asarray(raw)
            if arr.shape == shape:
                b: tuple[int, ...] = ()
            elif batch and arr.ndim > len(shape) and arr.shape[arr.ndim - len(shape):] == shape:
                b = arr.shape[: arr.ndim - len(shape)]
            else:
                raise ShapeError(f"variable {name} must have shape {shape}, got {arr.shape}")
            if batch_shape is None:
                batch_shape = b
            elif b != batch_shape:
                raise ShapeError(f"variables have different batch shapes: {batch_shape} vs {b}")
            out[name] = arr
        return out

    def symbolic_point(self, prefix: str | None = None) -> Point:
        """A point whose entries are fresh real SymPy symbols, e.g. ``X_0_1``."""
        out: Point = {}
        for name, shape in self.variables.items():
            arr = np.empty(shape, dtype=object)
            for idx in np.ndindex(*shape):
                label = "_".join(str(i) for i in idx)
                arr[idx] = sp.Symbol(f"{prefix or name}_{label}" if label else (prefix or name),
                                     real=True)
            out[name] = arr
        return out

    @property
    def dim(self) -> int:
        """Number of real unknowns (length of :meth:`flatten`)."""
        return int(sum(int(np.prod(s)) for s in self.variables.values()))

    def flatten(self, x: Point) -> np.ndarray:
        """Concatenate the variables (in order, each row-major) along the last axis."""
        parts = []
        for name, shape in self.variables.items():
            arr = np.asarray(x[name])
            lead = arr.shape[: arr.ndim - len(shape)]
            parts.append(arr.reshape(lead + (int(np.prod(shape)),)))
        return np.concatenate(parts, axis=-1)

    def unflatten(self, vec: np.ndarray) -> Point:
        """Inverse of :meth:`flatten`."""
        vec = np.asarray(vec)
        if vec.shape[-1] != self.dim:
            raise ShapeError(f"flat vector must have length {self.dim}, got {vec.shape[-1]}")
        out: Point = {}
        k = 0
        for name, shape in self.variables.items():
            size = int(np.prod(shape))
            out[name] = vec[..., k:k + size].reshape(vec.shape[:-1] + tuple(shape))
            k += size
        return out

    # -- convenience evaluation --------------------------------------------------------------
    def value(self, x: Any, arith: str | Arith = "numpy", *, data: Mapping[str, Any] | None =
              None, **options: Any) -> Any:
        """f(x) in the named arithmetic (``"exact"``, ``"mp"`` with ``dps=``, ``"numpy"``)."""
        A = get_arith(arith, **options)
        pt = self.point(x, A)
        return A.finish(self.objective(A, pt, self.data_in(A, data)))

    def grad(self, x: Any, arith: str | Arith = "numpy", *, data: Mapping[str, Any] | None =
             None, **options: Any) -> Point:
        """Closed-form gradient as a dict of arrays."""
        A = get_arith(arith, **options)
        pt = self.point(x, A)
        g = self.gradient(A, pt, self.data_in(A, data))
        return {k: A.finish_array(np.asarray(v)) for k, v in g.items()}

    def hessian_vector(self, x: Any, v: Any, arith: str | Arith = "numpy", *,
                       data: Mapping[str, Any] | None = None, **options: Any) -> Point:
        """Closed-form Hessian-vector product ∇²f(x)[v] as a dict of arrays."""
        A = get_arith(arith, **options)
        pt = self.point(x, A)
        dv = self.point(v, A)
        h = self.hvp(A, pt, dv, self.data_in(A, data))
        return {k: A.finish_array(np.asarray(val)) for k, val in h.items()}

    def hessian_matrix(self, x: Any, arith: str | Arith = "numpy", **options: Any) -> np.ndarray:
        """The Hessian as a ``dim × dim`` matrix on the flat vector (columns = HVPs of the unit
        vectors). Unbatched points only."""
        A = get_arith(arith, **options)
        pt = self.point(x, A, batch=False)
        d = self.data_in(A)
        n = self.dim
        H = A.zeros((n, n))
        for j in range(n):
            e = A.zeros((n,))
            e[j] = A.const(1)
            col = self.flatten(self.hvp(A, pt, self.unflatten(e), d))
            H[:, j] = A.finish_array(np.asarray(col))
        return H

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"


def add_noise(x: Point, noise: float, seed: int) -> Point:
    """``x`` plus i.i.d. N(0, noise²) entries (seeded; returned unchanged when noise is 0)."""
    if not noise:
        return x
    rng = np.random.default_rng(seed)
    return {k: v + noise * rng.standard_normal(v.shape) for k, v in x.items()}


def scale_batched(c: Any, arr: np.ndarray, core_ndim: int) -> np.ndarray:
    """c·arr where the scalar c may be batched.

    Parameters
    ----------
    c : scalar or array of shape ``(...,)``
        The factor; a 0-d c multiplies every entry, a batched c (shape ``(...,)``) multiplies
        the matching batch item of ``arr``.
    arr : ndarray of shape ``(..., *core)``
        The values; ``core`` has ``core_ndim`` axes (1 for vectors, 2 for matrices).
    core_ndim : int
        How many trailing axes of ``arr`` are not batch axes.

    Returns
    -------
    ndarray
        ``arr * c`` for a 0-d c, else ``c[..., None, ..., None] * arr`` (``core_ndim`` new axes).
    """
    if not isinstance(c, np.ndarray):
        return arr * _opaque(c)
    c_arr = np.asarray(c)
    if c_arr.ndim == 0:
        return arr * c
    return c_arr[(..., *([None] * core_ndim))] * arr


def _opaque(c: Any) -> Any:
    """A scalar that NumPy must not unpack: python-flint's exact polynomials (the line
    arithmetic of :mod:`mfverify.derivation`) have ``len`` and indexing, so ``arr * poly`` would
    broadcast their coefficients (a zero polynomial even gives an empty array). Such a scalar
    goes into a 0-d object array, which multiplies every entry by the whole polynomial."""
    if hasattr(c, "__len__") and not isinstance(c, (str, bytes)):
        box = np.empty((), dtype=object)
        box[()] = c
        return box
    return c
