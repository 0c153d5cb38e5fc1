"""Typed errors of mfverify.

Every error a user can provoke with bad input derives from :class:`MfverifyError`. The CLI turns
each of them into a one-line message and exit code :data:`MfverifyError.exit_code` (2), never a
traceback. Each class names *what* was wrong; the message says what was expected.

Hierarchy::

    MfverifyError
    ├── InputError                 bad user input (all subclasses: CLI exit 2)
    │   ├── ShapeError             wrong shape, ragged nested lists, dimension mismatch
    │   ├── SymmetryError          a matrix that must be symmetric is not
    │   ├── NonFiniteError         NaN or infinity in the data
    │   ├── RankError              rank out of range (r < 1, r above the allowed bound)
    │   ├── ExpressionError        text that is not in the safe grammar (hostile or malformed)
    │   ├── NumberError            a number that cannot be parsed exactly
    │   ├── SpecError              a spec file that is malformed (unknown keys, missing keys, ...)
    │   ├── OperatorError          a sensing operator that is malformed
    │   ├── StoreError             a study results store that is corrupt or belongs to another study
    │   ├── ResultFormatError      JSON given to a result's from_json that it did not write
    │   └── LimitError             a request refused up front: it would exceed a size, degree,
    │                              point-count or memory limit (the message says how to raise it)
    ├── UnsupportedError           a request the engine cannot serve for this problem
    └── BudgetExceeded             a time or degree budget ran out (-> INCONCLUSIVE)
"""

from __future__ import annotations

__all__ = [
    "MfverifyError",
    "InputError",
    "ShapeError",
    "SymmetryError",
    "NonFiniteError",
    "RankError",
    "ExpressionError",
    "NumberError",
    "SpecError",
    "OperatorError",
    "LimitError",
    "StoreError",
    "ResultFormatError",
    "UnsupportedError",
    "BudgetExceeded",
    "MsolveOutputError",
]


class MfverifyError(Exception):
    """Base class of every error raised by mfverify on purpose."""

    exit_code: int = 2

    def one_line(self) -> str:
        """The message as one line, prefixed with the error class (what the CLI prints)."""
        text = " ".join(str(self).split())
        return f"{type(self).__name__}: {text}"


class InputError(MfverifyError, ValueError):
    """Bad user input: the message says what was wrong and what was expected."""


class ShapeError(InputError):
    """Wrong shape, ragged nested list, or dimensions that do not fit together."""


class SymmetryError(InputError):
    """A matrix required to be symmetric is not."""


class NonFiniteError(InputError):
    """NaN or infinite value in the data."""


class RankError(InputError):
    """A factorization rank (or a claimed rank) outside its valid range."""


class ExpressionError(InputError):
    """Text outside the safe expression grammar (see :mod:`mfverify.expr`)."""


class NumberError(ExpressionError):
    """A number that cannot be parsed exactly (see :mod:`mfverify.numbers`)."""


class SpecError(InputError):
    """A malformed problem spec (unknown or missing keys, wrong types)."""


class OperatorError(InputError):
    """A malformed sensing operator (sizes, symmetry, number of measurements)."""


class LimitError(InputError):
    """A request refused before any work: its estimated size (terms, entries, points, bytes,
    steps) exceeds a limit. The message names the limit and how to raise it."""


class StoreError(InputError):
    """A study results store that cannot be used: corrupt files, a missing or unreadable
    manifest, or a store written for another study (different content hash)."""


class ResultFormatError(InputError):
    """JSON given to a result's ``from_json`` that is not what its ``to_json`` writes: a
    missing or mistyped key, a value that is not an exact number, another class's result."""


class UnsupportedError(MfverifyError):
    """The request is valid but this engine or problem does not support it."""


class BudgetExceeded(MfverifyError):
    """A computation ran out of its time, degree or memory budget (-> INCONCLUSIVE, exit 1)."""

    exit_code = 1


class MsolveOutputError(MfverifyError):
    """The external msolve solver answered something that does not parse, or that fails the
    exact re-check of :mod:`mfverify.symbolic.zerodim` (its answer is then not used)."""
