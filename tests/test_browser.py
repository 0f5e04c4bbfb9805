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
import urllib.request
from pathlib import Path

import pytest

from sim.explorer.session import Explorer
from sim.scenario import load_scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SERVER_TIMEOUT_S = 90.0
PAGE_TIMEOUT_MS = 60_000
UPDATE_TIMEOUT_MS = 15_000
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


@pytest.fixture
def server(tmp_path):
    """`qgeo ui` (baseline) on a free port of 127.0.0.1; yields its URL and always stops it."""
    port = free_port()
    log = tmp_path / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("QGEO_UI_")}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "ui", "baseline", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_server(url, process, log)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the session holds qgeo ui and its solara server only
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_explorer_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base_year = load_scenario("baseline").base_year
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1250})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server)
            year = page.locator(".qgeo-year")
            expect(year).to_have_text(str(base_year), timeout=PAGE_TIMEOUT_MS)
            expect(page.locator(".qgeo-network-chart canvas").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)

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
        finally:
            browser.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
