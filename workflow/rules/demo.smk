# The bundled demo region. Its vectors are committed (small and byte-deterministic:
# `asmgeo demo` regenerates them, and a test checks they match); its rasters are large,
# so rule demo_rasters generates them on first use.


if config["demo"]["rasters_dir"]:

    rule demo_rasters:
        output:
            demo_raster_files(),
        log:
            log_path("demo_rasters"),
        conda:
            "../../environment.yml"
        params:
            out_dir=lambda w, output: Path(output[0]).parent,
            seed=config["demo"]["seed"],
        script:
            "../scripts/demo_rasters.py"
