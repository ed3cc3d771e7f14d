"""The texts of the round-off page's bit view: its coloured strip, bit buttons and kind sentence.

Plain data for the page to draw: which bits each field holds, how each bit
button is labelled and what each group of buttons is titled.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.floats.bits import FloatBits
from core.floats.lesson import KIND_EXPLANATIONS
from core.floats.state import bit_positions
from core.numerics.formats import FloatFormat
from core.numerics.text import folded_text, format_float

BIT_HELP = "A filled button is a 1 bit; click to flip it. Each is labelled with its place value."
"""The tooltip of every bit button."""


def power_of_two(exponent: int) -> str:
    """Return a bit's place value, such as ``"2^-3"``.

    Parameters
    ----------
    exponent : int
        The power of two.

    Returns
    -------
    str
        ASCII on purpose: Streamlit scans non-ASCII button labels for a leading
        emoji, about 0.1 ms a label, and a float64 has 64 of them.
    """
    return f"2^{exponent}"


def strip_fields(bits: FloatBits) -> tuple[tuple[str, str, str], ...]:
    """Return the sign, exponent and fraction fields of a number, for its bit strip.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.

    Returns
    -------
    tuple of tuple
        ``(field, bits, caption)`` for each field, such as
        ``("exponent", "01111111011", "exponent · 11 bits")``.
    """
    return (
        ("sign", str(bits.sign), "sign"),
        ("exponent", bits.exponent_bits, f"exponent · {len(bits.exponent_bits)} bits"),
        ("fraction", bits.fraction_bits, f"fraction · {len(bits.fraction_bits)} bits"),
    )


@dataclass(frozen=True)
class BitGroup:
    """One field's row of bit buttons.

    Attributes
    ----------
    field : str
        ``"sign"``, ``"exponent"`` or ``"fraction"``.
    title : str
        What the row says about the field's bits.
    labels : dict
        Bit position (0 is the sign) to the button's label, in order.
    """

    field: str
    title: str
    labels: dict[int, str]


def bit_groups(bits: FloatBits, fmt: FloatFormat) -> tuple[BitGroup, ...]:
    """Return the sign, exponent and fraction rows of bit buttons of a number.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.
    fmt : FloatFormat
        Its format.

    Returns
    -------
    tuple of BitGroup
        Each bit labelled with its place value; the titles give the sign, the
        exponent field with its bias and the significand.
    """
    exponent_field = int(bits.exponent_bits, 2)
    exponent = (
        f"; minus the bias {fmt.bias}: e = {bits.exponent}"
        if bits.exponent is not None
        else " (all ones: inf or nan)"
    )
    significand = f": significand = {bits.significand}" if bits.significand is not None else ""
    labels = {
        "sign": ["- (negative)"],
        "exponent": [power_of_two(k) for k in range(fmt.exponent_bits - 1, -1, -1)],
        "fraction": [power_of_two(-k) for k in range(1, fmt.fraction_bits + 1)],
    }
    titles = {
        "sign": f"Sign bit s = {bits.sign}",
        "exponent": f"Exponent bits {bits.exponent_bits} = {exponent_field}{exponent}",
        "fraction": f"Fraction bits{significand}",
    }
    return tuple(
        BitGroup(field, titles[field], dict(zip(positions, labels[field], strict=True)))
        for field, positions in bit_positions(fmt).items()
    )


def kind_text(bits: FloatBits) -> str:
    """Return the sentence that names a number's kind and, when it has one, its formula.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.

    Returns
    -------
    str
        Markdown, such as ``"**Normal number.** … Value = (−1)^0 × … × 2^-4 = …."``; an
        exact value of more than `core.numerics.text.FOLD_ABOVE` digits is folded.
    """
    name, explanation = KIND_EXPLANATIONS[bits.kind]
    formula = (
        f" Value = (−1)^{bits.sign} × {bits.significand} × 2^{bits.exponent}"
        f" = {folded_text(bits.exact_value)}."
        if bits.significand is not None
        else ""
    )
    return f"**{name}.** {explanation}{formula}"


def binade_text(bits: FloatBits, fmt: FloatFormat) -> str:
    """Return how many numbers of the format share the number's power of two, and their gap.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.
    fmt : FloatFormat
        Its format.

    Returns
    -------
    str
        Such as ``"From 2^0 up to 2^1, float32 has 2^23 = 8,388,608 numbers, each
        2^-23 ≈ 1.1920929e-7 apart."``; ``""`` for zeros, infinities and nan.

    Notes
    -----
    Each binade ``[2**e, 2**(e+1))`` holds one number per fraction pattern,
    ``2**f`` with ``f`` fraction bits, ``2**(e - f)`` apart; the subnormals fill
    ``[0, 2**e_min)`` with the same count and the same gap as the first binade.
    """
    if bits.kind not in ("normal", "subnormal") or bits.ulp is None:
        return ""
    count = 2**fmt.fraction_bits
    # A gap is a power of two the format itself holds: its shortest decimal there, which
    # alone can be as short as 1e-45, comes with the power.
    exponent = bits.exponent - fmt.fraction_bits
    gap = f"{power_of_two(exponent)} ≈ {format_float(fmt.dtype.type(bits.ulp))}"
    if bits.kind == "subnormal":
        return (
            f"Below 2^{fmt.min_exponent}, {fmt.name} has 2^{fmt.fraction_bits} = {count:,} "
            f"subnormal numbers (0 among them), each {gap} apart."
        )
    low, high = power_of_two(bits.exponent), power_of_two(bits.exponent + 1)
    return (
        f"From {low} up to {high}, {fmt.name} has 2^{fmt.fraction_bits} = {count:,} numbers, "
        f"each {gap} apart."
    )
