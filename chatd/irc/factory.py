# -*- test-case-name: tests.unit.irc.test_irc_protocol -*-
"""
The IRC listener's factory: L{IRCListener}'s shared state, building
L{IRCProtocol} connections.
"""

from __future__ import annotations

from chatd.irc.listener import IRCListener
from chatd.irc.protocol import IRCProtocol


class IRCFactory(IRCListener):
    """
    Builds one L{IRCProtocol} per IRC client.
    """

    protocol = IRCProtocol
