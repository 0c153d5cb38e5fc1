"""Taylor-mode arithmetic for polynomial vector fields, in fixed point (the flow engine's core).

A vector field ``F(A, x)`` written against :class:`mfverify.arith.Arith` (every problem's
``gradient`` is) is *traced* once: it is called with :class:`Jet` objects in place of the
variables, and every operation it performs (``+ - *``, ``@``, transpose, sums, inner products,
indexing) records a node on a :class:`Tape`. Each node can then produce its k-th Taylor
coefficient from its parents' coefficients ``0..k``:

* linear nodes (sums, transposes, indexing, products with constants) act coefficient-wise;
* products and matrix products are Cauchy products ``c_k = Σ_{j=0}^{k} a_j b_{k-j}``, done as ONE
  concatenated matrix product per order (``[a_0 … a_k] @ [b_k; …; b_0]``).

So the Taylor coefficients of the solution of ``ẋ = F(x)`` follow exactly from the recurrence
``x_{k+1} = F_k / (k + 1)`` (F_k the k-th coefficient of F(x(t))), in ``O(K²)`` node operations
for order K. Coefficients are computed for the *scaled* time ``t = t₀ + h·s``, i.e. ``y_k = x_k
h^k`` (``y_{k+1} = h·F_k(y)/(k+1)``), so that they decay for ``s ∈ [0, 1]``.

Numbers are fixed point: a real ``v`` is the integer ``round(v·2^P)`` (gmpy2 ``mpz`` in NumPy
object arrays). A product of two fixed-point integers is exact and is shifted back by ``P`` once,
after the whole Cauchy sum has been accumulated exactly, so each coefficient carries one rounding
of at most one unit of ``2^-P`` per node. Integers never overflow, so large coefficients cost only
time. Fixed point is 10-20x faster than mpmath's ``mpf`` here (no exponent handling in Python).
The price is that precision is *absolute* (``2^-P``); callers choose ``P`` from the working
precision plus guard bits and the scale of the data (see :func:`mfverify.flow.integrate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gmpy2
import mpmath
import numpy as np
import sympy as sp

from ..arith import MpArith
from ..arith.ball import BallArith
from ..errors import ShapeError, UnsupportedError

__all__ = ["Tape", "Jet", "TraceArith", "BallTape", "BallTraceArith", "to_fixed", "from_fixed",
           "mpz_array", "log2_norm", "trace_field", "trace_ball_field"]

_MPZ = gmpy2.mpz

#: Use the symmetric Cauchy product for ``A @ A.T`` (half the multiplications; identical
#: results — the tests compare both paths).
SYMMETRIC_PRODUCTS = True
#: Rewrite matrix products of series before recording them: distribute ``(V ± C) @ B`` over a
#: constant term C (a constant times a series costs one product per order, a series times a
#: series k+1) and re-associate ``(U V) W`` as ``U (V W)`` when that needs fewer
#: multiplications (e.g. ``(XXᵀ − M)X = X(XᵀX) − MX``: r²n instead of n²r per pair when r < n).
#: Results differ only by rounding on the fixed-point grid.
OPTIMIZE_PRODUCTS = True


def _mm_cost(a: Jet, b: Jet) -> int:
    n, m = a.shape
    p = b.shape[1]
    return n * m * p


def _rewrite_matmul(a: Jet, b: Jet) -> Jet | None:
    """A cheaper but equal expression for ``a @ b`` (both 2-D, at least one a series), or None."""
    if a.ndim != 2 or b.ndim != 2:
        return None
    for x, other, left in ((a, b, True), (b, a, False)):
        if x.op in ("add", "sub") and not other.is_const:
            u, v = x.args
            if u.is_const != v.is_const and u.shape == x.shape and v.shape == x.shape:
                pu = (u @ other) if left else (other @ u)
                pv = (v @ other) if left else (other @ v)
                return pu + pv if x.op == "add" else pu - pv
    if a.op == "matmul" and not b.is_const:
        u, v = a.args
        if u.ndim == 2 and v.ndim == 2:
            n, m = u.shape
            p, q = v.shape[1], b.shape[1]
            if m * p * q + n * m * q < n * m * p + n * p * q:
                return u @ (v @ b)
    if b.op == "matmul" and not a.is_const:
        v, w = b.args
        if v.ndim == 2 and w.ndim == 2:
            n, m = a.shape
            p, q = v.shape[1], w.shape[1]
            if n * m * p + n * p * q < m * p * q + n * m * q:
                return (a @ v) @ w
    return None


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(_MPZ(0))
    return out


def mpz_array(values: Any) -> np.ndarray:
    arr = np.array(values, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat):
        flat[i] = _MPZ(v)
    return flat.reshape(arr.shape)


def to_fixed(value: Any, P: int, ctx: Any) -> Any:
    """round(value · 2^P) as an ``mpz`` (exact for rationals; irrationals via ``ctx``)."""
    if isinstance(value, bool):
        raise UnsupportedError("booleans are not numbers")
    if isinstance(value, (int, np.integer, type(_MPZ(0)))):
        return _MPZ(int(value)) << P
    if isinstance(value, sp.Rational):
        p, q = _MPZ(int(value.p)), _MPZ(int(value.q))
        return ((p << (P + 1)) // q + 1) >> 1
    if isinstance(value, sp.Basic):
        if not value.is_number:
            raise UnsupportedError(f"cannot use the symbolic value {value} in a flow")
        digits = int(P / 3.3) + 20
        with ctx.workprec(P + 80):
            value = ctx.mpf(str(sp.N(value, digits)))
    if isinstance(value, float):
        value = ctx.mpf(value)
    if hasattr(value, "_mpf_"):
        sign, man, exp, _bc = value._mpf_
        if man == 0:
            return _MPZ(0)
        man = _MPZ(man)
        shift = exp + P
        if shift >= 0:
            v = man << shift
        else:
            v = (man + (_MPZ(1) << (-shift - 1))) >> (-shift)
        return -v if sign else v
    raise UnsupportedError(f"cannot convert {value!r} (type {type(value).__name__}) to a number")


def from_fixed(v: Any, P: int, ctx: Any) -> Any:
    """The ``mpf`` (of ``ctx``, rounded to its precision) of the fixed-point integer ``v``."""
    return ctx.ldexp(ctx.mpf(int(v)), -P)


def log2_norm(arr: Any) -> float:
    """An upper bound of log2 of the 2-norm of the fixed-point integers (before the 2^-P scale);
    ``-inf`` when all are zero."""
    a = np.asarray(arr, dtype=object).reshape(-1)
    if a.size == 0:
        return float("-inf")
    bl = max(abs(v).bit_length() for v in a)
    if bl == 0:
        return float("-inf")
    return bl + 0.5 * np.log2(a.size)


class Tape:
    """The record of one traced vector field: nodes in creation (= topological) order."""

    def __init__(self, P: int, ctx: Any) -> None:
        self.P = P
        self.ctx = ctx
        self.nodes: list[Jet] = []
        self.leaves: list[Jet] = []

    # -- the number system (fixed point here; balls in :class:`BallTape`) -----------------------
    def lift(self, value: Any) -> Any:
        """One number of the field's data as a number of this tape."""
        return to_fixed(value, self.P, self.ctx)

    def rs(self, arr: Any) -> np.ndarray:
        """Normalize a product of two numbers (fixed point: shift back by ``P``)."""
        return np.asarray(arr >> self.P, dtype=object)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return _zeros(shape)

    def reciprocal(self, v: Any) -> Any:
        """``1/v`` for a constant divisor of the field (lifted later by :meth:`const`)."""
        if isinstance(v, sp.Basic):
            return 1 / v
        ctx = self.ctx
        mv = ctx.mpf(int(v)) if isinstance(v, (int, np.integer)) else ctx.mpf(v)
        if mv == 0:
            raise UnsupportedError("division by zero in the vector field")
        return 1 / mv

    # -- lifting foreign values -----------------------------------------------------------------
    def const(self, value: Any) -> Jet:
        if isinstance(value, Jet):
            return value
        arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
        if arr.dtype == object and any(isinstance(v, Jet) for v in arr.reshape(-1)):
            return self._pack(arr)
        if arr.dtype != object:
            arr = arr.astype(object)
        fixed = np.empty(arr.shape, dtype=object)
        ff = fixed.reshape(-1)
        for i, v in enumerate(arr.reshape(-1)):
            ff[i] = self.lift(v)
        return Jet(self, fixed.shape, None, (), const=fixed)

    def _pack(self, arr: np.ndarray) -> Jet:
        """An object array whose entries are Jets (of shape ()) or numbers -> one Jet."""
        entries = [self.const(v) for v in arr.reshape(-1)]
        for e in entries:
            if e.shape != ():
                raise ShapeError("an array of traced values must hold scalars")
        shape = arr.shape

        def rule(k: int) -> np.ndarray:
            out = np.empty(len(entries), dtype=object)
            for i, e in enumerate(entries):
                out[i] = e.coef(k)[()]
            return out.reshape(shape)

        parents = tuple(e for e in entries if not e.is_const)
        if not parents:
            return Jet(self, shape, None, (), const=rule(0))
        return Jet(self, shape, rule, parents)

    def leaf(self, shape: tuple[int, ...]) -> Jet:
        j = Jet(self, shape, None, ())
        self.leaves.append(j)
        return j

    def reset(self) -> None:
        for n in self.nodes:
            n.c = []


class Jet:
    """A traced array value: its Taylor coefficients, computed order by order on demand."""

    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, tape: Tape, shape: tuple[int, ...],
                 rule: Callable[[int], np.ndarray] | None, parents: tuple[Jet, ...],
                 const: np.ndarray | None = None) -> None:
        self.tape = tape
        self.shape = tuple(shape)
        self.rule = rule
        self.parents = parents
        self.value = const
        self.c: list[np.ndarray] = []
        self._zero: np.ndarray | None = None
        self.transpose_of: Jet | None = None
        #: the operation and operands of sums and matrix products of series (for rewrites)
        self.op: str = ""
        self.args: tuple[Jet, ...] = ()
        if const is None:
            tape.nodes.append(self)

    @property
    def is_const(self) -> bool:
        return self.value is not None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def coef(self, k: int) -> np.ndarray:
        if self.value is not None:
            if k == 0:
                return self.value
            if self._zero is None:
                self._zero = self.tape.zeros(self.shape)
            return self._zero
        return self.c[k]

    # -- construction helpers -------------------------------------------------------------------
    def _lift(self, other: Any) -> Jet:
        return self.tape.const(other)

    def _linear(self, fn: Callable[[np.ndarray], np.ndarray]) -> Jet:
        if self.is_const:
            return Jet(self.tape, np.shape(fn(self.value)), None, (),
                       const=np.asarray(fn(self.value), dtype=object))
        shape = np.shape(fn(_zeros(self.shape)))
        return Jet(self.tape, shape, lambda k: np.asarray(fn(self.coef(k)), dtype=object),
                   (self,))

    def _add(self, other: Any, sign: int, reverse: bool = False) -> Jet:
        b = self._lift(other)
        a = self
        if reverse:
            a, b = b, a

        def comb(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return np.asarray(x + y if sign > 0 else x - y, dtype=object)

        if a.is_const and b.is_const:
            v = comb(a.value, b.value)
            return Jet(self.tape, v.shape, None, (), const=v)
        shape = np.broadcast_shapes(a.shape, b.shape)
        node = Jet(self.tape, shape, lambda k: comb(a.coef(k), b.coef(k)),
                   tuple(p for p in (a, b) if not p.is_const))
        node.op, node.args = ("add" if sign > 0 else "sub"), (a, b)
        return node

    def _product(self, other: Any, op: str, reverse: bool = False) -> Jet:
        b = self._lift(other)
        a = self
        if reverse:
            a, b = b, a
        rs = self.tape.rs
        if op == "mul":
            f = np.multiply
            shape = np.broadcast_shapes(a.shape, b.shape)
        else:
            f = np.matmul
            if a.ndim == 0 or b.ndim == 0:
                raise ShapeError("matmul needs arrays of at least one dimension")
            shape = np.shape(np.matmul(_zeros(a.shape), _zeros(b.shape)))
        if a.is_const and b.is_const:
            v = rs(f(a.value, b.value))
            return Jet(self.tape, v.shape, None, (), const=v)
        if op == "matmul" and OPTIMIZE_PRODUCTS:
            better = _rewrite_matmul(a, b)
            if better is not None:
                return better
        if a.is_const or b.is_const:
            def rule_c(k: int) -> np.ndarray:
                return rs(f(a.coef(k if not a.is_const else 0),
                            b.coef(k if not b.is_const else 0)))
            return Jet(self.tape, shape, rule_c, (a,) if b.is_const else (b,))
        if op == "mul":
            def rule_m(k: int) -> np.ndarray:
                if k == 0:
                    return rs(a.c[0] * b.c[0])
                prod = np.stack(a.c[: k + 1]) * np.stack(b.c[k::-1])
                return rs(prod.sum(axis=0))
            return Jet(self.tape, shape, rule_m, (a, b))
        ax_b = -2 if b.ndim >= 2 else -1
        if SYMMETRIC_PRODUCTS and a.ndim == 2 and (b.transpose_of is a or a.transpose_of is b):
            # C = A Aᵀ (or Bᵀ B, i.e. A = Bᵀ): C_k = S + Sᵀ (+ A_{k/2} A_{k/2}ᵀ) with
            # S = Σ_{j < k-j} A_j A_{k-j}ᵀ — half the products of the plain Cauchy sum, and
            # exactly the same integers.
            def rule_sym(k: int) -> np.ndarray:
                m = (k - 1) // 2  # pairs j = 0..m with j < k - j
                acc = None
                if m >= 0:
                    left = np.concatenate(a.c[: m + 1], axis=-1)
                    right = np.concatenate([a.c[k - j].T for j in range(m + 1)], axis=0)
                    S = left @ right
                    acc = S + S.T
                if k % 2 == 0:
                    mid = a.c[k // 2] @ a.c[k // 2].T
                    acc = mid if acc is None else acc + mid
                return rs(acc)

            node = Jet(self.tape, shape, rule_sym, (a, b))
            node.op, node.args = "matmul", (a, b)
            return node

        def rule_mm(k: int) -> np.ndarray:
            if k == 0:
                return rs(a.c[0] @ b.c[0])
            left = np.concatenate(a.c[: k + 1], axis=-1)
            right = np.concatenate(b.c[k::-1], axis=ax_b)
            return rs(left @ right)

        node = Jet(self.tape, shape, rule_mm, (a, b))
        node.op, node.args = "matmul", (a, b)
        return node

    # -- Python operators -----------------------------------------------------------------------
    def __add__(self, o: Any) -> Jet:
        return self._add(o, 1)

    def __radd__(self, o: Any) -> Jet:
        return self._add(o, 1, reverse=True)

    def __sub__(self, o: Any) -> Jet:
        return self._add(o, -1)

    def __rsub__(self, o: Any) -> Jet:
        return self._add(o, -1, reverse=True)

    def __neg__(self) -> Jet:
        return self._linear(lambda v: -v)

    def __pos__(self) -> Jet:
        return self

    def __mul__(self, o: Any) -> Jet:
        return self._product(o, "mul")

    def __rmul__(self, o: Any) -> Jet:
        return self._product(o, "mul", reverse=True)

    def __matmul__(self, o: Any) -> Jet:
        return self._product(o, "matmul")

    def __rmatmul__(self, o: Any) -> Jet:
        return self._product(o, "matmul", reverse=True)

    def __truediv__(self, o: Any) -> Jet:
        if isinstance(o, Jet) and not o.is_const:
            raise UnsupportedError("division by a state-dependent value: the vector field is "
                                   "not polynomial (the Taylor engine needs polynomial fields)")
        if isinstance(o, Jet):
            raise UnsupportedError("division by a traced constant array is not supported")
        arr = np.asarray(o, dtype=object)
        inv = np.empty(arr.shape, dtype=object)
        fi = inv.reshape(-1)
        for i, v in enumerate(arr.reshape(-1)):
            fi[i] = self.tape.reciprocal(v)
        return self * (inv if inv.shape else inv[()])

    def __pow__(self, n: Any) -> Jet:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise UnsupportedError("only non-negative integer powers are polynomial")
        out: Jet = self._lift(np.ones(self.shape, dtype=object))
        for _ in range(int(n)):
            out = out * self
        return out

    def __getitem__(self, idx: Any) -> Jet:
        return self._linear(lambda v: v[idx])

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar")
        return self.shape[0]

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    @property
    def T(self) -> Jet:  # noqa: N802 - NumPy's name
        return self.swapaxes(-1, -2)

    def swapaxes(self, a: int, b: int) -> Jet:
        out = self._linear(lambda v: np.swapaxes(v, a, b))
        if self.ndim == 2 and {a % 2, b % 2} == {0, 1}:
            out.transpose_of = self
        return out

    def transpose(self, *axes: int) -> Jet:
        return self._linear(lambda v: np.transpose(v, *axes) if axes else v.T)

    def reshape(self, *shape: Any) -> Jet:
        return self._linear(lambda v: v.reshape(*shape))

    def sum(self, axis: Any = None) -> Jet:
        return self._linear(lambda v: np.asarray(v.sum(axis=axis), dtype=object))

    # -- NumPy functions on traced values (einsum, swapaxes, ...) ------------------------------
    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        handler = _ARRAY_FUNCTIONS.get(func)
        if handler is None:
            raise UnsupportedError(f"numpy.{func.__name__} is not supported on traced flow "
                                   "values (supported: einsum, swapaxes, transpose, sum, "
                                   "trace, shape, ndim, reshape)")
        return handler(*args, **kwargs)

    def __repr__(self) -> str:
        kind = "const" if self.is_const else "series"
        return f"<Jet {kind} shape={self.shape}>"


def _einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Any:
    if kwargs.get("out") is not None:
        raise UnsupportedError("einsum(out=...) is not supported on traced flow values")
    tape = next(o.tape for o in operands if isinstance(o, Jet))
    ops = [tape.const(o) for o in operands]
    rs = tape.rs
    if "->" not in subscripts:
        raise UnsupportedError("einsum on traced values needs an explicit '->' output")
    ins, out = subscripts.replace(" ", "").split("->")
    subs = ins.split(",")
    if len(subs) != len(ops) or len(ops) not in (1, 2):
        raise UnsupportedError("einsum on traced values supports one or two operands")
    shape = np.shape(np.einsum(subscripts, *[_zeros(o.shape) for o in ops]))
    if len(ops) == 1:
        a = ops[0]
        return a._linear(lambda v: np.asarray(np.einsum(subscripts, v), dtype=object))
    a, b = ops
    if a.is_const and b.is_const:
        v = rs(np.einsum(subscripts, a.value, b.value))
        return Jet(tape, v.shape, None, (), const=v)
    if a.is_const or b.is_const:
        def rule_c(k: int) -> np.ndarray:
            return rs(np.einsum(subscripts, a.coef(0 if a.is_const else k),
                                b.coef(0 if b.is_const else k)))
        return Jet(tape, shape, rule_c, (b,) if a.is_const else (a,))
    z = next(ch for ch in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQ" if ch not in subscripts)
    stacked = f"{z}{subs[0]},{z}{subs[1]}->{out}"

    def rule_v(k: int) -> np.ndarray:
        sa = np.stack(a.c[: k + 1])
        sb = np.stack(b.c[k::-1])
        return rs(np.einsum(stacked, sa, sb))

    return Jet(tape, shape, rule_v, (a, b))


def _af_swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return a.swapaxes(axis1, axis2)


def _af_transpose(a: Any, axes: Any = None) -> Any:
    return a.transpose(*axes) if axes is not None else a.transpose()


def _af_sum(a: Any, axis: Any = None, **kwargs: Any) -> Any:
    return a.sum(axis=axis)


def _af_trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, **kwargs: Any) -> Any:
    return a._linear(lambda v: np.asarray(np.trace(v, offset, axis1, axis2), dtype=object))


def _af_reshape(a: Any, *args: Any, **kwargs: Any) -> Any:
    shape = kwargs.get("newshape", kwargs.get("shape", args[0] if args else None))
    return a.reshape(shape)


_ARRAY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.einsum: _einsum,
    np.swapaxes: _af_swapaxes,
    np.transpose: _af_transpose,
    np.sum: _af_sum,
    np.trace: _af_trace,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.reshape: _af_reshape,
}


def _is_jet(x: Any) -> bool:
    return isinstance(x, Jet)


class _JetLifting:
    """Arith methods that accept traced values (Jets) beside the arithmetic's own numbers."""

    tape: Tape

    def _j(self, a: Any) -> Any:
        if _is_jet(a):
            return a
        arr = np.asarray(a, dtype=object) if isinstance(a, (list, tuple)) else a
        if isinstance(arr, np.ndarray) and arr.dtype == object and any(
                _is_jet(v) for v in arr.reshape(-1)):
            return self.tape.const(arr)
        return a

    def T(self, a: Any) -> Any:  # noqa: N802
        a = self._j(a)
        if _is_jet(a):
            if a.ndim < 2:
                raise ShapeError(f"transpose needs a matrix, got shape {a.shape}")
            return a.T
        return super().T(a)

    def inner(self, a: Any, b: Any) -> Any:
        a, b = self._j(a), self._j(b)
        if _is_jet(a) or _is_jet(b):
            prod = a * b if _is_jet(a) else b * a
            return prod.sum(axis=(-2, -1))
        return super().inner(a, b)

    def trace(self, a: Any) -> Any:
        a = self._j(a)
        if _is_jet(a):
            return a._linear(lambda v: np.asarray(np.trace(v, axis1=-2, axis2=-1), dtype=object))
        return super().trace(a)

    def vdot(self, a: Any, b: Any) -> Any:
        a, b = self._j(a), self._j(b)
        if _is_jet(a) or _is_jet(b):
            prod = a * b if _is_jet(a) else b * a
            return prod.sum(axis=-1)
        return super().vdot(a, b)

    def sqrt(self, x: Any) -> Any:
        if _is_jet(self._j(x)):
            raise UnsupportedError("sqrt of a state-dependent value: the vector field is not "
                                   "polynomial")
        return super().sqrt(x)

    def inv(self, a: Any) -> Any:
        if _is_jet(self._j(a)):
            raise UnsupportedError("inverse of a state-dependent matrix: the vector field is not "
                                   "polynomial")
        return super().inv(a)

    def finish(self, x: Any) -> Any:
        return self._j(x)

    def finish_array(self, a: Any) -> Any:
        return self._j(a)


class TraceArith(_JetLifting, MpArith):
    """The arithmetic a vector field is traced in: MpArith for data, Jets for state values."""

    name = "mp"

    def __init__(self, dps: int, tape: Tape) -> None:
        MpArith.__init__(self, dps)
        self.tape = tape


class BallTape(Tape):
    """A tape whose numbers are python-flint ``arb`` balls (no fixed point, no shifts).

    Every coefficient is then a rigorous enclosure of the exact Taylor coefficient of the traced
    expression (the inclusion property of ball arithmetic), at the precision python-flint runs
    at when the coefficients are computed (:func:`mfverify.arith.ball.workprec`).
    """

    def __init__(self, prec: int) -> None:
        super().__init__(0, None)
        self.prec = prec

    def lift(self, value: Any) -> Any:
        from ..arith.ball import to_arb, workprec

        with workprec(self.prec):
            return to_arb(value)

    def rs(self, arr: Any) -> np.ndarray:
        return np.asarray(arr, dtype=object)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        from ..arith.ball import ARB

        out = np.empty(shape, dtype=object)
        out.fill(ARB(0))
        return out

    def reciprocal(self, v: Any) -> Any:
        from ..arith.ball import to_arb, workprec

        if isinstance(v, sp.Basic):
            if v == 0:
                raise UnsupportedError("division by zero in the vector field")
            return 1 / v
        with workprec(self.prec):
            b = to_arb(v)
            if b.contains(0):
                raise UnsupportedError("division by a constant not certified nonzero in the "
                                       "vector field")
            return 1 / b


class BallTraceArith(_JetLifting, BallArith):
    """The arithmetic a vector field is traced in for validated flows: balls for data, Jets for
    state values."""

    def __init__(self, tape: BallTape) -> None:
        BallArith.__init__(self, tape.prec)
        self.tape = tape


def trace_ball_field(field: Callable[[Any, Mapping[str, Any]], Mapping[str, Any]],
                     variables: Mapping[str, tuple[int, ...]], prec: int,
                     extra: Mapping[str, Callable[[Any, Mapping[str, Any]], Any]] | None = None,
                     ) -> tuple[Tape, dict[str, Jet], dict[str, Jet], dict[str, Jet]]:
    """:func:`trace_field` on a :class:`BallTape` (data enclosed in balls at ``prec`` bits)."""
    tape = BallTape(prec)
    return _trace(field, variables, tape, BallTraceArith(tape), extra)


def trace_field(field: Callable[[Any, Mapping[str, Any]], Mapping[str, Any]],
                variables: Mapping[str, tuple[int, ...]], P: int,
                extra: Mapping[str, Callable[[Any, Mapping[str, Any]], Any]] | None = None,
                ) -> tuple[Tape, dict[str, Jet], dict[str, Jet], dict[str, Jet]]:
    """Trace ``field(A, x) -> {name: dx/dt}`` (and scalar ``extra`` functions of x).

    Returns the tape, the leaves by variable, the outputs by variable and the extra outputs.
    """
    dps = int(P / 3.32) + 20
    ctx_holder = mpmath.MPContext()
    ctx_holder.dps = dps
    tape = Tape(P, ctx_holder)
    A = TraceArith(dps, tape)
    tape.ctx = A.ctx
    return _trace(field, variables, tape, A, extra)


def _trace(field: Callable[[Any, Mapping[str, Any]], Mapping[str, Any]],
           variables: Mapping[str, tuple[int, ...]], tape: Tape, A: Any,
           extra: Mapping[str, Callable[[Any, Mapping[str, Any]], Any]] | None,
           ) -> tuple[Tape, dict[str, Jet], dict[str, Jet], dict[str, Jet]]:
    leaves = {name: tape.leaf(shape) for name, shape in variables.items()}
    raw = field(A, dict(leaves))
    if not isinstance(raw, Mapping):
        raise UnsupportedError("a vector field must return a dict {variable: derivative}")
    missing = [k for k in variables if k not in raw]
    if missing:
        raise ShapeError(f"the vector field returned no derivative for {missing}")
    outputs: dict[str, Jet] = {}
    for name, shape in variables.items():
        out = tape.const(raw[name])
        if out.shape != tuple(shape):
            raise ShapeError(f"the derivative of {name} has shape {out.shape}, expected {shape}")
        outputs[name] = out
    extras: dict[str, Jet] = {}
    for name, fn in (extra or {}).items():
        val = tape.const(A.finish(fn(A, dict(leaves))))
        if val.shape != ():
            raise ShapeError(f"event/monitor function {name!r} must return a scalar, got shape "
                             f"{val.shape}")
        extras[name] = val
    # keep only the nodes the outputs depend on (rewrites can leave dead intermediate nodes)
    live: set[int] = set()
    stack = [j for j in (*outputs.values(), *extras.values()) if not j.is_const]
    while stack:
        j = stack.pop()
        if id(j) in live:
            continue
        live.add(id(j))
        stack.extend(p for p in j.parents if not p.is_const)
    tape.nodes = [n for n in tape.nodes if id(n) in live or n in tape.leaves]
    return tape, leaves, outputs, extras
