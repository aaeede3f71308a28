# Work split by data: sites, licences and tenure parcels partitioned into spatial parts; overlaps,
# site status and zonal loss run one job per part (rules *_part), their stage's rule merges.


checkpoint split:
    input:
        sites=run_path("clean", "sites.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
    output:
        directory(run_path("split")),
    log:
        log_path("split"),
    benchmark:
        bench_path("split")
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(500, 10),
        runtime=runtime_min(5, 0.1),
    params:
        features_per_job=config["split"]["features_per_job"],
        parts=config["split"]["parts"],
    script:
        "../scripts/split.py"


rule overlaps_part:
    input:
        split=run_path("split"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
    output:
        pairs=temp(run_path("parts", "overlaps_{part}.gpkg")),
        qa=temp(run_path("parts", "overlaps_issues_{part}.csv")),
    log:
        log_path("overlaps_part_{part}"),
    benchmark:
        bench_path("overlaps_part_{part}")
    wildcard_constraints:
        part=r"\d+",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 30, ["concessions", "tenure"]),
        runtime=runtime_min(10, 0.5, ["concessions", "tenure"]),
    params:
        language=LANGUAGE,
        as_of=config["as_of"],
        rules=config["overlaps"],
    script:
        "../scripts/overlaps_part.py"


rule site_status_part:
    input:
        split=run_path("split"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
    output:
        temp(run_path("parts", "site_status_{part}.gpkg")),
    log:
        log_path("site_status_part_{part}"),
    benchmark:
        bench_path("site_status_part_{part}")
    wildcard_constraints:
        part=r"\d+",
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
        "../scripts/site_status_part.py"


rule loss_zonal_part:
    input:
        unpack(loss_inputs),
        checked=run_path("qa", "rasters.csv"),
        split=run_path("split"),
    output:
        temp(run_path("parts", "loss_{part}.csv")),
    log:
        log_path("loss_zonal_part_{part}"),
    benchmark:
        bench_path("loss_zonal_part_{part}")
    wildcard_constraints:
        part=r"\d+",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=memory_mb(1000, 20, ["split"]),
        runtime=runtime_min(15, 0.5, ["split"]),
    params:
        base_year=config["rasters"]["loss_base_year"],
        loss_periods=config["rasters"]["loss_periods"],
        nodata=config["rasters"]["loss_nodata"],
        canopy_threshold_pct=config["forest"]["canopy_threshold_pct"],
        site_buffers_m=site_buffers(),
    script:
        "../scripts/loss_zonal_part.py"
