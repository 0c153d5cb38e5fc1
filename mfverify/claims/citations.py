"""Structured citations of claims: a BibTeX key, a locator and a provenance level.

Every claim of the built-in catalog cites its sources as :class:`Citation` objects (a key of
``references.bib`` and a locator such as ``"Theorem 1.1"`` or ``"eq. (12)"``) and states how
its statement relates to them with a :class:`Provenance` level (defined in ``docs/claims.md``):

* ``stated``: the statement is the source's own, under the locator given;
* ``reconstructed``: the source's statement was not available in full (only its abstract or a
  secondary account); the catalog checks a reconstruction of it, written out on the paper page;
* ``derived``: derived in this project from the source's set-up (exact mathematics that makes
  the source's claim concrete; the source may phrase it differently or not state it at all);
* ``numerical``: a numerical observation (a measured constant, a trajectory shape), not a
  theorem.

The bibliography is read from the copy of ``docs/references.bib`` that ships with the package
(``mfverify/claims/references.bib``); :func:`bibtex` returns one entry, :func:`short_cite`
the "Authors Year" label used in tables.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..errors import InputError

__all__ = ["Provenance", "Citation", "bibliography", "bibtex", "short_cite", "cite",
           "UnknownReferenceError", "reference_line"]


class Provenance(enum.StrEnum):
    """How a claim's statement relates to its cited source (see ``docs/claims.md``)."""

    STATED = "stated"
    RECONSTRUCTED = "reconstructed"
    DERIVED = "derived"
    NUMERICAL = "numerical"

    @property
    def message(self) -> str:
        """One line saying what the level means."""
        return _PROVENANCE_MESSAGES[self]

    def __str__(self) -> str:
        return self.value


_PROVENANCE_MESSAGES = {
    Provenance.STATED: "stated in the source under the locator given",
    Provenance.RECONSTRUCTED: "a reconstruction: the source's full statement was not available; "
                              "the catalog checks the reconstruction written on the paper page",
    Provenance.DERIVED: "derived here from the source's set-up; the source may not state it",
    Provenance.NUMERICAL: "a numerical observation (measured constant or behaviour), not a "
                          "theorem",
}


class UnknownReferenceError(InputError):
    """A citation key that ``references.bib`` does not hold."""


@dataclass(frozen=True)
class Citation:
    """A pointer into the bibliography: ``key`` (of ``references.bib``) and a ``locator``.

    Parameters
    ----------
    key
        BibTeX key, e.g. ``"yedu2021"``.
    locator
        Theorem, lemma, proposition, equation or section of the source, e.g. ``"eq. (12)"``;
        ``"abstract"`` when only the abstract states it.
    """

    key: str
    locator: str = ""

    def __str__(self) -> str:
        label = short_cite(self.key)
        return f"{label}, {self.locator}" if self.locator else label

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "locator": self.locator, "text": str(self)}


def cite(key: str, locator: str = "") -> Citation:
    """Shorthand for :class:`Citation` used in the catalog modules."""
    return Citation(key, locator)


_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,")


@cache
def bibliography() -> dict[str, str]:
    """Key -> BibTeX entry text of every entry of the shipped ``references.bib``."""
    text = resources.files("mfverify.claims").joinpath("references.bib").read_text("utf-8")
    out: dict[str, str] = {}
    for m in _ENTRY.finditer(text):
        depth, i = 0, text.index("{", m.start())
        while True:
            ch = text[i]
            depth += (ch == "{") - (ch == "}")
            i += 1
            if depth == 0:
                break
        out[m.group(2)] = text[m.start():i]
    return out


def _field(entry: str, name: str) -> str:
    m = re.search(rf"\b{name}\s*=\s*\{{((?:[^{{}}]|\{{[^{{}}]*\}})*)\}}", entry)
    return m.group(1) if m else ""


_TEX = [("{\\'e}", "é"), ("{\\`e}", "è"), ("{\\\"o}", "ö"), ("{\\'c}", "ć"), ("{\\`A}", "À"),
        ("{\\c{c}}", "ç"), ("{\\`a}", "à")]


def _plain(text: str) -> str:
    for tex, uni in _TEX:
        text = text.replace(tex, uni)
    return text.replace("{", "").replace("}", "").replace("--", "–")


def bibtex(key: str) -> str:
    """The BibTeX entry of ``key``; :class:`UnknownReferenceError` when there is none."""
    try:
        return bibliography()[key]
    except KeyError:
        raise UnknownReferenceError(f"no reference {key!r} in references.bib") from None


@cache
def short_cite(key: str) -> str:
    """``"Ye & Du 2021"``, ``"Li et al. 2019"``: the label of ``key`` for tables and text."""
    entry = bibtex(key)
    year = _field(entry, "year")
    authors = [a.strip() for a in _plain(_field(entry, "author")).split(" and ") if a.strip()]
    last = [a.split(",")[0].strip() for a in authors]
    if not last:  # a software entry (this project): its name alone
        return _plain(_field(entry, "title")).split(":")[0].strip()
    if len(last) == 1:
        names = last[0]
    elif len(last) == 2:
        names = f"{last[0]} & {last[1]}"
    elif len(last) == 3:
        names = f"{last[0]}, {last[1]} & {last[2]}"
    else:
        names = f"{last[0]} et al."
    return f"{names} {year}"


def reference_line(key: str) -> str:
    """One line of a references section: authors, title, venue, year."""
    entry = bibtex(key)
    authors = _plain(_field(entry, "author")).replace(" and ", "; ")
    title = _plain(_field(entry, "title"))
    venue = _plain(_field(entry, "journal") or _field(entry, "booktitle")
                   or _field(entry, "publisher"))
    extra = [x for x in (_plain(_field(entry, "volume")), _plain(_field(entry, "pages"))) if x]
    note = _plain(_field(entry, "note"))
    parts = [p for p in (authors, f"“{title}”", venue, ", ".join(extra),
                         _field(entry, "year"), note if note.startswith("arXiv") else "") if p]
    return ". ".join(p.rstrip(".") for p in parts) + "."
