"""
A private conversation and a rename the page did not hear of (no shared
room), in a real browser against the real daemon: when the renamed person
writes first, under the new name, the page finds out (C{whowas}) and keeps
one conversation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("rename"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def keys(page: Browser) -> list[str]:
    return [b.get_attribute("data-key") or "" for b in page.findAll("#convos button")]


def test_renamed_person_writes_first(daemon: Daemon) -> None:
    """
    The page wrote to qa; qa becomes qa2 and writes back: one conversation,
    @qa2, with both messages, counted unread once; someone new writing
    starts a conversation of their own.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "qa")
    other = IrcClient(daemon.ports["IRCFactory"], "qz")
    page = Browser(pageURL(daemon))
    try:
        page.login("pq")
        page.say("/msg qa hello")
        assert irc.expect("PRIVMSG qa ").endswith(":hello")
        page.say("/create elsewhere")
        page.wait(lambda: page.find("#conv-title").text == "#elsewhere")
        irc.send("JOIN 0")  # out of every room (Général, where all are put): no shared room
        irc.send("NICK qa2")
        irc.expect("NICK")
        irc.send("PRIVMSG pq :back, renamed")
        page.wait(lambda: keys(page) == ["@qa2"])
        unread = page.find('#convos button[data-key="@qa2"] + .unread')
        assert unread.text == "1"
        page.open("@qa2")
        said = [(s, t) for s, t in page.lines() if s]
        assert said == [("pq", "hello"), ("qa2", "back, renamed")]
        assert len(page.findAll("#log .new-marker")) <= 1

        other.send("PRIVMSG pq :a stranger")
        page.wait(lambda: sorted(keys(page)) == ["@qa2", "@qz"])
    finally:
        page.quit()
        irc.close()
        other.close()
