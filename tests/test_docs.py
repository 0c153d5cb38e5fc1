"""Execute the examples of every docs page so they cannot rot.

* Each fenced ```python block runs; the blocks of one page share one namespace, in order.
* Each line of a fenced ```console block that starts with ``$ mfverify `` runs through the CLI
  in-process and must exit 0, or N when the line ends with ``# exit N``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def _blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1).strip(), m.group(2)) for m in FENCE.finditer(page.read_text("utf-8"))]


def test_docs_exist() -> None:
    assert (DOCS / "index.md").is_file()
    assert len(_pages()) >= 3


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_docs_page_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(DOCS)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for info, body in _blocks(page):
        lang = info.split()[0] if info else ""
        if lang == "python":
            code = compile(body, f"{page.name}:python", "exec")
            exec(code, namespace)  # noqa: S102 - our own documentation, not user input
        elif lang == "console":
            for line in body.splitlines():
                if not line.startswith("$ mfverify "):
                    continue
                command = line[2:]
                expected = 0
                m = re.search(r"#\s*exit\s+(\d+)\s*$", command)
                if m:
                    expected = int(m.group(1))
                    command = command[: m.start()]
                argv = shlex.split(command)[1:]
                try:
                    rc = main(argv)
                except SystemExit as exc:  # argparse exits for --help / --version
                    rc = int(exc.code or 0)
                out = capsys.readouterr()
                assert rc == expected, f"{page.name}: `{command}` exited {rc}:\n{out.err[-2000:]}"
