"""
A login the server is slow to answer (its password gate holds the check
back while someone guesses the account's password from the same address),
in a real browser against the real daemon, the answer held back in the page
until the test lets it through: meanwhile the form's Enter button is
disabled and sends no second login, a note says the password is being
checked (to screen readers too), which the server's C{waiting} frame
refreshes, and the answer, or the error, ends it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import register, startChat  # noqa: E402
from tests.support.pagesockets import scriptedPage  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: A slow password check: while C{window.holding}, the answers to the page's
#: C{login} requests wait in C{window.held} until C{window.release()};
#: C{window.logins} counts the logins sent, C{window.waitingFrame()} hands
#: the page the server's C{{"type": "waiting"}}.
HELD_ANSWERS = """
window.holding = false; window.held = []; window.logins = 0;
const loginIds = new Set();
const Prompt = window.WebSocket;
window.WebSocket = class extends Prompt {
  send(data) {
    const frame = JSON.parse(data);
    if (frame.type === "login") { window.logins += 1; loginIds.add(frame.id); }
    return super.send(data);
  }
  addEventListener(kind, listener, ...rest) {
    if (kind !== "message") return super.addEventListener(kind, listener, ...rest);
    window.hear = listener;
    const held = (event) => {
      if (window.holding && loginIds.has(JSON.parse(event.data).id)) window.held.push(event);
      else listener(event);
    };
    return super.addEventListener(kind, held, ...rest);
  }
};
window.release = () => { window.holding = false; window.held.splice(0).forEach(window.hear); };
window.waitingFrame = () => window.hear({ data: JSON.stringify({ type: "waiting" }) });
"""

CHECKING = "Checking your password\u2026 This may take a while."
STILL = "Still checking your password\u2026 (less than a minute)"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("loginwait"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.fixture
def page(daemon: Daemon) -> Iterator[Browser]:
    page = scriptedPage(daemon, HELD_ANSWERS)
    yield page
    page.quit()


def sendHeld(page: Browser, nick: str, password: str) -> None:
    """
    Log in as C{nick} with C{password}, its answer held back; wait until the
    server answered (in the page's hands, not shown).
    """
    page.wait(lambda: page.find("#status").text == "connected")
    page.driver.execute_script("window.holding = true")
    page.find("#nick").send_keys(nick)
    page.find("#password").send_keys(password)
    page.find("#login").click()
    page.wait(lambda: page.driver.execute_script("return window.held.length === 1"))


def said(page: Browser) -> str:
    """What the polite live region holds."""
    return page.find("#announce").get_attribute("textContent") or ""


def test_waiting_login(daemon: Daemon, page: Browser) -> None:
    """
    While a login's answer waits, Enter is disabled and the note says the
    password is being checked (and is said politely); neither Enter in the
    form nor submitting it otherwise sends another login; a C{waiting}
    frame says it still is.  The answer signs in, with no error, the note
    gone and the button usable again.
    """
    register(daemon, "kiyoshi", "kiyoshi-pw")
    sendHeld(page, "kiyoshi", "kiyoshi-pw")
    assert page.find("#login").get_attribute("disabled") == "true"
    assert page.shown("#login-status").text == CHECKING
    assert CHECKING in said(page)

    page.find("#password").send_keys(Keys.ENTER)
    page.driver.execute_script("document.getElementById('login-form').requestSubmit()")
    page.driver.execute_script("window.waitingFrame()")
    assert page.find("#login-status").text == STILL
    assert STILL in said(page)
    assert page.driver.execute_script("return window.logins") == 1

    page.driver.execute_script("window.release()")
    page.wait(lambda: page.find("#me").text == "as kiyoshi")
    assert page.find("#errors").get_attribute("textContent") == ""
    assert page.find("#login-status").get_attribute("hidden") == "true"
    assert page.find("#login").get_attribute("disabled") is None
    assert page.driver.execute_script("return window.logins") == 1


def test_waiting_login_refused(daemon: Daemon, page: Browser) -> None:
    """
    A wrong password's error, once it comes, ends the note and the form is
    usable again: the right one then signs in.
    """
    register(daemon, "haruka", "haruka-pw")
    sendHeld(page, "haruka", "wrong")
    assert page.shown("#login-status").text == CHECKING
    page.driver.execute_script("window.release()")
    page.wait(lambda: "Error 22" in page.find("#errors").text)
    assert page.find("#login-status").get_attribute("hidden") == "true"
    assert page.find("#login").get_attribute("disabled") is None

    page.find("#password").clear()
    page.find("#password").send_keys("haruka-pw", Keys.ENTER)
    page.wait(lambda: page.find("#me").text == "as haruka")
    assert page.driver.execute_script("return window.logins") == 2
