# -*- test-case-name: tests.unit.core.test_service -*-
"""
Every limit of the chat domain, once: the defaults of the options that
change them (C{chatd/tap.py}) and the fixed bounds the protocols
advertise.
"""

#: Messages replayed on entering a room, by default (C{--history-count}).  A
#: history request without a count gets C{--history-count}, or this many when
#: it is 0: 0 turns the replay off, and asking must still show something.
HISTORY_COUNT = 20
#: The most messages one history request may ask for.
MAX_HISTORY = 1000

#: Messages a history search lists, by default, and the most it may ask
#: for; the longest search text.
SEARCH_RESULTS = 20
MAX_SEARCH_RESULTS = 100
MAX_SEARCH_LENGTH = 200

#: The most lines, and characters, in one message body, by default
#: (C{--max-body-lines}, C{--max-body-bytes}): a TCHAT C{SPEAK} or C{MSGPV}
#: body, an IRC C{draft/multiline} batch (which counts its protocol lines and
#: UTF-8 bytes, line feeds included, so it never exceeds either); the lines
#: of any message, whichever front-end sent it (L{chatd.core.speaking.BodyRule}).
MAX_BODY_LINES = 100
MAX_BODY_BYTES = 16 * 1024

#: The longest room key, as in RFC 2812 (and ISUPPORT KEYLEN).
MAX_KEY_LENGTH = 23
#: The most masks a room's ban list holds (ISUPPORT MAXLIST), and each
#: of its exception lists.
MAX_BANS = 50
#: The shortest and longest password of an account (1024: room for a
#: passphrase or a password manager's output; IRC's AUTHENTICATE carries
#: one in chunks).
MIN_PASSWORD, MAX_PASSWORD = 4, 1024

#: The longest ban mask accepted.
MAX_MASK_LENGTH = 100
#: The most entries one person's ignore list holds (ISUPPORT SILENCE).
MAX_IGNORES = 100

#: Rooms that may exist at once before users may create no more.
DEFAULT_MAX_ROOMS = 1000
#: Rooms one user may have created (and that still exist).
DEFAULT_MAX_ROOMS_PER_USER = 10
#: Guests' rooms one address (IPv6: one /64) may have created (and that
#: still exist): a twentieth of the default room list.
DEFAULT_MAX_ROOMS_PER_ADDRESS = 50

#: Messages waiting for one recipient, by default: a weekend's worth of
#: private messages for a busy user, and at most about 3 MiB of disk per
#: account with the default --max-body-bytes (16 KiB).
MAX_WAITING = 200
#: Messages from one sender that may wait for one recipient, by default: a
#: tenth of their inbox, so nobody alone (a guest included) fills it.
MAX_SHARE = 20
#: Bytes of messages in one page, by default (a quarter of the default
#: --max-output is 256 KiB; 64 KiB is Twisted's own write buffer size).
PAGE_BYTES = 64 * 1024

#: Nickname changes one person may make at once, then one per this many
#: seconds (L{chatd.core.allowance}): a few in a row, as IRC servers allow.
RENAMES_BURST, RENAME_EVERY = 5, 30.0
#: Room exits one person may make at once, then one per this many seconds;
#: past them, entries wait too (a join/part loop).  Entries are not counted.
MOVES_BURST, MOVE_EVERY = 20, 5.0
#: The history one person may be sent in answer to requests (TCHAT C{HISTO},
#: IRC C{CHATHISTORY}, the web page's and talk's), in bytes on the wire
#: (L{chatd.core.pacing.wireSize}): this many at once (a client asking a
#: thousand lines of each of its rooms as it connects), then this many a
#: second (L{chatd.core.allowance.HistoryAllowance}).  A request that would
#: wait longer than C{HISTORY_PATIENCE} seconds for it is refused instead.
HISTORY_BURST, HISTORY_RATE = 4 * 1024 * 1024, 256 * 1024
HISTORY_PATIENCE = 10.0

#: Connections one registered account may be signed in from at once, by
#: default (C{--max-connections-per-account}; 1: one, as for guests).
MAX_CONNECTIONS_PER_ACCOUNT = 5

#: How long, in seconds, the author of a message may delete it (a day);
#: room operators and chatd operators may delete a room's messages at any
#: time (L{chatd.core.redaction}).  Its reason is as long as a kick's
#: (L{chatd.core.text.MAX_TEXT_BYTES}).
REDACT_WINDOW = 24 * 60 * 60
