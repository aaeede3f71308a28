# Forest loss: zonal loss from the loss-year product, NDVI change from the image pair (tiled),
# patches, attribution and flags.


rule loss_zonal:
    input:
        unpack(loss_inputs),
        parts=lambda w: split_outputs("loss_{part}.csv"),
        checked=run_path("qa", "rasters.csv"),
        split=run_path("split"),
    output:
        run_path("forest", "loss_by_polygon.csv"),
    log:
        log_path("loss_zonal"),
    benchmark:
        bench_path("loss_zonal")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 20, ["parts"]),
        runtime=runtime_min(15, 0.5, ["parts"]),
    params:
        base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        nodata=config["rasters"]["loss_nodata"],
        canopy_threshold_pct=config["forest"]["canopy_threshold_pct"],
        site_buffers_m=site_buffers(),
    script:
        "../scripts/loss_zonal.py"


rule loss_patches:
    input:
        unpack(loss_inputs),
        checked=run_path("qa", "rasters.csv"),
        crs=run_path("analysis_crs.json"),
    output:
        masked=temp(run_path("forest", "lossyear_forest.tif")),
        patches=run_path("forest", "lossyear_patches.gpkg"),
    log:
        log_path("loss_patches"),
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1500),
        runtime=runtime_min(15, 0.02, ["lossyear"]),
    params:
        language=LANGUAGE,
        base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        nodata=config["rasters"]["loss_nodata"],
        canopy_threshold_pct=config["forest"]["canopy_threshold_pct"],
        min_mapping_unit_ha=config["forest"]["min_mapping_unit_ha"],
    script:
        "../scripts/loss_patches.py"


checkpoint change_tiles:
    input:
        images=image_files(),
        checked=run_path("qa", "rasters.csv"),
    output:
        run_path("forest", "tiles.json"),
    log:
        log_path("change_tiles"),
    conda:
        "../../environment.yml"
    params:
        tile_px=config["forest"]["tile_px"],
    script:
        "../scripts/change_tiles.py"


rule change_tile:
    input:
        images=image_files(),
        masks=cloud_mask_files(),
        water_mask=water_mask_files(),
        tiles=run_path("forest", "tiles.json"),
    output:
        mask=temp(run_path("forest", "tiles", "mask_{tile}.tif")),
        drop=temp(run_path("forest", "tiles", "drop_{tile}.tif")),
    log:
        log_path("change_tile_{tile}"),
    wildcard_constraints:
        tile=r"\d+",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(500 + 3 * config["forest"]["max_block_mb"], 0, ["tiles"]),
        runtime=runtime_min(15),
    params:
        detect=change_tile_params(),
    script:
        "../scripts/change_tile.py"


rule change_merge:
    input:
        masks=lambda w: change_tile_outputs(w, "mask"),
        drops=lambda w: change_tile_outputs(w, "drop"),
        images=image_files(),
        cloud_masks=cloud_mask_files(),
        water_mask=water_mask_files(),
        tiles=run_path("forest", "tiles.json"),
        crs=run_path("analysis_crs.json"),
    output:
        mask=run_path("forest", "change.tif"),
        drop=run_path("forest", "ndvi_drop.tif"),
        patches=run_path("forest", "ndvi_patches.gpkg"),
    log:
        log_path("change_merge"),
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(500 + 3 * config["forest"]["max_block_mb"], 0, ["tiles"]),
        runtime=runtime_min(15),
    params:
        dates=[image["date"] for image in config["rasters"]["images"]],
        detect=change_tile_params(),
        min_mapping_unit_ha=config["forest"]["min_mapping_unit_ha"],
    script:
        "../scripts/change_merge.py"


rule forest_flags:
    input:
        patches=patch_files(),
        loss=run_path("forest", "loss_by_polygon.csv"),
        sites=run_path("clean", "sites.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        footprint_sites=run_path("footprints", "sites.csv"),
    output:
        patches=run_path("forest", "change_patches.gpkg"),
        flags=run_path("flags", "forest.gpkg"),
        activity=run_path("forest", "site_activity.csv"),
    log:
        log_path("forest_flags"),
    benchmark:
        bench_path("forest_flags")
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        note=forest_stage_note(config["rasters"]),
        rules={
            k: config["forest"][k]
            for k in (
                "cutoff_date",
                "min_mapping_unit_ha",
                "site_radius_m",
                "near_site_loss_ha",
                "concession_loss_ha",
                "protected_loss_ha",
            )
        },
    script:
        "../scripts/forest_flags.py"
