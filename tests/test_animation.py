"""Animations for slides (issue 28): a particle run and a landscape time sweep as GIF and MP4 at lecture size,
with t burnt in — decoded back and compared with what went in."""
import base64
import glob
import io
import os

import av
import numpy as np
import pytest
from PIL import Image

from components.animation import GIF_STRIDE, HEIGHT, PLOT, WIDTH, blank, canvas, caption, encode, movie_file, stamp
from tests.browsing import wait_for


def _frames(count=12):
    """Frames with one moving white square and a caption."""
    c = canvas(dark=True)
    out = []
    for k in range(count):
        frame = blank(c)
        stamp(frame, np.array([[-0.8 + 1.6 * k / count, 0.0]]), 1.0, np.array([[255, 255, 255]], np.uint8), 6)
        out.append(caption(frame, c, f"t = {k}", ["a caption"]))
    return out


def test_frames_are_lecture_sized_and_the_time_is_burnt_in():
    frames = _frames()
    assert all(f.shape == (HEIGHT, WIDTH, 3) and f.dtype == np.uint8 for f in frames)
    text = (slice(40, 160), slice(PLOT[0] + PLOT[2] + 40, WIDTH))       # the time's box, right of the plot
    ink = [np.count_nonzero(f[text].max(axis=2) > 128) for f in frames]
    assert min(ink) > 200                                                # big digits, in ink on the dark bg
    assert not np.array_equal(frames[1][text], frames[2][text])         # "t = 1" ≠ "t = 2"


def test_a_point_lands_where_its_coordinates_say():
    frame = blank(canvas(dark=False))
    stamp(frame, np.array([[0.5, -0.5]]), 1.0, np.array([[255, 0, 0]], np.uint8), 2)
    ys, xs = np.nonzero((frame[..., 0] == 255) & (frame[..., 1] == 0))
    left, top, side = PLOT
    assert abs(xs.mean() - (left + 0.75 * side)) <= 1.5 and abs(ys.mean() - (top + 0.75 * side)) <= 1.5
    stamp(frame, np.array([[3.0, 0.0]]), 1.0, np.array([[0, 255, 0]], np.uint8), 2)     # outside: left out
    assert not np.any((frame[..., 1] == 255) & (frame[..., 0] == 0))


def test_gif_and_mp4_decode_to_the_frames():
    frames = _frames(12)
    gif = Image.open(io.BytesIO(encode(frames, "gif", 10)))
    assert gif.n_frames == len(frames[::GIF_STRIDE]) and gif.size == (WIDTH // 2, HEIGHT // 2)
    assert gif.info["duration"] == 1000 * GIF_STRIDE // 10 and gif.info.get("loop") == 0
    with av.open(io.BytesIO(encode(frames, "mp4", 10))) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and (stream.width, stream.height) == (WIDTH, HEIGHT)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(decoded) == len(frames)
    # lossy, but the moving square is where it was: the brightest column of the plot's middle row
    row = PLOT[1] + PLOT[2] // 2 + 3

    def centre(frame):
        bright = np.flatnonzero(frame[row, :PLOT[0] + PLOT[2]].astype(int).sum(1) > 500)
        return bright.mean()
    for got, want in zip(decoded, frames, strict=True):
        assert abs(centre(got) - centre(want)) <= 2
    with pytest.raises(ValueError, match="GIF or an MP4"):
        encode(frames, "avi", 10)
    data = movie_file(frames[:2], "gif", "x")
    assert data["filename"] == "x.gif" and base64.b64decode(data["content"])[:6] == b"GIF89a"


def test_the_particle_run_and_the_landscape_sweep_as_movies(app_context):
    from components.state import parse_state
    from pages.landscape._figures import sweep_movie
    from pages.landscape._model import landscape_view, stack_view, view_inputs
    from pages.particles._figures import run_movie
    from pages.particles._model import JOB
    state, _ = parse_state({"target": "circle", "t": "0.5"})
    run = JOB.result(state.replace(particles=500, steps=50), 0)
    frames = run_movie(run, False, "heading")
    assert len(frames) == len(run.times) and frames[0].shape == (HEIGHT, WIDTH, 3)
    stack = stack_view(view_inputs(state, at_time=False))
    view = landscape_view(view_inputs(state))
    sweep = sweep_movie(stack, view.data_uv, view.t_c, True, "heading")
    assert len(sweep) > len(stack.times)
    # generation runs from the largest t: the first frame is one well (its minimum at the centre), the last has
    # four (the centre is not the minimum)
    left, top, side = PLOT
    square = [f[top:top + side, left:left + side].astype(float).sum(axis=2) for f in (sweep[0], sweep[-1])]
    centre = side // 2
    assert square[0][centre, centre] <= np.percentile(square[0], 5)
    assert square[1][centre, centre] > np.percentile(square[1], 20)


@pytest.mark.browser
def test_the_particles_page_downloads_its_run_as_mp4(dash_duo, lab, tmp_path):
    dash_duo.start_server(lab.app)
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    dash_duo.driver.get(dash_duo.server_url + "/particles?target=circle&t=0.5")
    dash_duo.wait_for_contains_text("#particles-status", "loaded", timeout=60)
    dash_duo.find_element("#particles-mp4").click()
    done = lambda: [f for f in glob.glob(str(tmp_path / "*.mp4")) if os.path.getsize(f) > 0]  # noqa: E731
    wait_for(done, timeout=120)
    with av.open(done()[0]) as container:
        assert container.streams.video[0].frames in (0, 201) and container.streams.video[0].width == WIDTH
