"""
The page whose scripts fail to load (one of its modules refused, the network
gone) says so after 10 seconds, with a link to reload, instead of staying on
"connecting…" without a word; a page that loaded shows nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir: Path = tmp_path_factory.mktemp("loadfail")
    daemon = startChat(workdir)
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_moduleFailedToLoad(daemon: Daemon) -> None:
    """
    With one module blocked, the notice is shown, its link reloading the page.
    """
    browser = Browser("about:blank")
    try:
        browser.driver.execute_cdp_cmd("Network.enable", {})
        browser.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/net.js"]})
        browser.driver.get(pageURL(daemon))
        notice = browser.shown("#load-failed")
        assert "has not finished loading" in notice.text
        assert notice.find_element("css selector", "a").get_property("href") == pageURL(daemon)
        assert browser.find("#status").text == "connecting\u2026"
    finally:
        browser.quit()


def test_pageLoaded(daemon: Daemon) -> None:
    """
    A page whose scripts started has removed the notice.
    """
    browser = Browser(pageURL(daemon))
    try:
        browser.wait(lambda: browser.find("#status").text == "connected")
        assert browser.findAll("#load-failed") == []
    finally:
        browser.quit()
