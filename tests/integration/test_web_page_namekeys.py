"""
The page keys its conversations by the server's rule for names (case,
accents, the Turkish I, compatibility forms: chatd/web/static/fold.js
C{nameKey}), in a real browser against the real daemon: a C{/msg zoe} whose
answer the connection lost and C{Zoé}'s answer are one conversation, so are
C{/msg ismail} and C{İsmail}'s; C{/join #GENERAL} or C{#GÉNÉRAL} in
C{#Général} and C{/join #İSTANBUL} in C{#İstanbul} add no second room.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import pytest

from chatd.core.names import key
from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, pageURL, startChat  # noqa: E402
from tests.support.pagesockets import SILENCE, signedIn  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

GOT_THROUGH = "Your message got through before the connection dropped."

#: The page's key of each name of C{arguments[0]}.
KEYS = """
const [names, done] = arguments;
import("./fold.js").then((fold) => done(names.map((name) => fold.nameKey(name))));
"""

#: Names the server takes for one by case, accents, the Turkish I and
#: compatibility forms (and none of which only looks like another).
NAMES = (
    *("Zoé", "zoe", "ZOÉ", "Zoë", "ＺＯＥ", "İsmail", "ismail", "ISMAIL", "ısmail"),
    *("Général", "GENERAL", "Straße", "STRASSE", "Σοφία", "ΣΟΦΙΑ", "Noël", "NOEL"),
    *("ゲン", "ケン", "Йосип", "Иосип", "İstanbul", "istanbul"),
)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("namekeys"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_keys_as_the_server(daemon: Daemon) -> None:
    """
    Two of L{NAMES} have one key on the page exactly when the server's
    C{key} takes them for one name.
    """
    page = Browser(pageURL(daemon))
    try:
        keys = dict(zip(NAMES, page.driver.execute_async_script(KEYS, list(NAMES)), strict=True))
    finally:
        page.quit()
    for one, other in combinations(NAMES, 2):
        assert (keys[one] == keys[other]) == (key(one) == key(other)), (one, other)


def privateButtons(page: Browser) -> list[str]:
    return [button.text for button in page.findAll("#convos button")]


@pytest.mark.parametrize(
    ("person", "typed", "nick"), [("Zoé", "zoe", "keylea"), ("İsmail", "ismail", "keyali")]
)
def test_msg_typed_otherwise_one_conversation(
    daemon: Daemon, person: str, typed: str, nick: str
) -> None:
    """
    C{/msg zoe hi} reaches C{Zoé}, its answer lost with the connection:
    back, the page files it as typed, said to have got through; C{Zoé}'s
    answer goes into that conversation, now called C{Zoé}, not a second.
    """
    other = IrcClient(daemon.ports["IRCFactory"], person)
    page = signedIn(daemon, nick)
    try:
        page.driver.execute_script(SILENCE, "deaf")
        page.say(f"/msg {typed} hi")
        assert other.expect(f"PRIVMSG {person} :").endswith(f"PRIVMSG {person} :hi")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.waitForLine("", GOT_THROUGH)
        other.send(f"PRIVMSG {nick} :salut")
        page.wait(lambda: page.find("#conv-title").text == f"Private: {person}")
        page.waitForLine(person, "salut")
        assert privateButtons(page) == [f"@{person}"]
        said = [line for line in page.lines() if line[0]]
        assert said == [(nick, "hi"), (person, "salut")]
    finally:
        page.quit()
        other.close()


def roomsListed(page: Browser) -> list[str]:
    listed: list[str] = page.driver.execute_script(
        "return [...document.querySelectorAll('#rooms li')].map((li) => li.dataset.room)"
    )
    return listed


@pytest.mark.parametrize(
    ("room", "first", "again", "nick"),
    [
        ("Général", "general", ("GENERAL", "GÉNÉRAL"), "gezgin"),
        ("İstanbul", "istanbul", ("ISTANBUL", "İSTANBUL"), "gezi"),
    ],
)
def test_join_typed_otherwise_one_room(
    daemon: Daemon, room: str, first: str, again: tuple[str, ...], nick: str
) -> None:
    """
    C{/join #general} enters C{#Général}; in it, C{/join #GENERAL} and
    C{/join #GÉNÉRAL} are answered that the page is in it already (error
    35): the page says so of C{#Général}, shows it, and lists no second
    room.  So do C{/join #istanbul}, C{#ISTANBUL} and C{#İSTANBUL} for
    C{#İstanbul}.
    """
    founder = IrcClient(daemon.ports["IRCFactory"], f"{nick}kur")
    founder.send(f"JOIN #{room}")
    founder.expect("JOIN")
    page = Browser(pageURL(daemon))

    def already() -> list[str]:
        return [text for _, text in page.lines() if text.startswith("you are in #")]

    try:
        page.login(nick)
        page.say(f"/join #{first}")
        page.wait(lambda: page.find("#conv-title").text == f"#{room}")
        for count, typed in enumerate(again, 1):
            page.say(f"/join #{typed}")
            page.wait(lambda: len(already()) == count)  # noqa: B023 (called at once)
            assert already() == [f"you are in #{room}"] * count
            assert page.find("#conv-title").text == f"#{room}"
            assert roomsListed(page).count(room) == 1
            assert typed not in roomsListed(page)
    finally:
        page.quit()
        founder.close()
