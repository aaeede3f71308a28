"""Screenshots of the demo's maps and report at desktop (1366 x 768) and phone (390 x 844) size.

Run after `make run`: `python docs/screenshots.py [run folder]` writes docs/screenshots/<page>-<width>.png
with Debian's Chromium (headless, the network blocked: what a map shows offline). A run in another
language: `python docs/screenshots.py data/processed/demo_fr fr` writes <page>-<width>-fr.png of the
report and the sites map.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
SIZES = [(1366, 768), (390, 844)]


def main(run: Path, suffix: str = "") -> None:
    maps = ("sites",) if suffix else ("overview", "overlaps", "sites", "deforestation", "candidates")
    pages = [run / "report.html"] + [run / "maps" / f"{m}.html" for m in maps]
    out = HERE / "screenshots"
    out.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 600,
                                          has_touch=width < 600)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            for path in pages:
                page = context.new_page()
                page.goto(path.resolve().as_uri())
                if path.parent.name == "maps":
                    page.wait_for_selector("html[data-asmgeo-ready]", state="attached", timeout=60_000)
                    page.evaluate("document.querySelectorAll('.asmgeo-notice').forEach(n => n.remove())")
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / f"{path.stem}-{width}{'-' + suffix if suffix else ''}.png"))
                page.close()
            context.close()
        browser.close()
    print(f"wrote {len(pages) * len(SIZES)} screenshots to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/processed/demo"), sys.argv[2] if len(sys.argv) > 2 else "")
