"""A real Squid on a loopback port with ``harbour squid-helper`` as its URL rewriter, for tests.

Squid refuses to run as root: started by root it switches to its own user (``proxy`` on
Debian), and so do the helpers it starts. That user cannot run an interpreter kept under
``/root`` (pyenv), so as root the helper runs on the system Python of the same version with
the virtualenv's packages on its path, and the test's files are handed to the Squid user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import harbour

SQUID_USER = "proxy"
FRAGMENT = Path(__file__).resolve().parents[3] / "deploy" / "squid" / "harbour.conf"


def find_squid() -> str | None:
    """The squid binary, or None."""
    return shutil.which("squid") or next(
        (p for p in ("/usr/sbin/squid", "/usr/local/sbin/squid") if os.access(p, os.X_OK)), None
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def helper_command(data: Path, block_url: str) -> tuple[str, str | None]:
    """The ``url_rewrite_program`` line, and why it cannot run here (or None)."""
    args = f"--data {data} squid-helper --block-url {block_url}"
    if os.geteuid() != 0:
        return f"{Path(sys.executable).parent / 'harbour'} {args}", None
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.is_file():
        return "", f"running as root, Squid's helpers run as {SQUID_USER!r}, no {system}"
    source = Path(harbour.__file__).resolve().parent.parent
    path = ":".join([str(source), *site.getsitepackages()])
    return f"/usr/bin/env PYTHONPATH={path} {system} -m harbour {args}", None


def deployed_fragment(helper: str, block_host: str) -> str:
    """deploy/squid/harbour.conf as shipped, with this test's helper and block-page host."""
    lines = []
    for line in FRAGMENT.read_text().splitlines():
        if line.startswith("url_rewrite_program "):
            line = f"url_rewrite_program {helper}"
        elif line.startswith("acl harbour_block_page dstdomain "):
            line = f"acl harbour_block_page dstdomain {block_host}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def hand_to_squid_user(folder: Path) -> None:
    """Let the Squid user read and write ``folder`` (only needed when running as root)."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(SQUID_USER)
    for root, dirs, files in os.walk(folder):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, user.pw_uid, user.pw_gid, follow_symlinks=False)


@dataclass
class RunningSquid:
    """A Squid process started by :func:`start_squid`."""

    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    def log(self) -> str:
        """Squid's cache.log (helper errors end up there too)."""
        path = self.folder / "cache.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Shut Squid down (and with it, its helpers); kill it if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_squid(squid: str, folder: Path, hosts: dict[str, str], fragment: str) -> RunningSquid:
    """Start Squid in the foreground on an ephemeral loopback port, caching nothing, resolving
    ``hosts`` (name -> address) from its own hosts file, with the Harbour ``fragment``."""
    port = free_port()
    (folder / "hosts").write_text("".join(f"{ip} {name}\n" for name, ip in hosts.items()))
    user = f"cache_effective_user {SQUID_USER}\n" if os.geteuid() == 0 else ""
    (folder / "squid.conf").write_text(
        f"""http_port 127.0.0.1:{port}
{user}pid_filename {folder}/squid.pid
cache_log {folder}/cache.log
access_log stdio:{folder}/access.log
cache deny all
cache_mem 8 MB
hosts_file {folder}/hosts
dns_nameservers 127.0.0.1
{fragment}
acl loopback src 127.0.0.0/8
http_access allow loopback
http_access deny all
coredump_dir {folder}
shutdown_lifetime 1 seconds
visible_hostname harbour-test
"""
    )
    hand_to_squid_user(folder)
    process = subprocess.Popen(
        # -n: a service name of our own, so shared-memory segments never clash with another Squid
        [squid, "-N", "-n", f"harbour{os.getpid()}x{port}", "-f", str(folder / "squid.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running = RunningSquid(process, port, folder)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"squid exited at start:\n{running.log()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return running
        except OSError:
            time.sleep(0.1)
    running.stop()
    raise RuntimeError(f"squid did not listen on {port}:\n{running.log()[-3000:]}")


def start_pool(data: Path) -> subprocess.Popen[bytes]:
    """``harbour squid-pool`` for ``data``, listening where the helpers look for it; as root,
    its socket is given to the Squid user's group (the helpers run as that user)."""
    from harbour.gateways.squid.pool import wait_for_socket

    group = ["--group", SQUID_USER] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        [sys.executable, "-m", "harbour", "--data", str(data), "squid-pool", *group],
        stderr=subprocess.PIPE,
    )
    if not wait_for_socket(data / "run" / "squid-pool.sock"):
        process.kill()
        raise RuntimeError(f"squid-pool did not start: {process.communicate()[1].decode()}")
    return process


def children_of(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    """A process's command line, spaces between the arguments ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
