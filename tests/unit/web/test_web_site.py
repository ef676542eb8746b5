"""
Tests for L{chatd.web.site} (the page, the Origin check), L{chatd.web.guard}
(byte limits) and L{chatd.web.metrics} (C{/metrics}, C{/healthz}).
"""

from __future__ import annotations

import json
import re
from importlib.resources import files

from prometheus_client.parser import text_string_to_metric_families
from twisted.internet.defer import Deferred, fail
from twisted.internet.error import ConnectionLost
from twisted.internet.testing import MemoryReactorClock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.errors import StoreUnavailable
from chatd.core.events import Notice
from chatd.core.service import ChatService
from chatd.storage.interfaces import Snapshot
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant
from chatd.web.metrics import UNREACHABLE
from chatd.web.site import CONTENT_SECURITY_POLICY
from chatd.web.socket import WebParticipant
from tests.support.webclient import WebHarness, get, handshake, metricsHealthz, split


class SiteTestCase(SynchronousTestCase):
    origins: tuple[str, ...] = ()

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.service = ChatService(self.reactor, rooms=["lobby"])
        self.web = WebHarness(
            self.service,
            self.reactor,
            origins=self.origins,
            maxMessageBytes=1000,
            maxPendingOutput=10000,
        )


class PageTests(SiteTestCase):
    def test_page(self) -> None:
        """
        C{/}, C{/app.js} and C{/style.css} are served from the package with
        their types and a Content-Security-Policy that allows only the
        page's own files; a path that is none is a 404 with the same
        headers.
        """
        for path, name, kind in [
            (b"/", "index.html", b"text/html"),
            (b"/index.html", "index.html", b"text/html"),
            (b"/app.js", "app.js", b"text/javascript"),
            (b"/style.css", "style.css", b"text/css"),
            (b"/favicon.svg", "favicon.svg", b"image/svg+xml"),
        ]:
            response, _, _ = self.web.rawRequest(get(path))
            status, headers, body = split(response)
            self.assertEqual(status, b"HTTP/1.1 200 OK")
            self.assertTrue(headers[b"content-type"].startswith(kind))
            self.assertEqual(headers[b"content-security-policy"], CONTENT_SECURITY_POLICY.encode())
            self.assertEqual(headers[b"x-content-type-options"], b"nosniff")
            self.assertEqual(body, files("chatd.web").joinpath("static", name).read_bytes())
        status, headers, _ = split(self.web.rawRequest(get(b"/nope"))[0])
        self.assertIn(b"404", status)
        self.assertEqual(headers[b"content-security-policy"], CONTENT_SECURITY_POLICY.encode())
        self.assertEqual(headers[b"x-content-type-options"], b"nosniff")

    def test_policyForbidsInline(self) -> None:
        """
        The policy allows no inline script or style, and the page uses none:
        every script has a C{src}, no element has an event handler or a
        C{style} attribute, and the script never assigns HTML.
        """
        self.assertIn("script-src 'self';", CONTENT_SECURITY_POLICY)
        self.assertNotIn("unsafe-inline", CONTENT_SECURITY_POLICY)
        static = files("chatd.web").joinpath("static")
        page = static.joinpath("index.html").read_text("utf-8")
        self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)", page), [])
        self.assertEqual(re.findall(r"\s(on\w+|style)=", page), [])
        scripts = [entry for entry in static.iterdir() if entry.name.endswith(".js")]
        self.assertIn("app.js", [entry.name for entry in scripts])
        for entry in scripts:
            script = entry.read_text("utf-8")
            found = re.findall(r"innerHTML|outerHTML|insertAdjacentHTML|eval\(", script)
            self.assertEqual(found, [], entry.name)

    def test_everyScriptServed(self) -> None:
        """
        Every script of the page's package directory is served, with its
        type: a module the page imports is never a 404.
        """
        static = files("chatd.web").joinpath("static")
        names = sorted(entry.name for entry in static.iterdir() if entry.name.endswith(".js"))
        self.assertIn("view.js", names)
        for name in names:
            response, _, _ = self.web.rawRequest(get(b"/" + name.encode("ascii")))
            status, headers, body = split(response)
            self.assertEqual(status, b"HTTP/1.1 200 OK", name)
            self.assertTrue(headers[b"content-type"].startswith(b"text/javascript"))
            self.assertEqual(body, static.joinpath(name).read_bytes())


class OriginTests(SiteTestCase):
    def test_sameOrigin(self) -> None:
        """
        By default a handshake is accepted from a page on the same host and
        port, or without an C{Origin} (not a browser).
        """
        for origin in [b"http://chat.example:8080", None]:
            response, _, _ = self.web.rawRequest(handshake(b"chat.example:8080", origin))
            self.assertTrue(response.startswith(b"HTTP/1.1 101 "), response)
        self.assertEqual(len(self.service.connections()), 2)

    def test_forgedOrigin(self) -> None:
        """
        A handshake whose C{Origin} is another site (or another scheme or
        port of this one) is refused with 403 before any participant exists.
        """
        for origin in [
            b"http://evil.example",
            b"https://chat.example:8080",
            b"http://chat.example:8081",
            b"null",
        ]:
            response, transport, _ = self.web.rawRequest(handshake(b"chat.example:8080", origin))
            status, _, body = split(response)
            self.assertEqual(status, b"HTTP/1.1 403 Forbidden")
            self.assertEqual(body, b"origin not allowed\n")
        self.assertEqual(self.service.connections(), [])


class ConfiguredOriginTests(SiteTestCase):
    origins = ("https://chat.example.org/",)

    def test_configured(self) -> None:
        """
        With C{origins} configured, exactly those are accepted (a trailing
        slash or upper case in the setting does not matter), even from a
        different C{Host} (behind a proxy); others are refused.
        """
        response, _, _ = self.web.rawRequest(
            handshake(b"10.0.0.5:8080", b"https://Chat.example.org")
        )
        self.assertTrue(response.startswith(b"HTTP/1.1 101 "), response)
        response, _, _ = self.web.rawRequest(handshake(b"10.0.0.5:8080", b"http://10.0.0.5:8080"))
        self.assertTrue(response.startswith(b"HTTP/1.1 403 "), response)


class GuardTests(SiteTestCase):
    def test_endlessMessage(self) -> None:
        """
        A message that keeps growing is cut off at four times
        C{maxMessageBytes} plus one read: error frame, then close.
        """
        client = self.web.connect("alice")
        client.transport.sendTextMessage("x" * 100000)
        self.web.flush()
        [error] = client.take()
        self.assertEqual(error["code"], 10)
        self.assertIn("too large", error["text"])
        self.assertIsNotNone(client.lost)
        self.assertEqual(self.service.stats.disconnects["web", "refused"], 1)

    def test_manySmallMessages(self) -> None:
        """
        Input is counted per message: many messages adding up to more than
        the cap are fine.
        """
        client = self.web.connect("alice")
        for _ in range(15):
            client.send(type="ping", pad="x" * 900)
            self.web.flush()
        self.assertEqual(len(client.take()), 15)
        self.assertIsNone(client.lost)

    def test_slowReader(self) -> None:
        """
        A client that stops reading while output piles up beyond
        C{maxPendingOutput} is aborted and counted as a slow reader; the
        service forgets it.
        """
        response, transport, protocol = self.web.rawRequest(handshake())
        self.assertTrue(response.startswith(b"HTTP/1.1 101 "))
        participant = protocol.listener
        assert isinstance(participant, WebParticipant)
        self.service.login(participant, "slow")
        producer = transport.producer
        assert producer is not None
        producer.pauseProducing()  # the kernel's buffer is full
        for _ in range(5):
            participant.notice(Notice("n" * 1000, 0))
        self.assertFalse(transport.disconnected)
        for _ in range(10):
            participant.notice(Notice("n" * 1000, 0))
        self.assertTrue(transport.disconnected)
        protocol.connectionLost(Failure(ConnectionLost()))
        self.assertIsNone(self.service.find("slow"))
        self.assertEqual(self.service.stats.disconnects["web", "slow"], 1)

    def test_readerCatchesUp(self) -> None:
        """
        Output written while paused is forgiven once the transport drains.
        """
        response, transport, protocol = self.web.rawRequest(handshake())
        participant = protocol.listener
        assert isinstance(participant, WebParticipant)
        producer = transport.producer
        assert producer is not None
        for _ in range(3):
            producer.pauseProducing()
            for _ in range(8):
                participant.notice(Notice("n" * 1000, 0))
            producer.resumeProducing()
        self.assertFalse(transport.disconnected)


class MetricsTests(SiteTestCase):
    def scrape(self) -> dict[str, float]:
        response, _, _ = self.web.rawRequest(get(b"/metrics"))
        status, headers, body = split(response)
        self.assertEqual(status, b"HTTP/1.1 200 OK")
        self.assertTrue(headers[b"content-type"].startswith(b"text/plain"))
        samples = {}
        for family in text_string_to_metric_families(body.decode("utf-8")):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels}}}"] = sample.value
        return samples

    def test_metrics(self) -> None:
        """
        C{/metrics} counts connections per protocol (every front-end, read
        from the service), messages in, fan-out, frames out, disconnects by
        reason and the store histogram.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        tchat = RecordingParticipant(protocolName="tchat")
        self.service.connect(tchat)
        self.service.login(tchat, "carol")
        for client in [alice, bob]:
            client.send(type="join", room="lobby")
        self.web.flush()
        self.service.enter(tchat, "lobby")
        self.service.say(tchat, "lobby", ("hi",))
        alice.send(type="tell", to="bob", text="psst")
        self.web.flush()
        bob.transport.loseConnection()
        self.web.flush()
        self.service.stats.storeWrite(0.003)
        samples = self.scrape()
        self.assertEqual(samples["chatd_connections{protocol=web}"], 1)
        self.assertEqual(samples["chatd_connections{protocol=tchat}"], 1)
        self.assertEqual(samples["chatd_connections{protocol=irc}"], 0)
        self.assertEqual(samples["chatd_users{protocol=web}"], 1)
        self.assertEqual(samples["chatd_rooms{}"], 1)
        self.assertEqual(samples["chatd_messages_in_total{kind=room,protocol=tchat}"], 1)
        self.assertEqual(samples["chatd_messages_in_total{kind=private,protocol=web}"], 1)
        self.assertEqual(samples["chatd_deliveries_total{kind=room}"], 2)
        self.assertEqual(samples["chatd_deliveries_total{kind=private}"], 1)
        self.assertGreater(samples["chatd_messages_out_total{protocol=web}"], 8)
        self.assertEqual(samples["chatd_disconnects_total{protocol=web,reason=quit}"], 1)
        self.assertEqual(samples["chatd_store_write_seconds_bucket{le=0.0025}"], 0)
        self.assertEqual(samples["chatd_store_write_seconds_bucket{le=0.005}"], 1)
        self.assertEqual(samples["chatd_store_write_seconds_count{}"], 1)
        self.assertNotIn("chatd_store_queue_depth{}", samples)
        self.service.stats.storeQueueDepth = lambda: 7
        self.assertEqual(self.scrape()["chatd_store_queue_depth{}"], 7)
        self.assertIn("process_cpu_seconds_total{}", samples)

    def test_healthz(self) -> None:
        """
        C{/healthz} answers 200 with a JSON summary.
        """
        self.web.connect("alice")
        response, _, _ = self.web.rawRequest(get(b"/healthz"))
        status, headers, body = split(response)
        self.assertEqual(status, b"HTTP/1.1 200 OK")
        self.assertEqual(
            json.loads(body), {"status": "ok", "connections": 1, "users": 1, "rooms": 1}
        )

    def test_clusterHealth(self) -> None:
        """
        A cluster node's C{/healthz} says whether the other nodes can be
        reached (still 200: it serves its own users), and C{/metrics} has
        C{chatd_cluster_up}; a lone daemon has neither.
        """
        self.assertNotIn("chatd_cluster_up{}", self.scrape())
        reachable = [True]
        self.service.stats.clusterUp = lambda: reachable[0]
        for up, said in ((True, "up"), (False, UNREACHABLE)):
            reachable[0] = up
            response, _, _ = self.web.rawRequest(get(b"/healthz"))
            status, _, body = split(response)
            self.assertEqual(status, b"HTTP/1.1 200 OK")
            self.assertEqual(json.loads(body)["cluster"], said)
            self.assertEqual(self.scrape()["chatd_cluster_up{}"], int(up))


class StoreHealthTests(SynchronousTestCase):
    """
    C{/healthz} and C{/metrics} tell whether the chat database works.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.store = MemoryChatStore()
        self.service = ChatService(self.reactor, rooms=["lobby"], store=self.store)
        self.service.startService()
        self.addCleanup(self.service.stopService)
        self.web = WebHarness(self.service, self.reactor)

    def healthz(self) -> tuple[bytes, dict[str, object]]:
        response, _, _ = self.web.rawRequest(get(b"/healthz"))
        status, _, body = split(response)
        return status, json.loads(body)

    def localHealthz(self) -> tuple[bytes, dict[str, object]]:
        """
        C{/healthz} on the (local) metrics listener.
        """
        return metricsHealthz(self.service)

    def scrape(self) -> dict[str, float]:
        body = self.web.rawRequest(get(b"/metrics"))[0].partition(b"\r\n\r\n")[2]
        return {
            sample.name: sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }

    def test_storeDown(self) -> None:
        """
        While the store fails, C{/healthz} answers 503 with the reason and
        C{chatd_store_up} is 0; both recover with the store.  Refused
        messages and outages are counted.
        """
        status, body = self.healthz()
        self.assertEqual(status, b"HTTP/1.1 200 OK")
        self.assertEqual(body["status"], "ok")
        self.assertEqual(self.scrape()["chatd_store_up"], 1)
        cause = StoreUnavailable()
        cause.__cause__ = OSError("connection refused")
        self.store.health.failed("write messages", Failure(cause))
        self.store.health.rowRefused()
        self.flushLoggedErrors(OSError)
        status, body = self.healthz()
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(body["store"], "unavailable")  # public: no host, port or driver
        self.assertNotIn("refused", json.dumps(body))
        status, body = self.localHealthz()
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(body["store"], "cannot write messages: OSError: connection refused")
        samples = self.scrape()
        self.assertEqual(samples["chatd_store_up"], 0)
        self.assertEqual(samples["chatd_store_rows_refused_total"], 1)
        self.assertEqual(samples["chatd_store_errors_total"], 1)
        self.store.health.recovered("write messages")
        self.assertEqual(self.healthz()[0], b"HTTP/1.1 200 OK")
        self.assertEqual(self.scrape()["chatd_store_up"], 1)

    def test_sanctionsNotLoaded(self) -> None:
        """
        While the stored sanctions are not loaded (logins are refused),
        C{/healthz} answers 503 with the reason and C{chatd_sanctions_loaded}
        is 0, though the store works.
        """
        self.assertEqual(self.scrape()["chatd_sanctions_loaded"], 1)
        self.service.stats.sanctionsProblem = "the sanctions could not be loaded: X"
        status, body = self.healthz()
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(body["sanctions"], "not loaded")
        self.assertNotIn("store", body)
        status, body = self.localHealthz()
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(body["sanctions"], "the sanctions could not be loaded: X")
        self.assertEqual(self.scrape()["chatd_sanctions_loaded"], 0)
        self.assertEqual(self.scrape()["chatd_store_up"], 1)
        self.service.stats.sanctionsProblem = None
        self.assertEqual(self.healthz()[0], b"HTTP/1.1 200 OK")


class UnloadableStore(MemoryChatStore):
    """
    A store a newer chatd wrote (on PostgreSQL, found only once loading).
    """

    def load(self) -> Deferred[Snapshot]:
        return fail(RuntimeError("the database has schema version 99, newer than this chatd"))


class StoreNotLoadedTests(SynchronousTestCase):
    def test_unloadableStore(self) -> None:
        """
        A store that cannot be loaded for a reason other than an outage
        makes C{/healthz} answer 503 saying why, C{chatd_store_up} 0, and
        logins get the "try again later" error (3), never the internal
        error kept for bugs.
        """
        reactor = MemoryReactorClock()
        service = ChatService(reactor, rooms=["lobby"], store=UnloadableStore())
        service.startService()
        self.addCleanup(service.stopService)
        self.flushLoggedErrors(RuntimeError)
        web = WebHarness(service, reactor)
        response, _, _ = web.rawRequest(get(b"/healthz"))
        status, _, body = split(response)
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(json.loads(body)["store"], "unavailable")
        status, detail = metricsHealthz(service)
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertIn(
            "could not load the chat store: the database has schema version 99",
            str(detail["store"]),
        )
        page = web.connect()
        page.send(type="login", nick="alice")
        web.flush()
        [reply] = page.take()
        self.assertEqual((reply["type"], reply["code"]), ("error", 3))
