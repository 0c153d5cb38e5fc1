"""The free-algebra prover as the first prover of an identity check.

:func:`try_free_algebra` compares the normal forms of both sides in the free algebra
(:mod:`mfverify.derivation.freealgebra`). Equal normal forms are PROVED for every size
(``scope = "all_sizes"``, ``prover = "free_algebra"``). It runs after the evaluation scan
(refute before expanding: a false identity is refuted at points in milliseconds, before any
expansion) and before the symbolic check at the sizes of the size bound
(:func:`mfverify.derivation.allsizes.decide_all_sizes`, its ``free`` argument). A nonzero
normal form, or a claim outside the algebra, is *not* a refutation: the size bound and the
symbolic check decide, with a note saying what the free algebra found.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .exact import ExactResult
from .freealgebra import THEOREM, FreeInput, OutsideFreeAlgebra, prove_identity

__all__ = ["try_free_algebra"]


def _inputs(decls: Mapping[str, Any]) -> dict[str, FreeInput]:
    return {name: FreeInput(name, tuple(d.shape), str(d.structure)) for name, d in
            decls.items()}


def try_free_algebra(*, decls: Mapping[str, Any], defs: Any, lhs: tuple[Any, bool],
                     rhs: tuple[Any, bool], flows: Mapping[str, Any], what: str,
                     structure: Mapping[str, str]) -> tuple[ExactResult | None, str]:
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
    res.notes.append(f"proved by the {THEOREM.split(' (')[0]} in {proof.seconds:.3g}s")
    res.seconds = time.perf_counter() - t0
    return res, ""
