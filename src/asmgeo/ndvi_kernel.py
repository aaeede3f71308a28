"""The NDVI clearing rule in one pass over the pixels (compiled C, loaded with ctypes).

Written with numpy, the rule takes some thirty passes over each window (nodata tests, two NDVIs,
three comparisons, counts, the scaled drop), each allocating a temporary: about 15 ns per pixel,
twice the cost of reading the four bands. Compiled (``_ndvi_kernel.c``, built by setuptools when
asmgeo is installed), each pixel is read once and both outputs written once, in about 1 ns, and the
library loads in about a millisecond per process. :func:`classify_window_numpy` is the same rule
written with numpy, operation for operation in float32; the tests check the two agree bit for bit,
and it is used, with a warning in the log, where the C library was not built (no C compiler when
asmgeo was installed).

The thresholds are tested as nir (1 - t) >= red (1 + t), NDVI >= t without its division; the
pass is branch-free, so the NDVI drop is computed for every pixel and kept only where both
thresholds and the minimum drop hold.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import logging

import numpy as np

log = logging.getLogger(__name__)

MASK_NODATA = 255  # the change mask: 0 no clearing, 1 clearing, 255 no data
DROP_SCALE = 10_000  # the NDVI drop is stored as int16 drop x 10,000
DROP_NODATA = -32768
DROP_LIMIT = 32767  # a drop beyond +-3.2767 (only with negative band values) is stored as the limit

# the band types the C library has a function for, each pair (before, after), and their C types
_C_TYPES = {"uint8": ctypes.c_uint8, "int8": ctypes.c_int8, "uint16": ctypes.c_uint16, "int16": ctypes.c_int16,
            "uint32": ctypes.c_uint32, "int32": ctypes.c_int32, "float32": ctypes.c_float, "float64": ctypes.c_double}


@functools.cache
def compiled_library() -> ctypes.CDLL | None:
    """The compiled kernel, loaded once per process; None (and a warning) where it was not built."""
    spec = importlib.util.find_spec("asmgeo._ndvi_kernel")
    if spec is None or not spec.origin:
        log.warning("asmgeo's compiled change kernel (asmgeo/_ndvi_kernel.c) was not built when asmgeo was "
                    "installed (no C compiler?): the change detection uses the same rule written with numpy, with "
                    "the same results but about 15x slower per pixel. Install a C compiler (gcc) and reinstall "
                    "asmgeo (`pip install -e .`) to build it.")
        return None
    return ctypes.CDLL(spec.origin)


@functools.cache
def _function(before_dtype: str, after_dtype: str):
    library = compiled_library()
    if library is None or before_dtype not in _C_TYPES or after_dtype not in _C_TYPES:
        return None
    function = getattr(library, f"asmgeo_classify_{before_dtype}_{after_dtype}")
    pointer, i64, i32, f32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_float
    function.argtypes = [pointer] * 4 + [i64, i64, _C_TYPES[before_dtype], i32, _C_TYPES[after_dtype], i32,
                                         pointer, i32] + [f32] * 5 + [pointer, pointer, i64, pointer, i64]
    function.restype = i64
    return function


def _nodata_in_band_type(nodata, band: np.ndarray) -> tuple[np.generic, bool]:
    """The nodata value as the band's own type holds it (GDAL compares in that type)."""
    if nodata is None:
        return band.dtype.type(0), False
    return np.asarray(nodata).astype(band.dtype)[()], True


def _thresholds(forest_ndvi: float, cleared_ndvi: float, min_ndvi_drop: float) -> tuple[np.float32, ...]:
    """(forest nir factor, forest red factor, open nir factor, open red factor, minimum drop) in float32."""
    f32 = np.float32
    return f32(1 - forest_ndvi), f32(1 + forest_ndvi), f32(1 - cleared_ndvi), f32(1 + cleared_ndvi), f32(min_ndvi_drop)


def _checked(red1, nir1, red2, nir2, valid) -> None:
    shape = red1.shape
    if red1.ndim != 2:
        raise ValueError(f"band red1 has {red1.ndim} dimensions, a window has 2")
    for name, band in (("nir1", nir1), ("red2", red2), ("nir2", nir2)):
        if band.shape != shape:
            raise ValueError(f"band {name} has shape {band.shape}, red1 has {shape}")
    if nir1.dtype != red1.dtype or nir2.dtype != red2.dtype:
        raise ValueError(f"the bands of one date must share a type: red1 {red1.dtype}, nir1 {nir1.dtype}, "
                         f"red2 {red2.dtype}, nir2 {nir2.dtype}")
    if valid is not None and valid.shape != shape:
        raise ValueError(f"valid mask has shape {valid.shape}, the bands {shape}")


def _no_counts(shape: tuple[int, int], block_px: int) -> np.ndarray:
    """Zero counts, one per ``block_px`` square of a window of ``shape`` (the last ones partial)."""
    return np.zeros((-(-shape[0] // block_px), -(-shape[1] // block_px)), np.int64)


def cleared_per_block(mask: np.ndarray, block_px: int) -> np.ndarray:
    """Cleared pixels (code 1) per ``block_px`` square of a window's mask, as the kernel counts them."""
    counts = _no_counts(mask.shape, block_px)
    rows, cols = np.nonzero(mask == 1)
    np.add.at(counts, (rows // block_px, cols // block_px), 1)
    return counts


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
    _checked(red1, nir1, red2, nir2, valid)
    function = _function(red1.dtype.name, red2.dtype.name)
    if function is None:
        return classify_window_numpy(red1, nir1, red2, nir2, forest_ndvi, cleared_ndvi, min_ndvi_drop,
                                     nodata_before, nodata_after, valid, block_px)
    red1, nir1, red2, nir2 = (np.ascontiguousarray(band) for band in (red1, nir1, red2, nir2))
    nodata1, use1 = _nodata_in_band_type(nodata_before, red1)
    nodata2, use2 = _nodata_in_band_type(nodata_after, red2)
    extra = np.ascontiguousarray(valid).view(np.uint8) if valid is not None else np.ones((1, 1), np.uint8)
    rows, cols = red1.shape
    mask = np.empty((rows, cols), np.uint8)
    drop = np.empty((rows, cols), np.int16)
    counts = _no_counts(red1.shape, block_px)
    address = lambda array: array.ctypes.data  # noqa: E731
    valid_count = function(address(red1), address(nir1), address(red2), address(nir2), rows, cols,
                           nodata1.item(), use1, nodata2.item(), use2, address(extra), valid is not None,
                           *_thresholds(forest_ndvi, cleared_ndvi, min_ndvi_drop),
                           address(mask), address(drop), block_px, address(counts), counts.shape[1])
    return mask, drop, int(valid_count), counts


def classify_window_numpy(red1: np.ndarray, nir1: np.ndarray, red2: np.ndarray, nir2: np.ndarray,
                          forest_ndvi: float, cleared_ndvi: float, min_ndvi_drop: float,
                          nodata_before=None, nodata_after=None, valid: np.ndarray | None = None,
                          block_px: int = 256) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """:func:`classify_window` written with numpy: the same outputs, bit for bit, more slowly."""
    _checked(red1, nir1, red2, nir2, valid)
    forest_nir, forest_red, open_nir, open_red, min_drop = _thresholds(forest_ndvi, cleared_ndvi, min_ndvi_drop)
    fr1, fn1, fr2, fn2 = (band.astype(np.float32) for band in (red1, nir1, red2, nir2))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sum1, sum2 = fn1 + fr1, fn2 + fr2
        ok = (sum1 > 0) & (sum2 > 0)  # NDVI defined in both dates (not both bands 0, not NaN)
        for (red, nir), nodata in (((red1, nir1), nodata_before), ((red2, nir2), nodata_after)):
            value, use = _nodata_in_band_type(nodata, red)
            if use:
                ok &= (red != value) & (nir != value)
        if valid is not None:
            ok &= valid.astype(bool)
        change = (fn1 - fr1) / sum1 - (fn2 - fr2) / sum2
        cleared = ok & (fn1 * forest_nir >= fr1 * forest_red) & (fn2 * open_nir < fr2 * open_red) & (change >= min_drop)
        scaled = np.clip(np.where(cleared, change, np.float32(0)) * np.float32(DROP_SCALE), -DROP_LIMIT, DROP_LIMIT)
    mask = np.where(ok, cleared.view(np.uint8), np.uint8(MASK_NODATA))
    drop = np.where(cleared, np.rint(scaled).astype(np.int16), np.int16(DROP_NODATA))
    return mask, drop, int(ok.sum()), cleared_per_block(mask, block_px)
