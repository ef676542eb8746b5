# -*- test-case-name: tests.unit.core.test_service -*-
"""
How front-ends call the service: a call gives its value at once or, when it
needs I/O (a store, a cluster), a L{Deferred}; these helpers treat both alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeAlias, TypeVar

from twisted.internet.defer import Deferred, maybeDeferred, succeed

if TYPE_CHECKING:
    from chatd.core.hooks import IChatObserver

_T = TypeVar("_T")
#: What a service call returns: the value at once, or (with a store, in a
#: cluster) a L{Deferred} that fires with it.  Front-ends call through
#: L{maybeCall}.
MaybeDeferred: TypeAlias = "_T | Deferred[_T]"
_P = ParamSpec("_P")


def settled(result: MaybeDeferred[_T]) -> Deferred[_T]:
    """
    A service call's result as a L{Deferred}, whether it came at once or
    later.
    """
    return result if isinstance(result, Deferred) else succeed(result)


def maybeCall(
    call: Callable[_P, MaybeDeferred[_T]], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]:
    """
    C{maybeDeferred} for a service call: a refusal raised at once becomes a
    failed L{Deferred} too; typed with the value the call gives.
    """
    result: Deferred[_T] = maybeDeferred(call, *args, **kwargs)  # type: ignore[arg-type]
    return result


def whenFired(d: Deferred[Any]) -> Deferred[None]:
    """
    Fires (with C{None}) once C{d} has fired, whether it succeeded or
    failed, without taking its result from its other users: for waiting on
    work someone else consumes.
    """
    done: Deferred[None] = Deferred()

    def fired(result: object) -> object:
        done.callback(None)
        return result

    d.addBoth(fired)
    return done


def afterHeard(
    observer: IChatObserver | None, then: Callable[[], MaybeDeferred[_T]]
) -> MaybeDeferred[_T]:
    """
    C{then()} once every other cluster node has heard what this one told
    its C{observer} (L{IChatObserver.everyoneHeard}); at once without a
    cluster, so a lone daemon still answers as soon as it can.
    """
    heard = None if observer is None else observer.everyoneHeard()
    return then() if heard is None else heard.addCallback(lambda _: then())
