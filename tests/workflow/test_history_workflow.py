"""End to end: the demo run twice with a new licence export between them (one licence expired,
one redrawn, one new overlap, one new licence far from everything): changes.csv says exactly that,
the report opens with it, and no unrelated flag changes its id."""

from __future__ import annotations

import json

import pytest

from asmgeo import io
from tests.conftest import snakemake
from tests.workflow.test_run_safety_workflow import own_inputs, write_config

pytestmark = pytest.mark.workflow

CHANGED = {"DEMO-ZEA-220", "DEMO-PE-200", "DEMO-PE-400", "DEMO-PE-900"}


def new_export(path) -> None:
    """The next month's export: ZEA-220 expired at the end of 2022 (its sites seen since are in an expired licence), PE-200 moved 200 m east, PE-400 granted over
    part of PE-140, PE-900 granted 6 km east of every other licence."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data["features"]:
        p = feature["properties"]
        if p["code"] == "DEMO-ZEA-220":
            p["date_expiration"] = "31/12/2022"
        if p["code"] == "DEMO-PE-200":
            feature["geometry"]["coordinates"] = [[[x + 200.0, y] for x, y in ring]
                                                  for ring in feature["geometry"]["coordinates"]]
    template = {"titulaire": "DEMO New Holder SA", "type": "permis d'exploitation", "statut": "valide",
                "substances": "gold", "date_octroi": "2025-03-01", "date_expiration": "2035-02-28"}
    for code, (x0, y0, x1, y1) in {"DEMO-PE-400": (653000, 9708500, 654000, 9709500),
                                   "DEMO-PE-900": (665000, 9716000, 666000, 9717000)}.items():
        data["features"].append({"type": "Feature", "properties": {"code": code, **template},
                                 "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1],
                                                                                  [x0, y0]]]}})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_second_run_lists_what_changed_and_keeps_unrelated_flag_ids(workdir, open_page):
    config = own_inputs(workdir, "monthly")
    configfile = write_config(workdir, config)
    out = workdir / "data" / "processed" / "monthly"
    snakemake(workdir, "--configfile", configfile)
    first_flags = io.read_csv(out / "flags.csv", keep_default_na=False)
    first_status = io.read_layer(out / "site_status.gpkg").set_index("site_id")["status"]
    assert len(io.read_csv(out / "changes.csv")) == 0
    assert "No earlier run of this run name" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "history" / "0001" / "flags.gpkg").exists()

    new_export(workdir / config["layers"]["concessions"][0]["path"])
    snakemake(workdir, "--configfile", configfile)
    changes = io.read_csv(out / "changes.csv", keep_default_na=False)
    licences = changes[changes.subject == "licence"]
    assert sorted(zip(licences.change, licences.id)) == [
        ("expired", "DEMO-ZEA-220"), ("granted", "DEMO-PE-400"), ("granted", "DEMO-PE-900"), ("redrawn", "DEMO-PE-200")]
    redrawn = licences[licences.change == "redrawn"].iloc[0]
    # a 2 km x 2 km bowtie repaired into two triangles, shifted 200 m: the outlines differ by
    # more than the 100 m2 tolerance; both areas are stated
    assert "ha lie in one outline and not the other" in redrawn.detail
    assert licences.set_index("id").loc["DEMO-ZEA-220", "before"] == "valid"
    assert licences.set_index("id").loc["DEMO-ZEA-220", "after"] == "expired"

    flags = changes[changes.subject == "flag"]
    new_overlap = flags[(flags.change == "new") & (flags.flag_type == "concession_overlap")]
    assert set(new_overlap.id) | set(new_overlap.flag_id.map(
        io.read_csv(out / "flags.csv", keep_default_na=False).set_index("flag_id")["other_id"])) >= {"DEMO-PE-400", "DEMO-PE-140"}
    # sites that lost their licence are listed with both statuses
    second_status = io.read_layer(out / "site_status.gpkg").set_index("site_id")["status"]
    moved = {s for s in first_status.index if first_status[s] != second_status.get(s)}
    assert moved, "expiring DEMO-ZEA-220 must change the status of the sites inside it"
    sites = changes[changes.subject == "site"]
    assert set(sites[sites.change == "status_changed"].id) == moved
    row = sites.set_index("id").loc[sorted(moved)[0]]
    assert (row.before, row.after) == (first_status[sorted(moved)[0]], second_status[sorted(moved)[0]])

    # flag ids are stable: every first-run flag that involves none of the changed licences nor a
    # site whose status changed is still raised under the same id
    second_flags = io.read_csv(out / "flags.csv", keep_default_na=False)
    touched = CHANGED | moved
    unrelated = first_flags[~first_flags["id"].isin(touched) & ~first_flags["other_id"].isin(touched)]
    assert len(unrelated) > 150
    assert set(unrelated.flag_id) <= set(second_flags.flag_id)
    # and the far-away licence raises nothing and shows up nowhere else
    assert not ((second_flags["id"] == "DEMO-PE-900") | (second_flags["other_id"] == "DEMO-PE-900")).any()
    resolved = set(flags[flags.change == "resolved"].flag_id)
    assert resolved == set(first_flags.flag_id) - set(second_flags.flag_id)
    assert set(flags[flags.change == "new"].flag_id) == set(second_flags.flag_id) - set(first_flags.flag_id)

    # the report opens with the change, dated by the first run
    summary = json.loads((out / "changes" / "summary.json").read_text(encoding="utf-8"))
    first_built = json.loads((out / "history" / "0001" / "manifest.json").read_text(encoding="utf-8"))["created"]
    assert summary["baseline"] == "0001" and summary["baseline_built"] == first_built
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("What changed since the run of " + first_built) < page.index("<h2>Maps</h2>")
    assert "2 licences granted, 1 licence expired, 1 licence redrawn, " in page
    # licences come first in the table, then flags by severity
    assert list(changes.subject[:4]) == ["licence"] * 4
    # the map of the overview shows new and resolved flags
    from asmgeo.maps import payload_of_html

    payload = payload_of_html((out / "maps" / "overview.html").read_text(encoding="utf-8"))
    layer = next(layer for layer in payload["layers"] if layer["key"] == "changes")
    assert len(layer["rows"]) == len(flags[flags.change.isin(["new", "resolved"])])

    # what a person sees, on a desktop and on a phone: the change section before the maps, the
    # overview map with its layer of new and resolved flags
    shown = len(flags[flags.change.isin(["new", "resolved"])])
    for viewport in ((1366, 768), (390, 844)):
        opened = open_page(out / "report.html", viewport=viewport)
        heading = opened.page.locator("#changes h2")
        assert heading.is_visible() and heading.inner_text().startswith("What changed since the run of")
        assert heading.bounding_box()["y"] < opened.page.locator("h2", has_text="Maps").first.bounding_box()["y"]
        assert opened.page.locator("#changes-table tbody tr").count() == min(25, len(changes))
        assert opened.errors == []
        overview = open_page(out / "maps" / "overview.html", viewport=viewport).wait_for_map()
        assert overview.page.evaluate("asmgeo.counts")["changes"] == shown
        control = overview.page.locator(".leaflet-control-layers-overlays").text_content()
        assert f"Flags new or resolved since the previous run ({shown})" in control
        assert overview.errors == []

    # running again on the same data keeps the same change list and no new snapshot
    before = (out / "changes.csv").read_bytes()
    snakemake(workdir, "--configfile", configfile, "--forcerun", "changes")
    assert (out / "changes.csv").read_bytes() == before
    assert sorted(p.name for p in (out / "history").iterdir()) == ["0001", "0002"]
