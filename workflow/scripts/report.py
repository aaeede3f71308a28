from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.report import write_report

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i = snakemake.input
write_report(i.manifest, i.qa_summary, i.flags, i.site_status, i.overlaps, i.patches, i.candidates, i.maps,
             snakemake.output[0], snakemake.params.title, warnings=i.warnings, crs=i.crs,
             sensitivity=i.sensitivity, changes=i.changes, changes_summary=i.changes_summary,
             territories=i.territories)
