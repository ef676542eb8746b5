"""
The page on a phone (360x740), in a real browser against the real daemon:
the ☰ button shows that something is unread elsewhere, and its menu closes
on Escape or a tap outside it.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    daemon = startChat(tmp_path_factory.mktemp("phone"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.fixture
def phone(daemon: Daemon) -> Iterator[Browser]:
    phone = Browser(pageURL(daemon), width=360, height=740)
    yield phone
    phone.quit()


def menuOpen(phone: Browser) -> bool:
    return phone.find("#sidebar").is_displayed()


def test_unread_on_the_menu_button(phone: Browser, daemon: Daemon) -> None:
    """
    A private message while a room is shown: the ☰ button gets a visible
    badge and a name (for screen readers) that says something is unread;
    read, both go.
    """
    friend = TchatClient(daemon.ports["TchatFactory"])
    try:
        phone.login("pocket")
        enter(phone, "Blabla")
        menu = phone.find("#menu")
        assert menu.accessible_name == "Rooms and people"
        friend.send("LOGIN buddy", "MSGPV pocket", "are you there?", ".")
        badge = phone.shown("#menu .badge")
        assert badge.text == "1"
        assert menu.accessible_name == "Rooms and people (1 unread)"
        phone.click("#menu")
        phone.open("@buddy")
        phone.wait(lambda: not phone.findAll("#menu .badge"))
        assert menu.accessible_name == "Rooms and people"
    finally:
        friend.close()


def test_no_menu_before_login(phone: Browser) -> None:
    """
    The ☰ button shows only once logged in: on the login form there is no
    menu to open, and a screen reader must not hear of one.  Signed out, it
    goes again.
    """
    phone.shown("#login-form")
    assert not phone.find("#menu").is_displayed()
    phone.login("nomenu")
    phone.click("#menu")  # signing out is in the menu
    phone.click("#sign-out")
    phone.shown("#login-form")
    phone.wait(lambda: not phone.find("#menu").is_displayed())


def test_menu_closes(phone: Browser) -> None:
    """
    Escape closes the open menu (the focus back on its button), and so
    does a tap beside it, on the conversation.
    """
    phone.login("tapper")
    enter(phone, "Blabla")
    phone.click("#menu")
    phone.wait(lambda: menuOpen(phone))
    ActionChains(phone.driver).send_keys(Keys.ESCAPE).perform()
    phone.wait(lambda: not menuOpen(phone))
    assert phone.find("#menu").get_attribute("aria-expanded") == "false"
    assert phone.driver.switch_to.active_element == phone.find("#menu")

    phone.click("#menu")
    phone.wait(lambda: menuOpen(phone))
    log = phone.find("#log")
    right = log.size["width"] // 2 - 10  # right of the menu (80% of the width)
    ActionChains(phone.driver).move_to_element_with_offset(log, right, 0).click().perform()
    phone.wait(lambda: not menuOpen(phone))
    assert phone.find("#menu").get_attribute("aria-expanded") == "false"


#: What some engines (older WebKit) make of a flex item's height: no
#: C{min-height: auto}, so the login view may be given less than its form.
SHRINKS = "document.getElementById('login-view').style.minHeight = '0'"  # (CSSOM: no CSP)


@pytest.mark.parametrize(
    ("width", "height", "shrinks"),
    [(640, 360, False), (640, 260, False), (640, 260, True), (360, 640, False), (1100, 700, False)],
    ids=str,
)
def test_login_form_reachable(daemon: Daemon, width: int, height: int, shrinks: bool) -> None:
    """
    The whole login form can be reached, from its title to its button: in
    a short window (a phone on its side, 640x360, or shorter still) the
    page scrolls from the form's top, never past it (whatever the engine
    makes of the view's height), and the button scrolls into view; upright
    and on a desktop the form shows whole, below the header.
    """
    page = Browser(pageURL(daemon), width=max(width, 500), height=height)
    try:
        page.driver.execute_cdp_cmd(  # the window's own size: no browser bars
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 1000},
        )
        page.shown("#login-form")
        if shrinks:
            page.driver.execute_script(SHRINKS)

        def box(css: str, scroll: str) -> tuple[float, float, float]:
            top, bottom, shown = page.driver.execute_script(
                scroll + "; const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                " return [r.top, r.bottom, window.innerHeight]",
                css,
            )
            return top, bottom, shown

        top, bottom, shown = box("#login-form", "window.scrollTo(0, 0)")
        header = page.find("#top").rect["height"]
        assert header <= top < shown, (top, header, shown)
        if height >= 600:
            assert bottom <= shown, "the whole form shows"
        title = box("#login-form h2", "window.scrollTo(0, 0)")
        assert 0 <= title[0] and title[1] <= title[2], title
        button = box("#login", "document.getElementById('login').scrollIntoView({block: 'end'})")
        assert 0 <= button[0] and button[1] <= button[2] + 1, button  # (a fraction of a pixel)
    finally:
        page.quit()
