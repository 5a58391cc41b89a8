"""Information dynamics of generation (Ambrogioni 2025; science.md §7).

In effective coordinates x̃ = x/a the forward process is x̃ = y + s·z with s² = b²/a²; the
conditional entropy H(y|x_t) = H(y|x̃_t) obeys (Ambrogioni 2025 eq. 17, with b → s, ν² = ds²/dt)

    Ḣ(y|x_t) = ½ ν² E[tr Var(y|x̃)] / s⁴ = ½ ν² Δdiv,   Δdiv = E[tr J̃] + D/s² ≥ 0  (eq. 37),

where J̃ = −I/s² + C/s⁴ is the Jacobian of the score in x̃.  Tweedie's identity
E tr C = D s² − s⁴ E|∇log p|² gives the score-norm estimator (eq. 15):
Ḣ = ½ ν² (D/s² − E|⟨y⟩ − x̃|²/s⁴).  The marginal rate of x̃ is Ḣ(x̃_t) = Dν²/(2s²) − Ḣ(y|x_t); that of
x_t = a·x̃ adds D·d(log a)/dt (science.md §9: −D under VP, so N(0, I), stationary under VP, has 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special, stats

from core.analytic import bessel_ratio
from core.dynamics import initial_particles, reverse_trajectories
from core.processes import Process
from core.targets import Target


@dataclass(frozen=True)
class EntropyProfile:
    """Monte Carlo estimates on a time grid, each with its standard error.

    ``rate`` and ``rate_se``: Ḣ(y|x_t) by the posterior variance (eq. 17); ``rate_score``
    and ``rate_score_se``: by the score norm (eq. 15); ``delta_div``: Δdiv(t) = E tr C/s⁴;
    ``trivial_div``: −D/s²; ``marginal``: Ḣ(x_t); ``cumulative``: H(y|x_t) − H(y|x_{t₀})
    by the trapezoid rule in t.
    """

    times: np.ndarray
    rate: np.ndarray
    rate_se: np.ndarray
    rate_score: np.ndarray
    rate_score_se: np.ndarray
    delta_div: np.ndarray
    trivial_div: np.ndarray
    marginal: np.ndarray
    cumulative: np.ndarray


def entropy_profile(target: Target, process: Process, times, samples: int, rng: np.random.Generator,
                    progress=None, positions=None) -> EntropyProfile:
    """Ḣ(y|x_t) and its companions at each time by Monte Carlo over x̃ = y + s z, y ~ φ — or over
    ``positions`` (T, P, d), the x̃ of particles at each time (``flow_marginals``: a guided model's own law)."""
    times = np.asarray(times, float)
    d = target.d
    rate, rate_se, score_rate, score_se = (np.empty(times.size) for _ in range(4))
    for i, t in enumerate(times):
        s2, nu2 = float(process.s2(t)), float(process.nu2(t))
        if positions is None:
            x = target.sample(samples, rng) + np.sqrt(s2) * rng.standard_normal((samples, d))
        else:
            x = np.asarray(positions[i], float)
            samples = len(x)
        st = target.posterior(x, s2, full_cov=False)
        per_var = 0.5 * nu2 * st.trace_cov / s2**2                                    # eq. 17
        per_score = 0.5 * nu2 * (d / s2 - np.einsum("ij,ij->i", st.mean - x, st.mean - x) / s2**2)  # eq. 15
        rate[i], rate_se[i] = per_var.mean(), per_var.std(ddof=1) / np.sqrt(samples)
        score_rate[i], score_se[i] = per_score.mean(), per_score.std(ddof=1) / np.sqrt(samples)
        if progress is not None:
            progress(i + 1, times.size)
    s2 = process.s2(times)
    nu2 = process.nu2(times)
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(times))])
    marginal = 0.5 * d * nu2 / s2 - rate + d * process.dlog_a(times)           # Ḣ(x_t), §9
    return EntropyProfile(times, rate, rate_se, score_rate, score_se, 2 * rate / nu2, -d / s2, marginal, cumulative)


def flow_marginals(model: Target, start: Target, process: Process, times, particles: int, rng: np.random.Generator,
                   substeps: int = 8) -> np.ndarray:
    """x̃ = x/a at each of ``times`` (increasing) of particles run down the probability-flow ODE of ``model``
    (Heun, ``substeps`` per interval) from the forward law of ``start`` at the last time: the marginals of the
    generative flow itself.  For a guided model these are the law its sampler produces, which is not the
    forward law of any target; by Liouville, −E[div of the flow's drift] over them is its entropy rate
    (science.md §9).  Returns (T, P, d) float32."""
    times = np.asarray(times, float)
    if times.ndim != 1 or times.size < 2 or np.any(times <= 0) or np.any(np.diff(times) <= 0):
        raise ValueError("times must be two or more increasing positive times")
    # each interval on its own geometric substeps, so the records fall on the times asked for, whatever their grid
    down = times[::-1]
    fine = np.concatenate([np.geomspace(hi, lo, substeps + 1)[:-1] for hi, lo in zip(down[:-1], down[1:], strict=True)]
                          + [down[-1:]])
    x0 = initial_particles(process, times[-1], start, particles, rng)
    run = reverse_trajectories(model, process, x0, fine, sde=False, record_every=substeps, sampler="heun")
    return (run.frames / process.a(run.times)[:, None, None])[::-1].astype(np.float32)


def two_deltas_rate(process: Process, times, r: float = 1.0) -> np.ndarray:
    """Exact Ḣ(y|x_t) for ±r with equal weights by 1-D quadrature:
    E tr C = r² E[1 − tanh²(r x̃/s²)] over x̃ ~ N(r, s²) (symmetric, so one component suffices)."""
    out = []
    for t in np.atleast_1d(times):
        s2, nu2 = float(process.s2(t)), float(process.nu2(t))
        s = np.sqrt(s2)
        e_tr = integrate.quad(lambda z, s=s, s2=s2: r * r * _sech2(r * (r + s * z) / s2) * np.exp(-0.5 * z * z),
                              -12, 12, limit=200, points=[-r / s])[0] / np.sqrt(2 * np.pi)
        out.append(0.5 * nu2 * e_tr / s2**2)
    return np.array(out)


def _sech2(u):
    """sech²u = 4e^{−2|u|}/(1 + e^{−2|u|})², without overflow."""
    e = np.exp(-2.0 * abs(u))
    return 4.0 * e / (1.0 + e) ** 2


def gaussian_subspace_rate(process: Process, times, scale: float, d_data: int) -> np.ndarray:
    """Closed form for N(0, h²I) on D_data dims (Ambrogioni 2025 eq. 22): E tr C = D_data h² s²/(h² + s²)."""
    s2, nu2 = process.s2(times), process.nu2(times)
    h2 = scale**2
    return 0.5 * nu2 * d_data * h2 / (s2 * (h2 + s2))


def fisher_spectrum(target: Target, s2: float, x_tilde) -> np.ndarray:
    """Eigenvalues (descending) of the Fisher information of y given x̃, I = C/s⁴ in x̃
    coordinates (Ambrogioni 2025 eq. 41: (I + b²J)/b² with b → s), averaged over the rows of x_tilde."""
    cov = target.posterior(np.atleast_2d(x_tilde), s2, full_cov=True).cov
    return np.sort(np.linalg.eigvalsh(cov / s2**2).mean(axis=0))[::-1]


#: Above this d the generalized Gauss–Laguerre weights overflow (``hypersphere_rate``).
LAGUERRE_MAX_D = 100


def hypersphere_rate(process: Process, times, d: int, radius: float, nodes: int = 48) -> np.ndarray:
    """Exact Ḣ(y|x_t) for the uniform hypersphere: E tr C = r² E[1 − A_d(κ)²], κ = r|x̃|/s²,
    with x̃ = r e₁ + s z, so |x̃|² = u² + s² q, u = r + s z₁ ~ N(r, s²), q ~ χ²_{d−1}: adaptive
    quadrature in u (the integrand peaks sharply near u = 0 at small s) of a generalized
    Gauss–Laguerre sum over q/2 (above d = 100 its weights overflow: equal-probability nodes of χ²_{d−1},
    which is then narrow, relative width √(2/d))."""
    if d > LAGUERRE_MAX_D:
        q, wq = stats.chi2.ppf((np.arange(4 * nodes) + 0.5) / (4 * nodes), d - 1), np.full(4 * nodes, 1 / (4 * nodes))
    elif d > 1:
        w_nodes, ww = special.roots_genlaguerre(nodes, 0.5 * (d - 1) - 1.0)
        q, wq = 2.0 * w_nodes, ww / ww.sum()
    else:
        q, wq = np.zeros(1), np.ones(1)
    out = []
    for t in np.atleast_1d(times):
        s2, nu2 = float(process.s2(t)), float(process.nu2(t))
        s = np.sqrt(s2)

        def integrand(u, s=s, s2=s2):
            a = bessel_ratio(d, radius * np.sqrt(u * u + s2 * q) / s2)
            return np.sum(wq * (1.0 - a * a)) * np.exp(-0.5 * ((u - radius) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        lo, hi = radius - 12 * s, radius + 12 * s
        e_tr = radius**2 * integrate.quad(integrand, lo, hi, limit=400, points=[0.0] if lo < 0 < hi else None)[0]
        out.append(0.5 * nu2 * e_tr / s2**2)
    return np.array(out)


def lyapunov_along_trajectory(target: Target, process: Process, times, rng: np.random.Generator,
                              x0=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues of the score's Jacobian J = −I/b² + a²C/b⁴ (the local Lyapunov spectrum of
    the reverse flow, Ambrogioni 2025 §6) along one reverse SDE trajectory from t_max to t_min.

    Returns the recorded times, (T, d) eigenvalues (descending) and (T, d) positions x."""
    times = np.asarray(times, float)
    if x0 is None:
        x0 = float(process.a(times[0])) * target.sample(1, rng) + np.sqrt(float(process.b2(times[0]))) * \
            rng.standard_normal((1, target.d))
    tr = reverse_trajectories(target, process, x0, times, rng=rng)
    eigs = np.empty((times.size, target.d))
    for i, (t, frame) in enumerate(zip(tr.times, tr.frames, strict=True)):
        a, b2 = float(process.a(t)), float(process.b2(t))
        cov = target.posterior(frame.astype(float) / a, float(process.s2(t)), full_cov=True).cov[0]
        eigs[i] = np.sort(np.linalg.eigvalsh(-np.eye(target.d) / b2 + a * a * cov / b2**2))[::-1]
    return tr.times, eigs, tr.frames[:, 0, :].astype(float)
