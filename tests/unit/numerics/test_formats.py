"""Tests of core.numerics.formats."""

import pytest

from core.numerics.formats import as_dtype


def test_as_dtype_rejects_unknown():
    with pytest.raises(ValueError, match="float32"):
        as_dtype("int8")
