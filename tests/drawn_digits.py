"""Digits drawn the ways people draw them: synthetic pen strokes, four styles of each.

Each digit 0-9 is written as pen strokes (polylines) in a unit box, x from 0
(left) to 1 (right) and y from 0 (top) to 1 (bottom), in two shapes:

- ``plain``: the usual printed form: a bar 1, a closed 4, a straight 7;
- ``serif``: the other common forms: a 1 with its top flag, a 7 with a bar, an
  open 4, a flat-topped 3, a curly 2, a 9 with a hooked tail, an 8 in one
  crossing stroke, a 5 whose top bar is a second stroke, a 6 with a straight
  stem, a narrow 0 whose end overshoots its start;

and rendered on the page's 280x280 canvas (`core.draw.pen.canvas`) in four styles:
``plain`` and ``serif`` upright, 180 pixels tall with the page's 22-pixel pen;
``slanted``, the plain shapes leaning right by about 17 degrees; ``small-thin``,
the plain shapes 70 pixels tall in the top-left corner with the thinnest pen the
page offers (8 pixels). No image comes from outside: every stroke is written here.

`drawn_digits` gives those 40 drawings (the unit tests' set); `varied_drawings`
900 more, in more slants, pens and sizes (the benchmark's). `read_drawings`
runs drawings through the draw page's path: preprocessing, then the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.draw.pen import PAGE_PEN, Point, canvas, polylines
from core.draw.preprocess import preprocess_for
from core.softmax.functions import softmax_stable

Strokes = list[list[Point]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> list[Point]:
    """Points of an elliptical arc; angles in degrees, 0 right, 90 down (y points down)."""
    steps = max(2, math.ceil(abs(end - start) / 10))
    angles = np.radians(np.linspace(start, end, steps + 1))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _figure_eight() -> list[Point]:
    # One stroke: down through the middle, round the bottom loop, up through the
    # middle again and round the smaller top loop, as an 8 is often written.
    points = []
    for t in np.linspace(0, 2 * math.pi, 49):
        y = 0.5 - 0.5 * math.cos(t)
        width = 0.36 if y < 0.5 else 0.45
        points.append((0.5 - width * math.sin(2 * t), y))
    return points


PLAIN: dict[int, Strokes] = {
    0: [arc(0.5, 0.5, 0.45, 0.5, -90, 270)],
    1: [[(0.5, 0.0), (0.5, 1.0)]],
    2: [[*arc(0.5, 0.28, 0.42, 0.28, 190, 380), (0.05, 1.0), (0.95, 1.0)]],
    3: [[*arc(0.5, 0.26, 0.4, 0.26, 200, 450), *arc(0.5, 0.74, 0.45, 0.26, -90, 160)]],
    4: [[(0.7, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.7, 0.0), (0.7, 1.0)]],
    5: [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), *arc(0.48, 0.7, 0.42, 0.3, -150, 150)]],
    6: [
        [(0.8, 0.02), (0.5, 0.08), (0.25, 0.3), (0.12, 0.55), *arc(0.5, 0.72, 0.4, 0.28, 180, 540)]
    ],
    7: [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],
    8: [[*arc(0.5, 0.25, 0.32, 0.25, 90, 450), *arc(0.5, 0.75, 0.42, 0.25, -90, 270)]],
    9: [[*arc(0.5, 0.3, 0.42, 0.3, 0, 360), (0.9, 0.6), (0.88, 1.0)]],
}

SERIF: dict[int, Strokes] = {
    0: [arc(0.5, 0.5, 0.36, 0.5, -100, 290)],  # narrower, and the end overshoots the start
    1: [[(0.15, 0.3), (0.6, 0.0), (0.6, 1.0)]],  # the top flag
    2: [  # a loop where the diagonal meets the base
        [
            *arc(0.5, 0.28, 0.42, 0.28, 190, 380),
            (0.3, 0.8),
            *arc(0.22, 0.88, 0.14, 0.1, -40, 200),
            (0.95, 0.95),
        ]
    ],
    3: [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.42), *arc(0.5, 0.7, 0.42, 0.3, -100, 150)]],
    4: [[(0.2, 0.0), (0.1, 0.6), (0.95, 0.6)], [(0.72, 0.15), (0.72, 1.0)]],  # open top
    5: [  # the top bar as a second stroke
        [(0.22, 0.0), (0.17, 0.45), *arc(0.48, 0.7, 0.42, 0.3, -150, 150)],
        [(0.22, 0.0), (0.88, 0.0)],
    ],
    6: [[(0.65, 0.0), (0.15, 0.65), *arc(0.45, 0.73, 0.38, 0.27, 200, 560)]],  # straight stem
    7: [[(0.05, 0.12), (0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.25, 0.5), (0.8, 0.5)]],
    8: [_figure_eight()],  # one crossing stroke
    9: [  # the tail hooks left
        [
            *arc(0.5, 0.3, 0.4, 0.3, 0, 360),
            (0.9, 0.3),
            (0.88, 0.7),
            (0.75, 0.95),
            (0.5, 1.0),
            (0.25, 0.9),
        ]
    ],
}


@dataclass(frozen=True)
class Style:
    """Which shapes a style draws, where on the 280x280 canvas and with what pen."""

    shapes: dict[int, Strokes]
    left: float
    top: float
    width: float
    height: float
    pen: int
    slant: float = 0.0
    """Horizontal shift per pixel of height above the box's middle (a shear)."""


STYLES: dict[str, Style] = {
    "plain": Style(PLAIN, 85, 50, 110, 180, PAGE_PEN),
    "serif": Style(SERIF, 85, 50, 110, 180, PAGE_PEN),
    # tan(17°) ≈ 0.3: an ordinary italic lean.
    "slanted": Style(PLAIN, 85, 50, 110, 180, PAGE_PEN, slant=0.3),
    # The page's pen slider starts at 8.
    "small-thin": Style(PLAIN, 30, 25, 45, 70, 8),
}


def strokes_on_canvas(digit: int, style: Style) -> Strokes:
    """The strokes of `digit` in `style`, in canvas pixels."""
    middle = style.top + style.height / 2
    placed = []
    for stroke in style.shapes[digit]:
        points = []
        for x, y in stroke:
            px, py = style.left + x * style.width, style.top + y * style.height
            points.append((px + style.slant * (middle - py), py))
        placed.append(points)
    return placed


@dataclass(frozen=True, eq=False)
class Drawing:
    """One drawn digit: its label, its style and the canvas ink."""

    digit: int
    style: str
    ink: np.ndarray


def _render(digit: int, name: str, style: Style) -> Drawing:
    ink = canvas(polylines(strokes_on_canvas(digit, style)), pen=style.pen)
    ink.setflags(write=False)
    return Drawing(digit, name, ink)


@lru_cache(maxsize=1)
def drawn_digits() -> tuple[Drawing, ...]:
    """The 40 drawings: style by style, digits 0-9 in each (rendered once per process)."""
    return tuple(
        _render(digit, name, style) for name, style in STYLES.items() for digit in range(10)
    )


VARIED_SLANTS = (-0.15, 0.0, 0.15, 0.3, 0.45)
VARIED_PENS = (12, PAGE_PEN, 34)
VARIED_BOXES = {
    "middle": (85, 50, 110, 180),
    "small": (60, 40, 60, 100),
    "large": (70, 30, 150, 200),
}


def varied_drawings() -> tuple[Drawing, ...]:
    """900 drawings for the benchmark: both shapes, five slants, three pens, three boxes.

    Slants from 9 degrees left to 24 right, pens of 12, 22 and 34 pixels, a
    digit 180 pixels tall in the middle, 100 tall in a corner or 200 tall and
    wide. It includes the upright 22-pixel drawings of `drawn_digits` and its
    slanted plain ones. Its style names read like ``"serif slant 0.15 pen 12
    small"``.
    """
    drawings = []
    for shape, shapes in (("plain", PLAIN), ("serif", SERIF)):
        for slant in VARIED_SLANTS:
            for pen in VARIED_PENS:
                for box_name, box in VARIED_BOXES.items():
                    style = Style(shapes, *box, pen, slant)
                    name = f"{shape} slant {slant:g} pen {pen} {box_name}"
                    drawings.extend(_render(digit, name, style) for digit in range(10))
    return tuple(drawings)


@dataclass(frozen=True)
class Reading:
    """What a model says about one drawing."""

    digit: int
    style: str
    predicted: int
    probability: float
    """The probability of the predicted digit."""

    @property
    def right(self) -> bool:
        """The model read the digit that was drawn."""
        return self.predicted == self.digit


def read_drawings(model, drawings: tuple[Drawing, ...] | None = None) -> list[Reading]:
    """Run drawings (the 40 of `drawn_digits` by default) through the page's path.

    The page's path: `preprocess_for` the model's data set, then the model's
    NumPy logits and the stable softmax (`model` is a ``TrainedModel``).
    """
    drawings = drawn_digits() if drawings is None else drawings
    images = np.stack([preprocess_for(model.dataset, d.ink).image for d in drawings])
    p = softmax_stable(model.logits(images), axis=1)
    predicted = np.argmax(p, axis=1)
    return [
        Reading(d.digit, d.style, int(k), float(p[i, k]))
        for i, (d, k) in enumerate(zip(drawings, predicted, strict=True))
    ]
