"""
The login form where only accounts log in (C{--guests off}), in a real
browser against the real daemon: the password is asked as such, not as
"only for registered nicknames".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("guests"), "--guests", "off")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_passwordLabel(daemon: Daemon) -> None:
    """Once the server's C{hello} is in, the password's label is "Password"."""
    page = Browser(pageURL(daemon))
    try:
        page.wait(lambda: page.find('label[for="password"]').text == "Password")
        assert page.find("#status").text == "connected"
    finally:
        page.quit()
