"""Problem spec files (JSON or TOML) <-> :class:`~mfverify.problems.Problem`.

A spec is a JSON object whose ``"problem"`` key names the kind; the other keys are that kind's
parameters (see ``docs/spec-format.md``)::

    {"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}
    {"problem": "asymmetric", "Sigma": [[3, 0], [0, 1]], "rank": 2, "balance": 0}

Numbers may be JSON integers, JSON decimals (read exactly: 0.1 is 1/10) or strings of exact
values (``"1/2"``, ``"sqrt(3)/2"``). Unknown keys are an error (a typo must not be silently
ignored). Each problem class declares its keys with ``spec_keys`` / ``required_keys`` and builds
itself with ``from_spec``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import SpecError
from .inputs import check_nesting, parse_json, read_user_file
from .problems import PROBLEM_KINDS, Problem

__all__ = ["load_spec", "problem_from_spec", "read_spec_text", "MAX_SPEC_BYTES"]

#: Largest spec file accepted (bytes).
MAX_SPEC_BYTES = 20_000_000


def read_spec_text(text: str, *, fmt: str = "json") -> dict[str, Any]:
    """Parse spec text (``fmt`` is ``"json"`` or ``"toml"``) into a dict, with typed errors."""
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(f"spec is larger than {MAX_SPEC_BYTES} bytes")
    if fmt == "toml":
        try:
            data: Any = tomllib.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SpecError(f"spec is not valid TOML: {exc}") from None
        check_nesting(data, "spec", error=SpecError)
    else:
        data = parse_json(text, "spec", error=SpecError)
    if not isinstance(data, dict):
        raise SpecError(f"a spec must be a JSON object with a 'problem' key, got "
                        f"{type(data).__name__}")
    return data


def problem_from_spec(spec: Mapping[str, Any]) -> Problem:
    """Build a problem from a spec dictionary (validating every key)."""
    if not isinstance(spec, Mapping):
        raise SpecError(f"a spec must be a mapping, got {type(spec).__name__}")
    kind = spec.get("problem")
    if kind is None:
        raise SpecError(f"spec has no 'problem' key; expected one of {sorted(PROBLEM_KINDS)}")
    if not isinstance(kind, str) or kind not in PROBLEM_KINDS:
        raise SpecError(f"unknown problem kind {kind!r}; expected one of {sorted(PROBLEM_KINDS)}")
    cls = PROBLEM_KINDS[kind]
    allowed = set(cls.spec_keys) | {"problem", "name", "description"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise SpecError(f"unknown key(s) {unknown} for problem {kind!r}; allowed keys are "
                        f"{sorted(allowed)}")
    for key in ("name", "description"):
        if key in spec and not isinstance(spec[key], str):
            raise SpecError(f"'{key}' must be a string, got {type(spec[key]).__name__}")
    missing = [k for k in cls.required_keys if k not in spec]
    if missing:
        raise SpecError(f"problem {kind!r} needs key(s) {missing}")
    return cls.from_spec(dict(spec))


def load_spec(source: str | Path | Mapping[str, Any]) -> Problem:
    """Load a problem from a spec file path, a JSON string, or a dictionary."""
    if isinstance(source, Mapping):
        check_nesting(source, "spec", error=SpecError)
        return problem_from_spec(source)
    text_source = str(source)
    stripped = text_source.lstrip()
    if stripped.startswith(("{", "[")):
        return problem_from_spec(read_spec_text(text_source))
    text = read_user_file(text_source, "spec file", MAX_SPEC_BYTES, error=SpecError,
                          missing_hint=" (pass a path or inline JSON)")
    fmt = "toml" if text_source.lower().endswith(".toml") else "json"
    return problem_from_spec(read_spec_text(text, fmt=fmt))
