"""Budgets: time, size and memory limits shared by every engine.

A :class:`Budget` is a wall-clock allowance (seconds, ``None`` for unlimited) with an optional
degree limit. Engines use it in two ways:

* **cooperative checks** between steps, ``budget.check("what")``, which raise
  :class:`~mfverify.errors.BudgetExceeded` once the deadline has passed, so that the engine can
  return an INCONCLUSIVE result with what it has done so far;
* an **alarm**, ``with budget.alarm(): ...``, which interrupts a long pure-Python computation (a
  SymPy expansion, an exact matrix power) at the deadline by raising ``BudgetExceeded`` from a
  ``SIGALRM`` handler. Alarms nest: the earliest active deadline is armed, and leaving an inner
  alarm re-arms the outer one. An expired alarm fires again every :data:`REPEAT_SECONDS` while
  its block is still running, so code that swallows the first exception is still stopped. An
  alarm that lands where Python cannot propagate an exception (a ``gc.callbacks`` function such
  as hypothesis's, a weakref callback, a ``__del__``: the exception is printed as "ignored" and
  lost) reaches ``sys.unraisablehook``, which this module wraps while an alarm is active to
  re-arm the alarm :data:`DEFER_SECONDS` later. Alarms
  work in the main thread of a POSIX process; elsewhere only the cooperative checks apply.

Size limits are checked *before* the work: :func:`check_limit` raises
:class:`~mfverify.errors.LimitError` (CLI exit 2) with a message naming the limit and how to raise
it. The CLI also caps the address space of the whole process (``--max-memory``, see
:func:`memory_limit`) so that a runaway allocation ends as a typed error rather than a kill.

Defaults (seconds) of the commands are in :data:`DEFAULT_SECONDS`; docs/budgets.md lists them.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import BudgetExceeded, InputError, LimitError

__all__ = [
    "Budget",
    "as_budget",
    "check_limit",
    "memory_limit",
    "parse_memory",
    "DEFAULT_SECONDS",
    "DEFAULT_MAX_MEMORY",
    "REPEAT_SECONDS",
    "DEFER_SECONDS",
]

#: default time budget (seconds) of each command and of its API entry point
DEFAULT_SECONDS: dict[str, float] = {
    "show": 60.0,
    "derivation": 120.0,
    "landscape": 120.0,
    "flow": 120.0,
    "sweep": 300.0,
    "counterexample": 120.0,
    "certify": 120.0,
    "conditions": 300.0,
    "study": 3600.0,
}

#: default cap on the address space of a CLI process (bytes): 8 GiB plus 128 MiB per CPU (the
#: address space, unlike the memory in use, also counts what every thread reserves: its stack,
#: its malloc arena, its BLAS buffer)
DEFAULT_MAX_MEMORY = (8 << 30) + (128 << 20) * (os.cpu_count() or 1)

#: an expired alarm fires again after this many seconds while its block still runs
REPEAT_SECONDS = 0.5
#: delay of an alarm that landed in a context that would swallow its exception
DEFER_SECONDS = 0.01

HINT = "raise it with --budget SECONDS (budget= in the Python API)"


class Budget:
    """A time budget (seconds, ``None`` = unlimited) and a degree budget.

    Parameters
    ----------
    seconds
        Wall-clock allowance from construction; ``None`` for no limit.
    max_degree
        Largest eliminant degree accepted by the landscape engine.
    what
        What the budget is for (used in messages), e.g. ``"show"``.
    """

    def __init__(self, seconds: float | None = 60.0, *, max_degree: int = 400,
                 what: str = "") -> None:
        if seconds is not None:
            seconds = float(seconds)
            if math.isnan(seconds) or seconds <= 0:
                raise InputError(f"a time budget must be a positive number of seconds, got "
                                 f"{seconds}")
            if math.isinf(seconds):
                seconds = None
        self.seconds = seconds
        self.max_degree = max_degree
        self.what = what
        self.start = time.monotonic()

    @property
    def deadline(self) -> float | None:
        return None if self.seconds is None else self.start + self.seconds

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        rem = self.remaining()
        return rem is not None and rem <= 0

    def child(self, fraction: float, *, floor: float = 0.0) -> Budget:
        """A budget for one phase: ``fraction`` of what remains (at least ``floor`` seconds),
        never past this budget's deadline plus ``floor``."""
        rem = self.remaining()
        seconds = None if rem is None else max(floor, fraction * max(rem, 0.0), 1e-3)
        return Budget(seconds, max_degree=self.max_degree, what=self.what)

    def message(self, what: str = "") -> str:
        head = f"{self.what}: " if self.what else ""
        suffix = f" while {what}" if what else ""
        return f"{head}time budget of {self.seconds:g} s exceeded{suffix}; {HINT}"

    def check(self, what: str = "") -> None:
        """Raise :class:`BudgetExceeded` when the deadline has passed."""
        if self.expired():
            raise BudgetExceeded(self.message(what))

    @contextmanager
    def alarm(self, what: str = "", *, grace: float = 0.0) -> Iterator[None]:
        """Interrupt the block at the deadline plus ``grace`` seconds (main thread only;
        elsewhere the budget is checked between steps)."""
        if self.deadline is None or not _alarms_usable():
            yield
            return
        if grace <= 0:
            self.check(what)
        entry = (self.deadline + max(grace, 0.0), self.message(what))
        if not _STACK:
            _STACK.append((math.inf, ""))  # sentinel: remembers the previous handler below
            _OLD_HANDLER[0] = signal.signal(signal.SIGALRM, _on_alarm)
            _OLD_UNRAISABLE[0] = sys.unraisablehook
            sys.unraisablehook = _on_unraisable
        _STACK.append(entry)
        _arm()
        try:
            yield
        finally:
            _STACK.remove(entry)
            if len(_STACK) == 1:
                signal.setitimer(signal.ITIMER_REAL, 0)
                _STACK.clear()
                signal.signal(signal.SIGALRM, _OLD_HANDLER[0])
                if sys.unraisablehook is _on_unraisable:
                    sys.unraisablehook = _OLD_UNRAISABLE[0]
            else:
                _arm()

    def __repr__(self) -> str:
        return f"Budget({self.seconds!r}, max_degree={self.max_degree})"


def as_budget(budget: float | Budget | None, what: str = "") -> Budget:
    """A :class:`Budget` from seconds (``None`` = unlimited) or an existing budget."""
    if isinstance(budget, Budget):
        return budget
    if isinstance(budget, bool) or not (budget is None or isinstance(budget, (int, float))):
        raise InputError(f"budget must be a number of seconds or None, got {budget!r}")
    return Budget(budget, what=what)


# ---- the alarm stack ------------------------------------------------------------------------

_STACK: list[tuple[float, str]] = []
_OLD_HANDLER: list[Any] = [signal.SIG_DFL]
_OLD_UNRAISABLE: list[Any] = [sys.__unraisablehook__]


def _alarms_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm() -> None:
    first = min(d for d, _ in _STACK)
    if math.isinf(first):
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    # capped: setitimer overflows (time_t) for huge budgets; 10⁷ s is beyond any run
    delay = min(max(first - time.monotonic(), 1e-3), 1e7)
    signal.setitimer(signal.ITIMER_REAL, delay)


def _on_unraisable(unraisable: Any) -> None:
    """``sys.unraisablehook`` while an alarm is active: a BudgetExceeded that Python could not
    propagate (raised inside a weakref callback, a gc callback, a ``__del__``: it would be
    printed as "Exception ignored" and lost) re-arms the alarm for :data:`DEFER_SECONDS`, so
    it is raised again just after; anything else goes to the previous hook."""
    if isinstance(unraisable.exc_value, BudgetExceeded) and len(_STACK) > 1:
        signal.setitimer(signal.ITIMER_REAL, DEFER_SECONDS)
        return
    _OLD_UNRAISABLE[0](unraisable)


def _on_alarm(signum: int, frame: Any) -> None:
    now = time.monotonic()
    due = [(d, m) for d, m in _STACK if d <= now + 1e-3]
    if not due:  # woke early (clock skew): re-arm for the earliest deadline
        _arm()
        return
    signal.setitimer(signal.ITIMER_REAL, REPEAT_SECONDS)
    raise BudgetExceeded(min(due)[1])


# ---- size and memory limits -----------------------------------------------------------------


def check_limit(value: float, limit: float, what: str, how: str) -> None:
    """Refuse work whose estimated size ``value`` exceeds ``limit`` before doing it.

    ``what`` names the quantity (e.g. ``"estimated terms of the expanded objective"``) and
    ``how`` says how to raise or avoid the limit (e.g. ``"raise it with --max-terms"``).
    """
    if value > limit:
        raise LimitError(f"{what} is {_fmt(value)}, above the limit {_fmt(limit)}; {how}")


def _fmt(value: float) -> str:
    if value >= 1e15:
        return f"{value:.3g}"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20,
          "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
          "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}


def parse_memory(text: str) -> int | None:
    """``"8G"``, ``"512M"``, ``"1.5GiB"``, a byte count, or ``"none"`` (no cap) -> bytes."""
    t = str(text).strip().upper()
    if t in ("NONE", "UNLIMITED", "0"):
        return None
    num = t.rstrip("KMGTIB")
    unit = t[len(num):]
    try:
        value = float(num)
    except ValueError:
        value = math.nan
    if unit not in _UNITS or not math.isfinite(value) or value <= 0:
        raise InputError(f"--max-memory must be a size such as 8G, 512M or 'none', got {text!r}")
    if value * _UNITS[unit] >= 2.0**62:  # beyond any address space: no cap
        return None
    out = int(value * _UNITS[unit])
    if out < 256 << 20:
        raise InputError(f"--max-memory must be at least 256M (the interpreter alone needs "
                         f"about 250 MB), got {text!r}")
    return out


def _mapped_bytes() -> int:
    """The address space this process maps now (Linux ``/proc/self/statm``; else 0)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


@contextmanager
def memory_limit(nbytes: int | None) -> Iterator[int | None]:
    """Cap the address space (``RLIMIT_AS``) of this process at ``nbytes`` within the block.

    The cap is never raised above an existing hard limit; the previous limit is restored on
    exit. It is not applied when the process already maps more than half of ``nbytes`` (the
    CLI called from inside a larger program, e.g. a test session). Yields the effective cap
    (``None`` when no cap applies, e.g. on a platform without :mod:`resource`).
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if nbytes is None:
        yield None if soft == resource.RLIM_INFINITY else soft
        return
    new = nbytes if hard == resource.RLIM_INFINITY else min(nbytes, hard)
    if _mapped_bytes() > new // 2:
        yield None if soft == resource.RLIM_INFINITY else soft
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses
        yield None
        return
    try:
        yield new
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
