"""The NDVI clearing rule compiled to one pass over the pixels (numba).

Written with numpy, the rule takes some thirty passes over each window (nodata tests, two NDVIs,
three comparisons, counts, the scaled drop), each allocating a temporary: about 15 ns per pixel,
twice the cost of reading the four bands. Compiled, each pixel is read once and both outputs
written once, in about 1 ns. The rule is the one of :func:`asmgeo.change.classify_change`, in
float32 like it, and the tests check the two agree pixel for pixel.

The thresholds are tested as nir (1 - t) >= red (1 + t), NDVI >= t without its division; the
pass is branch-free, so the NDVI drop is computed for every pixel (cheap across SIMD lanes) and
kept only where both thresholds and the minimum drop hold.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MASK_NODATA = 255  # the change mask: 0 no clearing, 1 clearing, 255 no data
DROP_SCALE = 10_000  # the NDVI drop is stored as int16 drop x 10,000
DROP_NODATA = -32768


# error_model="numpy": a division by zero gives inf/NaN (never selected) instead of raising. With
# that and no branches that leave the loop, LLVM runs the row loop over SIMD lanes; the cleared
# pixels per block are counted in a second, cheap pass over the row's mask (counting inside the
# first loop stops it vectorising: measured 0.8 -> 4.4 ns per pixel).
@njit(cache=True, nogil=True, error_model="numpy")
def _classify(red1, nir1, red2, nir2, nodata1, use_nodata1, nodata2, use_nodata2, extra_valid, use_extra,
              forest_nir, forest_red, open_nir, open_red, min_drop, mask, drop, block_px, cleared_per_block):
    f32 = np.float32
    scale = f32(DROP_SCALE)
    valid_count = 0
    rows, cols = red1.shape
    for i in range(rows):
        for j in range(cols):
            r1, n1, r2, n2 = red1[i, j], nir1[i, j], red2[i, j], nir2[i, j]
            fr1, fn1, fr2, fn2 = f32(r1), f32(n1), f32(r2), f32(n2)
            sum1 = fn1 + fr1
            sum2 = fn2 + fr2
            ok = (sum1 > 0) & (sum2 > 0)  # NDVI defined in both dates (not both bands 0, not NaN)
            if use_nodata1:
                ok &= (r1 != nodata1) & (n1 != nodata1)
            if use_nodata2:
                ok &= (r2 != nodata2) & (n2 != nodata2)
            if use_extra:
                ok &= extra_valid[i, j] != 0
            change = (fn1 - fr1) / sum1 - (fn2 - fr2) / sum2
            cleared = ok & (fn1 * forest_nir >= fr1 * forest_red) & (fn2 * open_nir < fr2 * open_red) & (change >= min_drop)
            mask[i, j] = np.uint8(cleared) if ok else np.uint8(MASK_NODATA)
            drop[i, j] = np.int16(np.rint(change * scale)) if cleared else np.int16(DROP_NODATA)
            valid_count += ok
        block_row = i // block_px
        for block in range(cleared_per_block.shape[1]):
            cleared_here = 0
            for j in range(block * block_px, min((block + 1) * block_px, cols)):
                cleared_here += mask[i, j] == 1
            cleared_per_block[block_row, block] += cleared_here
    return valid_count


def _nodata_in_band_type(nodata, band: np.ndarray) -> tuple[np.generic, bool]:
    """The nodata value as the band's own type holds it (GDAL compares in that type)."""
    if nodata is None:
        return band.dtype.type(0), False
    return np.asarray(nodata).astype(band.dtype)[()], True


def classify_window(red1: np.ndarray, nir1: np.ndarray, red2: np.ndarray, nir2: np.ndarray,
                    forest_ndvi: float, cleared_ndvi: float, min_ndvi_drop: float,
                    nodata_before=None, nodata_after=None, valid: np.ndarray | None = None,
                    block_px: int = 256) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Change mask (uint8), NDVI drop (int16 x DROP_SCALE), valid pixel count and cleared pixels per block.

    ``nodata_before``/``nodata_after`` are the images' nodata values (None: none); ``valid`` is an
    optional boolean array of further usable pixels (dataset masks, cloud-free in both dates).
    ``cleared_per_block[r, c]`` counts the cleared pixels of the ``block_px`` square at block row
    r, column c, so a caller can write the drop only where there is some.
    """
    shape = red1.shape
    for name, band in (("nir1", nir1), ("red2", red2), ("nir2", nir2)):
        if band.shape != shape:
            raise ValueError(f"band {name} has shape {band.shape}, red1 has {shape}")
    if valid is not None and valid.shape != shape:
        raise ValueError(f"valid mask has shape {valid.shape}, the bands {shape}")
    nodata1, use1 = _nodata_in_band_type(nodata_before, red1)
    nodata2, use2 = _nodata_in_band_type(nodata_after, red2)
    extra = np.ascontiguousarray(valid).view(np.uint8) if valid is not None else np.ones((1, 1), np.uint8)
    mask = np.empty(shape, np.uint8)
    drop = np.empty(shape, np.int16)
    cleared_per_block = np.zeros((-(-shape[0] // block_px), -(-shape[1] // block_px)), np.int64)
    f32 = np.float32
    valid_count = _classify(
        red1, nir1, red2, nir2, nodata1, use1, nodata2, use2, extra, valid is not None,
        f32(1 - forest_ndvi), f32(1 + forest_ndvi), f32(1 - cleared_ndvi), f32(1 + cleared_ndvi),
        f32(min_ndvi_drop), mask, drop, block_px, cleared_per_block)
    return mask, drop, int(valid_count), cleared_per_block


def warm_up_kernel(before_dtype: str, after_dtype: str, nodata_before=None, nodata_after=None) -> None:
    """Load (or compile) the kernel for these band types now, e.g. while the first window is read.

    Loading a cached compilation takes ~0.1 s per process; compiling the first time, ~1 s.
    """
    one1, one2 = np.ones((1, 1), before_dtype), np.ones((1, 1), after_dtype)
    classify_window(one1, one1, one2, one2, 0.6, 0.4, 0.2, nodata_before, nodata_after, None)
