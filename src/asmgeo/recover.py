"""A run killed (kill -9, a lost node, Ctrl-C twice) continues with the plain command.

Snakemake leaves its lock in ``.snakemake/locks/`` and refuses to start until ``snakemake
--unlock``; asmgeo's own half-written files (``.<name>.<random>.<ext>`` from atomic writes, GDAL's
``-journal`` files, ``.publish-*`` and ``history/.NNNN.partial`` folders) stay in the output folder.
When no Snakemake process is running in this folder, both are leftovers: :func:`recover` removes
them, saying what it removed. Outputs a killed job left incomplete are rerun by Snakemake itself
(``rerun-incomplete`` in the workflow profile).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _ancestors() -> set[int]:
    """This process and its parents (a Snakemake that parses the Snakefile is one of them)."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def live_snakemake(workdir: str | Path) -> list[int]:
    """Other processes running Snakemake (or a job of it) with ``workdir`` as their working folder."""
    root = Path(workdir).resolve()
    mine = _ancestors()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            if Path(os.readlink(entry / "cwd")).resolve() != root:
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"snakemake" in command:
            found.append(int(entry.name))
    return sorted(found)


def leftovers(run_dirs: list[Path]) -> list[Path]:
    """Half-written files and folders of asmgeo's atomic writes inside the run folders."""
    out = []
    for run in run_dirs:
        if not run.is_dir():
            continue
        for path in run.rglob("*"):
            name = path.name
            partial_folder = path.is_dir() and (name.startswith(".publish-") or name.endswith(".partial"))
            # Snakemake's own marker in a directory() output (rule split's folder) is no debris
            hidden = path.is_file() and name.startswith(".") and name != ".snakemake_timestamp"
            if name.endswith("-journal") or partial_folder or hidden:
                out.append(path)
    # a folder first, then what is not inside it
    kept = []
    for path in sorted(out, key=lambda p: len(p.parts)):
        if not any(parent in kept for parent in path.parents):
            kept.append(path)
    return kept


def recover(workdir: str | Path, run_dirs: list[str | Path], temp_globs: list[str] = ()) -> list[str]:
    """Remove a stale Snakemake lock and the run folders' half-written files when no Snakemake is
    running here, and then also the temporary outputs (``temp_globs``; Snakemake remakes those a
    later job needs); one line per thing removed (empty when there was nothing to do, or a run is live)."""
    import glob

    workdir = Path(workdir)
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    debris = leftovers([Path(p) for p in run_dirs])
    if not (locks or debris) or live_snakemake(workdir):
        return []
    temporary = [Path(p) for pattern in temp_globs for p in sorted(glob.glob(pattern))]
    said = []
    if locks:
        for lock in locks:
            lock.unlink(missing_ok=True)
        said.append(f"removed the Snakemake lock left by a run that is no longer running ({len(locks)} lock file(s) in "
                    ".snakemake/locks); its incomplete outputs are rerun")
    for path in debris:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        said.append(f"removed {path}, left half-written by a run that was stopped")
    for path in temporary:
        path.unlink(missing_ok=True)
        said.append(f"removed the temporary output {path} of a run that was stopped (remade if a job needs it)")
    return said
