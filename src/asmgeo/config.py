"""Load and validate a config file outside Snakemake (notebooks, CLI, tests).

The same JSON schema Snakemake's ``validate`` uses (workflow/schemas/config.schema.yaml)
is applied here, with defaults filled in, so both paths see the same effective config.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from asmgeo.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    """Return the config JSON schema as a dict."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _validator_filling_defaults():
    base = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    return jsonschema.validators.extend(base, {"properties": set_defaults})


def validate_config(config: dict, schema: dict | None = None) -> dict:
    """Fill defaults into ``config`` (a copy) and validate it; raise ConfigError naming the key path."""
    schema = schema or load_schema()
    config = copy.deepcopy(config or {})
    if isinstance(config, dict):  # the plain-name rule first: its sentence says more than the schema's pattern
        check_run_paths({"run_name": config.get("run_name", "run"), "output_dir": config.get("output_dir", "data/processed")})
    validator = _validator_filling_defaults()(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ConfigError(f"config key '{key}': {err.message}")
    return config


def check_run_paths(config: dict) -> None:
    """Outputs and logs stay inside ``output_dir``: the run name is a plain name and the output
    folder is not the filesystem root nor climbs out with '..'."""
    name = str(config.get("run_name", ""))
    if name in ("", ".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(f"config key run_name: {name!r} is not a plain name; use letters, digits, '_', '-' or '.' "
                          "(not starting with '.'), e.g. 'kivu-2026-06': outputs go to <output_dir>/<run_name>/")
    out = str(config.get("output_dir", ""))
    parts = Path(out).parts
    if not out.strip() or Path(out).resolve() == Path(Path(out).resolve().anchor) or ".." in parts:
        raise ConfigError(f"config key output_dir: {out!r} would put outputs outside a folder of their own; "
                          "name a folder such as 'data/processed' (not the filesystem root, no '..')")


def load_config(path: str | Path) -> dict:
    """Read a YAML config file and return the validated config with defaults."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return validate_config(raw)


def schema_defaults() -> dict[str, Any]:
    """The config that an empty file yields: every default from the schema."""
    return validate_config({})
