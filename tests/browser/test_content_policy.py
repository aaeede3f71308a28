"""Pages declare what they may load: a script or image injected from elsewhere is refused by the
browser itself (Content-Security-Policy), on a map and on the report."""

from __future__ import annotations

from asmgeo.steps.maps import save_map
from asmgeo.report import REPORT_POLICY
from tests.unit.test_run_safety import small_map

INJECTED = ('<script src="https://cdn.example.org/evil.js"></script>'
            '<img id="beacon" src="https://tracker.example.org/p.png">'
            '<script>window.inlineRan = 1;</script>')


def serve_remote(page, hits):
    """Answer any remote request with a script that marks the page, so only the policy can stop it."""
    def answer(route):
        hits.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body="window.remoteRan = 1;")
    page.context.route("https://**/*", answer)


def test_a_remote_script_injected_into_a_map_is_blocked(tmp_path, browser):
    path = tmp_path / "map.html"
    save_map(small_map(), path)
    html = path.read_text(encoding="utf-8").replace("</body>", INJECTED + "</body>", 1)
    path.write_text(html, encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    hits, refused = [], []
    serve_remote(page, hits)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-asmgeo-ready]", state="attached", timeout=60_000)
    assert page.get_attribute("html", "data-asmgeo-ready") == "1"  # the map itself still draws
    assert page.evaluate("window.remoteRan") is None and hits == []
    assert any("evil.js" in text for text in refused) and any("p.png" in text for text in refused)
    context.close()


def test_the_report_runs_no_script_and_loads_nothing(tmp_path, browser):
    path = tmp_path / "report.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{REPORT_POLICY}">'
                    f"</head><body><p>report</p>{INJECTED}</body></html>", encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    hits = []
    serve_remote(page, hits)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("window.remoteRan") is None and page.evaluate("window.inlineRan") is None and hits == []
    context.close()
