"""One result protocol for every engine: a shared verdict, status enums with messages, display.

Every result object of mfverify (:class:`~mfverify.symbolic.Landscape`, the derivation results,
:class:`~mfverify.flow.FlowResult`, :class:`~mfverify.batch.BatchRun`,
:class:`~mfverify.claims.ClaimResult`, :class:`~mfverify.certify.CheckResult`, the
counterexample and study results) derives from :class:`ResultMixin` and so has

* a one-screen ``str(result)``: a title line (what, and its verdict or status) and at most
  :data:`MAX_ROWS` ``key: value`` rows, each at most :data:`MAX_WIDTH` characters;
* a one-line ``repr(result)``, ``<ClassName state: key=value, ...>``: the verdict or status and
  the 2-4 key numbers (not the dataclass's field dump);
* ``_repr_markdown_`` and ``_repr_html_`` (the same rows as a table, for Jupyter);
* ``to_json()``: a JSON-serializable dict (``json.dumps(result.to_json())`` works), and
  :meth:`ResultMixin.to_json_text`; results that can be rebuilt from it have a ``from_json``
  class method with ``type(r).from_json(r.to_json()).to_json() == r.to_json()``.

Statuses are enums whose members carry a message, in the manner of diffrax's ``RESULTS`` and
SciPy's ``OptimizeResult.status``: :class:`StatusEnum` (string valued: a member compares equal
to its old string, so ``result.status == "done"`` keeps working) and :class:`CodeEnum` (integer
valued, for the int8 codes of batched runs). The meanings shared across engines share one enum:
:class:`Verdict` is the verdict of claims, derivation checks and certificate checks alike.

>>> from mfverify.results import Verdict, FlowStatus
>>> Verdict("REJECTED") is Verdict.REFUTED     # the certificate word of mfverify < 0.2
True
>>> FlowStatus("picard-failed").ok
False
>>> FlowStatus.DONE == "done"
True
"""

from __future__ import annotations

import enum
import functools
import html
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

__all__ = ["StatusEnum", "CodeEnum", "Verdict", "FlowStatus", "BatchStatus", "SearchStatus",
           "LandscapeStatus", "StudyStatus", "ResultMixin", "status_table", "coerce",
           "json_reader", "MAX_ROWS", "MAX_WIDTH"]

#: Most ``key: value`` rows of ``str(result)`` (the title line comes on top).
MAX_ROWS = 16
#: Longest line of ``str(result)``, in characters (longer values are cut with ``…``).
MAX_WIDTH = 100

E = TypeVar("E", bound="StatusEnum")
R = TypeVar("R")


def json_reader(what: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorate a ``from_json(cls, data, ...)``: input that is not what ``to_json`` writes (not
    an object, a missing key, a mistyped or unreadable value) raises
    :class:`~mfverify.errors.ResultFormatError` with a one-line message naming ``what``,
    instead of a bare ``KeyError``/``TypeError``/``ValueError``. Errors of the project
    (already typed) pass through."""
    from .errors import MfverifyError, ResultFormatError

    def wrap(fn: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(fn)
        def reader(cls: Any, data: Any, *args: Any, **kwargs: Any) -> R:
            if not isinstance(data, Mapping):
                raise ResultFormatError(f"{what}: expected a JSON object, got "
                                        f"{type(data).__name__}")
            try:
                return fn(cls, data, *args, **kwargs)
            except MfverifyError:
                raise
            except KeyError as exc:
                raise ResultFormatError(f"{what}: missing key {exc}") from None
            except (TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ResultFormatError(f"{what}: unreadable value ({msg})") from None
        return reader
    return wrap


class StatusEnum(enum.StrEnum):
    """A string-valued status whose members carry a message.

    Members are declared as ``NAME = "value", "message"``. ``str(member)`` is the value; the
    value lookup ``Cls("value")`` is exact, then case-insensitive.
    """

    _message: str

    def __new__(cls, value: str, message: str = "") -> StatusEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._message = message
        return obj

    @property
    def message(self) -> str:
        """What this status means, in one sentence."""
        return self._message

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> StatusEnum | None:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
        return None


class CodeEnum(enum.IntEnum):
    """An integer status code with a short ``label`` and a ``message``.

    Members are declared as ``NAME = code, "label", "message"``; the labels are the words used
    in JSON and text output (``"converged"``), the codes what arrays hold.
    """

    _label: str
    _message: str

    def __new__(cls, value: int, label: str = "", message: str = "") -> CodeEnum:
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        obj._message = message
        return obj

    @property
    def label(self) -> str:
        """The word for this code (``"converged"``)."""
        return self._label

    @property
    def message(self) -> str:
        """What this code means, in one sentence."""
        return self._message

    @classmethod
    def from_label(cls, label: str) -> CodeEnum:
        """The member whose :attr:`label` is ``label``."""
        for member in cls:
            if member.label == label:
                return member
        raise ValueError(f"{label!r} is not a {cls.__name__} label")


class Verdict(StatusEnum):
    """The verdict of a claim, a derivation check or a certificate check.

    ``Verdict.REJECTED`` (and the string ``"REJECTED"``) is an alias of ``REFUTED``: a
    certificate whose claim does not re-check is refuted by the re-check.
    """

    PROVED = "PROVED", "exact algebra or interval-certified computation establishes the statement"
    SUPPORTED = "SUPPORTED", ("numerical evidence only; the evidence states the tolerance and "
                              "the number of instances")
    REFUTED = "REFUTED", ("a counterexample that re-checks exactly or with certified bounds "
                          "(for a certificate: a claim that does not re-check)")
    INCONCLUSIVE = "INCONCLUSIVE", ("no decision: budget exhausted, ill-conditioned, "
                                    "unsupported, or the run errored (the reason is given)")
    REJECTED = "REFUTED", "alias of REFUTED"

    @classmethod
    def _missing_(cls, value: object) -> Verdict | None:
        if isinstance(value, str) and value.upper() == "REJECTED":
            return cls.REFUTED
        found = super()._missing_(value)
        return found if isinstance(found, Verdict) else None

    @property
    def decisive(self) -> bool:
        """True for PROVED and REFUTED (exact or certified decisions)."""
        return self in (Verdict.PROVED, Verdict.REFUTED)


class FlowStatus(StatusEnum):
    """How :func:`mfverify.flow.integrate` or :func:`mfverify.flow.iterate_map` stopped."""

    DONE = "done", "the last requested time (or iteration, for a map) was reached"
    EVENT = "event", "a terminal event stopped the integration (its time is in events)"
    MAX_STEPS = "max_steps", "the step limit was reached before the last requested time"
    BLOW_UP = "blow-up", ("a finite-time singularity: the radius of convergence collapsed "
                          "(or, validated, the state grew beyond 2^64 times its initial size)")
    DIVERGED = "diverged", "an iterate of a map left every bound (iterate_map only)"
    PICARD_FAILED = "picard-failed", ("no a-priori enclosure passed the Picard test even "
                                      "after halving the step many times: a blow-up ahead, or "
                                      "a field too stiff for an explicit Taylor enclosure "
                                      "(validated runs only)")
    WIDTH_EXCEEDED = "width-exceeded", ("the enclosure radius exceeded the allowed maximum; "
                                        "it is never widened silently (validated runs only)")
    NONFINITE = "nonfinite", "a ball became non-finite (validated runs only)"
    BUDGET = "budget", "the time budget ran out, checked between steps (validated runs only)"

    @property
    def ok(self) -> bool:
        """Whether every requested time was reached (``DONE``)."""
        return self is FlowStatus.DONE


class BatchStatus(CodeEnum):
    """The per-run int8 status codes of :class:`mfverify.batch.BatchRun` (``run.status``)."""

    RUNNING = 0, "running", "still iterating (never left in a finished run)"
    CONVERGED = 1, "converged", "‖∇f‖_F <= gtol or f <= ftol was reached"
    MAX_ITER = 2, "max_iter", "the iteration budget was reached first"
    DIVERGED = 3, "diverged", "a non-finite value, or gradient or objective beyond blowup"
    STALLED = 4, "stalled", "the Armijo search found no decrease, or the ODE step underflowed"


class SearchStatus(StatusEnum):
    """Outcome of a counterexample search (:func:`mfverify.counterexample.maximize_violation`)
    or of a counterexample target (:func:`mfverify.counterexample.run_target`)."""

    CERTIFIED = "CERTIFIED", "a counterexample was found and its certificate re-checked PROVED"
    FOUND = "FOUND", "a float candidate with violation > 0 was found (not certified)"
    NOT_FOUND = "NOT_FOUND", "the search space was exhausted within the restarts asked for"
    INCONCLUSIVE = "INCONCLUSIVE", ("the budget ran out, nothing violating was found, or "
                                    "certification failed (the reason says which)")


class LandscapeStatus(StatusEnum):
    """Status of :func:`mfverify.symbolic.landscape`."""

    COMPLETE = "complete", ("the list is provably the whole real stationary set, every "
                            "component classified")
    INCONCLUSIVE = "INCONCLUSIVE", "a partial result (budget, unsupported case): see reason"


class StudyStatus(StatusEnum):
    """Status of :func:`mfverify.study.run_study`."""

    DONE = "done", "every pending cell was computed and stored"
    STOPPED = "stopped", ("the time budget ran out; the stored cells are kept and re-running "
                          "resumes")


def status_table(enum_cls: type[StatusEnum] | type[CodeEnum]) -> list[tuple[str, str, str]]:
    """``(name, value, message)`` per member (aliases skipped): the tables of docs/results.md."""
    rows = []
    for name, member in enum_cls.__members__.items():
        if member.name != name:
            continue
        value = (f"{int(member)} ({member.label})" if isinstance(member, CodeEnum)
                 else str(member.value))
        rows.append((name, value, member.message))
    return rows


# ---------------------------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cut(text: str, width: int) -> str:
    return _clip(" ".join(str(text).split()), width)


class ResultMixin:
    """Display and serialization shared by every result class.

    A subclass provides ``to_json()`` and may override :meth:`_title` and :meth:`_rows` (the
    default title is the class name with the ``verdict`` or ``status`` attribute; the default
    rows are the scalar entries of ``to_json()``).
    """

    #: JSON keys left out of the default rows (bulky or repeated in the title).
    _hidden_rows: ClassVar[tuple[str, ...]] = ()
    #: The class name shown by ``repr`` (default: the class's own; an implementation subclass
    #: such as a lazily computed landscape shows its public class).
    _repr_name: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # a subclass keeps the one-line __repr__ below unless its body defines its own: set
        # here, before @dataclass runs, it stops the dataclass from adding its field dump
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = ResultMixin.__repr__  # type: ignore[method-assign]

    def to_json(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_json_text(self, indent: int | None = 2) -> str:
        """``json.dumps(self.to_json())`` (UTF-8 text, non-ASCII kept)."""
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False, default=str)

    # -- the summary ---------------------------------------------------------------------------

    def _state(self) -> str:
        for attr in ("verdict", "status"):
            value = getattr(self, attr, None)
            if isinstance(value, CodeEnum):
                return value.name
            if isinstance(value, (StatusEnum, str)):
                return str(value)
        return ""

    def _title(self) -> str:
        state = self._state()
        return type(self).__name__ + (f": {state}" if state else "")

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for key, value in self.to_json().items():
            if key in ("verdict", "status") or key in self._hidden_rows:
                continue
            if value is None or isinstance(value, (str, int, float, bool)):
                if value not in ("", None):
                    rows.append((key, value))
            elif isinstance(value, (list, dict)):
                rows.append((key, f"{len(value)} entries" if value else "none"))
        return rows

    def _repr_items(self) -> list[tuple[str, Any]]:
        """The 2-4 key numbers of the one-line ``repr`` (default: the first numeric rows)."""
        out = [(k, v) for k, v in self._rows() if isinstance(v, (int, float))
               and not isinstance(v, bool) and k != "seconds"]
        return out[:3]

    def __repr__(self) -> str:
        """One line: ``<ClassName state: key=value, ...>`` with the verdict or status and the
        key numbers (``str(result)`` is the one-screen view, ``to_json()`` everything)."""
        name = self._repr_name or type(self).__name__
        try:
            state = _cut(self._state(), 40)
            items = ", ".join(f"{_repr_key(k)}={_cut(_short(v), 48)}"
                              for k, v in self._repr_items()[:4])
        except Exception:  # noqa: BLE001 - a repr must not raise (debuggers, half-built objects)
            return f"<{name}>"
        body = (f" {state}" if state else "") + (f": {items}" if items else "")
        line = f"<{name}{body}>"
        return line if len(line) <= MAX_WIDTH else line[: MAX_WIDTH - 2] + "…>"

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        rows = [(str(k), _cut(_fmt(v), MAX_WIDTH)) for k, v in self._rows()]
        if len(rows) > MAX_ROWS:
            more = len(rows) - MAX_ROWS + 1
            rows = rows[: MAX_ROWS - 1] + [("…", f"{more} more (see to_json())")]
        return _cut(self._title(), MAX_WIDTH), rows

    def __str__(self) -> str:
        title, rows = self._summary()
        width = max((len(k) for k, _ in rows), default=0)
        lines = [title] + [_clip(f"  {k.ljust(width)}  {v}", MAX_WIDTH) for k, v in rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        title, rows = self._summary()
        body = "\n".join(f"| {_md(k)} | {_md(v)} |" for k, v in rows)
        return f"**{_md(title)}**\n\n| | |\n|---|---|\n{body}\n" if rows else f"**{_md(title)}**\n"

    def _repr_html_(self) -> str:
        title, rows = self._summary()
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        return (f"<div class='mfverify-result'><strong>{html.escape(title)}</strong>"
                f"<table>{body}</table></div>")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _short(value: Any) -> str:
    """A value of a repr: floats and mpmath numbers to 6 digits, everything else as str."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if getattr(value, "_mpf_", None) is not None:
        import mpmath

        return str(mpmath.nstr(value, 6)) if value != 0 else "0"
    return _fmt(value)


def _repr_key(key: str) -> str:
    return "_".join("".join(ch if ch.isalnum() or ch == "_" else " " for ch in key).split())


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def coerce(enum_cls: type[E], value: Any) -> E | Any:
    """``enum_cls(value)`` when ``value`` names a member; otherwise ``value`` unchanged (a status
    added by an engine before its enum member keeps working)."""
    try:
        return enum_cls(value)
    except ValueError:
        return value

