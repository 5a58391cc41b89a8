"""Animations for slides: frames drawn straight to pixels at lecture size with t burnt in, encoded as GIF or MP4.

A frame is a (720, 1280, 3) uint8 array: a square plot on the left, the time and its caption large on the right.
Points are stamped with numpy (20,000 particles × 201 frames in seconds), text is Pillow's, and the encoders
are the field's standard ones: MP4 is H.264 (libx264, yuv420p: it plays in every browser and presentation
program) through PyAV, the Python binding of FFmpeg's libraries, whose wheel carries them; GIF is Pillow's
writer with one adaptive palette per frame (a GIF holds 256 colors).
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from components.theme import FIGURE_THEME

WIDTH, HEIGHT = 1280, 720
#: The plot's square: left edge, top edge, side (px).
PLOT = (40, 40, 640)
FORMATS = {"gif": "image/gif", "mp4": "video/mp4"}
#: A GIF is written at half size and every other frame (a 201-frame run at 1280 × 720 is ~40 MB as GIF).
GIF_SCALE, GIF_STRIDE = 0.5, 2


@dataclass(frozen=True)
class Canvas:
    """The colors of a theme as RGB triples: background, ink, grid."""

    bg: tuple
    ink: tuple
    grid: tuple


def rgb(color: str) -> tuple:
    """'#rrggbb' → (r, g, b)."""
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def canvas(dark: bool) -> Canvas:
    """The lab's figure theme (components.theme) as pixel colors."""
    theme = FIGURE_THEME["dark" if dark else "light"]
    return Canvas(rgb(theme["bg"]), rgb(theme["ink"]), rgb(theme["grid"]))


@cache
def font(size: int) -> ImageFont.ImageFont:
    """Pillow's bundled scalable font at ``size`` px."""
    return ImageFont.load_default(size=size)


def blank(c: Canvas) -> np.ndarray:
    """A frame of the background color with the plot's square outlined and its axes through the centre."""
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    frame[:] = c.bg
    left, top, side = PLOT
    frame[top + side // 2, left:left + side] = c.grid
    frame[top:top + side, left + side // 2] = c.grid
    for edge in (top, top + side - 1):
        frame[edge, left:left + side] = c.grid
    for edge in (left, left + side - 1):
        frame[top:top + side, edge] = c.grid
    return frame


def stamp(frame: np.ndarray, xy: np.ndarray, span: float, colors: np.ndarray, radius: int = 2) -> None:
    """Points ``xy`` (K, 2) in data units, the square showing [−span, span]², as (2·radius)² squares of
    ``colors`` (K, 3) uint8; points outside the square are left out."""
    left, top, side = PLOT
    px = np.round(left + (xy[:, 0] / span + 1) * side / 2).astype(int)
    py = np.round(top + (1 - xy[:, 1] / span) * side / 2).astype(int)
    inside = (px >= left + radius) & (px < left + side - radius) & (py >= top + radius) & (py < top + side - radius)
    px, py, colors = px[inside], py[inside], colors[inside]
    for dy in range(-radius + 1, radius + 1):
        for dx in range(-radius + 1, radius + 1):
            frame[py + dy, px + dx] = colors


def image_in_square(frame: np.ndarray, rgb_image: np.ndarray) -> None:
    """An (n, m, 3) uint8 image resized (bilinear) to fill the plot's square, row 0 at the top."""
    left, top, side = PLOT
    frame[top:top + side, left:left + side] = np.asarray(Image.fromarray(rgb_image).resize((side, side),
                                                                                           Image.BILINEAR))


#: Pillow's bundled font has no dashes or minus sign: they are written as hyphens.
PLAIN = str.maketrans({"–": "-", "—": "-", "−": "-"})


def caption(frame: np.ndarray, c: Canvas, big: str, lines: list[str]) -> np.ndarray:
    """The frame with ``big`` (the time) large to the right of the plot and ``lines`` under it."""
    big, lines = big.translate(PLAIN), [line.translate(PLAIN) for line in lines]
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    x = PLOT[0] + PLOT[2] + 48
    room = WIDTH - x - 24
    draw.text((x, 60), big, fill=c.ink, font=font(64))
    y = 160
    for line in lines:
        for part in _wrapped(draw, line, font(26), room):
            draw.text((x, y), part, fill=c.ink, font=font(26))
            y += 34
        y += 10
    return np.asarray(image)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, face, room: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``room`` px."""
    lines = [""]
    for word in text.split(" "):
        trial = f"{lines[-1]} {word}".strip()
        if lines[-1] and draw.textlength(trial, font=face) > room:
            lines.append(word)
        else:
            lines[-1] = trial
    return lines


def encode(frames: list[np.ndarray], fmt: str, fps: float) -> bytes:
    """The frames as a GIF or an MP4 file's bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"an animation is a GIF or an MP4, not {fmt!r}")
    if fmt == "gif":
        shown = [Image.fromarray(f).resize((int(WIDTH * GIF_SCALE), int(HEIGHT * GIF_SCALE)), Image.BILINEAR)
                 .quantize(colors=255, method=Image.Quantize.MEDIANCUT) for f in frames[::GIF_STRIDE]]
        out = io.BytesIO()
        shown[0].save(out, format="GIF", save_all=True, append_images=shown[1:], loop=0,
                      duration=int(round(1000 * GIF_STRIDE / fps)), disposal=1)
        return out.getvalue()
    import av  # FFmpeg's libraries: loaded only to write an MP4
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def palette_rgb(colors: list[str]) -> np.ndarray:
    """Plotly color strings ('#rrggbb' or 'rgb(r,g,b)') as an (n, 3) uint8 array."""
    out = []
    for color in colors:
        if color.startswith("#"):
            out.append(rgb(color))
        else:
            out.append(tuple(int(float(v)) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3]))
    return np.array(out, np.uint8)


def colormap(values: np.ndarray, low: float, high: float, scale: list) -> np.ndarray:
    """Values mapped through a plotly colorscale ([[position, color], …]) to RGB uint8, clipped to [low, high]."""
    positions = np.array([p for p, _ in scale], float)
    colors = palette_rgb([c for _, c in scale]).astype(float)
    u = np.clip((values - low) / ((high - low) or 1.0), 0, 1)
    return np.stack([np.interp(u, positions, colors[:, k]) for k in range(3)], axis=-1).astype(np.uint8)


def movie_file(frames: list[np.ndarray], fmt: str, name: str, fps: float = 25.0) -> dict:
    """dcc.Download's data for the frames encoded as ``fmt`` ('gif' or 'mp4'), named ``name``.fmt."""
    return {"content": base64.b64encode(encode(frames, fmt, fps)).decode(), "filename": f"{name}.{fmt}",
            "type": FORMATS[fmt], "base64": True}
