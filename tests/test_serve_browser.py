"""The page in a real headless Chromium (Debian's `chromium`, driven by Playwright) against a real uvicorn
server with the shipped models: photo in, two works and a colour, render, slider, outline, download.

Skipped only where chromium is missing outside CI; in CI (CI=true) a missing browser fails the test, since
.ci/run installs it.
"""
from __future__ import annotations

import os
import shutil

import pytest
from PIL import Image

from renovate_net.serve.app import create_app
from serve_fixtures import EXAMPLE, running_server, shipped_renderer  # noqa: F401

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run installs it, so CI must run this test")
    pytest.skip(f"{reason} (apt-get install chromium; CI installs it and runs this test)")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        _missing("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


class Recording:
    """The shipped renderer, noting each request it renders (what the page really asked for)."""

    def __init__(self, renderer):
        self.renderer, self.requests = renderer, []

    def render(self, image, request):
        self.requests.append(request)
        return self.renderer.render(image, request)


@pytest.fixture(scope="module")
def recording(shipped_renderer) -> Recording:
    return Recording(shipped_renderer)


@pytest.fixture(scope="module")
def base_url(recording):
    with running_server(create_app(recording)) as url:
        yield url


def test_render_in_the_browser(browser, base_url, recording, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-BE", accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url)
    page.wait_for_selector("#types li")
    assert page.inner_text("h1") == "Bekijk uw huis na de renovatie"  # follows navigator.languages
    page.click("#languages button[lang=en]")
    assert page.inner_text("h1") == "See your house after renovation"

    page.set_input_files("#upload", str(EXAMPLE))
    page.click("li[data-type=facade-insulation] .type-head")
    page.fill("li[data-type=facade-insulation] input[type=color]", "#e8e4da")
    page.click("li[data-type=windows] .type-head")
    page.click("li[data-type=windows] .chip[data-material=alu-black]")
    page.click("#render")
    page.wait_for_selector("#download:not([hidden])", timeout=60_000)
    assert recording.requests[-1].describe() == "facade-insulation=render-white #E8E4DA, windows=alu-black"
    warnings = page.inner_text("#warnings")  # the example's windows are too small to fit new frames to: the
    assert "frame clear enough" in warnings and not warnings.startswith("windows:")  # note, in the page's words

    width = Image.open(EXAMPLE).size[0]
    assert page.eval_on_selector("#after", "image => image.naturalWidth") == width
    box = page.locator("#compare").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    position = page.eval_on_selector("#compare", "element => element.style.getPropertyValue('--pos')")
    assert 20 <= float(position.rstrip("%")) <= 30
    page.check("#showChanges", force=True)
    page.wait_for_selector("#outline:not([hidden])")

    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert Image.open(saved).size == Image.open(EXAMPLE).size
    page.screenshot(path=str(tmp_path / "serve.png"), full_page=True)
    assert errors == []
    context.close()


def test_phone_screen_and_a_plain_error(browser, base_url, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="fr-BE")
    page = context.new_page()
    page.goto(base_url)
    page.wait_for_selector("#types li")
    assert page.get_attribute("#camera", "capture") == "environment"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.set_input_files("#upload", files=[{"name": "devis.png", "mimeType": "image/png", "buffer": b"not a photo"}])
    page.click("li[data-type=roof] .type-head")
    page.click("#render")
    page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    message = page.inner_text("#error")
    assert "Ce fichier n'est pas une photo" in message
    assert "devis.png: not an image PIL can read; give a JPEG or PNG photo" in message
    page.screenshot(path=str(tmp_path / "serve-phone-error.png"), full_page=True)
    assert (tmp_path / "serve-phone-error.png").stat().st_size > 0
    context.close()
