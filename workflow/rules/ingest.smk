# Ingest: choose the analysis CRS, clean each layer, gather the QA report, record the run.


rule choose_crs:
    input:
        all_input_files(),
    output:
        run_path("analysis_crs.json"),
    log:
        log_path("choose_crs"),
    benchmark:
        bench_path("choose_crs")
    conda:
        "../../environment.yml"
    params:
        layers=config["layers"],
        analysis_crs=config["analysis_crs"],
    script:
        "../scripts/choose_crs.py"


rule ingest:
    input:
        files=lambda w: layer_files(w.layer),
        crs=run_path("analysis_crs.json"),
    output:
        clean=run_path("clean", "{layer}.gpkg"),
        issues=run_path("qa", "{layer}_issues.csv"),
        counts=run_path("qa", "{layer}_counts.csv"),
    log:
        log_path("ingest_{layer}"),
    benchmark:
        bench_path("ingest_{layer}")
    wildcard_constraints:
        layer="|".join(LAYERS),
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 20, ["files"]),
        runtime=runtime_min(10, 0.2, ["files"]),
    params:
        sources=lambda w: config["layers"].get(w.layer, []),
        duplicate_ids=config["ingest"]["duplicate_ids"],
        missing_ids=config["ingest"]["missing_ids"],
        value_maps=config["ingest"]["value_maps"],
        date_order=config["date_order"],
        as_of=config["as_of"],
    script:
        "../scripts/ingest.py"


rule raster_qa:
    input:
        rasters=raster_files(),
        crs=run_path("analysis_crs.json"),
        clean=expand(run_path("clean", "{layer}.gpkg"), layer=["sites", "concessions", "tenure"]),
    output:
        table=run_path("qa", "rasters.csv"),
        issues=run_path("qa", "rasters_issues.csv"),
    log:
        log_path("raster_qa"),
    conda:
        "../../environment.yml"
    params:
        rasters=config["rasters"],
    script:
        "../scripts/raster_qa.py"


rule qa_report:
    input:
        issues=expand(run_path("qa", "{layer}_issues.csv"), layer=LAYERS)
        + [run_path("qa", "rasters_issues.csv"), run_path("qa", "overlaps_issues.csv")],
        counts=expand(run_path("qa", "{layer}_counts.csv"), layer=LAYERS),
        crs=run_path("analysis_crs.json"),
    output:
        issues=run_path("qa_issues.csv"),
        summary=run_path("qa_summary.csv"),
        warnings=run_path("qa", "warnings.txt"),
    log:
        log_path("qa_report"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        rasters=config["rasters"],
    script:
        "../scripts/qa_report.py"


rule manifest:
    input:
        files=all_input_files(),
        outputs=[run_path("qa_issues.csv"), run_path("qa_summary.csv"), run_path("qa", "rasters.csv")]
        + expand(run_path("clean", "{layer}.gpkg"), layer=LAYERS),
    output:
        run_path("manifest.json"),
    log:
        log_path("manifest"),
    conda:
        "../../environment.yml"
    params:
        config=config,
    script:
        "../scripts/manifest.py"
