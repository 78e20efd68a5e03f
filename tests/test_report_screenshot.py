"""The html report as a person sees it: rendered by headless Chromium, the screenshot checked."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageChops

from onward.report.build import REASON_LABELS, build_report, to_html
from onward.store import Store

WIDTH = 800
BROWSERS = ("chromium-headless-shell", "chromium")


def screenshot(page: Path, out: Path) -> Image.Image:
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    assert browser, "headless Chromium is needed: apt-get install -y chromium-headless-shell (scripts/test.sh does it)"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={WIDTH},2600", f"--screenshot={out}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    return Image.open(out).convert("RGB")


def test_report_page_renders_whole(tmp_path):
    with Store(tmp_path / "h.db") as store:
        for n, reason in enumerate(REASON_LABELS):
            row = store.insert_message("main", "INBOX", {
                "message_id": f"<r{n}>", "received_at": f"2025-0{1 + n % 3}-1{n}T10:00:00+00:00",
                "category": "rejection", "verdict": "rejection", "status": "classified",
                "company": "Aldergrove Renewable Energy Cooperative Ltd"})
            store.record_rejection(row, {"company": "Aldergrove Renewable Energy Cooperative Ltd", "stage": "interview",
                                         "reason": reason, "received_at": f"2025-0{1 + n % 3}-1{n}T10:00:00+00:00"})
        page = tmp_path / "report.html"
        page.write_text(to_html(build_report(store)), encoding="utf-8")
    shot = screenshot(page, tmp_path / "report.png")  # kept beside the page for a person to look at
    assert shot.width == WIDTH
    blank = Image.new("RGB", shot.size, "white")
    drawn = ImageChops.difference(shot, blank).getbbox()
    assert drawn is not None, "the page rendered nothing"
    left, top, right, bottom = drawn
    # nothing runs off the right edge: the longest label ("others' experience closer to the role")
    # and its bar fit the page
    assert right < WIDTH - 20, drawn
    # the four charts and the sections are all there, top to bottom
    assert bottom > 1200, drawn
    # the bars: the chart colours are really drawn
    colours = {colour for _count, colour in shot.getcolors(maxcolors=1 << 20)}
    assert {(0x5b, 0x9a, 0x68), (0x4a, 0x7b, 0xb7), (0xb7, 0x79, 0x4a)} <= colours
