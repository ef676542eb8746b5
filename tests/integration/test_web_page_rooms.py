"""
The page's room list in step with the server, in a real browser against the
real daemon: a room the user is put in without the page asking (an
operator's acceptance, an account's automatic rooms) shows as joined, and
a request an operator refuses says so by the room, at the account's next
login if it was refused while the account was away; made a room's operator
or no longer, the page offers to delete others' messages or not; a
room operator's kick shows who kicked and why, and the room as left, closed
to messages until the user joins again; a room deleted says so and offers no
Join; after a restart, a room that is gone is not shown as joined, an
approval room waits again, and one the page is told it is in already is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import TelnetConsole
from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import (  # noqa: E402
    IrcClient,
    enter,
    freePort,
    pageURL,
    startChat,
    tchat,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

CONSOLE_PASSWORD = "console-secret"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("rooms")
    setPassword(workdir / "data" / "admin-passwords", "root", CONSOLE_PASSWORD)
    daemon = startChat(workdir)
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def joined(page: Browser, room: str) -> bool:
    """Whether the sidebar shows C{room} as one the user is in (bold)."""
    return bool(page.findAll(f'#rooms li[data-room="{room}"] button.joined'))


def events(page: Browser) -> list[str]:
    """The shown conversation's event lines (joins, departures, notes)."""
    return [text for sender, text in page.lines() if not sender]


WAITING = "waiting for an operator's approval"


def waitingNote(page: Browser, room: str) -> str:
    """The sidebar's note by C{room} while a request to enter it waits ("": none)."""
    notes = page.findAll(f'#rooms li[data-room="{room}"] .waiting')
    return notes[0].text if notes else ""


def test_accepted_into_approval_room(daemon: Daemon) -> None:
    """
    A request to enter an approval room waits (error 37): the sidebar says
    so by the room, in its button's name too, and a screen reader is told
    politely, with no error shown; once an operator accepts it, the note is
    gone and the room shows as joined, with its members, and takes messages.
    """
    page = Browser(pageURL(daemon))
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    try:
        page.login("pagey")
        page.click('#rooms li[data-room="Marketing"] button')
        page.wait(lambda: waitingNote(page, "Marketing") == WAITING)
        button = page.find('#rooms li[data-room="Marketing"] button')
        assert (button.get_attribute("aria-label") or "").endswith(", " + WAITING)
        said = page.find("#announce").get_attribute("textContent") or ""
        assert "Your request to enter #Marketing waits for an operator's approval." in said
        assert page.find("#alert").get_attribute("textContent") == ""
        assert "Error 37" not in page.find("#errors").text
        assert "accepted pagey in Marketing" in console.run("accept pending pagey Marketing")
        page.wait(lambda: joined(page, "Marketing"))
        assert waitingNote(page, "Marketing") == ""
        page.open("#marketing")
        page.wait(lambda: page.find("#members").text.split() == ["pagey"])
        page.say("hello, marketing")
        page.waitForLine("pagey", "hello, marketing")
        assert "Error 35" not in page.find("#errors").text
        page.click("#leave")  # the request is over: leaving shows no note again
        page.wait(lambda: not joined(page, "Marketing"))
        assert waitingNote(page, "Marketing") == ""
    finally:
        console.close()
        page.quit()


def test_refused_approval_room(daemon: Daemon) -> None:
    """
    A request to enter an approval room that an operator refuses: the
    waiting note gives way to the refusal, with its reason, in the room
    button's name too, and a screen reader is told politely, with no error
    shown; asking again shows the waiting note again.
    """
    page = Browser(pageURL(daemon))
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    try:
        page.login("refusy")
        page.click('#rooms li[data-room="Informatique"] button')
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
        reply = console.run("refuse pending refusy Informatique staff only")
        assert "refused refusy's request to enter Informatique" in reply
        refused = "an operator refused your request to enter Informatique: staff only"
        page.wait(lambda: waitingNote(page, "Informatique") == refused)
        button = page.find('#rooms li[data-room="Informatique"] button')
        assert (button.get_attribute("aria-label") or "").endswith(", " + refused)
        said = page.find("#announce").get_attribute("textContent") or ""
        assert "An operator refused your request to enter Informatique: staff only." in said
        assert page.find("#alert").get_attribute("textContent") == ""
        assert not joined(page, "Informatique")
        button.click()
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
    finally:
        console.close()
        page.quit()


def test_refused_while_away(daemon: Daemon) -> None:
    """
    A request an operator refuses while its account has no page open is
    told at the account's next login: the refusal, with its reason, by
    the room.
    """
    first = Browser(pageURL(daemon))
    try:
        first.login("awayweb")
        first.say("/register awayweb-pass")
        first.wait(lambda: joined(first, "Général"))
        first.click('#rooms li[data-room="Informatique"] button')
        first.wait(lambda: waitingNote(first, "Informatique") == WAITING)
    finally:
        first.quit()
    page = Browser(pageURL(daemon))
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    try:
        page.wait(lambda: "connected from" not in console.run("whois awayweb"))
        reply = console.run("refuse pending awayweb Informatique staff only")
        assert "refused awayweb's request to enter Informatique" in reply
        page.login("awayweb", "awayweb-pass")
        refused = "an operator refused your request to enter Informatique: staff only"
        page.wait(lambda: waitingNote(page, "Informatique") == refused)
    finally:
        console.close()
        page.quit()


def test_waiting_after_reload(daemon: Daemon) -> None:
    """
    An account's request to enter an approval room outlives the page: a
    reload and a new sign-in show the room waiting again, unasked.
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("waity")
        page.say("/register waity-pass")
        page.click('#rooms li[data-room="Informatique"] button')
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
        page.driver.refresh()
        page.login("waity", "waity-pass")
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
        assert not joined(page, "Informatique")
    finally:
        page.quit()


def deleteButtons(page: Browser) -> list[str]:
    """Whose messages of the shown conversation have a Delete button."""
    return [
        line.get_attribute("data-from") or ""
        for line in page.findAll("#log li.msg")
        if line.find_elements(By.CSS_SELECTOR, "button.delete")
    ]


def test_kicked_from_room(daemon: Daemon) -> None:
    """
    Made the room's operator mid-session (IRC's C{MODE +o}), the page
    offers to delete everyone's messages there at once, the Delete key
    included, and only its own again once that is taken back (C{-o}).
    An IRC operator's KICK: the page says who kicked the user and why,
    shows the room as left and its message box closed, and lets the user
    join again; someone else's kick names the kicker too.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "ircop")
    page = Browser(pageURL(daemon))
    other = None
    try:
        irc.send("JOIN #kickden")
        irc.expect(" 366 ")
        page.login("kicky")
        enter(page, "kickden")
        page.say("hi all")
        irc.expect("PRIVMSG #kickden :hi all")
        irc.send("PRIVMSG #kickden :welcome")
        page.waitForLine("ircop", "welcome")
        assert deleteButtons(page) == ["kicky"]
        irc.send("MODE #kickden +o kicky")
        page.wait(lambda: deleteButtons(page) == ["kicky", "ircop"])
        assert "@kicky" in page.find("#members").text.split()
        line = page.find('#log li.msg[data-from="ircop"]')
        line.send_keys(Keys.DELETE)  # the key presses its button: it asks once more
        page.wait(lambda: "everyone" in line.find_element(By.CSS_SELECTOR, "button.delete").text)
        irc.send("MODE #kickden -o kicky")
        page.wait(lambda: deleteButtons(page) == ["kicky"])
        irc.send("KICK #kickden kicky :out")
        page.wait(lambda: "you were kicked from #kickden by ircop (out)" in events(page))
        assert not joined(page, "kickden")
        assert page.find("#text").get_attribute("disabled") is not None
        assert page.find("#send").get_attribute("disabled") is not None
        assert "You are not in #kickden" in (page.find("#text").get_attribute("placeholder") or "")
        assert not page.find("#members-title").is_displayed()
        assert ("kicky", "hi all") in page.lines()  # what was said stays readable

        page.click("#rejoin")
        page.wait(lambda: joined(page, "kickden"))
        page.wait(lambda: page.find("#text").get_attribute("disabled") is None)
        other = tchat(daemon, "tk", "kickden")
        page.waitForLine("", "tk joined")
        irc.send("KICK #kickden tk :enough")
        page.waitForLine("", "tk was kicked by ircop (enough)")
        page.say("still here")
        irc.expect("PRIVMSG #kickden :still here")
    finally:
        if other is not None:
            other.close()
        page.quit()
        irc.close()


def test_registration_puts_in_automatic_rooms(daemon: Daemon) -> None:
    """
    Registering a nickname puts the new account in the automatic rooms
    (C{Général}): the page shows them joined.
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("newbie")
        assert not joined(page, "Général")
        page.say("/register newbie-pass")  # no conversation shown: a note, not an error
        page.wait(lambda: joined(page, "Général"))
        notes = [note.text for note in page.findAll("#errors .note")]
        assert notes == ["The nickname newbie is now registered."], notes
        assert page.findAll("#errors .error") == []
        page.open("#general")
        page.wait(lambda: "newbie" in page.find("#members").text.split())
    finally:
        page.quit()


def test_room_gone_after_restart(tmp_path: Path) -> None:
    """
    A guest's room does not outlive a restart: the page that comes back
    rejoins the rooms that still exist and shows the one that is gone as
    not joined, with no members, closed to messages.  Nor does a guest's
    acceptance into an approval room: the page shows that room waiting
    for an operator's approval again, not joined, with no error.
    """
    web = f"tcp:{freePort()}:interface=127.0.0.1"
    data = str(tmp_path / "data")
    setPassword(tmp_path / "data" / "admin-passwords", "root", CONSOLE_PASSWORD)
    (tmp_path / "first").mkdir()
    daemon = startChat(tmp_path / "first", "--web", web, "--data-dir", data, "--rooms", "lobby")
    page = Browser(pageURL(daemon))
    try:
        page.login("gone")
        enter(page, "lobby")
        page.click('#rooms li[data-room="Informatique"] button')
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
        console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
        assert "accepted gone in Informatique" in console.run("accept pending gone Informatique")
        console.close()
        page.wait(lambda: joined(page, "Informatique"))
        enter(page, "tmpden", create=True)
        carol = tchat(daemon, "carol", "tmpden")
        page.waitForLine("", "carol joined")
        carol.close()
        daemon.stop()
        page.wait(lambda: "reconnecting" in page.find("#status").text)
        (tmp_path / "second").mkdir()
        daemon = startChat(
            tmp_path / "second", "--web", web, "--data-dir", data, "--rooms", "lobby"
        )
        page.wait(lambda: page.find("#status").text == "connected", timeout=30)
        page.wait(lambda: "you are not in #tmpden any more (no such room)" in events(page))
        assert not page.findAll('#rooms li[data-room="tmpden"]')
        assert joined(page, "lobby")
        assert page.find("#text").get_attribute("disabled") is not None
        assert not page.find("#members-title").is_displayed()
        page.wait(lambda: waitingNote(page, "Informatique") == WAITING)
        assert not joined(page, "Informatique")
        assert "Error 37" not in page.find("#errors").text  # tmpden's error 31 is there
        page.open("#lobby")
        page.waitForLine("", "rejoined #lobby")
        page.say("back")
        page.waitForLine("gone", "back")
        page.say("/join lobby")  # in it already (35): the page says so
        page.waitForLine("", "you are in #lobby")
        assert page.find("#conv-title").text == "#lobby"
        assert "Error 35" not in page.find("#errors").text
    finally:
        page.quit()
        daemon.stop()


def test_room_deleted(daemon: Daemon) -> None:
    """
    A room the console deletes: the page says it was deleted, by whom and
    why (not that the user was kicked), the room leaves the room list, and
    nothing offers to join it again; its lines stay readable.
    """
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    page = Browser(pageURL(daemon))
    try:
        page.login("pupil")
        enter(page, "maths5b", create=True)
        page.say("two plus two")
        page.waitForLine("pupil", "two plus two")
        assert "deleted maths5b" in console.run("delete room maths5b end of lesson")
        deleted = "#maths5b was deleted by the administrator root (end of lesson)"
        page.wait(lambda: deleted in events(page))
        assert not [line for line in events(page) if "kicked" in line]
        assert not page.find("#rejoin").is_displayed()
        page.wait(lambda: not page.findAll('#rooms li[data-room="maths5b"]'))
        assert page.find("#text").get_attribute("disabled") is not None
        assert "was deleted" in (page.find("#text").get_attribute("placeholder") or "")
        assert ("pupil", "two plus two") in page.lines()
        assert "Error" not in page.find("#errors").text
    finally:
        console.close()
        page.quit()


def test_kicked_out_of_the_chat_says_why_and_it_stays(daemon: Daemon) -> None:
    """
    A console kick of the page's user shows why in the alert box, and the
    reason stays there: no timer takes it away, as one does other errors.
    """
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    page = Browser(pageURL(daemon))
    try:
        page.login("kickme")
        page.driver.execute_script(
            "window.delays = []; const later = window.setTimeout;"
            "window.setTimeout = (f, d, ...a) => {"
            "  window.delays.push(d); return later(f, d, ...a); };"
        )
        assert "kicked kickme" in console.run("kick kickme 1s stop that")
        page.wait(
            lambda: (
                "Disconnected by the server: kicked by the administrator root"
                in page.find("#errors").text
            )
        )
        sticky = page.driver.execute_script(
            "return [...document.querySelectorAll('#errors .error')].map((e) => e.textContent)"
        )
        assert any("stop that" in text for text in sticky), sticky
        assert 8000 not in page.driver.execute_script("return window.delays")
    finally:
        page.quit()
        console.close()
