# -*- test-case-name: tests.unit.web.test_web_ignore -*-
"""
The web page's ignore list (L{chatd.core.ignores}), the same one talk
mode's C{/ignore} and IRC's C{SILENCE} show: C{ignored} lists it,
C{ignore} and C{unignore} change it by C{name} (a name, or an IRC-style
C{nick!user@host} mask).  Entries are given both as C{names} (a name for
a name's mask) and as C{masks}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatd.core.errors import InvalidArgument
from chatd.core.ignores import shownEntry

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def _name(web: WebParticipant, request: dict[str, Any]) -> str:
    name = request.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgument("'name' must be a name or a mask")
    return name.strip()


def ignored(web: WebParticipant, request: dict[str, Any]) -> Reply:
    masks = web.service.ignores.entries(web)
    return {"names": [shownEntry(mask) for mask in masks], "masks": masks}


def ignore(web: WebParticipant, request: dict[str, Any]) -> Reply:
    """
    Ignore C{name}: C{added} is false when it was ignored already.
    """
    name = _name(web, request)
    added = web.service.ignores.add(web, name)
    return {"name": name, "added": added is not None, **ignored(web, request)}


def unignore(web: WebParticipant, request: dict[str, Any]) -> Reply:
    """
    No longer ignore C{name}: C{removed} is false when it was not ignored.
    """
    name = _name(web, request)
    removed = web.service.ignores.remove(web, name)
    return {"name": name, "removed": removed is not None, **ignored(web, request)}
