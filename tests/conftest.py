"""Shared fixtures: repository paths, the real-data folder, hand-made layers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
REALDATA = (REPO / ".." / "shared" / "realdata").resolve()
UTM = "EPSG:32735"


def realdata_dir(name: str) -> Path:
    """The folder of one real dataset; skip when absent, fail under CI (CI=true)."""
    folder = REALDATA / name
    if not folder.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"real-data folder {folder} is missing under CI")
        pytest.skip(f"real-data folder {folder} not present")
    return folder


@pytest.fixture
def repo() -> Path:
    return REPO


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def polygons(rows: list[dict], crs: str = UTM) -> gpd.GeoDataFrame:
    """A GeoDataFrame from dicts with a 'geometry' key."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


DEMO_README = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo" / "README.md"


def read_demo_facts(name: str) -> pd.DataFrame:
    """A fact table of data/raw/demo/README.md (the markdown table after `<!-- facts:NAME -->`)."""
    lines = DEMO_README.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"<!-- facts:{name} -->") + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, body = rows[0], [r for r in rows[2:]]
    return pd.DataFrame(body, columns=header)


@pytest.fixture
def demo_facts():
    return read_demo_facts


CHROMIUM = Path("/usr/bin/chromium")
# Flags for a root, headless, offline machine: no sandbox, no GPU, no background connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; skipped when absent, failing under CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium (/usr/bin/chromium) is missing under CI: .ci/run installs it")
        pytest.skip("Chromium (/usr/bin/chromium) not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _png(width: int = 1, height: int = 1) -> bytes:
    """A transparent RGBA PNG, written by hand (zlib and CRC-32 from the standard library)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x00" * 4 * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# what a basemap tile server answers in these tests (no test reaches the internet)
BLANK_TILE = _png()


class OpenedPage:
    """A page with everything a person would notice going wrong recorded: errors, dialogs, requests.

    Nothing leaves the machine: a request other than the file itself or inlined data is answered
    with a blank tile (a basemap server reached), or refused when ``offline`` (no connection); a
    resource refused that way is recorded in ``failed_loads``, not in ``errors``."""

    def __init__(self, browser, path: Path, offline: bool = False, viewport: tuple[int, int] = (1400, 900)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, offline=offline,
                                           has_touch=viewport[0] < 600, is_mobile=viewport[0] < 600)
        self.errors: list[str] = []
        self.failed_loads: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []

        def route(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            elif offline:
                route.abort()
            else:
                route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if offline_failure(message.text):
            self.failed_loads.append(message.text)
        else:
            self.errors.append(message.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def wait_for_map(self) -> "OpenedPage":
        self.page.wait_for_selector("html[data-asmgeo-ready]", state="attached", timeout=60_000)
        assert self.page.get_attribute("html", "data-asmgeo-ready") == "1", self.errors
        return self

    def close(self) -> None:
        self.context.close()


def offline_failure(text: str) -> bool:
    return text.startswith("Failed to load resource")


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(path: Path, offline: bool = False, viewport: tuple[int, int] = (1400, 900)) -> OpenedPage:
        pages.append(OpenedPage(browser, path, offline, viewport))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


# The end-to-end tests run Snakemake in a temporary copy of the repository.
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
SKIP = {".venv", ".git", ".snakemake", "logs", ".pytest_cache", "__pycache__", "work", "runs"}


def copy_repo(target: Path) -> Path:
    def ignore(folder, names):
        skipped = {n for n in names if n in SKIP or n.endswith(".tif")}
        if Path(folder).resolve() == (REPO / "data" / "processed").resolve():
            skipped |= {n for n in names if n != ".gitkeep"}
        return skipped

    shutil.copytree(REPO, target, ignore=ignore)
    return target


def snakemake(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    """A fresh copy of the repository (no outputs, no generated rasters)."""
    return copy_repo(tmp_path_factory.mktemp("asmgeo") / "repo")
