"""Seeded, reproducible random instances (NumPy float64 arrays with a leading batch axis B).

Every generator takes ``seed`` (an int, used through ``numpy.random.default_rng``) and returns a
small dataclass holding the data *and* its construction (eigenvalues, singular values, factors),
so a test can compare against the truth without refactorizing.

* :func:`symmetric_instances`: M = Q·diag(λ)·Qᵀ with Q Haar-orthogonal and a chosen spectrum
  (``"psd"``, ``"indefinite"``, ``"singular"`` or explicit eigenvalues).
* :func:`rectangular_instances`: Σ = U·diag(σ)·Vᵀ with chosen singular values / condition number.
* :func:`ground_truths`: X* ∈ ℝ^{n×r*} with chosen singular values, M* = X*X*ᵀ.
* :func:`gaussian_sensing`: sensing matrices A_i with i.i.d. N(0, 1/m) entries (symmetrized
  on request), so that E‖A(X)‖² = ‖X‖²_F unsymmetrized and 2‖X‖²_F symmetrized (X symmetric).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, LimitError, NonFiniteError, RankError
from ..inputs import check_int

__all__ = [
    "SymmetricInstances",
    "RectangularInstances",
    "GroundTruths",
    "haar_orthogonal",
    "spectrum",
    "symmetric_instances",
    "rectangular_instances",
    "ground_truths",
    "gaussian_sensing",
    "check_generated_size",
    "check_dimension",
    "MAX_GENERATED_ELEMENTS",
    "MAX_SWEEP_BYTES",
    "GENERATOR_COPIES",
]

SPECTRA = ("psd", "indefinite", "singular")


def _check_sizes(**sizes: int) -> None:
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")


def _check_cond_top(cond: float, top: float) -> None:
    # the comparisons are False for NaN; infinite values would give 0 or ∞ eigenvalues
    if not (1 <= cond < np.inf and 0 < top < np.inf):
        raise InputError(f"need finite cond >= 1 and finite top > 0, got cond={cond}, "
                         f"top={top}")


def _check_finite(data: np.ndarray, name: str, spectrum: np.ndarray) -> None:
    """Generated data that overflowed float64 is a typed error, not a NumPy warning."""
    if not np.all(np.isfinite(data)):
        raise NonFiniteError(f"the generated {name} overflows float64 (largest spectral value "
                             f"{float(np.max(np.abs(spectrum))):.3g}); use a smaller top")


def haar_orthogonal(rng: np.random.Generator, B: int, n: int) -> np.ndarray:
    """B Haar-distributed n×n orthogonal matrices (QR of a Gaussian with the sign fix)."""
    G = rng.standard_normal((B, n, n))
    Q, R = np.linalg.qr(G)
    s = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    s[s == 0] = 1.0
    return Q * s[:, None, :]


def spectrum(n: int, kind: str = "psd", *, rank: int | None = None, cond: float = 10.0,
             top: float = 1.0, n_negative: int | None = None) -> np.ndarray:
    """A deterministic spectrum of length n, sorted decreasingly.

    * ``"psd"``: ``rank`` (default n) positive values geometrically spaced from ``top`` down to
      ``top/cond``, the rest 0 (PSD of rank ``rank``).
    * ``"indefinite"``: ``rank`` positive values as above and ``n_negative`` (default
      n − rank, at least 1) negative values from ``−top/cond`` to ``−top``, the rest 0.
    * ``"singular"``: like ``"indefinite"`` with at least one zero eigenvalue.
    """
    _check_sizes(n=n)
    if kind not in SPECTRA:
        raise InputError(f"spectrum must be one of {SPECTRA}, got {kind!r}")
    _check_cond_top(cond, top)
    k = n if rank is None else rank
    if kind != "psd" and rank is None:
        k = max(1, n // 2)
    if not 1 <= k <= n:
        raise RankError(f"rank must be in [1, {n}], got {k}")
    pos = top * np.geomspace(1.0, 1.0 / cond, k) if k > 1 else np.array([top])
    if kind == "psd":
        return np.concatenate([pos, np.zeros(n - k)])
    room = n - k - (1 if kind == "singular" else 0)
    neg_count = max(1, room) if n_negative is None else n_negative
    if neg_count < 1 or neg_count > room:
        raise RankError(f"{kind} spectrum of size {n} with {k} positive eigenvalues leaves room "
                        f"for 1..{room} negative ones, got {neg_count}")
    neg = -top * (np.geomspace(1.0 / cond, 1.0, neg_count) if neg_count > 1 else np.array([1.0]))
    zeros = np.zeros(n - k - neg_count)
    return np.concatenate([pos, zeros, neg])


@dataclass
class SymmetricInstances:
    """B symmetric matrices ``M = Q diag(eigenvalues) Qᵀ`` (``Q[b]`` columns = eigenvectors)."""

    M: np.ndarray
    eigenvalues: np.ndarray
    Q: np.ndarray
    seed: int

    @property
    def data(self) -> dict[str, np.ndarray]:
        return {"M": self.M}


def symmetric_instances(B: int, n: int, *, spectrum_kind: str = "psd", rank: int | None = None,
                        cond: float = 10.0, top: float = 1.0,
                        eigenvalues: Sequence[float] | None = None, seed: int = 0,
                        ) -> SymmetricInstances:
    """B random symmetric n×n matrices with a chosen spectrum and Haar eigenvectors.

    ``eigenvalues`` (length <= n, padded with zeros) overrides ``spectrum_kind`` / ``rank`` /
    ``cond`` / ``top`` (see :func:`spectrum`). M is exactly symmetrized after the product.
    """
    _check_sizes(B=B, n=n)
    if eigenvalues is not None:
        lam = np.asarray(eigenvalues, dtype=np.float64)
        if lam.ndim != 1 or lam.size > n or not np.all(np.isfinite(lam)):
            raise InputError(f"eigenvalues must be at most {n} finite numbers")
        lam = np.sort(np.concatenate([lam, np.zeros(n - lam.size)]))[::-1]
    else:
        lam = spectrum(n, spectrum_kind, rank=rank, cond=cond, top=top)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    Q = haar_orthogonal(rng, B, n)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused just below
        M = (Q * lam) @ np.swapaxes(Q, -1, -2)
        M = 0.5 * (M + np.swapaxes(M, -1, -2))
    _check_finite(M, "M", lam)
    return SymmetricInstances(M, np.broadcast_to(lam, (B, n)).copy(), Q, seed)


@dataclass
class RectangularInstances:
    """B matrices ``Sigma = U diag(singular_values) Vᵀ`` of size m×n and rank ``rank``."""

    Sigma: np.ndarray
    singular_values: np.ndarray
    U: np.ndarray
    V: np.ndarray
    seed: int

    @property
    def data(self) -> dict[str, np.ndarray]:
        return {"Sigma": self.Sigma}

    @property
    def condition_number(self) -> np.ndarray:
        s = self.singular_values
        return s[:, 0] / s[:, -1]


def rectangular_instances(B: int, m: int, n: int, *, rank: int,
                          singular_values: Sequence[float] | None = None, cond: float = 10.0,
                          top: float = 1.0, seed: int = 0) -> RectangularInstances:
    """B random m×n matrices of rank ``rank`` with singular values geometrically spaced from
    ``top`` to ``top/cond`` (or exactly ``singular_values``) and Haar singular vectors."""
    _check_sizes(B=B, m=m, n=n, rank=rank)
    if rank > min(m, n):
        raise RankError(f"rank must be <= min(m, n) = {min(m, n)}, got {rank}")
    if singular_values is not None:
        s = np.sort(np.asarray(singular_values, dtype=np.float64))[::-1]
        if s.shape != (rank,) or np.any(s <= 0) or not np.all(np.isfinite(s)):
            raise InputError(f"singular_values must be {rank} positive finite numbers")
    else:
        _check_cond_top(cond, top)
        s = top * np.geomspace(1.0, 1.0 / cond, rank)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    U = haar_orthogonal(rng, B, m)[:, :, :rank]
    V = haar_orthogonal(rng, B, n)[:, :, :rank]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused just below
        Sigma = (U * s) @ np.swapaxes(V, -1, -2)
    _check_finite(Sigma, "Sigma", s)
    return RectangularInstances(Sigma, np.broadcast_to(s, (B, rank)).copy(), U, V, seed)


@dataclass
class GroundTruths:
    """B ground truths X* ∈ ℝ^{n×r*} and M* = X*X*ᵀ (PSD of rank r*)."""

    X: np.ndarray
    M: np.ndarray
    singular_values: np.ndarray
    seed: int


def ground_truths(B: int, n: int, rank: int, *, cond: float = 1.0, top: float = 1.0,
                  seed: int = 0) -> GroundTruths:
    """X* = Q_{:, :r*}·diag(σ) with σ from ``top`` to ``top/cond`` (geometric), M* = X*X*ᵀ."""
    _check_sizes(B=B, n=n, rank=rank)
    if rank > n:
        raise RankError(f"rank must be <= n = {n}, got {rank}")
    _check_cond_top(cond, top)
    s = top * np.geomspace(1.0, 1.0 / cond, rank)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    X = haar_orthogonal(rng, B, n)[:, :, :rank] * s
    M = X @ np.swapaxes(X, -1, -2)
    return GroundTruths(X, 0.5 * (M + np.swapaxes(M, -1, -2)),
                        np.broadcast_to(s, (B, rank)).copy(), seed)


def gaussian_sensing(B: int, m: int, n: int, *, symmetric: bool = True, n2: int | None = None,
                     seed: int = 0) -> np.ndarray:
    """B Gaussian sensing operators, shape ``(B, m, n, n2)`` (n2 = n by default).

    Entries are i.i.d. N(0, 1/m), so E‖A(X)‖² = ‖X‖²_F, where A(X)_i = ⟨A_i, X⟩. With
    ``symmetric=True`` each A_i is replaced by S_i = (A_i + A_iᵀ)/√2 (still N(0, 1/m) off the
    diagonal, N(0, 2/m) on it). For symmetric X, ⟨S_i, X⟩ = √2·⟨A_i, X⟩, so then
    E‖A(X)‖² = 2‖X‖²_F: this operator is isotropic up to the factor 2 (the study generator
    ``gen:sensing`` uses (G + Gᵀ)/2 instead, for which E‖A(X)‖² = ‖X‖²_F).
    """
    _check_sizes(B=B, m=m, n=n)
    n2 = n if n2 is None else n2
    _check_sizes(n2=n2)
    if symmetric and n2 != n:
        raise InputError("symmetric sensing matrices must be square (n2 == n)")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    A = rng.standard_normal((B, m, n, n2)) / np.sqrt(m)
    if symmetric:
        A = (A + np.swapaxes(A, -1, -2)) / np.sqrt(2.0)
    return A


#: Largest number of float64 entries a sweep generator may produce (4 GiB).
MAX_GENERATED_ELEMENTS = 1 << 29
#: Largest estimated peak memory (bytes) of the arrays of a sweep (4 GiB).
MAX_SWEEP_BYTES = 4 << 30
#: A generator holds about this many arrays the size of its output at once (Gaussian draws,
#: QR factors, products, the symmetrized result).
GENERATOR_COPIES = 6


def check_generated_size(elements: int, what: str, *, copies: int = GENERATOR_COPIES) -> None:
    """Refuse (:class:`~mfverify.errors.LimitError`), before allocating, output of more than
    :data:`MAX_GENERATED_ELEMENTS` numbers or whose arrays at peak (``copies`` arrays of
    ``elements`` float64 numbers) exceed :data:`MAX_SWEEP_BYTES` (``what`` names the product,
    e.g. ``"B × n²"``)."""
    need = elements * copies * 8
    if elements > MAX_GENERATED_ELEMENTS or need > MAX_SWEEP_BYTES:
        raise LimitError(f"{what} = {elements:,} numbers needs about {need / 2**30:.1f} GiB of "
                         f"float64 arrays at peak ({copies} copies), above the limit "
                         f"{MAX_SWEEP_BYTES / 2**30:.0f} GiB; use fewer or smaller instances "
                         "(or fewer --inits)")


def check_dimension(value: int, name: str, *, low: int = 1, high: int = 2000) -> int:
    """A generator dimension in [low, high] (InputError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            low <= value <= high):
        raise InputError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    return int(value)
