# -*- test-case-name: tests.unit.core.test_listing -*-
"""
L{IPeopleListing}: the part of L{chatd.core.interfaces.IChatService} that
says who is listed as online to whom (the rule: L{chatd.core.listing}).
"""

from __future__ import annotations

from zope.interface import Interface

from chatd.core.participant import IParticipant


class IPeopleListing(Interface):
    """
    The part of L{chatd.core.interfaces.IChatService} that says who is
    listed as online to whom.
    """

    def isInvisible(participant: IParticipant) -> bool:
        """
        Whether C{participant}'s person is hidden from lists of who is
        online (IRC's user mode C{i}, whoever set it: the other front-ends
        have no way to).
        """

    def isListed(asker: IParticipant, person: IParticipant) -> bool:
        """
        Whether C{person} shows in C{asker}'s lists of who is online: always,
        unless invisible (L{isInvisible}); someone invisible only to
        themselves, to those who share a room with them and to chatd
        operators.
        """

    def listedPeople(asker: IParticipant) -> list[IParticipant]:
        """
        The people online that C{asker} is shown (L{isListed}), in the
        order they signed in: what talk's C{/list}, TCHAT's C{LSUSR} and the
        web page's C{users} list.
        """

    def invisibleCount() -> int:
        """
        How many people online are invisible (L{isInvisible}), each person
        once: what IRC's C{LUSERS} tells apart from the others.
        """
