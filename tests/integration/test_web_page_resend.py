"""
A message sent into a dead connection, in a real browser against the real
daemon: the page sends each message with its own id (C{cid}), so one that
reaches the server late from the old connection, after the page sent it
again, is said once; and private messages written to a connection that was
already dead are shown after the reconnect (history C{after} the last one
the page showed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import startChat, tchat  # noqa: E402
from tests.support.pagesockets import (  # noqa: E402
    HOLD,
    NOT_THROUGH,
    SILENCE,
    release,
    signedIn,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("resend"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.mark.parametrize("oldFirst", [False, True])
def test_late_message_said_once(daemon: Daemon, oldFirst: bool) -> None:
    """
    The page's message is held in a tunnel; the page gives the connection
    up, comes back, is told the message did not get through, and it is
    sent again.  The old connection's copy reaches the server after the
    resend (or after the check, before the resend): the room gets it once,
    the late copy answered as a repeat of the same message.
    """
    nick = "tunnel" + ("old" if oldFirst else "new")
    page = signedIn(daemon, nick)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN w" + nick, "ENTER Blabla")
        page.waitForLine("", f"w{nick} joined")
        page.driver.execute_script(HOLD)
        page.driver.execute_script(SILENCE, "deaf")
        page.shown("#text").send_keys("through the tunnel")
        page.click("#send")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", NOT_THROUGH)
        assert page.find("#text").get_attribute("value") == "through the tunnel\n"
        late = None
        if oldFirst:
            late = release(page, nick)
            assert "repeat" not in late
            witness.expect(f"srv: SPEAK {nick} Blabla")
        page.click("#send")  # sent again: the same cid
        page.wait(lambda: page.find("#text").get_attribute("value") == "")
        if not oldFirst:
            assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["through the tunnel"]
            late = release(page, nick)
        assert late is not None
        assert late["type"] == "say" and late.get("repeat") is (None if oldFirst else True)
        page.say("after it")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["after it"]
        page.waitForLine(nick, "after it")
        assert page.lines().count((nick, "through the tunnel")) == 1
    finally:
        witness.close()
        page.quit()


def typeAndSend(page: Browser, typed: str) -> None:
    """C{typed} (maybe of several lines) in the box, sent."""
    page.driver.execute_script("document.getElementById('text').value = arguments[0]", typed)
    page.click("#send")


def test_late_action_said_once(daemon: Daemon) -> None:
    """
    A C{/me} with a line after it, held in a tunnel: it shows as being
    sent; back, the page says it did not get through and puts it back in
    the box as typed; sent again, and the old connection's copy reaching
    the server late, the room gets the action and the line once each.
    """
    nick = "actor"
    page = signedIn(daemon, nick)
    witness = TchatClient(daemon.ports["TchatFactory"])
    typed = "/me jumps\ntwice"
    try:
        witness.send("LOGIN w" + nick, "ENTER Blabla")
        page.waitForLine("", f"w{nick} joined")
        page.driver.execute_script(HOLD)
        page.driver.execute_script(SILENCE, "deaf")
        typeAndSend(page, typed)
        page.wait(lambda: page.findAll("#log li.pending"))
        assert page.find("#text").get_attribute("value") == ""
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", NOT_THROUGH)
        assert page.find("#text").get_attribute("value") == typed + "\n"
        page.click("#send")  # sent again: the same cids
        page.wait(lambda: page.find("#text").get_attribute("value") == "")
        assert "jumps" in witness.expect(f"srv: SPEAK {nick} Blabla")[1]
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["twice"]
        late = release(page, nick)
        assert late["type"] == "say" and late.get("repeat") is True
        page.say("after it")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["after it"]
        page.waitForLine(nick, "after it")
        assert page.lines().count((nick, "* actor jumps")) == 1
        assert page.lines().count((nick, "twice")) == 1
    finally:
        witness.close()
        page.quit()


def test_held_message_survives_reload(daemon: Daemon) -> None:
    """
    The page is reloaded while its message is held in a tunnel: logged
    in again, it offers the message back in the box (it did not get
    through), sent again with the same cid: the old connection's copy,
    reaching the server late, is not said twice.
    """
    nick = "reloader"
    page = signedIn(daemon, nick)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN w" + nick, "ENTER Blabla")
        page.waitForLine("", f"w{nick} joined")
        page.driver.execute_script(HOLD)
        typeAndSend(page, "kept over a reload")
        page.wait(lambda: page.driver.execute_script("return window.held.length") == 1)
        held = page.driver.execute_script("return window.held")
        page.driver.refresh()
        page.login(nick, f"{nick}-pw")
        page.waitForLine("", NOT_THROUGH)
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        assert page.find("#text").get_attribute("value") == "kept over a reload\n"
        page.click("#send")
        page.wait(lambda: page.find("#text").get_attribute("value") == "")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["kept over a reload"]
        page.driver.execute_script("window.held = arguments[0]", held)
        late = release(page, nick)
        assert late["type"] == "say" and late.get("repeat") is True
        page.say("after it")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["after it"]
        assert page.lines().count((nick, "kept over a reload")) == 1
    finally:
        witness.close()
        page.quit()


def test_signing_out_forgets_held_message(daemon: Daemon) -> None:
    """
    Signed out while a message is held in a tunnel, then reloaded: the
    next login in the tab (maybe someone else's) is not offered it.
    """
    nick = "leaver"
    page = signedIn(daemon, nick)
    try:
        page.driver.execute_script(HOLD)
        typeAndSend(page, "not for the next one")
        page.wait(lambda: page.driver.execute_script("return window.held.length") == 1)
        page.say("/quit")
        page.wait(lambda: page.find("#login-view").get_attribute("hidden") is None)
        page.driver.refresh()
        page.login(nick, f"{nick}-pw")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        page.say("after it")  # answered after any question the login asked
        page.waitForLine(nick, "after it")
        assert NOT_THROUGH not in [text for _, text in page.lines()]
        assert page.find("#text").get_attribute("value") == ""
    finally:
        page.quit()


def test_private_messages_caught_up(daemon: Daemon) -> None:
    """
    While the page's connection is dead (the server not knowing yet), bob
    writes to it privately: back, the page shows every one of those
    messages in the conversation with bob, once, counted unread.
    """
    page = signedIn(daemon, "erin")
    bob = tchat(daemon, "bobby")
    try:
        badge = "#convos li:has(button[data-key='@bobby']) .unread"
        bob.send("MSGPV erin", "before", ".")
        page.wait(lambda: page.findAll(badge) and page.find(badge).text == "1")
        page.driver.execute_script(SILENCE, "deaf")
        lost = [f"lost {n}" for n in range(10)]
        for text in lost:
            bob.send("MSGPV erin", text, ".")
            bob.expect("srv: OKAY!")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", "you are in #Blabla")
        # Unread: none was marked read (the server counts all bob wrote).
        page.wait(lambda: page.findAll(badge) and page.find(badge).text == "11")
        page.open("@bobby")
        for text in lost:
            page.waitForLine("bobby", text)
        assert [line for line in page.lines() if line[0] == "bobby"] == [
            ("bobby", text) for text in ["before", *lost]
        ]
    finally:
        bob.close()
        page.quit()
