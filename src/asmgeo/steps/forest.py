"""Steps of the forest stage: zonal loss, loss patches, two-date change, forest flags.

Rules in workflow/rules/forest.smk.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from asmgeo import io

log = logging.getLogger(__name__)


def _read_crs(path):
    from asmgeo.crs import read_crs

    return read_crs(path)


def _product(lossyear, treecover, base_year, nodata, canopy_threshold_pct, periods=None):
    from asmgeo.forest import LossProduct

    return LossProduct(lossyear=str(lossyear), treecover2000=str(treecover) if treecover else None,
                       base_year=base_year, nodata=nodata, canopy_threshold_pct=canopy_threshold_pct, periods=periods)


ZONAL_COLUMNS = ["layer", "polygon_id", "buffer_m", "year", "loss_from", "loss_to", "loss_ha", "covered_pct", "lon", "lat"]


def zonal_table(sites: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame,
                product, site_buffers_m: list[float] | None = None) -> pd.DataFrame:
    """Loss per year or period for site buffers, licences and tenure parcels (one block per layer and
    buffer, polygons in their layer's order; a part's ``split_row`` is kept for the merge)."""
    from asmgeo.forest import zonal_finish, zonal_pass
    from asmgeo.split import SPLIT_ROW

    keep = [SPLIT_ROW] if SPLIT_ROW in sites.columns else []

    def located(table, frame, id_col):  # the lon/lat of the site or of a point inside the polygon
        if not len(table):
            return table.assign(lon=pd.Series(dtype="float64"), lat=pd.Series(dtype="float64"),
                                **{k: pd.Series(dtype="int64") for k in keep})
        where = io.lonlat_table(frame[[id_col, "geometry"]]).rename(columns={id_col: "polygon_id"})
        where["polygon_id"] = where["polygon_id"].astype(str)
        if keep:
            where[SPLIT_ROW] = frame[SPLIT_ROW].to_numpy()
        table = table.assign(polygon_id=table["polygon_id"].astype(str))
        return table.merge(where.drop_duplicates("polygon_id"), on="polygon_id", how="left")

    # every layer's polygons in one pass over the raster (each cell read once, not once per layer)
    blocks = [("sites", radius, sites, "site_id", sites[["site_id", "geometry"]].assign(geometry=sites.buffer(radius)))
              for radius in site_buffers_m or [500, 1000]]
    blocks += [(layer, 0, frame, id_col, frame[[id_col, "geometry"]])
               for layer, id_col, frame in (("concessions", "licence_id", concessions), ("tenure", "tenure_id", tenure))]
    shares = zonal_pass([polygons.geometry for *_, polygons in blocks], product)
    parts = []
    for (layer, radius, frame, id_col, polygons), (data_m2, found) in zip(blocks, shares):
        table = zonal_finish(polygons, id_col, product, data_m2, found).rename(columns={id_col: "polygon_id"})
        parts.append(located(table, frame, id_col).assign(layer=layer, buffer_m=radius))
    return pd.concat(parts, ignore_index=True)[ZONAL_COLUMNS + keep]


def part_zonal(split_dir: str, part: int | str, lossyear: str | None, treecover: str | None, base_year: int = 2000,
               nodata: float | None = None, canopy_threshold_pct: float = 30.0,
               site_buffers_m: list[float] | None = None, loss_periods: dict | None = None) -> pd.DataFrame:
    """Zonal loss of one part's sites, licences and tenure parcels (with their ``split_row``)."""
    from asmgeo.split import SPLIT_ROW
    from asmgeo.steps.split_jobs import part_file

    if not lossyear:
        return pd.DataFrame(columns=ZONAL_COLUMNS + [SPLIT_ROW])
    product = _product(lossyear, treecover, base_year, nodata, canopy_threshold_pct, loss_periods)
    layers = [io.read_layer(part_file(split_dir, part), layer=name) for name in ("sites", "concessions", "tenure")]
    return zonal_table(*layers, product, site_buffers_m)


def loss_zonal_part(split_dir: str, part: int | str, lossyear: str | None, treecover: str | None, out_csv: str,
                    base_year: int = 2000, nodata: float | None = None, canopy_threshold_pct: float = 30.0,
                    site_buffers_m: list[float] | None = None, loss_periods: dict | None = None) -> pd.DataFrame:
    """Zonal loss of one part's sites, licences and tenure parcels (rule split)."""
    out = part_zonal(split_dir, part, lossyear, treecover, base_year, nodata, canopy_threshold_pct, site_buffers_m,
                     loss_periods)
    io.write_csv(out, out_csv)
    return out


def loss_zonal(parts: list[str], out_csv: str, site_buffers_m: list[float] | None = None,
               split_dir: str | None = None, lossyear: str | None = None, treecover: str | None = None,
               base_year: int = 2000, nodata: float | None = None, canopy_threshold_pct: float = 30.0,
               loss_periods: dict | None = None) -> pd.DataFrame:
    """Loss per year or period (and base-year forest, year 0) for site buffers, licences and tenure
    parcels: the parts of rule loss_zonal_part in one table, in the order of the layers. Without
    ``parts`` (the split made one part) the one part of ``split_dir`` is worked here."""
    from asmgeo.split import SPLIT_ROW

    if parts:
        tables = [io.read_csv(p, dtype={"layer": str, "polygon_id": str, "loss_from": str, "loss_to": str},
                              float_precision="round_trip") for p in parts]
    else:
        tables = [part_zonal(split_dir, 0, lossyear, treecover, base_year, nodata, canopy_threshold_pct,
                             site_buffers_m, loss_periods)]
    tables = [t for t in tables if len(t)] or tables[:1]
    out = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=ZONAL_COLUMNS + [SPLIT_ROW])
    blocks = [("sites", float(r)) for r in (site_buffers_m or [500, 1000])] + [("concessions", 0.0), ("tenure", 0.0)]
    block = pd.Series(range(len(blocks)), index=pd.MultiIndex.from_tuples(blocks))
    key = block.reindex(pd.MultiIndex.from_arrays([out.layer.astype(str), out.buffer_m.astype(float)])).to_numpy()
    out = out.assign(block_order=key).sort_values(["block_order", SPLIT_ROW], kind="stable")
    out = out[ZONAL_COLUMNS].reset_index(drop=True)
    io.write_csv(out, out_csv)
    return out


def loss_patches(lossyear: str | None, treecover: str | None, crs_path: str, masked_tif: str, out_gpkg: str,
                 base_year: int = 2000, nodata: float | None = None, canopy_threshold_pct: float = 30.0,
                 min_mapping_unit_ha: float = 0.5, loss_periods: dict | None = None) -> gpd.GeoDataFrame:
    """Forest-loss patches per loss year (or period) from the loss-year product."""
    from asmgeo.change import vectorise_patches
    from asmgeo.deforestation import forest_loss_raster, patches_from_lossyear

    crs = _read_crs(crs_path)
    if not lossyear:
        empty = gpd.GeoDataFrame({"patch_id": []}, geometry=[], crs=crs)
        Path(masked_tif).parent.mkdir(parents=True, exist_ok=True)
        Path(masked_tif).write_bytes(b"")
        io.write_gpkg({"patches": empty}, out_gpkg)
        return empty
    product = _product(lossyear, treecover, base_year, nodata, canopy_threshold_pct, loss_periods)
    forest_loss_raster(product, masked_tif)
    patches = patches_from_lossyear(vectorise_patches(masked_tif), base_year, crs, min_mapping_unit_ha, product)
    log.info("loss-year patches >= %g ha: %d", min_mapping_unit_ha, len(patches))
    io.write_gpkg({"patches": patches}, out_gpkg)
    return patches


def _default_tile_px() -> int:
    from asmgeo.config import schema_defaults

    return int(schema_defaults()["forest"]["tile_px"])


def change_tiles(before: str, after: str, out_json: str, tile_px: int | None = None) -> dict:
    """Check the two dates overlap, note any alignment, and list the tiles of the earlier image's grid
    (``tile_px``: the config schema's ``forest.tile_px`` when not given)."""
    import rasterio

    from asmgeo.change import check_overlap, tile_windows

    tile_px = tile_px or _default_tile_px()
    info = check_overlap(before, after)
    with rasterio.open(before) as src:
        tiles = len(tile_windows(src.width, src.height, tile_px))
    if info["aligned"]:
        log.warning("the two dates differ in grid (%s %s vs %s %s): the later is reprojected onto the earlier's grid",
                    info["before_crs"], info["before_res"], info["after_crs"], info["after_res"])
    record = {**info, "tiles": list(range(tiles)), "tile_px": tile_px}
    io.write_json(record, out_json)
    return record


def change_tile(before: str, after: str, tile: int, out_mask: str, out_drop: str, tile_px: int | None = None,
                before_mask: str | None = None, after_mask: str | None = None, red_band: int = 1, nir_band: int = 4,
                forest_ndvi: float = 0.6, cleared_ndvi: float = 0.4,
                min_ndvi_drop: float = 0.2, max_block_mb: float = 256.0, green_band: int | None = None,
                swir_band: int | None = None, water_index_min: float = 0.0, water_mask: str | None = None) -> dict:
    """Clearing mask and NDVI drop for one tile (pixels that became water classed apart when a green
    band or a water-mask raster is given)."""
    from asmgeo.change import ChangeRules, detect_change_tile

    rules = ChangeRules(red_band=red_band, nir_band=nir_band, forest_ndvi=forest_ndvi, cleared_ndvi=cleared_ndvi, min_ndvi_drop=min_ndvi_drop,
                        max_block_mb=max_block_mb, green_band=green_band, swir_band=swir_band,
                        water_index_min=water_index_min, water_mask=water_mask)
    return detect_change_tile(before, after, int(tile), tile_px or _default_tile_px(), out_mask, out_drop, rules,
                              before_mask, after_mask)


def change_merge(mask_tiles: list[str], drop_tiles: list[str], reference: str, out_mask: str, out_drop: str,
                 dates: list[str] | None = None, after: str | None = None, detect: dict | None = None,
                 patches: str | None = None, crs_path: str | None = None, min_mapping_unit_ha: float = 0.5) -> None:
    """Mosaic the tiles into the change mask and NDVI-drop Cloud-Optimised GeoTIFFs, each with a
    STAC Item beside it (the period between the two image dates), then (``patches``) vectorise the
    clearing patches from them (:func:`change_patches`). Without tiles (the pair is one tile),
    tile 0 is detected here first, from ``reference`` (before) and ``after`` with the settings
    ``detect`` of :func:`change_tile`."""
    import tempfile

    from asmgeo.change import CHANGE_BAND, DROP_BAND, NODATA, merge_tiles
    from asmgeo.ndvi_kernel import DROP_NODATA

    with tempfile.TemporaryDirectory(prefix="asmgeo-change-") as work:
        if not mask_tiles:
            mask_tiles, drop_tiles = [str(Path(work) / "mask_0.tif")], [str(Path(work) / "drop_0.tif")]
            change_tile(reference, after, 0, mask_tiles[0], drop_tiles[0], **(detect or {}))
        merge_tiles(mask_tiles, reference, out_mask, "uint8", NODATA, info=CHANGE_BAND)
        merge_tiles(drop_tiles, reference, out_drop, "int16", DROP_NODATA, overview_resampling="average",
                    info=DROP_BAND)
    if dates:
        from asmgeo.stac import write_raster_item

        period = f"between the images of {dates[0]} and {dates[-1]}"
        write_raster_item(out_mask, dates[0], dates[-1], "forest clearing", f"Clearing (forest to bare) {period}; "
                          "categories in the band's code_<k> tags")
        write_raster_item(out_drop, dates[0], dates[-1], "NDVI drop", f"Drop of NDVI where cleared {period}")
    if patches:
        change_patches(out_mask, out_drop, crs_path, patches, dates[0], dates[-1], min_mapping_unit_ha)


def change_patches(change_tif: str, drop_tif: str, crs_path: str, out_gpkg: str, date_before: str, date_after: str,
                   min_mapping_unit_ha: float = 0.5) -> gpd.GeoDataFrame:
    """Clearing patches from the change mask, at least the minimum mapping unit, with mean NDVI drop."""
    from asmgeo.change import vectorise_patches
    from asmgeo.deforestation import patches_from_change

    from asmgeo.change import BECAME_WATER

    patches = patches_from_change(vectorise_patches(change_tif, values=(1,)), drop_tif, _read_crs(crs_path),
                                  min_mapping_unit_ha, date_before, date_after)
    # pixels that became water (a river that moved, a flooded pit): reported apart, never as clearing
    water = patches_from_change(vectorise_patches(change_tif, values=(BECAME_WATER,)), None, _read_crs(crs_path),
                                min_mapping_unit_ha, date_before, date_after)
    water = water.assign(source="became_water", patch_id=water.patch_id.str.replace("NDVI-", "WATER-", n=1))
    log.info("NDVI clearing patches >= %g ha: %d; became water: %d patches, %.2f ha", min_mapping_unit_ha, len(patches),
             len(water), float(water.area_ha.sum()) if len(water) else 0.0)
    io.write_gpkg({"patches": patches, "became_water": water}, out_gpkg)
    return patches


def forest_flags(patch_files: list[str], loss_csv: str, sites: str, concessions: str, tenure: str, rivers: str,
                 out_patches: str, out_flags: str, as_of: str = "2025-06-30", cutoff_date: str = "2020-12-31",
                 min_mapping_unit_ha: float = 0.5, site_radius_m: float = 1000.0, near_site_loss_ha: float = 1.0,
                 concession_loss_ha: float = 5.0, protected_loss_ha: float = 0.5, note: str | None = None,
                 out_activity: str | None = None, footprint_sites: str | None = None) -> gpd.GeoDataFrame:
    """Attribute every patch and raise the deforestation flags (``note``: what could not run, logged;
    ``footprint_sites``: footprints/sites.csv, sites a detected footprint shows active)."""
    from asmgeo.deforestation import ForestRules, attribute_patches, deforestation_flags, water_from_rivers

    rules = ForestRules(cutoff_date=cutoff_date, min_mapping_unit_ha=min_mapping_unit_ha, site_radius_m=site_radius_m,
                        near_site_loss_ha=near_site_loss_ha, concession_loss_ha=concession_loss_ha,
                        protected_loss_ha=protected_loss_ha, as_of=dt.date.fromisoformat(as_of))
    if note:
        log.warning("%s", note)
    site_layer, conc, ten, riv = (io.read_layer(p) for p in (sites, concessions, tenure, rivers))
    frames = [io.read_layer(p, "patches") for p in patch_files]
    water = [io.read_layer(p, "became_water") for p in patch_files
             if "became_water" in [name for name, _ in io.data_layers(p)]]
    frames = [f for f in frames if len(f)]
    patches = (gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
               if frames else gpd.GeoDataFrame({"patch_id": [], "source": [], "year": [], "loss_from": [], "loss_to": [],
                                                 "area_ha": [], "ndvi_drop": []}, geometry=[], crs=site_layer.crs))
    # water mapped as polygons in the rivers layer: an NDVI clearing mostly inside it became water
    patches, moved = water_from_rivers(patches, riv)
    if len(moved):
        log.info("%d NDVI patches (%.2f ha) lie mostly in the rivers layer's water polygons: became water, not clearing",
                 len(moved), float(moved.area_ha.sum()))
        water.append(moved)
    attributed = attribute_patches(patches, conc, site_layer, ten, riv, rules)
    loss = io.read_csv(loss_csv, dtype={"polygon_id": str})
    radius_loss = loss[(loss.layer == "sites") & (loss.buffer_m == site_radius_m)]
    seen = None  # no footprints given: says nothing about activity either way
    if footprint_sites:
        by_footprint = io.read_csv(footprint_sites, dtype={"site_id": str}, keep_default_na=False)
        if (by_footprint.footprint_activity != "undetermined").any():
            seen = set(by_footprint.site_id[by_footprint.footprint_activity == "footprint_seen"])
    flags = deforestation_flags(
        attributed,
        radius_loss.rename(columns={"polygon_id": "site_id"}),
        loss[loss.layer == "concessions"].rename(columns={"polygon_id": "licence_id"}),
        loss[loss.layer == "tenure"].rename(columns={"polygon_id": "tenure_id"}),
        site_layer, conc, ten, rules, footprint_seen=seen)
    layers = {"patches": attributed}
    if water:
        layers["became_water"] = gpd.GeoDataFrame(pd.concat(water, ignore_index=True), geometry="geometry", crs=water[0].crs)
    io.write_gpkg(layers, out_patches)
    from asmgeo.flags import write_flags

    write_flags(flags, out_flags)
    if out_activity:
        from asmgeo.deforestation import site_activity

        activity = site_activity(site_layer, radius_loss.rename(columns={"polygon_id": "site_id"}), attributed,
                                 site_radius_m, footprint_seen=seen)
        if not len(activity):
            activity = activity.assign(lon=pd.Series(dtype="float64"), lat=pd.Series(dtype="float64"))
        elif "lon" not in activity.columns:
            where = io.lonlat_table(site_layer[["site_id", "geometry"]]).drop_duplicates("site_id")
            activity = activity.merge(where.astype({"site_id": str}), on="site_id", how="left")
        io.write_csv(activity, out_activity)
        counts = activity.activity.value_counts()
        log.info("site activity within %g m: %s", site_radius_m, ", ".join(f"{k} {v}" for k, v in counts.items()) or "no sites")
        if counts.get("undetermined", 0):
            log.warning("%d sites have no (or partial) loss-year data within %g m: their activity is undetermined, "
                        "not absent (forest/site_activity.csv)", counts["undetermined"], site_radius_m)
    log.info("patches: %d (%d unexplained after the cutoff); flags: %d", len(attributed),
             int(attributed.unexplained.sum()) if len(attributed) else 0, len(flags))
    return flags

