"""scripts/install.sh waits for the apt/dpkg lock (bounded, saying so) and names what it installs (issue 14)."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCKED = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)"


def _script(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _sandbox(tmp_path: Path, locked_calls: int) -> tuple[Path, dict]:
    """A copy of install.sh with an installed .venv and fake dpkg/apt-get/id on PATH.

    apt-get answers "Could not get lock" for its first ``locked_calls`` calls, then succeeds;
    every call is logged to apt.log.
    """
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "install.sh", root / "scripts" / "install.sh")
    (root / "requirements.txt").write_text("flask\n")
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name in ("python", "pybabel"):
        _script(venv / name, "exit 0\n")
    digest = hashlib.sha256(b"flask\nflask\n").hexdigest()
    (root / ".venv" / ".installed-runtime").write_text(digest + "\n")
    fake = tmp_path / "bin"
    fake.mkdir()
    _script(fake / "dpkg", "exit 1\n")
    _script(fake / "id", "echo 0\n")
    _script(fake / "apt-get", f"""
calls=$(cat "{tmp_path}/calls" 2>/dev/null || echo 0); echo $((calls + 1)) > "{tmp_path}/calls"
echo "$*" >> "{tmp_path}/apt.log"
if [ "$calls" -lt {locked_calls} ]; then echo "{LOCKED}" >&2; exit 100; fi
""")
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}",
           "APT_LOCK_WAIT_SECONDS": "3", "APT_LOCK_RETRY_SECONDS": "1"}
    return root, env


def _run(root: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "scripts/install.sh", "--runtime"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)


def test_install_waits_for_the_apt_lock_then_installs(tmp_path):
    root, env = _sandbox(tmp_path, locked_calls=2)
    result = _run(root, env)
    assert result.returncode == 0, result.stderr
    assert ("missing system packages: fonts-wqy-microhei fonts-dejavu-core fonts-hanazono fonts-symbola — "
            "installing them with apt-get") in result.stdout
    assert "another program holds the apt/dpkg lock (held by process 4242 (unattended-upgr))" in result.stdout
    assert "Could not get lock" not in result.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update -qq", "update -qq", "update -qq",
                     "install -y -qq fonts-wqy-microhei fonts-dejavu-core fonts-hanazono fonts-symbola"]


def test_install_gives_up_when_the_lock_is_held_past_the_bound(tmp_path):
    root, env = _sandbox(tmp_path, locked_calls=1000)
    result = _run(root, env)
    assert result.returncode != 0
    assert "gave up after 3s: another program still holds the apt/dpkg lock" in result.stderr
    assert len((tmp_path / "apt.log").read_text().splitlines()) == 4


def test_install_reports_other_apt_errors_at_once(tmp_path):
    root, env = _sandbox(tmp_path, locked_calls=0)
    _script(tmp_path / "bin" / "apt-get", "echo 'E: Unable to locate package fonts-wqy-microhei' >&2; exit 100\n")
    result = _run(root, env)
    assert result.returncode != 0
    assert "Unable to locate package" in result.stderr and "waiting" not in result.stdout
