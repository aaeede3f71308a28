"""What each job asks a scheduler for (Snakemake ``resources:`` callables), from its inputs' size.

A cluster packs jobs by the memory and time they declare. The heavy rules declare base + per-MB
of their vector inputs (rasters are read in bounded windows, so their size adds memory to no rule;
it adds time to the rules that read them whole), and ask for more on each retry: a job killed
for memory comes back with twice as much (the SLURM profile sets ``retries``).
"""

from __future__ import annotations

import math
from pathlib import Path


def _size_mb(input, names) -> float:
    names = list(names) or list(input.keys())
    total = 0
    for name in names:
        value = getattr(input, name, [])
        for f in [value] if isinstance(value, str) else list(value):
            if Path(f).exists():
                total += Path(f).stat().st_size
    return total / 1e6


def memory_mb(base_mb: float, per_mb: float = 0.0, inputs=()):
    """``mem_mb``: base_mb plus per_mb for each MB of the named inputs (all when none are named),
    doubled on each attempt after the first."""

    def mem_mb(wildcards, input, attempt):
        return int((base_mb + per_mb * _size_mb(input, inputs)) * 2 ** (attempt - 1))

    return mem_mb


def runtime_min(base_min: float, per_mb: float = 0.0, inputs=()):
    """``runtime`` in minutes: base_min plus per_mb for each MB of the named inputs, 1.5x on each retry."""

    def runtime(wildcards, input, attempt):
        return int(math.ceil((base_min + per_mb * _size_mb(input, inputs)) * 1.5 ** (attempt - 1)))

    return runtime
