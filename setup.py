"""The compiled part of asmgeo: the change-detection kernel, plain C loaded with ctypes (see asmgeo.ndvi_kernel).

Everything else about the package is in pyproject.toml. The extension is optional: without a C
compiler asmgeo still installs, and the change detection uses the same rule written with numpy.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "asmgeo._ndvi_kernel", ["src/asmgeo/_ndvi_kernel.c"],
    # IEEE float32 in the written order (no -ffast-math, no fused multiply-add), as numpy computes;
    # without trapping maths GCC may compute both sides of a select, which changes no value
    extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"],
    optional=True,
)])
