import datetime as dt

import pytest

from asmgeo import parse


@pytest.mark.parametrize("text, expected", [
    ("28.5", 28.5),
    ("2°30'15.5\"S", -(2 + 30 / 60 + 15.5 / 3600)),
    ("S 2 30 15.5", -(2 + 30 / 60 + 15.5 / 3600)),
    ("28°17'46.847\"E", 28 + 17 / 60 + 46.847 / 3600),
    ("-2:30:00", -2.5),
    ("2 30 W", -2.5),
    ("  12.25  ", 12.25),
])
def test_parse_coordinate_decimal_and_dms(text, expected):
    assert parse.parse_coordinate(text) == pytest.approx(expected, abs=1e-12)


def test_parse_coordinate_decimal_comma_only_when_told():
    assert parse.parse_coordinate("-2,75", decimal=",") == -2.75
    assert parse.parse_coordinate("-2,75", decimal=".") is None


@pytest.mark.parametrize("text", ["", "abc", "12 75 N", "2 30 61 S", "-2 30 S", "nan", "inf", None])
def test_parse_coordinate_refuses(text):
    assert parse.parse_coordinate(text) is None


@pytest.mark.parametrize("text, order, expected", [
    ("2021-06-15", "dmy", dt.date(2021, 6, 15)),
    ("15/06/2021", "dmy", dt.date(2021, 6, 15)),
    ("15.06.2021", "dmy", dt.date(2021, 6, 15)),
    ("15-06-2021", "dmy", dt.date(2021, 6, 15)),
    ("03/04/2021", "dmy", dt.date(2021, 4, 3)),
    ("03/04/2021", "mdy", dt.date(2021, 3, 4)),
    ("2021/06/15", "dmy", dt.date(2021, 6, 15)),
    ("2021-06-15T10:00:00", "dmy", dt.date(2021, 6, 15)),
])
def test_parse_date(text, order, expected):
    assert parse.parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "15/06/21", "yesterday", "2021-13-01", "", None])
def test_parse_date_refuses(text):
    assert parse.parse_date(text) is None


@pytest.mark.parametrize("text, expected", [
    ("5,430.5088", 5430.5088), ("12,5", 12.5), ("1 234,5", 1234.5), ("64", 64.0), ("12.5 ha", 12.5),
    ("None", None), ("n/a", None),
])
def test_parse_number(text, expected):
    assert parse.parse_number(text) == expected


def test_minerals_are_lower_case_sorted_unique():
    assert parse.normalise_minerals(" Gold , CRITICAL ,gold; Copper") == "copper,critical,gold"
    assert parse.normalise_minerals("Coltan and  Cassiterite") == "cassiterite,coltan"
    assert parse.split_minerals("gold,tin") == {"gold", "tin"}
    assert parse.normalise_minerals(None) == ""


def test_enum_matching_ignores_case_accents_and_separators():
    allowed = ("artisanal_zone", "exploitation")
    assert parse.normalise_enum("Artisanal-Zone", allowed, {}) == "artisanal_zone"
    assert parse.normalise_enum("Permis d'Exploitation", allowed, {"permis d'exploitation": "exploitation"}) == "exploitation"
    assert parse.normalise_enum("something else", allowed, {}) is None
