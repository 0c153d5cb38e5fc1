"""Group actions as objects, and the Lie-algebra bases and orbit tangents they are built from.

Every group the landscape theory of Li, Lu, Arora, Haupt, Liu, Wang & Zhao (2019, IEEE Trans.
Inf. Theory 65(6)) uses acts *linearly* on the flat
coordinate vector of a problem; :class:`GroupAction` records that action as exact matrices (Lie
algebra basis, finite part) plus the quotient strategy the landscape engine should ask for.
Actions: :class:`RightOrthogonal` (O(r) on the right), :class:`GLPair` (GL(r) on (U, V)),
:class:`GLChain` (the chain action of a deep linear network, one GL factor per hidden layer),
:class:`UnitaryPhase` (U(1) on complex coordinates written as real pairs),
:class:`DiagonalTorus` (scalings), :class:`SignGroup` (finite sign groups) and products.
Invariance is never assumed from the declaration: the engine proves it from f
(:mod:`mfverify.symbolic.symmetry`).

* O(r) acting on the right, X ↦ XQ: the orbit tangent at X is {XΩ : Ωᵀ = −Ω}
  ((G3) of docs/paper-li2019.md), spanned by XΩ over the basis Ω = E_ij − E_ji (i < j).
* GL(r) acting by (U, V) ↦ (UA, VA⁻ᵀ): the orbit tangent is {(UΩ, −VΩᵀ) : Ω ∈ ℝ^{r×r}}
  ((G4) of docs/paper-li2019.md), spanned over the elementary matrices E_ij.

Shared by every problem class (and by the claims that prove invariance), so the group
conventions live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith
from .base import Point, SymmetryGroup

__all__ = ["skew_basis", "elementary_basis", "orthogonal_orbit_tangent", "gl_orbit_tangent",
           "GroupAction", "TrivialGroup", "RightOrthogonal", "UnitaryPhase", "GLPair",
           "GLChain", "DiagonalTorus", "SignGroup", "ProductGroup", "action_from_record",
           "flat_layout"]


def _zero(r: int) -> np.ndarray:
    om = np.empty((r, r), dtype=object)
    om[:] = sp.Integer(0)
    return om


def skew_basis(r: int) -> list[np.ndarray]:
    """The basis E_ij − E_ji (i < j) of the skew-symmetric r×r matrices (Lie algebra of O(r))."""
    out = []
    for i in range(r):
        for j in range(i + 1, r):
            om = _zero(r)
            om[i, j] = sp.Integer(1)
            om[j, i] = sp.Integer(-1)
            out.append(om)
    return out


def elementary_basis(r: int) -> list[np.ndarray]:
    """The elementary matrices E_ij (Lie algebra of GL(r))."""
    out = []
    for i in range(r):
        for j in range(r):
            om = _zero(r)
            om[i, j] = sp.Integer(1)
            out.append(om)
    return out


def orthogonal_orbit_tangent(A: Arith, factors: Point, r: int) -> list[Point]:
    """Spanning set of the O(r)-orbit tangent: every factor F ↦ FΩ with the same skew Ω."""
    out = []
    for om in skew_basis(r):
        Om = A.asarray(om)
        out.append({name: A.finish_array(F @ Om) for name, F in factors.items()})
    return out


def gl_orbit_tangent(A: Arith, U: np.ndarray, V: np.ndarray, r: int) -> list[Point]:
    """Spanning set of the GL(r)-orbit tangent {(UΩ, −VΩᵀ)} at (U, V)."""
    out = []
    for om in elementary_basis(r):
        Om = A.asarray(om)
        out.append({"U": A.finish_array(U @ Om), "V": A.finish_array(-(V @ A.T(Om)))})
    return out


# ---------------------------------------------------------------------------------------------
# group actions as objects (linear actions on the flat coordinate vector)
# ---------------------------------------------------------------------------------------------


def flat_layout(variables: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[int, tuple[int, ...]]]:
    """``{name: (offset, shape)}`` of the flat vector (problem order, each variable row-major)."""
    out: dict[str, tuple[int, tuple[int, ...]]] = {}
    k = 0
    for name, shape in variables.items():
        out[name] = (k, tuple(shape))
        k += int(np.prod(shape)) if shape else 1
    return out


def _dim(layout: Mapping[str, tuple[int, tuple[int, ...]]]) -> int:
    return sum((int(np.prod(s)) if s else 1) for _, s in layout.values())


def _index(layout: Mapping[str, tuple[int, tuple[int, ...]]], name: str, i: int, j: int) -> int:
    """Flat index of entry (i, j) of a matrix variable (a scalar or vector: i·1 + j)."""
    off, shape = layout[name]
    cols = shape[1] if len(shape) == 2 else 1
    return off + i * cols + j


def _as_matrix_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 1:
        return shape[0], 1
    return 1, 1


class GroupAction:
    """A Lie group G acting *linearly* on the flat coordinate vector x ∈ ℝᴺ of a problem.

    The action is given by exact data the engines use:

    * :meth:`lie_algebra`: N×N rational matrices ξ₁, …, ξ_k spanning the image of the Lie
      algebra; the orbit tangent at x is span{ξ_k x}, the tangent space of the orbit G·x;
    * :meth:`finite_part`: N×N rational matrices g₁, …, g_m that, with the identity component
      G⁰ = ⟨exp ξ⟩, generate G (one per component generator: a reflection for O(r), one sign
      per GL factor, the sign flips of a finite sign group);
    * invariance f(g·x) = f(x) is *proved* from f by the engine (not here): ⟨∇f(x), ξ_k x⟩ ≡ 0
      for every ξ_k (invariance under G⁰, which is connected and generated by exp of its Lie
      algebra) and f(g_j x) ≡ f(x) for every g_j, as polynomial identities;
    * :attr:`quotient`: the quotient strategy the landscape engine should ask for (``"gauge"``,
      ``"charts"`` or ``"none"``); the strategies live in the engine
      (:mod:`mfverify.symbolic.quotients`).
    """

    name: str = "trivial"
    quotient: str = "none"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]]) -> None:
        self.layout = dict(layout)
        self.N = _dim(self.layout)

    # -- data --------------------------------------------------------------------------------
    def lie_algebra(self) -> list[sp.Matrix]:
        return []

    def finite_part(self) -> list[sp.Matrix]:
        return []

    @property
    def dimension(self) -> int:
        """Dimension of G as a manifold."""
        return len(self.lie_algebra())

    @property
    def action(self) -> str:
        return "x -> x"

    def factors(self) -> list[GroupAction]:
        """The factors of a product (itself otherwise)."""
        return [self]

    def tangents(self, x: list[Any]) -> list[list[Any]]:
        """The orbit tangent vectors ξ_k x at the flat point ``x`` (exact)."""
        v = sp.Matrix(list(x))
        return [list(xi * v) for xi in self.lie_algebra()]

    def apply(self, g: sp.Matrix, x: list[Any]) -> list[Any]:
        return list(g * sp.Matrix(list(x)))

    def record(self) -> SymmetryGroup:
        """The descriptive record (name, dimension, action in words)."""
        return SymmetryGroup(self.name, self.dimension, self.action)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}: {self.action})"

    # -- helpers -----------------------------------------------------------------------------
    def _zero(self) -> sp.Matrix:
        return sp.zeros(self.N, self.N)

    @staticmethod
    def _fill_identity(g: sp.Matrix) -> sp.Matrix:
        """A group element built on some coordinates only: identity on the zero rows."""
        for i in range(g.rows):
            if all(g[i, j] == 0 for j in range(g.cols)):
                g[i, i] = 1
        return g


class TrivialGroup(GroupAction):
    """The trivial group."""


class RightOrthogonal(GroupAction):
    """O(r) (or SO(r) with ``special=True``) acting on the right of the listed matrix variables,
    X ↦ XQ, all with the same Q. Lie algebra: the skew matrices E_ij − E_ji (i < j); finite
    part: the reflection diag(−1, 1, …, 1) (for O(r))."""

    quotient = "gauge"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]], variables: list[str],
                 r: int, *, special: bool = False) -> None:
        super().__init__(layout)
        self.variables = list(variables)
        self.r = r
        self.special = special
        self.name = f"SO({r})" if special else f"O({r})"

    @property
    def action(self) -> str:
        moved = ", ".join(self.variables)
        return f"({moved}) -> ({moved}) Q, Q in {self.name}"

    def _right(self, om: np.ndarray | sp.Matrix) -> sp.Matrix:
        out = self._zero()
        for name in self.variables:
            rows, cols = _as_matrix_shape(self.layout[name][1])
            for i in range(rows):
                for j in range(cols):
                    for k in range(cols):
                        if om[k, j] != 0:
                            out[_index(self.layout, name, i, j),
                                _index(self.layout, name, i, k)] += om[k, j]
        return out

    def lie_algebra(self) -> list[sp.Matrix]:
        return [self._right(om) for om in skew_basis(self.r)]

    def finite_part(self) -> list[sp.Matrix]:
        if self.special or self.r == 0:
            return []
        refl = sp.eye(self.r)
        refl[0, 0] = -1
        return [self._fill_identity(self._right(refl))]

    @property
    def dimension(self) -> int:
        return self.r * (self.r - 1) // 2

    def rows(self) -> list[list[int]]:
        """Flat indices of the rows of the stacked matrix W = [X₁; X₂; …] (r columns)."""
        out = []
        for name in self.variables:
            nrows, _ = _as_matrix_shape(self.layout[name][1])
            out += [[_index(self.layout, name, i, j) for j in range(self.r)]
                    for i in range(nrows)]
        return out


class UnitaryPhase(RightOrthogonal):
    """U(1) acting on complex coordinates written as real pairs (Re z_k, Im z_k):
    z ↦ e^{iφ} z, i.e. every pair rotated by the same angle. This is SO(2) acting on the right
    of the n×2 matrix whose rows are the pairs; ``pairs`` lists the flat indices. Lie algebra:
    J = [[0, −1], [1, 0]] on every pair; connected, no finite part."""

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]],
                 pairs: list[tuple[int, int]]) -> None:
        GroupAction.__init__(self, layout)
        self.pairs = [tuple(p) for p in pairs]
        self.variables = []
        self.r = 2
        self.special = True
        self.name = "U(1)"

    @property
    def action(self) -> str:
        return (f"z -> e^(i phi) z on the complex coordinates z_k = x_{{a_k}} + i x_{{b_k}}, "
                f"(a_k, b_k) = {self.pairs}")

    def lie_algebra(self) -> list[sp.Matrix]:
        J = self._zero()
        for a, b in self.pairs:
            # d/dphi (x_a + i x_b) e^{i phi} = i z: (x_a, x_b) -> (-x_b, x_a)
            J[a, b] = -1
            J[b, a] = 1
        return [J]

    def finite_part(self) -> list[sp.Matrix]:
        return []

    @property
    def dimension(self) -> int:
        return 1

    def rows(self) -> list[list[int]]:
        return [list(p) for p in self.pairs]


class GLPair(GroupAction):
    """GL(r) acting on (U, V) by (U, V) ↦ (UA, VA⁻ᵀ) (f depending on UVᵀ). Lie algebra: the
    elementary E_ij acting as (UE_ij, −VE_ijᵀ); finite part: A = diag(−1, 1, …, 1)."""

    quotient = "charts"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]], u: str, v: str,
                 r: int) -> None:
        super().__init__(layout)
        self.u, self.v, self.r = u, v, r
        self.name = f"GL({r})"

    @property
    def action(self) -> str:
        return f"({self.u}, {self.v}) -> ({self.u} A, {self.v} A^-T), A in GL({self.r})"

    def _map(self, om: np.ndarray | sp.Matrix, om_v: np.ndarray | sp.Matrix) -> sp.Matrix:
        out = self._zero()
        for name, mat in ((self.u, om), (self.v, om_v)):
            rows, cols = _as_matrix_shape(self.layout[name][1])
            for i in range(rows):
                for j in range(cols):
                    for k in range(cols):
                        if mat[k, j] != 0:
                            out[_index(self.layout, name, i, j),
                                _index(self.layout, name, i, k)] += mat[k, j]
        return out

    def lie_algebra(self) -> list[sp.Matrix]:
        return [self._map(om, -sp.Matrix(om).T) for om in elementary_basis(self.r)]

    def finite_part(self) -> list[sp.Matrix]:
        refl = sp.eye(self.r)
        refl[0, 0] = -1
        return [self._fill_identity(self._map(refl, refl))]

    @property
    def dimension(self) -> int:
        return self.r * self.r


class GLChain(GroupAction):
    """The chain action of a deep linear network W_L ⋯ W₁: one GL(h_i) factor per hidden
    layer i = 1, …, L−1, acting by (W_{i+1}, W_i) ↦ (W_{i+1}A_i⁻¹, A_iW_i) (the invariance
    group of deep linear networks named by Li, Lu, Arora, Haupt, Liu, Wang & Zhao 2019, IEEE
    Trans. Inf. Theory 65(6)). ``layers`` lists the variable names W₁, …, W_L
    (W_i of shape h_i × h_{i−1}; scalars and vectors read as 1×1 / h×1 matrices). Lie algebra
    per hidden layer: E_ab acting as δW_i = E_ab W_i, δW_{i+1} = −W_{i+1}E_ab; finite part: one
    A_i = diag(−1, 1, …, 1) per hidden layer."""

    quotient = "none"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]],
                 layers: list[str], *, orthogonal: bool = False) -> None:
        super().__init__(layout)
        self.layers = list(layers)
        self.orthogonal = orthogonal  # O(h_i) factors only (a balancing term), A⁻¹ = Aᵀ
        self.widths = [_as_matrix_shape(self.layout[w][1])[0] for w in self.layers[:-1]]
        letter = "O" if orthogonal else "GL"
        self.name = " × ".join(f"{letter}({h})" for h in self.widths) or "trivial"

    @property
    def action(self) -> str:
        return ("(W_{i+1}, W_i) -> (W_{i+1} A_i^-1, A_i W_i) on the layers "
                + ", ".join(self.layers))

    def _layer_map(self, i: int, A: sp.Matrix, Ainv: sp.Matrix) -> sp.Matrix:
        """Linear map of (W_i ↦ A W_i, W_{i+1} ↦ W_{i+1} Ainv), identity elsewhere (A, Ainv
        may be Lie algebra elements: then A = E, Ainv = −E and no identity part)."""
        out = self._zero()
        lo, hi = self.layers[i], self.layers[i + 1]
        rl, cl = _as_matrix_shape(self.layout[lo][1])
        rh, ch = _as_matrix_shape(self.layout[hi][1])
        for a in range(rl):
            for b in range(cl):
                for k in range(rl):
                    if A[a, k] != 0:
                        out[_index(self.layout, lo, a, b), _index(self.layout, lo, k, b)] += \
                            A[a, k]
        for a in range(rh):
            for b in range(ch):
                for k in range(ch):
                    if Ainv[k, b] != 0:
                        out[_index(self.layout, hi, a, b), _index(self.layout, hi, a, k)] += \
                            Ainv[k, b]
        return out

    def lie_algebra(self) -> list[sp.Matrix]:
        out = []
        for i, h in enumerate(self.widths):
            for om in (skew_basis(h) if self.orthogonal else elementary_basis(h)):
                E = sp.Matrix(om)
                out.append(self._layer_map(i, E, -E))
        return out

    def finite_part(self) -> list[sp.Matrix]:
        out = []
        for i, h in enumerate(self.widths):
            refl = sp.eye(h)
            refl[0, 0] = -1
            out.append(self._fill_identity(self._layer_map(i, refl, refl)))
        return out

    @property
    def dimension(self) -> int:
        if self.orthogonal:
            return sum(h * (h - 1) // 2 for h in self.widths)
        return sum(h * h for h in self.widths)


class DiagonalTorus(GroupAction):
    """(ℝ^×)^k acting by scalings x_i ↦ ∏_j t_j^{K[j][i]} x_i (integer weights K). Lie algebra:
    diag(K[j]); finite part: the sign elements t_j = −1, x_i ↦ (−1)^{K[j][i]} x_i. For a
    scalar deep linear network this is the chain action of GL(1)^{L−1}."""

    quotient = "none"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]],
                 weights: list[list[int]]) -> None:
        super().__init__(layout)
        self.weights = [list(w) for w in weights]
        self.name = f"GL(1)^{len(self.weights)} (diagonal scalings)"

    @property
    def action(self) -> str:
        return f"x_i -> prod_j t_j^(K[j][i]) x_i with K = {self.weights}"

    def lie_algebra(self) -> list[sp.Matrix]:
        return [sp.diag(*w) for w in self.weights]

    def finite_part(self) -> list[sp.Matrix]:
        return [sp.diag(*[(-1) ** (k % 2) for k in w]) for w in self.weights]

    @property
    def dimension(self) -> int:
        return len(self.weights)


class SignGroup(GroupAction):
    """A finite group of coordinate sign flips x ↦ εx, ε ∈ {±1}ᴺ, given by generators."""

    quotient = "none"

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]],
                 generators: list[list[int]]) -> None:
        super().__init__(layout)
        self.generators = [list(e) for e in generators]
        self.name = f"(Z/2)^{len(self.generators)} (sign flips)"

    @property
    def action(self) -> str:
        flips = ["{" + ", ".join(str(i) for i, e in enumerate(g) if e < 0) + "}"
                 for g in self.generators]
        return "x -> x with the signs of one of the coordinate sets " + ", ".join(flips) + \
            " flipped (and products)"

    def finite_part(self) -> list[sp.Matrix]:
        return [sp.diag(*g) for g in self.generators]

    @property
    def dimension(self) -> int:
        return 0


class ProductGroup(GroupAction):
    """The product of commuting actions (Lie algebras and finite parts joined)."""

    def __init__(self, layout: Mapping[str, tuple[int, tuple[int, ...]]],
                 parts: list[GroupAction]) -> None:
        super().__init__(layout)
        self.parts = [p for p in parts if not isinstance(p, TrivialGroup)]
        self.name = " × ".join(p.name for p in self.parts) or "trivial"
        self.quotient = self.parts[0].quotient if self.parts else "none"

    @property
    def action(self) -> str:
        return "; ".join(p.action for p in self.parts)

    def factors(self) -> list[GroupAction]:
        return list(self.parts)

    def lie_algebra(self) -> list[sp.Matrix]:
        return [xi for p in self.parts for xi in p.lie_algebra()]

    def finite_part(self) -> list[sp.Matrix]:
        return [g for p in self.parts for g in p.finite_part()]

    @property
    def dimension(self) -> int:
        return sum(p.dimension for p in self.parts)


def action_from_record(variables: Mapping[str, tuple[int, ...]], record: SymmetryGroup
                       ) -> GroupAction:
    """The default action object of a problem from its :class:`SymmetryGroup` record:
    ``O(r)`` on the right of every variable when all are matrices with r columns; ``GL(r)`` on
    the first two variables (U, V) ↦ (UA, VA⁻ᵀ); otherwise trivial."""
    layout = flat_layout(variables)
    shapes = list(variables.values())
    name = record.name
    if name.startswith("O(") and shapes and all(len(s) == 2 for s in shapes):
        r = shapes[0][1]
        if all(s[1] == r for s in shapes):
            return RightOrthogonal(layout, list(variables), r)
    if name.startswith("GL(") and len(shapes) == 2 and all(len(s) == 2 for s in shapes):
        r = shapes[0][1]
        if shapes[1][1] == r:
            names = list(variables)
            return GLPair(layout, names[0], names[1], r)
    return TrivialGroup(layout)
