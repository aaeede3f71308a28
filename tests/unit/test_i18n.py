"""The run's language: templates looked up and filled, numbers written each language's way, and a
translation for every text asmgeo words, in every language, with the same fields."""

from __future__ import annotations

import csv
import string
from importlib import resources

import pytest

from asmgeo import i18n
from asmgeo.i18n import number, parse_number, t, use_language, word
from asmgeo.i18n_check import all_texts, missing, source_templates


def rows() -> list[dict]:
    text = resources.files("asmgeo").joinpath("locale/messages.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_english_is_the_default_and_templates_fill_their_fields():
    assert i18n.current() == "en"
    assert t("{site} lies in the protected area {area}; status {status}.", site="Site S1", area="Park",
             status="unlicensed") == "Site S1 lies in the protected area Park; status unlicensed."
    assert word("Legend") == "Legend"


def test_french_words_and_reasons():
    with use_language("fr"):
        assert word("Legend") == "Légende"
        reason = t("{site} lies in the protected area {area}; status {status}.", site="Le site S1", area="Parc X",
                   status=word("unlicensed"))
        assert reason == "Le site S1 se trouve dans l'aire protégée Parc X ; statut : sans permis."
    assert word("Legend") == "Legend"  # the language is the block's, not the process's


@pytest.mark.parametrize("language, text", [("en", "1,234.50"), ("fr", "1\u202f234,50"), ("es", "1.234,50"),
                                            ("pt", "1.234,50")])
def test_numbers_are_written_and_read_each_languages_way(language, text):
    with use_language(language):
        assert number(1234.5, 2) == text
        assert parse_number(text) == 1234.5
        # a number inside a template follows the language too: never '1,234' read as 1.234 in French
        assert t("{distance:,.0f} m from the nearest watercourse", distance=1234.0).startswith(
            {"en": "1,234", "fr": "à 1\u202f234", "es": "a 1.234", "pt": "a 1.234"}[language])


def test_an_unknown_language_is_one_clear_sentence():
    with pytest.raises(ValueError, match="language 'de' is not one asmgeo speaks: use one of en, fr, es, pt"):
        i18n.set_language("de")


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_every_text_asmgeo_words_has_a_translation(language):
    assert missing(language) == []


def test_every_translation_keeps_the_templates_fields_and_none_is_stale():
    texts = all_texts()
    for row in rows():
        assert row["en"] in texts, f"messages.csv: {row['en']!r} is no longer used by asmgeo"
        for language in ("fr", "es", "pt"):
            assert row[language].strip(), (language, row["en"])
            assert fields(row[language]) == fields(row["en"]), (language, row["en"], row[language])


def test_the_source_scan_finds_reasons_labels_and_viewer_words():
    found = source_templates()
    assert "{site} lies in no licence valid on that date (GPS tolerance {tolerance:g} m); {nearest}." in found
    assert "Licence status" in found  # a map field's label
    assert "Licences by state" in found  # a layer's default name
    from asmgeo.mapview import viewer_templates

    assert "Filters and dates" in viewer_templates() and "Filters and dates" in all_texts()


def test_the_default_basemaps_names_are_worded():
    import yaml

    from asmgeo.basemaps import BASEMAP_NAMES

    schema = yaml.safe_load((resources.files("asmgeo").parent.parent / "workflow" / "schemas" /
                             "config.schema.yaml").read_text(encoding="utf-8"))
    defaults = schema["properties"]["maps"]["properties"]["basemaps"]["default"]
    assert {b["name"] for b in defaults} <= set(BASEMAP_NAMES)


def test_a_missing_translation_is_reported_not_hidden(tmp_path, monkeypatch):
    out = tmp_path / "missing.txt"
    monkeypatch.setenv("ASMGEO_I18N_MISSING", str(out))
    with use_language("pt"):
        assert word("A label nobody translated") == "A label nobody translated"
        assert word("2021") == "2021"  # numbers and ids are not words
    assert out.read_text(encoding="utf-8") == "pt\tA label nobody translated\n"


def test_what_changed_since_the_last_run_in_french():
    from asmgeo.history import counts_sentence, since_text

    with use_language("fr"):
        assert counts_sentence({"flag new": 2, "licence expired": 1}) == "1 permis expiré, 2 nouveaux signalements"
        assert since_text({"baseline": "x", "baseline_built": "2026-11-02", "baseline_as_of": "2026-10-31"}) == \
            "l'analyse du 2026-11-02 (situation au 2026-10-31)"


def test_why_a_licence_validity_is_undetermined_in_french():
    import datetime as dt

    import geopandas as gpd
    import shapely

    from asmgeo.validity import licence_validity, period_text

    licences = gpd.GeoDataFrame({"licence_id": ["L1", "L2"], "granted_on": ["2020-01-01", "2019-01-01"],
                                 "expires_on": [None, None], "status": [None, "expired"]},
                                geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=32735)
    rows = list(licence_validity(licences, dt.date(2025, 6, 30)).itertuples())
    assert period_text(rows[0]) == "validity undetermined: no status and no expiry date given"
    with use_language("fr"):
        assert period_text(rows[0]) == "validité indéterminée : ni statut ni date d'expiration indiqués"
        assert "statut expiré mais aucune date d'expiration indiquée" in period_text(rows[1])


def test_a_period_missing_a_date_is_worded_whole_in_each_language():
    import datetime as dt

    import geopandas as gpd
    import shapely

    from asmgeo.validity import licence_validity, period_texts

    # active from a date with no expiry; active to a date with no grant date; active with neither;
    # status unknown with an expiry date but no grant date; both dates
    licences = gpd.GeoDataFrame({"licence_id": ["L1", "L2", "L3", "L4", "L5"],
                                 "granted_on": ["2019-01-01", None, None, None, "2019-01-01"],
                                 "expires_on": [None, "2030-01-01", None, "2030-01-01", "2030-01-01"],
                                 "status": ["active", "active", "active", None, "active"]},
                                geometry=[shapely.box(0, 0, 1, 1)] * 5, crs=32735)
    validity = licence_validity(licences, dt.date(2025, 6, 30))
    assert list(period_texts(validity)) == [
        "valid from 2019-01-01, with no expiry date given (taken as open-ended)",
        "valid from an unknown date to 2030-01-01",
        "valid, with no grant or expiry date given (taken as open-ended)",
        "status unknown, dated from an unknown date to 2030-01-01",
        "valid 2019-01-01 to 2030-01-01"]
    with use_language("fr"):
        assert list(period_texts(validity)) == [
            "valide depuis le 2019-01-01, sans date d'expiration indiquée (considéré sans fin)",
            "valide d'une date inconnue au 2030-01-01",
            "valide, sans date d'octroi ni d'expiration indiquée (considéré sans fin)",
            "statut inconnu, daté d'une date inconnue au 2030-01-01",
            "valide du 2019-01-01 au 2030-01-01"]


def test_recorded_dates_say_which_one_is_missing():
    from asmgeo.validity import dates_text

    assert [dates_text("2019-01-01", "2030-01-01"), dates_text("2019-01-01", None), dates_text("", "2030-01-01"),
            dates_text(None, "")] == ["2019-01-01 to 2030-01-01", "from 2019-01-01, no expiry date given",
                                      "to 2030-01-01, no grant date given", "no dates given"]
    assert dates_text(float("nan"), "2030-01-01") == "to 2030-01-01, no grant date given"  # NaN from a table is missing
    with use_language("es"):
        assert dates_text(None, "2030-01-01") == "hasta el 2030-01-01, sin fecha de otorgamiento"
