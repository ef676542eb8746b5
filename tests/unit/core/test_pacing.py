"""
Pages of stored messages (L{chatd.core.pacing}): what one piece of a long
answer holds, for every front-end.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import RoomMessage
from chatd.core.limits import PAGE_BYTES
from chatd.core.pacing import LINE_OVERHEAD, pageBytes, pages, wireSize


def message(text: str, lines: int = 1) -> RoomMessage:
    return RoomMessage("lobby", "alice", (text,) * lines, 0)


class PacingTests(SynchronousTestCase):
    def test_wireSize(self) -> None:
        """
        A message costs its UTF-8 bytes plus L{LINE_OVERHEAD} per line.
        """
        self.assertEqual(wireSize(message("\N{GRINNING FACE}", 2)), 2 * (4 + LINE_OVERHEAD))

    def test_pages(self) -> None:
        """
        Pages keep the order and stay within their size; a message larger
        than a page is a page by itself.
        """
        small, large = message("x" * 72), message("y" * 1000)  # 200 bytes, 1128
        found = list(pages([small, small, small, large, small], 400))
        self.assertEqual(found, [[small, small], [small], [large], [small]])
        self.assertEqual(list(pages([], 400)), [])

    def test_pageBytes(self) -> None:
        """
        A page is a quarter of the output limit, at most L{PAGE_BYTES}.
        """
        self.assertEqual(pageBytes(65536), 16384)
        self.assertEqual(pageBytes(1 << 20), PAGE_BYTES)
        self.assertEqual(pageBytes(2), 1)
