"""End to end: `textcnn serve` on localhost, the page in headless Chromium, a review typed and read.

Uses Debian's chromium (Playwright's own browser download cannot work offline). Outside CI the test
skips when no Chromium or Playwright is installed; in CI (the CI variable set) it fails instead.
Set TEXTCNN_PAGE_RUN to serve another run (README's screenshot uses a real IMDB run) and
TEXTCNN_SCREENSHOT to keep the screenshot there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REVIEW = "A wonderful, moving film with a superb cast, though the ending was dull."


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs chromium (apt-get install -y chromium) and playwright (pip install -e '.[dev]')")
        pytest.skip("no Chromium or Playwright here: apt-get install -y chromium; pip install playwright")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["tiny_run", "tiny_wide_run"])
def server(request):
    run = os.environ.get("TEXTCNN_PAGE_RUN", str(request.getfixturevalue(request.param)))
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "textcnn", "serve", run, "--port", str(port), "--device", "cpu"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"textcnn serve did not start: {process.stdout.read().decode(errors='replace')}")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_page_reads_a_review_and_highlights_its_ngrams(server, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    shot = tmp_path / "page.png"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # an empty user-data directory
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server)
            page.wait_for_function("document.getElementById('run-info').textContent.startsWith('Run ')")
            page.fill("#review", REVIEW)
            page.click("#read")
            page.wait_for_selector("#verdict:not([hidden])", timeout=20_000)
            assert page.text_content("#label") in ("neg", "pos")
            page.wait_for_selector("#highlighted span.token.marked")
            assert page.locator("#highlighted").text_content() == REVIEW  # the review, whole, with marks on it
            assert page.locator("#ngrams li").count() >= 1
            wide = json.loads(urllib.request.urlopen(f"{server}/health").read()).get("wide_ngrams", 0)
            if wide:  # the linear branch's n-grams are listed beside the filters
                page.wait_for_selector("#wide-section:not([hidden])")
                assert page.locator("#wide tbody tr").count() >= 1
                assert "the linear branch" in page.text_content("#ngrams")
            else:
                assert page.locator("#wide-section").is_hidden()
            page.wait_for_selector("#slide rect.window")  # the step-through drew its window
            page.click("#forward")
            assert "position 2 of" in page.text_content("#position-label")
            assert "ReLU" in page.text_content("#arithmetic")
            # Slide to the last position: max pooling marks the peak and the filter's vote is spelled out.
            page.eval_on_selector("#position", "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
            assert "max pooling keeps" in page.text_content("#arithmetic")
            assert page.locator("#slide text", has_text="max pooling keeps this").count() == 1
            page.screenshot(path=str(shot), full_page=True)
            assert not errors, errors
        finally:
            context.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("TEXTCNN_SCREENSHOT"):
        shutil.copyfile(shot, Path(os.environ["TEXTCNN_SCREENSHOT"]))
