"""
Tests for L{chatd.optionsdoc}: docs/OPTIONS.md and example.toml are what
the options generate, and example.toml's defaults are the options' own;
docs/OPERATIONS.md says of every option whether a reload applies it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from chatd.config import optionSpecs, readConfig
from chatd.live import LIVE
from chatd.options import Options
from chatd.optionsdoc import EXAMPLES, example, markdown, tomlValue
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


def test_exampleDefaults(tmp_path: Path) -> None:
    """
    example.toml as shipped sets nothing; with every line that sets an
    option uncommented it is a valid file that gives every option its
    default, and each option without one its example value.
    """
    text = (ROOT / "example.toml").read_text()
    assert tomllib.loads(text) == {}
    setting = re.compile(r"^# ([a-z-]+ = .*)$", re.MULTILINE)
    path = tmp_path / "uncommented.toml"
    path.write_text("\n".join(setting.findall(text)) + "\n")
    values = readConfig(path, Options)
    defaults = Options()
    names = {spec.name for spec in optionSpecs(Options)} - {"config"}
    assert set(values) == names
    for name, value in values.items():
        assert value == (defaults[name] if name not in EXAMPLES else EXAMPLES[name]), name


def test_exampleSaysWhatIsUnset() -> None:
    """
    An option without a default is said to be unset, in a comment that is
    not a setting, before its example value.
    """
    text = example()
    for spec in optionSpecs(Options):
        if spec.default is None and spec.name != "config":
            assert (
                f"# {spec.name}: not set by default; for example:\n"
                f"# {spec.name} = {tomlValue(EXAMPLES[spec.name])}\n"
            ) in text


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
