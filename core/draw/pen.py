"""A pen on a canvas: drawings made in code, for the question bank, tests and benchmarks.

The draw page's canvas is 280x280 pixels and its pen draws round-capped strokes
22 pixels wide by default; `canvas` draws with Pillow on a same-sized image and
returns the ink the page computes from it (0 paper, 1 ink).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIZE = 280
"""The draw page's canvas width and height on a laptop, in pixels."""
PAGE_PEN = 22
"""The draw page's default pen width on its 280x280 canvas."""

Point = tuple[float, float]


def canvas(
    draw: Callable[[ImageDraw.ImageDraw, int], None],
    size: tuple[int, int] = (280, 280),
    pen: int = 20,
) -> np.ndarray:
    """Ink (0 paper, 1 ink) of a canvas drawn with ``draw(ImageDraw, pen)``."""
    image = Image.new("L", size, 0)
    draw(ImageDraw.Draw(image), pen)
    return np.asarray(image, np.float32) / 255


def polylines(strokes: Sequence[Sequence[Point]]) -> Callable[[ImageDraw.ImageDraw, int], None]:
    """Return a `canvas` drawing of pen strokes, each a polyline in canvas pixels.

    Round joints and round caps, as the page's free-drawing pen (Fabric.js)
    draws them: Pillow's ``line`` has square ends, so a disc of the pen's
    width is put on each end.
    """

    def draw(d: ImageDraw.ImageDraw, pen: int) -> None:
        radius = pen / 2
        for points in strokes:
            if len(points) > 1:
                d.line(list(points), fill=255, width=pen, joint="curve")
            for x, y in (points[0], points[-1]):
                d.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)

    return draw
