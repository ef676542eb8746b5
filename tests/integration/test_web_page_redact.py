# -*- test-case-name: tests.integration.test_web_page_redact -*-
"""
Deleting a message from the page, in a real browser against the real
daemon: the Delete button is on one's own messages only (nobody runs the
room here), a labelled button reached and pressed with the keyboard, asking
once more; then both pages show "message deleted" where the message was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, speak, startChat, tchat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))


def test_deleteButton(tmp_path: Path) -> None:
    daemon = startChat(tmp_path, "--rooms", "talk")
    teller = tchat(daemon, "teller", "talk")
    alice = Browser(pageURL(daemon))
    bob = Browser(pageURL(daemon))
    try:
        for page, nick in ((alice, "alice"), (bob, "bob")):
            page.login(nick)
            enter(page, "talk")
        speak(teller, "talk", "from a terminal")
        alice.say("oops, wrong room")
        for page in (alice, bob):
            page.waitForLine("alice", "oops, wrong room")
            page.waitForLine("teller", "from a terminal")
        assert teller.expect("srv: SPEAK alice talk")[1:] == ["oops, wrong room"]
        # Only alice's own message has the button, on her page only.
        assert len(alice.findAll("#log li.msg button.delete")) == 1
        assert bob.findAll("#log li.msg button.delete") == []
        button = alice.find("#log li.msg.mine button.delete")
        label = button.get_attribute("aria-label") or ""
        assert label.startswith("Delete alice's message 'oops, wrong room' at "), label
        button.send_keys(Keys.ENTER)  # asks once more
        alice.wait(lambda: "everyone" in alice.find("#log li.mine button.delete").text)
        assert ("alice", "oops, wrong room") in alice.lines()
        alice.find("#log li.mine button.delete").send_keys(Keys.ENTER)
        for page in (alice, bob):
            page.waitForLine("alice", "message deleted")
            assert ("alice", "oops, wrong room") not in page.lines()
            assert ("teller", "from a terminal") in page.lines()
        assert alice.findAll("#log li.msg button.delete") == []
        teller.send("HISTO talk 10")  # TCHAT was told nothing, and HISTO has it no more
        got = []
        while (line := teller.line()) != "srv: OKAY!":
            got.append(line)
        assert "srv: from a terminal" in got, got
        assert not any("wrong room" in line for line in got), got
        # Renamed, a guest may no longer delete what it said under its old name: no button.
        bob.say("said as bob")
        bob.waitForLine("bob", "said as bob")
        assert len(bob.findAll("#log li.msg button.delete")) == 1
        bob.say("/nick bobby")
        bob.wait(lambda: bob.find("#me").text == "as bobby")
        bob.wait(lambda: bob.findAll("#log li.msg button.delete") == [])
    finally:
        alice.quit()
        bob.quit()
        teller.close()
        daemon.stop()
    assert "Traceback" not in daemon.logText()
