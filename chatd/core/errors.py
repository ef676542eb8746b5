# -*- test-case-name: tests.unit.core.test_service -*-
"""
Protocol-neutral refusals.

The service raises these; every front-end translates C{code} (the TCHAT error
number) into its own wire form, so one taxonomy serves TCHAT, talk, IRC and the
web alike.
"""

from __future__ import annotations

from chatd.core.names import NICK_RULE, ROOM_NAME_RULE


class ChatError(Exception):
    """
    A request the service refused, with the TCHAT code that names the reason.
    """

    code: int = 0
    reason: str = "internal server error"
    #: The same request may succeed later, unchanged (an outage, a limit
    #: that lifts): front-ends say "try again" (IRC's
    #: C{TEMPORARILY_UNAVAILABLE}), not that the request was wrong.
    temporary: bool = False

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.reason)

    @property
    def text(self) -> str:
        """
        The human-readable explanation, for front-ends that show one.
        """
        return str(self.args[0])


class InternalError(ChatError):
    code, reason = 0, "internal server error"


class NotLoggedIn(ChatError):
    code, reason = 1, "log in first"


class LoginTimedOut(NotLoggedIn):
    """
    A connection did not log in within C{--login-timeout} seconds
    (L{chatd.core.logindeadline}): the session ends (code 01, log in first).
    """

    reason = "login timed out"

    @classmethod
    def after(cls, seconds: float) -> LoginTimedOut:
        return cls(f"login timed out: you did not log in within {seconds:g} seconds")


class ServerFull(ChatError):
    code, reason = 2, "the server is full, try again later"
    temporary = True


class StoreUnavailable(ChatError):
    """
    The database cannot be reached or written now (an outage, not a bug):
    the same request may succeed in a moment.  The driver's error, for the
    log, is the C{__cause__}.
    """

    code, reason = 3, "service unavailable, try again later"
    temporary = True


class RelayUnavailable(StoreUnavailable):
    """
    A message for people another server serves (cluster mode) cannot be
    handed on now: the link between servers is down, or, for a room
    message, too much already waits for it.  Nothing was delivered.
    """

    reason = "the other servers are briefly unreachable, try again in a moment"


class ShuttingDown(StoreUnavailable):
    """
    The daemon is stopping: every open session ends with this, after a
    notice saying why (code 03: come back in a moment).
    """

    reason = "Server shutting down"


class TooManyConnections(ChatError):
    code, reason = 4, "too many connections from your address"
    temporary = True


class TooManyNewConnections(TooManyConnections):
    reason = "too many new connections from your address, wait a minute"


class TooManyRegistrations(TooManyConnections):
    reason = "too many new accounts from your address: try again in an hour"


class TooManyPasswordChanges(TooManyRegistrations):
    reason = (
        "too many changes of password lately, of this account or from your address:"
        " try again in an hour"
    )


class InvalidArgument(ChatError):
    code, reason = 10, "invalid argument"


class Unconfirmed(InvalidArgument):
    """
    A request that would do far more than it seems to (a ban on most of the
    Internet): done only when repeated with a confirmation.
    """

    reason = "that needs confirming"


class UnknownCommand(ChatError):
    code, reason = 11, "unknown command"


class InvalidNick(ChatError):
    code, reason = 20, f"a nickname is {NICK_RULE}"


class NoSuchUser(ChatError):
    code, reason = 21, "no such user is connected"


class NickTaken(ChatError):
    code, reason = 23, "that nickname is already taken"

    #: The name held, when it is spelled otherwise than the one asked for.
    looksLike: str | None = None

    @classmethod
    def heldAs(cls, asked: str, held: str) -> NickTaken:
        """
        The refusal of C{asked} because someone has C{held}: naming it when
        the two differ (by look-alike letters, case or accents), since
        C{Άννα} refused while C{Anna} is online says nothing otherwise.
        """
        if held == asked:
            return cls()
        refusal = cls(f"that nickname is taken: it looks like {held}")
        refusal.looksLike = held
        return refusal


class SignedInElsewhere(NickTaken):
    """
    The account is signed in on another node of a cluster, which a
    connection here cannot join: told to whoever proved its password only.
    A front-end whose refusal carries only the code says this reason too,
    since C{23} alone reads as "someone else has this name".
    """

    reason = (
        "that account is signed in on another server of this chat, and one account's"
        " connections must all be on the same server: sign out there first (if that"
        " server just stopped, try again in a few seconds)"
    )


class InvalidGroup(ChatError):
    code, reason = 30, f"a room name is {ROOM_NAME_RULE}"


class NoSuchGroup(ChatError):
    code, reason = 31, "no such room"


class TooManyRooms(ChatError):
    code, reason = 32, "too many rooms: no new room can be created now"


class GroupExists(ChatError):
    code, reason = 33, "that room already exists"


class NotMember(ChatError):
    code, reason = 34, "you are not in that room"


class AlreadyMember(ChatError):
    code, reason = 35, "you are already in that room"


class GroupFull(ChatError):
    code, reason = 36, "that room is full"


class NotPermitted(ChatError):
    code, reason = 12, "only operators may do that"


class AlreadyLoggedIn(InvalidArgument):
    reason = "you are already logged in"


class Kicked(ChatError):
    code, reason = 26, "you were kicked"


class BadPassword(ChatError):
    """
    @ivar wait: after a wrong password, the seconds before the password
        gate checks the next try for that name or address (its back-off;
        0: at once), for front-ends that say so.
    """

    code, reason = 22, "wrong or missing password for this registered nickname"
    wait: float = 0.0


class GuestsRefused(ChatError):
    """
    A login without an account's password while the server admits
    registered accounts only (C{--guests off}).
    """

    code, reason = (
        22,
        "this server admits registered accounts only: log in with your account's name"
        " and password (ask the server's operator for an account)",
    )


class TooManyAttempts(ChatError):
    code, reason = 29, "too many login attempts are waiting, try again later"
    temporary = True


class TooFast(TooManyAttempts):
    """
    A name changed, or rooms entered and left, too often lately
    (L{chatd.core.allowance}): the same "try again later" (29).
    """

    reason = "too fast: wait a moment and try again"


class PendingApproval(ChatError):
    """
    @ivar room: the room's name as stored, whatever case or accents the
        request used; C{None} when not known.
    """

    code, reason = 37, "your request to enter this room awaits an operator's approval"

    def __init__(self, detail: str | None = None, room: str | None = None) -> None:
        super().__init__(detail)
        self.room = room


class Banned(ChatError):
    code, reason = 24, "you are banned from this server"


class Muted(ChatError):
    code, reason = 25, "you are muted"


class Killed(ChatError):
    code, reason = 27, "an administrator ended your session"


class Displaced(ChatError):
    """
    A newer connection of the same account, past the most it may have at
    once, took this one's place (L{chatd.core.joining}): the session ends.
    """

    code, reason = 40, "signed out: a newer connection of your account took its place"


class AccountFull(ChatError):
    """
    A login that resumes a session found its account at its limit of
    connections (L{chatd.core.joining}): it takes no other's place.  Code
    23, as a name still held: a connection of its own that is gone may
    still count, until the server notices.
    """

    code, reason = 23, "your account is signed in from as many connections as it may have"

    @classmethod
    def atMost(cls, most: int) -> AccountFull:
        return cls(
            f"your account is signed in from as many connections as it may have (at most"
            f" {most} at once), and coming back by itself takes none's place: log in again"
            " to take the place of the one heard from least recently"
        )


class InboxFull(ChatError):
    code, reason = 28, "their inbox is full: it takes more once they log in and read it"


class ClusterUnavailable(ServerFull):
    reason = "the chat is briefly unreachable, try again in a moment"


class NotRoomOperator(NotPermitted):
    reason = "only the room's operators may do that"


class Moderated(NotPermitted):
    reason = "the room is moderated: only voiced members and operators may speak"


class NotInRoom(NoSuchUser):
    reason = "they are not in that room"


class InviteOnly(NotPermitted):
    reason = "that room is invite-only: ask one of its operators for an invitation"


class BadRoomKey(ChatError):
    code, reason = 38, "that room has a key: give the right one to enter"


class BannedFromRoom(ChatError):
    """
    @ivar room: the room whose ban refuses it, when the request named no
        room (a rename), so a front-end can name it.
    """

    code, reason = 39, "you are banned from that room"

    def __init__(self, detail: str | None = None, room: str | None = None) -> None:
        super().__init__(detail)
        self.room = room


class ListFull(InvalidArgument):
    reason = "that list is full"


class NoSuchMessage(InvalidArgument):
    reason = "no such message in that conversation"


class RedactForbidden(NotPermitted):
    reason = "only its author or an operator may delete that message"
