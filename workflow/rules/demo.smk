# The bundled demo region. Its vectors are committed (small and byte-deterministic:
# `asmgeo demo` regenerates them, and a test checks they match); its rasters are large,
# so rule demo_rasters generates them on first use.
