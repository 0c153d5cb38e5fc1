"""``mfverify list``: show the claims catalog."""

from __future__ import annotations

import argparse

from ..claims import select
from ..claims.registry import load_user_module
from .common import print_json, table

NAME = "list"
HELP = "list the claims catalog"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("selectors", nargs="*", metavar="ID|PAPER")
    p.add_argument("--json", action="store_true")
    p.add_argument("--claims", action="append", default=[], metavar="MODULE_OR_FILE")


def run(args: argparse.Namespace) -> int:
    for mod in args.claims:
        load_user_module(mod)
    claims = select(args.selectors)
    if args.json:
        print_json({"claims": [{"id": c.id, "paper": c.paper, "source": c.source,
                                "cites": [x.to_json() for x in c.cites],
                                "provenance": (None if c.provenance is None
                                               else str(c.provenance)),
                                "statement": c.statement, "expected": str(c.expected),
                                "predictions": list(c.predictions),
                                "hypotheses": [h.name for h in c.hypotheses]} for c in claims]})
        return 0
    rows = [[c.id, (c.citation_text or c.source)[:60],
             "" if c.provenance is None else str(c.provenance), ",".join(c.predictions),
             str(c.expected), ",".join(h.name for h in c.hypotheses)] for c in claims]
    print(table(rows, ["claim", "citation", "provenance", "predictions", "expected",
                       "hypotheses"]))
    print(f"\n{len(claims)} claims; provenance levels: stated, reconstructed, derived, "
          "numerical (docs/claims.md); BibTeX: mfverify cite CLAIM_ID")
    return 0
