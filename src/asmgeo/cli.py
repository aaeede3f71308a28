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
  0  done (run, check-config: every input can be read)
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
