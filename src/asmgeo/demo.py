"""Deterministic generator for the bundled DEMO region (fictional data).

Everything is laid out in a local metre grid (x east 0..20000, y north 0..15000) whose origin
sits at ``ORIGIN_UTM`` in UTM zone 35S, near the Kivu highlands for basemap context only.
Licences and tenure parcels are axis-aligned blocks on a 100 m grid, so every overlap area
in data/raw/demo/README.md can be computed by hand. Sites are placed by category inside
boxes that keep them >= 100 m from every boundary they must not cross.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pyproj import Transformer

if TYPE_CHECKING:
    from affine import Affine

log = logging.getLogger(__name__)

UTM_EPSG = 32735
ORIGIN_UTM = (640_000.0, 9_700_000.0)
SEED = 20261123

_to_lonlat = Transformer.from_crs(UTM_EPSG, 4326, always_xy=True)


def box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    """Closed ring of an axis-aligned box in local metres (counter-clockwise)."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def river_y(x: np.ndarray | float) -> np.ndarray | float:
    """Centreline of the DEMO river (local metres)."""
    return 7000.0 + 1200.0 * np.sin(2 * np.pi * np.asarray(x) / 9000.0)


# id, holder, type (as the cadastre spells it), status (as spelled), minerals, granted, expires, ring
CONCESSIONS: list[tuple] = [
    ("DEMO-PE-101", "DEMO Kivu Gold SARL", "permis d'exploitation", "valide", "gold", "2019-03-01", "2029-02-28", box(2000, 5000, 6000, 9000)),
    ("DEMO-ZEA-220", "DEMO Coopérative Umoja", "zone d'exploitation artisanale", "valide", "gold", "15/06/2021", "14/06/2026", box(5000, 6000, 7000, 8000)),
    ("DEMO-PR-330", "DEMO Tin Explorers Ltd", "permis de recherche", "expiré", "cassiterite", "2012-01-01", "2017-12-31", box(7000, 5000, 10000, 8000)),
    ("DEMO-PE-140", "DEMO Mfano Mining Corp", "permis d'exploitation", "valide", "gold", "2018-05-01", "2030-04-30", box(12000, 8000, 15000, 11000)),
    ("DEMO-PE-150", "DEMO Nouvelles Ressources SA", "permis d'exploitation", "en instance", "gold", "", "", box(12500, 6000, 13500, 8500)),
    ("DEMO-PR-060", "DEMO Old Prospectors Ltd", "permis de recherche", "expiré", "gold", "2010-01-01", "2015-12-31", box(3000, 5500, 4000, 6500)),
    ("DEMO-PE-102", "DEMO Kivu Gold SARL", "permis d'exploitation", "valide", "gold", "2023-01-01", "2032-12-31", box(1500, 8500, 2500, 9500)),
    ("DEMO-PE-170", "DEMO Suspended Mining SPRL", "permis d'exploitation", "suspendu", "gold", "2016-01-01", "2030-12-31", box(6000, 9000, 8000, 11000)),
    ("DEMO-PE-180", "DEMO Copper Hills SA", "permis d'exploitation", "valide", "copper, cobalt", "2020-01-01", "2029-12-31", box(3000, 11000, 6000, 13000)),
    ("DEMO-PE-190", "DEMO Chefferie Gold SARL", "permis d'exploitation", "valide", "gold", "2020-07-01", "2030-06-30", box(8000, 1000, 10000, 4500)),
    ("DEMO-ZEA-230", "DEMO Coopérative Amani", "zone d'exploitation artisanale", "valide", "gold", "2022-01-10", "2027-01-09", box(9999.98, 500, 11000, 2000)),
    ("DEMO-PE-200", "DEMO Bowtie Mining Ltd", "permis d'exploitation", "valide", "gold", "2021-02-01", "2031-01-31",
     [(15000, 2000), (17000, 4000), (17000, 2000), (15000, 4000), (15000, 2000)]),
    ("DEMO-PE-210", "DEMO Typo Mining SARL", "permis d'exploitation", "valide", "gold", "2022-05-01", "2021-05-01", box(10500, 12000, 11500, 13000)),
    ("DEMO-PE-120", "DEMO Lapsed Gold SARL", "permis d'exploitation", "valide", "gold", "2015-01-01", "2024-12-31", box(10000, 9000, 12000, 10000)),
    ("DEMO-PE-160", "DEMO Forest Gold SA", "permis d'exploitation", "en cours de renouvellement", "gold", "2017-03-01", "2027-02-28", box(17000, 12000, 19000, 14000)),
    ("DEMO-PE-999", "DEMO Missing Geometry Ltd", "permis d'exploitation", "valide", "gold", "2020-01-01", "2030-01-01", None),
]

# id, type, name, holder, protection (None = left to the default), ring
TENURE: list[tuple] = [
    ("DEMO-T-PA1", "protected_area", "DEMO Mfano National Park (fictional)", "DEMO Wildlife Authority", "strict", box(14000, 10000, 20000, 15000)),
    ("DEMO-T-IT1", "indigenous_territory", "DEMO Batwa Mfano ancestral territory", "DEMO Batwa Mfano community", None, box(0, 11000, 5000, 15000)),
    ("DEMO-T-CL1", "customary_land", "DEMO Chefferie Mfano customary land", "DEMO Mwami of Mfano", None, box(5000, 0, 9000, 4000)),
    ("DEMO-T-FA1", "agricultural", "DEMO Farm Shamba 1", "DEMO Family Mugisho", None, box(9500, 3000, 10500, 3500)),
    ("DEMO-T-CF1", "community_forest", "DEMO Mfano community forest", "DEMO Mfano forest committee", None, box(16000, 0, 19000, 3000)),
    # downstream on the river (which flows west to east): the villages that drink and fish from it
    ("DEMO-T-CL2", "customary_land", "DEMO Mto fishing villages", "DEMO Mto village council", None, box(19000, 5000, 20000, 9000)),
]


@dataclass(frozen=True)
class SiteCategory:
    """A group of sites placed in one box with the same attributes and expected status."""

    code: str
    count: int
    xy_box: tuple[float, float, float, float]
    minerals: str
    declared: str
    cooperative: str
    date_range: tuple[str, str] | None
    expected_status: str
    along_river: bool = True


SITE_CATEGORIES: list[SiteCategory] = [
    SiteCategory("A", 40, (4100, 5100, 4900, 8900), "gold", "DEMO-PE-101", "DEMO Coopérative Tujenge", ("2024-01-01", "2025-05-31"), "licensed"),
    SiteCategory("B", 40, (6100, 6100, 6900, 7900), "gold", "DEMO-ZEA-220", "DEMO Coopérative Umoja", ("2024-01-01", "2025-05-31"), "licensed"),
    SiteCategory("C", 6, (5100, 6100, 5900, 7900), "gold", "DEMO-ZEA-220", "DEMO Coopérative Umoja", ("2024-01-01", "2025-05-31"), "licensed"),
    SiteCategory("D", 40, (16000, 6500, 19500, 8800), "gold", "", "DEMO Coopérative Mto", ("2024-01-01", "2025-05-31"), "unlicensed"),
    SiteCategory("E", 6, (15500, 10100, 19500, 11900), "gold", "", "", ("2024-01-01", "2025-05-31"), "unlicensed", False),
    SiteCategory("F", 20, (7100, 5100, 9900, 7900), "cassiterite", "DEMO-PR-330", "DEMO Coopérative Bati", ("2024-01-01", "2025-05-31"), "expired_licence"),
    SiteCategory("G", 15, (2100, 5100, 2900, 8400), "coltan", "DEMO-PE-101", "DEMO Coopérative Tujenge", ("2024-01-01", "2025-05-31"), "mineral_not_licensed", False),
    SiteCategory("H", 10, (6100, 6100, 6900, 7900), "gold", "DEMO-PE-101", "DEMO Coopérative Umoja", ("2024-01-01", "2025-05-31"), "declared_licence_mismatch"),
    SiteCategory("I", 8, (6100, 9100, 7900, 10900), "gold", "DEMO-PE-170", "DEMO Coopérative Imara", ("2024-01-01", "2025-05-31"), "suspended_or_revoked", False),
    SiteCategory("J", 5, (1990, 5200, 1990, 8300), "gold", "DEMO-PE-101", "DEMO Coopérative Tujenge", ("2024-01-01", "2025-05-31"), "licensed_near_boundary", False),
    SiteCategory("K", 3, (1900, 5200, 1900, 8300), "gold", "", "", ("2024-01-01", "2025-05-31"), "unlicensed", False),
    SiteCategory("L", 6, (500, 11100, 2900, 14900), "gold", "", "", ("2024-01-01", "2025-05-31"), "unlicensed", False),
    SiteCategory("M", 4, (6100, 6100, 6900, 7900), "gold", "DEMO-ZEA-220", "DEMO Coopérative Umoja", None, "licensed"),
    SiteCategory("N", 4, (1600, 8600, 1850, 9400), "gold", "DEMO-PE-102", "DEMO Coopérative Tujenge", ("2022-03-01", "2022-10-31"), "licence_not_valid_yet", False),
    SiteCategory("O", 5, (10100, 9100, 11900, 9900), "gold", "DEMO-PE-120", "DEMO Coopérative Bati", ("2025-01-15", "2025-05-31"), "expired_licence", False),
    SiteCategory("P", 3, (12600, 6100, 13400, 7900), "gold", "DEMO-PE-150", "", ("2024-01-01", "2025-05-31"), "licence_not_valid_yet", False),
]

MINERAL_SPELLING = {"gold": ["gold", "Gold", " GOLD ", "gold "], "cassiterite": ["cassiterite", "Cassiterite"],
                    "coltan": ["coltan", "Coltan"]}


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _to_lonlat.transform(ORIGIN_UTM[0] + x, ORIGIN_UTM[1] + y)
    return round(lon, 9), round(lat, 9)


def _dms(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return f"{degrees}°{minutes:02d}'{seconds:06.3f}\"{hemisphere}"


def generate_sites(seed: int = SEED) -> list[dict]:
    """Site records in local metres with their expected status (the facts behind the README)."""
    rng = np.random.default_rng(seed)
    sites = []
    number = 0
    for cat in SITE_CATEGORIES:
        x0, y0, x1, y1 = cat.xy_box
        for k in range(cat.count):
            number += 1
            x = float(rng.uniform(x0, x1)) if x1 > x0 else x0
            if cat.along_river and y1 > y0:
                y = float(np.clip(river_y(x) + rng.normal(0, 300), y0, y1))
            else:
                y = float(rng.uniform(y0, y1)) if y1 > y0 else y0
            x, y = round(x, 1), round(y, 1)
            if cat.date_range:
                start, end = (np.datetime64(d) for d in cat.date_range)
                day = start + np.timedelta64(int(rng.integers(0, (end - start).astype(int) + 1)), "D")
                observed = str(day)
            else:
                observed = ""
            spellings = MINERAL_SPELLING.get(cat.minerals, [cat.minerals])
            sites.append({
                "site_id": f"DEMO-S{number:03d}", "name": f"DEMO site {number:03d} ({cat.code})",
                "minerals": spellings[k % len(spellings)], "declared_licence_id": cat.declared,
                "cooperative": cat.cooperative, "workers": int(rng.integers(5, 400)),
                "observed_on": observed, "x": x, "y": y, "category": cat.code,
                "expected_status": cat.expected_status,
            })
    return sites


def _site_rows(sites: list[dict]) -> list[list[str]]:
    rows = []
    for i, s in enumerate(sites):
        lon, lat = _lonlat(s["x"], s["y"])
        observed = s["observed_on"]
        if observed and i % 5 == 0:  # a share of the dates day-first, as field sheets write them
            yyyy, mm, dd = observed.split("-")
            observed = f"{dd}/{mm}/{yyyy}"
        if i % 20 == 3:  # some coordinates in degrees-minutes-seconds
            lon_text, lat_text = _dms(lon, "E", "W"), _dms(lat, "N", "S")
        else:
            lon_text, lat_text = f"{lon:.7f}".replace(".", ","), f"{lat:.7f}".replace(".", ",")
        rows.append([s["site_id"], s["name"], s["minerals"], s["declared_licence_id"], s["cooperative"],
                     str(s["workers"]), observed, lat_text, lon_text])
    # one site of category M carries an impossible date: kept, judged on as_of
    m_rows = [r for r, s in zip(rows, sites) if s["category"] == "M"]
    m_rows[0][6] = "31/02/2024"
    # rows that ingest must reject, each for one reason
    d_lon, d_lat = _lonlat(17000, 7400)
    rows.append(["DEMO-S901", "DEMO site 901 (no coordinates)", "gold", "", "", "12", "2024-03-01", "", ""])
    for _ in range(2):
        rows.append(["DEMO-S902", "DEMO site 902 (duplicate id)", "gold", "", "", "30", "2024-03-02",
                     f"{d_lat:.7f}".replace(".", ","), f"{d_lon:.7f}".replace(".", ",")])
    rows.append(["DEMO-S903", "DEMO site 903 (latitude out of range)", "gold", "", "", "8", "2024-03-03",
                 f"{d_lat - 130:.7f}".replace(".", ","), f"{d_lon:.7f}".replace(".", ",")])
    return rows


def _ring_lonlat(ring: list[tuple[float, float]]) -> list[list[float]]:
    return [list(_lonlat(x, y)) for x, y in ring]


def _ring_utm(ring: list[tuple[float, float]]) -> list[list[float]]:
    return [[ORIGIN_UTM[0] + x, ORIGIN_UTM[1] + y] for x, y in ring]


def _feature(properties: dict, ring: list[tuple[float, float]] | None, kind: str = "Polygon",
             utm: bool = False) -> dict:
    if ring is None:
        geometry = None
    elif kind == "Polygon":
        geometry = {"type": "Polygon", "coordinates": [_ring_utm(ring) if utm else _ring_lonlat(ring)]}
    else:
        geometry = {"type": "LineString", "coordinates": _ring_lonlat(ring)}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write_geojson(path: Path, features: list[dict], crs_urn: str | None = None) -> None:
    text = "{\n\"type\": \"FeatureCollection\",\n"
    if crs_urn:  # the 2008 GeoJSON crs member, which GDAL honours: cadastres keep their own grid
        text += json.dumps({"type": "name", "properties": {"name": crs_urn}}).join(["\"crs\": ", ",\n"])
    text += "\"features\": [\n"
    text += ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text += "\n]\n}\n"
    json.loads(text)  # the hand-assembled text must stay valid JSON
    path.write_text(text, encoding="utf-8")


# Detected mining footprints of two vintages (files without dates, like Amazon Mining Watch's: the
# config gives each file's vintage). 2021 -> 2024: the park footprint doubles (20 -> 40 ha), the one in
# DEMO-PE-101 persists (10 ha), the one on indigenous land vanishes (6 ha) and one appears in the
# long-expired DEMO-PR-330 (10 ha), next to site DEMO-S138 (data/raw/demo/README.md has the totals).
FOOTPRINTS: dict[str, list[tuple[str, list]]] = {
    "2021": [("DEMO-FP21-1", box(15000, 11000, 15500, 11400)), ("DEMO-FP21-2", box(3500, 7000, 3700, 7500)),
             ("DEMO-FP21-3", box(1000, 12000, 1300, 12200))],
    "2024": [("DEMO-FP24-1", box(15000, 11000, 16000, 11400)), ("DEMO-FP24-2", box(3500, 7000, 3700, 7500)),
             ("DEMO-FP24-3", box(8000, 6000, 8500, 6200))],
}


def write_demo_vectors(out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write sites.csv, concessions.geojson, tenure.geojson, rivers.geojson and two vintages of detected
    footprints (byte-deterministic)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sites = generate_sites(seed)
    header = ["site_id", "name", "minerals", "declared_licence_id", "cooperative", "workers",
              "observed_on", "latitude", "longitude"]
    lines = [";".join(header)] + [";".join(r) for r in _site_rows(sites)]
    # a BOM, semicolons and decimal commas, as spreadsheets in French locales export
    (out / "sites.csv").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    concessions = [
        _feature({"code": c[0], "titulaire": c[1], "type": c[2], "statut": c[3], "substances": c[4],
                  "date_octroi": c[5], "date_expiration": c[6]}, c[7], utm=True) for c in CONCESSIONS]
    # the cadastre in its own UTM grid, the other layers in WGS84: ingest must reconcile them
    _write_geojson(out / "concessions.geojson", concessions, f"urn:ogc:def:crs:EPSG::{UTM_EPSG}")
    tenure = []
    for t in TENURE:
        props = {"tenure_id": t[0], "tenure_type": t[1], "name": t[2], "holder": t[3]}
        if t[4]:
            props["protection"] = t[4]
        tenure.append(_feature(props, t[5]))
    _write_geojson(out / "tenure.geojson", tenure)
    xs = np.arange(-500, 20501, 100.0)
    river = [(float(x), round(float(river_y(x)), 1)) for x in xs]
    _write_geojson(out / "rivers.geojson", [_feature({"river_id": "DEMO-R1", "name": "DEMO Mto Mfano river"}, river, "LineString")])
    for vintage, footprints in FOOTPRINTS.items():
        _write_geojson(out / f"footprints_{vintage}.geojson",
                       [_feature({"id": ident, "detector": "DEMO detector (fictional)"}, ring, utm=True)
                        for ident, ring in footprints], f"urn:ogc:def:crs:EPSG::{UTM_EPSG}")
    expected = [{k: s[k] for k in ("site_id", "category", "expected_status")} for s in sites]
    (out / "expected_sites.csv").write_text(
        "site_id,category,expected_status\n" + "".join(f"{e['site_id']},{e['category']},{e['expected_status']}\n" for e in expected),
        encoding="utf-8")
    paths = [out / n for n in ("sites.csv", "concessions.geojson", "tenure.geojson", "rivers.geojson", "expected_sites.csv",
                               *(f"footprints_{v}.geojson" for v in FOOTPRINTS))]
    log.info("demo vectors written: %s", ", ".join(str(p) for p in paths))
    return paths


# ------------------------------------------------------------------------------------------
# rasters

RASTER_ORIGIN = (-600.0, 15600.0)  # local metres of the upper-left corner; 300 m grid aligns 30 m and 20 m pixels
RASTER_EXTENT = (21600.0, 16200.0)  # width, height in metres
LOSS_PIXEL_M = 30.0
IMAGE_PIXEL_M = 20.0
IMAGE_DATES = ("2021-01-15", "2024-06-15")
# the files write_demo_rasters makes (rule demo_rasters' outputs)
DEMO_RASTER_NAMES = ("lossyear.tif", "treecover2000.tif", *(f"image_{d}.tif" for d in IMAGE_DATES),
                     f"cloudmask_{IMAGE_DATES[1]}.tif")

# clearing code, local box, loss year (Hansen-style: year), visible in the image pair
CLEARINGS: list[tuple[str, tuple[float, float, float, float], int]] = [
    ("L0", (16500, 8200, 19500, 8800), 2015),  # old diggings north of the river, before the cutoff: the best candidate zone
    ("L1", (6000, 6600, 6600, 7200), 2022),    # inside artisanal zone DEMO-ZEA-220 (valid): licensed clearing
    ("L2", (4200, 6000, 4800, 6600), 2019),    # inside DEMO-PE-101, before the 2020-12-31 cutoff: context
    ("L3", (11100, 14100, 11700, 14700), 2023),  # far from any valid licence and any site: unexplained
    ("L4", (16800, 7200, 17400, 7800), 2023),  # among the unlicensed river sites (category D)
    ("L5", (19000, 14000, 19300, 14300), 2021),  # inside the national park DEMO-T-PA1, > 2 km from any site
    ("L6", (1200, 1200, 1500, 1500), 2022),    # under the cloud of the 2024 image: only the loss-year product sees it
]
CLOUD_BOX = (900, 900, 3000, 3000)
# the river moves: by the 2024 image a new channel runs through forest north of the meander's peak
# (900 m x 100 m = 225 pixels of 20 m = 9 ha): NDVI drops as for a clearing, but it became water
MOVED_CHANNEL = (10800, 8300, 11700, 8400)
NODATA_STRIP_M = 600.0  # the 2024 image has no data west of local x = 0


def _grid(pixel: float) -> tuple[np.ndarray, np.ndarray, Affine]:
    from rasterio.transform import from_origin

    width = int(round(RASTER_EXTENT[0] / pixel))
    height = int(round(RASTER_EXTENT[1] / pixel))
    xs = RASTER_ORIGIN[0] + (np.arange(width) + 0.5) * pixel
    ys = RASTER_ORIGIN[1] - (np.arange(height) + 0.5) * pixel
    transform = from_origin(ORIGIN_UTM[0] + RASTER_ORIGIN[0], ORIGIN_UTM[1] + RASTER_ORIGIN[1], pixel, pixel)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return grid_x, grid_y, transform


def _in_box(x: np.ndarray, y: np.ndarray, b: tuple[float, float, float, float]) -> np.ndarray:
    return (x >= b[0]) & (x < b[2]) & (y >= b[1]) & (y < b[3])


def _tree_cover(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cover = np.clip(rng.normal(82, 5, x.shape), 60, 100)
    cover[_in_box(x, y, (5000, 0, 9000, 4000))] = 20  # customary land: farm-fallow mosaic below the canopy threshold
    cover[_in_box(x, y, (9500, 3000, 10500, 3500))] = 5  # the farm
    cover[np.abs(y - river_y(x)) < 45] = 0  # the river channel
    return cover.astype("uint8")


def _write_tif(path: Path, data: np.ndarray, transform, nodata: float | None, descriptions: list[str]) -> None:
    import rasterio

    bands = data if data.ndim == 3 else data[None]
    profile = {"driver": "GTiff", "height": bands.shape[1], "width": bands.shape[2], "count": bands.shape[0],
               "dtype": bands.dtype, "crs": f"EPSG:{UTM_EPSG}", "transform": transform, "nodata": nodata,
               "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(bands)
        for i, d in enumerate(descriptions, start=1):
            dst.set_band_description(i, d)
    tmp.replace(path)


def write_demo_rasters(out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write the loss-year product (30 m) and the two-date 4-band image pair (20 m) with its cloud mask."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    x, y, transform = _grid(LOSS_PIXEL_M)
    cover = _tree_cover(x, y, rng)
    lossyear = np.zeros(x.shape, dtype="uint8")
    for _, b, year in CLEARINGS:
        lossyear[_in_box(x, y, b) & (cover >= 30)] = year - 2000
    _write_tif(out / "treecover2000.tif", cover, transform, None, ["treecover2000 (%)"])
    _write_tif(out / "lossyear.tif", lossyear, transform, 255, ["lossyear (0 = none, N = 2000+N)"])

    x, y, transform = _grid(IMAGE_PIXEL_M)
    cover = _tree_cover(x, y, rng)
    forest = cover >= 30
    water = cover == 0

    channel = _in_box(x, y, MOVED_CHANNEL)

    def scene(cleared_before: int) -> np.ndarray:
        red = np.where(forest, 300, 800).astype("float64")
        green = np.where(forest, 500, 900).astype("float64")
        blue = np.where(forest, 250, 600).astype("float64")
        nir = np.where(forest, 3500, 2200).astype("float64")
        for _, b, year in CLEARINGS:
            bare = _in_box(x, y, b) & forest & (year < cleared_before)
            red[bare], green[bare], blue[bare], nir[bare] = 1500, 1300, 1100, 1800
        red[water], green[water], blue[water], nir[water] = 500, 600, 700, 300
        if cleared_before > int(IMAGE_DATES[0][:4]):  # the later image: the new channel is water
            red[channel], green[channel], blue[channel], nir[channel] = 500, 600, 700, 300
        bands = np.stack([red, green, blue, nir]) + rng.normal(0, 40, (4, *x.shape))
        return np.clip(bands, 1, 10000).astype("uint16")

    before = scene(int(IMAGE_DATES[0][:4]))  # clearings of earlier years are already bare
    after = scene(2025)
    cloud = _in_box(x, y, CLOUD_BOX)
    after[:, cloud] = 9000
    after[:, x < RASTER_ORIGIN[0] + NODATA_STRIP_M] = 0
    names = ["red", "green", "blue", "nir"]
    paths = [out / "treecover2000.tif", out / "lossyear.tif"]
    for date, data in zip(IMAGE_DATES, (before, after)):
        path = out / f"image_{date}.tif"
        _write_tif(path, data, transform, 0, names)
        paths.append(path)
    mask_path = out / f"cloudmask_{IMAGE_DATES[1]}.tif"
    _write_tif(mask_path, cloud.astype("uint8"), transform, None, ["cloud (1 = cloud)"])
    paths.append(mask_path)
    log.info("demo rasters written: %s", ", ".join(str(p) for p in paths))
    return paths
