# asmgeo: the whole workflow. Analysis lives in src/asmgeo; rules live in workflow/rules.
from snakemake.utils import min_version

min_version("8.20")


# The demo config is the base only when no --configfile is given: a run on your own data never
# inherits the demo's layers or rasters (the workflow profile also sets replace-workflow-config).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/split.smk"
include: "workflow/rules/overlaps.smk"
include: "workflow/rules/licensing.smk"
include: "workflow/rules/footprints.smk"
include: "workflow/rules/forest.smk"
include: "workflow/rules/candidates.smk"
include: "workflow/rules/flags.smk"
include: "workflow/rules/maps.smk"
include: "workflow/rules/history.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/publish.smk"


recover_after_crash()


rule all:
    default_target: True
    input:
        all_outputs(),


onsuccess:
    remove_temp_leftovers()
    print_run_warnings(run_path("qa", "warnings.txt"), run_path("candidates", "warnings.txt"))
