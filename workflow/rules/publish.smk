# Public copies of the maps, report and CSVs (config publish.enabled): positions coarsened, sensitive
# sites withheld, named persons dropped, non-redistributable data drawn but not exported.


rule publish:
    input:
        site_status=run_path("site_status.gpkg"),
        sites=run_path("clean", "sites.gpkg"),
        concessions=run_path("clean", "concessions.gpkg"),
        tenure=run_path("clean", "tenure.gpkg"),
        rivers=run_path("clean", "rivers.gpkg"),
        flags=run_path("flags.gpkg"),
        overlaps=run_path("overlaps.gpkg"),
        candidates=run_path("candidates.gpkg"),
        patches=run_path("forest", "change_patches.gpkg"),
        manifest=run_path("manifest.json"),
        reference=run_path("maps", "reference.gpkg"),
        qa_summary=run_path("qa_summary.csv"),
        warnings=[run_path("qa", "warnings.txt"), run_path("candidates", "warnings.txt")],
        sensitivity=run_path("candidates", "sensitivity.csv"),
        crs=run_path("analysis_crs.json"),
    output:
        public_files(),
    log:
        log_path("publish"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        settings=config["publish"],
        forbidden=not_redistributable(),
        run=map_run_settings(),
        planner={k: config["candidates"][k] for k in ("weights", "score_threshold")},
        site_radius_m=config["forest"]["site_radius_m"],
        title=config["title"],
    script:
        "../scripts/publish.py"
