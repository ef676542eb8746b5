#!/usr/bin/env python3
"""
Save docs/screenshot.png: the web page mid-conversation.

Runs the same scenario as tests/test_web_browser.py (a real twistd -n chatd
on free 127.0.0.1 ports, two headless Chromium windows and a TCHAT client)
and photographs alice's window.  Needs Debian's chromium and chromium-driver
and the test extras (selenium):

    .venv/bin/python scripts/screenshot.py [output.png]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import Browser, conversation, missingBrowser  # noqa: E402
from tests.daemon import startDaemon  # noqa: E402


def shoot(alice: Browser, output: Path) -> None:
    """
    Photograph alice's window on the room, with a private chat waiting.
    """
    alice.open("#lobby")
    alice.driver.set_window_size(1000, 740)
    alice.driver.save_screenshot(str(output))


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
    print(f"saved {output}")
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    sys.exit(main(target))
