# -*- test-case-name: tests.integration.test_web_page_speech -*-
"""
The page for a screen reader and a keyboard, in a real browser against the
real daemon: what the live regions say (private messages and mentions from
elsewhere, notices, a kick, a busy room summed up, never one's own words),
where the focus goes (after a kick, Leave, Delete), the log as one Tab stop
whose lines the arrow keys walk, the sidebar's names with their unread
counts, Tab completion that lets Tab move on, and a refused C{/msg} put back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, enter, pageURL, speak, startChat, tchat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: Records what the live regions are given, in order, as [region, text].
RECORD_SPEECH = """
window.heard = [];
for (const id of ["announce", "alert"]) {
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) window.heard.push([id, node.textContent]);
    }
  }).observe(document.getElementById(id), { childList: true });
}
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("speech"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def heard(page: Browser) -> list[tuple[str, str]]:
    said: list[list[str]] = page.driver.execute_script("return window.heard")
    return [(region, text) for region, text in said]


def saidSo(page: Browser, pattern: str) -> bool:
    """Whether a live region was given a text matching C{pattern} (a regex) whole."""
    return any(re.fullmatch(pattern, text) for _, text in heard(page))


def style(page: Browser, element: object, name: str) -> object:
    return page.driver.execute_script(f"return getComputedStyle(arguments[0]).{name}", element)


def focused(page: Browser, script: str) -> object:
    """C{script}, an expression of C{at} (the element focused), evaluated."""
    return page.driver.execute_script(f"const at = document.activeElement; return {script};")


def press(page: Browser, *keys: str, shift: bool = False) -> None:
    chain = ActionChains(page.driver)
    if shift:
        chain.key_down(Keys.SHIFT)
    for key in keys:
        chain.send_keys(key)
    if shift:
        chain.key_up(Keys.SHIFT)
    chain.perform()


def test_logIsOneTabStop(daemon: Daemon) -> None:
    """
    In a room they run, with 50 messages each with a Delete button, a
    keyboard user goes from the message box to Leave in a few Shift+Tab
    presses: the log is one stop. Up focuses the last message, Delete
    asks once more (said), Delete again deletes it, and the focus stays on
    its line; Escape goes back to the box. Each Delete button names its
    message; the room's button says how many people, and that it is shown.
    """
    page = Browser(pageURL(daemon))
    carol = None
    try:
        page.login("tabber")
        enter(page, "tabs", create=True)
        page.driver.execute_script(RECORD_SPEECH)
        carol = tchat(daemon, "tabcarol", "tabs")
        for n in range(50):
            speak(carol, "tabs", f"message {n}")
        page.waitForLine("tabcarol", "message 49")
        buttons = page.findAll("#log li.msg button.delete")
        assert len(buttons) == 50  # the room's creator runs it
        label = buttons[-1].get_attribute("aria-label") or ""
        assert re.fullmatch(r"Delete tabcarol's message 'message 49' at \d.+", label), label
        room = page.find('#rooms button[data-key="#tabs"]')
        assert room.get_attribute("aria-label") == "#tabs, 2 people"
        assert room.get_attribute("aria-current") == "page"

        page.click("#text")
        presses = 0
        while focused(page, "at.id") != "leave" and presses < 60:
            press(page, Keys.TAB, shift=True)
            presses += 1
        assert presses <= 4, presses  # box -> log -> (Earlier messages) -> Leave

        page.click("#text")
        press(page, Keys.TAB, shift=True)
        assert focused(page, "at.id") == "log"
        press(page, Keys.ARROW_UP)
        assert focused(page, "at.querySelector('.text').textContent") == "message 49"
        press(page, Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_DOWN)
        assert focused(page, "at.querySelector('.text').textContent") == "message 48"
        msgid = focused(page, "at.dataset.msgid")
        press(page, Keys.DELETE)
        again = "Press Delete again to delete tabcarol's message 'message 48'.*"
        page.wait(lambda: saidSo(page, again))
        press(page, Keys.DELETE)
        deleted = "message deleted by tabber"
        page.wait(lambda: focused(page, "at.querySelector('.text').textContent") == deleted)
        assert focused(page, "at.dataset.msgid") == msgid
        press(page, Keys.ESCAPE)
        assert focused(page, "at.id") == "text"
    finally:
        page.quit()
        if carol is not None:
            carol.close()


def test_speechAndFocus(daemon: Daemon) -> None:
    """
    Reading #speech: a private message and a mention in another room are
    said once each, and the sidebar's names carry their unread counts; a
    burst of messages is summed up; one's own words are never said; /help
    is said; a refused /msg goes back in the box, its error said alone;
    Tab completes a name once, then moves on; Leave leaves the focus in
    the room list; a kick is said at once and the focus goes to the
    conversation's heading (keys there press nothing; Tab reaches Join).
    """
    page = Browser(pageURL(daemon))
    carol = irc = None
    try:
        page.login("speaker")
        enter(page, "side", create=True)
        enter(page, "speech", create=True)
        page.driver.execute_script(RECORD_SPEECH)
        carol = tchat(daemon, "spcarol", "side", "speech")
        page.wait(lambda: "spcarol" in page.find("#members").text)

        carol.send("MSGPV speaker", "psst, private", ".")
        carol.expect("srv: OKAY!")
        speak(carol, "side", "speaker: look here")
        page.wait(lambda: saidSo(page, "spcarol mentioned you in #side: speaker: look here"))
        assert heard(page).count(("announce", "private message from spcarol: psst, private")) == 1
        private = page.find('#convos button[data-key="@spcarol"]')
        assert private.get_attribute("aria-label") == "@spcarol, 1 unread"
        side = page.find('#rooms button[data-key="#side"]')
        assert side.get_attribute("aria-label") == "#side, 1 unread, 2 people"
        assert side.get_attribute("aria-current") is None

        page.say("my own words")
        carol.send(*[part for n in range(6) for part in ("SPEAK speech", f"burst {n}", ".")])
        for _ in range(6):
            carol.expect("srv: OKAY!")
        page.waitForLine("spcarol", "burst 5")
        page.wait(lambda: saidSo(page, r"\d new messages in #speech"))
        bursts = [t for _, t in heard(page) if "burst" in t or "new messages" in t]
        assert len(bursts) <= 2, bursts
        assert not any("my own words" in t for _, t in heard(page))

        page.say("/help")
        page.wait(lambda: saidSo(page, "(?s)Commands:.*Alt\\+1.*Ctrl\\+K.*"))

        before = len(heard(page))
        box = page.find("#text")
        box.send_keys("/msg nobodyhere hi there", Keys.ENTER)
        page.wait(lambda: box.get_attribute("value") == "/msg nobodyhere hi there")
        page.wait(lambda: any(r == "alert" and "Error 21" in t for r, t in heard(page)[before:]))
        time.sleep(0.3)
        assert [r for r, _ in heard(page)[before:]] == ["alert"]  # the new error alone
        assert page.findAll('#convos button[data-key="@nobodyhere"]') == []

        box.clear()
        box.send_keys("spc", Keys.TAB)
        assert box.get_attribute("value") == "spcarol: "
        assert focused(page, "at.id") == "text"
        press(page, Keys.TAB)
        assert focused(page, "at.id") == "send"

        page.find("#leave").send_keys(Keys.ENTER)
        page.wait(lambda: not page.findAll('#sidebar button.joined[data-key="#speech"]'))
        page.wait(lambda: focused(page, "at.closest('#rooms') !== null"))

        irc = IrcClient(daemon.ports["IRCFactory"], "spop")
        irc.send("JOIN #kicks")
        irc.expect(" 366 ")
        enter(page, "kicks")
        page.click("#text")
        irc.send("KICK #kicks speaker :too chatty")
        said = ("alert", "you were kicked from #kicks by spop (too chatty)")
        page.wait(lambda: said in heard(page))
        page.wait(lambda: focused(page, "at.id") == "conv-title")
        press(page, Keys.TAB)
        assert focused(page, "at.id") == "rejoin"
    finally:
        page.quit()
        for client in (carol, irc):
            if client is not None:
                client.close()


#: Adds a message said three days ago to the conversation shown, as a
#: history reply would (the store holds nothing that old here).
ADD_OLD = """
const done = arguments[arguments.length - 1];
Promise.all([import("/log.js"), import("/state.js")]).then(([log, st]) => {
  const then = Math.floor(Date.now() / 1000) - 3 * 86400;
  const m = { from: "ancient", text: "from before", time: then, history: true };
  log.addMessage(st.currentConvo(), m, false);
  done(new Date(then * 1000).toLocaleDateString([], { weekday: "long" }));
}, (error) => done(String(error)));
"""

#: The connection going down and back, with three attempts between.
FLAP = """
const done = arguments[arguments.length - 1];
import("/state.js").then((st) => {
  for (let n = 0; n < 3; n++) {
    st.setStatus("disconnected \\u2014 reconnecting\\u2026", false);
    st.setStatus("connecting\\u2026", false);
  }
  st.setStatus("connected", true);
  done(true);
}, (error) => done(String(error)));
"""


def test_linesForReaders(daemon: Daemon) -> None:
    """
    A grouped message's sender is hidden from sight only; a mention has a
    cue besides its colour, heard too; a message of another day comes after
    a date separator and its time says the date in full; the connection
    going and coming back is said twice, not at every attempt; "Earlier
    messages" reaching the room's start says so and leaves the focus in
    the log.
    """
    carol = tchat(daemon, "licarol", "lines")
    for n in range(25):
        speak(carol, "lines", f"early {n}")
    page = Browser(pageURL(daemon))
    try:
        main = "return document.querySelector('main:not([hidden])').id"
        assert page.driver.execute_script(main) == "login-view"
        page.login("liner")
        enter(page, "lines")
        page.driver.execute_script(RECORD_SPEECH)
        page.waitForLine("licarol", "early 24")
        speak(carol, "lines", "liner: a word for you")
        page.waitForLine("licarol", "liner: a word for you")
        grouped = page.find("#log li.msg.cont .from")
        assert grouped.get_attribute("textContent") == "licarol"
        assert style(page, grouped, "visibility") == "visible"
        mention = page.find("#log li.mention")
        cue = mention.find_element("css selector", ".visually-hidden")
        assert cue.get_attribute("textContent") == " (mentions you)"
        assert style(page, mention, "borderLeftStyle") == "solid"

        weekday = page.driver.execute_async_script(ADD_OLD)
        page.waitForLine("ancient", "from before")
        separator = page.find("#log li.day:last-of-type, #log li.day")
        days = [d.text for d in page.findAll("#log li.day")]
        assert any(d.startswith(weekday) for d in days), (weekday, days)
        old = page.find('#log li.msg[data-from="ancient"] time')
        assert (old.get_attribute("datetime") or "").endswith("Z")
        assert weekday in (old.get_attribute("title") or "")
        assert separator.get_attribute("role") == "separator"

        page.driver.execute_async_script(FLAP)
        spoken = [t for _, t in heard(page) if "connect" in t.lower()]
        assert spoken == ["disconnected \u2014 reconnecting\u2026", "Connected again."], spoken

        page.find("#older").send_keys(Keys.ENTER)
        page.wait(lambda: ("announce", "Start of the room.") in heard(page))
        assert ("announce", "5 earlier messages.") in heard(page)
        assert focused(page, "at.id") == "log"
    finally:
        page.quit()
        carol.close()


def test_phoneMenuLetsFocusGo(daemon: Daemon) -> None:
    """
    On a phone, Tab past the menu's last control closes the menu: nothing
    focused is hidden behind it.
    """
    page = Browser(pageURL(daemon), width=390, height=760)
    try:
        page.login("phoner")
        enter(page, "phones", create=True)
        page.click("#menu")
        page.wait(lambda: page.find("#sidebar").is_displayed())
        page.find("#sign-out").send_keys("")  # focused
        press(page, Keys.TAB)
        page.wait(lambda: not page.find("#sidebar").is_displayed())
        assert page.find("#menu").get_attribute("aria-expanded") == "false"
    finally:
        page.quit()
