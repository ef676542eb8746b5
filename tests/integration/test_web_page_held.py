"""
Logging in again after a network blink, in a real browser against the real
daemon: while the nickname is still taken (the server has not yet noticed
the old connection is gone, or someone holds it for a moment), the page
keeps trying, then comes back as itself, in its rooms.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import logsIn, register, startChat  # noqa: E402
from tests.support.pagesockets import (  # noqa: E402
    ELSEWHERE,
    KEEP_SOCKETS,
    MINE,
    SILENCE,
    SILENCEABLE_SOCKETS,
    scriptedPage,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("held"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_nickname_held_for_a_while(daemon: Daemon) -> None:
    """
    The connection drops and, before the page is back, someone takes its
    nickname for a few seconds: the page says so, tries again, and logs in
    as itself once the name is free, back in its room, without showing
    the login form.
    """
    page = scriptedPage(daemon, KEEP_SOCKETS)
    holder: TchatClient | None = None
    try:
        page.login("held")
        page.say("/join Blabla")  # a room of the server: it outlives its members
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")

        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: "reconnecting" in page.find("#status").text)
        holder = TchatClient(daemon.ports["TchatFactory"])

        # The page comes back after half a second at least: time enough,
        # once the server has seen its connection go.
        taker = holder
        assert taker is not None
        page.wait(lambda: logsIn(taker, "held"))
        page.wait(lambda: "still in use" in page.find("#status").text)
        assert page.find("#login-view").get_attribute("hidden") is not None
        # The page keeps trying (every 5 s): the first login, then 2 more.
        page.wait(lambda: page.driver.execute_script("return window.logins") >= 3, timeout=20)
        assert "still in use" in page.find("#status").text
        holder.close()
        holder = None
        page.wait(lambda: page.find("#status").text == "connected", timeout=20)
        page.wait(lambda: page.find("#me").text == "as held")
        page.waitForLine("", "rejoined #Blabla")
        assert page.find("#login-view").get_attribute("hidden") is not None
    finally:
        if holder is not None:
            holder.close()
        page.quit()


def test_renamed_account_logs_in_again(daemon: Daemon) -> None:
    """
    A registered account that took another nickname on the page: after a
    network blink, the page logs in again as the account (its password is
    the account's, not the nickname's), not refused with error 22.
    """
    page = scriptedPage(daemon, KEEP_SOCKETS)
    try:
        page.login("erin")
        page.say("/join Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        page.say("/register erinpw12")
        page.waitForLine("", "The nickname erin is now registered.")
        page.say("/nick erin_lunch")
        page.wait(lambda: page.find("#me").text == "as erin_lunch")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: page.driver.execute_script("return window.logins") >= 2, timeout=20)
        page.wait(lambda: page.find("#status").text == "connected", timeout=20)
        # The account, logged in again, takes back the nickname it went by.
        page.wait(lambda: page.find("#me").text == "as erin_lunch")
        assert page.find("#login-view").get_attribute("hidden") is not None
        assert "22" not in page.find("#errors").text
    finally:
        page.quit()


def test_account_renamed_elsewhere_logs_in_again(daemon: Daemon) -> None:
    """
    The page signs in to an account whose person goes by another nickname
    (taken on another connection): after a network blink it logs in again
    as the account (the login reply's C{account}), not as that nickname
    (error 22), and is back under the nickname.
    """
    register(daemon, "dave", "dave-pw")
    page = scriptedPage(daemon, KEEP_SOCKETS)
    try:
        page.wait(lambda: page.find("#status").text == "connected")
        page.driver.execute_script(MINE)
        page.driver.execute_script(ELSEWHERE, "dave", "dave-pw", "dv5")
        page.wait(lambda: page.driver.execute_script("return window.elsewhere") == 1)
        page.find("#nick").send_keys("dave")
        page.find("#password").send_keys("dave-pw")
        page.find("#login").click()
        page.wait(lambda: page.find("#me").text == "as dv5")
        logins = page.driver.execute_script("return window.logins")
        page.driver.execute_script("window.mine.close()")
        page.wait(lambda: page.driver.execute_script("return window.logins") > logins, timeout=20)
        page.wait(lambda: page.find("#status").text == "connected", timeout=20)
        page.wait(lambda: page.find("#me").text == "as dv5")
        assert page.find("#login-view").get_attribute("hidden") is not None
        assert "22" not in page.find("#errors").text
    finally:
        page.quit()


def signedInAtLimit(daemon: Daemon, nick: str) -> Browser:
    """
    A page signed in to the account C{nick}, then signed out (C{bye} 40)
    by the fifth of five other connections of the account (the limit).
    """
    register(daemon, nick, f"{nick}-pw")
    page = scriptedPage(daemon, KEEP_SOCKETS + SILENCEABLE_SOCKETS)
    page.login(nick, f"{nick}-pw")
    page.driver.execute_script(MINE)
    for _ in range(4):
        page.driver.execute_script(ELSEWHERE, nick, f"{nick}-pw", "")
    page.wait(lambda: page.driver.execute_script("return window.elsewhere") == 4)
    return page


def test_signed_out_by_newer_connection(daemon: Daemon) -> None:
    """
    Signed out by a newer connection of its account (C{bye} 40): the page
    shows the login form, and its header no longer names it.
    """
    page = signedInAtLimit(daemon, "frank")
    try:
        page.driver.execute_script(ELSEWHERE, "frank", "frank-pw", "")
        page.wait(lambda: page.find("#login-view").get_attribute("hidden") is None)
        assert "newer connection" in page.find("#errors").text
        assert page.find("#me").text == ""
    finally:
        page.quit()


def test_resumed_login_takes_no_place(daemon: Daemon) -> None:
    """
    A page signed out by a newer connection that never heard its C{bye}
    (its link was dead) logs in again by itself: at the account's limit it
    is refused and keeps trying, and no other connection of the account is
    signed out (devices never evict each other in turn).
    """
    page = signedInAtLimit(daemon, "grace")
    try:
        page.driver.execute_script("window.deaf.add(window.mine)")
        logins = page.driver.execute_script("return window.logins")
        page.driver.execute_script(ELSEWHERE, "grace", "grace-pw", "")
        page.wait(lambda: page.driver.execute_script("return window.elsewhere") == 5)
        page.wait(lambda: page.driver.execute_script("return window.logins") > logins + 1)
        page.wait(lambda: "still in use" in page.find("#status").text, timeout=20)
        assert page.driver.execute_script("return window.byes") == []
        assert page.find("#login-view").get_attribute("hidden") is not None
    finally:
        page.quit()


def test_silent_connection_given_up(daemon: Daemon) -> None:
    """
    A connection that goes silent (no frame either way, no close) is given
    up by the page within a minute: it says so, reconnects, and is back in
    its room; a message left unsent is said to have failed, not kept
    waiting for ever; back in the room, it says the message did not get
    through and leaves it in the box.
    """
    page = scriptedPage(daemon, KEEP_SOCKETS + SILENCEABLE_SOCKETS)
    try:
        page.login("sleepy")
        page.say("/join Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        page.driver.execute_script(SILENCE, "deaf")
        page.driver.execute_script(SILENCE, "mute")
        page.shown("#text").send_keys("into the void")
        page.click("#send")
        page.wait(lambda: "reconnecting" in page.find("#status").text, timeout=70)
        page.wait(lambda: page.find("#status").text == "connected", timeout=20)
        page.waitForLine("", "rejoined #Blabla")
        page.waitForLine(
            "", "Your message did not get through: it is still in the box, send it again."
        )
        assert page.find("#text").get_attribute("value") == "into the void\n"
        assert ("sleepy", "into the void") not in page.lines()
    finally:
        page.quit()


@pytest.mark.parametrize(
    "typed, shown", [("said, unanswered", "said, unanswered"), ("/me waves", "* muffled waves")]
)
def test_answer_lost_message_said(daemon: Daemon, typed: str, shown: str) -> None:
    """
    The server says a message and the connection drops before its answer
    reaches the page: back in the room, the page finds it in the room's
    replay, empties the box (sending it again would say it twice) and
    shows it once.
    """
    page = scriptedPage(daemon, KEEP_SOCKETS + SILENCEABLE_SOCKETS)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        page.login("muffled")
        page.say("/join Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        witness.send("LOGIN witness", "ENTER Blabla")
        page.waitForLine("", "witness joined")
        page.driver.execute_script(SILENCE, "deaf")
        page.shown("#text").send_keys(typed)
        page.click("#send")
        witness.expect("srv: SPEAK muffled Blabla")  # said: only its answer is lost
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", "rejoined #Blabla")
        page.waitForLine("", "Your message got through before the connection dropped.")
        assert page.find("#text").get_attribute("value") == ""
        assert page.lines().count(("muffled", shown)) == 1
    finally:
        witness.close()
        page.quit()


def test_answerLostInAnEmptyRoom(daemon: Daemon) -> None:
    """
    The page entered a room with no message yet, then lost its connection
    after saying something, while more was said than a replay holds: back,
    it is sent everything said since, its own message included, which it
    finds (the box is emptied), and nothing said meanwhile is missing.
    """
    page = scriptedPage(daemon, KEEP_SOCKETS + SILENCEABLE_SOCKETS)
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        witness.send("LOGIN quiet", "CREAT Empty", "ENTER Empty")
        witness.expect("srv: OKAY!")
        witness.expect("srv: OKAY!")
        witness.expect("srv: OKAY!")
        page.login("emptyroom")
        page.say("/join Empty")
        page.wait(lambda: page.find("#conv-title").text == "#Empty")
        page.driver.execute_script(SILENCE, "deaf")
        page.shown("#text").send_keys("buried")
        page.click("#send")
        witness.expect("srv: SPEAK emptyroom Empty")
        fillers = [f"filler {i}" for i in range(30)]
        for filler in fillers:
            witness.send("SPEAK Empty", filler, ".")
            witness.expect("srv: OKAY!")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", "Your message got through before the connection dropped.")
        for filler in fillers:
            page.waitForLine("quiet", filler)
        assert page.lines().count(("emptyroom", "buried")) == 1
        assert page.find("#text").get_attribute("value") == ""
    finally:
        witness.close()
        page.quit()
