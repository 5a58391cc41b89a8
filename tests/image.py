"""The lab's container image, built from the real Dockerfile and served from its own filesystem,
on machines with no Docker engine and no image registry (issue 16).

- Base: Debian bookworm by ``debootstrap`` (its Python is 3.11, as in python:3.11-slim), imported
  into podman once as ``localhost/pybase:bookworm`` and reused while it exists.
- Build: ``podman build --isolation chroot --network host --from BASE`` runs every other step of the
  Dockerfile unchanged (``--from`` replaces its FROM line).  ``--format docker`` keeps HEALTHCHECK,
  which the OCI format drops.
- Run: this sandbox's OCI runtime cannot start containers (cgroups, rlimits), so a container is the
  image's filesystem mounted by ``buildah`` with /proc and /dev, and its command started by ``chroot
  --userspec`` as the image's user, in its WORKDIR, with its ENV and nothing of the host's.  There is
  no network namespace: a service listens on a loopback port of the host.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "localhost/pybase:bookworm"
IMAGE = "localhost/dtlab:test"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
TOOLS = ("podman", "buildah", "debootstrap", "chroot", "mount")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(argv, log: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run argv; on failure raise with the tail of its output."""
    out = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if log is not None:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(map(str, argv))}\n{out.stdout}{out.stderr}\n")
    if out.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited {out.returncode}:\n{(out.stdout + out.stderr)[-3000:]}")
    return out


def ensure_base(log: Path) -> None:
    """Make ``BASE`` unless podman has it: bookworm minbase with Python 3.11, pip and the machine's
    CA bundle and pip configuration (the registry is reached through them), a ``python`` link, and
    no EXTERNALLY-MANAGED marker (python:3.11-slim has none)."""
    if subprocess.run(["podman", "image", "exists", BASE]).returncode == 0:
        return
    with tempfile.TemporaryDirectory(prefix="dtlab-base-") as tmp:
        root = Path(tmp) / "root"
        _run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv,python3-pip,ca-certificates",
              "bookworm", str(root), DEBIAN_MIRROR], log)
        for leftover in [*root.glob("var/cache/apt/archives/*.deb"), *root.glob("var/lib/apt/lists/*_*")]:
            leftover.unlink()
        (root / "usr/bin/python").symlink_to("python3")
        for marker in root.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        shutil.copy("/etc/ssl/certs/ca-certificates.crt", root / "etc/ssl/certs/ca-certificates.crt")
        if Path("/etc/pip.conf").exists():
            shutil.copy("/etc/pip.conf", root / "etc/pip.conf")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        _run(["podman", "import", "-", BASE], log, stdin=tar.stdout)
        tar.wait()


@dataclass(frozen=True)
class ImageConfig:
    """What a container engine reads from the image to start it."""
    env: dict
    cmd: list
    workdir: str
    user: str
    healthcheck: list
    size_bytes: int


def build_image(log: Path) -> ImageConfig:
    """``podman build`` of the repository's Dockerfile on ``BASE``; the built image's config."""
    ensure_base(log)
    _run(["podman", "build", "--isolation", "chroot", "--network", "host", "--format", "docker",
          "--from", BASE, "-t", IMAGE, str(ROOT)], log)
    subprocess.run(["podman", "image", "prune", "-f"], capture_output=True)   # earlier builds' images
    info = json.loads(_run(["podman", "image", "inspect", IMAGE]).stdout)[0]
    config = info["Config"]
    env = dict(item.split("=", 1) for item in config.get("Env", []))
    return ImageConfig(env=env, cmd=config.get("Cmd") or [], workdir=config.get("WorkingDir") or "/",
                       user=config.get("User") or "root",
                       healthcheck=(info.get("Healthcheck") or {}).get("Test") or [],
                       size_bytes=int(info["Size"]))


@dataclass(frozen=True)
class Container:
    """A container of the image: its mounted filesystem and how to start commands in it."""
    root: Path
    config: ImageConfig
    uid: int
    gid: int

    def argv(self, command, **env) -> list:
        """``command`` as the image's user in its WORKDIR with its ENV (plus ``env``) and HOME."""
        home = next((line.split(":")[5] for line in (self.root / "etc/passwd").read_text().splitlines()
                     if line.split(":")[2] == str(self.uid)), "/")
        variables = {"HOME": home, **self.config.env, **env}
        return ["chroot", f"--userspec={self.uid}:{self.gid}", str(self.root), "/usr/bin/env", "-i",
                "-C", self.config.workdir, *[f"{k}={v}" for k, v in variables.items()], *command]

    def command_of(self, test: list) -> list:
        """A Dockerfile HEALTHCHECK/CMD test list (["CMD", ...] or ["CMD-SHELL", "..."]) as argv."""
        kind, *rest = test
        return ["/bin/sh", "-c", rest[0]] if kind == "CMD-SHELL" else rest

    @contextlib.contextmanager
    def process(self, command, log: Path, **env):
        """Start ``command`` in the container (its own process group); stop the group on exit."""
        with open(log, "ab") as out:
            proc = subprocess.Popen(self.argv(command, **env), stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            yield proc
        finally:
            stop_group(proc)

    def written_since(self, marker: Path, allowed: tuple[str, ...]) -> list[str]:
        """Paths in the container's filesystem changed after ``marker`` was made, outside ``allowed``."""
        out = subprocess.run(["find", str(self.root), "-xdev", "-newer", str(marker)],
                             capture_output=True, text=True).stdout.split()
        changed = ["/" + os.path.relpath(p, self.root) for p in out]
        return [p for p in changed if p != "/." and not any(p == a or p.startswith(a + "/") for a in allowed)]


def stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


#: The device nodes a container runtime gives a container (name, major, minor).
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0))


def _mount_runtime_fs(root: Path) -> list[Path]:
    """/proc, and a /dev of its own as a container runtime makes it (device nodes, a /dev/shm tmpfs
    for semaphores): none of the host's /dev is shared.  Returns the mount points, innermost last."""
    dev = root / "dev"
    _run(["mount", "-t", "proc", "proc", str(root / "proc")])
    _run(["mount", "-t", "tmpfs", "-o", "mode=755,size=65536k", "tmpfs", str(dev)])
    for name, major, minor in DEVICES:
        os.mknod(dev / name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(dev / name, 0o666)
    (dev / "shm").mkdir()
    _run(["mount", "-t", "tmpfs", "-o", "mode=1777,size=65536k", "tmpfs", str(dev / "shm")])
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        (dev / name).symlink_to(target)
    return [root / "proc", dev, dev / "shm"]


@contextlib.contextmanager
def container(config: ImageConfig):
    """A fresh container of ``IMAGE`` (``buildah from``): its filesystem mounted, with /proc and /dev."""
    name = _run(["buildah", "from", IMAGE]).stdout.strip()
    mounts: list[Path] = []
    try:
        root = Path(_run(["buildah", "mount", name]).stdout.strip())
        mounts = _mount_runtime_fs(root)
        passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
        user = passwd[config.user]
        yield Container(root=root, config=config, uid=int(user[2]), gid=int(user[3]))
    finally:
        for path in reversed(mounts):
            subprocess.run(["umount", str(path)], capture_output=True)
        subprocess.run(["buildah", "umount", name], capture_output=True)
        subprocess.run(["buildah", "rm", name], capture_output=True)


def wait_until(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    """Poll ``predicate`` until true; fail with ``what`` and the log's tail on time-out or exit."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc is not None and proc.poll() is not None:
            break
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"{what} did not happen in {timeout} s\n{tail}")
