"""End to end: the public copy (publish.enabled) leaks no exact site position, no withheld site and
no dropped name, in any file: CSV cells, the data the maps embed (positions, popups, search) and
the report; data whose licence forbids redistribution is drawn but not exported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from asmgeo import io
from asmgeo.maps import COORD_SCALE, payload_of_html
from tests.conftest import snakemake
from tests.workflow.test_run_safety_workflow import own_inputs, write_config

pytestmark = pytest.mark.workflow

SENSITIVE = ["DEMO-S010", "DEMO-S127", "DEMO-S194"]


def mark_sensitive(path) -> None:
    """The sites file with a 'sensitive' column (French yes), three sites marked."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    out = [lines[0] + ";sensitive"]
    for line in lines[1:]:
        out.append(line + (";oui" if line.split(";")[0] in SENSITIVE else ";"))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def positions(payload: dict) -> tuple[np.ndarray, np.ndarray]:
    """(every point feature's lon/lat, the mean lon/lat of every ring) that a map draws."""
    points, rings = [], []
    for layer in payload["layers"]:
        geometry, coords = layer["geometry"], np.asarray(layer["geometry"]["coords"], dtype=float).reshape(-1, 2)
        if layer["kind"] == "point":
            points.append(coords / COORD_SCALE)
            continue
        start = 0
        for size in geometry.get("ring_sizes", []):
            ring = np.cumsum(coords[start:start + size], axis=0) / COORD_SCALE
            rings.append(ring.mean(axis=0))
            start += size
    return (np.vstack(points) if points else np.empty((0, 2))), (np.array(rings) if rings else np.empty((0, 2)))


def nearest_m(found: np.ndarray, exact: np.ndarray) -> float:
    """The smallest distance (m, equirectangular: fine at 3 degrees from the equator) between any two."""
    if not len(found):
        return float("inf")
    dlon = (found[:, None, 0] - exact[None, :, 0]) * 111_320 * np.cos(np.radians(exact[None, :, 1]))
    dlat = (found[:, None, 1] - exact[None, :, 1]) * 110_574
    return float(np.sqrt(dlon ** 2 + dlat ** 2).min())


def test_the_public_copy_leaks_no_site_position_withheld_site_or_dropped_name(workdir):
    config = own_inputs(workdir, "public")
    mark_sensitive(workdir / config["layers"]["sites"][0]["path"])
    config["layers"]["tenure"][0]["redistribute"] = False
    config["publish"] = {"enabled": True, "cell_m": 2000, "withhold": {"minerals": ["cassiterite"]}}
    snakemake(workdir, "--configfile", write_config(workdir, config))
    out = workdir / "data" / "processed" / "public"
    public = out / "public"
    status = io.read_layer(out / "site_status.gpkg")
    assert set(SENSITIVE) <= set(status.site_id) and status.set_index("site_id").loc[SENSITIVE[0], "sensitive"] == "oui"
    withheld = set(SENSITIVE) | set(status[status.minerals.str.contains("cassiterite")].site_id)
    assert len(withheld) > len(SENSITIVE)
    exact = np.column_stack([p for p in (lambda g: (g.x, g.y))(status.geometry.to_crs(4326))])
    names = set(status["name"].dropna()) | set(status["cooperative"].dropna())
    licences = io.read_layer(out / "clean" / "concessions.gpkg")
    artisanal = set(licences[licences.licence_type == "artisanal_zone"].holder)
    assert names and artisanal == {"DEMO Coopérative Umoja", "DEMO Coopérative Amani"}
    forbidden = names | artisanal

    files = sorted(p for p in public.rglob("*") if p.is_file())
    assert {p.relative_to(public).as_posix() for p in files} >= {
        "report.html", "README.txt", "flags.csv", "sites.csv", "licences.csv", "overlaps.csv", "candidates.csv",
        "tenure.csv", *(f"maps/{m}.html" for m in ("overview", "overlaps", "sites", "deforestation", "candidates"))}
    for path in files:
        text = path.read_text(encoding="utf-8")
        texts = [text]
        if path.suffix == ".html" and path.parent.name == "maps":
            payload = payload_of_html(text)
            import json

            texts.append(json.dumps(payload, ensure_ascii=False))
            points, rings = positions(payload)
            assert nearest_m(points, exact) > 50, f"{path.name}: a point drawn at an exact site position"
            assert nearest_m(rings, exact) > 50, f"{path.name}: a shape centred on an exact site position"
            for layer in payload["layers"]:
                for row in layer["rows"]:
                    assert not withheld & set(row), f"{path.name}: withheld site in layer {layer['key']}"
        if path.suffix == ".csv":
            table = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
            if len(table) and "lon" in table:
                lonlat = table[["lon", "lat"]].apply(pd.to_numeric, errors="coerce").dropna().to_numpy()
                if path.name in ("sites.csv", "flags.csv"):
                    assert nearest_m(lonlat, exact) > 50, f"{path.name}: a row at an exact site position"
        for body in texts:
            for name in forbidden:
                assert name not in body, f"{path.name} holds the dropped name {name!r}"
            for site in withheld:
                assert site not in body, f"{path.name} names the withheld site {site}"
            for lon, lat in exact[:50]:
                assert f"{lon:.5f}" not in body and f"{lat:.5f}" not in body, f"{path.name}: exact coordinate text"

    sites = pd.read_csv(public / "sites.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(sites) == len(status) - len(withheld)
    # positions are cell centres, several sites share one
    assert sites[["lon", "lat"]].drop_duplicates().shape[0] < len(sites) / 3
    # the tenure layer (redistribute: false) is drawn on the maps, never exported as data
    assert len(pd.read_csv(public / "tenure.csv", encoding="utf-8-sig")) == 0
    overview = payload_of_html((public / "maps" / "overview.html").read_text(encoding="utf-8"))
    assert len(next(layer for layer in overview["layers"] if layer["key"] == "tenure")["rows"]) == 6
    readme = (public / "README.txt").read_text(encoding="utf-8")
    assert f"Sites withheld (sensitive or publish.withhold): {len(withheld)}" in readme
    assert "2000 m grid cell" in readme
    # the private run is untouched
    assert set(SENSITIVE) <= set(io.read_csv(out / "flags.csv", keep_default_na=False)["id"])
