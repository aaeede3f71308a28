"""Work once per distinct value: a national table repeats its dates, statuses and periods, so a text
made from them is made once per distinct combination and shared by every row that has it."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd


def distinct_rows(*columns) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first): each row's code for its combination of ``columns`` (0, 1, ... in order of first
    appearance) and the first row of each code. Missing values are values like any other."""
    key = None
    for column in columns:  # combined column by column, the key kept below the number of rows
        codes, uniques = pd.factorize(np.asarray(column, dtype=object), use_na_sentinel=False)
        key = codes if key is None else pd.factorize(key * len(uniques) + codes)[0]
    return key, pd.Series(key).drop_duplicates().index.to_numpy()  # first rows, in order of first appearance


def per_distinct(make: Callable[..., object], *columns) -> np.ndarray:
    """``make(*row)`` for each row of ``columns`` (an object array), called once per distinct row."""
    columns = [np.asarray(column, dtype=object) for column in columns]
    codes, first = distinct_rows(*columns)
    made = np.empty(len(first), dtype=object)
    made[:] = [make(*(column[k] for column in columns)) for k in first]
    return made[codes]
