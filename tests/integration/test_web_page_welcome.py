"""
The rooms a login puts a page in, in a real browser against the real
daemon: each room's log says "you are in #room" once, not again in the
server's words (its notice naming the rooms, which the login reply listed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, register, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("welcome"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_roomsSaidOnce(daemon: Daemon) -> None:
    """
    A registered account signs in on the page and is put in its rooms: the
    room shown says it is in it in one line.
    """
    register(daemon, "welcomer", "sesame1")
    page = Browser(pageURL(daemon))
    try:
        page.login("welcomer", "sesame1")
        page.shown("#rooms li")
        time.sleep(1)  # the server's notice follows the login reply
        said = [text for sender, text in page.lines() if text.startswith("you are in")]
        assert len(said) == 1, said
        assert said[0].startswith("you are in #"), said
    finally:
        page.quit()
