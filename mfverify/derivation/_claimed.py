"""A claimed formula from text, a SymPy expression or a Python callable, made evaluable.

* **text** is parsed once by the safe grammar of :mod:`mfverify.expr` (no ``eval``; ``*`` between
  matrices is the matrix product, ``.T`` the transpose, ``trace``, ``norm``, ``inner``, ``inv``,
  ``sqrt``, ``@``, ``I``/``eye(n)``);
* a **SymPy** expression may use ``MatrixSymbol`` objects named like the inputs (their
  dimensions may be symbols named like the size dimensions, e.g. ``n`` and ``r``) and plain
  symbols for scalar inputs; it is made explicit at each size;
* a **callable** receives the inputs it names as keyword arguments (object arrays of SymPy in
  the exact mode, float arrays in the numeric mode), e.g. ``lambda X, M: (X @ X.T - M) @ X``.

Definitions (``"P = Sigma - A*A.T + B*B.T"``) are parsed the same way and evaluated in order.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ExpressionError, InputError
from ..expr import evaluate, free_names, parse_assignment, parse_expression, to_text

__all__ = ["Claimed", "as_claimed", "Definitions", "parse_definitions", "split_direction"]

_IN_RE = re.compile(r"^(?P<expr>.*\S)\s+in\s+(?P<names>[A-Za-z]\w*(?:\s*,\s*[A-Za-z]\w*)*)\s*$",
                    re.S)


def split_direction(text: str) -> tuple[str, list[str]]:
    """``"EXPR in D"`` -> (``"EXPR"``, ``["D"]``); ``"EXPR in DU, DV"`` -> two names."""
    if not isinstance(text, str):
        raise InputError("a Hessian / HVP claim given as text must read 'EXPR in D'")
    m = _IN_RE.match(text.strip())
    if not m:
        raise InputError(f"{text[:60]!r}: a Hessian / HVP claim must end with 'in D', naming "
                         "the direction (e.g. \"inner(X*X.T - M, D*D.T) + ... in D\")")
    names = [n.strip() for n in m.group("names").split(",")]
    if len(set(names)) != len(names):
        raise InputError(f"direction names {names} repeat")
    return m.group("expr"), names


@dataclass
class Claimed:
    """A claimed formula: ``claimed(env, A, size)`` evaluates it; ``text`` displays it."""

    text: str
    fn: Callable[[Mapping[str, Any], Any, Mapping[str, int]], Any]
    kind: str  # "text" | "sympy" | "callable"
    numeric_ok: bool = True
    #: The syntax tree of a text claim (None otherwise): its index structure gives the size
    #: bound of :mod:`mfverify.derivation.sizebound`.
    node: Any = None

    def __call__(self, env: Mapping[str, Any], A: Any, size: Mapping[str, int] | None = None
                 ) -> Any:
        return self.fn(env, A, size or {})


def _from_text(text: str, names: Iterable[str]) -> Claimed:
    allowed = sorted(set(names))
    node = parse_expression(text, names=allowed)

    def fn(env: Mapping[str, Any], A: Any, size: Mapping[str, int]) -> Any:
        return evaluate(node, {k: env[k] for k in free_names(node)}, A)

    return Claimed(to_text(node), fn, "text", node=node)


def _from_callable(func: Callable[..., Any]) -> Claimed:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        sig = None
    takes_all = sig is None or any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    wanted = [] if sig is None else [p.name for p in sig.parameters.values()
                                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def fn(env: Mapping[str, Any], A: Any, size: Mapping[str, int]) -> Any:
        if takes_all:
            return func(**env)
        missing = [w for w in wanted if w not in env]
        if missing:
            raise InputError(f"the callable asks for {missing}, which are not inputs; the "
                             f"inputs are {sorted(env)}")
        return func(**{w: env[w] for w in wanted})

    name = getattr(func, "__name__", "callable")
    return Claimed(f"<callable {name}>", fn, "callable")


def _from_sympy(expr: sp.Basic) -> Claimed:
    def fn(env: Mapping[str, Any], A: Any, size: Mapping[str, int]) -> Any:
        e = expr
        dims = {s: sp.Integer(v) for s in e.atoms(sp.Symbol)
                for k, v in size.items() if s.name == k}
        if dims:
            e = e.subs(dims)
        repl: dict[Any, Any] = {}
        for atom in e.atoms(sp.MatrixSymbol):
            if atom.name not in env:
                raise InputError(f"MatrixSymbol {atom.name!r} is not an input; the inputs are "
                                 f"{sorted(env)}")
            val = np.asarray(env[atom.name], dtype=object)
            if val.ndim != 2 or tuple(val.shape) != tuple(int(d) for d in atom.shape):
                raise InputError(f"MatrixSymbol {atom.name} has shape {atom.shape} but the "
                                 f"input has shape {val.shape}")
            repl[atom] = sp.ImmutableMatrix(val.tolist())
        for sym in e.atoms(sp.Symbol):
            if sym.name in env and sym.name not in size:
                val = env[sym.name]
                if isinstance(val, np.ndarray):
                    if val.ndim:
                        raise InputError(f"{sym.name} is a matrix input; use a MatrixSymbol")
                    val = val[()]
                repl[sym] = val
        out = e.xreplace(repl)
        if hasattr(out, "doit"):
            out = out.doit()
        if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase):
            out = out.as_explicit()
        if isinstance(out, sp.MatrixBase):
            return np.array(out.tolist(), dtype=object)
        return out

    return Claimed(str(expr), fn, "sympy", numeric_ok=False)


def as_claimed(claim: Any, names: Iterable[str]) -> Claimed:
    """Normalize a claim (text, SymPy, callable or :class:`Claimed`) with allowed ``names``."""
    if isinstance(claim, Claimed):
        return claim
    if isinstance(claim, str):
        return _from_text(claim, names)
    if isinstance(claim, (sp.Basic, sp.MatrixBase)):
        return _from_sympy(claim)
    if callable(claim):
        return _from_callable(claim)
    raise InputError(f"a claim must be text, a SymPy expression or a callable, got "
                     f"{type(claim).__name__}")


@dataclass
class Definitions:
    """Ordered definitions ``NAME = expression`` evaluated on top of the inputs."""

    items: list[tuple[str, Claimed]]

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.items]

    def extend(self, env: Mapping[str, Any], A: Any, size: Mapping[str, int] | None = None
               ) -> dict[str, Any]:
        out = dict(env)
        for name, c in self.items:
            out[name] = c(out, A, size)
        return out


def parse_definitions(where: Sequence[Any] | Mapping[str, Any] | None, names: Iterable[str]
                      ) -> Definitions:
    """Definitions from ``["P = ...", ...]``, ``[("P", claim), ...]`` or ``{"P": claim}``.

    Each definition may use the inputs and the names defined before it; redefining an input
    is an error.
    """
    known = set(names)
    items: list[tuple[str, Claimed]] = []
    if where is None:
        return Definitions(items)
    pairs: list[tuple[str | None, Any]]
    if isinstance(where, Mapping):
        pairs = list(where.items())
    elif isinstance(where, str):
        pairs = [(None, where)]
    else:
        pairs = []
        for w in where:
            if isinstance(w, tuple) and len(w) == 2:
                pairs.append((w[0], w[1]))
            else:
                pairs.append((None, w))
    for name, value in pairs:
        if name is None:
            if not isinstance(value, str):
                raise InputError(f"a definition must be text 'NAME = expression', got {value!r}")
            name, node = parse_assignment(value, names=sorted(known))
            c = Claimed(to_text(node), _node_fn(node), "text", node=node)
        else:
            if not isinstance(name, str) or not re.match(r"^[A-Za-z]\w*$", name):
                raise InputError(f"cannot define {name!r}: expected a plain name")
            c = as_claimed(value, known)
        if name in known:
            raise ExpressionError(f"{name!r} is already an input or defined; pick a new name")
        items.append((name, c))
        known.add(name)
    return Definitions(items)


def _node_fn(node: Any) -> Callable[[Mapping[str, Any], Any, Mapping[str, int]], Any]:
    def fn(env: Mapping[str, Any], A: Any, size: Mapping[str, int]) -> Any:
        return evaluate(node, {k: env[k] for k in free_names(node)}, A)

    return fn

