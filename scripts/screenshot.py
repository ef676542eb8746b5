#!/usr/bin/env python3
"""
Save the screenshots of docs/WEB.md and README.md in docs/img/: the web page
mid-conversation, on a desktop and on a phone, in the light and the dark
theme (web-desktop-light.png, web-desktop-dark.png, web-phone-light.png,
web-phone-dark.png).

Runs the same scenario as tests/integration/test_web_browser.py (a real twistd -n chatd
on free 127.0.0.1 ports, two headless Chromium windows and a TCHAT client)
and photographs alice's window.  Needs Debian's chromium and chromium-driver
and the test extras (selenium):

    .venv/bin/python scripts/screenshot.py [output-directory, default docs/img]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.browser import Browser, conversation, missingBrowser  # noqa: E402
from tests.support.daemon import startDaemon  # noqa: E402

#: (file name, window width and height, colour scheme)
SHOTS = [
    ("web-desktop-light.png", (1000, 740), "light"),
    ("web-desktop-dark.png", (1000, 740), "dark"),
    ("web-phone-light.png", (390, 760), "light"),
    ("web-phone-dark.png", (390, 760), "dark"),
]


def shoot(alice: Browser, output: Path) -> None:
    """
    Photograph alice's window on the room (after an action), with
    a private chat waiting, in each size and theme; then put it back.
    """
    alice.open("#lobby")
    alice.say("/me is off to lunch soon")
    alice.waitForLine("alice", "* alice is off to lunch soon")
    for name, (width, height), theme in SHOTS:
        alice.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": theme}]},
        )
        alice.driver.set_window_size(width, height)
        alice.driver.execute_script("document.getElementById('log').scrollTop = 1e9")
        alice.driver.save_screenshot(str(output / name))
    alice.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    alice.driver.set_window_size(1100, 700)


def main(output: Path) -> int:
    problem = missingBrowser()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as workdir:
        daemon = startDaemon(
            Path(workdir),
            "--port",
            "tcp:0:interface=127.0.0.1",
            "--web",
            "tcp:0:interface=127.0.0.1",
            "--rooms",
            "lobby,Général,projects",
            factories=("TchatFactory", "GuardedSite"),
        )
        browsers: list[Browser] = []
        try:
            web = f"http://127.0.0.1:{daemon.ports['GuardedSite']}/"
            browsers = conversation(
                web, daemon.ports["TchatFactory"], lambda alice: shoot(alice, output)
            )
        finally:
            for browser in browsers:
                browser.quit()
            daemon.stop()
    print("saved " + ", ".join(str(output / name) for name, _, _ in SHOTS))
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    target.mkdir(parents=True, exist_ok=True)
    sys.exit(main(target))
