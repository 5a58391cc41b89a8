"""The Ising page's computations: the diffused Ising model (fast, per request) and the
generative bath (a background job keyed on K, w and the seed, independent of σ and t)."""
from __future__ import annotations

import numpy as np

from components.cache import cached
from components.jobs import TimeFreeJob
from core.bath import bath_trajectories, exact_bath_distribution, heat_bath, mean_field_magnetization
from core.ising import (
    ENUM_MAX,
    magnetization_log_dos,
    target_magnetization,
    target_top_eigenvalue,
    uniform_fixed_points,
    uniform_posterior,
)

#: Noise levels s² of the diagram, relative to max(Λ, 1), and the field grid of the response panel.
DIAGRAM_S2 = np.geomspace(0.01, 8.0, 160)
FIELD = np.linspace(-1.6, 1.6, 321)
#: Bath temperatures T = σ²t relative to w, visited from hot to cold (the time runs backward).
BATH_T = np.geomspace(4.0, 0.05, 64)
BATH_SIZES = (10, 100, 1000)
PARTICLES = 40


def ising_key(state: dict) -> tuple:
    return (state["spins"], state["J"], state["temp"])


def ising_view(spins: int, coupling: float, temperature: float) -> dict:
    """Density of states, the target's P(m), Λ and the fixed points on the uniform line over s²."""
    def compute():
        log_dos = magnetization_log_dos(spins, coupling, temperature)
        lam = target_top_eigenvalue(log_dos)
        fixed = uniform_fixed_points(log_dos, DIAGRAM_S2 * max(lam, 1.0))
        m, p = target_magnetization(log_dos)
        return dict(log_dos=log_dos, m=m, p=p, lam=lam, enumerated=spins <= ENUM_MAX,
                    fp_s2=fixed.s2, fp_h=fixed.h, fp_line=fixed.stable_line, fp_across=fixed.stable_across)
    return cached("ising", (spins, coupling, temperature), compute)


def field_response(log_dos: np.ndarray, s2_values) -> np.ndarray:
    """m(h, s²) on FIELD for each s² (rows)."""
    return uniform_posterior(log_dos, FIELD[None, :], np.asarray(s2_values, float)[:, None]).m


def bath_key(state: dict) -> tuple:
    """The bath depends on K, w and the seed only (T = σ²t is swept), so σ and t never restart it."""
    return (state["K"], state["w"], state["seed"])


def _bath(replicas, coupling, seed, progress):
    temps = BATH_T * coupling
    sizes = sorted(set(BATH_SIZES) | {replicas})
    done, total = 0, sum(sizes)                         # the work of a run is ∝ K
    runs = {}
    for k in sizes:
        def report(i, n, k=k, before=done):
            if progress:
                progress(before + k * i // n, total)
        run = heat_bath(k, coupling, temps, seed=seed, progress=report)
        runs[k] = run
        done += k
    bins = np.linspace(-1, 1, 42)
    chosen = runs[replicas]
    # the h = 0 law is even in m̄, and a large bath does not tunnel between its two states: symmetrize
    both = np.concatenate([chosen.samples, -chosen.samples], axis=1)
    hist = np.stack([np.histogram(row, bins=bins, density=True)[0] for row in both])
    rng = np.random.default_rng(seed)
    x_start = rng.normal(0.0, np.sqrt(1.0 + temps[0]), PARTICLES)
    bath, plain = bath_trajectories(temps, 1.0, chosen.mean, chosen.variance, x_start, rng)
    exact = [exact_bath_distribution(replicas, coupling, T) for T in temps]
    return dict(K=replicas, w=coupling, temps=temps, sizes=sizes,
                mean={k: r.mean for k, r in runs.items()}, variance={k: r.variance for k, r in runs.items()},
                bins=bins, hist=hist, exact_m=exact[0][0], exact_p=np.stack([p for _, p in exact]),
                mean_field=mean_field_magnetization(temps, coupling), bath=bath, plain=plain)


#: The generative bath's job: heat-bath runs for K = 10, 100, 1,000 and the chosen K, histograms at
#: every temperature, the exact finite-K law and the particle trajectories of eq. 37.
BATH_JOB = TimeFreeJob("bath", lambda state, progress=None: _bath(*bath_key(state), progress), key=bath_key,
                       status=lambda i, n: f"{100 * i // n}% of the spin updates")
