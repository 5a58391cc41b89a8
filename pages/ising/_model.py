"""The Ising page's computations: the diffused Ising model (fast, per request) and the
generative bath (a background job keyed on K, w and the seed, independent of σ and t)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.cache import cached
from components.jobs import TimeFreeJob
from core.bath import (
    bath_trajectories,
    exact_bath_distribution,
    heat_bath,
    mean_field_bath_variance,
    mean_field_magnetization,
)
from core.ising import (
    ENUM_MAX,
    line_magnetization,
    magnetization_log_dos,
    target_magnetization,
    target_top_eigenvalue,
    uniform_fixed_points,
)

#: Noise levels s² of the diagram, relative to max(Λ, 1), and the field grid of the response panel.
DIAGRAM_S2 = np.geomspace(0.01, 8.0, 160)
FIELD = np.linspace(-1.6, 1.6, 321)
#: Bath temperatures T = σ²t relative to w, visited from hot to cold (the time runs backward).
BATH_T = np.geomspace(4.0, 0.05, 64)
BATH_SIZES = (10, 100, 1000)
PARTICLES = 40


@dataclass(frozen=True)
class IsingModel:
    """The diffused Ising model at one (d, J, T), over every noise level (Ambrogioni 2023 §4.4).

    Attributes
    ----------
    log_dos : (d + 1,) array
        log of the density of states over the total magnetization (with the target's weights).
    m, p : arrays
        The target's law P(m) of the magnetization density m = M/d.
    lam : float
        Λ = Var(M)/d, the top eigenvalue of the covariance: σ²t_c = Λ (science.md §3).
    enumerated : bool
        Whether the 2^d states were enumerated (d ≤ ENUM_MAX) or the Curie–Weiss reduction was used.
    fp_s2, fp_h : arrays
        Fixed points h* of the generative drift on the uniform line, and their s².
    fp_line, fp_across : bool arrays
        Stable along the uniform line; stable across spins.
    """

    log_dos: np.ndarray
    m: np.ndarray
    p: np.ndarray
    lam: float
    enumerated: bool
    fp_s2: np.ndarray
    fp_h: np.ndarray
    fp_line: np.ndarray
    fp_across: np.ndarray


def ising_view(spins: int, coupling: float, temperature: float) -> IsingModel:
    """Density of states, the target's P(m), Λ and the fixed points on the uniform line over s²."""
    def compute():
        log_dos = magnetization_log_dos(spins, coupling, temperature)
        lam = target_top_eigenvalue(log_dos)
        fixed = uniform_fixed_points(log_dos, DIAGRAM_S2 * max(lam, 1.0))
        m, p = target_magnetization(log_dos)
        return IsingModel(log_dos=log_dos, m=m, p=p, lam=lam, enumerated=spins <= ENUM_MAX, fp_s2=fixed.s2,
                          fp_h=fixed.h, fp_line=fixed.stable_line, fp_across=fixed.stable_across)
    return cached("ising", (spins, coupling, temperature), compute)


@dataclass(frozen=True)
class IsingAtTime:
    """What the Ising panels show at the current time t.

    Attributes
    ----------
    t_c : float
        Branching time of the symmetric fixed point, t_c = Λ/σ².
    family : (5,) array
        t_c × (¼, ½, 1, 2, 4): the times of the response curves.
    curves : (5, F) array
        ⟨y_j⟩ on the uniform line against the field FIELD at those times.
    now : (F,) array
        The same at t.
    fixed_h : array
        Fixed points h* on the uniform line at t.
    stable : int
        How many of them are stable both along the line and across spins.
    """

    t_c: float
    family: np.ndarray
    curves: np.ndarray
    now: np.ndarray
    fixed_h: np.ndarray
    stable: int


def at_time(model: IsingModel, sigma: float, t: float) -> IsingAtTime:
    """The response curves around t_c, the response at t and the fixed points at t (VE: s² = σ²t)."""
    t_c = model.lam / sigma**2
    family = t_c * np.array([0.25, 0.5, 1.0, 2.0, 4.0])
    fixed = uniform_fixed_points(model.log_dos, [sigma**2 * t])
    return IsingAtTime(t_c=t_c, family=family, curves=field_response(model.log_dos, sigma**2 * family),
                       now=field_response(model.log_dos, [sigma**2 * t])[0], fixed_h=fixed.h,
                       stable=int((fixed.stable_line & fixed.stable_across).sum()))


def field_response(log_dos: np.ndarray, s2_values) -> np.ndarray:
    """m(h, s²) on FIELD for each s² (rows)."""
    return line_magnetization(log_dos, FIELD[None, :], np.asarray(s2_values, float)[:, None])


@dataclass(frozen=True)
class BathResult:
    """The generative bath (Ambrogioni 2023 §8) over its temperatures T = w × BATH_T, hot to cold.

    Attributes
    ----------
    K, w : int, float
        The chosen number of replicas and the coupling (T_c = w).
    temps : (T,) array
        Temperatures T = σ²t visited.
    sizes : list of int
        Simulated K: 10, 100, 1,000 and the chosen one.
    mean, variance : dict K → (T,) array
        ⟨|m̄|⟩ and the noise variance T·∂m/∂h measured for each K.
    bins, hist : arrays
        Histogram of m̄ (symmetrized) for the chosen K at each temperature.
    exact_m, exact_p : arrays
        The exact finite-K law of m̄ at each temperature.
    mean_field : (T,) array
        m of m = tanh(wm/T) (K → ∞).
    bath, plain : (T, P) arrays
        Particles driven by the bath (eq. 37) and by ordinary reverse diffusion, same noise.
    """

    K: int
    w: float
    temps: np.ndarray
    sizes: list
    mean: dict
    variance: dict
    bins: np.ndarray
    hist: np.ndarray
    exact_m: np.ndarray
    exact_p: np.ndarray
    mean_field: np.ndarray
    bath: np.ndarray
    plain: np.ndarray

    @property
    def mean_field_variance(self) -> np.ndarray:
        """T·∂m/∂h of the mean field (implicit differentiation; docs/science.md errata)."""
        return mean_field_bath_variance(self.temps, self.w)


def _bath(replicas, coupling, seed, progress) -> BathResult:
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
    return BathResult(K=replicas, w=coupling, temps=temps, sizes=sizes,
                      mean={k: r.mean for k, r in runs.items()}, variance={k: r.variance for k, r in runs.items()},
                      bins=bins, hist=hist, exact_m=exact[0][0], exact_p=np.stack([p for _, p in exact]),
                      mean_field=mean_field_magnetization(temps, coupling), bath=bath, plain=plain)


#: The generative bath's job: heat-bath runs for K = 10, 100, 1,000 and the chosen K, histograms at
#: every temperature, the exact finite-K law and the particle trajectories of eq. 37.
#: It reads K, w and the seed only (T = σ²t is swept), so σ, t and the target never restart it.
BATH_JOB = TimeFreeJob("bath", lambda s, progress=None: _bath(s.replicas, s.bath_coupling, s.seed, progress),
                       reads=("K", "w", "seed"), target=False,
                       status=lambda i, n: f"{100 * i // n}% of the spin updates")
