"""``mfverify counterexample CLAIM_ID --drop HYPOTHESIS``: search, shrink and certify."""

from __future__ import annotations

import argparse
from contextlib import nullcontext

from ..errors import InputError
from ..inputs import check_output_path
from ..progress import for_messages, terminal_progress
from .common import print_json, seed_option

NAME = "counterexample"
HELP = "find a certified counterexample for a claim with a hypothesis dropped"
DESCRIPTION = (
    "Search for an instance that breaks CLAIM_ID once HYPOTHESIS is dropped, shrink it to simple "
    "numbers, write a certificate and re-check it independently (as `mfverify certify` does). "
    "On a terminal a progress bar goes to stderr (not with --json or --quiet). Exit 0: a "
    "certified counterexample; 1: none within the budget (INCONCLUSIVE, the best candidate is "
    "printed); 2: bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("claim", metavar="CLAIM_ID", help="claim id, e.g. related.zsl-rip-threshold")
    p.add_argument("--drop", required=True, metavar="HYPOTHESIS",
                   help="the hypothesis to drop, e.g. rip-below-half")
    p.add_argument("--budget", type=float, default=120.0, metavar="SECONDS",
                   help="wall-clock budget of the search (default 120)")
    p.add_argument("--out", metavar="FILE", help="write the certificate to FILE (JSON)")
    p.add_argument("--seed", type=seed_option(), default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace) -> int:
    from ..counterexample import CLAIM_TARGETS, run_target

    ids = sorted({c for c, _ in CLAIM_TARGETS})
    if args.claim not in ids:
        raise InputError(f"no counterexample search is registered for claim {args.claim!r}; "
                         f"expected one of {ids}")
    drops = sorted(h for c, h in CLAIM_TARGETS if c == args.claim)
    if args.drop not in drops:
        raise InputError(f"claim {args.claim} has no droppable hypothesis {args.drop!r}; "
                         f"expected one of {drops}")
    if not args.budget > 0 or args.budget > 86400:
        raise InputError(f"--budget must be a positive number of seconds (<= 86400), got "
                         f"{args.budget}")
    if args.out:
        check_output_path(args.out, "--out")
    target = CLAIM_TARGETS[(args.claim, args.drop)]

    # a bar with the search's messages on a terminal only (never with --json or --quiet)
    with terminal_progress(json=args.json, quiet=args.quiet, unit="msg") or nullcontext() as bar:
        result = run_target(target, budget=args.budget, seed=args.seed,
                            progress=for_messages(bar, target))
    written: list[str] = []
    if args.out and result.certificate is not None and result.certified:
        try:
            written = result.write(args.out)
        except OSError as exc:
            raise InputError(f"cannot write the certificate to {args.out!r}: "
                             f"{exc.strerror or exc}") from exc
    if args.json:
        out = result.to_json()
        out["written"] = written
        print_json(out)
    else:
        print(f"{args.claim} without {args.drop}: {result.status}")
        if result.summary:
            print(f"  {result.summary}")
        if result.reason:
            print(f"  reason: {result.reason}")
        if not result.certified and result.best is not None:
            best = {k: v for k, v in result.best.items() if k in ("violation", "x", "f",
                                                                   "lambda_min", "theta")}
            print(f"  best candidate: {best}")
        for path in written:
            print(f"  certificate written to {path} (re-check: mfverify certify {path})")
    return 0 if result.certified else 1
