"""The planted mutants of :mod:`run` (mutation/run.py).

Each :class:`Mutant` is a small, deliberate slip in the mathematics: ``original`` must occur
exactly once in ``file`` (otherwise the mutant is reported STALE), it is replaced by
``replacement``, and ``tests`` (pytest arguments, run from the repository root of the copy) must
then fail. ``equivalent`` explains why a mutant cannot change any observable result; such
mutants are listed but not scored.

Keep snippets short but unique, and the test subsets small (seconds to a minute): the whole list
should run within ~25 minutes on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    replacement: str
    description: str
    tests: tuple[str, ...]
    equivalent: str | None = None
    timeout: float = 300.0


M = Mutant
T_PROBLEMS = ("tests/test_problems.py",)
T_SENSING = ("tests/test_sensing.py",)
T_CONSTRAINED = ("tests/test_constrained.py",)
T_SYMSTRATA = ("tests/test_mutation_killers_symbolic.py", "tests/test_landscape_symstrata.py")
T_GLSTRATA = ("tests/test_mutation_killers_symbolic.py", "tests/test_landscape_glstrata.py")
T_LANDSCAPE = ("tests/test_mutation_killers_symbolic.py", "tests/test_landscape.py")
T_ORBIT = ("tests/test_orbit_construction.py",)
T_REALDIM = ("tests/test_landscape_real_dimensions.py",)
T_EXACT = ("tests/test_mutation_killers_derivation.py", "tests/test_derivation.py")
T_TAYLOR = ("tests/test_mutation_killers_derivation.py", "tests/test_derivation_numeric.py")
T_FLOW = ("tests/test_mutation_killers_flow.py", "tests/test_flow.py")
T_BATCH = ("tests/test_mutation_killers_batch.py", "tests/test_batch_solvers.py")
T_RATES = ("tests/test_mutation_killers_batch.py", "tests/test_batch_tools.py")
T_CERTIFY = ("tests/test_mutation_killers_certify.py", "tests/test_certify.py")
T_CE = ("tests/test_mutation_killers_counterexample.py", "tests/test_counterexample.py")
T_ZERODIM = ("tests/test_zerodim.py",)
T_VALIDATED = ("tests/test_flow_validated.py",)
T_POSITIVITY = ("tests/test_positivity.py",)

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------------ problems
    M("problems.symmetric-grad-constant", "mfverify/problems/symmetric.py",
      'c4 = 4 * d["scale"]', 'c4 = 2 * d["scale"]',
      "symmetric MF gradient 2c(XXᵀ − M)X instead of 4c(XXᵀ − M)X (wrong constant)", T_PROBLEMS),
    M("problems.symmetric-hvp-transpose", "mfverify/problems/symmetric.py",
      "X @ (A.T(XtD) + XtD)", "X @ (XtD + XtD)",
      "symmetric MF Hessian-vector product with a dropped transpose (XᵀD for DᵀX)", T_PROBLEMS),
    M("problems.asymmetric-grad-transpose", "mfverify/problems/asymmetric.py",
      "gV = two_s * (A.T(R) @ U)", "gV = two_s * (R @ U)",
      "asymmetric MF ∇_V f = 2c·R U instead of 2c·Rᵀ U (dropped transpose)", T_PROBLEMS),
    M("problems.asymmetric-balance-sign", "mfverify/problems/asymmetric.py",
      "gV = gV - half_b * (V @ G)", "gV = gV + half_b * (V @ G)",
      "balancing regularizer: sign flip in ∇_V of (b/8)‖UᵀU − VᵀV‖²", T_PROBLEMS),
    M("problems.sensing-grad-transpose", "mfverify/problems/sensing.py",
      'return {"X": _scal(two_s, (S + A.T(S)) @ x["X"])}',
      'return {"X": _scal(two_s, S @ x["X"])}',
      "symmetric sensing gradient with A*(r) in place of A*(r) + A*(r)ᵀ", T_SENSING),
    M("problems.constrained-hvp-term", "mfverify/problems/constrained.py",
      'out = {"U": D + _sym(A, dY) @ U + _sym(A, Y) @ D}',
      'out = {"U": D + _sym(A, dY) @ U}',
      "constrained merit Hessian-vector product missing the sym(A*(y))·D term", T_CONSTRAINED),
    # ------------------------------------------------------------------ symbolic
    M("symstrata.drop-top-orbits", "mfverify/symbolic/symstrata.py",
      "        if k > r:\n            continue\n        chosen = [(x, q)",
      "        if k >= r:\n            continue\n        chosen = [(x, q)",
      "symmetric orbit strata skip the orbits of full rank k = r (for M = diag(2, 2, 1), r = 2 "
      "the global minimum becomes 5/4 instead of 1/4)", T_SYMSTRATA),
    M("symstrata.orbit-dimension", "mfverify/symbolic/symstrata.py",
      "+ k * (k - 1) // 2 + k * (r - k))", "+ k * (k + 1) // 2 + k * (r - k))",
      "orbit dimension with k(k+1)/2 for the O(r)-orbit part instead of k(k−1)/2", T_SYMSTRATA),
    M("symstrata.component-count", "mfverify/symbolic/symstrata.py",
      "cnt = 2 if k == r and k > 0 and all(kj in (0, mj)",
      "cnt = 2 if k == r and k > 0 and any(kj in (0, mj)",
      "two components also when some eigenspace is only partly used (any for all)", T_SYMSTRATA),
    M("symstrata.balanced-value", "mfverify/symbolic/symstrata.py",
      "kj * (x / 2) ** 2 for kj, x", "kj * x ** 2 / 2 for kj, x",
      "balanced strata value with (2σ)²/2 for σ² (wrong constant)", T_SYMSTRATA),
    M("glstrata.value-multiplicity", "mfverify/symbolic/glstrata.py",
      "value = c * (total - sum(kj * x for kj, x in zip(kappa, s2",
      "value = c * (total - sum(kj * kj * x for kj, x in zip(kappa, s2",
      "GL strata value counting a repeated singular value k_j² times", T_GLSTRATA),
    M("glstrata.orbit-dimension", "mfverify/symbolic/glstrata.py",
      "return base + (2 * k * r - k * k)", "return base + (2 * k * r - k)",
      "GL orbit dimension with 2kr − k instead of 2kr − k²", T_GLSTRATA),
    M("glstrata.zero-column-sign", "mfverify/symbolic/glstrata.py",
      "    if s - t - u > 0:\n        gens.append(gl)",
      "    if s - t - u > 1:\n        gens.append(gl)",
      "component count forgets the sign flip of a single zero column", T_GLSTRATA),
    M("glstrata.tu-range", "mfverify/symbolic/glstrata.py",
      "for u in range(min(b, s - t) + 1)]", "for u in range(min(b, s) + 1)]",
      "kernel ranks t + u allowed to exceed the free width s = r − k", T_GLSTRATA),
    M("orbit.spectrum-difference-sign", "mfverify/symbolic/orbit_construction.py",
      "out += [lam[i] - lam[a] for i in S for a in rest]",
      "out += [lam[a] - lam[i] for i in S for a in rest]",
      "closed-form Hessian spectrum with λ_a − λ_i for λ_i − λ_a (i ∈ S, a ∉ S)", T_ORBIT),
    M("orbit.dimension", "mfverify/symbolic/orbit_construction.py",
      "return k * (k - 1) // 2 + k * (r - k)", "return k * (k + 1) // 2 + k * (r - k)",
      "O(r)-orbit dimension k(k+1)/2 + k(r−k) instead of k(k−1)/2 + k(r−k)", T_ORBIT),
    M("orbit.zero-columns-multiplicity", "mfverify/symbolic/orbit_construction.py",
      "out += [-lam[a] for a in rest for _ in range(r - k)]",
      "out += [-lam[a] for a in rest for _ in range(r - k - 1)]",
      "the −λ_a eigenvalues of the zero columns counted r − k − 1 times", T_ORBIT),
    M("orbit.irrational-order", "mfverify/symbolic/orbit_irrational.py",
      "d = (eig[i].order > eig[a].order) - (eig[i].order < eig[a].order)",
      "d = (eig[i].order < eig[a].order) - (eig[i].order > eig[a].order)",
      "irrational spectra: the sign of λ_i − λ_a read off the eigenvalue order reversed",
      T_ORBIT),
    M("classify.descartes-negative", "mfverify/symbolic/classify.py",
      "neg = _sign_changes([sg * (-1 if (N - k) % 2 else 1)",
      "neg = _sign_changes([sg * (-1 if (N - k + 1) % 2 else 1)",
      "χ(−μ) coefficient signs with the parity shifted by one", T_LANDSCAPE,
      equivalent="(−1)^(N−k+1) = −(−1)^(N−k) for every k: a global sign flip of the "
                 "coefficients of χ(−μ), which cannot change its number of sign changes"),
    M("classify.descartes-zero-count", "mfverify/symbolic/classify.py",
      "    for sg in reversed(signs):\n        if sg != 0:\n            break\n        zero += 1",
      "    for sg in signs:\n        if sg != 0:\n            break\n        zero += 1",
      "nullity counted from the leading instead of the trailing coefficients", T_LANDSCAPE),
    M("classify.descent-sign", "mfverify/symbolic/classify.py",
      "if order > 0 and (order % 2 == 1 or sg < 0):",
      "if order > 0 and (order % 2 == 1 or sg > 0):",
      "an even-order increase along a line taken as a descent curve", T_LANDSCAPE),
    M("positivity.ldl-negative-pivot", "mfverify/symbolic/positivity.py",
      "        if p < 0:\n            return None",
      "        if p < 0 and False:\n            return None",
      "the exact LDLᵀ accepts a negative pivot (an indefinite Gram matrix as a sum of squares)",
      T_POSITIVITY),
    M("positivity.verify-weight-sign", "mfverify/symbolic/positivity.py",
      "if not (isinstance(d, sp.Rational) and d > 0):",
      "if not isinstance(d, sp.Rational):",
      "the exact re-check of a certificate forgets that every weight d_k must be positive",
      T_POSITIVITY),
    M("positivity.empty-cell-sign", "mfverify/symbolic/positivity.py",
      "cert = nonnegative_certificate(-eps * h, basis, gens, budget)",
      "cert = nonnegative_certificate(eps * h, basis, gens, budget)",
      "a sign cell ε·h > 0 called empty from a certificate that ε·h >= 0 (the wrong sign)",
      T_POSITIVITY),
    M("zerodim.skip-equation-check", "mfverify/symbolic/zerodim.py",
      "if not sysm.substitute(eq).is_zero():", "if False and not sysm.substitute(eq).is_zero():",
      "msolve's parametrization accepted without the exact check that ∇f vanishes on it",
      T_ZERODIM),
    M("zerodim.descartes-negative", "mfverify/symbolic/zerodim_classify.py",
      "neg = _changes([s * (-1) ** (n - k) for k, s in enumerate(signs)])",
      "neg = _changes([s * (-1) ** (n - k + 1) for k, s in enumerate(signs)])",
      "χ(−μ) with the parity shifted by one (fast-path inertia)", T_ZERODIM,
      equivalent="(−1)^(n−k+1) = −(−1)^(n−k) for every k: a global sign flip of the "
                 "coefficients of χ(−μ), which cannot change its number of sign changes"),
    M("zerodim.descartes-no-flip", "mfverify/symbolic/zerodim_classify.py",
      "neg = _changes([s * (-1) ** (n - k) for k, s in enumerate(signs)])",
      "neg = _changes(signs)",
      "n₋ counted on χ(μ) instead of χ(−μ) (fast-path inertia)", T_ZERODIM),
    M("zerodim.global-min-max", "mfverify/symbolic/zerodim_classify.py",
      "best = min(range(len(rs)), key=lambda k: float(vals[k].mid()))",
      "best = max(range(len(rs)), key=lambda k: float(vals[k].mid()))",
      "the orbit of largest value taken as the global minimum", T_ZERODIM),
    M("zerodim.spurious-vs-local", "mfverify/symbolic/zerodim_classify.py",
      'return ("spurious_local_min" if lower_exists else "local_min"), True',
      'return ("local_min" if lower_exists else "spurious_local_min"), True',
      "a local minimum above the certified global minimum not called spurious", T_ZERODIM),
    M("zerodim.morse-sign", "mfverify/symbolic/zerodim_classify.py",
      "total = sum(len(o) * (-1) ** neg for", "total = sum(len(o) * (-1) ** (neg + 1) for",
      "the Morse alternating sum with the wrong sign (every coercive instance refused)",
      T_ZERODIM),
    # ------------------------------------------------------------------ derivation
    M("exact.skip-last-entry", "mfverify/derivation/exact.py",
      "    for idx in np.ndindex(*c.shape) if c.shape else [()]:\n        ci, ti = c[idx], t[idx]",
      "    for idx in (list(np.ndindex(*c.shape))[:-1] if c.size > 1 else [()] * 0 +\n"
      "                list(np.ndindex(*c.shape))) if c.shape else [()]:\n"
      "        ci, ti = c[idx], t[idx]",
      "the exact comparison skips the last entry of the difference (A == A + E₂₂ PROVED)",
      T_EXACT),
    M("exact.poly-always-equal", "mfverify/derivation/exact.py",
      "            if (ci - ti).is_zero():\n                continue",
      "            if True:\n                continue",
      "the exact engine reports 'equal' for every polynomial entry", T_EXACT),
    M("exact.floats-prove", "mfverify/derivation/exact.py",
      'verdict = "INCONCLUSIVE" if undecided else "PROVED"', 'verdict = "PROVED"',
      "undecided sizes (floats, radicals) still give PROVED", T_EXACT),
    M("exact.symmetric-structure", "mfverify/derivation/exact.py",
      "a, b = min(i, j), max(i, j)", "a, b = i, j",
      "a matrix declared symmetric gets independent entries above and below the diagonal",
      T_EXACT),
    M("exact.skew-sign", "mfverify/derivation/exact.py",
      'out[i, j] = -sp.Symbol(f"{name}_{j}_{i}", real=True)',
      'out[i, j] = sp.Symbol(f"{name}_{j}_{i}", real=True)',
      "a matrix declared skew is built symmetric (sign flip below the diagonal)", T_EXACT),
    M("taylor.gradient-order", "mfverify/derivation/taylor.py",
      'expected=2, what="gradient"', 'expected=1, what="gradient"',
      "the gradient Taylor check accepts slope 1 (any wrong gradient passes)", T_TAYLOR),
    M("taylor.hessian-half", "mfverify/derivation/taylor.py",
      "err = np.abs(fh - f0 - h * d1 - 0.5 * h**2 * d2)",
      "err = np.abs(fh - f0 - h * d1 - h**2 * d2)",
      "second-order model without the ½ in front of dᵀ∇²f d", T_TAYLOR),
    M("taylor.slope-tolerance", "mfverify/derivation/taylor.py",
      "if slope >= expected - tolerance:", "if slope >= expected - 1 - tolerance:",
      "Taylor slope accepted one order below the expected one", T_TAYLOR),
    # ------------------------------------------------------------------ flow
    M("flow.third-taylor-coefficient", "mfverify/flow/integrate.py",
      "np.asarray(((h_fixed * Fk) >> P) // (k + 1),",
      "np.asarray(((h_fixed * Fk) >> P) // (k + 1 + (k == 2)),",
      "the third Taylor coefficient x₃ = F₂/4 instead of F₂/3", T_FLOW),
    M("flow.truncation-dropped", "mfverify/flow/integrate.py",
      "E = E * ctx.exp(ctx.mpf(mu) * h) + trunc + rnd",
      "E = E * ctx.exp(ctx.mpf(mu) * h) + rnd",
      "the local truncation error is left out of the global error estimate", T_FLOW),
    M("flow.loose-step-control", "mfverify/flow/integrate.py",
      "s_opt = min(s_opt, 2.0 ** ((tol_abs - lk) / k))",
      "s_opt = min(s_opt, 2.0 ** ((tol_abs + 40 - lk) / k))",
      "step size chosen for a local error 2⁴⁰ times the tolerance", T_FLOW),
    M("flow.no-amplification", "mfverify/flow/integrate.py",
      "mu = mu / 2 if mu < 0 else mu * 1.05", "mu = mu / 2 if mu < 0 else 0.0",
      "error propagation ignores the expansion of the flow (log-norm μ > 0 taken as 0)",
      T_FLOW),
    M("flow.cauchy-order", "mfverify/flow/_jet.py",
      "right = np.concatenate(b.c[k::-1], axis=ax_b)",
      "right = np.concatenate(b.c[: k + 1], axis=ax_b)",
      "matrix Cauchy product Σ a_j b_j instead of Σ a_j b_{k−j}", T_FLOW, timeout=120),
    M("flow.symmetric-products-off", "mfverify/flow/_jet.py",
      "SYMMETRIC_PRODUCTS = True", "SYMMETRIC_PRODUCTS = False",
      "the symmetric Cauchy product for A Aᵀ is switched off", T_FLOW,
      equivalent="the symmetric rule sums exactly the same integer products as the plain Cauchy "
                 "sum (S + Sᵀ plus the middle term), then shifts once: identical fixed-point "
                 "integers, so every result is bit-identical"),
    # ------------------------------------------------------------------ validated flow
    M("validated.picard-no-remainder", "mfverify/flow/validated.py",
      "return [q + Sk[p] * f for q, f in zip(poly, Fp, strict=True)]",
      "return [q + 0 * f for q, f in zip(poly, Fp, strict=True)]",
      "the high-order Picard box drops its term [0, h^p]·Φ_p(B): the Taylor part alone is "
      "taken for an enclosure", T_VALIDATED),
    M("validated.picard-taylor-power", "mfverify/flow/validated.py",
      "poly = [q + a * Sk[k] for q, a in zip(poly, base[k], strict=True)]",
      "poly = [q + a * Sk[k + 1] for q, a in zip(poly, base[k], strict=True)]",
      "the Taylor part of the Picard box multiplies a_k by [0, h^(k+1)] instead of [0, h^k]",
      T_VALIDATED),
    # ------------------------------------------------------------------ batch
    M("batch.fast-path-uncounted", "mfverify/batch/iterate.py",
      "            fast += 1\n", "            fast += 0\n",
      "iterations without bookkeeping are not counted in the runs' iteration numbers",
      T_BATCH + ("tests/test_batch_blocking.py",)),
    M("batch.fast-path-any-run", "mfverify/batch/iterate.py",
      "gtol < gn.min() and gn.max() <= lim", "gtol < gn.max() and gn.max() <= lim",
      "the bookkeeping is skipped while any run (not every run) is above gtol: converged runs "
      "keep iterating", T_BATCH + ("tests/test_batch_blocking.py",)),
    M("batch.gd-double-step", "mfverify/batch/descent.py",
      "step = _bmask(eta, x[k]) * g[k]  # a new array",
      "step = 2 * _bmask(eta, x[k]) * g[k]  # a new array",
      "batched GD runs with 2η while the result records η", T_BATCH),
    M("batch.armijo-sign", "mfverify/batch/iterate.py",
      "(ft <= s.f_now + rule.c * t * slope)", "(ft <= s.f_now - rule.c * t * slope)",
      "Armijo condition accepts steps that increase f by up to c·t·|slope|", T_BATCH),
    M("batch.scaled-gd-pairs", "mfverify/batch/descent.py",
      "pairs = {names[0]: names[1], names[1]: names[0]}",
      "pairs = {names[0]: names[0], names[1]: names[1]}",
      "ScaledGD preconditions ∇_U f by (UᵀU + λI)⁻¹ instead of (VᵀV + λI)⁻¹", T_BATCH),
    M("batch.gtol-loose", "mfverify/batch/iterate.py",
      "conv = active & (gn <= o.gtol)", "conv = active & (gn <= 100 * o.gtol)",
      "runs stop as converged with a gradient norm up to 100·gtol", T_BATCH),
    M("batch.flow-stopped-step", "mfverify/batch/flow.py",
      "h = np.where(active, np.minimum(h, target - t), h)", "h = np.minimum(h, target - t)",
      "a stopped flow run's step is shortened by the block's other runs (the result depends "
      "on the block size)", ("tests/test_batch_blocking.py",)),
    M("rates.intercept-sign", "mfverify/batch/rates.py",
      "a = float(ym - b * xm)", "a = float(ym + b * xm)",
      "least-squares line intercept with the wrong sign", T_RATES),
    # ------------------------------------------------------------------ certify
    M("inertia.ignore-gershgorin-radius", "mfverify/certify/inertia.py",
      "lo, hi = d - R, d + R", "lo, hi = d, d",
      "ball inertia ignores the Gershgorin radius ([[1, ±2], [±2, 1]] 'positive definite')",
      T_CERTIFY),
    M("inertia.radius-of-midpoints", "mfverify/certify/inertia.py",
      "R = R + abs(B[i, j])", "R = R + abs(B[i, j].mid())",
      "Gershgorin radius from the midpoints only (the ball radii of the entries are dropped)",
      T_CERTIFY),
    M("inertia.half-row-radius", "mfverify/certify/inertia.py",
      "            if j != i:\n                R = R + abs(B[i, j])",
      "            if j > i:\n                R = R + abs(B[i, j])",
      "Gershgorin radius summed over the entries right of the diagonal only", T_CERTIFY),
    M("inertia.touching-zero", "mfverify/certify/inertia.py",
      "        if bool(lo > 0):\n            pos += 1",
      "        if bool(lo >= 0):\n            pos += 1",
      "a Gershgorin interval whose lower end is exactly 0 counted as positive (found by "
      "cosmic-ray)", T_CERTIFY),
    M("inertia.algebraic-sign", "mfverify/certify/inertia.py",
      "    if sp.simplify(c) == 0:\n        return 0",
      "    if sp.simplify(c) >= 0:\n        return 0",
      "every non-negative irrational coefficient of the characteristic polynomial taken as 0 "
      "(found by cosmic-ray)", T_CERTIFY),
    M("inertia.no-congruence", "mfverify/certify/inertia.py",
      "mid = 0.5 * (mid + mid.T)", "mid = 0.5 * (mid - mid.T)",
      "eigenvectors of the skew part (0 for a symmetric H): Gershgorin on H itself, which "
      "misses definite matrices (found by cosmic-ray)", T_CERTIFY),
    M("inertia.nonfinite-certified", "mfverify/certify/inertia.py",
      "        return Inertia(False, method=\"gershgorin-congruence\",\n"
      "                       reason=\"the matrix has non-finite entries\")",
      "        return Inertia(True, method=\"gershgorin-congruence\",\n"
      "                       reason=\"the matrix has non-finite entries\")",
      "a ball matrix with infinite or NaN entries reported as certified (found by cosmic-ray)",
      T_CERTIFY),
    M("inertia.skip-invertibility", "mfverify/certify/inertia.py",
      "        if not bool(d - R > 0):\n            return Inertia(False,",
      "        if False:\n            return Inertia(False,",
      "the certificate that VᵀV is positive definite (V invertible) is skipped", T_CERTIFY,
      equivalent="V comes from numpy.linalg.eigh of a finite symmetric matrix and is orthonormal "
                 "to rounding, so the Gershgorin discs of VᵀV lie in [1 − nε, 1 + nε] and the "
                 "check can never fail: removing it changes no result (it stays as a guard)"),
    M("inertia.descartes-parity", "mfverify/certify/inertia.py",
      "neg_signs = [s * (-1) ** ((n - k) % 2)", "neg_signs = [s * (-1) ** ((n - k + 1) % 2)",
      "p(−λ) coefficient signs with the parity shifted by one", T_CERTIFY,
      equivalent="(−1)^(n−k+1) = −(−1)^(n−k): a global sign flip of the coefficients of "
                 "p(−λ), which cannot change a sign-change count"),
    M("inertia.descartes-positive", "mfverify/certify/inertia.py",
      "    pos = _sign_changes(signs)\n    neg_signs",
      "    pos = _sign_changes(signs) - 1\n    neg_signs",
      "exact inertia undercounts the positive eigenvalues by one", T_CERTIFY),
    M("krawczyk.skip-containment", "mfverify/certify/boxes.py",
      "inside = X[i].contains_interior(K[i]) and bool(abs(K[i] - c[i]) < rb)",
      "inside = True",
      "the Krawczyk containment K(X) ⊂ int X is not checked", T_CERTIFY),
    M("krawczyk.point-jacobian", "mfverify/certify/boxes.py",
      "(ident - Y * JX) * dX", "(ident - Y * Jc) * dX",
      "Krawczyk operator with the Jacobian at the centre instead of its enclosure over the box",
      T_CERTIFY),
    M("krawczyk.skip-fixed-components", "mfverify/certify/boxes.py",
      "    why = _fixed_components_vanish(poly, fixed)\n",
      "    why = ''\n",
      "fixed coordinates need not have vanishing gradient components", T_CERTIFY),
    M("certify.strict-less", "mfverify/certify/files.py",
      "    return _sign(d) > 0", "    return _sign(d) >= 0",
      "'f(point) > f(witness)' decided as >=: a global minimum passes as spurious", T_CERTIFY),
    M("certify.singular-hessian-min", "mfverify/certify/files.py",
      "    if inert.negative or inert.zero:\n",
      "    if inert.negative:\n",
      "a singular PSD Hessian accepted for a strict local minimum", T_CERTIFY),
    M("certify.saddle-curvature", "mfverify/certify/files.py",
      "        if _less(bound, curv):", "        if _less(curv, bound):",
      "saddle certificate: the curvature bound check reversed", T_CERTIFY),
    # ------------------------------------------------------------------ real dimensions
    M("realdim.skip-smooth-point", "mfverify/symbolic/realdim.py",
      "    k = n - d\n    sel = smooth_rows(F, basis, gens, sub, k)\n",
      "    k = n - d\n    return RealDimension(d, d, 'planted')\n",
      "the complex dimension reported as the real one (no smooth real point checked): the "
      "parabola inside a complex surface gets dimension 2", T_REALDIM),
    M("realdim.skip-saturation", "mfverify/symbolic/realdim.py",
      "    if _generated(basis, part, gens, h):\n",
      "    if True:\n",
      "rank n − d at the point accepted without the saturation test: a fat real point on "
      "complex lines without real points gets dimension 1", T_REALDIM),
    M("classify.zero-hessian-even-descent", "mfverify/symbolic/landscape_classify.py",
      "        if pos == 0 and (curve is None or curve.order % 2 == 0):\n",
      "        if False:\n",
      "a zero Hessian with an even-order descent curve called a saddle: the maximum of "
      "−x⁴ − y⁴ becomes a degenerate saddle", ("tests/test_landscape_zero_hessian.py",)),
    M("stratify.zero-hessian-even-descent", "mfverify/symbolic/stratify.py",
      "        if pos == 0 == neg and d[\"order\"] % 2 == 0:\n",
      "        if False:\n",
      "a stratum of zero Hessian with even-order descent curves called saddles: the line of "
      "maxima of −(x₀² + x₁²)² becomes degenerate saddles",
      ("tests/test_landscape_zero_hessian.py",)),
    # ------------------------------------------------------------------ counterexample
    M("search.blind-best", "mfverify/counterexample/search.py",
      "if best is None or v > best.violation:", "if best is None:",
      "the search never keeps a better candidate than its first draw (blind search)", T_CE),
    M("search.blind-margin", "mfverify/counterexample/search.py",
      "        if gn > 1e-8:\n            continue\n        m = min(lmin, 4 * f, ev[0])",
      "        if gn > 1e-8 or True:\n            continue\n        m = min(lmin, 4 * f, ev[0])",
      "the spurious-minimum margin ignores every local minimum (blind violation)", T_CE),
    M("search.blind-hypothesis-filter", "mfverify/counterexample/targets.py",
      'if rip_below_half and info.get("delta_scaled", 1.0) >= 0.5:',
      'if rip_below_half and info.get("delta_scaled", 1.0) <= 0.5:',
      "the δ* < 1/2 search discards every operator it should examine (blind default run)", T_CE),
]
