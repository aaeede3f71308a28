"""Canonical data model (DESIGN.md section 3): columns, types and enum values per layer."""

from __future__ import annotations

# Canonical columns per layer, with their kind. The id column comes first.
# kinds: str, minerals (comma-separated, lower case), int, date, enum:<field>
COLUMNS: dict[str, dict[str, str]] = {
    "sites": {
        "site_id": "str", "name": "str", "minerals": "minerals", "declared_licence_id": "str",
        "cooperative": "str", "workers": "int", "observed_on": "date", "sensitive": "str",
    },
    "concessions": {
        "licence_id": "str", "holder": "str", "licence_type": "enum", "status": "enum",
        "minerals": "minerals", "granted_on": "date", "expires_on": "date",
    },
    "tenure": {
        "tenure_id": "str", "tenure_type": "enum", "name": "str", "holder": "str",
        "protection": "enum",
    },
    "rivers": {"river_id": "str", "name": "str"},
    "roads": {"road_id": "str", "name": "str"},
    "detections": {"detection_id": "str", "observed_on": "date", "confidence": "float", "vintage": "str"},
}

# Columns ingest derives (not read from the file). date_problems: the date values present but
# unreadable ("expires_on '31/02/2020' could not be read"), so that no unknown passes as absent.
DATE_PROBLEMS = "date_problems"
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": (DATE_PROBLEMS,), "concessions": (DATE_PROBLEMS,), "detections": (DATE_PROBLEMS,),
}

ID_COLUMN = {layer: next(iter(cols)) for layer, cols in COLUMNS.items()}

GEOMETRY_KIND = {
    "sites": "point", "concessions": "polygon", "tenure": "polygon",
    "rivers": "line_or_polygon", "detections": "polygon", "roads": "line_or_polygon",
}

ENUMS: dict[str, tuple[str, ...]] = {
    "licence_type": ("exploration", "exploitation", "small_scale", "artisanal_zone", "other"),
    "status": ("active", "expired", "suspended", "revoked", "pending", "unknown"),
    "tenure_type": ("protected_area", "indigenous_territory", "customary_land", "community_forest",
                    "agricultural", "private_title", "other"),
    "protection": ("strict", "sustainable_use", "none"),
}

# What an enum falls back to when a value is missing or unknown (reported in the QA file).
ENUM_FALLBACK = {"licence_type": "other", "status": "unknown", "tenure_type": "other",
                 "protection": "none"}

# Built-in spellings; the config's ingest.value_maps adds to these. Keys are lower case.
VALUE_MAPS: dict[str, dict[str, str]] = {
    "status": {
        "granted": "active", "valid": "active", "approved": "active", "current": "active",
        "live": "active", "in force": "active", "lapsed": "expired", "terminated": "revoked",
        "cancelled": "revoked", "canceled": "revoked", "application": "pending",
        "applied": "pending", "under application": "pending", "suspension": "suspended",
    },
    "licence_type": {
        "exploration permit": "exploration", "ep": "exploration", "prospecting": "exploration",
        "mining licence": "exploitation", "mining license": "exploitation",
        "mining lease": "exploitation", "mpsa": "exploitation", "production": "exploitation",
        "small scale": "small_scale", "small-scale": "small_scale", "ssmc": "small_scale",
        "artisanal zone": "artisanal_zone", "artisanal": "artisanal_zone", "zea": "artisanal_zone",
    },
    "tenure_type": {
        "protected area": "protected_area", "national park": "protected_area", "park": "protected_area",
        "reserve": "protected_area", "indigenous": "indigenous_territory",
        "indigenous territory": "indigenous_territory", "ancestral domain": "indigenous_territory",
        "cadt": "indigenous_territory", "customary": "customary_land",
        "customary land": "customary_land", "community forest": "community_forest",
        "icca": "community_forest", "farm": "agricultural", "farmland": "agricultural",
        "agriculture": "agricultural", "private": "private_title", "private title": "private_title",
    },
    "protection": {
        "strict protection": "strict", "sustainable use": "sustainable_use", "sustainable": "sustainable_use",
        "no": "none", "": "none",
    },
}

# tenure_type -> protection when a file gives none: protected areas count as strict until told otherwise.
DEFAULT_PROTECTION = {"protected_area": "strict", "community_forest": "sustainable_use"}

LAYERS = tuple(COLUMNS)
REQUIRED_LAYERS = ("sites", "concessions", "tenure")
