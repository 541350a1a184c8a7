"""Real services the fault tests start, stop and kill: a dedicated redis-server, a prefork Celery worker."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, *, up: bool, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            listening = probe.connect_ex(("127.0.0.1", port)) == 0
        if listening == up:
            return
        time.sleep(0.05)
    raise AssertionError(f"redis-server on port {port} is still {'down' if up else 'up'} after {timeout} s")


class RedisServer:
    """A throw-away redis-server on a free loopback port, without persistence: stopping it loses everything it held,
    as a crashed Redis would."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        _wait_for_port(self.port, up=False)


def point_celery_at(url: str) -> None:
    """Send tasks to ``url``: the cached connection and producer pools were built for the previous broker."""
    from kombu import pools

    celery_app.conf.broker_url = url
    pools.reset()
    celery_app._after_fork()


@contextmanager
def prefork_worker(**env_overrides):
    """``celery worker`` in a subprocess (prefork pool, one child) on this worktree's queue and the test database.

    The test must use ``transactional_db``: the worker reads what the test committed."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
            f"{database['NAME']}"
        ),
        "DB_LOCK_TIMEOUT_MS": "60000",
        # The test settings put uploads under VAR_DIR/media: the worker must read the files this test stored.
        "VAR_DIR": str(Path(settings.MEDIA_ROOT).parent),
        **env_overrides,
    }
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    celery_app.control.purge()
    log = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads would fill up and block the worker
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "prefork",
            "-c",
            "1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
            "-n",
            f"faults-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def worker_log(process) -> str:
    process.log.seek(0)
    return process.log.read()[-5000:]


def pool_children(process) -> list[int]:
    """The pool's child processes of a prefork worker (Linux ``/proc``)."""
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def wait_for(condition, *, timeout: float = 60, interval: float = 0.05, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met after {timeout} s")
