"""
Several messages refused, or sent into a dead connection, in a real browser against the
real daemon: each that got through shows once and leaves the box; each that
did not goes back in the box in the order typed, before what was typed since
(on a line of its own), and Enter sends each again as its own message, with
its own id: none is said twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, startChat  # noqa: E402
from tests.support.pagesockets import HOLD, NOT_THROUGH, SILENCE, signedIn  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

GOT_THROUGH = "Your message got through before the connection dropped."


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("several"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def boxValue(page: Browser) -> str:
    """What the page's message box holds."""
    value: str = page.find("#text").get_attribute("value") or ""
    return value


def sendEach(page: Browser, *messages: str) -> None:
    """Each of C{messages} typed in the box and sent with Enter, in turn."""
    for message in messages:
        page.shown("#text").send_keys(message)
        page.click("#send")
        page.wait(lambda: boxValue(page) == "")


def test_all_got_through_leave_the_box(daemon: Daemon) -> None:
    """
    Three messages sent while the page hears nothing back (the server got
    them): the connection dropped, the page says of each that it got
    through, shows each once, and the box is empty: Enter sends none again.
    """
    nick = "trio"
    page = signedIn(daemon, nick)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN w" + nick, "ENTER Blabla")
        page.waitForLine("", f"w{nick} joined")
        page.driver.execute_script(SILENCE, "deaf")
        sendEach(page, "first one", "second one", "third one")
        for text in ["first one", "second one", "third one"]:
            assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == [text]
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: [text for _, text in page.lines()].count(GOT_THROUGH) == 3)
        assert boxValue(page) == ""
        page.click("#send")
        page.say("after them")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["after them"]
        page.waitForLine(nick, "after them")
        for text in ["first one", "second one", "third one"]:
            assert page.lines().count((nick, text)) == 1
    finally:
        witness.close()
        page.quit()


def test_none_got_through_back_in_order(daemon: Daemon) -> None:
    """
    Three messages held back (the server never got them), the connection
    dropped, and a fourth typed meanwhile: the box holds the three in the
    order typed, each on its own line, then the fourth; Enter sends the
    three again, each as its own message, then the fourth.
    """
    nick = "quartet"
    page = signedIn(daemon, nick)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN w" + nick, "ENTER Blabla")
        page.waitForLine("", f"w{nick} joined")
        page.driver.execute_script(HOLD)
        page.driver.execute_script(SILENCE, "deaf")
        sendEach(page, "one", "two", "three")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: boxValue(page) == "one\ntwo\nthree\n")
        page.shown("#text").send_keys("four")
        page.wait(lambda: [text for _, text in page.lines()].count(NOT_THROUGH) == 3)
        assert boxValue(page) == "one\ntwo\nthree\nfour"
        page.click("#send")
        page.wait(lambda: boxValue(page) == "")
        for text in ["one", "two", "three", "four"]:
            assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == [text]
        page.say("after them")
        assert witness.expect(f"srv: SPEAK {nick} Blabla")[1:] == ["after them"]
        page.waitForLine(nick, "after them")
        for text in ["one", "two", "three", "four"]:
            assert page.lines().count((nick, text)) == 1
    finally:
        witness.close()
        page.quit()


def sendRefused(page: Browser, message: str, box: str) -> None:
    """C{message} typed and sent, refused: the box then holds C{box}."""
    page.shown("#text").send_keys(message)
    page.click("#send")
    page.wait(lambda: boxValue(page) == box)


def test_refused_back_in_order(daemon: Daemon) -> None:
    """
    Three messages the server refuses (a moderated room) go back in the
    box in the order typed, each on its own line; once the room lets the
    page speak, Enter sends each as its own message, in that order.
    """
    nick = "hushed"
    page = signedIn(daemon, nick)
    irc = IrcClient(daemon.ports["IRCFactory"], "hushop")
    try:
        irc.send("JOIN #hush")
        irc.expect(" 366 ")
        irc.send("MODE #hush +m")
        irc.expect("MODE #hush")
        page.say("/join hush")
        page.wait(lambda: page.find("#conv-title").text == "#hush")
        irc.expect(f":{nick}!")
        sendRefused(page, "M1 first", "M1 first\n")
        sendRefused(page, "M2 second", "M1 first\nM2 second\n")
        sendRefused(page, "M3 third", "M1 first\nM2 second\nM3 third\n")
        irc.send("MODE #hush -m")
        irc.expect("MODE #hush")
        page.wait(lambda: "set mode -m" in page.find("#log").text)
        page.click("#send")
        page.wait(lambda: boxValue(page) == "")
        for text in ["M1 first", "M2 second", "M3 third"]:
            assert irc.expect("PRIVMSG #hush").endswith(f"PRIVMSG #hush :{text}")
    finally:
        irc.close()
        page.quit()
