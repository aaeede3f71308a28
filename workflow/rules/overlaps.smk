# Overlapping claims: licence x licence and licence x tenure.


rule overlaps:
    input:
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        parts=lambda w: split_outputs("overlaps_{part}.gpkg"),
        parts_qa=lambda w: split_outputs("overlaps_issues_{part}.csv"),
    output:
        overlaps=run_path("overlaps.gpkg"),
        summary=run_path("overlaps", "summary.csv"),
        flags=run_path("flags", "overlaps.gpkg"),
        qa=run_path("qa", "overlaps_issues.csv"),
        area_check=run_path("overlaps", "area_check.csv"),
    log:
        log_path("overlaps"),
    benchmark:
        bench_path("overlaps")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 30, ["concessions", "parts"]),
        runtime=runtime_min(10, 0.1, ["concessions", "parts"]),
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        rules=config["overlaps"],
    script:
        "../scripts/overlaps.py"
