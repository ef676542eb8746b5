"""
Read markers on the page, in a real browser against the real daemon: one
account on two pages (a laptop and a phone); reading a room on one clears
its unread count on the other, and after a reload the phone's unread count
and "new messages" line come from the account's marker; a private
conversation another device received is shown from its marker, or with
all of it unread when it has none yet.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, pageURL, register, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

PRIVATE_BADGE = "return (document.querySelector('#convos li .unread') || {}).textContent"
#: The text of the message right after the "new messages" line.
BEFORE_NEW_LINE = (
    "const line = document.querySelector('#log li.new-marker');"
    "return line && line.nextElementSibling.querySelector('.text').innerText"
)
BADGE = "return (document.querySelector('#rooms li[data-room=\"den\"] .unread') || {}).textContent"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("markers"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def badge(page: Browser) -> str | None:
    text: str | None = page.driver.execute_script(BADGE)
    return text


def badgeOf(page: Browser, room: str) -> str | None:
    """The unread count on C{room}'s line of the room list, if any."""
    text: str | None = page.driver.execute_script(BADGE.replace('"den"', f'"{room}"'))
    return text


def test_readOnOnePageClearedOnTheOther(daemon: Daemon) -> None:
    """
    bob says two messages in den while alice's laptop and phone both show
    another room: both count 2; she reads den on the laptop and the
    phone's count goes.  bob says two more; the phone, reloaded, shows 2
    unread for den from the server, and the "new messages" line above the
    first of them.
    """
    terminal = TchatClient(daemon.ports["TchatFactory"])
    bob = TchatClient(daemon.ports["TchatFactory"])
    laptop = Browser(pageURL(daemon))
    phone = Browser(pageURL(daemon))
    try:
        terminal.send("LOGIN alice", "REGIS sesame-alice")
        terminal.expect("srv: OKAY!")
        terminal.expect("srv: OKAY!")
        bob.send("LOGIN bob", "CREAT den", "ENTER den")
        bob.expect("srv: OKAY!")
        terminal.send("ENTER den")
        terminal.expect("srv: OKAY!")
        bob.send("SPEAK den", "one", ".")
        laptop.login("alice", "sesame-alice")
        laptop.open("#den")
        laptop.waitForLine("bob", "one")
        phone.login("alice", "sesame-alice")
        phone.open("#general")
        laptop.open("#general")
        bob.send("SPEAK den", "two", ".", "SPEAK den", "three", ".")
        phone.wait(lambda: badge(phone) == "2")
        laptop.wait(lambda: badge(laptop) == "2")
        laptop.open("#den")  # read on the laptop: the phone's count goes
        phone.wait(lambda: badge(phone) is None)

        laptop.open("#general")
        bob.send("SPEAK den", "four", ".", "SPEAK den", "five", ".")
        phone.wait(lambda: badge(phone) == "2")
        phone.driver.refresh()
        phone.login("alice", "sesame-alice")
        phone.wait(lambda: badge(phone) == "2")  # from the server's marker
        phone.open("#den")
        before = (
            "const line = document.querySelector('#log li.new-marker');"
            "return line && line.nextElementSibling.querySelector('.text').innerText"
        )
        phone.wait(lambda: phone.driver.execute_script(before) == "four")
    finally:
        laptop.quit()
        phone.quit()
        terminal.close()
        bob.close()


def test_privateReadElsewhereShown(daemon: Daemon) -> None:
    """
    bob writes to carol while her page is closed and her IRC client is
    connected (it receives them): the page, opened, shows the private
    conversation with its two unread messages, the history of it, and the
    "new messages" line before the first message after her marker.  "one"
    is sent with "zero", so often within its millisecond: a marker at
    "zero" must not cover it.
    """
    bob = TchatClient(daemon.ports["TchatFactory"])
    irc: IrcClient | None = None
    page = Browser(pageURL(daemon))
    try:
        register(daemon, "carol", "sesame-carol")
        irc = IrcClient(daemon.ports["IRCFactory"], "carol", "sesame-carol")
        bob.send("LOGIN bob")
        bob.expect("srv: OKAY!")
        irc.send("CAP REQ :server-time draft/read-marker")
        irc.expect(" ACK ")
        bob.send("MSGPV carol", "zero", ".", "MSGPV carol", "one", ".")
        said = irc.expect("PRIVMSG carol :zero")
        irc.expect("PRIVMSG carol :one")
        read = said.split("time=", 1)[1].split(";", 1)[0].split(" ", 1)[0]  # its server-time
        irc.send(f"MARKREAD bob timestamp={read}")
        irc.expect("MARKREAD bob timestamp=")
        bob.send("MSGPV carol", "two", ".")
        irc.expect("PRIVMSG carol :two")

        page.login("carol", "sesame-carol")
        page.wait(lambda: page.driver.execute_script(PRIVATE_BADGE) == "2")
        assert page.driver.execute_script("return document.title") == "(2) chatd"
        page.open("@bob")
        page.wait(lambda: [t for s, t in page.lines() if s == "bob"] == ["zero", "one", "two"])
        assert page.driver.execute_script(BEFORE_NEW_LINE) == "one"
    finally:
        page.quit()
        bob.close()
        if irc is not None:
            irc.close()


def test_privateWithoutMarkerShown(daemon: Daemon) -> None:
    """
    fred writes to dora for the first time while only her IRC client is
    connected, and nothing of that conversation was ever marked read: the
    page, opened, lists it with its two unread messages, and shows them
    after the "new messages" line.
    """
    fred = TchatClient(daemon.ports["TchatFactory"])
    irc: IrcClient | None = None
    page = Browser(pageURL(daemon))
    try:
        register(daemon, "dora", "sesame-dora")
        irc = IrcClient(daemon.ports["IRCFactory"], "dora", "sesame-dora")
        fred.send("LOGIN fred")
        fred.expect("srv: OKAY!")
        fred.send("MSGPV dora", "hi", ".", "MSGPV dora", "again", ".")
        irc.expect("PRIVMSG dora :hi")
        irc.expect("PRIVMSG dora :again")

        page.login("dora", "sesame-dora")
        page.wait(lambda: page.driver.execute_script(PRIVATE_BADGE) == "2")
        assert page.driver.execute_script("return document.title") == "(2) chatd"
        page.open("@fred")
        page.wait(lambda: [t for s, t in page.lines() if s == "fred"] == ["hi", "again"])
        assert page.driver.execute_script(BEFORE_NEW_LINE) == "hi"
    finally:
        page.quit()
        fred.close()
        if irc is not None:
            irc.close()


def test_registeredOnThePageKeepsMarkers(daemon: Daemon) -> None:
    """
    gina signs in as a guest and registers with C{/register}; her phone
    then signs in to the new account.  bob says two lines in gden: the
    laptop, reading gden, clears the phone's count at once, and the phone
    reading on clears the laptop's: the page that registered keeps the
    account's markers from then on, without signing in again.
    """
    bob = TchatClient(daemon.ports["TchatFactory"])
    laptop = Browser(pageURL(daemon))
    phone = Browser(pageURL(daemon))
    try:
        laptop.login("gina")
        laptop.say("/register sesame-gina")
        laptop.wait(lambda: "now registered" in laptop.find("#errors").text)
        bob.send("LOGIN bobg", "CREAT gden", "ENTER gden")
        for _ in range(3):
            bob.expect("srv: OKAY!")
        laptop.join("gden")
        laptop.open("#general")
        phone.login("gina", "sesame-gina")
        phone.open("#general")
        bob.send("SPEAK gden", "six", ".", "SPEAK gden", "seven", ".")
        phone.wait(lambda: badgeOf(phone, "gden") == "2")
        laptop.wait(lambda: badgeOf(laptop, "gden") == "2")
        laptop.open("#gden")
        phone.wait(lambda: badgeOf(phone, "gden") is None)
        phone.open("#general")
        laptop.open("#general")
        bob.send("SPEAK gden", "eight", ".")
        phone.wait(lambda: badgeOf(phone, "gden") == "1")
        laptop.wait(lambda: badgeOf(laptop, "gden") == "1")
        phone.open("#gden")
        laptop.wait(lambda: badgeOf(laptop, "gden") is None)
    finally:
        laptop.quit()
        phone.quit()
        bob.close()
