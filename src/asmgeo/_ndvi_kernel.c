/* The NDVI clearing rule in one pass over the pixels: the C side of asmgeo.ndvi_kernel.
 *
 * Plain C with no Python API: setuptools compiles it when asmgeo is installed and
 * asmgeo.ndvi_kernel loads it with ctypes (about a millisecond per process, where a JIT's start-up
 * cost 0.3 s in every change-detection job). The rule is the one of asmgeo.ndvi_kernel's numpy
 * form, in float32 like it, operation for operation; the tests check the two agree bit for bit.
 *
 * One function per pair of band types (before, after), named asmgeo_classify_<before>_<after>.
 * Bands are C-contiguous arrays of rows x cols; nodata values come in the band's own type (GDAL
 * compares in that type). Outputs: mask (0 no clearing, 1 clearing, 255 no data), drop (the NDVI
 * drop x 10,000 as int16 where cleared, -32768 elsewhere), cleared pixels per block_px square
 * added into cleared_per_block (block rows x n_block_cols) and the return value, the pixels valid
 * in both dates.
 *
 * Built without -ffast-math and with -ffp-contract=off, so float32 arithmetic is IEEE and in the
 * written order, as numpy's (-fno-trapping-math only lets GCC compute both sides of a select: it
 * changes no value). The pixel loop has no branches, so GCC runs it over SIMD lanes (about 1.2 ns
 * per pixel); on x86-64 Linux an AVX2 copy is chosen at load time where the CPU has it.
 */
#include <stdint.h>

#define MASK_NODATA 255
#define DROP_NODATA (-32768)
#define DROP_SCALE 10000.0f
#define DROP_LIMIT 32767.0f
/* adding then subtracting 1.5 x 2^23 rounds a float32 of magnitude below 2^22 to the nearest
 * integer, ties to even (numpy's rint), with plain SSE2 arithmetic */
#define ROUNDER 12582912.0f

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

/* the pixels [start, end) of one row, within one block, counting the cleared and valid ones;
 * EXTRA_OK is the further usable-pixel test (a separate loop per case, so that the loop has no
 * branch and GCC vectorises it, the counts as vector sums) */
#define PIXELS(EXTRA_OK)                                                                                \
    for (int64_t j = start; j < end; j++) {                                                            \
        float fr1 = (float)r1[j], fn1 = (float)n1[j], fr2 = (float)r2[j], fn2 = (float)n2[j];            \
        float sum1 = fn1 + fr1, sum2 = fn2 + fr2;                                                       \
        /* NDVI defined in both dates (not both bands 0, not NaN) */                                    \
        int ok = (sum1 > 0.0f) & (sum2 > 0.0f);                                                         \
        ok &= !use_nodata1 | ((r1[j] != nodata1) & (n1[j] != nodata1));                                 \
        ok &= !use_nodata2 | ((r2[j] != nodata2) & (n2[j] != nodata2));                                 \
        ok &= (EXTRA_OK);                                                                               \
        float change = (fn1 - fr1) / sum1 - (fn2 - fr2) / sum2;                                         \
        int cleared = ok & (fn1 * forest_nir >= fr1 * forest_red) & (fn2 * open_nir < fr2 * open_red) & \
                      (change >= min_drop);                                                             \
        float scaled = (cleared ? change : 0.0f) * DROP_SCALE;                                          \
        scaled = scaled > DROP_LIMIT ? DROP_LIMIT : scaled;                                             \
        scaled = scaled < -DROP_LIMIT ? -DROP_LIMIT : scaled;                                           \
        scaled = (scaled + ROUNDER) - ROUNDER;                                                          \
        m[j] = ok ? (uint8_t)cleared : (uint8_t)MASK_NODATA;                                            \
        d[j] = cleared ? (int16_t)(int32_t)scaled : (int16_t)DROP_NODATA;                               \
        cleared_here += cleared;                                                                        \
        valid_here += ok;                                                                               \
    }

#define KERNEL(N1, T1, N2, T2)                                                                              \
    CLONES int64_t asmgeo_classify_##N1##_##N2(                                                         \
        const T1 *__restrict red1, const T1 *__restrict nir1, const T2 *__restrict red2,                 \
        const T2 *__restrict nir2, int64_t rows, int64_t cols, T1 nodata1, int32_t use_nodata1,          \
        T2 nodata2, int32_t use_nodata2, const uint8_t *__restrict extra_valid, int32_t use_extra,       \
        float forest_nir, float forest_red, float open_nir, float open_red, float min_drop,             \
        uint8_t *__restrict mask, int16_t *__restrict drop, int64_t block_px,                          \
        int64_t *__restrict cleared_per_block, int64_t n_block_cols)                                    \
    {                                                                                                   \
        int64_t valid_count = 0;                                                                        \
        for (int64_t i = 0; i < rows; i++) {                                                            \
            const T1 *r1 = red1 + i * cols, *n1 = nir1 + i * cols;                                      \
            const T2 *r2 = red2 + i * cols, *n2 = nir2 + i * cols;                                      \
            uint8_t *m = mask + i * cols;                                                               \
            int16_t *d = drop + i * cols;                                                               \
            int64_t *counts = cleared_per_block + (i / block_px) * n_block_cols;                        \
            for (int64_t block = 0; block < n_block_cols; block++) {                                    \
                int64_t start = block * block_px;                                                       \
                int64_t end = start + block_px < cols ? start + block_px : cols;                        \
                int32_t cleared_here = 0, valid_here = 0;                                               \
                if (use_extra) {                                                                        \
                    const uint8_t *extra = extra_valid + i * cols;                                      \
                    PIXELS(extra[j] != 0)                                                               \
                } else {                                                                                \
                    PIXELS(1)                                                                           \
                }                                                                                       \
                counts[block] += cleared_here;                                                          \
                valid_count += valid_here;                                                              \
            }                                                                                           \
        }                                                                                               \
        return valid_count;                                                                             \
    }

/* every pair of the band types GDAL reads into numpy, 8 x 8 */
#define FOR_AFTER(N1, T1)                                                                               \
    KERNEL(N1, T1, uint8, uint8_t)                                                                      \
    KERNEL(N1, T1, int8, int8_t)                                                                        \
    KERNEL(N1, T1, uint16, uint16_t)                                                                    \
    KERNEL(N1, T1, int16, int16_t)                                                                      \
    KERNEL(N1, T1, uint32, uint32_t)                                                                    \
    KERNEL(N1, T1, int32, int32_t)                                                                      \
    KERNEL(N1, T1, float32, float)                                                                      \
    KERNEL(N1, T1, float64, double)

FOR_AFTER(uint8, uint8_t)
FOR_AFTER(int8, int8_t)
FOR_AFTER(uint16, uint16_t)
FOR_AFTER(int16, int16_t)
FOR_AFTER(uint32, uint32_t)
FOR_AFTER(int32, int32_t)
FOR_AFTER(float32, float)
FOR_AFTER(float64, double)
