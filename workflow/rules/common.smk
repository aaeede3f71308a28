# Config validation, path helpers and input functions: the only .smk file with `def`.
from pathlib import Path

from snakemake.utils import validate

from asmgeo.io import file_on_disk


validate(config, "../schemas/config.schema.yaml")

RUN_DIR = Path(config["output_dir"]) / config["run_name"]
LOG_DIR = Path("logs") / config["run_name"]
BENCH_DIR = Path("benchmarks") / "runs" / config["run_name"]
LAYERS = ["sites", "concessions", "tenure", "rivers", "detections"]


def run_path(*parts):
    """A path inside this run's output folder."""
    return str(RUN_DIR.joinpath(*parts))


def log_path(name):
    return str(LOG_DIR / f"{name}.log")


def bench_path(name):
    return str(BENCH_DIR / f"{name}.tsv")


def layer_files(layer):
    return [file_on_disk(s["path"]) for s in config["layers"].get(layer, [])]


def all_input_files():
    return sorted({f for layer in LAYERS for f in layer_files(layer)})


def all_outputs():
    return [
        run_path("qa_issues.csv"),
        run_path("qa_summary.csv"),
        run_path("manifest.json"),
    ]
