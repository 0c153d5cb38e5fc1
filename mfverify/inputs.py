"""Reading user input safely: files, JSON text, nesting depth and integers.

Every place where mfverify reads something a user supplied (spec files, certificates, ``--x0``
and ``--set`` values, claims modules, output paths) goes through these helpers, so each input
class is refused the same way, with a typed error (CLI exit 2) and one line that names the limit:

* **files** (:func:`read_user_file`): the path must name a *regular* file. A directory, a FIFO,
  a character or block device (``/dev/zero``, ``/dev/stdin``) or a socket is refused from its
  ``stat`` alone, without opening or reading it; a regular file larger than the limit is refused
  before it is read, and at most ``max_bytes + 1`` bytes are ever read (a file that grows while it
  is read is still bounded).
* **output paths** (:func:`check_output_path`): an existing path must be a regular file (writing
  to a FIFO would block, to a device would discard or fill it), and its folder must exist.
* **JSON** (:func:`parse_json`): numbers with a fraction or exponent are kept as their exact text
  (``0.1`` is 1/10 downstream), ``NaN``/``Infinity`` are refused, and containers may be nested at
  most :data:`MAX_NESTING` deep (a spec of 900 nested lists is refused before any code recurses
  into it).
* **integers** (:func:`check_int`, :func:`check_seed`): a bool is not an integer (in Python
  ``True == 1``: ``"version": true`` or ``"rank": true`` must not pass as 1), and every integer has
  a documented range; huge values (``10**30``, ``2**63``) and negative ones are refused where they
  make no sense, before anything is allocated.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .errors import InputError, NonFiniteError

__all__ = ["MAX_NESTING", "MAX_SEED", "MAX_POINTS", "parse_json", "check_nesting", "read_user_file",
           "check_output_path", "check_int", "check_seed", "file_kind"]

#: Deepest nesting of JSON arrays/objects accepted in any user document. A matrix needs 2 levels,
#: a certificate about 6; 64 leaves room and stays far below Python's recursion limit.
MAX_NESTING = 64
#: Seeds are integers in [0, MAX_SEED] (NumPy's generators take any non-negative integer; the
#: bound keeps seeds portable and printable).
MAX_SEED = 2**32 - 1
#: Most random points of one numeric derivation check (each point is a full Taylor sweep).
MAX_POINTS = 10_000


def file_kind(mode: int) -> str:
    """A word for a non-regular file type (``stat.S_IFMT`` of ``mode``)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_user_file(path: str | os.PathLike[str], what: str, max_bytes: int, *,
                   error: type[InputError] = InputError, missing_hint: str = "") -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    Raises ``error`` (an :class:`InputError`) when the path does not exist, is not a regular file
    (refused from ``stat``, never opened), is larger than ``max_bytes``, or is not UTF-8;
    ``missing_hint`` is appended to the message for a missing file.
    """
    text_path = os.fspath(path)
    try:
        st = os.stat(text_path)
    except FileNotFoundError:
        raise error(f"{what} {text_path!r} does not exist{missing_hint}") from None
    except (OSError, ValueError) as exc:
        raise error(f"cannot read {what} {text_path!r}: {_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what} {text_path!r} is {file_kind(st.st_mode)}; expected a regular file")
    if st.st_size > max_bytes:
        raise error(f"{what} {text_path!r} is larger than {max_bytes:,} bytes")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(text_path, flags)
    except OSError as exc:
        raise error(f"cannot read {what} {text_path!r}: {_reason(exc)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise error(f"{what} {text_path!r} is not a regular file")
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise error(f"cannot read {what} {text_path!r}: {_reason(exc)}") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise error(f"{what} {text_path!r} is larger than {max_bytes:,} bytes")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {text_path!r} is not UTF-8 text ({exc.reason} at byte "
                    f"{exc.start})") from None


def check_output_path(path: str | os.PathLike[str], what: str, *,
                      error: type[InputError] = InputError) -> Path:
    """Refuse an output path that is not a (new or existing) regular file in an existing folder.

    Nothing is opened: a FIFO, device, socket or directory at ``path`` is refused from ``stat``.
    """
    p = Path(os.fspath(path))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except (OSError, ValueError) as exc:
        raise error(f"{what} {os.fspath(path)!r}: {_reason(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise error(f"{what} {os.fspath(path)!r} is {file_kind(st.st_mode)}; expected a file "
                    "path")
    parent = p.resolve().parent
    if not parent.is_dir():
        raise error(f"{what} {os.fspath(path)!r}: the folder {str(parent)!r} does not exist")
    return p


def check_nesting(data: Any, what: str, limit: int = MAX_NESTING, *,
                  error: type[InputError] = InputError) -> None:
    """Refuse lists/dicts nested more than ``limit`` levels (an iterative walk: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > limit:
            raise error(f"{what} is nested more than {limit} levels deep (lists or objects "
                        "inside each other); a matrix needs 2")
        stack.extend((c, depth + 1) for c in children)


def parse_json(text: str, what: str, *, error: type[InputError] = InputError,
               limit: int = MAX_NESTING) -> Any:
    """Parse user JSON: decimals kept as exact text, NaN/Infinity refused, nesting bounded.

    :func:`json.loads` itself refuses (RecursionError, caught here) nesting near Python's
    recursion limit; the result is then walked iteratively, so any deeper-than-``limit`` document
    is refused before code that recurses into it runs.
    """

    def reject(name: str) -> Any:
        raise NonFiniteError(f"{what} contains {name}; expected finite numbers")

    try:
        data = json.loads(text, parse_float=str, parse_constant=reject)
    except NonFiniteError:
        raise
    except (ValueError, RecursionError) as exc:
        raise error(f"{what} is not valid JSON: {exc}") from None
    check_nesting(data, what, limit, error=error)
    return data


def check_int(value: Any, what: str, *, lo: int | None = None, hi: int | None = None,
              error: type[InputError] = InputError) -> int:
    """``value`` as an int in [lo, hi]; a bool, float or string is refused (not coerced)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be an integer, got {_show(value)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise error(f"{what} must be an integer in {_range(lo, hi)}, got {_show(value)}")
    return int(value)


def check_seed(seed: Any, what: str = "seed", *, error: type[InputError] = InputError) -> int:
    """A random seed: an integer in [0, :data:`MAX_SEED`]."""
    return check_int(seed, what, lo=0, hi=MAX_SEED, error=error)


def _range(lo: int | None, hi: int | None) -> str:
    return f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else _short_int(hi)}]"


def _short_int(v: int) -> str:
    if v >= 10**7 and (v + 1) & v == 0:
        return f"2^{v.bit_length()} - 1"
    return f"{v:,}" if v >= 10**5 else str(v)


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**12:
        digits = len(str(abs(value)))
        return f"{'-' if value < 0 else ''}an integer of {digits} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
