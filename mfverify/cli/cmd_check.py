"""``mfverify check``: run the claims catalog and print a verdict table."""

from __future__ import annotations

import argparse
import os
from contextlib import nullcontext
from pathlib import Path

from ..claims import RunContext, Verdict, run_claims, select, summarize
from ..claims.registry import load_user_module
from ..errors import InputError
from ..inputs import check_output_path
from ..progress import for_claims, terminal_progress
from .common import int_option, print_json, seed_option, table

NAME = "check"
#: No address-space cap by default: forked claim workers inherit RLIMIT_AS, and C libraries
#: (OpenBLAS thread buffers, GMP) can abort rather than raise under it; each claim has its own
#: budget. ``--max-memory SIZE`` still applies a cap on request.
MEMORY_CAPPED = False
HELP = "run the registered claims (the main job) and print their verdicts"
DESCRIPTION = (
    "Run the claims catalog and print each claim's verdict with its evidence. Exit status: 0 "
    "when every claim came out as its expected verdict; 1 when any claim departs from it (an "
    "expected REFUTED misprint that comes back PROVED, an expected PROVED or SUPPORTED that "
    "comes back INCONCLUSIVE or REFUTED, any other changed verdict) or a claim's run raised; "
    "2 on bad input. This strict mode is the default; --allow-inconclusive tolerates "
    "INCONCLUSIVE verdicts (not errors, not changed decisive verdicts). A claim run with "
    "--drop has no expected verdict: only an error fails it.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("selectors", nargs="*", metavar="ID|PAPER",
                   help="claim ids, id prefixes, paper keys or prediction ids (default: all)")
    p.add_argument("--profile", choices=("quick", "full"), default="quick",
                   help="quick (default, < 2 minutes) or full (larger sizes, more instances)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--report", metavar="FILE", help="write a report (.md or .html)")
    p.add_argument("--drop", action="append", default=[], metavar="HYPOTHESIS",
                   help="run with this hypothesis dropped (repeatable)")
    p.add_argument("--claims", action="append", default=[], metavar="MODULE_OR_FILE",
                   help="also load user claims from a Python module or file (repeatable)")
    p.add_argument("--seed", type=seed_option(), default=20211227, help="base random seed")
    p.add_argument("--jobs", type=int_option(1, 256), default=None,
                   help="worker processes (default: number of cores, at most 2)")
    p.add_argument("--allow-inconclusive", action="store_true",
                   help="exit 0 when a claim comes back INCONCLUSIVE instead of its expected "
                        "verdict (default: strict, any departure from the expected verdict "
                        "exits 1; errors and changed decisive verdicts always exit 1)")


def run(args: argparse.Namespace) -> int:
    if args.report and Path(args.report).suffix.lower() not in (".md", ".markdown", ".html",
                                                                 ".htm"):
        raise InputError(f"report file {args.report!r} must end in .md or .html")
    if args.report:
        check_output_path(args.report, "report file")
    for mod in args.claims:
        load_user_module(mod)
    claims = select(args.selectors)
    ctx = RunContext(profile=args.profile, seed=args.seed)
    contexts = {}
    if args.drop:
        kept = []
        for c in claims:
            dropped = frozenset(h for h in args.drop if h in {x.name for x in c.hypotheses})
            if dropped:
                kept.append(c)
                contexts[c.id] = RunContext(args.profile, dropped, args.seed)
        if not kept:
            raise InputError(f"no selected claim has hypothesis {args.drop}")
        claims = kept
    jobs = args.jobs if args.jobs is not None else min(2, os.cpu_count() or 1)
    if jobs < 1:
        raise InputError(f"--jobs must be >= 1, got {jobs}")
    # a tqdm bar (one unit per claim) only on a terminal and never with --json
    with terminal_progress(json=args.json, unit="claim") or nullcontext() as bar:
        results = run_claims(claims, ctx, for_claims(bar, len(claims)), jobs=jobs,
                             contexts=contexts)
    summary = summarize(results, allow_inconclusive=args.allow_inconclusive)
    if args.report:
        from ..claims.report import write_report

        write_report(results, args.report)
    if args.json:
        print_json({"profile": args.profile, "summary": summary,
                    "claims": [r.to_json() for r in results]})
    else:
        rows = []
        for r in results:
            note = "" if r.as_expected else f"(expected {r.claim.expected})"
            if r.as_expected and r.verdict is Verdict.REFUTED:
                note = "expected REFUTED"  # a registered refutation (e.g. a misprint)
            if r.dropped:
                note = f"dropped: {', '.join(r.dropped)}"
            if r.error:
                note = "ERROR"
            elif not r.dropped and r.departure(allow_inconclusive=args.allow_inconclusive):
                note = f"DEPARTS (expected {r.claim.expected})"
            rows.append([r.claim.id, str(r.verdict), f"{r.seconds:.1f}s", note,
                         r.summary[:90]])
        print(table(rows, ["claim", "verdict", "time", "note", "summary"]))
        c = summary["counts"]
        expected_ref = sum(1 for r in results
                           if r.as_expected and r.verdict is Verdict.REFUTED)
        refuted = f"{c['REFUTED']} REFUTED" + (f" ({expected_ref} as expected)"
                                               if expected_ref else "")
        print(f"\n{summary['total']} claims: {c['PROVED']} PROVED, {c['SUPPORTED']} SUPPORTED, "
              f"{refuted}, {c['INCONCLUSIVE']} INCONCLUSIVE; "
              f"{summary['errors']} errored")
        deps = summary["departures"]
        if deps:
            print(f"{len(deps)} claim(s) depart from their expected verdict "
                  f"({summary['mode']} mode): "
                  + "; ".join(f"{d['id']} ({d['reason']})" for d in deps))
        elif not args.allow_inconclusive:
            print("every claim came out as expected (strict mode)")
    return 1 if summary["failed"] else 0
