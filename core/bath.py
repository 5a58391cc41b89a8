"""The multi-site "generative bath" of Ambrogioni 2023 §8 for the two-delta target (science.md §8).

K replicas y^μ ∈ {±1} coupled all-to-all at temperature T = σ²t, with energy
``H = −(w/2K) Σ_{μ≠ν} y^μ y^ν − h Σ_μ y^μ`` (Ambrogioni 2023 eq. 39 with its coupling written w/K so that
K → ∞ exists, and with the sign that makes replicas align).  K → ∞ gives the mean-field equation
``m = tanh((w·m + h)/T)``, T_c = w (§3.1 for w = 1).  The Brownian particle driven by the bath
(eq. 37) relaxes toward the pure-state mean at rate 1/t with noise variance T·∂m/∂h per unit dt/t.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import gammaln, logsumexp


def mean_field_magnetization(temperature, coupling: float = 1.0, iterations: int = 60) -> np.ndarray:
    """Spontaneous magnetization m ≥ 0 solving m = tanh(w·m/T): 0 for T ≥ w (Newton from m = 1)."""
    temp = np.asarray(temperature, float)
    m = np.ones_like(temp)
    for _ in range(iterations):
        th = np.tanh(coupling * m / temp)
        slope = coupling * (1 - th**2) / temp
        m = np.clip(m - (m - th) / (1 - slope), 0.0, 1.0)
    return np.where(temp < coupling, m, 0.0)


def mean_field_bath_variance(temperature, coupling: float = 1.0) -> np.ndarray:
    """T·∂m/∂h in the pure state, by implicit differentiation of m = tanh((w m + h)/T) (§3.1, errata):
    T(1 − m²)/(T − w(1 − m²)); above T_c this is 1/(1 − w/T), diverging at T_c = w."""
    temp = np.asarray(temperature, float)
    q = 1 - mean_field_magnetization(temp, coupling) ** 2
    with np.errstate(divide="ignore"):
        return temp * q / (temp - coupling * q)


def exact_bath_distribution(replicas: int, coupling: float, temperature: float, field: float = 0.0):
    """Exact law of m̄ = M/K for finite K: P(M) ∝ C(K, k)·exp([(w/2K)(M² − K) + hM]/T), M = 2k − K.
    Returns (m̄ values, probabilities)."""
    k = np.arange(replicas + 1)
    m_total = 2.0 * k - replicas
    log_p = (gammaln(replicas + 1) - gammaln(k + 1) - gammaln(replicas - k + 1)
             + (coupling * (m_total**2 - replicas) / (2 * replicas) + field * m_total) / temperature)
    return m_total / replicas, np.exp(log_p - logsumexp(log_p))


@njit(cache=True)
def _heat_bath(spins, coupling, temperatures, sweeps, burn, seed, out):
    """Sequential heat-bath sweeps of ``spins`` (updated in place), temperatures in the given order,
    the chain carried from one to the next (an anneal as the time runs backward).
    P(y_μ = +1) = 1/(1 + e^{−2(wS/K)/T}) with S the sum of the other spins, read from a table per
    temperature.  out[i, s] = m̄ after sweep s."""
    np.random.seed(seed)
    replicas = spins.shape[0]
    total = spins.sum()
    prob_up = np.empty(2 * replicas + 1)
    for i in range(temperatures.shape[0]):
        for s in range(2 * replicas + 1):                 # index s ↔ S = s − K
            prob_up[s] = 1.0 / (1.0 + np.exp(-2.0 * coupling * (s - replicas) / (replicas * temperatures[i])))
        for sweep in range(burn + sweeps):
            for mu in range(replicas):
                rest = total - spins[mu]
                new = 1 if np.random.random() < prob_up[rest + replicas] else -1
                total += new - spins[mu]
                spins[mu] = new
            if sweep >= burn:
                out[i, sweep - burn] = total / replicas
    return out


@dataclass(frozen=True)
class BathRun:
    """Heat-bath samples of m̄ (one row per temperature) and their pure-state statistics.

    mean: ⟨|m̄|⟩, the pure-state magnetization.  variance: T·∂m/∂h estimated by fluctuation–dissipation,
    K·⟨m̄²⟩ above T_c = w (the symmetric state) and K·Var(|m̄|) below (within one broken-symmetry state).
    """
    replicas: int
    temperatures: np.ndarray
    samples: np.ndarray
    mean: np.ndarray
    variance: np.ndarray


def heat_bath(replicas: int, coupling: float, temperatures, sweeps: int = 600, burn: int = 150,
              seed: int = 0, progress=None) -> BathRun:
    """Run the bath over ``temperatures`` (visited in the given order), in chunks for ``progress(i, n)``."""
    temps = np.asarray(temperatures, float)
    out = np.empty((len(temps), sweeps))
    spins = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int64), replicas)
    step = max(1, len(temps) // 8)
    for start in range(0, len(temps), step):
        stop = min(start + step, len(temps))
        _heat_bath(spins, float(coupling), temps[start:stop], sweeps, burn, seed + start, out[start:stop])
        if progress:
            progress(stop, len(temps))
    above = temps >= coupling
    absolute = np.abs(out)
    variance = np.where(above, replicas * (out**2).mean(1), replicas * absolute.var(1))
    return BathRun(replicas, temps, out, absolute.mean(1), variance)


def bath_trajectories(times, sigma: float, pure_mean, pure_variance, x_start, rng) -> tuple[np.ndarray, np.ndarray]:
    """Ambrogioni 2023 eq. 37 beside ordinary reverse diffusion of the two deltas, with the same noise ξ.

    On the decreasing grid ``times``, with Δ = log(t_k/t_{k+1}) and T = σ²t_k:
    bath:      x ← x + (sign(x)·m(T) − x)Δ + √(T ∂m/∂h · Δ)·ξ   (pure state selected by x's sign)
    ordinary:  x ← x + (tanh(x/T) − x)Δ + √(T·Δ)·ξ              (VE: σ²·score·dt with score = (⟨y⟩ − x)/(σ²t))
    Returns two (len(times), P) arrays.
    """
    times = np.asarray(times, float)
    bath = np.empty((len(times), len(x_start)))
    plain = np.empty_like(bath)
    bath[0] = plain[0] = x_start
    for k in range(len(times) - 1):
        temp, step = sigma**2 * times[k], np.log(times[k] / times[k + 1])
        xi = rng.standard_normal(len(x_start))
        x = bath[k]
        bath[k + 1] = x + (np.sign(x) * pure_mean[k] - x) * step + np.sqrt(pure_variance[k] * step) * xi
        x = plain[k]
        plain[k + 1] = x + (np.tanh(x / temp) - x) * step + np.sqrt(temp * step) * xi
    return bath, plain
