"""The demo, and the split benchmark's generated country, split into 4 spatial parts, through a
real single-node SLURM (Debian's packages): every rule a SLURM job, the outputs byte-identical to
the local, unsplit run.

The cluster is started here and stopped at the end (tests/slurm_cluster.py); .ci/run installs
slurmctld, slurmd, slurm-client and munge. Outside CI the test skips where the cluster cannot be
started (not root, packages absent, a foreign /etc/slurm/slurm.conf); under CI=true it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import slurm_cluster
from tests.conftest import copy_repo

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
COMPARED = ["flags.csv", "site_status.gpkg", "overlaps.gpkg", "overlaps/summary.csv", "candidates.csv",
            "candidates/cells.tif",
            "forest/loss_by_polygon.csv", "forest/change.tif", "licensing/cooperatives.csv",
            "maps/sites.html"]
CONFIG_BLOCK = re.compile(rb"<details><summary>Configuration</summary><pre>.*?</pre>", re.S)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    why = slurm_cluster.available()
    if not why:
        try:
            import snakemake_executor_plugin_slurm  # noqa: F401
        except ImportError:
            why = "snakemake-executor-plugin-slurm is not installed (pip install -e '.[test]')"
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"a SLURM cluster cannot be started under CI: {why}")
        pytest.skip(f"no SLURM cluster here: {why}")
    folder = tmp_path_factory.mktemp("slurm")
    try:
        info = slurm_cluster.start(folder)
    except slurm_cluster.ClusterUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield info
    finally:
        slurm_cluster.stop(folder)
    assert not Path(slurm_cluster.CONF).exists(), "the test left its slurm.conf behind"


def test_the_demo_runs_as_slurm_jobs_and_gives_the_local_outputs(cluster, demo_run, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    # the generated demo rasters are inputs: the same files as the local run's
    for tif in (demo_run.parents[1] / "raw" / "demo").glob("*.tif"):
        shutil.copy2(tif, repo / "data" / "raw" / "demo" / tif.name)
    # split into 4 spatial parts: overlaps, site status and zonal loss run as 4 SLURM jobs each, and
    # the merged outputs still equal the local, unsplit run's
    (repo / "split4.yaml").write_text("split:\n  parts: 4\n")
    # the status comes from squeue: without slurmdbd, sacct would answer every query with an error
    run = subprocess.run(
        ["timeout", "-k", "30", "1500", SNAKEMAKE, "--workflow-profile", "profiles/slurm", "--jobs", "4",
         "--configfile", "config/config.yaml", "split4.yaml",
         "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "7",
         "--seconds-between-status-checks", "1", "--slurm-keep-successful-logs",
         "--default-resources", f"slurm_partition={cluster['partition']}", "mem_mb=1000", "runtime=30"],
        cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    log = run.stdout + run.stderr
    submitted = re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log)
    rules = re.findall(r"^(?:rule|checkpoint) (\w+):", log, flags=re.M)
    local = re.findall(r"^localrule (\w+):", log, flags=re.M)
    assert rules and len(submitted) == len(rules), (len(submitted), rules)
    assert set(local) <= {"all"}, local  # every rule but the target ran on the cluster
    for part_rule in ("overlaps_part", "site_status_part", "loss_zonal_part", "candidates_part"):
        assert rules.count(part_rule) == 4, (part_rule, rules)
    # SLURM itself knows each job as completed, and each left its log under its SLURM job id
    logs = {p.stem for p in (repo / ".snakemake" / "slurm_logs").rglob("*.log")}
    for _, jobid in submitted:
        shown = subprocess.run(["scontrol", "-o", "show", "job", jobid], capture_output=True, text=True).stdout
        assert "JobState=COMPLETED" in shown, shown
        assert jobid in logs
    out = repo / "data" / "processed" / "demo"
    for name in COMPARED:
        assert (out / name).read_bytes() == (demo_run / name).read_bytes(), f"{name} differs from the local run"
    # the report embeds the run's configuration (here split.parts: 4); everything else is the same
    report, local_report = ((folder / "report.html").read_bytes() for folder in (out, demo_run))
    assert b"&quot;parts&quot;: 4" in report
    assert CONFIG_BLOCK.sub(b"", report) == CONFIG_BLOCK.sub(b"", local_report)


def test_a_generated_country_in_parts_runs_as_slurm_jobs_and_gives_the_unsplit_outputs(cluster, tmp_path):
    """The split benchmark's workflow on a small generated country (1,000 licences, 5,000 sites,
    10 parcels, a 30 m loss-year raster): unsplit on this machine, then split into 4 parts through
    SLURM; overlaps, site status, zonal loss and the candidate grid give the same bytes."""
    repo = copy_repo(tmp_path / "repo")
    sys.path.insert(0, str(repo / "benchmarks"))
    try:
        import bench_split
    finally:
        sys.path.remove(str(repo / "benchmarks"))
    country = tmp_path / "country"
    bench_split.generate(0.005, country)
    out = tmp_path / "out"
    local = bench_split.config(country, out, "unsplit", 1, 100_000)
    split = bench_split.config(country, out, "split", 4, 100_000)
    targets = bench_split.TARGETS

    def run(cfg, *extra):
        # the targets first: --configfile takes every word after it
        return subprocess.run(["timeout", "-k", "30", "1500", SNAKEMAKE, *[str(out / cfg.stem / t) for t in targets],
                               *extra, "--configfile", str(cfg)], cwd=repo, capture_output=True, text=True)

    done = run(local, "--cores", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    done = run(split, "--workflow-profile", "profiles/slurm", "--jobs", "4", "--slurm-status-command", "squeue",
               "--slurm-init-seconds-before-status-checks", "7", "--seconds-between-status-checks", "1",
               "--default-resources", f"slurm_partition={cluster['partition']}", "mem_mb=1000", "runtime=30")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    log = done.stdout + done.stderr
    submitted = re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log)
    rules = re.findall(r"^(?:rule|checkpoint) (\w+):", log, flags=re.M)
    assert rules and len(submitted) == len(rules), (len(submitted), rules)
    for part_rule in ("overlaps_part", "site_status_part", "loss_zonal_part", "candidates_part"):
        assert rules.count(part_rule) == 4, (part_rule, rules)
    for _, jobid in submitted:
        shown = subprocess.run(["scontrol", "-o", "show", "job", jobid], capture_output=True, text=True).stdout
        assert "JobState=COMPLETED" in shown, shown
    for name in bench_split.COMPARED:
        assert (out / "split" / name).read_bytes() == (out / "unsplit" / name).read_bytes(), f"{name} differs"
