"""Progress reporting: one callback protocol for Python, a tqdm bar on a terminal, else silence.

Long computations (:func:`mfverify.landscape`, :func:`mfverify.run_study`, the claims catalog
run by :func:`mfverify.run_claims` and ``mfverify check --profile full``, the counterexample
searches) report progress through a ``progress=`` argument. The protocol is a callable taking a
:class:`ProgressEvent`:

>>> from mfverify.progress import ProgressEvent, tracker
>>> seen = []
>>> t = tracker(seen.append, "demo", total=2)
>>> t.step("first stage"); t.step("second stage")
>>> [(e.done, e.total, e.message) for e in seen]
[(1, 2, 'first stage'), (2, 2, 'second stage')]

Engines that had a callback of their own before this protocol keep it (``run_claims`` calls
``progress(claim, result_or_None)``, the counterexample searches ``progress(text)``, the batch
solvers ``progress(done, total)``); :func:`for_claims` and :func:`for_messages` adapt a
:class:`ProgressEvent` callback to them.

On the command line, :func:`terminal_progress` gives a callback that draws a tqdm bar on stderr
**only** when stderr is a terminal and ``--json`` was not given; otherwise it returns ``None``
and nothing is printed. The commands that show a bar are :data:`TERMINAL_COMMANDS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["ProgressEvent", "ProgressCallback", "Tracker", "tracker", "TqdmProgress",
           "terminal_progress", "for_claims", "for_messages", "TERMINAL_COMMANDS"]

#: The commands that draw a progress bar on a terminal (none with ``--json``).
TERMINAL_COMMANDS = ("check", "landscape", "counterexample", "study")


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report.

    Attributes
    ----------
    done
        Units finished so far (stages, claims, cells, messages).
    total
        Units in all, or ``None`` when unknown (a search that runs until its budget).
    desc
        What is running (``"landscape"``, ``"claims"``, ``"study"``, a target name).
    message
        The unit just finished, or the current stage, in words.
    """

    done: int
    total: int | None
    desc: str
    message: str = ""


#: A progress callback: called with each :class:`ProgressEvent`.
ProgressCallback = Callable[[ProgressEvent], None]


class Tracker:
    """The engine side: counts units and forwards events to a callback (or to nothing)."""

    def __init__(self, callback: ProgressCallback | None, desc: str,
                 total: int | None = None) -> None:
        self.callback = callback
        self.desc = desc
        self.total = total
        self.done = 0

    def step(self, message: str = "", n: int = 1) -> None:
        """``n`` more units are done (``message``: which)."""
        self.done += n
        self._send(message)

    def note(self, message: str) -> None:
        """Report ``message`` without counting a unit."""
        self._send(message)

    def _send(self, message: str) -> None:
        if self.callback is not None:
            self.callback(ProgressEvent(self.done, self.total, self.desc, message))


def tracker(callback: ProgressCallback | None, desc: str, total: int | None = None) -> Tracker:
    """A :class:`Tracker` for ``callback`` (``None``: reports go nowhere)."""
    return Tracker(callback, desc, total)


class TqdmProgress:
    """A :data:`ProgressCallback` that draws one tqdm bar on ``stream`` (default stderr).

    The bar is created at the first event (with that event's total; without a total tqdm shows
    a counter), follows ``event.done``, shows ``event.message`` after the bar, and is removed
    when :meth:`close` is called (the CLI does so when the command ends).
    """

    def __init__(self, stream: IO[str] | None = None, *, unit: str = "step") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self._bar: Any = None

    def __call__(self, event: ProgressEvent) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=event.total, desc=event.desc, file=self.stream,
                             unit=self.unit, leave=False, dynamic_ncols=True)
        bar = self._bar
        if event.total is not None and bar.total != event.total:
            bar.total = event.total
        if event.done > bar.n:
            bar.update(event.done - bar.n)
        if event.message:
            bar.set_postfix_str(event.message[:60], refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed stream
        return False


def terminal_progress(*, json: bool = False, quiet: bool = False,
                      stream: IO[str] | None = None, unit: str = "step"
                      ) -> TqdmProgress | None:
    """A tqdm bar callback when ``stream`` (default stderr) is a terminal and neither ``json``
    nor ``quiet`` is set; ``None`` otherwise (then nothing is printed)."""
    stream = stream if stream is not None else sys.stderr
    if json or quiet or not _is_terminal(stream):
        return None
    return TqdmProgress(stream, unit=unit)


def for_claims(callback: ProgressCallback | None, total: int
               ) -> Callable[[Any, Any], None] | None:
    """Adapt ``callback`` to :func:`mfverify.run_claims`'s ``progress(claim, result)``: one
    unit per finished claim, the message ``"<claim id>: <verdict>"``."""
    if callback is None:
        return None
    t = tracker(callback, "claims", total)

    def on_claim(claim: Any, result: Any) -> None:
        if result is not None:
            t.step(f"{claim.id}: {result.verdict}")

    return on_claim


def for_messages(callback: ProgressCallback | None, desc: str
                 ) -> Callable[[str], None] | None:
    """Adapt ``callback`` to the text callbacks of the counterexample searches: each message
    is one unit of an open-ended count (``total=None``)."""
    if callback is None:
        return None
    t = tracker(callback, desc, None)
    return t.step
