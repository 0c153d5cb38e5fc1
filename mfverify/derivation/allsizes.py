"""From a size bound to a verdict for every size (the decision procedure of the exact mode).

1. :mod:`mfverify.derivation.sizebound` bounds, from the index structure of both sides, the
   sizes B_d..B_d+L_d at which exact zero implies zero at every size (or says why the claim is
   outside the fragment of that theorem).
2. **Refute before expanding** (:mod:`mfverify.derivation.refute`): both sides are evaluated
   exactly at small rational points at every size up to the bound (and through the user's
   range, which is a minimum, not a cap, unless ``only_sizes``), smallest first. A difference
   is an exact REFUTED witness at the smallest size where one was found.
3. Where the caller gives one, a prover that expands no size (the free algebra of
   :mod:`mfverify.derivation.freealgebra`, for identities between declared inputs): equal
   normal forms are PROVED for every size; otherwise it is not a refutation and step 4 decides.
4. Only then the symbolic check (:func:`mfverify.derivation.exact.decide`) at the user's sizes
   and at the bound's: exact zero at the bound's sizes is PROVED for **every size**
   (``scope = "all_sizes"``); outside the fragment, or when the bound's sizes are beyond the
   expansion's reach, the verdict covers the sizes checked (``scope = "sizes_checked"``) and
   says why no all-sizes statement is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import BudgetExceeded
from .exact import MAX_SIZE, ExactResult, exact_strings, size_grid, size_label
from .refute import SCAN_SECONDS, InputSpec, Witness, scan
from .sizebound import THEOREM, OutsideFragment, SizeBound, proof_grid

__all__ = ["decide_all_sizes", "legacy_checker", "SCAN_MAX", "COST_LIMIT"]

#: Largest size of a dimension the evaluation scan visits (evaluation at a point is cheap).
SCAN_MAX = 12
#: Largest Π_d N_d^{K_d} (index assignments of one term at a proof size) expanded symbolically
#: to prove: beyond it the expansion is too large for memory and time (Ye & Du's eq. (12)
#: needs d = 7: 7⁷ ≈ 8·10⁵ assignments, gigabytes of polynomials).
COST_LIMIT = 200_000


class _Legacy:
    """Switch to the checker as it was before the size bound (symbolic expansion at every
    size of the range, smallest first; no bound, no evaluation scan). For benchmarks only
    (``benchmarks/bench_derivation_sizes.py`` compares the two in one run)."""

    on = False

    def __enter__(self) -> None:
        type(self).on = True

    def __exit__(self, *exc: object) -> None:
        type(self).on = False


legacy_checker = _Legacy


def _cost(bound: SizeBound, size: Mapping[str, int]) -> int:
    out = 1
    for d, k in bound.K.items():
        out *= size.get(d, 1) ** k
    return out


def _scan_grid(ranges: Mapping[str, Sequence[int]], bound: SizeBound | None,
               only_sizes: bool) -> list[dict[str, int]]:
    if only_sizes or bound is None:
        return size_grid(ranges)
    full = {}
    for d, vals in ranges.items():
        top = min(SCAN_MAX, max(max(vals), bound.top(d)))
        full[d] = sorted(set(vals) | set(range(1, top + 1)))
    return size_grid(full)


def _witness_json(w: Witness, label: str, identity: bool) -> dict[str, Any]:
    entry = (f"{label}[{', '.join(str(i) for i in w.index)}]" if w.index else
             "LHS - RHS" if identity else label)
    a, b = ("lhs", "rhs") if identity else ("claimed", "true")
    return {
        "size": dict(w.size),
        "point": {k: exact_strings(v) if hasattr(v, "shape") else str(v)
                  for k, v in w.point.items()},
        "entry": entry,
        a: str(w.claimed),
        b: str(w.true),
        "difference": str(w.claimed - w.true),
        "rechecked": f"both sides evaluated exactly in rational arithmetic at this "
                     f"{w.how.replace('random ', '')} (python-flint)",
    }


def decide_all_sizes(*, dims: Sequence[str], ranges: Mapping[str, Sequence[int]],
                     only_sizes: bool, bound: SizeBound | OutsideFragment,
                     valid: Callable[[dict[str, int]], bool] | None,
                     specs_at: Callable[[dict[str, int]], Sequence[InputSpec]] | None,
                     sides_at: Callable[[dict[str, int], dict[str, Any]], tuple[Any, Any]]
                     | None,
                     symbolic: Callable[[list[dict[str, int]]], ExactResult],
                     what: str, label: str, structure: Mapping[str, str], identity: bool,
                     seed: int = 0, screen_at: Any = None, budget: Any = None,
                     free: Callable[[], tuple[ExactResult | None, str]] | None = None
                     ) -> ExactResult:
    """The verdict with its scope (see the module docstring). ``budget`` (a
    :class:`mfverify.budget.Budget`) also bounds the evaluation scan: at most half of what
    remains of it (and at most :data:`mfverify.derivation.refute.SCAN_SECONDS`). ``free``,
    when given, is a prover tried after the scan found nothing and before the symbolic
    check (the free algebra, :mod:`mfverify.derivation._free_first`): ``(result, note)``, a
    result PROVED for every size or None and a note for the fallback."""
    t0 = time.perf_counter()
    if _Legacy.on:
        res = symbolic(size_grid(ranges) if dims else [{}])
        res.scope_reason = "legacy checker (benchmarks): the sizes of the range only"
        return res
    sb = bound if isinstance(bound, SizeBound) else None
    reason = None if sb is not None else getattr(bound, "reason", str(bound))
    user = size_grid(ranges)
    proof: list[dict[str, int]] = []
    if sb is not None:
        proof = proof_grid(sb, valid)
        tops = {d: max(s[d] for s in proof) for d in dims}
        if any(v > MAX_SIZE for v in tops.values()):
            reason = (f"the size bound needs {size_label(tops)}, beyond the exact expansion's "
                      f"limit of {MAX_SIZE} per dimension")
            proof = []
        elif max(_cost(sb, s) for s in proof) > COST_LIMIT:
            reason = (f"the size bound needs {size_label(tops)}, where the symbolic expansion "
                      f"is too large (about {max(_cost(sb, s) for s in proof):.2g} index "
                      f"assignments per term, limit {COST_LIMIT:.0e})")
            proof = []
        elif only_sizes and not all(s in user for s in proof):
            reason = (f"only the sizes given were checked (--only-sizes); the size bound needs "
                      f"{'; '.join(size_label(s) for s in proof)}")
            proof = []
    notes: list[str] = []
    evaluated: list[dict[str, int]] = []
    witness = None
    scan_grid = _scan_grid(ranges, sb, only_sizes)
    scanned = False
    if specs_at is not None and sides_at is not None:
        remaining = budget.remaining() if budget is not None else None
        limit = SCAN_SECONDS if remaining is None else max(0.0, min(SCAN_SECONDS,
                                                                    remaining / 2))
        witness, evaluated, scan_notes = scan(scan_grid, specs_at, sides_at, seed=seed,
                                              screen_at=screen_at, time_budget=limit)
        notes.extend(scan_notes)
        scanned = not scan_notes
    if witness is None and free is not None:
        try:
            if budget is not None:
                with budget.alarm("the free-algebra normal form"):
                    proved, note = free()
            else:
                proved, note = free()
        except BudgetExceeded as exc:
            proved, note = None, f"free algebra: stopped ({exc})"
        if proved is not None:
            proved.notes = notes + proved.notes
            proved.sizes_evaluated = evaluated
            if sb is not None:  # for the record: what a sized proof would need
                proved.size_bound = sb.to_json()
            proved.seconds = time.perf_counter() - t0
            return proved
        notes.append(note)
    if witness is not None:
        res = _from_witness(witness, symbolic, sb, what, label, structure, identity, evaluated)
    else:
        wanted = user + proof
        if not scanned and sb is not None:
            # no evaluation pass: the symbolic check looks for the smallest failing size itself
            wanted += [s for s in scan_grid if max(s.values(), default=1) <= MAX_SIZE
                       and _cost(sb, s) <= COST_LIMIT]
        grid = [s for s in size_grid({d: sorted({s[d] for s in wanted}) for d in dims})
                if s in wanted] if dims else user
        res = symbolic(grid)
    res.notes = notes + [n for n in res.notes if n not in notes]
    res.sizes_evaluated = evaluated
    if sb is not None:
        res.size_bound = sb.to_json()
    proved_all = (res.verdict == "PROVED" and sb is not None and bool(proof)
                  and all(s in res.sizes_checked for s in proof))
    if proved_all:
        res.scope, res.prover = "all_sizes", "size_bound"
        res.scope_reason = (f"{THEOREM}; the bound: "
                            + "; ".join(sb.reason(d) for d in dims)  # type: ignore[union-attr]
                            + f"; exact zero at {'; '.join(size_label(s) for s in proof)}")
    else:
        res.scope = "sizes_checked"
        if res.verdict == "REFUTED":
            res.scope_reason = "a counterexample refutes the claim"
        elif not dims:
            res.scope_reason = reason or "the problem kind has no size family"
        else:
            res.scope_reason = reason or "the sizes of the bound were not all decided"
    res.seconds = time.perf_counter() - t0
    return res


def _from_witness(w: Witness, symbolic: Callable[[list[dict[str, int]]], ExactResult],
                  sb: SizeBound | None, what: str, label: str, structure: Mapping[str, str],
                  identity: bool, evaluated: list[dict[str, int]]) -> ExactResult:
    """A REFUTED result from an evaluation witness; where the size is small enough the
    symbolic check there supplies the simplest counterexample and the diagnosis, and where the
    smaller sizes are small enough too (in the fragment) it decides them first, so that the
    size reported is *proved* the smallest failing one."""
    cheap = all(v <= MAX_SIZE for v in w.size.values()) and (
        sb is None or _cost(sb, w.size) <= COST_LIMIT)
    if cheap:
        below = [s for s in evaluated if s != w.size]
        minimal = sb is not None and all(_cost(sb, s) <= COST_LIMIT for s in below)
        try:
            res = symbolic(below + [dict(w.size)] if minimal else [dict(w.size)])
        except OutsideFragment:  # pragma: no cover - defensive
            res = None
        if res is not None and res.verdict == "REFUTED":
            res.notes.append(_found_note(w, minimal))
            return res
        if res is not None and res.verdict == "PROVED" and dict(w.size) in res.sizes_checked:
            # two exact computations disagree: one of them is wrong, so neither is reported
            out = ExactResult("INCONCLUSIVE", what, [dict(w.size)],
                              counterexample=_witness_json(w, label, identity),
                              structure=dict(structure),
                              method="exact evaluation at rational points and the symbolic "
                                     "expansion, which disagree")
            out.notes.append(f"internal disagreement at {size_label(w.size)}: exact evaluation "
                             "found a nonzero difference, the symbolic expansion found none "
                             "(a defect of mfverify: please report it with this claim)")
            return out
    res = ExactResult("REFUTED", what, [dict(w.size)],
                      counterexample=_witness_json(w, label, identity),
                      structure=dict(structure),
                      method="exact evaluation of both sides at rational points "
                             "(python-flint), no symbolic expansion")
    res.notes.append(_found_note(w))
    if not cheap:
        res.notes.append("no diagnosis: the symbolic expansion at this size is too large")
    return res


def _found_note(w: Witness, minimal: bool = False) -> str:
    below = ("the smaller sizes were decided equal symbolically (sizes_checked), so this is "
             "the smallest failing size" if minimal else
             "smaller sizes passed the evaluations (which alone prove nothing)")
    return (f"found by exact evaluation at a {w.how} after {w.evaluations} evaluation(s) in "
            f"{w.seconds:.3g}s; {below}")
