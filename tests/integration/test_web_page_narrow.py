"""
The page on a narrow phone (320 and 360 pixels wide), in a real browser
against the real daemon, measured: the message box's hint shows whole,
nothing in the header, the conversation's header or the message box is cut
or overlaps, the "Earlier messages" button never covers a message (even in
an engine that gives the log its whole height as its basis), and the room
list opens below the header and takes you to a room.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import (  # noqa: E402
    IrcClient,
    enter,
    pageURL,
    startChat,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: More than a room's replay (--history-count 20): "Earlier messages" shows.
SAID = [f"line {n} of the long story" for n in range(30)]

#: A rectangle as [left, top, right, bottom].
Box = list[float]

#: The boxes of the elements matching a selector that are shown, with their
#: text's overflow: [[selector, box, scrollWidth > clientWidth,
#: scrollHeight > clientHeight], ...].
BOXES = """
return [...document.querySelectorAll(arguments[0])].filter(
  (e) => e.getClientRects().length && getComputedStyle(e).visibility === "visible"
).map((e) => {
  const r = e.getBoundingClientRect();
  return [e.id || e.tagName, [r.left, r.top, r.right, r.bottom],
          e.scrollWidth > e.clientWidth + 1, e.scrollHeight > e.clientHeight + 1];
});
"""

#: The message box's hint, and whether it overflows the box (typed there,
#: it would show as the hint does; the box is empty).
HINT = """
const box = document.getElementById("text");
box.value = box.placeholder;
const cut = [box.scrollWidth > box.clientWidth, box.scrollHeight > box.clientHeight];
box.value = "";
return [box.placeholder, cut];
"""

#: What some engines (older WebKit) make of the conversation's column: the
#: log's basis its whole height, and no C{min-height: auto}, so the parts
#: around it are shrunk with it (CSSOM: the page has no CSP).
SHRINKS = """
document.getElementById("log").style.flexBasis = "auto";
for (const part of document.getElementById("conversation").children) part.style.minHeight = "0";
"""

#: The part of each message line shown in the log: [[left, top, right, bottom], ...].
SHOWN_LINES = """
const log = document.getElementById("log").getBoundingClientRect();
return [...document.querySelectorAll("#log li")].map((li) => li.getBoundingClientRect()).filter(
  (r) => r.bottom > log.top && r.top < log.bottom
).map((r) => [r.left, Math.max(r.top, log.top), r.right, Math.min(r.bottom, log.bottom)]);
"""


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share more than an edge (half a pixel of rounding)."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("narrow"))
    teller = IrcClient(daemon.ports["IRCFactory"], "teller")  # the room's operator, staying
    teller.send("JOIN #story", "TOPIC #story :the long story, told again and again, line by line")
    teller.send(*(f"PRIVMSG #story :{line}" for line in SAID))
    teller.send("PING :told")
    teller.expect("PONG")
    yield daemon
    teller.close()
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def phone(daemon: Daemon, width: int) -> Browser:
    page = Browser(pageURL(daemon), width=500, height=640)
    page.driver.execute_cdp_cmd(  # the window's own size: no browser bars
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 640, "deviceScaleFactor": 1, "mobile": True},
    )
    return page


def script(page: Browser, code: str, *args: Any) -> Any:
    return page.driver.execute_script(code, *args)


def assertHintWhole(page: Browser) -> None:
    hint, cut = script(page, HINT)
    assert hint.startswith(("Message", "You are not in")) and cut == [False, False], (hint, cut)


def assertLaidOut(page: Browser, width: int) -> None:
    """
    Each part of the header, the conversation's header and the message box
    is inside the window, its text not cut, over none of its neighbours.
    """
    height = script(page, "return window.innerHeight")
    for parts in ("#top > *", "#conv-heading > *, #conv-header > button", "#send-form > *"):
        boxes = script(page, BOXES, parts)
        assert boxes, parts
        for name, box, wide, tall in boxes:
            assert box[0] >= -0.5 and box[2] <= width + 0.5, (name, box)
            assert box[1] >= -0.5 and box[3] <= height + 0.5, (name, box)
            assert not wide and not tall, (name, "cut")
        for i, (name, box, _, _) in enumerate(boxes):
            for other, otherBox, _, _ in boxes[i + 1 :]:
                assert not overlap(box, otherBox), (name, other, box, otherBox)


def assertOlderClear(page: Browser) -> None:
    """
    The "Earlier messages" button shows whole, above the log, and over no
    line of it.
    """
    [(_, older, wide, tall)] = script(page, BOXES, "#older")
    [(_, log, _, _)] = script(page, BOXES, "#log")
    assert not wide and not tall, "the button's label spills out of it"
    assert older[3] <= log[1] + 0.5, (older, log)
    lines = script(page, SHOWN_LINES)
    assert lines
    assert not [line for line in lines if overlap(line, older)], (older, lines[:2])


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("shrinks", [False, True], ids=["", "shrinks"])
def test_conversation_fits(daemon: Daemon, width: int, shrinks: bool) -> None:
    """
    At 320 and 360 pixels wide, with the longest nickname (16) and a room
    with a topic: the message box's hint shows whole (before any room, in a
    room, and in a room you are out of), nothing is cut or overlaps, and the
    "Earlier messages" button covers no message, also in an engine that
    shrinks the parts around the log.
    """
    page = phone(daemon, width)
    try:
        page.login(f"phone{width}{'s' if shrinks else 'p'}abcdefg")
        page.shown("#text")
        page.wait(lambda: script(page, HINT)[1] == [False, False])
        assertHintWhole(page)
        enter(page, "story")
        page.waitForLine("teller", SAID[-1])
        page.shown("#conv-topic")
        page.shown("#older")
        if shrinks:
            script(page, SHRINKS)
        assertOlderClear(page)
        assertLaidOut(page, width)
        assertHintWhole(page)
        script(page, "document.getElementById('log').scrollTop = 0")  # loads earlier ones
        page.wait(lambda: ("teller", SAID[0]) in page.lines())
        assertLaidOut(page, width)
    finally:
        page.quit()


@pytest.mark.parametrize("width", [320, 360])
def test_out_of_room_hint(daemon: Daemon, width: int) -> None:
    """
    Kicked out of a room with a long name, the closed message box's hint
    (to join again) shows whole.
    """
    room = f"a_room_with_a_rather_long_name_{width}"
    irc = IrcClient(daemon.ports["IRCFactory"], f"op{width}")
    page = phone(daemon, width)
    try:
        irc.send(f"JOIN #{room}")
        irc.expect(" 366 ")
        page.login(f"kicked{width}")
        enter(page, room)
        irc.send(f"KICK #{room} kicked{width} :out")
        page.shown("#rejoin")
        page.wait(lambda: script(page, HINT)[0].startswith("You are not in"))
        assertHintWhole(page)
        assertLaidOut(page, width)
    finally:
        page.quit()
        irc.close()


@pytest.mark.parametrize("width", [320, 360])
def test_room_list_reachable(daemon: Daemon, width: int) -> None:
    """
    The ☰ button opens the room list below the header (a long nickname
    makes the header taller), inside the window; a room picked there is
    shown, and the list closes.
    """
    page = phone(daemon, width)
    try:
        page.login(f"lister{width}abcdefg")
        assert not page.find("#sidebar").is_displayed()
        page.click("#menu")
        page.shown("#sidebar")
        [(_, top, _, _)] = script(page, BOXES, "#top")
        [(_, sidebar, _, _)] = script(page, BOXES, "#sidebar")
        assert sidebar[1] >= top[3] - 0.5, (sidebar, top)
        assert sidebar[0] >= 0 and sidebar[2] <= width, sidebar
        room = '#rooms li[data-room="story"] button'
        page.wait(lambda: page.findAll(room))
        script(page, "document.querySelector(arguments[0]).scrollIntoView()", room)
        [(_, button, wide, _)] = script(page, BOXES, room)
        assert not wide and sidebar[0] <= button[0] and button[2] <= sidebar[2], (button, sidebar)
        page.join("story")
        page.wait(lambda: not page.find("#sidebar").is_displayed())
    finally:
        page.quit()
