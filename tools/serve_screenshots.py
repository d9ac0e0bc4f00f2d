"""Screenshots of the `renovate-net serve` page for docs/serve.md: desktop and phone, after a real render.

    python tools/serve_screenshots.py              # writes docs/serve.jpg and docs/serve-phone.jpg

Starts a local server (tools/serve_bench.py's), drives Debian's chromium with Playwright through the page as
a visitor would (photo, facade insulation in cream, black windows, render, slider) and saves each view as a
JPEG small enough for the repository (about 100-150 KB).
"""
from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

from serve_bench import EXAMPLE, local_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
VIEWS = {  # name: (browser context options, where the slider rests)
    "serve": ({"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}, 42),
    "serve-phone": ({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                     "has_touch": True, "locale": "nl-BE"}, 40),
}


def render_once(page: Page, url: str, slider: float) -> None:
    """The visitor's path: photo, two works, a material, render, then the slider moved."""
    page.goto(url)
    page.wait_for_selector("#types li")
    page.set_input_files("#upload", str(EXAMPLE))
    page.click("li[data-type=facade-insulation] .type-head")
    page.click("li[data-type=facade-insulation] .chip[data-material=render-cream]")
    page.click("li[data-type=windows] .type-head")
    page.click("li[data-type=windows] .chip[data-material=alu-black]")
    page.click("#render")
    page.wait_for_selector("#download:not([hidden])", timeout=120_000)
    page.fill("#slider", str(slider))
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(800)  # the smooth scroll and the slider settle


def save(png: bytes, path: Path, quality: int = 82) -> None:
    Image.open(io.BytesIO(png)).convert("RGB").save(path, "JPEG", quality=quality, optimize=True, progressive=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="Folder for the JPEGs.")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed: apt-get install chromium")
    with local_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for name, (options, slider) in VIEWS.items():
            context = browser.new_context(**options)
            page = context.new_page()
            render_once(page, url, slider)
            path = args.out / f"{name}.jpg"
            save(page.screenshot(), path)
            print(f"{path}: {path.stat().st_size / 1024:.0f} KB")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
