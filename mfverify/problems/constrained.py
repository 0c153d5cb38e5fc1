"""Constrained over-parametrized factorization (Burer–Monteiro), the reconstruction of Eftekhari
2021 (docs/paper-eftekhari2021.md).

The problem (P-sym) of docs/paper-eftekhari2021.md — itself a **reconstruction** of Eftekhari
(2021), whose full text (and in particular whose merit function) is
not public:

    min_{U ∈ ℝ^{n×p}}  ½‖U‖²_F   s.t.   A(UUᵀ) = b,      A(Z)_i = ⟨A_i, Z⟩,  i = 1..m.

What mfverify implements, and why
---------------------------------
The facts (E1)–(E4) of docs/paper-eftekhari2021.md (derived there: rank preservation, the
Burer–Monteiro certificate) hold for
*any* merit function of the form ψ(UUᵀ), so mfverify offers the two standard ones, selectable
with ``merit=``, instead of guessing the paper's:

* ``"penalty"``: φ_ρ(U) = ½‖U‖²_F + (ρ/2)‖A(UUᵀ) − b‖² (variables ``{"U": (n, p)}``);
* ``"augmented_lagrangian"``: L_ρ(U, λ) = ½‖U‖²_F − ⟨λ, A(UUᵀ) − b⟩ + (ρ/2)‖A(UUᵀ) − b‖² on
  the joint state (variables ``{"U": (n, p), "lam": (m,)}``). It is a saddle function (convex-ish
  in U, linear in λ): its "objective" is L_ρ, and its natural dynamics is the primal–dual field
  (:meth:`ConstrainedMF.field_in`, descent in U, ascent in λ), not gradient descent on (U, λ).

The Fletcher-type exact merit function (candidate (ii) of the reconstruction) is available through
its pieces: :meth:`ConstrainedMF.least_squares_multiplier` and :meth:`ConstrainedMF.lagrangian`.

Closed forms, with r = A(UUᵀ) − b, A*(y) = Σ_i y_i A_i and sym(B) = B + Bᵀ (the A_i need not be
symmetric; for symmetric A_i, sym(A*(y)) = 2A*(y)):

* Lagrangian L(U, λ) = ½‖U‖² − ⟨λ, r⟩, ∇_U L = S(λ) U with S(λ) = I − sym(A*(λ))
  (= I − 2A*(λ) for symmetric A_i: the KKT operator of (E4), docs/paper-eftekhari2021.md).
* penalty: ∇φ = U + ρ·sym(A*(r)) U;
  ∇²φ[D] = D + ρ·(sym(A*(dr)) U + sym(A*(r)) D), dr = A(UDᵀ + DUᵀ).
* augmented Lagrangian, y = ρr − λ: ∇_U L_ρ = U + sym(A*(y)) U, ∇_λ L_ρ = −r;
  ∇²L_ρ[D, μ] = (D + sym(A*(ρ·dr − μ)) U + sym(A*(y)) D,  −dr).

Invariance: U ↦ UQ, Q ∈ O(p) (λ unchanged), because every quantity depends on U through UUᵀ
and ‖U‖² = tr(UUᵀ).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError, ShapeError, SpecError, UnsupportedError
from ..numbers import parse_number
from ..typing import ArrayLike, NumberLike
from .base import (
    Point,
    Problem,
    SymmetryGroup,
    check_rank,
    exact_matrix,
    exact_vector,
    scale_batched,
)
from .groups import skew_basis
from .sensing import (
    SensingOperator,
    _planted_truth,
    _scal,
    apply_adjoint,
    apply_operator,
    operator_and_truth_from_spec,
)
from .symmetric import _strings

__all__ = ["ConstrainedMF", "MERITS"]

#: The merit functions :class:`ConstrainedMF` implements.
MERITS = ("penalty", "augmented_lagrangian")


def _sym(A: Arith, B: np.ndarray) -> np.ndarray:
    return B + A.T(B)


class ConstrainedMF(Problem):
    """min ½‖U‖²_F s.t. A(UUᵀ) = b, U ∈ ℝ^{n×p}, with a selectable merit function.

    Parameters
    ----------
    operator
        Sensing matrices A_1, …, A_m (n×n; a list, exact strings allowed) or a
        :class:`~mfverify.problems.sensing.SensingOperator` built with ``symmetric=True``.
    p
        Factor width (1 <= p <= n; "over-parametrized" when p exceeds the rank of a solution).
    b
        Right-hand side (length m); or give ``ground_truth`` M* (symmetric) and b = A(M*).
    merit
        ``"penalty"`` (default) or ``"augmented_lagrangian"`` (see the module docstring).
    rho
        Penalty parameter ρ >= 0 (default 1).

    Examples
    --------
    >>> from mfverify.problems import ConstrainedMF
    >>> c = ConstrainedMF([[[1, 0], [0, 0]], [[0, 0], [0, 1]]], p=1, b=[1, 0])
    >>> c.value({"U": [[1], [0]]}, "exact")
    1/2
    """

    kind = "constrained"
    spec_keys = ("n", "p", "operator", "b", "ground_truth", "merit", "rho")
    required_keys = ("p", "operator")

    def __init__(self, operator: ArrayLike, p: int, *, b: ArrayLike | None = None,
                 ground_truth: ArrayLike | None = None, merit: str = "penalty",
                 rho: NumberLike = 1) -> None:
        super().__init__()
        if isinstance(operator, SensingOperator):
            if not operator.symmetric:
                raise InputError("the constrained problem needs a symmetric operator "
                                 "(built with symmetric=True)")
            op = operator
        else:
            op = SensingOperator.from_matrices(operator, symmetric=True)
        if merit not in MERITS:
            raise InputError(f"merit must be one of {MERITS}, got {merit!r}")
        self.operator = op
        self.merit = merit
        self.m = op.m
        n = op.shape[0]
        self.n = n
        self.p = check_rank(p, "p", low=1, high=n, what="factor width of U ∈ R^{n×p}")
        self.r = self.p
        self.ground_truth = (None if ground_truth is None else
                             exact_matrix(ground_truth, "ground_truth", shape=(n, n),
                                          symmetric=True))
        self.truth_origin: dict[str, Any] | None = None
        if b is None:
            if self.ground_truth is None:
                raise InputError("give the right-hand side b or a ground truth M* "
                                 "(then b = A(M*))")
            bx = op(self.ground_truth)
        else:
            bx = exact_vector(b, "b", length=self.m)
        self.rho = parse_number(rho)
        if self.rho.is_negative:
            raise InputError(f"rho must be >= 0, got {rho!r}")
        self.variables = {"U": (n, self.p)}
        if merit == "augmented_lagrangian":
            self.variables["lam"] = (self.m,)
        self.data = {"A": op.matrices, "b": bx, "rho": self.rho}

    # -- constructors ----------------------------------------------------------------------------
    @classmethod
    def gaussian(cls, n: int, m: int, p: int, *, seed: int = 0, truth_rank: int = 1,
                 truth_seed: int | None = None, ground_truth: Any = None, b: Any = None,
                 merit: str = "penalty", rho: Any = 1) -> ConstrainedMF:
        """Seeded symmetrized Gaussian constraints (see
        :meth:`~mfverify.problems.sensing.SensingOperator.gaussian`) and, unless ``b`` or
        ``ground_truth`` is given, b = A(ZZᵀ) for a planted exact PSD ZZᵀ of rank ``truth_rank``
        (factor entries N(0,1) from ``default_rng([truth_seed, 1])`` on a 1/1000 grid)."""
        op = SensingOperator.gaussian(n, m, seed=seed, symmetric=True)
        origin = None
        if ground_truth is None and b is None:
            ground_truth, origin = _planted_truth(
                op, truth_rank, seed if truth_seed is None else truth_seed, True,
                what="rank of the planted M*")
        prob = cls(op, p, b=b, ground_truth=ground_truth, merit=merit, rho=rho)
        prob.truth_origin = origin
        return prob

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ConstrainedMF:
        op, truth, origin = operator_and_truth_from_spec(spec, symmetric=True,
                                                         kind="constrained")
        merit = spec.get("merit", "penalty")
        if not isinstance(merit, str):
            raise SpecError(f"'merit' must be one of {MERITS}, got {merit!r}")
        prob = cls(op, spec["p"], b=spec.get("b"), ground_truth=truth, merit=merit,
                   rho=spec.get("rho", 1))
        prob.truth_origin = origin
        return prob

    # -- sweep generator ------------------------------------------------------------------------
    generator_keys = {"n": int, "p": int, "rank": int, "m": int, "rho": float}

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[ConstrainedMF, dict[str, np.ndarray]]:
        """``gen:constrained``: n [10], rank r* [2] of the planted PSD M*, p [r* + 1] factor
        width, m [3·n·r*] constraints, rho [1]. The operator and M* are drawn as in
        ``gen:sensing`` (A_i = (G_i + G_iᵀ)/2, G_i i.i.d. N(0, 1/m); M* = X*X*ᵀ with Haar X*
        of unit singular values), b = A(M*); the merit is the augmented Lagrangian (the
        primal–dual method of the batch engine runs on it)."""
        from .generators import check_dimension
        from .sensing import MatrixSensing

        n = check_dimension(params.get("n", 10), "n")
        rank = check_dimension(params.get("rank", 2), "rank", high=n)
        p = check_dimension(params.get("p", min(n, rank + 1)), "p", high=n)
        m = check_dimension(params.get("m", 3 * n * rank), "m", high=10 ** 6)
        rho = float(params.get("rho", 1.0))
        if not rho >= 0:
            raise InputError(f"rho must be >= 0, got {rho}")
        sens, data = MatrixSensing.generate(B, seed, {"n": n, "rank": rank, "m": m})
        problem = cls(sens.operator, p, b=[0] * m, merit="augmented_lagrangian",
                      rho=parse_number(rho))
        problem.planted = sens.planted  # type: ignore[attr-defined]
        return problem, data

    def recovery_error(self, x: Mapping[str, np.ndarray],
                       data: Mapping[str, np.ndarray]) -> np.ndarray:
        """‖UUᵀ − M*‖_F / ‖M*‖_F per run (the planted M* of generated instances, else the
        problem's ground truth)."""
        from .strata import relative_error

        T = getattr(self, "planted", None)
        if T is None:
            if self.ground_truth is None:
                raise UnsupportedError("no ground truth M* to measure recovery against")
            T = np.asarray(self.ground_truth, dtype=np.float64)[None]
        U = np.asarray(x["U"], dtype=np.float64)
        return relative_error(U @ np.swapaxes(U, -1, -2), T)

    # -- building blocks (arithmetic level: used by the flow and batch engines) -----------------
    def residual(self, A: Arith, U: np.ndarray, d: Mapping[str, Any]) -> np.ndarray:
        """r = A(UUᵀ) − b, shape ``(..., m)``."""
        return apply_operator(d["A"], U @ A.T(U)) - d["b"]

    def S_in(self, A: Arith, lam: np.ndarray, d: Mapping[str, Any]) -> np.ndarray:
        """S(λ) = I − sym(A*(λ)) (= I − 2A*(λ) for symmetric A_i), shape ``(..., n, n)``."""
        return A.eye(self.n) - _sym(A, apply_adjoint(d["A"], lam))

    def lagrangian_in(self, A: Arith, U: np.ndarray, lam: np.ndarray,
                      d: Mapping[str, Any]) -> Any:
        """L(U, λ) = ½‖U‖²_F − ⟨λ, A(UUᵀ) − b⟩."""
        r = self.residual(A, U, d)
        return A.sumsq(U) / A.const(2) - A.vdot(lam, r)

    def kkt_in(self, A: Arith, U: np.ndarray, lam: np.ndarray,
               d: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The KKT residuals: ``{"stationarity": S(λ)U, "feasibility": A(UUᵀ) − b}``."""
        return {"stationarity": self.S_in(A, lam, d) @ U, "feasibility": self.residual(A, U, d)}

    def multiplier_in(self, A: Arith, U: np.ndarray, d: Mapping[str, Any]) -> np.ndarray:
        """The least-squares multiplier λ(U) = argmin_λ ‖S(λ)U‖²_F (candidate (ii) of the
        reconstruction of Eftekhari 2021, docs/paper-eftekhari2021.md).

        With B_i = sym(A_i) U it solves the normal equations K λ = c, K_ij = ⟨B_i, B_j⟩,
        c_i = ⟨B_i, U⟩. Unique iff the B_i are linearly independent (the constraint Jacobian
        D ↦ A(UDᵀ + DUᵀ) is onto, LICQ); otherwise :class:`UnsupportedError` (exact, mp) or the
        minimum-norm solution (NumPy, batched pseudo-inverse).
        """
        mats = d["A"]
        Bs = (mats + np.swapaxes(mats, -1, -2)) @ U[..., None, :, :]  # (..., m, n, p)
        K = np.einsum("...iab,...jab->...ij", Bs, Bs)
        c = np.einsum("...iab,...ab->...i", Bs, U)
        if K.dtype != object:
            return np.einsum("...ij,...j->...i", np.linalg.pinv(K), c)
        if K.ndim != 2:
            raise UnsupportedError("batched multipliers need the NumPy arithmetic")
        if hasattr(A, "ctx"):  # mpmath: refuse a numerically singular normal matrix
            ctx = A.ctx
            sv = ctx.svd_r(ctx.matrix(K.tolist()), compute_uv=False)
            svals = [abs(sv[i]) for i in range(len(sv))]
            if min(svals) <= max(svals) * ctx.eps * 100 * max(1, len(svals)):
                raise UnsupportedError("the least-squares multiplier is not unique at this U "
                                       "(normal matrix numerically singular: LICQ fails)")
        try:
            Kinv = A.inv(K)
        except (UnsupportedError, ZeroDivisionError) as exc:
            raise UnsupportedError("the least-squares multiplier is not unique at this U (the "
                                   "constraint Jacobian is not onto: LICQ fails)") from exc
        return A.finish_array(Kinv @ c)

    def lagrangian_gradient_in(self, A: Arith, U: np.ndarray, lam: np.ndarray,
                               d: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """∇L_ρ(U, λ) of the augmented Lagrangian (ρ = ``d["rho"]``): (∇_U, ∇_λ)."""
        r = self.residual(A, U, d)
        y = _scal_vec(d["rho"], r) - lam
        Y = apply_adjoint(d["A"], y)
        return {"U": U + _sym(A, Y) @ U, "lam": -r}

    def field_in(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        """The primal–dual vector field (the reconstructed template of Eftekhari 2021,
        docs/paper-eftekhari2021.md): descent in U, ascent in λ on L_ρ: U̇ =
        −∇_U L_ρ = −(I − 2A*(λ − ρr))U, λ̇ = +∇_λ L_ρ = −r (r = A(UUᵀ) − b). Needs ``x = {"U": ...,
        "lam": ...}`` whatever the merit."""
        if "lam" not in x:
            raise InputError("the primal-dual field needs the state {'U': ..., 'lam': ...}")
        g = self.lagrangian_gradient_in(A, x["U"], x["lam"], d)
        return {"U": -g["U"], "lam": g["lam"]}

    def gda_step_in(self, A: Arith, x: Point, d: Mapping[str, Any], alpha: Any,
                    beta: Any) -> Point:
        """One gradient descent–ascent step (the reconstruction of Eftekhari 2021
        (docs/paper-eftekhari2021.md)): U⁺ = U − α(I − 2A*(λ − ρ(A(UUᵀ) − b)))U,
        then λ⁺ = λ − β(A(U⁺U⁺ᵀ) − b)."""
        g = self.lagrangian_gradient_in(A, x["U"], x["lam"], d)
        U_new = x["U"] - _scal(alpha, g["U"])
        lam_new = x["lam"] - _scal_vec(beta, self.residual(A, U_new, d))
        return {"U": U_new, "lam": lam_new}

    # -- the merit (objective) ---------------------------------------------------------------
    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        U = x["U"]
        r = self.residual(A, U, d)
        val = A.sumsq(U) / A.const(2) + d["rho"] * A.vdot(r, r) / A.const(2)
        if self.merit == "augmented_lagrangian":
            val = val - A.vdot(x["lam"], r)
        return val

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        U = x["U"]
        if self.merit == "augmented_lagrangian":
            return self.lagrangian_gradient_in(A, U, x["lam"], d)
        r = self.residual(A, U, d)
        R = apply_adjoint(d["A"], _scal_vec(d["rho"], r))
        return {"U": U + _sym(A, R) @ U}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        U, D = x["U"], v["U"]
        r = self.residual(A, U, d)
        dr = apply_operator(d["A"], U @ A.T(D) + D @ A.T(U))
        if self.merit == "augmented_lagrangian":
            y = _scal_vec(d["rho"], r) - x["lam"]
            dy = _scal_vec(d["rho"], dr) - v["lam"]
        else:
            y = _scal_vec(d["rho"], r)
            dy = _scal_vec(d["rho"], dr)
        Y = apply_adjoint(d["A"], y)
        dY = apply_adjoint(d["A"], dy)
        out = {"U": D + _sym(A, dY) @ U + _sym(A, Y) @ D}
        if self.merit == "augmented_lagrangian":
            out["lam"] = -dr
        return out

    # -- convenience wrappers (any arithmetic) -------------------------------------------------
    def _U_lam(self, U: Any, lam: Any, A: Arith) -> tuple[np.ndarray, np.ndarray]:
        Ux = A.asarray(U)
        lx = A.asarray(lam)
        if Ux.shape[-2:] != (self.n, self.p):
            raise ShapeError(f"U must have shape {(self.n, self.p)}, got {Ux.shape}")
        if lx.shape[-1:] != (self.m,):
            raise ShapeError(f"lam must have length {self.m}, got shape {lx.shape}")
        return Ux, lx

    def lagrangian(self, U: Any, lam: Any, arith: str | Arith = "exact", **options: Any) -> Any:
        """L(U, λ) = ½‖U‖²_F − ⟨λ, A(UUᵀ) − b⟩ in the named arithmetic."""
        A = get_arith(arith, **options)
        Ux, lx = self._U_lam(U, lam, A)
        return A.finish(self.lagrangian_in(A, Ux, lx, self.data_in(A)))

    def S(self, lam: Any, arith: str | Arith = "exact", **options: Any) -> np.ndarray:
        """S(λ) = I − 2A*(λ) (for symmetric A_i; I − A*(λ) − A*(λ)ᵀ in general)."""
        A = get_arith(arith, **options)
        lx = A.asarray(lam)
        if lx.shape[-1:] != (self.m,):
            raise ShapeError(f"lam must have length {self.m}, got shape {lx.shape}")
        return A.finish_array(np.asarray(self.S_in(A, lx, self.data_in(A))))

    def kkt_residual(self, U: Any, lam: Any, arith: str | Arith = "exact",
                     **options: Any) -> dict[str, np.ndarray]:
        """``{"stationarity": S(λ)U, "feasibility": A(UUᵀ) − b}``; both vanish at a KKT point."""
        A = get_arith(arith, **options)
        Ux, lx = self._U_lam(U, lam, A)
        out = self.kkt_in(A, Ux, lx, self.data_in(A))
        return {k: A.finish_array(np.asarray(v)) for k, v in out.items()}

    def least_squares_multiplier(self, U: Any, arith: str | Arith = "exact",
                                 **options: Any) -> np.ndarray:
        """λ(U) = argmin_λ ‖S(λ)U‖²_F (see :meth:`multiplier_in`)."""
        A = get_arith(arith, **options)
        Ux = A.asarray(U)
        if Ux.shape[-2:] != (self.n, self.p):
            raise ShapeError(f"U must have shape {(self.n, self.p)}, got {Ux.shape}")
        return A.finish_array(np.asarray(self.multiplier_in(A, Ux, self.data_in(A))))

    def primal_dual_field(self, x: Any, arith: str | Arith = "numpy", **options: Any) -> Point:
        """The primal–dual vector field (see :meth:`field_in`) at ``x = {"U", "lam"}``."""
        A = get_arith(arith, **options)
        pt = self._state(x, A)
        out = self.field_in(A, pt, self.data_in(A))
        return {k: A.finish_array(np.asarray(v)) for k, v in out.items()}

    def gda_step(self, x: Any, alpha: Any, beta: Any, arith: str | Arith = "numpy",
                 **options: Any) -> Point:
        """One GDA step (see :meth:`gda_step_in`) at ``x = {"U", "lam"}``; batched in NumPy."""
        A = get_arith(arith, **options)
        pt = self._state(x, A)
        out = self.gda_step_in(A, pt, self.data_in(A), A.const(alpha) if np.ndim(alpha) == 0
                               else A.asarray(alpha),
                               A.const(beta) if np.ndim(beta) == 0 else A.asarray(beta))
        return {k: A.finish_array(np.asarray(v)) for k, v in out.items()}

    def _state(self, x: Any, A: Arith) -> Point:
        if not isinstance(x, Mapping) or set(x) != {"U", "lam"}:
            raise InputError("the primal-dual state is a dict {'U': n×p, 'lam': length m}")
        Ux, lx = self._U_lam(x["U"], x["lam"], A)
        if Ux.shape[:-2] != lx.shape[:-1]:
            raise ShapeError(f"U and lam have different batch shapes {Ux.shape[:-2]} and "
                             f"{lx.shape[:-1]}")
        return {"U": Ux, "lam": lx}

    # -- symmetry ----------------------------------------------------------------------------------
    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """UUᵀ (the O(p) invariant)."""
        from .invariants import gram

        return gram(x["U"])

    def symmetry(self) -> SymmetryGroup:
        p = self.p
        action = "U -> U Q, Q in O(p)"
        if self.merit == "augmented_lagrangian":
            action = "(U, lam) -> (U Q, lam), Q in O(p)"
        return SymmetryGroup(f"O({p})", p * (p - 1) // 2, action,
                             "U enters only through U Uᵀ (and ‖U‖² = tr U Uᵀ)")

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        A = get_arith(arith)
        pt = self.point(x, A, batch=False)
        out: list[Point] = []
        for om in skew_basis(self.p):
            t: Point = {"U": A.finish_array(pt["U"] @ A.asarray(om))}
            if "lam" in pt:
                t["lam"] = A.zeros((self.m,))
            out.append(t)
        return out

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        A = get_arith(arith)
        pt = self.point(x, A)
        G = A.asarray(g)
        if G.shape != (self.p, self.p):
            raise ShapeError(f"the group element must be {self.p}×{self.p}, got {G.shape}")
        out = {"U": pt["U"] @ G}
        if "lam" in pt:
            out["lam"] = pt["lam"]
        return out

    # -- views ---------------------------------------------------------------------------------
    def describe(self) -> str:
        if self.merit == "penalty":
            text = (f"φ(U) = ½‖U‖²_F + (ρ/2)·‖A(UUᵀ) − b‖² with ρ = {self.rho} (penalty merit "
                    f"of min ½‖U‖² s.t. A(UUᵀ) = b)")
        else:
            text = (f"L(U, λ) = ½‖U‖²_F − ⟨λ, A(UUᵀ) − b⟩ + (ρ/2)·‖A(UUᵀ) − b‖² with ρ = "
                    f"{self.rho} (augmented Lagrangian of min ½‖U‖² s.t. A(UUᵀ) = b)")
        return (text + f", U ∈ R^{{{self.n}×{self.p}}}, m = {self.m}; "
                f"{self.operator.describe()}")

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"problem": self.kind, "p": self.p}
        if "gaussian" in self.operator.origin:
            spec["n"] = self.n
        spec["operator"] = self.operator.to_spec()
        if self.truth_origin is not None:
            spec["ground_truth"] = self.truth_origin
        elif self.ground_truth is not None:
            spec["ground_truth"] = _strings(self.ground_truth)
        noiseless = self.ground_truth is not None and all(
            sp.simplify(v) == 0 for v in self.operator(self.ground_truth) - self.data["b"])
        if not noiseless:
            spec["b"] = [str(v) for v in self.data["b"]]
        spec["merit"] = self.merit
        spec["rho"] = str(self.rho)
        return spec


def _scal_vec(c: Any, vec: np.ndarray) -> np.ndarray:
    """c·vec where c may be batched (shape ``(...,)``) and vec has shape ``(..., m)``."""
    return scale_batched(c, vec, 1)
