"""Budget and memory options shared by the CLI commands (see docs/budgets.md).

``add_budget_argument(parser, command)`` gives a command ``--budget SECONDS`` with the default of
:data:`mfverify.budget.DEFAULT_SECONDS`; every command also has ``--max-memory SIZE`` (added by
:func:`mfverify.cli.build_parser`). :func:`run_limited` runs a command under both: the address
space is capped, and an alarm at ``1.15·budget + 1.5`` s stops a command whose engine did not
stop itself at its budget (a safety net: engines check the budget themselves and report what
they did).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ..budget import DEFAULT_MAX_MEMORY, DEFAULT_SECONDS, Budget, memory_limit, parse_memory
from ..errors import BudgetExceeded

__all__ = ["add_budget_argument", "add_memory_argument", "run_limited", "seconds"]


def seconds(text: str) -> float:
    """argparse type of ``--budget``: a finite positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"--budget must be a finite positive number of seconds, got {text!r}")
    return value


def add_budget_argument(p: argparse.ArgumentParser, command: str) -> None:
    default = DEFAULT_SECONDS[command]
    p.add_argument("--budget", type=seconds, default=default, metavar="SECONDS",
                   help=f"wall-clock budget in seconds (default {default:g}); over budget the "
                   "result is INCONCLUSIVE (exit 1) with what was done")


def _memory(text: str) -> int | None:
    from ..errors import InputError

    try:
        return parse_memory(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_memory_argument(p: argparse.ArgumentParser, *, capped: bool = True) -> None:
    """``--max-memory SIZE``; ``capped=False`` makes ``none`` the default (a command that runs
    only the project's own, individually budgeted code, such as ``check``)."""
    default = DEFAULT_MAX_MEMORY if capped else None
    shown = (f"8G + 128M per CPU = {DEFAULT_MAX_MEMORY / 2**30:.3g}G here" if capped
             else "none: the catalog's claims carry their own budgets")
    p.add_argument("--max-memory", type=_memory, default=default, metavar="SIZE",
                   help=f"cap on the process address space, e.g. 8G, 512M or 'none' (default "
                   f"{shown}); reaching it ends the command with exit 1")


def _gib(nbytes: int) -> str:
    return f"{nbytes / 2**30:.3g} GiB"


def run_limited(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command under its ``--budget`` safety net and ``--max-memory`` cap."""
    budget = getattr(args, "budget", None)
    ok = isinstance(budget, (int, float)) and math.isfinite(budget) and budget > 0
    # an invalid --budget of a command that validates it itself gets no net (its own message)
    net = Budget(1.15 * budget + 1.5 if ok else None, what=args.command)
    cap = getattr(args, "max_memory", DEFAULT_MAX_MEMORY)
    with memory_limit(cap) as effective:
        try:
            with net.alarm():
                return int(run(args))
        except MemoryError:
            limit = "the memory available" if effective is None else \
                f"the memory limit of {_gib(effective)}"
            raise BudgetExceeded(f"{args.command}: ran out of {limit}; use a smaller input or "
                                 "raise it with --max-memory SIZE") from None
