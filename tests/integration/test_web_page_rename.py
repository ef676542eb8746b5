"""
One private conversation per person, in a real browser against the real
daemon: after a rename the page did not hear of (no shared room), when the
renamed person writes first, under the new name, the page finds out
(C{whowas}); a name typed in another case or spelling goes under the name
the person is called, as the C{tell} reply spells it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, pageURL, startChat, tchat  # noqa: E402

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


def test_name_typed_otherwise(daemon: Daemon) -> None:
    """
    Νίκος writes to Σοφία as ΣΟΦΙΑ and she answers: one conversation,
    @Σοφία, with both messages and her answer counted unread once.
    """
    sofia = tchat(daemon, "Σοφία")
    page = Browser(pageURL(daemon))
    try:
        page.login("Νίκος")
        page.say("/msg ΣΟΦΙΑ γεια σου")
        assert sofia.expect("srv: MSGPV Νίκος")[1:] == ["γεια σου"]
        page.wait(lambda: page.find("#conv-title").text == "Private: Σοφία")
        page.say("/create αλλού")
        page.wait(lambda: page.find("#conv-title").text == "#αλλού")
        sofia.send("MSGPV Νίκος", "γεια!", ".")
        sofia.expect("srv: OKAY!")
        page.wait(lambda: page.findAll('#convos button[data-key="@σοφια"] + .unread'))
        assert [b.text for b in page.findAll("#convos button")] == ["@Σοφία"]
        page.open("@σοφια")
        said = [(s, t) for s, t in page.lines() if s]
        assert said == [("Νίκος", "γεια σου"), ("Σοφία", "γεια!")]
    finally:
        page.quit()
        sofia.close()
