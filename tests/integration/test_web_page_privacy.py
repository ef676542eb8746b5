"""
The page on a shared computer, in a real browser against the real daemon:
signing out leaves nothing of the person for the next one (their search, what
the screen reader was told, the nickname in the login form); and Ctrl+K's
"Go to a room or person" goes to any room of the list or anyone online, or
says that nothing fits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, startChat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir: Path = tmp_path_factory.mktemp("privacy")
    daemon = startChat(workdir, "--rooms", "Blabla,lobby")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def tchat(daemon: Daemon, nick: str) -> TchatClient:
    client = TchatClient(daemon.ports["TchatFactory"])
    client.send(f"LOGIN {nick}")
    client.expect("srv: OKAY!")
    return client


def said(page: Browser, region: str) -> str:
    """
    What the live region C{region} (out of sight) holds for screen readers.
    """
    return page.find(f"#{region}").get_attribute("textContent") or ""


def goTo(page: Browser, typed: str) -> None:
    """
    Ctrl+K, then C{typed} and Enter in "Go to a room or person".
    """
    ActionChains(page.driver).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    page.shown("#switch").send_keys(typed, Keys.ENTER)


def test_sign_out_forgets_the_search(daemon: Daemon) -> None:
    """
    amira (registered) searches "secret" and finds her private messages;
    she signs out and dan signs in in the same tab: he sees no search text,
    no result, and nothing of hers the screen reader was told.
    """
    mate = tchat(daemon, "pmate")
    page = Browser(pageURL(daemon))
    try:
        page.login("amira")
        page.say("/register amira-secret-pw")
        page.wait(lambda: "now registered" in page.find("#errors").text)
        enter(page, "Blabla")
        page.say("/msg pmate our secret plan")
        mate.expect("srv: MSGPV amira")
        mate.send("MSGPV amira", "the secret is safe", ".")
        page.wait(lambda: "the secret is safe" in said(page, "announce"))
        page.shown("#search").send_keys("secret", Keys.ENTER)
        page.wait(lambda: page.find("#search-status").text.startswith("2 messages"))
        assert "@pmate" in page.find("#search-results").text

        page.click("#sign-out")
        page.wait(lambda: page.find("#login-form").is_displayed())
        page.wait(lambda: page.find("#status").text == "connected")
        page.find("#nick").clear()
        page.login("dan")
        assert page.shown("#search").get_attribute("value") == ""
        assert page.findAll("#search-results li") == []
        assert not page.find("#search-status").is_displayed()
        assert not page.find("#search-clear").is_displayed()
        assert "secret" not in said(page, "announce") + said(page, "alert")
    finally:
        mate.close()
        page.quit()


def test_sign_out_empties_the_login_form(daemon: Daemon) -> None:
    """
    After signing out the login form is empty: the next person types their
    nickname, not after the last one's.
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("leaver")
        page.click("#sign-out")
        page.wait(lambda: page.find("#login-form").is_displayed())
        assert page.find("#nick").get_attribute("value") == ""
        assert page.find("#password").get_attribute("value") == ""
        page.login("comer")
    finally:
        page.quit()


def test_go_to_a_room_or_person(daemon: Daemon) -> None:
    """
    Ctrl+K and the beginning of a name: a room joined is shown, a room of
    the list not joined is joined, someone online (@ or not) gets a private
    conversation; a name that fits nothing is said in the box, which stays.
    """
    noa = tchat(daemon, "noa")
    zed = tchat(daemon, "zedd")
    page = Browser(pageURL(daemon))
    try:
        page.login("goer")
        page.say("/create big")
        page.wait(lambda: page.find("#conv-title").text == "#big")
        page.wait(lambda: page.findAll('#rooms li[data-room="Blabla"]'))

        goTo(page, "Blab")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        page.wait(lambda: page.findAll('#rooms button.joined[data-key="#blabla"]'))
        assert not page.find("#switch-form").is_displayed()
        goTo(page, "#big")
        page.wait(lambda: page.find("#conv-title").text == "#big")
        goTo(page, "lob")
        page.wait(lambda: page.find("#conv-title").text == "#lobby")
        goTo(page, "noa")
        page.wait(lambda: page.find("#conv-title").text == "Private: noa")
        goTo(page, "@zed")
        page.wait(lambda: page.find("#conv-title").text == "Private: zedd")
        assert page.find('#convos button[data-key="@zedd"]')

        goTo(page, "nowhere")
        expected = "No room or person online starts with \u201cnowhere\u201d."
        page.wait(lambda: page.find("#switch-note").text == expected)
        assert page.find("#switch-form").is_displayed()
        assert expected in said(page, "announce")
        assert page.find("#conv-title").text == "Private: zedd"
        goTo(page, "#noa")  # a person is no room
        page.wait(lambda: page.find("#switch-note").text == "No room starts with \u201c#noa\u201d.")
    finally:
        noa.close()
        zed.close()
        page.quit()
