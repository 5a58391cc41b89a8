"""Home: what the lab is, and a card per view with a live thumbnail."""
import dash
from dash import ALL, Input, Output, callback, ctx, dcc, html

from components import ids
from pages.home._figures import thumbnail

dash.register_page(__name__, path="/", name="Home", title="Diffusion Thermodynamics Lab", order=0,
                   controls=())

VIEWS = [
    ("/landscape", "Free-energy landscape",
     "Drag the time down and watch F̃(x, t) split from one convex well into a well per data "
     "point: spontaneous symmetry breaking (Ambrogioni 2023 §5–7, Fig. 3)."),
    ("/bifurcation", "Bifurcation diagram",
     "Fixed-point paths from every data point merge into a decision tree; the susceptibility "
     "diverges at the branching and the critical exponents are mean-field (Ambrogioni 2023 §6, Ambrogioni 2025 §5)."),
    ("/particles", "Reverse diffusion",
     "A cloud of particles runs the reverse process in your browser: it splits into classes at the "
     "speciation time and collapses onto training points at the collapse time (Biroli et al. 2024). Flow "
     "matching, Heun and DDIM samplers, and classifier-free guidance run through the same thermodynamics."),
    ("/entropy", "Information dynamics",
     "The conditional entropy rate — the divergence of the score — peaks where the fixed-point paths "
     "branch: generation's decisions, on one time axis (Ambrogioni 2025)."),
    ("/memorization", "Memorization",
     "How many training points shape the score, when the weights condense (random energy model) and when "
     "trajectories collapse onto training points: the curse of dimensionality α = log n / d "
     "(Ambrogioni 2023 §10, Biroli et al. 2024)."),
    ("/ising", "Ising model and generative bath",
     "A target that is itself a magnet: the Ising temperature sets its phase, the diffusion time only its "
     "response to the field; and K coupled replicas whose K → ∞ limit is the diffusion's mean-field equation "
     "(Ambrogioni 2023 §4.4, §8)."),
    ("/training", "Training a score model",
     "A score model trained live on n points generalizes first (at a training time τ_gen independent of n) and "
     "memorizes later (τ_mem growing with n); its fixed points, free energy and critical time are read off the "
     "trained denoiser (Bonnaire, Urfin, Biroli & Mézard 2025; Ambrogioni 2023 §8)."),
    ("/images", "Real images",
     "Speciation and collapse on real images at the paper's scale: two classes of Fashion-MNIST (or MNIST, KMNIST), "
     "n up to 10,000 images of 32 × 32 — noisy images becoming garments, the moment one snaps onto a training image, "
     "and Table 1 and Figs. 4–5 of Biroli et al. 2024."),
    ("/uturn", "U-turns",
     "Noise a data point to time t and run it back: does it return to its class? The return probability falls "
     "from 1 to the class's weight across the critical window where the noised classes stop overlapping, around "
     "the speciation time (Sclocchi, Favero & Wyart 2025; Achilli et al. 2026; Li & Chen 2024)."),
    ("/hierarchy", "Hierarchical data",
     "Data made by a grammar, scored exactly by belief propagation: noise it and denoise it, and the class is lost "
     "abruptly at a transition while the low-level parts change smoothly (Sclocchi, Favero & Wyart 2025)."),
    ("/data", "Your own data",
     "Draw points, upload a dataset or pick classes of handwritten digits, and every page computes with them: "
     "their Λ, their speciation time, their landscape, their memorization."),
]


def layout(**_query):
    cards = [html.Div([
        dcc.Link(html.H3(name), href=path),
        dcc.Graph(id={"type": "home-thumb", "path": path}, config={"staticPlot": True}, style={"height": "220px"}),
        html.P(text),
    ], className="card") for path, name, text in VIEWS]
    return html.Div([
        html.H1("Diffusion Thermodynamics Lab"),
        html.P("Generative diffusion models are statistical-mechanics systems: as the noise is "
               "removed, their free energy breaks symmetry, their fixed points bifurcate and their "
               "samples condense onto data. This lab computes those quantities live, from the "
               "closed forms of four papers, for targets you choose — under the VE, VP and flow-matching "
               "processes, with or without classifier-free guidance. Pick a view, move the sliders, "
               "and every number you see is checked against theory in the test suite.",
               className="lead"),
        html.P(["New to the subject? ", dcc.Link("Start with a lesson", href="/lessons", id="home-lessons"),
                ": a guided tour, one view and one thing to notice at a time."], className="lead"),
        html.Div(cards, className="cards"),
    ])


@callback(Output({"type": "home-thumb", "path": ALL}, "figure"), Input(ids.STATE, "data"))
def thumbnails(_state):
    """Small live figures of each view (cheap closed forms or cached default runs)."""
    return [thumbnail(path) for path in ids.requested_ids("path", ctx.outputs_list)]
