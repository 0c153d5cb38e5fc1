"""Deep linear networks: f(W₁, …, W_L) = scale·‖W_L⋯W₁X − Y‖²_F + (λ/4)·Σᵢ‖Gᵢ‖²_F,
Gᵢ = W_{i+1}ᵀW_{i+1} − WᵢWᵢᵀ.

Data X ∈ ℝ^{d₀×N} (inputs as columns), Y ∈ ℝ^{d_L×N}; depth L ≥ 2; hidden widths
d₁, …, d_{L−1} ≥ 1 (any, below or above d₀ and d_L); Wᵢ ∈ ℝ^{dᵢ×d_{i−1}}. ``scale`` defaults
to ½ (Kawaguchi 2016, "Deep learning without poor local minima", NeurIPS, eq. (1), up to his
factor ½ convention); ``balance`` λ ≥ 0 defaults to 0. The balancing term (i = 1, …, L−1) is the
layerwise imbalance penalty whose zero set is the balanced manifold of Arora, Cohen & Hazan
(2018, "On the optimization of deep networks", ICML, Definition 1); for L = 2 and λ = 1 it is
(1/4)‖W₂ᵀW₂ − W₁W₁ᵀ‖², the asymmetric factorization's balancing with the factor 2 of
UᵀU − VᵀV written in the (U, V) = (W₂, W₁ᵀ) convention.

Closed forms (backpropagation), with B₁ = X, B_{i+1} = WᵢBᵢ (so R = B_{L+1} − Y),
δ_L = 2·scale·R, δ_{i−1} = Wᵢᵀδᵢ, and Gᵢ = W_{i+1}ᵀW_{i+1} − WᵢWᵢᵀ:

* ∇_{Wᵢ} f = δᵢBᵢᵀ + λ(WᵢG_{i−1} − GᵢWᵢ)   (G₀ = G_L = 0),
* ∇²f[D]: forward tangents dB₁ = 0, dB_{i+1} = DᵢBᵢ + WᵢdBᵢ, dδ_L = 2·scale·dB_{L+1},
  dδ_{i−1} = Dᵢᵀδᵢ + Wᵢᵀdδᵢ; then H_{Wᵢ} = dδᵢBᵢᵀ + δᵢdBᵢᵀ + λ(DᵢG_{i−1} + WᵢdG_{i−1} −
  dGᵢWᵢ − GᵢDᵢ) with dGᵢ = D_{i+1}ᵀW_{i+1} + W_{i+1}ᵀD_{i+1} − DᵢWᵢᵀ − WᵢDᵢᵀ.

**Symmetry** (Li, Lu, Arora, Haupt, Liu, Wang & Zhao 2019, "Symmetry, saddle points, and
global optimization landscape of nonconvex matrix factorization", IEEE Trans. Inf. Theory 65(6):
their abstract names deep linear networks and phase retrieval among the invariant objectives of
their theory): the chain action (W_{i+1}Aᵢ⁻¹, AᵢWᵢ), one Aᵢ ∈ GL(dᵢ) per hidden layer, leaves
the product and so the fit term unchanged; the balancing term is invariant only for
Aᵢ ∈ O(dᵢ). The orbit tangent at W is spanned by (δWᵢ, δW_{i+1}) = (ΩWᵢ, −W_{i+1}Ω),
Ω ∈ gl(dᵢ) (so(dᵢ) when λ > 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..arith import Arith, get_arith
from ..errors import InputError, ShapeError, UnsupportedError
from ..numbers import parse_number
from ..typing import ArrayLike, NumberLike
from .base import Point, Problem, SymmetryGroup, add_noise, exact_matrix
from .groups import elementary_basis, skew_basis
from .symmetric import _positive_scale, _strings

__all__ = ["DeepLinearNetwork", "parse_widths"]

#: Largest depth accepted.
MAX_DEPTH = 64


def parse_widths(widths: Any) -> list[int]:
    """Hidden widths d₁, …, d_{L−1} as a list of positive integers (also from text ``"2-3"``).

    Raises :class:`ShapeError` for an empty list (depth < 2), a width below 1 or a non-integer.
    """
    if isinstance(widths, str):
        parts = [p for p in widths.replace(",", "-").split("-") if p.strip()]
        try:
            widths = [int(p) for p in parts]
        except ValueError:
            raise ShapeError(f"widths must be integers joined by '-', got {widths!r}") from None
    if isinstance(widths, (int, np.integer)) and not isinstance(widths, bool):
        widths = [int(widths)]
    if not isinstance(widths, (list, tuple)):
        raise ShapeError(f"widths must be a list of hidden-layer widths, got {widths!r}")
    out = []
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
            raise ShapeError(f"every width must be an integer, got {w!r}")
        if w < 1:
            raise ShapeError(f"every width must be >= 1, got {w}")
        out.append(int(w))
    if not out:
        raise ShapeError("a deep linear network needs depth L >= 2, i.e. at least one hidden "
                         "width d₁ (widths = [d₁, …, d_{L−1}])")
    if len(out) + 1 > MAX_DEPTH:
        raise ShapeError(f"depth {len(out) + 1} exceeds {MAX_DEPTH}")
    return out


class DeepLinearNetwork(Problem):
    """f(W₁, …, W_L) = scale·‖W_L⋯W₁X − Y‖²_F + (λ/4)Σᵢ‖W_{i+1}ᵀW_{i+1} − WᵢWᵢᵀ‖²_F.

    Parameters
    ----------
    X
        d₀×N input matrix (samples as columns).
    Y
        d_L×N target matrix.
    widths
        Hidden widths [d₁, …, d_{L−1}] (depth L = len(widths) + 1 ≥ 2).
    scale
        Positive constant of the fit term (default ½).
    balance
        λ ≥ 0, weight of the balancing term (default 0).

    Examples
    --------
    >>> from mfverify.problems import DeepLinearNetwork
    >>> p = DeepLinearNetwork([[1]], [[1]], widths=[1, 1, 1])      # (w₄w₃w₂w₁ − 1)²/2
    >>> p.value({"W1": [[1]], "W2": [[1]], "W3": [[1]], "W4": [[1]]}, "exact")
    0
    """

    kind = "deep_linear"
    spec_keys = ("X", "Y", "widths", "scale", "balance")
    required_keys = ("X", "Y", "widths")
    generator_keys = {"d0": int, "dL": int, "widths": str, "N": int, "rank": int,
                      "noise": float}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> DeepLinearNetwork:
        return cls(spec["X"], spec["Y"], spec["widths"], scale=spec.get("scale", "1/2"),
                   balance=spec.get("balance", 0))

    def __init__(self, X: ArrayLike, Y: ArrayLike, widths: Sequence[int] | str, *,
                 scale: NumberLike = "1/2", balance: NumberLike = 0) -> None:
        super().__init__()
        Xm = exact_matrix(X, "X")
        Ym = exact_matrix(Y, "Y")
        if Xm.shape[1] != Ym.shape[1]:
            raise ShapeError(f"X and Y must have the same number of columns (samples); got "
                             f"X {Xm.shape} and Y {Ym.shape}")
        self.hidden = parse_widths(widths)
        self.dims = [Xm.shape[0], *self.hidden, Ym.shape[0]]
        self.depth = len(self.dims) - 1
        self.samples = Xm.shape[1]
        self.scale = _positive_scale(scale)
        self.balance = parse_number(balance)
        if self.balance.is_negative:
            raise InputError(f"balance must be >= 0, got {balance!r}")
        self.variables = {f"W{i}": (self.dims[i], self.dims[i - 1])
                          for i in range(1, self.depth + 1)}
        self.data = {"X": Xm, "Y": Ym, "scale": self.scale, "balance": self.balance}
        self.size_dims = ("N", *(f"d{i}" for i in range(self.depth + 1)))
        # index structure, for all-sizes derivation verdicts (mfverify.derivation.sizebound)
        chain = "*".join(f"W{i}" for i in range(self.depth, 0, -1))
        imbalance = "".join(f" + balance/4*norm(W{i + 1}.T*W{i + 1} - W{i}*W{i}.T)^2"
                            for i in range(1, self.depth))
        self.objective_expression = f"scale*norm({chain}*X - Y)^2{imbalance}"
        self.size_shapes = {**{f"W{i}": (f"d{i}", f"d{i - 1}")
                               for i in range(1, self.depth + 1)},
                            "X": ("d0", "N"), "Y": (f"d{self.depth}", "N"), "scale": (),
                            "balance": ()}

    @property
    def balanced(self) -> bool:
        return self.balance != 0

    def _W(self, x: Point) -> list[np.ndarray]:
        return [x[f"W{i}"] for i in range(1, self.depth + 1)]

    def _forward(self, W: list[np.ndarray], d: Mapping[str, Any]) -> list[np.ndarray]:
        """[B₁ = X, B₂ = W₁X, …, B_{L+1} = W_L⋯W₁X]."""
        Bs = [d["X"]]
        for Wi in W:
            Bs.append(Wi @ Bs[-1])
        return Bs

    def _imbalances(self, A: Arith, W: list[np.ndarray]) -> list[np.ndarray]:
        return [A.T(W[i + 1]) @ W[i + 1] - W[i] @ A.T(W[i]) for i in range(self.depth - 1)]

    def objective(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Any:
        W = self._W(x)
        R = self._forward(W, d)[-1] - d["Y"]
        val = d["scale"] * A.sumsq(R)
        if self.balanced:
            quarter = d["balance"] / A.const(4)
            for G in self._imbalances(A, W):
                val = val + quarter * A.sumsq(G)
        return A.finish(val)

    def gradient(self, A: Arith, x: Point, d: Mapping[str, Any]) -> Point:
        W = self._W(x)
        Bs = self._forward(W, d)
        delta = (Bs[-1] - d["Y"]) * (2 * d["scale"])
        grads: list[Any] = [None] * self.depth
        for i in range(self.depth - 1, -1, -1):
            grads[i] = delta @ A.T(Bs[i])
            delta = A.T(W[i]) @ delta
        if self.balanced:
            lam = d["balance"]
            for i, G in enumerate(self._imbalances(A, W)):
                grads[i + 1] = grads[i + 1] + (W[i + 1] @ G) * lam
                grads[i] = grads[i] - (G @ W[i]) * lam
        return {f"W{i + 1}": g for i, g in enumerate(grads)}

    def hvp(self, A: Arith, x: Point, v: Point, d: Mapping[str, Any]) -> Point:
        W, D = self._W(x), self._W(v)
        Bs = self._forward(W, d)
        dBs: list[Any] = [None]  # dB₁ = 0
        for i in range(self.depth):
            term = D[i] @ Bs[i]
            dBs.append(term if dBs[-1] is None else term + W[i] @ dBs[-1])
        c2 = 2 * d["scale"]
        delta = (Bs[-1] - d["Y"]) * c2
        ddelta = dBs[-1] * c2
        out: list[Any] = [None] * self.depth
        for i in range(self.depth - 1, -1, -1):
            h = ddelta @ A.T(Bs[i])
            if dBs[i] is not None:
                h = h + delta @ A.T(dBs[i])
            out[i] = h
            delta, ddelta = A.T(W[i]) @ delta, A.T(D[i]) @ delta + A.T(W[i]) @ ddelta
        if self.balanced:
            lam = d["balance"]
            for i, G in enumerate(self._imbalances(A, W)):
                dG = (A.T(D[i + 1]) @ W[i + 1] + A.T(W[i + 1]) @ D[i + 1]
                      - D[i] @ A.T(W[i]) - W[i] @ A.T(D[i]))
                out[i + 1] = out[i + 1] + (D[i + 1] @ G + W[i + 1] @ dG) * lam
                out[i] = out[i] - (dG @ W[i] + G @ D[i]) * lam
        return {f"W{i + 1}": h for i, h in enumerate(out)}

    # -- symmetry ----------------------------------------------------------------------------
    def orbit_invariant(self, x: Mapping[str, Any]) -> np.ndarray:
        """The end-to-end product W_L⋯W₁ (invariant under the GL and O chains; it does not
        separate every orbit)."""
        from .invariants import chain_product

        return chain_product([x[f"W{i}"] for i in range(1, self.depth + 1)])

    def symmetry(self) -> SymmetryGroup:
        hidden = self.hidden
        if self.balanced:
            name = " × ".join(f"O({w})" for w in hidden)
            dim = sum(w * (w - 1) // 2 for w in hidden)
            note = "the balancing term breaks each GL(dᵢ) down to O(dᵢ)"
        else:
            name = " × ".join(f"GL({w})" for w in hidden)
            dim = sum(w * w for w in hidden)
            note = "one GL factor per hidden layer"
        return SymmetryGroup(name, dim, "(W_{i+1}, W_i) -> (W_{i+1} A_i^{-1}, A_i W_i)", note)

    def group_action(self) -> Any:
        """The chain action as an object (:class:`~mfverify.problems.groups.GLChain`), one
        GL(dᵢ) (balanced: O(dᵢ)) factor per hidden layer."""
        from .groups import GLChain, flat_layout

        return GLChain(flat_layout(self.variables), list(self.variables),
                       orthogonal=self.balanced)

    def orbit_tangent(self, x: Point, arith: str | Arith = "exact") -> list[Point]:
        A = get_arith(arith)
        pt = self.point(x, A, batch=False)
        W = self._W(pt)
        out = []
        for i, w in enumerate(self.hidden):  # hidden layer i + 1 sits between W_{i+1}, W_{i+2}
            basis = skew_basis(w) if self.balanced else elementary_basis(w)
            for om in basis:
                Om = A.asarray(om)
                xi = {name: A.zeros(shape) for name, shape in self.variables.items()}
                xi[f"W{i + 1}"] = A.finish_array(Om @ W[i])
                xi[f"W{i + 2}"] = A.finish_array(-(W[i + 1] @ Om))
                out.append(xi)
        return out

    def act(self, x: Point, g: Any, arith: str | Arith = "exact") -> Point:
        """``g`` is a list [A₁, …, A_{L−1}] of invertible matrices (Aᵢ ∈ GL(dᵢ))."""
        A = get_arith(arith)
        pt = self.point(x, A)
        if not isinstance(g, (list, tuple)) or len(g) != self.depth - 1:
            raise ShapeError(f"a group element is a list of {self.depth - 1} matrices A_i")
        mats = [A.asarray(a) for a in g]
        for a, w in zip(mats, self.hidden, strict=True):
            if a.shape != (w, w):
                raise ShapeError(f"A_i must be {w}×{w}, got {a.shape}")
        W = self._W(pt)
        out = {}
        for i in range(self.depth):
            Wi = W[i]
            if i < self.depth - 1:
                Wi = mats[i] @ Wi
            if i > 0:
                Wi = Wi @ A.inv(mats[i - 1])
            out[f"W{i + 1}"] = Wi
        return out

    # -- family hooks ------------------------------------------------------------------------
    def size(self) -> dict[str, int]:
        out = {"N": self.samples}
        out.update({f"d{i}": w for i, w in enumerate(self.dims)})
        return out

    def at_size(self, size: Mapping[str, int]) -> DeepLinearNetwork:
        dims = [int(size[f"d{i}"]) for i in range(self.depth + 1)]
        N = int(size["N"])
        if min(dims) < 1 or N < 1:
            raise UnsupportedError(f"widths and N must be >= 1, got {dims}, N = {N}")
        return DeepLinearNetwork([[0] * N for _ in range(dims[0])],
                                 [[0] * N for _ in range(dims[-1])], dims[1:-1],
                                 scale=self.scale, balance=self.balance)

    def optimal_values(self, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """scale·(‖Y(I − Π)‖² + Σ_{j>k} σⱼ(YΠ)²) with Π the projection onto the row space of X
        and k = min(d₀, …, d_L) (reduced-rank regression: the product W_L⋯W₁ ranges over the
        matrices of rank <= k, each of which has a balanced factorization, so the balancing
        term does not change the value). The row space of X uses the float64 rank."""
        X = np.asarray(data["X"] if data and "X" in data else
                       np.asarray(self.data["X"], dtype=np.float64), dtype=np.float64)
        Y = np.asarray(data["Y"] if data and "Y" in data else
                       np.asarray(self.data["Y"], dtype=np.float64), dtype=np.float64)
        X = X.reshape(-1, *X.shape[-2:])
        Y = Y.reshape(-1, *Y.shape[-2:])
        B = max(X.shape[0], Y.shape[0])
        X, Y = np.broadcast_to(X, (B, *X.shape[1:])), np.broadcast_to(Y, (B, *Y.shape[1:]))
        k = min(self.dims)
        out = np.empty(B)
        for b in range(B):
            _, s, Vt = np.linalg.svd(X[b], full_matrices=False)
            rank = int(np.sum(s > s.max(initial=0.0) * max(X[b].shape) * 1e-13))
            YV = Y[b] @ Vt[:rank].T
            sv = np.linalg.svd(YV, compute_uv=False) if rank else np.zeros(0)
            out[b] = np.sum(Y[b] ** 2) - np.sum(YV ** 2) + np.sum(sv[k:] ** 2)
        return float(self.scale) * out

    def global_min_certificate(self) -> tuple[str, str]:
        return ("attained", "the fit term depends on W only through P = W_L⋯W₁, which ranges "
                "over the closed set of matrices of rank <= min dᵢ; ‖PX − Y‖ attains its "
                "infimum there (reduced-rank regression), and every such P has a balanced "
                "factorization (WᵢWᵢᵀ = W_{i+1}ᵀW_{i+1}) where the balancing term vanishes")

    def spectral_init(self, data: Mapping[str, np.ndarray], K: int = 1, *, noise: float = 0.0,
                      seed: int = 0) -> Point:
        """A balanced factorization of the best rank-k approximation of the least-squares
        map YX⁺ (k = min dᵢ): W₁ = Σ^{1/L}Vᵀ, Wᵢ = Σ^{1/L}, W_L = UΣ^{1/L} (zero padded)."""
        d = {k: np.asarray(data[k], dtype=np.float64) if k in data else
             np.asarray(self.data[k], dtype=np.float64)[None] for k in ("X", "Y")}
        B = max(d["X"].shape[0], d["Y"].shape[0])
        X = np.broadcast_to(d["X"], (B, *d["X"].shape[1:]))
        Y = np.broadcast_to(d["Y"], (B, *d["Y"].shape[1:]))
        P = Y @ np.linalg.pinv(X)
        U, s, Vt = np.linalg.svd(P, full_matrices=False)
        k = min(self.dims)
        root = s[:, :k] ** (1.0 / self.depth)
        out: Point = {}
        for i in range(1, self.depth + 1):
            Wi = np.zeros((B, self.dims[i], self.dims[i - 1]))
            if i == 1:
                Wi[:, :k, :] = root[:, :, None] * Vt[:, :k, :]
            elif i == self.depth:
                Wi[:, :, :k] = U[:, :, :k] * root[:, None, :]
            else:
                idx = np.arange(k)
                Wi[:, idx, idx] = root
            out[f"W{i}"] = np.repeat(Wi[:, None], K, axis=1)
        return add_noise(out, noise, seed)

    @classmethod
    def generate(cls, B: int, seed: int, params: Mapping[str, Any]
                 ) -> tuple[DeepLinearNetwork, dict[str, np.ndarray]]:
        """``gen:deep_linear``: d0 [5], dL [d0], widths [d0-d0] (hidden widths joined by
        '-'), N [4·d0] samples, rank [min width] of the planted map T, noise [0]. X has
        i.i.d. N(0, 1) entries, Y = TX + noise·G with T = (Gaussian d_L×rank)(Gaussian
        rank×d₀)/√rank."""
        from .generators import check_dimension, check_generated_size

        d0 = check_dimension(params.get("d0", 5), "d0")
        dL = check_dimension(params.get("dL", d0), "dL")
        hidden = parse_widths(params.get("widths", f"{d0}-{d0}"))
        for w in hidden:
            check_dimension(w, "width")
        N = check_dimension(params.get("N", 4 * d0), "N", high=10 ** 6)
        k = min([d0, dL, *hidden])
        rank = check_dimension(params.get("rank", k), "rank", high=min(d0, dL))
        noise = float(params.get("noise", 0.0))
        if not 0 <= noise < np.inf:
            raise InputError(f"noise must be finite and >= 0, got {noise}")
        check_generated_size(B * N * (d0 + dL), f"B × N × (d0 + dL) = {B} × {N} × {d0 + dL}")
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((B, d0, N))
        T = rng.standard_normal((B, dL, rank)) @ rng.standard_normal((B, rank, d0))
        Y = (T / np.sqrt(rank)) @ X + noise * rng.standard_normal((B, dL, N))
        problem = cls(np.zeros((d0, N), dtype=int), np.zeros((dL, N), dtype=int), hidden)
        return problem, {"X": X, "Y": Y}

    @classmethod
    def strategy(cls, **options: Any) -> Any:
        """:func:`mfverify.strategies.deep_linear_networks` (options dims, samples, balance)."""
        from ..strategies import deep_linear_networks

        return deep_linear_networks(**options)

    def describe(self) -> str:
        prod = "".join(f"W{i}" for i in range(self.depth, 0, -1))
        text = (f"f(W) = {self.scale}·‖{prod}X − Y‖²_F, depth L = {self.depth}, widths "
                f"{self.dims} (W_i ∈ R^{{d_i×d_(i−1)}}), N = {self.samples} samples")
        if self.balanced:
            text += f" + ({self.balance}/4)·Σ‖W_(i+1)ᵀW_(i+1) − W_iW_iᵀ‖²_F"
        return text + (f", X = {sp.Matrix(self.data['X'].tolist()).tolist()}, "
                       f"Y = {sp.Matrix(self.data['Y'].tolist()).tolist()}")

    def to_spec(self) -> dict[str, Any]:
        return {"problem": self.kind, "X": _strings(self.data["X"]),
                "Y": _strings(self.data["Y"]), "widths": list(self.hidden),
                "scale": str(self.scale), "balance": str(self.balance)}
