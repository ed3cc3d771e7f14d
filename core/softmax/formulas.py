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


def exp_sum(values: Sequence[float] | np.ndarray) -> str:
    """Return ``e^{z_0} + e^{z_1} + ...`` in LaTeX, the first `TERMS_SHOWN` written out."""
    more = r" + \dots" if len(values) > TERMS_SHOWN else ""
    return " + ".join(f"e^{{{tex_number(v)}}}" for v in values[:TERMS_SHOWN]) + more


def softmax_formulas(report: SoftmaxReport) -> list[str]:
    r"""Return the naive and stable probability and loss of the true class, in LaTeX.

    Parameters
    ----------
    report : SoftmaxReport
        The page's computation.

    Returns
    -------
    list of str
        Four equations, each with the student's numbers.

    Notes
    -----
    .. math::

        p_y = \frac{e^{z_y}}{\sum_k e^{z_k}} = \frac{e^{z_y - m}}{\sum_k e^{z_k - m}},
        \quad L = \log \sum_k e^{z_k - m} - (z_y - m), \quad m = \max_k z_k
    """
    y = report.y
    z = report.logits
    zy, m = tex_number(z[y]), tex_number(z.max())
    shifted = exp_sum(report.shifted)
    return [
        rf"p_{y}^{{\text{{naive}}}} = \frac{{e^{{{zy}}}}}{{{exp_sum(z)}}}"
        rf" = {tex_number(report.p_naive[y])}",
        rf"p_{y}^{{\text{{stable}}}} = \frac{{e^{{{zy} - ({m})}}}}{{{shifted}}}"
        rf" = {tex_number(report.p_stable[y])}",
        rf"L^{{\text{{naive}}}} = -\log p_{y}^{{\text{{naive}}}}"
        rf" = {tex_number(report.loss('naive').value)}",
        rf"L^{{\text{{from logits}}}} = \log\left({shifted}\right) - ({zy} - ({m}))"
        rf" = {tex_number(report.loss('logits').value)}",
    ]
