"""The docs site builds with warnings as errors (``mkdocs build --strict``), offline.

The build renders every page of docs/, the two notebooks (``mkdocs_hooks.py``) and the API
reference generated from the numpydoc docstrings (mkdocstrings, ``docstring_style: numpy``); a
broken link, an unparsable docstring section or a missing module is a warning, hence a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_config_is_strict_and_offline() -> None:
    text = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert "strict: true" in text and "docstring_style: numpy" in text
    assert "font: false" in text
    for plugin in ("social", "privacy", "offline-fetch", "git-revision"):
        assert f"- {plugin}" not in text, plugin


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_site_builds_strict(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "references.bib").is_file()
    for page in ("claims", "predictions", "paper-li2019", "paper-yedu2021"):
        assert (site / f"{page}.html").is_file(), page


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    claims = (site / "api" / "claims.html").read_text("utf-8")
    assert 'id="mfverify.claims.Citation"' in claims
    assert "Parameters" in claims  # a numpydoc section rendered as a section, not as text
    problems = (site / "api" / "problems.html").read_text("utf-8")
    assert 'id="mfverify.problems.SymmetricMF"' in problems


def test_notebooks_are_pages(site: Path) -> None:
    for name in ("verify_conditions", "find_counterexample"):
        html = (site / "notebooks" / f"{name}.html").read_text("utf-8")
        assert "language-python" in html or "highlight" in html
        assert (site / "notebooks" / f"{name}.py").is_file()
    page = (site / "notebooks" / "verify_conditions.html").read_text("utf-8")
    assert "evaluate_conditions" in page
    assert "Output" in page and "all hypotheses hold: True" in page  # executed at build time
