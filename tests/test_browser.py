"""The dashboard in a real browser: Debian's chromium driven by Playwright against `streamlit run` on a fixture DB.

Playwright never downloads a browser here; /usr/bin/chromium comes from apt (`make chromium`).
"""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from dashboard_fixtures import XSS_HEADLINE, build_incidents_db
from PIL import Image
from playwright.sync_api import expect, sync_playwright

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
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w+")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "INCIDENTS_DB": str(db), "CRIMEMAP_LOCAL_EDITING": "1"},  # as `make run`
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"streamlit did not start:\n{log.read()}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector(MAP_CANVAS, state="visible")
    expect(page.get_by_role("heading", name="London crime map from the news")).to_be_visible()


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
    link = page.url
    assert query(page) == {"borough": ["Greenwich", "Hackney"], "type": ["robbery"]}
    expect(page.get_by_test_id("stCode")).to_contain_text("type=robbery")

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_page(other, link)
    expect(other.get_by_text("1 incident", exact=True)).to_be_visible()
    sidebar = other.get_by_test_id("stSidebar")
    for chip in ("Greenwich", "Hackney", "Robbery"):
        expect(sidebar.get_by_text(chip, exact=True)).to_be_visible()
    assert query(other) == {"borough": ["Greenwich", "Hackney"], "type": ["robbery"]}
    other.context.close()


def test_clicking_a_point_opens_its_details_and_puts_it_in_the_url(server, page):
    open_page(page, f"{server}/?type=stabbing&incident=peckham:0")
    details = page.locator(".st-key-details")
    expect(details.get_by_role("link", name="Man stabbed to death on Rye Lane")).to_have_attribute(
        "href", "https://news.example/peckham"
    )
    details.get_by_role("button", name="Close details").click()
    expect(details).to_have_count(0)
    page.wait_for_function("() => !location.search.includes('incident')")
    page.locator(MAP_CANVAS).first.scroll_into_view_if_needed()
    box = page.locator(MAP_CANVAS).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map is centred on it
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
