"""Shared helper of the problem tests: Taylor-model error slopes of a problem's closed forms."""

from __future__ import annotations

from typing import Any

import numpy as np


def taylor_slopes(p: Any, seed: int) -> tuple[float, float]:
    """log-log slopes of |f(x + tD) − f(x) − t⟨∇f, D⟩| (expect 2) and of the same minus
    t²/2·⟨H[D], D⟩ (expect 3), at a seeded random point and direction, t from 1e-1 to 3e-3."""
    rng = np.random.default_rng(seed)
    x = {k: rng.standard_normal(s) / 3 for k, s in p.variables.items()}
    d = {k: rng.standard_normal(s) for k, s in p.variables.items()}
    f0 = p.value(x)
    g = p.grad(x)
    h = p.hessian_vector(x, d)
    lin = sum(float(np.sum(g[k] * d[k])) for k in d)
    quad = sum(float(np.sum(h[k] * d[k])) for k in d)
    hs = np.array([1e-1, 3e-2, 1e-2, 3e-3])
    e1, e2 = [], []
    for t in hs:
        ft = p.value({k: x[k] + t * d[k] for k in d})
        e1.append(abs(ft - f0 - t * lin))
        e2.append(abs(ft - f0 - t * lin - t * t * quad / 2))
    s1 = np.polyfit(np.log(hs), np.log(e1), 1)[0]
    s2 = np.polyfit(np.log(hs), np.log(e2), 1)[0]
    return float(s1), float(s2)
