"""The config schema: defaults, validation messages, and agreement with library defaults."""

import dataclasses
import json
import inspect

import pytest
import yaml

from asmgeo import steps
from asmgeo.config import load_config, schema_defaults, validate_config
from asmgeo.errors import ConfigError
from asmgeo.validate import IngestOptions


def test_every_schema_property_has_type_description_and_default():
    from asmgeo.config import load_schema

    def walk(node, path):
        for name, sub in (node.get("properties") or {}).items():
            key = f"{path}.{name}".strip(".")
            assert "description" in sub, f"{key} has no description"
            if "$ref" not in sub:
                assert "type" in sub, f"{key} has no type"
            if name not in (node.get("required") or []):
                assert "default" in sub, f"{key} has no default"
            walk(sub, key)
            if "items" in sub:
                walk(sub["items"], key + "[]")

    schema = load_schema()
    walk(schema, "")
    walk(schema["$defs"]["source"], "layers.<layer>[]")


def test_bad_value_names_the_key_path():
    with pytest.raises(ConfigError, match=r"config key 'ingest\.duplicate_ids': 'bogus' is not one of"):
        validate_config({"ingest": {"duplicate_ids": "bogus"}})
    with pytest.raises(ConfigError, match=r"config key 'layers\.sites\.0': 'path' is a required property"):
        validate_config({"layers": {"sites": [{"crs": "EPSG:4326"}]}})
    with pytest.raises(ConfigError, match=r"'as_of'"):
        validate_config({"as_of": "30/06/2025"})


def test_unknown_key_is_refused():
    with pytest.raises(ConfigError, match="Additional properties"):
        validate_config({"layer": {}})


def test_ingest_defaults_equal_schema_defaults():
    defaults = schema_defaults()
    options = IngestOptions()
    assert options.duplicate_ids == defaults["ingest"]["duplicate_ids"]
    assert options.missing_ids == defaults["ingest"]["missing_ids"]
    assert options.date_order == defaults["date_order"]
    assert options.as_of.isoformat() == defaults["as_of"]
    signature = inspect.signature(steps.ingest)
    assert signature.parameters["as_of"].default == defaults["as_of"]
    assert signature.parameters["duplicate_ids"].default == defaults["ingest"]["duplicate_ids"]
    assert dataclasses.is_dataclass(options)


def test_shipped_configs_are_valid(repo):
    for path in [repo / "config" / "config.yaml", *sorted((repo / "config" / "examples").glob("*.yaml"))]:
        config = load_config(path)
        assert config["run_name"]


def test_no_schema_default_names_a_demo_file():
    """A config that says nothing about rasters or layers gets none: never the demo's files."""
    text = json.dumps(schema_defaults())
    assert "demo" not in text.lower().replace('"demo": {', "")
    defaults = schema_defaults()
    assert defaults["rasters"]["lossyear"] is None and defaults["rasters"]["treecover2000"] is None
    assert defaults["rasters"]["images"] == [] and defaults["demo"]["rasters_dir"] is None
    assert defaults["run_name"] != "demo"


def test_demo_config_names_its_own_rasters(repo):
    with open(repo / "config" / "config.yaml", encoding="utf-8") as fh:
        config = validate_config(yaml.safe_load(fh))
    assert config["rasters"]["lossyear"] == "data/raw/demo/lossyear.tif"
    assert len(config["rasters"]["images"]) == 2


def test_config_readme_names_every_section_of_the_schema():
    """config/README.md (the workflow catalog's configuration page) keeps up with the schema."""
    from asmgeo.config import REPO_ROOT, load_schema

    text = (REPO_ROOT / "config" / "README.md").read_text(encoding="utf-8")
    missing = [key for key in load_schema()["properties"] if f"`{key}`" not in text]
    assert missing == []
    catalog = yaml.safe_load((REPO_ROOT / ".snakemake-workflow-catalog.yml").read_text(encoding="utf-8"))
    assert catalog["usage"]["software-stack-deployment"]["conda"] is True and catalog["usage"]["report"] is True
