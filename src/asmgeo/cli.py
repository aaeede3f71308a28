"""The `asmgeo` command: demo data, config checks, and the workflow."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys

from asmgeo.errors import AsmgeoError
from asmgeo.logs import configure_logging


def _demo(args: argparse.Namespace) -> None:
    from asmgeo import demo

    demo.write_demo_vectors(args.out, seed=args.seed)
    if args.rasters:
        demo.write_demo_rasters(args.out, seed=args.seed)


def _check_config(args: argparse.Namespace) -> None:
    from asmgeo.check import check_inputs
    from asmgeo.config import load_config

    config = load_config(args.config)
    print(f"{args.config}: the config's keys and values are valid (run '{config['run_name']}')")
    if args.schema_only:
        return
    problems = check_inputs(config)
    if problems:
        print(f"{args.config}: {len(problems)} problem(s) with the inputs:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2)
    layers = sum(len(v) for v in config["layers"].values())
    print(f"{args.config}: every input can be read ({layers} layer file(s), rasters checked)")


def _run(args: argparse.Namespace) -> None:
    from asmgeo.check import missing_inputs
    from asmgeo.config import load_config

    problems = missing_inputs(load_config(args.config))
    if problems:
        for problem in problems:
            print(f"asmgeo: error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(subprocess.call(snakemake_command(args.config, args.cores, args.extra)))


def _run_dir(config: dict):
    from pathlib import Path

    return Path(config["output_dir"]) / config["run_name"]


def _field_export(args: argparse.Namespace) -> None:
    from pathlib import Path

    from asmgeo import field, io
    from asmgeo.config import load_config
    from asmgeo.flags import read_flags

    config = load_config(args.config)
    run = _run_dir(config)
    if not (run / "flags.gpkg").exists():
        raise AsmgeoError(f"{run / 'flags.gpkg'} does not exist: run the workflow first (asmgeo run --config {args.config})")
    flags = io.dates_as_text(read_flags(run / "flags.gpkg"))
    chosen = field.choose_flags(flags, args.type, args.severity, args.min_area_ha)
    if not len(chosen):
        raise AsmgeoError(f"no flag of {run / 'flags.gpkg'} passes the filter (type {args.type or 'any'}, severity "
                          f"{args.severity or 'any'}, area >= {args.min_area_ha or 0} ha); widen it")
    out = Path(args.out) if args.out else run / "field"
    stamp = json_created(run)
    files = field.export_form(chosen, out, form_id=f"asmgeo_verify_{config['run_name']}".replace(".", "_").replace("-", "_"),
                              title=f"Check flags: {config['title']}", version=stamp)
    print(f"wrote {len(chosen)} flag(s) for the field in {out}:\n  {files['form'].name}  the form (upload to "
          f"KoboToolbox or ODK Central)\n  {files['points'].name}  its map of flags (upload as the form's media "
          f"file)\n  {files['table'].name}  the same points for a spreadsheet; keep this folder for field-import")


def json_created(run) -> str:
    """The run's build time as digits (the form's version: a new run's form replaces the old one)."""
    import json

    created = json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("created", "")
    return "".join(ch for ch in created if ch.isdigit())[:12] or "1"


def _field_import(args: argparse.Namespace) -> None:
    from pathlib import Path

    from asmgeo import field, io
    from asmgeo.config import load_config

    config = load_config(args.config)
    out = args.out or config["field"]["verifications"]
    if not out:
        raise AsmgeoError(f"{args.config}: config key field.verifications is not set; name the file the verdicts are "
                          "kept in (e.g. data/raw/<area>/verifications.csv) or give --out")
    export = Path(args.export) if args.export else _run_dir(config) / "field"
    if not (export / field.TABLE_FILE).exists():
        raise AsmgeoError(f"{export / field.TABLE_FILE} does not exist: name the folder field-export wrote (--export)")
    if not Path(args.submissions).exists():
        raise AsmgeoError(f"{args.submissions} does not exist")
    exported = io.read_csv(export / field.TABLE_FILE, keep_default_na=False, dtype=str)
    new, problems = field.read_submissions(args.submissions, exported)
    for problem in problems:
        print(f"asmgeo: warning: {problem}", file=sys.stderr)
    existing = io.read_csv(out, keep_default_na=False, dtype=str) if Path(out).exists() else None
    merged = field.merge_verifications(existing, new)
    io.write_csv(merged, out)
    added = len(merged) - (len(existing) if existing is not None else 0)
    print(f"{args.submissions}: {len(new)} verdict(s) read, {added} new, {len(problems)} submission(s) not used; "
          f"{len(merged)} verdict(s) in {out}. The next run shows them on the flags.")
    if not len(new) and problems:
        raise SystemExit(2)


def snakemake_command(config: str, cores: int, extra: list[str]) -> list[str]:
    """Snakemake through the interpreter asmgeo was installed with (never whichever `snakemake` is on
    PATH), on this config, with every further argument passed through as given. Outside the
    repository the repository's Snakefile is named."""
    from pathlib import Path

    from asmgeo.config import REPO_ROOT

    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--configfile", config,
               "--replace-workflow-config"]
    if not Path("Snakefile").exists() and "-s" not in extra and "--snakefile" not in extra:
        command += ["--snakefile", str(REPO_ROOT / "Snakefile")]
    return command + [a for a in extra if a != "--"]


EXIT_CODES = """exit codes:
  0  done (run, check-config: every input can be read; field-import: verdicts recorded)
  1  Snakemake reported a failed job (its log is named in the output)
  2  a problem with the config or an input, said in one sentence per problem"""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `asmgeo` console script."""
    from asmgeo import __version__

    parser = argparse.ArgumentParser(prog="asmgeo", description=__doc__, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"asmgeo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="write the DEMO region's input files")
    p.add_argument("--out", default="data/raw/demo", help="folder to write into (default: %(default)s)")
    p.add_argument("--seed", type=int, default=20261123, help="random seed of the demo (default: %(default)s)")
    p.add_argument("--rasters", action="store_true", help="also write the demo rasters")
    p.set_defaults(func=_demo)
    p = sub.add_parser("check-config", help="validate a config file and dry-check every input it names "
                                                "(files, layers, columns, CRSs, rasters), all problems at once",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="the YAML config file")
    p.add_argument("--schema-only", action="store_true", help="check the config's keys and values only, not the files")
    p.set_defaults(func=_check_config)
    p = sub.add_parser("run", help="run the Snakemake workflow with a config file; every further argument goes to "
                                   "Snakemake (e.g. asmgeo run --config my.yaml -n)",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="config/config.yaml", help="the YAML config file (default: %(default)s)")
    p.add_argument("--cores", type=int, default=2, help="cores Snakemake may use (default: %(default)s)")
    p.set_defaults(func=_run)
    p = sub.add_parser("field-export", help="write chosen flags as an XLSForm for ODK Collect / KoboToolbox, with "
                                            "a map of the flags and a CSV of them")
    p.add_argument("--config", default="config/config.yaml", help="the run's YAML config (default: %(default)s)")
    p.add_argument("--type", action="append", help="flag type to send (repeatable; default: every type)")
    p.add_argument("--severity", action="append", choices=["high", "medium", "low"], help="severity to send (repeatable)")
    p.add_argument("--min-area-ha", type=float, default=None, help="leave out flags smaller than this (ha)")
    p.add_argument("--out", default=None, help="folder to write (default: <run>/field)")
    p.set_defaults(func=_field_export)
    p = sub.add_parser("field-import", help="record the verdicts of exported form submissions (CSV or XLSX from "
                                            "KoboToolbox or ODK Central) in the config's field.verifications file")
    p.add_argument("submissions", help="the submissions export (.csv or .xlsx)")
    p.add_argument("--config", default="config/config.yaml", help="the run's YAML config (default: %(default)s)")
    p.add_argument("--export", default=None, help="the folder field-export wrote (default: <run>/field)")
    p.add_argument("--out", default=None, help="verdicts file (default: config key field.verifications)")
    p.set_defaults(func=_field_import)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    configure_logging(level=logging.WARNING if args.command == "check-config" else logging.INFO)
    try:
        args.func(args)
    except AsmgeoError as exc:
        print(f"asmgeo: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
