# Site licensing status, site flags, licence renewal, detections, cooperative summaries.


rule licensing:
    input:
        parts=lambda w: split_outputs("site_status_{part}.gpkg"),
        sites=run_path("clean", "sites.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        detections=run_path("clean", "detections.gpkg"),
    output:
        site_status=run_path("site_status.gpkg"),
        cooperatives=run_path("licensing", "cooperatives.csv"),
        licences=run_path("licensing", "licences.csv"),
        detections=run_path("licensing", "detections.gpkg"),
        flags=run_path("flags", "licensing.gpkg"),
    log:
        log_path("licensing"),
    benchmark:
        bench_path("licensing")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 20),
        runtime=runtime_min(10, 0.5),
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        rules=config["licensing"],
    script:
        "../scripts/licensing.py"
