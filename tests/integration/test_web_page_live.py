"""
The page with other front-ends and across restarts, in a real browser
against the real daemon: IRC actions and topics, a private conversation
that follows a rename, and a reconnect that keeps the page's messages (no
duplicate, no unread counted twice) and the nickname taken with /nick.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import (  # noqa: E402
    IrcClient,
    classes,
    enter,
    freePort,
    pageURL,
    register,
    speak,
    startChat,
    tchat,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("live"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def topicShown(page: Browser) -> str:
    found = page.findAll("#conv-topic")
    return found[0].text if found and found[0].is_displayed() else ""


def test_irc_actions_and_topic(daemon: Daemon) -> None:
    """
    An IRC user's /me shows as an action; the page's /me reaches IRC as a
    CTCP ACTION (with lines after it, the action then a message of those
    lines); the topic shows in the room's header and is set from the
    page.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "ircy")
    page = Browser(pageURL(daemon))
    try:
        irc.send("JOIN #acts")
        irc.expect(" 366 ")
        irc.send("TOPIC #acts :Welcome, see https://example.org/w")
        irc.expect("TOPIC #acts")
        page.login("wa")
        enter(page, "acts")
        page.wait(lambda: topicShown(page) == "Welcome, see https://example.org/w")
        assert page.find("#conv-topic a").get_attribute("href") == "https://example.org/w"

        irc.send("PRIVMSG #acts :\x01ACTION waves\x01")
        page.waitForLine("ircy", "* ircy waves")
        line = page.findAll("#log li.msg")[-1]
        assert "action" in classes(line)
        assert line.value_of_css_property("font-style") == "italic"
        assert "\x01" not in page.find("#log").text

        page.say("/me dances")
        assert irc.expect("PRIVMSG #acts").endswith("PRIVMSG #acts :\x01ACTION dances\x01")
        page.waitForLine("wa", "* wa dances")
        # An action is one line: with Shift+Enter, the lines after it go as a message after it.
        page.shown("#text").send_keys("/me sways", Keys.SHIFT, Keys.ENTER, Keys.NULL, "all night")
        page.click("#send")
        assert irc.expect("PRIVMSG #acts").endswith("PRIVMSG #acts :\x01ACTION sways\x01")
        assert irc.expect("PRIVMSG #acts").endswith("PRIVMSG #acts :all night")
        page.waitForLine("wa", "all night")

        page.say("/topic Fresh topic")  # IRC's +t: only the room's operators
        page.wait(lambda: "Error 12" in page.find("#errors").text)
        irc.send("MODE #acts -t")
        irc.expect("MODE #acts")
        page.say("/topic Fresh topic")
        assert irc.expect("TOPIC #acts").endswith("TOPIC #acts :Fresh topic")
        page.wait(lambda: topicShown(page) == "Fresh topic")
        irc.send("TOPIC #acts :Set on IRC")
        page.wait(lambda: topicShown(page) == "Set on IRC")
        # The Topic button edits it in a field of its own: the draft stays.
        page.find("#text").send_keys("half a thought")
        page.click("#edit-topic")
        field = page.shown("#topic-input")
        assert field.get_attribute("value") == "Set on IRC"
        field.send_keys(Keys.ESCAPE)
        page.wait(lambda: not page.find("#topic-form").is_displayed())
        page.click("#edit-topic")
        field = page.shown("#topic-input")
        field.clear()
        field.send_keys("Edited here", Keys.ENTER)
        irc.expect("TOPIC #acts :Edited here")
        page.wait(lambda: topicShown(page) == "Edited here")
        page.wait(lambda: not page.find("#topic-form").is_displayed())
        assert page.find("#text").get_attribute("value") == "half a thought"

        page.find("#text").clear()
        page.say("/msg ircy hi")  # a private conversation is shown now
        irc.expect("PRIVMSG ircy ")
        page.wait(lambda: page.find("#conv-title").text == "Private: ircy")
        irc.send("MODE #acts +m")
        irc.expect("MODE #acts")
        page.click('#rooms button[data-key="#acts"]')  # a room's change is in its log
        page.wait(lambda: "ircy set mode +m on acts" in page.find("#log").text)
        page.click('#convos button[data-key="@ircy"]')
        assert "set mode" not in page.find("#log").text

        # Who runs the room shows in its member list, and follows its changes.
        page.click('#rooms button[data-key="#acts"]')
        page.wait(lambda: sorted(page.find("#members").text.split()) == ["@ircy", "wa"])
        irc.send("MODE #acts +o wa")
        page.wait(lambda: sorted(page.find("#members").text.split()) == ["@ircy", "@wa"])
        irc.send("MODE #acts -o+v wa wa")
        page.wait(lambda: sorted(page.find("#members").text.split()) == ["+wa", "@ircy"])
    finally:
        page.quit()
        irc.close()


def test_private_follows_rename(daemon: Daemon) -> None:
    """
    A private conversation follows the other person's new nickname, whether
    the page hears of the rename (a shared room) or not.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "pb")
    page = Browser(pageURL(daemon))
    try:
        page.login("pa")
        page.say("/msg pb hello")
        assert irc.expect("PRIVMSG pb ").endswith(":hello")
        page.wait(lambda: page.find("#conv-title").text == "Private: pb")
        irc.send("NICK pb2")
        irc.expect("NICK")
        page.say("still there?")  # the page was not told: it asks, and follows
        assert irc.expect("PRIVMSG pb2 ").endswith(":still there?")
        page.wait(lambda: page.find("#conv-title").text == "Private: pb2")
        assert [b.get_attribute("data-key") for b in page.findAll("#convos button")] == ["@pb2"]
        assert ("pa", "hello") in page.lines()

        irc.send("JOIN #shared")
        irc.expect(" 366 ")
        enter(page, "shared")
        irc.send("NICK pb3")
        page.wait(lambda: page.findAll('#convos button[data-key="@pb3"]'))
        assert not page.findAll('#convos button[data-key="@pb2"]')
        page.open("@pb3")
        assert page.find("#conv-title").text == "Private: pb3"
        assert ("pa", "still there?") in page.lines()
    finally:
        page.quit()
        irc.close()


def unread(page: Browser, key: str) -> str:
    found = page.findAll(f'#sidebar button[data-key="{key}"] + .unread')
    return found[0].text if found else ""


def test_reconnect_keeps_messages_and_nick(tmp_path: Path) -> None:
    """
    After the daemon restarts, the page logs in with the nickname it took
    with /nick, keeps the messages it has and adds only newer ones from the
    replayed history: nothing twice, nothing counted unread twice.
    """
    web = f"tcp:{freePort()}:interface=127.0.0.1"
    data = str(tmp_path / "data")
    (tmp_path / "first").mkdir()
    # Configured rooms: a guest's own rooms would not outlive the restart.
    rooms = ("--rooms", "lobby,rc1,rc2")
    daemon = startChat(tmp_path / "first", "--web", web, "--data-dir", data, *rooms)
    page = Browser(pageURL(daemon))
    carol: TchatClient | None = None
    try:
        page.login("rc")
        enter(page, "rc1")
        enter(page, "rc2")
        carol = tchat(daemon, "carol", "rc1", "rc2")
        speak(carol, "rc1", "one")
        speak(carol, "rc1", "two")
        speak(carol, "rc2", "seen")
        page.waitForLine("carol", "seen")
        page.say("mine")
        page.wait(lambda: unread(page, "#rc1") == "2")
        page.say("/nick rcnew")
        page.wait(lambda: page.find("#me").text == "as rcnew")
        carol.close()
        carol = None

        daemon.stop()
        page.wait(lambda: "reconnecting" in page.find("#status").text)
        assert "Disconnected by the server: Server shutting down" in page.find("#errors").text
        (tmp_path / "second").mkdir()
        daemon = startChat(tmp_path / "second", "--web", web, "--data-dir", data, *rooms)
        carol = tchat(daemon, "carol", "rc1")
        speak(carol, "rc1", "three")
        page.wait(lambda: page.find("#status").text == "connected", timeout=30)
        page.wait(lambda: page.find("#me").text == "as rcnew")
        page.wait(lambda: "Disconnected by the server" not in page.find("#errors").text)
        page.waitForLine("", "rejoined #rc2")
        page.wait(lambda: unread(page, "#rc1") == "3")
        assert [line for line in page.lines() if line[0]] == [("carol", "seen"), ("rc", "mine")]
        assert page.driver.title == "(3) chatd"
        page.open("#rc1")
        page.waitForLine("carol", "three")
        said = [text for sender, text in page.lines() if sender == "carol"]
        assert said == ["one", "two", "three"]
        assert len(page.findAll("#log .new-marker")) == 1
    finally:
        if carol is not None:
            carol.close()
        page.quit()
        daemon.stop()


def test_private_message_that_waits(daemon: Daemon) -> None:
    """
    A message to a registered user who is not connected shows in the
    conversation with a line saying they will get it when they log in;
    they do, from the terminal, at their next login.
    """
    page = Browser(pageURL(daemon))
    try:
        register(daemon, "wa", "sesame-wa")
        page.login("wb")
        page.say("/msg wa see you tomorrow")
        page.wait(lambda: page.find("#conv-title").text == "Private: wa")
        note = "wa is not connected: they will get it when they log in"
        page.wait(lambda: note in page.find("#log").text)
        assert ("wb", "see you tomorrow") in page.lines()
        terminal = TchatClient(daemon.ports["TchatFactory"])
        terminal.send("LOGIN wa sesame-wa")
        assert terminal.expect("srv: MSGPV wb ")[1:] == ["see you tomorrow"]
        terminal.close()
    finally:
        page.quit()


def test_room_operator_kicks_from_the_page(daemon: Daemon) -> None:
    """
    The page's user who created a room takes an IRC user out of it with
    /kick, as IRC's KICK: the IRC client sees it and stays connected, and
    the page shows the kick.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "victim")
    page = Browser(pageURL(daemon))
    try:
        page.login("wop")
        enter(page, "wroom", create=True)
        irc.send("JOIN #wroom")
        irc.expect(" 366 ")
        page.wait(lambda: "victim" in page.find("#members").text)
        page.say("/kick victim spamming")
        assert irc.expect("KICK #wroom victim").endswith(":spamming")
        page.wait(lambda: "victim was kicked by wop" in page.find("#log").text)
        irc.send("PING :still")
        irc.expect("PONG")
    finally:
        page.quit()
        irc.close()
