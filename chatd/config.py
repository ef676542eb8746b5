# -*- test-case-name: tests.integration.test_config -*-
"""
The configuration file: a flat TOML table whose keys are the long option
names (C{max-clients = 500}).  It gives the options their values before the
command line is read, so the command line overrides it.  The file is read
with the standard library's C{tomllib}; an unknown key, a value of the
wrong type or a line that is not TOML is refused with one line naming the
key (and, for the last, the line).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.python import reflect, usage

#: The option that names the file; it may not name another one.
CONFIG = "config"


def isNumber(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class OptionSpec:
    """
    One option as declared in an C{optParameters} or C{optFlags} list.

    @ivar coerce: turns the text of a value into the option's value.
    """

    name: str
    default: Any
    doc: str
    coerce: Callable[[str], Any] | None
    flag: bool

    @property
    def numeric(self) -> bool:
        """
        Whether the option takes a number: its default is one or, without a
        default, its check makes a number of C{"1"}.
        """
        if self.default is None and self.coerce is not None:
            try:
                return isNumber(self.coerce("1"))
            except Exception:
                return False
        return isNumber(self.default)

    @property
    def listed(self) -> bool:
        return isinstance(self.default, list)


def optionSpecs(options: type[usage.Options]) -> Iterator[OptionSpec]:
    """
    Every option C{options} declares, in the order of its help.
    """
    parameters: list[Any] = []
    reflect.accumulateClassList(options, "optParameters", parameters)  # as twistd: bases first
    for parameter in parameters:
        long, _short, default, doc, coerce = [*parameter, None, None, None][:5]
        yield OptionSpec(long, default, doc or "", coerce, False)
    for flag in getattr(options, "optFlags", []):
        yield OptionSpec(flag[0], False, flag[2] if len(flag) > 2 else "", None, True)


def configPath(arguments: Sequence[str]) -> str | None:
    """
    The file C{--config FILE} (or C{--config=FILE}) names on a command
    line, the last one if several; C{None} without one.
    """
    found = None
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == "--config" and index + 1 < len(arguments):
            found = arguments[index + 1]
        elif argument.startswith("--config="):
            found = argument[len("--config=") :]
    return found


def _text(spec: OptionSpec, value: Any) -> str:
    """
    A TOML value as the option's command-line text, or a L{ValueError}
    saying which type the option takes.
    """
    if isinstance(value, bool):
        raise ValueError("expects a number" if spec.numeric else "expects a string")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if spec.numeric:
            raise ValueError(f"expects a number, not the string {value!r}")
        return value
    if isinstance(value, list) and spec.listed:
        if not all(isinstance(item, str) for item in value):
            raise ValueError("expects a list of strings")
        return ",".join(value)
    kind = "a list of strings" if spec.listed else "a number" if spec.numeric else "a string"
    raise ValueError(f"expects {kind}")


def coerced(spec: OptionSpec, value: Any) -> Any:
    """
    The option's value from a TOML value; L{ValueError} if it is not one.
    """
    if spec.flag:
        if not isinstance(value, bool):
            raise ValueError("expects true or false")
        return value
    text = _text(spec, value)
    if spec.coerce is None:
        return text
    try:
        return spec.coerce(text)
    except ValueError as error:
        raise ValueError(refusal(text, error)) from error


def readConfig(path: str | Path, options: type[usage.Options]) -> dict[str, Any]:
    """
    The option values the file at C{path} gives, by option name.

    @raise usage.UsageError: the file cannot be read or parsed, or one of
        its keys is unknown or has a value of the wrong type.
    """
    try:
        with open(path, "rb") as stream:
            text = stream.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise usage.UsageError(f"config file {path}: {error}") from error
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise usage.UsageError(f"config file {path}: {notToml(text, error)}") from error
    specs = {spec.name: spec for spec in optionSpecs(options)}
    values = {}
    for name, value in table.items():
        spec = specs.get(name)
        if spec is None or name == CONFIG:
            raise usage.UsageError(f"config file {path}: unknown key {name!r}")
        try:
            values[name] = coerced(spec, value)
        except (ValueError, TypeError) as error:
            raise usage.UsageError(f"config file {path}: key {name!r}: {error}") from error
    return values


#: Where tomllib's message says it stopped reading: a line and column, or
#: the end of the document.
_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
#: The key a line of TOML sets, bare or quoted.
_KEY = re.compile(r'^\s*([A-Za-z0-9_.-]+|"[^"]*")\s*=')


def notToml(text: str, error: tomllib.TOMLDecodeError) -> str:
    """
    Why C{text} is not TOML, naming the line, the key it sets and the line
    itself: tomllib's own message names only a line and a column, which an
    operator must then count to.  An array, inline table or string left
    open is named by the line that opened it: tomllib stops reading lines
    later (at the next key, or the end of the file), which is not where
    the operator must look.
    """
    message = str(error)
    position = _POSITION.search(message)
    if position is None:
        return f"not valid TOML: {message}"
    lines = text.splitlines()
    problem = message[: position.start()]
    if position.group(1) is None:
        number, stopped, column = len(lines), "the end of the file", "the end of the file"
    else:
        number, column = int(position.group(1)), f"column {position.group(2)}"
        stopped = f"line {number}, {column}"
    left_open = problem.startswith(("Unclosed", "Unterminated"))
    if left_open or position.group(1) is None:
        number = statementLine(lines, number)
    reason = (
        f"not valid TOML ({problem}, still open at {stopped})"
        if left_open
        else f"not valid TOML ({problem} at {column})"
    )
    if not 0 < number <= len(lines):
        return f"line {number}: {reason}"
    line = lines[number - 1].strip()
    key = _KEY.match(line)
    where = f"line {number}, key {key.group(1).strip(chr(34))!r}" if key else f"line {number}"
    return f"{where}: {reason}: {line[:100]}"


def statementLine(lines: Sequence[str], number: int) -> int:
    """
    The line the statement that tomllib stopped reading on line C{number}
    begins on: the one after the longest run of lines before it that is
    TOML by itself (a run cut inside an array or a string is not).
    """
    for before in range(min(number, len(lines)) - 1, 0, -1):
        try:
            tomllib.loads("\n".join(lines[:before]))
        except tomllib.TOMLDecodeError:
            continue
        return before + 1
    return 1


def blamed(message: str, path: str | None, values: dict[str, Any], arguments: Sequence[str]) -> str:
    """
    C{message}, a check's refusal naming C{--name}, prefixed with the file
    and key when the refused value is the file's (not the command line's).
    """
    for name in re.findall(r"--([a-z][a-z0-9-]*)", message):
        given = any(a == f"--{name}" or a.startswith(f"--{name}=") for a in arguments)
        if name in values and not given:
            return f"config file {path}: key {name!r}: {message}"
    return message


def defaultText(value: Any) -> str | None:
    """
    A default as its option's text: C{None} when there is none to show.
    """
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)


def refusal(value: str, error: ValueError) -> str:
    """
    Why an option's C{value} was refused, in words: Python's own message
    for a number that is not one ("invalid literal for int() with base
    10") is for programmers.
    """
    text = str(error)
    if text.startswith("invalid literal for int()"):
        return f"{value!r} is not a whole number"
    if text.startswith("could not convert string to float"):
        return f"{value!r} is not a number"
    return text


class NamedCoercion(usage.CoerceParameter):
    """
    A parameter's coercion whose refusal names the option (twistd's own
    says "Parameter type enforcement failed" and not which).
    """

    def dispatch(self, parameterName: str, value: str | None) -> None:
        if value is not None:
            try:
                self.coerce(value)
            except ValueError as error:
                raise usage.UsageError(f"--{parameterName}: {refusal(value, error)}") from None
        super().dispatch(parameterName, value)


class FileOptions(usage.Options):
    """
    Options that may come from a C{--config} file as well as the command
    line (the subclass declares a C{config} parameter), and whose help shows
    defaults as they would be typed.
    """

    def __init__(self) -> None:
        super().__init__()
        #: The command line parsed, kept so a reload reads it again.
        self.arguments: list[str] = []

    def _gather_parameters(self) -> tuple[Any, ...]:
        gathered = super()._gather_parameters()
        dispatch = gathered[-1]
        for name, coercion in dispatch.items():
            dispatch[name] = NamedCoercion(self, coercion.coerce)
        return tuple(gathered)

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        """
        Take the values of the C{--config} file, if one is named, then the
        command line's over them.
        """
        try:
            self._parse(list(sys.argv[1:] if options is None else options))
        except usage.UsageError as error:
            if self.parent is None:
                raise
            # Under twistd, which would print the whole --help before it:
            # the one line alone, as for any refused start.
            raise SystemExit(f"{self.parent.subCommand}: {error}") from error

    def _parse(self, arguments: list[str]) -> None:
        self.arguments = arguments
        path = configPath(arguments)
        values = readConfig(path, type(self)) if path is not None else {}
        for name, value in values.items():
            self[name] = value
        try:
            super().parseOptions(arguments)
        except usage.UsageError as error:
            raise usage.UsageError(blamed(str(error), path, values, arguments)) from error

    def getUsage(self, width: int | None = None) -> str:
        """
        The help, with each default as it would be typed: none shown when
        it is empty, lists comma-separated.
        """
        saved = self.defaults
        self.defaults = {name: defaultText(value) for name, value in saved.items()}
        try:
            return super().getUsage(width)
        finally:
            self.defaults = saved
