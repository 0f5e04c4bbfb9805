"""The explorer in a real browser: `qgeo ui` on a free loopback port, driven by headless Chromium.

Needs Debian's chromium at /usr/bin/chromium (``make browser`` installs it); skipped without it.
Set QGEO_EXPLORER_SCREENSHOT=docs/img/explorer.png to also save a picture of the whole page there.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from sim.cli import main
from sim.engine.store import read_table
from sim.explorer.session import Explorer
from sim.inputs.scenario import SCENARIO_DIR, load_scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SERVER_TIMEOUT_S = 90.0
PAGE_TIMEOUT_MS = 90_000
UPDATE_TIMEOUT_MS = 30_000
NODE_PIXEL_JS = """([x, y]) => document.querySelector('.qgeo-network-chart').__vue__.chart
    .convertToPixel({seriesIndex: 0}, [x, y])"""
"""Pixel position, within the network chart, of a node at layout position (x, y)."""
TWO_FRAMES_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium "
                       "(run `make browser`)"),
]


def save_small(png: bytes, path: Path) -> None:
    """Save a screenshot 1200 px wide with 256 colours (the README's picture stays under 400 KB)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((1200, round(image.height * 1200 / image.width)), Image.Resampling.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll until the server answers, the process dies, or the deadline passes."""
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"qgeo ui exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval, not a wait for a result
    pytest.fail(f"qgeo ui did not answer on {url} within {SERVER_TIMEOUT_S:.0f} s:\n{log.read_text()}")


def start_server(scenario: str, directory: Path):
    """`qgeo ui SCENARIO` on a free port of 127.0.0.1; yields its URL and log, and always stops it."""
    port = free_port()
    log = directory / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("QGEO_UI_")}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "ui", scenario, "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=directory, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_server(url, process, log)
        yield url, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the session holds qgeo ui and its solara server only
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`qgeo ui baseline`, shared by the tests of this module (each page is its own session)."""
    yield from start_server("baseline", tmp_path_factory.mktemp("baseline"))


@pytest.fixture
def server(served):
    return served[0]


@pytest.fixture(scope="module")
def short_file_server(tmp_path_factory):
    """`qgeo ui FILE.toml` on a scenario file of three steps (not a shipped scenario)."""
    directory = tmp_path_factory.mktemp("file")
    path = directory / "short_run.toml"
    path.write_text(f'extends = "{(SCENARIO_DIR / "baseline.toml").as_posix()}"\nname = "short_run"\n'
                    "steps = 3\n", encoding="utf-8")
    for url, log in start_server(str(path), directory):
        yield url, log, path


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class Watch:
    """Every request and JavaScript error of a page (the offline check reads them at the end)."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda response: self.failed.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)

    def check(self, log: Path) -> None:
        """Nothing left 127.0.0.1: not the browser, nor the server fetching assets for it."""
        outside = [url for url in self.requests
                   if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", None)
                   and not url.startswith(("data:", "blob:", "about:"))]
        assert self.requests and not outside, f"requests that leave 127.0.0.1: {outside}"
        assert not self.failed, f"requests that failed: {self.failed}"
        assert "Could not load URL" not in log.read_text(), "the server fetched assets from the internet"
        assert not self.errors, f"JavaScript errors on the page: {self.errors}"


def new_page(browser, url: str, width: int = 1600, height: int = 1250):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    watch = Watch(page)
    page.goto(url)
    expect(page.locator(".qgeo-year")).to_have_text(re.compile(r"^\d{4}$"), timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".qgeo-network-chart canvas").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    for part in (".qgeo-ring-legend", ".qgeo-country", ".qgeo-explanation"):  # the whole page is drawn
        expect(page.locator(part)).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".qgeo-plot-legend span").first).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    page.evaluate(TWO_FRAMES_JS)
    return page, watch


def test_explorer_in_chromium(served, browser, tmp_path):
    from playwright.sync_api import expect

    server, log = served
    base_year = load_scenario("baseline").base_year
    page, watch = new_page(browser, server)
    year = page.locator(".qgeo-year")
    expect(year).to_have_text(str(base_year), timeout=PAGE_TIMEOUT_MS)

    # Step advances the year
    page.locator(".qgeo-step-button").click()
    expect(year).to_have_text(str(base_year + 1), timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".qgeo-step")).to_have_text(f"step 1 of {load_scenario('baseline').steps}")

    # Moving a slider rebuilds the model with the new value, back at the base year
    readout = page.locator(".qgeo-readout-alignment_weight")
    before = float(readout.inner_text())
    thumb = page.locator(".qgeo-slider-alignment_weight [role=slider]")
    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    expect(readout).to_have_text(f"{before + 0.3:.2f}", timeout=UPDATE_TIMEOUT_MS)
    expect(year).to_have_text(str(base_year), timeout=UPDATE_TIMEOUT_MS)

    # An event applied now is listed as applied in the current year; the run goes on from it
    page.locator(".qgeo-tighten").click()
    event = page.locator(".qgeo-event").filter(has_text="tighten export controls")
    applied = re.compile(rf"applied\s*{base_year} · page:")
    expect(event).to_have_text(applied, timeout=UPDATE_TIMEOUT_MS)
    for offset in (1, 2, 3):
        page.locator(".qgeo-step-button").click()
        expect(year).to_have_text(str(base_year + offset), timeout=UPDATE_TIMEOUT_MS)

    # Play runs on by itself until paused
    page.locator(".qgeo-play-button").click()
    later = re.compile("|".join(rf"^{y}$" for y in range(base_year + 6, base_year + 26)))
    expect(year).to_have_text(later, timeout=UPDATE_TIMEOUT_MS)
    page.locator(".qgeo-play-button").click()
    expect(page.locator(".qgeo-play-button")).to_have_text("Play", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".qgeo-step-button")).to_be_enabled()

    # Hover a country in the network: its tooltip; click it: the country card shows it
    x, y = Explorer("baseline").positions["VNM"]
    px, py = page.evaluate(NODE_PIXEL_JS, [x, y])
    box = page.locator(".qgeo-network-chart").bounding_box()
    page.mouse.move(box["x"] + px, box["y"] + py)
    tooltip = page.locator(".qgeo-network-chart").get_by_text("Portfolio HHI")
    expect(tooltip).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".qgeo-network-chart")).to_contain_text("Vietnam (VNM)")
    page.mouse.click(box["x"] + px, box["y"] + py)
    expect(page.locator(".qgeo-selected")).to_contain_text("Vietnam (VNM)", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".qgeo-country")).to_contain_text("Portfolio HHI")

    # Select a country from the list: the details card shows it
    page.locator(".qgeo-selected").click()
    page.get_by_role("option", name="Russia (RUS)").click()
    expect(page.locator(".qgeo-selected")).to_contain_text("Russia (RUS)", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".qgeo-country")).to_contain_text("Serves")  # a provider's receivers

    shot = tmp_path / "explorer.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    if os.environ.get("QGEO_EXPLORER_SCREENSHOT"):  # the whole page, for the README
        page.set_viewport_size({"width": 1600, "height": 2150})
        page.evaluate(TWO_FRAMES_JS)  # let the charts redraw at the new size
        save_small(page.screenshot(), Path(os.environ["QGEO_EXPLORER_SCREENSHOT"]))
    watch.check(log)


def screenshot_path(name: str) -> Path | None:
    """Where to save a README picture, next to QGEO_EXPLORER_SCREENSHOT (None when it is not set)."""
    main_shot = os.environ.get("QGEO_EXPLORER_SCREENSHOT")
    return Path(main_shot).with_name(name) if main_shot else None


OUTSIDE_CODE_TEXT_JS = """() => { const copy = document.querySelector('.qgeo-odd').cloneNode(true);
    copy.querySelectorAll('code, pre, math').forEach(node => node.remove()); return copy.textContent; }"""
CHART_SERIES_JS = """(selector) => document.querySelector(selector).__vue__.chart.getOption().series
    .map(series => series.id || series.name)"""
CLIPPED_TITLES_JS = """() => [...document.querySelectorAll('.qgeo-plot-title')]
    .filter(title => title.scrollWidth > title.clientWidth + 1
            || title.getBoundingClientRect().right > title.closest('.v-card').getBoundingClientRect().right)
    .map(title => title.textContent)"""


def test_model_description_shows_its_equations_without_the_internet(served, browser):
    from playwright.sync_api import expect

    server, log = served
    page, watch = new_page(browser, server)
    page.locator(".qgeo-odd-link").click()
    expect(page.locator(".qgeo-odd h1").first).to_contain_text("model description", timeout=PAGE_TIMEOUT_MS)
    formulas = page.locator(".qgeo-odd math")
    expect(formulas.nth(200)).to_be_attached(timeout=UPDATE_TIMEOUT_MS)
    display = page.locator('.qgeo-odd math[display="block"]').first
    display.scroll_into_view_if_needed()
    box = display.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 10  # laid out as maths, not raw text
    assert "$" not in page.evaluate(OUTSIDE_CODE_TEXT_JS)
    if screenshot_path("explorer_odd.png"):
        display.scroll_into_view_if_needed()
        save_small(page.screenshot(), screenshot_path("explorer_odd.png"))
    page.locator(".qgeo-back").click()
    expect(page.locator(".qgeo-network-chart canvas").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    watch.check(log)


@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 768)])
def test_layout_keeps_the_step_button_and_the_network_in_view(served, browser, width, height):
    from playwright.sync_api import expect

    server, log = served
    page, watch = new_page(browser, server, width, height)
    for selector in (".qgeo-step-button", ".qgeo-play-button", ".qgeo-network-chart", ".qgeo-ring-legend"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (selector, box)
    assert page.locator(".qgeo-network-chart").bounding_box()["height"] >= 280
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling
    expect(page.locator(".qgeo-ring-legend")).to_contain_text("dashed ring: under sanctions")
    watch.check(log)


def test_plot_titles_and_legends_stay_clear_at_1400_px(served, browser):
    server, log = served
    page, watch = new_page(browser, server, 1400, 900)
    page.locator(".qgeo-plot-shares").scroll_into_view_if_needed()
    assert page.evaluate(CLIPPED_TITLES_JS) == []
    for name in ("shares", "capability", "dependence"):
        card = page.locator(f".qgeo-plot-{name}")
        chart = card.locator(".qgeo-plot-chart").bounding_box()
        legend = card.locator(".qgeo-plot-legend").bounding_box()
        assert legend["y"] >= chart["y"] + chart["height"] - 1  # the legend is under the axis, not on it
        assert card.locator(".qgeo-plot-legend span").count() >= 3
    watch.check(log)


def test_events_update_the_header_and_sanctions_come_from_the_coalition(served, browser):
    from playwright.sync_api import expect

    server, log = served
    page, watch = new_page(browser, server)
    metrics = page.locator(".qgeo-metrics")
    expect(metrics).to_contain_text("controls 0.55", timeout=UPDATE_TIMEOUT_MS)
    page.locator(".qgeo-tighten").click()
    expect(metrics).to_contain_text("controls 0.80", timeout=UPDATE_TIMEOUT_MS)
    coalition = Explorer("baseline").sanctioners("RUS")
    expect(page.locator(".qgeo-coalition")).to_contain_text(", ".join(coalition))
    page.locator(".qgeo-sanction").click()
    row = page.locator(".qgeo-event").filter(has_text="sanction RUS")
    expect(row).to_contain_text(f"{', '.join(coalition)} sanction RUS", timeout=UPDATE_TIMEOUT_MS)
    assert "USA, CHN sanction" not in row.inner_text()
    watch.check(log)


def test_saved_scenario_replays_the_page_in_qgeo_run(served, browser, tmp_path):
    from playwright.sync_api import expect

    server, log = served
    page, watch = new_page(browser, server)
    year, base_year = page.locator(".qgeo-year"), load_scenario("baseline").base_year
    page.locator(".qgeo-next-seed").click()
    expect(page.locator(".qgeo-seed input")).to_have_value(str(load_scenario("baseline").seed + 1),
                                                          timeout=UPDATE_TIMEOUT_MS)
    page.locator(".qgeo-step-button").click()
    expect(year).to_have_text(str(base_year + 1), timeout=UPDATE_TIMEOUT_MS)
    page.locator(".qgeo-tighten").click()
    page.locator(".qgeo-sanction").click()
    sanction = page.locator(".qgeo-event").filter(has_text="sanction RUS")
    expect(sanction).to_have_count(1, timeout=UPDATE_TIMEOUT_MS)
    for offset in (2, 3, 4):
        page.locator(".qgeo-step-button").click()
        expect(year).to_have_text(str(base_year + offset), timeout=UPDATE_TIMEOUT_MS)
    with page.expect_download(timeout=UPDATE_TIMEOUT_MS) as download:
        page.locator(".qgeo-save").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "baseline_explored.toml"
    scenario = load_scenario(saved)
    assert scenario.seed == load_scenario("baseline").seed + 1
    assert [(e["year"], e["kind"]) for e in scenario.events] == [
        (base_year + 2, "export_controls"), (base_year + 2, "sanctions")]
    out = tmp_path / "run"
    assert main(["run", str(saved), "--replications", "1", "--no-plots", "--out", str(out)]) == 0
    row = read_table(out, "model").set_index("year").loc[base_year + 4]
    # the page's header in that year shows the replay's numbers (each text is its own widget, so
    # wait for it rather than read it once the year has changed)
    expect(page.locator(".qgeo-metrics")).to_have_text(
        f"{int(row['n_partnerships'])} partnerships · leaders hold {row['share_leaders']:.0%} · "
        f"controls {row['leader_stringency']:.2f}", timeout=UPDATE_TIMEOUT_MS)
    expect(year).to_have_text(str(base_year + 4))
    watch.check(log)


def test_ensemble_runs_in_the_background_and_draws_bands_and_a_comparison(served, browser):
    from playwright.sync_api import expect

    server, log = served
    page, watch = new_page(browser, server)
    replications = page.locator(".qgeo-replications input")
    replications.fill("12")
    replications.press("Enter")
    page.locator(".qgeo-compare").click()
    page.get_by_role("option", name="sanctions_tightened").click()
    page.locator(".qgeo-ensemble-run").click()
    # the page stays usable while the replications run in their thread
    expect(page.locator(".qgeo-ensemble-progress")).to_contain_text("of 24 runs", timeout=UPDATE_TIMEOUT_MS)
    page.locator(".qgeo-step-button").click()
    base_year = load_scenario("baseline").base_year
    expect(page.locator(".qgeo-year")).to_have_text(str(base_year + 1), timeout=UPDATE_TIMEOUT_MS)
    status = page.locator(".qgeo-ensemble-status")
    expect(status).to_contain_text("12 replications of these settings", timeout=PAGE_TIMEOUT_MS * 2)
    expect(status).to_contain_text("sanctions_tightened")
    page.locator(".qgeo-plot-shares").scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({CHART_SERIES_JS})('.qgeo-plot-shares .qgeo-plot-chart')"
                           ".some(id => String(id).startsWith('overlay-'))", timeout=UPDATE_TIMEOUT_MS)
    ids = page.evaluate(CHART_SERIES_JS, ".qgeo-plot-shares .qgeo-plot-chart")
    assert "band-width-share_leaders" in ids and "live-share_leaders" in ids
    assert ids.index("band-width-share_leaders") < ids.index("live-share_leaders") < ids.index(
        "overlay-share_leaders")
    if screenshot_path("explorer_ensemble.png"):  # the ensemble card and the plots, ten years on
        year = page.locator(".qgeo-year")
        for offset in range(2, 12):
            page.locator(".qgeo-step-button").click()
            expect(year).to_have_text(str(base_year + offset), timeout=UPDATE_TIMEOUT_MS)
        page.evaluate("() => document.querySelector('.qgeo-ensemble').scrollIntoView({block: 'start'})")
        page.evaluate(TWO_FRAMES_JS)
        top = page.locator(".qgeo-ensemble").bounding_box()
        plots = page.locator(".qgeo-plot-dependence").bounding_box()
        clip = {"x": top["x"] - 8, "y": top["y"] - 8, "width": plots["x"] + plots["width"] - top["x"] + 16,
                "height": plots["y"] + plots["height"] - top["y"] + 16}
        save_small(page.screenshot(clip=clip), screenshot_path("explorer_ensemble.png"))
    watch.check(log)


def test_ui_opens_a_scenario_file_and_play_stops_at_its_horizon(short_file_server, browser):
    from playwright.sync_api import expect

    server, log, path = short_file_server
    page, watch = new_page(browser, server)
    expect(page.locator(".qgeo-run-label")).to_contain_text("scenario short_run")
    expect(page.locator(".qgeo-scenario")).to_contain_text(str(path.resolve()))
    expect(page.locator(".qgeo-step")).to_have_text("step 0 of 3")
    page.locator(".qgeo-play-button").click()
    base_year = load_scenario(path).base_year
    expect(page.locator(".qgeo-year")).to_have_text(str(base_year + 3), timeout=UPDATE_TIMEOUT_MS)
    play = page.locator(".qgeo-play-button")
    expect(play).to_have_text("Play", timeout=UPDATE_TIMEOUT_MS)
    expect(play).to_be_disabled()
    expect(page.locator(".qgeo-horizon")).to_contain_text("end of the horizon")
    watch.check(log)
