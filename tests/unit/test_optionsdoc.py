"""
Tests for L{chatd.optionsdoc}: docs/OPTIONS.md and example.toml are what
the options generate, and example.toml's defaults are the options' own;
docs/OPERATIONS.md says of every option whether a reload applies it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.config import optionSpecs, readConfig
from chatd.live import LIVE
from chatd.options import Options
from chatd.optionsdoc import EXAMPLES, SUPPLIED, example, markdown, tomlValue
from chatd.tap import makeService
from tests.support.daemon import ROOT

REGENERATE = (
    "regenerate: python -m chatd.optionsdoc > docs/OPTIONS.md;"
    " python -m chatd.optionsdoc --toml > example.toml"
)


def test_referenceIsCurrent() -> None:
    """
    docs/OPTIONS.md is the generated text, with a row for every option.
    """
    text = (ROOT / "docs" / "OPTIONS.md").read_text()
    assert text == markdown(), REGENERATE
    for spec in optionSpecs(Options):
        assert f"| `--{spec.name}` |" in text


def test_exampleIsCurrent() -> None:
    assert (ROOT / "example.toml").read_text() == example(), REGENERATE


def uncommented(directory: Path) -> Path:
    """
    example.toml with every line that sets an option uncommented once, as
    an operator who wants to see them all would.
    """
    text = (ROOT / "example.toml").read_text()
    setting = re.compile(r"^# ([a-z-]+ = .*)$", re.MULTILINE)
    path = directory / "uncommented.toml"
    path.write_text("\n".join(setting.findall(text)) + "\n")
    return path


def test_exampleDefaults(tmp_path: Path) -> None:
    """
    example.toml as shipped sets nothing; with every line that sets an
    option uncommented it is a valid file that gives every option its
    default, and each option without one its example value, except those
    naming something the operator must supply, which stay unset.
    """
    assert tomllib.loads((ROOT / "example.toml").read_text()) == {}
    values = readConfig(uncommented(tmp_path), Options)
    defaults = Options()
    names = {spec.name for spec in optionSpecs(Options)} - {"config"} - set(SUPPLIED)
    assert set(values) == names
    for name, value in values.items():
        assert value == (defaults[name] if name not in EXAMPLES else EXAMPLES[name]), name


class UncommentedExampleTests(SynchronousTestCase):
    def test_daemonStarts(self) -> None:
        """
        The daemon's service, built from example.toml with every line
        uncommented, starts and listens on the file's listeners.
        """
        directory = Path(self.mktemp())
        directory.mkdir()
        options = Options()
        options.parseOptions(
            ["--config", str(uncommented(directory)), "--data-dir", str(directory / "data")]
        )
        reactor = MemoryReactorClock()
        top = makeService(options, reactor)
        top.startService()
        self.addCleanup(top.stopService)
        self.assertTrue(top.running)
        ports = {port for port, *_ in reactor.tcpServers}
        self.assertLessEqual({12345, 6667, 2323, 8080, 2300, 9464}, ports)


def test_exampleSaysWhatIsUnset() -> None:
    """
    An option without a default is said to be unset, in a comment that is
    not a setting, before its example value; one naming something the
    operator must supply says what, and its value is commented twice.
    """
    text = example()
    for spec in optionSpecs(Options):
        if spec.default is None and spec.name != "config":
            value = tomlValue(EXAMPLES[spec.name])
            if spec.name in SUPPLIED:
                said = f"{spec.name}: not set by default; needs {SUPPLIED[spec.name]} (remove"
                assert said in " ".join(text.split("\n# "))
                assert f"\n# # {spec.name} = {value}\n" in text
            else:
                assert (
                    f"# {spec.name}: not set by default; for example:\n# {spec.name} = {value}\n"
                ) in text


def test_referenceSaysWhatToSupply() -> None:
    for name, what in SUPPLIED.items():
        assert f"- `--{name}`: {what}\n" in markdown()


def test_referenceMarksLiveOptions() -> None:
    rows = {line.split("`")[1]: line for line in markdown().splitlines() if line.startswith("| `")}
    assert "| applies |" in rows["--operators"]
    assert "| restart |" in rows["--db"]
    assert "| number |" in rows["--max-group-size"]
    assert "| list |" in rows["--rooms"]
    assert "| true/false |" in rows["--quiet-connections"]


def test_operationsListsEveryOption() -> None:
    """
    docs/OPERATIONS.md's reload section names every option: those a reload
    applies in its table, the others in its list of what needs a restart.
    """
    text = (ROOT / "docs" / "OPERATIONS.md").read_text()
    section = text[text.index("## Reloading") : text.index("## Where chatd listens")]
    table, _, restart = section.partition("Everything else needs a restart")
    for spec in optionSpecs(Options):
        if spec.name != "config":
            where = table if spec.name in LIVE else restart
            assert f"`{spec.name}`" in where, (
                f"docs/OPERATIONS.md's reload section should name `{spec.name}`"
                + (" in its table" if spec.name in LIVE else " among what needs a restart")
            )
