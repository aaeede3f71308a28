"""The packed data of a map page, readable without the map builder (no folium): the report reads
which flags each map can open from here.

A map's layers travel as one JSON document, gzipped and base64-encoded (base64 has no
``{ } % # < > $`` or backtick, so no template or script reads it), handed to the viewer as
``asmgeoRender(<map>, "<base64>")``.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

_PACKED = re.compile(r'asmgeoRender\([^,]+, "([A-Za-z0-9+/=]+)"\)')


def encode_payload(payload: dict) -> str:
    """gzip + base64 of the JSON payload: text with no character a template or script reads."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def decode_payload(text: str) -> dict:
    """Inverse of :func:`encode_payload` (for tests and notebooks)."""
    return json.loads(gzip.decompress(base64.b64decode(text)).decode("utf-8"))


def payload_of_html(page: str) -> dict:
    """The decoded payload of a saved map page (what the viewer draws: for tests and audits)."""
    found = _PACKED.search(page)
    if not found:
        raise ValueError("not an asmgeo map page: no packed layers")
    return decode_payload(found.group(1))


def flags_on_page(path: str | Path) -> set[str]:
    """The flag ids a saved map page opens with ``#flag=<flag_id>``."""
    payload = payload_of_html(Path(path).read_text(encoding="utf-8"))
    return {flag for index in (payload.get("flags") or {}).values() for flag in index["ids"]}
