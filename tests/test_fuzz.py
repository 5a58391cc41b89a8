"""Hostile input against the lab under gunicorn: over 1,000 generated requests to
/_dash-update-component and the pages (Hypothesis), then concurrent requests.  Every answer must be
below 500 and free of tracebacks, and the server must stay healthy."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.state import FIELDS
from tests.callback_bodies import landscape_body

# one xdist process runs the module, in order: the last test counts what the others sent (SENT)
pytestmark = [pytest.mark.server, pytest.mark.xdist_group("fuzz")]
SENT = []
#: Examples per property: values 700 + shapes 250 + queries 120 = 1,070 requests at least, and drawn sets at any
#: magnitude on the callbacks that read the state.
VALUE_EXAMPLES, SHAPE_EXAMPLES, QUERY_EXAMPLES, MAGNITUDE_EXAMPLES = 700, 250, 120, 80


def fuzz(examples):
    """Hypothesis settings of the fuzz tests: reproducible, no deadline (requests), no example database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

ODD_TEXT = ["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e-400", "-0", "", " ", "∞", "𝔡", "\x00", "٣",
            "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "{}", "[]", "0x10", "1_000"]
leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40),
                 st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40), st.sampled_from(ODD_TEXT))
json_value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                             max_size=4), max_leaves=12)


#: A drawn set (the link's 'x,y,w;…') whose coordinates span 1e-300 to 1e300, either sign (issue 34).
magnitude = st.builds(lambda sign, exponent: f"{sign}1e{exponent}", st.sampled_from(["", "-"]), st.integers(-300, 300))
drawn_points_at_any_magnitude = st.lists(st.tuples(magnitude, magnitude), min_size=1, max_size=5).map(
    lambda rows: ";".join(f"{x},{y},1" for x, y in rows))


def _field_values(name):
    field = FIELDS[name]
    kind, default, low, high = field.kind, field.default, field.low, field.high
    if kind == "choice":
        return st.one_of(st.sampled_from(list(low)), leaf, st.sampled_from([-1e300, 1e300, "1e308", "nan"]))
    if name == "pts":
        return st.one_of(st.just(default), st.from_regex(low, fullmatch=True).map(lambda s: s[:high]), leaf,
                         drawn_points_at_any_magnitude)
    if kind == "text":
        return st.one_of(st.just(default), st.from_regex(low, fullmatch=True).map(lambda s: s[:high]), leaf)
    extremes = [low, high, default, low - 1, high * 10, -1e300, 1e300, str(high), f"{low}"]
    return st.one_of(st.sampled_from(extremes), st.floats(low, high), leaf)


lab_state = st.fixed_dictionaries({}, optional={name: _field_values(name) for name in FIELDS})


def _value_for(item, draw):
    """A value for one declared input or state item: a lab state for the store, else anything."""
    if item["id"] == "lab-state":
        return draw(st.one_of(lab_state, lab_state, json_value))
    if item["property"] == "search":
        return draw(st.one_of(st.text(max_size=300).map(lambda s: "?" + s),
                              st.just("?" + "t=0.5&" * 2_000), st.just("?d=" + "9" * 5_000)))
    return draw(json_value)


def _items(spec_items, draw):
    out = []
    for item in spec_items:
        if isinstance(item["id"], dict):                    # a pattern-matching (ALL) input: a list
            out.append([{"id": {**item["id"], **{k: "x" for k, v in item["id"].items() if v == ["ALL"]}},
                         "property": item["property"], "value": draw(json_value)}])
        else:
            out.append({"id": item["id"], "property": item["property"], "value": _value_for(item, draw)})
    return out


def _request(output, spec, draw):
    inputs = _items(spec["inputs"], draw)
    changed = [f"{i['id']}.{i['property']}" for i in spec["inputs"] if isinstance(i["id"], str)][:1]
    return {"output": output, "outputs": _outputs(output), "inputs": inputs, "state": _items(spec["state"], draw),
            "changedPropIds": changed}


def _outputs(output):
    if not output.startswith(".."):
        ident, prop = output.rsplit(".", 1)
        return {"id": _id(ident), "property": prop}
    parts = [p for p in output.strip(".").split("...") if p]
    return [{"id": _id(p.rsplit(".", 1)[0]), "property": p.rsplit(".", 1)[1]} for p in parts]


def _id(text):
    return json.loads(text) if text.startswith("{") else text


def _check(response):
    SENT.append(response.status_code)
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text


@pytest.fixture(scope="module")
def callbacks(lab):
    """The app's server-side callbacks; background ones (each starts a job) are fuzzed separately."""
    specs = {k: v for k, v in lab.app.callback_map.items() if "callback" in v}
    return ({k: v for k, v in specs.items() if not v.get("background")},
            {k: v for k, v in specs.items() if v.get("background")})


def test_fuzz_callback_values(gunicorn_url, callbacks):
    sync, _ = callbacks

    @fuzz(VALUE_EXAMPLES)
    @given(st.data())
    def one(data):
        output = data.draw(st.sampled_from(sorted(sync)))
        body = _request(output, sync[output], data.draw)
        _check(requests.post(gunicorn_url + "/_dash-update-component", json=body, timeout=60))
    one()


def test_fuzz_drawn_points_at_any_magnitude(gunicorn_url, callbacks):
    """Every callback that reads the state, given a drawn set with coordinates from 1e-300 to 1e300: a figure
    or a notice, never a 500 (points at ±1e150 made the landscape's covariance singular)."""
    sync, _ = callbacks
    reading = sorted(k for k, v in sync.items() if any(i["id"] == "lab-state" for i in v["inputs"] + v["state"]))

    @fuzz(MAGNITUDE_EXAMPLES)
    @given(st.data())
    def one(data):
        output = data.draw(st.sampled_from(reading))
        body = _request(output, sync[output], data.draw)
        state = {"target": "custom", "pts": data.draw(drawn_points_at_any_magnitude),
                 "t": data.draw(st.sampled_from([1e-3, 0.05, 1.0, 100.0])), "process": data.draw(st.sampled_from(
                     ["VE", "VP", "FM"]))}
        for item in body["inputs"] + body["state"]:
            if item["id"] == "lab-state":
                item["value"] = state
        _check(requests.post(gunicorn_url + "/_dash-update-component", json=body, timeout=60))
    one()


def test_fuzz_callback_shapes(gunicorn_url, callbacks):
    sync, _ = callbacks
    keys = ("output", "outputs", "inputs", "state", "changedPropIds")

    @fuzz(SHAPE_EXAMPLES)
    @given(st.data())
    def one(data):
        output = data.draw(st.sampled_from(sorted(sync)))
        body = _request(output, sync[output], data.draw)
        how = data.draw(st.sampled_from(["drop", "replace", "extra", "whole", "bytes", "output"]))
        if how == "drop":
            body.pop(data.draw(st.sampled_from(keys)))
        elif how == "replace":
            body[data.draw(st.sampled_from(keys))] = data.draw(json_value)
        elif how == "extra":
            body[data.draw(st.text(max_size=10))] = data.draw(json_value)
        elif how == "output":
            body["output"] = data.draw(st.one_of(st.text(max_size=60), st.just(output + ".."), st.just("x" * 10_000)))
        if how == "whole":
            payload = json.dumps(data.draw(json_value)).encode()
        elif how == "bytes":
            payload = data.draw(st.binary(max_size=2_000))
        else:
            payload = json.dumps(body).encode()
        _check(requests.post(gunicorn_url + "/_dash-update-component", data=payload, timeout=60,
                             headers={"Content-Type": "application/json"}))
    one()


def test_fuzz_page_queries(gunicorn_url, lab):
    from dash import page_registry
    paths = sorted(p["path"] for p in page_registry.values()) + ["/nowhere", "/_dash-layout"]

    @fuzz(QUERY_EXAMPLES)
    @given(st.sampled_from(paths), st.one_of(st.text(max_size=200), st.just("t=1&" * 3_000),
                                             st.just("d=" + "9" * 4_000), st.sampled_from(ODD_TEXT)))
    def one(path, query):
        url = gunicorn_url + path + ("?" + requests.utils.quote(query, safe="=&") if query else "")
        _check(requests.get(url, timeout=30))
    one()


def test_background_callbacks_with_garbage_start_or_refuse(gunicorn_url, callbacks):
    """One hand-made request per background callback, its state garbage: a job handle or a refusal."""
    _, background = callbacks
    for output, spec in sorted(background.items()):
        body = {"output": output, "outputs": _outputs(output), "changedPropIds": [],
                "inputs": [{"id": i["id"], "property": i["property"], "value": "garbage"} for i in spec["inputs"]],
                "state": [{"id": s["id"], "property": s["property"], "value": {"t": "x", "d": -5, "K": 1e99}}
                          for s in spec["state"]]}
        _check(requests.post(gunicorn_url + "/_dash-update-component", json=body, timeout=60))


def test_concurrent_kernel_calls_hold(gunicorn_url):
    """Four clients at once on kernel-heavy callbacks: all answer, with the same figures as one at a time."""
    bodies = [landscape_body({"target": "gaussian_points", "n": 2000, "d": 10, "t": t}) for t in (0.05, 0.2, 1.0, 3.0)]
    alone = [requests.post(gunicorn_url + "/_dash-update-component", json=b, timeout=60).json() for b in bodies]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: requests.post(gunicorn_url + "/_dash-update-component", json=b,
                                                          timeout=60), bodies * 5))
    for i, r in enumerate(together):
        _check(r)
        assert r.json()["response"]["landscape-caption"] == alone[i % 4]["response"]["landscape-caption"]


def test_server_healthy_after_fuzzing(gunicorn_url):
    assert len(SENT) >= 1_000, len(SENT)
    assert requests.get(gunicorn_url + "/healthz", timeout=5).status_code == 200
    assert requests.get(gunicorn_url + "/landscape", timeout=10).status_code == 200

