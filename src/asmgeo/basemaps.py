"""Online basemaps of a map page and what the page may load (its Content-Security-Policy)."""

from __future__ import annotations

from typing import Sequence
from urllib.parse import urlsplit

from asmgeo.i18n import word

# the names of the schema's default basemaps, shown in the run's language (a name the config gives is shown as given)
BASEMAP_NAMES = ("Street map (OpenStreetMap)", "Satellite (Esri World Imagery)", "Basemap")


def basemap_list(tiles: dict | Sequence[dict] | None) -> list[dict]:
    """Online basemaps as ``[{"name", "url", "attribution", "max_zoom"}]`` from one dict, a list, or
    None (no basemap: the page requests nothing)."""
    if not tiles:
        return []
    items = [tiles] if isinstance(tiles, dict) else list(tiles)
    names = [str(t.get("name") or "Basemap") for t in items]
    return [{"name": word(name) if name in BASEMAP_NAMES else name, "url": str(t["url"]),
             "attribution": str(t.get("attribution") or ""), "max_zoom": int(t.get("max_zoom") or 19)}
            for t, name in zip(items, names) if t.get("url")]


def content_security_policy(tiles: dict | Sequence[dict] | None = None) -> str:
    """What a map page may load: its own inline and data: code and styles, and images from data:
    only, or also from the configured basemaps' hosts. Nothing else, so a script or image injected
    from elsewhere is refused by the browser."""
    img = "data: blob:"
    for basemap in basemap_list(tiles):
        parts = urlsplit(basemap["url"].replace("{s}.", "a."))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("{", "").replace("}", "")
            if "{s}." in basemap["url"]:
                host = "*." + host.split(".", 1)[1]
            if f" {parts.scheme}://{host}" not in img:
                img += f" {parts.scheme}://{host}"
    return ("default-src 'none'; script-src 'unsafe-inline' data:; style-src 'unsafe-inline' data:; "
            f"img-src {img}; font-src data:; connect-src data: blob:; base-uri 'none'; form-action 'none'")
