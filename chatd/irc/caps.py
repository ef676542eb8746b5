# -*- test-case-name: tests.unit.irc.test_irc_message,tests.unit.irc.test_irc_idlestate -*-
"""
IRCv3 capability negotiation (C{CAP LS/REQ/LIST/END}).

L{Capabilities} is one connection's negotiation state, independent of the
transport so its rules (atomic REQ, version 302 values, registration held
until END) are tested on their own.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

#: What chatd offers, with the values version 302 clients are shown.
SUPPORTED: dict[str, str] = {
    "account-notify": "",
    "account-tag": "",
    "away-notify": "",
    "batch": "",
    "cap-notify": "",
    "chghost": "",
    "draft/chathistory": "",
    "draft/message-redaction": "",
    "draft/read-marker": "",
    "echo-message": "",
    "extended-join": "",
    "extended-monitor": "",
    "invite-notify": "",
    "labeled-response": "",
    "message-tags": "",
    "multi-prefix": "",
    "sasl": "PLAIN,SCRAM-SHA-256",
    "server-time": "",
    "setname": "",
    "standard-replies": "",
    "userhost-in-names": "",
}

#: Capabilities a client may not remove once enabled (none today).
STICKY: frozenset[str] = frozenset()

#: What C{CAP LS 302} enables, which the client may then not remove (the
#: IRCv3 spec: a server MUST NOT disable it for a 302 client); a client
#: of an earlier version may request it and remove it.
CAP_NOTIFY = "cap-notify"


def multilineOn(enabled: AbstractSet[str]) -> bool:
    """
    Whether C{draft/multiline} is in effect for a client with the
    capabilities C{enabled}: it was negotiated, and so was C{batch}, which
    its spec requires. A client may enable either first (the spec forbids
    enforcing an order) and keeps both in C{CAP LIST} when it removes
    C{batch}, as Ergo does: multiline then has no effect, either way,
    until C{batch} is back.
    """
    return "draft/multiline" in enabled and "batch" in enabled


#: The capabilities of a connection that enabled none, shared by all of them.
NONE_ENABLED: frozenset[str] = frozenset()


class Capabilities:
    """
    One connection's capability state.

    @ivar enabled: the capabilities the client asked for and was granted.
    @ivar negotiating: true from C{CAP LS} or C{CAP REQ} before registration
        until C{CAP END}: registration waits meanwhile.
    @ivar version: the CAP version the client announced (301 if none).
    """

    __slots__ = ("supported", "enabled", "negotiating", "version")  # one per connection

    def __init__(self, supported: dict[str, str] | None = None) -> None:
        # Shared with every connection of the listener and never changed
        # (the listener replaces its dict): no copy per connection.
        self.supported = SUPPORTED if supported is None else supported
        # Replaced, never changed: until a client enables one, connections
        # share one empty frozenset (CPython makes a new one, 216 bytes, at
        # each frozenset()).
        self.enabled: frozenset[str] = NONE_ENABLED
        self.negotiating = False
        self.version = 301

    def __contains__(self, name: str) -> bool:
        return name in self.enabled

    def ls(self, version: str | None) -> list[str]:
        """
        The capability list for C{CAP LS [version]}, as one space-separated
        string per reply line (the caller marks all but the last with C{*}).
        """
        if version is not None and version.isdigit():
            self.version = max(self.version, int(version))
        if self.version >= 302:
            # 302 implies cap-notify; values are shown only to 302 clients.
            self.enabled = self.enabled | {CAP_NOTIFY}
            words = [n + ("=" + v if v else "") for n, v in sorted(self.supported.items())]
        else:
            words = sorted(self.supported)
        lines: list[str] = []
        current = ""
        for word in words:
            if current and len(current) + 1 + len(word) > 400:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
        return lines

    def request(self, text: str) -> bool:
        """
        Apply C{CAP REQ :text} atomically: every change is granted (ACK) or
        none is (NAK).

        @return: whether the request was acknowledged.
        """
        changes: list[tuple[str, bool]] = []
        for word in text.split():
            name, enable = (word[1:], False) if word.startswith("-") else (word, True)
            if name not in self.supported or (not enable and self.sticky(name)):
                return False
            changes.append((name, enable))
        if not changes:
            return False
        enabled = set(self.enabled)
        for name, enable in changes:
            if enable:
                enabled.add(name)
            else:
                enabled.discard(name)
        self.enabled = frozenset(enabled)
        return True

    def sticky(self, name: str) -> bool:
        """
        Whether the capability C{name} may not be removed: one of
        L{STICKY}, or C{cap-notify} for a client of version 302 or later.
        """
        return name in STICKY or (name == CAP_NOTIFY and self.version >= 302)

    def own(self) -> Capabilities:
        """
        This state, to be changed by one connection: a copy of the shared
        L{Unnegotiated} one, else itself.
        """
        return self

    def listEnabled(self) -> str:
        """
        The enabled capabilities for C{CAP LIST}, space-separated.
        """
        return " ".join(sorted(self.enabled))


class Unnegotiated(Capabilities):
    """
    The state of every connection of a listener that has not sent C{CAP}:
    one object for all of them (64 bytes less each), which C{CAP} replaces
    by the connection's own (L{own}) before changing anything.
    """

    __slots__ = ()

    def own(self) -> Capabilities:
        return Capabilities(self.supported)

    def ls(self, version: str | None) -> list[str]:
        raise TypeError("shared capability state: own() it first")

    def request(self, text: str) -> bool:
        raise TypeError("shared capability state: own() it first")
