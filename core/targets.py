"""The registry of target shapes φ(y) (science.md §1, §3).

A target is either discrete (points + weights, posterior by the empirical kernel) or
continuous (a closed-form posterior).  ``make_target(key, **params)`` builds one; the same
parameters (seed included) always give the same data, and the result is cached so the
prepared arrays are built once per dataset.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import numpy as np

from core import analytic
from core.posterior import DiscreteData, PosteriorStats, empirical_posterior


@dataclass(frozen=True, eq=False)
class Target:
    """A target distribution with its posterior.

    Attributes
    ----------
    key, name : str
        Registry key and display name.
    params : tuple of (name, value)
        The parameters it was built from.
    d : int
        Dimension.
    data : DiscreteData or None
        Points and weights of a discrete target.
    covariance : (d, d) array
        Covariance of φ (exact), whose top eigenvalue Λ sets the first instability (§3).
    display_points : (M, d) array
        Points to draw: the data, the mixture centres, or a few samples of a continuous law.
    reach : float
        Every posterior mean lies within ``reach`` × the extent of the display points from the origin:
        1 for a target (a mean is inside the support's hull); 1 + 2|w| for a guided model (core.guidance).
    """

    key: str
    name: str
    params: tuple
    d: int
    data: DiscreteData | None
    covariance: np.ndarray
    display_points: np.ndarray
    _posterior: Callable | None = None
    _sampler: Callable | None = None
    reach: float = 1.0

    @property
    def is_discrete(self) -> bool:
        return self.data is not None

    def posterior(self, x_tilde, s2, full_cov: bool | None = None) -> PosteriorStats:
        """Posterior moments at x̃ for effective noise s² (a number or one per point; §1)."""
        if self.data is not None:
            return empirical_posterior(x_tilde, s2, self.data, full_cov)
        return self._posterior(x_tilde, s2, bool(full_cov))

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` draws y ~ φ, shape (size, d)."""
        if self.data is not None:
            idx = rng.choice(self.data.n, size=size, p=self.data.weights)
            return self.data.points[idx]
        return self._sampler(size, rng)

    @cached_property
    def covariance_eigh(self) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues (ascending) and eigenvectors of the covariance (computed once per target: 0.13 s at
        d = 1,024)."""
        return np.linalg.eigh(self.covariance)

    @cached_property
    def top_eigenvalue(self) -> float:
        """Λ, the top eigenvalue of the target's covariance (computed once per target)."""
        return float(np.linalg.eigvalsh(self.covariance)[-1])


def _always(_params) -> bool:
    return True


def _equal_weights(params) -> bool:
    return params["pw"] == 0.5


@dataclass(frozen=True)
class TargetSpec:
    """How to build a target (display name, the parameters it uses, its defaults) and what the
    views may do with it — its capabilities, read instead of comparing target names.

    Capabilities
    ------------
    axial : bool
        Its fixed points lie on one symmetry axis, so the exact 1-D diagram of core.bifurcation applies.
    symmetric : callable or None
        ``symmetric(params)``: its transition is a symmetric pitchfork (with no field) for these parameters.
    transition : bool
        It has a symmetry-breaking transition at all (a Gaussian keeps one stable fixed point).
    two_clusters : bool
        Biroli et al. 2024's two-cluster mixture: a generated point's class is its side, and φ(t) (eq. 6) and t_C
        (eq. 10) are known in closed form under VP.
    exact_rate : str or None
        The closed-form conditional entropy rate of core.entropy that applies: "two_deltas" (equal
        weights), "subspace" or "hypersphere".
    labelled : bool
        Its points carry class labels (digits): a generated point's class is the nearest class mean.
    image_shape : tuple, "square" or None
        Its points are images of this shape ("square": √d × √d; ``image_shape_in(d)`` gives the tuple).
    user_points : bool
        Its points come from the user (drawn or uploaded), to be validated when a state is read.
    classes : callable or None
        ``classes(target)`` → [(name, class target or None), …]: the target split into classes (each a
        normalized target of its own; None where the dataset has no point of it), for classifier-free
        guidance (science.md §9).
    population : callable or None
        ``population(target)`` → the law its points were drawn from (a Target), or a second sample of it
        (digits: the images of the same classes not in the set); None where the points are the whole law.
    bounds : dict
        Parameter → (lowest, highest) where this target is narrower than the lab's range (the circle's K).
    missing : callable or None
        ``missing()`` → None when its data is on this machine, else the message saying how to install it (the
        image sets' files).
    """

    key: str
    name: str
    uses: tuple
    defaults: dict
    build: Callable
    discrete: bool
    fixed_d: int | None = None
    note: str = ""
    axial: bool = False
    symmetric: Callable | None = None
    transition: bool = True
    two_clusters: bool = False
    exact_rate: str | None = None
    labelled: bool = False
    image_shape: tuple | str | None = None
    user_points: bool = False
    classes: Callable | None = None
    population: Callable | None = None
    bounds: dict = field(default_factory=dict)
    missing: Callable | None = None

    def image_shape_in(self, d: int) -> tuple | None:
        """The shape of its images in dimension d (None: its points are not images)."""
        if self.image_shape == "square":
            side = int(round(np.sqrt(d)))
            return (side, side)
        return self.image_shape

    def symmetric_at(self, params) -> bool:
        """Whether the transition is a symmetric pitchfork for ``params`` (a mapping with its parameters)."""
        return self.symmetric is not None and self.symmetric(params)


def _discrete(key, name, params, points, weights=None):
    points = np.asarray(points, dtype=float)
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    data = DiscreteData(points, weights)
    u = data.centred
    cov = (u * data.weights[:, None]).T @ u
    return Target(key, name, params, data.d, data, cov, data.points)


def _two_deltas(d, r, pw, **_):
    points = np.zeros((2, d))
    points[:, 0] = (r, -r)
    return points, np.array([pw, 1.0 - pw])


def _circle(n, r, **_):
    angle = 2.0 * np.pi * np.arange(n) / n
    return r * np.column_stack([np.cos(angle), np.sin(angle)]), None


def _gaussian_points(d, n, seed, r, **_):
    return r * np.random.default_rng(seed).standard_normal((n, d)), None


def _sphere_points(d, n, seed, r, **_):
    z = np.random.default_rng(seed).standard_normal((n, d))
    return r * z / np.linalg.norm(z, axis=1, keepdims=True), None


def _mixture_centres(d, r):
    """±m with m = μ̃·(1, …, 1), so |m|² = dμ̃² (Biroli et al. 2024)."""
    m = np.full(d, float(r))
    return np.stack([m, -m])


def _mixture_samples(d, n, seed, r, sc, **_):
    rng = np.random.default_rng(seed)
    sign = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    return sign[:, None] * _mixture_centres(d, r)[0] + sc * rng.standard_normal((n, d)), None


def _mixture_law(key, name, params, d, r, sc, **_):
    centres = _mixture_centres(d, r)
    weights = np.array([0.5, 0.5])
    cov = sc**2 * np.eye(d) + np.outer(centres[0], centres[0])

    def sampler(size, rng):
        sign = np.where(rng.random(size) < 0.5, 1.0, -1.0)
        return sign[:, None] * centres[0] + sc * rng.standard_normal((size, d))

    post = lambda x, s2, full: analytic.gaussian_mixture_posterior(x, s2, centres, weights,
                                                                   sc**2, full)
    return Target(key, name, params, d, None, cov, centres, post, sampler)


def _hypersphere_law(key, name, params, d, r, **_):
    def sampler(size, rng):
        z = rng.standard_normal((size, d))
        return r * z / np.linalg.norm(z, axis=1, keepdims=True)

    post = lambda x, s2, full: analytic.hypersphere_posterior(x, s2, r, full)
    display = sampler(256, np.random.default_rng(0))
    return Target(key, name, params, d, None, r**2 / d * np.eye(d), display, post, sampler)


def _subspace_law(key, name, params, d, r, dd, **_):
    dd = min(dd, d)
    on = (np.arange(d) < dd).astype(float)

    def sampler(size, rng):
        return r * rng.standard_normal((size, d)) * on

    post = lambda x, s2, full: analytic.gaussian_subspace_posterior(x, s2, r, dd, full)
    display = sampler(256, np.random.default_rng(0))
    return Target(key, name, params, d, None, np.diag(r**2 * on), display, post, sampler)


#: Two deltas at ±1 in 2-D: the custom target before anything is drawn.
DEFAULT_PTS = "1,0,1;-1,0,1"
#: Parameters that are text, not numbers.
TEXT_PARAMS = ("pts", "cls")


def _custom(pts, datasets=None, **_):
    """Drawn points inline ('x,y,w;…'), or '@KEY': an uploaded set that ``datasets(KEY)`` returns as
    (points, weights) — the caller's store (the lab's: components.userdata.load_dataset), so core holds no web code."""
    from core.datasets import DataError, decode_inline
    if pts.startswith("@"):
        found = datasets(pts[1:]) if datasets else None
        if found is None:
            raise DataError("that uploaded dataset is no longer stored on this server: upload it again")
        return found
    return decode_inline(pts)


def _digits(n, seed, cls, **_):
    from core.datasets import digits_points
    return digits_points(cls, n, seed)[0], None


def _images(key):
    """An image set's builder: ``n`` images of the classes ``cls`` at side ``side`` (core.image_sets)."""
    def build(n, seed, cls, side, **_):
        from core.image_sets import class_images
        return class_images(image_set_of(key), tuple(cls), n, side, seed)[0], None
    return build


def image_set_of(key: str) -> str:
    """The core.image_sets key of target ``key`` ('fashion_mnist' → 'fashion-mnist')."""
    return key.replace("_", "-")


def _image_classes(target):
    from core.image_sets import IMAGE_SETS
    names = IMAGE_SETS[image_set_of(target.key)].classes
    return _split(target, class_labels(target), tuple(names[int(c)] for c in dict(target.params)["cls"]))


def _held_out_images(target):
    """The same classes of the set's test files: a second sample of the law the training images came from (None
    where the set's test files are not installed)."""
    from core.datasets import DataError
    from core.image_sets import class_images
    params = dict(target.params)
    try:
        points = class_images(image_set_of(target.key), tuple(params["cls"]), None, int(params["side"]), 0,
                              split="test")[0]
    except DataError:
        return None
    return _discrete(target.key, f"{target.name}, test images", target.params + (("held_out", 1),), points)


def _image_set_missing(key):
    def missing():
        from core.image_sets import installed
        return installed(image_set_of(key))
    return missing


def _image_spec(key, name, classes_note):
    return TargetSpec(
        key, name, ("n", "seed", "cls", "side"), dict(d=1024, n=2000, cls="01", side=32), _points_target(_images(key)),
        True, bounds={"n": (20, 10_000)},
        note=f"two or more classes of {name}'s training images (an equal share each), pixels / 255 in [0, 1], "
             f"28 × 28 or zero-padded to 32 × 32 (Biroli et al. 2024's MNIST shape); classes: {classes_note}",
        labelled=True, image_shape="square", classes=_image_classes, population=_held_out_images,
        missing=_image_set_missing(key))


def subset_target(target: Target, keep, name: str | None = None) -> Target:
    """The discrete target made of the points ``keep`` (a mask or indices) of ``target``, weights renormalized."""
    data = target.data
    keep = np.arange(data.n)[keep]
    return _discrete(target.key, name or f"{target.name}, {len(keep)} of its points",
                     target.params + (("points", tuple(int(k) for k in keep)),), data.points[keep], data.weights[keep])


def _split(target, labels, names):
    """Discrete classes: the points with each label, their weights renormalized (None for a class this
    dataset happens to have no points of, e.g. two digits drawn from one class)."""
    data = target.data
    return [(name, _discrete(target.key, f"{target.name}, class {name}", target.params + (("class", k),),
                             data.points[labels == k], data.weights[labels == k]) if np.any(labels == k) else None)
            for k, name in enumerate(names)]


def _two_delta_classes(target):
    return _split(target, np.array([0, 1]), ("+r", "−r"))


def _arc_classes(target):
    """Upper arc (angles in [0, π): k < K/2) and lower arc."""
    n = target.data.n
    return _split(target, (np.arange(n) >= (n + 1) // 2).astype(int), ("upper arc", "lower arc"))


def _side_classes(target):
    """Samples of the two-cluster mixture by side of the plane x·m = 0 (the cluster they were drawn from,
    but for the rare overlap)."""
    m = _mixture_centres(target.d, 1.0)[0]
    return _split(target, (target.data.points @ m < 0).astype(int), ("+m", "−m"))


def class_labels(target: Target) -> np.ndarray:
    """The class of each point of a labelled target (digits, image sets), numbered in the order of its classes
    ``cls`` (sorted): 0 for the first, 1 for the next…"""
    params = dict(target.params)
    if SPECS[target.key].image_shape == "square":
        from core.image_sets import class_images
        return class_images(image_set_of(target.key), tuple(params["cls"]), int(params["n"]), int(params["side"]),
                            int(params["seed"]))[1].astype(int)
    from core.datasets import digits_points
    labels = digits_points(params["cls"], int(params["n"]), int(params["seed"]))[1]
    return np.searchsorted(np.array([int(c) for c in sorted(set(params["cls"]))]), labels)


def _digit_classes(target):
    return _split(target, class_labels(target), tuple(sorted(set(dict(target.params)["cls"]))))


def _component_classes(target):
    """The mixture law's two components N(±m, σ_c²I), each a one-component mixture."""
    params = dict(target.params)
    d, sc = int(params["d"]), float(params["sc"])
    out = []
    for k, name in enumerate(("+m", "−m")):
        centre = target.display_points[k:k + 1]
        post = (lambda x, s2, full, centre=centre:
                analytic.gaussian_mixture_posterior(x, s2, centre, np.ones(1), sc**2, full))
        sampler = (lambda size, rng, centre=centre: centre[0] + sc * rng.standard_normal((size, d)))
        out.append((name, Target(target.key, f"{target.name}, class {name}", target.params + (("class", k),), d,
                                 None, sc**2 * np.eye(d), centre, post, sampler)))
    return out


def _law(key, extra, name):
    """The population of a sampled dataset: the law ``key`` with the dataset's own parameters, called ``name``
    (the subspace law with D_data = d is N(0, r²I), not 'a Gaussian on a subspace')."""
    def population(target):
        params = dict(target.params)
        law = make_target(key, **{k: params[k] for k in ("d", "r", "sc") if k in params}, **extra(params))
        return replace(law, name=name)
    return population


def _held_out_digits(target):
    """The digits of the same classes that are not in the set: a second sample of the population (None if
    the set holds them all)."""
    from core.datasets import held_out_digits
    params = dict(target.params)
    points = held_out_digits(params["cls"], int(params["n"]), int(params["seed"]))
    if len(points) == 0:
        return None
    return _discrete(target.key, f"{target.name}, held out", target.params + (("held_out", 1),), points)


def _points_target(make_points):
    def build(key, name, params, **kw):
        points, weights = make_points(**kw)
        return _discrete(key, name, params, points, weights)
    return build


SPECS = {s.key: s for s in (
    TargetSpec("two_deltas", "Two deltas ±r", ("d", "r", "pw"),
               dict(d=1, n=2, r=1.0, pw=0.5), _points_target(_two_deltas), True,
               note="y = ±r·e₁ with weights (π₊, 1 − π₊)", axial=True, symmetric=_equal_weights,
               exact_rate="two_deltas", classes=_two_delta_classes),
    TargetSpec("circle", "K deltas on a circle", ("n", "r"),
               dict(d=2, n=4, r=1.0), _points_target(_circle), True, fixed_d=2, bounds={"n": (2, 64)},
               note="K = n points at angles 2πk/K; K = 4 is Ambrogioni 2023's Fig. 3", classes=_arc_classes),
    TargetSpec("gaussian_points", "Random dataset (Gaussian)", ("d", "n", "seed", "r"),
               dict(d=2, n=50, r=1.0), _points_target(_gaussian_points), True,
               note="n points drawn from N(0, r²I)", population=_law("subspace", lambda p: dict(dd=p["d"]),
                              "N(0, r²I), the law the points were drawn from")),
    TargetSpec("sphere_points", "Random dataset (on a sphere)", ("d", "n", "seed", "r"),
               dict(d=10, n=50, r=1.0), _points_target(_sphere_points), True,
               note="n points uniform on the sphere of radius r", population=_law("hypersphere", lambda p: {},
                              "the uniform law on the sphere the points were drawn from")),
    TargetSpec("mixture_samples", "Two-cluster mixture, n samples", ("d", "n", "seed", "r", "sc"),
               dict(d=2, n=200, r=1.0, sc=0.3), _points_target(_mixture_samples), True,
               note="n samples of ½N(m, σ_c²I) + ½N(−m, σ_c²I), m = μ̃(1, …, 1) (Biroli et al. 2024)",
               two_clusters=True, classes=_side_classes, population=_law("mixture", lambda p: {},
                              "the two-cluster mixture law the points were drawn from")),
    TargetSpec("custom", "Your points (drawn or uploaded)", ("pts",), dict(pts=DEFAULT_PTS),
               _points_target(_custom), True, note="the points drawn or uploaded on the Data page", user_points=True),
    TargetSpec("digits", "Handwritten digits (8×8)", ("n", "seed", "cls"), dict(d=64, n=360, cls="01"),
               _points_target(_digits), True, fixed_d=64,
               note="scikit-learn's bundled digits of the chosen classes, pixels in [0, 1] (Biroli et al. 2024 §5)",
               labelled=True, image_shape=(8, 8), classes=_digit_classes, population=_held_out_digits),
    _image_spec("fashion_mnist", "Fashion-MNIST",
                "0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, "
                "9 Ankle boot"),
    _image_spec("mnist", "MNIST", "the digits 0–9"),
    _image_spec("kmnist", "Kuzushiji-MNIST", "0 o, 1 ki, 2 su, 3 tsu, 4 na, 5 ha, 6 ma, 7 ya, 8 re, 9 wo"),
    TargetSpec("mixture", "Two-cluster mixture (law)", ("d", "r", "sc"),
               dict(d=2, r=1.0, sc=0.3), _mixture_law, False,
               note="the continuous law ½N(m, σ_c²I) + ½N(−m, σ_c²I) (Biroli et al. 2024)", axial=True,
               symmetric=_always,
               two_clusters=True, classes=_component_classes),
    TargetSpec("hypersphere", "Uniform hypersphere", ("d", "r"),
               dict(d=3, r=1.0), _hypersphere_law, False,
               note="uniform on S^{d−1} of radius r: von Mises–Fisher posterior", axial=True, symmetric=_always,
               exact_rate="hypersphere"),
    TargetSpec("subspace", "Gaussian on a subspace", ("d", "r", "dd"),
               dict(d=10, r=1.0, dd=2), _subspace_law, False,
               note="N(0, h²I) on the first D_data of d coordinates (Ambrogioni 2025 §4), h = r", axial=True,
               transition=False, exact_rate="subspace"),
)}

#: Parameter values used when neither the spec nor the caller sets them.
BASE_DEFAULTS = dict(d=2, n=50, seed=0, r=1.0, pw=0.5, sc=0.3, dd=2, pts=DEFAULT_PTS, cls="01", side=32)


def target_defaults(key: str) -> dict:
    """All parameters of target ``key`` at their defaults."""
    return {**BASE_DEFAULTS, **SPECS[key].defaults}


def make_target(key: str, datasets=None, **params) -> Target:
    """Build target ``key``; parameters it does not use are ignored (so they do not split
    the cache).  ``datasets(KEY)`` resolves an uploaded set '@KEY' of a user-points target (None: inline
    points only).  Raises KeyError for an unknown key."""
    spec = SPECS[key]
    full = {**target_defaults(key), **params}
    if spec.fixed_d is not None:
        full["d"] = spec.fixed_d
    if "side" in spec.uses:                 # images: d = side²
        full["d"] = int(full["side"]) ** 2
    used = tuple(sorted((k, full[k]) for k in set(spec.uses) | {"d"}))
    return _cached_target(key, used, datasets if spec.user_points else None)


@lru_cache(maxsize=4)  # a dataset at the size caps is ~160 MB
def _cached_target(key, used, datasets):
    spec = SPECS[key]
    kw = dict(used)
    kw = {k: (v if k in TEXT_PARAMS else int(v) if k in ("d", "n", "seed", "dd", "side") else float(v))
          for k, v in kw.items()}
    return spec.build(key=key, name=spec.name, params=used, datasets=datasets, **kw)
