"""The lab's shared state: the values of the control panel, kept in the URL query string.

``parse_state`` turns any mapping of raw values (a query string, a hand-made callback
request) into a valid state plus the notices that say what was clamped or replaced.
"""
from __future__ import annotations

import functools
import math
import re
from urllib.parse import parse_qs, urlencode

import numpy as np

from core import limits
from core.guidance import W_MAX as GUIDANCE_W_MAX
from core.guidance import W_MIN as GUIDANCE_W_MIN
from core.guidance import class_names, class_target, guided_target, populated_classes
from core.processes import PROCESS_KINDS, Process
from core.targets import DEFAULT_PTS, SPECS, Target, TargetSpec, make_target, target_defaults

DEFAULT_TARGET = "circle"
#: Longest query string read; the rest is ignored (with a notice).  A drawn set of 64 points fits.
MAX_QUERY_CHARS = 4_000
#: Most fields a query string may hold (``parse_qs``'s ``max_num_fields``).
MAX_QUERY_FIELDS = 64
#: Most deltas on the circle target.
CIRCLE_MAX = 64

#: name → (kind, default, low, high, label).  Kinds: "choice", "float", "int", "text" (low: the
#: pattern the whole value must match, high: its longest length).
FIELDS = {
    "target": ("choice", DEFAULT_TARGET, tuple(SPECS), None, "target"),
    "process": ("choice", "VE", PROCESS_KINDS, None, "process"),
    "t": ("float", 0.3, limits.T_MIN, limits.T_MAX, "time t"),
    "sigma": ("float", 1.0, limits.SIGMA_MIN, limits.SIGMA_MAX, "σ"),
    "d": ("int", 2, 1, limits.D_MAX, "dimension d"),
    "n": ("int", 4, 1, limits.N_MAX, "sample count n"),
    "seed": ("int", 0, 0, limits.SEED_MAX, "seed"),
    "r": ("float", 1.0, limits.R_MIN, limits.R_MAX, "scale r"),
    "pw": ("float", 0.5, limits.PW_MIN, limits.PW_MAX, "weight π₊"),
    "sc": ("float", 0.3, limits.SC_MIN, limits.SC_MAX, "cluster width σ_c"),
    "dd": ("int", 2, 1, limits.D_MAX, "subspace dimension D_data"),
    "pts": ("text", DEFAULT_PTS, r"@[0-9a-f]{16}|[-+0-9.eE,;]+", 3_000, "drawn or uploaded points"),
    "cls": ("text", "01", r"[0-9]{2,10}", 10, "digit classes"),
    "h": ("float", 0.0, limits.H_MIN, limits.H_MAX, "probe field h"),
    "spins": ("int", 8, 1, limits.SPINS_MAX, "Ising spins d"),
    "J": ("float", 1.0, limits.J_MIN, limits.J_MAX, "Ising coupling J"),
    "temp": ("float", 1.5, limits.TEMP_MIN, limits.TEMP_MAX, "Ising temperature T"),
    "K": ("int", 100, limits.K_MIN, limits.K_MAX, "replicas K"),
    "w": ("float", 1.0, limits.W_MIN, limits.W_MAX, "bath coupling w"),
    "gc": ("text", "none", r"none|[0-9]", 4, "guided class"),
    "gw": ("float", 1.0, GUIDANCE_W_MIN, GUIDANCE_W_MAX, "guidance strength w"),
}
#: Fields that are not target shape parameters and not shown by every page.
PAGE_FIELDS = ("h", "spins", "J", "temp", "K", "w", "gc", "gw")
#: Shape parameters a target may use (the others keep their value but are ignored).
SHAPE_FIELDS = ("d", "n", "seed", "r", "pw", "sc", "dd", "pts", "cls")


def default_state(target: str = DEFAULT_TARGET) -> dict:
    """The default state, with the shape parameters of ``target``."""
    state = {name: spec[1] for name, spec in FIELDS.items()}
    state.update({k: v for k, v in target_defaults(target).items() if k in FIELDS})
    state["target"] = target
    return state


def _coerce(name, raw, default):
    """One field: (value, notice or None)."""
    kind, _, low, high, label = FIELDS[name]
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    if raw is None or raw == "":
        return default, None
    if kind == "choice":
        if isinstance(raw, str) and raw in low:
            return raw, None
        return default, f"Unknown {label} {str(raw)[:40]!r}: using {default!r}."
    if kind == "text":
        if isinstance(raw, str) and len(raw) <= high and re.fullmatch(low, raw):
            return raw, None
        return default, f"The {label} in the link could not be read: using the default."
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        return default, f"{label} = {str(raw)[:40]!r} is not a number: using {default}."
    if math.isnan(value):
        return default, f"{label} is not a number: using {default}."
    clamped = min(max(value, low), high)
    if kind == "int":
        clamped = int(round(clamped)) if math.isfinite(clamped) else int(high)
    if clamped != value:
        where = "minimum" if value < low else "maximum" if value > high else "nearest whole number"
        return clamped, f"{label} = {str(raw)[:40]} is outside the lab's range: set to the {where} {clamped}."
    return clamped, None


def parse_state(raw: dict | None, base: dict | None = None) -> tuple[dict, list[str]]:
    """Validate raw values field by field, then across fields.

    Missing fields take their value from ``base`` (default: the target's defaults).  Returns
    the state and the list of notices (empty when nothing was changed).
    """
    raw = dict(raw or {})
    notices = []
    target, note = _coerce("target", raw.get("target"), (base or {}).get("target", DEFAULT_TARGET))
    notices += [note] if note else []
    fallback = {**default_state(target), **{k: v for k, v in (base or {}).items() if k in FIELDS}}
    fallback["target"] = target
    state = {"target": target}
    for name in FIELDS:
        if name == "target":
            continue
        value, note = _coerce(name, raw.get(name), fallback[name])
        state[name] = value
        notices += [note] if note else []
    t_max = process_of(state).t_max
    if state["t"] > t_max:
        notices.append(f"Flow matching runs over 0 < t < 1: t set to {t_max:g}.")
        state["t"] = t_max
    spec = SPECS[target]
    if spec.fixed_d is not None and state["d"] != spec.fixed_d:
        if "d" in raw:
            notices.append(f"{spec.name} lives in d = {spec.fixed_d}.")
        state["d"] = spec.fixed_d
    if target == "circle" and state["n"] > CIRCLE_MAX:
        notices.append(f"A circle holds at most K = {CIRCLE_MAX} deltas: set to {CIRCLE_MAX}.")
        state["n"] = CIRCLE_MAX
    if target == "circle" and state["n"] < 2:
        notices.append("A circle needs K ≥ 2 deltas: set to 2.")
        state["n"] = 2
    if "n" in spec.uses and state["n"] * state["d"] > limits.ND_MAX:
        state["n"] = limits.ND_MAX // state["d"]
        notices.append(f"n·d is capped at {limits.ND_MAX:.0e}: n set to {state['n']}.")
    if "cls" in spec.uses:
        classes = "".join(sorted(set(state["cls"])))
        if len(classes) < 2:
            notices.append("Pick at least two digit classes: using 0 and 1.")
            classes = "01"
        state["cls"] = classes
    if spec.user_points:
        from core.datasets import DataError
        try:
            target_of(state)
        except DataError as err:
            notices.append(f"Your points: {err}. Showing the default two points instead.")
            state["pts"] = DEFAULT_PTS
    if "dd" in spec.uses and state["dd"] > state["d"]:
        notices.append(f"D_data cannot exceed d: set to {state['d']}.")
        state["dd"] = state["d"]
    if state["gc"] != "none" and int(state["gc"]) >= class_count(spec, state):
        notices.append(f"{spec.name} has no class {state['gc']} to guide toward: guidance off.")
        state["gc"] = "none"
    if state["gc"] != "none" and int(state["gc"]) not in populated_classes(target_of(state)):
        # the browser cannot tell (it does not draw the dataset): the server's notice says so
        notices.append(f"This dataset has no points of class {class_names(target_of(state))[int(state['gc'])]}: "
                       "guidance off.")
        state["gc"] = "none"
    return state, notices


def class_count(spec: TargetSpec, state: dict) -> int:
    """Number of classes guidance can aim at: the digit classes chosen, two for the other targets with classes,
    none without."""
    if spec.classes is None:
        return 0
    return len(state["cls"]) if "cls" in spec.uses else 2


def time_free_key(state: dict, *_controls) -> tuple:
    """Everything a time-free result depends on: the state without the time t (a cache key)."""
    return tuple(sorted((k, v) for k, v in state.items() if k != "t"))


def time_of(raw) -> float:
    """The time t from a ``lab-time`` store's value (or anything a request holds), validated and clamped."""
    return _coerce("t", raw, FIELDS["t"][1])[0]


def without_time(state: dict) -> dict:
    """The state as the ``lab-state`` store holds it: every field but t."""
    return {k: v for k, v in state.items() if k != "t"}


def state_from_store(data, t=None) -> dict:
    """The validated state held by the ``lab-state`` store (defaults if it is not a dict) at time ``t``
    (the ``lab-time`` store's value; the store holds no time, so that a time move triggers no server
    callback).  Both are validated here, whatever the browser sent."""
    raw = dict(data) if isinstance(data, dict) else {}
    raw["t"] = t
    return parse_state(raw)[0]


@functools.cache
def browser_schema() -> dict:
    """What the browser needs to validate a state as ``parse_state`` does (assets/state.js): the fields
    with their ranges, each target's parameters, defaults and fixed dimension, and the caps.  The server
    validates again every state it computes from; the two are tested against each other."""
    specs = {key: {"name": spec.name, "fixed_d": spec.fixed_d, "uses": list(spec.uses), "note": spec.note,
                   "defaults": {k: v for k, v in target_defaults(key).items() if k in FIELDS},
                   # names of the classes guidance aims at; "cls": the digit classes the state chose
                   "classes": [] if spec.classes is None else "cls" if "cls" in spec.uses
                   else class_names(make_target(key))}
             for key, spec in SPECS.items()}
    fields = {name: [kind, default, list(low) if isinstance(low, tuple) else low, high, label]
              for name, (kind, default, low, high, label) in FIELDS.items()}
    return {"fields": fields, "specs": specs, "shape_fields": list(SHAPE_FIELDS), "page_fields": list(PAGE_FIELDS),
            "nd_max": limits.ND_MAX, "max_query_chars": MAX_QUERY_CHARS, "max_fields": MAX_QUERY_FIELDS,
            "circle_max": CIRCLE_MAX, "t_max": {kind: Process(kind).t_max for kind in PROCESS_KINDS}}


def parse_query(search: str | None) -> tuple[dict, list[str]]:
    """Raw values from a URL query string ('?t=0.5&d=3'), truncated at MAX_QUERY_CHARS."""
    search = search or ""
    notices = []
    if len(search) > MAX_QUERY_CHARS:
        search = search[:MAX_QUERY_CHARS]
        notices.append("The link's query string was too long; the rest was ignored.")
    try:
        raw = parse_qs(search.lstrip("?"), keep_blank_values=False, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        return {}, notices + ["The link's query string could not be read: using defaults."]
    return {k: v for k, v in raw.items() if k in FIELDS}, notices


def state_query(state: dict) -> str:
    """The query string of a state, with the parameters its target uses."""
    spec = SPECS[state["target"]]
    keys = ["target", "process", "t"] + (["sigma"] if state["process"] == "VE" else [])
    keys += [k for k in SHAPE_FIELDS if k in spec.uses]
    keys += [k for k in PAGE_FIELDS if state[k] != FIELDS[k][1]]
    return "?" + urlencode({k: _text(state[k]) for k in keys})


def _text(value):
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def spec_of(state: dict) -> TargetSpec:
    """The state's target spec: how it is built and what the views may do with it (its capabilities)."""
    return SPECS[state["target"]]


def target_of(state: dict) -> Target:
    """Build the state's target (cached in core.targets)."""
    return make_target(state["target"], **{k: state[k] for k in SHAPE_FIELDS})


def model_of(state: dict) -> Target:
    """The model the views integrate: the target, or the target guided toward class ``gc`` with strength ``gw``
    (core.guidance; science.md §9)."""
    target = target_of(state)
    return target if state["gc"] == "none" else guided_target(target, int(state["gc"]), state["gw"])


def guided_class_law(state: dict) -> tuple | None:
    """(centre, σ_c²) of the guided class where science.md §9's two-class closed forms hold — a symmetric
    two-class target (two equal deltas: σ_c² = 0; the mixture law) guided toward one class — else None."""
    spec = spec_of(state)
    if state["gc"] == "none" or spec.classes is None or not spec.symmetric_at(state):
        return None
    target = target_of(state)
    own = class_target(target, int(state["gc"]))
    return own.display_points[0], float(np.trace(own.covariance)) / target.d


def guidance_label(state: dict) -> str | None:
    """'guided to class +r, w = 2' for a guided state, else None."""
    if state["gc"] == "none":
        return None
    return f"guided to class {class_names(target_of(state))[int(state['gc'])]}, w = {state['gw']:g}"


def process_of(state: dict) -> Process:
    """The state's forward process."""
    return Process(state["process"], state["sigma"])


def ticked(checklist_value, option: str) -> bool:
    """Whether a Checklist's value (a list of strings, or anything in a hand-made request) holds ``option``."""
    return isinstance(checklist_value, list) and option in checklist_value
