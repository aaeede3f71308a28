"""A single-node SLURM cluster from Debian's packages, started and stopped by a test.

Debian 12's slurmctld, slurmd and munge (installed by .ci/run), run as root with their state,
logs and munge socket in a private folder; job status through ``squeue`` (no slurmdbd). The
config lives at /etc/slurm/slurm.conf, the only place the executor's job steps find it (the
jobstep plugin clears every SLURM_* variable before its inner srun). A slurm.conf that is not
ours is never touched: the cluster is then not started. ``stop`` kills the daemons and removes
what ``start`` wrote, so the machine is left as it was found.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

CONF = Path("/etc/slurm/slurm.conf")
MARK = "# written by asmgeo tests/slurm_cluster.py"
DAEMONS = ("munged", "slurmctld", "slurmd")


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be started here (not root, no packages, a foreign slurm.conf)."""


def _which(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)


def available() -> str:
    """Empty when a cluster can be started here, else why not."""
    if os.geteuid() != 0:
        return "not root"
    missing = [n for n in (*DAEMONS, "mungekey", "sinfo", "srun", "squeue", "sbatch") if not _which(n)]
    if missing:
        return "missing " + ", ".join(missing) + " (apt-get install slurmctld slurmd slurm-client munge)"
    if CONF.exists() and MARK not in CONF.read_text(errors="replace"):
        return f"{CONF} exists and is not ours"
    return ""


def _node_line() -> str:
    out = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
    fields = dict(kv.split("=", 1) for kv in out.split("\n")[0].split() if "=" in kv)
    return (f"NodeName=localhost NodeAddr=127.0.0.1 CPUs={fields.get('CPUs', '2')} "
            f"RealMemory={fields.get('RealMemory', '4000')} State=UNKNOWN")


def start(folder: Path, timeout: float = 60) -> dict:
    """Start munged, slurmctld and slurmd with their files in ``folder``; return the environment a
    client needs. Raises ClusterUnavailable when it cannot run here."""
    why = available()
    if why:
        raise ClusterUnavailable(why)
    folder = Path(folder).resolve()
    for sub in ("state", "spool", "munge"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(folder / "munge", 0o700)
    key, socket = folder / "munge" / "munge.key", folder / "munge" / "munge.socket"
    subprocess.run([_which("mungekey"), "--create", "--force", "--keyfile", str(key)], check=True, capture_output=True)
    os.chmod(key, 0o400)
    subprocess.run([_which("munged"), "--force", f"--socket={socket}", f"--key-file={key}",
                    f"--pid-file={folder / 'munge' / 'munged.pid'}", f"--log-file={folder / 'munge' / 'munged.log'}",
                    f"--seed-file={folder / 'munge' / 'munged.seed'}"], check=True, capture_output=True)
    CONF.parent.mkdir(parents=True, exist_ok=True)
    CONF.write_text("\n".join([
        MARK, "ClusterName=asmgeo", "SlurmctldHost=localhost(127.0.0.1)", "SlurmUser=root",
        "AuthType=auth/munge", f"AuthInfo=socket={socket}", "CryptoType=crypto/munge",
        "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "MpiDefault=none",
        "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core_Memory", "SchedulerType=sched/backfill",
        "DefMemPerCPU=1000", "MinJobAge=3600", "ReturnToService=2",
        "AccountingStorageType=accounting_storage/none", "JobAcctGatherType=jobacct_gather/none",
        f"StateSaveLocation={folder / 'state'}", f"SlurmdSpoolDir={folder / 'spool'}",
        f"SlurmctldPidFile={folder / 'slurmctld.pid'}", f"SlurmdPidFile={folder / 'slurmd.pid'}",
        f"SlurmctldLogFile={folder / 'slurmctld.log'}", f"SlurmdLogFile={folder / 'slurmd.log'}",
        "SlurmctldPort=6817", "SlurmdPort=6818",
        _node_line(), "PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP", ""]))
    subprocess.run([_which("slurmctld"), "-c", "-f", str(CONF)], check=True, capture_output=True)
    subprocess.run([_which("slurmd"), "-N", "localhost", "-f", str(CONF)], check=True, capture_output=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = subprocess.run([_which("sinfo"), "-h", "-o", "%T"], capture_output=True, text=True).stdout.strip()
        if state in ("idle", "mixed", "allocated"):
            smoke = subprocess.run([_which("srun"), "-N1", "-t", "1", "true"], capture_output=True, text=True, timeout=60)
            if smoke.returncode == 0:
                return {"folder": str(folder), "partition": "main"}
        time.sleep(0.5)
    log = (folder / "slurmctld.log").read_text(errors="replace")[-2000:] if (folder / "slurmctld.log").exists() else ""
    stop(folder)
    raise ClusterUnavailable(f"the SLURM node did not come up within {timeout:g} s: {log}")


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone, whatever init does later


def stop(folder: Path, timeout: float = 20) -> None:
    """Cancel what is left, stop the daemons and remove the config this module wrote."""
    folder = Path(folder).resolve()
    if _which("scancel"):
        subprocess.run([_which("scancel"), "--full", "-u", "root"], capture_output=True)
    pids = [p for p in (_pid(folder / "slurmd.pid"), _pid(folder / "slurmctld.pid"),
                        _pid(folder / "munge" / "munged.pid")) if p]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if CONF.exists() and MARK in CONF.read_text(errors="replace"):
        CONF.unlink()
        try:
            CONF.parent.rmdir()
        except OSError:
            pass
