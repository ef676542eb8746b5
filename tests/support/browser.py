"""
Drive the chat page in headless Chromium (Debian's C{chromium} and
C{chromium-driver}, through Selenium; nothing is downloaded), plus a blocking
TCHAT client, for the browser test and C{scripts/screenshot.py}.

Both the daemon and the browser are separate processes, so this code is
plain blocking Python: it needs no reactor.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TIMEOUT = 15.0
T = TypeVar("T")


def missingBrowser() -> str | None:
    """
    Why the browser tests cannot run here, or C{None} if they can.
    """
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} is missing: apt-get install chromium chromium-driver ({package})"
    return None


class Browser:
    """
    One headless Chromium window with its own fresh profile, showing the page.
    """

    def __init__(self, url: str, width: int = 1100, height: int = 700) -> None:
        self.profile = tempfile.mkdtemp(prefix="chatd-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(
            options=options, service=Service(executable_path=str(CHROMEDRIVER))
        )
        self.driver.get(url)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def wait(self, condition: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
        """
        Poll C{condition} until it returns something true, and return that.
        """
        # The page re-renders lists as messages arrive: an element found a
        # moment ago may be gone ("stale") by the time it is read; look again.
        result = WebDriverWait(
            self.driver,
            timeout,
            poll_frequency=0.05,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        ).until(lambda driver: condition())
        assert result is not None  # until() only returns a true value
        return result

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def findAll(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shown(self, css: str) -> WebElement:
        """
        Wait until an element matching C{css} is displayed; return it.
        """
        return self.wait(lambda: next((e for e in self.findAll(css) if e.is_displayed()), None))

    def login(self, nick: str, password: str = "") -> None:
        self.wait(lambda: self.find("#status").text == "connected")
        self.find("#nick").send_keys(nick)
        if password:
            self.find("#password").send_keys(password)
        self.find("#login").click()
        self.wait(lambda: self.find("#me").text == f"as {nick}")

    def click(self, css: str) -> None:
        def clicked() -> bool:
            self.shown(css).click()  # stale: found again on the next poll
            return True

        self.wait(clicked)

    def join(self, room: str) -> None:
        self.click(f'#rooms li[data-room="{room}"] button')
        self.wait(lambda: self.find("#conv-title").text == f"#{room}")

    def open(self, key: str) -> None:
        """
        Show the conversation C{key}: C{#room} or C{@nick}, the name as
        the page keys it (fold.js C{nameKey}: lower case, without accents,
        so C{#general} for C{#Général}).
        """
        self.click(f'#sidebar button[data-key="{key}"]')

    def say(self, text: str) -> None:
        box = self.shown("#text")
        box.send_keys(text)
        self.click("#send")
        self.wait(lambda: self.find("#text").get_attribute("value") == "")

    def lines(self) -> list[tuple[str, str]]:
        """
        The shown conversation's lines as (sender, text); events have no
        sender.
        """
        # One script, not a round trip per line (a grouped message hides
        # its sender's name: each line carries it in data-from).
        lines: list[list[str]] = self.driver.execute_script(
            "return [...document.querySelectorAll('#log li:not(.new-marker):not(.day)')].map("
            "(li) => [li.dataset.from || '', li.querySelector('.text').innerText])"
        )
        return [(sender, text) for sender, text in lines]

    def waitForLine(self, sender: str, text: str) -> None:
        self.wait(lambda: (sender, text) in self.lines())


class TchatClient:
    """
    A blocking TCHAT client, as a telnet user would be.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        assert self.line() == "srv: TCHAT 1"

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"clt: {line}\r\n" for line in lines).encode("utf-8"))

    def line(self) -> str:
        return self.file.readline().decode("utf-8").rstrip("\r\n")

    def expect(self, prefix: str) -> list[str]:
        """
        Read lines until one starts with C{prefix}; return it and, for a
        C{SPEAK} or C{MSGPV}, its body lines.
        """
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.line()
            if line.startswith(prefix):
                if line.startswith(("srv: SPEAK", "srv: MSGPV")):
                    body = []
                    while (part := self.line()) != "srv: .":
                        body.append(part.removeprefix("srv: "))
                    return [line, *body]
                return [line]
        raise AssertionError(f"no {prefix!r} line")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def conversation(
    web: str, tchatPort: int, pause: Callable[[Browser], None] | None = None
) -> list[Browser]:
    """
    The scenario the browser test checks and the screenshot shows: alice and
    bob in browsers and carol over TCHAT talk in C{lobby}, then privately.
    The browsers are returned still open (the caller quits them).

    @param pause: called with alice's window mid-conversation (the
        screenshot's moment).
    """
    alice = Browser(web)
    browsers = [alice]
    try:
        bob = Browser(web)
        browsers.append(bob)
        carol = TchatClient(tchatPort)
        try:
            alice.login("alice")
            bob.login("bob")
            carol.send("LOGIN carol", "ENTER lobby")
            assert carol.expect("srv: OKAY!") and carol.expect("srv: OKAY!")
            alice.join("lobby")
            bob.join("lobby")
            alice.waitForLine("", "bob joined")
            assert alice.find("#members").text.split() == ["carol", "alice", "bob"]

            # In the room: markup arrives as text, never as HTML.
            hostile = "<script>window.pwned = 1</script><b>bold?</b>"
            alice.say("Hello everyone! " + hostile)
            bob.waitForLine("alice", "Hello everyone! " + hostile)
            assert bob.driver.execute_script("return window.pwned") is None
            assert bob.findAll("#log script, #log b") == []
            assert carol.expect("srv: SPEAK alice lobby")[1:] == ["Hello everyone! " + hostile]
            carol.send("SPEAK lobby", "Hi from a telnet session", ".")
            carol.expect("srv: OKAY!")
            alice.waitForLine("carol", "Hi from a telnet session")
            bob.waitForLine("carol", "Hi from a telnet session")
            bob.say("Welcome, carol. The page works on phones too.")
            alice.waitForLine("bob", "Welcome, carol. The page works on phones too.")
            carol.expect("srv: SPEAK bob lobby")

            # Privately: browser to browser, browser to TCHAT and back.
            bob.click('#members button[data-nick="alice"]')
            bob.wait(lambda: bob.find("#conv-title").text == "Private: alice")
            bob.say("psst, lunch at noon?")
            alice.wait(lambda: alice.findAll('#convos button[data-key="@bob"] + .unread'))
            alice.say("/msg carol are you coming to lunch?")
            assert carol.expect("srv: MSGPV alice")[1:] == ["are you coming to lunch?"]
            carol.send("MSGPV bob", "yes, see you there", ".")
            carol.expect("srv: OKAY!")
            bob.wait(lambda: bob.findAll('#convos button[data-key="@carol"]'))
            bob.open("@carol")
            bob.waitForLine("carol", "yes, see you there")
            alice.open("@bob")
            alice.waitForLine("bob", "psst, lunch at noon?")
            alice.say("Sure, noon it is.")
            bob.open("@alice")
            bob.waitForLine("alice", "Sure, noon it is.")
            if pause is not None:
                pause(alice)

            # Leaving is seen; errors are readable.
            carol.send("LEAVE lobby")
            carol.expect("srv: OKAY!")
            alice.open("#lobby")
            alice.waitForLine("", "carol left")
            alice.find("#new-room").send_keys("no spaces!")
            alice.click("#create-form button")
            alice.wait(lambda: "Error 30" in alice.find("#errors").text)
            alice.find("#new-room").clear()
            alice.find("#new-room").send_keys("projects")
            alice.click("#create-form button")
            alice.wait(lambda: alice.find("#conv-title").text == "#projects")
            bob.open("#lobby")
            bob.click("#leave")
            bob.wait(lambda: not bob.findAll('#sidebar button.joined[data-key="#lobby"]'))
            alice.open("#lobby")
            alice.waitForLine("", "bob left")
            assert alice.find("#members").text.split() == ["alice"]
        finally:
            carol.close()
    except BaseException:
        for browser in browsers:
            browser.quit()
        raise
    return browsers
