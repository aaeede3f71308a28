# What changed since the previous run of the same run_name (or the run folder config `history` names).


rule changes:
    input:
        flags=run_path("flags.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        site_status=run_path("site_status.gpkg"),
        manifest=run_path("manifest.json"),
    output:
        csv=run_path("changes.csv"),
        gpkg=run_path("changes.gpkg"),
        summary=run_path("changes", "summary.json"),
    log:
        log_path("changes"),
    conda:
        "../../environment.yml"
    params:
        previous=config["history"],
        tolerances=config["changes"],
    script:
        "../scripts/changes.py"
