"""Matrix sensing, f(X) = scale·‖A(XXᵀ) − b‖² and f(U,V) = scale·‖A(UVᵀ) − b‖² (Stöger &
Soltanolkotabi 2021; Zhang, Sojoudi & Lavaei 2019; Ge, Jin & Zheng 2017; Xiong, Ding & Du 2024), and
the restricted isometry constant of a sensing operator.

The **sensing operator** is A(Z) = (⟨A_1, Z⟩, …, ⟨A_m, Z⟩) with ⟨A, Z⟩ = tr(AᵀZ) (Frobenius). Its
adjoint is A*(y) = Σ_i y_i A_i. The sensing matrices are stored exactly (integers, rationals and
surds such as ``"sqrt(3)/2"``) or drawn from a seeded Gaussian ensemble (see
:meth:`SensingOperator.gaussian`).

Closed forms. **Symmetric** case, with r = A(XXᵀ) − b and S = A*(r) (the A_i need not be
symmetric: ⟨A_i, XXᵀ⟩ only sees their symmetric part, and the formulas use S + Sᵀ):

* f(X) = scale·Σ_i r_i²
* ∇f(X) = 2·scale·(S + Sᵀ) X
* ∇²f(X)[D] = 2·scale·((dS + dSᵀ) X + (S + Sᵀ) D),  dr = A(X Dᵀ + D Xᵀ), dS = A*(dr)

**Asymmetric** case, with r = A(UVᵀ) − b and S = A*(r):

* ∇_U f = 2·scale·S V,  ∇_V f = 2·scale·Sᵀ U
* ∇²f[D_U, D_V] = (2·scale·(dS V + S D_V), 2·scale·(dSᵀ U + Sᵀ D_U)),
  dr = A(D_U Vᵀ + U D_Vᵀ), dS = A*(dr)

With A the identity (m = n², A_i the unit matrices) and scale = ¼ the symmetric objective is
:class:`~mfverify.problems.SymmetricMF` (the normalization of docs/problems.md). Invariance: X ↦ XQ,
Q ∈ O(r) (symmetric); (U, V) ↦ (UG, VG⁻ᵀ), G ∈ GL(r) (asymmetric), because f depends on X only
through XXᵀ (on (U, V) only through UVᵀ).

**Restricted isometry.** :func:`restricted_isometry` computes δ_k, the smallest δ with
(1 − δ)‖Z‖²_F <= ‖A(Z)‖² <= (1 + δ)‖Z‖²_F for every Z of rank <= k (symmetric Z in the symmetric
case). It is exact when the rank constraint is vacuous and returns certified bounds otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import (
    InputError,
    OperatorError,
    RankError,
    ShapeError,
    SpecError,
    UnsupportedError,
)
from ..numbers import parse_number
from ..typing import ArrayLike, NumberLike
from .base import (
    Point,
    Problem,
    SymmetryGroup,
    _from_array_protocol,
    check_rank,
    exact_matrix,
    exact_vector,
    scale_batched,
)
from .groups import gl_orbit_tangent, orthogonal_orbit_tangent
from .symmetric import _positive_scale, _strings

__all__ = [
    "SensingOperator",
    "MatrixSensing",
    "RestrictedIsometry",
    "restricted_isometry",
    "zsl_family",
    "zsl_quadratic_form",
    "svec",
    "smat",
    "svec_pairs",
    "MAX_OPERATOR_ENTRIES",
]

HALF = sp.Rational(1, 2)

#: Largest number of sensing-matrix entries (m·rows·cols) accepted.
MAX_OPERATOR_ENTRIES = 4_000_000


# ---------------------------------------------------------------------------------------------
# operator application, written once for every arithmetic (einsum works on object arrays too)
# ---------------------------------------------------------------------------------------------


def apply_operator(mats: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """A(Z) = (⟨A_1, Z⟩, …, ⟨A_m, Z⟩) for ``mats`` of shape ``(..., m, p, q)`` and ``Z`` of
    shape ``(..., p, q)`` (batch axes broadcast). Works for float and object arrays."""
    return np.einsum("...kij,...ij->...k", mats, Z)


def apply_adjoint(mats: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A*(y) = Σ_i y_i A_i for ``y`` of shape ``(..., m)``; result ``(..., p, q)``."""
    return np.einsum("...k,...kij->...ij", y, mats)


# ---------------------------------------------------------------------------------------------
# symmetric-matrix coordinates
# ---------------------------------------------------------------------------------------------


def svec_pairs(n: int) -> list[tuple[int, int]]:
    """The index pairs (i, j), i <= j, of the upper triangle in row-major order:
    (0,0), (0,1), …, (0,n−1), (1,1), (1,2), …, (n−1,n−1). This is the coordinate order of
    :func:`svec` and of :meth:`MatrixSensing.from_quadratic_form`."""
    return [(i, j) for i in range(n) for j in range(i, n)]


def svec(Z: Any) -> list[sp.Expr]:
    """The isometric coordinates of a symmetric matrix: Z_ii on the diagonal and √2·Z_ij
    (i < j) off it, in the order of :func:`svec_pairs`, so that ‖svec(Z)‖ = ‖Z‖_F."""
    Zx = np.asarray(Z, dtype=object)
    n = Zx.shape[0]
    return [sp.sympify(Zx[i, j]) if i == j else sp.sqrt(2) * sp.sympify(Zx[i, j])
            for i, j in svec_pairs(n)]


def smat(w: Sequence[Any], n: int) -> np.ndarray:
    """The inverse of :func:`svec`: the symmetric n×n matrix S with svec(S) = w."""
    S = np.empty((n, n), dtype=object)
    for k, (i, j) in enumerate(svec_pairs(n)):
        if i == j:
            S[i, i] = sp.sympify(w[k])
        else:
            S[i, j] = S[j, i] = sp.sympify(w[k]) / sp.sqrt(2)
    return S


# ---------------------------------------------------------------------------------------------
# the operator
# ---------------------------------------------------------------------------------------------


def _int_param(value: Any, name: str, *, low: int, error: type[InputError] = OperatorError) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise error(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low:
        raise error(f"{name} must be >= {low}, got {value}")
    return value


def _float_to_exact(values: np.ndarray) -> np.ndarray:
    """Floats -> exact rationals through their shortest decimal form (so float() round-trips)."""
    out = np.empty(values.shape, dtype=object)
    flat_in = values.reshape(-1)
    flat_out = out.reshape(-1)
    for k, v in enumerate(flat_in):
        flat_out[k] = parse_number(float(v))
    return out


@dataclass(eq=False)
class SensingOperator:
    """A linear map A: ℝ^{p×q} → ℝ^m, A(Z) = (⟨A_1, Z⟩, …, ⟨A_m, Z⟩), stored exactly.

    Attributes
    ----------
    matrices
        Object array of shape ``(m, p, q)`` of exact SymPy numbers.
    symmetric
        True when the operator acts on symmetric n×n matrices (the symmetric problem); then only
        the symmetric part (A_i + A_iᵀ)/2 of each A_i matters, and p = q = n.
    origin
        ``{"explicit": True}`` or ``{"gaussian": {"m": m, "seed": s}}`` (what ``to_spec`` writes).
    """

    matrices: np.ndarray
    symmetric: bool
    origin: dict[str, Any] = field(default_factory=lambda: {"explicit": True})

    @classmethod
    def from_matrices(cls, matrices: Any, *, symmetric: bool) -> SensingOperator:
        """Validate a list of sensing matrices (nested lists, NumPy or SymPy, exact strings
        allowed). Raises :class:`OperatorError` for an empty list, matrices of different shapes,
        non-square matrices in the symmetric case, or too many entries; :class:`ShapeError`,
        :class:`NonFiniteError` or a number error for a bad matrix."""
        if (not isinstance(matrices, (np.ndarray, list, tuple, SensingOperator))
                and callable(getattr(matrices, "__array__", None))):
            matrices = _from_array_protocol(matrices, "the sensing operator")  # torch, JAX, ...
        if isinstance(matrices, np.ndarray) and matrices.ndim == 3:
            matrices = list(matrices)
        if isinstance(matrices, SensingOperator):
            return matrices
        if not isinstance(matrices, (list, tuple)):
            raise OperatorError("the sensing operator must be a list of matrices A_1, …, A_m "
                                f"(or a Gaussian ensemble), got {type(matrices).__name__}")
        if len(matrices) == 0:
            raise OperatorError("the sensing operator is empty; expected at least one matrix A_i")
        shape0: tuple[int, ...] | None = None
        mats = []
        for k, Ak in enumerate(matrices):
            arr = exact_matrix(Ak, f"A_{k + 1}")
            if shape0 is None:
                shape0 = arr.shape
                if len(matrices) * shape0[0] * shape0[1] > MAX_OPERATOR_ENTRIES:
                    raise OperatorError(f"the operator has more than {MAX_OPERATOR_ENTRIES} "
                                        "entries in all")
            elif arr.shape != shape0:
                raise OperatorError(f"sensing matrices must all have the same shape; A_1 is "
                                    f"{shape0} but A_{k + 1} is {arr.shape}")
            mats.append(arr)
        assert shape0 is not None
        if symmetric and shape0[0] != shape0[1]:
            raise OperatorError(f"a symmetric sensing problem needs square n×n sensing matrices, "
                                f"got {shape0}")
        return cls(np.stack(mats).astype(object), bool(symmetric))

    @classmethod
    def gaussian(cls, shape: int | tuple[int, int], m: int, *, seed: int = 0,
                 symmetric: bool = True) -> SensingOperator:
        """The seeded Gaussian ensemble.

        ``G_i`` has i.i.d. N(0, 1/m) entries drawn by ``numpy.random.default_rng(seed)``
        (``standard_normal((m, p, q)) / sqrt(m)``; NumPy's PCG64 stream, stable across NumPy
        versions in practice). Asymmetric: A_i = G_i, so E‖A(Z)‖² = ‖Z‖²_F for every Z.
        Symmetric: A_i = (G_i + G_iᵀ)/2 (the symmetric part, which is all ⟨A_i, Z⟩ sees on
        symmetric Z), so E‖A(Z)‖² = ‖Z‖²_F for every symmetric Z. The floats are then made exact
        (each through its shortest decimal form, so converting back to float64 is lossless):
        the problem is the exact operator with these rational entries.
        """
        m = _int_param(m, "m (number of measurements)", low=1)
        seed = _int_param(seed, "seed", low=0)
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            p = q = _int_param(shape, "n", low=1, error=ShapeError)
        else:
            if not isinstance(shape, (tuple, list)) or len(shape) != 2:
                raise ShapeError(f"shape must be n or (rows, cols), got {shape!r}")
            p = _int_param(shape[0], "rows", low=1, error=ShapeError)
            q = _int_param(shape[1], "cols", low=1, error=ShapeError)
        if symmetric and p != q:
            raise OperatorError(f"a symmetric Gaussian operator needs square matrices, got "
                                f"{(p, q)}")
        if m * p * q > MAX_OPERATOR_ENTRIES:
            raise OperatorError(f"m·rows·cols = {m * p * q} exceeds {MAX_OPERATOR_ENTRIES}")
        rng = np.random.default_rng(seed)
        G = rng.standard_normal((m, p, q)) / math.sqrt(m)
        if symmetric:
            G = (G + np.swapaxes(G, -1, -2)) / 2
        return cls(_float_to_exact(G), bool(symmetric), {"gaussian": {"m": m, "seed": seed}})

    # -- basic facts -------------------------------------------------------------------------
    @property
    def m(self) -> int:
        return int(self.matrices.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.matrices.shape[1]), int(self.matrices.shape[2]))

    def __call__(self, Z: Any) -> np.ndarray:
        """A(Z), exactly (``Z`` exact or symbolic, shape ``(p, q)``)."""
        Zx = np.asarray(Z, dtype=object)
        if Zx.shape != self.shape:
            raise ShapeError(f"A(Z) needs Z of shape {self.shape}, got {Zx.shape}")
        return np.array([sp.expand(v) for v in apply_operator(self.matrices, Zx)], dtype=object)

    def adjoint(self, y: Any) -> np.ndarray:
        """A*(y) = Σ_i y_i A_i, exactly."""
        yx = np.asarray(y, dtype=object)
        if yx.shape != (self.m,):
            raise ShapeError(f"A*(y) needs y of length {self.m}, got shape {yx.shape}")
        out = apply_adjoint(self.matrices, yx)
        return np.vectorize(sp.expand, otypes=[object])(out)

    def symmetric_parts(self) -> np.ndarray:
        """(A_i + A_iᵀ)/2 for every i (exact)."""
        return (self.matrices + np.swapaxes(self.matrices, -1, -2)) / sp.Integer(2)

    def gram_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Rational-friendly coordinates of the Gram operator.

        Returns ``(W, w)``: the m × N coefficient matrix W with ⟨A_i, Z⟩ = (W u(Z))_i and the
        metric weights w with ‖Z‖²_F = Σ_k w_k u(Z)_k². Symmetric case: u(Z) = upper-triangle
        entries in :func:`svec_pairs` order, W_ik = S_ii or 2·S_ij for S = sym(A_i), weights 1 on
        the diagonal and 2 off it. Asymmetric: u = vec(Z) row-major, W_ik = (A_i)_k, weights 1.
        The Gram operator in the isometric coordinates is then similar to diag(w)^{-1} WᵀW.
        """
        if self.symmetric:
            n = self.shape[0]
            S = self.symmetric_parts()
            pairs = svec_pairs(n)
            W = np.empty((self.m, len(pairs)), dtype=object)
            for k, (i, j) in enumerate(pairs):
                col = S[:, i, j] if i == j else 2 * S[:, i, j]
                W[:, k] = [sp.expand(v) for v in col]
            weights = np.array([sp.Integer(1) if i == j else sp.Integer(2) for i, j in pairs],
                               dtype=object)
            return W, weights
        p, q = self.shape
        W = self.matrices.reshape(self.m, p * q).copy()
        return W, np.array([sp.Integer(1)] * (p * q), dtype=object)

    def to_spec(self) -> Any:
        if "gaussian" in self.origin:
            return {"gaussian": dict(self.origin["gaussian"])}
        return [_strings(Ak) for Ak in self.matrices]

    def describe(self) -> str:
        if "gaussian" in self.origin:
            g = self.origin["gaussian"]
            kind = "symmetrized " if self.symmetric else ""
            return (f"{kind}Gaussian operator, m = {g['m']}, entries N(0, 1/m), seed {g['seed']}, "
                    f"on {self.shape[0]}×{self.shape[1]} matrices")
        return f"explicit operator, m = {self.m}, on {self.shape[0]}×{self.shape[1]} matrices"


def _generated(value: Mapping[str, Any], kind: str, required: str, what: str, name: str,
               placeholder: str) -> Mapping[str, Any]:
    """The parameters of a generated spec entry ``{kind: {required: …, "seed": s}}``."""
    if set(value) != {kind} or not isinstance(value[kind], Mapping):
        raise SpecError(f"a generated {what} is written {{\"{kind}\": {{\"{required}\": "
                        f"{placeholder}, \"seed\": s}}}}, got {dict(value)!r}")
    g = value[kind]
    unknown = sorted(set(g) - {required, "seed"})
    if unknown or required not in g:
        raise SpecError(f"{name} takes keys '{required}' (required) and 'seed'; got {sorted(g)}")
    return g


def operator_and_truth_from_spec(spec: Mapping[str, Any], *, symmetric: bool, kind: str
                                 ) -> tuple[SensingOperator, Any, dict[str, Any] | None]:
    """The operator, the ground truth (or None) and its origin of a sensing-type spec; a
    generated truth defaults to the operator's seed. One of 'b' and 'ground_truth' is needed."""
    op = _operator_from_spec(spec["operator"], symmetric=symmetric, shape=spec.get("n"))
    truth = spec.get("ground_truth")
    origin = None
    if truth is not None:
        seed = op.origin.get("gaussian", {}).get("seed", 0)
        truth, origin = _truth_from_spec(truth, op.shape, symmetric, seed)
    if truth is None and spec.get("b") is None:
        raise SpecError(f"a {kind} spec needs 'b' or 'ground_truth'")
    return op, truth, origin


def _operator_from_spec(value: Any, *, symmetric: bool, shape: Any) -> SensingOperator:
    if isinstance(value, Mapping):
        g = _generated(value, "gaussian", "m", "operator", "gaussian operator", "m")
        if shape is None:
            raise SpecError("a Gaussian operator needs the matrix size: key 'n' "
                            "(an integer, or [rows, cols] in the asymmetric case)")
        return SensingOperator.gaussian(_shape_param(shape), g["m"], seed=g.get("seed", 0),
                                        symmetric=symmetric)
    op = SensingOperator.from_matrices(value, symmetric=symmetric)
    if shape is not None and op.shape != _shape_tuple(_shape_param(shape)):
        raise ShapeError(f"'n' = {shape!r} does not match the sensing matrices of shape "
                         f"{op.shape}")
    return op


def _shape_param(shape: Any) -> int | tuple[int, int]:
    if isinstance(shape, (list, tuple)):
        if len(shape) != 2:
            raise ShapeError(f"n must be an integer or [rows, cols], got {shape!r}")
        return (_int_param(shape[0], "rows", low=1, error=ShapeError),
                _int_param(shape[1], "cols", low=1, error=ShapeError))
    return _int_param(shape, "n", low=1, error=ShapeError)


def _shape_tuple(shape: int | tuple[int, int]) -> tuple[int, int]:
    return (shape, shape) if isinstance(shape, int) else tuple(shape)  # type: ignore[return-value]


def _random_truth(shape: tuple[int, int], rank: int, seed: int, symmetric: bool) -> np.ndarray:
    """A seeded exact ground truth of rank <= ``rank``: Z Zᵀ (symmetric, PSD) or P Qᵀ, with the
    factors' entries N(0, 1) from ``numpy.random.default_rng([seed, 1])`` rounded to 1/1000."""
    rng = np.random.default_rng([seed, 1])
    p, q = shape

    def grid(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(*a.shape):
            out[idx] = sp.Rational(int(round(float(a[idx]) * 1000)), 1000)
        return out

    P = grid(rng.standard_normal((p, rank)))
    if symmetric:
        M = P @ P.T
    else:
        M = P @ grid(rng.standard_normal((q, rank))).T
    return np.vectorize(sp.expand, otypes=[object])(M)


def _planted_truth(op: SensingOperator, rank: Any, seed: Any, symmetric: bool, *,
                   what: str) -> tuple[np.ndarray, dict[str, Any]]:
    """A validated rank and seed, the planted truth :func:`_random_truth` and its spec origin
    (shared by the Gaussian constructors of sensing and constrained problems)."""
    k = check_rank(rank, "truth_rank", low=1, high=min(op.shape), what=what)
    ts = _int_param(seed, "truth_seed", low=0)
    return _random_truth(op.shape, k, ts, symmetric), {"random": {"rank": k, "seed": ts}}


def _truth_from_spec(value: Any, shape: tuple[int, int], symmetric: bool,
                     default_seed: int) -> tuple[np.ndarray, dict[str, Any] | None]:
    if isinstance(value, Mapping):
        g = _generated(value, "random", "rank", "ground truth", "random ground truth", "k")
        k = check_rank(g["rank"], "ground-truth rank", low=1, high=min(shape),
                       what="rank of the planted matrix")
        seed = _int_param(g.get("seed", default_seed), "seed", low=0, error=SpecError)
        return _random_truth(shape, k, seed, symmetric), {"random": {"rank": k, "seed": seed}}
    M = exact_matrix(value, "ground_truth", shape=shape, symmetric=symmetric)
    return M, None


# ---------------------------------------------------------------------------------------------
# the problem
# ---------------------------------------------------------------------------------------------


class MatrixSensing(Problem):
    """Matrix sensing: f(X) = scale·‖A(XXᵀ) − b‖² (symmetric) or f(U,V) = scale·‖A(UVᵀ) − b‖².

    Parameters
    ----------
    operator
        The sensing matrices A_1, …, A_m (a list of matrices; exact strings allowed) or a
        :class:`SensingOperator`.
    rank
        Factor width r: X ∈ ℝ^{n×r} (1 <= r <= n), or U ∈ ℝ^{p×r}, V ∈ ℝ^{q×r}
        (1 <= r <= max(p, q)).
    b
        The measurements (length m). If omitted, b = A(M*) from ``ground_truth``.
    ground_truth
        M* (symmetric n×n in the symmetric case, p×q otherwise). Kept as a reference even when
        ``b`` is given (then b need not equal A(M*): noisy measurements).
    symmetric
        Symmetric (X) or asymmetric (U, V) factorization. Default True.
    scale
        The constant in front of the squared norm (default ½).

    Raises
    ------
    OperatorError, ShapeError, NonFiniteError, SymmetryError, RankError, InputError
        For malformed input (each message says what was expected).

    Examples
    --------
    >>> from mfverify.problems import MatrixSensing
    >>> p = MatrixSensing([[[1, 0], [0, "1/2"]], [[0, "sqrt(3)/2"], ["sqrt(3)/2", 0]]],
    ...                   rank=1, ground_truth=[[1, 0], [0, 0]])
    >>> p.value({"X": [[1], [0]]}, "exact")
    0
    """

    kind = "sensing"
    spec_keys = ("symmetric", "rank", "n", "operator", "b", "ground_truth", "scale")
    required_keys = ("rank", "operator")

    def __init__(self, operator: SensingOperator | ArrayLike, rank: int, *,
                 b: ArrayLike | None = None, ground_truth: ArrayLike | None = None,
                 symmetric: bool = True, scale: NumberLike = HALF) -> None:
        super().__init__()
        if not isinstance(symmetric, bool):
            raise InputError(f"symmetric must be true or false, got {symmetric!r}")
        self.symmetric = symmetric
        if isinstance(operator, SensingOperator):
            if operator.symmetric != symmetric:
                raise OperatorError(f"the operator was built with symmetric={operator.symmetric}"
                                    f" but the problem has symmetric={symmetric}")
            op = operator
        else:
            op = SensingOperator.from_matrices(operator, symmetric=symmetric)
        self.operator = op
        self.m = op.m
        p, q = op.shape
        self.truth_origin: dict[str, Any] | None = None
        self.ground_truth = (None if ground_truth is None else
                             exact_matrix(ground_truth, "ground_truth", shape=(p, q),
                                          symmetric=symmetric))
        if b is None:
            if self.ground_truth is None:
                raise InputError("give the measurements b or a ground truth M* (then b = A(M*))")
            bx = op(self.ground_truth)
        else:
            bx = exact_vector(b, "b", length=self.m)
        self.scale = _positive_scale(scale)
        if symmetric:
            self.n = p
            self.r = check_rank(rank, "rank", low=1, high=p,
                                what="factor width of X ∈ R^{n×r}")
            self.variables = {"X": (p, self.r)}
        else:
            self.n = p
            self.n2 = q
            self.r = check_rank(rank, "rank", low=1, high=max(p, q),
                                what="factor width of U ∈ R^{p×r}, V ∈ R^{q×r}")
            self.variables = {"U": (p, self.r), "V": (q, self.r)}
        self.data = {"A": op.matrices, "b": bx, "scale": self.scale}

    # -- constructors --------------------------------------------------------------------------
    @classmethod
    def gaussian(cls, n: int | tuple[int, int], m: int, rank: int, *, seed: int = 0,
                 symmetric: bool = True, ground_truth: Any = None, truth_rank: int | None = None,
                 truth_seed: int | None = None, b: Any = None,
                 scale: Any = HALF) -> MatrixSensing:
        """A problem with the seeded Gaussian operator of :meth:`SensingOperator.gaussian`.

        ``n`` is the size (an integer, or ``(p, q)`` for the asymmetric case). Without ``b`` and
        ``ground_truth``, a random exact ground truth of rank ``truth_rank`` (default ``rank``)
        is planted: Z Zᵀ (PSD) or P Qᵀ, factor entries N(0,1) from
        ``numpy.random.default_rng([truth_seed, 1])`` rounded to multiples of 1/1000
        (``truth_seed`` defaults to ``seed``).
        """
        op = SensingOperator.gaussian(n, m, seed=seed, symmetric=symmetric)
        origin = None
        if ground_truth is None and b is None:
            ground_truth, origin = _planted_truth(
                op, truth_rank if truth_rank is not None else rank,
                seed if truth_seed is None else truth_seed, symmetric,
                what="rank of the planted matrix")
        prob = cls(op, rank, b=b, ground_truth=ground_truth, symmetric=symmetric, scale=scale)
        prob.truth_origin = origin
        return prob

    @classmethod
    def from_quadratic_form(cls, H: Any, *, rank: int = 1, ground_truth: Any = None,
                            b: Any = None, scale: Any = HALF,
                            coordinates: str = "svec") -> MatrixSensing:
        """A symmetric problem whose operator realizes a given quadratic form exactly.

        Builds A_1, …, A_m (m = rank of H) with Σ_i ⟨A_i, Z⟩² = uᵀ H u for every symmetric Z,
        where u are the coordinates of Z: ``"svec"`` (default; Z_ii and √2·Z_ij, isometric, so
        the Gram operator *is* H and δ = max|eig(H) − 1| when the rank constraint is vacuous) or
        ``"upper"`` (plain entries Z_ij, i <= j). Both in :func:`svec_pairs` order. The
        factorization is an exact LDLᵀ of H (surds √d_i appear in the A_i; their squares give H
        back exactly).

        Raises :class:`OperatorError` if H is not symmetric positive semidefinite or has the
        wrong size (N = n(n+1)/2 for some n).
        """
        Hx = exact_matrix(H, "H", symmetric=True)
        if coordinates not in ("svec", "upper"):
            raise InputError(f"coordinates must be 'svec' or 'upper', got {coordinates!r}")
        N = Hx.shape[0]
        n = int(round((math.isqrt(8 * N + 1) - 1) / 2))
        if n * (n + 1) // 2 != N:
            raise OperatorError(f"H must be N×N with N = n(n+1)/2 (a quadratic form on symmetric "
                                f"n×n matrices), got N = {N}")
        mats = quadratic_form_operator(sp.Matrix(Hx.tolist()), n, coordinates=coordinates)
        if not mats:
            raise OperatorError("H is zero: the operator would be empty")
        op = SensingOperator(np.stack(mats).astype(object), True)
        return cls(op, rank, b=b, ground_truth=ground_truth, symmetric=True, scale=scale)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> MatrixSensing:
        symmetric = spec.get("symmetric", True)
        if not isinstance(symmetric, bool):
            raise SpecError(f"'symmetric' must be true or false, got {symmetric!r}")
        op, truth, origin = operator_and_truth_from_spec(spec, symmetric=symmetric,
                                                         kind="sensing")
        prob = cls(op, spec["rank"], b=spec.get("b"), ground_truth=truth, symmetric=symmetric,
                   scale=spec.get("scale", sp.Rational(1, 2)))
        prob.truth_origin = origin
        return prob

    # -- the mathematics ---------------------------------------------------------------------
    def _product(self, A: Arith, x: Point) -> np.ndarray:
        if self.symmetric:
            return x["X"] @ A.T(x["X"])
        return x["U"] @ A.T(x["V"])

    def residual(self, A: Arith, x: Point, d: Mapping[str, Any]) -> np.ndarray:
        """r = A(XXᵀ) − b (or A(UVᵀ) − b), shape ``(..., m)``."""
        return apply_operator(d["A"], self._product(A, x)) - d["b"]

    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        r = self.residual(A, x, d)
        return d["scale"] * A.vdot(r, r)

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        S = apply_adjoint(d["A"], self.residual(A, x, d))
        two_s = 2 * d["scale"]
        if self.symmetric:
            return {"X": _scal(two_s, (S + A.T(S)) @ x["X"])}
        return {"U": _scal(two_s, S @ x["V"]), "V": _scal(two_s, A.T(S) @ x["U"])}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        S = apply_adjoint(d["A"], self.residual(A, x, d))
        two_s = 2 * d["scale"]
        if self.symmetric:
            X, D = x["X"], v["X"]
            dZ = X @ A.T(D) + D @ A.T(X)
            dS = apply_adjoint(d["A"], apply_operator(d["A"], dZ))
            return {"X": _scal(two_s, (dS + A.T(dS)) @ X + (S + A.T(S)) @ D)}
        U, V, DU, DV = x["U"], x["V"], v["U"], v["V"]
        dZ = DU @ A.T(V) + U @ A.T(DV)
        dS = apply_adjoint(d["A"], apply_operator(d["A"], dZ))
        return {"U": _scal(two_s, dS @ V + S @ DV), "V": _scal(two_s, A.T(dS) @ U + A.T(S) @ DU)}

    # -- symmetry ------------------------------------------------------------------------------
    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """XXᵀ (symmetric, O(r)) or UVᵀ (asymmetric, GL(r))."""
        from .invariants import cross, gram

        return gram(x["X"]) if self.symmetric else cross(x["U"], x["V"])

    def symmetry(self) -> SymmetryGroup:
        r = self.r
        if self.symmetric:
            return SymmetryGroup(f"O({r})", r * (r - 1) // 2, "X -> X Q, Q in O(r)",
                                 "f depends on X only through X Xᵀ")
        return SymmetryGroup(f"GL({r})", r * r, "(U, V) -> (U G, V G^{-T}), G in GL(r)",
                             "f depends on (U, V) only through U Vᵀ")

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        A = get_arith(arith)
        pt = self.point(x, A, batch=False)
        if self.symmetric:
            return orthogonal_orbit_tangent(A, {"X": pt["X"]}, self.r)
        return gl_orbit_tangent(A, pt["U"], pt["V"], self.r)

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        A = get_arith(arith)
        pt = self.point(x, A)
        G = A.asarray(g)
        if G.shape != (self.r, self.r):
            raise ShapeError(f"the group element must be {self.r}×{self.r}, got {G.shape}")
        if self.symmetric:
            return {"X": pt["X"] @ G}
        return {"U": pt["U"] @ G, "V": pt["V"] @ A.T(A.inv(G))}

    # -- sweep generator and its hooks ----------------------------------------------------------
    generator_keys = {"n": int, "m": int, "r": int, "rank": int, "cond": float}

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[MatrixSensing, dict[str, np.ndarray]]:
        """``gen:sensing``: n [10], rank r* [2] of the planted truth, r [rank] factor width,
        m [5·n·r*] measurements, cond [1] of the truth. Symmetric Gaussian operators
        A_i = (G_i + G_iᵀ)/2 with G_i i.i.d. N(0, 1/m) entries (as
        :meth:`SensingOperator.gaussian`, so E‖A(Z)‖² = ‖Z‖²_F on symmetric Z), a planted
        M* = X*X*ᵀ (:func:`~mfverify.problems.generators.ground_truths`: Haar X* with singular
        values from 1 to 1/cond) and noiseless b = A(M*); f(X) = ½‖A(XXᵀ) − b‖²."""
        from .generators import check_dimension, check_generated_size, ground_truths

        n = check_dimension(params.get("n", 10), "n")
        rank = check_dimension(params.get("rank", 2), "rank", high=n)
        r = check_dimension(params.get("r", rank), "r", high=n)
        m = check_dimension(params.get("m", 5 * n * rank), "m", high=10 ** 6)
        check_generated_size(B * m * n * n, f"B × m × n² = {B} × {m} × {n}²", copies=3)
        truth = ground_truths(B, n, rank, cond=params.get("cond", 1.0), seed=seed)
        rng = np.random.default_rng([seed, 1])
        G = rng.standard_normal((B, m, n, n)) / math.sqrt(m)
        A = (G + np.swapaxes(G, -1, -2)) / 2
        b = apply_operator(A, truth.M)
        zero = np.full((m, n, n), sp.Integer(0), dtype=object)
        problem = cls(SensingOperator(zero, True), r, b=[0] * m)
        problem.planted = truth.M  # (B, n, n): b = A(M*) exactly as generated
        problem.planted_rank = rank
        return problem, {"A": A, "b": b}

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """0 per instance when the measurements are noiseless and M* has a factorization of
        width r (f >= 0 and f(X*) = 0): generated instances (planted rank <= r), or the
        problem's own exact b = A(M*) with rank M* <= r (and M* PSD when symmetric)."""
        planted = getattr(self, "planted_rank", None)
        if planted is not None:
            if planted > self.r:
                raise UnsupportedError(f"optimal value unknown: planted rank {planted} > r = "
                                       f"{self.r}")
            return np.zeros(self.override_batch(data))
        if data or self.ground_truth is None or not self.noiseless:
            raise UnsupportedError("optimal value known only for noiseless b = A(M*)")
        Mm = sp.Matrix(self.ground_truth.tolist())
        if Mm.rank() > self.r or (self.symmetric and not Mm.is_positive_semidefinite):
            raise UnsupportedError("optimal value unknown: M* has no factorization of width r")
        return np.zeros(1)

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """‖XXᵀ − M*‖_F / ‖M*‖_F (resp. UVᵀ) per run: the planted M* of generated instances,
        else the problem's own ground truth."""
        from .strata import relative_error

        T = getattr(self, "planted", None)
        if T is None:
            if self.ground_truth is None:
                raise UnsupportedError("no ground truth M* to measure recovery against")
            T = np.asarray(self.ground_truth, dtype=np.float64)[None]
        P = (x["X"] @ np.swapaxes(x["X"], -1, -2) if self.symmetric
             else x["U"] @ np.swapaxes(x["V"], -1, -2))
        return relative_error(P, T)

    # -- views ---------------------------------------------------------------------------------
    @property
    def noiseless(self) -> bool | None:
        """True when b = A(M*) exactly (None without a ground truth)."""
        if self.ground_truth is None:
            return None
        diff = self.operator(self.ground_truth) - self.data["b"]
        return all(sp.simplify(v) == 0 for v in diff)

    def describe(self) -> str:
        if self.symmetric:
            text = (f"f(X) = {self.scale}·‖A(XXᵀ) − b‖², X ∈ R^{{{self.n}×{self.r}}}, "
                    f"A(Z)_i = ⟨A_i, Z⟩")
        else:
            text = (f"f(U,V) = {self.scale}·‖A(UVᵀ) − b‖², U ∈ R^{{{self.n}×{self.r}}}, "
                    f"V ∈ R^{{{self.n2}×{self.r}}}, A(Z)_i = ⟨A_i, Z⟩")
        text += f"; {self.operator.describe()}"
        if self.ground_truth is not None:
            text += "; b = A(M*)" if self.noiseless else "; b given (M* kept as reference)"
        return text

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"problem": self.kind, "symmetric": self.symmetric,
                                "rank": self.r}
        if "gaussian" in self.operator.origin:
            p, q = self.operator.shape
            spec["n"] = p if self.symmetric else [p, q]
        spec["operator"] = self.operator.to_spec()
        if self.truth_origin is not None:
            spec["ground_truth"] = self.truth_origin
        elif self.ground_truth is not None:
            spec["ground_truth"] = _strings(self.ground_truth)
        if self.ground_truth is None or not self.noiseless:
            spec["b"] = [str(v) for v in self.data["b"]]
        spec["scale"] = str(self.scale)
        return spec


def _scal(c: Any, arr: np.ndarray) -> np.ndarray:
    """c·arr where c may be batched (shape ``(...,)``) and arr has shape ``(..., p, q)``."""
    return scale_batched(c, arr, 2)


# ---------------------------------------------------------------------------------------------
# quadratic forms and the ZSL family (Zhang, Sojoudi & Lavaei 2019)
# ---------------------------------------------------------------------------------------------


def exact_ldl(H: sp.Matrix) -> tuple[sp.Matrix, list[sp.Expr]]:
    """Exact LDLᵀ of a symmetric matrix, without pivoting: H = L·diag(d)·Lᵀ, L unit lower
    triangular. Works with symbolic entries (pivots are then rational functions).

    Raises :class:`OperatorError` if a pivot is (provably) negative, or zero with a nonzero
    column below it: then H is not positive semidefinite.
    """
    N = H.rows
    A = sp.Matrix(H)
    L = sp.eye(N)
    d: list[sp.Expr] = []
    for k in range(N):
        piv = sp.simplify(A[k, k])
        d.append(piv)
        if piv == 0:
            if any(sp.simplify(A[i, k]) != 0 for i in range(k + 1, N)):
                raise OperatorError("H is not positive semidefinite (zero pivot with a nonzero "
                                    f"column at coordinate {k})")
            continue
        if piv.is_negative:
            raise OperatorError(f"H is not positive semidefinite (pivot {k} is {piv})")
        for i in range(k + 1, N):
            L[i, k] = sp.simplify(A[i, k] / piv)
        for i in range(k + 1, N):
            for j in range(k + 1, N):
                A[i, j] = sp.simplify(A[i, j] - L[i, k] * piv * L[j, k])
    return L, d


def quadratic_form_operator(H: sp.Matrix, n: int, *, coordinates: str = "svec") -> list[np.ndarray]:
    """Symmetric sensing matrices A_i with Σ_i ⟨A_i, Z⟩² = uᵀHu on symmetric n×n Z (u: the
    ``coordinates`` of Z, see :meth:`MatrixSensing.from_quadratic_form`). Exact; symbolic entries
    are allowed here (the caller is responsible for the pivots being >= 0)."""
    L, d = exact_ldl(H)
    pairs = svec_pairs(n)
    mats: list[np.ndarray] = []
    for i, di in enumerate(d):
        if di == 0:
            continue
        w = [sp.sqrt(di) * L[k, i] for k in range(len(pairs))]
        Ai = np.empty((n, n), dtype=object)
        Ai[:] = sp.Integer(0)
        for k, (a, b) in enumerate(pairs):
            if a == b:
                Ai[a, a] = sp.simplify(w[k])
            else:
                val = w[k] / sp.sqrt(2) if coordinates == "svec" else w[k] / 2
                Ai[a, b] = Ai[b, a] = sp.simplify(val)
        mats.append(Ai)
    return mats


def zsl_quadratic_form(c: Any) -> sp.Matrix:
    """The svec Gram matrix of the Zhang–Sojoudi–Lavaei family (Zhang, Sojoudi & Lavaei 2019;
    derived here): ⟨M, H(M)⟩ = M₁₁² + M₂₂² + 2c·M₁₁M₂₂ + 2(1+c)·M₁₂², i.e. in svec coordinates
    (M₁₁, √2·M₁₂, M₂₂) the matrix [[1, 0, c], [0, 1+c, 0], [c, 0, 1]] (eigenvalues 1−c, 1+c, 1+c).
    ``c`` may be a SymPy symbol."""
    cc = c if isinstance(c, sp.Basic) and not c.is_number else parse_number(c)
    return sp.Matrix([[1, 0, cc], [0, 1 + cc, 0], [cc, 0, 1]])


def zsl_family(c: NumberLike) -> MatrixSensing:
    """The n = 2, rank-1 instance of Zhang, Sojoudi & Lavaei 2019 (derived here), for a number c
    with 0 <= c < 1.

    Ground truth M* = e₁e₁ᵀ, scale = 1, and the operator of :func:`zsl_quadratic_form`, so that
    exactly f(x) = (x₁² − 1)² + x₂⁴ + 2c(x₁² − 1)x₂² + 2(1+c)x₁²x₂², and the RIP constant (of
    order 2, vacuous for n = 2) is δ = c. The sensing matrices are A₁ = diag(1, c),
    A₂ = √((1+c)/2)·(e₁e₂ᵀ + e₂e₁ᵀ), A₃ = diag(0, √(1 − c²)).
    """
    cc = parse_number(c)
    if not (cc >= 0 and cc < 1):
        raise InputError(f"the ZSL family needs 0 <= c < 1, got c = {cc}")
    return MatrixSensing.from_quadratic_form(zsl_quadratic_form(cc), rank=1,
                                             ground_truth=[[1, 0], [0, 0]], scale=1)


# ---------------------------------------------------------------------------------------------
# restricted isometry constant
# ---------------------------------------------------------------------------------------------


@dataclass
class RestrictedIsometry:
    """The restricted isometry constant δ_k of a sensing operator (or bounds on it).

    Attributes
    ----------
    kind
        ``"exact"`` (``value`` is δ_k, an exact algebraic number) or ``"bounds"``
        (δ_k ∈ [``lower``, ``upper``], both exact numbers).
    order
        k (the rank bound actually used, capped at the matrix size).
    symmetric
        Whether Z ranges over symmetric matrices (Frobenius inner product on them).
    value, lower, upper
        δ_k (exact kind), and the certified bounds (equal to ``value`` when exact).
    eig_min, eig_max
        Extreme eigenvalues of the Gram operator A*A on the whole space (exact algebraic numbers
        when computed exactly, else None; see ``eig_interval``).
    eig_interval
        Certified rational enclosures ``((lo_min, hi_min), (lo_max, hi_max))`` of eig_min and
        eig_max.
    method
        How the numbers were obtained (one sentence per bound).
    witness
        A rank <= k exact matrix Z whose ratio ‖A(Z)‖²/‖Z‖² gives the lower bound (bounds kind).
    witness_ratio
        That ratio, exactly.
    gram_dimension
        N, the dimension of the space (n(n+1)/2 or p·q).
    """

    kind: str
    order: int
    symmetric: bool
    lower: sp.Expr
    upper: sp.Expr
    value: sp.Expr | None = None
    eig_min: sp.Expr | None = None
    eig_max: sp.Expr | None = None
    eig_interval: tuple[tuple[sp.Expr, sp.Expr], tuple[sp.Expr, sp.Expr]] | None = None
    method: list[str] = field(default_factory=list)
    witness: np.ndarray | None = None
    witness_ratio: sp.Expr | None = None
    gram_dimension: int = 0

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "order": self.order, "symmetric": self.symmetric,
            "value": None if self.value is None else str(self.value),
            "lower": str(self.lower), "upper": str(self.upper),
            "lower_decimal": str(sp.N(self.lower, 30)), "upper_decimal": str(sp.N(self.upper, 30)),
            "eig_min": None if self.eig_min is None else str(self.eig_min),
            "eig_max": None if self.eig_max is None else str(self.eig_max),
            "method": list(self.method), "gram_dimension": self.gram_dimension,
        }
        if self.eig_interval is not None:
            out["eig_interval"] = [[str(a), str(b)] for a, b in self.eig_interval]
        if self.witness is not None:
            out["witness"] = _strings(self.witness)
            out["witness_ratio"] = str(self.witness_ratio)
        return out


def _is_rational_array(arr: np.ndarray) -> bool:
    return all(isinstance(v, sp.Rational) or (isinstance(v, sp.Expr) and v.is_Rational)
               for v in arr.reshape(-1))


def _fmpq(v: sp.Rational) -> Any:
    import flint

    return flint.fmpq(int(v.p), int(v.q))


def _gram_rational(W: np.ndarray, weights: np.ndarray) -> Any:
    """K = diag(w)^{-1} WᵀW as a flint fmpq_mat (W rational)."""
    import flint

    Wf = flint.fmpq_mat([[_fmpq(v) for v in row] for row in W])
    G = Wf.transpose() * Wf
    N = G.nrows()
    for i in range(N):
        wi = _fmpq(weights[i])
        if wi != 1:
            for j in range(N):
                G[i, j] = G[i, j] / wi
    return G


def _exact_extreme_eigs(K: Any) -> tuple[sp.Expr, sp.Expr, tuple[Any, Any]]:
    """Exact min and max eigenvalue of a rational matrix with real spectrum (flint fmpq_mat),
    as SymPy algebraic numbers (rationals or CRootOf), with certified rational enclosures."""
    import flint

    cp = K.charpoly()
    den = cp.denom()
    zp = flint.fmpz_poly([int(c * den) for c in cp.coeffs()])
    _, factors = zp.factor()
    t = sp.Symbol("t")
    roots: list[tuple[Any, sp.Expr]] = []  # (arb real ball, exact)
    for fac, _mult in factors:
        coeffs = [int(c) for c in fac.coeffs()]
        poly = sp.Poly(list(reversed(coeffs)), t)
        balls = sorted((z.real for z, _ in fac.complex_roots()), key=lambda b: float(b.mid()))
        for idx, ball in enumerate(balls):
            roots.append((ball, sp.CRootOf(poly, idx) if poly.degree() > 1 else
                          sp.Rational(-coeffs[0], coeffs[1])))
    roots.sort(key=lambda rb: float(rb[0].mid()))
    lo, hi = roots[0], roots[-1]

    def encl(ball: Any) -> tuple[sp.Expr, sp.Expr]:
        return _arb_to_rational(ball.lower()), _arb_to_rational(ball.upper())

    return lo[1], hi[1], (encl(lo[0]), encl(hi[0]))


def _arb_to_rational(x: Any) -> sp.Rational:
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return sp.Integer(man) * sp.Integer(2) ** exp


def _decide_max(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """max(a, b) for real algebraic numbers, decided exactly."""
    diff = a - b
    if diff.is_Rational:
        return a if diff >= 0 else b
    for digits in (30, 120, 500):
        v = sp.N(diff, digits)
        if v != 0 and abs(v) > sp.Float(10) ** (-(digits - 10)):
            return a if v > 0 else b
    try:
        x = sp.Symbol("x")
        if sp.minimal_polynomial(diff, x) == x:
            return a
    except (NotImplementedError, ValueError):  # pragma: no cover - exotic
        pass
    return sp.Max(a, b)  # pragma: no cover - exact but unsimplified


def _algebraic_equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact equality of two real algebraic numbers (rationals, surds, CRootOf)."""
    diff = a - b
    if diff.is_Rational:
        return diff == 0
    v = sp.N(diff, 40)
    if v != 0 and abs(v) > sp.Float(10) ** -30:
        return False
    try:
        x = sp.Symbol("x")
        return sp.minimal_polynomial(diff, x) == x
    except (NotImplementedError, ValueError):  # pragma: no cover - exotic
        return False


def _rational_upper(x: Fraction) -> Fraction:
    """A rational upper bound of sqrt(x) (x >= 0)."""
    if x == 0:
        return Fraction(0)
    r = Fraction(math.sqrt(float(x))) * Fraction(1 + 2**-40) + Fraction(1, 2**200)
    while r * r < x:
        r *= 2
    return r


def _gram_enclosure(W: np.ndarray, *, digits: int = 40) -> tuple[Any, Fraction]:
    """G = WᵀW as a rational flint matrix G_mid and a radius ρ with |G − G_mid| <= ρ entrywise.

    Exact (ρ = 0) when W is rational. Otherwise each irrational entry of the exact Gram matrix
    (a SymPy algebraic number) is evaluated with ``sympy.N(..., digits, strict=True)``, which
    raises rather than return fewer correct digits; ρ = 10^(5 − digits)·max(1, |entry|).
    """
    import flint

    if _is_rational_array(W):
        Wf = flint.fmpq_mat([[_fmpq(v) for v in row] for row in W])
        return Wf.transpose() * Wf, Fraction(0)
    G = _gram_exact(W)
    N = G.shape[0]
    Gq = flint.fmpq_mat(N, N)
    radius = Fraction(0)
    for i in range(N):
        for j in range(N):
            e = G[i, j]
            if e.is_Rational:
                Gq[i, j] = _fmpq(e)
                continue
            v = sp.Rational(sp.N(e, digits, strict=True))
            Gq[i, j] = _fmpq(v)
            rad = Fraction(1, 10 ** (digits - 5)) * max(1, abs(Fraction(int(v.p), int(v.q))))
            radius = max(radius, rad)
    return Gq, radius


def _certified_extreme_eigs(W: np.ndarray, weights: np.ndarray,
                            ) -> tuple[tuple[sp.Rational, sp.Rational],
                                       tuple[sp.Rational, sp.Rational]]:
    """Certified rational enclosures of the extreme eigenvalues of diag(w)^{-1}WᵀW.

    For a trial t just above the numerical λ_max, t·D − G = CCᵀ + E with C a floating Cholesky
    factor (exact dyadic numbers) and E computed exactly; since D ⪰ I, (t + ‖E‖_F)·D − G ⪰ 0,
    so λ_max <= t + ‖E‖_F (and symmetrically for λ_min). Lower bounds on λ_max and upper bounds on
    λ_min come from exact Rayleigh quotients of the rationalized numerical eigenvectors. When G
    has irrational entries it is replaced by a rational G_mid with |G − G_mid| <= ρ entrywise
    (:func:`_gram_enclosure`), and every bound is widened by N·ρ >= ‖G − G_mid‖₂.
    """
    import flint

    G, radius = _gram_enclosure(W)
    N = G.nrows()
    widen = Fraction(N) * radius
    wts = [Fraction(int(w.p), int(w.q)) for w in weights]
    Dh = np.array([float(w) for w in wts])
    Gf = np.array([[float(G[i, j].p) / float(G[i, j].q) for j in range(N)] for i in range(N)])
    Ssym = Gf / np.sqrt(np.outer(Dh, Dh))
    evals, evecs = np.linalg.eigh(Ssym)

    def exact_rayleigh(vec: np.ndarray) -> Fraction:
        u = vec / np.sqrt(Dh)
        u_q = flint.fmpq_mat([[flint.fmpq(Fraction(float(x)).limit_denominator(2**30).numerator,
                                          Fraction(float(x)).limit_denominator(2**30).denominator)]
                              for x in u])
        num = (u_q.transpose() * G * u_q)[0, 0]
        den = sum((Fraction(w) * Fraction(int(u_q[k, 0].p), int(u_q[k, 0].q)) ** 2
                   for k, w in enumerate(wts)), Fraction(0))
        return Fraction(int(num.p), int(num.q)) / den

    def shift_bound(sign: int, lam: float) -> Fraction:
        # sign = +1: certify λ_max <= t + ‖E‖; sign = −1: certify λ_min >= t − ‖E‖.
        scale_ = max(1.0, abs(lam))
        for eta in (1e-10, 1e-8, 1e-6, 1e-4, 1e-2):
            t = Fraction(lam + sign * eta * scale_)
            Mf = sign * (float(t) * np.diag(Dh) - Gf)
            try:
                C = np.linalg.cholesky(Mf)
            except np.linalg.LinAlgError:
                continue
            Cq = flint.fmpq_mat([[flint.fmpq(*Fraction(float(x)).as_integer_ratio())
                                  for x in row] for row in C])
            tq = flint.fmpq(t.numerator, t.denominator)
            Mq = flint.fmpq_mat(N, N)
            for i in range(N):
                for j in range(N):
                    Mq[i, j] = (tq * _fmpq(weights[i]) if i == j else 0) - G[i, j]
                    if sign < 0:
                        Mq[i, j] = -Mq[i, j]
            E = Mq - Cq * Cq.transpose()
            e2 = sum((E[i, j] * E[i, j] for i in range(N) for j in range(N)), flint.fmpq(0))
            enorm = _rational_upper(Fraction(int(e2.p), int(e2.q)))
            return t + sign * enorm
        raise UnsupportedError("could not certify the extreme eigenvalues (Cholesky failed)")

    hi_max = shift_bound(+1, float(evals[-1])) + widen
    lo_min = shift_bound(-1, float(evals[0])) - widen
    lo_max = exact_rayleigh(evecs[:, -1]) - widen
    hi_min = exact_rayleigh(evecs[:, 0]) + widen
    R = sp.Rational
    return ((R(lo_min.numerator, lo_min.denominator), R(hi_min.numerator, hi_min.denominator)),
            (R(lo_max.numerator, lo_max.denominator), R(hi_max.numerator, hi_max.denominator)))


def _witness_search(op: SensingOperator, k: int, seed: int, restarts: int,
                    ) -> list[np.ndarray]:
    """Floating-point rank-<=k matrices that (locally) maximize and minimize
    ‖A(Z)‖²/‖Z‖², found with L-BFGS over Z = P S Pᵀ (symmetric) or Z = P Qᵀ."""
    from scipy.optimize import minimize

    mats = np.array(op.symmetric_parts() if op.symmetric else op.matrices, dtype=float)
    p, q = op.shape
    rng = np.random.default_rng(seed)
    sym = op.symmetric

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        P = theta[: p * k].reshape(p, k)
        if sym:
            S = theta[p * k:].reshape(k, k)
            return P, (S + S.T) / 2
        return P, theta[p * k:].reshape(q, k)

    def build(P: np.ndarray, R: np.ndarray) -> np.ndarray:
        return P @ R @ P.T if sym else P @ R.T

    def fun(theta: np.ndarray, sign: float) -> tuple[float, np.ndarray]:
        P, R = unpack(theta)
        Z = build(P, R)
        den = float(np.sum(Z * Z))
        if den < 1e-300:
            return 0.0, np.zeros_like(theta)
        a = np.einsum("kij,ij->k", mats, Z)
        num = float(a @ a)
        ratio = num / den
        Gam = 2 * (np.einsum("k,kij->ij", a, mats) - ratio * Z) / den
        if sym:
            gP = (Gam + Gam.T) @ P @ R
            gR = P.T @ Gam @ P
            gR = (gR + gR.T) / 2
        else:
            gP = Gam @ R
            gR = Gam.T @ P
        return sign * ratio, sign * np.concatenate([gP.ravel(), gR.ravel()])

    # starting points: truncations of the extreme eigenvectors of the Gram operator, then random
    flat = mats.reshape(mats.shape[0], -1)
    Gm = flat.T @ flat
    evals, evecs = np.linalg.eigh(Gm)
    starts: list[tuple[float, np.ndarray]] = []
    for sign, col in ((-1.0, evecs[:, -1]), (1.0, evecs[:, 0])):
        Z0 = col.reshape(p, q)
        if sym:
            Z0 = (Z0 + Z0.T) / 2
            w, V = np.linalg.eigh(Z0)
            idx = np.argsort(-np.abs(w))[:k]
            theta = np.concatenate([V[:, idx].ravel(), np.diag(w[idx]).ravel()])
        else:
            Uu, s, Vt = np.linalg.svd(Z0)
            theta = np.concatenate([(Uu[:, :k] * s[:k]).ravel(), Vt[:k].T.ravel()])
        starts.append((sign, theta))
    nvar = p * k + (k * k if sym else q * k)
    for _ in range(restarts):
        th = rng.standard_normal(nvar)
        starts.append((-1.0, th))
        starts.append((1.0, th))
    best: dict[float, tuple[float, np.ndarray]] = {}
    for sign, th in starts:
        res = minimize(fun, th, args=(sign,), jac=True, method="L-BFGS-B",
                       options={"maxiter": 500})
        val = float(res.fun)
        if sign not in best or val < best[sign][0]:
            best[sign] = (val, res.x)
    out = []
    for sign in (-1.0, 1.0):
        P, R = unpack(best[sign][1])
        Z = build(P, R)
        nrm = np.sqrt(np.sum(Z * Z))
        if nrm > 0:
            out.append((P / np.sqrt(nrm), R / (1.0 if sym else np.sqrt(nrm))))
    return [_rationalize_factors(P, R, sym) for P, R in out]


def _rationalize_factors(P: np.ndarray, R: np.ndarray, sym: bool) -> np.ndarray:
    def rat(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(*a.shape):
            f = Fraction(float(a[idx])).limit_denominator(2**24)
            out[idx] = sp.Rational(f.numerator, f.denominator)
        return out

    Pq, Rq = rat(P), rat(R)
    if sym:
        Rq = (Rq + Rq.T) / 2
        Z = Pq @ Rq @ Pq.T
    else:
        Z = Pq @ Rq.T
    return np.vectorize(sp.expand, otypes=[object])(Z)


def _exact_ratio(op: SensingOperator, Z: np.ndarray) -> sp.Expr | None:
    den = sp.expand(sum(v * v for v in Z.reshape(-1)))
    if den == 0:
        return None
    vals = op(Z)
    num = sp.expand(sum(v * v for v in vals))
    return num / den if num.is_Rational else sp.simplify(num / den)


def restricted_isometry(target: MatrixSensing | SensingOperator | ArrayLike,
                        order: int | None = None, *, restarts: int = 6,
                        seed: int = 0, exact_max_dim: int = 36) -> RestrictedIsometry:
    """The restricted isometry constant δ_k of a sensing operator.

    δ_k is the smallest δ >= 0 with (1 − δ)‖Z‖²_F <= ‖A(Z)‖² <= (1 + δ)‖Z‖²_F for every Z of
    rank <= k, where Z ranges over symmetric n×n matrices (symmetric problems; the Frobenius
    inner product on them, i.e. isometric svec coordinates with √2 off the diagonal) or over all
    p×q matrices (asymmetric).

    Parameters
    ----------
    target
        A :class:`MatrixSensing`, a :class:`~mfverify.problems.ConstrainedMF` (anything with an
        ``operator`` attribute) or a :class:`SensingOperator`.
    order
        k. Default: 2r for a problem of factor width r; the full size for a bare operator.
    restarts
        Random restarts of the witness search (bounds kind only).
    seed
        Seed of the witness search.
    exact_max_dim
        Largest space dimension N for which the eigenvalues are computed as exact algebraic
        numbers (characteristic polynomial, factored over ℚ, roots as ``CRootOf``); above it
        they are enclosed by a certified rational interval.

    Returns
    -------
    RestrictedIsometry
        ``kind="exact"`` when k >= the matrix size (the constraint is vacuous: δ = max(λ_max − 1,
        1 − λ_min) of the Gram operator A*A, exactly) and the eigenvalues are exact, or when the
        exact witness attains the exact upper bound; otherwise ``kind="bounds"``: the upper bound
        is the unrestricted constant (exact or certified), the lower bound the exact ratio
        |‖A(Z)‖²/‖Z‖² − 1| of an explicit rank-<=k rational witness found by optimization.

    Notes
    -----
    Exact eigenvalues need a rational Gram matrix (operators with surd entries such as the ZSL
    family often have one: the Gram matrix involves only products of entries). Otherwise (or
    when N > ``exact_max_dim``) the extreme eigenvalues are enclosed in certified rational
    intervals of width about 1e-9 and the result is of kind ``"bounds"`` even when k >= n; an
    irrational Gram matrix is first enclosed entrywise from 40-digit strict SymPy evaluations.
    """
    if isinstance(target, SensingOperator):
        op = target
        default = min(op.shape)
    else:
        op = getattr(target, "operator", None)
        if not isinstance(op, SensingOperator):
            raise InputError("restricted_isometry needs a MatrixSensing / ConstrainedMF problem "
                             f"or a SensingOperator, got {type(target).__name__}")
        width = getattr(target, "r", None) or getattr(target, "p", None)
        default = 2 * int(width)
    k = default if order is None else order
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or int(k) < 1:
        raise RankError(f"order must be a positive integer, got {k!r}")
    full = min(op.shape)
    k = min(int(k), full)
    W, weights = op.gram_rows()
    N = W.shape[1]
    method: list[str] = []
    rational = _is_rational_array(W) or (N <= exact_max_dim and _gram_is_rational(W, weights))
    eig_min = eig_max = None
    if rational and N <= exact_max_dim:
        Wq = _rational_gram_rows(W)
        K = _gram_rational(Wq, weights) if Wq is not None else _gram_from_exact(W, weights)
        eig_min, eig_max, encl = _exact_extreme_eigs(K)
        upper = _decide_max(eig_max - 1, 1 - eig_min)
        method.append("eigenvalues of the Gram operator A*A on the whole space: exact roots of its "
                      "characteristic polynomial (flint, factored over Q; CRootOf)")
        eig_interval = encl
    else:
        if not _is_rational_array(W) and N > 4 * exact_max_dim:
            raise UnsupportedError(
                f"RIP of an operator with irrational entries is limited to N <= "
                f"{4 * exact_max_dim} (exact Gram matrix in SymPy); here N = {N}")
        eig_interval = _certified_extreme_eigs(W, weights)
        (lo_min, hi_min), (lo_max, hi_max) = eig_interval
        upper = max(hi_max - 1, 1 - lo_min)
        method.append("upper bound: certified rational enclosure of the extreme eigenvalues of "
                      "A*A (floating Cholesky of t·D − G with the exact residual norm added)")
    if k >= full and eig_max is not None:
        return RestrictedIsometry("exact", k, op.symmetric, upper, upper, upper, eig_min, eig_max,
                                  eig_interval, method + ["rank constraint vacuous (k >= n)"],
                                  gram_dimension=N)
    if k >= full:
        (lo_min, hi_min), (lo_max, hi_max) = eig_interval
        lower = max(lo_max - 1, 1 - hi_min)
        method.append("lower bound: exact Rayleigh quotients of rationalized eigenvectors "
                      "(rank constraint vacuous)")
        return RestrictedIsometry("bounds", k, op.symmetric, lower, upper, None, None, None,
                                  eig_interval, method, gram_dimension=N)
    # restricted: exact witnesses for the lower bound
    best_ratio: sp.Expr | None = None
    best_Z: np.ndarray | None = None
    lower: sp.Expr = sp.Integer(0)
    for Z in _witness_search(op, k, seed, restarts):
        ratio = _exact_ratio(op, Z)
        if ratio is None:
            continue
        gap = _decide_max(ratio - 1, 1 - ratio)
        if best_ratio is None or _decide_max(gap, lower) == gap and gap != lower:
            lower, best_ratio, best_Z = gap, ratio, Z
    method.append(f"lower bound: exact ratio ‖A(Z)‖²/‖Z‖² at a rational rank-<={k} witness Z "
                  f"(L-BFGS over factorized Z, {restarts} random restarts, seed {seed})")
    kind = "exact" if _algebraic_equal(upper, lower) else "bounds"
    return RestrictedIsometry(kind, k, op.symmetric, lower, upper,
                              upper if kind == "exact" else None, eig_min, eig_max, eig_interval,
                              method, best_Z, best_ratio, N)


def _gram_is_rational(W: np.ndarray, weights: np.ndarray) -> bool:
    G = _gram_exact(W)
    return all(v.is_Rational for v in G.reshape(-1))


def _gram_exact(W: np.ndarray) -> np.ndarray:
    G = W.T @ W

    def simp(v: Any) -> sp.Expr:
        e = sp.expand(v)
        return e if e.is_Rational else sp.simplify(sp.radsimp(e))

    return np.vectorize(simp, otypes=[object])(G)


def _rational_gram_rows(W: np.ndarray) -> np.ndarray | None:
    return W if _is_rational_array(W) else None


def _gram_from_exact(W: np.ndarray, weights: np.ndarray) -> Any:
    import flint

    G = _gram_exact(W)
    N = G.shape[0]
    K = flint.fmpq_mat(N, N)
    for i in range(N):
        for j in range(N):
            K[i, j] = _fmpq(sp.Rational(G[i, j]) / weights[i])
    return K
