"""
The page when the server takes something away, in a real browser against
the real daemon: a room deleted while the user types in it leaves the
focus where keys do nothing (no room joined, nothing sent), and its
messages without Delete buttons; a waiting note follows the server's
`rooms` reply (a request ended with the guest's session, or with the room);
`/help` with no conversation shown is whole on screen until closed; a
command lacking what it needs stays in the box with its usage.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import TelnetConsole
from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

CONSOLE_PASSWORD = "console-secret"
WAITING = "waiting for an operator's approval"

#: Asks the server's room list now, as the page does every 15 seconds.
REFRESH = """
const done = arguments[arguments.length - 1];
import("/rooms.js").then((rooms) => { rooms.refreshRooms(); done(true); });
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("putout")
    setPassword(workdir / "data" / "admin-passwords", "root", CONSOLE_PASSWORD)
    daemon = startChat(workdir)
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.fixture
def console(daemon: Daemon) -> Iterator[TelnetConsole]:
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    yield console
    console.close()


def joined(page: Browser, room: str) -> bool:
    return bool(page.findAll(f'#rooms li[data-room="{room}"] button.joined'))


def waitingNote(page: Browser, room: str) -> str:
    notes = page.findAll(f'#rooms li[data-room="{room}"] .waiting')
    return notes[0].text if notes else ""


def focusedId(page: Browser) -> str:
    return str(
        page.driver.execute_script(
            "return document.activeElement.id || document.activeElement.tagName"
        )
    )


@pytest.mark.parametrize("size", [(1100, 700), (375, 667)])
def test_deleted_while_typing(
    daemon: Daemon, console: TelnetConsole, size: tuple[int, int]
) -> None:
    """
    The room shown is deleted while the user types in it: the focus goes to
    the conversation's heading, where the rest of the sentence and Enter
    join no room and send nothing; the user's own messages there lose their
    Delete button (the room is gone: deleting would be refused).
    """
    room = f"kbd{size[0]}"
    page = Browser(pageURL(daemon), *size)
    try:
        page.login(f"pupil{size[0]}")
        enter(page, room, create=True)
        page.say("mine")
        page.waitForLine(f"pupil{size[0]}", "mine")
        page.wait(lambda: page.findAll("#log li.msg button.delete"))
        box = page.find("#text")
        box.send_keys("I think that")
        assert f"deleted {room}" in console.run(f"delete room {room} bye")
        page.wait(lambda: page.find("#text").get_attribute("disabled") is not None)
        assert focusedId(page) == "conv-title"
        page.driver.switch_to.active_element.send_keys(" the answer is four", Keys.ENTER)
        page.driver.switch_to.active_element.send_keys(" ", Keys.ENTER)
        assert focusedId(page) == "conv-title"
        assert page.find("#conv-title").text == f"#{room}"
        assert not page.findAll("#rooms button.joined")
        assert not [text for _, text in page.lines() if "answer" in text]
        assert page.findAll("#log li.msg button.delete") == []
        assert page.find("#log li.msg").get_attribute("aria-keyshortcuts") is None
    finally:
        page.quit()


def test_waiting_ends_with_the_guests_session(daemon: Daemon) -> None:
    """
    A guest waits to enter an approval room; their connection drops, and
    with their session their request: once the page is back in, the room no
    longer shows waiting.
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("guesty")
        page.click('#rooms li[data-room="Marketing"] button')
        page.wait(lambda: waitingNote(page, "Marketing") == WAITING)
        page.driver.execute_script('import("/state.js").then((s) => s.state.ws.close());')
        page.wait(lambda: page.find("#status").text != "connected")
        page.wait(lambda: page.find("#status").text == "connected")
        page.wait(lambda: waitingNote(page, "Marketing") == "")
    finally:
        page.quit()


def test_waiting_ends_with_the_room(daemon: Daemon, console: TelnetConsole) -> None:
    """
    An approval room deleted while the user waits to enter it: the next
    room list has no waiting note for it, nor the room.  Asking again for a
    room that waits already says it still waits.
    """
    assert "Vault2" in console.run("add room Vault2 approval")
    page = Browser(pageURL(daemon))
    try:
        page.login("vaulty")
        page.click('#rooms li[data-room="Vault2"] button')
        page.wait(lambda: waitingNote(page, "Vault2") == WAITING)
        page.find("#text").send_keys("/join Vault2", Keys.ENTER)
        still = "Your request to enter #Vault2 still waits for an operator's approval."
        page.wait(lambda: still in page.find("#errors").text)
        assert "deleted Vault2" in console.run("delete room Vault2 bye")
        page.driver.execute_async_script(REFRESH)
        page.wait(lambda: not page.findAll('#rooms li[data-room="Vault2"]'))
    finally:
        page.quit()


#: Sends a "rooms" request whose reply the page reads only at window.release().
HOLD_ROOMS = """
const done = arguments[arguments.length - 1];
Promise.all([import("/state.js"), import("/rooms.js")]).then(([{ state }, rooms]) => {
  rooms.refreshRooms();
  const waiter = state.pending.get(state.nextId - 1);
  const resolve = waiter.resolve;
  let reply = null;
  waiter.resolve = (message) => { reply = message; };
  window.release = () => {
    if (reply === null) return false;
    resolve(reply);
    return true;
  };
  done(true);
});
"""


def test_waiting_set_after_the_rooms_request(daemon: Daemon, console: TelnetConsole) -> None:
    """
    A request to enter an approval room answered (error 37) while a room
    list asked before it is on its way: that list, which cannot know of
    it, does not take its waiting note away.
    """
    assert "Vault3" in console.run("add room Vault3 approval")
    page = Browser(pageURL(daemon))
    try:
        page.login("racy")
        page.driver.execute_async_script(HOLD_ROOMS)
        page.wait(lambda: page.driver.execute_script("return window.release !== undefined"))
        page.click('#rooms li[data-room="Vault3"] button')
        page.wait(lambda: waitingNote(page, "Vault3") == WAITING)
        page.wait(lambda: page.driver.execute_script("return window.release()"))
        page.driver.execute_script("return 0")  # the reply read meanwhile
        assert waitingNote(page, "Vault3") == WAITING
    finally:
        page.quit()


def test_asked_again_elsewhere(daemon: Daemon, console: TelnetConsole) -> None:
    """
    A refused request asked again from another device of the account: the
    first page's next room list shows the room waiting, the refusal over.
    """
    first = Browser(pageURL(daemon))
    second = None
    try:
        first.login("twodev")
        first.say("/register twodev-pass")
        first.click('#rooms li[data-room="Informatique"] button')
        first.wait(lambda: waitingNote(first, "Informatique") == WAITING)
        console.run("refuse pending twodev Informatique no")
        first.wait(lambda: "refused" in waitingNote(first, "Informatique"))
        second = Browser(pageURL(daemon))
        second.login("twodev", "twodev-pass")
        second.click('#rooms li[data-room="Informatique"] button')
        second.wait(lambda: waitingNote(second, "Informatique") == WAITING)
        first.driver.execute_async_script(REFRESH)
        first.wait(lambda: waitingNote(first, "Informatique") == WAITING)
    finally:
        first.quit()
        if second is not None:
            second.quit()


@pytest.mark.parametrize("size", [(1100, 700), (375, 667)])
def test_help_without_a_conversation(daemon: Daemon, size: tuple[int, int]) -> None:
    """
    C{/help} with no conversation shown: the list is whole on screen, in a
    box that scrolls, which the keyboard reaches, and stays (no timer takes
    it away) until closed (Escape, or its Close button) or the next line
    sent.
    """
    page = Browser(pageURL(daemon), *size)
    try:
        page.login(f"helpy{size[0]}")
        page.driver.execute_script(
            "window.delays = []; const later = window.setTimeout;"
            "window.setTimeout = (f, d, ...a) => {"
            "  window.delays.push(d); return later(f, d, ...a); };"
        )
        page.find("#text").send_keys("/help", Keys.ENTER)
        note = page.shown("#errors .note.long")
        assert "Ctrl+K" in note.text
        top, bottom, height = page.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return [r.top, r.bottom, window.innerHeight];",
            note,
        )
        assert 0 <= top and bottom <= height, (top, bottom, height)
        assert note.get_attribute("tabindex") == "0"
        assert 8000 not in page.driver.execute_script("return window.delays")
        note.find_element(By.CSS_SELECTOR, "button.close").click()
        page.wait(lambda: not page.findAll("#errors .note.long"))
        page.find("#text").send_keys("/help", Keys.ENTER)
        note = page.shown("#errors .note.long")
        note.send_keys(Keys.ESCAPE)
        page.wait(lambda: not page.findAll("#errors .note.long"))
        assert focusedId(page) == "text"
        page.find("#text").send_keys("/help", Keys.ENTER)
        page.shown("#errors .note.long")
        page.find("#text").send_keys("/nope", Keys.ENTER)
        page.wait(lambda: not page.findAll("#errors .note.long"))
    finally:
        page.quit()


@pytest.mark.parametrize(
    ("typed", "usage"),
    [("/join", "Usage: /join room [key]"), ("/register", "Usage: /register password")],
)
def test_command_lacking_what_it_needs(daemon: Daemon, typed: str, usage: str) -> None:
    """
    C{/join} with no room and C{/register} with no password stay in the box,
    its usage said, and go to no server (no error code).
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("lacky")
        box = page.find("#text")
        box.send_keys(typed, Keys.ENTER)
        page.wait(lambda: usage in page.find("#errors").text)
        assert box.get_attribute("value") == typed
        assert "Error" not in page.find("#errors").text
    finally:
        page.quit()
