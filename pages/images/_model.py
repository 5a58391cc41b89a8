"""The real-images view's computations: Biroli et al. 2024's Table 1, Fig. 4 and Fig. 5 on the state's image target.

The job (``JOB``) runs ``core.image_regimes.image_regimes`` on the state's training images — cloning around the
speciation and the collapse times, μ* tracked on every trajectory, f^e(t), pictures — and the cloning alone on
each other installed image set (and scikit-learn's 8×8 digits) with the same classes, n and image side, so that
Fig. 4 puts several sets on one axis t/t_s.  Table 1's rows are cheap and computed on the page's request.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from components.cache import cached
from components.jobs import TimeFreeJob
from components.state import FALLBACK_IMAGES, LabState, parse_state, process_of, target_of
from core import limits
from core.datasets import top_eigenvalue
from core.image_regimes import ImageRegimes, image_regimes
from core.image_sets import IMAGE_SETS, class_images, installed
from core.processes import VP
from core.regimes import speciation_time
from core.streams import stream
from core.targets import SPECS, class_labels, image_set_of

#: Biroli, Bonnaire, de Bortoli & Mézard 2024 (arXiv:2402.18491), Table 1: (set, n, d, Λ, t_s = ½ log Λ).
PAPER_TABLE = (("MNIST", 10_000, 1_024, 7.66, 1.02), ("CIFAR-10", 10_000, 3_072, 16.72, 1.41),
               ("ImageNet16", 10_000, 768, 3.05, 0.56), ("ImageNet32", 10_000, 3_072, 12.11, 1.25),
               ("LSUN", 10_000, 12_288, 60.52, 2.05))
#: The paper's preprocessing of its MNIST row: two classes (0 and 1), n = 10,000 images zero-padded to 32 × 32.
PAPER_N, PAPER_SIDE, PAPER_CLASSES = 10_000, 32, (0, 1)

#: Trunk trajectories (= pairs of copies) and steps of the experiment on the state's set; the other sets of Fig. 4
#: use fewer pairs.  Their work P·n·d per step is bounded by WORK_PER_STEP (P shrinks at large n·d).
PAIRS, OTHER_PAIRS, STEPS = 400, 200, 100
WORK_PER_STEP = 400 * 2_000 * 1_024
#: Clone times: CLONES of them, geometric from a tenth of the lab's t_s down to… and up to 3 t_s.
CLONES, CLONE_LOW, CLONE_HIGH = 10, 0.02, 3.0
#: f^e(t): times and draws per time; trajectories and times shown as pictures.
ENTROPY_TIMES, ENTROPY_SAMPLES, SHOWN = 16, 300, 3
#: Pictures at these multiples of t_s (and at t_min).
PICTURE_FACTORS = (2.0, 1.0, 0.5, 0.25, 0.1)


def is_images(state: LabState) -> bool:
    """Whether the state's target is a set of labelled images (this view runs on those only)."""
    return state.image_shape is not None and state.spec.labelled


@dataclass(frozen=True)
class SetCurve:
    """φ(t) on one set for Fig. 4: its name, n, d, its t_s (the lab's), clone times, φ and its standard error."""

    name: str
    n: int
    d: int
    t_s: float
    times: np.ndarray
    phi: np.ndarray
    phi_se: np.ndarray


@dataclass(frozen=True)
class ImagesResult:
    """The view's result.

    regimes : the experiment on the state's set (core.image_regimes.ImageRegimes) ;
    training : (n, d) float32 training images (the pictures' nearest images are rows of it) ;
    labels : (n,) class of each ; class_names : the classes' names ;
    curves : Fig. 4's curves, the state's set first ; pairs : trunk trajectories used.
    """

    regimes: ImageRegimes
    training: np.ndarray
    labels: np.ndarray
    class_names: tuple
    curves: tuple
    pairs: int
    name: str

    @property
    def t_c_measured(self) -> float | None:
        """The mean collapse time t̂_C over the trajectories that collapsed (Fig. 5's dashed lines), if half did."""
        collapse = self.regimes.collapse
        finite = collapse[np.isfinite(collapse)]
        return float(finite.mean()) if finite.size >= 0.5 * collapse.size else None


def _pairs(n: int, d: int, most: int) -> int:
    return int(np.clip(WORK_PER_STEP // (n * d), 50, most))


def _clone_times(t_s: float, t_min: float, t_max: float) -> np.ndarray:
    return np.unique(np.clip(t_s * np.geomspace(CLONE_LOW, CLONE_HIGH, CLONES), 2 * t_min, 0.8 * t_max))


def time_range(target, process) -> tuple[float, float]:
    """t_min = 10⁻³ and a t_max where the noise swamps the images (s² = 25 Λ), within the process's times."""
    t_max = float(process.time_of_s2(25.0 * max(target.top_eigenvalue, 1.0)))
    return limits.T_MIN, float(min(t_max, 0.99 * process.t_max))


def _curve(state: LabState, progress=None) -> SetCurve:
    target, process = target_of(state), process_of(state)
    t_min, t_max = time_range(target, process)
    t_s = speciation_time(target, process)
    pairs = _pairs(target.data.n, target.d, OTHER_PAIRS)
    run = image_regimes(target, process, class_labels(target), _clone_times(t_s, t_min, t_max), pairs, STEPS,
                        stream(state.seed, "images-other"), t_min, t_max, track_every=10**9, progress=progress)
    return SetCurve(target.name, target.data.n, target.d, t_s, run.clone_times, run.phi, run.phi_se)


def other_sets(state: LabState) -> list[LabState]:
    """The states of Fig. 4's other curves: every other installed image set with the same classes, n and side,
    and scikit-learn's 8×8 digits of the same classes (all of them, up to n)."""
    others = [key for key, spec in SPECS.items() if spec.image_shape == "square" and key != state.target
              and not SPECS[key].missing()]
    if state.target != FALLBACK_IMAGES:
        others.append(FALLBACK_IMAGES)
    return [parse_state({**state.raw(), "target": key})[0] for key in others]


def _compute(inputs: LabState, progress=None) -> ImagesResult:
    target, process = target_of(inputs), process_of(inputs)
    others = other_sets(inputs)
    labels = class_labels(target)
    t_min, t_max = time_range(target, process)
    t_s = speciation_time(target, process)
    pairs = _pairs(target.data.n, target.d, PAIRS)
    parts = 1 + len(others)

    def part(k):
        return None if progress is None else lambda i, n: progress(k * 1000 + int(1000 * i / n), parts * 1000)

    pictures = np.r_[[f * t_s for f in PICTURE_FACTORS if t_min < f * t_s < t_max], t_min]
    entropy = np.geomspace(max(2 * t_min, CLONE_LOW * t_s / 2), min(2 * t_s, 0.8 * t_max), ENTROPY_TIMES)
    regimes = image_regimes(target, process, labels, _clone_times(t_s, t_min, t_max), pairs, STEPS,
                            stream(inputs.seed, "images"), t_min, t_max, picture_times=pictures, shown=SHOWN,
                            entropy_times=entropy, entropy_samples=ENTROPY_SAMPLES, progress=part(0))
    curves = [SetCurve(target.name, target.data.n, target.d, t_s, regimes.clone_times, regimes.phi, regimes.phi_se)]
    curves += [_curve(other, part(k + 1)) for k, other in enumerate(others)]
    names = tuple(class_names_of(inputs))
    return ImagesResult(regimes, target.data.points.astype(np.float32), labels.astype(np.int8), names, tuple(curves),
                        pairs, target.name)


def class_names_of(state: LabState) -> list[str]:
    """The names of the state's classes, in order (Fashion-MNIST's garments, the digits…)."""
    if state.spec.image_shape == "square":
        names = IMAGE_SETS[image_set_of(state.target)].classes
        return [names[int(c)] for c in state.digit_classes]
    return list(state.digit_classes)


#: The view's job: reads the target (set, classes, n, side, seed) and the process — nothing else.
JOB = TimeFreeJob("images", _compute, status=lambda i, n: f"{100 * i / n:.0f} % of the integration",
                  applies=is_images)


@dataclass(frozen=True)
class TableRow:
    """One row of Table 1: what it is, n, d, Λ, ½ log Λ (the paper's t_s) and ½ log(1 + Λ) (the lab's, VP)."""

    label: str
    n: int
    d: int
    lam: float
    t_s_paper: float
    t_s_lab: float | None


def _row(label: str, n: int, d: int, lam: float) -> TableRow:
    return TableRow(label, n, d, lam, 0.5 * np.log(lam), float(VP.time_of_s2(lam)))


def state_row(state: LabState) -> TableRow:
    """The state's training set: Λ is its covariance's top eigenvalue (computed when the target is built)."""
    target = target_of(state)
    return _row(f"{target.name}, classes {', '.join(class_names_of(state))} (this lab's set)", target.data.n,
                target.d, target.top_eigenvalue)


def paper_rows() -> list[TableRow]:
    """The paper's own rows, with its numbers (its t_s is ½ log Λ; ½ log(1 + Λ) added)."""
    return [TableRow(f"{name} (Biroli et al. 2024)", n, d, lam, t_s, float(VP.time_of_s2(lam)))
            for name, n, d, lam, t_s in PAPER_TABLE]


def preprocessed_rows() -> list[TableRow | str]:
    """Every image set at the paper's MNIST preprocessing (classes 0 and 1, n = 10,000, 32 × 32, pixels / 255):
    a row where the set is installed, else the message saying how to install it."""
    rows = []
    for key, spec in IMAGE_SETS.items():
        missing = installed(key)
        rows.append(missing if missing else _preprocessed(key, spec.name))
    return rows


@functools.lru_cache(maxsize=len(IMAGE_SETS))
def _preprocessed(key: str, name: str) -> TableRow:
    """~0.5 s once per set (10,000 images and their 1,024 × 1,024 covariance), then this worker's memory or the
    shared cache."""
    def compute():
        points, _ = class_images(key, PAPER_CLASSES, PAPER_N, PAPER_SIDE, seed=0)
        names = IMAGE_SETS[key].classes
        return _row(f"{name}, {names[0]} / {names[1]}, the paper's preprocessing", PAPER_N, PAPER_SIDE**2,
                    top_eigenvalue(points.astype(np.float64)))
    return cached("images-preprocessed", key, compute)
