"""
The message box, in a real browser against the real daemon, on a slow
network (the page's messages are held back until the test lets them go):
what is typed while a message waits for its answer stays, a message being
sent cannot be sent twice, and each conversation keeps its own draft.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: A slow network: while C{window.holding}, the page's C{say} and C{tell}
#: requests wait in C{window.held} until C{window.release()}; C{window.sent}
#: counts those that left.
SLOW_SENDS = """
window.holding = false; window.held = []; window.sent = 0;
const Fast = window.WebSocket;
window.WebSocket = class extends Fast {
  send(data) {
    const type = JSON.parse(data).type;
    if (type !== "say" && type !== "tell") return super.send(data);
    const go = () => { window.sent += 1; super.send(data); };
    if (window.holding) window.held.push(go); else go();
  }
};
window.release = () => { window.holding = false; for (const go of window.held.splice(0)) go(); };
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("compose"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.fixture
def page(daemon: Daemon) -> Iterator[Browser]:
    page = Browser(pageURL(daemon))
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SLOW_SENDS})
    page.driver.refresh()
    yield page
    page.quit()


def box(page: Browser) -> str:
    return page.find("#text").get_attribute("value") or ""


def mine(page: Browser) -> list[str]:
    return [text for sender, text in page.lines() if sender == page.find("#me").text[3:]]


def test_typed_while_waiting_stays(page: Browser) -> None:
    """
    A message waits for its answer; what is typed meanwhile, in the same
    conversation or in another, is still there once the answer came: only
    what was sent left the box.
    """
    page.login("typist")
    enter(page, "Blabla")
    page.driver.execute_script("window.holding = true")
    page.shown("#text").send_keys("first", Keys.ENTER)
    page.wait(lambda: box(page) == "")
    page.find("#text").send_keys("still typing")
    page.driver.execute_script("window.release()")
    page.waitForLine("typist", "first")
    assert box(page) == "still typing"

    page.find("#text").clear()
    page.driver.execute_script("window.holding = true")
    page.find("#text").send_keys("second", Keys.ENTER)
    enter(page, "Lobby2", create=True)  # another conversation, while it waits
    page.find("#text").send_keys("for the other room")
    page.driver.execute_script("window.release()")
    page.open("#blabla")
    page.waitForLine("typist", "second")
    page.open("#lobby2")
    assert box(page) == "for the other room"


def test_sent_once(page: Browser, daemon: Daemon) -> None:
    """
    Enter twice before the server answers: the message shows as being sent
    and goes once; a witness in the room gets it once.
    """
    witness = TchatClient(daemon.ports["TchatFactory"])
    try:
        page.login("doubler")
        enter(page, "Blabla")
        witness.send("LOGIN witness2", "ENTER Blabla")
        page.waitForLine("", "witness2 joined")
        page.driver.execute_script("window.holding = true")
        page.shown("#text").send_keys("only once", Keys.ENTER)
        page.find("#text").send_keys(Keys.ENTER)
        page.click("#send")
        page.wait(lambda: "sending" in page.find("#log li.pending").text)
        assert "only once" in page.find("#log li.pending").text
        page.driver.execute_script("window.release()")
        page.waitForLine("doubler", "only once")
        page.wait(lambda: not page.findAll("#log li.pending"))
        witness.expect("srv: SPEAK doubler Blabla")
        assert page.driver.execute_script("return window.sent") == 1
        assert mine(page) == ["only once"]
    finally:
        witness.close()


def test_draft_per_conversation(page: Browser, daemon: Daemon) -> None:
    """
    A draft typed in a private conversation stays there: the room shown
    next has an empty box, and the draft is back with its conversation.
    """
    friend = TchatClient(daemon.ports["TchatFactory"])
    try:
        page.login("drafter")
        enter(page, "Blabla")
        friend.send("LOGIN friend", "MSGPV drafter", "hello", ".")
        page.wait(lambda: page.findAll('#convos button[data-key="@friend"]'))
        page.open("@friend")
        page.shown("#text").send_keys("only for friend")
        page.open("#blabla")
        assert box(page) == ""
        page.find("#text").send_keys("for the room")
        page.open("@friend")
        assert box(page) == "only for friend"
        page.open("#blabla")
        assert box(page) == "for the room"
    finally:
        friend.close()
