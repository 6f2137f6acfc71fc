"""The query UI in a real browser: catalogue examples open in YASGUI, run on this server and show
their rows; stored tabs from an earlier visit neither break the page nor send queries elsewhere;
and the page asks no other host for anything."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Route, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
YASGUI = ROOT / "node_modules" / "@zazuko" / "yasgui" / "build" / "yasgui.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (CI installs Debian's chromium)"),
    pytest.mark.skipif(not YASGUI.is_file(), reason="node_modules is absent: make install"),
]

# Content-security-policy refusals never become requests; the page reports them to the test.
_REPORT_REFUSALS = """document.addEventListener("securitypolicyviolation", event => window.reportRefusal(event.blockedURI));"""
_ROWS = ".tabPanel.active .yasr table tbody tr"
# A tab kept from an earlier visit, pointing at another endpoint.
_STORED_ELSEWHERE = {"namespace": "triply", "val": {"endpointHistory": [], "tabs": ["old"], "active": "old", "tabConfig": {
    "old": {"name": "old", "id": "old", "yasqe": {"value": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
            "yasr": {"settings": {}}, "requestConfig": {"endpoint": "https://sparql.example.org/sparql"}}}}}
_STORED_BROKEN = {"namespace": "triply", "val": {"tabs": ["gone"], "active": "gone", "tabConfig": {}}}


def _open_and_run(page: Page, name: str, *, run: str) -> list[str]:
    """Click the catalogue example ``name``, run it (``run``: "keys" or "button"), return its rows' text."""
    page.locator("details.folder[data-folder='cq']").evaluate("element => { element.open = true; }")
    page.click(f"button.example[data-query='{name}']")
    page.wait_for_function("name => yasgui.getTab().getName() === name", arg=name)
    if run == "keys":
        page.locator(".tabPanel.active .CodeMirror").click()
        page.keyboard.press("Control+Enter")
    else:
        page.click(".tabPanel.active .yasqe_queryButton")
    page.wait_for_selector(_ROWS, timeout=10_000)
    return page.locator(_ROWS).all_inner_texts()


def _reload_with(page: Page, stored: dict) -> None:
    page.evaluate("value => localStorage.setItem('alliancekg_config', value)", json.dumps(stored))
    page.reload()
    page.wait_for_function("() => window.yasgui !== undefined")


def test_examples_run_in_yasgui_and_nothing_leaves_this_host(reference_server) -> None:
    expected = json.loads((ROOT / "tests/expected/cq/alliance-member-coverage.json").read_text(encoding="utf-8"))
    coverage = expected[0]["rows"]
    requests, refused, errors, warnings = [], [], [], []

    def route(route_: Route) -> None:
        if urllib.parse.urlsplit(route_.request.url).hostname == "127.0.0.1":
            route_.continue_()
        else:
            refused.append(route_.request.url)
            route_.abort()

    def record(request: Request) -> None:
        requests.append(request.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.expose_function("reportRefusal", lambda url: refused.append(url))
            page.add_init_script(_REPORT_REFUSALS)
            page.route("**/*", route)
            page.on("request", record)
            page.on("console", lambda message: (errors if message.type == "error" else warnings).append(message.text)
                    if message.type in ("error", "warning") else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(reference_server.base + "/")
            page.wait_for_function("() => window.yasgui !== undefined")
            assert page.evaluate("yasgui.getTab().getEndpoint()") == reference_server.sparql_url

            # A parameterised example, bound to id:org/ipgp, run with Ctrl+Enter.
            rows = _open_and_run(page, "cq/institution-alliances", run="keys")
            assert "VALUES (?institution)" in page.evaluate("yasgui.getTab().getQuery()")
            assert len(rows) == 3
            assert ["Circle U." in rows[0], "GEOSCOPE" in rows[1], "InterMagnet" in rows[2]] == [True] * 3

            # An example without parameters, run with the run button.
            rows = _open_and_run(page, "cq/alliance-member-coverage", run="button")
            assert len(rows) == len(coverage)
            assert all(label in row for (_, label, *_), row in zip(coverage, rows, strict=True))

            # Asking for completions where YASGUI's stock completers would call web services.
            page.locator(".tabPanel.active .CodeMirror").click()
            page.keyboard.press("Control+A")
            page.keyboard.type("PREFIX schema: <https://schema.org/>\nSELECT * WHERE { ?s a schema:Org")
            page.keyboard.press("Control+Space")
            page.keyboard.type(" ; schema:na")
            page.keyboard.press("Control+Space")
            page.wait_for_timeout(300)

            # Stored tabs: one pointing elsewhere runs here; an unreadable state is dropped, not fatal.
            _reload_with(page, _STORED_ELSEWHERE)
            assert page.evaluate("yasgui.getTab().getEndpoint()") == reference_server.sparql_url
            page.click(".tabPanel.active .yasqe_queryButton")
            page.wait_for_selector(_ROWS, timeout=10_000)
            _reload_with(page, _STORED_BROKEN)
            assert page.evaluate("yasgui.persistentConfig.getTabs().length") == 1
            assert _open_and_run(page, "cq/institution-alliances", run="button")
        finally:
            browser.close()
    hosts = {urllib.parse.urlsplit(url).hostname for url in requests}
    assert hosts == {"127.0.0.1"}, f"requests left this host: {sorted(hosts)}"
    assert refused == [], "the page tried to reach another origin"
    assert errors == []
    assert [w for w in warnings if not w.startswith("query UI: discarding the stored tabs")] == []
    assert sum("/sparql" in url for url in requests) == 4
