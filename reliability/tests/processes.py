"""Processes the fault tests start and stop: a gunicorn web server and a throwaway PostgreSQL cluster.

Nothing here touches the machine's shared PostgreSQL or Redis: the database tests restart is a cluster of
their own in a temporary directory, on a port of their own.
"""

import glob
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.tests.factories import PASSWORD

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shop_env(**overrides: str) -> dict[str, str]:
    """The environment for a shop process started by a test: ours, without the test-only variables and without
    REDIS_URL (tasks land in the test database's ORM queue, which the test's flush empties), plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST", "PYTEST_VERSION"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "milkshop.settings", "PYTHONPATH": str(BASE_DIR), "Q_WORKERS": "1"})
    env.update(overrides)
    return env


def set_password_for_servers(user, password: str = PASSWORD) -> None:
    """Tests hash passwords with MD5, which a server started without pytest does not accept: use PBKDF2 (cheaply)."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class WebServer:
    """gunicorn serving the shop on a free port, with sync workers as in production; its log in log_path."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 3):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "milkshop.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            "--timeout=60",
            "--graceful-timeout=5",
            "--access-logfile=-",
        ]
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_serving()

    def _wait_until_serving(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                requests.get(f"{self.url}/healthz", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a cold worker still loading
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"gunicorn did not start serving within {timeout}s:\n{tail(self.log_path)}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=15)
        self.log.close()

    def __enter__(self) -> "WebServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def postgres_binaries() -> Path:
    """The directory of initdb and pg_ctl; the test fails (never skips) with what to install when they are missing."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    pytest.fail(
        "The database-restart test starts a throwaway PostgreSQL cluster and needs the server binaries "
        "(initdb, pg_ctl): install them, e.g. `apt-get install postgresql`."
    )


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own: initdb in a temporary directory, pg_ctl start/stop on a free port.

    initdb refuses to run as root, so as root every server command runs as the `postgres` user."""

    def __init__(self):
        self.bin = postgres_binaries()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="milkshop-reliability-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres", group="postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=self.dir)
        if check and result.returncode != 0:
            pytest.fail(f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{tail(self.log)}")
        return result

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def throwaway_postgres():
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
