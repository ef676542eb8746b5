# -*- test-case-name: tests.integration.test_store -*-
"""
What a store keeps of a room (L{RoomSettings}) and what the service loads
at start (L{Snapshot}): plain records, shared by every store and the core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OPEN = "open"
APPROVAL = "approval"

#: What C{IChatStore.decideAccess} found: its answer decided the request,
#: or another came first and accepted it, or the request no longer waits
#: (refused, withdrawn, ended with its guest or with the room's approval).
DECIDED, ACCEPTED_ALREADY, ENDED_ALREADY = "decided", "accepted already", "ended already"


@dataclass
class RoomSettings:
    """
    A room as the store keeps it.

    @ivar name: the display name (NFC).
    @ivar mode: L{OPEN} (anyone may enter) or L{APPROVAL} (an operator must
        accept each newcomer).
    @ivar capacity: the most members it takes, or C{None} for the server-wide
        limit.
    @ivar topic: free text shown to users.
    @ivar autojoin: whether new users are put in it at their first login.
    @ivar rules: the room operators' settings, as JSON (L{chatd.core.room.
        savedRules}: mode letters, key, ban and exception masks); C{""}: a
        new room's defaults.
    @ivar founder: the registered account that created the room (display
        name), C{""} for none: its owner gets operator status on entering.
    @ivar topicBy: who last set the topic (C{""}: not known).
    @ivar topicAt: when (Unix time; 0: not known).
    @ivar topicByAdmin: whether C{topicBy} is an administrator who set it
        from the console (it reads as the administrator's, never a user's).
    @ivar created: when the room was created (Unix time; 0: not known, as
        for the rooms a fresh store is seeded with).
    @ivar stamp: in a cluster, the stamp C{[time, node, by]} of the latest
        change to the room's own settings this node made or applied
        (L{chatd.cluster.rooms}); kept so that a restarted node stamps its
        next change after it (C{[]}: none).
    @ivar stamps: in a cluster, each setting's stamp (the topic, a mode
        letter, a list mode's mask: L{chatd.core.roommerge}), kept so that
        nodes merge their states setting by setting, after a restart too.
    """

    name: str
    mode: str = OPEN
    capacity: int | None = None
    topic: str = ""
    autojoin: bool = False
    rules: str = ""
    founder: str = ""
    topicBy: str = ""
    topicAt: int = 0
    created: int = 0
    topicByAdmin: bool = False
    stamp: list[Any] = field(default_factory=list)
    stamps: dict[str, list[Any]] = field(default_factory=dict)

    def stampColumn(self) -> str:
        """
        The stamps as the store's C{stamp} column holds them: JSON, the
        room's stamp alone (as stored before settings had their own) or
        with each setting's; C{""}: none.
        """
        if self.stamps:
            return json.dumps({"room": self.stamp, "settings": self.stamps})
        return json.dumps(self.stamp) if self.stamp else ""

    def readStampColumn(self, column: str) -> None:
        """Take the stamps a L{stampColumn} holds."""
        stored = json.loads(column) if column else []
        if isinstance(stored, dict):
            self.stamp, self.stamps = stored.get("room") or [], stored.get("settings") or {}
        else:
            self.stamp, self.stamps = stored, {}


@dataclass
class Snapshot:
    """
    What the service loads at start: every room, every registered nickname
    (by key), and every approval request (room key -> nick key -> (display
    nick, approved)), with when it was made where the store keeps that
    (C{requested}: room key -> nick key -> Unix time).
    """

    rooms: list[RoomSettings] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)
    access: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    requested: dict[str, dict[str, int]] = field(default_factory=dict)
