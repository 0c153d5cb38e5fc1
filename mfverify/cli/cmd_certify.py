"""``mfverify certify FILE``: re-check a counterexample certificate independently."""

from __future__ import annotations

import argparse

from ..certify import check_certificate
from ..certify.files import inertia_text
from .common import print_json
from .limits import add_budget_argument

NAME = "certify"
HELP = "re-check a certificate file from scratch and print PROVED or why it fails"
DESCRIPTION = (
    "Re-check a JSON certificate written by `mfverify counterexample --out FILE` (or by hand). "
    "Everything is recomputed from the problem spec and the stated point or box: the gradient "
    "and Hessian are re-derived with SymPy, stationarity is proved exactly or by a Krawczyk "
    "test in ball arithmetic, Hessian inertia exactly (Descartes) or by a certified Gershgorin "
    "test. Exit 0: PROVED; 1: rejected, or INCONCLUSIVE when --budget ran out (the reason is "
    "printed); 2: unreadable or malformed file."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="certificate file (JSON)")
    p.add_argument("--json", action="store_true", help="print the re-check as JSON")
    add_budget_argument(p, NAME)


def run(args: argparse.Namespace) -> int:
    result = check_certificate(args.file, budget=args.budget)
    if args.json:
        print_json(result.to_json())
        return 0 if result.proved else 1
    for k, d in enumerate(result.details):
        status = "ok" if d.get("ok") else "not checked" if d.get("budget") else "FAILED"
        print(f"claim {k}: {d['type']}: {status}")
        for key in ("stationarity", "hessian_inertia", "value", "value_lower_bound",
                    "witness_value", "curvature", "curvature_enclosure", "least_eigenvalue",
                    "delta", "scaled_delta", "rank", "S_inertia", "better_value",
                    "vector_field", "conclusion"):
            if key in d and key.endswith("inertia"):  # one labelled convention, as landscape
                print(f"    {key} {inertia_text(d[key])}")
            elif key in d:
                print(f"    {key}: {d[key]}")
    if result.proved:
        print("PROVED")
        return 0
    for reason in result.reasons:
        print(f"{result.verdict}: {reason}")
    return 1
