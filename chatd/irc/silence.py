# -*- test-case-name: tests.unit.irc.test_irc_silence -*-
"""
C{SILENCE}: a client's ignore list (L{chatd.core.ignores}, the same list
talk mode's C{/ignore} and the web page's show), in IRC's masks.
C{SILENCE} lists it (C{271} per mask, C{272}); C{SILENCE +mask,-mask}
adds and removes, each change echoed back as C{SILENCE +mask} from the
client's own prefix; a full list is C{511}.  A name alone is the mask
C{name!*@*}; a mask with no sign is added.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.limits import MAX_IGNORES
from chatd.irc.message import Message
from chatd.irc.session import IRCSession

RPL_SILELIST = "271"
RPL_ENDOFSILELIST = "272"
ERR_SILELISTFULL = "511"
#: The ISUPPORT token.
ISUPPORT = f"SILENCE={MAX_IGNORES}"


def onSilence(irc: IRCSession, message: Message) -> None:
    """
    C{SILENCE} (the list) or C{SILENCE +a,-b} (changes).
    """
    ignores = irc.service.ignores
    if not message.params or not message.params[0]:
        for mask in ignores.entries(irc.participant):
            irc.numeric(RPL_SILELIST, irc.me(), mask)
        irc.numeric(RPL_ENDOFSILELIST, "End of Silence List")
        return
    for change in message.params[0].split(","):
        adding = not change.startswith("-")
        entry = change[1:] if change[:1] in "+-" else change
        if not entry:
            continue
        try:
            if adding:
                done = ignores.add(irc.participant, entry)
            else:
                done = ignores.remove(irc.participant, entry)
        except errors.ListFull:
            irc.numeric(ERR_SILELISTFULL, entry, "Your silence list is full")
            continue
        except errors.InvalidArgument:
            continue  # not a mask: nothing to change, as for one already there
        if done is not None:
            irc.sendMessage("SILENCE", ("+" if adding else "-") + done, prefix=irc.hostmask())
