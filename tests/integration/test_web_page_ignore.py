"""
The page's C{/ignore} and C{/unignore}, in a real browser against the real
daemon: a TCHAT user it ignores never shows up in its private
conversations, while others do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(Path(tmp_path_factory.mktemp("ignore")))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_ignore_from_the_message_box(daemon: Daemon) -> None:
    """
    C{/ignore troll} says so; troll's MSGPV is acknowledged to troll and
    never shown, mate's is; C{/ignore} lists troll; C{/unignore troll}
    lets troll through again.
    """
    page = Browser(pageURL(daemon))
    troll = TchatClient(daemon.ports["TchatFactory"])
    mate = TchatClient(daemon.ports["TchatFactory"])
    try:
        troll.send("LOGIN troll")
        troll.expect("srv: OKAY!")
        mate.send("LOGIN mate")
        mate.expect("srv: OKAY!")
        page.login("quiet")
        enter(page, "Blabla")
        page.say("/ignore troll")
        page.wait(lambda: any("You ignore troll" in text for _, text in page.lines()))
        troll.send("MSGPV quiet", "spam", ".")
        troll.expect("srv: OKAY!")
        mate.send("MSGPV quiet", "hello", ".")
        mate.expect("srv: OKAY!")

        def sidebar() -> list[str]:
            buttons = page.findAll("#sidebar button[data-key]")
            return [button.get_attribute("data-key") or "" for button in buttons]

        page.wait(lambda: "@mate" in sidebar())
        assert "@troll" not in sidebar()
        page.say("/ignore")
        page.wait(lambda: any("You ignore: troll" in text for _, text in page.lines()))
        page.say("/unignore troll")
        page.wait(lambda: any("You no longer ignore troll" in text for _, text in page.lines()))
        troll.send("MSGPV quiet", "again", ".")
        troll.expect("srv: OKAY!")
        page.wait(lambda: "@troll" in sidebar())
    finally:
        troll.close()
        mate.close()
        page.quit()
