"""
What C{pip install .} of this checkout gives: the C{chatd-admin} console
script, the twistd plugin, and the web page's static files.

The install goes into a new virtual environment in a temporary directory
(about 10 s).  So that it needs no download of the dependencies, that
environment sees this test run's installed packages (all but chatd itself)
through a C{.pth} file, and C{pip check} proves they satisfy what the
package declares; the build itself is isolated, as for any user (pip may
fetch setuptools from PyPI once, then uses its cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from chatd.admin.credentials import verify
from tests.support.daemon import ROOT

TIMEOUT = 120


def sitePackages(venv: Path) -> Path:
    return (
        venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    )


def dependencies(target: Path) -> Path:
    """
    A directory of links to this environment's installed packages, but not
    to chatd itself (its editable install would put the checkout on the
    path) nor to C{.pth} files.
    """
    target.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name
        if name.startswith(("chatd", "__editable__", "__pycache__")) or name.endswith(".pth"):
            continue
        (target / name).symlink_to(entry)
    return target


def run(*command: str | Path, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_pipInstall(tmp_path: Path) -> None:
    """
    After C{pip install .}, outside the checkout: C{chatd-admin} runs and
    writes an administrator, C{twistd chatd --help} finds the plugin, the
    web page's files are installed, the declared dependencies are met, and
    C{twistd -n chatd --config example.toml} starts.
    """
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        # Not what tests and daemons leave in a checkout: trial's tests.* and
        # _trial_temp directories, a data directory (its lock a dangling link).
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "*.egg-info",
            "__pycache__",
            "tests.*",
            "_trial_temp*",
            "chatd-data",
            ".*_cache",
            ".hypothesis",
        ),
        symlinks=True,
    )
    venv = tmp_path / "venv"
    done = run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (sitePackages(venv) / "deps.pth").write_text(f"{dependencies(tmp_path / 'deps')}\n")
    python = venv / "bin" / "python"
    done = run(python, "-m", "pip", "install", "-q", "--no-deps", source, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shutil.copy(source / "example.toml", tmp_path)
    shutil.rmtree(source)  # what runs now is the installed copy only

    done = run(python, "-m", "pip", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    done = run(python, "-c", "import chatd; print(chatd.__file__)", cwd=tmp_path)
    assert done.stdout.startswith(str(sitePackages(venv) / "chatd")), done

    helped = run(venv / "bin" / "chatd-admin", "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "password" in helped.stdout and "backup" in helped.stdout
    (tmp_path / "chatd-data").mkdir()  # as the daemon makes it at its start
    admin = run(venv / "bin" / "chatd-admin", "root", "--stdin", cwd=tmp_path, stdin="password\n")
    assert admin.returncode == 0, admin.stderr
    assert verify(tmp_path / "chatd-data" / "admin-passwords", "root", "password")

    twistd = "import sys; from twisted.scripts.twistd import run; sys.argv[0] = 'twistd'; run()"
    helped = run(python, "-c", twistd, "chatd", "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "Usage: twistd [options] chatd [options]" in helped.stdout
    assert "--data-dir" in helped.stdout

    files = "from importlib.resources import files; print((files('chatd.web') / 'static').is_dir())"
    assert run(python, "-c", files, cwd=tmp_path).stdout == "True\n"
    assert (sitePackages(venv) / "twisted" / "plugins").is_dir()

    # The shipped example configuration starts the installed daemon (on
    # free local ports: tests run side by side).
    local = "tcp:0:interface=127.0.0.1"
    listeners = [f"--{name}={local}" for name in ("port", "talk", "irc", "web", "admin", "metrics")]
    log = tmp_path / "daemon.log"
    command = [python, "-c", twistd, "-n", "--pidfile=", "chatd", "--config", "example.toml"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [*map(str, command), *listeners], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while "TCHAT reachable at 127.0.0.1:" not in log.read_text():
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        daemon.terminate()
        daemon.wait(TIMEOUT)
    assert "Traceback" not in log.read_text()
