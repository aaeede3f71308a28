# Candidate zones for formalised artisanal mining.


rule candidates:
    input:
        unpack(loss_inputs),
        sites=run_path("clean", "sites.gpkg"),
        site_status=run_path("site_status.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        crs=run_path("analysis_crs.json"),
        raster_qa=run_path("qa", "rasters.csv"),  # no raster is read before every one is checked
        area=lambda w: [config["candidates"]["area"]] if config["candidates"].get("area") else [],
        parts=lambda w: candidate_part_files(),
    output:
        gpkg=run_path("candidates.gpkg"),
        csv=run_path("candidates.csv"),
        sensitivity=run_path("candidates", "sensitivity.csv"),
        method=run_path("candidates", "method.json"),
        cells=run_path("candidates", "cells.tif"),
        excluded=run_path("candidates", "excluded_by.tif"),
        warnings=run_path("candidates", "warnings.txt"),
    log:
        log_path("candidates"),
    benchmark:
        bench_path("candidates")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(500 + config["candidates"]["max_memory_mb"], 0, ["crs"]),
        runtime=runtime_min(30),
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        cutoff_date=config["forest"]["cutoff_date"],
        base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        nodata=config["rasters"]["loss_nodata"],
        canopy_threshold_pct=config["forest"]["canopy_threshold_pct"],
        rules=config["candidates"],
    script:
        "../scripts/candidates.py"


rule candidates_part:
    input:
        unpack(loss_inputs),
        sites=run_path("clean", "sites.gpkg"),
        site_status=run_path("site_status.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        crs=run_path("analysis_crs.json"),
        raster_qa=run_path("qa", "rasters.csv"),
        split=run_path("split"),
        area=lambda w: [config["candidates"]["area"]] if config["candidates"].get("area") else [],
    output:
        temp(run_path("parts", "candidates_{cpart}.tif")),
    log:
        log_path("candidates_part_{cpart}"),
    benchmark:
        bench_path("candidates_part_{cpart}")
    wildcard_constraints:
        cpart=r"\d+",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(500 + config["candidates"]["max_memory_mb"], 0, ["crs"]),
        runtime=runtime_min(30),
    params:
        language=LANGUAGE,
        parts=lambda w: len(candidate_part_files()),
        as_of=config["as_of"],
        cutoff_date=config["forest"]["cutoff_date"],
        base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        nodata=config["rasters"]["loss_nodata"],
        canopy_threshold_pct=config["forest"]["canopy_threshold_pct"],
        rules=config["candidates"],
    script:
        "../scripts/candidates_part.py"
