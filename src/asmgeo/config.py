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
    validator = _validator_filling_defaults()(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ConfigError(f"config key '{key}': {err.message}")
    return config


def load_config(path: str | Path) -> dict:
    """Read a YAML config file and return the validated config with defaults."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return validate_config(raw)


def schema_defaults() -> dict[str, Any]:
    """The config that an empty file yields: every default from the schema."""
    return validate_config({})
