"""The dashboard in a real browser: Debian's chromium driven by Playwright against `streamlit run` on a fixture DB.

Playwright never downloads a browser here; /usr/bin/chromium comes from apt (`make chromium`).
"""

import io
import json
import math
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from dashboard_fixtures import CASES, MORE_CASES, XSS_HEADLINE, build_incidents_db
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from postgres_server import BACKENDS, new_store
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit_server import streamlit_server

from dashboard import maps
from extract.geo.gazetteer import LONDON_BBOX, load_borough_geojson

pytestmark = pytest.mark.slow  # a real server and Chromium: `make test` runs it, `make check` leaves it out

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
FIRST_CLICK_MS = 10_000  # how long the first click on a freshly opened page may take to open its details
# A rerun can take seconds on a busy machine.
expect.set_options(timeout=TIMEOUT_MS)
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
SIZES = {
    "desktop": {"viewport": {"width": 1400, "height": 1000}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
RYE_LANE = (51.46972, -0.0679)  # where the gazetteer puts "Rye Lane"
METRES_AROUND_THE_EQUATOR = 40_075_016.686


@pytest.fixture(scope="module", params=BACKENDS)
def server(tmp_path_factory, request):
    """A Streamlit server on the fixture database: a SQLite file, and a database of the test PostgreSQL server."""
    db = new_store(request, tmp_path_factory.mktemp("db"), "browser")
    build_incidents_db(db, cases=CASES + MORE_CASES)
    env = {**os.environ, "INCIDENTS_DB": str(db), "CRIMEMAP_LOCAL_EDITING": "1"}  # as `make run`
    with streamlit_server(env, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture(params=list(SIZES))
def sized(browser, request):
    """A page at desktop and at phone size; `page.size` says which."""
    context = browser.new_context(**SIZES[request.param])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.size = request.param
    yield page
    context.close()


def watch_decks(page):
    """Return the list that collects each deck spec the server sends the page (protobuf ForwardMsgs on the socket)."""
    decks = []

    def received(payload):
        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg.FromString(payload)
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "deck_gl_json_chart":
                decks.append(json.loads(element.deck_gl_json_chart.json))

    page.on("websocket", lambda ws: ws.on("framereceived", received))
    return decks


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector(MAP_CANVAS, state="visible")
    expect(page.get_by_role("heading", name="London crime map from the news")).to_be_visible()


def click_marker(page, headline):
    """Click the marker at the map's centre once its tooltip shows `headline`, as a person would (a rerun may have
    just drawn the map again)."""
    # A click while the page's script still runs may reach it before the other widgets have: wait for the run.
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    canvas = page.locator(MAP_CANVAS).first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while headline not in (page.locator(".deck-tooltip").all_inner_texts() or [""])[0]:
        assert time.monotonic() < deadline, f"no marker showing {headline!r} at the map's centre"
        page.mouse.move(centre[0] + 1, centre[1])
        page.mouse.move(*centre)
        time.sleep(0.3)
    page.mouse.click(*centre)


def query(page):
    return parse_qs(urlparse(page.url).query)


def coloured_pixels(page):
    """Count the pixels of the map that are neither white nor grey (the points and hexagons)."""
    png = page.locator('[data-testid="stDeckGlJsonChart"]').screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int(((pixels.max(axis=2) - pixels.min(axis=2)) > 40).sum())


def test_share_link_shows_the_filtered_count_and_draws_the_map(server, page):
    open_page(page, f"{server}/?borough=Greenwich&borough=Hackney")
    expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Greenwich", exact=True)).to_be_visible()
    expect(sidebar.get_by_text("Hackney", exact=True)).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stDeckGlJsonChart\"] canvas').width > 0")
    deadline = time.monotonic() + 10
    while coloured_pixels(page) < 50 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert coloured_pixels(page) >= 50
    assert query(page) == {"borough": ["Greenwich", "Hackney"]}


def test_changing_a_filter_changes_the_url_and_the_url_restores_the_view(server, page, browser):
    open_page(page, f"{server}/?borough=Greenwich&borough=Hackney")
    expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    types = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Incident type").get_by_role("combobox")
    types.click()
    types.press_sequentially("Robb")  # the option list is virtualised: only the first options exist in the DOM
    page.get_by_role("option", name="Robbery", exact=True).click()
    page.wait_for_function("() => location.search.includes('type=robbery')")
    expect(page.get_by_text("1 incident", exact=True)).to_be_visible()
    page.get_by_text("Every report", exact=True).click()  # the toggle: each report counts, not each event
    page.wait_for_function("() => location.search.includes('count=reports')")
    expect(page.get_by_text("1 report", exact=True)).to_be_visible()
    link = page.url
    assert query(page) == {"borough": ["Greenwich", "Hackney"], "type": ["robbery"], "count": ["reports"]}
    expect(page.get_by_test_id("stCode")).to_contain_text("type=robbery")

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_page(other, link)
    expect(other.get_by_text("1 report", exact=True)).to_be_visible()
    sidebar = other.get_by_test_id("stSidebar")
    for chip in ("Greenwich", "Hackney", "Robbery"):
        expect(sidebar.get_by_text(chip, exact=True)).to_be_visible()
    expect(other.get_by_role("switch", name="Every report")).to_be_checked()
    assert query(other) == {"borough": ["Greenwich", "Hackney"], "type": ["robbery"], "count": ["reports"]}
    other.context.close()


def test_the_browsers_back_and_another_page_keep_the_views(server, page):
    """Back shows the view before the last change (the page reads the address it is given, not its widgets); the
    map, left for another page and opened again from the menu, shows the view it showed."""
    open_page(page, f"{server}/?borough=Greenwich&borough=Hackney")
    expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    page.get_by_text("Fatal only", exact=True).click()
    page.wait_for_function("() => location.search.includes('fatal=1')")
    expect(page.get_by_text("0 incidents", exact=True)).to_be_visible()
    page.go_back()
    expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Fatal only")).not_to_be_checked()
    time.sleep(1)  # a page that wrote its widgets back would have put fatal=1 back by now
    assert query(page) == {"borough": ["Greenwich", "Hackney"]}

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Sources").click()
    page.wait_for_function("() => !location.search.includes('borough')")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Map", exact=True).click()
    expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    page.wait_for_function("() => location.search.includes('borough=Greenwich')")
    assert query(page) == {"borough": ["Greenwich", "Hackney"]}


def test_clicking_a_point_opens_its_details_and_puts_it_in_the_url(server, page):
    open_page(page, f"{server}/?type=stabbing&incident=peckham:0")
    details = page.locator(".st-key-details")
    expect(details.get_by_role("link", name="Man stabbed to death on Rye Lane")).to_have_attribute(
        "href", "https://news.example/peckham"
    )
    details.get_by_role("button", name="Close details").click()
    expect(details).to_have_count(0)
    page.wait_for_function("() => !location.search.includes('incident')")
    click_marker(page, "Man stabbed to death on Rye Lane")  # the map is centred on it, and one click opens it
    expect(page.locator(".st-key-details").get_by_text("Man stabbed to death on Rye Lane")).to_be_visible()
    page.wait_for_function("() => location.search.includes('incident=peckham')")
    assert query(page) == {"type": ["stabbing"], "incident": ["peckham:0"]}


def test_untrusted_headline_injects_no_element(server, page):
    open_page(page, f"{server}/?incident=xss:0")
    details = page.locator(".st-key-details")
    expect(details.get_by_text(XSS_HEADLINE, exact=True)).to_be_visible()
    expect(details.get_by_text("<script>alert(2)</script>", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    page.locator(MAP_CANVAS).first.scroll_into_view_if_needed()
    box = page.locator(MAP_CANVAS).first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # hover for the tooltip
    expect(page.locator(".deck-tooltip")).to_contain_text(XSS_HEADLINE)
    time.sleep(1)  # give an injected onerror handler time to run
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], .deck-tooltip img, .deck-tooltip b').length") == 0
    assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(')).length") == 0
    assert page.evaluate("[...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript')).length") == 0
    assert page.dialogs == []


def test_add_articles_opens_as_the_first_page_of_a_session(server, page):
    page.goto(f"{server}/add_articles")
    expect(page.get_by_role("heading", name="Add articles")).to_be_visible()
    expect(page.get_by_label("Article text")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def map_pixels(page):
    png = page.locator(MAP_CANVAS).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def test_near_a_place_shows_the_count_and_a_circle(server, sized):
    decks = watch_decks(sized)
    open_page(sized, f"{server}/?near=Rye%20Lane&km=1")
    expect(sized.get_by_text("2 incidents within 1 km of Rye Lane", exact=True)).to_be_visible()
    sized.wait_for_function("() => document.querySelector('[data-testid=\"stDeckGlJsonChart\"] canvas').width > 0")
    near = next(layer for layer in decks[-1]["layers"] if layer["id"] == "near")
    assert (near["data"], near["getRadius"]) == ([{"p": [RYE_LANE[1], RYE_LANE[0]]}], 1000.0)
    view = decks[-1]["initialViewState"]
    assert view == maps.fit_view(*maps.circle_bounds(*RYE_LANE, 1.0))
    # The circle's dark edge crosses the lines through the map's centre at its radius (deck.gl's world is 512 px
    # wide at zoom 0); the borough outlines are lighter.
    radius = 1000 / (METRES_AROUND_THE_EQUATOR * math.cos(math.radians(view["latitude"])) / (512 * 2 ** view["zoom"]))
    time.sleep(1)
    pixels = map_pixels(sized)
    dark = pixels.max(axis=2) < 110
    cy, cx = dark.shape[0] // 2, dark.shape[1] // 2
    r = round(radius)
    for y, x in ((cy, cx - r), (cy, cx + r), (cy - r, cx), (cy + r, cx)):
        assert dark[y - 4 : y + 5, x - 4 : x + 5].any(), (sized.size, y, x, r)
    assert query(sized) == {"near": ["Rye Lane"]}  # 1 km is the default


def test_clicking_a_stacked_marker_lists_its_incidents_beside_the_map(server, sized):
    open_page(sized, f"{server}/?q=Rye%20Lane")  # both Rye Lane incidents, one point: the map centres on it
    expect(sized.get_by_text("2 incidents", exact=True)).to_be_visible()
    details = sized.locator(".st-key-details")
    open_stack_by_click(sized, details)
    for headline, url in (
        ("Man stabbed to death on Rye Lane", "https://news.example/peckham"),
        ("Teenager robbed on Rye Lane", "https://news.example/ryelane2"),
    ):
        expect(details.get_by_role("link", name=headline)).to_have_attribute("href", url)
    sized.wait_for_function("() => location.search.includes('incident=peckham')")
    box, panel = sized.locator(MAP_CANVAS).first.bounding_box(), details.bounding_box()
    if sized.size == "desktop":  # beside the map
        assert panel["x"] >= box["x"] + box["width"] and panel["y"] < box["y"] + box["height"]
    else:  # right under it
        assert box["y"] + box["height"] <= panel["y"] < box["y"] + box["height"] + 200
    details.get_by_role("button", name="Close details").click()
    expect(sized.locator(".st-key-details")).to_have_count(0)
    # The link drops the incident near the run's end: a click before that reached the map the run was replacing.
    sized.wait_for_function("() => !location.search.includes('incident=')")
    open_stack_by_click(sized, sized.locator(".st-key-details"))  # a click opens them again


def open_stack_by_click(page, details):
    """Click the Rye Lane marker and expect its two incidents in `details`. On a loaded machine a click can be lost:
    the page's first runs redraw the map under the first one, and the one after Close was lost in 1 of 8 runs beside
    two busy processes (at 56f2247 and at 1df47ee; never in 12 runs alone). A person clicks again once the page is
    idle and still shows no details: clicking the marker a late first click picked would let go of it."""
    click_marker(page, "2 incidents here")
    try:
        expect(details.get_by_text("2 incidents at this place")).to_be_visible(timeout=FIRST_CLICK_MS)
    except AssertionError:
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
        if not details.get_by_text("2 incidents at this place").is_visible():
            click_marker(page, "2 incidents here")
        expect(details.get_by_text("2 incidents at this place")).to_be_visible()


def test_a_borough_link_opens_zoomed_on_the_borough(server, sized):
    decks = watch_decks(sized)
    open_page(sized, f"{server}/?borough=Barnet")
    expect(sized.get_by_text("0 incidents", exact=True)).to_be_visible()
    barnet = maps.fit_view(*maps.boroughs_bounds(load_borough_geojson(), ["Barnet"]))
    assert decks[-1]["initialViewState"] == barnet
    assert barnet["zoom"] > maps.LONDON_VIEW["zoom"] + 1


def test_unfiltered_map_shows_every_borough_full_width(server, sized):
    decks = watch_decks(sized)
    open_page(sized, server)
    view = decks[-1]["initialViewState"]
    assert view == maps.LONDON_VIEW
    canvas = sized.locator(MAP_CANVAS).first.bounding_box()
    london_px = (LONDON_BBOX.east - LONDON_BBOX.west) * 512 * 2 ** view["zoom"] / 360
    assert london_px <= canvas["width"]
    if sized.size == "phone":
        assert canvas["width"] >= 390 - 40  # the page's margins only
        title = sized.get_by_role("heading", name="London crime map from the news").bounding_box()
        assert title["height"] <= 120  # two lines at most (three are about 140 px)
