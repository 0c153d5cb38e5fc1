"""Import cost of the flat lazy API, with every ratio measured side by side in one run.

``import mfverify`` loads no engine (PEP 562 ``__getattr__``, see docs/api.md); the engines,
NumPy and SymPy come with the first name that needs them. Measured, each in fresh interpreters
(median of ``--repeat`` runs): (a) the bare interpreter, (b) ``import mfverify``, (c) ``import
mfverify; mfverify.SymmetricMF`` (problems: NumPy and SymPy), (d) ``from mfverify import *``
(every engine; matplotlib, pyarrow and Dask stay unloaded). Target: (b) − (a) below 5% of
(c) − (a).

Usage: ``python benchmarks/bench_import.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "interpreter": "pass",
    "import mfverify": "import mfverify",
    "first problem class": "import mfverify; mfverify.SymmetricMF",
    "from mfverify import *": "from mfverify import *",
}


def _seconds(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    t = {name: _seconds(code, args.repeat) for name, code in CASES.items()}
    base = t["interpreter"]
    for name, sec in t.items():
        print(f"{name:24s} {sec * 1e3:8.1f} ms  (+{(sec - base) * 1e3:7.1f} ms over the "
              "interpreter)")
    lazy = t["import mfverify"] - base
    full = t["first problem class"] - base
    ratio = lazy / full if full > 0 else float("nan")
    print(f"import mfverify / first problem class (over the interpreter): {ratio:.3f} "
          f"(target < 0.05: {'met' if ratio < 0.05 else 'NOT met'})")


if __name__ == "__main__":
    main()
