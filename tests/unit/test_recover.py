"""Leftovers of a killed run are removed only when no Snakemake runs in the folder."""

from __future__ import annotations

import subprocess
import sys
import time

from asmgeo import recover


def crash_leftovers(tmp_path):
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("x")
    run = tmp_path / "out" / "demo"
    (run / "history" / ".0002.partial").mkdir(parents=True)
    (run / ".publish-abc").mkdir()
    (run / ".flags.k2j3.gpkg").write_text("half")
    (run / "flags.gpkg-journal").write_text("j")
    (run / "flags.gpkg").write_text("whole")
    (run / "forest").mkdir()
    (run / "forest" / "lossyear_forest.tif").write_text("temp")
    # Snakemake's marker in a directory() output (rule split's folder) belongs to the output
    (run / "split").mkdir()
    (run / "split" / ".snakemake_timestamp").write_text("")
    return run


def test_a_stale_lock_and_half_written_files_are_removed_and_said(tmp_path):
    run = crash_leftovers(tmp_path)
    said = recover.recover(tmp_path, [run], [str(run / "forest" / "lossyear_forest.tif")])
    assert said[0].startswith("removed the Snakemake lock left by a run that is no longer running")
    assert len(said) == 1 + 4 + 1
    assert sorted(p.name for p in run.rglob("*")) == [".snakemake_timestamp", "flags.gpkg", "forest", "history", "split"]
    assert not list((tmp_path / ".snakemake" / "locks").iterdir())
    assert recover.recover(tmp_path, [run]) == []  # nothing left to do


def test_nothing_is_touched_while_a_snakemake_runs_here(tmp_path):
    run = crash_leftovers(tmp_path)
    # a process whose command line names snakemake, working in this folder
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "snakemake"], cwd=tmp_path)
    try:
        for _ in range(50):
            if recover.live_snakemake(tmp_path):
                break
            time.sleep(0.05)
        assert recover.live_snakemake(tmp_path) == [live.pid]
        assert recover.recover(tmp_path, [run]) == []
        assert (run / ".flags.k2j3.gpkg").exists() and (tmp_path / ".snakemake" / "locks" / "0.input.lock").exists()
    finally:
        live.kill()
        live.wait()
