"""
The shape rules of docs/dev/DESIGN.md, checked on chatd's source text (with
L{ast}; nothing of chatd is imported): no module (nor script of the web
page) over 400 lines, nobody
reaching into another object's C{_private} names but where a decision
record (docs/dev/decisions/) says why, no import cycle among chatd's
modules, and a domain (chatd/core/) that imports nothing of chatd but
itself and the storage interfaces.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chatd"
DECISIONS = ROOT / "docs" / "dev" / "decisions"

#: A module's most lines.
MAX_LINES = 400

#: The private names read on other objects that a decision record explains:
#: (module, the expression as written, the record's file name).
ALLOWED_PRIVATE = {
    ("chatd.lines.direct", "transport._tempDataLen", "outbox-direct-send.md"),
    (
        "chatd.web.ircsocket",
        "request.channel._protocolUpgradeForWebsockets",
        "irc-websocket-subprotocol.md",
    ),
    ("chatd.web.eventlist", "connection._events", "websocket-event-list.md"),
    (
        "chatd.web.frames",
        "request.channel._protocolUpgradeForWebsockets",
        "websocket-frame-reader.md",
    ),
}

#: What chatd.core may import from the rest of chatd.
CORE_MAY_IMPORT = {"chatd.storage.interfaces"}

#: The domain's imports from outside it that docs/dev/DESIGN.md lists as
#: exceptions: (importing module, imported module).
CORE_EXCEPTIONS = {
    ("chatd.core.moderation", "chatd.modstore"),
    ("chatd.core.opgrants", "chatd.modstore"),
    ("chatd.core.renaming", "chatd.modstore"),
    ("chatd.core.chathistory", "chatd.storage.conversations"),
    ("chatd.core.export", "chatd.storage.conversations"),
}


def modules() -> dict[str, Path]:
    """
    Every module of the package by dotted name (a package by its own name).
    """
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def privateAccesses(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """
    Each C{x._name} whose C{x} is not C{self}, C{cls} or C{super()}, as
    (line, source text); dunder names are not private.
    """
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "super"
        ):
            continue
        yield node.lineno, ast.unparse(node)


def isTypeChecking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def importedNames(tree: ast.AST, module: str, isPackage: bool) -> Iterator[str]:
    """
    The dotted names C{module} imports, anywhere in it (in functions too)
    but under C{if TYPE_CHECKING:}; C{from a import b} gives C{a.b}, which
    L{importGraph} resolves to a module or to the package C{a}.
    """
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isTypeChecking(node):
            otherwise = ast.Module(body=node.orelse, type_ignores=[])
            yield from importedNames(otherwise, module, isPackage)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                if not isPackage:
                    parts.pop()
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}"
        yield from importedNames(node, module, isPackage)


def importGraph() -> dict[str, set[str]]:
    """
    For each chatd module, the chatd modules it imports.
    """
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = set()
        for imported in importedNames(parse(path), name, path.name == "__init__.py"):
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                edges.add(imported)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """
    One cycle (as a path that comes back to its start) in each strongly
    connected group of modules (Tarjan's algorithm).
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    onStack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        onStack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in onStack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                onStack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [cycleIn(graph, group) for group in groups]


def cycleIn(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """
    A shortest path from the group's first module back to itself.
    """
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return paths[node] + [start]
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")


class ShapeTests(SynchronousTestCase):
    """
    The rules hold for chatd as it is.
    """

    def test_moduleSize(self) -> None:
        """
        No module under chatd/ is over L{MAX_LINES} lines.
        """
        tooLong = {}
        for name, path in modules().items():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                tooLong[name] = lines
        self.assertEqual(tooLong, {})

    def test_pageScriptSize(self) -> None:
        """
        No script of the web page (chatd/web/static/*.js) is over
        L{MAX_LINES} lines either.
        """
        scripts = sorted((PACKAGE / "web" / "static").glob("*.js"))
        self.assertIn("app.js", [path.name for path in scripts])
        tooLong = {}
        for path in scripts:
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                tooLong[path.name] = lines
        self.assertEqual(tooLong, {})

    def test_noPrivateAccess(self) -> None:
        """
        No module reads or sets another object's C{_name}, but for the
        cases a decision record explains (L{ALLOWED_PRIVATE}).
        """
        allowed = {(module, text) for module, text, _ in ALLOWED_PRIVATE}
        found = []
        for name, path in modules().items():
            for line, text in privateAccesses(parse(path)):
                if (name, text) not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
        self.assertEqual(found, [])

    def test_allowedCasesHaveRecords(self) -> None:
        """
        Each allowed case names a decision record that exists and mentions
        the private name, and still occurs in its module (a stale entry
        would hide a new use).
        """
        known = modules()
        for module, text, record in ALLOWED_PRIVATE:
            attribute = text.rpartition(".")[2]
            self.assertIn(attribute, (DECISIONS / record).read_text(encoding="utf-8"))
            used = {found for _, found in privateAccesses(parse(known[module]))}
            self.assertIn(text, used)

    def test_noImportCycles(self) -> None:
        """
        chatd's modules import each other without a cycle (imports inside
        functions count; those under C{if TYPE_CHECKING:} do not).
        """
        self.assertEqual([" -> ".join(cycle) for cycle in cycles(importGraph())], [])

    def test_coreImportsOnlyCore(self) -> None:
        """
        chatd.core imports nothing of chatd outside itself but the storage
        interfaces and the exceptions the design lists (each still true).
        """
        outside = set()
        for name, targets in importGraph().items():
            if name == "chatd.core" or name.startswith("chatd.core."):
                for target in targets:
                    if not target.startswith("chatd.core.") and target not in CORE_MAY_IMPORT:
                        outside.add((name, target))
        self.assertEqual(outside, CORE_EXCEPTIONS)


class CheckerTests(SynchronousTestCase):
    """
    The checks find what they look for.
    """

    def test_privateAccess(self) -> None:
        tree = ast.parse("self._a\ncls._b\nsuper()._c\nother._d\nself.x._e\nx.__class__\nf()._g\n")
        self.assertEqual(
            list(privateAccesses(tree)), [(4, "other._d"), (5, "self.x._e"), (7, "f()._g")]
        )

    def test_imports(self) -> None:
        source = (
            "import chatd.a\n"
            "from chatd.b import c\n"
            "from . import d\n"
            "from .e import f\n"
            "if TYPE_CHECKING:\n"
            "    import chatd.g\n"
            "else:\n"
            "    import chatd.h\n"
            "def later():\n"
            "    import chatd.i\n"
        )
        self.assertEqual(
            sorted(importedNames(ast.parse(source), "chatd.x.y", False)),
            ["chatd.a", "chatd.b.c", "chatd.h", "chatd.i", "chatd.x.d", "chatd.x.e.f"],
        )

    def test_cycle(self) -> None:
        graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
        self.assertEqual(cycles(graph), [["a", "b", "c", "a"]])
