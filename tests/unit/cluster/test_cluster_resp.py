"""
Tests for L{chatd.cluster.resp}: the bytes of a command, as txredisapi
builds them.
"""

from __future__ import annotations

import txredisapi
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.resp import encodeCommand


class EncodeCommandTests(SynchronousTestCase):
    def test_sameBytesAsTxredisapi(self) -> None:
        """
        Text (non-ASCII too), bytes, integers and floats give exactly the
        bytes txredisapi's own builder gives.
        """
        reference = txredisapi.RedisProtocol(charset="utf-8")
        for command in (
            ("XADD", "chatd:0:inbox:a", "MAXLEN", "~", 10000, "*", "m", '{"l":["héllo"]}'),
            ("SET", b"k\r\n", bytearray(b"v"), "PX", 5000, "NX"),
            ("EVAL", "return 1", 0, 1.5, -2, ""),
        ):
            self.assertEqual(encodeCommand(command), reference._build_command(*command))

    def test_shape(self) -> None:
        """
        A command is an array of bulk strings, lengths in bytes.
        """
        self.assertEqual(encodeCommand(["GET", "é"]), b"*2\r\n$3\r\nGET\r\n$2\r\n\xc3\xa9\r\n")
