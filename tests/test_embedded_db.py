"""The embedded PostgreSQL of ``make run``, for real: the wheel's server started in a temporary directory, on this
machine as it is (as root here, the server runs as ``portal-postgres``), queried through its socket, then stopped."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config import embedded_db
from config.embedded_db import EmbeddedPostgres

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def var_dir():
    """A fresh ``var/`` (outside pytest's private tmp folders, which the server's user could not reach as root)."""
    directory = Path(tempfile.mkdtemp(prefix="portal-embedded-")) / "var"
    yield directory
    server = EmbeddedPostgres(directory)
    if server.is_running():
        server.stop()
    shutil.rmtree(directory.parent)


def _query(server: EmbeddedPostgres, *statements: str):
    """Run the statements in one transaction (committed); the last one's first row."""
    with psycopg.connect(server.url) as db:
        for sql in statements:
            cursor = db.execute(sql)
        return cursor.fetchone()


COLLATION_PROBE = "SELECT 'é' > 'f', 'Z' < 'a', upper('é'), lower('Œ'), ARRAY['b', 'É', 'a', 'e'] < ARRAY['b', 'e']"


def _test_database_answer(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _launcher(var_dir: Path, *command: str, **kwargs) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-m", "config.embedded_db", "run", "--", *command],
        cwd=ROOT,
        env={**env, "VAR_DIR": str(var_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def _as_from_a_terminal() -> None:
    """A process group of its own, to signal as a terminal would, and Ctrl-C's default action: pytest started in
    the background by a shell runs with SIGINT ignored, which its children would inherit."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(0.05)


def test_the_server_starts_answers_on_its_socket_only_and_keeps_its_data_across_a_restart(var_dir):
    server = EmbeddedPostgres(var_dir)
    server.start()  # first start: initdb
    try:
        assert server.is_running()
        version, listen_addresses = _query(server, "SELECT current_setting('server_version_num')::int, "
                                                   "current_setting('listen_addresses')")  # fmt: skip
        assert version >= 180000
        assert listen_addresses == ""  # no TCP port at all: no clash with the system PostgreSQL on 5432
        _query(server, "CREATE TABLE kept (n int)", "INSERT INTO kept VALUES (42) RETURNING n")
        if os.geteuid() == 0:
            assert (server.data.stat().st_uid, server.data.stat().st_mode & 0o777) == (
                embedded_db._server_user().pw_uid,
                0o700,
            )
    finally:
        server.stop()
    assert not server.is_running()
    assert not (server.data / "postmaster.pid").exists()  # a clean stop

    server.start()  # warm restart on the same data
    try:
        assert _query(server, "SELECT n FROM kept") == (42,)
        # Sorts and changes case like the tests' and production's databases (C.UTF-8: code point order).
        assert _query(server, COLLATION_PROBE) == _test_database_answer(COLLATION_PROBE)
    finally:
        server.stop()


def test_settings_default_to_the_embedded_server_url(var_dir):
    url = embedded_db.database_url(var_dir)
    assert url.startswith("postgres://postgres@%2F") and url.endswith(f":5432/{embedded_db.DATABASE}")
    assert embedded_db.socket_dir(var_dir) == (var_dir / "postgres").resolve()
    deep = var_dir / ("x" * 120)
    assert len(str(embedded_db.socket_dir(deep))) < 60  # a socket path must fit in 108 bytes


def test_run_gives_the_command_the_url_then_stops_the_server(var_dir):
    launcher = _launcher(
        var_dir, sys.executable, "-c", "import os, sys; print(os.environ['DATABASE_URL']); sys.exit(3)"
    )
    output, _ = launcher.communicate(timeout=120)
    assert launcher.returncode == 3, output  # the command's exit status
    assert embedded_db.database_url(var_dir) in output
    assert "PostgreSQL embarqué arrêté" in output
    assert not EmbeddedPostgres(var_dir).is_running()


def test_ctrl_c_stops_the_command_then_the_server_cleanly(var_dir):
    """Ctrl-C in a terminal signals its whole foreground process group: the launcher and its command."""
    server = EmbeddedPostgres(var_dir)
    script = (
        "import os, time, psycopg; psycopg.connect(os.environ['DATABASE_URL']); print('ready', flush=True); "
        "time.sleep(60)"
    )
    launcher = _launcher(var_dir, sys.executable, "-c", script, preexec_fn=_as_from_a_terminal)
    for line in launcher.stdout:  # the launcher's own lines, then the command's
        if line.strip() == "ready":
            break
    os.killpg(launcher.pid, signal.SIGINT)
    output, _ = launcher.communicate(timeout=60)
    assert "KeyboardInterrupt" in output and "PostgreSQL embarqué arrêté" in output
    assert not server.is_running()
    assert not (server.data / "postmaster.pid").exists()


def test_the_last_of_two_launchers_stops_the_server(var_dir):
    server = EmbeddedPostgres(var_dir)
    first = _launcher(var_dir, sys.executable, "-c", "import sys; sys.stdin.readline()", stdin=subprocess.PIPE)
    _wait_until(server.is_running)
    second = _launcher(var_dir, sys.executable, "-c", "pass")
    second.communicate(timeout=60)
    assert second.returncode == 0
    assert server.is_running()  # the first one still uses it
    first.communicate(input="\n", timeout=60)
    assert first.returncode == 0
    assert not server.is_running()
