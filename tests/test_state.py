"""URL state: parsing, clamping, notices, round trips (issue 2, bad input)."""
import pytest

from components.state import FIELDS, default_state, parse_query, parse_state, state_query
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
        assert again[k] == state[k]
    assert again["t"] == pytest.approx(state["t"], rel=1e-5)


@pytest.mark.parametrize("raw,field,expected", [
    ({"t": "0"}, "t", limits.T_MIN),
    ({"t": "1e9"}, "t", limits.T_MAX),
    ({"t": "-5"}, "t", limits.T_MIN),
    ({"t": "nan"}, "t", FIELDS["t"][1]),
    ({"t": "inf"}, "t", limits.T_MAX),
    ({"t": "abc"}, "t", FIELDS["t"][1]),
    ({"target": "gaussian_points", "n": "1000000000"}, "n", limits.N_MAX),
    ({"target": "gaussian_points", "d": "-3"}, "d", 1),
    ({"target": "gaussian_points", "d": "2.6"}, "d", 3),
    ({"target": "nope"}, "target", "circle"),
    ({"process": "XX"}, "process", "VE"),
    ({"sigma": "0"}, "sigma", limits.SIGMA_MIN),
])
def test_bad_values_are_clamped_with_a_notice(raw, field, expected):
    state, notes = parse_state(raw)
    assert state[field] == expected
    assert notes, "a changed value must say so"


def test_cross_field_caps():
    state, notes = parse_state({"target": "gaussian_points", "d": "1000", "n": "100000"})
    assert state["n"] * state["d"] <= limits.ND_MAX and notes
    state, notes = parse_state({"target": "circle", "d": "7", "n": "500"})
    assert state["d"] == 2 and state["n"] == 64 and len(notes) == 2
    state, notes = parse_state({"target": "subspace", "d": "3", "dd": "9"})
    assert state["dd"] == 3 and notes


def test_garbage_queries():
    for search in ("?t=%ZZ&&&=&d=", "?" + "x" * 10_000, "?t=1&t=2&t=0.5", "?d=%00", "?target=🙂"):
        raw, notes = parse_query(search)
        state, more = parse_state(raw)
        assert set(state) == set(FIELDS)
    assert parse_query("?t=1&t=2&t=0.5")[0]["t"] == ["1", "2", "0.5"]
    assert parse_state(parse_query("?t=1&t=2&t=0.5")[0])[0]["t"] == 0.5
    assert parse_query("?" + "x" * 10_000)[1]


def test_wrong_types_from_a_hand_made_request():
    state, notes = parse_state({"t": {"a": 1}, "d": [1, 2], "n": None, "target": 5, "seed": True})
    assert state["t"] == FIELDS["t"][1] and state["target"] == "circle" and notes


def test_cache_names_carry_the_code_version(lab, app_context):
    # FileSystemCache ignores CACHE_KEY_PREFIX: a result of an older version must never match.
    from components import cache as cache_module
    name = cache_module.versioned("kind", ("a", 1))
    assert name.startswith(cache_module.VERSION + ":")
    calls = []
    assert cache_module.cached("kind", ("x", 2), lambda: calls.append(1) or 42) == 42
    assert cache_module.cached("kind", ("x", 2), lambda: calls.append(1) or 43) == 42 and calls == [1]
