"""
chatd's IRC front-end: real IRC clients join the same rooms as everyone else.

C{#lobby} is the service's room C{lobby}.  The package is split by concern:
L{chatd.irc.message} parses and formats lines (with IRCv3 tags),
L{chatd.irc.numerics} maps service errors to numerics,
L{chatd.irc.caps} negotiates capabilities, L{chatd.irc.protocol} is the
connection itself, which runs each line's command through the table of
L{chatd.irc.commands}; the commands are in L{chatd.irc.registration},
L{chatd.irc.channels}, L{chatd.irc.privmsg}, L{chatd.irc.modes},
L{chatd.irc.moderation}, L{chatd.irc.queries}, L{chatd.irc.oper} and
L{chatd.irc.history}, typed against L{chatd.irc.session.IRCSession}, and
L{chatd.irc.listener} holds what connections share.
"""
