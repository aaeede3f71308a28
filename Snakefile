# asmgeo: the whole workflow. Analysis lives in src/asmgeo; rules live in workflow/rules.
from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/overlaps.smk"
include: "workflow/rules/licensing.smk"
include: "workflow/rules/forest.smk"
include: "workflow/rules/candidates.smk"
include: "workflow/rules/flags.smk"
include: "workflow/rules/maps.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
