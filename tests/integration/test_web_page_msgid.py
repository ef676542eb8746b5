"""
The page and message ids, in a real browser against the real daemon: after
the daemon restarts, the page names the last message it has of each room
and the server replays only what is newer; scrolling back asks for the
messages before the first one shown, by its id, until the room's start; a
private conversation opened shows its history, and its earlier pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import (  # noqa: E402
    RECORD_FRAMES,
    IrcClient,
    freePort,
    pageURL,
    startChat,
)
from tests.support.pgserver import createDatabase, postgresServer  # noqa: E402

__all__ = ["postgresServer"]

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """
    Where the daemon keeps messages: SQLite in its data directory, or a
    fresh database on the tests' PostgreSQL server.
    """
    if request.param == "sqlite":
        return ()
    return ("--db", createDatabase(request.getfixturevalue("postgresServer")))


def frames(page: Browser, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.driver.execute_script(f"return window.{name}")
    return found


def lastIds(page: Browser) -> list[str]:
    ids: list[str] = page.driver.execute_script(
        "return [...document.querySelectorAll('#log li.msg')].map((li) => li.dataset.msgid)"
    )
    return ids


def say(teller: TchatClient, room: str, texts: list[str]) -> None:
    """
    C{teller} logs in under C{room}'s name, enters it and says C{texts}.
    """
    teller.send(f"LOGIN {room}", f"ENTER {room}")
    teller.expect("srv: OKAY!")
    teller.expect("srv: OKAY!")
    for text in texts:
        teller.send(f"SPEAK {room}", text, ".")
        teller.expect("srv: OKAY!")


def enter(page: Browser, room: str) -> None:
    page.say(f"/join {room}")
    page.wait(lambda: page.find("#conv-title").text == f"#{room}")


def test_reconnect_replays_only_newer(tmp_path: Path, database: tuple[str, ...]) -> None:
    """
    The page rejoins each room with the id of the last message it has
    (its own included): the daemon, restarted, sends only the message said
    meanwhile, and the page shows every message once (the stored messages
    keep the ids they had live, in SQLite and in PostgreSQL).
    """
    web = f"tcp:{freePort()}:interface=127.0.0.1"
    data = str(tmp_path / "data")
    rooms = ("--rooms", "mid1,mid2", *database)
    (tmp_path / "first").mkdir()
    daemon = startChat(tmp_path / "first", "--web", web, "--data-dir", data, *rooms)
    page = Browser(pageURL(daemon))
    irc: IrcClient | None = None
    try:
        page.driver.execute_script(RECORD_FRAMES)
        page.login("mi")
        enter(page, "mid2")
        enter(page, "mid1")
        irc = IrcClient(daemon.ports["IRCFactory"], "ann")
        irc.send("JOIN #mid1", "PRIVMSG #mid1 :same", "PRIVMSG #mid1 :same")
        page.wait(lambda: [t for s, t in page.lines() if s == "ann"] == ["same", "same"])
        page.say("mine")
        page.waitForLine("mi", "mine")
        ids = lastIds(page)
        assert len(ids) == 3 and len(set(ids)) == 3 and all(ids), ids
        irc.close()
        irc = None

        daemon.stop()
        page.wait(lambda: "reconnecting" in page.find("#status").text)
        (tmp_path / "second").mkdir()
        daemon = startChat(tmp_path / "second", "--web", web, "--data-dir", data, *rooms)
        irc = IrcClient(daemon.ports["IRCFactory"], "ann")
        irc.send("JOIN #mid1", "PRIVMSG #mid1 :three")
        irc.expect(" 366 ")
        page.waitForLine("ann", "three")
        joins = {f["room"]: f for f in frames(page, "wsSent") if f["type"] == "join"}
        assert joins["mid1"]["after"] == ids[-1]
        assert joins["mid2"]["after"] == "-"  # it had none there: all said since is news
        replayed = [f["text"] for f in frames(page, "wsReceived") if f["type"] == "message"]
        assert replayed == ["three"]
        said = [(s, t) for s, t in page.lines() if s]
        assert said == [("ann", "same"), ("ann", "same"), ("mi", "mine"), ("ann", "three")]
        assert lastIds(page)[:3] == ids
    finally:
        if irc is not None:
            irc.close()
        page.quit()
        daemon.stop()


def test_scroll_back_by_id(tmp_path: Path, database: tuple[str, ...]) -> None:
    """
    Scrolling to the top asks for the messages before the first one shown
    (by its id), page after page, until the start of the room: every
    message once, in order.
    """
    daemon = startChat(tmp_path, "--rooms", "deep", *database)
    teller = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon), height=500)
    try:
        say(teller, "deep", [f"m{n}" for n in range(130)])
        page.login("diver")
        page.driver.execute_script(RECORD_FRAMES)
        enter(page, "deep")
        page.waitForLine("deep", "m129")
        assert len(page.lines()) <= 21, "the replay: 20 messages and the join"

        def scrolledToStart() -> bool:
            page.driver.execute_script("document.getElementById('log').scrollTop = 0")
            return ("deep", "m0") in page.lines()

        page.wait(scrolledToStart, timeout=30)
        texts = [t for s, t in page.lines() if s == "deep"]
        assert texts == [f"m{n}" for n in range(130)]
        asked = [f for f in frames(page, "wsSent") if f["type"] == "history"]
        assert len(asked) >= 3
        assert all(f.get("before") for f in asked), asked
        assert len(set(lastIds(page))) == 130
    finally:
        page.quit()
        teller.close()
        daemon.stop()


def test_earlier_messages_when_the_log_does_not_scroll(tmp_path: Path) -> None:
    """
    In a window tall enough for the whole replay, where the log cannot be
    scrolled up, the "Earlier messages" button above it loads the older
    messages, page after page, and goes once the room's start is shown.  In
    a room whose whole history the replay holds, it is never offered.
    The line saying the page joined the room stays after all of them.
    """
    daemon = startChat(tmp_path, "--rooms", "tall,brief")
    teller = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon), height=1400)
    try:
        say(teller, "tall", [f"t{n}" for n in range(60)])
        page.login("reader")
        enter(page, "tall")
        page.waitForLine("tall", "t59")
        log = page.find("#log")
        height, shown = (int(log.get_attribute(a) or 0) for a in ("scrollHeight", "clientHeight"))
        assert height <= shown, (height, shown)
        older = page.shown("#older")
        assert older.text == "Earlier messages"

        def loadedToStart() -> bool:
            if ("tall", "t0") not in page.lines():
                page.find("#older").click()
            return ("tall", "t0") in page.lines()

        page.wait(loadedToStart, timeout=30)
        texts = [t for s, t in page.lines() if s == "tall"]
        assert texts == [f"t{n}" for n in range(60)]
        # Said before entering, the replay is above the line saying so, older history too.
        assert page.lines()[-1] == ("", "you joined #tall"), page.lines()[-3:]
        page.wait(lambda: not page.find("#older").is_displayed())
        teller.send("ENTER brief", "SPEAK brief", "only news", ".")
        teller.expect("srv: OKAY!")
        teller.expect("srv: OKAY!")
        enter(page, "brief")
        page.waitForLine("tall", "only news")
        page.wait(lambda: not page.find("#older").is_displayed())
    finally:
        page.quit()
        teller.close()
        daemon.stop()


def test_private_history_on_opening(tmp_path: Path) -> None:
    """
    Opening a private conversation shows its stored history (the account
    keeps it), not only what the page heard: the latest page of it first,
    as many messages as entering a room replays (C{--history-count}), then
    the earlier ones from the "Earlier messages" button, each message once
    and in order, until its start.
    """
    daemon = startChat(tmp_path, "--history-count", "7")
    teller = TchatClient(daemon.ports["TchatFactory"])
    pal = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon), height=1400)
    try:
        teller.send("LOGIN gus", "REGIS sesame-gus")
        teller.expect("srv: OKAY!")
        teller.expect("srv: OKAY!")
        pal.send("LOGIN pal")
        pal.expect("srv: OKAY!")
        for n in range(60):
            teller.send("MSGPV pal", f"p{n}", ".")
            teller.expect("srv: OKAY!")
        page.login("gus", "sesame-gus")
        page.say("/msg pal hello")
        page.wait(lambda: page.find("#conv-title").text == "Private: pal")
        page.waitForLine("gus", "p53")
        assert [t for _, t in page.lines()] == [f"p{n}" for n in range(53, 60)] + ["hello"]

        def loadedToStart() -> bool:
            if ("gus", "p0") not in page.lines():
                page.find("#older").click()
            return ("gus", "p0") in page.lines()

        page.wait(loadedToStart, timeout=30)
        assert [t for _, t in page.lines()] == [f"p{n}" for n in range(60)] + ["hello"]
        assert len(set(lastIds(page))) == 61
        page.wait(lambda: not page.find("#older").is_displayed())
    finally:
        page.quit()
        teller.close()
        pal.close()
        daemon.stop()
