"""
Tests for L{chatd.config}: options from a TOML file (C{--config}), the
command line over it, refusals naming the key; and C{--help}'s defaults.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from twisted.python.usage import UsageError

from chatd.config import configPath
from chatd.options import Options
from tests.support.daemon import ROOT, TWISTD, startDaemon

TIMEOUT = 10.0


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


def write(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def refusal(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """How C{twistd -n chatd} with C{args}, run in C{cwd}, exits: it must not start."""
    return subprocess.run(
        [str(TWISTD), "-n", "--pidfile=", "chatd", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_fileGivesValues(tmp_path: Path) -> None:
    """
    Each TOML type becomes the option's value as its command-line text
    would: numbers, strings, lists of strings, flags; a bare port number
    makes a listener as on the command line.
    """
    config = write(
        tmp_path / "chatd.toml",
        "max-clients = 500\n"
        "flood-rate = 2.5\n"
        'irc-server-name = "irc.example.org"\n'
        'operators = ["alice", "bob"]\n'
        'limit-exempt = "10.0.0.0/8"\n'
        "quiet-connections = true\n"
        "port = 4000\n"
        "max-group-size = 0\n",
    )
    options = parse("--config", config)
    assert options["max-clients"] == 500
    assert options["flood-rate"] == 2.5
    assert options["irc-server-name"] == "irc.example.org"
    assert options["operators"] == ["alice", "bob"]
    assert [str(network) for network in options["limit-exempt"]] == ["10.0.0.0/8"]
    assert options["quiet-connections"]
    assert options["port"] == "tcp:4000:backlog=1024"
    assert options["max-group-size"] is None
    assert options["max-rooms"] == 1000  # not in the file: the default


def test_commaListsWithSpaces(tmp_path: Path) -> None:
    """
    Every comma-separated option, in the file or on the command line, reads
    its items without the spaces around them; an item refused is named.
    """
    config = write(
        tmp_path / "chatd.toml",
        'rooms = "lobby, garden"\n'
        'operators = "alice, bob"\n'
        'limit-exempt = "10.0.0.0/8, 192.0.2.7"\n'
        'web-origins = "https://a.example, https://b.example"\n',
    )
    options = parse("--config", config, "--autojoin", " lobby ,garden")
    assert options["rooms"] == ["lobby", "garden"]
    assert options["autojoin"] == ["lobby", "garden"]
    assert options["operators"] == ["alice", "bob"]
    assert [str(network) for network in options["limit-exempt"]] == ["10.0.0.0/8", "192.0.2.7/32"]
    assert options["web-origins"] == ["https://a.example", "https://b.example"]
    with pytest.raises(UsageError) as refused:
        parse("--rooms", "lobby, gar den")
    assert str(refused.value).startswith("--rooms: 'gar den': a room name is")


def test_commandLineOverrides(tmp_path: Path) -> None:
    """
    The command line wins over the file, wherever C{--config} is on it.
    """
    config = write(tmp_path / "chatd.toml", "max-clients = 500\nhistory-count = 5\n")
    for args in (
        ["--config", config, "--max-clients", "7"],
        ["--max-clients", "7", "--config", config],
        ["--max-clients=7", f"--config={config}"],
    ):
        options = parse(*args)
        assert (options["max-clients"], options["history-count"]) == (7, 5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("max-clientz = 5\n", "unknown key 'max-clientz'"),
        ('max-clients = "5"\n', "key 'max-clients': expects a number"),
        ("max-clients = true\n", "key 'max-clients': expects a number"),
        ("port = [1, 2]\n", "key 'port': expects a string"),
        ("rooms = [1]\n", "key 'rooms': expects a list of strings"),
        ('quiet-connections = "yes"\n', "key 'quiet-connections': expects true or false"),
        ("max-clients = -2\n", "key 'max-clients': must not be negative"),
        ("flood-rate = 0\n", "key 'flood-rate': --flood-rate must be positive"),
        ("history-count = 1.5\n", "key 'history-count': '1.5' is not a whole number"),
        ("irc-flood-rate = 0\n", "key 'irc-flood-rate': --irc-flood-rate must be positive"),
        ("flood-rate = nan\n", "key 'flood-rate': --flood-rate must be a finite number"),
        ("turn-budget = -1\n", "key 'turn-budget': --turn-budget must be 0 or more"),
        ('config = "other.toml"\n', "unknown key 'config'"),
        ("[listeners]\nport = 1\n", "unknown key 'listeners'"),
        ("max-clients = \n", "line 1, key 'max-clients': not valid TOML (Invalid value at column"),
        (
            "max-clients = 5\n\nadmin-keys = (not set)\n",
            "line 3, key 'admin-keys': not valid TOML (Invalid value at column 14):"
            " admin-keys = (not set)",
        ),
        ("[listeners\n", "line 1: not valid TOML (Expected ']'"),
        (
            'max-clients = 5\nrooms = ["a", "b"\nmotd = "x"\n',
            "line 2, key 'rooms': not valid TOML (Unclosed array, still open at line 3,"
            ' column 1): rooms = ["a", "b"',
        ),
        (
            'rooms = ["a", "b"\n\n',
            "line 1, key 'rooms': not valid TOML (Unclosed array, still open at the end of"
            ' the file): rooms = ["a", "b"',
        ),
        (
            'rooms = [\n  "a",\n  "b"\n# more\nport = "tcp:0"\n',
            "line 1, key 'rooms': not valid TOML (Unclosed array, still open at line 5,",
        ),
        (
            'max-clients = 5\nmotd = """Hello\nthere\n',
            "line 2, key 'motd': not valid TOML (Unterminated string, still open at the end",
        ),
        ("max-clients = 5\nport =", "line 2, key 'port': not valid TOML (Invalid value at the end"),
        (b"motd = '\xff'\n", "can't decode byte 0xff"),
    ],
)
def test_refusals(tmp_path: Path, text: str | bytes, message: str) -> None:
    """
    An unknown key, a value of the wrong type or a bad value, and a file
    that is not TOML: one usage error naming the file and the key.
    """
    config = write(tmp_path / "chatd.toml", text)
    with pytest.raises(UsageError) as raised:
        parse("--config", config)
    assert str(raised.value).startswith(f"config file {config}: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missingFile(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="No such file"):
        parse("--config", str(tmp_path / "nowhere.toml"))


def test_configPath() -> None:
    assert configPath(["--port", "1"]) is None
    assert configPath(["--config", "a.toml", "--config=b.toml"]) == "b.toml"
    assert configPath(["--config", "a.toml", "--", "--config", "b.toml"]) == "a.toml"


def test_helpShowsDefaultsAsTyped() -> None:
    """
    C{--help} shows no empty default and no Python list: lists are as
    they would be typed, empty ones are not shown.
    """
    text = Options().getUsage(width=1000)
    assert "[default: ]" not in text
    assert "[default: []" not in text and "['" not in text
    assert "[default: lobby]" in text  # --rooms and --default-room
    assert "[default: tcp:9464:interface=127.0.0.1:backlog=1024]" in text


def test_daemonStartsFromFile(tmp_path: Path) -> None:
    """
    The real daemon takes its options from the file, the command line over
    them: the file's line limit applies on the wire, and the TCHAT port
    the command line gives wins over the file's.
    """
    config = write(
        tmp_path / "chatd.toml",
        'port = "tcp:1:interface=127.0.0.1"\nmax-line-length = 150\n',
    )
    daemon = startDaemon(tmp_path, "--config", config, "--port", "tcp:0:interface=127.0.0.1")
    try:
        with socket.create_connection(("127.0.0.1", daemon.ports["TchatFactory"]), TIMEOUT) as s:
            lines = s.makefile("rwb")
            assert lines.readline() == b"srv: TCHAT 1\n"
            lines.write(b"clt: " + b"x" * 200 + b"\n")
            lines.flush()
            assert lines.readline() == b"srv: ERROR 10\n"
    finally:
        daemon.stop()


def test_daemonRefusesUnknownKey(tmp_path: Path) -> None:
    """
    C{twistd chatd --config} with an unknown key exits at once, saying
    which key in one line, and listens nowhere.
    """
    config = write(tmp_path / "chatd.toml", "max-clientz = 5\n")
    done = refusal(tmp_path, "--config", config)
    assert done.returncode != 0
    assert done.stdout + done.stderr == f"chatd: config file {config}: unknown key 'max-clientz'\n"


def test_daemonRefusesUnclosedArrayNamingItsLine(tmp_path: Path) -> None:
    """
    C{twistd chatd --config} with an array left open, and more lines after
    it: the one line of refusal names the line and key that opened it.
    """
    config = write(tmp_path / "chatd.toml", 'rooms = ["a", "b"\nmax-clients = 5\n')
    done = refusal(tmp_path, "--config", config)
    assert done.returncode != 0
    assert done.stdout + done.stderr == (
        f"chatd: config file {config}: line 1, key 'rooms': not valid TOML (Unclosed array,"
        ' still open at line 2, column 1): rooms = ["a", "b"\n'
    )


def test_refusalOnCommandLineNotBlamedOnFile(tmp_path: Path) -> None:
    """
    A bad value the command line gives over the file's is refused as the
    command line's, without naming the file.
    """
    config = write(tmp_path / "chatd.toml", "flood-rate = 0\n")
    with pytest.raises(UsageError) as raised:
        parse("--config", config, "--close-grace", "0", "--flood-rate", "2")
    assert str(raised.value) == "--close-grace must be positive"


@pytest.mark.parametrize(
    "args, line",
    [
        (
            ["--config", "{config}"],
            "chatd: config file {config}: key 'flood-rate': --flood-rate must be positive",
        ),
        (["--frobnicate"], "chatd: option --frobnicate not recognized"),
    ],
)
def test_daemonRefusesInOneLine(tmp_path: Path, args: list[str], line: str) -> None:
    """
    A value the file gives and a check refuses, or an unknown option on
    the command line: the daemon exits with one line, not the whole --help.
    """
    config = write(tmp_path / "chatd.toml", "flood-rate = 0\n")
    done = refusal(tmp_path, *(a.format(config=config) for a in args))
    assert done.returncode == 1
    assert done.stdout + done.stderr == line.format(config=config) + "\n"
