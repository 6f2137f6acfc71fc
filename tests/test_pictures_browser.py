"""The offline network page in a real browser: it renders, finds, shows a node's ties and asks the network for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from test_pictures import ID, NASTY, network

from alliancekg.pictures import write_html

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (CI installs Debian's chromium)"),
]

#: The page position of a node, once any animation has ended and with the whole network in view.
_WHERE = """async iri => {
  for (let frame = 0; frame < 200 && (frame < 2 || cy.animated()); frame++) {
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  cy.fit(undefined, 40);
  const node = cy.nodes().filter(n => n.data("id") === window.__ids[iri])[0];
  const box = cy.container().getBoundingClientRect();
  const at = node.renderedPosition();
  return [box.left + at.x, box.top + at.y];
}"""


def test_page_renders_searches_and_shows_ties_offline(tmp_path: Path) -> None:
    graph = network()
    out = tmp_path / "net.html"
    write_html(graph, out, title="Alliances")
    refused, problems, dialogs = [], [], []

    def route(route_) -> None:
        if route_.request.url.startswith(("file:", "data:")):
            route_.continue_()
        else:
            refused.append(route_.request.url)
            route_.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", route)
            page.on("request", lambda request: None if request.url.startswith(("file:", "data:"))
                    else refused.append(request.url))
            page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning")
                    else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(out.as_uri())
            page.wait_for_function("() => window.cy !== undefined && cy.nodes().length > 0")
            assert page.evaluate("cy.nodes().length") == graph.number_of_nodes()
            assert page.evaluate("cy.edges().length") == graph.number_of_edges()
            page.evaluate("""() => { window.__ids = {};
              JSON.parse(document.getElementById("network-data").textContent).nodes
                .forEach(n => { window.__ids[n.iri] = n.id; }); }""")

            page.fill("#search", "univers")
            assert page.inner_text("#count") == "3 matches"
            assert page.locator("#matches button").all_inner_texts() == [
                "Erasmus+ European Universities", "Universitetet i Oslo", "Università di Bologna"]
            assert page.evaluate("cy.nodes('.match').length") == 3
            page.click("#matches button >> nth=2")
            assert page.inner_text("#details h2") == "Università di Bologna"
            assert "KU Leuven" in page.inner_text("#details ol.ties")

            x, y = page.evaluate(_WHERE, ID + "alliance/una")
            page.mouse.click(x, y)
            assert page.inner_text("#details h2") == "UNA Europa"
            details = page.inner_text("#details")
            assert ID + "alliance/una" in details and "Ties (3)" in details
            assert "via: UNA Europa" in details and "https://una-europa.eu/members" in details

            x, y = page.evaluate(_WHERE, ID + "org/nasty")
            page.mouse.click(x, y)
            assert page.text_content("#details h2") == NASTY
            assert page.evaluate("document.scripts.length") == 3
            assert page.locator("#legend-list li").count() == 5
        finally:
            browser.close()
    assert refused == [], "the page asked the network for something"
    assert problems == [] and dialogs == []
