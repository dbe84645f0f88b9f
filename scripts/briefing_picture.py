"""Regenerate docs/briefing.png, the README's picture of the English briefing.

A sample's briefing opened in Debian's Chromium (through Playwright, offline, fresh profile) at
a laptop's width; the first screenful is saved.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from pipeline.report import Options, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_workbooks" / "consultant_lost_key_client.xlsx"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(lang: str = "en") -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed: run scripts/system-deps.sh")
    with tempfile.TemporaryDirectory() as tmp:
        result = report(SAMPLE, Path(tmp), Options(lang=lang))
        page_file = next(f for f in result.files if f.suffix == ".html")
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path=chromium, headless=True, args=ARGS
            )
            page = browser.new_page()
            page.set_viewport_size({"width": 960, "height": 1300})
            page.goto(page_file.as_uri())
            target = ROOT / "docs" / ("briefing.png" if lang == "en" else f"briefing-{lang}.png")
            page.screenshot(path=str(target))
            browser.close()
    print(f"{target.relative_to(ROOT)}: the first screen of {SAMPLE.name}'s briefing ({lang})")


if __name__ == "__main__":
    main(*sys.argv[1:])
