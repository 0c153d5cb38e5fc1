"""The ``mfverify`` command line.

Public: only :func:`main` (the command in-process, docs/api.md); the ``cmd_*`` modules are
implementation and may change without deprecation.

Each subcommand lives in its own module ``mfverify/cli/cmd_<name>.py`` defining ``NAME``,
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``; modules are discovered
automatically, so adding a command touches no shared file.

Exit codes (the contract, with the error classes behind each and examples, is documented in one
place: ``docs/cli.md``): 0 success; 1 a verdict that fails (REFUTED unexpectedly, INCONCLUSIVE
where a decision was asked for, an errored claim); 2 bad input (one-line message on stderr, no
traceback); 3 internal error (one line; set ``MFVERIFY_DEBUG=1`` for the traceback). An exit 3
is always a bug of mfverify, whatever the input: ``tests/test_hostile_inputs.py`` runs the
hostile inputs that once produced one.

Warnings: a numeric warning that escapes an engine (NumPy's ``RuntimeWarning`` on overflow, say)
is not printed with its source line; it is recorded and summarized in one ``mfverify: note:``
line after the run. Engines turn the warnings they expect into typed errors or result notes, so
a normal run prints none (the hostile-input tests check that stderr has no warning text).

Every command runs under ``--max-memory`` and, where it has one, its ``--budget``
(:mod:`mfverify.cli.limits`, docs/budgets.md).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import MfverifyError
from .limits import add_memory_argument, run_limited

__all__ = ["main", "build_parser"]


def _command_modules() -> list[object]:
    mods = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return mods


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``mfverify: error: ...`` and exit 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"mfverify: error: {text} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mfverify",
        description="Verify theorem conditions, generate counterexamples and check hand "
        "derivations for low-rank matrix factorization landscapes.",
    )
    parser.add_argument("--version", action="version", version=f"mfverify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in _command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION",
                                                                          mod.HELP))
        mod.add_arguments(p)
        add_memory_argument(p, capped=getattr(mod, "MEMORY_CAPPED", True))
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    from .common import OutOfRange

    for dest, value in vars(args).items():
        if isinstance(value, OutOfRange):
            print(f"mfverify: error: {value.message('--' + dest.replace('_', '-'))} (see "
                  f"`mfverify {args.command} --help`)", file=sys.stderr)
            return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            try:
                return run_limited(args._run, args)
            finally:
                _note_warnings(caught)
    except MfverifyError as exc:
        print(f"mfverify: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mfverify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
        if os.environ.get("MFVERIFY_DEBUG"):
            raise
        text = " ".join(str(exc).split())
        print(f"mfverify: internal error: {type(exc).__name__}: {text} "
              "(set MFVERIFY_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3


def _note_warnings(caught: list[warnings.WarningMessage]) -> None:
    """One line on stderr summarizing warnings that escaped the engines (never their source)."""
    seen: dict[str, int] = {}
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue  # for developers (run with -W to see them)
        key = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
        seen[key] = seen.get(key, 0) + 1
    if seen:
        items = [f"{k}" + (f" (x{n})" if n > 1 else "") for k, n in list(seen.items())[:3]]
        more = f"; and {len(seen) - 3} more" if len(seen) > 3 else ""
        print(f"mfverify: note: numeric warning(s) during the run: {'; '.join(items)}{more}",
              file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
