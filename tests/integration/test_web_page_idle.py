# -*- test-case-name: tests.integration.test_web_page_idle -*-
"""
The login form left unsent past the server's C{--login-timeout}, in a real
browser against the real daemon: the server's goodbye (code 1) is not news,
so the page neither reconnects nor says anything (status, live regions),
and sending the form later connects and logs in, still saying nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: Records what the live regions and the status are given, in order.
RECORD = """
window.heard = [];
for (const id of ["announce", "alert", "status"]) {
  new MutationObserver(() => {
    window.heard.push([id, document.getElementById(id).textContent]);
  }).observe(document.getElementById(id), { childList: true, characterData: true, subtree: true });
}
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("idle"), "--login-timeout", "1")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_idleLoginFormSaysNothing(daemon: Daemon) -> None:
    """
    The page waits on its login form through several login timeouts: its
    status and live regions get nothing about the connection (and it makes
    no new one); sent then, the form logs in, and nothing says "Connected
    again".
    """
    page = Browser(pageURL(daemon))
    try:
        page.wait(lambda: page.find("#status").text == "connected")
        page.driver.execute_script(RECORD)
        time.sleep(3.5)  # past three timeouts of 1 s
        said = page.driver.execute_script("return window.heard")
        assert [text for region, text in said if region != "status" or text] == []
        page.find("#nick").send_keys("idler")
        page.find("#login").click()
        page.wait(lambda: page.find("#me").text == "as idler")
        said = page.driver.execute_script("return window.heard")
        assert [text for region, text in said if region != "status"] == []
        assert "disconnected" not in " ".join(text for _, text in said)
        assert page.find("#status").text == "connected"
    finally:
        page.quit()
