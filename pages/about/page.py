"""About: what the lab implements and where it comes from."""
import dash
from dash import dcc, html

from components.presets import PRESETS

dash.register_page(__name__, path="/about", name="About", title="About the lab", order=9, controls=())

REFERENCES = r"""
## References

The pages cite these papers by author and year.

1. **L. Ambrogioni (2023)**, *The statistical thermodynamics of generative diffusion models: phase transitions,
   symmetry breaking and critical instability*, [arXiv:2310.17467](https://arxiv.org/abs/2310.17467).
   Free energy $F = -\beta^{-1}\log Z$ with $\beta(t) = 1/\sigma^2 t$, magnetization $\langle y\rangle$,
   susceptibility, fixed points and their pitchfork (§5–7, Figs. 2–3), the diffused Ising model (§4.4), the generative
   bath (§8), the modern-Hopfield energy (§9) and the random-energy analysis of memorization (§10).
2. **G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard (2024)**, *Dynamical regimes of diffusion models*,
   Nature Communications 15, [doi:10.1038/s41467-024-54281-3](https://doi.org/10.1038/s41467-024-54281-3),
   [arXiv:2402.18491](https://arxiv.org/abs/2402.18491).
   Speciation $t_s = \tfrac12\log\Lambda$, cloning probability $\varphi(t)$ (eq. 6), collapse time from the excess
   entropy (eq. 10), Figs. 1–3 and Table 1.
3. **L. Ambrogioni (2025)**, *The information dynamics of generative diffusion*,
   [arXiv:2508.19897](https://arxiv.org/abs/2508.19897). Conditional entropy rate
   $\dot H(y|x_t) = \tfrac12\nu^2\,\mathbb E[\operatorname{tr}\mathrm{Var}(y|x_t)]/s^4$ (eq. 17), divergence of the
   score (eq. 37), Fisher information (eq. 41), Fig. 1.

Beyond the papers (science.md §9), through the same kernel:

4. **Flow matching** — the linear interpolant $x_t = (1-t)\,y + t\,z$, $0 < t < 1$ (rectified flow): $a = 1 - t$,
   $b = t$, $s^2 = t^2/(1-t)^2$, critical time $t_c = \sqrt\Lambda/(1+\sqrt\Lambda)$. A third process on every page.
5. **Samplers** — Euler–Maruyama, Heun's second-order predictor–corrector (Karras et al. 2022, Alg. 1) and the
   exponential integrator (DDIM, Song et al. 2021; ancestral sampling for the SDE), on three step grids: uniform in
   $\log t$, Karras, Aittala, Aila & Laine (2022, [arXiv:2206.00364](https://arxiv.org/abs/2206.00364)) eq. 5 with
   $\rho = 7$ in the noise level $s = b/a$, and entropic time — equal steps of $H(y|x_t)$ (Stancevic, Handke &
   Ambrogioni 2025, [arXiv:2504.13612](https://arxiv.org/abs/2504.13612)); their error against steps is measured on
   the Particles page.
6. **Classifier-free guidance** (Ho & Salimans 2022) — the score $s_w = (1+w)\nabla\log p_t(x|c)$
   $- \, w\nabla\log p_t(x)$, whose free energy is $\tilde F_w = \tfrac12|\tilde x|^2 - s^2 L_w$ with
   $L_w = (1+w)\log Z_c - w\log Z$: its landscape, fixed points,
   branching diagram, entropy rate and samples. Found here: guidance acts as a field (an imperfect pitchfork) only for
   $-1 < w < 0$; for $w \ge 0$ and classes that are points or Gaussians the guided drift along the class axis is
   monotone, so guidance removes the other class's well instead of tilting it (science.md §9). Guidance over time
   w(t): constant, limited to an interval of noise levels (T. Kynkäänniemi, M. Aittala, T. Karras, S. Laine,
   T. Aila, J. Lehtinen (2024), [arXiv:2404.07724](https://arxiv.org/abs/2404.07724)), or with a negative-guidance
   window (E. Ventura, B. Achilli, L. Ambrogioni, C. Lucibello (2026), *Emergence of distortions in high-dimensional
   guided diffusion models*, [arXiv:2602.00716](https://arxiv.org/abs/2602.00716)); the Particles page measures
   each schedule's class separability and spread against the exact class law.

7. **U-turns and critical windows** — A. Sclocchi, A. Favero, M. Wyart (2025), *A phase transition in diffusion
   models reveals the hierarchical nature of data*, PNAS 122, e2408799121,
   [arXiv:2402.16991](https://arxiv.org/abs/2402.16991); Achilli, Benedetti, Biroli & Mézard (2026),
   [arXiv:2602.04404](https://arxiv.org/abs/2602.04404); M. Li, S. Chen (2024), *Critical windows: non-asymptotic
   theory for feature emergence in diffusion models*, ICML 2024, [arXiv:2403.01633](https://arxiv.org/abs/2403.01633).
   The class-return probability of a noised-and-denoised data point, and the total-variation window in which a
   class is decided (the U-turns page; science.md §5). The random hierarchy model — F. Petrini, F. Cagnetta,
   A. Sclocchi, A. Favero, M. Wyart (2023), [arXiv:2307.02129](https://arxiv.org/abs/2307.02129) — with its exact
   score by belief propagation, the class lost at a transition while the leaves change smoothly, and the correlated
   changes of A. Sclocchi, A. Favero, N. I. Levi, M. Wyart (2025), [arXiv:2410.13770](https://arxiv.org/abs/2410.13770)
   (the Hierarchy page).

8. **T. Bonnaire, R. Urfin, G. Biroli, M. Mézard (2025)**, *Why diffusion models don't memorize: the role of implicit
   dynamical regularization in training*, NeurIPS 2025, [arXiv:2505.17638](https://arxiv.org/abs/2505.17638). The
   random-features score model $s_A(x) = A\tanh(Wx/\sqrt d)$ trained by denoising score matching (ridge
   $\lambda = 10^{-3}$), generalization at a training time $\tau_{gen}$ independent of $n$ and memorization at
   $\tau_{mem}$ growing with $n$; copies told by the nearest/second-nearest distance ratio 1/3. On the Training page
   gradient flow is solved in closed form, $A(\tau) = A^*(I - e^{-\tau(U+\lambda)})$, and the trained denoiser's
   self-consistency equation, stability and poorly trained region follow the short version of Ambrogioni 2023 (§8).

The formula sheet with the conventions and the errata the lab follows is `docs/science.md` in the repository.

## What each page implements

| page | sections |
|---|---|
| Landscape | Ambrogioni 2023 §5–7 (F̃, score, fixed points, Hopfield energy), science.md §1–3; guided F̃_w, §9 |
| Bifurcation | Ambrogioni 2023 §6, Ambrogioni 2025 §5; science.md §2–3; guided paths, §9 |
| Particles | Biroli et al. 2024 §2–3 and Figs. 1, 2, 5; science.md §4–5; samplers and guidance, §9 |
| Entropy | Ambrogioni 2025; science.md §7; the flow-matching marginal rate and the guided rate, §9 |
| Memorization | Ambrogioni 2023 §10, Biroli et al. 2024 §4; science.md §5–6 |
| Images | Biroli et al. 2024 §5, Table 1 and Figs. 4–5, on Fashion-MNIST, MNIST or KMNIST; science.md §5 |
| U-turns | Sclocchi et al. 2025, Achilli et al. 2026 (U-turns), Li & Chen 2024 (critical windows); science.md §5 |
| Hierarchy | Sclocchi, Favero & Wyart 2025 (random hierarchy model, exact BP score); science.md §5 |
| Ising | Ambrogioni 2023 §4.4, §8; science.md §3.6, §8 |
| Training | Bonnaire, Urfin, Biroli & Mézard 2025; Ambrogioni 2023 (short version) §8; science.md §1–3 |

## Conventions

One posterior kernel in $(\tilde x, s^2)$ with $\tilde x = x/a(t)$, $s^2 = b(t)^2/a(t)^2$ serves the
variance-exploding process ($a = 1$, $b^2 = \sigma^2 t$), the variance-preserving one ($a = e^{-t}$,
$b^2 = 1 - e^{-2t}$) and flow matching ($a = 1 - t$, $b = t$). Quantities that depend on $t$ only through $s^2$
(the speciation and collapse times, the cloning probability $\varphi$) are the same curve in $s^2$ for all three.
Boltzmann weights $w_j \propto \pi_j\exp\big((\tilde x\cdot y_j - \tfrac12|y_j|^2)/s^2\big)$ are computed in log space.
"""


def layout(**_query):
    return html.Div([
        html.H1("About the Diffusion Thermodynamics Lab"),
        dcc.Markdown(REFERENCES, mathjax=True, className="explain"),
        html.H2("Presets: the papers' figures, flow matching, guidance and training"),
        html.Ul([html.Li([dcc.Link(p.title, href=p.href), html.Br(), html.Span(p.caption)]) for p in PRESETS],
                className="explain"),
    ])
