"""
The page's session and commands, in a real browser against the real daemon:
names typed as the page shows them (#room, @person), a dropped connection
said once, a ban that does not make the page log in again and again, signing
out, and /help.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import TelnetConsole
from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

CONSOLE_PASSWORD = "console-secret"

#: Keeps the page's WebSockets in C{window.sockets} and counts its C{login}
#: requests in C{window.logins}; a socket in C{window.deaf} hears nothing.
WATCHED_SOCKETS = """
window.sockets = []; window.logins = 0; window.deaf = new Set();
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(...args) { super(...args); window.sockets.push(this); }
  addEventListener(kind, listener, ...rest) {
    const heard = (event) => { if (!window.deaf.has(this)) listener(event); };
    return super.addEventListener(kind, kind === "message" ? heard : listener, ...rest);
  }
  send(data) {
    const type = JSON.parse(data).type;
    if (type === "login") window.logins += 1;
    if (type === "rooms") window.refreshes += 1;
    return super.send(data);
  }
};
window.refreshes = 0;
"""

#: The page's 15-second timers (the room list's refresh) run every 0.2 s.
FAST_REFRESH = """
const slowInterval = window.setInterval;
window.setInterval = (run, ms, ...rest) => slowInterval(run, ms === 15000 ? 200 : ms, ...rest);
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("session")
    setPassword(workdir / "data" / "admin-passwords", "root", CONSOLE_PASSWORD)
    daemon = startChat(workdir)
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def scriptedPage(daemon: Daemon, script: str = WATCHED_SOCKETS) -> Browser:
    page = Browser(pageURL(daemon))
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    page.driver.refresh()
    return page


def errors(page: Browser) -> list[str]:
    return [e.text for e in page.findAll("#errors .error")]


def mistyped(page: Browser, command: str, error: str) -> None:
    """
    C{command}, which the page does not know, is sent: the page says so
    and leaves it in the box, to be put right; the box is emptied after.
    """
    box = page.shown("#text")
    box.send_keys(command)
    page.click("#send")
    page.wait(lambda: error in errors(page))
    assert box.get_attribute("value") == command
    box.clear()


def test_names_as_shown(daemon: Daemon) -> None:
    """
    A room typed with its #, in /join or the new-room box, and a person
    with their @ in /msg, are the room and the person.  A mistyped command,
    with no conversation shown or in a room, stays in the box.
    """
    friend = TchatClient(daemon.ports["TchatFactory"])
    page = Browser(pageURL(daemon))
    try:
        friend.send("LOGIN pal")
        friend.expect("srv: OKAY!")
        page.login("namer")
        mistyped(page, "/frobnicate x", "Unknown command /frobnicate (/help lists them)")
        page.say("/join #Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        mistyped(page, "/mgs @pal hi", "Unknown command /mgs (/help lists them)")
        page.find("#new-room").send_keys("#maths")
        page.click("#create-form button")
        page.wait(lambda: page.find("#conv-title").text == "#maths")
        page.say("/msg @pal hi")
        assert friend.expect("srv: MSGPV namer")[1:] == ["hi"]
        page.wait(lambda: page.find("#conv-title").text == "Private: pal")
        assert not [e for e in errors(page) if "Error" in e]
    finally:
        friend.close()
        page.quit()


def test_dropped_once(daemon: Daemon) -> None:
    """
    The connection stops answering while the room list is refreshed
    several times, then drops: "disconnected" is said once.
    """
    page = scriptedPage(daemon, WATCHED_SOCKETS + FAST_REFRESH)
    try:
        page.login("dropped")
        page.driver.execute_script(
            "window.deaf.add(window.sockets.at(-1)); window.unanswered = window.refreshes + 3"
        )
        page.wait(
            lambda: page.driver.execute_script("return window.refreshes >= window.unanswered")
        )
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: "disconnected" in errors(page))
        assert errors(page).count("disconnected") == 1
    finally:
        page.quit()


def test_banned_not_retried(daemon: Daemon) -> None:
    """
    Banned from the console (code 24): the page says why and shows the
    login form, without logging in again by itself.
    """
    page = scriptedPage(daemon)
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", CONSOLE_PASSWORD)
    try:
        page.login("outlaw")
        console.run("ban outlaw spamming")
        page.wait(lambda: any("banned" in e or "spamming" in e for e in errors(page)))
        page.wait(lambda: page.find("#status").text == "disconnected")
        assert page.find("#login-form").is_displayed()
        assert page.driver.execute_script("return [window.sockets.length, window.logins]") == [1, 1]
    finally:
        console.run("unban outlaw")
        console.close()
        page.quit()


def test_sign_out(daemon: Daemon) -> None:
    """
    Sign out closes the connection, shows the login form and forgets the
    login (no automatic one follows; the next person sees nothing of the
    conversations); /quit does the same; /help lists the commands.
    """
    page = scriptedPage(daemon)
    friend = TchatClient(daemon.ports["TchatFactory"])
    try:
        friend.send("LOGIN mate")
        friend.expect("srv: OKAY!")
        page.login("signer", "")
        enter(page, "Blabla")
        page.say("/help")
        page.wait(lambda: any("/register password" in t for _, t in page.lines()))
        page.say("/msg mate secret")
        friend.expect("srv: MSGPV signer")
        page.click("#sign-out")
        page.wait(lambda: page.find("#login-form").is_displayed())
        page.wait(lambda: page.driver.execute_script("return window.sockets[0].readyState") == 3)
        page.wait(lambda: page.driver.execute_script("return window.sockets.length") == 2)
        page.wait(lambda: page.find("#status").text == "connected")  # no login on it
        assert page.find("#me").text == ""
        assert page.find("#password").get_attribute("value") == ""
        assert page.driver.execute_script("return window.logins") == 1

        page.find("#nick").clear()
        page.login("nextone")
        assert page.findAll("#convos li") == []
        assert page.find("#conv-title").text == "Pick a room"
        page.say("/quit")
        page.wait(lambda: page.find("#login-form").is_displayed())
        assert page.driver.execute_script("return window.logins") == 2
    finally:
        friend.close()
        page.quit()
