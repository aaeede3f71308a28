# Detected mining footprints: on which tenure, which registered sites they confirm, leads, growth between vintages.


rule footprints:
    input:
        detections=run_path("clean", "detections.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        site_status=run_path("site_status.gpkg"),
    output:
        gpkg=run_path("footprints.gpkg"),
        territories=run_path("footprints", "by_territory.csv"),
        growth=run_path("footprints", "growth.csv"),
        sites=run_path("footprints", "sites.csv"),
        flags=run_path("flags", "footprints.gpkg"),
    log:
        log_path("footprints"),
    benchmark:
        bench_path("footprints")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 20),
        runtime=runtime_min(10, 0.5),
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        rules=dict(config["footprints"], outside_share_pct=config["licensing"]["detection_outside_share_pct"]),
    script:
        "../scripts/footprints.py"
