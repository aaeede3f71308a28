"""Ingest on real public data (../shared/realdata): counts checked against independent computations.

The expected numbers come from SOURCE.md (feature counts, invalid and empty geometries) and from
plain geopandas/shapely on the raw files, never from asmgeo's own output.
"""

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from asmgeo.config import load_config
from asmgeo.crs import choose_analysis_crs
from asmgeo.validate import IngestOptions, ingest_layer, sources_lonlat_bounds
from tests.conftest import REPO, realdata_dir

pytestmark = pytest.mark.realdata


def _setup(config_name: str, dataset: str, monkeypatch):
    realdata_dir(dataset)
    monkeypatch.chdir(REPO)
    config = load_config(REPO / "config" / "examples" / config_name)
    boxes = [b for sources in config["layers"].values() for b in sources_lonlat_bounds(sources)]
    crs = choose_analysis_crs(boxes, config["analysis_crs"])
    options = IngestOptions(value_maps=config["ingest"]["value_maps"], date_order=config["date_order"],
                            as_of=dt.date.fromisoformat(config["as_of"]))
    return config, crs, options


def _densified(geom, step=0.001):
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([_densified(p, step) for p in geom.geoms])
    if geom.geom_type == "Polygon":
        return shapely.Polygon(shapely.segmentize(geom.exterior, step), [shapely.segmentize(r, step) for r in geom.interiors])
    return shapely.segmentize(geom, step)


def _independent_counts(path: str, crs, id_column: str | None) -> dict:
    """Expected accepted/repaired/rejected from the raw file with plain geopandas and shapely."""
    raw = gpd.read_file(path)
    geoms = shapely.force_2d(raw.geometry.values)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if raw.crs.is_geographic:
        # edges longer than 0.001 degrees are split before projecting (ingest does the same, so
        # that shared lon/lat edges stay shared); invalid polygons ring by ring, never repaired here
        geoms = np.array([g if e else _densified(g) for g, e in zip(geoms, empty)], dtype=object)
    projected = gpd.GeoSeries(np.where(empty, None, geoms), crs=raw.crs).to_crs(crs).values
    invalid = ~empty & ~shapely.is_valid(projected)
    repaired_area = np.array([shapely.make_valid(g).area if inv else 0.0 for g, inv in zip(projected, invalid)])
    collapsed = invalid & (repaired_area == 0)
    rejected = empty | collapsed
    repaired = invalid & ~collapsed
    if id_column:
        ids = raw[id_column].where(~rejected)
        repaired |= (ids.notna() & ids.duplicated(keep="first")).to_numpy()
    return {"rows_read": len(raw), "rejected": int(rejected.sum()), "repaired": int(repaired.sum()),
            "accepted": int(len(raw) - rejected.sum() - repaired.sum())}


def test_ph_tenements_ingest_counts(monkeypatch):
    config, crs, options = _setup("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    assert "Lambert Azimuthal Equal Area" in crs.to_wkt()  # the islands span three UTM zones
    concessions, qa, counts = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    counts = counts.set_index("file")
    for source in config["layers"]["concessions"]:
        expected = _independent_counts(source["path"], crs, "TID")
        assert counts.loc[source["path"]].to_dict() == {"layer": "concessions", **expected}, source["path"]
    mpsa = counts.loc["../shared/realdata/ph-mgb-tenements/MPSA_2023.geojson"]
    assert mpsa.rows_read == 483  # SOURCE.md
    assert concessions.licence_id.is_unique and concessions.is_valid.all() and not concessions.has_z.any()
    assert len(concessions) == counts.accepted.sum() + counts.repaired.sum()
    # every empty geometry of SOURCE.md (2 MPSA, 3 EP, 3 APSA) is a rejected row with a reason
    empties = qa[qa.problem == "geometry is missing or empty"]
    assert empties.groupby("file").size().to_dict() == {
        "../shared/realdata/ph-mgb-tenements/APSA_2023.geojson": 3,
        "../shared/realdata/ph-mgb-tenements/EP_2023.geojson": 3,
        "../shared/realdata/ph-mgb-tenements/MPSA_2023.geojson": 2}


def test_ph_cadt_text_areas_and_invalid_polygons(monkeypatch):
    config, crs, options = _setup("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    tenure, qa, counts = ingest_layer("tenure", config["layers"]["tenure"], crs, options)
    cadt = counts.set_index("file").loc["../shared/realdata/ph-mgb-tenements/CADT.geojson"]
    assert (cadt.rows_read, cadt.rejected) == (320, 0)
    assert cadt.repaired == _independent_counts("../shared/realdata/ph-mgb-tenements/CADT.geojson", crs, None)["repaired"]
    # areas in the equal-area analysis CRS agree with geodesic areas on the ellipsoid within 0.1%
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    lonlat = tenure.to_crs(4326)
    geodesic = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat.geometry])
    assert np.abs(tenure.area.to_numpy() / geodesic - 1).max() < 0.001
    assert (tenure.tenure_type == "indigenous_territory").all()


def test_ipis_sites_and_zipped_protected_areas(monkeypatch):
    config, crs, options = _setup("ipis-drc.yaml", "ipis-drc", monkeypatch)
    sites, qa, counts = ingest_layer("sites", config["layers"]["sites"], crs, options)
    assert counts.iloc[0][["rows_read", "accepted", "repaired", "rejected"]].tolist() == [2143, 2143, 0, 0]
    assert sites.site_id.is_unique and qa.problem.str.contains("2143 rows had no id").sum() == 1
    # one real name has a double space ('Mulolo  kasezi'): collapsed, and said so once
    spaces = qa[qa.problem.str.contains("had line breaks, tabs or repeated")]
    assert spaces.field.tolist() == ["name"] and "Mulolo kasezi" in set(sites.name)
    assert set(sites.minerals) >= {"gold", "cassiterite", "coltan"}
    tenure, tqa, tcounts = ingest_layer("tenure", config["layers"]["tenure"], crs, options)
    assert tcounts.iloc[0][["rows_read", "accepted", "repaired", "rejected"]].tolist() == [50, 49, 1, 0]
    raw = gpd.read_file(config["layers"]["tenure"][0]["path"])
    sustainable = raw.TYPE_AP.isin(["Domaine de chasse", "Réserve de biosphère"]).sum()
    # a missing TYPE_AP falls back to the protected-area default, strict
    assert tenure.protection.value_counts().to_dict() == {"strict": 50 - sustainable, "sustainable_use": sustainable}
    concessions, _, ccounts = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    assert concessions.empty and ccounts.empty


def test_ipis_wgs84_and_utm_copies_agree(monkeypatch):
    config, crs, options = _setup("ipis-drc.yaml", "ipis-drc", monkeypatch)
    utm_config = load_config(REPO / "config" / "examples" / "ipis-drc-utm.yaml")
    a, _, _ = ingest_layer("sites", config["layers"]["sites"], crs, options)
    b, _, _ = ingest_layer("sites", utm_config["layers"]["sites"], crs, options)
    assert len(a) == len(b) == 2143
    assert a.geometry.distance(b.geometry).max() < 1.0  # metres
    assert (a.observed_on.fillna("") == b.observed_on.fillna("")).all()
