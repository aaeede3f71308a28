# The summary report a person opens first.


rule report:
    input:
        manifest=run_path("manifest.json"),
        qa_summary=run_path("qa_summary.csv"),
        warnings=[run_path("qa", "warnings.txt"), run_path("candidates", "warnings.txt")],
        crs=run_path("analysis_crs.json"),
        sensitivity=run_path("candidates", "sensitivity.csv"),
        flags=run_path("flags.gpkg"),
        site_status=run_path("site_status.gpkg"),
        overlaps=run_path("overlaps.gpkg"),
        patches=run_path("forest", "change_patches.gpkg"),
        candidates=run_path("candidates.gpkg"),
        changes=run_path("changes.csv"),
        territories=run_path("footprints", "by_territory.csv"),
        changes_summary=run_path("changes", "summary.json"),
        maps=map_files(),
    output:
        report(run_path("report.html"), caption="../report/report.rst", category="Summary"),
    log:
        log_path("report"),
    conda:
        "../../environment.yml"
    params:
        language=LANGUAGE,
        title=config["title"],
    script:
        "../scripts/report.py"


rule qgis_project:
    input:
        flags=run_path("flags.gpkg"),
        overlaps=run_path("overlaps.gpkg"),
        site_status=run_path("site_status.gpkg"),
        candidates=run_path("candidates.gpkg"),
        cells=run_path("candidates", "cells.tif"),
        patches=run_path("forest", "change_patches.gpkg"),
        change=[run_path("forest", "change.tif")] if has_image_pair() else [],
        clean=expand(run_path("clean", "{layer}.gpkg"), layer=LAYERS),
    output:
        run_path("asmgeo.qgz"),
    log:
        log_path("qgis_project"),
    conda:
        "../../environment.yml"
    params:
        title=config["title"],
    script:
        "../scripts/qgis_project.py"
