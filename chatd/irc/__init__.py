"""
chatd's IRC front-end: real IRC clients join the same rooms as everyone else.

C{#lobby} is the service's room C{lobby}.  The package is split by concern:
L{chatd.irc.message} parses and formats lines (with IRCv3 tags),
L{chatd.irc.numerics} maps service errors to numerics,
L{chatd.irc.caps} negotiates capabilities, L{chatd.irc.protocol} is the
connection itself, with its commands in L{chatd.irc.registration},
L{chatd.irc.channels}, L{chatd.irc.modes}, L{chatd.irc.moderation} and
L{chatd.irc.queries}, and L{chatd.irc.factory} holds what connections share.
"""
