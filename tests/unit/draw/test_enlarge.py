"""Tests of core.draw.images.enlarge: a small digit shown by whole, unsmoothed pixels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.draw.images import enlarge
from core.training.data import load_uci_digits


def test_a_uci_digit_becomes_blocks_of_its_pixels():
    image = load_uci_digits().x_test[0]
    big = enlarge(image, 16, 160)
    assert big.shape == (160, 160) and big.dtype == np.uint8
    expected = np.rint(image.astype(np.float64) / 16 * 255).astype(np.uint8)
    np.testing.assert_array_equal(big[::20, ::20], expected)
    np.testing.assert_array_equal(big, np.kron(expected, np.ones((20, 20), np.uint8)))


def test_levels_white_ink_on_black_and_dark_ink_on_white():
    image = np.array([[0, 4], [8, 16]], np.uint8)
    np.testing.assert_array_equal(enlarge(image, 16, 2), [[0, 64], [128, 255]])
    np.testing.assert_array_equal(enlarge(image, 16, 2, dark_ink=True), [[255, 191], [128, 0]])
    mnist = np.array([[0, 255]], np.uint8)
    np.testing.assert_array_equal(
        enlarge(mnist.T, 255, 4), [[0, 0], [0, 0], [255, 255], [255, 255]]
    )


def test_scale_is_whole_and_at_least_one():
    image = np.full((28, 28), 255, np.uint8)
    assert enlarge(image, 255, 140).shape == (140, 140)
    assert enlarge(image, 255, 150).shape == (140, 140)  # 150 // 28 = 5: no partial pixel
    assert enlarge(image, 255, 10).shape == (28, 28)
    assert enlarge(image, 255, 0).shape == (28, 28)


def test_values_beyond_the_range_are_clipped():
    image = np.array([[-3.0, 0.5], [1.0, 7.0]])
    np.testing.assert_array_equal(enlarge(image, 1, 2), [[0, 128], [255, 255]])
    np.testing.assert_array_equal(enlarge(image, 1, 2, dark_ink=True), [[255, 128], [0, 0]])


def test_the_input_is_not_changed():
    image = np.array([[1, 2], [3, 4]], np.uint8)
    image.setflags(write=False)
    enlarge(image, 16, 64)
    np.testing.assert_array_equal(image, [[1, 2], [3, 4]])


@given(
    hnp.arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12))),
    st.integers(0, 200),
    st.sampled_from([16, 255]),
)
def test_every_block_is_one_pixel_of_the_image(image, size, pixel_max):
    scale = max(1, size // image.shape[0])
    light = enlarge(image, pixel_max, size)
    dark = enlarge(image, pixel_max, size, dark_ink=True)
    assert light.shape == (image.shape[0] * scale, image.shape[1] * scale)
    assert light.dtype == dark.dtype == np.uint8
    ink = np.clip(image / pixel_max, 0, 1)
    np.testing.assert_array_equal(light[::scale, ::scale], np.rint(ink * 255))
    np.testing.assert_array_equal(
        light, np.repeat(np.repeat(light[::scale, ::scale], scale, 0), scale, 1)
    )
    # Dark ink is the negative, up to the rounding of a half level.
    assert np.all(np.abs(light.astype(int) + dark.astype(int) - 255) <= 1)


@pytest.mark.parametrize("dark_ink", [False, True])
def test_blank_images(dark_ink):
    blank = enlarge(np.zeros((8, 8), np.uint8), 16, 80, dark_ink=dark_ink)
    assert np.all(blank == (255 if dark_ink else 0))
