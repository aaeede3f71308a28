"""End to end: a run never reports success over stale or misplaced results, and identical runs
write identical bytes."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import snakemake

pytestmark = pytest.mark.workflow


def own_inputs(workdir: Path, name: str) -> dict:
    """A config of the demo's vector layers copied to data/raw/<name>/ (no rasters), so that a test
    may edit or delete them."""
    folder = workdir / "data" / "raw" / name
    folder.mkdir(parents=True, exist_ok=True)
    demo = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    layers = {}
    for layer, sources in demo["layers"].items():
        layers[layer] = []
        for source in sources or []:
            copy = folder / Path(source["path"]).name
            shutil.copy(workdir / source["path"], copy)
            layers[layer].append({**source, "path": str(copy.relative_to(workdir))})
    return {"run_name": name, "title": f"run {name}", "as_of": demo["as_of"], "date_order": "dmy", "layers": layers,
            "ingest": demo["ingest"]}


def write_config(workdir: Path, config: dict, name: str | None = None) -> str:
    path = workdir / "config" / f"{name or config['run_name']}-test.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return str(path.relative_to(workdir))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_manifest_and_report_always_describe_this_runs_inputs(workdir):
    config = own_inputs(workdir, "edited")
    snakemake(workdir, "--configfile", write_config(workdir, config))
    out = workdir / "data" / "processed" / "edited"
    licences = workdir / config["layers"]["concessions"][0]["path"]
    before = sha256(licences)
    licences.write_text(licences.read_text(encoding="utf-8").replace("DEMO Kivu Gold SARL", "DEMO Kivu Gold SA", 1), encoding="utf-8")
    after = sha256(licences)
    assert after != before
    snakemake(workdir, "--configfile", write_config(workdir, config))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    recorded = {Path(i["path"]).name: i["sha256"] for i in manifest["inputs"]}
    assert recorded[licences.name] == after
    report = (out / "report.html").read_text(encoding="utf-8")
    assert after in report and before not in report


def test_a_misspelt_or_deleted_input_stops_the_run_before_any_job(workdir):
    config = own_inputs(workdir, "stale")
    snakemake(workdir, "--configfile", write_config(workdir, config))
    good = config["layers"]["tenure"][0]["path"]
    config["layers"]["tenure"][0]["path"] = good.replace("tenure", "tenurX")
    result = snakemake(workdir, "--configfile", write_config(workdir, config), check=False)
    text = result.stdout + result.stderr
    assert result.returncode != 0 and "Nothing to be done" not in text
    assert f"config key layers.tenure[0].path: {config['layers']['tenure'][0]['path']} does not exist" in text
    assert "Traceback" not in text
    config["layers"]["tenure"][0]["path"] = good
    (workdir / good).unlink()
    result = snakemake(workdir, "--configfile", write_config(workdir, config), check=False)
    assert result.returncode != 0 and f"config key layers.tenure[0].path: {good} does not exist" in result.stderr


@pytest.mark.parametrize("key, value", [("run_name", ".."), ("run_name", "../escaped"), ("output_dir", "/"),
                                        ("output_dir", "../outside")])
def test_outputs_and_logs_never_leave_the_output_folder(workdir, key, value):
    config = {**own_inputs(workdir, "contained"), key: value}
    before = sorted(p.name for p in workdir.iterdir())
    parent = sorted(p.name for p in workdir.parent.iterdir())
    result = snakemake(workdir, "--configfile", write_config(workdir, config, "contained"), check=False)
    assert result.returncode != 0 and f"config key {key}: {value!r}" in result.stderr
    assert sorted(p.name for p in workdir.iterdir()) == before
    assert sorted(p.name for p in workdir.parent.iterdir()) == parent


def test_identical_runs_write_identical_bytes(workdir, demo_run):
    """The whole output folder, twice from nothing: every file the same bytes, except the
    wall-clock build time, which only manifest.json records (SOURCE_DATE_EPOCH fixes even that)."""
    demo = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    config = write_config(workdir, {**demo, "run_name": "twice"})
    out = workdir / "data" / "processed" / "twice"
    first = workdir.parent / "twice-first"
    snakemake(workdir, "--configfile", config)
    shutil.move(out, first)
    shutil.rmtree(workdir / "logs" / "twice", ignore_errors=True)
    snakemake(workdir, "--configfile", config)
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    differ = [n for n in names if not filecmp.cmp(first / n, out / n, shallow=False)]
    # the run's own manifest and its copy in the history snapshot the next run is compared with
    assert differ == ["history/0001/manifest.json", "manifest.json"]
    one, two = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (first, out))
    assert {k: v for k, v in one.items() if k != "created"} == {k: v for k, v in two.items() if k != "created"}
    # with SOURCE_DATE_EPOCH the manifest is the same bytes too
    env_runs = []
    for _ in range(2):
        (out / "manifest.json").unlink()
        run_with_env(workdir, {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}, "--configfile", config)
        env_runs.append((out / "manifest.json").read_bytes())
    assert env_runs[0] == env_runs[1] and b"2023-11-14T22:13:20" in env_runs[0]
    assert "built 2023-11-14T22:13:20" in (out / "report.html").read_text(encoding="utf-8")


def run_with_env(cwd: Path, env: dict, *args: str) -> None:
    import subprocess

    from tests.conftest import SNAKEMAKE

    result = subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
