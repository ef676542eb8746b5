"""
The page's reading comfort, in a real browser against the real daemon: the
room list, unread counts and the tab's title, mentions and notifications,
safe links, grouped and aligned messages, the keyboard, scrolling and
older history.  One daemon serves the whole module (each test its rooms).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import classes, enter, pageURL, speak, startChat, tchat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: Replaces the browser's Notification API: records what the page shows.
FAKE_NOTIFICATIONS = """
window.shown = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.shown.push([title, options.body]); }
};
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("page"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def layoutOf(browser: Browser, script: str) -> dict[str, Any]:
    result: dict[str, Any] = browser.driver.execute_script(script)
    return result


def test_unread_mentions_links_and_keys(daemon: Daemon) -> None:
    """
    Messages in a room not shown count as unread there and in the title;
    a mention is highlighted and notified, as is a private message; links
    are http(s) only; each room is listed once; Alt+digit, Ctrl+K and Tab.
    """
    carol = tchat(daemon, "carol", "read1", "read2")
    reader = Browser(pageURL(daemon))
    try:
        reader.driver.execute_script(FAKE_NOTIFICATIONS)
        reader.login("reader")
        enter(reader, "read1")
        enter(reader, "read2")
        speak(carol, "read1", "hi reader, look at https://example.org/a_(b)?c=1.")
        speak(carol, "read1", "also https://example.org/w/A_(b) (see https://example.org/x).")
        hostile = "javascript:alert(1) <a href='javascript:alert(2)'>x</a> data:text/html,hi"
        speak(carol, "read1", hostile)
        carol.send("MSGPV reader", "psst", ".")
        carol.expect("srv: OKAY!")

        def badge(key: str) -> str:
            found = reader.findAll(f'#sidebar button[data-key="{key}"] + .unread')
            return found[0].text if found else ""

        reader.wait(lambda: badge("#read1") == "3" and badge("@carol") == "1")
        assert reader.driver.title == "(4) chatd"
        keys = [b.get_attribute("data-key") for b in reader.findAll("#sidebar button[data-key]")]
        assert keys.count("#read1") == 1, "each room listed once"
        assert reader.driver.execute_script("return window.shown") == [
            ["carol in #read1", "hi reader, look at https://example.org/a_(b)?c=1."],
            ["carol (private)", "psst"],
        ]  # (the second message mentions nobody: it is counted, not notified)

        # Alt+N shows the N-th conversation of the sidebar.
        order = [b.get_attribute("data-key") for b in reader.findAll("#sidebar button.joined")]
        assert order[-1] == "@carol" and "#read1" in order
        number = str(order.index("#read1") + 1)
        ActionChains(reader.driver).key_down(Keys.ALT).send_keys(number).key_up(Keys.ALT).perform()
        reader.wait(lambda: reader.find("#conv-title").text == "#read1")
        assert badge("#read1") == "" and reader.driver.title == "(1) chatd"
        marker = reader.find("#log .new-marker")
        assert marker.text == "new messages"
        first = reader.find("#log .new-marker + li")
        assert "mention" in classes(first)

        links = reader.findAll("#log a")
        assert [a.get_attribute("href") for a in links] == [
            "https://example.org/a_(b)?c=1",
            "https://example.org/w/A_(b)",
            "https://example.org/x",
        ]
        assert links[0].get_attribute("rel") == "noopener noreferrer"
        assert reader.lines()[-1] == ("carol", hostile)

        # Tab completes a member's nickname; Ctrl+K jumps by name.
        box = reader.shown("#text")
        box.send_keys("ca", Keys.TAB)
        assert box.get_attribute("value") == "carol: "
        box.clear()
        ActionChains(reader.driver).key_down(Keys.CONTROL).send_keys("k").key_up(
            Keys.CONTROL
        ).perform()
        reader.shown("#switch").send_keys("car", Keys.ENTER)
        reader.wait(lambda: reader.find("#conv-title").text == "Private: carol")
        assert reader.driver.title == "chatd"
    finally:
        reader.quit()
        carol.close()


def test_grouping_and_alignment(daemon: Daemon) -> None:
    """
    Consecutive messages of one sender are grouped under one name, and
    every line of a message, continuation lines included, starts where its
    text starts, right of the time and the name; an IRC-style action
    (/me) is one italic line.
    """
    carol = tchat(daemon, "carol2", "layout")
    page = Browser(pageURL(daemon))
    try:
        page.login("viewer")
        enter(page, "layout")
        speak(carol, "layout", "first")
        long = "line one " + " ".join(["word"] * 40)
        speak(carol, "layout", long, "line two")
        page.waitForLine("carol2", long + "\nline two")
        page.say("/me waves")
        page.waitForLine("viewer", "* viewer waves")
        lines = page.findAll("#log li.msg")
        assert "cont" not in classes(lines[0])
        assert "cont" in classes(lines[1])
        # The grouped line's sender is out of sight, but heard: clipped, not hidden.
        hiddenName = lines[1].find_element("css selector", ".from")
        seen = "const s = getComputedStyle(arguments[0]); return [s.visibility, s.clipPath]"
        assert page.driver.execute_script(seen, hiddenName) == ["visible", "inset(50%)"]
        assert "action" in classes(lines[2])
        assert lines[2].value_of_css_property("font-style") == "italic"
        layout = layoutOf(
            page,
            """
            const [a, b] = document.querySelectorAll('#log li.msg');
            const range = document.createRange();
            range.selectNodeContents(b.querySelector('.text'));
            // The first box of each visual line (a line's end may add an empty one).
            const rows = [];
            for (const r of range.getClientRects()) {
              const row = rows.find((x) => Math.abs(x.top - r.top) < 2);
              if (!row) rows.push({top: r.top, left: r.left});
              else row.left = Math.min(row.left, r.left);
            }
            return {
              firstText: a.querySelector('.text').getBoundingClientRect().left,
              firstFrom: a.querySelector('.from').getBoundingClientRect().right,
              time: a.querySelector('.when').getBoundingClientRect().right,
              rowLefts: rows.map((r) => Math.round(r.left)),
              rowTops: rows.map((r) => Math.round(r.top)),
            };
            """,
        )
        assert layout["firstText"] > layout["firstFrom"] > layout["time"]
        tops = layout["rowTops"]
        assert len(set(tops)) >= 3, "the message wraps and has a second line"
        assert set(layout["rowLefts"]) == {round(layout["firstText"])}
    finally:
        page.quit()
        carol.close()


def test_scrolling_and_older_history(daemon: Daemon) -> None:
    """
    While the reader is scrolled up, a new message does not move what they
    read; scrolling to the top loads older history, kept in place, as many
    messages at a time as the replay (20), until the room's first.
    """
    carol = tchat(daemon, "carol3", "long")
    for number in range(60):
        speak(carol, "long", f"message {number}")
    page = Browser(pageURL(daemon), height=500)
    try:
        page.login("scroller")
        enter(page, "long")
        page.waitForLine("carol3", "message 59")
        assert ("carol3", "message 39") not in page.lines(), "only the replayed 20"
        log = page.find("#log")
        page.driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight / 2", log)
        page.wait(lambda: page.driver.execute_script("return arguments[0].scrollTop", log) > 0)
        before = page.driver.execute_script("return arguments[0].scrollTop", log)
        speak(carol, "long", "while you read")
        page.waitForLine("carol3", "while you read")
        assert page.driver.execute_script("return arguments[0].scrollTop", log) == before

        top = page.driver.execute_script(
            "const li = document.querySelector('#log li.msg'); li.id = 'was-first';"
            " arguments[0].scrollTop = 0; return li.getBoundingClientRect().top",
            log,
        )
        page.waitForLine("carol3", "message 20")
        assert ("carol3", "message 19") not in page.lines(), "a page of 20"
        after = page.driver.execute_script(
            "return document.getElementById('was-first').getBoundingClientRect().top"
        )
        assert abs(after - top) < 2, "the line read stays where it was"

        def loadedToStart() -> bool:
            page.driver.execute_script("arguments[0].scrollTop = 0", log)
            return ("carol3", "message 0") in page.lines()

        page.wait(loadedToStart)
        texts = [text for sender, text in page.lines() if sender == "carol3"]
        assert texts == [f"message {n}" for n in range(60)] + ["while you read"]
    finally:
        page.quit()
        carol.close()
