"""Presets: the papers' figures as lab states, each one URL (issue 9).

A preset is a page and a query string; ``?preset=KEY`` in the URL puts its caption above the
page until a control changes the state.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import dash_mantine_components as dmc


@dataclass(frozen=True)
class Preset:
    key: str
    path: str
    query: str
    title: str
    caption: str

    @property
    def href(self) -> str:
        return f"{self.path}?{self.query}&preset={self.key}"


PRESETS = (
    Preset("s000-fig2", "/bifurcation", "target=two_deltas&process=VE&sigma=1&r=1&pw=0.5&t=0.6",
           "Two deltas: the pitchfork (Ambrogioni 2023, Fig. 2)",
           "Two deltas at ±1, VE with σ = 1: one stable fixed point above T = σ²t = 1, a pitchfork at t_c = 1, "
           "two stable branches m = ±√(3(1 − T)) near it (β = ½), the susceptibility diverging as 1/(T − 1) "
           "(γ = 1). Ambrogioni 2023 §6, Fig. 2; science.md §3.1."),
    Preset("s000-fig3", "/landscape", "target=circle&process=VE&sigma=1&n=4&r=1&t=0.25",
           "Four deltas: the free energy splits into wells (Ambrogioni 2023, Fig. 3)",
           "Four deltas at (±1, 0), (0, ±1): the regularized free energy F̃ is one convex well above "
           "t_c = Λ/σ² = 0.5 and four wells below it; the strip shows F̃ at t_c × (¼, ½, 1, 2, 4) on one "
           "color scale. Ambrogioni 2023 §7, Fig. 3."),
    Preset("s003-fig1", "/particles", "target=mixture_samples&process=VP&d=2&n=40&r=1.5&sc=1&seed=0&t=0.5",
           "Three regimes in 2-D (Biroli et al. 2024, Fig. 1)",
           "Forty points of two Gaussian clusters (σ_c = 1) in d = 2, VP process; press Play. Above the speciation "
           "time t_s = ½ log(1 + Λ) ≈ 1.0 the particles are noise (regime I); below it they have chosen a cluster "
           "(II); below the collapse time t_C ≈ 0.013 (eq. 10; this run measures ≈ 0.03) each falls onto a "
           "training point (III). The clock names the regime. Collapse needs few points per cluster in 2-D: "
           "t_C shrinks as n^(−2/d), and with 1,000 points it would be 10⁻⁴, below the lab's range. "
           "Biroli et al. 2024 §2–3, Fig. 1."),
    Preset("s003-fig2", "/particles", "target=mixture_samples&process=VP&d=100&n=1000&r=1&sc=1&seed=0&t=1",
           "Cloning: φ(t) around the speciation time (Biroli et al. 2024, Fig. 2)",
           "Press “run cloning”: the probability φ(t) that two copies of a trajectory, split at t, end in the "
           "same class, against Biroli et al. 2024 eq. 6 (μ̃ = σ_c = 1), plotted against t with t_s marked (the paper's "
           "axis is t/t_s); φ(t_s) ≈ 0.775. The paper overlays several d; here one d at a time — change d to "
           "compare. Biroli et al. 2024 §3, Fig. 2."),
    Preset("s003-fig3", "/memorization", "target=mixture_samples&process=VP&d=10&n=20000&r=1&sc=1&seed=0&t=0.3",
           "Excess entropy and collapse at n = 20,000 (Biroli et al. 2024, Fig. 3)",
           "The excess entropy f^e/α by Monte Carlo against the mixture theory; its zero is the collapse time "
           "t_C, compared with eq. 10. The paper overlays several d at n = 20,000; here one d at a time. "
           "Biroli et al. 2024 §4, Fig. 3."),
    Preset("s004-fig1", "/entropy", "target=two_deltas&process=VE&sigma=1&r=1&pw=0.5&t=0.5",
           "Conditional entropy rate and the decision (Ambrogioni 2025, Fig. 1)",
           "Two deltas at ±1, VE with σ = 1: the conditional entropy rate Ḣ(y|x_t) (eq. 17; exact 1-D quadrature "
           "and Monte Carlo) and the fixed-point paths on one time axis. The paths branch at t = 1; the exact rate "
           "peaks later in generation, at t ≈ 0.30 (per unit log t at t ≈ 0.66): with a single pair of points "
           "the choice between them is made gradually as the two wells deepen, over the decade of t after the "
           "branching. Ambrogioni 2025 §5, Fig. 1."),
    Preset("s003-fig45", "/images", "target=fashion_mnist&process=VP&n=600&side=32&cls=01&seed=0&t=0.4",
           "Speciation and collapse on real images (Biroli et al. 2024, Figs. 4–5)",
           "600 Fashion-MNIST T-shirts and trousers at 32 × 32 with the exact score, VP: pictures of the reverse "
           "process snapping onto training images, φ against t/t_s with the 8×8 digits on the same axis, and the "
           "collapse three ways — φ_C, the last change of the nearest training image (mean t̂_C ≈ 0.45) and the "
           "zero of f^e (≈ 0.40) — well below t_s ≈ 1.4. The paper's sizes (n up to 10,000) are a change of n away. "
           "Biroli et al. 2024 §5, Table 1, Fig. 4 and Fig. 5."),
    Preset("uturn-window", "/uturn", "target=mixture&process=VP&d=2&r=1&sc=0.3&t=0.56",
           "U-turns and the critical window",
           "Two Gaussian classes ±(1, 1) of width 0.3, VP: a point noised to t and run back returns to its class "
           "with probability falling from 1 to ½; the class is decided in the window where the total variation "
           "between the noised classes falls from 0.9 (t ≈ 0.25) to 0.1 (t ≈ 2.4). At t_s ≈ 0.56 it is 0.66 and a "
           "U-turn returns with probability 0.76 (Monte Carlo on the lab's kernel against the closed form). "
           "Sclocchi, Favero & Wyart 2025; Achilli et al. 2026; Li & Chen 2024; science.md §5."),
    Preset("fm-grids", "/particles", "target=subspace&d=1&dd=1&r=2&process=FM&grid=karras&t=0.5",
           "Flow matching: where the sampler's steps go",
           "N(0, 4) under flow matching, sampled on Karras et al.'s ρ = 7 grid. Press “Measure sampling error”: "
           "uniform steps in log t are too coarse near t = 1, where a = 1 − t changes fastest — the SDE's E|x|² is "
           "off by +32 % at 50 steps there, by −4 % on Karras's grid; entropic time spends its steps around t_s "
           "instead and does no better here. science.md §4."),
    Preset("guidance-window", "/particles",
           "target=mixture&d=2&r=1&sc=0.6&process=VP&gc=0&gw=4&gs=window&gn=-0.25&t=0.5",
           "Guidance over time: a negative window gives the spread back",
           "Two overlapping classes N(±m, 0.6²), guided to +m with w = 4 before speciation and w = −0.25 just after "
           "it (Λ/4 ≤ s² < Λ). Press “Run guidance sweep”: constant guidance puts every sample in the class but "
           "shrinks its spread along the class axis to 0.84 of the exact law's; the window keeps 99.6 % in the "
           "class (the exact law: 99.1 %) at 1.03 of the spread — the shape of Ventura et al. 2026's schedule. "
           "science.md §9."),
    Preset("hierarchy-transition", "/hierarchy", "process=VP&hl=4&hv=8&hs=2&hm=6&t=0.0651",
           "Hierarchical data: the class goes first, the parts stay",
           "A grammar of 8 symbols, 4 levels, 6 rules per symbol (16 leaves), noised and resampled exactly by belief "
           "propagation. At t = 0.065 (VP) a U-turn has changed the class in 57 % of trees (87.5 % once it is "
           "forgotten) but only 14 % of the leaves — the changes come in chunks (the susceptibility's peak, "
           "t* = 0.065): past it, a new class is made of old parts (Sclocchi, Favero & Wyart 2025). science.md §5."),
    Preset("fm-pitchfork", "/bifurcation", "target=two_deltas&process=FM&r=1&pw=0.5&t=0.45",
           "Flow matching: the same pitchfork at t_c = ½",
           "Two deltas at ±1 under flow matching's linear interpolant x_t = (1 − t)y + tz: in x̃ = x/(1 − t) the "
           "noise is s² = t²/(1 − t)², so the pitchfork of s² = Λ = 1 falls at t_c = √Λ/(1 + √Λ) = ½, and the "
           "rectified-flow ODE is the probability-flow ODE of this process (Particles: ODE). science.md §9."),
    Preset("cfg-branching", "/bifurcation", "target=circle&process=VE&sigma=1&n=6&r=1&gc=0&gw=1&t=0.1",
           "Guidance removes wells and moves the decisions",
           "Six deltas on a circle guided toward the upper arc (three points) with w = 1: the unguided cascade "
           "of pitchforks from t_c = 0.5 is gone; only the class's own points keep fixed-point paths, and their "
           "decision comes by folds at t ≈ 0.21 (0.23 at w = 0, 0.18 at w = 4: guidance delays it). Try w = −1 "
           "(the unconditional model) and −0.9, where two deltas show guidance acting as a field: an imperfect "
           "pitchfork. science.md §9."),
    Preset("training-memorizes", "/training", "target=gaussian_points&d=4&n=32&process=VP&t=0.05",
           "A trained model generalizes first and memorizes later",
           "32 points of N(0, I) in d = 4 and nested subsets of 4, 8, 16, a random-features score model with p = 512 "
           "trained at 16 diffusion times: at t ≈ 0.05 the test loss is least at τ_gen ≈ 0.04 whatever n, and rises "
           "2 % above it at τ_mem ≈ 0.06, 0.08, 0.18, 0.24 — later for more points (τ_mem ∝ n^0.75 here); trained "
           "to the end it copies 43 % of its samples from 4 points and 6 % from 32, where the exact score copies "
           "all. Bonnaire, Urfin, Biroli & Mézard 2025."),
)
BY_KEY = {p.key: p for p in PRESETS}


def preset_of(search: str | None) -> Preset | None:
    """The preset named in a query string (``preset=KEY``), if any."""
    try:
        keys = parse_qs((search or "").lstrip("?"), max_num_fields=64).get("preset", [])
    except ValueError:
        return None
    return BY_KEY.get(keys[-1]) if keys else None


def preset_menu() -> dmc.Menu:
    """The header's "Presets" menu: one item per paper figure; choosing one closes the menu."""
    return dmc.Menu([
        dmc.MenuTarget(dmc.Button("Presets", id="preset-button", variant="subtle", color="gray.0", size="compact-md")),
        dmc.MenuDropdown([dmc.MenuItem(p.title, href=p.href, refresh=False, id=f"preset-{p.key}")
                          for p in PRESETS]),
    ], position="bottom-end", width=360, withinPortal=True)
