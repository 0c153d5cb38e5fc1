"""MkDocs hooks of the docs site (``mkdocs.yml``: ``hooks: [mkdocs_hooks.py]``).

The notebooks of ``docs/notebooks/`` are jupytext ``py:percent`` files (the test suite executes
them, ``tests/test_notebooks.py``). This hook renders each one as a Markdown page next to it
(``notebooks/NAME.md``): a ``# %% [markdown]`` cell becomes text (its ``# `` prefixes removed),
any other ``# %%`` cell a Python code block; the jupytext header is dropped. The ``.py`` source
is kept in the site, so a reader can download it and open it with ``jupytext --to notebook``.
Nothing is executed at build time and nothing is fetched: the build is offline.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

_CELL = re.compile(r"^# %%(.*)$", re.M)


def percent_to_markdown(source: str) -> str:
    """Markdown for a jupytext py:percent source."""
    parts = _CELL.split(source)
    out: list[str] = []
    # parts = [header, marker1, body1, marker2, body2, ...]
    for marker, body in zip(parts[1::2], parts[2::2], strict=True):
        body = body.strip("\n")
        if "[markdown]" in marker:
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            out.append("\n".join(lines))
        elif body.strip():
            out.append(f"```python\n{body}\n```")
    return "\n\n".join(out) + "\n"


def on_files(files: Files, config: Any) -> Files:
    docs_dir = Path(config["docs_dir"])
    for path in sorted((docs_dir / "notebooks").glob("*.py")):
        src_uri = f"notebooks/{path.stem}.md"
        text = percent_to_markdown(path.read_text("utf-8"))
        text += (f"\n---\n\nSource: [`{path.name}`]({path.name}) (jupytext py:percent; executed "
                 "by `tests/test_notebooks.py`).\n")
        files.append(File.generated(config, src_uri, content=text))
    return files
