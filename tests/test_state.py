"""The typed lab state: parsing, clamping, notices, round trips, the declaration, and jobs' inputs."""
import dataclasses
import re
from pathlib import Path

import pytest

from components.state import (
    FIELDS,
    RULES,
    LabState,
    browser_schema,
    default_state,
    inputs_of,
    parse_query,
    parse_state,
    state_query,
)
from core import limits


def test_defaults_have_no_notice():
    state, notes = parse_state({})
    assert state == default_state() and notes == []
    assert parse_query("")[0] == {}


def test_round_trip_through_the_url():
    state, _ = parse_state({"target": "gaussian_points", "t": "0.0123", "d": "7", "n": "321",
                            "seed": "5", "r": "2.5", "process": "VP"})
    again, notes = parse_state(parse_query(state_query(state))[0])
    assert notes == []
    for k in ("target", "d", "n", "seed", "r", "process"):
        assert again.raw()[k] == state.raw()[k]
    assert again.t == pytest.approx(state.t, rel=1e-5)


@pytest.mark.parametrize("raw,field,expected", [
    ({"t": "0"}, "t", limits.T_MIN),
    ({"t": "1e9"}, "t", limits.T_MAX),
    ({"t": "-5"}, "t", limits.T_MIN),
    ({"t": "nan"}, "t", FIELDS["t"].default),
    ({"t": "inf"}, "t", limits.T_MAX),
    ({"t": "abc"}, "t", FIELDS["t"].default),
    ({"target": "gaussian_points", "n": "1000000000"}, "n", limits.N_MAX),
    ({"target": "gaussian_points", "d": "-3"}, "d", 1),
    ({"target": "gaussian_points", "d": "2.6"}, "d", 3),
    ({"target": "nope"}, "target", "circle"),
    ({"process": "XX"}, "process", "VE"),
    ({"sigma": "0"}, "sigma", limits.SIGMA_MIN),
])
def test_bad_values_are_clamped_with_a_notice(raw, field, expected):
    state, notes = parse_state(raw)
    assert state.raw()[field] == expected
    assert notes, "a changed value must say so"


def test_cross_field_caps():
    state, notes = parse_state({"target": "gaussian_points", "d": "1000", "n": "100000"})
    assert state.n * state.d <= limits.ND_MAX and notes
    state, notes = parse_state({"target": "circle", "d": "7", "n": "500"})
    assert state.d == 2 and state.n == 64 and len(notes) == 2      # the circle's bounds, from its TargetSpec
    assert parse_state({"target": "circle", "n": "1"})[0].n == 2
    state, notes = parse_state({"target": "subspace", "d": "3", "dd": "9"})
    assert state.data_dim == 3 and notes


def test_garbage_queries():
    for search in ("?t=%ZZ&&&=&d=", "?" + "x" * 10_000, "?t=1&t=2&t=0.5", "?d=%00", "?target=🙂"):
        raw, notes = parse_query(search)
        state, more = parse_state(raw)
        assert set(state.raw()) == set(FIELDS)
    assert parse_query("?t=1&t=2&t=0.5")[0]["t"] == ["1", "2", "0.5"]
    assert parse_state(parse_query("?t=1&t=2&t=0.5")[0])[0].t == 0.5
    assert parse_query("?" + "x" * 10_000)[1]


def test_wrong_types_from_a_hand_made_request():
    state, notes = parse_state({"t": {"a": 1}, "d": [1, 2], "n": None, "target": 5, "seed": True})
    assert state.t == FIELDS["t"].default and state.target == "circle" and notes


def test_cache_names_carry_the_code_version(lab, app_context):
    # FileSystemCache ignores CACHE_KEY_PREFIX: a result of an older version must never match.
    from components import cache as cache_module
    name = cache_module.versioned("kind", ("a", 1))
    assert name.startswith(cache_module.VERSION + ":")
    calls = []
    assert cache_module.cached("kind", ("x", 2), lambda: calls.append(1) or 42) == 42
    assert cache_module.cached("kind", ("x", 2), lambda: calls.append(1) or 43) == 42 and calls == [1]


def test_each_field_is_declared_once_with_a_readable_name():
    """LabState's attributes are the declaration: FIELDS, the URL keys and the browser's schema derive from it."""
    names = [f.name for f in dataclasses.fields(LabState)]
    assert [f.name for f in FIELDS.values()] == names and len(set(FIELDS)) == len(names)
    assert browser_schema()["fields"].keys() == FIELDS.keys()
    assert {"weight_plus", "cluster_width", "data_dim", "digit_classes", "guided_class", "particles"} <= set(names)
    state = default_state()
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.t = 1.0


@pytest.mark.parametrize("link,expected", [
    # links written before the state was typed read as they did
    ("?target=circle&process=VE&t=0.25&sigma=1&n=4&r=1", dict(target="circle", t=0.25, n=4, r=1.0)),
    ("?target=two_deltas&process=VE&sigma=1&r=1&pw=0.3&t=0.6", dict(target="two_deltas", weight_plus=0.3, d=1)),
    ("?target=digits&cls=017&gc=2&gw=3", dict(digit_classes="017", guided_class="2", guidance_w=3.0)),
    ("/particles?particles=5000&dynamics=ode&sampler=heun&steps=50".split("/particles")[1],
     dict(particles=5000, dynamics="ode", sampler="heun", steps=50)),
    ("?target=mixture_samples&process=VP&d=2&n=200&sc=0.3&t=0.55", dict(cluster_width=0.3, process="VP", n=200)),
])
def test_todays_links_give_the_same_state(link, expected):
    state, notes = parse_state(parse_query(link)[0])
    assert notes == [] and {k: getattr(state, k) for k in expected} == expected
    assert parse_state(parse_query(state_query(state))[0])[0] == state


def test_page_settings_travel_in_the_link():
    """A copied link keeps the particles' count, dynamics, sampler and steps, the landscape's plot and Hopfield
    overlay, the entropy page's time axis, the training width and τ (they came back as SDE, Euler–Maruyama, 2,000
    before they were fields)."""
    state = parse_state({"particles": "5000", "dynamics": "ode", "sampler": "heun", "steps": "50",
                         "plot": "surface", "width": "1024", "tau": "5", "hopfield": "on", "axis": "entropic"})[0]
    query = state_query(state)
    for part in ("particles=5000", "dynamics=ode", "sampler=heun", "steps=50", "plot=surface", "width=1024", "tau=5",
                 "hopfield=on", "axis=entropic"):
        assert part in query
    assert parse_state(parse_query(query)[0])[0] == state
    assert "particles=" not in state_query(default_state())          # defaults stay out of the link
    notes = parse_state({"particles": "1e9", "steps": "-1", "sampler": "rk4", "dynamics": "x"})[1]
    assert len(notes) == 4 and "using 20000" in " ".join(notes)


def test_inputs_keep_only_what_a_computation_reads():
    """A field outside a job's reads is at its default in what the job receives, so it cannot change its result:
    the narrowed state is the key."""
    base = parse_state({"target": "gaussian_points", "d": "3", "n": "20", "seed": "4", "t": "0.7"})[0]
    inputs = inputs_of(base, ("seed",))
    for key, field in FIELDS.items():
        if key in ("target", "process", "sigma", "seed") or key in base.spec.uses:
            continue
        other = parse_state({**base.raw(), key: _another_value(key)})[0]
        assert getattr(other, field.name) != getattr(base, field.name) or key in ("gc",), key
        assert inputs_of(other, ("seed",)) == inputs, key
    assert inputs_of(base.replace(seed=5), ("seed",)) != inputs
    assert inputs_of(base.replace(sigma=2.0)) != inputs_of(base)
    assert inputs_of(base.replace(process="VP", sigma=2.0)) == inputs_of(base.replace(process="VP"))
    assert inputs.t == FIELDS["t"].default and hash(inputs) == hash(inputs_of(base, ("seed",)))


def test_guidance_fields_matter_only_while_active():
    """w and the schedule matter when a class is guided, the window's w only under the window schedule: a field
    that does not matter is left out of the cache key."""
    from components.state import GUIDANCE_KEYS, active, guidance_label
    base = parse_state({"target": "mixture", "gs": "interval", "gn": "-0.7", "gw": "3"})[0]
    assert not any(active(base, k) for k in ("gw", "gs", "gn")) and guidance_label(base) is None
    assert inputs_of(base, GUIDANCE_KEYS) == inputs_of(base.replace(guidance_w=1.0, guidance_schedule="window"),
                                                       GUIDANCE_KEYS)
    guided = base.replace(guided_class="0")
    assert active(guided, "gs") and not active(guided, "gn")
    assert inputs_of(guided, GUIDANCE_KEYS) == inputs_of(guided.replace(guidance_window=-0.1), GUIDANCE_KEYS)
    window = guided.replace(guidance_schedule="window")
    assert active(window, "gn")
    assert inputs_of(window, GUIDANCE_KEYS) != inputs_of(window.replace(guidance_window=-0.1), GUIDANCE_KEYS)
    assert guidance_label(window).endswith("w = 3 for s² ≥ Λ, −0.7 for 0.25Λ ≤ s² < Λ, else 0")
    assert parse_state({"gs": "cosine"})[0].guidance_schedule == "constant"
    assert parse_state({"gn": "0.5"})[0].guidance_window == 0.0                   # the window's w is never positive


def _another_value(key):
    field = FIELDS[key]
    if field.kind == "choice":
        return next(str(c) for c in field.low if c != field.default)
    if field.kind == "text":
        return {"pts": "1,1,1;-1,-1,1", "cls": "0123", "gc": "none", "lesson": "a-lesson"}[key]
    return field.low if field.default != field.low else field.high


def test_every_job_receives_only_its_inputs(app_context):
    """Each view's job is keyed by, and computes from, the state narrowed to what it reads."""
    from components.jobs import TimeFreeJob
    from pages.bifurcation._model import JOB as BIFURCATION
    from pages.ising._model import BATH_JOB
    from pages.memorization._model import JOB as MEMORIZATION
    from pages.particles._model import JOB as PARTICLES
    received = []
    state = parse_state({"target": "circle", "t": "0.4", "h": "0.5", "K": "50", "particles": "500"})[0]
    for job in (BIFURCATION, BATH_JOB, MEMORIZATION, PARTICLES):
        spy = TimeFreeJob(job.kind + "-spy", lambda inputs, *rest, progress=None: received.append(inputs) or 1,
                          reads=job.reads, target=job.target)
        spy.result(state, *([0] if job.controls else []))
        assert received[-1] == job.inputs(state) and received[-1].t == FIELDS["t"].default
    assert received[0].probe_field == 0.5 and received[0].replicas == 100           # bifurcation reads h, not K
    assert received[1].replicas == 50 and received[1].target == "circle" and received[1].probe_field == 0
    assert received[3].particles == 500 and received[2].particles == FIELDS["particles"].default


def test_the_browser_reads_the_rules_it_does_not_copy_them():
    """assets/state.js interprets the declaration: no notice, target name or rule's number is written in it,
    and every rule kind the server declares has its case there."""
    js = (Path(__file__).resolve().parents[1] / "assets" / "state.js").read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.S)          # comments may name things
    schema = browser_schema()
    for key, spec in schema["specs"].items():
        assert f'"{key}"' not in code and spec["name"] not in code, key
    for text in [*schema["notices"].values(), *(r["notice"] for r in RULES)]:
        words = max(re.split(r"\{\w+\}", text), key=len).strip()
        assert len(words) >= 8 and words not in code, text
    for key, conditions in schema["active_when"].items():             # when a field matters: read, not copied
        assert f'"{key}"' not in code and not any(f'"{value}"' in code for _, _, value in conditions[1:]), key
    for rule in RULES:
        assert f'case "{rule["rule"]}"' in code, rule["rule"]
        for number in (v for k, v in rule.items() if isinstance(v, (int, float)) and not isinstance(v, bool)):
            assert not re.search(rf"\b{number}\b", code) or number in (0, 1, 2), (rule, number)
