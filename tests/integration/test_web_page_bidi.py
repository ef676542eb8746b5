# -*- test-case-name: tests.integration.test_web_page_bidi -*-
"""
Right-to-left text on the page, in a real browser against the real daemon:
an Arabic message reads and aligns right to left, an English one left to
right, and a direction override typed in a message never shows its letters
in another order than typed (a link spelled backwards to mislead), nor
turns anything around it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import enter, pageURL, speak, startChat, tchat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: Of the log's message line number C{arguments[0]}: the on-screen left
#: edges of its text's first and last letters, then the left and right
#: edges of its text and of the text's column.
EDGES = """
const span = document.querySelectorAll("#log li.msg .text")[arguments[0]];
const node = span.firstChild, text = node.textContent;
const letters = [...text.matchAll(/\\p{L}/gu)].map((m) => m.index);
const box = (start, end) => {
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  return range.getBoundingClientRect();
};
const whole = box(0, text.length), column = span.getBoundingClientRect();
return [box(letters[0], letters[0] + 1).left, box(letters.at(-1), letters.at(-1) + 1).left,
        whole.left, whole.right, column.left, column.right];
"""


def test_directions(tmp_path: Path) -> None:
    daemon = startChat(tmp_path, "--rooms", "souk")
    teller = tchat(daemon, "teller", "souk")
    page = Browser(pageURL(daemon))
    try:
        page.login("reader")
        enter(page, "souk")
        speak(teller, "souk", "مرحبا بالجميع")
        speak(teller, "souk", "hello everyone")
        speak(teller, "souk", "\u202eabc def")
        page.wait(lambda: len(page.findAll("#log li.msg .text")) == 3)
        spans = page.findAll("#log li.msg .text")
        directions = [span.value_of_css_property("direction") for span in spans]
        assert directions == ["rtl", "ltr", "ltr"]
        first, last, left, right, columnLeft, columnRight = page.driver.execute_script(EDGES, 0)
        assert first > last  # read from the right
        assert abs(right - columnRight) < 2 and left > columnLeft + 20  # aligned right
        first, last, left, right, columnLeft, columnRight = page.driver.execute_script(EDGES, 1)
        assert first < last and abs(left - columnLeft) < 2  # English: from the left
        first, last, *_ = page.driver.execute_script(EDGES, 2)
        assert first < last, "the override turned the letters around"
    finally:
        page.quit()
        teller.close()
        daemon.stop()
