"""Run claims: time them, catch what they raise, and check the verdicts they return."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from typing import Any

from ..errors import InputError
from .model import Claim, ClaimResult, Outcome, RunContext, Verdict

__all__ = ["run_claim", "run_claims", "summarize"]


def run_claim(c: Claim, ctx: RunContext | None = None) -> ClaimResult:
    """Run one claim. An exception becomes INCONCLUSIVE with ``error`` set (and fails
    ``mfverify check``); it is never turned into a pass."""
    ctx = ctx or RunContext()
    unknown = set(ctx.dropped) - {h.name for h in c.hypotheses}
    if unknown:
        raise InputError(
            f"claim {c.id} has no hypothesis {sorted(unknown)}; it has "
            f"{[h.name for h in c.hypotheses]}"
        )
    t0 = time.perf_counter()
    try:
        out = c.run(ctx)
        if not isinstance(out, Outcome):
            raise TypeError(f"claim {c.id} returned {type(out).__name__}, not Outcome")
        seconds = time.perf_counter() - t0
        evidence = dict(out.evidence)
        evidence.setdefault("profile", ctx.profile)
        evidence["seconds"] = round(seconds, 3)
        return ClaimResult(c, out.verdict, evidence, out.summary, seconds,
                           tuple(sorted(ctx.dropped)))
    except Exception as exc:  # noqa: BLE001 - a claim that errors is reported, not hidden
        seconds = time.perf_counter() - t0
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return ClaimResult(c, Verdict.INCONCLUSIVE, {"profile": ctx.profile}, f"error: {tb}",
                           seconds, tuple(sorted(ctx.dropped)), error=tb)


def _run_in_worker(claim_id: str, ctx: RunContext) -> tuple[Any, ...]:
    from .registry import get_claim

    res = run_claim(get_claim(claim_id), ctx)
    return (res.verdict.value, res.evidence, res.summary, res.seconds, res.dropped, res.error)


def run_claims(
    claims: Iterable[Claim],
    ctx: RunContext | None = None,
    progress: Callable[[Claim, ClaimResult | None], None] | None = None,
    *,
    jobs: int = 1,
    contexts: Mapping[str, RunContext] | None = None,
    executor: Executor | None = None,
) -> list[ClaimResult]:
    """Run claims, in order, optionally on ``jobs`` worker processes (results keep the order).

    ``contexts`` maps a claim id to its own context (e.g. with only that claim's hypotheses
    dropped); other claims use ``ctx``. ``executor``: any :class:`concurrent.futures.Executor`
    (a ``ProcessPoolExecutor``, ``dask.distributed.Client(...).get_executor()``, ...) to run
    the claims on instead of ``jobs`` local processes; it is not shut down. Each task is the
    claim's id and context (the worker looks the claim up in its own catalog), so a claim
    module must be importable on the workers. A task that fails on the executor (a lost
    worker) becomes an errored INCONCLUSIVE result, never a pass.
    """
    claims = list(claims)
    ctx = ctx or RunContext()
    contexts = contexts or {}

    def ctx_for(c: Claim) -> RunContext:
        return contexts.get(c.id, ctx)

    if executor is None and (jobs <= 1 or len(claims) <= 1):
        results = []
        for c in claims:
            if progress:
                progress(c, None)
            res = run_claim(c, ctx_for(c))
            if progress:
                progress(c, res)
            results.append(res)
        return results
    if executor is not None:
        return _run_on(executor, claims, ctx_for, progress)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context(method)) as pool:
        return _run_on(pool, claims, ctx_for, progress)


def _run_on(ex: Executor, claims: list[Claim], ctx_for: Callable[[Claim], RunContext],
            progress: Callable[[Claim, ClaimResult | None], None] | None
            ) -> list[ClaimResult]:
    from concurrent.futures import as_completed

    out: dict[str, ClaimResult] = {}
    futures = {ex.submit(_run_in_worker, c.id, ctx_for(c)): c for c in claims}
    for fut in as_completed(futures):
        c = futures[fut]
        try:
            verdict, evidence, summary, seconds, dropped, error = fut.result()
            res = ClaimResult(c, Verdict(verdict), evidence, summary, seconds,
                              tuple(dropped), error)
        except Exception as exc:  # noqa: BLE001 - a crashed worker is an errored claim
            text = f"{type(exc).__name__}: {exc}"
            res = ClaimResult(c, Verdict.INCONCLUSIVE, {}, f"error: {text}", 0.0,
                              error=text)
        out[c.id] = res
        if progress:
            progress(c, res)
    return [out[c.id] for c in claims]


def summarize(results: Iterable[ClaimResult], *, allow_inconclusive: bool = False
              ) -> dict[str, Any]:
    """Counts per verdict and the departures from the expected verdicts.

    ``failed`` is True when any result departs (:meth:`ClaimResult.departure`): strict by
    default; ``allow_inconclusive`` tolerates a non-errored INCONCLUSIVE.
    """
    results = list(results)
    counts = {v.value: 0 for v in Verdict}
    for r in results:
        counts[r.verdict.value] += 1
    departures = []
    for r in results:
        why = r.departure(allow_inconclusive=allow_inconclusive)
        if why is not None:
            departures.append({"id": r.claim.id, "expected": str(r.claim.expected),
                               "verdict": str(r.verdict), "reason": why})
    return {
        "total": len(results),
        "counts": counts,
        "errors": sum(1 for r in results if r.error),
        "unexpected_refuted": [r.claim.id for r in results
                               if r.verdict is Verdict.REFUTED and not r.dropped
                               and r.claim.expected is not Verdict.REFUTED and not r.error],
        "departures": departures,
        "mode": "allow-inconclusive" if allow_inconclusive else "strict",
        "failed": bool(departures),
    }
