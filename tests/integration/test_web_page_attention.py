"""
What draws the reader's attention, in a real browser against the real
daemon: notification permission asked only on the login click; a mention in
the conversation shown notifies only while the tab is hidden (and counts
unread until it is seen); a mention in a script written without spaces;
new messages reach the polite live region; links open in a new tab and long
ones wrap; the keyboard's focus follows the page's order.
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
from tests.support.pagehelpers import IrcClient, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: A Notification API whose permission is not yet given: records the
#: requests for it and what is shown; C{window.setHidden} fakes a hidden tab.
FAKE_API = """
window.asked = 0; window.shown = [];
window.Notification = class {
  static permission = "default";
  static requestPermission() {
    window.asked += 1;
    this.permission = "granted";
    return Promise.resolve("granted");
  }
  constructor(title, options) { window.shown.push([title, options.body]); }
};
let hidden = false;
Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
window.setHidden = (value) => {
  hidden = value;
  document.dispatchEvent(new Event("visibilitychange"));
};
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("attention"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def script(page: Browser, source: str, *args: Any) -> Any:
    return page.driver.execute_script(source, *args)


def enter(page: Browser, room: str) -> None:
    page.say(f"/create {room}")  # goes in if it exists
    page.wait(lambda: page.find("#conv-title").text == f"#{room}")


def test_notifications_and_live_region(daemon: Daemon) -> None:
    """
    The page asks for notifications once, when the user clicks to log in.
    A mention in the room shown is not notified while the tab is seen; in a
    hidden tab it is, and counts unread until the tab is seen again.  New
    lines of the conversation shown are read out (a polite live region).
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "caller")
    page = Browser(pageURL(daemon))
    try:
        script(page, FAKE_API)
        page.wait(lambda: page.find("#status").text == "connected")
        assert script(page, "return window.asked") == 0
        page.login("noted")
        assert script(page, "return window.asked") == 1
        enter(page, "att")
        irc.send("JOIN #att", "PRIVMSG #att :noted: seen here")
        page.waitForLine("caller", "noted: seen here")
        assert script(page, "return window.shown") == []
        live = page.find("#announce")
        assert live.get_attribute("aria-live") == "polite"
        page.wait(lambda: "caller: noted: seen here" in (live.get_attribute("textContent") or ""))

        script(page, "window.setHidden(true)")
        irc.send("PRIVMSG #att :noted: are you there?")
        page.waitForLine("caller", "noted: are you there?")
        page.wait(
            lambda: (
                script(page, "return window.shown") == [["caller in #att", "noted: are you there?"]]
            )
        )
        assert page.driver.title == "(1) chatd"
        script(page, "window.setHidden(false)")
        page.wait(lambda: page.driver.title == "chatd")
        assert script(page, "return window.asked") == 1
    finally:
        page.quit()
        irc.close()


#: The page's own rule, asked of the page: [text, nickname] -> mentioned.
MENTIONS = """
const [cases, done] = arguments;
import("./alerts.js").then((alerts) => done(cases.map((c) => alerts.mentions(c[0], c[1]))));
"""


def test_mentions_without_spaces(daemon: Daemon) -> None:
    """
    A name in a script written without spaces is mentioned before the
    text's end, a space, punctuation or a known honorific or particle
    (さくらさん, さくら。), after anything; not before another letter of
    those scripts, which makes another word (さくらんぼ, cherry), nor
    before a digit (さくら2, another nickname).  In a script written with
    spaces, as a word: not inside a longer one, but next to a letter of
    another script.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "tomo")
    page = Browser(pageURL(daemon))
    try:
        page.login("さくら")
        enter(page, "ohayo")
        said = ["さくらさん、こんにちは！", "さくら、元気？", "hello さくら how are you"]
        said += ["さくらんぼを食べた", "みなさん"]  # nobody named: cherries, everyone
        irc.send("JOIN #ohayo", *(f"PRIVMSG #ohayo :{text}" for text in said))
        page.waitForLine("tomo", said[-1])
        highlighted = script(
            page,
            "return [...document.querySelectorAll('#log li.msg')].map("
            "(li) => [li.querySelector('.text').innerText, li.classList.contains('mention')])",
        )
        assert highlighted == [[text, "さくら" in text and "んぼ" not in text] for text in said]

        cases = {
            ("annual report", "ann"): False,
            ("ann2 and ann_b", "ann"): False,
            ("hi Ann!", "ann"): True,
            ("annさん", "ann"): True,
            ("Σοφίας", "Σοφία"): False,
            ("σοφία, έλα", "Σοφία"): True,
            ("สมชายครับ", "สมชาย"): True,
            ("สมชายศรี", "สมชาย"): False,
            ("我是小明啊", "小明"): True,
            ("小明星", "小明"): False,
            ("さくら", "さくら"): True,
            ("さくら。", "さくら"): True,
            ("さくらさん", "さくら"): True,
            ("さくら先生、おはよう", "さくら"): True,
            ("さくらの本", "さくら"): True,
            ("おはようさくら！", "さくら"): True,
            ("サクラちゃん", "サクラ"): True,
            ("さくらんぼ", "さくら"): False,
            ("さくらんぼとさくら", "さくら"): True,
            ("さくら2 は来た", "さくら"): False,
            ("さくらchan", "さくら"): True,
            ("Ann", "ann"): True,
            ("hi Anna", "ann"): False,
            ("tom|away is back", "tom"): False,  # another nickname
            ("ask [Tom]: he knows", "[tom]"): True,
            ("ask [Tom]x", "[tom]"): False,
        }
        asked = [list(case) for case in cases]
        assert page.driver.execute_async_script(MENTIONS, asked) == list(cases.values())
    finally:
        page.quit()
        irc.close()


def test_links_and_focus_order(daemon: Daemon) -> None:
    """
    A link opens in a new tab without a referrer; a very long one wraps
    (nothing scrolls sideways).  Tab goes through the sidebar, the
    conversation's header, its messages (one stop: a link in them is reached
    from its line with the arrow keys) and the message box, in that order.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "linker")
    page = Browser(pageURL(daemon), width=900)
    try:
        page.login("tabber")
        enter(page, "tabs")
        long = "https://example.org/" + "a" * 400
        irc.send("JOIN #tabs", f"PRIVMSG #tabs :see {long}")
        page.waitForLine("linker", f"see {long}")
        link = page.find("#log a")
        assert (link.get_attribute("target"), link.get_attribute("rel")) == (
            "_blank",
            "noopener noreferrer",
        )
        assert link.get_attribute("href") == long
        width = script(
            page, "const l = document.getElementById('log'); return [l.scrollWidth, l.clientWidth]"
        )
        assert width[0] <= width[1], width
        page.wait(lambda: "linker" in [b.text for b in page.findAll("#members button")])

        # Start at the top of the page: its heading, made focusable by script only.
        script(page, "const h = document.querySelector('#top h1'); h.tabIndex = -1; h.focus()")
        visited: list[str] = []
        for _ in range(40):
            ActionChains(page.driver).send_keys(Keys.TAB).perform()
            visited.append(
                script(
                    page,
                    "const e = document.activeElement;"
                    " const area = e.closest('#sidebar') ? 'sidebar'"
                    " : e.closest('#conv-header') ? 'header' : e.closest('#log') ? 'log' : e.id;"
                    " const name = e.id || e.dataset.key || e.dataset.nick || e.textContent;"
                    " return area + ':' + name;",
                )
            )
            if visited[-1] == "send:send":
                break
        areas = [step.split(":")[0] for step in visited]
        order = [area for n, area in enumerate(areas) if n == 0 or areas[n - 1] != area]
        # "Earlier messages" is not offered: the replay holds the room's whole history.
        assert order == ["sidebar", "header", "log", "text", "send"], visited
        assert "sidebar:#tabs" in visited and "sidebar:new-room" in visited
        assert "sidebar:linker" in visited  # the members
        assert "header:edit-topic" in visited and "header:leave" in visited
        assert "log:log" in visited and f"log:{long}" not in visited  # the log: one stop
        script(page, "document.getElementById('log').focus()")
        ActionChains(page.driver).send_keys(Keys.ARROW_UP, Keys.ARROW_RIGHT).perform()
        assert script(page, "return document.activeElement.href") == long
    finally:
        page.quit()
        irc.close()


def test_replayed_history_is_not_news(daemon: Daemon) -> None:
    """
    A registered user opening the page is put back in their rooms and shown
    their recent history: an old mention there is neither notified nor
    counted unread; a new one is.
    """
    first = Browser(pageURL(daemon))
    try:
        first.login("regi")
        first.say("/register sesame-regi")
        # No room is open yet: the page shows the answer in its notices.
        first.wait(lambda: "now registered" in first.find("#errors").text)
        enter(first, "Blabla")
    finally:
        first.quit()
    irc = IrcClient(daemon.ports["IRCFactory"], "pinger")
    page = Browser(pageURL(daemon))
    try:
        # Old mentions in both rooms: whichever the page shows first, the
        # other's is history it was not looking at.
        irc.send("JOIN #Blabla,#Général")
        irc.expect(" 366 ")
        irc.expect(" 366 ")
        irc.send("PRIVMSG #Blabla :regi: old news", "PRIVMSG #Général :regi: older news")
        irc.send("PING said")
        irc.expect("PONG")  # both said (and kept) before the page logs in
        script(page, FAKE_API)
        page.login("regi", "sesame-regi")
        page.wait(lambda: len(page.findAll('#rooms button.joined[data-key="#blabla"]')) == 1)
        page.wait(lambda: len(page.findAll('#rooms button.joined[data-key="#general"]')) == 1)
        page.open("#blabla")
        page.waitForLine("pinger", "regi: old news")
        page.open("#general")
        page.waitForLine("pinger", "regi: older news")
        assert script(page, "return window.shown") == []
        assert page.driver.title == "chatd"

        irc.send("PRIVMSG #Blabla :regi: fresh news")
        page.wait(
            lambda: (
                script(page, "return window.shown") == [["pinger in #Blabla", "regi: fresh news"]]
            )
        )
        assert page.driver.title == "(1) chatd"
    finally:
        page.quit()
        irc.close()
