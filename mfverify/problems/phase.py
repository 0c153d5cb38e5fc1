"""Phase retrieval: recover z ∈ ℝⁿ or ℂⁿ from |⟨aᵢ, z⟩|², up to a global sign or phase.

**Coordinates.** The variable is the n×k real matrix ``z`` with k = 1 for a real signal and
k = 2 for a complex one, Z = [Re z, Im z]. The inner product is ⟨a, z⟩ = aᴴz = Σ_j conj(a_j) z_j;
with a = α + iβ its real coordinates are the row of C = αZ + βZJ, J = [[0, −1], [1, 0]]
(C = [Re aᴴz, Im aᴴz]), so |⟨a, z⟩|² is the squared norm of that row. Multiplying z by e^{iθ}
is Z ↦ ZQ with Q = [[cos θ, sin θ], [−sin θ, cos θ]] (the U(1) = SO(2) action on the right);
its orbit tangent at Z is ZJᵀ = [−Im z, Re z]. A real signal has the sign group {±1}.

**Finite measurements** (``model="finite"``), m measurement vectors aᵢ (rows of ``a`` and,
complex, ``a_imag``) and measurements yᵢ:

    f(z) = (1/(4m))·Σᵢ (|⟨aᵢ, z⟩|² − yᵢ)².

With qᵢ = |⟨aᵢ, z⟩|² − yᵢ and L(Z) = αZ + βZJ, L*(W) = αᵀW + βᵀWJᵀ (its adjoint):

* ∇f(Z) = (1/m)·L*(q ∘ C)   (q ∘ C scales row i of C = L(Z) by qᵢ),
* ∇²f(Z)[D] = (1/m)·L*(dq ∘ C + q ∘ dC),  dC = L(D), dqᵢ = 2⟨Cᵢ, dCᵢ⟩.

**Gaussian population objective** (``model="population"``): the expectation of the finite
objective with noiseless yᵢ = |⟨aᵢ, x⟩|² over aᵢ i.i.d. standard Gaussian,
f(z) = ¼·E[(|⟨a, z⟩|² − |⟨a, x⟩|²)²]. Real a ~ N(0, Iₙ): with s = ⟨a, z⟩, t = ⟨a, x⟩ jointly
Gaussian, Isserlis' theorem gives E s⁴ = 3‖z‖⁴, E t⁴ = 3‖x‖⁴, E s²t² = ‖z‖²‖x‖² + 2⟨z, x⟩², so

    f(z) = ¼·(3‖z‖⁴ + 3‖x‖⁴ − 2‖z‖²‖x‖² − 4⟨z, x⟩²)        (real, κ = 3, μ = 4).

Complex circularly-symmetric a ~ CN(0, Iₙ) (a_j = (g_j + i h_j)/√2, g, h ~ N(0, Iₙ), so
E|a_j|² = 1): E|s|⁴ = 2‖z‖⁴ and E|s|²|t|² = ‖z‖²‖x‖² + |⟨x, z⟩|², so

    f(z) = ¼·(2‖z‖⁴ + 2‖x‖⁴ − 2‖z‖²‖x‖² − 2|⟨x, z⟩|²)      (complex, κ = 2, μ = 2).

In both, with P(Z) = (⟨X, Z⟩X + ⟨XJ, Z⟩XJ) in the complex case (⟨X, Z⟩X real), the closed forms
are ∇f = κ‖Z‖²Z − ‖X‖²Z − (μ/2)P(Z) and ∇²f[D] = κ(2⟨Z, D⟩Z + ‖Z‖²D) − ‖X‖²D − (μ/2)P(D).
These constants are proved from the Gaussian moments by the claim
``foundations.phase-population-moments``, and the closed forms by
``foundations.phase-closed-forms``.

Sun, Qu & Wright (2018, "A geometric analysis of phase retrieval", Found. Comput. Math. 18,
§2, eq. (2.2) and Theorem 2.2) study this landscape: for the real population objective the
stationary points are the global minima ±x, the local maximum 0 and the strict saddles
{z ⊥ x, ‖z‖² = ‖x‖²/3}; their normalization of the finite objective is (1/(2m))·Σ(y − |aᴴz|²)²
(twice ours).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError, ShapeError, SpecError, UnsupportedError
from ..typing import ArrayLike
from .base import (
    Point,
    Problem,
    SymmetryGroup,
    add_noise,
    exact_matrix,
    exact_vector,
    scale_batched,
)
from .symmetric import _strings

__all__ = ["PhaseRetrieval", "population_constants", "MAX_MEASUREMENTS"]

#: Largest m·n accepted for explicit measurement vectors.
MAX_MEASUREMENTS = 4_000_000

_J = [[0, -1], [1, 0]]  # Z J = [-Im... ]: C = αZ + βZJ are the coordinates of aᴴz
_JT = [[0, 1], [-1, 0]]  # Z Jᵀ = [−Im z, Re z] = i·z (orbit tangent of U(1))


def population_constants(complex_field: bool) -> tuple[int, int]:
    """(κ, μ) of the population objective ¼(κ‖z‖⁴ + κ‖x‖⁴ − 2‖z‖²‖x‖² − μ|⟨x, z⟩|²):
    (3, 4) for real Gaussian a ~ N(0, I), (2, 2) for complex a ~ CN(0, I) with E|a_j|² = 1."""
    return (2, 2) if complex_field else (3, 4)


def _field(value: Any) -> bool:
    if value not in ("real", "complex"):
        raise InputError(f"field must be 'real' or 'complex', got {value!r}")
    return value == "complex"


def _signal(re: Any, im: Any, n: int | None, cplx: bool) -> np.ndarray:
    """The signal as the exact n×k matrix [Re x, Im x] (k = 1 real, 2 complex)."""
    xr = exact_vector(re, "signal", length=n)
    if not cplx:
        if im is not None:
            raise InputError("signal_imag is only allowed with field 'complex'")
        return xr.reshape(-1, 1)
    xi = exact_vector(im, "signal_imag", length=xr.shape[0]) if im is not None else \
        np.array([sp.Integer(0)] * xr.shape[0], dtype=object)
    return np.stack([xr, xi], axis=1)


class PhaseRetrieval(Problem):
    """Phase retrieval with finite measurements or the Gaussian population objective.

    Parameters
    ----------
    a
        m×n real parts of the measurement vectors aᵢ (rows); finite model only.
    a_imag
        m×n imaginary parts (complex field only; default zero).
    y
        The m measurements yᵢ (finite model); give ``y`` or ``signal``.
    signal, signal_imag
        The signal x (length n; imaginary part for the complex field). In the finite model
        y = |⟨aᵢ, x⟩|² is computed from it exactly (noiseless, so the optimal value is 0); the
        population model requires it.
    field
        ``"real"`` (z ∈ ℝⁿ, variable z of shape n×1) or ``"complex"`` (z ∈ ℂⁿ as the n×2
        real matrix [Re z, Im z]).
    model
        ``"finite"`` (1/(4m))Σ(|⟨aᵢ, z⟩|² − yᵢ)² or ``"population"`` (its Gaussian mean, see
        the module docstring for the constants).

    Examples
    --------
    >>> from mfverify.problems import PhaseRetrieval
    >>> p = PhaseRetrieval(signal=[1, 0], model="population")
    >>> p.value({"z": [[0], ["sqrt(3)/3"]]}, "exact")      # a strict saddle: ‖z‖² = 1/3
    2/3
    """

    kind = "phase_retrieval"
    spec_keys = ("field", "model", "a", "a_imag", "y", "signal", "signal_imag", "n")
    required_keys = ()
    generator_keys = {"n": int, "m": int, "field": str}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> PhaseRetrieval:
        a = spec.get("a")
        a_imag = spec.get("a_imag")
        cplx = _field(spec.get("field", "real"))
        if isinstance(a, Mapping):
            a, a_imag = _gaussian_from_spec(a, spec.get("n"), cplx)
            if "a_imag" in spec:
                raise SpecError("a_imag cannot be given with a Gaussian 'a'")
        elif "n" in spec:
            raise SpecError("'n' is only used with a Gaussian 'a' ({\"gaussian\": {...}})")
        return cls(a=a, a_imag=a_imag, y=spec.get("y"), signal=spec.get("signal"),
                   signal_imag=spec.get("signal_imag"), field=spec.get("field", "real"),
                   model=spec.get("model", "finite"))

    def __init__(self, *, a: ArrayLike | None = None, a_imag: ArrayLike | None = None,
                 y: ArrayLike | None = None, signal: ArrayLike | None = None,
                 signal_imag: ArrayLike | None = None, field: str = "real",
                 model: str = "finite") -> None:
        super().__init__()
        self.complex = _field(field)
        if model not in ("finite", "population"):
            raise InputError(f"model must be 'finite' or 'population', got {model!r}")
        self.model = model
        self.k = 2 if self.complex else 1
        #: Planted signals of generated instances (set by :meth:`generate`), else None.
        self.planted: np.ndarray | None = None
        if model == "population":
            self._init_population(a, a_imag, y, signal, signal_imag)
        else:
            self._init_finite(a, a_imag, y, signal, signal_imag)
        self.variables = {"z": (self.n, self.k)}
        self._index_structure()

    def _index_structure(self) -> None:
        """The hooks of all-sizes derivation verdicts (``size_shapes``, ``objective_expression``,
        ``size_constants``).

        Real: z and x are n×1, y is m×1 (vectors are matrices with one dimension fixed at 1),
        f = (1/(4m))·‖(az)∘(az) − y‖²; the factor 1/(4m) is a negative power of the dimension
        m common to the objective, which the size bound clears (docs/derivations.md, 'Every
        size'). Complex: Z = [Re z, Im z] is n×2 with the constants J = [[0, −1], [1, 0]] and
        ones = [[1], [1]] of fixed dimension 2: C = aZ + a_imag·ZJ has rows
        [Re aᵢᴴz, Im aᵢᴴz], |aᵢᴴz|² = ((C∘C)·ones)ᵢ and |⟨x, z⟩|² = ⟨X, Z⟩² + ⟨XJ, Z⟩²; the
        size bound ranges n and m only.
        """
        if self.complex:
            self.size_constants = {"J": _J, "ones": [[1], [1]]}
        k = 2 if self.complex else 1
        if self.model == "population":
            kappa, mu = population_constants(self.complex)
            self.size_shapes = {"z": ("n", k), "x": ("n", k)}
            inner2 = ("(inner(x, z)^2 + inner(x*J, z)^2)" if self.complex
                      else "inner(x, z)^2")
            self.objective_expression = (f"1/4*({kappa}*norm(z)^4 + {kappa}*norm(x)^4 "
                                         f"- 2*norm(z)^2*norm(x)^2 - {mu}*{inner2})")
            return
        self.size_shapes = {"z": ("n", k), "a": ("m", "n"), "y": ("m", 1)}
        if self.complex:
            self.size_shapes["a_imag"] = ("m", "n")
            C = "(a*z + a_imag*z*J)"
            sq = f"hadamard({C}, {C})*ones"
        else:
            sq = "hadamard(a*z, a*z)"
        self.objective_expression = f"1/(4*m)*norm({sq} - y)^2"

    def closed_form_texts(self) -> dict[str, tuple[str, list[str]]]:
        """The closed forms of :meth:`gradient` and :meth:`hvp` in the expression grammar, as
        ``{"gradient": (text, definitions), "hvp": (text ending in "in D", definitions)}``,
        for checks at every size by :mod:`mfverify.derivation` (the module docstring's
        formulas: ∇f = (1/m)·L*(q∘C), ∇²f[D] = (1/m)·L*(dq∘C + q∘dC); population
        ∇f = κ‖Z‖²Z − ‖X‖²Z − (μ/2)P(Z), ∇²f[D] = κ(2⟨Z, D⟩Z + ‖Z‖²D) − ‖X‖²D − (μ/2)P(D))."""
        if self.model == "population":
            kappa, mu = population_constants(self.complex)

            def P(v: str) -> str:
                return (f"(inner(x, {v})*x + inner(x*J, {v})*x*J)" if self.complex
                        else f"inner(x, {v})*x")

            half = sp.Rational(mu, 2)
            return {"gradient": (f"{kappa}*norm(z)^2*z - norm(x)^2*z - {half}*{P('z')}", []),
                    "hvp": (f"{kappa}*(2*inner(z, D)*z + norm(z)^2*D) - norm(x)^2*D "
                            f"- {half}*{P('D')} in D", [])}
        if self.complex:
            defs = ["C = a*z + a_imag*z*J", "dC = a*D + a_imag*D*J"]
            adj = "1/m*(a.T*{W} + a_imag.T*{W}*J.T)"
        else:
            defs = ["C = a*z", "dC = a*D"]
            adj = "1/m*a.T*{W}"
        # row sums of C∘C: |<aᵢ, z>|²; a row scaling q∘C written hadamard(q*ones.T, C)
        rows = (lambda e: f"hadamard({e})*ones") if self.complex else \
            (lambda e: f"hadamard({e})")
        scale = (lambda q, c: f"hadamard({q}*ones.T, {c})") if self.complex else \
            (lambda q, c: f"hadamard({q}, {c})")
        defs += [f"q = {rows('C, C')} - y", f"dq = 2*{rows('C, dC')}",
                 f"G = {scale('q', 'C')}", f"H = {scale('dq', 'C')} + {scale('q', 'dC')}"]
        gdefs = [d for d in defs if d.split(" =")[0] in ("C", "q", "G")]
        return {"gradient": (adj.format(W="G"), gdefs), "hvp": (adj.format(W="H") + " in D",
                                                               defs)}

    def _init_population(self, a: Any, a_imag: Any, y: Any, signal: Any,
                         signal_imag: Any) -> None:
        if a is not None or a_imag is not None or y is not None:
            raise InputError("the population model takes only the signal (no a, a_imag, y)")
        if signal is None:
            raise InputError("the population model needs the signal x")
        X = _signal(signal, signal_imag, None, self.complex)
        self.n, self.m = X.shape[0], 0
        self.truth: np.ndarray | None = X
        self.data = {"x": X}
        self.size_dims = ("n",)

    def _init_finite(self, a: Any, a_imag: Any, y: Any, signal: Any, signal_imag: Any) -> None:
        if a is None:
            raise InputError("the finite model needs the measurement vectors a (m×n)")
        ar = exact_matrix(a, "a")
        self.m, self.n = ar.shape
        if self.m * self.n > MAX_MEASUREMENTS:
            raise ShapeError(f"a has more than {MAX_MEASUREMENTS} entries")
        self.data = {"a": ar}
        if self.complex:
            self.data["a_imag"] = exact_matrix(a_imag, "a_imag", shape=ar.shape) \
                if a_imag is not None else np.full(ar.shape, sp.Integer(0), dtype=object)
        elif a_imag is not None:
            raise InputError("a_imag is only allowed with field 'complex'")
        if (y is None) == (signal is None):
            raise InputError("give exactly one of y (measurements) and signal (then "
                             "y = |<a_i, x>|², noiseless)")
        self.truth = None
        if signal is not None:
            self.truth = _signal(signal, signal_imag, self.n, self.complex)
            y = self._measurements(self.truth)
        elif signal_imag is not None:
            raise InputError("signal_imag needs signal")
        self.data["y"] = exact_vector(y, "y", length=self.m)
        self.size_dims = ("m", "n")

    def _measurements(self, X: np.ndarray) -> np.ndarray:
        from ..arith import ExactArith

        A = ExactArith()
        C = self._coords(A, X, {k: v for k, v in self.data.items()})
        return A.finish_array((C * C).sum(axis=-1))

    # -- the mathematics ---------------------------------------------------------------------
    def _coords(self, A: Arith, Z: np.ndarray, d: Mapping[str, Any]) -> np.ndarray:
        """C = L(Z) = αZ + βZJ: row i is [Re aᵢᴴz, Im aᵢᴴz] (just αz when real)."""
        C = d["a"] @ Z
        if self.complex:
            C = C + d["a_imag"] @ (Z @ A.asarray(_J))
        return C

    def _adjoint(self, A: Arith, W: np.ndarray, d: Mapping[str, Any]) -> np.ndarray:
        """L*(W) = αᵀW + βᵀWJᵀ."""
        G = A.T(d["a"]) @ W
        if self.complex:
            G = G + A.T(d["a_imag"]) @ (W @ A.asarray(_JT))
        return G

    def _population_terms(self, A: Arith, Z: np.ndarray, d: Mapping[str, Any]
                          ) -> tuple[Any, Any, list[tuple[Any, np.ndarray]]]:
        X = d["x"]
        pairs = [(A.inner(X, Z), X)]
        if self.complex:
            XJ = X @ A.asarray(_J)
            pairs.append((A.inner(XJ, Z), XJ))
        return A.sumsq(Z), A.sumsq(X), pairs

    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        Z = x["z"]
        if self.model == "population":
            kappa, mu = population_constants(self.complex)
            nz, nx, pairs = self._population_terms(A, Z, d)
            inner2 = sum((p * p for p, _ in pairs), A.const(0))
            val = A.const(kappa) * (nz * nz + nx * nx) - 2 * nz * nx - A.const(mu) * inner2
            return A.finish(val / A.const(4))
        C = self._coords(A, Z, d)
        q = (C * C).sum(axis=-1) - d["y"]
        return A.finish((q * q).sum(axis=-1) / A.const(4 * self.m))

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        Z = x["z"]
        if self.model == "population":
            kappa, mu = population_constants(self.complex)
            nz, nx, pairs = self._population_terms(A, Z, d)
            G = scale_batched(A.const(kappa) * nz - nx, Z, 2)
            for p, V in pairs:
                G = G - scale_batched(A.const(mu) / A.const(2) * p, V, 2)
            return {"z": G}
        C = self._coords(A, Z, d)
        q = (C * C).sum(axis=-1) - d["y"]
        return {"z": self._adjoint(A, q[..., None] * C, d) / A.const(self.m)}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        Z, D = x["z"], v["z"]
        if self.model == "population":
            kappa, mu = population_constants(self.complex)
            nz, nx, pairs = self._population_terms(A, Z, d)
            k = A.const(kappa)
            H = scale_batched(2 * k * A.inner(Z, D), Z, 2) + scale_batched(k * nz - nx, D, 2)
            for _, V in pairs:
                H = H - scale_batched(A.const(mu) / A.const(2) * A.inner(V, D), V, 2)
            return {"z": H}
        C = self._coords(A, Z, d)
        dC = self._coords(A, D, d)
        q = (C * C).sum(axis=-1) - d["y"]
        dq = 2 * (C * dC).sum(axis=-1)
        W = dq[..., None] * C + q[..., None] * dC
        return {"z": self._adjoint(A, W, d) / A.const(self.m)}

    # -- symmetry ----------------------------------------------------------------------------
    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """zzᵀ (real, the sign group) or (ZZᵀ, ZJZᵀ), zzᴴ in real form (complex, U(1))."""
        from .invariants import gram, phase_gram

        return phase_gram(x["z"]) if self.complex else gram(x["z"])

    def symmetry(self) -> SymmetryGroup:
        if self.complex:
            return SymmetryGroup("U(1)", 1, "z -> e^{iθ} z, i.e. Z -> Z Q with Q = [[cos θ, "
                                 "sin θ], [−sin θ, cos θ]] on Z = [Re z, Im z]",
                                 "global phase; complex conjugation is not a symmetry unless "
                                 "the data are real")
        return SymmetryGroup("O(1)", 0, "z -> ±z", "finite sign group {±1}")

    def group_action(self) -> Any:
        """Complex signals: U(1) on the rows (Re z_k, Im z_k) of Z as an object
        (:class:`~mfverify.problems.groups.UnitaryPhase`); real: {±1} (O(1) on the right)."""
        from .groups import UnitaryPhase, flat_layout

        if not self.complex:
            return super().group_action()
        return UnitaryPhase(flat_layout(self.variables),
                            [(2 * k, 2 * k + 1) for k in range(self.n)])

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        if not self.complex:
            return []
        A = get_arith(arith)
        Z = self.point(x, A, batch=False)["z"]
        return [{"z": A.finish_array(Z @ A.asarray(_JT))}]

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        """``g`` is ±1 (real) or a 2×2 rotation Q (complex: Z ↦ ZQ, i.e. z ↦ e^{iθ}z)."""
        A = get_arith(arith)
        Z = self.point(x, A)["z"]
        G = A.asarray(g)
        if G.shape == ():
            if self.complex:
                raise ShapeError("the complex field acts by a 2×2 rotation matrix")
            return {"z": Z * G}
        if G.shape != (self.k, self.k):
            raise ShapeError(f"group element must have shape {(self.k, self.k)}, got {G.shape}")
        return {"z": Z @ G}

    # -- family hooks ------------------------------------------------------------------------
    def size(self) -> dict[str, int]:
        return {"n": self.n} if self.model == "population" else {"m": self.m, "n": self.n}

    def at_size(self, size: Mapping[str, int]) -> PhaseRetrieval:
        n = int(size["n"])
        field = "complex" if self.complex else "real"
        if n < 1:
            raise UnsupportedError(f"the problem needs n >= 1, got {n}")
        if self.model == "population":
            return PhaseRetrieval(signal=[0] * n, field=field, model="population")
        m = int(size["m"])
        if m < 1:
            raise UnsupportedError(f"the problem needs m >= 1, got {m}")
        return PhaseRetrieval(a=[[0] * n for _ in range(m)], y=[0] * m, field=field)

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """0 per instance when the measurements are noiseless (built from a signal, or the
        population model): f ≥ 0 and f(x) = 0. Batched overrides must be noiseless too."""
        if self.truth is None:
            raise UnsupportedError("the optimal value is known only for noiseless "
                                   "measurements (build the problem from its signal)")
        return np.zeros(self.override_batch(data))

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """min over global phases φ of ‖z − e^{iφ}x‖ / ‖x‖ (real: over signs ±1), i.e.
        √(‖z‖² + ‖x‖² − 2|⟨x, z⟩|) / ‖x‖, for the planted signals x of generated instances."""
        if self.planted is None:
            raise UnsupportedError("the recovery error needs planted signals (gen:phase_retrieval)")
        X = np.asarray(self.planted, dtype=np.float64)[:, None]
        Z = np.asarray(x["z"], dtype=np.float64)
        xc = X[..., 0] + (1j * X[..., 1] if self.complex else 0)
        zc = Z[..., 0] + (1j * Z[..., 1] if self.complex else 0)
        nx = np.sum(np.abs(xc) ** 2, axis=-1)
        d2 = np.sum(np.abs(zc) ** 2, axis=-1) + nx - 2 * np.abs(np.sum(np.conj(xc) * zc, -1))
        return np.sqrt(np.maximum(d2, 0.0) / np.where(nx > 0, nx, 1.0))

    def global_min_certificate(self) -> tuple[str, str] | None:
        if self.truth is not None:
            return ("attained", "f is a (mean of) squares, so f >= 0, and f(x) = 0 at the "
                    "signal x: the global minimum value is 0, attained on the orbit of x")
        rows = self._real_rows()
        if sp.Matrix(rows).rank() == self.n * self.k:
            return ("attained", "the measurement map z -> (aᵢᴴz) is injective, so "
                    "Σ|aᵢᴴz|² >= λ‖z‖² with λ > 0 and f is coercive")
        return None

    def _real_rows(self) -> list[list[Any]]:
        """The real 2m×2n (m×n when real) matrix of z ↦ (Re aᵢᴴz, Im aᵢᴴz)."""
        a = self.data["a"]
        if not self.complex:
            return a.tolist()
        b = self.data["a_imag"]
        rows = []
        for i in range(self.m):
            rows.append([*a[i], *b[i]])  # Re aᴴz = αu + βv
            rows.append([*(-b[i]), *a[i]])  # Im aᴴz = αv − βu
        return rows

    def spectral_init(self, data: Mapping[str, np.ndarray], K: int = 1, *, noise: float = 0.0,
                      seed: int = 0) -> Point:
        """Netrapalli, Jain & Sanghavi (2013) / Candès, Li & Soltanolkotabi (2015, Wirtinger
        flow, Alg. 1): the leading eigenvector v of (1/m)Σ yᵢaᵢaᵢᴴ scaled to ‖z₀‖² = mean(y)
        (E yᵢ = ‖x‖² for either Gaussian model)."""
        if self.model == "population":
            raise UnsupportedError("the population objective has no measurements to "
                                   "initialize from")
        d = {k: np.asarray(data[k], dtype=np.float64) if k in data else
             np.asarray(v, dtype=np.float64)[None] for k, v in self.data.items()}
        a = d["a"] + (1j * d["a_imag"] if self.complex else 0)
        y = d["y"]
        B = max(a.shape[0], y.shape[0])
        a = np.broadcast_to(a, (B, self.m, self.n))
        y = np.broadcast_to(y, (B, self.m))
        Y = np.einsum("bi,bij,bik->bjk", y, a, np.conj(a)) / self.m
        _, vecs = np.linalg.eigh(Y)
        v = vecs[:, :, -1] * np.sqrt(np.maximum(y.mean(axis=1), 0.0))[:, None]
        Z = np.stack([v.real, v.imag], axis=-1) if self.complex else v.real[:, :, None]
        return add_noise({"z": np.repeat(Z[:, None], K, axis=1)}, noise, seed)

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[PhaseRetrieval, dict[str, np.ndarray]]:
        """``gen:phase_retrieval``: n [10], m [6n], field (real | complex) [real]. Gaussian
        aᵢ ~ N(0, Iₙ) (complex: CN(0, Iₙ), E|a_ij|² = 1), a unit-norm Gaussian signal x per
        instance and noiseless yᵢ = |aᵢᴴx|²."""
        from .generators import check_dimension, check_generated_size

        n = check_dimension(params.get("n", 10), "n")
        m = check_dimension(params.get("m", 6 * n), "m", high=10 ** 6)
        cplx = _field(params.get("field", "real"))
        check_generated_size(B * m * n * (2 if cplx else 1), f"B × m × n = {B} × {m} × {n}")
        a, a_imag, x = gaussian_measurements(B, m, n, cplx, seed)
        field = "complex" if cplx else "real"
        problem = cls(a=np.zeros((m, n), dtype=int), a_imag=np.zeros((m, n), dtype=int)
                      if cplx else None, signal=[0] * n, field=field)
        ac = a + (1j * a_imag if cplx else 0)
        xc = x[..., 0] + (1j * x[..., 1] if cplx else 0)
        y = np.abs(np.einsum("bij,bj->bi", np.conj(ac), xc)) ** 2
        data = {"a": a, "y": y}
        if cplx:
            data["a_imag"] = a_imag
        problem.planted = x  # the B planted signals [Re x, Im x], shape (B, n, k)
        return problem, data

    @classmethod
    def strategy(cls, **options: Any) -> Any:
        """:func:`mfverify.strategies.phase_retrieval` (options n, m, field, model)."""
        from ..strategies import phase_retrieval

        return phase_retrieval(**options)

    def describe(self) -> str:
        field = "ℂ" if self.complex else "ℝ"
        x = None if self.truth is None else _signal_text(self.truth, self.complex)
        if self.model == "population":
            kappa, mu = population_constants(self.complex)
            return (f"f(z) = ¼(E over Gaussian a of (|<a,z>|² − |<a,x>|²)²) = ¼({kappa}‖z‖⁴ + "
                    f"{kappa}‖x‖⁴ − 2‖z‖²‖x‖² − {mu}|<x,z>|²), z ∈ {field}^{self.n}, x = {x}")
        text = (f"f(z) = (1/(4·{self.m}))·Σᵢ(|<aᵢ,z>|² − yᵢ)², z ∈ {field}^{self.n}, "
                f"m = {self.m} measurements")
        return text + (f", noiseless from x = {x}" if x is not None else "")

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"problem": self.kind, "field":
                                "complex" if self.complex else "real", "model": self.model}
        if self.model == "finite":
            spec["a"] = _strings(self.data["a"])
            if self.complex:
                spec["a_imag"] = _strings(self.data["a_imag"])
            if self.truth is None:
                spec["y"] = _strings(self.data["y"])
        if self.truth is not None:
            spec["signal"] = _strings(self.truth[:, 0])
            if self.complex:
                spec["signal_imag"] = _strings(self.truth[:, 1])
        return spec


def _signal_text(X: np.ndarray, cplx: bool) -> str:
    if not cplx:
        return str([str(v) for v in X[:, 0]])
    return str([str(sp.expand(re + sp.I * im)) for re, im in X])


def gaussian_measurements(B: int, m: int, n: int, cplx: bool, seed: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, a_imag, x): B Gaussian measurement ensembles (B, m, n) (a_imag zero when real; the
    complex aᵢ have E|a_ij|² = 1) and unit-norm Gaussian signals x of shape (B, n, k)."""
    rng = np.random.default_rng(seed)
    k = 2 if cplx else 1
    scale = np.sqrt(0.5) if cplx else 1.0
    a = scale * rng.standard_normal((B, m, n))
    a_imag = scale * rng.standard_normal((B, m, n)) if cplx else np.zeros((B, m, n))
    x = rng.standard_normal((B, n, k))
    x /= np.sqrt(np.sum(x ** 2, axis=(1, 2)))[:, None, None]
    return a, a_imag, x


def _gaussian_from_spec(a: Mapping[str, Any], n: Any, cplx: bool) -> tuple[Any, Any]:
    from .sensing import _float_to_exact, _int_param

    g = a.get("gaussian") if set(a) == {"gaussian"} else None
    if not isinstance(g, Mapping) or not set(g) <= {"m", "seed"} or "m" not in g:
        raise SpecError("'a' must be a list of measurement vectors or "
                        "{\"gaussian\": {\"m\": m, \"seed\": s}}")
    if n is None:
        raise SpecError("a Gaussian 'a' needs the signal length 'n'")
    n = _int_param(n, "n", low=1, error=SpecError)
    m = _int_param(g["m"], "m", low=1, error=SpecError)
    seed = _int_param(g.get("seed", 0), "seed", low=0, error=SpecError)
    if m * n > MAX_MEASUREMENTS:
        raise SpecError(f"m·n = {m * n} exceeds {MAX_MEASUREMENTS}")
    re, im, _ = gaussian_measurements(1, m, n, cplx, seed)
    return _float_to_exact(re[0]), (_float_to_exact(im[0]) if cplx else None)
