"""Your own data and real data (issue 11): upload validation, round trips, share links, digits."""
import base64
import io
import socket

import numpy as np
import pytest
from dash import no_update
from selenium.webdriver.common.action_chains import ActionChains

from components.state import parse_query, parse_state, state_query, target_of
from components.typed_arrays import unpacked
from core import limits
from core.datasets import (
    UPLOAD_MAX_BYTES,
    DataError,
    decode_inline,
    digits_points,
    encode_inline,
    parse_csv,
    parse_upload,
    top_eigenvalue,
)


def _contents(raw: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(raw).decode()


def _npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


MALFORMED = [
    ("a.csv", b"1,2\nfoo,3\n", "not numeric"),
    ("a.csv", b"1,2\nnan,3\n", "NaN or infinite"),
    ("a.csv", b"1,2\ninf,3\n", "NaN or infinite"),
    ("a.csv", b"1,2\n3\n", "ragged rows"),
    ("a.csv", b"x,y\n", "no points"),
    ("a.csv", b"", "no points"),
    ("a.npy", _npy(np.zeros((0, 2))), "no points"),
    ("a.npy", _npy(np.zeros((1, limits.D_MAX + 1))), "over the lab's caps"),
    ("a.npy", _npy(np.zeros((100_001, 1))), "over the lab's caps"),
    ("a.csv", b"1,2\n" * (UPLOAD_MAX_BYTES // 4 + 1), "limit"),
    ("a.csv", bytes(range(256)) * 8, "not text"),
    ("a.npy", b"\x93NUMPY garbage", "not a readable .npy"),
    ("a.npy", _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True), "never loads pickles"),
    ("a.npy", _npy(np.array(["a", "b"])), "not numeric"),
    ("a.exe", b"1,2\n", "upload a .csv or a .npy"),
    ("a.csv", b"x,y,weight\n1,2,-1\n", "weights must be"),
    ("a.csv", b"1e308,0\n-1,2\n", "the lab takes values within ±1,000,000"),
    ("a.npy", _npy(np.array([[0.0, -2e6]])), "a coordinate reaches 2e"),
]


@pytest.mark.parametrize("filename,raw,message", MALFORMED)
def test_each_malformed_upload_gets_its_message_and_changes_nothing(app_context, filename, raw, message):
    from pages.data import page as data
    with pytest.raises(DataError, match=message):
        parse_upload(filename, raw)
    url, text = data.upload(_contents(raw), filename, parse_state({"target": "circle"})[0], 0.3)
    assert url is no_update and message in text and "Nothing was changed" in text


def test_valid_upload_round_trips_through_download(app_context):
    from pages.data import page as data
    rng = np.random.default_rng(1)
    points, weights = rng.normal(size=(30, 3)), rng.uniform(0.5, 2, 30)
    rows = [",".join(repr(float(v)) for v in (*p, w)) for p, w in zip(points, weights, strict=True)]
    text = "x1,x2,x3,weight\n" + "\n".join(rows)
    search, message = data.upload(_contents(text.encode()), "mine.csv", parse_state({})[0], 0.3)
    assert "30 uploaded points in 3 dimensions" in str(message)
    state, notices = parse_state(parse_query(search)[0])
    assert state.target == "custom" and state.points.startswith("@") and not notices
    out = data.download_target(1, state, state.t)
    back, back_w = parse_csv(out["content"].split("\n", 2)[2])      # after the two comment lines
    np.testing.assert_allclose(back, points, rtol=1e-15)
    np.testing.assert_allclose(back_w, weights / weights.sum(), rtol=1e-12)


def test_drawn_target_survives_a_share_link():
    points, weights = np.array([[1.0, 0.0], [-1.0, 0.5], [0.0, 1.5]]), np.array([1.0, 2.0, 1.0])
    state, _ = parse_state({"target": "custom", "pts": encode_inline(points, weights), "t": 0.05})
    again, notices = parse_state(parse_query(state_query(state))[0])
    assert not notices and again == state
    np.testing.assert_allclose(target_of(again).data.points, points)
    np.testing.assert_allclose(decode_inline(again.points)[1], weights)


@pytest.mark.parametrize("scale", [1e-300, 1e-8, 1.0, 5e5])
def test_points_at_every_magnitude_the_lab_takes_draw_finite_figures(app_context, scale):
    """From 1e-300 (distances underflow to 0) to COORD_MAX: every figure of the landscape and bifurcation pages
    is finite and says nothing was changed."""
    from pages.bifurcation import page as bifurcation
    from pages.landscape import page as landscape
    from tests.test_callbacks import _finite_figure
    pts = encode_inline(scale * np.array([[1.0, 1.0], [-1.0, 0.0], [0.5, -2.0]]), np.ones(3))
    state, notices = parse_state({"target": "custom", "pts": pts, "t": 0.05})
    assert not notices and np.max(np.abs(target_of(state).data.points)) == pytest.approx(2 * scale, rel=1e-3)
    _finite_figure(landscape.render_landscape(state, state.t, None)[0])
    _finite_figure(landscape.render_strip(state))
    for fig in bifurcation.render_diagram(None, state, state.t)[:5]:
        _finite_figure(fig)


@pytest.mark.parametrize("pts", ["1e150,1e150,1;-1e150,0,1", "1e308,0,1", "0,-1.5e6,1;1,1,1"])
def test_points_too_large_to_square_are_refused_with_a_notice(app_context, pts):
    """A link with points at ±1e150 made the landscape's covariance singular (HTTP 500)."""
    from pages.landscape import page as landscape
    from tests.test_callbacks import _finite_figure
    state, notices = parse_state({"target": "custom", "pts": pts})
    assert state.points == "1,0,1;-1,0,1"
    assert notices and "the lab takes values within ±1,000,000" in notices[0] and "default two points" in notices[0]
    _finite_figure(landscape.render_landscape(state, state.t, None)[0])


def test_a_forgotten_upload_falls_back_with_a_notice(app_context):
    state, notices = parse_state({"target": "custom", "pts": "@" + "0" * 16})
    assert state.points == "1,0,1;-1,0,1" and "upload it again" in notices[0]


def test_digits_load_without_network_and_lambda_matches_numpy(monkeypatch):
    def refuse(*_a, **_k):
        raise OSError("no network in this test")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    x, labels = digits_points("38", 10_000, 0)
    assert x.shape == (357, 64) and set(labels) == {3, 8} and 0 <= x.min() and x.max() <= 1
    direct = np.linalg.eigvalsh(np.cov(x.T, bias=True))[-1]
    assert top_eigenvalue(x) == pytest.approx(direct, rel=1e-12)
    target = target_of(parse_state({"target": "digits", "cls": "83", "n": 10_000})[0])
    assert target.d == 64 and target.top_eigenvalue == pytest.approx(direct, rel=1e-12)


@pytest.mark.browser
def test_draw_three_points_and_the_landscape_changes(dash_duo, lab):
    dash_duo.start_server(lab.app)
    dash_duo.driver.get(dash_duo.server_url + "/data?t=0.05")
    dash_duo.wait_for_contains_text("#data-canvas .gtitle", "2 point(s)", timeout=30)
    dash_duo.find_element("#data-clear").click()
    dash_duo.wait_for_contains_text("#data-canvas .gtitle", "0 point(s)", timeout=30)
    for k, (dx, dy) in enumerate(((-120, 0), (120, 0), (0, -130))):
        layer = dash_duo.find_element("#data-canvas .nsewdrag")
        ActionChains(dash_duo.driver).move_to_element_with_offset(layer, dx, dy).click().perform()
        dash_duo.wait_for_contains_text("#data-canvas .gtitle", f"{k + 1} point(s)", timeout=30)
    dash_duo.find_element("#data-use-drawn").click()
    dash_duo.wait_for_contains_text("#data-upload-message", "3 drawn point(s)", timeout=30)
    dash_duo.find_element("#data-upload-message a[href^='/landscape']").click()
    dash_duo.wait_for_contains_text("#landscape-caption", "3 stable fixed point(s)", timeout=30)
    assert "target=custom" in dash_duo.driver.current_url
    severe = [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert not severe, severe


@pytest.mark.browser
def test_an_upload_over_the_limit_says_its_size_and_the_limit(dash_duo, lab, tmp_path):
    """dcc.Upload drops a file over max_size without firing a callback: the page must say why (issue 28)."""
    big = tmp_path / "big.csv"
    big.write_bytes(b"1,2\n" * (6 * 2**20 // 4))
    small = tmp_path / "small.csv"
    small.write_bytes(b"1,0\n-1,0\n0,1\n")
    dash_duo.start_server(lab.app)
    dash_duo.driver.get(dash_duo.server_url + "/data")
    chooser = dash_duo.wait_for_element("#data-upload input[type=file]", timeout=30)
    chooser.send_keys(str(big))
    dash_duo.wait_for_contains_text("#data-upload-message", "big.csv", timeout=30)
    text = dash_duo.find_element("#data-upload-message").text
    assert "6.0 MiB" in text and "limit is 5 MiB" in text and "Nothing was changed" in text, text
    dash_duo.find_element("#data-upload input[type=file]").send_keys(str(small))   # a good file still goes
    dash_duo.wait_for_contains_text("#data-upload-message", "3 uploaded points", timeout=30)


def test_digits_on_the_particles_page(app_context):
    """Nearest-class-mean labels (the cloning classifier) and generated images beside their nearest
    training image."""
    from pages.particles import page as particles
    from pages.particles._model import end_labels
    state, _ = parse_state({"target": "digits", "cls": "17", "n": 200, "process": "VP", "t": 0.3})
    images, classes = digits_points("17", 200, state.seed)
    index = np.searchsorted([1, 7], classes)                  # labels number the classes in order: 1 → 0, 7 → 1
    assert np.mean(end_labels(target_of(state), state, images) == index) > 0.95
    payload, _ = particles.send_run(None, state.replace(particles=500, dynamics="sde"), 0)
    *_, sheet, style = particles.render_side(payload, state.replace(particles=500, dynamics="sde"), state.t, 0)
    assert style is None and sheet["data"][0]["type"] == "heatmap"
    z = unpacked(sheet["data"][0]["z"]).astype(float)
    assert z.shape == (17, 12 * 9 - 1) and np.nanmax(z) <= 1.5


def test_digits_table_speciation_time_is_the_labs():
    """The /data table's t_s is the VP time where a²Λ = b² — what every other page calls t_s (core.regimes)
    — and Biroli et al. 2024's ½ log Λ is shown beside it (negative when Λ < 1)."""
    from core.processes import Process
    from core.regimes import speciation_time
    from core.targets import make_target
    from pages.data._model import digits_table
    rows = digits_table("17", 200, 0)
    chosen = rows[0]
    target = make_target("digits", cls="17", n=200, seed=0)
    assert chosen.lam == pytest.approx(target.top_eigenvalue, rel=1e-12)
    assert chosen.t_s == pytest.approx(speciation_time(target, Process("VP")), rel=1e-12)
    assert chosen.t_s == pytest.approx(0.5 * np.log1p(chosen.lam), rel=1e-12)
    assert chosen.t_s_large_lambda == pytest.approx(0.5 * np.log(chosen.lam), rel=1e-12)
    assert all(row.t_s > 0 for row in rows)


def test_digits_table_says_why_a_large_lambda_time_is_negative(app_context):
    """Rows with Λ < 1 show ½ log Λ < 0: the page says it is the large-Λ form, not a time."""
    import json

    import plotly

    from pages.data import page as data
    from pages.data._model import digits_table
    for classes in ("01", "17"):
        rows = digits_table(classes, 360, 0)
        text = json.dumps(data.digits_table_view(classes, 360, 0), cls=plotly.utils.PlotlyJSONEncoder)
        assert any(r.lam < 1 for r in rows) and "is negative" in text, classes
