"""
The web page takes names for one as the server does for case, accents and
the Turkish I (chatd/web/static/fold.js), in a real browser against the
real daemon: a mention of C{İrem} spelt C{irem} or C{IREM} is highlighted,
one of C{Noël} spelt C{noel} or with a combining accent too; Tab completes
C{em} to C{Émilie}, C{ip} to C{İpek}, C{om} to C{Ömer}; Ctrl+K's C{gen}
goes to C{#Général}, C{@il} to C{İlker}.  A mark that spells a letter is
part of it: C{ケ} (or a half-width C{ｹ}) neither completes C{ゲンタ} nor goes
to C{ゲン}, whose C{ゲ} is C{ケ} and a voicing mark.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import IrcClient, enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: The page's own rule, asked of the page: [text, nickname] -> mentioned.
MENTIONS = """
const [cases, done] = arguments;
import("./alerts.js").then((alerts) => done(cases.map((c) => alerts.mentions(c[0], c[1]))));
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("fold"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_mentions_in_any_case_and_accents(daemon: Daemon) -> None:
    """
    C{selam irem} and C{selam IREM} mention C{İrem} (whose lower case in
    JavaScript is C{i} and a combining dot), as C{bonjour noel} and a
    C{Noël} typed decomposed mention C{Noël}; a longer word does not, nor
    a name whose mark makes another letter.
    """
    irc = IrcClient(daemon.ports["IRCFactory"], "ogretmen")
    page = Browser(pageURL(daemon))
    try:
        page.login("İrem")
        enter(page, "sinif", create=True)
        said = ["selam irem", "selam IREM", "Selam İREM!", "I\u0307rem?"]  # mentions
        said += ["iremnur geldi", "merhaba"]
        irc.send("JOIN #sinif", *(f"PRIVMSG #sinif :{text}" for text in said))
        page.waitForLine("ogretmen", said[-1])
        highlighted = page.driver.execute_script(
            "return [...document.querySelectorAll('#log li.msg')].map("
            "(li) => [li.querySelector('.text').innerText, li.classList.contains('mention')])",
        )
        assert highlighted == [[text, index < 4] for index, text in enumerate(said)]

        cases = {
            ("bonjour noel", "Noël"): True,
            ("bonjour Noe\u0308l !", "Noël"): True,
            ("BONJOUR NOËL", "Noël"): True,
            ("salut Noëlle", "Noël"): False,
            ("cafe\u0301Noël", "Noël"): False,  # one word
            ("Noe\u0308lさん", "Noël"): True,  # its last letter is e, not the accent
            ("hi Zoe", "ZOÉ"): True,
            ("ＺＯＥ!", "Zoé"): True,
            ("merhaba ırem", "İrem"): True,
            ("ΝΙΚΟΣ, έλα", "Νίκος"): True,
            ("Strasse", "Straße"): True,
            ("ケンさん", "ゲン"): False,
            ("ケ\u3099ンさん", "ゲン"): True,
            ("Иосип", "Йосип"): False,
            ("И\u0306осип!", "Йосип"): True,
        }
        asked = [list(case) for case in cases]
        assert page.driver.execute_async_script(MENTIONS, asked) == list(cases.values())
    finally:
        page.quit()
        irc.close()


def test_tab_completes_in_any_case_and_accents(daemon: Daemon) -> None:
    """
    Tab completes C{em} to C{Émilie}, C{ip} to C{İpek}, C{om} to C{Ömer},
    C{ゲ} (or half-width C{ｹﾞ}) to C{ゲンタ}; C{ケ} and C{ｹ} complete nothing.
    """
    names = ("Émilie", "İpek", "Ömer", "ゲンタ")
    members = [IrcClient(daemon.ports["IRCFactory"], name) for name in names]
    page = Browser(pageURL(daemon))
    try:
        page.login("ogretmen")
        enter(page, "ders", create=True)
        for member in members:
            member.send("JOIN #ders")
        page.wait(lambda: all(name in page.find("#members").text for name in names))
        box = page.shown("#text")
        completed = [("em", "Émilie"), ("ip", "İpek"), ("om", "Ömer"), ("EM", "Émilie")]
        completed += [("ゲ", "ゲンタ"), ("ｹﾞ", "ゲンタ")]
        for stem, name in completed:
            box.clear()
            box.send_keys(stem, Keys.TAB)
            assert box.get_attribute("value") == f"{name}: "
        for stem in ("ケ", "ｹ"):
            box.clear()
            box.send_keys(stem, Keys.TAB)
            assert box.get_attribute("value") == stem
    finally:
        page.quit()
        for member in members:
            member.close()


def test_goto_in_any_case_and_accents(daemon: Daemon) -> None:
    """
    Ctrl+K then C{gen} goes to C{#Général}, a room of the list not joined
    yet; C{@il} to someone online called C{İlker}.  C{ケ} does not go to
    C{ゲン} (said in the box), C{ゲ} does.
    """
    founder = IrcClient(daemon.ports["IRCFactory"], "Ayse")
    founder.send("JOIN #Général")
    founder.expect("JOIN")
    ilker = IrcClient(daemon.ports["IRCFactory"], "İlker")
    gen = IrcClient(daemon.ports["IRCFactory"], "ゲン")
    page = Browser(pageURL(daemon))
    try:
        page.login("gezgin")
        page.wait(lambda: "Général" in page.find("#rooms").text)

        def goTo(typed: str, title: str) -> None:
            ActionChains(page.driver).key_down(Keys.CONTROL).send_keys("k").key_up(
                Keys.CONTROL
            ).perform()
            page.shown("#switch").send_keys(typed, Keys.ENTER)
            page.wait(lambda: page.find("#conv-title").text == title)

        goTo("gen", "#Général")
        goTo("@il", "Private: İlker")

        ActionChains(page.driver).key_down(Keys.CONTROL).send_keys("k").key_up(
            Keys.CONTROL
        ).perform()
        page.shown("#switch").send_keys("ケ", Keys.ENTER)
        note = page.shown("#switch-note")
        assert note.text == "No room or person online starts with \u201cケ\u201d."
        assert page.find("#conv-title").text == "Private: İlker"
        page.find("#switch").send_keys(Keys.ESCAPE)
        goTo("ゲ", "Private: ゲン")
    finally:
        page.quit()
        gen.close()
        ilker.close()
        founder.close()
