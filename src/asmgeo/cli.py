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
    command = ["snakemake", "--cores", str(args.cores), "--configfile", args.config, "--replace-workflow-config",
               *args.extra]
    raise SystemExit(subprocess.call(command))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `asmgeo` console script."""
    parser = argparse.ArgumentParser(prog="asmgeo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="write the DEMO region's input files")
    p.add_argument("--out", default="data/raw/demo")
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--rasters", action="store_true", help="also write the demo rasters")
    p.set_defaults(func=_demo)
    p = sub.add_parser("check-config", help="validate a config file and dry-check every input it names "
                                                "(files, layers, columns, CRSs, rasters), all problems at once")
    p.add_argument("config", help="the YAML config file")
    p.add_argument("--schema-only", action="store_true", help="check the config's keys and values only, not the files")
    p.set_defaults(func=_check_config)
    p = sub.add_parser("run", help="run the Snakemake workflow with a config file")
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further snakemake arguments")
    p.set_defaults(func=_run)
    args = parser.parse_args(argv)
    configure_logging(level=logging.WARNING if args.command == "check-config" else logging.INFO)
    try:
        args.func(args)
    except AsmgeoError as exc:
        print(f"asmgeo: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
