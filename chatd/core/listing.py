# -*- test-case-name: tests.unit.core.test_listing,tests.unit.test_listing_frontends -*-
"""
Who is listed to whom among the people online: the one rule every
front-end's list of who is here asks (IRC's C{WHO} masks, talk's C{/list},
TCHAT's C{LSUSR}, the web page's C{users}), and whether someone is
invisible (IRC's user mode C{i}, which C{LUSERS} counts by).

Someone invisible is listed only to those who share a room with them, to
themselves and to chatd operators, as IRC servers list a user with C{+i}:
being hidden says something of the person, whichever front-end the asker
uses.  L{chatd.core.peoplelisting.IPeopleListing} is how the service
offers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.usermodes import userModesOf

if TYPE_CHECKING:
    from chatd.core.service import ChatService


def isInvisible(service: ChatService, participant: IParticipant) -> bool:
    """
    L{IPeopleListing.isInvisible}: user mode C{i} of C{participant}'s
    person (or of another node's user, as its node told).
    """
    return "i" in userModesOf(service.people, participant)


def isListed(service: ChatService, asker: IParticipant, person: IParticipant) -> bool:
    """
    L{IPeopleListing.isListed}.  Cheap for the visible, who are most: the
    rooms and rights of an invisible person's asker are looked at only
    then.
    """
    if not isInvisible(service, person):
        return True
    people = service.people
    seeing = people.personOf(asker)
    if seeing is people.personOf(person):
        return True  # oneself
    nick = asker.nick
    if nick is not None and any(
        room.members.get(key(nick)) is seeing for room in service.roomsJoined(person)
    ):
        return True  # a room shared
    return people.isOperator(asker)


def listedPeople(service: ChatService, asker: IParticipant) -> list[IParticipant]:
    """L{IPeopleListing.listedPeople}."""
    return [
        person
        for person in service.users()
        if person.nick is not None and isListed(service, asker, person)
    ]


def invisibleCount(service: ChatService) -> int:
    """
    L{IPeopleListing.invisibleCount}: counted from the few people who set
    themselves invisible, never by looking at everyone online, so that
    C{LUSERS} in every welcome costs the same however many are here.
    """
    people = service.people
    persons = {people.personOf(each) for each in people.invisible}
    return sum(
        1
        for person in persons
        if isInvisible(service, person)
        and person.nick is not None
        and service.find(person.nick) is person
    )
