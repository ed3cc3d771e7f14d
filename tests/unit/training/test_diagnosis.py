"""A run no better than chance: the chance level, the ReLUs that are off, the message."""

import math

import numpy as np
import pytest

from core.training.diagnosis import (
    GUESS_SPREAD,
    chance_level,
    chance_threshold,
    relus_on,
    stuck_message,
)

# 10 classes of 36 images, but 3 has 37: the UCI test split's shape.
LABELS = np.array([*np.repeat(np.arange(10), 36), 3])


def on(*flags):
    return np.array(flags, dtype=bool)


def test_chance_is_the_share_of_the_most_frequent_class():
    assert chance_level(LABELS) == (3, 37 / 361)
    assert chance_level(np.arange(10)) == (0, 0.1)  # equal frequencies: 1 / classes
    assert chance_level(np.array([1, 1, 1, 0])) == (1, 0.75)


def test_the_threshold_allows_for_the_spread_of_a_guesser():
    c = 37 / 361
    assert chance_threshold(LABELS) == pytest.approx(
        c + GUESS_SPREAD * math.sqrt(c * (1 - c) / 361)
    )
    # More test images, less spread: the threshold closes in on chance.
    many = np.repeat(np.arange(10), 1000)
    assert 0.1 < chance_threshold(many) < 0.107 < chance_threshold(LABELS)


def test_relus_on_asks_whether_a_unit_outputs_anything_for_any_input():
    hidden = [np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]), np.zeros((2, 2))]
    on_now = relus_on(hidden)
    np.testing.assert_array_equal(on_now[0], on(False, True, True))
    np.testing.assert_array_equal(on_now[1], on(False, False))


def one_class(answer=8):
    """Predictions: one answer for every image."""
    return np.full(len(LABELS), answer)


def test_a_run_better_than_chance_gets_no_message():
    assert stuck_message(LABELS.copy(), LABELS, 10, None, None, 1e-3) is None
    # 13.5% on 361 images is more than two standard errors above 10.2%.
    better = np.where(np.arange(len(LABELS)) < 49, LABELS, (LABELS + 1) % 10)
    assert np.mean(better == LABELS) > chance_threshold(LABELS)
    assert stuck_message(better, LABELS, 10, None, None, 1e-3) is None


def test_one_answer_for_every_image_is_no_better_than_chance():
    message = stuck_message(one_class(), LABELS, 10, None, None, 1.0)
    assert message == (
        "test accuracy 10.0% is no better than chance: always answering 3, the most frequent of "
        "the 10 classes in the test set, scores 10.2%. It answers 8 for 361 of 361 test images."
    )


def test_slightly_above_chance_is_hardly_better():
    answers = one_class(3)
    answers[:2] = LABELS[:2]  # two of the other classes right as well
    accuracy = np.mean(answers == LABELS)
    assert 37 / 361 < accuracy <= chance_threshold(LABELS)
    assert stuck_message(answers, LABELS, 10, None, None, 1.0).startswith(
        f"test accuracy {accuracy:.1%} is hardly better than chance"
    )


def test_a_layer_whose_relus_are_all_off_is_named_with_the_learning_rate():
    start = [on(True, True, True), on(True, True)]
    now = [on(True, False, False), on(False, False)]
    message = stuck_message(one_class(), LABELS, 10, start, now, 1.0)
    assert message.endswith(
        "Every ReLU of hidden layer 2 outputs 0 for every test image, so the output no longer "
        "depends on the image. With the initial weights 2 of its 2 switched on; steps at a "
        "learning rate of 1 pushed them where they never do, and a ReLU that is always off gets "
        "no gradient to come back. Try a smaller learning rate."
    )


def test_relus_that_were_off_from_the_start_are_not_blamed_on_the_learning_rate():
    start = [on(False, False)]
    message = stuck_message(one_class(), LABELS, 10, start, [on(False, False)], 1.0)
    assert message.endswith(
        "Every ReLU of hidden layer 1 outputs 0 for every test image, so the output no longer "
        "depends on the image, and did so with the initial weights already."
    )
    assert "learning rate" not in message


def test_some_relus_switched_off_are_counted_per_layer():
    # The reported run: C at a learning rate of 1 kept 1 of 25 and 2 of 15 ReLUs.
    start = [np.ones(25, bool), np.ones(15, bool)]
    now = [np.arange(25) < 1, np.arange(15) < 2]
    message = stuck_message(one_class(), LABELS, 10, start, now, 1.0)
    assert message.endswith(
        "Training at a learning rate of 1 switched off 24 of the 25 ReLUs of hidden layer 1 and "
        "13 of the 15 ReLUs of hidden layer 2: they output 0 for every test image, and with no "
        "gradient they stay off."
    )
    assert "Every ReLU" not in message


def test_without_relus_switched_off_only_the_accuracy_is_explained():
    start = now = [np.ones(25, bool)]
    message = stuck_message(one_class(), LABELS, 10, start, now, 1.0)
    assert message.endswith("It answers 8 for 361 of 361 test images.")
    assert stuck_message(one_class(), LABELS, 10, None, None, 1.0) == message  # tanh, sigmoid
