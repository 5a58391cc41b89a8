"""The lab's state: every value a user sets, declared once, kept in the URL query string.

``LabState`` is a frozen object with readable names (``state.weight_plus``); each of its fields is
declared once, with its URL key (short, so that old links keep working), kind, range or choices, label
and default.  ``parse_state(raw) → (state, notices)`` validates any mapping of raw values (a query
string, a store, a hand-made callback request) field by field and then across fields by ``RULES``,
rules written as data; ``state_query(state)`` writes the link back.  The browser (assets/state.js)
interprets the same declaration, published by ``browser_schema()``: no range, notice or target name
is written twice.  Imports no Dash.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import numpy as np

from core import limits
from core.dynamics import SAMPLERS
from core.guidance import W_MAX as GUIDANCE_W_MAX
from core.guidance import W_MIN as GUIDANCE_W_MIN
from core.guidance import class_names, class_target, guided_target, populated_classes
from core.guidance_schedules import SCHEDULE_NAMES as GUIDANCE_SCHEDULES
from core.guidance_schedules import make_schedule
from core.hierarchy import BRANCHINGS as HIERARCHY_BRANCHINGS
from core.hierarchy import LEVELS_MAX as HIERARCHY_LEVELS_MAX
from core.hierarchy import VOCABULARY_MAX as HIERARCHY_VOCABULARY_MAX
from core.image_sets import SIDES as IMAGE_SIDES
from core.processes import PROCESS_KINDS, Process
from core.schedules import SCHEDULES
from core.targets import BASE_DEFAULTS, SPECS, Target, TargetSpec, make_target, target_defaults

DEFAULT_TARGET = "circle"
#: The image target shown where an image set is not installed (scikit-learn's digits, always there).
FALLBACK_IMAGES = "digits"
#: Longest query string read; the rest is ignored (with a notice).  A drawn set of 64 points fits.
MAX_QUERY_CHARS = 4_000
#: Most fields a query string may hold (``parse_qs``'s ``max_num_fields``).
MAX_QUERY_FIELDS = 64
#: Page settings declared here so that a link keeps them: the particles' count, steps, the training width and
#: the training times shown.
PARTICLE_CHOICES = (500, 2_000, 5_000, 20_000)
STEP_CHOICES = (20, 50, 100, 200, 500)
WIDTH_CHOICES = (256, 512, 1024)
#: Training times τ at which the training page shows samples and fields (∞: trained to convergence).
TRAINING_TAUS = (0.1, 1.0, 10.0, 100.0, 1e3, 1e4, math.inf)


@dataclass(frozen=True)
class Field:
    """One value a user sets.

    key : its name in the URL and the stores; name : its attribute on ``LabState``;
    kind : "choice", "float", "int" or "text"; low, high : the range ("float", "int"), the choices
    (low, "choice") or the pattern and longest length ("text"); group : "lab" (every page), "shape" (a
    target's parameter, used when the target lists it) or "page" (one page's setting).
    """

    key: str
    name: str
    kind: str
    default: object
    low: object
    high: object
    label: str
    group: str

    def browser(self) -> list:
        low = [*self.low] if isinstance(self.low, tuple) else self.low
        return [self.kind, self.default, low, self.high, self.label, self.group]


def _field(key, kind, default, low, high, label, group="lab"):
    return dataclasses.field(default=default, metadata={"field": (key, kind, default, low, high, label, group)})


def _shape(key, kind, low, high, label):
    """A target's shape parameter: its default is core.targets' (each target may override it)."""
    return _field(key, kind, BASE_DEFAULTS[key], low, high, label, "shape")


@dataclass(frozen=True)
class LabState:
    """Everything a user sets, validated (build one with ``parse_state``)."""

    target: str = _field("target", "choice", DEFAULT_TARGET, tuple(SPECS), None, "target")
    process: str = _field("process", "choice", "VE", PROCESS_KINDS, None, "process")
    t: float = _field("t", "float", 0.3, limits.T_MIN, limits.T_MAX, "time t")
    sigma: float = _field("sigma", "float", 1.0, limits.SIGMA_MIN, limits.SIGMA_MAX, "σ")
    d: int = _shape("d", "int", 1, limits.D_MAX, "dimension d")
    n: int = _shape("n", "int", 1, limits.N_MAX, "sample count n")
    seed: int = _shape("seed", "int", 0, limits.SEED_MAX, "seed")
    r: float = _shape("r", "float", limits.R_MIN, limits.R_MAX, "scale r")
    weight_plus: float = _shape("pw", "float", limits.PW_MIN, limits.PW_MAX, "weight π₊")
    cluster_width: float = _shape("sc", "float", limits.SC_MIN, limits.SC_MAX, "cluster width σ_c")
    data_dim: int = _shape("dd", "int", 1, limits.D_MAX, "subspace dimension D_data")
    points: str = _shape("pts", "text", r"@[0-9a-f]{16}|[-+0-9.eE,;]+", 3_000, "drawn or uploaded points")
    digit_classes: str = _shape("cls", "text", r"[0-9]{2,10}", 10, "digit classes")
    image_side: int = _shape("side", "choice", IMAGE_SIDES, None, "image side")
    probe_field: float = _field("h", "float", 0.0, limits.H_MIN, limits.H_MAX, "probe field h", "page")
    spins: int = _field("spins", "int", 8, 1, limits.SPINS_MAX, "Ising spins d", "page")
    coupling: float = _field("J", "float", 1.0, limits.J_MIN, limits.J_MAX, "Ising coupling J", "page")
    temperature: float = _field("temp", "float", 1.5, limits.TEMP_MIN, limits.TEMP_MAX, "Ising temperature T", "page")
    replicas: int = _field("K", "int", 100, limits.K_MIN, limits.K_MAX, "replicas K", "page")
    bath_coupling: float = _field("w", "float", 1.0, limits.W_MIN, limits.W_MAX, "bath coupling w", "page")
    guided_class: str = _field("gc", "text", "none", r"none|[0-9]", 4, "guided class", "page")
    guidance_w: float = _field("gw", "float", 1.0, GUIDANCE_W_MIN, GUIDANCE_W_MAX, "guidance strength w", "page")
    guidance_schedule: str = _field("gs", "choice", "constant", GUIDANCE_SCHEDULES, None, "guidance schedule w(t)",
                                    "page")
    guidance_window: float = _field("gn", "float", -0.25, GUIDANCE_W_MIN, 0.0, "negative window's w", "page")
    particles: int = _field("particles", "choice", 2_000, PARTICLE_CHOICES, None, "particles", "page")
    dynamics: str = _field("dynamics", "choice", "sde", ("sde", "ode"), None, "dynamics", "page")
    sampler: str = _field("sampler", "choice", "euler", SAMPLERS, None, "sampler", "page")
    steps: int = _field("steps", "choice", 200, STEP_CHOICES, None, "steps", "page")
    schedule: str = _field("grid", "choice", "log", SCHEDULES, None, "step grid", "page")
    surface: str = _field("plot", "choice", "map", ("map", "surface"), None, "landscape plot", "page")
    width: int = _field("width", "choice", 512, WIDTH_CHOICES, None, "width p", "page")
    tau_index: int = _field("tau", "int", 2, 0, len(TRAINING_TAUS) - 1, "training time τ (its index)", "page")
    hopfield: str = _field("hopfield", "choice", "off", ("off", "on"), None, "Hopfield overlay", "page")
    time_axis: str = _field("axis", "choice", "log", ("log", "entropic"), None, "time axis", "page")
    hierarchy_levels: int = _field("hl", "int", 4, 1, HIERARCHY_LEVELS_MAX, "hierarchy levels L", "page")
    hierarchy_vocabulary: int = _field("hv", "int", 8, 2, HIERARCHY_VOCABULARY_MAX, "vocabulary v", "page")
    hierarchy_branching: int = _field("hs", "choice", 2, HIERARCHY_BRANCHINGS, None, "branching s", "page")
    hierarchy_rules: int = _field("hm", "int", 6, 1, HIERARCHY_VOCABULARY_MAX, "rules per symbol m", "page")
    lesson: str = _field("lesson", "text", "none", r"none|[a-z0-9][a-z0-9-]{0,39}|@[0-9a-f]{16}", 40, "lesson",
                         "page")
    step: int = _field("step", "int", 1, 1, 12, "lesson step", "page")

    def raw(self) -> dict:
        """The state as the URL and the stores write it: {key: value}."""
        return {f.key: getattr(self, f.name) for f in FIELDS.values()}

    def replace(self, **changes) -> LabState:
        """A copy with some attributes changed (not validated: use ``parse_state`` for user values)."""
        return dataclasses.replace(self, **changes)

    @property
    def spec(self) -> TargetSpec:
        """The target's spec: how it is built and what the views may do with it (its capabilities)."""
        return SPECS[self.target]

    @property
    def image_shape(self) -> tuple | None:
        """The shape of the target's images (None: its points are not images)."""
        return self.spec.image_shape_in(self.d)

    def symmetric(self) -> bool:
        """Whether the target's transition is a symmetric pitchfork at these shape parameters (no field)."""
        return self.spec.symmetric_at(self.target_params())

    def target_params(self) -> dict:
        """The shape parameters, as core.targets.make_target takes them."""
        return {f.key: getattr(self, f.name) for f in FIELDS.values() if f.group == "shape"}


def _declared() -> dict[str, Field]:
    fields = {}
    for attribute in dataclasses.fields(LabState):
        key, *rest = attribute.metadata["field"]
        fields[key] = Field(key, attribute.name, *rest)
    return fields


#: key → Field, in declaration order (the one declaration is LabState's).
FIELDS = _declared()
SHAPE_FIELDS = tuple(k for k, f in FIELDS.items() if f.group == "shape")
PAGE_FIELDS = tuple(k for k, f in FIELDS.items() if f.group == "page")
#: The fields of classifier-free guidance: the class, w, the schedule w(t) and its negative window's w.
GUIDANCE_KEYS = ("gc", "gw", "gs", "gn")
#: Fields that matter only while other fields hold given values: key → [(other key, "is" | "not", value)], all
#: must hold.  A field that does not matter is hidden in the panel (assets/state.js reads this declaration) and
#: left out of cache keys (``inputs_of``).
ACTIVE_WHEN = {"gw": [("gc", "not", "none")], "gs": [("gc", "not", "none")],
               "gn": [("gc", "not", "none"), ("gs", "is", "window")], "step": [("lesson", "not", "none")]}


def active(state: LabState, key: str, raw: dict | None = None) -> bool:
    """Whether field ``key`` matters in ``state`` (``ACTIVE_WHEN``; ``raw``: ``state.raw()`` when the caller has it)."""
    conditions = ACTIVE_WHEN.get(key, ())
    if not conditions:
        return True
    raw = state.raw() if raw is None else raw
    return all((raw[other] == value) == (test == "is") for other, test, value in conditions)


#: Notices, by what happened; ``{…}`` are filled from the field and the values involved.
NOTICES = {
    "unknown": "Unknown {label} “{raw}”: using {default}.",
    "unreadable": "The {label} in the link could not be read: using the default.",
    "not_a_number": "{label} = “{raw}” is not a number: using {default}.",
    "clamped": "{label} = {raw} is outside the lab's range: set to the {where} {value}.",
    "not_a_choice": "{label} = {raw} is not one of {choices}: using {value}.",
    "too_long": "The link's query string was too long; the rest was ignored.",
    "unparsable": "The link's query string could not be read: using defaults.",
}


def _rules() -> list[dict]:
    """Rules across fields, applied in order after each field is read on its own.  Each is data: a
    ``rule`` kind that state.py (``_apply``) and assets/state.js both interpret, the fields it reads,
    its numbers and its notice.  ``{value}`` in a notice is the value set."""
    rules = [{"rule": "max_by", "field": "t", "by": "process",
              "max": {kind: Process(kind).t_max for kind in PROCESS_KINDS},
              "notice": "Flow matching runs over 0 < t < 1: t set to {value}."}]
    for key, spec in SPECS.items():
        if spec.fixed_d is not None:
            rules.append({"rule": "fixed", "field": "d", "target": key, "value": spec.fixed_d,
                          "notice": f"{spec.name} lives in d = {spec.fixed_d}."})
        for name, (low, high) in spec.bounds.items():
            label = FIELDS[name].label
            rules.append({"rule": "range", "field": name, "target": key, "low": low, "high": high,
                          "notice": f"{spec.name} takes {label} from {low} to {high}: set to {{value}}."})
    rules += [
        {"rule": "square_of", "field": "d", "of": "side",
         "notice": "Images of side {side} live in d = {value}."},
        {"rule": "product_max", "field": "n", "times": "d", "max": limits.ND_MAX,
         "notice": f"n·d is capped at {limits.ND_MAX:.0e}: n set to {{value}}."},
        {"rule": "distinct_sorted", "field": "cls", "min": 2, "fallback": "01",
         "notice": "Pick at least two digit classes: using 0 and 1."},
        {"rule": "at_most", "field": "dd", "other": "d", "notice": "D_data cannot exceed d: set to {value}."},
        {"rule": "class_index", "field": "gc", "off": "none",
         "notice": "{name} has no class {value} to guide toward: guidance off."},
    ]
    return rules


def _number(value) -> str:
    """A number as the browser prints it (JavaScript's String(x)) so that both sides word a notice alike."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _fill(template: str, **values) -> str:
    return template.format(**{k: _number(v) if isinstance(v, (int, float)) else v for k, v in values.items()})


def _coerce(name: str, raw, default):
    """One field on its own: (value, notice or None)."""
    field = FIELDS[name]
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    if raw is None or raw == "":
        return default, None
    shown = str(raw)[:40]
    if field.kind == "choice" and all(isinstance(c, int) for c in field.low):
        return _nearest_choice(field, raw, shown, default)
    if field.kind == "choice":
        for choice in field.low:
            if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) and str(raw) == str(choice):
                return choice, None
        return default, _fill(NOTICES["unknown"], label=field.label, raw=shown, default=default)
    if field.kind == "text":
        if isinstance(raw, str) and len(raw) <= field.high and re.fullmatch(field.low, raw):
            return raw, None
        return default, _fill(NOTICES["unreadable"], label=field.label)
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        return default, _fill(NOTICES["not_a_number"], label=field.label, raw=shown, default=default)
    if math.isnan(value):
        return default, _fill(NOTICES["not_a_number"], label=field.label, raw=shown, default=default)
    low, high = field.low, field.high
    clamped = min(max(value, low), high)
    if field.kind == "int":
        clamped = int(round(clamped)) if math.isfinite(clamped) else int(high)
    if clamped != value:
        where = "minimum" if value < low else "maximum" if value > high else "nearest whole number"
        return clamped, _fill(NOTICES["clamped"], label=field.label, raw=shown, where=where, value=clamped)
    return clamped, None


def _nearest_choice(field: Field, raw, shown: str, default):
    """A numeric choice (particles, steps, width): the nearest one, with a notice when it is not the value read."""
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if math.isnan(value):
        return default, _fill(NOTICES["not_a_number"], label=field.label, raw=shown, default=default)
    clamped = min(max(value, field.low[0]), field.low[-1])
    choice = min(field.low, key=lambda c: abs(c - clamped))
    if choice == value:
        return choice, None
    return choice, _fill(NOTICES["not_a_choice"], label=field.label, raw=shown, value=choice,
                         choices=", ".join(map(str, field.low)))


def class_count(spec: TargetSpec, classes: str) -> int:
    """Number of classes guidance can aim at: the digit classes chosen (``classes``), two for the other
    targets with classes, none without."""
    if spec.classes is None:
        return 0
    return len(classes) if "cls" in spec.uses else 2


def _apply(rule: dict, values: dict, given: Mapping) -> str | None:
    """Apply one rule of ``_rules`` to ``values`` ({key: value}, changed in place); its notice or None."""
    name, kind = rule["field"], rule["rule"]
    spec = SPECS[values["target"]]
    if kind == "max_by":
        high = rule["max"][values[rule["by"]]]
        if values[name] > high:
            values[name] = high
            return _fill(rule["notice"], value=high)
    elif kind == "fixed" and values["target"] == rule["target"] and values[name] != rule["value"]:
        values[name] = rule["value"]
        return rule["notice"] if name in given else None
    elif kind == "square_of" and rule["of"] in spec.uses and values[name] != values[rule["of"]] ** 2:
        values[name] = values[rule["of"]] ** 2
        return _fill(rule["notice"], value=values[name], side=values[rule["of"]]) if name in given else None
    elif kind == "range" and values["target"] == rule["target"]:
        value = min(max(values[name], rule["low"]), rule["high"])
        if value != values[name]:
            values[name] = value
            return _fill(rule["notice"], value=value)
    elif kind == "product_max" and name in spec.uses and values[name] * values[rule["times"]] > rule["max"]:
        values[name] = rule["max"] // values[rule["times"]]
        return _fill(rule["notice"], value=values[name])
    elif kind == "distinct_sorted" and name in spec.uses:
        chosen = "".join(sorted(set(values[name])))
        values[name] = chosen if len(chosen) >= rule["min"] else rule["fallback"]
        return rule["notice"] if len(chosen) < rule["min"] else None
    elif kind == "at_most" and name in spec.uses and values[name] > values[rule["other"]]:
        values[name] = values[rule["other"]]
        return _fill(rule["notice"], value=values[name])
    elif (kind == "class_index" and values[name] != rule["off"]
          and int(values[name]) >= class_count(spec, values["cls"])):
        notice = _fill(rule["notice"], name=spec.name, value=values[name])
        values[name] = rule["off"]
        return notice
    return None


RULES = _rules()


def default_state(target: str = DEFAULT_TARGET) -> LabState:
    """The default state, with the shape parameters of ``target``."""
    values = {f.name: f.default for f in FIELDS.values()}
    values.update({FIELDS[k].name: v for k, v in target_defaults(target).items() if k in FIELDS})
    return LabState(**{**values, "target": target})


def parse_state(raw: Mapping | LabState | None, base: LabState | Mapping | None = None) -> tuple[LabState, list[str]]:
    """Validate raw values ({key: value}) field by field, then across fields (``RULES``).

    Missing fields take their value from ``base`` (default: the target's defaults).  Returns the state
    and the notices that say what was changed (empty when nothing was)."""
    raw = dict(raw.raw() if isinstance(raw, LabState) else raw or {})
    base = base.raw() if isinstance(base, LabState) else dict(base or {})
    notices = []
    target, note = _coerce("target", raw.get("target"), base.get("target", DEFAULT_TARGET))
    notices += [note] if note else []
    fallback = {**default_state(target).raw(), **{k: v for k, v in base.items() if k in FIELDS}, "target": target}
    values = {"target": target}
    for key in FIELDS:
        if key != "target":
            values[key], note = _coerce(key, raw.get(key), fallback[key])
            notices += [note] if note else []
    for rule in RULES:
        note = _apply(rule, values, raw)
        notices += [note] if note else []
    state = LabState(**{FIELDS[k].name: v for k, v in values.items()})
    return _server_only_checks(state, notices)


def _server_only_checks(state: LabState, notices: list[str]) -> tuple[LabState, list[str]]:
    """What the browser cannot check, as it does not build datasets: whether an image set is installed here,
    drawn or uploaded points, and whether the guided class has points in this dataset."""
    missing = state.spec.missing() if state.spec.missing else None
    if missing:
        notices.append(f"{missing}. Showing scikit-learn's 8×8 digits of the same classes instead.")
        state = parse_state({**state.raw(), "target": FALLBACK_IMAGES})[0]
    if state.spec.user_points:
        from core.datasets import DataError
        try:
            target_of(state)
        except DataError as err:
            notices.append(f"Your points: {err}. Showing the default two points instead.")
            state = state.replace(points=BASE_DEFAULTS["pts"])
    if state.guided_class != "none" and int(state.guided_class) not in populated_classes(target_of(state)):
        notices.append(f"This dataset has no points of class {class_names(target_of(state))[int(state.guided_class)]}: "
                       "guidance off.")
        state = state.replace(guided_class="none")
    return state, notices


def inputs_of(state: LabState, reads=(), target: bool = True) -> LabState:
    """The state narrowed to what a computation reads: the target with the shape parameters it uses and the
    process (σ only under VE) — unless ``target`` is False — and the fields named in ``reads`` (keys; a field
    only while it is ``active``: guidance's w when a class is guided).  Every other field — t included — is set
    to its default, so a result computed from the narrowed state cannot depend on it, and the narrowed state is
    its cache key."""
    reads = set(reads)
    keep = reads
    if target:
        keep |= {"target", "process"} | ({"sigma"} if state.process == "VE" else set())
        keep |= {k for k in SHAPE_FIELDS if k in state.spec.uses}
    raw = state.raw()                  # once: every cache key passes here (slider and time callbacks included)
    keep = {k for k in keep if active(state, k, raw)}
    default = default_state(state.target if target else DEFAULT_TARGET)
    return LabState(**{f.name: getattr(state if key in keep else default, f.name) for key, f in FIELDS.items()})


def time_of(raw) -> float:
    """The time t from a ``lab-time`` store's value (or anything a request holds), validated and clamped."""
    return _coerce("t", raw, FIELDS["t"].default)[0]


def without_time(state: LabState) -> dict:
    """The state as the ``lab-state`` store holds it: every field but t ({key: value})."""
    return {k: v for k, v in state.raw().items() if k != "t"}


def state_from_store(data, t=None) -> LabState:
    """The validated state held by the ``lab-state`` store (defaults if it is not a dict) at time ``t``
    (the ``lab-time`` store's value; the store holds no time, so that a time move triggers no server
    callback).  Both are validated here, whatever the browser sent."""
    raw = data.raw() if isinstance(data, LabState) else dict(data) if isinstance(data, dict) else {}
    raw["t"] = t
    return parse_state(raw)[0]


@functools.cache
def browser_schema() -> dict:
    """The declaration as the browser reads it (assets/state.js): the fields, each target's parameters,
    defaults and classes, the rules across fields and the notices.  The server validates again every
    state it computes from; the two are tested against each other on crafted links."""
    specs = {key: {"name": spec.name, "uses": list(spec.uses), "note": spec.note,
                   "defaults": {k: v for k, v in target_defaults(key).items() if k in FIELDS},
                   # names of the classes guidance aims at; "cls": the digit classes the state chose
                   "classes": [] if spec.classes is None else "cls" if "cls" in spec.uses
                   else class_names(make_target(key))}
             for key, spec in SPECS.items()}
    return {"fields": {k: f.browser() for k, f in FIELDS.items()}, "order": list(FIELDS), "specs": specs,
            "rules": RULES, "active_when": ACTIVE_WHEN,
            "notices": NOTICES, "max_query_chars": MAX_QUERY_CHARS, "max_fields": MAX_QUERY_FIELDS,
            "t_max": {kind: Process(kind).t_max for kind in PROCESS_KINDS}}


def parse_query(search: str | None) -> tuple[dict, list[str]]:
    """Raw values from a URL query string ('?t=0.5&d=3'), truncated at MAX_QUERY_CHARS."""
    search = search or ""
    notices = []
    if len(search) > MAX_QUERY_CHARS:
        search = search[:MAX_QUERY_CHARS]
        notices.append(NOTICES["too_long"])
    try:
        raw = parse_qs(search.lstrip("?"), keep_blank_values=False, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        return {}, notices + [NOTICES["unparsable"]]
    return {k: v for k, v in raw.items() if k in FIELDS}, notices


def state_query(state: LabState) -> str:
    """The query string of a state: the lab's fields, the shape parameters its target uses, and the page
    settings that differ from their defaults."""
    raw = state.raw()
    keys = [k for k, f in FIELDS.items() if f.group == "lab"]
    keys += [k for k in SHAPE_FIELDS if k in state.spec.uses]
    keys += [k for k in PAGE_FIELDS if raw[k] != FIELDS[k].default]
    return "?" + urlencode({k: _text(raw[k]) for k in keys})


def _text(value):
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def target_of(state: LabState) -> Target:
    """Build the state's target (cached in core.targets); an uploaded set '@KEY' is read from the lab's
    dataset store (components.userdata)."""
    from components.userdata import load_dataset
    return make_target(state.target, datasets=load_dataset, **state.target_params())


def guidance_of(state: LabState):
    """The state's guidance schedule w(t) (core.guidance_schedules), or None when no class is guided."""
    if state.guided_class == "none":
        return None
    return make_schedule(state.guidance_schedule, state.guidance_w, state.guidance_window)


def model_of(state: LabState) -> Target:
    """The model the views integrate: the target, or the target guided toward class ``guided_class`` with
    the schedule ``guidance_of`` (core.guidance; science.md §9)."""
    target = target_of(state)
    if state.guided_class == "none":
        return target
    return guided_target(target, int(state.guided_class), guidance_of(state))


def guided_class_law(state: LabState) -> tuple | None:
    """(centre, σ_c²) of the guided class where science.md §9's two-class closed forms hold — a symmetric
    two-class target (two equal deltas: σ_c² = 0; the mixture law) guided toward one class — else None."""
    spec = state.spec
    if state.guided_class == "none" or spec.classes is None or not state.symmetric():
        return None
    target = target_of(state)
    own = class_target(target, int(state.guided_class))
    return own.display_points[0], float(np.trace(own.covariance)) / target.d


def guidance_label(state: LabState) -> str | None:
    """'guided to class +r, w = 2' (or the schedule's w(t)) for a guided state, else None."""
    if state.guided_class == "none":
        return None
    return f"guided to class {class_names(target_of(state))[int(state.guided_class)]}, {guidance_of(state).describe()}"


def process_of(state: LabState) -> Process:
    """The state's forward process."""
    return Process(state.process, state.sigma)
