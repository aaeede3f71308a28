"""The one palette of asmgeo: the colours, categories and legend labels that the interactive maps
and the QGIS styles of the GeoPackages and rasters share. Each list is (value, legend label,
colour)."""

SEVERITY_COLOURS = [("high", "high severity", "#d7301f"), ("medium", "medium severity", "#fc8d59"),
                    ("low", "low severity", "#fdcc8a")]
# Site statuses in the Okabe-Ito colours (distinct for the common colour-vision deficiencies),
# with the status family also told by the marker's shape (SITE_STATUS_SHAPES): circle licensed,
# triangle in a licence that does not legalise the site, diamond outside every licence, square
# undetermined. No status is told by red against green alone.
SITE_STATUS_COLOURS = [
    ("licensed", "licensed: inside a licence valid on the site's date", "#009e73"),
    ("licensed_near_boundary", "licensed, within GPS tolerance of the boundary", "#56b4e9"),
    ("declared_licence_mismatch", "licensed, but not by the licence the site declares", "#f0e442"),
    ("mineral_not_licensed", "inside a valid licence for other minerals", "#e69f00"),
    ("licence_not_valid_yet", "inside a licence not yet valid on the site's date", "#0072b2"),
    ("expired_licence", "inside a licence expired on the site's date", "#cc79a7"),
    ("suspended_or_revoked", "inside a suspended or revoked licence", "#000000"),
    ("licence_dates_inconsistent", "inside a licence whose dates contradict each other", "#7f6a3a"),
    ("licence_dates_unknown", "in or near a licence whose validity cannot be told (unreadable or missing dates)", "#b3b3b3"),
    ("unlicensed", "outside every licence", "#d55e00"),
    ("no_licence_data", "licence status undetermined: no licence layer given", "#e0e0e0"),
]
SITE_STATUS_SHAPES = {
    "licensed": "circle", "licensed_near_boundary": "circle", "declared_licence_mismatch": "circle",
    "mineral_not_licensed": "triangle", "licence_not_valid_yet": "triangle", "expired_licence": "triangle",
    "suspended_or_revoked": "triangle", "licence_dates_inconsistent": "triangle",
    "unlicensed": "diamond", "licence_dates_unknown": "square", "no_licence_data": "square",
}
LICENCE_STATE_COLOURS = [
    ("valid", "valid on the as-of date", "#2166ac"), ("pending", "pending application", "#67a9cf"),
    ("not_yet_valid", "granted, not yet valid", "#a6bddb"), ("expired", "expired", "#969696"),
    ("suspended", "suspended", "#b2182b"), ("revoked", "revoked", "#67001f"),
    ("invalid_dates", "expiry before grant", "#762a83"),
    ("dates_unknown", "validity undetermined (unreadable or missing dates)", "#c2a5cf"),
]
TENURE_COLOURS = [
    ("protected_area", "protected area", "#006d2c"), ("indigenous_territory", "indigenous territory", "#8c510a"),
    ("customary_land", "customary land", "#bf812d"), ("community_forest", "community forest", "#41ab5d"),
    ("agricultural", "farmland", "#fee391"), ("private_title", "private title", "#bcbddc"),
    ("other", "other tenure", "#bdbdbd"),
]
OTHER_COLOUR = "#777777"

# muted colours, none of them the zones' magenta, one per rule a planner can tell apart (also the
# colour table of candidates/excluded_by.tif)
EXCLUSION_COLOURS = [("strict protected area", "strict protected area", "#006d2c"),
                     ("indigenous territory", "indigenous territory", "#8c510a"),
                     ("valid licence", "valid licence", "#2166ac"), ("standing forest", "standing forest", "#74c476"),
                     ("watercourse buffer", "watercourse buffer", "#4eb3d3"),
                     ("agricultural", "farmland", "#d9c27a"), ("community forest", "community forest", "#1b9e77"),
                     ("private title", "private title", "#9e9ac8"), ("customary land", "customary land", "#bf812d"),
                     ("protected area", "protected area (not strict)", "#a1d99b"), ("other", "other tenure", "#bdbdbd")]

# flags since the previous run (history): orange and purple, told apart with any colour vision
CHANGE_COLOURS = [("new", "new since the previous run", "#e66101"),
                  ("resolved", "resolved: no longer raised", "#5e3c99")]

# footprint growth between two vintages (ColorBrewer Dark2: told apart with any colour vision)
GROWTH_COLOURS = [("new", "new since the earlier vintage", "#d95f02"),
                  ("persisting", "detected in both vintages", "#7570b3"),
                  ("vanished", "no longer detected", "#1b9e77")]
