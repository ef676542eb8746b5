"""
A private message typed as C{/msg nick text} whose answer a dropped
connection lost, and what a tab keeps over a reload, in a real browser
against the real daemon: the C{/msg} goes with its own id (C{cid}), like a
message of the box, so back it is shown once if it got through, or put in
the box of the conversation with that person, marked, and said once when
sent again; a reload signed in as another account is offered none of what
the first account's page kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import register, startChat, tchat  # noqa: E402
from tests.support.pagesockets import (  # noqa: E402
    HOLD,
    NOT_THROUGH,
    SILENCE,
    release,
    signedIn,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

GOT_THROUGH = "Your message got through before the connection dropped."
KEPT = "return sessionStorage.getItem('chatd.unsure') || ''"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("resendprivate"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def box(page: Browser) -> str:
    value: str = page.find("#text").get_attribute("value") or ""
    return value


def test_msg_not_through_said_once(daemon: Daemon) -> None:
    """
    A C{/msg} typed in a room is held in a tunnel and the connection dies:
    back, the page shows the conversation with that person, says the
    message did not get through and has it in that conversation's box;
    sent again, and the old connection's copy reaching the server late,
    the person gets it once.
    """
    nick = "pmtunnel"
    page = signedIn(daemon, nick)
    bob = tchat(daemon, "pmbob")
    try:
        page.driver.execute_script(HOLD)
        page.driver.execute_script(SILENCE, "deaf")
        page.say("/msg pmbob through the tunnel")
        page.wait(lambda: page.driver.execute_script("return window.held.length") == 1)
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: page.find("#conv-title").text == "Private: pmbob")
        page.waitForLine("", NOT_THROUGH)
        assert box(page) == "through the tunnel\n"
        page.click("#send")  # sent again: the same cid
        page.wait(lambda: box(page) == "")
        assert bob.expect("srv: MSGPV pmtunnel")[1:] == ["through the tunnel"]
        late = release(page, nick)
        assert late["type"] == "tell" and late.get("repeat") is True
        page.say("after it")
        assert bob.expect("srv: MSGPV pmtunnel")[1:] == ["after it"]
        page.waitForLine(nick, "after it")
        assert page.lines().count((nick, "through the tunnel")) == 1
        page.open("#blabla")
        assert box(page) == ""  # the command is not left in the room's box
    finally:
        bob.close()
        page.quit()


def test_msg_through_shown_once(daemon: Daemon) -> None:
    """
    A C{/msg} reaches the server but its answer is lost with the
    connection: back, the page says it got through, shows it once in the
    conversation with that person, and leaves no box holding it (sent
    from there again, it would be said twice).
    """
    nick = "pmdeaf"
    page = signedIn(daemon, nick)
    bob = tchat(daemon, "pmcarl")
    try:
        page.driver.execute_script(SILENCE, "deaf")
        page.say("/msg pmcarl heard anyway")
        assert bob.expect("srv: MSGPV pmdeaf")[1:] == ["heard anyway"]
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: page.find("#conv-title").text == "Private: pmcarl")
        page.waitForLine("", GOT_THROUGH)
        assert page.lines().count((nick, "heard anyway")) == 1
        assert box(page) == ""
        page.open("#blabla")
        assert box(page) == ""
    finally:
        bob.close()
        page.quit()


def test_reload_as_another_account(daemon: Daemon) -> None:
    """
    A message held in a tunnel, the tab reloaded and signed in to another
    account: the page neither asks about nor offers back the first
    account's message (in the new account's name it would be sent as
    theirs), and the tab no longer keeps it.
    """
    page = signedIn(daemon, "firstone")
    register(daemon, "secondone", "secondone-pw")
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN wfirstone", "ENTER Blabla")
        page.waitForLine("", "wfirstone joined")
        page.driver.execute_script(HOLD)
        page.driver.execute_script(
            "document.getElementById('text').value = arguments[0]", "not for the second one"
        )
        page.click("#send")
        page.wait(lambda: page.driver.execute_script("return window.held.length") == 1)
        assert "not for the second one" in page.driver.execute_script(KEPT)
        page.driver.refresh()
        page.login("secondone", "secondone-pw")
        page.say("/join Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        page.say("after it")  # answered after any question the login asked
        assert witness.expect("srv: SPEAK secondone Blabla")[1:] == ["after it"]
        page.waitForLine("secondone", "after it")
        assert NOT_THROUGH not in [text for _, text in page.lines()]
        assert box(page) == ""
        assert "not for the second one" not in page.driver.execute_script(KEPT)
    finally:
        witness.close()
        page.quit()
