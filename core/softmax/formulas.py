"""The softmax lesson's formulas, written out in LaTeX with the student's numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.numerics.text import format_float
from core.softmax.report import SoftmaxReport

TERMS_SHOWN = 4
"""Exponentials written out in a sum before it continues with dots."""


def tex_number(value: float | np.floating) -> str:
    r"""Return a float as LaTeX, powers of ten written as ``\times 10^{k}``.

    Parameters
    ----------
    value : float or numpy floating
        The value, shown with `core.numerics.text.format_float`'s digits.

    Returns
    -------
    str
        ``"7.801342 \times 10^{-5}"`` for ``7.801342e-5`` (LaTeX would set
        ``7.801342e-5`` as 7.8·e minus 5), ``\text{inf}`` and the like for the
        special values, the plain digits otherwise.
    """
    text = format_float(value)
    if text in ("inf", "-inf", "nan"):
        return rf"\text{{{text}}}"
    mantissa, sep, exponent = text.partition("e")
    if not sep:
        return text
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \times {power}"


LINE_EM = 26.0
"""Widest line of a formula, in ems of its type: longer ones continue on the next line.

The page scales a formula's type down where its box is narrower than this many
ems (``assets/lab.css``), so every line fits its box at any screen width."""
SUM_EM = 15.0
"""Widest written-out sum of exponentials, in ems: long exponents show fewer terms."""
_SCRIPT = 0.7
"""Size of a superscript relative to its base, as KaTeX sets it."""
_PLUS_EM = 1.22
"""A binary operator with its spaces."""
_RELATION_EM = 1.34
"""A relation (``=``) with its spaces."""


def tex_width(tex: str) -> float:
    r"""Return the approximate width in ems of a `tex_number` text set by KaTeX.

    Parameters
    ----------
    tex : str
        The output of `tex_number`.

    Returns
    -------
    float
        Half an em per digit or point, a minus sign's 0.78 em, the ``\times 10``
        and its exponent at superscript size: close enough to decide where a
        formula wraps (the browser tests check that the result fits its box).
    """

    def chars(text: str) -> float:
        return sum(0.78 if c == "-" else 0.5 for c in text)

    if tex.startswith(r"\text{"):
        return chars(tex[len(r"\text{") : -1])
    mantissa, times, power = tex.partition(r" \times ")
    if not times:
        mantissa, power = ("", tex) if tex.startswith("10^{") else (tex, "")
    width = chars(mantissa) + (_PLUS_EM if times else 0.0)
    if power:
        width += 1.0 + _SCRIPT * chars(power[len("10^{") : -1])
    return width


def _term_width(value: float | np.floating) -> float:
    return 0.47 + _SCRIPT * tex_width(tex_number(value))


def terms_shown(values: Sequence[float] | np.ndarray, budget: float = SUM_EM) -> int:
    """Return how many exponentials of a sum to write out before the dots.

    Parameters
    ----------
    values : sequence of float
        The exponents.
    budget : float, optional
        Widest sum, in ems.

    Returns
    -------
    int
        At most `TERMS_SHOWN`, fewer while the written-out sum would be wider
        than `budget` (long exponents such as ``-0.30000000000000004``), never
        fewer than two.
    """
    shown, width = 0, 0.0
    tail = _PLUS_EM + 1.2  # " + \dots"
    for i, value in enumerate(values[:TERMS_SHOWN]):
        width += (_PLUS_EM if i else 0.0) + _term_width(value)
        more = tail if len(values) > i + 1 else 0.0
        if i >= 2 and width + more > budget:
            break
        shown = i + 1
    return shown


def exp_sum(values: Sequence[float] | np.ndarray, budget: float = SUM_EM) -> str:
    """Return ``e^{z_0} + e^{z_1} + ...`` in LaTeX, the first `terms_shown` written out."""
    count = terms_shown(values, budget)
    more = r" + \dots" if len(values) > count else ""
    return " + ".join(f"e^{{{tex_number(v)}}}" for v in values[:count]) + more


def _sum_width(values: Sequence[float] | np.ndarray) -> float:
    count = terms_shown(values)
    width = sum(_term_width(v) for v in values[:count]) + _PLUS_EM * (count - 1)
    return width + (_PLUS_EM + 1.2 if len(values) > count else 0.0)


def wrapped(lhs: str, lhs_width: float, pieces: Sequence[tuple[str, str, float]]) -> str:
    r"""Return an equation on one line, or on several of at most `LINE_EM` ems.

    Parameters
    ----------
    lhs : str
        The left-hand side, such as ``p_9^{\text{naive}}``.
    lhs_width : float
        Its width in ems.
    pieces : sequence of tuple
        ``(operator, body, width)``: each part of the right-hand side with the
        operator before it (``"="`` or ``"-"``) and its width in ems.

    Returns
    -------
    str
        ``lhs = a = b`` when it fits, else an ``aligned`` block: every ``=``
        under the first, a continued difference indented after it.
    """
    total = lhs_width + sum(_RELATION_EM + width for _, _, width in pieces)
    if total <= LINE_EM:
        return lhs + "".join(f" {op} {body}" for op, body, _ in pieces)
    lines = [rf"{lhs} &{pieces[0][0]} {pieces[0][1]}"]
    width = lhs_width + _RELATION_EM + pieces[0][2]
    for op, body, piece in pieces[1:]:
        if width + _RELATION_EM + piece <= LINE_EM:
            lines[-1] += f" {op} {body}"
            width += _RELATION_EM + piece
        else:
            lines.append(rf"&{op} {body}" if op == "=" else rf"&\quad {op} {body}")
            width = lhs_width + _RELATION_EM + piece
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def softmax_formulas(report: SoftmaxReport) -> list[str]:
    r"""Return the naive and stable probability and loss of the true class, in LaTeX.

    Parameters
    ----------
    report : SoftmaxReport
        The page's computation.

    Returns
    -------
    list of str
        Four equations, each with the student's numbers; one too wide for
        `LINE_EM` continues on further lines (see `wrapped`).

    Notes
    -----
    .. math::

        p_y = \frac{e^{z_y}}{\sum_k e^{z_k}} = \frac{e^{z_y - m}}{\sum_k e^{z_k - m}},
        \quad L = \log \sum_k e^{z_k - m} - (z_y - m), \quad m = \max_k z_k
    """
    y = report.y
    z = report.logits
    zy, m = tex_number(z[y]), tex_number(z.max())
    zy_w, m_w = tex_width(zy), tex_width(m)
    shifted = exp_sum(report.shifted)

    def value(v: float | np.floating) -> tuple[str, str, float]:
        tex = tex_number(v)
        return "=", tex, tex_width(tex)

    def p_lhs(kind: str) -> tuple[str, float]:
        return rf"p_{y}^{{\text{{{kind}}}}}", 0.5 + _SCRIPT * 0.5 * (len(kind) + len(str(y)))

    naive_frac = (
        rf"\frac{{e^{{{zy}}}}}{{{exp_sum(z)}}}",
        max(0.47 + _SCRIPT * zy_w, _sum_width(z)) + 0.4,
    )
    stable_frac = (
        rf"\frac{{e^{{{zy} - ({m})}}}}{{{shifted}}}",
        max(0.47 + _SCRIPT * (zy_w + m_w + 2.4), _sum_width(report.shifted)) + 0.4,
    )
    log_sum = (rf"\log\left({shifted}\right)", 2.2 + _sum_width(report.shifted))
    difference = (f"({zy} - ({m}))", zy_w + m_w + 2.8)
    return [
        wrapped(
            *p_lhs("naive"),
            [("=", *naive_frac), value(report.p_naive[y])],
        ),
        wrapped(
            *p_lhs("stable"),
            [("=", *stable_frac), value(report.p_stable[y])],
        ),
        wrapped(
            r"L^{\text{naive}}",
            0.7 + _SCRIPT * 2.5,
            [("=", rf"-\log p_{y}^{{\text{{naive}}}}", 4.0), value(report.loss("naive").value)],
        ),
        wrapped(
            r"L^{\text{from logits}}",
            0.7 + _SCRIPT * 5.5,
            [("=", *log_sum), ("-", *difference), value(report.loss("logits").value)],
        ),
    ]
