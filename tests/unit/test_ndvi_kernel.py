"""The compiled change kernel (C, loaded with ctypes) against the same rule written with numpy, bit for bit."""

import logging
import os

import numpy as np
import pytest

from asmgeo import ndvi_kernel as kernel

TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"]


def _compiled_or_skip():
    if kernel.compiled_library() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the compiled change kernel (asmgeo/_ndvi_kernel.c) was not built under CI: "
                        "`pip install -e .` needs gcc")
        pytest.skip("the compiled change kernel is not built (no C compiler when asmgeo was installed)")


def _bands(rng, dtype, shape):
    """Random red and NIR of one date: zeros (no NDVI), negative values where the type has them, NaN in floats."""
    low, high = (-20, 120) if dtype == "int8" else ((0, 250) if dtype == "uint8" else (-200, 6000))
    if dtype.startswith("uint"):
        low = 0
    bands = rng.integers(low, high, (2, *shape)).astype(dtype)
    bands[:, :4, :4] = 0
    if dtype.startswith("float"):
        bands[0, 5, :20] = np.nan
    return bands


@pytest.mark.parametrize("before", TYPES)
def test_compiled_kernel_equals_the_numpy_rule_for_every_band_type(before):
    _compiled_or_skip()
    rng = np.random.default_rng(TYPES.index(before))
    shape = (67, 301)  # 301 columns: not a multiple of any SIMD width, three blocks of 128 px
    b = _bands(rng, before, shape)
    b[1, 6, :30] = 7  # the earlier image's nodata in the NIR band only
    for after in TYPES:
        a = _bands(rng, after, shape)
        valid = rng.random(shape) > 0.05
        nodata_after = None if after == "uint8" else 9
        for usable in (None, valid):
            for rules in ((0.6, 0.4, 0.2), (0.2, 0.1, 0.05), (0.0, 0.0, 0.0)):
                args = (b[0], b[1], a[0], a[1], *rules, 7, nodata_after, usable, 128)
                compiled, plain = kernel.classify_window(*args), kernel.classify_window_numpy(*args)
                for name, x, y in zip(("mask", "drop", "valid", "per block"), compiled, plain):
                    assert np.array_equal(x, y), f"{before} -> {after}, {rules}, mask {usable is not None}: {name} differs"
                assert (compiled[0][6, :30] == kernel.MASK_NODATA).all()


def test_kernel_outputs_computed_by_hand():
    # pixel 0: forest (NDVI 0.8) to bare (NDVI 0.2), drop 0.6; 1: stays forest; 2: both bands 0 after
    # (no NDVI); 3: red 0 and NIR 8 before, nodata 8 in the before image; 4: NDVI 19 before
    # (red -90, NIR 100: negative reflectance), 0 after: the drop 19 is stored as the limit 3.2767
    red1 = np.array([[10, 10, 10, 0, -90]], "int16")
    nir1 = np.array([[90, 90, 90, 8, 100]], "int16")
    red2 = np.array([[40, 10, 0, 40, 50]], "int16")
    nir2 = np.array([[60, 90, 0, 60, 50]], "int16")
    for classify in (kernel.classify_window, kernel.classify_window_numpy):
        mask, drop, valid_px, per_block = classify(red1, nir1, red2, nir2, 0.6, 0.4, 0.2, 8, None, None, 2)
        assert mask.tolist() == [[1, 0, 255, 255, 1]]
        assert drop.tolist() == [[6000, -32768, -32768, -32768, 32767]]
        assert valid_px == 3 and per_block.tolist() == [[1, 0, 1]]


def test_drop_rounds_half_to_even_like_numpy():
    # 200,000 cleared pixels: some scaled drops fall exactly on k + 0.5 in float32, where numpy's
    # rint rounds to the even neighbour (the C kernel rounds with float arithmetic, not a library call)
    _compiled_or_skip()
    rng = np.random.default_rng(3)
    red1, nir1 = np.full((1, 200_000), 100, "float32"), np.full((1, 200_000), 900, "float32")
    red2 = rng.integers(200, 30_000, (1, 200_000)).astype("float32") / np.float32(100)
    nir2 = np.full((1, 200_000), 4, "float32")
    fr1, fn1, fr2, fn2 = red1, nir1, red2, nir2
    scaled = ((fn1 - fr1) / (fn1 + fr1) - (fn2 - fr2) / (fn2 + fr2)) * np.float32(10_000)
    ties = scaled - np.floor(scaled) == 0.5
    assert ties.sum() >= 3  # the data has ties to round
    expected = np.rint(scaled).astype("int16")
    assert (expected[ties] % 2 == 0).all()
    for classify in (kernel.classify_window, kernel.classify_window_numpy):
        mask, drop, _, _ = classify(red1, nir1, red2, nir2, 0.6, 0.4, 0.0)
        assert (mask == 1).all() and np.array_equal(drop, expected)


def test_bands_not_contiguous_are_read_as_their_values():
    _compiled_or_skip()
    rng = np.random.default_rng(4)
    wide = rng.integers(0, 6000, (4, 50, 90)).astype("uint16")
    views = [band[:, ::3] for band in wide]  # every third column: not C-contiguous
    compiled = kernel.classify_window(*views, 0.6, 0.4, 0.2)
    plain = kernel.classify_window_numpy(*[np.ascontiguousarray(v) for v in views], 0.6, 0.4, 0.2)
    assert all(np.array_equal(x, y) for x, y in zip(compiled, plain))


def test_without_the_compiled_library_the_numpy_rule_is_used_and_said(monkeypatch, caplog):
    monkeypatch.setattr(kernel.importlib.util, "find_spec", lambda name: None)
    kernel.compiled_library.cache_clear()
    kernel._function.cache_clear()
    try:
        band = np.array([[10]], "uint16")
        with caplog.at_level(logging.WARNING, logger="asmgeo.ndvi_kernel"):
            mask, drop, valid_px, _ = kernel.classify_window(band, band * 9, band * 4, band * 6, 0.6, 0.4, 0.2)
        assert mask.tolist() == [[1]] and drop.tolist() == [[6000]] and valid_px == 1
        assert "was not built" in caplog.text and "gcc" in caplog.text
    finally:
        kernel.compiled_library.cache_clear()
        kernel._function.cache_clear()


def test_band_types_the_library_has_no_function_for_use_the_numpy_rule():
    band = np.array([[10]], "int64")  # GDAL's 64-bit integers: no C function, the numpy rule
    mask, drop, valid_px, _ = kernel.classify_window(band, band * 9, band * 4, band * 6, 0.6, 0.4, 0.2)
    assert mask.tolist() == [[1]] and drop.tolist() == [[6000]] and valid_px == 1


def test_bands_of_one_date_must_share_a_type():
    a = np.ones((2, 2), "uint16")
    with pytest.raises(ValueError, match="bands of one date must share a type"):
        kernel.classify_window(a, a.astype("float32"), a, a, 0.6, 0.4, 0.2)
