"""
The chat domain: people, rooms, messages and their rules, with no wire
format, SQL, Redis or reactor in it; front-ends reach it through
L{chatd.core.interfaces}.
"""
