"""
The page refused a connection by the server's per-address limit, in a real
browser against the real daemon: it says why (a browser sees a refused
handshake only as a close without a reason), keeps trying less and less
often, and gets in once a place is free.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import startChat  # noqa: E402
from tests.support.pagesockets import KEEP_SOCKETS, scriptedPage  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

REFUSED = "disconnected \u2014 refused: too many connections from your address"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("refused")
    daemon = startChat(workdir, "--max-per-address", "1", "--limit-exempt", "")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_limit_said_then_in(daemon: Daemon) -> None:
    """
    The address's one chat connection is a TCHAT client's: the page's
    status says the server refused it for too many connections from the
    address, and the errors say it with its code; its attempts are not a
    burst.  Once the TCHAT client leaves, the page connects and logs in,
    its status plainly connected.
    """
    holder: TchatClient | None = TchatClient(daemon.ports["TchatFactory"])
    page = scriptedPage(daemon, KEEP_SOCKETS)
    try:
        page.wait(lambda: page.find("#status").text.startswith(REFUSED))
        assert "Error 4: too many connections from your address" in page.find("#errors").text
        page.wait(lambda: page.driver.execute_script("return window.sockets.length") >= 2)
        assert page.find("#status").text.startswith(REFUSED)
        assert page.driver.execute_script("return window.sockets.length") <= 3
        assert holder is not None
        holder.close()
        holder = None
        page.login("limweb")
        assert page.find("#status").text == "connected"
    finally:
        if holder is not None:
            holder.close()
        page.quit()
