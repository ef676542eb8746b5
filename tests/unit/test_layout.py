"""
The test suite's own layout rules, checked on the source (nothing imported):
every C{test-case-name} header in C{chatd}, C{twisted/plugins} and C{scripts}
names test modules that exist, and no module under C{tests} imports a test
module (what several share lives in helper modules, not named C{test_*}).
Both hold wherever the test modules sit under C{tests}.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

#: Where modules declare their tests (Emacs-style, on the first or second line).
HEADER = re.compile(r"-\*-.*\btest-case-name:\s*(?P<names>[^\s;,]+(?:\s*,\s*[^\s;,]+)*)")
HEADER_TREES = ("chatd", "twisted/plugins", "scripts")


def repositoryRoot() -> Path:
    """
    The checkout this file is in: the nearest parent with C{setup.cfg}.
    """
    for parent in Path(__file__).resolve().parents:
        if (parent / "setup.cfg").is_file():
            return parent
    raise RuntimeError("no setup.cfg above " + __file__)


def sources(root: Path, tree: str) -> Iterator[Path]:
    """
    The text files under C{root/tree} that may carry a header: every C{.py}
    file, and the extension-less scripts.
    """
    for path in sorted((root / tree).rglob("*")):
        if path.is_file() and (path.suffix == ".py" or not path.suffix):
            yield path


def headers(root: Path) -> Iterator[tuple[Path, str]]:
    """
    Every (file, module name) a C{test-case-name} header names.
    """
    for tree in HEADER_TREES:
        for path in sources(root, tree):
            try:
                firstLines = path.read_text(encoding="utf-8").splitlines()[:2]
            except UnicodeDecodeError:
                continue
            for line in firstLines:
                match = HEADER.search(line)
                if match is not None:
                    for name in match.group("names").split(","):
                        yield path, name.strip()


def moduleFile(root: Path, name: str) -> Path | None:
    """
    The file of module C{name} under C{root}, if it exists and its parent
    packages are packages (have C{__init__.py}), so the name imports.
    """
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for depth in range(1, len(parts)):
        if not (root.joinpath(*parts[:depth]) / "__init__.py").is_file():
            return None
    path = root.joinpath(*parts[:-1]) / (parts[-1] + ".py")
    return path if path.is_file() else None


def isTestModule(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_")


def unresolvedHeaders(root: Path) -> list[str]:
    """
    The headers that name no test module of the checkout.
    """
    return [
        f"{path.relative_to(root)}: {name}"
        for path, name in headers(root)
        if not (isTestModule(name) and moduleFile(root, name) is not None)
    ]


def moduleName(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def importedModules(moduleName: str, isPackage: bool, tree: ast.AST) -> Iterator[str]:
    """
    Every module an import statement anywhere in C{tree} may load: for
    C{from X import y}, both C{X} and C{X.y} (y may be a submodule).
    """
    package = moduleName if isPackage else moduleName.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"


def importsOfTests(root: Path) -> list[str]:
    """
    Each import of a test module by a module under C{tests}.
    """
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        name = moduleName(root, path)
        isPackage = path.name == "__init__.py"
        if isPackage:
            name = name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for imported in sorted(set(importedModules(name, isPackage, tree))):
            if isTestModule(imported) and imported != name:
                found.append(f"{path.relative_to(root)} imports {imported}")
    return found


class LayoutTests(SynchronousTestCase):
    """
    The checkout itself follows the rules.
    """

    def test_headersResolve(self) -> None:
        """
        Every C{test-case-name} header names an existing C{tests...test_*}
        module (many modules have one: the scan finds them).
        """
        root = repositoryRoot()
        self.assertGreater(len(list(headers(root))), 50)
        self.assertEqual(unresolvedHeaders(root), [])

    def test_noTestModuleImportsAnother(self) -> None:
        """
        No module under C{tests} imports a test module.
        """
        self.assertEqual(importsOfTests(repositoryRoot()), [])


class CheckerTests(SynchronousTestCase):
    """
    The checks find what they are for, in a small made-up checkout.
    """

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="chatd-layout-"))
        self.addCleanup(shutil.rmtree, self.root)
        self.write("setup.cfg", "")
        for package in ("chatd", "tests", "tests/unit", "tests/unit/irc", "tests/support"):
            self.write(f"{package}/__init__.py", "")
        self.write("tests/unit/irc/test_a.py", "")
        self.write("tests/unit/irc/test_b.py", "")
        self.write("tests/support/helpers.py", "")

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def test_headers(self) -> None:
        """
        A header naming a missing module, a module outside C{tests}, a
        helper, or a module whose folder is no package is reported; a
        comma-separated list of existing test modules is not.
        """
        self.write(
            "chatd/good.py",
            "# -*- test-case-name: tests.unit.irc.test_a, tests.unit.irc.test_b -*-\n",
        )
        self.write("chatd/missing.py", "# -*- test-case-name: tests.unit.irc.test_gone -*-\n")
        self.write("chatd/helper.py", "# -*- test-case-name: tests.support.helpers -*-\n")
        self.write("scripts/tool", "#!/bin/sh\n# -*- test-case-name: tests.test_tool -*-\n")
        self.write("tests/nopackage/test_c.py", "")
        self.write("chatd/nopackage.py", "# -*- test-case-name: tests.nopackage.test_c -*-\n")
        self.assertEqual(
            sorted(unresolvedHeaders(self.root)),
            [
                "chatd/helper.py: tests.support.helpers",
                "chatd/missing.py: tests.unit.irc.test_gone",
                "chatd/nopackage.py: tests.nopackage.test_c",
                "scripts/tool: tests.test_tool",
            ],
        )

    def test_testImports(self) -> None:
        """
        Absolute, C{from tests... import test_x}, relative and nested
        imports of a test module are reported; helpers and a module's own
        name are not.
        """
        self.write(
            "tests/unit/irc/test_a.py",
            "from tests.support.helpers import x\n"
            "from tests.unit.irc.test_b import y\n"
            "def f():\n    import tests.unit.irc.test_b\n",
        )
        self.write("tests/unit/irc/test_b.py", "from . import test_a\nfrom .test_b import z\n")
        self.write("tests/support/helpers.py", "from tests.unit.irc import test_a\n")
        self.assertEqual(
            importsOfTests(self.root),
            [
                "tests/support/helpers.py imports tests.unit.irc.test_a",
                "tests/unit/irc/test_a.py imports tests.unit.irc.test_b",
                "tests/unit/irc/test_b.py imports tests.unit.irc.test_a",
            ],
        )
