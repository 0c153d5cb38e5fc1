"""``mfverify cite CLAIM_ID``: print the BibTeX of a claim's sources."""

from __future__ import annotations

import argparse

from ..claims import get_claim
from ..claims.citations import bibtex
from ..claims.registry import load_user_module
from .common import print_json

NAME = "cite"
HELP = "print the BibTeX entries of a claim's sources"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("claim_ids", nargs="+", metavar="CLAIM_ID")
    p.add_argument("--json", action="store_true",
                   help="print the citations (key, locator, provenance, bibtex) as JSON")
    p.add_argument("--claims", action="append", default=[], metavar="MODULE_OR_FILE")


def run(args: argparse.Namespace) -> int:
    for mod in args.claims:
        load_user_module(mod)
    claims = [get_claim(cid) for cid in args.claim_ids]
    if args.json:
        print_json({"claims": [{
            "id": c.id, "provenance": None if c.provenance is None else str(c.provenance),
            "cites": [dict(x.to_json(), bibtex=bibtex(x.key)) for x in c.cites]}
            for c in claims]})
        return 0
    keys: list[str] = []
    for c in claims:
        prov = "not stated" if c.provenance is None else f"{c.provenance} ({c.provenance.message})"
        print(f"% {c.id}: {c.citation_text or c.source}")
        print(f"% provenance: {prov}")
        keys.extend(x.key for x in c.cites if x.key not in keys)
    if not keys:
        print("% no structured citation (a user claim without cites=)")
    for k in keys:
        print()
        print(bibtex(k))
    return 0
