"""
Talk mode: chatd for people on plain C{telnet}, with slash commands.

L{chatd.talk.protocol} is the connection (greeting, events in, lines out)
and its factory, L{chatd.talk.login} its nickname and password prompts,
L{chatd.talk.commands} the table of slash commands, L{chatd.talk.rooms} the
current room, L{chatd.talk.session} what commands need from a connection,
L{chatd.talk.format} the text a person sees, and L{chatd.talk.telnet} the
telnet layer below the line receiver.
"""
