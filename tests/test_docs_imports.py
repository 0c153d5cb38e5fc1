"""The docs import public names from ``mfverify`` itself (issue 15, item 3).

Every fenced python block of README.md and docs/**/*.md, and every notebook page in
docs/notebooks/, may import from ``mfverify`` (names in ``mfverify.__all__``) or from one of the
public namespaces that are not flat by design (``docs/api.md``, "Public and implementation
modules"); an import from any other module path (``mfverify.batch.outcomes``, ...) fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import mfverify

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)

#: public namespaces that are not flat by design -> the names a page may import from them
#: (``None``: any name in the module's ``__all__``); kept in step with docs/api.md
ALLOWED: dict[str, frozenset[str] | None] = {
    "mfverify.errors": None,       # every error class (the flat namespace has the four roots)
    "mfverify.typing": None,       # every alias and protocol (the flat namespace has two)
    "mfverify.plot": None,         # plot functions; matplotlib loads only when one draws
    "mfverify.strategies": None,   # Hypothesis strategies: needs the optional hypothesis
    "mfverify.expr": None,         # the expression grammar: generic names (evaluate, to_text)
    "mfverify.cli": frozenset({"main"}),  # the command line in-process: main(argv) -> exit code
    # the deprecated Manopt-style names live only in their old module (api.md shows the warning)
    "mfverify.derivation": frozenset({"checkgradient", "checkhessian"}),
}


def _sources() -> list[tuple[str, str]]:
    """(label, python source) of every python block of the README and docs, and notebooks."""
    out = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for i, m in enumerate(FENCE.finditer(page.read_text("utf-8"))):
            lang = (m.group(1).split() or [""])[0]
            if lang in ("python", "py", "pycon"):
                out.append((f"{page.relative_to(ROOT)}#{i}", m.group(2)))
    for nb in sorted((ROOT / "docs" / "notebooks").glob("*.py")):
        out.append((str(nb.relative_to(ROOT)), nb.read_text("utf-8")))
    return out


def _module_all(module: str) -> set[str]:
    import importlib

    return set(getattr(importlib.import_module(module), "__all__", ()))


def offending_imports(source: str) -> list[str]:
    """The imports of ``source`` from mfverify module paths outside the public surface.

    String literals that are themselves Python importing mfverify (a claims module a page
    writes to disk) are checked too.
    """
    bad = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and "import" in node.value and "mfverify" in node.value):
            try:
                bad += offending_imports(node.value)
            except SyntaxError:
                pass
        elif isinstance(node, ast.Import):
            bad += [f"import {a.name}" for a in node.names
                    if a.name.startswith("mfverify.") and a.name not in ALLOWED]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mfverify":
            names = [a.name for a in node.names]
            if node.module == "mfverify":
                public = set(mfverify.__all__) | {m.split(".")[1] for m in ALLOWED}
                bad += [f"from mfverify import {n}" for n in names if n not in public]
            elif node.module not in ALLOWED:
                bad.append(f"from {node.module} import {', '.join(names)}")
            else:
                allowed = ALLOWED[node.module]
                if allowed is None:
                    allowed = frozenset(_module_all(node.module))
                bad += [f"from {node.module} import {n}" for n in names if n not in allowed]
    return bad


SOURCES = _sources()


def test_there_are_blocks_to_check() -> None:
    assert len(SOURCES) > 100
    assert any(label.startswith("README.md") for label, _ in SOURCES)
    assert any(label.startswith("docs/notebooks/") for label, _ in SOURCES)


@pytest.mark.parametrize(("label", "source"), SOURCES, ids=[s[0] for s in SOURCES])
def test_docs_import_public_names_only(label: str, source: str) -> None:
    assert offending_imports(source) == [], label


def test_allowed_namespaces_are_documented_in_api_md() -> None:
    text = (ROOT / "docs" / "api.md").read_text("utf-8")
    section = text.split("## Public and implementation modules", 1)[1].split("\n## ", 1)[0]
    for module in ALLOWED:
        assert f"`{module}`" in section, module


@pytest.mark.parametrize("slip", [
    "from mfverify.batch.outcomes import classify_runs",   # an implementation module
    "from mfverify.problems import SymmetricMF",           # a subpackage, not the flat namespace
    "import mfverify.symbolic.stratify",
    "from mfverify import not_a_name",
    "from mfverify.cli import build_parser",               # only main is public there
    "from mfverify.errors import NoSuchError",
    "def f():\n    from mfverify.flow.events import ball_exit\n",  # nested imports count too
    "open('c.py', 'w').write('from mfverify.claims import claim')",  # code written to a file
])
def test_a_planted_private_import_is_caught(slip: str) -> None:
    assert offending_imports(slip)


def test_public_imports_pass() -> None:
    ok = ("import mfverify as mf\nimport mfverify\n"
          "from mfverify import SymmetricMF, classify_runs\n"
          "from mfverify.errors import ShapeError\nfrom mfverify.typing import SupportsArray\n"
          "from mfverify.cli import main\nfrom mfverify import plot\n")
    assert offending_imports(ok) == []


def test_every_flat_name_is_in_the_api_md_table() -> None:
    """docs/api.md "Names by concept" lists every flat name (and names nothing that is not)."""
    text = (ROOT / "docs" / "api.md").read_text("utf-8")
    table = text.split("## Names by concept", 1)[1].split("**One name per concept.**", 1)[0]
    rows = [line.split("|")[2] for line in table.splitlines() if line.startswith("| ")][1:]
    listed = {n for row in rows for n in re.findall(r"`([A-Za-z_]\w*)`", row)}
    public = set(mfverify.__all__) - {"__version__"}
    assert public - listed == set(), "flat names missing from docs/api.md"
    assert listed - public == set(), "docs/api.md lists names that are not flat"
