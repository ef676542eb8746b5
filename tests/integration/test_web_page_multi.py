"""
The page of an account signed in from a terminal too, in a real browser
against the real daemon: what the person says and does over TCHAT shows on
the page as their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("multi"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_own_doings_elsewhere(daemon: Daemon) -> None:
    """
    alice is on the page and in a terminal at once: a room she enters from
    the terminal appears on the page as joined; what she says there and a
    private message she sends show on the page as hers ("mine"); a room
    she leaves from the terminal goes from the page.
    """
    terminal = TchatClient(daemon.ports["TchatFactory"])
    bob = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon))
    try:
        terminal.send("LOGIN alice", "REGIS sesame-alice")
        terminal.expect("srv: OKAY!")
        terminal.expect("srv: OKAY!")
        page.login("alice", "sesame-alice")
        bob.send("LOGIN bob", "CREAT den", "ENTER den")
        bob.expect("srv: OKAY!")
        terminal.send("ENTER den")
        page.wait(lambda: page.findAll('#rooms button.joined[data-key="#den"]'))
        terminal.send("SPEAK den", "from the terminal", ".")
        page.open("#den")
        page.waitForLine("alice", "from the terminal")
        mine = (
            'return [...document.querySelectorAll("#log li.msg.mine .text")]'
            ".map((e) => e.innerText)"
        )
        page.wait(lambda: page.driver.execute_script(mine) == ["from the terminal"])
        terminal.send("MSGPV bob", "psst", ".")
        page.open("@bob")
        page.wait(lambda: page.driver.execute_script(mine) == ["psst"])
        terminal.send("LEAVE den")
        page.wait(lambda: not page.findAll('#rooms button.joined[data-key="#den"]'))
    finally:
        page.quit()
        terminal.close()
        bob.close()
