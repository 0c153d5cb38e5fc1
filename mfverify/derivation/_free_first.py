"""The free-algebra prover as the first prover of an identity check.

:func:`try_free_algebra` compares the normal forms of both sides in the free algebra
(:mod:`mfverify.derivation.freealgebra`). Equal normal forms are PROVED for every size
(``scope = "all_sizes"``, ``prover = "free_algebra"``); the sides are then also evaluated
exactly at random and matrix-unit points at the user's sizes, as a cross-check of the
implementation (a difference there would contradict the theorem: the verdict is then
INCONCLUSIVE with a note, never PROVED). A nonzero normal form, or a claim outside the
algebra, is *not* a refutation: the caller goes on with the size bound and the evaluation
scan (:mod:`mfverify.derivation.allsizes`), with a note saying what the free algebra found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .exact import ExactResult, size_grid
from .freealgebra import THEOREM, FreeInput, OutsideFreeAlgebra, prove_identity
from .refute import scan

__all__ = ["try_free_algebra"]


def _inputs(decls: Mapping[str, Any]) -> dict[str, FreeInput]:
    return {name: FreeInput(name, tuple(d.shape), str(d.structure)) for name, d in
            decls.items()}


def try_free_algebra(*, decls: Mapping[str, Any], defs: Any, lhs: tuple[Any, bool],
                     rhs: tuple[Any, bool], flows: Mapping[str, Any],
                     ranges: Mapping[str, Sequence[int]], dims: Sequence[str],
                     specs_at: Callable[..., Any] | None, sides_at: Callable[..., Any],
                     what: str, structure: Mapping[str, str], seed: int
                     ) -> tuple[ExactResult | None, str]:
    """``(result, note)``: a PROVED result for every size, or None and a note for the
    fallback."""
    t0 = time.perf_counter()
    try:
        for c, _ in (lhs, rhs):
            if c.node is None:
                raise OutsideFreeAlgebra(f"a side is a {c.kind}")
        definitions = []
        for name, c in defs.items:
            if c.node is None:
                raise OutsideFreeAlgebra(f"the definition of {name} is not text")
            definitions.append((name, c.node))
        rates = {}
        for name, f in flows.items():
            if f.node is None:
                raise OutsideFreeAlgebra(f"the flow of {name} is not text")
            rates[name] = f.node
        proof = prove_identity(_inputs(decls), definitions, (lhs[0].node, lhs[1]),
                               (rhs[0].node, rhs[1]), rates)
    except OutsideFreeAlgebra as exc:
        return None, (f"free algebra: not applicable ({exc.reason}); checked by the size "
                      "bound and the sizes instead")
    if not proof.equal:
        return None, (f"free algebra: {proof.describe()}; checked by the size bound and the "
                      "sizes instead")
    res = ExactResult("PROVED", what, [], structure=dict(structure),
                      method=("free-algebra normal form: both sides expanded as "
                              "noncommutative polynomials in the inputs and their transposes "
                              "(traces in cyclic normal form), no size expanded"))
    res.scope, res.prover = "all_sizes", "free_algebra"
    res.scope_reason = proof.describe()
    grid = size_grid(ranges) if dims else [{}]
    if specs_at is not None:
        witness, evaluated, notes = scan(grid, specs_at, sides_at, seed=seed)
        res.sizes_evaluated = evaluated
        res.notes.extend(notes)
        if witness is not None:  # pragma: no cover - would contradict the theorem
            res.verdict, res.scope = "INCONCLUSIVE", "sizes_checked"
            res.scope_reason = ""
            res.notes.append(f"internal inconsistency: the free-algebra normal forms agree "
                             f"but the sides differ at {witness.size}; please report")
        elif evaluated:
            res.notes.append("cross-check: both sides agree exactly at random and "
                             "matrix-unit points at the sizes evaluated")
    res.notes.append(f"proved by the {THEOREM.split(' (')[0]} in {proof.seconds:.3g}s")
    res.seconds = time.perf_counter() - t0
    return res, ""
