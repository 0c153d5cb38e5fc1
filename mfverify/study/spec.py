"""The study file: a problem family, a parameter grid, and the run settings of every cell.

A study is a TOML file (or the equivalent dict)::

    name = "symmetric-small-init"
    family = "symmetric"        # a problem kind with a sweep generator (its ``generate`` hook)
    instances = 4               # B random instances per cell
    inits = 3                   # K initializations per instance
    method = "gd"               # run settings (defaults below); any of them may also be an axis
    step = 0.2
    max_iter = 2000
    deltas = [1e-6]             # record T(δ) = first iteration with f <= δ

    [params]                    # fixed generator keys
    n = 8
    spectrum = "psd"

    [grid]                      # the axes: generator keys or method / step / init / alpha /
    rank = [1, 2]               # max_iter; the cells are their Cartesian product
    alpha = [0.01, 0.3]

Reproducibility. The study's content hash is the SHA-256 of its canonical JSON (sorted keys,
no whitespace). Each cell's seeds are derived from that hash and the cell itself: the instance
seed from the family and the cell's *generator* parameters only (so cells that differ only in
method / step / init / α see the same instances: common random numbers), the initialization
seed from the whole cell. Both go through :class:`numpy.random.SeedSequence` seeded with the
SHA-256 digest, so a cell's rows do not depend on which machine, worker or order computed them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SpecError
from ..inputs import check_nesting, read_user_file
from ..spec import MAX_SPEC_BYTES

__all__ = ["Study", "Cell", "load_study", "canonical_json", "derive_seed", "RUN_DEFAULTS",
           "AXIS_RUN_KEYS", "METHODS", "INITS"]

FORMAT = "mfverify-study/1"
METHODS = ("gd", "alternating_gd", "scaled_gd", "gradient_flow", "primal_dual")
INITS = ("small", "imbalanced", "spectral", "rank_deficient")  # = batch.inits.NAMES

#: Run settings and their defaults (top-level keys of a study file).
RUN_DEFAULTS: dict[str, Any] = {
    "method": "gd", "step": 0.1, "init": "small", "alpha": 0.01, "max_iter": 2000,
    "gtol": 1e-10, "ftol": 1e-8, "t_final": 50.0, "deltas": [], "rank_rtol": 1e-6,
}
#: Run settings that may also be grid axes.
AXIS_RUN_KEYS = ("method", "step", "init", "alpha", "max_iter")
_TOP_KEYS = {"name", "family", "instances", "inits", "seed", "params", "grid", *RUN_DEFAULTS}
MAX_CELLS = 100_000
MAX_RUNS_PER_CELL = 1_000_000


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace (the text that is hashed)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def derive_seed(*parts: str) -> int:
    """A 63-bit seed from SHA-256 of the parts through :class:`numpy.random.SeedSequence`."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    state = np.random.SeedSequence(int.from_bytes(digest, "big")).generate_state(2, np.uint32)
    return ((int(state[0]) << 32) | int(state[1])) & ((1 << 63) - 1)


def _generator_class(family: Any) -> Any:
    from ..problems import PROBLEM_KINDS

    kinds = {k: c for k, c in PROBLEM_KINDS.items() if c.generator_keys}
    if not isinstance(family, str) or family not in kinds:
        raise SpecError(f"study: family must be one of {sorted(kinds)}, got {family!r}")
    return kinds[family]


def _coerce(key: str, value: Any, typ: type, where: str) -> Any:
    if isinstance(value, bool):
        raise SpecError(f"study {where}: {key} must be a {typ.__name__}, got {value!r}")
    if typ is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, typ):
        raise SpecError(f"study {where}: {key} must be a {typ.__name__}, got {value!r}")
    if typ is float and not np.isfinite(value):
        raise SpecError(f"study {where}: {key} must be finite, got {value!r}")
    return value


def _check_run_value(key: str, value: Any, where: str) -> Any:
    if key == "method":
        if value not in METHODS:
            raise SpecError(f"study {where}: method must be one of {METHODS}, got {value!r}")
        return value
    if key == "init":
        if value not in INITS:
            raise SpecError(f"study {where}: init must be one of {INITS}, got {value!r}")
        return value
    if key == "step":
        if value == "armijo":
            return value
        value = _coerce(key, value, float, where)
        if value <= 0:
            raise SpecError(f"study {where}: step must be > 0 or 'armijo', got {value}")
        return value
    if key == "max_iter":
        value = _coerce(key, value, int, where)
        if not 0 <= value <= 10_000_000:
            raise SpecError(f"study {where}: max_iter must be in [0, 10^7], got {value}")
        return value
    if key == "deltas":
        if not isinstance(value, list):
            raise SpecError(f"study {where}: deltas must be a list of numbers, got {value!r}")
        out = [_coerce("deltas", v, float, where) for v in value]
        if any(v < 0 for v in out):
            raise SpecError(f"study {where}: deltas must be >= 0")
        return sorted(set(out))
    value = _coerce(key, value, float, where)
    if key in ("alpha", "t_final") and value <= 0:
        raise SpecError(f"study {where}: {key} must be > 0, got {value}")
    if key in ("gtol", "ftol") and value < 0:
        raise SpecError(f"study {where}: {key} must be >= 0, got {value}")
    if key == "rank_rtol" and not 0 < value < 1:
        raise SpecError(f"study {where}: rank_rtol must be in (0, 1), got {value}")
    return value


@dataclass(frozen=True)
class Cell:
    """One grid cell: its generator parameters and run settings (plain JSON values)."""

    family: str
    gen: dict[str, Any]
    run: dict[str, Any]
    axes: dict[str, Any]
    study_hash: str

    @property
    def key(self) -> str:
        """Canonical JSON of the cell (what its id and seeds are derived from)."""
        return canonical_json({"family": self.family, "gen": self.gen, "run": self.run})

    @property
    def cell_id(self) -> str:
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:16]

    @property
    def instance_seed(self) -> int:
        gen = canonical_json({"family": self.family, "gen": self.gen})
        return derive_seed(self.study_hash, "instances", gen)

    @property
    def init_seed(self) -> int:
        return derive_seed(self.study_hash, "inits", self.key)

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "gen": self.gen, "run": self.run, "axes": self.axes,
                "study_hash": self.study_hash}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Cell:
        return cls(d["family"], dict(d["gen"]), dict(d["run"]), dict(d["axes"]),
                   d["study_hash"])


@dataclass(frozen=True)
class Study:
    """A validated study (see the module docstring for the file format)."""

    name: str
    family: str
    instances: int
    inits: int
    seed: int
    run: dict[str, Any]
    params: dict[str, Any]
    grid: dict[str, list[Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "name": self.name, "family": self.family,
                "instances": self.instances, "inits": self.inits, "seed": self.seed,
                "run": self.run, "params": self.params, "grid": self.grid}

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the study's canonical JSON."""
        return hashlib.sha256(canonical_json(self.to_json()).encode("utf-8")).hexdigest()

    @property
    def n_runs_per_cell(self) -> int:
        return self.instances * self.inits

    def cells(self) -> list[Cell]:
        """The grid's cells, in the declared axis order (Cartesian product)."""
        h = self.content_hash
        gen_keys = _generator_class(self.family).generator_keys
        axes = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[a] for a in axes)):
            point = dict(zip(axes, values, strict=True))
            gen = {**self.params, **{k: v for k, v in point.items() if k in gen_keys}}
            run = {**self.run, **{k: v for k, v in point.items() if k not in gen_keys}}
            out.append(Cell(self.family, gen, run, point, h))
        return out


def _load_raw(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    # a regular file only (a FIFO or /dev/zero is refused without being read), bounded size
    text = read_user_file(path, "study file", MAX_SPEC_BYTES, error=SpecError)
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise SpecError(f"study file {str(path)!r} is not valid TOML: {exc}") from None
    check_nesting(data, "study file", error=SpecError)
    return data


def _positive_int(raw: Mapping[str, Any], key: str, default: int | None, high: int) -> int:
    value = raw.get(key, default)
    if value is None:
        raise SpecError(f"study: missing key {key!r}")
    value = _coerce(key, value, int, "file")
    if not 1 <= value <= high:
        raise SpecError(f"study: {key} must be in [1, {high}], got {value}")
    return value


def _check_grid(raw_grid: Any, gen_keys: Mapping[str, type]) -> dict[str, list[Any]]:
    if not isinstance(raw_grid, Mapping):
        raise SpecError("study: [grid] must be a table of axis = [values]")
    grid: dict[str, list[Any]] = {}
    for axis, values in raw_grid.items():
        if axis not in gen_keys and axis not in AXIS_RUN_KEYS:
            raise SpecError(f"study [grid]: unknown axis {axis!r}; expected a generator key "
                            f"{sorted(gen_keys)} or one of {list(AXIS_RUN_KEYS)}")
        if not isinstance(values, list) or not values:
            raise SpecError(f"study [grid]: {axis} must be a non-empty list of values")
        if axis in gen_keys:
            checked = [_coerce(axis, v, gen_keys[axis], "[grid]") for v in values]
        else:
            checked = [_check_run_value(axis, v, "[grid]") for v in values]
        if len({canonical_json(v) for v in checked}) != len(checked):
            raise SpecError(f"study [grid]: {axis} lists a value twice")
        if len({type(v) for v in checked}) > 1:
            raise SpecError(f"study [grid]: {axis} mixes value types {checked!r} (the store "
                            "keeps one column type per axis)")
        grid[axis] = checked
    return grid


def load_study(source: str | Path | Mapping[str, Any]) -> Study:
    """Read and validate a study (TOML file path or dict); :class:`SpecError` when malformed."""
    raw = _load_raw(source)
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise SpecError(f"study: unknown keys {sorted(unknown)}; expected {sorted(_TOP_KEYS)}")
    cls = _generator_class(raw.get("family"))
    gen_keys: dict[str, type] = cls.generator_keys
    name = raw.get("name", "study")
    if not isinstance(name, str):
        raise SpecError(f"study: name must be a string, got {name!r}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"study: seed must be an integer >= 0, got {seed!r}")
    run = {k: _check_run_value(k, raw.get(k, d), "file") for k, d in RUN_DEFAULTS.items()}
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, Mapping):
        raise SpecError("study: [params] must be a table of generator keys")
    params = {}
    for k, v in params_raw.items():
        if k not in gen_keys:
            raise SpecError(f"study [params]: unknown generator key {k!r} for {cls.kind}; "
                            f"expected {sorted(gen_keys)}")
        params[k] = _coerce(k, v, gen_keys[k], "[params]")
    grid = _check_grid(raw.get("grid", {}), gen_keys)
    both = set(grid) & (set(params) | {k for k in raw if k in AXIS_RUN_KEYS})
    if both:
        raise SpecError(f"study: {sorted(both)} given both as a fixed value and as an axis")
    study = Study(name, cls.kind, _positive_int(raw, "instances", None, 100_000),
                  _positive_int(raw, "inits", 1, 100_000), seed, run, params, grid)
    n_cells = int(np.prod([len(v) for v in grid.values()])) if grid else 1
    if n_cells > MAX_CELLS:
        raise SpecError(f"study: {n_cells} cells is too many (limit {MAX_CELLS})")
    if study.n_runs_per_cell > MAX_RUNS_PER_CELL:
        raise SpecError(f"study: instances × inits = {study.n_runs_per_cell} runs per cell is "
                        f"too many (limit {MAX_RUNS_PER_CELL})")
    return study
