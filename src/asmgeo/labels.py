"""Words a person reads instead of machine names: a short label and a one-line explanation for
every flag type (DESIGN.md section 4), used by the maps (legend, popups) and the report.

The values in the outputs (``flag_type`` in flags.csv, ``status`` in site_status.gpkg) stay the
machine names, so filters and joins keep working; only what is shown to a reader is worded here.
Status and state labels live with their colours in :mod:`asmgeo.palette`.
"""

from __future__ import annotations

from asmgeo.i18n import word

# flag_type: (label, what it means)
FLAG_TYPES: dict[str, tuple[str, str]] = {
    "concession_overlap": (
        "Overlapping licences",
        "Two licences of different holders, valid at the same time, cover the same ground."),
    "concession_in_protected_area": (
        "Licence in a protected area", "A mining licence overlaps a protected area."),
    "concession_on_indigenous_land": (
        "Licence on indigenous land", "A mining licence overlaps an indigenous territory."),
    "concession_on_customary_land": (
        "Licence on customary land", "A mining licence overlaps customary land."),
    "concession_on_community_forest": (
        "Licence on a community forest", "A mining licence overlaps a community forest."),
    "concession_on_farmland": (
        "Licence on farmland", "A mining licence overlaps farmland."),
    "concession_on_private_title": (
        "Licence on a private title", "A mining licence overlaps privately titled land."),
    "concession_on_other_tenure": (
        "Licence on other tenure", "A mining licence overlaps a land-tenure parcel of another kind."),
    "site_unlicensed": (
        "Unlicensed site", "The site lies in no licence valid on its date; the nearest valid licence is named."),
    "site_in_expired_licence": (
        "Site in a licence not valid on its date",
        "The licence around the site was expired, suspended, revoked, not yet granted or self-contradictory "
        "on the site's date."),
    "site_mineral_not_licensed": (
        "Mineral not licensed", "The licence around the site does not cover the mineral the site works."),
    "site_declared_licence_mismatch": (
        "Declared licence does not match",
        "The site declares a licence, but lies in another one."),
    "site_licence_undetermined": (
        "Licence validity undetermined",
        "The site lies in a licence whose dates cannot be read, so whether it is licensed cannot be told."),
    "site_in_protected_area": ("Site in a protected area", "The site lies inside a protected area."),
    "site_on_indigenous_land": ("Site on indigenous land", "The site lies inside an indigenous territory."),
    "site_near_watercourse": (
        "Site near a watercourse",
        "The site is within the configured distance of a river (mercury and silt risk downstream)."),
    "site_without_activity": (
        "Site without visible activity",
        "No clearing or detected footprint near the site over the period: possibly a site on paper only."),
    "deforestation_near_site": (
        "Forest loss near a site", "Forest was lost after the cutoff date within the radius of a registered site."),
    "deforestation_in_concession": (
        "Forest loss in a licence", "Forest was lost after the cutoff date inside a mining licence."),
    "deforestation_in_protected_area": (
        "Forest loss in a protected area", "Forest was lost after the cutoff date inside a protected area."),
    "unexplained_clearing": (
        "Unexplained clearing",
        "A cleared patch that no valid licence or known site explains: a lead for unregistered mining."),
    "detection_unlicensed": (
        "Detected mining outside licences",
        "A detected mining footprint lies mostly outside every licence valid on its date."),
    "detection_unexplained": (
        "Detected mining nobody declared",
        "A detected mining footprint mostly outside every valid licence, with no registered site in or near it."),
    "detection_in_protected_area": (
        "Detected mining in a protected area", "A detected mining footprint overlaps a protected area."),
    "detection_on_indigenous_land": (
        "Detected mining on indigenous land", "A detected mining footprint overlaps an indigenous territory."),
    "detection_on_customary_land": (
        "Detected mining on customary land", "A detected mining footprint overlaps customary land."),
    "detection_on_community_forest": (
        "Detected mining on a community forest", "A detected mining footprint overlaps a community forest."),
    "detection_on_farmland": (
        "Detected mining on farmland", "A detected mining footprint overlaps farmland."),
    "detection_on_private_title": (
        "Detected mining on a private title", "A detected mining footprint overlaps privately titled land."),
    "detection_on_other_tenure": (
        "Detected mining on other tenure", "A detected mining footprint overlaps a land-tenure parcel of another kind."),
    "footprint_growth_in_protected_area": (
        "Mining footprint grew in a protected area",
        "Detected mining grew between two image dates inside a protected area."),
    "footprint_growth_on_indigenous_land": (
        "Mining footprint grew on indigenous land",
        "Detected mining grew between two image dates inside an indigenous territory."),
    "concession_same_holder": (
        "Overlap between one holder's licences",
        "Two licences of the same holder overlap: a record to tidy, not a conflict between parties."),
    "footprint_growth_in_expired_licence": (
        "Mining footprint grew in an expired licence",
        "Detected mining grew between two image dates inside a licence no longer valid."),
    "licence_expiring": (
        "Licence expiring", "A licence with working sites in it expires within the renewal window."),
}

SEVERITIES = {"high": "High", "medium": "Medium", "low": "Low"}


def severity_label(severity: str) -> str:
    """'High', 'Medium', 'Low' in the run's language (an unknown value as it is)."""
    return word(SEVERITIES[severity]) if severity in SEVERITIES else str(severity)


def code_words(value) -> str:
    """A machine value (a status, a state, a type) as words: 'expired_licence' -> 'expired licence',
    in the run's language."""
    return word(str(value).replace("_", " "))


# licence_type values (asmgeo.schema): (value, label, colour) like the palette's lists, so that
# value_label and the maps' filters word them the same way
LICENCE_TYPES = [("exploitation", "exploitation (mining) licence", ""), ("exploration", "exploration licence", ""),
                 ("artisanal_zone", "artisanal mining zone", ""), ("small_scale", "small-scale mining licence", ""),
                 ("other", "other licence type", "")]


def flag_label(flag_type: str) -> str:
    """The label of a flag type; a type without one is shown in words, never hidden."""
    known = FLAG_TYPES.get(str(flag_type))
    return word(known[0]) if known else str(flag_type).replace("_", " ").capitalize()


def flag_explanation(flag_type: str) -> str:
    known = FLAG_TYPES.get(str(flag_type))
    return word(known[1]) if known else ""


def value_label(value: str, entries) -> str:
    """The legend label of ``value`` in a palette list of (value, label, colour); the value itself
    when the palette does not know it (so nothing is lost)."""
    for known, label, _ in entries:
        if known == value:
            return word(label)
    return str(value)

# conflict classes of two overlapping licences (README, "Overlapping claims"), worded for a reader
CONFLICT_CLASSES = [
    ("live", "live: both valid at the same time, now or later", ""),
    ("priority", "priority: an application over a licence or another application; who came first is stated", ""),
    ("dormant", "dormant: one is suspended or revoked while the other is valid", ""),
    ("undetermined", "undetermined: whether both were valid at the same time cannot be told", ""),
    ("past", "past: both were valid together, no longer", ""),
    ("historic", "historic: never valid at the same time", ""),
]


# kinds of overlap on the overlaps map, and the sources of forest loss patches
OVERLAP_KINDS = [("licence x licence", "licence x licence", ""), ("licence x tenure", "licence x tenure", ""),
                 ("same holder", "same holder", "")]
LOSS_SOURCES = [("lossyear", "loss-year product", ""), ("ndvi", "two-date NDVI change", "")]


def worded_list(value, entries) -> str:
    """Comma-separated category values, each as its legend words."""
    if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
        return ""
    return ", ".join(value_label(v.strip(), entries) for v in str(value).split(",") if v.strip())
