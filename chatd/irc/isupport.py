# -*- test-case-name: tests.unit.irc.test_irc_protocol,tests.unit.irc.test_irc_advertised -*-
"""
The C{005 RPL_ISUPPORT} tokens: what chatd's IRC server truthfully supports.
"""

from __future__ import annotations

from chatd.core.limits import MAX_BANS, MAX_HISTORY, MAX_KEY_LENGTH
from chatd.core.names import MAX_NAME_LENGTH, MAX_ROOM_NAME_LENGTH
from chatd.core.statusmsg import PREFIXES as STATUS_PREFIXES
from chatd.core.text import MAX_TEXT_BYTES
from chatd.irc.listener import IRCListener
from chatd.irc.silence import ISUPPORT as SILENCE

#: The version shown in 002, 004 and 351.
VERSION = "chatd-0.1"

#: Longest AWAY, KICK and TOPIC text accepted, in bytes as ISUPPORT counts
#: them: the core's rule for topics and reasons (longer ones are cut to
#: it, as IRC servers do: L{chatd.core.text.shortened}).
TEXT_LENGTH = MAX_TEXT_BYTES


def isupportTokens(factory: IRCListener) -> list[str]:
    """
    The ISUPPORT tokens for C{factory}'s server.

    - C{CHANTYPES=#}: every channel is a chatd room, C{#} + its name.
    - C{PREFIX=(ov)@+}: a room's operators (its creator, those it made
      operators, chatd operators) and voiced members.
    - C{CASEMAPPING=rfc8265}: names compare by Unicode case folding
      (C{Zoë} is C{ZOË}), not ASCII, PRECIS usernames whose look-alikes
      are one name; L{chatd.core.names.key}.
    - C{CHANMODES=beI,k,l,imnst}: C{+b} the room's ban masks, C{+e} its
      ban exceptions, C{+I} its invite exceptions (C{EXCEPTS}, C{INVEX}),
      C{+k} its key,
      C{+l} its capacity; C{+n} (no messages from outside), C{+t} (only
      operators set the topic), C{+m} (moderated), C{+s} (secret) and C{+i}
      (invite-only; an approval room shows it too).
    - C{MAXLIST=b:50,e:50,I:50}, C{KEYLEN=23}: L{chatd.core.masks}' limits
      (50 masks in each list: C{beI:50} would mean 50 in all three).
    - No C{CHANLIMIT}: a client may be in any number of channels (a JOIN
      is refused with C{405} only when it would create a room past the
      server's or its creator's room limit, L{chatd.core.roomlimits}).
    - C{TARGMAX}: C{PRIVMSG} and C{NOTICE} to 4 targets
      (L{chatd.irc.privmsg.MAX_TARGETS}), C{JOIN}, C{PART} and C{NAMES} to
      any number of channels, C{KICK} of any number of nicknames (each
      answered), C{WHOIS} of one nickname.
    - C{CHATHISTORY=1000}, C{MSGREFTYPES=msgid,timestamp}: the most
      messages one C{CHATHISTORY} request gets, and how it names them.
    - C{ELIST=MU}: C{LIST #g*} filters by a mask of channel names,
      C{LIST >n} and C{LIST <n} by member count.
    - C{UTF8ONLY}: chatd relays UTF-8 only; a line that is not UTF-8 is
      read as Windows-1252 (or, UTF-8 but for a broken sequence, with
      U+FFFD for it) and answered C{FAIL <command> INVALID_UTF8}.
    - C{STATUSMSG=@}: C{PRIVMSG @#a} reaches C{#a}'s operators only.
    - C{MONITOR=n}: C{--irc-monitor-limit} (when the service's presence
      is given to the listener); C{WHOX}: C{WHO mask %fields}.
    - C{SILENCE=100}: the most masks a C{SILENCE} list holds
      (L{chatd.irc.silence}).
    """
    monitor = [] if factory.presence is None else [f"MONITOR={factory.monitorLimit or ''}"]
    return [
        f"AWAYLEN={TEXT_LENGTH}",
        "BOT=B",
        "CASEMAPPING=rfc8265",
        f"CHATHISTORY={MAX_HISTORY}",
        "CHANMODES=beI,k,l,imnst",
        f"CHANNELLEN={MAX_ROOM_NAME_LENGTH + 1}",
        "CHANTYPES=#",
        "ELIST=MU",
        "EXCEPTS=e",
        "INVEX=I",
        f"KEYLEN={MAX_KEY_LENGTH}",
        f"KICKLEN={TEXT_LENGTH}",
        f"MAXLIST=b:{MAX_BANS},e:{MAX_BANS},I:{MAX_BANS}",
        "MAXTARGETS=4",
        "MODES=4",
        *monitor,
        "MSGREFTYPES=msgid,timestamp",
        "NETWORK=" + factory.networkName,
        f"NICKLEN={MAX_NAME_LENGTH}",
        "PREFIX=(ov)@+",
        SILENCE,
        f"STATUSMSG={STATUS_PREFIXES}",
        "TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:,PART:,NAMES:,KICK:,WHOIS:1",
        f"TOPICLEN={TEXT_LENGTH}",
        "UTF8ONLY",
        "WHOX",
    ]
