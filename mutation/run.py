"""Mutation harness: plant known slips in the mathematics, one at a time, and check that the
tests catch each of them.

Each mutant (see :mod:`mutants`) names a file, an exact snippet of that file that must occur
exactly once, its replacement and the pytest arguments of the tests that should catch it. The
harness copies the repository's files (``git ls-files``: tracked files plus untracked files that
git does not ignore, as they are in the working tree) into a temporary directory, applies one
mutant there, runs its tests with a timeout, restores the file, and goes on. The working tree is
never touched.

Outcomes per mutant:

* ``KILLED``: the tests failed (or timed out: a mutant that makes a test hang is caught too,
  reported as ``KILLED (timeout)``);
* ``SURVIVED``: the tests passed although the mathematics is wrong (a gap in the tests);
* ``EQUIVALENT``: the mutant is declared equivalent (its ``equivalent`` field says why the
  program's observable results cannot change); not run unless ``--run-equivalent`` (then it
  must survive, else it is an ERROR of the list);
* ``STALE``: the snippet no longer occurs exactly once (the code moved on): an error of the
  harness's list, never a kill;
* ``ERROR``: the tests could not run (nothing collected, or the unmutated baseline of that test
  subset already fails): never a kill.

The kill rate is killed / (mutants that are not declared equivalent). The exit status is 0 when
every non-equivalent mutant was killed and nothing is STALE or ERROR, else 1.

Usage::

    python mutation/run.py                  # every mutant, 2 parallel jobs
    python mutation/run.py --only NAME      # one mutant (repeatable; prefix* globs allowed)
    python mutation/run.py --jobs 1 --list  # list the mutants
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from mutants import MUTANTS, Mutant  # noqa: E402


@dataclass
class Outcome:
    name: str
    status: str  # KILLED, SURVIVED, EQUIVALENT, STALE, ERROR
    detail: str
    seconds: float


def repo_files(root: Path) -> list[str]:
    """Tracked files plus untracked, non-ignored files (paths relative to ``root``)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=root, check=True, capture_output=True).stdout
    return sorted({p for p in out.decode().split("\0") if p and (root / p).is_file()})


def make_copy(root: Path, dest: Path) -> None:
    for rel in repo_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)


def check_snippet(root: Path, m: Mutant) -> str:
    """'' when the mutant applies (its snippet occurs exactly once), else why it is STALE."""
    path = root / m.file
    if not path.is_file():
        return f"file {m.file} does not exist"
    count = path.read_text("utf-8").count(m.original)
    if count != 1:
        return f"snippet occurs {count} times in {m.file} (expected exactly once)"
    if m.original == m.replacement:
        return "replacement equals the original"
    return ""


def _env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                     else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("HYPOTHESIS_PROFILE", None)
    return env


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, str]:
    """('pass' | 'fail' | 'timeout' | 'error', tail of the output)."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "--no-header", "-p", "no:cacheprovider",
           "-W", "ignore::pytest.PytestUnraisableExceptionWarning", *tests]
    try:
        proc = subprocess.run(cmd, cwd=copy, env=_env(copy), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode()
        return "timeout", out[-400:]
    tail = (proc.stdout + proc.stderr).strip().splitlines()
    last = tail[-1] if tail else ""
    if proc.returncode == 0:
        return "pass", last
    if proc.returncode == 1:
        failed = [ln for ln in tail if ln.startswith(("FAILED", "ERROR"))]
        return "fail", (failed[0] if failed else last)[:300]
    return "error", f"pytest exit {proc.returncode}: " + " | ".join(tail[-3:])[:400]


def check_isolation(copy: Path) -> None:
    """The tests in the copy must import the copy's package, not the working tree's."""
    out = subprocess.run([sys.executable, "-c", "import mfverify; print(mfverify.__file__)"],
                         cwd=copy, env=_env(copy), capture_output=True, text=True, check=True)
    path = Path(out.stdout.strip()).resolve()
    if copy.resolve() not in path.parents:
        raise SystemExit(f"isolation failure: the copy imports {path}")


def run_mutant(copy: Path, m: Mutant, baseline: dict[tuple[str, ...], tuple[str, str]] | None
               ) -> Outcome:
    t0 = time.perf_counter()
    why = check_snippet(copy, m)
    if why:
        return Outcome(m.name, "STALE", why, 0.0)
    if baseline is not None:
        state, detail = baseline[m.tests]
        if state != "pass":
            return Outcome(m.name, "ERROR", f"the unmutated tests do not pass: {detail}", 0.0)
    path = copy / m.file
    text = path.read_text("utf-8")
    try:
        path.write_text(text.replace(m.original, m.replacement, 1), "utf-8")
        state, detail = run_tests(copy, m.tests, m.timeout)
    finally:
        path.write_text(text, "utf-8")
    dt = time.perf_counter() - t0
    if state == "fail":
        return Outcome(m.name, "KILLED", detail, dt)
    if state == "timeout":
        return Outcome(m.name, "KILLED", f"(timeout after {m.timeout:g} s)", dt)
    if state == "pass":
        return Outcome(m.name, "SURVIVED", detail, dt)
    return Outcome(m.name, "ERROR", detail, dt)


def select(names: list[str] | None) -> list[Mutant]:
    if not names:
        return list(MUTANTS)
    out = [m for m in MUTANTS if any(fnmatch.fnmatchcase(m.name, pat) for pat in names)]
    if not out:
        raise SystemExit(f"no mutant matches {names}; see --list")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this mutant (repeatable; shell-style globs)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel repository copies (2)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--run-equivalent", action="store_true",
                    help="also run the mutants declared equivalent (they should survive)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip running each test subset once unmutated first")
    ap.add_argument("--json", metavar="FILE", help="write the outcomes as JSON")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")
    names = [m.name for m in MUTANTS]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate mutant names: {sorted(dup)}")
    chosen = select(args.only)
    if args.list:
        for m in chosen:
            tag = " [equivalent]" if m.equivalent else ""
            print(f"{m.name:34s} {m.file}{tag}\n    {m.description}")
        return 0
    t_start = time.perf_counter()
    todo = [m for m in chosen if args.run_equivalent or not m.equivalent]
    outcomes: dict[str, Outcome] = {}
    for m in chosen:
        if m.equivalent and not args.run_equivalent:
            why = check_snippet(ROOT, m)
            outcomes[m.name] = (Outcome(m.name, "STALE", why, 0.0) if why else
                                Outcome(m.name, "EQUIVALENT", m.equivalent, 0.0))
    with tempfile.TemporaryDirectory(prefix="mfverify-mutation-") as tmp:
        copies: queue.Queue[Path] = queue.Queue()
        for i in range(min(args.jobs, max(1, len(todo)))):
            dest = Path(tmp) / f"copy{i}"
            make_copy(ROOT, dest)
            check_isolation(dest)
            copies.put(dest)
        lock = threading.Lock()
        baseline: dict[tuple[str, ...], tuple[str, str]] | None = None
        if not args.no_baseline:
            subsets = sorted({m.tests for m in todo if not check_snippet(ROOT, m)})
            baseline = {}

            def base(tests: tuple[str, ...]) -> None:
                c = copies.get()
                try:
                    timeout = max(m.timeout for m in todo if m.tests == tests)
                    res = run_tests(c, tests, timeout)
                finally:
                    copies.put(c)
                with lock:
                    baseline[tests] = res
                    if res[0] != "pass":
                        print(f"baseline FAILS for {' '.join(tests)}: {res[1]}", flush=True)

            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(base, subsets))
            print(f"baseline: {len(subsets)} test subsets run unmutated "
                  f"({time.perf_counter() - t_start:.0f} s)", flush=True)

        def one(m: Mutant) -> None:
            c = copies.get()
            try:
                out = run_mutant(c, m, baseline)
            finally:
                copies.put(c)
            if m.equivalent:  # only with --run-equivalent: it must survive
                out = (Outcome(m.name, "EQUIVALENT", "survived, as declared", out.seconds)
                       if out.status == "SURVIVED" else
                       Outcome(m.name, "ERROR", f"declared equivalent but {out.status}: "
                               f"{out.detail}", out.seconds))
            with lock:
                outcomes[m.name] = out
                print(f"{out.status:10s} {m.name:34s} {out.seconds:6.1f}s  {out.detail}"
                      if out.status != "SURVIVED" else
                      f"{out.status:10s} {m.name:34s} {out.seconds:6.1f}s  {m.description}",
                      flush=True)

        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(one, todo))
    ordered = [outcomes[m.name] for m in chosen]
    counts = {s: sum(1 for o in ordered if o.status == s)
              for s in ("KILLED", "SURVIVED", "EQUIVALENT", "STALE", "ERROR")}
    scored = len([m for m in chosen if not m.equivalent])
    killed = sum(1 for m in chosen if not m.equivalent and outcomes[m.name].status == "KILLED")
    rate = killed / scored if scored else 1.0
    print()
    print("mutant".ljust(36) + "outcome")
    for o in ordered:
        print(f"{o.name:36s}{o.status}")
    print()
    print(", ".join(f"{k.lower()}: {v}" for k, v in counts.items()))
    print(f"kill rate: {killed}/{scored} non-equivalent mutants = {100 * rate:.1f}% "
          f"({time.perf_counter() - t_start:.0f} s, {args.jobs} jobs)")
    for o in ordered:
        if o.status in ("SURVIVED", "STALE", "ERROR"):
            print(f"  {o.status}: {o.name}: {o.detail}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "kill_rate": rate, "killed": killed, "scored": scored, "counts": counts,
            "outcomes": [o.__dict__ for o in ordered]}, indent=2), "utf-8")
    ok = killed == scored and counts["STALE"] == 0 and counts["ERROR"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
