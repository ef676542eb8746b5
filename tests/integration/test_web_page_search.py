"""
The page's search box, in a real browser against the real daemon (SQLite,
so its FTS5 index): typing words lists the matching messages of the rooms
the user is in, and a result opens its conversation at that message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


def enter(page: Browser, room: str) -> None:
    page.say(f"/join {room}")
    page.wait(lambda: page.find("#conv-title").text == f"#{room}")


def test_search_box(tmp_path: Path) -> None:
    """
    A search for "picnic" lists the message of the room the user is in (not
    the one of a room they are not in), with its room and sender; clicking
    it shows that room, with the message marked.
    """
    daemon = startChat(tmp_path, "--rooms", "finds,other,second")
    teller = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon))
    try:
        teller.send("LOGIN teller", "ENTER finds", "ENTER other")
        teller.expect("srv: OKAY!")
        teller.expect("srv: OKAY!")
        teller.expect("srv: OKAY!")
        teller.send("SPEAK finds", "bring the picnic basket", ".")
        teller.expect("srv: OKAY!")
        teller.send("SPEAK other", "a picnic you may not read", ".")
        teller.expect("srv: OKAY!")
        page.login("seeker")
        enter(page, "finds")
        page.waitForLine("teller", "bring the picnic basket")
        enter(page, "second")
        box = page.shown("#search")
        assert page.find('label[for="search"]').get_attribute("textContent") == "Search messages"
        box.send_keys("Picnic", Keys.ENTER)
        page.wait(lambda: page.find("#search-status").text.startswith("1 message"))
        results = page.findAll("#search-results li button")
        assert len(results) == 1
        assert results[0].text.startswith("#finds")
        assert "teller: bring the picnic basket" in results[0].text
        results[0].click()
        page.wait(lambda: page.find("#conv-title").text == "#finds")
        found = page.wait(lambda: page.findAll("#log li.found"))
        assert found[0].get_attribute("data-from") == "teller"
        box.clear()
        box.send_keys("nothing like it", Keys.ENTER)
        page.wait(
            lambda: (
                page.find("#search-status").text
                == "No message matches \u201cnothing like it\u201d."
            )
        )
        assert page.findAll("#search-results li") == []
    finally:
        teller.close()
        page.quit()
        daemon.stop()


def test_search_in_several_frames(tmp_path: Path) -> None:
    """
    Six matches of 16 KB each are more than one frame's page: the server
    sends them in several frames, and the page lists all six, newest first.
    """
    daemon = startChat(tmp_path, "--rooms", "finds")
    teller = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon))
    try:
        teller.send("LOGIN teller", "ENTER finds")
        teller.expect("srv: OKAY!")
        teller.expect("srv: OKAY!")
        for i in range(6):
            body = [f"long{i} picnic " + "x" * 3980] + ["y" * 3990] * 3
            teller.send("SPEAK finds", *body, ".")
            teller.expect("srv: OKAY!")
        page.login("seeker")
        enter(page, "finds")
        page.shown("#search").send_keys("picnic", Keys.ENTER)
        page.wait(lambda: page.find("#search-status").text.startswith("6 messages"))
        results = page.findAll("#search-results li button")
        shown = [f"long{i}" for i in reversed(range(6))]
        assert [each.text.split("teller: ")[1][:5] for each in results] == shown
    finally:
        teller.close()
        page.quit()
        daemon.stop()
