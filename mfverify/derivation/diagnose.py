"""Name the slip when a claimed formula is wrong: a constant factor, a sign, a transpose, a
missing symmetrization.

Each candidate explanation is an exact relation between the claimed and the true values
(e.g. ``claimed − 2·true ≡ 0``), tested on the refuting size *and* on a larger size, so that
coincidences of tiny sizes (at n = 1 every matrix is symmetric) do not produce a wrong
diagnosis. The first relation that holds at every tested size is reported, in words:

* ``"claimed = 2 × true gradient"``, ``"claimed = ½ × true gradient"``;
* ``"claimed = −1 × true gradient (sign error)"``;
* ``"claimed = (true gradient)ᵀ (transposed result)"``;
* ``"claimed = true gradient with M replaced by Mᵀ"``;
* ``"claimed = true gradient with M replaced by −M (sign of M)"``;
* ``"missing symmetrization: claimed equals the true gradient only after replacing M by
  (M + Mᵀ)/2 ..."``;
* ``"missing symmetrization: the true gradient is (claimed + claimedᵀ)/2"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..errors import MfverifyError, ShapeError, UnsupportedError
from .exact import (
    Structure,
    as_object_array,
    confirm_size,
    find_nonzero_point,
    is_zero,
    substitute,
)

__all__ = ["DiagnosisCase", "diagnose", "format_factor"]

_UNICODE_FRACTIONS = {
    sp.Rational(1, 2): "½", sp.Rational(1, 4): "¼", sp.Rational(3, 4): "¾",
    sp.Rational(1, 3): "⅓", sp.Rational(2, 3): "⅔", sp.Rational(1, 8): "⅛",
}


def format_factor(k: sp.Rational) -> str:
    """``2`` -> "2", ``1/2`` -> "½", ``-1/2`` -> "−½"."""
    sign = "−" if k < 0 else ""
    a = abs(k)
    return sign + _UNICODE_FRACTIONS.get(a, str(a))


@dataclass
class DiagnosisCase:
    """One size of a refuted check, with what is needed to re-evaluate both sides.

    ``claimed_with(data)`` / ``true_with(data)`` re-evaluate the sides with some data matrices
    replaced (``data`` maps a data name to its replacement); either may be None when the side
    cannot be re-evaluated (then the candidates that need it are skipped).
    """

    claimed: np.ndarray
    true: np.ndarray
    data: dict[str, np.ndarray] = field(default_factory=dict)
    structure: dict[str, Structure] = field(default_factory=dict)
    claimed_with: Callable[[Mapping[str, Any]], Any] | None = None
    true_with: Callable[[Mapping[str, Any]], Any] | None = None
    #: Entry -> SymPy, and exact rational -> the arrays' scalar type (python-flint backend).
    to_sympy: Callable[[Any], Any] = sp.sympify
    const: Callable[[Any], Any] = lambda k: k

    def scale(self, k: Any, arr: Any) -> np.ndarray:
        a = as_object_array(arr)
        kk = self.const(k)
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(*a.shape) if a.shape else [()]:
            out[idx] = kk * a[idx]
        return out


def _equal(a: Any, b: Any) -> bool:
    a = as_object_array(a)
    b = as_object_array(b)
    if a.shape != b.shape:
        return False
    return all(is_zero(_sub(x, y)) is True
               for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True))


def _sub(x: Any, y: Any) -> Any:
    from ._poly import is_poly

    if is_poly(x) and is_poly(y):
        return x - y
    if is_poly(x) or is_poly(y):  # one side a plain number: both are constants of the ring
        return x - y
    return sp.sympify(x) - sp.sympify(y)


def _factor(case: DiagnosisCase) -> sp.Rational | None:
    """The rational k with claimed ≡ k·true, if any (true not identically zero)."""
    c = as_object_array(case.claimed)
    t = as_object_array(case.true)
    if c.shape != t.shape:
        return None
    for x0, y0 in zip(c.reshape(-1), t.reshape(-1), strict=True):
        if is_zero(y0) is not True and _is_poly(y0) and _is_poly(x0):
            k = _poly_ratio(x0, y0)
            if k is None:
                return None
            return k if is_zero(x0 - case.const(k) * y0) is True else None
        if is_zero(y0) is not True:
            x = case.to_sympy(x0)
            y = case.to_sympy(y0)
            # k from the values at one point where y != 0, confirmed by exact expansion
            point = find_nonzero_point(y, sorted(y.free_symbols, key=lambda s: s.name))
            if point is None:
                return None
            yv = substitute(y, point)
            xv = substitute(x.xreplace({s: 0 for s in x.free_symbols if s not in point}),
                            point)
            k = sp.nsimplify(xv / yv)
            if not k.is_Rational:
                return None
            return k if is_zero(x0 - case.const(k) * y0) is True else None
    return None


def _is_poly(v: Any) -> bool:
    from ._poly import is_poly

    return is_poly(v)


def _poly_ratio(x: Any, y: Any) -> sp.Rational | None:
    """x/y at a random integer point where y != 0 (python-flint evaluation)."""
    import random

    import flint

    nv = y.p.context().nvars()
    rng = random.Random(0)
    for _ in range(50):
        vals = [flint.fmpq(rng.randint(-3, 3)) for _ in range(nv)]
        yv = y.at(vals)
        xv = x.at(vals)
        if yv is not None and xv is not None and yv != 0:
            q = xv / yv
            return sp.Rational(int(q.p), int(q.q))
    return None


def _transpose(a: np.ndarray) -> np.ndarray | None:
    a = as_object_array(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return None
    return a.T


def _square_general(case: DiagnosisCase) -> list[str]:
    out = []
    for name, value in case.data.items():
        arr = as_object_array(value)
        if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] > 1 and \
                case.structure.get(name, Structure.GENERAL) in (Structure.GENERAL,
                                                                  Structure.SKEW):
            out.append(name)
    return out


def _holds(cases: Sequence[DiagnosisCase], rel: Callable[[DiagnosisCase], bool | None]) -> bool:
    seen = False
    for c in cases:
        try:
            r = rel(c)
        except (MfverifyError, ArithmeticError, TypeError, ValueError):
            r = False  # the replacement does not even type-check: not this slip
        if r is None:
            continue
        if not r:
            return False
        seen = True
    return seen


def diagnosis_cases(build: Callable[[dict[str, int]], DiagnosisCase],
                    grid: Sequence[Mapping[str, int]],
                    size: dict[str, int]) -> list[DiagnosisCase]:
    """The diagnosis cases for a mismatch found at ``size``: that size and a confirming one.

    ``build(size)`` makes the case at one size; the second case is at
    :func:`~mfverify.derivation.exact.confirm_size` of ``size`` in ``grid`` when there is one
    and it can be built (a size that raises ShapeError or UnsupportedError is skipped).
    """
    cases = [build(size)]
    other = confirm_size(grid, size)
    if other is not None:
        try:
            cases.append(build(other))
        except (ShapeError, UnsupportedError):
            pass
    return cases


def diagnose(cases: Sequence[DiagnosisCase], *, what: str = "gradient",
             claimed_name: str = "claimed", true_name: str | None = None) -> str | None:
    """The first explanation that holds exactly on every case, or None.

    ``what`` names the true side in the message ("gradient", "Hessian"); identities pass
    ``claimed_name="LHS", true_name="RHS"``.
    """
    if not cases:
        return None
    true_name = true_name or f"true {what}"
    cl = claimed_name

    # 1. a constant factor (including −1: a sign error)
    ks = [_factor(c) for c in cases]
    if all(k is not None for k in ks) and len({k for k in ks}) == 1:
        k = ks[0]
        assert k is not None
        if k != 1 and all(_equal(c.claimed, c.scale(k, c.true)) for c in cases):
            if k == 0:
                return f"{cl} = 0 although the {true_name} is not identically zero"
            note = " (sign error)" if k == -1 else (" (sign error and a constant factor)"
                                                     if k < 0 else "")
            return f"{cl} = {format_factor(k)} × {true_name}{note}"

    # 2. the whole result transposed
    def transposed(c: DiagnosisCase) -> bool | None:
        tt = _transpose(c.true)
        if tt is None or _equal(c.true, tt):
            return None
        return _equal(c.claimed, tt)

    if _holds(cases, transposed):
        return f"{cl} = ({true_name})ᵀ (transposed result)"

    names = sorted({n for c in cases for n in _square_general(c)})
    # 3. a data matrix transposed, or negated, in the true formula
    for name in names:
        def with_t(c: DiagnosisCase, name: str = name) -> bool | None:
            if c.true_with is None or name not in c.data:
                return None
            z = as_object_array(c.data[name])
            if _equal(z, z.T):
                return None
            return _equal(c.claimed, c.true_with({name: z.T}))

        if _holds(cases, with_t):
            return f"{cl} = {true_name} with {name} replaced by {name}ᵀ"
    for name in sorted({n for c in cases for n in c.data}):
        def with_neg(c: DiagnosisCase, name: str = name) -> bool | None:
            if c.true_with is None or name not in c.data:
                return None
            z = as_object_array(c.data[name])
            if z.ndim == 0:
                return None
            return _equal(c.claimed, c.true_with({name: -z}))

        if _holds(cases, with_neg):
            return f"{cl} = {true_name} with {name} replaced by −{name} (sign of {name})"

    # 4. missing symmetrization of a data matrix
    for name in names:
        def symmetrized(c: DiagnosisCase, name: str = name) -> bool | None:
            if c.claimed_with is None or name not in c.data:
                return None
            z = as_object_array(c.data[name])
            if _equal(z, z.T):
                return None
            zs = c.scale(sp.Rational(1, 2), z + z.T)
            return _equal(c.claimed_with({name: zs}), c.true)

        if _holds(cases, symmetrized):
            return (f"missing symmetrization: {cl} equals the {true_name} only after "
                    f"replacing {name} by ({name} + {name}ᵀ)/2, i.e. the derivation assumed "
                    f"{name} symmetric (declare {name} symmetric if the problem does)")

    # 5. missing symmetrization of the result
    def sym_result(c: DiagnosisCase, k: sp.Rational) -> bool | None:
        ct = _transpose(c.claimed)
        if ct is None or _equal(c.claimed, ct):
            return None
        return _equal(c.scale(k, as_object_array(c.claimed) + ct), c.true)

    for k, text in ((sp.Rational(1, 2), f"({cl} + {cl}ᵀ)/2"),
                    (sp.Integer(1), f"{cl} + {cl}ᵀ")):
        if _holds(cases, lambda c, k=k: sym_result(c, k)):
            return f"missing symmetrization: the {true_name} is {text}"
    return None
