"""The question bank: predict-then-reveal questions for every lesson, answers computed.

Every question's answer, options and explanation come from the app's own tested
functions when the bank is built (once per process), never from a number typed
in here: if a function changed its result, the question would change with it,
and the tests that compare each answer with an independent mpmath or
TensorFlow value would say so. Each question carries the page state (a
`core.lesson.CaseLink`) that shows its answer.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import mpmath
import numpy as np

from core.draw.pen import CANVAS_SIZE, canvas, polylines
from core.draw.preprocess import preprocess_for
from core.floats.cancellation import course_example
from core.jobs.pool import LocalContext
from core.lesson import LESSONS, CaseLink
from core.numerics.exact import exact, to_exact
from core.numerics.formats import get_format
from core.numerics.limits import exp_overflow_threshold, format_limits
from core.numerics.text import exact_decimal, format_exact, format_float
from core.softmax import functions as sm
from core.softmax.exact import sigmoid_exact, softmax_exact
from core.softmax.multilabel import multilabel_report
from core.softmax.report import softmax_report
from core.softmax.settings import DEFAULT_NAMES, parse_number
from core.training.history import first_batch_text
from core.training.models import default_model
from core.training.network import NetworkSpec
from core.training.run import TrainConfig, train_task
from core.training.settings import PRESETS as TRAIN_PRESETS
from core.training.settings import SETTINGS as TRAIN_SETTINGS

Kind = Literal["choice", "number", "larger"]
KINDS: tuple[Kind, ...] = ("choice", "number", "larger")

SOFTMAX = "pages/softmax.py"
FLOATS = "pages/floats.py"
TRAIN = "pages/train.py"
DRAW = "pages/draw.py"


@dataclass(frozen=True)
class Question:
    """One prediction a student makes before the page shows the result.

    Attributes
    ----------
    id : str
        Short, stable, URL-safe identifier (``?q=<id>``).
    page : str
        The lesson's page file.
    kind : str
        ``"choice"`` (pick one option), ``"number"`` (type a number, right
        within `tolerance`) or ``"larger"`` (which of two values is larger, or
        are they equal).
    prompt : str
        The question (Markdown of ours, never user text).
    options : tuple of str
        The options of a choice or larger question; empty for a number.
    answer : int or float
        The right option's index, or the right number.
    tolerance : float
        How far a typed number may be from `answer` and still count as right.
    explanation : str
        Why, with the computed values (Markdown).
    misconception : str
        What students commonly answer and why, for the teacher's plan.
    case : CaseLink
        The page state that shows the answer.
    shown : str
        A text the page shows in that state which carries the answer.
    """

    id: str
    page: str
    kind: Kind
    prompt: str
    options: tuple[str, ...]
    answer: int | float
    tolerance: float
    explanation: str
    misconception: str
    case: CaseLink
    shown: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "number":
            if self.options or not math.isfinite(self.answer) or self.tolerance < 0:
                raise ValueError(f"{self.id}: a number question needs a finite answer")
        elif not (isinstance(self.answer, int) and 0 <= self.answer < len(self.options)):
            raise ValueError(f"{self.id}: the answer is not one of the options")
        if self.case.page != self.page:
            raise ValueError(f"{self.id}: its case opens {self.case.page}, not {self.page}")

    @property
    def answer_text(self) -> str:
        """The right answer as the page writes it."""
        return self.response_text(self.answer)

    def is_right(self, response: int | float) -> bool:
        """Whether a response is right.

        Parameters
        ----------
        response : int or float
            An option index, or a typed number (`parse_response`).

        Returns
        -------
        bool
            For a number: ``|response - answer| <= tolerance``; otherwise the
            same option.
        """
        if self.kind == "number":
            return abs(float(response) - float(self.answer)) <= self.tolerance
        return int(response) == self.answer

    def response_text(self, response: int | float) -> str:
        """Return a response as the page writes it back to the student."""
        if self.kind == "number":
            return number_text(float(response))
        index = int(response)
        return self.options[index] if 0 <= index < len(self.options) else f"option {index}"


def number_text(value: float) -> str:
    """Return a number as a student would write it: integers with thousands separators.

    Parameters
    ----------
    value : float
        An answer.

    Returns
    -------
    str
        ``"8,388,608"`` for a whole number below 2**53, else the shortest decimal
        that reads back as the same float (`core.numerics.text.format_float`).
    """
    if value.is_integer() and abs(value) < 2**53:
        return f"{int(value):,}"
    return format_float(value)


def parse_response(question: Question, text: str) -> float:
    """Read a typed answer to a number question.

    Parameters
    ----------
    question : Question
        A number question.
    text : str
        What the student typed: a decimal, ``1e-7``, thousands separators
        (``8,388,608``) or ``2**23``/``2^23``.

    Returns
    -------
    float
        The number.

    Raises
    ------
    ValueError
        With a sentence the student can act on.
    """
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    shown = repr(text.strip()[:20])
    if not cleaned.isascii():
        # Python's float() reads other scripts' digits too; a number here is typed in 0-9.
        raise ValueError(f"type {shown} with the digits 0 to 9")
    for power in ("**", "^"):
        base, found, exponent = cleaned.partition(power)
        if found:
            a, b = parse_number(base, "answer"), parse_number(exponent, "exponent")
            try:
                value = a**b
            except OverflowError:
                raise ValueError(f"{shown} is too large to be an answer") from None
            except ZeroDivisionError:
                raise ValueError(f"{shown} divides by zero") from None
            if isinstance(value, complex):
                raise ValueError(f"{shown} is not a real number") from None
            if not math.isfinite(value):
                raise ValueError(f"{shown} is too large to be an answer")
            return value
    return parse_number(cleaned, "answer")


def _logits(z: Sequence[float]) -> str:
    return ", ".join(f"{v:g}" for v in z)


def _vector(values: Sequence[float]) -> str:
    return ", ".join(format_float(v) for v in values)


def _choice(options: Sequence[str], computed: str, question: str) -> int:
    # Options are plausible outcomes; the computed one must be among them, or the
    # question would have no right option.
    if computed not in options:
        raise ValueError(f"{question}: the computed answer {computed!r} is not an option")
    return list(options).index(computed)


def _larger(a: float | mpmath.mpf, b: float | mpmath.mpf) -> int:
    """Index of the answer to "which is larger, a or b (or equal)?"."""
    return 0 if a > b else 1 if b > a else 2


# ----- lesson 1: softmax and cross-entropy -----


def _naive_far() -> Question:
    z, dtype = (1000.0, 0.0, -1000.0), "float32"
    report = softmax_report(list(z), 2, dtype)
    options = ("1, 0, 0", "nan, 0, 0", "inf, 0, 0", "nan, nan, nan")
    computed = _vector(report.p_naive)
    return Question(
        "naive-far",
        SOFTMAX,
        "choice",
        f"In {dtype}, what does the textbook softmax `exp(z) / Σ exp(z)` return for "
        f"z = {_logits(z)}?",
        options,
        _choice(options, computed, "naive-far"),
        0.0,
        f"`exp({z[0]:g})` is above {dtype}'s largest value (its log is "
        f"{exp_overflow_threshold(dtype):.2f}), so it is `{format_float(report.exp_logits[0])}`; "
        f"the first probability is inf/inf = `{format_float(report.p_naive[0])}` and the others "
        f"x/inf = 0. The stable softmax subtracts the largest logit first and gives "
        f"{_vector(report.p_stable)}.",
        "Students expect 1, 0, 0: the mathematics is fine, the float format is not.",
        CaseLink("z = 1000, 0, −1000", SOFTMAX, {"z": z, "y": 2, "dtype": dtype}),
        format_float(report.p_naive[0]),
    )


def _shift() -> Question:
    z, c, dtype = (2.0, 1.0, 0.5), 1000.0, "float32"
    moved = tuple(v + c for v in z)
    before, after = softmax_exact(z), softmax_exact(moved)
    # Every logit and its shifted value are stored exactly (c and the z's are short
    # binary fractions), so the two exact softmaxes compare the mathematics alone.
    same = max(abs(a - b) for a, b in zip(before, after, strict=True)) < exact.mpf(10) ** -50
    if not same:
        raise ValueError("shift: the exact softmax moved with c")
    options = (
        "The same probabilities",
        "Closer to 1, 0, 0: the largest grows",
        "All three closer to 1/3",
    )
    report = softmax_report(list(moved), 0, dtype)
    return Question(
        "shift",
        SOFTMAX,
        "choice",
        f"z = {_logits(z)} gives p = {', '.join(format_exact(p, 3) for p in before)}. In exact "
        f"arithmetic, what is the softmax of z + {c:g} = {_logits(moved)}?",
        options,
        0,
        0.0,
        f"`exp(z + c) = exp(c)·exp(z)`: the factor `exp(c)` cancels between numerator and "
        f"denominator, so softmax(z + {c:g}) is exactly "
        f"{', '.join(format_exact(p, 3) for p in after)}. In {dtype} the textbook formula "
        f"still breaks ({_vector(report.p_naive)}), while the stable one, which subtracts "
        f"the largest logit, gives {_vector(report.p_stable)}.",
        "Students think large logits mean a more confident softmax; only the differences count.",
        CaseLink(f"z = {_logits(moved)}", SOFTMAX, {"z": moved, "dtype": dtype}),
        format_float(report.p_stable[0]),
    )


def _overflow_limit() -> Question:
    dtype = "float32"
    limit = exp_overflow_threshold(dtype)
    answer = round(limit, 2)
    z = (89.0, 88.7, 0.0)
    report = softmax_report(list(z), 0, dtype)
    return Question(
        "exp-limit",
        SOFTMAX,
        "number",
        f"What is the largest logit whose `exp` is still finite in {dtype}? Two decimals.",
        (),
        answer,
        0.005,
        f"{dtype}'s largest value is {format_float(format_limits(dtype).largest)}, and "
        f"ln of it is {limit:.4f}: `exp(88.7)` = {format_float(report.exp_logits[1])} is "
        f"finite, `exp(89)` = {format_float(report.exp_logits[0])}.",
        "Students guess something huge, like 10^38: it is the log of the largest value.",
        CaseLink(f"z = {_logits(z)}", SOFTMAX, {"z": z, "dtype": dtype}),
        format_float(report.exp_logits[0]),
    )


def _confident_wrong() -> tuple[list[float], int, str]:
    return [100.0, 0.0, -100.0], 2, "float32"


def _keras_cap() -> Question:
    z, y, dtype = _confident_wrong()
    report = softmax_report(z, y, dtype)
    keras = float(report.loss("keras").value)
    return Question(
        "keras-cap",
        SOFTMAX,
        "number",
        f"Logits {_logits(z)} in {dtype}, true class {y}. What loss does Keras' "
        "`SparseCategoricalCrossentropy()` give from the probabilities of `tf.nn.softmax`? "
        "Three decimals.",
        (),
        round(keras, 3),
        0.0005,
        f"p_{y} = exp(−200) underflows {dtype} to `{format_float(report.p_stable[y])}`. Keras "
        f"clips probabilities to [1e-7, 1 − 1e-7] before the log, so the loss stops at "
        f"−ln(1e-7) = {format_float(report.loss('keras').value)}, however wrong the "
        "prediction: the exact loss is "
        f"{format_exact(report.loss('exact').value, 6)}.",
        "Students expect inf or nan; the clip hides how wrong the prediction is.",
        CaseLink(f"z = {_logits(z)}, true class {y}", SOFTMAX, {"z": tuple(z), "y": y}),
        format_float(report.loss("keras").value),
    )


def _from_logits() -> Question:
    z, y, dtype = _confident_wrong()
    report = softmax_report(z, y, dtype)
    loss = float(report.loss("logits").value)
    return Question(
        "from-logits",
        SOFTMAX,
        "number",
        f"Same logits, {_logits(z)}, true class {y}: what loss does "
        "`SparseCategoricalCrossentropy(from_logits=True)` give?",
        (),
        loss,
        0.5,
        f"From logits the loss is `log Σ exp(z − m) − (z_y − m)` with m = {z[0]:g}: "
        f"{format_float(loss)}, the exact loss {format_exact(report.loss('exact').value, 6)}. "
        "No probability is formed, so nothing underflows and the gradient still pushes.",
        "Students expect the same 16.118 as on probabilities, or inf.",
        CaseLink(f"z = {_logits(z)}, true class {y}", SOFTMAX, {"z": tuple(z), "y": y}),
        format_float(report.loss("logits").value),
    )


def _gradient() -> Question:
    z, y, dtype = [2.0, 1.0, 0.1], 0, "float32"
    report = softmax_report(z, y, dtype)
    grad = float(report.grad_stable[y])
    return Question(
        "gradient",
        SOFTMAX,
        "number",
        f"z = {_logits(z)}, true class {y}. What is ∂L/∂z_{y}, the cross-entropy's gradient "
        "for the true class's logit? Two decimals.",
        (),
        round(grad, 2),
        0.005,
        f"∂L/∂z_i = p_i − 1 for the true class and p_i for the others: "
        f"p_{y} = {format_float(report.p_stable[y])}, so {format_float(report.grad_stable[y])}. "
        "The gradient never needs a log, which is why it stays finite when the loss overflows.",
        "Students write −1/p_y, the gradient of −log p with respect to p, not to the logit.",
        CaseLink(f"z = {_logits(z)}, true class {y}", SOFTMAX, {"z": tuple(z), "y": y}),
        format_float(report.grad_stable[y]),
    )


def _sigmoid_40() -> Question:
    z, dtype = 40.0, "float32"
    a = sm.sigmoid_naive(z, dtype)[()]
    complement = sigmoid_exact(-z)
    return Question(
        "sigmoid-40",
        SOFTMAX,
        "larger",
        f"In {dtype}, which is larger: σ({z:g}) = 1 / (1 + exp(−{z:g})), or 1?",
        (f"σ({z:g})", "1", "They are equal"),
        _larger(float(a), 1.0),
        0.0,
        f"1 − σ({z:g}) = {format_exact(complement, 3)}, far below half the gap between 1 and "
        f"the {dtype} just below it ({format_limits(dtype).epsilon / 4:.3g}), so "
        f"σ({z:g}) "
        f"rounds to `{format_float(a)}`. With label 0 the naive loss takes log(1 − 1) = −inf.",
        "Students expect 0.99999…: the format has no number between that and 1.",
        CaseLink(
            f"binary mode, z = {z:g}",
            SOFTMAX,
            {"mode": "binary", "z": (z,), "y": 0, "dtype": dtype},
        ),
        format_float(a),
    )


def _temperature() -> Question:
    z, t, dtype = [2.0, 1.0, 0.1], 5.0, "float32"
    cold = softmax_report(z, 0, dtype)
    warm = softmax_report(z, 0, dtype, temperature=t)
    top_cold, top_warm = float(cold.p_stable[0]), float(warm.p_stable[0])
    return Question(
        "temperature",
        SOFTMAX,
        "larger",
        f"z = {_logits(z)}. Which top probability is larger: at temperature T = 1, or at "
        f"T = {t:g} (the softmax of z / T)?",
        ("At T = 1", f"At T = {t:g}", "They are equal"),
        _larger(top_cold, top_warm),
        0.0,
        f"Dividing by T = {t:g} shrinks the differences between logits, and only differences "
        f"count: the top probability falls from {format_float(cold.p_stable[0])} to "
        f"{format_float(warm.p_stable[0])}.",
        "Students think a higher temperature makes the model more sure.",
        CaseLink(f"z = {_logits(z)}, T = {t:g}", SOFTMAX, {"z": tuple(z), "temperature": t}),
        format_float(warm.p_stable[0]),
    )


def _sigmoid_sum() -> Question:
    z, dtype = [2.0, 1.0, 0.5], "float32"
    names = list(DEFAULT_NAMES[: len(z)])
    report = multilabel_report(z, [1, 0, 0], names, dtype)
    total = report.sigmoid_sum_exact
    return Question(
        "sigmoid-sum",
        SOFTMAX,
        "larger",
        f"Multi-label: one image, {len(z)} yes/no labels ({', '.join(names)}), one sigmoid per "
        f"output, logits {_logits(z)}. Which is larger: the sum of the {len(z)} sigmoids, or 1?",
        ("The sum of the sigmoids", "1", "They are equal"),
        _larger(total, 1),
        0.0,
        f"Each σ(z_i) answers its own question, so nothing makes them share one unit: "
        f"{', '.join(format_float(a) for a in report.sigmoid)}, {format_exact(total, 4)} in "
        f"all. The softmax of the same logits sums to {format_float(report.softmax_sum)}.",
        "Students carry over from softmax that the outputs must sum to 1.",
        CaseLink(
            f"multi-label, z = {_logits(z)}",
            SOFTMAX,
            {"mode": "multilabel", "z": tuple(z), "labels": (1, 0, 0), "dtype": dtype},
        ),
        f"sum to {float(total):.3g}, not 1",
    )


# ----- lesson 2: floating-point round-off -----


def _course_18() -> Question:
    x1, x2 = course_example()
    options = tuple(
        f"{v:.18f}"
        for v in (
            float(x1.value),
            float(x2.value),
            float(np.float32(1 + np.float32(1e-4)) - np.float32(1 - np.float32(1e-4))),
        )
    )
    return Question(
        "course-18",
        FLOATS,
        "choice",
        f"In float64 (Python's float), what does `{x2.expression}` print with 18 decimals?",
        options,
        _choice(options, x2.printed, "course-18"),
        0.0,
        f"Each of `1 + 1/10000` and `1 − 1/10000` is rounded to the nearest double, up to "
        f"half an ULP of 1 off; the subtraction keeps those errors while the leading digits "
        f"cancel: {x2.printed}, {x2.ulp_error:.0f} ULPs from 2/10000 (its exact value: "
        f"{x2.exact_decimal[:24]}…). `{x1.expression}` prints {x1.printed}.",
        "Students expect 0.000200000000000000: both expressions are 2/10000 on paper.",
        CaseLink(f"x = {x2.value!r}", FLOATS, {"x": repr(x2.value), "dtype": "float64"}),
        x2.printed,
    )


def _count_1_2() -> Question:
    fmt = get_format("float32")
    count = 2**fmt.fraction_bits
    return Question(
        "count-1-2",
        FLOATS,
        "number",
        "How many float32 numbers lie in [1, 2), from 1 up to but not including 2?",
        (),
        float(count),
        0.0,
        f"Between two powers of two a float32 has one number per pattern of its "
        f"{fmt.fraction_bits} fraction bits: 2^{fmt.fraction_bits} = {count:,}, "
        f"{format_limits(fmt.name).epsilon:.3g} apart. The next binade, [2, 4), has as "
        "many, twice as far apart.",
        "Students answer 'infinitely many' or 'about a billion' (2^32 is the whole format).",
        CaseLink("x = 1 in float32", FLOATS, {"x": "1", "dtype": "float32"}),
        f"{count:,}",
    )


def _tenth() -> Question:
    stored = to_exact(0.1)
    tenth = exact.mpf(1) / 10
    return Question(
        "tenth",
        FLOATS,
        "larger",
        "Which is larger: the float64 Python stores for `0.1`, or the real number 1/10?",
        ("The float64 0.1", "1/10", "They are equal"),
        _larger(stored, tenth),
        0.0,
        f"1/10 has no finite binary expansion; the nearest double is "
        f"{format_exact(stored, 20)}…, which is "
        f"{'above' if stored > tenth else 'below'} 1/10 by {format_exact(abs(stored - tenth), 2)}.",
        "Students think 0.1 is stored exactly because it prints as 0.1.",
        CaseLink("x = 0.1 in float64", FLOATS, {"x": "0.1", "dtype": "float64"}),
        exact_decimal(0.1),
    )


def _gap_2_24() -> Question:
    x = 2.0**24
    gap = float(np.spacing(np.float32(x)))
    return Question(
        "gap-2-24",
        FLOATS,
        "number",
        f"In float32, how far is 2^24 = {x:,.0f} from the next larger float32?",
        (),
        gap,
        0.0,
        f"float32 carries 24 significant bits, so from 2^24 on its numbers are "
        f"{format_float(gap)} apart: {x + 1:,.0f} is not a float32 and rounds back to "
        f"{x:,.0f}.",
        "Students answer 1 (integers feel exact) or 1.2e-7 (epsilon, the gap at 1 only).",
        CaseLink(f"x = {x:.0f} in float32", FLOATS, {"x": f"{x:.0f}", "dtype": "float32"}),
        format_float(gap),
    )


def _largest_half() -> Question:
    largest = format_limits("float16").largest
    return Question(
        "largest-half",
        FLOATS,
        "number",
        "What is the largest finite float16 number?",
        (),
        largest,
        0.0,
        f"float16 has 5 exponent bits and 10 fraction bits: (2 − 2^−10) × 2^15 = "
        f"{format_float(largest)}. Anything from about 65520 up rounds to inf, so exp(12) "
        "already overflows.",
        "Students guess 65536 or 32767, integer limits.",
        CaseLink("x = 65504 in float16", FLOATS, {"x": "65504", "dtype": "float16"}),
        format_float(largest),
    )


# ----- lesson 3: training -----


def _push_config() -> dict:
    preset = next(p for p in TRAIN_PRESETS if p.key == "push")
    return preset.config.to_params()


def _train_values(config: TrainConfig) -> dict:
    return {name: getattr(config, name) for name in TRAIN_SETTINGS.by_name}


def _train_case(key: str, label: str) -> CaseLink:
    preset = next(p for p in TRAIN_PRESETS if p.key == key)
    return CaseLink(label, TRAIN, _train_values(preset.config))


def _first_nan(naive: bool) -> tuple[str | None, int, int | None]:
    # Why and when the push preset's loss stopped being finite (the NumPy engine's own
    # divergence message), the steps run, and the step.
    params = {**_push_config(), "variants": ["D"], "naive_softmax": naive}
    ctx = LocalContext()
    train_task(params, ctx)
    diverged = [e for e in ctx.events if e["type"] == "diverged"]
    steps = max(e["step"] for e in ctx.events if e["type"] == "progress")
    if not diverged:
        return None, steps, None
    return diverged[0]["message"], steps, diverged[0]["step"]


def _dies_first() -> Question:
    naive_why, naive_steps, naive = _first_nan(True)
    stable_why, steps, stable = _first_nan(False)
    options = (
        "B: the hand-written softmax",
        "C: from logits",
        "Both, at the same step",
        "Neither: both keep a finite loss",
    )
    if naive is None and stable is None:
        answer = 3
    elif naive == stable:
        answer = 2
    else:
        answer = 0 if stable is None or (naive is not None and naive < stable) else 1
    config = _push_config()
    naive_text = naive_why or f"the loss stays finite through all {naive_steps} steps"
    stable_text = stable_why or f"the loss stays finite through all {steps} steps"
    return Question(
        "dies-first",
        TRAIN,
        "choice",
        f"'Push the logits': raw pixels, initial weights × {config['init_scale']:g}, Adam at "
        f"{config['learning_rate']:g}. Which variant's loss stops being finite (inf or nan) first?",
        options,
        answer,
        0.0,
        f"Computed with the NumPy network D and its switch, the same network, weights and "
        f"batches: with the textbook softmax (B's output), {naive_text}; with the stable one "
        f"(what C's from_logits=True applies), {stable_text}. Press Start to train real Keras "
        "B and C from the same start: Keras clips B's probabilities, so its numbers differ "
        "from D's.",
        "Students expect a high learning rate to ruin both alike; only the naive softmax "
        "overflows.",
        _train_case("push", "Push the logits"),
        "overflowed float32",
    )


def _first_loss() -> Question:
    config = TrainConfig(variants=("D",), epochs=1)
    ctx = LocalContext()
    train_task(config.to_params(), ctx)
    loss = next(e for e in ctx.events if e["type"] == "steps")["losses"][0]
    uniform = math.log(10)
    return Question(
        "first-loss",
        TRAIN,
        "number",
        "The course's network starts from random weights. Roughly what cross-entropy does it "
        "have on its first batch of ten-class digits? Two decimals.",
        (),
        round(float(loss), 2),
        0.3,
        f"An untrained network spreads its probability over the ten classes, about 1/10 "
        f"each, so its loss is about −ln(1/10) = {uniform:.2f}; these random weights give "
        f"{first_batch_text(loss)} on their first batch. A loss stuck there has learned nothing.",
        "Students expect 0 or 1; a loss starts at ln(number of classes).",
        CaseLink("D alone, from the same start", TRAIN, _train_values(config)),
        first_batch_text(loss),
    )


def _parameters() -> Question:
    spec = NetworkSpec(28 * 28)
    count = spec.parameter_count
    return Question(
        "parameters",
        TRAIN,
        "number",
        "How many weights and biases does the course's 25-15-10 network have for 28×28 "
        "MNIST images?",
        (),
        float(count),
        0.0,
        " + ".join(f"{a}×{b} + {b}" for a, b in zip(spec.sizes[:-1], spec.sizes[1:], strict=True))
        + f" = {count:,}: every input reaches every unit of the first layer.",
        "Students count units (50) instead of connections.",
        _train_case("course", "The course"),
        f"{count:,}",
    )


# ----- lesson 4: draw a digit -----

SEVEN = ((0.30, 0.25), (0.70, 0.25), (0.42, 0.80))
"""A 7 as one stroke, in fractions of its box."""


def thin_small_seven() -> np.ndarray:
    """Ink of a 7 drawn thin (pen 8) and small (a quarter of the canvas), in a corner.

    Returns
    -------
    numpy.ndarray
        The page's canvas ink, 0 paper, 1 ink.
    """
    box, corner = CANVAS_SIZE / 4, CANVAS_SIZE / 16
    stroke = [(corner + u * box, corner + v * box) for u, v in SEVEN]
    return canvas(polylines([stroke]), pen=8)


def _thin_small() -> Question:
    model = default_model()
    seen = preprocess_for(model.dataset, thin_small_seven())
    logits = model.logits(seen.image[None])[0]
    p = sm.softmax_stable(logits)
    top = int(np.argmax(p))
    options = ("Yes, a 7", "No, another digit")
    h, w = seen.image.shape
    return Question(
        "thin-small",
        DRAW,
        "choice",
        "Draw a 7 with a thin pen (8), small, in a corner of the canvas. Does the network "
        "still read it as a 7?",
        options,
        0 if top == 7 else 1,
        0.0,
        f"Before the network sees a drawing it is cropped to its ink, scaled and centred "
        f"like the training digits, down to {h}×{w}: size and place are gone. The app's own "
        f"thin, small 7 (drawn in code, pen 8, in the top-left corner) is read as {top} with "
        f"p = {float(p[top]):.1%}.",
        "Students expect the network to fail on an unusual size or place; the preprocessing "
        "removes both, so only the shape matters.",
        CaseLink("Draw a digit", DRAW),
        f"{h}×{w}",
    )


def _inputs() -> Question:
    model = default_model()
    seen = preprocess_for(model.dataset, thin_small_seven())
    h, w = seen.image.shape
    return Question(
        "inputs",
        DRAW,
        "number",
        f"The canvas has {CANVAS_SIZE}×{CANVAS_SIZE} pixels. How many numbers does the "
        "default network read from your drawing?",
        (),
        float(h * w),
        0.0,
        f"The default network was trained on the embedded {model.dataset} digits, "
        f"{h}×{w} = {h * w} pixels each, so every drawing is shrunk to {h}×{w} first: "
        f"what the network sees is shown next to the canvas.",
        f"Students answer {CANVAS_SIZE * CANVAS_SIZE:,}: the network's input size is fixed "
        "by its training data.",
        CaseLink("Draw a digit", DRAW),
        f"{h}×{w}",
    )


BUILDERS: tuple[Callable[[], Question], ...] = (
    _naive_far,
    _shift,
    _overflow_limit,
    _keras_cap,
    _from_logits,
    _gradient,
    _sigmoid_40,
    _temperature,
    _sigmoid_sum,
    _course_18,
    _count_1_2,
    _tenth,
    _gap_2_24,
    _largest_half,
    _first_loss,
    _dies_first,
    _parameters,
    _thin_small,
    _inputs,
)
"""Every question's builder, in lesson order."""


@functools.cache
def question_bank() -> tuple[Question, ...]:
    """Build every question (once per process), in lesson order.

    Returns
    -------
    tuple of Question
        Answers computed by the app's functions.
    """
    questions = tuple(build() for build in BUILDERS)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique")
    order = [lesson.page for lesson in LESSONS]
    if [order.index(q.page) for q in questions] != sorted(order.index(q.page) for q in questions):
        raise ValueError("questions must follow the lesson order")
    return questions


def questions_for(page: str) -> tuple[Question, ...]:
    """Return one page's questions, in order.

    Parameters
    ----------
    page : str
        A page file, such as ``"pages/softmax.py"``.

    Returns
    -------
    tuple of Question
        Possibly empty.
    """
    return tuple(q for q in question_bank() if q.page == page)


def question_by_id(question_id: str) -> Question | None:
    """Return the question called `question_id`, or None."""
    return next((q for q in question_bank() if q.id == question_id), None)
