# Interactive maps (one per audience) and the summary report.


rule map_reference:
    input:
        [run_path("clean", f"{layer}.gpkg") for layer in LAYERS],
    output:
        run_path("maps", "reference.gpkg"),
    log:
        log_path("map_reference"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
    script:
        "../scripts/map_reference.py"


rule map_overview:
    input:
        site_status=run_path("site_status.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        overlaps=run_path("overlaps.gpkg"),
        patches=run_path("forest", "change_patches.gpkg"),
        zones=run_path("candidates.gpkg"),
        flags=run_path("flags.gpkg"),
        changes=run_path("changes.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
    output:
        report(run_path("maps", "overview.html"), caption="../report/map_overview.rst", category="Maps"),
    log:
        log_path("map_overview"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        run=map_run_settings(),
    script:
        "../scripts/map_overview.py"


rule map_overlaps:
    input:
        overlaps=run_path("overlaps.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        flags=run_path("flags.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
    output:
        report(run_path("maps", "overlaps.html"), caption="../report/map_overlaps.rst", category="Maps"),
    log:
        log_path("map_overlaps"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        run=map_run_settings(),
    script:
        "../scripts/map_overlaps.py"


rule map_sites:
    input:
        site_status=run_path("site_status.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        flags=run_path("flags.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
    output:
        report(run_path("maps", "sites.html"), caption="../report/map_sites.rst", category="Maps"),
    log:
        log_path("map_sites"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        run=map_run_settings(),
    script:
        "../scripts/map_sites.py"


rule map_deforestation:
    input:
        patches=run_path("forest", "change_patches.gpkg"),
        footprints=run_path("footprints.gpkg"),
        change=[run_path("forest", "change.tif")] if has_image_pair() else [],
        lossyear=[config["rasters"]["lossyear"]] if config["rasters"].get("lossyear") else [],
        sites=run_path("clean", "sites.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        flags=run_path("flags.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
    output:
        report(run_path("maps", "deforestation.html"), caption="../report/map_deforestation.rst", category="Maps"),
    log:
        log_path("map_deforestation"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        run=map_run_settings(),
        site_radius_m=config["forest"]["site_radius_m"],
        loss_base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        loss_nodata=config["rasters"]["loss_nodata"],
    script:
        "../scripts/map_deforestation.py"


rule map_candidates:
    input:
        candidates=run_path("candidates.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        site_status=run_path("site_status.gpkg"),
        flags=run_path("flags.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        roads=run_path("clean", "roads.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
    output:
        report(run_path("maps", "candidates.html"), caption="../report/map_candidates.rst", category="Maps"),
    log:
        log_path("map_candidates"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        run=map_run_settings(),
        planner={k: config["candidates"][k] for k in ("weights", "score_threshold")},
    script:
        "../scripts/map_candidates.py"
