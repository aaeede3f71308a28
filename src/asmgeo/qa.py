"""The QA log every ingest step writes to, and what a user must know before reading the results:
the run's warnings.

Gathered once from the QA tables and the config (rule qa_report), written to
``qa/warnings.txt``, shown at the top of report.html and in the run's last log lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from asmgeo import parse
from asmgeo.i18n import t, word

QA_COLUMNS = ["layer", "file", "row", "id", "field", "problem", "action"]
REJECTED, REPAIRED, KEPT = "rejected", "repaired", "kept"

# A layer that loses more rows than this to rejection gets a warning, not only QA rows.
REJECTION_WARNING_ROWS = 2

FOREST_NOT_RUN = "forest stage not run: no rasters configured"


@dataclass
class QALog:
    """Collects QA issues for one layer."""

    layer: str
    issues: list[dict] = field(default_factory=list)

    def add(self, file: str, row: object, ident: object, field_name: str, problem: str, action: str) -> None:
        self.issues.append({"layer": self.layer, "file": file, "row": row,
                            "id": "" if parse.is_missing(ident) else str(ident),
                            "field": field_name, "problem": problem, "action": action})

    def frame(self) -> pd.DataFrame:
        """The issues as a table, ordered by file and row (layer-wide notes, row '*', first)."""
        table = pd.DataFrame(self.issues, columns=QA_COLUMNS)
        order = table["row"].map(lambda r: -1 if r == "*" else int(r)) if len(table) else table["row"]
        return table.assign(_order=order).sort_values(["file", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def forest_stage_note(rasters: dict | None) -> str | None:
    """The sentence saying which parts of the forest stage cannot run, or None when both can."""
    rasters = rasters or {}
    has_loss = bool(rasters.get("lossyear"))
    has_pair = len(rasters.get("images") or []) == 2
    if not has_loss and not has_pair:
        return word("forest stage not run: no rasters configured (rasters.lossyear and rasters.images are empty): no "
                    "forest flag is raised, and forest loss, clearings and site activity are undetermined, not absent")
    if not has_loss:
        return word("no loss-year raster configured (rasters.lossyear): loss per year and standing forest are "
                    "undetermined; only the two-date imagery is used")
    if not has_pair:
        return word("no two-date imagery configured (rasters.images): only the loss-year product is used")
    return None


def crs_sentence(record: dict) -> str:
    """'Areas and distances are measured in X: largest error over the data a% (areas), d% (distances).'"""
    area, dist = record.get("max_area_distortion_pct"), record.get("max_distance_distortion_pct")
    if area is not None and dist is not None:
        return t("Areas and distances are measured in {crs}; its largest error over the data is {area:.3f}% for areas "
                 "and {distance:.3f}% for distances", crs=record.get("name"), area=float(area), distance=float(dist))
    return t("Areas and distances are measured in {crs}", crs=record.get("name"))


def run_warnings(issues: pd.DataFrame, counts: pd.DataFrame, rasters: dict | None = None,
                 crs_record: dict | None = None) -> list[str]:
    """One sentence per thing that changes how the results must be read, most important first."""
    out = []
    note = forest_stage_note(rasters)
    if note:
        out.append(note)
    if crs_record and max(crs_record.get("max_area_distortion_pct") or 0,
                          crs_record.get("max_distance_distortion_pct") or 0) > 0.1:
        exact = (crs_record.get("max_area_distortion_pct") or 0) < 0.001
        out.append(crs_sentence(crs_record) + word(": over the 0.1% goal, because the data spans too much for one "
                                                   "projection to keep both within it")
                   + (word("; hectares are exact (equal-area projection), distances may be off by that much")
                      if exact else ""))
    if len(counts):
        for row in counts.itertuples(index=False):
            rejected = int(row.rejected)
            if rejected > REJECTION_WARNING_ROWS:
                out.append(t("{layer}: {rejected} of {rows} rows of {file} were rejected (each is listed in "
                             "qa_issues.csv with its row, id, field and the fix)", layer=row.layer, rejected=rejected,
                             rows=int(row.rows_read), file=row.file))
    if len(issues):
        layer_wide = issues[(issues["row"].astype(str) == "*") & issues["problem"].astype(str).str.startswith("WARNING: ")]
        for problem in layer_wide["problem"].astype(str):
            out.append(problem[len("WARNING: "):])
    return out


def write_warnings(lines: list[str], path) -> None:
    """Write the warnings, one per line (an empty file when there are none)."""
    from asmgeo.io import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text("".join(line.replace("\n", " ") + "\n" for line in lines), encoding="utf-8")


def read_warnings(path) -> list[str]:
    from pathlib import Path

    p = Path(path)
    return [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()] if p.exists() else []
