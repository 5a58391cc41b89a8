"""About: what the lab implements and where it comes from."""
import dash
from dash import dcc, html

from components.presets import PRESETS

dash.register_page(__name__, path="/about", name="About", title="About the lab", order=9, controls=())

REFERENCES = r"""
## References

1. **L. Ambrogioni**, *The statistical thermodynamics of generative diffusion models: phase transitions,
   symmetry breaking and critical instability* (long version; seed 000; journal outline seed 001, short version
   seed 002). Free energy $F = -\beta^{-1}\log Z$ with $\beta(t) = 1/\sigma^2 t$, magnetization $\langle y\rangle$,
   susceptibility, fixed points and their pitchfork (§5–7, Figs. 2–3), the diffused Ising model (§4.4), the generative
   bath (§8), the modern-Hopfield energy (§9) and the random-energy analysis of memorization (§10).
2. **G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard**, *Dynamical regimes of diffusion models* (seed 003).
   Speciation $t_s = \tfrac12\log\Lambda$, cloning probability $\varphi(t)$ (eq. 6), collapse time from the excess
   entropy (eq. 10), Figs. 1–3 and Table 1.
3. **L. Ambrogioni**, *The information dynamics of generative diffusion* (seed 004). Conditional entropy rate
   $\dot H(y|x_t) = \tfrac12\nu^2\,\mathbb E[\operatorname{tr}\mathrm{Var}(y|x_t)]/s^4$ (eq. 17), divergence of the
   score (eq. 37), Fisher information (eq. 41), Fig. 1.

The formula sheet with the conventions and the errata the lab follows is `SCIENCE.md` beside the repository.

## What each page implements

| page | sections |
|---|---|
| Landscape | seed 000 §5–7 (F̃, score, fixed points, Hopfield energy), SCIENCE.md §1–3 |
| Bifurcation | seed 000 §6, seed 004 §5; SCIENCE.md §2–3 |
| Particles | seed 003 §2–3 and Figs. 1, 2, 5; SCIENCE.md §4–5 |
| Entropy | seed 004; SCIENCE.md §7 |
| Memorization | seed 000 §10, seed 003 §4; SCIENCE.md §5–6 |
| Ising | seed 000 §4.4, §8; SCIENCE.md §3.6, §8 |

## Conventions

One posterior kernel in $(\tilde x, s^2)$ with $\tilde x = x/a(t)$, $s^2 = b(t)^2/a(t)^2$ serves both the
variance-exploding process ($a = 1$, $b^2 = \sigma^2 t$) and the variance-preserving one ($a = e^{-t}$,
$b^2 = 1 - e^{-2t}$). Boltzmann weights
$w_j \propto \pi_j\exp\big((\tilde x\cdot y_j - \tfrac12|y_j|^2)/s^2\big)$ are computed in log space.
"""


def layout(**_query):
    return html.Div([
        html.H1("About the Diffusion Thermodynamics Lab"),
        dcc.Markdown(REFERENCES, mathjax=True, className="explain"),
        html.H2("Presets: the papers' figures"),
        html.Ul([html.Li([dcc.Link(p.title, href=p.href), html.Br(), html.Span(p.caption)]) for p in PRESETS],
                className="explain"),
    ])
