"""End to end: a run killed with SIGKILL at random points, ten times, continues with the plain
command (no `snakemake --unlock`), leaves no half-written file, and ends with the same bytes as a
run that was never interrupted."""

from __future__ import annotations

import filecmp
import os
import random
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from tests.conftest import SNAKEMAKE
from tests.workflow.test_run_safety_workflow import run_with_env, write_config

pytestmark = pytest.mark.workflow


def test_a_run_killed_ten_times_continues_with_the_plain_command(workdir, demo_run):
    demo = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    config = write_config(workdir, {**demo, "run_name": "killed"})
    out = workdir / "data" / "processed" / "killed"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    rng = random.Random(20261202)
    started = time.monotonic()
    for _ in range(10):
        job = subprocess.Popen([SNAKEMAKE, "--cores", "2", "--configfile", config], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, 8.0))
        try:
            os.killpg(job.pid, signal.SIGKILL)  # the whole run: Snakemake and the job it is running
        except ProcessLookupError:
            pass  # it had finished
        job.wait()
    assert time.monotonic() - started < 150
    # the plain command, as a user types it after a crash
    result = subprocess.run([SNAKEMAKE, "--cores", "2", "--configfile", config], cwd=workdir, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--unlock" not in result.stdout + result.stderr
    assert not list((workdir / ".snakemake" / "locks").glob("*.lock"))
    left = [p for p in out.rglob("*") if (p.name.startswith(".") and p.name != ".snakemake_timestamp")
            or p.name.endswith(("-journal", ".partial"))]
    assert left == []
    # the same bytes as a run that was never stopped
    recovered = workdir.parent / "killed-recovered"
    shutil.move(out, recovered)
    run_with_env(workdir, env, "--configfile", config)
    names = sorted(str(p.relative_to(recovered)) for p in recovered.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert [n for n in names if not filecmp.cmp(recovered / n, out / n, shallow=False)] == []
