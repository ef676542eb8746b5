# -*- test-case-name: tests.unit.irc.test_irc_person,tests.unit.core.test_usermodes_words -*-
"""
A person's user modes (IRC's C{MODE nick}): C{i} (hidden from C{WHO}
masks of people sharing no room with them), C{w} (operators' messages),
C{B} (a bot) and C{o} (the chatd operator rights C{OPER} gave).

They are the person's, as an account's nickname, rooms and presence are:
every connection signed in as it has the same ones, whichever set them
(none is a connection's own: being hidden, hearing operators or being a
bot says something of the person, and the rights C{OPER} gives are the
person's until it leaves).  A connection that is no person yet (an IRC
client registering) has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.delivery import connectionsOf
from chatd.core.events import Notice
from chatd.core.person import NO_MODES, Person

if TYPE_CHECKING:
    from chatd.core.interfaces import IParticipant
    from chatd.core.people import People


class UserModesChange(Notice):
    """
    The recipient's person's user modes changed from another of its
    connections: C{added} and C{removed} (letters).  A L{Notice} whose
    C{text} says so; IRC shows it as its C{MODE nick} line.
    """

    __slots__ = ("added", "removed")

    def __init__(self, added: str, removed: str, when: float) -> None:
        super().__init__(worded(added, removed), when)
        self.added, self.removed = added, removed


#: What each user mode means, as said to a person: (when set, when unset).
MEANINGS = {
    "i": ("you are now hidden from who-lists", "you are no longer hidden from who-lists"),
    "w": ("you now hear operators' messages", "you no longer hear operators' messages"),
    "B": ("you are now marked as a bot", "you are no longer marked as a bot"),
    "o": ("you now have operator rights", "you no longer have operator rights"),
}


def worded(added: str, removed: str) -> str:
    """
    A change of user modes in words, each with its letter for those who
    know them: C{"you are now hidden from who-lists (+i)"}; one sentence
    for the letters set, then those unset, joined by C{"; "}.
    """
    said = [f"{MEANINGS.get(mode, (f'user mode {mode} set',))[0]} (+{mode})" for mode in added]
    said += [
        f"{MEANINGS.get(mode, ('', f'user mode {mode} unset'))[1]} (-{mode})" for mode in removed
    ]
    return "; ".join(said)


def spelled(added: str, removed: str) -> str:
    """A change of user modes as IRC spells it: C{+iw-B}, C{""} for none."""
    return ("+" + added if added else "") + ("-" + removed if removed else "")


def userModesOf(people: People, participant: IParticipant) -> frozenset[str]:
    """
    The user modes of C{participant}'s person (or of another node's user,
    as its node told them).
    """
    modes: frozenset[str] = getattr(people.personOf(participant), "userModes", NO_MODES)
    return modes


def setUserModes(people: People, participant: IParticipant, modes: frozenset[str]) -> None:
    """
    C{participant}'s person now has the user modes C{modes}, nobody told:
    the invisible are counted (LUSERS) and C{+w} reads operators' messages.
    """
    member = people.personOf(participant)
    if not isinstance(member, Person):
        return
    member.userModes = modes
    (people.invisible.add if "i" in modes else people.invisible.discard)(member)
    people.receiveWallops(member, "w" in modes)


def changeUserModes(
    people: People, participant: IParticipant, added: str, removed: str, when: float
) -> None:
    """
    C{participant} changed its person's user modes (C{added}, C{removed}):
    they change for every connection of the person, and each other one
    is told (L{UserModesChange}).
    """
    if not added and not removed:
        return
    modes = (userModesOf(people, participant) | set(added)) - set(removed)
    setUserModes(people, participant, frozenset(modes))
    change = UserModesChange(added, removed, when)
    for connection in connectionsOf(people.personOf(participant)):
        if connection is not participant:
            connection.notice(change)
