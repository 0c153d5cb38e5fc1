"""MkDocs hooks of the docs site (``mkdocs.yml``: ``hooks: [mkdocs_hooks.py]``).

The notebooks of ``docs/notebooks/`` are jupytext ``py:percent`` files. This hook renders each
one as an executed Markdown page next to it (``notebooks/NAME.md``): a ``# %% [markdown]`` cell
becomes text (its ``# `` prefixes removed), any other ``# %%`` cell a Python code block followed
by what it printed; the jupytext header is dropped. The cells run in order in one namespace, in a
temporary working directory, when the site is built: a cell that raises is logged as a warning,
so ``mkdocs build --strict`` fails rather than publish a broken notebook (the test suite also
executes them, ``tests/test_notebooks.py``). The ``.py`` source is kept in the site, so a reader
can download it and open it with ``jupytext --to notebook``. Nothing is fetched: the build is
offline.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
import traceback
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

_CELL = re.compile(r"^# %%(.*)$", re.M)
log = logging.getLogger("mkdocs.hooks.notebooks")


def cells(source: str) -> list[tuple[str, str]]:
    """``[(kind, body)]`` of a jupytext py:percent source, kind ``"markdown"`` or ``"code"``."""
    parts = _CELL.split(source)
    out = []
    for marker, body in zip(parts[1::2], parts[2::2], strict=True):
        body = body.strip("\n")
        if "[markdown]" in marker:
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            out.append(("markdown", "\n".join(lines)))
        elif body.strip():
            out.append(("code", body))
    return out


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def percent_to_markdown(source: str, *, name: str = "notebook", execute: bool = True) -> str:
    """Markdown for a jupytext py:percent source, each code cell followed by its output."""
    out: list[str] = []
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for k, (kind, body) in enumerate(cells(source)):
                if kind == "markdown":
                    out.append(body)
                    continue
                out.append(f"```python\n{body}\n```")
                if not execute:
                    continue
                buf = io.StringIO()
                try:
                    with contextlib.redirect_stdout(buf):
                        exec(compile(body, f"{name}[{k}]", "exec"), namespace)  # noqa: S102
                except Exception:  # noqa: BLE001 - reported as a build warning
                    log.warning("notebook %s: cell %d raised:\n%s", name, k,
                                traceback.format_exc(limit=3))
                    execute = False
                text = buf.getvalue().rstrip("\n")
                if text:
                    fence = _fence(text)
                    out.append(f"Output:\n\n{fence}text\n{text}\n{fence}")
        finally:
            os.chdir(cwd)
    return "\n\n".join(out) + "\n"


def on_files(files: Files, config: Any) -> Files:
    docs_dir = Path(config["docs_dir"])
    for path in sorted((docs_dir / "notebooks").glob("*.py")):
        src_uri = f"notebooks/{path.stem}.md"
        text = percent_to_markdown(path.read_text("utf-8"), name=path.name)
        text += (f"\n---\n\nSource: [`{path.name}`]({path.name}) (jupytext py:percent; executed "
                 "when the site is built and by `tests/test_notebooks.py`).\n")
        files.append(File.generated(config, src_uri, content=text))
    return files
