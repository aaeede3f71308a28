# The shared flag table: every stage's flags in one GeoPackage and one CSV.


rule flags:
    input:
        stages=flag_stage_files(),
        crs=run_path("analysis_crs.json"),
        verifications=verification_files(),
    output:
        gpkg=run_path("flags.gpkg"),
        csv=run_path("flags.csv"),
    log:
        log_path("flags"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
    script:
        "../scripts/flags.py"
