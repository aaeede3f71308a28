"""Work once per distinct value: codes, first rows, and texts made once per combination."""

import numpy as np

from asmgeo.distinct import distinct_rows, per_distinct
from asmgeo.overlaps import normalise_holder, normalise_holders


def test_distinct_rows_codes_combinations_in_order_of_first_appearance():
    codes, first = distinct_rows(["a", "b", "a", "a", None, None], ["x", "x", "x", "y", None, "y"])
    assert codes.tolist() == [0, 1, 0, 2, 3, 4]
    assert first.tolist() == [0, 1, 3, 4, 5]


def test_per_distinct_calls_once_per_combination_and_gives_every_row_its_text():
    calls = []

    def make(s, u):
        calls.append((s, u))
        return f"{s}-{u}"

    out = per_distinct(make, np.array(["2020", "2020", "", "2020"], dtype=object), ["2024", "2024", "2024", ""])
    assert out.tolist() == ["2020-2024", "2020-2024", "-2024", "2020-"]
    assert calls == [("2020", "2024"), ("", "2024"), ("2020", "")]
    assert out[0] is out[1]  # shared, not copied
    assert per_distinct(make, [], []).tolist() == []


def test_holders_normalised_together_as_one_by_one():
    names = ["ACME S.A.R.L.", "  Société   Minière-du Kivu ", None, float("nan"), 5, "Straße", "a\tb", "", "İstanbul"]
    # İ folds to i and a combining dot, which is not a word character
    expected = ["acme s a r l", "société minière du kivu", "", "", "5", "strasse", "a b", "", "i stanbul"]
    assert normalise_holders(names) == expected
    assert [normalise_holder(n) for n in names] == expected
    # a name with a line break (the names are joined by line breaks) is still one name
    assert normalise_holders(["Kivu\nGold", "Kivu Gold."]) == ["kivu gold", "kivu gold"]
    assert normalise_holders([]) == []
